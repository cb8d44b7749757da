// One batch of paths, computed by an engine: the unit of work a worker does. The result packs the f64
// records, optionally the batch's fan-chart histograms (src/stats/fan.ts) and optionally their CSV rows (UTF-8) into
// one buffer so a worker can move it, not copy it.
import { RECORD_STRIDE } from "../engine/metrics.js";
import { ReferenceEngine } from "../engine/reference.js";
import { MarketsReferenceEngine } from "../engine/markets.js";
import { type RunSetup, isMarketsSetup, recordNames } from "../engine/markets-setup.js";
import { WasmEngine } from "../kernel/wasm-engine.js";
import { WasmMarketsEngine } from "../kernel/wasm-markets-engine.js";
import { formatRecordsCsv } from "../report/csv.js";
import { FanBatch, type FanLayout } from "../stats/fan.js";
import type { FanBinSink } from "../engine/fan.js";
import { seedWords } from "./seed.js";

export type EngineKind = "wasm" | "ts";

export interface PathEngine {
  runPaths(first: number, count: number, out: Float64Array, fan?: FanBinSink): void;
  /** What the engine still holds of the fan's histograms, into the sink (the WASM kernel's windows). */
  flushFan?(fan: FanBinSink): void;
  /** The fan's histograms of the batch being run, when the run has fan charts (createEngine's `fan`). */
  fanBatch?: FanBatch;
  /** f64 per path in `out` (createEngine sets it; absent: RECORD_STRIDE, one market's record). */
  recordStride?: number;
}

/** f64 per path of a run of `setup`: recordNames of its markets (RECORD_STRIDE for one market). */
export function recordStrideOf(setup: RunSetup): number {
  return isMarketsSetup(setup) ? recordNames(setup.names, setup.cross !== undefined).length : RECORD_STRIDE;
}

const strideOf = (engine: PathEngine): number => engine.recordStride ?? RECORD_STRIDE;

/**
 * The engine seam: builds and prepares the engine for a run's setup (population drawn, ladder sorted): one
 * market's engine (WasmEngine or ReferenceEngine) for an EngineSetup, the several-market engine for a MarketsSetup.
 * Every runner makes its engine here (the pool's workers, the inline runner, the queue's workers, verify, resume).
 * With a fan layout it samples every path's series and bins them into its `fan` (src/stats/fan.ts): the kernels bin
 * them themselves, the reference engines hand their samples over.
 */
export function createEngine(
  kind: EngineKind,
  setup: RunSetup,
  seed: number,
  module?: WebAssembly.Module,
  fan?: FanLayout,
): PathEngine {
  const [lo, hi] = seedWords(seed);
  const engine = isMarketsSetup(setup)
    ? kind === "wasm"
      ? new WasmMarketsEngine(setup, { module })
      : new MarketsReferenceEngine(setup)
    : kind === "wasm"
      ? new WasmEngine(setup, { module })
      : new ReferenceEngine(setup);
  engine.prepare(lo, hi);
  const out = Object.assign(engine, { recordStride: recordStrideOf(setup) });
  if (!fan) return out;
  const batch = new FanBatch(fan);
  if (engine instanceof WasmEngine || engine instanceof WasmMarketsEngine) engine.enableFan(true, batch);
  else engine.enableFan();
  return Object.assign(out, { fanBatch: batch });
}

export interface BatchTask {
  first: number;
  count: number;
  csv: boolean;
}

const encoder = new TextEncoder();

/** The prefix of a path failure's message: the pool does not retry it (a trap is deterministic). */
export const PATH_FAILURE = "engine failed on path ";

/** Runs the batch's paths one by one to name the first that fails (a trap's message alone does not). */
function failingPath(engine: PathEngine, task: BatchTask, err: unknown): Error {
  if ((err as Error).message?.startsWith(PATH_FAILURE)) return err as Error;
  const one = new Float64Array(strideOf(engine));
  for (let p = task.first; p < task.first + task.count; p++) {
    try {
      engine.runPaths(p, 1, one);
    } catch (again) {
      return new Error(`${PATH_FAILURE}${p}: ${(again as Error).message}`);
    }
  }
  return new Error(
    `${PATH_FAILURE}${task.first} (batch of ${task.count}, not reproducible path by path): ${(err as Error).message}`,
  );
}

/** Where a batch's values go metric by metric: the run's shared columns, and the path at their start. */
export interface ColumnTarget {
  columns: Float64Array[];
  firstPath: number;
}

/**
 * Runs a batch; writes its values into the run's shared metric columns when given (in place, so the host
 * copies nothing), and returns the records (path-major, for the hash and the paths file), then the batch's fan
 * histograms when the engine has a `fan` (a f64 holding their byte length, then the bytes: FanBatch.pack), then the
 * CSV rows when asked for, in one buffer.
 */
export function runBatch(engine: PathEngine, task: BatchTask, target?: ColumnTarget): Uint8Array {
  const stride = strideOf(engine);
  const records = new Float64Array(task.count * stride);
  let fan: Uint8Array | undefined;
  try {
    engine.runPaths(task.first, task.count, records, engine.fanBatch);
    if (engine.fanBatch) {
      engine.flushFan?.(engine.fanBatch);
      fan = engine.fanBatch.pack();
    }
  } catch (err) {
    const failure = failingPath(engine, task, err);
    if (engine.fanBatch) {
      // drop what the failed batch (and its paths run again one by one) left
      engine.flushFan?.(engine.fanBatch);
      engine.fanBatch.reset();
    }
    throw failure;
  }
  if (target) {
    const at = task.first - target.firstPath;
    for (let m = 0; m < stride; m++) {
      const col = target.columns[m];
      for (let i = 0, j = m; i < task.count; i++, j += stride) col[at + i] = records[j];
    }
  }
  if (!task.csv && !fan) return new Uint8Array(records.buffer);
  const text = task.csv ? encoder.encode(formatRecordsCsv(task.first, records, task.count, stride)) : new Uint8Array(0);
  const fanBytes = fan ? 8 + fan.byteLength : 0;
  const packed = new Uint8Array(records.byteLength + fanBytes + text.byteLength);
  packed.set(new Uint8Array(records.buffer), 0);
  if (fan) {
    new DataView(packed.buffer).setFloat64(records.byteLength, fan.byteLength, true);
    packed.set(fan, records.byteLength + 8);
  }
  packed.set(text, records.byteLength + fanBytes);
  return packed;
}

export interface BatchResult {
  records: Float64Array;
  /** The batch's paths.csv rows, UTF-8, as the worker formatted them (written to disk as they are). */
  csv?: Uint8Array;
  /** The batch's fan histograms (FanHistograms.addPacked), when the run has fan charts. */
  fan?: Uint8Array;
}

/**
 * A batch's result out of runBatch's buffer; `fan`: the run has fan charts (the buffer holds the batch's); `stride`:
 * f64 per record (recordStrideOf the run's setup).
 */
export function unpackBatch(
  packed: Uint8Array,
  count: number,
  csv: boolean,
  fan = false,
  stride: number = RECORD_STRIDE,
): BatchResult {
  const bytes = count * stride * 8;
  // records sit at the start of the packed buffer: a view when it is 8-byte aligned, a copy otherwise
  const aligned = packed.byteOffset % 8 === 0;
  const records = aligned
    ? new Float64Array(packed.buffer, packed.byteOffset, count * stride)
    : new Float64Array(packed.buffer.slice(packed.byteOffset, packed.byteOffset + bytes));
  let at = bytes;
  let fanBytes: Uint8Array | undefined;
  if (fan) {
    const length = new DataView(packed.buffer, packed.byteOffset + at, 8).getFloat64(0, true);
    const view = packed.subarray(at + 8, at + 8 + length);
    // FanHistograms reads it through f64 and i32 views: aligned, or a copy
    fanBytes = view.byteOffset % 8 === 0 ? view : view.slice();
    at += 8 + length;
  }
  return { records, csv: csv ? packed.subarray(at) : undefined, fan: fanBytes };
}
