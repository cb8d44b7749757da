// runSweep: the Monte Carlo of every point of a sweep on common random numbers (every point runs the same
// seed, so path i sees the same market draws and the same account population at every point), and the
// paired differences of each point against the baseline point, path by path.
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Piscina } from "piscina";
import { resolveScenario } from "../config/load.js";
import { InputError } from "../config/errors.js";
import type { Scenario } from "../config/scenario.js";
import { METRIC_NAMES, type MetricName } from "../engine/metrics.js";
import type { EngineKind } from "../mc/batch.js";
import { PATH_FAILURE } from "../mc/batch.js";
import { MAX_ATTEMPTS, defaultThreads } from "../mc/pool.js";
import { runScenario, scenarioHash, writeRunOutputs, type OutputFormat, type Progress } from "../mc/run.js";
import { discardUnfinished, lockOutDir, prepareRunDir, prepareSweepDir, type OutLock } from "../mc/out-dir.js";
import { OutputError, ensureDir } from "../report/atomic.js";
import type { Summary } from "../report/summary-json.js";
import { MetricColumns } from "../stats/columns.js";
import { PROBABILITY_EVENTS, PROBABILITY_NAMES, type ProbabilityName } from "../stats/proportion.js";
import { VERSION } from "../version.js";
import type { ResolvedSweep, SweepPoint } from "./load.js";
import { designJson, sweepIdentity, writeSweepOutputs } from "./report.js";
import { pairedDifference, pairedProportionDifference, type PairedDifference, type PairedProportionDifference } from "./stats.js";
import type { PointTask, PointTaskResult } from "./worker.js";

/**
 * How a sweep uses its threads. `points`: whole points run in parallel, one per worker (no per-point
 * start-up; best for many or small points). `paths`: points run one after another, each on a worker pool
 * that splits its paths (best for a few large points). `auto` (default) picks `points` when a point is at
 * most 2M path-steps, or when there are at least 4 points per thread of at most 250k paths each; else
 * `paths`. The results are identical whichever runs.
 */
export type SweepParallel = "auto" | "points" | "paths";

export interface SweepOptions {
  /** Worker threads (default: all cores). */
  threads?: number;
  /** `wasm` (default) or `ts`, the reference engine. */
  engine?: EngineKind;
  /** Run every point on the calling thread (small sweeps, tests). */
  inline?: boolean;
  /** See SweepParallel (default auto). */
  parallel?: SweepParallel;
  /** Output directory for sweep.csv and sweep.json; nothing is written when absent. */
  outDir?: string;
  /** Also write each point's summary.json and per-path table to `outDir/point-NNN/`. */
  keepPaths?: boolean;
  /** Format of the per-path tables with keepPaths (default csv). */
  format?: OutputFormat;
  /**
   * Write into an output directory (or point directories) holding another sweep's or run's outputs,
   * replacing them; without it such a directory is refused (InputError) before anything runs.
   */
  force?: boolean;
  /** Stops the sweep: points finished so far are kept (an unfinished point is dropped). */
  signal?: AbortSignal;
  /** Paths done over the whole sweep, at most a few times a second. */
  onProgress?: (progress: SweepProgress) => void;
  /** Called as each point finishes (in completion order). */
  onPoint?: (point: SweepPointResult, progress: SweepProgress) => void;
}

/** Progress over the whole sweep: `done`/`total` count paths of all points, as a run's progress does. */
export interface SweepProgress extends Progress {
  /** Points finished. */
  pointsDone: number;
  points: number;
}

/** Paired differences of one point against the baseline point, on the same paths. */
export interface PointDifferences {
  /** Every metric: mean of metric(point, path i) − metric(baseline, path i), with a t interval. */
  metrics: Record<MetricName, PairedDifference>;
  /** Every SPEC event: p(point) − p(baseline), Newcombe's paired interval. */
  probabilities: Record<ProbabilityName, PairedProportionDifference>;
}

export interface SweepPointResult {
  index: number;
  /** Axis key → value. */
  values: Record<string, unknown>;
  /** True for the baseline point. */
  baseline: boolean;
  /** True for a baseline point added to the design (its values were not a design point). */
  extra: boolean;
  /** The point's run summary (SPEC §4 shape). */
  summary: Summary;
  /** Against the baseline; undefined only when the sweep was interrupted before the baseline finished. */
  differences?: PointDifferences;
  /** The point's output directory, with keepPaths. */
  dir?: string;
}

export interface SweepResult {
  version: string;
  name: string;
  file?: string;
  baseFile?: string;
  design: ResolvedSweep["design"];
  /** The base scenario (overrides and --set applied; defaults resolved). */
  base: Scenario;
  /** The common master seed and path count of every point. */
  seed: number;
  paths: number;
  engine: EngineKind;
  threads: number;
  /** How the threads were used. */
  parallel: "inline" | "points" | "paths";
  metrics: MetricName[];
  /** Index of the baseline point. */
  baseline: number;
  /** Finished points, in index order. */
  points: SweepPointResult[];
  /** Points in the design (with an extra baseline point), finished or not. */
  pointCount: number;
  interrupted: boolean;
  runtimeMs: number;
}

/** The directory name of a point's outputs: point-000, point-001, … (wider when there are ≥ 1000 points). */
export function pointDirName(index: number, points: number): string {
  return `point-${String(index).padStart(Math.max(3, String(points - 1).length), "0")}`;
}

/** Every metric's and event's paired difference of `x` (a point) against `y` (the baseline). */
export function pointDifferences(x: MetricColumns, y: MetricColumns, identical = false): PointDifferences {
  const metrics = {} as PointDifferences["metrics"];
  for (const name of METRIC_NAMES) metrics[name] = pairedDifference(x.column(name), y.column(name));
  const probabilities = {} as PointDifferences["probabilities"];
  for (const name of PROBABILITY_NAMES) {
    const { metric, test } = PROBABILITY_EVENTS[name];
    probabilities[name] = pairedProportionDifference(x.column(metric), y.column(metric), test, identical);
  }
  return { metrics, probabilities };
}

function chooseParallel(sweep: ResolvedSweep, options: SweepOptions, threads: number): SweepResult["parallel"] {
  if (options.inline) return "inline";
  const wanted = options.parallel ?? "auto";
  if (wanted !== "auto") return wanted;
  // One thread: a single worker all the same, so the calling thread stays free (Ctrl-C is seen at once).
  if (threads === 1) return "points";
  const s = sweep.base.scenario;
  const small = s.paths * s.steps <= 2_000_000; // a worker pool's start-up would cost more than splitting saves
  const many = sweep.points.length >= 4 * threads && s.paths <= 250_000; // threads stay busy; records stay small
  return small || many ? "points" : "paths";
}

const isAbort = (err: unknown) => err instanceof Error && err.name === "AbortError";

/**
 * Runs every point of a sweep and the paired differences against its baseline. Every point runs the base's
 * seed and path count (common random numbers): path i has the same market draws and population at every
 * point, so a difference between points is measured on identical shocks and its interval is much narrower
 * than two independent runs would give. With `outDir`, writes sweep.csv and sweep.json there.
 * @example
 * const result = await runSweep(loadSweep("examples/sweep-margin-design.yaml"), { outDir: "out" });
 * for (const p of result.points) console.log(p.values, p.differences?.metrics.badDebt.ci95);
 */
export async function runSweep(sweep: ResolvedSweep, options: SweepOptions = {}): Promise<SweepResult> {
  const started = performance.now();
  const threads = options.inline ? 1 : Math.max(1, options.threads ?? defaultThreads());
  const engine = options.engine ?? "wasm";
  const parallel = chooseParallel(sweep, options, threads);
  const points = sweep.points;
  const pathsPerPoint = sweep.base.scenario.paths;
  const total = pathsPerPoint * points.length;
  const baselinePoint = points.find((p) => p.index === sweep.baseline)!;
  // The baseline runs first: every other point's differences need its columns.
  const order = [baselinePoint, ...points.filter((p) => p !== baselinePoint)];
  const dirOf = (p: SweepPoint) =>
    options.keepPaths && options.outDir !== undefined ? join(options.outDir, pointDirName(p.index, points.length)) : undefined;
  let lock: OutLock | undefined;
  if (options.outDir !== undefined) {
    await ensureDir(options.outDir);
    lock = await lockOutDir(options.outDir);
  }
  try {
    if (options.outDir !== undefined) await prepareSweepOutputs(sweep, options.outDir, engine, dirOf, options.force ?? false);
    return await runSweepLocked();
  } finally {
    await lock?.release();
  }

  async function runSweepLocked(): Promise<SweepResult> {

    const finished: SweepPointResult[] = [];
    let baselineColumns: MetricColumns | undefined;
    let stash: { point: SweepPoint; summary: Summary; columns: MetricColumns }[] = [];
    let pathsDone = 0;
    let lastProgress = 0;
    const progress = (inPoint: number): SweepProgress => ({
      done: pathsDone + inPoint,
      total,
      elapsedMs: performance.now() - started,
      pointsDone: finished.length + stash.length,
      points: points.length,
    });
    const report = (inPoint: number, force = false) => {
      const now = performance.now();
      if (!options.onProgress || (!force && now - lastProgress < 250)) return;
      lastProgress = now;
      options.onProgress(progress(inPoint));
    };

    const complete = (point: SweepPoint, summary: Summary, columns: MetricColumns | undefined) => {
      const isBaseline = point.index === sweep.baseline;
      const result: SweepPointResult = { index: point.index, values: point.values, baseline: isBaseline, extra: point.extra, summary };
      const dir = dirOf(point);
      if (dir) result.dir = dir;
      if (columns && baselineColumns) result.differences = pointDifferences(columns, baselineColumns, isBaseline);
      finished.push(result);
      options.onPoint?.(result, progress(0));
    };
    const accept = (point: SweepPoint, summary: Summary, columns: MetricColumns) => {
      pathsDone += summary.paths;
      if (point.index === sweep.baseline) {
        baselineColumns = columns;
        complete(point, summary, columns);
        const waiting = stash;
        stash = [];
        for (const s of waiting) complete(s.point, s.summary, s.columns);
      } else if (baselineColumns) {
        complete(point, summary, columns);
      } else {
        stash.push({ point, summary, columns });
      }
      report(0, true);
    };

    let interrupted = false;
    if (parallel === "points") {
      interrupted = await runOnPointPool(sweep, order, { threads, engine, format: options.format, force: options.force, signal: options.signal, dirOf, accept });
    } else {
      for (const point of order) {
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
        const inputs = resolveScenario(point.raw, sweep.baseDir, { explicit: point.explicit });
        const dir = dirOf(point);
        const result = await runScenario(inputs, {
          inline: parallel === "inline",
          threads,
          engine,
          outDir: dir,
          format: options.format,
          force: options.force,
          signal: options.signal,
          onProgress: (p) => report(p.done),
        }).catch(async (err: unknown) => {
          // a sweep is not resumed: a point that failed leaves nothing half-written
          // (a refusal, bad input, touched nothing there: only a failure on the way is cleaned up)
          if (dir !== undefined && (err instanceof OutputError || !(err instanceof InputError))) await discardUnfinished(dir);
          throw err;
        });
        if (result.interrupted) {
          interrupted = true;
          break;
        }
        accept(point, result.summary, result.columns);
        await nextTurn(); // let a pending SIGINT (or other I/O) in between points, even inline
      }
    }
    // Interrupted before the baseline finished: keep the points that did, without differences.
    for (const s of stash) complete(s.point, s.summary, undefined);
    stash = [];
    finished.sort((a, b) => a.index - b.index);

    const base = sweep.base.scenario;
    const result: SweepResult = {
      version: VERSION,
      name: sweep.name,
      ...(sweep.file ? { file: sweep.file } : {}),
      ...(sweep.baseFile ? { baseFile: sweep.baseFile } : {}),
      design: sweep.design,
      base,
      seed: base.seed,
      paths: base.paths,
      engine,
      threads,
      parallel,
      metrics: sweep.metrics,
      baseline: sweep.baseline,
      points: finished,
      pointCount: points.length,
      interrupted,
      runtimeMs: Math.round(performance.now() - started),
    };
    if (options.outDir !== undefined) await writeSweepOutputs(options.outDir, result);
    return result;
  }
}

/**
 * Before a sweep writes anything: its directory must not hold another sweep's or run's outputs (unless
 * `force`, which removes them), and neither may a point directory of --keep-paths hold another run's. Checked
 * up front, on this thread, so that a refusal comes before any path is computed.
 */
async function prepareSweepOutputs(sweep: ResolvedSweep, outDir: string, engine: EngineKind, dirOf: (p: SweepPoint) => string | undefined, force: boolean): Promise<void> {
  const base = sweep.base.scenario;
  const identity = sweepIdentity({ design: designJson(sweep.design), base, seed: base.seed, paths: base.paths, engine });
  const pointNames = new Set(sweep.points.map((p) => pointDirName(p.index, sweep.points.length)));
  await prepareSweepDir(outDir, identity, (recorded) => sweepIdentity(recorded), dirOf(sweep.points[0]) !== undefined ? pointNames : new Set(), { force });
  for (const point of sweep.points) {
    const dir = dirOf(point);
    if (dir === undefined) continue;
    if (!(await stat(dir).then((st) => st.isDirectory(), () => false))) continue;
    const inputs = resolveScenario(point.raw, sweep.baseDir, { explicit: point.explicit });
    const s = inputs.scenario;
    await prepareRunDir(dir, { scenarioHash: scenarioHash(inputs), seed: s.seed, engine, firstPath: 0, endPath: s.paths }, { force });
  }
}

/** The compiled worker script (also when the host itself runs from src/ under vitest, as the run's pool does). */
function pointWorkerFile(): string {
  return fileURLToPath(new URL("../../dist/sweep/worker.js", import.meta.url));
}

interface PointPoolOptions {
  threads: number;
  engine: EngineKind;
  format?: OutputFormat;
  force?: boolean;
  signal?: AbortSignal;
  dirOf: (p: SweepPoint) => string | undefined;
  accept: (point: SweepPoint, summary: Summary, columns: MetricColumns) => void;
}

/**
 * Runs whole points on a worker pool, at most 2 × threads in flight (each result holds a point's records).
 * A point whose worker dies is run again, up to MAX_ATTEMPTS times. Resolves to true when interrupted.
 */
async function runOnPointPool(sweep: ResolvedSweep, order: readonly SweepPoint[], o: PointPoolOptions): Promise<boolean> {
  const pool = new Piscina({ filename: pointWorkerFile(), minThreads: o.threads, maxThreads: o.threads, idleTimeout: 60_000 });
  const runPoint = async (point: SweepPoint): Promise<PointTaskResult> => {
    // The worker computes; this thread writes the point's files (so that an error writing them is reported
    // as what it is, which an error crossing from a worker thread would not be).
    const task: PointTask = { raw: point.raw, explicit: point.explicit, baseDir: sweep.baseDir, engine: o.engine, format: o.format };
    for (let attempt = 1; ; attempt++) {
      try {
        return (await pool.run(task, { signal: o.signal ?? null })) as PointTaskResult;
      } catch (err) {
        // a path's failure (a trap, a non-finite metric) is deterministic: running it again gives the same
        if (isAbort(err) || o.signal?.aborted || attempt >= MAX_ATTEMPTS || String((err as Error)?.message).startsWith(PATH_FAILURE)) throw err;
      }
    }
  };
  const inFlight = new Set<Promise<void>>();
  let writes: Promise<void> = Promise.resolve();
  let next = 0;
  let accepted = 0;
  let failure: unknown;
  try {
    while (failure === undefined && (next < order.length || inFlight.size > 0)) {
      while (failure === undefined && !o.signal?.aborted && next < order.length && inFlight.size < 2 * o.threads) {
        const point = order[next++];
        const job: Promise<void> = runPoint(point)
          .then((r) => {
            // points are written and accepted one at a time, in the order they finish (as before the
            // writing moved to this thread), whatever the time each write takes
            const write = writes.then(async () => {
              if (failure !== undefined) return; // the sweep stops: nothing more is written
              const dir = o.dirOf(point);
              if (dir !== undefined) {
                await writeRunOutputs(dir, { summary: r.summary, records: r.records, format: o.format, baseDir: resolve(sweep.baseDir), force: o.force });
              }
              o.accept(point, r.summary, MetricColumns.fromRecords(r.records, r.summary.paths));
              accepted++;
            });
            writes = write.catch(() => undefined);
            return write;
          })
          .catch((err) => {
            if ((!isAbort(err) && !o.signal?.aborted) || err instanceof InputError) failure ??= err;
          })
          .finally(() => inFlight.delete(job));
        inFlight.add(job);
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
    if (failure !== undefined) throw failure;
  } finally {
    await Promise.allSettled(inFlight);
    await pool.destroy();
  }
  return accepted < order.length;
}
