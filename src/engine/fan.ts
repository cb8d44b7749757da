// Fan charts (summary.json's `fan`), the engines' side: which steps are sampled, the series each sample holds, and
// the reference engine's twin of assembly/fan.ts — open interest kept as running open sizes per side, changed where
// a position's size changes, and the samples of a path written in the kernel's layout (path, sample, series).

/** The series of a sample, in the kernel's order (assembly/fan.ts FAN_SERIES). */
export const FAN_SERIES = ["mark", "fundamental", "insurance", "openInterestLong", "openInterestShort", "vault"] as const;
export type FanSeriesName = (typeof FAN_SERIES)[number];
export const FAN_STRIDE = FAN_SERIES.length;

/**
 * f64 per sample of a run of `markets` markets (assembly/fan.ts perSample): FAN_SERIES (market 0's, the venue's fund
 * and vault), then, with two markets or more, every market's mark in market order (market m's at FAN_STRIDE + m).
 */
export function fanStride(markets: number): number {
  return markets > 1 ? FAN_STRIDE + markets : FAN_STRIDE;
}

/** At most this many sampled steps besides step 0 and the last (assembly/fan.ts FAN_MAX_SAMPLES). */
export const FAN_MAX_SAMPLES = 200;

/** Sample every this many steps: each step up to FAN_MAX_SAMPLES steps, else every ⌈steps / FAN_MAX_SAMPLES⌉-th. */
export function fanEvery(steps: number): number {
  return steps <= FAN_MAX_SAMPLES ? 1 : Math.ceil(steps / FAN_MAX_SAMPLES);
}

/** The sampled steps: 0, every, 2·every, …, and the last step. */
export function fanSteps(steps: number, every = fanEvery(steps)): number[] {
  const out: number[] = [];
  for (let t = 0; t <= steps; t += every) out.push(t);
  if (out[out.length - 1] !== steps) out.push(steps);
  return out;
}

/** Where an engine hands the samples of the paths it ran: `paths` paths from `firstPath`, the layout's stride f64 per sample. */
export interface FanSink {
  add(samples: Float64Array, paths: number, firstPath: number): void;
}

/**
 * What the WASM kernel bins itself (assembly/fan.ts binChunk) hands over instead of samples: per histogram h
 * (sample-major, then series, as src/stats/fan.ts numbers them) counts of bins, the minimum, maximum and Σ⌊x / u⌋ of
 * a batch, and the paths counted.
 */
export interface FanBinSink extends FanSink {
  /** The kernel's parameters: the series binned, then per series its slot in a sample, its first log bin's key, 1/u. */
  binParams(): Float64Array;
  addCount(h: number, bin: number, count: number): void;
  /** (histogram, bin, count) triples. */
  addCounts(triples: Int32Array): void;
  addStats(h: number, min: number, max: number, sum: number): void;
  addPaths(paths: number): void;
}

/** Open interest as running open sizes per side (assembly/fan.ts longOpen/shortOpen, same operations in the same order). */
export class OpenInterest {
  long = 0;
  short = 0;
  /** Open accounts per side: a side whose last position closes is exactly 0 (no rounding residue). */
  private longs = 0;
  private shorts = 0;
  private longStart = 0;
  private shortStart = 0;
  private longsStart = 0;
  private shortsStart = 0;

  /** The population changed: its open sizes per side, summed in account order. */
  population(isLong: ArrayLike<number>, size: ArrayLike<number>, count: number): void {
    let l = 0;
    let s = 0;
    let nl = 0;
    for (let i = 0; i < count; i++) {
      if (isLong[i] === 1) {
        l += size[i];
        nl++;
      } else s += size[i];
    }
    this.longStart = l;
    this.shortStart = s;
    this.longsStart = nl;
    this.shortsStart = count - nl;
  }

  newPath(): void {
    this.long = this.longStart;
    this.short = this.shortStart;
    this.longs = this.longsStart;
    this.shorts = this.shortsStart;
  }

  /** A side-s position of q units closed whole. */
  closed(s: number, q: number): void {
    if (s > 0) {
      this.long -= q;
      if (--this.longs === 0) this.long = 0;
    } else {
      this.short -= q;
      if (--this.shorts === 0) this.short = 0;
    }
  }

  /** q units of a side-s position closed, the position staying open. */
  reduced(s: number, q: number): void {
    if (s > 0) this.long -= q;
    else this.short -= q;
  }

  /** A side-s position of q units opened. */
  opened(s: number, q: number): void {
    if (s > 0) {
      this.long += q;
      this.longs++;
    } else {
      this.short += q;
      this.shorts++;
    }
  }
}

/** The reference engine's samples of one path (assembly/fan.ts sample()). */
export class FanSampler {
  private every = 0;
  readonly buffer: Float64Array;
  private at = 0;

  /** `stride`: f64 per sample (fanStride). */
  constructor(
    steps: number,
    private readonly stride: number = FAN_STRIDE,
  ) {
    this.buffer = new Float64Array(fanSteps(steps).length * stride);
  }

  /** Sampling on (every fanEvery(steps) steps) or off. */
  configure(on: boolean, steps: number): void {
    this.every = on ? fanEvery(steps) : 0;
  }

  get on(): boolean {
    return this.every > 0;
  }

  /** The first step to sample (0), or −1 when sampling is off. */
  newPath(): number {
    this.at = 0;
    return this.every > 0 ? 0 : -1;
  }

  /** Value k after FAN_SERIES of the sample sample() writes next (several markets: market k's mark). */
  sampleExtra(k: number, x: number): void {
    this.buffer[this.at + FAN_STRIDE + k] = x;
  }

  /** Step t's values at its end; returns the next step to sample (−1: none). */
  sample(
    t: number,
    steps: number,
    mark: number,
    fundamental: number,
    insurance: number,
    oi: OpenInterest,
    vaultLongQ: number,
    vaultShortQ: number,
    vaultCash: number,
  ): number {
    const b = this.buffer;
    const p = this.at;
    b[p] = mark;
    b[p + 1] = fundamental;
    b[p + 2] = insurance;
    b[p + 3] = (oi.long + vaultLongQ) * mark;
    b[p + 4] = (oi.short + vaultShortQ) * mark;
    b[p + 5] = vaultCash;
    this.at = p + this.stride;
    const next = t + this.every;
    return next <= steps ? next : t < steps ? steps : -1;
  }
}
