// One batch of portfolio paths, the unit of work of a worker (or of the inline runner): the engine is built
// once per thread from the resolved scenario, a batch's records (path-major, `stride` f64 per path) and its
// paths.csv rows (UTF-8) are packed into one buffer so that a worker can move it to the host, not copy it.
import { InternalError } from "../config/errors.js";
import { PortfolioWasmEngine } from "../kernel/portfolio-engine.js";
import { PortfolioEngine } from "./engine.js";
import { formatPortfolioRows } from "./csv.js";
import type { PortfolioScenario } from "./schema.js";

export type PortfolioEngineName = "wasm" | "ts";

export interface PortfolioPathEngine {
  readonly stride: number;
  runPaths(first: number, count: number, out: Float64Array): void;
}

/** The engine of one thread: the WASM kernel (from an already compiled module when given) or the TypeScript reference. */
export function createPortfolioEngine(
  kind: PortfolioEngineName,
  scenario: PortfolioScenario,
  module?: WebAssembly.Module,
): PortfolioPathEngine {
  return kind === "wasm" ? new PortfolioWasmEngine(scenario, { module }) : new PortfolioEngine(scenario);
}

export interface PortfolioBatchTask {
  first: number;
  count: number;
  /** Also format the batch's paths.csv rows. */
  csv: boolean;
}

/** The prefix of a path failure's message: the pool does not retry it (an engine failure is deterministic). */
export const PORTFOLIO_PATH_FAILURE = "portfolio engine failed on path ";

const encoder = new TextEncoder();

/** The path that fails: the kernel names it (InternalError.repro.pathIndex); otherwise rerun the batch path by path. */
function failingPath(engine: PortfolioPathEngine, task: PortfolioBatchTask, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof InternalError && err.repro.pathIndex !== undefined)
    return new Error(`${PORTFOLIO_PATH_FAILURE}${err.repro.pathIndex}: ${message}`, { cause: err });
  const one = new Float64Array(engine.stride);
  for (let p = task.first; p < task.first + task.count; p++) {
    try {
      engine.runPaths(p, 1, one);
    } catch (again) {
      return new Error(`${PORTFOLIO_PATH_FAILURE}${p}: ${(again as Error).message}`, { cause: again });
    }
  }
  return new Error(`${PORTFOLIO_PATH_FAILURE}${task.first} (batch of ${task.count}, not reproducible path by path): ${message}`, {
    cause: err,
  });
}

/**
 * Runs a batch; returns its records (count × stride f64) followed, when asked, by its CSV rows, in one
 * buffer of its own (offset 0, so a worker can transfer it). A failure names its path (PORTFOLIO_PATH_FAILURE).
 */
export function runPortfolioBatch(engine: PortfolioPathEngine, task: PortfolioBatchTask): Uint8Array {
  const records = new Float64Array(task.count * engine.stride);
  try {
    engine.runPaths(task.first, task.count, records);
  } catch (err) {
    throw failingPath(engine, task, err);
  }
  if (!task.csv) return new Uint8Array(records.buffer);
  const text = encoder.encode(formatPortfolioRows(task.first, records, engine.stride, task.count));
  const packed = new Uint8Array(records.byteLength + text.byteLength);
  packed.set(new Uint8Array(records.buffer), 0);
  packed.set(text, records.byteLength);
  return packed;
}

export interface PortfolioBatchResult {
  /** count × stride f64, path-major. */
  records: Float64Array;
  /** The batch's paths.csv rows, UTF-8, as formatted on the thread that ran it. */
  csv?: Uint8Array;
}

export function unpackPortfolioBatch(packed: Uint8Array, count: number, stride: number, csv: boolean): PortfolioBatchResult {
  const length = count * stride;
  const bytes = length * 8;
  if (packed.byteLength < bytes)
    throw new InternalError(`a portfolio batch of ${count} paths came back with ${packed.byteLength} bytes (< ${bytes})`, {});
  const records =
    packed.byteOffset % 8 === 0
      ? new Float64Array(packed.buffer, packed.byteOffset, length)
      : new Float64Array(packed.buffer.slice(packed.byteOffset, packed.byteOffset + bytes));
  return { records, csv: csv ? packed.subarray(bytes) : undefined };
}
