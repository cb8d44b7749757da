// The WASM kernel's fan binning (assembly/fan.ts binChunk) read back: after each kernel batch, the values that fell
// outside their windows, the zeros and each histogram's minimum, maximum and Σ⌊x / u⌋ go to the sink; flush() hands
// over the windows' counts (a batch of the pool ends with it) and empties them.
import { FAN_STRIDE, fanEvery, type FanBinSink, type FanSink } from "../engine/fan.js";
import { FAN_ZERO_BIN } from "../stats/fan.js";

/** Counts a kernel window holds (assembly/fan.ts FAN_WINDOW). */
export const FAN_WINDOW = 256;

interface FanExports {
  memory: WebAssembly.Memory;
  fanConfigure(every: number, bin: number): number;
  fanSamplesPtr(): number;
  fanBinParamsPtr(): number;
  fanFlush(): number;
  fanOutPtr(): number;
  fanZerosPtr(): number;
  fanStatsPtr(): number;
  fanSpillLen(): number;
}

export class KernelFan {
  /** Histograms: samples per path × series binned. */
  private readonly hists: number;

  constructor(
    private readonly e: FanExports,
    samples: number,
    series: number,
  ) {
    this.hists = samples * series;
  }

  /** A kernel batch of `paths` paths from `firstPath` was binned: its spills, zeros and statistics into the sink. */
  batch(sink: FanBinSink, paths: number, firstPath: number): void {
    const e = this.e;
    const buf = e.memory.buffer;
    const spills = e.fanSpillLen();
    if (spills > 0) sink.addCounts(new Int32Array(buf, e.fanOutPtr(), 3 * spills));
    const zeros = new Uint32Array(buf, e.fanZerosPtr(), this.hists);
    const stats = new Float64Array(buf, e.fanStatsPtr(), 3 * this.hists);
    for (let h = 0; h < this.hists; h++) {
      if (zeros[h] !== 0) sink.addCount(h, FAN_ZERO_BIN, zeros[h]);
      const sum = stats[3 * h + 2];
      if (!Number.isFinite(sum))
        throw new RangeError(
          `engine failed on a path of ${firstPath}–${firstPath + paths - 1}: a fan series is ${sum} (histogram ${h})`,
        );
      sink.addStats(h, stats[3 * h], stats[3 * h + 1], sum);
    }
    sink.addPaths(paths);
  }

  /** The windows' counts into the sink; the windows are emptied (they stay where they are). */
  flush(sink: FanBinSink): void {
    const e = this.e;
    const n = e.fanFlush();
    sink.addCounts(new Int32Array(e.memory.buffer, e.fanOutPtr(), 3 * n));
  }
}

/**
 * The kernel's samples (per sampled step, `cap` paths of `stride` values) of `paths` paths, path-major as a FanSink
 * takes them.
 */
export function pathMajor(
  region: Float64Array,
  paths: number,
  samples: number,
  cap: number,
  stride: number = FAN_STRIDE,
): Float64Array {
  const out = new Float64Array(paths * samples * stride);
  for (let j = 0; j < samples; j++) {
    for (let p = 0; p < paths; p++) {
      const from = (j * cap + p) * stride;
      out.set(region.subarray(from, from + stride), (p * samples + j) * stride);
    }
  }
  return out;
}

/**
 * A kernel instance's fan charts (assembly/fan.ts), for WasmEngine and WasmMarketsEngine: sampling on or off, the
 * samples handed to a sink after each kernel batch, or the kernel's own binning read back.
 */
export class KernelFanCharts {
  /** Samples per path (0: off). */
  private samples = 0;
  private bins?: KernelFan;

  /** `stride`: f64 per sample, as the kernel was carved (src/engine/fan.ts fanStride); `cap`: its batch. */
  constructor(
    private readonly e: FanExports,
    private readonly stride: number,
    private readonly cap: number,
  ) {}

  /**
   * Samples every fanEvery(steps) steps, or not; `binned`: the kernel bins them (the sink a FanBinSink, its binParams()
   * the kernel's), and flush() hands over what it holds. False when the samples do not fit the kernel's region.
   */
  enable(on: boolean, steps: number, binned?: FanBinSink): boolean {
    const e = this.e;
    if (binned) {
      const params = binned.binParams();
      for (let k = 0; k < params[0]; k++) {
        if (!(params[1 + 3 * k] < this.stride))
          throw new RangeError(`the fan's series ${k} is at ${params[1 + 3 * k]}, past the kernel's ${this.stride} values`);
      }
      new Float64Array(e.memory.buffer, e.fanBinParamsPtr(), params.length).set(params);
    }
    const n = e.fanConfigure(on ? fanEvery(steps) : 0, binned ? 1 : 0);
    if (n < 0) return false;
    this.samples = n;
    this.bins = on && binned ? new KernelFan(e, n, binned.binParams()[0]) : undefined;
    return true;
  }

  /** After a kernel batch of `paths` paths from `firstPath`: its samples (or their bins) into the sink. */
  batch(sink: FanSink, paths: number, firstPath: number): void {
    if (this.bins) this.bins.batch(sink as FanBinSink, paths, firstPath);
    else if (this.samples > 0) {
      const region = new Float64Array(this.e.memory.buffer, this.e.fanSamplesPtr(), this.samples * this.stride * this.cap);
      sink.add(pathMajor(region, paths, this.samples, this.cap, this.stride), paths, firstPath);
    }
  }

  /** The kernel's windows into the sink (binned mode; runBatch calls it before it packs the batch's fan). */
  flush(sink: FanBinSink): void {
    this.bins?.flush(sink);
  }
}
