// The run report's tables, each number straight from summary.json: the metric statistics (the console's metric
// table, with VaR and ES on each metric's worst tail and the mean's CI), the "who paid" table (each party's money
// change per path at the mark, summing to zero) and the event probabilities with their Wilson intervals. Every
// number cell carries its exact value and where it comes from (data-metric, data-stat, data-sign).
import { METRIC_NAMES } from "../../engine/metrics.js";
import { PROBABILITY_EVENTS, PROBABILITY_NAMES, type ProbabilityName } from "../../stats/proportion.js";
import { WORST_TAIL } from "../../stats/summary.js";
import { METRIC_KIND, groupThousands, tickDecimals } from "../table.js";
import { WHO_PAID_METRICS, WHO_PAID_ROWS } from "../who-paid.js";
import { dataAttrs, esc, finite, intervalCell, numCell } from "./markup.js";
import type { SummaryDoc } from "./run-dir.js";

export interface WhoPaidRow {
  label: string;
  metric: string;
  sign: 1 | -1;
}

/** The who-paid rows of a summary: WHO_PAID_ROWS, and the voluntary closers' P&L (flowPnl) when the run has any. */
export function whoPaidRows(summary: SummaryDoc): WhoPaidRow[] {
  const rows: WhoPaidRow[] = WHO_PAID_ROWS.map((r) => ({ label: r.label, metric: r.metric, sign: r.sign }));
  const flow = summary.metrics?.flowPnl;
  if (
    flow &&
    !rows.some((r) => r.metric === "flowPnl") &&
    !(finite(flow.min) === 0 && finite(flow.max) === 0) &&
    finite(flow.mean) !== undefined
  ) {
    rows.splice(rows.length - 1, 0, { label: "voluntary closers (flow)", metric: "flowPnl", sign: 1 });
  }
  return rows;
}

/** The memo rows under the who-paid table: parts of the rows above, not parties. */
export const WHO_PAID_MEMOS: readonly WhoPaidRow[] = [
  { label: "fees the liquidated paid", metric: "feesPaid", sign: 1 },
  { label: "losses beyond collateral", metric: "shortfall", sign: 1 },
];

const stat = (summary: SummaryDoc, metric: string, key: string): number | null | undefined => {
  const v = summary.metrics?.[metric]?.[key];
  return typeof v === "number" ? v : v === null ? null : undefined;
};

const signed = (x: number | null | undefined, sign: 1 | -1) => (typeof x === "number" ? sign * x + 0 : x);

/** The metrics the console's metric table shows (the who-paid metrics have their own table). */
export function tableMetrics(summary: SummaryDoc): string[] {
  return METRIC_NAMES.filter((m) => {
    if (WHO_PAID_METRICS.has(m) || m === "flowPnl") return false;
    const s = summary.metrics?.[m];
    // marginHeld is measured by the scan engine only: no row for a run that has none
    return !(m === "marginHeld" && s && s.excluded === summary.paths);
  });
}

/** The metric statistics table. */
export function metricTable(summary: SummaryDoc, highlight: ReadonlySet<string>): string {
  const pd = tickDecimals(Number((summary.scenario as { market?: { tickSize?: number } } | undefined)?.market?.tickSize));
  const head = ["metric", "worst", "mean", "95% CI of the mean", "p50", "VaR 95%", "VaR 99%", "ES 95%", "ES 99%", "min", "max"];
  const rows = tableMetrics(summary).map((m) => {
    const kind = METRIC_KIND[m as keyof typeof METRIC_KIND] ?? "money";
    const tail = WORST_TAIL[m as keyof typeof WORST_TAIL] ?? "upper";
    const s = summary.metrics?.[m];
    const cell = (key: string) => numCell(stat(summary, m, key), kind, { metric: m, stat: key }, pd);
    const [v95, v99] = tail === "upper" ? ["p95", "p99"] : ["p05", "p01"];
    const nonFinite = typeof s?.nonFinite === "number" ? ` <span class="muted">(${s.nonFinite} non-finite)</span>` : "";
    return (
      `<tr${highlight.has(m) ? ' class="headline"' : ""}${dataAttrs({ metric: m })}><th scope="row">${esc(m)}${nonFinite}</th><td class="tail" title="${tail === "upper" ? "larger is worse" : "smaller is worse"}">${tail === "upper" ? "↑" : "↓"}</td>` +
      cell("mean") +
      intervalCell((s?.ci95 as (number | null)[] | undefined) ?? null, kind, { metric: m, stat: "ci95" }, pd) +
      cell("p50") +
      cell(v95) +
      cell(v99) +
      cell("es95") +
      cell("es99") +
      cell("min") +
      cell("max") +
      "</tr>"
    );
  });
  return table(
    "metric-table",
    head,
    rows,
    "↑ larger is worse, ↓ smaller is worse; VaR is the 95% / 99% quantile on that side (p95/p99, or p05/p01), ES the mean of the worst 5% / 1% of paths there.",
  );
}

/** The who-paid table: mean (with its CI), p01, p50, p99 of each party's money change, the sum, then the memos. */
export function whoPaidTable(summary: SummaryDoc): string {
  const row = (r: WhoPaidRow, memo: boolean) => {
    const s = summary.metrics?.[r.metric];
    const attrs = (key: string) => ({ metric: r.metric, stat: key, sign: r.sign });
    // a negated metric's p01 is minus its p99
    const [q01, q99] = r.sign === 1 ? ["p01", "p99"] : ["p99", "p01"];
    const ci = (s?.ci95 as (number | null)[] | undefined) ?? null;
    const sci = ci ? (r.sign === 1 ? ci : [signed(ci[1], -1), signed(ci[0], -1)]) : null;
    return (
      `<tr class="${memo ? "memo" : "party"}"${dataAttrs({ metric: r.metric })}><th scope="row">${memo ? "&nbsp;&nbsp;" : ""}${esc(r.label)}</th>` +
      numCell(signed(stat(summary, r.metric, "mean"), r.sign), "money", attrs("mean")) +
      intervalCell(sci, "money", attrs("ci95")) +
      numCell(signed(stat(summary, r.metric, q01), r.sign), "money", attrs(q01)) +
      numCell(signed(stat(summary, r.metric, "p50"), r.sign), "money", attrs("p50")) +
      numCell(signed(stat(summary, r.metric, q99), r.sign), "money", attrs(q99)) +
      "</tr>"
    );
  };
  const parties = whoPaidRows(summary);
  let sum = 0;
  for (const r of parties) sum += signed(stat(summary, r.metric, "mean"), r.sign) ?? NaN;
  const rows = [
    ...parties.map((r) => row(r, false)),
    `<tr class="sum"><th scope="row">sum (money is conserved)</th>${numCell(sum, "money", { stat: "sum" })}<td></td><td></td><td></td><td></td></tr>`,
    ...WHO_PAID_MEMOS.filter((r) => summary.metrics?.[r.metric]).map((r) => row(r, true)),
  ];
  return table(
    "who-paid",
    ["who paid (money change per path, at the mark)", "mean", "95% CI of the mean", "p01", "p50", "p99"],
    rows,
    "Each party's money change over a path at the mark; the parties' changes sum to zero path by path, so their means do too. The indented memos are parts of the rows above.",
  );
}

interface EventEntry {
  p: number | null | undefined;
  ci95?: (number | null)[];
  count?: number;
  n?: number;
}

/** An event's estimate whether summary.json holds SPEC's flat numbers (+ probabilityIntervals) or objects. */
export function eventEntry(summary: Record<string, unknown>, name: ProbabilityName): EventEntry {
  const raw = (summary.probabilities as Record<string, unknown> | undefined)?.[name];
  if (raw !== null && typeof raw === "object") return raw as EventEntry;
  const iv = (summary.probabilityIntervals as Record<string, EventEntry> | undefined)?.[name];
  return { p: raw as number | null | undefined, ci95: iv?.ci95, count: iv?.count, n: iv?.n };
}

export function probabilityTable(summary: SummaryDoc): string {
  const rows = PROBABILITY_NAMES.map((name) => {
    const e = eventEntry(summary, name);
    const paths =
      e.count !== undefined ? `${groupThousands(e.count, 0)} / ${groupThousands(e.n ?? Number(summary.paths), 0)}` : "n/a";
    return (
      `<tr${dataAttrs({ event: name })}><th scope="row">${esc(name)}</th><td>${esc(PROBABILITY_EVENTS[name].definition)}</td>` +
      numCell(e.p, "percent", { event: name, stat: "p" }) +
      intervalCell(e.ci95 ?? null, "percent", { event: name, stat: "ci95" }) +
      `<td class="num">${esc(paths)}</td></tr>`
    );
  });
  return table("probabilities", ["event", "definition", "probability", "95% CI (Wilson)", "paths"], rows);
}

/** A table with a header row and a caption-like note below. */
export function table(id: string, head: readonly string[], rows: readonly string[], note?: string): string {
  return (
    `<div class="table-wrap"><table id="${esc(id)}"><thead><tr>${head.map((h, i) => `<th scope="col"${i === 0 ? ' class="left"' : ""}>${esc(h)}</th>`).join("")}</tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table></div>` +
    (note ? `<p class="note">${esc(note)}</p>` : "")
  );
}
