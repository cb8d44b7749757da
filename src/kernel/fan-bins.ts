// The WASM kernel's fan binning (assembly/fan.ts binChunk) read back: after each kernel batch, the values that fell
// outside their windows, the zeros and each histogram's minimum, maximum and Σ⌊x / u⌋ go to the sink; flush() hands
// over the windows' counts (a batch of the pool ends with it) and empties them.
import { FAN_STRIDE, type FanBinSink } from "../engine/fan.js";
import { FAN_ZERO_BIN } from "../stats/fan.js";

/** Counts a kernel window holds (assembly/fan.ts FAN_WINDOW). */
export const FAN_WINDOW = 256;

interface FanExports {
  memory: WebAssembly.Memory;
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

/** The kernel's samples (per sampled step, `cap` paths of FAN_STRIDE values) of `paths` paths, path-major as a FanSink takes them. */
export function pathMajor(region: Float64Array, paths: number, samples: number, cap: number): Float64Array {
  const out = new Float64Array(paths * samples * FAN_STRIDE);
  for (let j = 0; j < samples; j++) {
    for (let p = 0; p < paths; p++) {
      const from = (j * cap + p) * FAN_STRIDE;
      out.set(region.subarray(from, from + FAN_STRIDE), (p * samples + j) * FAN_STRIDE);
    }
  }
  return out;
}
