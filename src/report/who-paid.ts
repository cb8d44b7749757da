// The console's "who paid" table: each party's money change over a path, at the mark (SPEC §4), as a mean and
// quantiles across paths. The rows sum to zero path by path (the conservation identity), so their means do too;
// the memos below them are parts of the rows above (fees sit in the fund and treasury, the shortfall is what the
// fund, the vault, the ADL'd traders and bad debt covered between them).

import Table from "cli-table3";
import type { MetricName } from "../engine/metrics.js";
import type { MetricSummary } from "../stats/summary.js";
import type { Summary } from "./summary-json.js";
import { formatValue } from "./table.js";

interface Row {
  label: string;
  metric: MetricName;
  /** −1: the party's money change is minus the metric (bad debt, what the ADL'd gave up). */
  sign: 1 | -1;
}

/** The parties, in the order the table prints them; their money changes sum to zero. */
export const WHO_PAID_ROWS: readonly Row[] = [
  { label: "liquidated traders", metric: "liquidatedPnl", sign: 1 },
  { label: "voluntary closers (accounts.flow)", metric: "flowPnl", sign: 1 },
  { label: "ADL'd / haircut traders", metric: "adlTransfer", sign: -1 },
  { label: "insurance fund", metric: "fundNet", sign: 1 },
  { label: "backstop vault", metric: "vaultPnl", sign: 1 },
  { label: "treasury", metric: "treasury", sign: 1 },
  { label: "keepers / liquidators", metric: "keepersPnl", sign: 1 },
  { label: "makers & counterparties", metric: "makersPnl", sign: 1 },
  { label: "unpaid (bad debt)", metric: "badDebt", sign: -1 },
];

const MEMOS: readonly Row[] = [
  { label: "  fees the liquidated paid", metric: "feesPaid", sign: 1 },
  { label: "  losses beyond collateral", metric: "shortfall", sign: 1 },
];

/** The metrics only this table prints (the main table leaves them out). */
export const WHO_PAID_METRICS: ReadonlySet<MetricName> = new Set(
  [...WHO_PAID_ROWS, ...MEMOS].map((r) => r.metric).filter((m) => m !== "badDebt"),
);

type Num = number | null | undefined;

/** mean, p01, p50, p99 of sign × metric (a negated metric's p01 is minus its p99). */
function rowStats(s: MetricSummary | undefined, sign: 1 | -1): Num[] {
  if (!s) return [NaN, NaN, NaN, NaN];
  const neg = (x: Num) => (x === null || x === undefined ? x : -x);
  return sign === 1 ? [s.mean, s.p01, s.p50, s.p99] : [neg(s.mean), neg(s.p99), neg(s.p50), neg(s.p01)];
}

export function formatWhoPaidTable(summary: Summary): string {
  const table = new Table({
    head: ["who paid (money change per path, at the mark)", "mean", "p01", "p50", "p99"],
    colAligns: ["left", "right", "right", "right", "right"],
    style: { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  const f = (x: Num) => formatValue(x, "money");
  let sum = 0;
  for (const row of WHO_PAID_ROWS) {
    const stats = rowStats(summary.metrics[row.metric], row.sign);
    sum += typeof stats[0] === "number" ? stats[0] : NaN;
    table.push([row.label, ...stats.map(f)]);
  }
  table.push(["sum (money is conserved)", f(sum), "", "", ""]);
  for (const row of MEMOS) table.push([row.label, ...rowStats(summary.metrics[row.metric], row.sign).map(f)]);
  return table.toString();
}
