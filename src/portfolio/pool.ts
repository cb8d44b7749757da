// Runs a portfolio run's batches on a piscina pool of worker threads (dist/portfolio/worker.js) or inline on
// this thread, behind one interface (as src/mc/pool.ts does for the single-market engine). A batch whose worker
// dies is run again on a fresh worker, up to MAX_ATTEMPTS times; an engine failure on a path is not retried
// (the policy is src/mc/retry.ts's, shared with that pool).
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { InternalError } from "../config/errors.js";
import { portfolioKernelModule } from "../kernel/portfolio-engine.js";
import type { KernelBuild } from "../kernel/module.js";
import { retryBatch } from "../mc/retry.js";
import {
  PORTFOLIO_PATH_FAILURE,
  createPortfolioEngine,
  runPortfolioBatch,
  unpackPortfolioBatch,
  type PortfolioBatchResult,
  type PortfolioEngineName,
  type PortfolioPathEngine,
} from "./batch.js";
import { portfolioMetricNames } from "./engine.js";
import type { PortfolioScenario } from "./schema.js";
import type { PortfolioWorkerData, PortfolioWorkerTask } from "./worker.js";

export interface PortfolioBatch {
  index: number;
  first: number;
  count: number;
}

/**
 * Paths per batch: about 4M account-steps (≈ 60 ms of the WASM kernel at ≈ 15 ns per account-step, so the
 * pool's per-task overhead is negligible), but small enough to give every thread about four batches.
 */
export function portfolioBatchSize(paths: number, steps: number, accounts: number, threads: number): number {
  const byCost = Math.max(1, Math.ceil(4_000_000 / Math.max(1, steps * accounts)));
  const byBalance = Math.max(1, Math.ceil(paths / (threads * 4)));
  return Math.min(byCost, byBalance, 65_536);
}

export function planPortfolioBatches(paths: number, size: number): PortfolioBatch[] {
  const batches: PortfolioBatch[] = [];
  for (let first = 0, index = 0; first < paths; first += size, index++)
    batches.push({ index, first, count: Math.min(size, paths - first) });
  return batches;
}

export interface PortfolioBatchRunner {
  run(batch: PortfolioBatch, csv: boolean): Promise<PortfolioBatchResult>;
  close(): Promise<void>;
  readonly threads: number;
  /** Batches run again because their worker died. */
  readonly retries: number;
}

/** The worker script: compiled JS in dist/ (also when the host itself runs from src/ under vitest). */
function workerFile(): string {
  return fileURLToPath(new URL("../../dist/portfolio/worker.js", import.meta.url));
}

/** A failure of the engine on one path, as an internal error naming the seed and the path to reproduce it. */
function pathFailure(message: string, seed: number, cause: unknown): InternalError {
  const match = new RegExp(`^${PORTFOLIO_PATH_FAILURE}(\\d+)`).exec(message);
  return new InternalError(message, match ? { seed, pathIndex: Number(match[1]) } : { seed }, { cause });
}

export interface PortfolioPoolOptions {
  kind: PortfolioEngineName;
  scenario: PortfolioScenario;
  threads: number;
  build?: KernelBuild;
  /** Test hook: batch indices whose first attempt kills its worker. */
  crashBatches?: ReadonlySet<number>;
}

export class PortfolioPoolRunner implements PortfolioBatchRunner {
  private readonly pool: Piscina;
  private readonly crash: ReadonlySet<number>;
  private readonly stride: number;
  retries = 0;

  constructor(private readonly options: PortfolioPoolOptions) {
    const data: PortfolioWorkerData = { kind: options.kind, scenario: options.scenario };
    if (options.kind === "wasm") data.module = portfolioKernelModule(options.build ?? "release");
    this.stride = portfolioMetricNames(options.scenario).length;
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

  run(batch: PortfolioBatch, csv: boolean): Promise<PortfolioBatchResult> {
    return retryBatch(
      `portfolio paths ${batch.first}–${batch.first + batch.count - 1}`,
      async (attempt) => {
        const task: PortfolioWorkerTask = {
          first: batch.first,
          count: batch.count,
          csv,
          crash: attempt === 1 && this.crash.has(batch.index),
        };
        const packed = (await this.pool.run(task)) as Uint8Array;
        return unpackPortfolioBatch(packed, batch.count, this.stride, csv);
      },
      (message, err) =>
        message.startsWith(PORTFOLIO_PATH_FAILURE) ? pathFailure(message, this.options.scenario.seed, err) : undefined,
      () => this.retries++,
    );
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Runs batches on the calling thread (`--threads 1`, the library's small runs, tests). */
export class PortfolioInlineRunner implements PortfolioBatchRunner {
  private readonly engine: PortfolioPathEngine;
  readonly threads = 1;
  readonly retries = 0;

  constructor(
    kind: PortfolioEngineName,
    private readonly scenario: PortfolioScenario,
    build?: KernelBuild,
  ) {
    this.engine = createPortfolioEngine(kind, scenario, kind === "wasm" ? portfolioKernelModule(build ?? "release") : undefined);
  }

  async run(batch: PortfolioBatch, csv: boolean): Promise<PortfolioBatchResult> {
    let packed: Uint8Array;
    try {
      packed = runPortfolioBatch(this.engine, { first: batch.first, count: batch.count, csv });
    } catch (err) {
      throw pathFailure((err as Error).message, this.scenario.seed, err);
    }
    return unpackPortfolioBatch(packed, batch.count, this.engine.stride, csv);
  }

  async close(): Promise<void> {}
}
