// Sample quantiles (Hyndman–Fan type 7, numpy's default) and distribution-free confidence intervals for
// quantiles from order statistics. Inputs are sorted ascending and finite.

import { compensatedSum } from "./sum.js";

/**
 * Hyndman–Fan type 7 quantile of an ascending array: h = (n − 1)·p, Q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])
 * (0-based). This is numpy's default `np.quantile(x, p)` (method="linear") and R's `quantile(type = 7)`.
 * The interpolation is written the way numpy writes it (`b − (b − a)(1 − t)` when t ≥ 0.5), so results
 * agree with numpy to the last bit, not just to rounding. n = 0 → NaN.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: p must be in [0, 1] (received ${p})`);
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  if (h >= n - 1) return sorted[n - 1];
  const lo = Math.floor(h);
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[lo + 1];
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/**
 * Order-statistic indices of a distribution-free confidence interval for the p-quantile of a sample of n.
 *
 * With B = #{Xᵢ ≤ ξ_p} ~ Binomial(n, p): P(x₍ₗ₎ ≤ ξ_p ≤ x₍ᵤ₎) = P(l ≤ B ≤ u − 1) (1-based order statistics).
 * We take the equal-tailed, conservative choice: l − 1 = the largest k with F(k) ≤ α/2 and u − 1 = the
 * smallest k with F(k) ≥ 1 − α/2 (F the binomial CDF, α = 1 − conf), so coverage ≥ conf for any continuous
 * distribution (and still ≥ conf with ties). For n = 100, p = 0.5, 95%: x₍₄₀₎ and x₍₆₁₎, the textbook answer.
 *
 * The binomial probabilities are exact (no normal approximation): they are computed outward from the
 * mode and truncated where they fall below 1e−20 of the mode's, so the cost is O(√n) even at 10⁷ paths.
 *
 * The interval is widened, if needed, to contain the type-7 point estimate (only at tiny n).
 *
 * Returns 0-based indices into the sorted sample; `lo = −1` means the lower bound lies below the sample
 * minimum (unbounded at this n), `hi = n` means the upper bound lies above the sample maximum.
 */
export function quantileCIIndices(n: number, p: number, conf = 0.95): { lo: number; hi: number } {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`quantileCI: n must be a non-negative integer (received ${n})`);
  if (!(p > 0 && p < 1)) throw new RangeError(`quantileCI: p must be in (0, 1) (received ${p})`);
  if (!(conf > 0 && conf < 1)) throw new RangeError(`quantileCI: conf must be in (0, 1) (received ${conf})`);
  if (n === 0) return { lo: -1, hi: 0 };
  const halfAlpha = (1 - conf) / 2;
  const { first, pmf } = binomialPmfWindow(n, p);
  // CDF over the window, summed upward in a fixed order; mass outside the window is < 1e−17 of the total.
  let lastLow = first - 1; // largest k with F(k) ≤ α/2 (first − 1 if even F(first) exceeds it)
  let upper = n; // smallest k with F(k) ≥ 1 − α/2
  let cum = 0;
  let c = 0;
  for (let i = 0; i < pmf.length; i++) {
    const x = pmf[i];
    const t = cum + x;
    c += cum >= x ? cum - t + x : x - t + cum;
    cum = t;
    const F = cum + c;
    if (F <= halfAlpha) lastLow = first + i;
    if (F >= 1 - halfAlpha) {
      upper = first + i;
      break;
    }
  }
  // l = lastLow + 1 (1-based) → 0-based index lastLow; u = upper + 1 (1-based) → 0-based index upper.
  // Widen, if needed, to the two order statistics the type-7 estimate interpolates between, so the interval
  // always contains the point estimate (wider only raises coverage; it happens at n = 2 for p01/p99).
  const h = (n - 1) * p;
  return { lo: Math.min(lastLow, Math.floor(h)), hi: Math.max(upper, Math.ceil(h)) };
}

/**
 * Distribution-free confidence interval [x₍ₗ₎, x₍ᵤ₎] for the p-quantile of the population an ascending
 * sample came from (see `quantileCIIndices`). A bound the sample is too small to give is ±Infinity
 * (e.g. the upper bound of p99 with fewer than ~300 paths); summary.json prints it as null.
 */
export function quantileCI(sorted: ArrayLike<number>, p: number, conf = 0.95): [number, number] {
  const n = sorted.length;
  if (n === 0) return [NaN, NaN];
  const { lo, hi } = quantileCIIndices(n, p, conf);
  return [lo < 0 ? -Infinity : sorted[lo], hi >= n ? Infinity : sorted[hi]];
}

/** Binomial(n, p) probabilities over the window of k where they are ≥ 1e−20 × the mode's, normalised. */
function binomialPmfWindow(n: number, p: number): { first: number; pmf: Float64Array } {
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const odds = p / (1 - p);
  const cut = 1e-20;
  const up: number[] = []; // relative pmf at mode+1, mode+2, …
  let r = 1;
  for (let k = mode; k < n; k++) {
    r *= ((n - k) / (k + 1)) * odds;
    if (r < cut) break;
    up.push(r);
  }
  const down: number[] = []; // relative pmf at mode−1, mode−2, …
  r = 1;
  for (let k = mode; k > 0; k--) {
    r *= k / (n - k + 1) / odds;
    if (r < cut) break;
    down.push(r);
  }
  const len = down.length + 1 + up.length;
  const pmf = new Float64Array(len);
  for (let i = 0; i < down.length; i++) pmf[down.length - 1 - i] = down[i];
  pmf[down.length] = 1;
  for (let i = 0; i < up.length; i++) pmf[down.length + 1 + i] = up[i];
  const total = compensatedSum(pmf);
  for (let i = 0; i < len; i++) pmf[i] /= total;
  return { first: mode - down.length, pmf };
}
