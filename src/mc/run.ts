// runScenario: the Monte Carlo of one scenario. Plans batches, runs them on the pool, writes results in
// path order through a reorder buffer (batches finish out of order), streams paths.csv, feeds the metric
// columns and the fan charts' histograms, and writes fan.json and summary.json. Deterministic: a path depends only
// on (seed, path index).
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { ScenarioInputs } from "../config/scenario.js";
import { METRIC_NAMES } from "../engine/metrics.js";
import { buildRunSetup, scenarioRecordNames } from "../engine/markets-setup.js";
import { assertRunFits } from "../config/memory.js";
import { CsvSink, type PathSink } from "../report/sink.js";
import { buildSummary, writeSummaryJson, type Summary } from "../report/summary-json.js";
import { MetricColumns } from "../stats/columns.js";
import { ABI_VERSION } from "../engine/layout.js";
import type { BatchResult, EngineKind } from "./batch.js";
import { batchSize, planBatches, shardRange, type Batch, type PathRange } from "./plan.js";
import { InlineRunner, PoolRunner, defaultThreads, type BatchRunner } from "./pool.js";
import { VERSION } from "../version.js";
import { InputError, InternalError } from "../config/errors.js";
import { ensureDir, removeEntry } from "../report/atomic.js";
import { PATHS_CSV } from "../report/csv.js";
import { PATHS_PARQUET } from "../report/parquet.js";
import { RecordsHasher, kernelHash } from "./records-hash.js";
import { resumeRun, writeCheckpoint, writeManifest, type RunManifest } from "./resume.js";
import { CHECKPOINT, discardUnfinished, lockOutDir, prepareRunDir, type OutLock } from "./out-dir.js";
import { PATH_FAILURE } from "./batch.js";
import { FanHistograms, fanLayout, type FanLayout } from "../stats/fan.js";
import { resumeFan, writeFanState } from "./fan-state.js";

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
  /**
   * Run only paths `first … end − 1` (a sweep shard's slice of one point); not with `shard`. The directory
   * records the range (run.json, summary.json's firstPath/requestedPaths), so resume and merge work as for a shard.
   */
  range?: PathRange;
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
  /**
   * Write into an output directory that holds another run's outputs (a different scenario hash, seed,
   * engine or shard), replacing them. Without it such a directory is refused (InputError).
   */
  force?: boolean;
  /** Test hook: batch indices whose worker dies on its first attempt. */
  crashBatches?: ReadonlySet<number>;
  /**
   * Runs the batches elsewhere instead of on this machine's pool (src/queue: jobs on a Redis queue). Everything
   * else (path order, checkpoints, resume, summary) is this function's, so the result is the local run's.
   */
  runner?: (context: RunnerContext) => Promise<BatchRunner>;
  /** Paths per batch instead of the planner's choice (a queue run fixes it, so that a restart plans the same batches). */
  batchSize?: number;
  /**
   * Fan charts (default true): per sampled step, the distribution across all paths of the mark, the fundamental, the
   * insurance fund and open interest (src/stats/fan.ts), in summary.json's `fan` and, with outDir, fan.json.
   */
  fan?: boolean;
}

/** What an outside runner (`RunScenarioOptions.runner`) is given: the run, and the batches left to compute. */
export interface RunnerContext {
  inputs: ScenarioInputs;
  scenarioHash: string;
  kind: EngineKind;
  threads: number;
  /** The batches still to run, in path order (after the rows a resume kept). */
  batches: readonly Batch[];
  /** The run's shared metric columns, which the runner fills in place (as the pool's workers do). */
  columns: { buffers: SharedArrayBuffer[]; firstPath: number };
  /** The run's fan charts: each batch's result must carry its histograms (BatchResult.fan) when given. */
  fan?: FanLayout;
}

export interface RunResult {
  summary: Summary;
  /** Every path's metrics, in path order (the shard's paths when sharded). */
  columns: MetricColumns;
  range: PathRange;
  interrupted: boolean;
  /** Batches rerun because a worker died. */
  retries: number;
  /** The fan charts' state of the paths summarised (without `fan: false`). */
  fan?: FanHistograms;
}

export type OutputFormat = "csv" | "parquet";

/** `names`: the record's columns (scenarioRecordNames; METRIC_NAMES for one market). */
async function openSink(format: OutputFormat, dir: string, names: readonly string[]): Promise<PathSink> {
  if (format === "csv") return CsvSink.open(dir, names);
  const { ParquetSink } = await import("../report/parquet.js"); // loaded only when asked for
  return ParquetSink.open(dir, { names });
}

/** Seconds between resume checkpoints of a CSV run (each one flushes the rows and writes checkpoint.json). */
const CHECKPOINT_INTERVAL_MS = 1000;
/** Milliseconds between the fan states a run's checkpoints write (fan.json: larger than checkpoint.json). */
const FAN_CHECKPOINT_MS = 10_000;

const MARGIN_HELD = METRIC_NAMES.indexOf("marginHeld");

/**
 * Every metric of every path must be finite, except marginHeld without margin.model (NaN by design): a NaN or
 * an infinity is a bug of the engine, reported with what it takes to reproduce it (seed, path index, metric),
 * never summarised. The message starts with PATH_FAILURE, so that no pool retries it. `names`: the record's
 * columns (several markets: marginHeld is NaN when no market scans).
 */
export function checkFinite(
  records: Float64Array,
  firstPath: number,
  count: number,
  seed: number,
  marginModel: boolean,
  names: readonly string[] = METRIC_NAMES,
): void {
  const stride = names.length;
  for (let i = 0, j = 0; i < count; i++) {
    for (let m = 0; m < stride; m++, j++) {
      const x = records[j];
      if (x - x === 0) continue; // finite (NaN and ±Infinity give NaN)
      if (m === MARGIN_HELD && !marginModel) continue;
      const path = firstPath + i;
      const rule =
        m === MARGIN_HELD ? "marginHeld must be finite with margin.model" : "every metric but marginHeld must be finite";
      throw new InternalError(`${PATH_FAILURE}${path}: ${names[m]} is ${x} (seed ${seed}; ${rule})`, {
        seed,
        pathIndex: path,
      });
    }
  }
}

export interface RunOutputs {
  /** The finished run's summary (summary.json as runScenario builds it). */
  summary: Summary;
  /** Its records, path-major, in path order from summary.firstPath. */
  records: Float64Array;
  format?: OutputFormat;
  /** The scenario's base directory (recorded in run.json). */
  baseDir?: string;
  force?: boolean;
}

/**
 * Writes the outputs of a run computed elsewhere (a sweep point on a worker thread) into `dir`: run.json, the
 * per-path table and summary.json, byte for byte what runScenario would have written there, with the same
 * lock, directory checks and error handling (an OS error is an OutputError naming the path).
 */
export async function writeRunOutputs(dir: string, out: RunOutputs): Promise<void> {
  const s = out.summary;
  const format = out.format ?? "csv";
  const firstPath = Number(s.firstPath ?? 0);
  const manifest: RunManifest = {
    version: s.version,
    scenarioHash: String(s.scenarioHash),
    seed: s.seed,
    engine: s.engine,
    format,
    firstPath,
    endPath: firstPath + Number(s.requestedPaths ?? s.paths),
    ...(out.baseDir !== undefined ? { baseDir: out.baseDir } : {}),
  };
  await ensureDir(dir);
  const lock = await lockOutDir(dir);
  try {
    await prepareRunDir(dir, manifest, { force: out.force });
    try {
      await writeManifest(dir, manifest);
      const sink = await openSink(format, dir, scenarioRecordNames(s.scenario));
      try {
        await sink.write(firstPath, s.paths, { records: out.records });
        await sink.close();
      } catch (err) {
        await sink.abort();
        throw err;
      }
      await writeSummaryJson(dir, s);
    } catch (err) {
      await discardUnfinished(dir); // nothing to resume: leave nothing half-written
      throw err;
    }
  } finally {
    await lock.release();
  }
}

/** Hash of the resolved scenario and the contents of the files it names: what a run's results depend on. */
export function scenarioHash(inputs: ScenarioInputs): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(inputs.scenario));
  if (inputs.positions) h.update(JSON.stringify(inputs.positions));
  if (inputs.book) h.update(JSON.stringify(inputs.book));
  if (inputs.returns) h.update(new Uint8Array(inputs.returns.buffer, inputs.returns.byteOffset, inputs.returns.byteLength));
  // several markets: each market's files, under its index (a one-market scenario hashes as it always did)
  inputs.markets?.forEach((m, i) => {
    h.update(`markets[${i}]`);
    if (m.positions) h.update(`positions${JSON.stringify(m.positions)}`);
    if (m.book) h.update(`book${JSON.stringify(m.book)}`);
    if (m.returns) h.update(new Uint8Array(m.returns.buffer, m.returns.byteOffset, m.returns.byteLength));
  });
  return h.digest("hex");
}

/**
 * Runs a scenario's Monte Carlo and returns its summary and per-path metrics.
 *
 * With `outDir`: the directory is locked for the run (a second writer is refused: InputError), a directory
 * holding another run's outputs is refused unless `force`, every file is written without following links
 * (report/atomic.ts), every OS error there is an OutputError naming the path, and a CSV run keeps
 * checkpoint.json up to date (about once a second) so that --resume keeps only rows it can check.
 * A NaN or infinite metric (marginHeld without margin.model aside) is an InternalError naming the seed,
 * the path and the metric; nothing is summarised then.
 * @example
 * const { summary } = await runScenario(loadScenario("crash.yaml", []), { threads: 2, outDir: "out" });
 */
export async function runScenario(inputs: ScenarioInputs, options: RunScenarioOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const scenario = inputs.scenario;
  const kind = options.engine ?? "wasm";
  const threads = options.inline ? 1 : Math.max(1, options.threads ?? defaultThreads());
  // refused before anything is allocated when the run would not fit (exit 2, the estimate in the message)
  assertRunFits(inputs, { threads, engine: kind, inline: options.inline });
  if (
    options.range &&
    (options.shard ||
      !(
        Number.isSafeInteger(options.range.first) &&
        options.range.first >= 0 &&
        options.range.end >= options.range.first &&
        options.range.end <= scenario.paths
      ))
  ) {
    throw new RangeError(
      `runScenario: range must be [first, end) within [0, ${scenario.paths}) and not given with shard (received [${options.range.first}, ${options.range.end}))`,
    );
  }
  const range = options.range
    ? { first: options.range.first, end: options.range.end }
    : shardRange(scenario.paths, options.shard);
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
  const names = scenarioRecordNames(scenario);
  const columns = new MetricColumns(total, { shared: true, names });
  const layout = options.fan === false ? undefined : fanLayout(inputs);
  const recordsHash = new RecordsHasher(names.length);
  const outDir = options.outDir;
  if (options.resume && outDir === undefined) throw new InputError(["--resume needs the directory of the run to finish"]);
  let lock: OutLock | undefined;
  if (outDir !== undefined) {
    if (options.resume) {
      // a directory to finish, not one to create
      const isDir = await stat(outDir).then(
        (st) => st.isDirectory(),
        () => false,
      );
      if (!isDir) throw new InputError([`--resume ${outDir}: no readable run.json there (not the directory of a cascade run?)`]);
    }
    await ensureDir(outDir);
    lock = await lockOutDir(outDir);
  }
  try {
    return await runLocked();
  } finally {
    await lock?.release();
  }

  async function runLocked(): Promise<RunResult> {
    let sink: PathSink | undefined;
    let resumed = 0;
    let fan = layout ? new FanHistograms(layout) : undefined;
    if (options.resume) {
      ({ sink, rows: resumed } = await resumeRun(outDir!, manifest, columns));
      recordsHash.update(columns.records(), resumed);
      if (layout && resumed > 0) {
        try {
          fan = await resumeFan(outDir!, layout, columns, range.first, resumed, kind, buildRunSetup(inputs), scenario.seed);
        } catch (err) {
          await sink.abort();
          throw err;
        }
      }
    } else if (outDir !== undefined) {
      await prepareRunDir(outDir, manifest, { force: options.force });
      await writeManifest(outDir, manifest);
      sink = await openSink(format, outDir, names);
    }
    const writeCsv = sink?.wantsCsv ?? false;
    const batches = planBatches(
      { first: range.first + resumed, end: range.end },
      options.batchSize ?? batchSize(range, scenario.steps, threads),
    );
    const setup = buildRunSetup(inputs);
    const target = { buffers: columns.buffers(), firstPath: range.first };
    // several markets: marginHeld sums the markets that scan, NaN when none does
    const marginModel = scenario.markets
      ? scenario.markets.some((m) => m.margin.model !== undefined)
      : scenario.margin.model !== undefined;
    let runner: BatchRunner;
    try {
      runner = options.runner
        ? await options.runner({ inputs, scenarioHash: hash, kind, threads, batches, columns: target, fan: layout })
        : options.inline
          ? new InlineRunner(kind, setup, scenario.seed, target, layout)
          : new PoolRunner({
              kind,
              setup,
              seed: scenario.seed,
              threads,
              crashBatches: options.crashBatches,
              columns: target,
              fan: layout,
            });
    } catch (err) {
      await sink?.abort();
      throw err;
    }

    let done = resumed;
    let lastProgress = 0;
    const report = (force: boolean) => {
      const now = performance.now();
      if (!options.onProgress || (!force && now - lastProgress < 250)) return;
      lastProgress = now;
      options.onProgress({ done, total, elapsedMs: now - started });
    };
    // checkpoint.json: the rows in the file and their hash, so that --resume keeps only rows it can check; fan.json
    // now and then (a resume computes the fan of the kept rows after it again: at most FAN_CHECKPOINT_MS of work)
    let lastCheckpoint = performance.now();
    let lastFan = lastCheckpoint;
    const checkpoint = async (bytes: number | undefined, always = false) => {
      const hashNow = recordsHash.peek();
      if (fan && (always || performance.now() - lastFan >= FAN_CHECKPOINT_MS)) {
        await writeFanState(outDir!, fan, range.first, hashNow);
        lastFan = performance.now();
      }
      await writeCheckpoint(outDir!, {
        format,
        firstPath: range.first,
        rows: done,
        ...(bytes !== undefined ? { bytes } : {}),
        recordsHash: hashNow,
      });
      lastCheckpoint = performance.now();
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
        checkFinite(result.records, batch.first, batch.count, scenario.seed, marginModel, names);
        columns.commit(batch.count, batch.first - range.first);
        if (fan) {
          if (!result.fan)
            throw new InternalError(
              `paths ${batch.first}–${batch.first + batch.count - 1} came back without their fan histograms`,
              { seed: scenario.seed },
            );
          fan.addPacked(result.fan);
        }
        recordsHash.update(result.records, batch.count);
        if (sink) await sink.write(batch.first, batch.count, result);
        done += batch.count;
        if (sink && performance.now() - lastCheckpoint >= CHECKPOINT_INTERVAL_MS && w + 1 < batches.length) {
          const state = await sink.checkpoint();
          if (state?.complete) await checkpoint(state.bytes);
        }
        report(false);
      }
    } catch (err) {
      if (sink) {
        await sink.abort();
        const state = sink.afterAbort();
        if (state.complete) await checkpoint(state.bytes, true).catch(() => undefined);
      }
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
      fan: fan && fan.paths > 0 ? fan.summary(scenario.stepSeconds) : undefined,
      extra: {
        requestedPaths: total,
        firstPath: range.first,
        ...(options.shard ? { shard: `${options.shard.index}/${options.shard.count}` } : {}),
        interrupted,
        scenarioHash: hash,
        recordsHash: recordsHash.digest(),
        engineVersion: `${VERSION}+abi${ABI_VERSION}`,
        ...(kind === "wasm" ? { kernelSha256: kernelHash() } : {}),
        recordStride: names.length,
      },
    });
    if (sink) {
      if (interrupted) {
        await sink.abort();
        const state = sink.afterAbort();
        if (!state.complete) {
          throw (
            state.error ??
            new InputError([
              `cannot write ${join(outDir!, `${format === "csv" ? PATHS_CSV : PATHS_PARQUET}.partial`)}: the interrupted run's rows could not be saved`,
            ])
          );
        }
        await writeCheckpoint(outDir!, {
          format,
          firstPath: range.first,
          rows: done,
          ...(state.bytes !== undefined ? { bytes: state.bytes } : {}),
          recordsHash: summary.recordsHash as string,
        });
      } else {
        await sink.close();
      }
      if (fan) await writeFanState(outDir!, fan, range.first, summary.recordsHash as string);
      await writeSummaryJson(outDir!, summary);
      if (!interrupted) await removeEntry(join(outDir!, CHECKPOINT));
    }
    return { summary, columns, range, interrupted, retries: runner.retries, ...(fan ? { fan } : {}) };
  }
}
