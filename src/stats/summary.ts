// Per-metric summary statistics of SPEC §4 (mean, std, quantiles, expected shortfall, CIs), computed from
// a whole column in path order so the result is the same however the paths were split across threads,
// shards or resumed runs.

import type { MetricName } from "../engine/metrics.js";
import { type ColumnSource, columnNames } from "./columns.js";
import { quantileCI, quantileSorted } from "./quantile.js";
import { compensatedSum, compensatedSumSquaredDeviations } from "./sum.js";

/** z for a two-sided 95% normal interval: Φ⁻¹(0.975). */
export const Z95 = 1.959963984540054;

export type Tail = "upper" | "lower";

/**
 * Which end of each metric's distribution is the bad one; expected shortfall (es95, es99) averages that tail.
 * Larger is worse for losses, counts and drawdowns; smaller is worse for prices and the insurance fund.
 *
 * - `avgSlippage` assumes slippage is reported as a cost (larger = worse fills).
 * - `bookExhausted` is 0/1: its upper-tail ES is the share of exhausted-book paths within the worst tail.
 * - `firstLiquidationStep`: an earlier first liquidation is worse, so the tail is "lower", but −1 ("no
 *   liquidation", the best outcome) sorts below every step: whenever more than 1% (5%) of paths have no
 *   liquidation, es99 (es95) is −1 and says nothing. Read this metric's quantiles and ES with that in mind;
 *   its mean mixes the sentinel with steps too.
 */
export const WORST_TAIL: Readonly<Record<MetricName, Tail>> = Object.freeze({
  liquidations: "upper",
  liquidatedNotional: "upper",
  maxRoundsInStep: "upper",
  minPrice: "lower",
  finalPrice: "lower",
  maxDrawdown: "upper",
  exogenousDrawdown: "upper",
  amplification: "upper",
  insuranceMin: "lower",
  insuranceFinal: "lower",
  badDebt: "upper",
  adlCount: "upper",
  adlNotional: "upper",
  avgSlippage: "upper",
  bookExhausted: "upper",
  firstLiquidationStep: "lower",
  // the capital the positions tie up: more is the cost side of a margin design
  marginHeld: "upper",
  // who paid: a party's loss is its lower tail; what ADL'd traders gave up, fees and shortfalls are costs
  liquidatedPnl: "lower",
  adlTransfer: "upper",
  fundNet: "lower",
  vaultPnl: "lower",
  treasury: "lower",
  keepersPnl: "lower",
  makersPnl: "lower",
  feesPaid: "upper",
  shortfall: "upper",
  // the voluntary closers' realised P&L (accounts.flow): their loss is the lower tail
  flowPnl: "lower",
});

export const QUANTILE_KEYS = ["p01", "p05", "p50", "p95", "p99"] as const;
export type QuantileKey = (typeof QUANTILE_KEYS)[number];
/** A MetricSummary's single-number statistics, in its key order (before ci95). */
export const SCALAR_STATISTICS = ["mean", "std", "min", "max", ...QUANTILE_KEYS, "es95", "es99"] as const;
const QUANTILE_P: Record<QuantileKey, number> = { p01: 0.01, p05: 0.05, p50: 0.5, p95: 0.95, p99: 0.99 };

export interface MetricSummary {
  mean: number;
  /** Sample standard deviation (divisor n − 1); NaN for n < 2. */
  std: number;
  min: number;
  max: number;
  p01: number;
  p05: number;
  p50: number;
  p95: number;
  p99: number;
  /** Expected shortfall at 95%: mean of the worst ⌈0.05·n⌉ values, on the WORST_TAIL side. */
  es95: number;
  es99: number;
  /** 95% CI of the mean: mean ± 1.959963984540054·std/√n (normal approximation). */
  ci95: [number, number];
  /** Distribution-free 95% CIs of the quantiles (order statistics, exact binomial); ±Infinity = unbounded at this n. */
  ci95Quantiles: Record<QuantileKey, [number, number]>;
  /** Number of NaN/±Infinity values excluded from every statistic above; present only when > 0. */
  nonFinite?: number;
  /** Paths left out of this metric's statistics (firstLiquidationStep: paths without a liquidation). */
  excluded?: number;
}

export interface SummarizeOptions {
  /** The bad tail for es95/es99 (default "upper"). */
  tail?: Tail;
}

/**
 * Summary statistics of one metric's values (in path order).
 *
 * Definitions (documented so a user can reproduce them with numpy):
 * - Non-finite values (NaN, ±Infinity) are counted in `nonFinite` and excluded from every statistic; n
 *   below is the number of finite values. With n = 0 every statistic is NaN.
 * - mean: Neumaier-compensated sum in path order, ÷ n. std: two-pass, Σ(x − mean)² compensated, ÷ (n − 1).
 *   numpy: `x.mean()`, `x.std(ddof=1)` (agree to ~1 ulp; numpy sums pairwise).
 * - min/max/quantiles: Hyndman–Fan type 7 on the sorted values = `np.quantile(x, [.01,.05,.5,.95,.99])`.
 * - es{95,99} at level a, k = ⌈n·(1 − a)⌉ (1 − a taken as the decimal 0.05 / 0.01, so 100 paths at 99% give
 *   k = 1 exactly): upper tail = mean of the k largest values, `np.sort(x)[-k:].mean()`; lower tail = mean
 *   of the k smallest, `np.sort(x)[:k].mean()`. No fractional weighting of a boundary value; ES is always
 *   the mean of actual outcomes, and for n ≥ 100 at 99% it never averages fewer than one path.
 * - ci95: mean ± 1.959963984540054·std/√n (CLT; optimistic for heavy tails such as badDebt at small n).
 * - ci95Quantiles: `quantileCI` (order statistics, exact binomial, conservative, distribution-free).
 */
export function summarize(values: Float64Array, options: SummarizeOptions = {}): MetricSummary {
  const tail = options.tail ?? "upper";
  // Finite values in path order (the moments are summed in this order).
  let finite = values;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) nonFinite++;
  if (nonFinite > 0) {
    finite = new Float64Array(values.length - nonFinite);
    let j = 0;
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite[j++] = values[i];
  }
  const n = finite.length;

  const mean = n > 0 ? compensatedSum(finite) / n : NaN;
  const std = n > 1 ? Math.sqrt(compensatedSumSquaredDeviations(finite, mean) / (n - 1)) : NaN;
  const half = n > 1 ? (Z95 * std) / Math.sqrt(n) : NaN;

  const sorted = Float64Array.from(finite).sort(); // numeric ascending, −0 before +0: a total order on finite values
  const q = (k: QuantileKey) => quantileSorted(sorted, QUANTILE_P[k]);

  const out: MetricSummary = {
    mean,
    std,
    min: n > 0 ? sorted[0] : NaN,
    max: n > 0 ? sorted[n - 1] : NaN,
    p01: q("p01"),
    p05: q("p05"),
    p50: q("p50"),
    p95: q("p95"),
    p99: q("p99"),
    es95: expectedShortfallSorted(sorted, 0.95, tail),
    es99: expectedShortfallSorted(sorted, 0.99, tail),
    ci95: [mean - half, mean + half],
    ci95Quantiles: {
      p01: quantileCI(sorted, 0.01),
      p05: quantileCI(sorted, 0.05),
      p50: quantileCI(sorted, 0.5),
      p95: quantileCI(sorted, 0.95),
      p99: quantileCI(sorted, 0.99),
    },
  };
  if (nonFinite > 0) out.nonFinite = nonFinite;
  return out;
}

/** Number of values in the worst (1 − level) tail of n: ⌈n·(1 − level)⌉, with 1 − level rounded to 12 significant digits. */
export function tailCount(n: number, level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`expected shortfall: level must be in (0, 1) (received ${level})`);
  const q = Number((1 - level).toPrecision(12)); // 1 − 0.99 = 0.010000000000000009 → 0.01
  return Math.min(n, Math.ceil(n * q));
}

/**
 * Expected shortfall of an ascending sample at `level`: the mean of the k = ⌈n(1 − level)⌉ worst values,
 * the largest for an upper tail, the smallest for a lower tail (compensated sum, ascending order).
 */
export function expectedShortfallSorted(sorted: ArrayLike<number>, level: number, tail: Tail): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const k = tailCount(n, level);
  return tail === "upper" ? compensatedSum(sorted, n - k, n) / k : compensatedSum(sorted, 0, k) / k;
}

/** The metric a record column measures: `markets.ETH.minPrice` measures minPrice (of one market). */
export function baseMetric(column: string): MetricName {
  return (column.startsWith("markets.") ? column.slice(column.lastIndexOf(".") + 1) : column) as MetricName;
}

/**
 * Summary of every column of the record, each with its metric's WORST_TAIL, in record order (METRIC_NAMES, then
 * each market's with several markets).
 */
export function summarizeColumns(columns: ColumnSource): Record<MetricName, MetricSummary> {
  const out = {} as Record<MetricName, MetricSummary>;
  for (const name of columnNames(columns)) {
    const metric = baseMetric(name);
    let values = columns.column(name);
    // −1 means "no liquidation in this path": the step's statistics are over the paths that had one
    // (their share is probabilities.anyLiquidation), and `excluded` counts the others
    if (metric === "firstLiquidationStep") values = values.filter((v) => v >= 0);
    // NaN means "not computed" (the ladder never evaluates every account's requirement): left out like −1 above
    if (metric === "marginHeld") values = values.filter((v) => !Number.isNaN(v));
    (out as Record<string, MetricSummary>)[name] = summarize(values, { tail: WORST_TAIL[metric] });
    const excluded = columns.count - values.length;
    if (excluded > 0) (out as Record<string, MetricSummary>)[name].excluded = excluded;
  }
  return out;
}
