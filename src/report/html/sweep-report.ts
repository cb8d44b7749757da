// report.html of a sweep: the points' statistics and paired differences against the baseline (tables, and
// interval charts), the venue comparison (or, for other axes, the points compared), a heatmap over the first two
// axes, the Pareto front of tail risk against cost, and the warnings. Every number shown is sweep.json's.
import { VERSION } from "../../version.js";
import { PROBABILITY_NAMES } from "../../stats/proportion.js";
import { WORST_TAIL, type Tail } from "../../stats/summary.js";
import { METRIC_KIND, formatPercent, formatValue, groupThousands, type MetricKind } from "../table.js";
import { heatmapSpec, heldFixed } from "./heatmap.js";
import { dataAttrs, dataValue, esc, finite, intervalCell, numCell } from "./markup.js";
import { renderPage, type Section } from "./page.js";
import { PARETO_COSTS, paretoPoints, paretoSpec } from "./pareto.js";
import { comparisonSpec, differenceSpec, direction, eventDifferenceSpec } from "./point-comparison.js";
import type { SweepDir } from "./run-dir.js";
import { table } from "./run-tables.js";
import { ChartSet, type ChartSpec } from "./svg-chart.js";
import { isVenueSweep, pointName, shortKey, sweepDoc, valueText, type SweepDoc } from "./sweep-points.js";

/** Points above which the per-point interval charts give way to the tables and heatmaps (they would be too tall). */
export const MAX_CHARTED_POINTS = 40;
/** Paths beyond p99 below which its estimate is mostly noise (as the run's warnings say). */
const TAIL_PATHS = 100;

const kindOf = (m: string): MetricKind => METRIC_KIND[m as keyof typeof METRIC_KIND] ?? "money";
const tailOf = (m: string): Tail => WORST_TAIL[m as keyof typeof WORST_TAIL] ?? "upper";

/** The axes that get a column of their own: none when a point's name is its one axis value. */
function axisColumns(doc: SweepDoc): SweepDoc["design"]["axes"] {
  const axes = doc.design.axes;
  if (axes.length === 1 && doc.points.every((p) => pointName(p, axes) === valueText(p.values?.[axes[0].key]))) return [];
  return axes;
}

function pointHead(doc: SweepDoc): string[] {
  return [
    doc.design.axes.length === 1 && axisColumns(doc).length === 0 ? doc.design.axes[0].key : "point",
    ...axisColumns(doc).map((a) => shortKey(a.key, doc.design.axes)),
  ];
}

function pointCells(doc: SweepDoc, p: SweepDoc["points"][number]): string {
  const axes = axisColumns(doc)
    .map((a) => `<td>${esc(valueText(p.values?.[a.key]))}</td>`)
    .join("");
  return `<th scope="row">${esc(pointName(p, doc.design.axes))}${p.baseline ? ' <span class="muted">(baseline)</span>' : ""}</th>${axes}`;
}

/** Each point's mean of every reported metric. */
function meansTable(doc: SweepDoc): string {
  const rows = doc.points.map(
    (p) =>
      `<tr${p.baseline ? ' class="baseline"' : ""}${dataAttrs({ point: p.index })}>${pointCells(doc, p)}<td class="num">${esc(groupThousands(p.paths, 0))}</td>` +
      doc.metrics
        .map((m) =>
          numCell((p.metrics?.[m]?.mean as number | null | undefined) ?? null, kindOf(m), {
            point: p.index,
            metric: m,
            stat: "mean",
          }),
        )
        .join("") +
      "</tr>",
  );
  return table(
    "sweep-means",
    [...pointHead(doc), "paths", ...doc.metrics],
    rows,
    "Mean per path at each point; the baseline row is highlighted. The 95% intervals are in the charts below and in sweep.json.",
  );
}

/** A difference cell: `+x [lo, hi]`, coloured when the interval excludes zero. */
function diffCell(
  x: number | undefined,
  ci: (number | null)[] | undefined,
  kind: MetricKind | "percent",
  attrs: Record<string, string | number>,
): string {
  if (x === undefined) return `<td class="num"${dataAttrs({ value: "null", ...attrs })}>n/a</td>`;
  const f = (v: number) => (kind === "percent" ? formatPercent(v) : formatValue(v, kind));
  const sign = (v: number) => (v > 0 ? "+" : "") + f(v);
  const lo = finite(ci?.[0]);
  const hi = finite(ci?.[1]);
  const dir = lo !== undefined && hi !== undefined ? direction(lo, hi) : "not significant";
  const cls = dir === "higher" ? " up" : dir === "lower" ? " down" : "";
  const interval = lo !== undefined && hi !== undefined ? ` <span class="muted">[${esc(sign(lo))}, ${esc(sign(hi))}]</span>` : "";
  return `<td class="num${cls}"${dataAttrs({ value: dataValue(x), lo: dataValue(lo), hi: dataValue(hi), kind, ...attrs })}>${esc(sign(x))}${interval}</td>`;
}

/** Each non-baseline point's paired difference of every metric's mean, with its 95% CI. */
function differencesTable(doc: SweepDoc): string {
  const pts = doc.points.filter((p) => !p.baseline);
  const rows = pts.map(
    (p) =>
      `<tr${dataAttrs({ point: p.index })}>${pointCells(doc, p)}` +
      doc.metrics
        .map((m) =>
          diffCell(finite(p.differences?.metrics?.[m]?.mean), p.differences?.metrics?.[m]?.ci95, kindOf(m), {
            point: p.index,
            metric: m,
            stat: "diff",
          }),
        )
        .join("") +
      "</tr>",
  );
  return table(
    "sweep-differences",
    [...pointHead(doc), ...doc.metrics],
    rows,
    "Point − baseline in the mean per path, paired on the same paths (common random numbers), with its 95% CI; red: higher than the baseline, green: lower, beyond the interval.",
  );
}

/** Each point's event probabilities with their Wilson intervals. */
function eventsTable(doc: SweepDoc): string {
  const rows = doc.points.map(
    (p) =>
      `<tr${p.baseline ? ' class="baseline"' : ""}${dataAttrs({ point: p.index })}>${pointCells(doc, p)}` +
      PROBABILITY_NAMES.map((e) => {
        const est = p.probabilities?.[e];
        return (
          numCell(est?.p ?? null, "percent", { point: p.index, event: e, stat: "p" }) +
          intervalCell(est?.ci95 ?? null, "percent", { point: p.index, event: e, stat: "ci95" })
        );
      }).join("") +
      "</tr>",
  );
  return table("sweep-events", [...pointHead(doc), ...PROBABILITY_NAMES.flatMap((e) => [e, "95% CI"])], rows);
}

function warnings(doc: SweepDoc): string[] {
  const raw = doc.raw;
  const out: string[] = [];
  if (raw.interrupted === true)
    out.push(
      `the sweep was interrupted: ${doc.points.length} of ${String(raw.pointCount ?? "?")} points finished; finish it with --resume`,
    );
  for (const w of (raw.base as { venueWarnings?: unknown[] } | undefined)?.venueWarnings ?? []) out.push(String(w));
  const paths = finite(raw.paths);
  if (paths !== undefined && paths > 1) {
    const beyond = Math.floor(paths * 0.01);
    if (beyond < TAIL_PATHS)
      out.push(
        `p99 (the Pareto front's risk axis, the comparison's ◆) rests on ${beyond} path${beyond === 1 ? "" : "s"} beyond it at each point (of ${groupThousands(paths, 0)}): fewer than ${TAIL_PATHS}, so read it as a rough value (10,000 paths give ${TAIL_PATHS})`,
      );
  }
  const noDiff = doc.points.filter((p) => !p.baseline && !p.differences).length;
  if (noDiff > 0)
    out.push(
      `${noDiff} point${noDiff === 1 ? " has" : "s have"} no difference against the baseline (the baseline did not finish)`,
    );
  return out;
}

function header(doc: SweepDoc): string[] {
  const r = doc.raw;
  const base = doc.points.find((p) => p.baseline);
  const runtime = finite(r.runtimeMs);
  return [
    [
      `<strong>${esc(doc.points.length)}</strong> point${doc.points.length === 1 ? "" : "s"} (${esc(doc.design.kind)} over ${esc(doc.design.axes.map((a) => a.key).join(", ") || "no axis")})`,
      `<strong>${esc(groupThousands(Number(r.paths), 0))}</strong> paths each, common random numbers`,
      `seed <strong>${esc(r.seed)}</strong>`,
      `engine ${esc(r.engine ?? "?")}`,
      ...(runtime !== undefined ? [esc(runtime < 1000 ? `${Math.round(runtime)} ms` : `${(runtime / 1000).toFixed(2)} s`)] : []),
    ].join(" · "),
    [
      `baseline: <strong>${esc(base ? pointName(base, doc.design.axes) : "none")}</strong>`,
      ...(typeof r.file === "string" ? [`file ${esc(r.file)}`] : []),
      ...(typeof r.sweepHash === "string" ? [`sweep <code>${esc(r.sweepHash.slice(0, 16))}</code>`] : []),
      `version ${esc(r.version ?? "?")}`,
    ].join(" · "),
  ];
}

/** The charts of the items that have one, then a note naming those without (`missing` says why). */
async function figures(
  charts: ChartSet,
  items: readonly { name: string; label: string; spec: ChartSpec | undefined }[],
  missing: string,
): Promise<string> {
  const out: string[] = [];
  const none: string[] = [];
  for (const it of items) {
    if (it.spec) out.push(await charts.figure(it.name, it.spec));
    else none.push(it.label);
  }
  return (
    `<div class="charts">${out.join("")}</div>` +
    (none.length > 0 ? `<p class="note">${esc(missing)}: ${esc(none.join(", "))}.</p>` : "")
  );
}

export async function sweepReportHtml(dir: SweepDir): Promise<{ html: string; warnings: string[] }> {
  const doc = sweepDoc(dir.sweep);
  const charts = new ChartSet();
  const sections: Section[] = [];
  const w = warnings(doc);
  if (w.length > 0)
    sections.push({
      id: "warnings",
      title: "Warnings",
      html: `<ul class="warnings">${w.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>`,
    });

  sections.push({ id: "points", title: "Points", html: meansTable(doc) + "<h3>Event probabilities</h3>" + eventsTable(doc) });

  const venue = isVenueSweep(doc.design.axes);
  const charted = doc.points.length <= MAX_CHARTED_POINTS;
  const tooMany = `<p class="note">${doc.points.length} points: too many to chart one row each (at most ${MAX_CHARTED_POINTS}); see the tables and the heatmaps.</p>`;
  sections.push({
    id: "comparison",
    title: venue ? "Venue comparison" : "Points compared",
    html: charted
      ? `<p class="note">Each point's mean with its 95% CI (the baseline in orange) and the tail quantile on the metric's worse side (◆).</p>` +
        (await figures(
          charts,
          doc.metrics.map((m) => ({ name: `comparison:${m}`, label: m, spec: comparisonSpec(doc, m, kindOf(m), tailOf(m)) })),
          "The same value at every point (nothing to compare)",
        ))
      : tooMany,
  });

  const diffCharts = charted
    ? await figures(
        charts,
        [
          ...doc.metrics.map((m) => ({ name: `difference:${m}`, label: m, spec: differenceSpec(doc, m, kindOf(m)) })),
          { name: "difference:events", label: "event probabilities", spec: eventDifferenceSpec(doc, PROBABILITY_NAMES) },
        ],
        "No difference from the baseline at any point, on any path",
      )
    : "";
  sections.push({
    id: "differences",
    title: "Paired differences against the baseline",
    html: differencesTable(doc) + diffCharts,
  });

  if (doc.design.axes.length >= 2) {
    const fixed = heldFixed(doc);
    sections.push({
      id: "heatmap",
      title: "Heatmaps",
      html:
        `<p class="note">Each metric's mean over ${esc(doc.design.axes[0].key)} × ${esc(doc.design.axes[1].key)}${fixed ? `, the other axes at the baseline's values (${esc(fixed)})` : ""}; the baseline cell is outlined.</p>` +
        (await figures(
          charts,
          doc.metrics.map((m) => ({ name: `heatmap:${m}`, label: m, spec: heatmapSpec(doc, m, tailOf(m), kindOf(m)) })),
          "The same value in every cell (nothing to map)",
        )),
    });
  }

  const costs = PARETO_COSTS.filter((c) => doc.metrics.includes(c))
    .map((c) => ({ cost: c, pts: paretoPoints(doc, c) }))
    .filter((c) => c.pts.length > 0);
  if (costs.length > 0 && doc.metrics.includes("badDebt")) {
    let html = "";
    for (const { cost, pts } of costs) {
      html += await charts.figure(`pareto:${cost}`, paretoSpec(cost, pts));
      const front = pts.filter((p) => p.front).sort((a, b) => a.x - b.x);
      html += table(
        `pareto-${cost}`,
        ["on the front", `${cost} mean`, "badDebt p99"],
        front.map(
          (p) =>
            `<tr${dataAttrs({ point: p.index })}><th scope="row">${esc(p.name)}${p.baseline ? ' <span class="muted">(baseline)</span>' : ""}</th>${numCell(p.x, kindOf(cost), { point: p.index, metric: cost, stat: "mean" })}${numCell(p.y, "money", { point: p.index, metric: "badDebt", stat: "p99" })}</tr>`,
        ),
      );
    }
    sections.push({ id: "pareto", title: "Pareto front", html });
  } else {
    sections.push({
      id: "pareto",
      title: "Pareto front",
      html: `<p class="note">Needs badDebt and one of ${PARETO_COSTS.join(", ")} among the sweep's metrics (metrics: in the sweep file).</p>`,
    });
  }

  const html = renderPage({
    title: `${doc.name}: sweep report`,
    meta: header(doc),
    sections,
    generator: `margin-cascade ${VERSION}`,
  });
  return { html, warnings: charts.warnings };
}
