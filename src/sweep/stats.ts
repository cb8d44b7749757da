// Differences between two designs measured on the same paths (common random numbers): the paired mean
// difference with a Student-t interval, the paired difference of event probabilities (Newcombe), and,
// for comparison, Welch's interval for two independent samples.

import { compensatedSum, compensatedSumSquaredDeviations } from "../stats/sum.js";
import { wilson } from "../stats/proportion.js";
import { Z95 } from "../stats/summary.js";

/** A mean difference with its 95% confidence interval. */
export interface DifferenceEstimate {
  /** Estimated difference (point − baseline). */
  mean: number;
  /** 95% confidence interval of the difference. */
  ci95: [number, number];
  /** Standard error of `mean`. */
  se: number;
  /** Degrees of freedom of the t quantile used for ci95. */
  df: number;
}

/** The paired difference of one metric: d_i = x_i − y_i over the paths where both are finite. */
export interface PairedDifference extends DifferenceEstimate {
  /** Sample standard deviation of the per-path differences (divisor n − 1). */
  std: number;
  /** Pairs used. */
  n: number;
  /** Pairs left out because a value was NaN or ±Infinity; present only when > 0. */
  nonFinite?: number;
}

/** The paired difference of an event's probability, p(point) − p(baseline), from the 2×2 table of paths. */
export interface PairedProportionDifference {
  diff: number;
  /** Newcombe's (1998) method 10 interval: Wilson intervals of both margins combined with their correlation. */
  ci95: [number, number];
  /** Paths where the event happens at the point but not at the baseline. */
  gained: number;
  /** Paths where the event happens at the baseline but not at the point. */
  lost: number;
  /** Paths counted (both values not NaN). */
  n: number;
}

// ---- Student t -------------------------------------------------------------------------------------

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: ~1e−15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction of the incomplete beta function (modified Lentz, as in Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T > t) for Student's t with `df` degrees of freedom and t ≥ 0. */
function tUpperTail(t: number, df: number): number {
  return 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * The two-sided 95% critical value of Student's t, t₀.₉₇₅(df) (df may be fractional, as Welch's is):
 * 12.7062 at 1, 2.2281 at 10, 1.9623 at 1000, → 1.95996 (the normal's) as df → ∞.
 * Bisection on the exact CDF (incomplete beta) up to df = 1e5; beyond, the Cornish–Fisher expansion in
 * 1/df around the normal quantile, whose next term is below 1e−19 there.
 */
export function tCritical95(df: number): number {
  if (!(df > 0)) return NaN;
  if (df > 1e5) {
    const z = Z95;
    const z2 = z * z;
    const g1 = (z2 * z + z) / 4;
    const g2 = (5 * z2 * z2 * z + 16 * z2 * z + 3 * z) / 96;
    const g3 = (3 * z2 * z2 * z2 * z + 19 * z2 * z2 * z + 17 * z2 * z - 15 * z) / 384;
    return z + g1 / df + g2 / (df * df) + g3 / (df * df * df);
  }
  let lo = 0;
  let hi = 16;
  while (tUpperTail(hi, df) > 0.025) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (tUpperTail(mid, df) > 0.025) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

// ---- differences -----------------------------------------------------------------------------------

/**
 * Paired difference of one metric between two runs on the same paths (common random numbers):
 * d_i = x_i − y_i, mean ± t₀.₉₇₅(n − 1)·sd(d)/√n. Pairs with a non-finite value on either side are left
 * out (and counted). Identical columns give exactly 0 with the interval [0, 0].
 */
export function pairedDifference(x: ArrayLike<number>, y: ArrayLike<number>): PairedDifference {
  if (x.length !== y.length) {
    throw new RangeError(`pairedDifference: the columns must hold the same paths (received ${x.length} and ${y.length} values)`);
  }
  const d = new Float64Array(x.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    if (Number.isFinite(a) && Number.isFinite(b)) d[n++] = a - b;
  }
  const diffs = d.subarray(0, n);
  const mean = n > 0 ? compensatedSum(diffs) / n : NaN;
  const std = n > 1 ? Math.sqrt(compensatedSumSquaredDeviations(diffs, mean) / (n - 1)) : NaN;
  const se = n > 1 ? std / Math.sqrt(n) : NaN;
  const half = n > 1 ? (se === 0 ? 0 : tCritical95(n - 1) * se) : NaN;
  const out: PairedDifference = { mean, ci95: [mean - half, mean + half], se, df: n - 1, std, n };
  if (n < x.length) out.nonFinite = x.length - n;
  return out;
}

/** Mean, standard deviation and count of one sample. */
export interface SampleMoments {
  mean: number;
  std: number;
  n: number;
}

/**
 * Difference of the means of two independent samples, a − b, with Welch's 95% interval:
 * se² = s_a²/n_a + s_b²/n_b, df by Welch–Satterthwaite. What a comparison costs without common random numbers.
 */
export function welchDifference(a: SampleMoments, b: SampleMoments): DifferenceEstimate {
  const va = (a.std * a.std) / a.n;
  const vb = (b.std * b.std) / b.n;
  const se = Math.sqrt(va + vb);
  const mean = a.mean - b.mean;
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const half = se === 0 ? 0 : tCritical95(df) * se;
  return { mean, ci95: [mean - half, mean + half], se, df };
}

/**
 * Paired difference of an event's probability between a point (x) and the baseline (y), the event being
 * `test(value)` per path; NaN values are left out. Interval: Newcombe's method 10 (Stat. Med. 17, 2635,
 * 1998), the square-and-add combination of both margins' Wilson intervals with the phi correlation of the
 * 2×2 table (continuity-corrected phi, as published), which stays inside [−1, 1] and behaves at 0 or n events.
 * `identical` (the baseline against itself) gives exactly 0 with [0, 0].
 */
export function pairedProportionDifference(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  test: (value: number) => boolean,
  identical = false,
): PairedProportionDifference {
  if (x.length !== y.length) {
    throw new RangeError(
      `pairedProportionDifference: the columns must hold the same paths (received ${x.length} and ${y.length} values)`,
    );
  }
  let both = 0;
  let gained = 0;
  let lost = 0;
  let neither = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]) || Number.isNaN(y[i])) continue;
    const a = test(x[i]);
    const b = test(y[i]);
    if (a && b) both++;
    else if (a) gained++;
    else if (b) lost++;
    else neither++;
  }
  const n = both + gained + lost + neither;
  if (n === 0) return { diff: NaN, ci95: [-1, 1], gained, lost, n };
  const diff = (gained - lost) / n;
  if (identical) return { diff: 0, ci95: [0, 0], gained, lost, n };
  return { diff, ci95: newcombePaired(both, gained, lost, neither), gained, lost, n };
}

/** Newcombe's method 10 for the 2×2 table [[a, b], [c, d]] (rows: point yes/no, columns: baseline yes/no). */
export function newcombePaired(a: number, b: number, c: number, d: number): [number, number] {
  const n = a + b + c + d;
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const diff = p1 - p2;
  const [l1, u1] = wilson(a + b, n);
  const [l2, u2] = wilson(a + c, n);
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  let phi = 0;
  if (margins > 0) {
    const cross = a * d - b * c;
    const corrected = cross > n / 2 ? cross - n / 2 : cross < 0 ? cross : 0;
    phi = corrected / Math.sqrt(margins);
  }
  const lower = diff - Math.sqrt(Math.max(0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2));
  const upper = diff + Math.sqrt(Math.max(0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2));
  return [Math.max(-1, lower), Math.min(1, upper)];
}
