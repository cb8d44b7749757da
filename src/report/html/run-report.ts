// report.html of a run: the headline statistics and event probabilities, each headline metric's distribution
// (histogram and ECDF with VaR/ES markers and CIs), who paid (table and each party's distribution), the
// convergence of the estimates with the path count, fan charts and the worst traced paths when the run has that
// data, and the warnings. Every number shown is summary.json's; the charts bin the per-path table.
import { VERSION } from "../../version.js";
import { WORST_TAIL, type Tail, baseMetric } from "../../stats/summary.js";
import { METRIC_KIND, formatValue, groupThousands, type MetricKind } from "../table.js";
import { convergence, convergenceSpec } from "./convergence.js";
import { distribution, distributionSpec, markers } from "./distribution.js";
import { fanSpecs } from "./fan-chart.js";
import { esc, finite } from "./markup.js";
import { renderPage, type Section } from "./page.js";
import { MARKET_REPORT_METRICS, type RunDir, summaryMarketNames } from "./run-dir.js";
import { metricTable, probabilityTable, whoPaidRows, whoPaidTable } from "./run-tables.js";
import { WHO_PAID_ROWS } from "../who-paid.js";
import { ChartSet } from "./svg-chart.js";
import { timelineSpec, worstTracedPaths } from "./timelines.js";

/** The metrics whose distributions and convergence the report draws (issue #15), in this order. */
export const HEADLINE_METRICS = [
  "liquidatedNotional",
  "badDebt",
  "maxDrawdown",
  "amplification",
  "insuranceMin",
  "adlNotional",
] as const;

/** The per-path columns the page draws: the headline metrics, the who-paid parties and memos, and the ranking of traced paths. */
export const REPORT_COLUMNS: readonly string[] = [
  ...new Set([...HEADLINE_METRICS, ...WHO_PAID_ROWS.map((r) => r.metric), "flowPnl", "badDebt", "liquidatedNotional"]),
];

interface Series {
  /** Chart and section name. */
  name: string;
  title: string;
  metric: string;
  sign: 1 | -1;
  kind: MetricKind;
}

const kindOf = (m: string): MetricKind => METRIC_KIND[m as keyof typeof METRIC_KIND] ?? "money";
const tailOf = (m: string): Tail => WORST_TAIL[baseMetric(m)] ?? "upper";

/** "0 on every path" for a metric with one value: a chart of one bar says less than that sentence. */
function constantNote(title: string, value: number, n: number, kind: MetricKind): string {
  return `<p class="note constant"><strong>${esc(title)}</strong>: ${esc(formatValue(value, kind))} on every path (${esc(groupThousands(n, 0))} of ${esc(groupThousands(n, 0))}); no distribution to draw.</p>`;
}

/** Distribution charts of the series (one figure each), or a note for a series without spread. */
async function distributions(run: RunDir, charts: ChartSet, series: readonly Series[]): Promise<string> {
  const figures: string[] = [];
  const notes: string[] = [];
  for (const s of series) {
    const col = run.table?.numbers.get(s.metric);
    if (!col) {
      notes.push(`<p class="note">${esc(s.title)}: not in the per-path table.</p>`);
      continue;
    }
    const d = distribution(col, s.sign);
    if (d.n === 0) {
      notes.push(`<p class="note">${esc(s.title)}: no finite value on any path.</p>`);
      continue;
    }
    if (d.bins.length === 0) {
      notes.push(constantNote(s.title, d.min, d.n, s.kind));
      continue;
    }
    const m = markers(run.summary.metrics?.[s.metric], tailOf(s.metric), s.sign);
    figures.push(await charts.figure(`distribution:${s.name}`, distributionSpec(s.title, d, m.markers, s.kind, m.tail)));
  }
  return `<div class="charts">${figures.join("")}</div>${notes.join("")}`;
}

async function convergencePanel(run: RunDir, charts: ChartSet, series: readonly Series[]): Promise<string> {
  const figures: string[] = [];
  const notes: string[] = [];
  for (const s of series) {
    const col = run.table?.numbers.get(s.metric);
    if (!col) continue;
    const c = convergence(col, s.sign);
    if (c.length < 2 || !c.some((p) => p.half > 0)) {
      notes.push(`${s.title}`);
      continue;
    }
    figures.push(await charts.figure(`convergence:${s.name}`, convergenceSpec(s.title, c, s.kind)));
  }
  const note =
    notes.length > 0
      ? `<p class="note">Without spread (one value on every path so far), so nothing to converge: ${esc(notes.join(", "))}.</p>`
      : "";
  return (
    `<p class="note">Left: the mean of the first n paths (in path order) with its 95% CI. Right: the CI's half-width against n on log-log axes; ` +
    `the dashed line falls as 1/√n from the last point, what more paths of the same spread would give. Heavy tails (bad debt) settle late: a mean that still jumps when a rare path arrives needs more paths.</p>` +
    `<div class="charts">${figures.join("")}</div>${note}`
  );
}

function header(run: RunDir): string[] {
  const s = run.summary;
  const scenario = (s.scenario ?? {}) as { name?: string; steps?: number; stepSeconds?: number };
  const runtime = finite(s.runtimeMs);
  const parts = [
    `<strong>${esc(groupThousands(Number(s.paths), 0))}</strong> paths`,
    `seed <strong>${esc(s.seed)}</strong>`,
    `engine ${esc(s.engine ?? "?")}`,
    ...(finite(s.threads) !== undefined ? [`${esc(s.threads)} thread${s.threads === 1 ? "" : "s"}`] : []),
    ...(runtime !== undefined
      ? [`${esc(runtime < 1000 ? `${Math.round(runtime)} ms` : `${(runtime / 1000).toFixed(2)} s`)}`]
      : []),
    ...(scenario.steps !== undefined ? [`${esc(scenario.steps)} steps of ${esc(scenario.stepSeconds ?? "?")} s`] : []),
  ];
  const lines = [parts.join(" · ")];
  const ids = [
    ...(typeof s.scenarioHash === "string" ? [`scenario <code>${esc(s.scenarioHash.slice(0, 16))}</code>`] : []),
    ...(typeof s.recordsHash === "string" ? [`records <code>${esc(s.recordsHash.slice(0, 16))}</code>`] : []),
    `version ${esc(s.version ?? "?")}`,
  ];
  lines.push(ids.join(" · "));
  if (s.interrupted === true)
    lines.push(`<strong>interrupted</strong>: ${esc(s.paths)} of ${esc(s.requestedPaths ?? "?")} paths finished`);
  return lines;
}

/** The whole page of a run directory. */
export async function runReportHtml(run: RunDir): Promise<{ html: string; warnings: string[] }> {
  const charts = new ChartSet();
  const s = run.summary;
  const sections: Section[] = [];

  const warnings = Array.isArray(s.warnings) ? (s.warnings as unknown[]).map(String) : [];
  if (warnings.length > 0)
    sections.push({
      id: "warnings",
      title: "Warnings",
      html: `<ul class="warnings">${warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>`,
    });

  sections.push({
    id: "statistics",
    title: "Statistics",
    html: metricTable(s, new Set(HEADLINE_METRICS)) + `<h3>Event probabilities</h3>` + probabilityTable(s),
  });

  const noTable = run.table
    ? ""
    : `<p class="note">This directory has no per-path table (paths.csv or paths.parquet): the distributions and the convergence panel need it.</p>`;
  const headline: Series[] = HEADLINE_METRICS.map((m) => ({ name: m, title: m, metric: m, sign: 1, kind: kindOf(m) }));
  sections.push({
    id: "distributions",
    title: "Distributions",
    html: noTable + (run.table ? await distributions(run, charts, headline) : ""),
  });

  const parties: Series[] = whoPaidRows(s).map((r) => ({
    name: `who-paid:${r.metric}`,
    title: r.label,
    metric: r.metric,
    sign: r.sign,
    kind: "money",
  }));
  sections.push({
    id: "who-paid",
    title: "Who paid",
    html:
      whoPaidTable(s) +
      (run.table ? `<h3>Each party's money change across paths</h3>` + (await distributions(run, charts, parties)) : ""),
  });

  const markets = summaryMarketNames(s);
  if (markets.length > 0 && run.table) {
    const perMarket: Series[] = markets.flatMap((name) =>
      MARKET_REPORT_METRICS.map((m) => ({
        name: `market:${name}:${m}`,
        title: `${name}: ${m}`,
        metric: `markets.${name}.${m}`,
        sign: 1 as const,
        kind: kindOf(m),
      })),
    );
    sections.push({
      id: "markets",
      title: "Per market",
      html:
        `<p class="note">Each market's own metrics (summary.json's markets.NAME.*; the venue's price metrics above are market 0's).</p>` +
        (await distributions(run, charts, perMarket)),
    });
  }

  if (run.table) sections.push({ id: "convergence", title: "Convergence", html: await convergencePanel(run, charts, headline) });

  if (run.fan) {
    const stepSeconds = finite((s.scenario as { stepSeconds?: number } | undefined)?.stepSeconds);
    const figures: string[] = [];
    for (const f of fanSpecs(run.fan, stepSeconds)) figures.push(await charts.figure(`fan:${f.name}`, f.spec));
    sections.push({
      id: "fan",
      title: "Fan charts",
      html: `<p class="note">Per step, the spread of each series across all paths (summary.json's fan).</p><div class="charts">${figures.join("")}</div>`,
    });
  }

  if (run.trace.steps || run.trace.events) {
    const paths = worstTracedPaths(run.trace, run.table);
    const spec = timelineSpec(run.trace, paths);
    const html = spec
      ? await charts.figure("timelines", spec)
      : `<p class="note">The trace files hold no step of the chosen paths.</p>`;
    sections.push({ id: "timelines", title: "Worst traced paths", html });
  }

  const title = `${String((s.scenario as { name?: string } | undefined)?.name ?? "run")}: run report`;
  const html = renderPage({ title, meta: header(run), sections, generator: `margin-cascade ${VERSION}` });
  return { html, warnings: charts.warnings };
}
