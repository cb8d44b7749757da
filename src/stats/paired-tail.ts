// Paired confidence intervals on the difference of two tail statistics — the 99% quantile of the bad tail and the
// ES99 — between a design point and the baseline, measured on the same paths (common random numbers). The
// interval is a deterministic Poisson bootstrap over paths: resample r gives path i the weight wᵣ(i) ~ Poisson(1),
// the same weight in both columns (the pairing), and the difference is recomputed on the weighted samples; the
// interval is the 2.5% and 97.5% quantiles of the B differences.
//
// Why Poisson weights and not n draws with replacement: a tail statistic reads only the worst ≈1% of the paths, so
// each resample walks each column's presorted worst-first order and draws the weights of the paths it walks, lazily,
// from a hash of (seed, r, i) — O(B · k) for k tail paths instead of O(B · n). The resample's size W (the sum of all
// weights) is drawn apart from the walked weights, from its Poisson(n) law: the tail's weights are ≈1% of W and
// their covariance with it changes the interval by a relative O(k/n). The weights depend only on the path index, so
// the interval is the same for any threads, shards or merge, and the whole computation is deterministic.

import { quantileSorted } from "./quantile.js";
import { expectedShortfallSorted, type Tail } from "./summary.js";
import { normalInv } from "../engine/mathfn.js";

export interface PairedTailDifference {
  /** The point's statistic minus the baseline's, on the samples as they are (summary.json's definitions). */
  diff: number;
  /** 95% percentile-bootstrap interval of the difference. */
  ci95: [number, number];
}

export interface PairedTailResult {
  /** The 99% quantile of the bad tail: p99 for a metric whose large values are bad, p01 otherwise. */
  q99: PairedTailDifference;
  es99: PairedTailDifference;
  resamples: number;
}

export const DEFAULT_RESAMPLES = 1000;
const LEVEL = 0.99;

/**
 * Paired bootstrap interval of (point − baseline) for the bad tail's 99% quantile and ES99. `point` and `baseline`
 * are one metric's columns over the same paths, in path order; non-finite values are not admitted (the caller
 * leaves out metrics that have them). Returns null below 100 paths (ES99 would rest on no path at all).
 */
export function pairedTailDifference(
  point0: ArrayLike<number>,
  baseline0: ArrayLike<number>,
  tail: Tail,
  seed: number,
  resamples = DEFAULT_RESAMPLES,
): PairedTailResult | null {
  if (baseline0.length !== point0.length)
    throw new RangeError(`pairedTailDifference: ${point0.length} point paths against ${baseline0.length} baseline paths`);
  const [point, baseline] = finitePairs(point0, baseline0);
  const n = point.length;
  if (n < 100) return null;
  const x = worstFirst(point, tail);
  const y = worstFirst(baseline, tail);
  const q = (s: Float64Array) => quantileSorted(ascending(s, tail), tail === "upper" ? LEVEL : 1 - LEVEL);
  const es = (s: Float64Array) => expectedShortfallSorted(ascending(s, tail), LEVEL, tail);
  const dq = new Float64Array(resamples);
  const de = new Float64Array(resamples);
  const weights = new PoissonWeights(seed);
  const wx = new WeightedTail(point, x.order);
  const wy = new WeightedTail(baseline, y.order);
  for (let r = 0; r < resamples; r++) {
    weights.resample(r);
    // the resample's size: Poisson(n) by its normal law (n ≥ 100), at least the one path every statistic needs
    const size = Math.max(1, Math.round(n + Math.sqrt(n) * normalInv(weights.uniform(0x7fffffff))));
    const a = wx.statistics(weights, size);
    const b = wy.statistics(weights, size);
    dq[r] = a.quantile - b.quantile;
    de[r] = a.es - b.es;
  }
  dq.sort();
  de.sort();
  return {
    q99: { diff: q(x.values) - q(y.values), ci95: [quantileSorted(dq, 0.025), quantileSorted(dq, 0.975)] },
    es99: { diff: es(x.values) - es(y.values), ci95: [quantileSorted(de, 0.025), quantileSorted(de, 0.975)] },
    resamples,
  };
}

/** The pairs where both values are finite (a metric's NaN means "not computed" on that path), in path order. */
function finitePairs(x: ArrayLike<number>, y: ArrayLike<number>): [ArrayLike<number>, ArrayLike<number>] {
  let all = true;
  for (let i = 0; i < x.length && all; i++) all = Number.isFinite(x[i]) && Number.isFinite(y[i]);
  if (all) return [x, y];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      a.push(x[i]);
      b.push(y[i]);
    }
  }
  return [a, b];
}

/** The values sorted worst first (descending for an upper tail) and the path indices in that order. */
function worstFirst(column: ArrayLike<number>, tail: Tail): { values: Float64Array; order: Uint32Array } {
  const order = Uint32Array.from({ length: column.length }, (_, i) => i);
  // ties by path index: a total order, so the walk is deterministic
  order.sort((i, j) => (tail === "upper" ? column[j] - column[i] : column[i] - column[j]) || i - j);
  return { values: Float64Array.from(order, (i) => column[i]), order };
}

/** Worst-first values back in ascending order (the summary's definitions read ascending arrays). */
function ascending(worstFirstValues: Float64Array, tail: Tail): Float64Array {
  return tail === "upper" ? worstFirstValues.slice().reverse() : worstFirstValues;
}

/** Poisson(1) weights from a hash of (seed, resample, path): each path's weight is the same in both columns. */
class PoissonWeights {
  private r = 0;
  constructor(private readonly seed: number) {}

  resample(r: number): void {
    this.r = r;
  }

  /** A uniform in (0, 1) for key i of this resample (murmur3's finaliser over the three words). */
  uniform(i: number): number {
    let h = Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(this.r + 1, 0xc2b2ae35) ^ Math.imul(i + 1, 0x27d4eb2f);
    h = fmix32(h);
    h = fmix32(h ^ Math.imul(i ^ 0x165667b1, 0x9e3779b1));
    return ((h >>> 0) + 0.5) / 4294967296;
  }

  /** Path i's weight: Poisson(1) by inversion of its CDF. */
  weight(i: number): number {
    const u = this.uniform(i);
    let k = 0;
    while (k < POISSON1_CDF.length && u > POISSON1_CDF[k]) k++;
    return k;
  }
}

/** P(Poisson(1) ≤ k), k = 0…11 (beyond: 1 − 1e-9 … taken as 12). */
const POISSON1_CDF = (() => {
  const cdf: number[] = [];
  let p = Math.exp(-1);
  let sum = 0;
  for (let k = 0; k < 12; k++) {
    sum += p;
    cdf.push(sum);
    p /= k + 1;
  }
  return cdf;
})();

function fmix32(h0: number): number {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** One column's bad tail under a resample's weights: walks its worst-first order only as deep as the statistics need. */
class WeightedTail {
  constructor(
    private readonly column: ArrayLike<number>,
    private readonly order: Uint32Array,
  ) {}

  /**
   * The weighted sample's 99% bad-tail quantile (type 7 on the W resampled values) and ES99 (mean of its
   * k = ⌈0.01·W⌉ worst values, a path counted as often as its weight).
   */
  statistics(weights: PoissonWeights, size: number): { quantile: number; es: number } {
    const k = Math.ceil(size * (1 - LEVEL) - 1e-9);
    // type 7 in worst-first positions: h = (W − 1)·0.01 from the worst end, between positions ⌊h⌋ and ⌊h⌋ + 1
    const h = (size - 1) * (1 - LEVEL);
    const lo = Math.floor(h);
    const needed = Math.max(k, lo + 2);
    let taken = 0; // resampled values walked so far (positions 0 … taken − 1)
    let esSum = 0;
    let atLo = NaN;
    let atHi = NaN;
    for (let p = 0; p < this.order.length && taken < needed; p++) {
      const i = this.order[p];
      const w = weights.weight(i);
      if (w === 0) continue;
      const v = this.column[i];
      if (taken < k) esSum += v * Math.min(w, k - taken);
      if (taken <= lo && lo < taken + w) atLo = v;
      if (taken <= lo + 1 && lo + 1 < taken + w) atHi = v;
      taken += w;
    }
    // a resample whose walked weights end first (all later weights 0): its last value stands for the rest
    const last = this.column[this.order[this.order.length - 1]];
    if (Number.isNaN(atLo)) atLo = last;
    if (Number.isNaN(atHi)) atHi = atLo;
    if (taken < k) esSum += last * (k - taken);
    return { quantile: atLo + (h - lo) * (atHi - atLo), es: esSum / k };
  }
}
