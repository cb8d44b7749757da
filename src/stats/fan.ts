// Fan charts for all paths (summary.json's `fan`): per sampled step and series, the distribution of the values
// across paths as a mergeable histogram, exact per-step sums for the mean and the exact minimum and maximum.
//
// Bins are fixed before the run and the same for every batch, thread, shard and resume: log-linear in the value
// (the bits of the double: its exponent and the first M = 7 bits of its mantissa, i.e. 128 bins per octave, each at
// most 2^-7 of its lower edge wide) over 2^-30 … 2^12 times a per-series scale taken from the scenario, mirrored for
// negative values, with one bin for exactly 0, one for the tiny values on each side of it and an overflow bin beyond
// the range on each side. Counts are integers, so merging is adding them: any split of the paths into batches,
// threads or shards gives the same counts, hence byte-identical quantiles. Sums for the mean are exact too: each value
// is rounded down to a multiple of u = scale · 2^-20 and the multiples are added as integers (an f64 sum that cannot
// round over at most 2^16 paths, then two f64 limbs), so the mean is the same for any split, less than u below the
// exact mean of the values (a millionth of the scale).
//
// A quantile is read off the histogram as the type-7 quantile of the order statistics estimated within their bins
// (each bin's values spread evenly between its edges, clamped to the exact minimum and maximum; the first and last
// order statistics are the exact minimum and maximum). An estimated order statistic lies in the bin of the true one,
// so the error is below that bin's width: less than 2^-7 (0.78%) of the value for |values| in the binned range, below
// scale · 2^-30 in absolute terms in the tiny bins, exact for 0 and for a step whose values are all equal.
import type { ScenarioInputs } from "../config/scenario.js";
import { marketScenarios } from "../config/markets.js";
import { FAN_SERIES, FAN_STRIDE, fanSteps, fanStride, type FanBinSink, type FanSeriesName } from "../engine/fan.js";

/** Mantissa bits per bin: 2^M bins per octave. */
export const FAN_MANTISSA_BITS = 7;
const M = FAN_MANTISSA_BITS;
const SHIFT = 20 - M;
/** The binned range: OCTAVES_BELOW octaves below a series' scale to OCTAVES_ABOVE above it. */
export const FAN_OCTAVES_BELOW = 30;
export const FAN_OCTAVES_ABOVE = 12;
/** Log bins per sign. */
const N = (FAN_OCTAVES_BELOW + FAN_OCTAVES_ABOVE) << M;
// bin indices, ascending in value
const NEG_OVER = 0;
const NEG_TINY = N + 1;
const ZERO = N + 2;
const POS_TINY = N + 3;
const POS0 = N + 4;
const POS_OVER = 2 * N + 4;
/** Bins per series and step. */
export const FAN_BINS = 2 * N + 5;
/** The bin of exactly 0. */
export const FAN_ZERO_BIN = ZERO;
/** The quantile's bound relative to the value, within the binned range (one bin's width at most). */
export const FAN_RELATIVE_ERROR = 2 ** -M;

/** The quantiles summary.json's fan gives per step and series (docs/report.md "Per-step data"). */
export const FAN_QUANTILES = [
  ["p01", 0.01],
  ["p05", 0.05],
  ["p25", 0.25],
  ["p50", 0.5],
  ["p75", 0.75],
  ["p95", 0.95],
  ["p99", 0.99],
] as const;

const LIMB = 2 ** 26;
const INV_LIMB = 2 ** -26;
/** A value is summed as ⌊x / u⌋ with u = scale · 2^-UNIT_BITS. */
const UNIT_BITS = 20;
/**
 * Values below 2^17 × a series' scale keep ⌊x / u⌋ under 2^37, so that 2^16 of them add up exactly; beyond, ⌊x / u⌋ is
 * clamped to ±2^37 (the sums stay exact, hence the same for any split) and the mean is null.
 */
const EXACT_OCTAVES = 17;
const Q_MAX = 2 ** 37;
const CHUNK_PATHS = 1 << 16;

/** A series' name: one of FAN_SERIES (one market's, or market 0's and the venue's), or a market's mark `markets.NAME.mark`. */
export type FanSeriesKey = FanSeriesName | `markets.${string}.mark`;

/** `markets.NAME.mark`: market NAME's mark (several markets; NAME as src/config/schema.ts MARKET_NAME allows). */
const MARKET_MARK = /^markets\.[A-Za-z0-9][A-Za-z0-9_-]{0,31}\.mark$/;

/** What the histograms of a run are over: the sampled steps, the series reported and each series' scale. */
export interface FanLayout {
  steps: number[];
  series: FanSeriesKey[];
  /** Each reported series' place in a sample (FAN_SERIES order, then market m's mark at FAN_STRIDE + m). */
  slots: number[];
  /** Each series' scale as a power of two: 2^scales[k]. */
  scales: number[];
  /** f64 per sample (src/engine/fan.ts fanStride): FAN_STRIDE for one market. */
  stride: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** ⌊log2 x⌋ of a positive normal double, from its bits. */
function exponentOf(x: number): number {
  f64[0] = x;
  return ((u32[1] >>> 20) & 0x7ff) - 1023;
}

/** The double whose high word is `hi` and low word 0. */
function fromHigh(hi: number): number {
  u32[0] = 0;
  u32[1] = hi >>> 0;
  return f64[0];
}

/**
 * The layout of a run's fan from its scenario: every step up to 200 (else every k-th, and the last); the mark, the
 * fundamental, the insurance fund, open interest long and short, and the backstop vault's cash when it runs. Scales:
 * the initial price for prices; for money, the initial fund (the vault's capital), at least a thousandth of the
 * initial open interest; for open interest, its initial notional (count × the smallest notional, or the positions
 * file's). Several markets: marketsFanLayout.
 */
export function fanLayout(inputs: ScenarioInputs): FanLayout {
  if (inputs.scenario.markets !== undefined) return marketsFanLayout(inputs);
  const s = inputs.scenario;
  const price = s.market.initialPrice;
  let oi = 0;
  if (inputs.positions && inputs.positions.length > 0) for (const p of inputs.positions) oi += Math.abs(p.size * p.entryPrice);
  else oi = s.accounts.count * s.accounts.notional.min;
  if (!(oi > price)) oi = price;
  const money = (x: number | undefined) => Math.max(x ?? 0, oi / 1024);
  const series: FanSeriesName[] = ["mark", "fundamental", "insurance", "openInterestLong", "openInterestShort"];
  const scale: Record<FanSeriesName, number> = {
    mark: price,
    fundamental: price,
    insurance: money(s.insurance.initialBalance),
    openInterestLong: oi,
    openInterestShort: oi,
    vault: money(s.liquidation.backstop?.vaultCapital ?? 10_000_000),
  };
  if (s.liquidation.engine === "backstop") series.push("vault");
  return {
    steps: fanSteps(s.steps),
    series,
    slots: series.map((n) => FAN_SERIES.indexOf(n)),
    scales: series.map((n) => scaleExponent(scale[n])),
    stride: FAN_STRIDE,
  };
}

function scaleExponent(scale: number): number {
  return Math.min(1000, Math.max(-990, exponentOf(scale)));
}

/**
 * Several markets: market 0's series under one market's names (its mark, fundamental and open interest; the venue's
 * fund; the vault's cash when a market runs the backstop engine, scaled by the vaults' capital), then, with two
 * markets or more, every market's mark as `markets.NAME.mark` (scaled by its initial price).
 */
function marketsFanLayout(inputs: ScenarioInputs): FanLayout {
  const markets = marketScenarios(inputs);
  const first = fanLayout(markets[0]);
  const backstops = markets.filter((m) => m.scenario.liquidation.engine === "backstop");
  if (backstops.length > 0 && !first.series.includes("vault")) {
    const capital = backstops.reduce((a, m) => a + (m.scenario.liquidation.backstop?.vaultCapital ?? 10_000_000), 0);
    first.series.push("vault");
    first.slots.push(FAN_SERIES.indexOf("vault"));
    // as one market's money(): a vault without capital is scaled as the fund
    first.scales.push(scaleExponent(Math.max(capital, 2 ** first.scales[first.series.indexOf("insurance")])));
  }
  const M = markets.length;
  if (M < 2) return first;
  const names = inputs.scenario.markets!.map((m) => m.name);
  return {
    ...first,
    series: [...first.series, ...names.map((n): FanSeriesKey => `markets.${n}.mark`)],
    slots: [...first.slots, ...names.map((_, m) => FAN_STRIDE + m)],
    scales: [...first.scales, ...markets.map((m) => scaleExponent(m.scenario.market.initialPrice))],
    stride: fanStride(M),
  };
}

/**
 * Histograms per (step, series), each a window of bins that grows to hold what arrives (bins outside every window
 * are 0): memory follows the spread of the data, not the FAN_BINS bins a histogram could use.
 */
class Windows {
  readonly lo: Int32Array;
  readonly len: Int32Array;
  readonly off: Int32Array;
  counts: Float64Array;
  private used = 0;

  constructor(readonly size: number) {
    this.lo = new Int32Array(size);
    this.len = new Int32Array(size);
    this.off = new Int32Array(size);
    this.counts = new Float64Array(Math.max(1024, size * 16));
  }

  /** Makes room for bin b in window h (then counts[off[h] + b − lo[h]] is its count). */
  include(h: number, b: number): void {
    const lo = this.lo[h];
    const len = this.len[h];
    let a: number;
    let z: number;
    if (len === 0) {
      a = b - 8;
      z = b + 9;
    } else {
      a = Math.min(lo, b);
      z = Math.max(lo + len, b + 1);
      const grow = z - a;
      if (b < lo) a -= grow;
      else z += grow;
    }
    a = Math.max(0, a);
    z = Math.min(FAN_BINS, z);
    this.relocate(h, a, z - a);
  }

  private relocate(h: number, lo: number, len: number): void {
    if (this.used + len > this.counts.length) this.compact(len);
    const at = this.used;
    const oldLen = this.len[h];
    if (oldLen > 0) {
      const from = this.off[h];
      const shift = this.lo[h] - lo;
      this.counts.copyWithin(at + shift, from, from + oldLen);
      this.counts.fill(0, at, at + shift);
      this.counts.fill(0, at + shift + oldLen, at + len);
    } else this.counts.fill(0, at, at + len);
    this.lo[h] = lo;
    this.len[h] = len;
    this.off[h] = at;
    this.used = at + len;
  }

  /** Lays the windows out again without the space old windows left, with room for `more`. */
  private compact(more: number): void {
    let live = 0;
    for (let h = 0; h < this.size; h++) live += this.len[h];
    const next = new Float64Array(Math.max(this.counts.length, 2 * (live + more)));
    let at = 0;
    for (let h = 0; h < this.size; h++) {
      const len = this.len[h];
      if (len === 0) continue;
      next.set(this.counts.subarray(this.off[h], this.off[h] + len), at);
      this.off[h] = at;
      at += len;
    }
    this.counts = next;
    this.used = at;
  }

  add(h: number, b: number, c: number): void {
    let r = b - this.lo[h];
    if (!(r >= 0 && r < this.len[h])) {
      this.include(h, b);
      r = b - this.lo[h];
    }
    this.counts[this.off[h] + r] += c;
  }
}

/**
 * The fan state of a set of paths: per (step, series) the histogram, the exact minimum and maximum and the sum's two
 * limbs (an integer count of units u = scale · 2^-32: hi · 2^26 + lo, lo in [0, 2^26) once normalised).
 */
export class FanHistograms {
  readonly layout: FanLayout;
  /** Paths counted. */
  paths = 0;
  protected readonly w: Windows;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sumHi: Float64Array;
  readonly sumLo: Float64Array;

  constructor(layout: FanLayout) {
    this.layout = layout;
    const n = layout.steps.length * layout.series.length;
    this.w = new Windows(n);
    this.min = new Float64Array(n).fill(Infinity);
    this.max = new Float64Array(n).fill(-Infinity);
    this.sumHi = new Float64Array(n);
    this.sumLo = new Float64Array(n);
  }

  /** The histogram of (step j, series k): index j · series + k. */
  protected at(j: number, k: number): number {
    return j * this.layout.series.length + k;
  }

  /** Carries the low limb's excess into the high limb, so that a sum has one representation. */
  protected normalise(h: number): void {
    const carry = Math.floor(this.sumLo[h] * INV_LIMB);
    if (carry !== 0) {
      this.sumHi[h] += carry;
      this.sumLo[h] -= carry * LIMB;
    }
  }

  /** Each histogram's non-zero bins, ascending: [bin, count, bin, count, …]. */
  protected pairs(h: number): number[] {
    const out: number[] = [];
    const { lo, len, off } = this.w;
    const c = this.w.counts;
    for (let r = 0, at = off[h]; r < len[h]; r++, at++) if (c[at] !== 0) out.push(lo[h] + r, c[at]);
    return out;
  }

  /** Adds another state of the same layout (other paths). */
  merge(other: FanHistograms): void {
    if (!sameLayout(this.layout, other.layout)) throw new RangeError("FanHistograms.merge: the layouts differ");
    for (let h = 0; h < this.min.length; h++) {
      const p = other.pairs(h);
      for (let i = 0; i < p.length; i += 2) this.w.add(h, p[i], p[i + 1]);
      if (other.min[h] < this.min[h]) this.min[h] = other.min[h];
      if (other.max[h] > this.max[h]) this.max[h] = other.max[h];
      this.sumHi[h] += other.sumHi[h];
      this.sumLo[h] += other.sumLo[h];
      this.normalise(h);
    }
    this.paths += other.paths;
  }

  /**
   * A batch's packed histograms (FanBatch.pack) added in: a f64 head (paths, triples, then per histogram its minimum,
   * maximum and the sum's limbs), then (histogram, bin, count) triples as i32, in any order, a bin possibly repeated.
   */
  addPacked(bytes: Uint8Array): void {
    const n = this.min.length;
    const head = new Float64Array(bytes.buffer, bytes.byteOffset, 2 + 4 * n);
    const paths = head[0];
    const triples = head[1];
    for (let h = 0; h < n; h++) {
      const mn = head[2 + 4 * h];
      const mx = head[3 + 4 * h];
      if (mn < this.min[h]) this.min[h] = mn;
      if (mx > this.max[h]) this.max[h] = mx;
      this.sumHi[h] += head[4 + 4 * h];
      this.sumLo[h] += head[5 + 4 * h];
      this.normalise(h);
    }
    const t = new Int32Array(bytes.buffer, bytes.byteOffset + 8 * (2 + 4 * n), 3 * triples);
    for (let i = 0; i < t.length; i += 3) this.w.add(t[i], t[i + 1], t[i + 2]);
    this.paths += paths;
  }

  /** The state as JSON (fan.json): exact, canonical (the same paths give the same text whatever their split). */
  toJSON(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const { steps, series, scales } = this.layout;
    const S = steps.length;
    const K = series.length;
    const data: Record<string, unknown> = {};
    for (let k = 0; k < K; k++) {
      const pick = (a: Float64Array) => Array.from({ length: S }, (_, j) => finiteOrNull(a[this.at(j, k)]));
      data[series[k]] = {
        scale: scales[k],
        min: pick(this.min),
        max: pick(this.max),
        sumHi: pick(this.sumHi),
        sumLo: pick(this.sumLo),
        counts: Array.from({ length: S }, (_, j) => this.pairs(this.at(j, k))),
      };
    }
    return {
      format: FAN_FORMAT,
      ...extra,
      paths: this.paths,
      bins: { mantissaBits: M, octavesBelow: FAN_OCTAVES_BELOW, octavesAbove: FAN_OCTAVES_ABOVE },
      steps,
      series: data,
    };
  }

  /** A state back from fan.json's object; a RangeError naming what is wrong. */
  static fromJSON(doc: unknown): FanHistograms {
    const d = doc as Record<string, any>;
    const bad = (what: string) => new RangeError(`fan state: ${what}`);
    if (d === null || typeof d !== "object" || d.format !== FAN_FORMAT) throw bad(`format must be ${FAN_FORMAT}`);
    const b = d.bins ?? {};
    if (b.mantissaBits !== M || b.octavesBelow !== FAN_OCTAVES_BELOW || b.octavesAbove !== FAN_OCTAVES_ABOVE)
      throw bad("bins must be this build's");
    if (!Array.isArray(d.steps) || !d.steps.every((t: unknown) => Number.isSafeInteger(t)))
      throw bad("steps must be step numbers");
    if (d.series === null || typeof d.series !== "object") throw bad("series must be an object");
    const names = Object.keys(d.series) as FanSeriesKey[];
    if (names.length === 0 || !names.every((n) => (FAN_SERIES as readonly string[]).includes(n) || MARKET_MARK.test(n)))
      throw bad(`series must be some of ${FAN_SERIES.join(", ")} and markets.NAME.mark`);
    if (!Number.isSafeInteger(d.paths) || d.paths < 0) throw bad("paths must be a count");
    // the markets' marks in market order after FAN_SERIES, as fanLayout places them
    let market = 0;
    const slots = names.map((n) => (MARKET_MARK.test(n) ? FAN_STRIDE + market++ : FAN_SERIES.indexOf(n as FanSeriesName)));
    const layout: FanLayout = {
      steps: d.steps,
      series: names,
      slots,
      scales: names.map((n) => d.series[n].scale),
      stride: market > 0 ? FAN_STRIDE + market : FAN_STRIDE,
    };
    if (!layout.scales.every((e) => Number.isSafeInteger(e) && e >= -990 && e <= 1000))
      throw bad("each series' scale must be an exponent");
    const st = new FanHistograms(layout);
    const S = layout.steps.length;
    const num = (x: unknown, fallback: number) => (x === null ? fallback : typeof x === "number" ? x : NaN);
    for (let k = 0; k < names.length; k++) {
      const s = d.series[names[k]];
      for (const key of ["min", "max", "sumHi", "sumLo", "counts"]) {
        if (!Array.isArray(s[key]) || s[key].length !== S) throw bad(`series.${names[k]}.${key} must have one entry per step`);
      }
      for (let j = 0; j < S; j++) {
        const h = st.at(j, k);
        st.min[h] = num(s.min[j], Infinity);
        st.max[h] = num(s.max[j], -Infinity);
        st.sumHi[h] = num(s.sumHi[j], NaN);
        st.sumLo[h] = num(s.sumLo[j], NaN);
        const p = s.counts[j];
        if (!Array.isArray(p) || p.length % 2 !== 0) throw bad(`series.${names[k]}.counts[${j}] must be [bin, count, …]`);
        let total = 0;
        for (let i = 0; i < p.length; i += 2) {
          const bin = p[i];
          const c = p[i + 1];
          if (!(Number.isSafeInteger(bin) && bin >= 0 && bin < FAN_BINS && Number.isSafeInteger(c) && c > 0))
            throw bad(`series.${names[k]}.counts[${j}] must hold bins and positive counts`);
          st.w.add(h, bin, c);
          total += c;
        }
        if (total !== d.paths) throw bad(`series.${names[k]}.counts[${j}] must count ${d.paths} paths (received ${total})`);
        if (
          !(
            Number.isFinite(st.sumHi[h]) &&
            Number.isFinite(st.sumLo[h]) &&
            Number.isNaN(st.min[h]) === false &&
            Number.isNaN(st.max[h]) === false
          )
        ) {
          throw bad(`series.${names[k]}: min, max, sumHi and sumLo must be numbers`);
        }
      }
    }
    st.paths = d.paths;
    return st;
  }

  /** summary.json's `fan`: per step and series the quantiles and the mean (docs/report.md "Per-step data"). */
  summary(stepSeconds: number): FanSummary {
    const { steps, series, scales } = this.layout;
    const S = steps.length;
    const n = this.paths;
    const out: FanSummary = { steps, stepSeconds, paths: n, relativeError: FAN_RELATIVE_ERROR, series: {} };
    for (let k = 0; k < series.length; k++) {
      const bands: Record<string, (number | null)[]> = {};
      for (const [name] of FAN_QUANTILES) bands[name] = new Array<number | null>(S);
      const mean = new Array<number | null>(S);
      const keyLo = (scales[k] - FAN_OCTAVES_BELOW + 1023) << M;
      const exactUpTo = 2 ** (scales[k] + EXACT_OCTAVES);
      for (let j = 0; j < S; j++) {
        const h = this.at(j, k);
        const q = this.quantiles(h, keyLo);
        FAN_QUANTILES.forEach(([name], i) => (bands[name][j] = q[i]));
        const mn = this.min[h];
        const mx = this.max[h];
        mean[j] =
          n === 0 || !(Math.max(-mn, mx) < exactUpTo)
            ? null
            : ((this.sumHi[h] * LIMB + this.sumLo[h]) * 2 ** (scales[k] - UNIT_BITS)) / n;
      }
      out.series[series[k]] = { ...bands, mean };
    }
    return out;
  }

  /** The FAN_QUANTILES of histogram h (null when it counts no path). */
  private quantiles(h: number, keyLo: number): (number | null)[] {
    const n = this.paths;
    if (n === 0) return FAN_QUANTILES.map(() => null);
    const mn = this.min[h];
    const mx = this.max[h];
    // the order statistics needed, ascending (type 7: x[⌊h⌋] and x[⌊h⌋ + 1])
    const ranks: number[] = [];
    for (const [, p] of FAN_QUANTILES) {
      const r = (n - 1) * p;
      const k0 = Math.floor(r);
      ranks.push(k0, Math.min(k0 + 1, n - 1));
    }
    const est = new Map<number, number>();
    const wanted = [...new Set(ranks)].sort((a, b) => a - b);
    const { lo, len, off } = this.w;
    const c = this.w.counts;
    let next = 0;
    let before = 0;
    for (let r = 0, at = off[h]; r < len[h] && next < wanted.length; r++, at++) {
      const count = c[at];
      if (count === 0) continue;
      const bin = lo[h] + r;
      while (next < wanted.length && wanted[next] < before + count) {
        const k = wanted[next++];
        let x: number;
        if (k === 0) x = mn;
        else if (k === n - 1) x = mx;
        else {
          const [a0, b0] = binEdges(bin, keyLo, mn, mx);
          const a = a0 < mn ? mn : a0;
          const b = b0 > mx ? mx : b0;
          x = a + ((k - before + 0.5) / count) * (b - a);
        }
        est.set(k, x);
      }
      before += count;
    }
    return FAN_QUANTILES.map(([, p]) => {
      const r = (n - 1) * p;
      const k0 = Math.floor(r);
      if (k0 >= n - 1) return est.get(n - 1)!;
      const t = r - k0;
      const a = est.get(k0)!;
      const b = est.get(k0 + 1)!;
      const d = b - a;
      return t >= 0.5 ? b - d * (1 - t) : a + d * t;
    });
  }
}

/** fan.json's format tag. */
export const FAN_FORMAT = "cascade-fan/1";

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function sameLayout(a: FanLayout, b: FanLayout): boolean {
  return (
    a.steps.length === b.steps.length &&
    a.steps.every((t, i) => t === b.steps[i]) &&
    a.series.length === b.series.length &&
    a.series.every((s, i) => s === b.series[i]) &&
    a.scales.every((e, i) => e === b.scales[i])
  );
}

/** The lower and upper edge of a bin (the overflow bins reach to the exact extremes). */
function binEdges(bin: number, keyLo: number, mn: number, mx: number): [number, number] {
  if (bin === ZERO) return [0, 0];
  if (bin >= POS0 && bin < POS_OVER) {
    const mag = keyLo + (bin - POS0);
    return [fromHigh(mag << SHIFT), fromHigh((mag + 1) << SHIFT)];
  }
  if (bin > NEG_OVER && bin < NEG_TINY) {
    const mag = keyLo + (N - bin);
    return [-fromHigh((mag + 1) << SHIFT), -fromHigh(mag << SHIFT)];
  }
  const edge = fromHigh(keyLo << SHIFT);
  const far = fromHigh((keyLo + N) << SHIFT);
  if (bin === POS_TINY) return [0, edge];
  if (bin === NEG_TINY) return [-edge, 0];
  if (bin === POS_OVER) return [far, mx];
  return [mn, -far];
}

/** summary.json's `fan` (docs/report.md "Per-step data"). */
export interface FanSummary {
  steps: number[];
  stepSeconds: number;
  /** Paths the quantiles are over. */
  paths: number;
  /** A quantile is within this share of its value (one bin's width; see src/stats/fan.ts). */
  relativeError: number;
  series: Record<string, Record<string, (number | null)[]>>;
}

/**
 * A worker's histograms of one batch: the engine hands it the samples (FanSink), pack() returns them as bytes for the
 * host (FanHistograms.addPacked) and starts the next batch.
 */
export class FanBatch extends FanHistograms implements FanBinSink {
  private readonly keyLo: Int32Array;
  private readonly inv: Float64Array;
  private readonly S: number;

  constructor(layout: FanLayout) {
    super(layout);
    this.S = layout.steps.length;
    this.keyLo = Int32Array.from(layout.scales, (e) => (e - FAN_OCTAVES_BELOW + 1023) << M);
    this.inv = Float64Array.from(layout.scales, (e) => 2 ** (UNIT_BITS - e));
  }

  binParams(): Float64Array {
    const K = this.layout.series.length;
    const out = new Float64Array(1 + 3 * K);
    out[0] = K;
    for (let k = 0; k < K; k++) {
      out[1 + 3 * k] = this.layout.slots[k];
      out[2 + 3 * k] = this.keyLo[k];
      out[3 + 3 * k] = this.inv[k];
    }
    return out;
  }

  /** Counts the kernel hands over, kept as (histogram, bin, count) triples until pack(). */
  private triples = new Int32Array(3 * 4096);
  private nTriples = 0;

  addCount(h: number, bin: number, count: number): void {
    if (3 * (this.nTriples + 1) > this.triples.length) this.growTriples(1);
    const at = 3 * this.nTriples++;
    this.triples[at] = h;
    this.triples[at + 1] = bin;
    this.triples[at + 2] = count;
  }

  /** (histogram, bin, count) triples in bulk (the kernel's flushed windows). */
  addCounts(triples: Int32Array): void {
    const n = triples.length / 3;
    if (3 * (this.nTriples + n) > this.triples.length) this.growTriples(n);
    this.triples.set(triples, 3 * this.nTriples);
    this.nTriples += n;
  }

  private growTriples(more: number): void {
    const next = new Int32Array(Math.max(2 * this.triples.length, 3 * (this.nTriples + more)));
    next.set(this.triples.subarray(0, 3 * this.nTriples));
    this.triples = next;
  }

  addStats(h: number, min: number, max: number, sum: number): void {
    if (min < this.min[h]) this.min[h] = min;
    if (max > this.max[h]) this.max[h] = max;
    const hi = Math.floor(sum * INV_LIMB);
    this.sumHi[h] += hi;
    this.sumLo[h] += sum - hi * LIMB;
    this.normalise(h);
  }

  addPaths(paths: number): void {
    this.paths += paths;
  }

  add(samples: Float64Array, paths: number, firstPath: number): void {
    const perPath = this.S * this.layout.stride;
    for (let p = 0; p < paths; p += CHUNK_PATHS) {
      const n = Math.min(CHUNK_PATHS, paths - p);
      this.addChunk(p === 0 ? samples : samples.subarray(p * perPath), n, firstPath + p);
    }
  }

  /** At most CHUNK_PATHS paths: the sum of their ⌊x / u⌋ is exact in one f64, then goes into the limbs. */
  private addChunk(samples: Float64Array, paths: number, firstPath: number): void {
    const S = this.S;
    const K = this.layout.series.length;
    const stride = this.layout.stride;
    const perPath = S * stride;
    if (samples.length < paths * perPath)
      throw new RangeError(`FanBatch.add: ${paths} paths need ${paths * perPath} samples (received ${samples.length})`);
    const bits = new Uint32Array(samples.buffer, samples.byteOffset, samples.length * 2);
    const w = this.w;
    for (let k = 0; k < K; k++) {
      const slot = this.layout.slots[k];
      const keyLo = this.keyLo[k];
      const inv = this.inv[k];
      for (let j = 0; j < S; j++) {
        const h = j * K + k;
        let lo = w.lo[h];
        let len = w.len[h];
        let off = w.off[h];
        let counts = w.counts;
        let mn = this.min[h];
        let mx = this.max[h];
        let sum = 0;
        for (let p = 0, i = j * stride + slot; p < paths; p++, i += perPath) {
          const x = samples[i];
          let b: number;
          if (x > 0) {
            const r = (bits[2 * i + 1] >>> SHIFT) - keyLo;
            b = r < 0 ? POS_TINY : r >= N ? POS_OVER : POS0 + r;
          } else if (x < 0) {
            const r = ((bits[2 * i + 1] & 0x7fffffff) >>> SHIFT) - keyLo;
            b = r < 0 ? NEG_TINY : r >= N ? NEG_OVER : N - r;
          } else if (x === 0) b = ZERO;
          else
            throw new RangeError(
              `engine failed on path ${firstPath + p}: the fan's ${this.layout.series[k]} at step ${this.layout.steps[j]} is NaN`,
            );
          let r = b - lo;
          if (!(r >= 0 && r < len)) {
            w.include(h, b);
            lo = w.lo[h];
            len = w.len[h];
            off = w.off[h];
            counts = w.counts;
            r = b - lo;
          }
          counts[off + r]++;
          if (x < mn) mn = x;
          if (x > mx) mx = x;
          sum += Math.floor(x * inv);
        }
        // ⌊x / u⌋ beyond ±2^37 counts as ±2^37, so that the sum is exact (assembly/fan.ts does the same)
        if (Math.max(-mn, mx) * inv >= Q_MAX) {
          sum = 0;
          for (let p = 0, i = j * stride + slot; p < paths; p++, i += perPath)
            sum += Math.min(Math.max(Math.floor(samples[i] * inv), -Q_MAX), Q_MAX);
        }
        this.min[h] = mn;
        this.max[h] = mx;
        const hi = Math.floor(sum * INV_LIMB);
        this.sumHi[h] += hi;
        this.sumLo[h] += sum - hi * LIMB;
        this.normalise(h);
      }
    }
    this.paths += paths;
  }

  /** The batch's histograms as bytes (addPacked's input); the batch starts empty again. */
  pack(): Uint8Array {
    const n = this.min.length;
    // the windows' counts (samples binned here) as triples after the kernel's
    let fromWindows = 0;
    for (let h = 0; h < n; h++) if (this.w.len[h] > 0) fromWindows += this.pairs(h).length / 2;
    const total = this.nTriples + fromWindows;
    // a multiple of 8 bytes, so that what follows it in a batch's buffer stays aligned
    const bytes = new Uint8Array(8 * Math.ceil((8 * (2 + 4 * n) + 12 * total) / 8));
    const head = new Float64Array(bytes.buffer, 0, 2 + 4 * n);
    const t = new Int32Array(bytes.buffer, 8 * (2 + 4 * n), 3 * total);
    head[0] = this.paths;
    head[1] = total;
    t.set(this.triples.subarray(0, 3 * this.nTriples));
    let at = 3 * this.nTriples;
    for (let h = 0; h < n; h++) {
      if (this.paths > 0 && !(Number.isFinite(this.min[h]) && Number.isFinite(this.max[h]))) {
        throw new RangeError(
          `the fan's ${this.layout.series[h % this.layout.series.length]} at step ${this.layout.steps[Math.floor(h / this.layout.series.length)]} is not finite (minimum ${this.min[h]}, maximum ${this.max[h]})`,
        );
      }
      head[2 + 4 * h] = this.min[h];
      head[3 + 4 * h] = this.max[h];
      head[4 + 4 * h] = this.sumHi[h];
      head[5 + 4 * h] = this.sumLo[h];
      if (fromWindows > 0 && this.w.len[h] > 0) {
        const p = this.pairs(h);
        for (let i = 0; i < p.length; i += 2, at += 3) {
          t[at] = h;
          t[at + 1] = p[i];
          t[at + 2] = p[i + 1];
        }
      }
    }
    this.reset();
    return bytes;
  }

  /** Forgets what the batch holds. */
  reset(): void {
    for (let h = 0; h < this.min.length; h++) this.clear(h);
    this.paths = 0;
    this.nTriples = 0;
  }

  private clear(h: number): void {
    const w = this.w;
    w.counts.fill(0, w.off[h], w.off[h] + w.len[h]);
    this.min[h] = Infinity;
    this.max[h] = -Infinity;
    this.sumHi[h] = 0;
    this.sumLo[h] = 0;
  }
}
