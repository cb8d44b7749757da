// Runs batches either on a piscina worker pool or inline on this thread, behind one interface.
// A batch whose worker dies is run again (on a fresh worker) up to MAX_ATTEMPTS times (src/mc/retry.ts): a crash
// costs a retry, never a path.
import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { RunSetup } from "../engine/markets-setup.js";
import type { FanLayout } from "../stats/fan.js";
import { kernelModule } from "../kernel/module.js";
import {
  PATH_FAILURE,
  type ColumnTarget,
  createEngine,
  recordStrideOf,
  runBatch,
  unpackBatch,
  type BatchResult,
  type EngineKind,
  type PathEngine,
} from "./batch.js";
import type { Batch } from "./plan.js";
import { InternalError } from "../config/errors.js";
import { retryBatch } from "./retry.js";
import type { WorkerData, WorkerTask } from "./worker.js";

export { MAX_ATTEMPTS } from "./retry.js";

export interface BatchRunner {
  run(batch: Batch, csv: boolean): Promise<BatchResult>;
  close(): Promise<void>;
  readonly threads: number;
  /** Batches that had to be run again because their worker died. */
  readonly retries: number;
}

/** The worker script: compiled JS in dist/ (also when the host itself runs from src/ under vitest). */
function workerFile(): string {
  return fileURLToPath(new URL("../../dist/mc/worker.js", import.meta.url));
}

export interface PoolOptions {
  kind: EngineKind;
  setup: RunSetup;
  seed: number;
  threads: number;
  /** Test hook: batch indices whose first attempt kills its worker. */
  crashBatches?: ReadonlySet<number>;
  /** The run's shared metric columns, which workers fill in place. */
  columns?: { buffers: SharedArrayBuffer[]; firstPath: number };
  /** The run's fan charts: every batch's histograms come back with it. */
  fan?: FanLayout;
}

export class PoolRunner implements BatchRunner {
  private readonly pool: Piscina;
  private readonly crash: ReadonlySet<number>;
  retries = 0;

  constructor(private readonly options: PoolOptions) {
    const data: WorkerData = {
      kind: options.kind,
      setup: options.setup,
      seed: options.seed,
      columns: options.columns,
      fan: options.fan,
    };
    if (options.kind === "wasm") data.module = kernelModule("release");
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: 60_000,
      workerData: data,
    });
    this.crash = options.crashBatches ?? new Set();
  }

  get threads(): number {
    return this.options.threads;
  }

  run(batch: Batch, csv: boolean): Promise<BatchResult> {
    return retryBatch(
      `paths ${batch.first}–${batch.first + batch.count - 1}`,
      async (attempt) => {
        const task: WorkerTask = {
          first: batch.first,
          count: batch.count,
          csv,
          crash: attempt === 1 && this.crash.has(batch.index),
        };
        const packed = (await this.pool.run(task)) as Uint8Array;
        return unpackBatch(packed, batch.count, csv, this.options.fan !== undefined, recordStrideOf(this.options.setup));
      },
      (message, err) => (message.startsWith(PATH_FAILURE) ? pathFailure(message, err) : undefined),
      () => this.retries++,
    );
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Runs batches on the calling thread: for the library's small runs, `verify`, and tests. */
export class InlineRunner implements BatchRunner {
  private readonly engine: PathEngine;
  readonly threads = 1;
  readonly retries = 0;

  private readonly target?: ColumnTarget;

  constructor(
    kind: EngineKind,
    setup: RunSetup,
    seed: number,
    columns?: { buffers: SharedArrayBuffer[]; firstPath: number },
    fan?: FanLayout,
  ) {
    this.engine = createEngine(kind, setup, seed, undefined, fan);
    if (columns) this.target = { columns: columns.buffers.map((b) => new Float64Array(b)), firstPath: columns.firstPath };
  }

  async run(batch: Batch, csv: boolean): Promise<BatchResult> {
    let packed: Uint8Array;
    try {
      packed = runBatch(this.engine, { first: batch.first, count: batch.count, csv }, this.target);
    } catch (err) {
      throw pathFailure((err as Error).message, err);
    }
    return unpackBatch(packed, batch.count, csv, this.engine.fanBatch !== undefined, this.engine.recordStride);
  }

  async close(): Promise<void> {}
}

/** A failure of the engine on one path, as an internal error that names the path to reproduce it. */
function pathFailure(message: string, cause: unknown): Error {
  const match = new RegExp(`^${PATH_FAILURE}(\\d+)`).exec(message);
  return new InternalError(message, match ? { pathIndex: Number(match[1]) } : {}, { cause });
}

export function defaultThreads(): number {
  return availableParallelism();
}
