// Event probabilities of SPEC §4 (share of paths with a liquidation, a depleted fund, …) with Wilson
// score intervals, counted from the metric columns (exact integer counts: order-independent).

import type { MetricName } from "../engine/metrics.js";
import type { ColumnSource } from "./columns.js";
import { Z95 } from "./summary.js";

/**
 * Wilson score interval for a binomial proportion: center (p̂ + z²/2n)/(1 + z²/n),
 * half-width z/(1 + z²/n)·√(p̂(1 − p̂)/n + z²/4n²). Unlike the Wald interval it stays inside [0, 1] and is
 * sensible at 0 or n successes (0 of 10 → [0, 0.2775]). n = 0 → [0, 1] (no information).
 */
export function wilson(successes: number, n: number, z = Z95): [number, number] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`wilson: n must be a non-negative integer (received ${n})`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`wilson: successes must be an integer in [0, ${n}] (received ${successes})`);
  }
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 (n) successes the bound is exactly 0 (1); rounding must not leave −1e−17.
  const lo = successes === 0 ? 0 : Math.max(0, center - half);
  const hi = successes === n ? 1 : Math.min(1, center + half);
  return [lo, hi];
}

/** The SPEC §4 events, in SPEC order: which metric each is read from and when it counts. */
export const PROBABILITY_EVENTS = {
  anyLiquidation: { metric: "liquidations", definition: "liquidations > 0", test: (x: number) => x > 0 },
  insuranceDepleted: { metric: "insuranceMin", definition: "insuranceMin <= 0", test: (x: number) => x <= 0 },
  badDebt: { metric: "badDebt", definition: "badDebt > 0", test: (x: number) => x > 0 },
  adl: { metric: "adlCount", definition: "adlCount > 0", test: (x: number) => x > 0 },
  bookExhausted: { metric: "bookExhausted", definition: "bookExhausted > 0", test: (x: number) => x > 0 },
} as const satisfies Record<string, { metric: MetricName; definition: string; test: (x: number) => boolean }>;

export type ProbabilityName = keyof typeof PROBABILITY_EVENTS;
export const PROBABILITY_NAMES = Object.keys(PROBABILITY_EVENTS) as ProbabilityName[];

/** One event's estimate: p = count / n with its Wilson 95% interval. */
export interface ProbabilityEstimate {
  p: number;
  ci95: [number, number];
  /** Paths where the event happened. */
  count: number;
  /** Paths counted (NaN values of the metric are left out; normally all paths). */
  n: number;
}

/** SPEC §4 shape: plain numbers under `probabilities`, intervals beside them under `probabilityIntervals`. */
export interface FlatProbabilities {
  probabilities: Record<ProbabilityName, number>;
  probabilityIntervals: Record<ProbabilityName, { ci95: [number, number]; count: number; n: number }>;
}

export type ProbabilityEstimates = Record<ProbabilityName, ProbabilityEstimate>;

/**
 * Event probabilities from the metric columns. Default (`flat: true`) is SPEC's shape
 * `{ probabilities: { anyLiquidation: 0.12, … }, probabilityIntervals: { anyLiquidation: { ci95, count, n } } }`;
 * `flat: false` gives `{ anyLiquidation: { p, ci95, count, n }, … }`.
 * A NaN metric value is neither an event nor a non-event (excluded from n); ±Infinity compares normally.
 * With no paths p is NaN and the interval [0, 1].
 */
export function probabilities(columns: ColumnSource): FlatProbabilities;
export function probabilities(columns: ColumnSource, options: { flat: true }): FlatProbabilities;
export function probabilities(columns: ColumnSource, options: { flat: false }): ProbabilityEstimates;
export function probabilities(columns: ColumnSource, options: { flat?: boolean } = {}): FlatProbabilities | ProbabilityEstimates {
  const est = {} as ProbabilityEstimates;
  for (const name of PROBABILITY_NAMES) {
    const { metric, test } = PROBABILITY_EVENTS[name];
    const col = columns.column(metric);
    let count = 0;
    let n = 0;
    for (let i = 0; i < col.length; i++) {
      const x = col[i];
      if (Number.isNaN(x)) continue;
      n++;
      if (test(x)) count++;
    }
    est[name] = { p: n > 0 ? count / n : NaN, ci95: wilson(count, n), count, n };
  }
  return options.flat === false ? est : flattenProbabilities(est);
}

/** Splits estimates into SPEC's plain-number `probabilities` and a sibling `probabilityIntervals`. */
export function flattenProbabilities(est: ProbabilityEstimates): FlatProbabilities {
  const probabilities = {} as FlatProbabilities["probabilities"];
  const probabilityIntervals = {} as FlatProbabilities["probabilityIntervals"];
  for (const name of PROBABILITY_NAMES) {
    const { p, ci95, count, n } = est[name];
    probabilities[name] = p;
    probabilityIntervals[name] = { ci95, count, n };
  }
  return { probabilities, probabilityIntervals };
}
