// runSweep: the Monte Carlo of every point of a sweep on common random numbers (every point runs the same
// seed, so path i sees the same market draws and the same account population at every point), and the
// paired differences of each point against the baseline point, path by path. An interrupted sweep keeps a
// checkpoint of its finished points (checkpoint.ts) and `resume` finishes it. runSweepShard: one shard of a
// sweep (shard.ts), each of its segments a run directory, merged by `cascade merge` (merge.ts).
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Piscina } from "piscina";
import { resolveScenario } from "../config/load.js";
import { InputError } from "../config/errors.js";
import type { Scenario, ScenarioInputs } from "../config/scenario.js";
import { METRIC_NAMES, type MetricName } from "../engine/metrics.js";
import type { EngineKind } from "../mc/batch.js";
import { PATH_FAILURE } from "../mc/batch.js";
import type { PathRange } from "../mc/plan.js";
import { MAX_ATTEMPTS, defaultThreads } from "../mc/pool.js";
import { kernelHash } from "../mc/records-hash.js";
import {
  runScenario,
  scenarioHash,
  writeRunOutputs,
  type OutputFormat,
  type Progress,
  type RunResult,
  type RunScenarioOptions,
} from "../mc/run.js";
import type { QueueRunOptions } from "../queue/coordinator.js";
import {
  discardUnfinished,
  lockOutDir,
  prepareRunDir,
  prepareSweepDir,
  removeOtherPointDirs,
  showValue,
  type OutLock,
  type RunIdentity,
} from "../mc/out-dir.js";
import { OutputError, ensureDir, entryKind, readRegularFile, removeEntry } from "../report/atomic.js";
import { PATHS_CSV } from "../report/csv.js";
import { ENGINE_VERSION, PATHS_PARQUET } from "../report/parquet.js";
import type { Summary } from "../report/summary-json.js";
import { MetricColumns } from "../stats/columns.js";
import { scenarioRecordNames } from "../engine/markets-setup.js";
import { PROBABILITY_EVENTS, PROBABILITY_NAMES, type ProbabilityName } from "../stats/proportion.js";
import { VERSION } from "../version.js";
import {
  SWEEP_CHECKPOINT,
  SweepCheckpoint,
  checkpointSweepHash,
  type CheckpointEntry,
  type CheckpointHeader,
} from "./checkpoint.js";
import { sweepRecord, type SweepRecord } from "./identity.js";
import { pointDirName, type ResolvedSweep, type SweepPoint } from "./load.js";
import { designJson, sweepIdentity, writeSweepOutputs } from "./report.js";
import {
  SHARD_MANIFEST,
  readShardManifest,
  shardSegments,
  shardWork,
  writeShardManifest,
  type ShardManifest,
  type ShardSegment,
} from "./shard.js";
import { pairedTailDifference, type PairedTailResult } from "../stats/paired-tail.js";
import { WORST_TAIL } from "../stats/summary.js";
import { pairedDifference, pairedProportionDifference, type PairedDifference, type PairedProportionDifference } from "./stats.js";
import type { PointTask, PointTaskResult } from "./worker.js";

export { pointDirName };

/**
 * How a sweep uses its threads. `points`: whole points run in parallel, one per worker (no per-point
 * start-up; best for many or small points). `paths`: points run one after another, each on a worker pool
 * that splits its paths (best for a few large points). `auto` (default) picks `points` when a point is at
 * most 2M path-steps, or when there are at least 4 points per thread of at most 250k paths each; else
 * `paths`. The results are identical whichever runs. (For a shard, "point" reads "segment": a point's paths in the shard.)
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
  /** Output directory for sweep.csv and sweep.json (and sweep.parquet); nothing is written when absent. */
  outDir?: string;
  /** Also write each point's summary.json and per-path table to `outDir/point-NNN/`. */
  keepPaths?: boolean;
  /** Format of the per-path tables with keepPaths (default csv); `parquet` also writes sweep.parquet. */
  format?: OutputFormat;
  /**
   * Write into an output directory (or point directories) holding another sweep's or run's outputs,
   * replacing them; without it such a directory is refused (InputError) before anything runs.
   */
  force?: boolean;
  /**
   * Finish the interrupted sweep in `outDir`: its checkpoint must be of this sweep (same file, --set, seed,
   * paths, engine, format, keepPaths, build); its finished points are kept, the others run. The outputs are
   * the same as an uninterrupted sweep's.
   */
  resume?: boolean;
  /** Stops the sweep: points finished so far are kept (an unfinished point is dropped). */
  signal?: AbortSignal;
  /** Paths done over the whole sweep, at most a few times a second. */
  onProgress?: (progress: SweepProgress) => void;
  /** Called as each point finishes (in completion order). */
  onPoint?: (point: SweepPointResult, progress: SweepProgress) => void;
  /**
   * Compute the points' batches on `cascade worker` processes through this Redis queue (src/queue), one point after
   * another (each point is a queue run of its own). Not with a shard.
   */
  queue?: QueueRunOptions;
}

/** Progress over the whole sweep: `done`/`total` count paths of all points, as a run's progress does. */
export interface SweepProgress extends Progress {
  /** Points finished (segments, for a shard). */
  pointsDone: number;
  points: number;
}

/** Paired differences of one point against the baseline point, on the same paths. */
export interface PointDifferences {
  /** Every metric: mean of metric(point, path i) − metric(baseline, path i), with a t interval. */
  metrics: Record<MetricName, PairedDifference>;
  /** Every SPEC event: p(point) − p(baseline), Newcombe's paired interval. */
  probabilities: Record<ProbabilityName, PairedProportionDifference>;
  /**
   * The sweep's metrics: the difference of the bad tail's 99% quantile and of ES99, with a paired bootstrap interval
   * (src/stats/paired-tail.ts); null below 100 paths. firstLiquidationStep has none (its −1 means "no liquidation").
   */
  tails: Partial<Record<MetricName, PairedTailResult | null>>;
}

export interface SweepPointResult {
  index: number;
  /** The point's name (its values' labels, or point-NNN). */
  label: string;
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
  /** SHA-256 of what the results are a function of (identity.ts): equal for every shard and resume of one sweep. */
  sweepHash: string;
  /** The base scenario's hash (with the contents of the files it names). */
  scenarioHash: string;
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
  /** With resume: points taken from the interrupted sweep's checkpoint (not run again). */
  resumedPoints?: number;
}

/**
 * Every metric's and event's paired difference of `x` (a point) against `y` (the baseline), and the tail statistics'
 * of the sweep's metrics (their bootstrap seeded by the sweep's seed, so every shard and resume computes the same).
 */
export function pointDifferences(
  x: MetricColumns,
  y: MetricColumns,
  identical: boolean,
  tailMetrics: readonly MetricName[],
  seed: number,
): PointDifferences {
  const metrics = {} as PointDifferences["metrics"];
  for (const name of METRIC_NAMES) metrics[name] = pairedDifference(x.column(name), y.column(name));
  const probabilities = {} as PointDifferences["probabilities"];
  for (const name of PROBABILITY_NAMES) {
    const { metric, test } = PROBABILITY_EVENTS[name];
    probabilities[name] = pairedProportionDifference(x.column(metric), y.column(metric), test, identical);
  }
  const tails: PointDifferences["tails"] = {};
  for (const name of tailMetrics) {
    if (name === "firstLiquidationStep") continue;
    tails[name] = pairedTailDifference(
      x.column(name),
      y.column(name),
      WORST_TAIL[name],
      (seed ^ Math.imul(METRIC_NAMES.indexOf(name) + 1, 0x9e3779b1)) >>> 0,
    );
  }
  return { metrics, probabilities, tails };
}

/** The result entry of a point (without its differences). */
export function pointResult(
  record: { baseline: number },
  point: { index: number; label: string; values: Record<string, unknown>; extra: boolean },
  summary: Summary,
): SweepPointResult {
  return {
    index: point.index,
    label: point.label,
    values: point.values,
    baseline: point.index === record.baseline,
    extra: point.extra,
    summary,
  };
}

/** The SweepResult of a sweep's record and its finished points (sorted here). */
export function sweepResultOf(
  record: SweepRecord,
  points: SweepPointResult[],
  run: { threads: number; parallel: SweepResult["parallel"]; interrupted: boolean; runtimeMs: number },
): SweepResult {
  return {
    version: VERSION,
    name: record.name,
    ...(record.file !== undefined ? { file: record.file } : {}),
    ...(record.baseFile !== undefined ? { baseFile: record.baseFile } : {}),
    design: record.design,
    base: record.base,
    seed: record.seed,
    paths: record.paths,
    engine: record.engine,
    sweepHash: record.sweepHash,
    scenarioHash: record.scenarioHash,
    threads: run.threads,
    parallel: run.parallel,
    metrics: record.metrics,
    baseline: record.baseline,
    points: [...points].sort((a, b) => a.index - b.index),
    pointCount: record.points.length,
    interrupted: run.interrupted,
    runtimeMs: run.runtimeMs,
  };
}

function chooseParallel(
  sweep: ResolvedSweep,
  options: SweepOptions,
  threads: number,
  taskPaths: number,
  tasks: number,
): SweepResult["parallel"] {
  if (options.inline) return "inline";
  const wanted = options.parallel ?? "auto";
  if (wanted !== "auto") return wanted;
  // One thread: a single worker all the same, so the calling thread stays free (Ctrl-C is seen at once).
  if (threads === 1) return "points";
  const s = sweep.base.scenario;
  const small = taskPaths * s.steps <= 2_000_000; // a worker pool's start-up would cost more than splitting saves
  const many = tasks >= 4 * threads && taskPaths <= 250_000; // threads stay busy; records stay small
  return small || many ? "points" : "paths";
}

const isAbort = (err: unknown) => err instanceof Error && err.name === "AbortError";

/** The checkpoint header of a sweep run this way. */
function checkpointHeader(record: SweepRecord, format: OutputFormat, keepPaths: boolean): CheckpointHeader {
  return {
    version: VERSION,
    sweepHash: record.sweepHash,
    engineVersion: ENGINE_VERSION,
    ...(record.engine === "wasm" ? { kernelSha256: kernelHash() } : {}),
    format,
    keepPaths,
    points: record.points.length,
  };
}

/** --resume DIR must name an existing directory (one to finish, not one to create). */
async function mustBeDir(dir: string, what: string): Promise<void> {
  const isDir = await stat(dir).then(
    (st) => st.isDirectory(),
    () => false,
  );
  if (!isDir) throw new InputError(`--resume ${dir}: no ${what} there (no such directory)`);
}

/**
 * Runs every point of a sweep and the paired differences against its baseline. Every point runs the base's
 * seed and path count (common random numbers): path i has the same market draws and population at every
 * point, so a difference between points is measured on identical shocks and its interval is much narrower
 * than two independent runs would give. With `outDir`, writes sweep.csv and sweep.json there (and
 * sweep.parquet with format parquet), and while it runs a checkpoint that `resume` finishes from.
 * @example
 * const result = await runSweep(loadSweep("examples/sweep-margin-design.yaml"), { outDir: "out" });
 * for (const p of result.points) console.log(p.label, p.differences?.metrics.badDebt.ci95);
 */
export async function runSweep(sweep: ResolvedSweep, options: SweepOptions = {}): Promise<SweepResult> {
  const started = performance.now();
  const settings = taskSettings(options);
  const { threads, engine, format, force } = settings;
  const keepPaths = options.keepPaths ?? false;
  const outDir = options.outDir;
  if (options.resume && outDir === undefined) throw new InputError("--resume needs the directory of the sweep to finish");
  const record = sweepRecord(sweep, engine);
  const points = sweep.points;
  const pathsPerPoint = sweep.base.scenario.paths;
  const baselinePoint = points.find((p) => p.index === sweep.baseline)!;
  const dirOf = (p: SweepPoint) =>
    keepPaths && outDir !== undefined ? join(outDir, pointDirName(p.index, points.length)) : undefined;
  const header = checkpointHeader(record, format, keepPaths);

  let lock: OutLock | undefined;
  if (outDir !== undefined) {
    if (options.resume) await mustBeDir(outDir, SWEEP_CHECKPOINT);
    await ensureDir(outDir);
    lock = await lockOutDir(outDir);
  }
  let checkpoint: SweepCheckpoint | undefined;
  try {
    let done = new Map<number, CheckpointEntry>();
    if (outDir !== undefined) {
      if (options.resume) {
        const reopened = await SweepCheckpoint.reopen(outDir, header);
        if (!reopened) throw await nothingToResume(outDir, record);
        ({ checkpoint, entries: done } = reopened);
        await preparePointDirs(sweep, engine, dirOf, force, new Set(done.keys()));
      } else {
        await prepareSweepOutputs(sweep, record, outDir, engine, dirOf, force);
        checkpoint = await SweepCheckpoint.create(outDir, header);
      }
    }
    const result = await runSweepLocked(done);
    if (outDir !== undefined) {
      await writeSweepOutputs(outDir, result, { parquet: format === "parquet" });
      if (result.interrupted) await checkpoint?.close();
      else await checkpoint?.remove();
      checkpoint = undefined;
    }
    return result;
  } finally {
    await checkpoint?.close(); // a failure: the finished points stay resumable
    await lock?.release();
  }

  async function runSweepLocked(done: Map<number, CheckpointEntry>): Promise<SweepResult> {
    const finished: SweepPointResult[] = [];
    const withDir = (r: SweepPointResult, p: SweepPoint) => {
      const dir = dirOf(p);
      if (dir) r.dir = dir;
      return r;
    };
    for (const [index, entry] of done) {
      const point = points.find((p) => p.index === index)!;
      finished.push(withDir({ ...pointResult(record, point, entry.summary), differences: entry.differences }, point));
    }
    // The baseline runs first: every other point's differences need its columns. Resumed with its result in
    // the checkpoint, it runs again (computed only, not written) when other points still need it.
    const remaining = points.filter((p) => !done.has(p.index));
    const tasks: Task[] = [];
    if (remaining.length > 0) {
      const again = done.has(baselinePoint.index);
      tasks.push({ point: baselinePoint, ...(again ? { computeOnly: true } : { dir: dirOf(baselinePoint) }) });
      for (const p of remaining) if (p !== baselinePoint) tasks.push({ point: p, dir: dirOf(p) });
    }
    // on a queue the workers hold the threads: the points go one after another, each spread over them
    const parallel = options.queue ? "paths" : chooseParallel(sweep, options, threads, pathsPerPoint, tasks.length);
    const total = pathsPerPoint * tasks.length;
    const queued = options.queue ? await import("../queue/coordinator.js") : undefined;

    let baselineColumns: MetricColumns | undefined;
    let stash: { point: SweepPoint; summary: Summary; columns: MetricColumns }[] = [];
    let pathsDone = 0;
    const progress = (inPoint: number): SweepProgress => ({
      done: pathsDone + inPoint,
      total,
      elapsedMs: performance.now() - started,
      pointsDone: finished.length + stash.length,
      points: points.length,
    });
    const report = progressReporter(options.onProgress, progress);

    const complete = async (point: SweepPoint, summary: Summary, columns: MetricColumns | undefined) => {
      const result = withDir(pointResult(record, point, summary), point);
      if (columns && baselineColumns)
        result.differences = pointDifferences(columns, baselineColumns, result.baseline, record.metrics, record.seed);
      finished.push(result);
      if (result.differences) await checkpoint?.append({ index: point.index, summary, differences: result.differences });
      options.onPoint?.(result, progress(0));
    };
    const accept = async (task: Task, summary: Summary, columnsOf: () => MetricColumns) => {
      const { point } = task;
      pathsDone += summary.paths;
      if (point === baselinePoint) {
        baselineColumns = columnsOf();
        if (!task.computeOnly) await complete(point, summary, baselineColumns);
        const waiting = stash;
        stash = [];
        for (const s of waiting) await complete(s.point, s.summary, s.columns);
      } else if (baselineColumns) {
        await complete(point, summary, columnsOf());
      } else {
        stash.push({ point, summary, columns: columnsOf() });
      }
      report(0, true);
    };

    const interrupted = await runTasks(sweep, tasks, {
      ...settings,
      parallel,
      // a sweep's point stopped half-way is not resumed: what it left is removed (its dir is prepared again)
      discardOnFailure: true,
      onProgress: (inTask) => report(inTask),
      accept,
      ...(queued && options.queue
        ? { run: (inputs: ScenarioInputs, o: RunScenarioOptions) => queued.runOnQueue(inputs, o, options.queue!) }
        : {}),
    });
    // Interrupted before the baseline finished: keep the points that did, without differences.
    for (const s of stash) await complete(s.point, s.summary, undefined);
    stash = [];
    const result = sweepResultOf(record, finished, {
      threads,
      parallel,
      interrupted,
      runtimeMs: Math.round(performance.now() - started),
    });
    if (done.size > 0) result.resumedPoints = done.size;
    return result;
  }
}

/** Why --resume found no checkpoint: the sweep there finished, or there is no sweep of this kind there. */
async function nothingToResume(dir: string, record: SweepRecord): Promise<InputError> {
  const text = await readRegularFile(join(dir, "sweep.json")).catch(() => undefined);
  let json: Record<string, unknown> | undefined;
  try {
    json = text !== undefined ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  if (json && json.sweepHash === record.sweepHash && json.interrupted === false) {
    return new InputError(
      `--resume ${dir}: the sweep there is finished (sweep.json: interrupted false), nothing to resume; run it again without --resume to recompute it`,
    );
  }
  if (await readShardManifest(dir).catch(() => undefined)) {
    return new InputError(
      `--resume ${dir}: the directory holds a sweep shard (${SHARD_MANIFEST}): give the same --shard i/n to resume it`,
    );
  }
  return new InputError(
    `--resume ${dir}: no ${SWEEP_CHECKPOINT} there (not the directory of an interrupted sweep?); run the sweep without --resume`,
  );
}

/**
 * Before a sweep writes into `dir`: its directory must not hold another sweep's or run's outputs (unless
 * `force`, which removes them), a sweep shard's or another sweep's checkpoint included, and neither may a point
 * directory of --keep-paths hold another run's. Checked up front, on this thread, so that a refusal comes before
 * any path is computed.
 */
async function prepareSweepOutputs(
  sweep: ResolvedSweep,
  record: SweepRecord,
  outDir: string,
  engine: EngineKind,
  dirOf: (p: SweepPoint) => string | undefined,
  force: boolean,
): Promise<void> {
  const base = sweep.base.scenario;
  const identity = sweepIdentity({ design: designJson(sweep.design), base, seed: base.seed, paths: base.paths, engine });
  const pointNames = new Set(
    dirOf(sweep.points[0]) !== undefined ? sweep.points.map((p) => pointDirName(p.index, sweep.points.length)) : [],
  );
  // what prepareSweepDir does not look at: a shard's manifest, a checkpoint of another sweep
  let other: string | undefined;
  if ((await entryKind(join(outDir, SHARD_MANIFEST))) !== undefined) other = `a sweep shard's ${SHARD_MANIFEST}`;
  else if (
    (await entryKind(join(outDir, SWEEP_CHECKPOINT))) !== undefined &&
    (await checkpointSweepHash(outDir)) !== record.sweepHash
  ) {
    other = `its ${SWEEP_CHECKPOINT} is of another sweep`;
  }
  if (other !== undefined && !force) {
    throw new InputError([
      `${outDir} holds the outputs of another run (${other}): choose another --out, remove them, or pass --force to replace them`,
    ]);
  }
  if (other !== undefined) {
    await removeEntry(join(outDir, SHARD_MANIFEST));
    await removeEntry(join(outDir, SWEEP_CHECKPOINT));
    await removeOtherPointDirs(outDir, pointNames);
  }
  await prepareSweepDir(outDir, identity, (recorded) => sweepIdentity(recorded), pointNames, { force });
  await preparePointDirs(sweep, engine, dirOf, force, new Set());
}

/** The run identity of a point's paths [first, end): what its directory's run.json and summary.json must say. */
function runIdentity(sweep: ResolvedSweep, point: SweepPoint, engine: EngineKind, range?: PathRange): RunIdentity {
  const inputs = resolveScenario(point.raw, sweep.baseDir, { explicit: point.explicit });
  const s = inputs.scenario;
  return {
    scenarioHash: scenarioHash(inputs),
    seed: s.seed,
    engine,
    firstPath: range?.first ?? 0,
    endPath: range?.end ?? s.paths,
  };
}

/** --keep-paths: each point directory that exists (but those of `skip`) must hold this point's run or nothing (unless force). */
async function preparePointDirs(
  sweep: ResolvedSweep,
  engine: EngineKind,
  dirOf: (p: SweepPoint) => string | undefined,
  force: boolean,
  skip: ReadonlySet<number>,
): Promise<void> {
  for (const point of sweep.points) {
    const dir = dirOf(point);
    if (dir === undefined || skip.has(point.index)) continue;
    if (
      !(await stat(dir).then(
        (st) => st.isDirectory(),
        () => false,
      ))
    )
      continue;
    await prepareRunDir(dir, runIdentity(sweep, point, engine), { force });
  }
}

// ---- running the points (or a shard's segments) ----------------------------------------------------------

/** One run of a sweep: a point's paths (all of them, or a shard's range), written to `dir` when given. */
interface Task {
  point: SweepPoint;
  /** A shard's paths of the point; all of them when absent. */
  range?: PathRange;
  /** The run's directory (a --keep-paths point, a shard's segment). */
  dir?: string;
  /** Continue the interrupted run in `dir` (paths in parallel only; a whole-point worker runs it again). */
  resume?: boolean;
  /** Computed for its columns only (a resumed sweep's baseline): nothing written, not reported. */
  computeOnly?: boolean;
}

interface TaskRunOptions {
  parallel: SweepResult["parallel"];
  threads: number;
  engine: EngineKind;
  format?: OutputFormat;
  force?: boolean;
  signal?: AbortSignal;
  /** Remove what a failed run left in its directory (true for a sweep's points; a shard's segment stays resumable). */
  discardOnFailure: boolean;
  /** Paths of the running task done so far (tasks one after another only). */
  onProgress: (inTask: number) => void;
  /** A finished task: called one at a time, in completion order; `columns` builds the task's metric columns. */
  accept: (task: Task, summary: Summary, columns: () => MetricColumns) => Promise<void>;
  /** How a task runs one after another (default runScenario on this machine; a queue's runOnQueue). */
  run?: (inputs: ScenarioInputs, options: RunScenarioOptions) => Promise<RunResult>;
}

/** The task settings a whole sweep and a shard take alike from their options (with their defaults). */
function taskSettings(options: SweepOptions): Required<Pick<TaskRunOptions, "threads" | "engine" | "format" | "force">> & {
  signal?: AbortSignal;
} {
  return {
    threads: options.inline ? 1 : Math.max(1, options.threads ?? defaultThreads()),
    engine: options.engine ?? "wasm",
    format: options.format ?? "csv",
    force: options.force ?? false,
    signal: options.signal,
  };
}

/** Passes `progress(inTask)` to `onProgress` at most every 250 ms, or at once when `now` (a task finished). */
function progressReporter(
  onProgress: ((progress: SweepProgress) => void) | undefined,
  progress: (inTask: number) => SweepProgress,
): (inTask: number, now?: boolean) => void {
  let last = 0;
  return (inTask, now = false) => {
    const time = performance.now();
    if (!onProgress || (!now && time - last < 250)) return;
    last = time;
    onProgress(progress(inTask));
  };
}

/** Runs the tasks (on a point pool, or one after another); resolves to true when interrupted. */
async function runTasks(sweep: ResolvedSweep, tasks: readonly Task[], o: TaskRunOptions): Promise<boolean> {
  if (tasks.length === 0) return false;
  if (o.parallel === "points") return runOnPointPool(sweep, tasks, o);
  for (const task of tasks) {
    if (o.signal?.aborted) return true;
    const inputs = resolveScenario(task.point.raw, sweep.baseDir, { explicit: task.point.explicit });
    const dir = task.dir;
    const result = await (o.run ?? runScenario)(inputs, {
      inline: o.parallel === "inline",
      threads: o.threads,
      engine: o.engine,
      outDir: dir,
      format: o.format,
      force: o.force,
      signal: o.signal,
      // a sweep reports no fan charts (its points' summaries are compared, not drawn)
      fan: false,
      ...(task.range ? { range: task.range } : {}),
      ...(task.resume ? { resume: true } : {}),
      onProgress: (p) => o.onProgress(p.done),
    }).catch(async (err: unknown) => {
      // (a refusal, bad input, touched nothing there: only a failure on the way is cleaned up)
      if (o.discardOnFailure && dir !== undefined && (err instanceof OutputError || !(err instanceof InputError)))
        await discardUnfinished(dir);
      throw err;
    });
    if (result.interrupted) return true;
    await o.accept(task, result.summary, () => result.columns);
    await nextTurn(); // let a pending SIGINT (or other I/O) in between points, even inline
  }
  return false;
}

/** The compiled worker script (also when the host itself runs from src/ under vitest, as the run's pool does). */
function pointWorkerFile(): string {
  return fileURLToPath(new URL("../../dist/sweep/worker.js", import.meta.url));
}

/**
 * Runs whole tasks on a worker pool, at most 2 × threads in flight (each result holds a task's records).
 * A task whose worker dies is run again, up to MAX_ATTEMPTS times. Resolves to true when interrupted.
 */
async function runOnPointPool(sweep: ResolvedSweep, order: readonly Task[], o: TaskRunOptions): Promise<boolean> {
  const pool = new Piscina({ filename: pointWorkerFile(), minThreads: o.threads, maxThreads: o.threads, idleTimeout: 60_000 });
  const runPoint = async (t: Task): Promise<PointTaskResult> => {
    // The worker computes; this thread writes the point's files (so that an error writing them is reported
    // as what it is, which an error crossing from a worker thread would not be).
    const task: PointTask = {
      raw: t.point.raw,
      explicit: t.point.explicit,
      baseDir: sweep.baseDir,
      engine: o.engine,
      format: o.format,
      ...(t.range ? { range: t.range } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return (await pool.run(task, { signal: o.signal ?? null })) as PointTaskResult;
      } catch (err) {
        // a path's failure (a trap, a non-finite metric) is deterministic: running it again gives the same
        if (
          isAbort(err) ||
          o.signal?.aborted ||
          attempt >= MAX_ATTEMPTS ||
          String((err as Error)?.message).startsWith(PATH_FAILURE)
        )
          throw err;
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
        const t = order[next++];
        const job: Promise<void> = runPoint(t)
          .then((r) => {
            // tasks are written and accepted one at a time, in the order they finish, whatever the time each write takes
            const write = writes.then(async () => {
              if (failure !== undefined) return; // the sweep stops: nothing more is written
              if (t.dir !== undefined) {
                await writeRunOutputs(t.dir, {
                  summary: r.summary,
                  records: r.records,
                  format: o.format,
                  baseDir: resolve(sweep.baseDir),
                  force: o.force,
                });
              }
              await o.accept(t, r.summary, () =>
                MetricColumns.fromRecords(r.records, r.summary.paths, scenarioRecordNames(r.summary.scenario)),
              );
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

// ---- one shard of a sweep ----------------------------------------------------------------------------

export interface SweepShardOptions extends Omit<SweepOptions, "onPoint" | "outDir"> {
  /** Shard `index` of `count` (1-based). */
  shard: { index: number; count: number };
  /** The shard's directory: sweep-shard.json and a run directory per segment. */
  outDir: string;
  /** Called as each segment finishes. */
  onSegment?: (segment: ShardSegment, progress: SweepProgress) => void;
}

export interface SweepShardResult {
  /** sweep-shard.json as written. */
  manifest: ShardManifest;
  /** Segments run by this call (the others had finished before a resume). */
  ran: number;
  interrupted: boolean;
  runtimeMs: number;
}

/** The state of a segment's directory on --resume: finished, interrupted (resumable), or to run. */
async function segmentState(dir: string, id: RunIdentity, format: OutputFormat): Promise<"done" | "partial" | "fresh"> {
  const read = async (name: string) => {
    try {
      const v: unknown = JSON.parse((await readRegularFile(join(dir, name), 1 << 26)) ?? "null");
      return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const same = (r: Record<string, unknown>, end: unknown) =>
    r.scenarioHash === id.scenarioHash &&
    r.seed === id.seed &&
    r.engine === id.engine &&
    r.firstPath === id.firstPath &&
    end === id.endPath;
  const summary = await read("summary.json");
  const table = join(dir, format === "csv" ? PATHS_CSV : PATHS_PARQUET);
  if (
    summary &&
    summary.interrupted === false &&
    typeof summary.requestedPaths === "number" &&
    same(summary, (summary.firstPath as number) + summary.requestedPaths) &&
    summary.paths === summary.requestedPaths &&
    (await entryKind(table).catch(() => undefined)) === "file"
  ) {
    return "done";
  }
  const manifest = await read("run.json");
  return manifest && manifest.format === format && same(manifest, manifest.endPath) ? "partial" : "fresh";
}

/**
 * Runs shard `options.shard` of a sweep into `options.outDir` (shard.ts): each segment (a point's paths in
 * the shard's slice) as a run directory, and sweep-shard.json. Interrupted, the finished segments and the
 * rows of an unfinished one (paths in parallel) are kept; `resume` continues from them. `cascade merge` of
 * all n shards gives the outputs of the unsharded sweep.
 * @example
 * await runSweepShard(loadSweep("grid.yaml"), { shard: { index: 2, count: 3 }, outDir: "shard-2" });
 */
export async function runSweepShard(sweep: ResolvedSweep, options: SweepShardOptions): Promise<SweepShardResult> {
  const started = performance.now();
  const settings = taskSettings(options);
  const { threads, engine, format, force } = settings;
  const keepPaths = options.keepPaths ?? false;
  const outDir = options.outDir;
  const { index, count } = options.shard;
  if (!(Number.isSafeInteger(count) && count >= 1 && Number.isSafeInteger(index) && index >= 1 && index <= count)) {
    throw new InputError(`--shard must be i/n with 1 <= i <= n (received ${index}/${count})`);
  }
  const record = sweepRecord(sweep, engine);
  const points = sweep.points;
  const work = shardWork(points.length, record.paths, options.shard);
  const segments = shardSegments(points.length, record.paths, work);
  const manifest: ShardManifest = {
    kind: "cascade sweep shard",
    version: VERSION,
    engineVersion: ENGINE_VERSION,
    ...(engine === "wasm" ? { kernelSha256: kernelHash() } : {}),
    sweepHash: record.sweepHash,
    shard: `${index}/${count}`,
    work,
    format,
    keepPaths,
    finished: false,
    threads,
    parallel: "points",
    runtimeMs: 0,
    segments,
    sweep: record,
  };
  const identities = segments.map((s) => runIdentity(sweep, points[s.point], engine, { first: s.firstPath, end: s.endPath }));

  if (options.resume) await mustBeDir(outDir, SHARD_MANIFEST);
  await ensureDir(outDir);
  const lock = await lockOutDir(outDir);
  try {
    let previousMs = 0;
    const existing = await readShardManifest(outDir).catch((err: unknown) => {
      if (options.resume || !force || !(err instanceof InputError)) throw err;
      return undefined; // --force replaces whatever is there
    });
    if (options.resume) {
      if (!existing) throw new InputError(`--resume ${outDir}: no ${SHARD_MANIFEST} there (not the directory of a sweep shard?)`);
      const problems: string[] = [];
      const why: Record<string, string> = {
        sweepHash: "the same sweep file, --set, --paths, --seed and --engine are needed",
        shard: "the same --shard is needed",
        engineVersion: "resume with the build that started it",
        kernelSha256: "resume with the build that started it",
        format: "the same --format is needed",
        keepPaths: "the same --keep-paths is needed",
      };
      for (const key of ["sweepHash", "shard", "engineVersion", "kernelSha256", "format", "keepPaths"] as const) {
        if (existing[key] !== manifest[key]) {
          problems.push(
            `--resume ${outDir}: ${key} of the interrupted shard is ${showValue(existing[key])}, this shard's is ${showValue(manifest[key])} (${why[key]})`,
          );
        }
      }
      if (problems.length > 0) throw new InputError(problems);
      previousMs = existing.runtimeMs;
    } else {
      await prepareShardDir(outDir, manifest, existing, segments, identities, force);
    }
    await writeShardManifest(outDir, { ...manifest, runtimeMs: previousMs });

    const tasks: (Task & { segment: ShardSegment })[] = [];
    for (let k = 0; k < segments.length; k++) {
      const s = segments[k];
      const dir = join(outDir, s.dir);
      const state = options.resume ? await segmentState(dir, identities[k], format) : "fresh";
      if (state === "done") continue;
      tasks.push({
        point: points[s.point],
        range: { first: s.firstPath, end: s.endPath },
        dir,
        segment: s,
        ...(state === "partial" ? { resume: true } : {}),
      });
    }
    const longest = tasks.reduce((m, t) => Math.max(m, t.range!.end - t.range!.first), 0);
    const parallel = chooseParallel(sweep, options, threads, longest, tasks.length);
    const total = tasks.reduce((sum, t) => sum + (t.range!.end - t.range!.first), 0);
    let pathsDone = 0;
    let segmentsDone = segments.length - tasks.length;
    const progress = (inTask: number): SweepProgress => ({
      done: pathsDone + inTask,
      total,
      elapsedMs: performance.now() - started,
      pointsDone: segmentsDone,
      points: segments.length,
    });
    const report = progressReporter(options.onProgress, progress);
    const interrupted = await runTasks(sweep, tasks, {
      ...settings,
      parallel,
      discardOnFailure: false,
      // a resumed run counts its kept rows as done: progress shows the paths of this shard's slice
      onProgress: (inTask) => report(inTask),
      accept: async (task) => {
        pathsDone += task.range!.end - task.range!.first;
        segmentsDone++;
        options.onSegment?.((task as Task & { segment: ShardSegment }).segment, progress(0));
        report(0, true);
      },
    });
    const runtimeMs = Math.round(performance.now() - started);
    const written: ShardManifest = { ...manifest, finished: !interrupted, threads, parallel, runtimeMs: previousMs + runtimeMs };
    await writeShardManifest(outDir, written);
    return { manifest: written, ran: tasks.length, interrupted, runtimeMs };
  } finally {
    await lock.release();
  }
}

/**
 * Before a shard (not a resume) writes into `dir`: refuses the outputs of a run, a sweep, another sweep's or
 * another shard's (unless `force`, which removes them), and makes each segment directory hold nothing of a
 * previous attempt: the shard starts over.
 */
async function prepareShardDir(
  dir: string,
  manifest: ShardManifest,
  existing: ShardManifest | undefined,
  segments: readonly ShardSegment[],
  identities: readonly RunIdentity[],
  force: boolean,
): Promise<void> {
  const keep = new Set(segments.map((s) => s.dir));
  let other: string | undefined;
  if (existing && existing.sweepHash !== manifest.sweepHash) other = `its ${SHARD_MANIFEST} is of another sweep`;
  else if (existing && existing.shard !== manifest.shard)
    other = `its ${SHARD_MANIFEST} is of shard ${existing.shard}, this one is ${manifest.shard}`;
  else if ((await entryKind(join(dir, SWEEP_CHECKPOINT))) !== undefined) other = `an unsharded sweep's ${SWEEP_CHECKPOINT}`;
  if (other !== undefined && !force) {
    throw new InputError([
      `${dir} holds the outputs of another run (${other}): choose another --out, remove them, or pass --force to replace them`,
    ]);
  }
  // a run's or a sweep's outputs there: refused unless --force (which removes them)
  await prepareSweepDir(dir, "a sweep shard", () => "another result", keep, { force });
  if (other !== undefined || force) {
    await removeEntry(join(dir, SWEEP_CHECKPOINT));
    await removeOtherPointDirs(dir, keep);
  }
  for (let k = 0; k < segments.length; k++) {
    const segDir = join(dir, segments[k].dir);
    if (
      !(await stat(segDir).then(
        (st) => st.isDirectory(),
        () => false,
      ))
    )
      continue;
    await prepareRunDir(segDir, identities[k], { force: force || other !== undefined });
  }
}
