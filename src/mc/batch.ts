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

/** Where a batch's values go metric by metric: the run's shared columns, and the path at their start. */
export interface ColumnTarget {
  columns: Float64Array[];
  firstPath: number;
}

/**
 * Runs a batch; writes its values into the run's shared metric columns when given (in place, so the host
 * copies nothing), and returns the records (path-major, for the hash and the paths file) followed by the
 * CSV rows when asked for, in one buffer.
 */
export function runBatch(engine: PathEngine, task: BatchTask, target?: ColumnTarget): Uint8Array {
  const records = new Float64Array(task.count * RECORD_STRIDE);
  try {
    engine.runPaths(task.first, task.count, records);
  } catch (err) {
    throw failingPath(engine, task, err);
  }
  if (target) {
    const at = task.first - target.firstPath;
    for (let m = 0; m < RECORD_STRIDE; m++) {
      const col = target.columns[m];
      for (let i = 0, j = m; i < task.count; i++, j += RECORD_STRIDE) col[at + i] = records[j];
    }
  }
  if (!task.csv) return new Uint8Array(records.buffer);
  const text = encoder.encode(formatRecordsCsv(task.first, records, task.count));
  const packed = new Uint8Array(records.byteLength + text.byteLength);
  packed.set(new Uint8Array(records.buffer), 0);
  packed.set(text, records.byteLength);
  return packed;
}

export interface BatchResult {
  records: Float64Array;
  /** The batch's paths.csv rows, UTF-8, as the worker formatted them (written to disk as they are). */
  csv?: Uint8Array;
}

export function unpackBatch(packed: Uint8Array, count: number, csv: boolean): BatchResult {
  const bytes = count * RECORD_STRIDE * 8;
  // records sit at the start of the packed buffer: a view when it is 8-byte aligned, a copy otherwise
  const records =
    packed.byteOffset % 8 === 0
      ? new Float64Array(packed.buffer, packed.byteOffset, count * RECORD_STRIDE)
      : new Float64Array(packed.buffer.slice(packed.byteOffset, packed.byteOffset + bytes));
  return { records, csv: csv ? packed.subarray(bytes) : undefined };
}
