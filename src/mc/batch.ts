// One batch of paths, computed by an engine: the unit of work a worker does. The result packs the f64
// records and, optionally, their CSV rows (UTF-8) into one buffer so a worker can move it, not copy it.
import { RECORD_STRIDE } from "../engine/metrics.js";
import { ReferenceEngine } from "../engine/reference.js";
import type { EngineSetup } from "../engine/setup.js";
import { WasmEngine } from "../kernel/wasm-engine.js";
import { formatRecordsCsv } from "../report/csv.js";
import { seedWords } from "./seed.js";

export type EngineKind = "wasm" | "ts";

export interface PathEngine {
  runPaths(first: number, count: number, out: Float64Array): void;
}

/** Builds and prepares an engine for a run (population drawn, ladder sorted) and warms it up. */
export function createEngine(kind: EngineKind, setup: EngineSetup, seed: number, module?: WebAssembly.Module): PathEngine {
  const [lo, hi] = seedWords(seed);
  const engine = kind === "wasm" ? new WasmEngine(setup, { module }) : new ReferenceEngine(setup);
  engine.prepare(lo, hi);
  return engine;
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
  const one = new Float64Array(RECORD_STRIDE);
  for (let p = task.first; p < task.first + task.count; p++) {
    try {
      engine.runPaths(p, 1, one);
    } catch (again) {
      return new Error(`${PATH_FAILURE}${p}: ${(again as Error).message}`);
    }
  }
  return new Error(`${PATH_FAILURE}${task.first} (batch of ${task.count}, not reproducible path by path): ${(err as Error).message}`);
}

/**
 * Runs a batch; returns in one buffer the records (path-major, for the hash and the paths file), the same
 * values metric by metric (so the host fills its columns with block copies, off the workers' critical
 * path), then the CSV rows when asked for.
 */
export function runBatch(engine: PathEngine, task: BatchTask): Uint8Array {
  const n = task.count * RECORD_STRIDE;
  const values = new Float64Array(2 * n);
  const records = values.subarray(0, n);
  try {
    engine.runPaths(task.first, task.count, records);
  } catch (err) {
    throw failingPath(engine, task, err);
  }
  for (let m = 0; m < RECORD_STRIDE; m++) {
    const at = n + m * task.count;
    for (let i = 0, j = m; i < task.count; i++, j += RECORD_STRIDE) values[at + i] = records[j];
  }
  if (!task.csv) return new Uint8Array(values.buffer);
  const csv = encoder.encode(formatRecordsCsv(task.first, records, task.count));
  const packed = new Uint8Array(values.byteLength + csv.byteLength);
  packed.set(new Uint8Array(values.buffer), 0);
  packed.set(csv, values.byteLength);
  return packed;
}

export interface BatchResult {
  records: Float64Array;
  /** The same values metric by metric: RECORD_STRIDE runs of `count`. */
  byMetric: Float64Array;
  /** The batch's paths.csv rows, UTF-8, as the worker formatted them (written to disk as they are). */
  csv?: Uint8Array;
}

export function unpackBatch(packed: Uint8Array, count: number, csv: boolean): BatchResult {
  const n = count * RECORD_STRIDE;
  // views when the packed buffer is 8-byte aligned (it starts its own buffer), a copy otherwise
  const values =
    packed.byteOffset % 8 === 0
      ? new Float64Array(packed.buffer, packed.byteOffset, 2 * n)
      : new Float64Array(packed.buffer.slice(packed.byteOffset, packed.byteOffset + 16 * n));
  return { records: values.subarray(0, n), byMetric: values.subarray(n, 2 * n), csv: csv ? packed.subarray(16 * n) : undefined };
}
