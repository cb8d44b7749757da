// runScenario: the Monte Carlo of one scenario. Plans batches, runs them on the pool, writes results in
// path order through a reorder buffer (batches finish out of order), streams paths.csv, feeds the metric
// columns, and writes summary.json. Deterministic: a path depends only on (seed, path index).
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import type { ScenarioInputs } from "../config/scenario.js";
import { RECORD_STRIDE } from "../engine/metrics.js";
import { buildSetup } from "../engine/setup.js";
import { CsvSink, type PathSink } from "../report/sink.js";
import { buildSummary, writeSummaryJson, type Summary } from "../report/summary-json.js";
import { MetricColumns } from "../stats/columns.js";
import { ABI_VERSION } from "../engine/layout.js";
import type { BatchResult, EngineKind } from "./batch.js";
import { batchSize, planBatches, shardRange, type PathRange } from "./plan.js";
import { InlineRunner, PoolRunner, defaultThreads, type BatchRunner } from "./pool.js";
import { VERSION } from "../version.js";
import { InputError } from "../config/errors.js";
import { RecordsHasher, kernelHash } from "./records-hash.js";
import { resumeRun, writeManifest, type RunManifest } from "./resume.js";

export interface Progress {
  /** Paths finished and written, in order. */
  done: number;
  total: number;
  elapsedMs: number;
}

export interface RunScenarioOptions {
  /** Worker threads (default: all cores). */
  threads?: number;
  /** `wasm` (default) or `ts`, the reference engine. */
  engine?: EngineKind;
  /** Run on the calling thread instead of a worker pool (small runs, tests). */
  inline?: boolean;
  /** Output directory; when absent nothing is written to disk. */
  outDir?: string;
  /** Format of the per-path table (default csv). */
  format?: OutputFormat;
  /** Run only shard `index` of `count` (1-based). */
  shard?: { index: number; count: number };
  /** Stops the run: paths finished so far are kept and summarised. */
  signal?: AbortSignal;
  /** Called as paths complete, at most a few times a second. */
  onProgress?: (progress: Progress) => void;
  /**
   * Finish the interrupted run in `outDir`: its run.json must match this scenario, seed, engine and shard;
   * the rows it finished are kept (and checked), the rest are computed, and the result is the same as an
   * uninterrupted run's.
   */
  resume?: boolean;
  /** Test hook: batch indices whose worker dies on its first attempt. */
  crashBatches?: ReadonlySet<number>;
}

export interface RunResult {
  summary: Summary;
  /** Every path's metrics, in path order (the shard's paths when sharded). */
  columns: MetricColumns;
  range: PathRange;
  interrupted: boolean;
  /** Batches rerun because a worker died. */
  retries: number;
}

export type OutputFormat = "csv" | "parquet";

async function openSink(format: OutputFormat, dir: string): Promise<PathSink> {
  if (format === "csv") return CsvSink.open(dir);
  const { ParquetSink } = await import("../report/parquet.js"); // loaded only when asked for
  return ParquetSink.open(dir);
}

/** Hash of the resolved scenario and the contents of the files it names: what a run's results depend on. */
export function scenarioHash(inputs: ScenarioInputs): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(inputs.scenario));
  if (inputs.positions) h.update(JSON.stringify(inputs.positions));
  if (inputs.book) h.update(JSON.stringify(inputs.book));
  if (inputs.returns) h.update(new Uint8Array(inputs.returns.buffer, inputs.returns.byteOffset, inputs.returns.byteLength));
  return h.digest("hex");
}

/**
 * Runs a scenario's Monte Carlo and returns its summary and per-path metrics.
 * @example
 * const { summary } = await runScenario(loadScenario("crash.yaml", []), { threads: 2, outDir: "out" });
 */
export async function runScenario(inputs: ScenarioInputs, options: RunScenarioOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const scenario = inputs.scenario;
  const kind = options.engine ?? "wasm";
  const threads = options.inline ? 1 : Math.max(1, options.threads ?? defaultThreads());
  const range = shardRange(scenario.paths, options.shard);
  const total = range.end - range.first;
  const format = options.format ?? "csv";
  const hash = scenarioHash(inputs);
  const manifest: RunManifest = {
    version: VERSION,
    scenarioHash: hash,
    seed: scenario.seed,
    engine: kind,
    format,
    firstPath: range.first,
    endPath: range.end,
    baseDir: inputs.baseDir,
  };
  // shared, so that the workers write every path's values in place: the host copies nothing
  const columns = new MetricColumns(total, { shared: true });
  const recordsHash = new RecordsHasher();
  let sink: PathSink | undefined;
  let resumed = 0;
  if (options.resume) {
    if (options.outDir === undefined) throw new InputError(["--resume needs the directory of the run to finish"]);
    ({ sink, rows: resumed } = await resumeRun(options.outDir, manifest, columns));
    recordsHash.update(columns.records(), resumed);
  } else if (options.outDir !== undefined) {
    await mkdir(options.outDir, { recursive: true });
    await writeManifest(options.outDir, manifest);
    sink = await openSink(format, options.outDir);
  }
  const writeCsv = sink?.wantsCsv ?? false;
  const batches = planBatches({ first: range.first + resumed, end: range.end }, batchSize(range, scenario.steps, threads));
  const setup = buildSetup(inputs);
  const target = { buffers: columns.buffers(), firstPath: range.first };
  const runner: BatchRunner = options.inline
    ? new InlineRunner(kind, setup, scenario.seed, target)
    : new PoolRunner({ kind, setup, seed: scenario.seed, threads, crashBatches: options.crashBatches, columns: target });

  let done = resumed;
  let lastProgress = 0;
  const report = (force: boolean) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastProgress < 250)) return;
    lastProgress = now;
    options.onProgress({ done, total, elapsedMs: now - started });
  };

  // Batches run up to `ahead` at a time and finish out of order; they are written strictly in order.
  const ahead = threads * 3;
  const inFlight = new Map<number, Promise<BatchResult>>();
  let nextToStart = 0;
  let interrupted = false;
  try {
    for (let w = 0; w < batches.length; w++) {
      if (options.signal?.aborted) interrupted = true;
      while (!interrupted && nextToStart < batches.length && nextToStart < w + ahead) {
        const promise = runner.run(batches[nextToStart], writeCsv);
        promise.catch(() => undefined); // awaited in order below; don't report it unhandled meanwhile
        inFlight.set(nextToStart++, promise);
      }
      const pending = inFlight.get(w);
      if (!pending) break; // interrupted before this batch started
      const result = await pending;
      inFlight.delete(w);
      const batch = batches[w];
      columns.commit(batch.count, batch.first - range.first);
      recordsHash.update(result.records, batch.count);
      if (sink) await sink.write(batch.first, batch.count, result);
      done += batch.count;
      report(false);
    }
  } catch (err) {
    await sink?.abort();
    throw err;
  } finally {
    await runner.close();
  }
  if (options.signal?.aborted && done < total) interrupted = true;
  report(true);

  const summary = buildSummary({
    version: VERSION,
    scenario,
    seed: scenario.seed,
    paths: done,
    engine: kind,
    threads,
    runtimeMs: Math.round(performance.now() - started),
    columns,
    extra: {
      requestedPaths: total,
      firstPath: range.first,
      ...(options.shard ? { shard: `${options.shard.index}/${options.shard.count}` } : {}),
      interrupted,
      scenarioHash: hash,
      recordsHash: recordsHash.digest(),
      engineVersion: `${VERSION}+abi${ABI_VERSION}`,
      ...(kind === "wasm" ? { kernelSha256: kernelHash() } : {}),
      recordStride: RECORD_STRIDE,
    },
  });
  if (sink) {
    if (interrupted) await sink.abort();
    else await sink.close();
    await writeSummaryJson(options.outDir!, summary);
  }
  return { summary, columns, range, interrupted, retries: runner.retries };
}
