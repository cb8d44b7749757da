// `cascade run --queue URL`: the run's batches become jobs of a Redis queue that `cascade worker` processes take,
// on any number of machines; this process (the coordinator) writes the outputs in path order as results come
// back, exactly as a local run does (the same runScenario: reorder buffer, checkpoints, summary). Restarted
// with the same command, it resumes from what its output directory and Redis hold.
import { join } from "node:path";
import type { ScenarioInputs } from "../config/scenario.js";
import { readRegularFile, entryKind } from "../report/atomic.js";
import { PATHS_CSV } from "../report/csv.js";
import { PATHS_PARQUET } from "../report/parquet.js";
import { MANIFEST } from "../mc/out-dir.js";
import { shardRange, type PathRange } from "../mc/plan.js";
import { runScenario, scenarioHash, type Progress, type RunResult, type RunScenarioOptions } from "../mc/run.js";
import { bullConnection, connectRedis } from "./connect.js";
import { CoordinatorLease } from "./lease.js";
import { DEFAULT_PREFIX, keys, runQueueName, type RunIdentity } from "./names.js";
import { QueueRunner, type QueueStats } from "./runner.js";
import { engineBuild, type RunSpec } from "./spec.js";
import { queueTuning, type QueueTuning } from "./tuning.js";
import type { QueueUrl } from "./url.js";

export { queueProgressSink } from "./progress.js";

export interface QueueRunOptions {
  url: QueueUrl;
  /** Key prefix in Redis (`--queue-prefix`); the workers must use the same. */
  prefix: string;
  /** Paths per job (`--batch-size`); default queueBatchSize(). */
  batchSize?: number;
  /** Lines for the user (stderr), unless --quiet. */
  log?: (line: string) => void;
  tuning?: QueueTuning;
}

/** Progress of a queue run: paths written, plus what the workers have computed. */
export type QueueProgress = Progress & Partial<Omit<QueueStats, "byWorker">>;

/** After this long without a computed batch, the coordinator says how to start a worker. */
const IDLE_NOTICE_MS = 30_000;

/** Path-steps per job by default: about 2 s of one worker thread on the default scenario (bench/queue.mjs). */
export const QUEUE_BATCH_PATH_STEPS = 500_000;

/**
 * Paths per job: QUEUE_BATCH_PATH_STEPS path-steps, at most 1/16 of the run (so that a small run still spreads
 * over workers), at least 1. A pure function of the run (never of this machine's threads): a restarted
 * coordinator plans the same batches, under the same job ids.
 */
export function queueBatchSize(range: PathRange, steps: number): number {
  const byCost = Math.ceil(QUEUE_BATCH_PATH_STEPS / Math.max(1, steps));
  const bySpread = Math.ceil((range.end - range.first) / 16);
  return Math.max(1, Math.min(byCost, bySpread, 65_536));
}

/** True when `dir` holds an unfinished run of this identity (its run.json, and a `.partial` paths file). */
async function unfinishedRunIn(dir: string, id: Record<string, unknown>, format: string): Promise<boolean> {
  const partial = join(dir, `${format === "csv" ? PATHS_CSV : PATHS_PARQUET}.partial`);
  if ((await entryKind(partial).catch(() => undefined)) !== "file") return false;
  const text = await readRegularFile(join(dir, MANIFEST), 1 << 20).catch(() => undefined);
  if (text === undefined) return false;
  try {
    const m = JSON.parse(text) as Record<string, unknown>;
    return Object.entries(id).every(([k, v]) => m[k] === v);
  } catch {
    return false;
  }
}

/**
 * Runs the scenario with its batches computed by queue workers; resolves as runScenario does (same summary,
 * same files). Bad input (a URL that does not work, another live coordinator of the same run) is an
 * InputError before anything is written. Finished, the run's keys are deleted from Redis; interrupted, they
 * stay for the restart.
 */
export async function runOnQueue(inputs: ScenarioInputs, options: RunScenarioOptions, q: QueueRunOptions): Promise<RunResult> {
  const tuning = q.tuning ?? queueTuning();
  const log = q.log ?? (() => undefined);
  const kind = options.engine ?? "wasm";
  const scenario = inputs.scenario;
  const range = shardRange(scenario.paths, options.shard);
  const batchSize = q.batchSize ?? queueBatchSize(range, scenario.steps);
  const hash = scenarioHash(inputs);
  const identity: RunIdentity = {
    scenarioHash: hash,
    seed: scenario.seed,
    engine: kind,
    firstPath: range.first,
    endPath: range.end,
    batchSize,
    ...engineBuild(kind),
    ...(options.fan !== false ? { fan: true } : {}),
  };
  const queue = runQueueName(identity);
  const spec: RunSpec = { ...identity, queue, engine: kind, name: scenario.name };

  const redis = await connectRedis(q.url);
  let lease: CoordinatorLease | undefined;
  let runner: QueueRunner | undefined;
  let idle: NodeJS.Timeout | undefined;
  try {
    lease = await CoordinatorLease.acquire(redis, q.prefix, queue, tuning.leaseMs, (holder) =>
      log(
        `queue: waiting for the run's previous coordinator (${holder}) to let go (up to ${Math.ceil(tuning.leaseMs / 1000)} s)`,
      ),
    );
    const format = options.format ?? "csv";
    let resume = options.resume ?? false;
    if (!resume && !options.force && options.outDir !== undefined) {
      const same = { scenarioHash: hash, seed: scenario.seed, engine: kind, format, firstPath: range.first, endPath: range.end };
      resume = await unfinishedRunIn(options.outDir, same, format);
      if (resume) log(`queue: resuming the unfinished run in ${options.outDir}`);
    }
    const batches = Math.ceil((range.end - range.first) / batchSize);
    log(
      `queue: run ${queue} on ${q.url.shown} (prefix ${q.prefix}): ${batches} batches of up to ${batchSize} paths; workers: cascade worker --queue ${q.url.shown}${q.prefix !== DEFAULT_PREFIX ? ` --queue-prefix ${q.prefix}` : ""}`,
    );

    let last: Progress | undefined;
    const started = performance.now();
    // a run nobody computes waits (workers may come later): say so once, with the command that starts one
    idle = setTimeout(() => {
      if (runner && runner.stats().computed === 0)
        log(
          `queue: no worker has computed a batch in ${IDLE_NOTICE_MS / 1000} s; start one with: cascade worker --queue ${q.url.shown}${q.prefix !== DEFAULT_PREFIX ? ` --queue-prefix ${q.prefix}` : ""}`,
        );
    }, IDLE_NOTICE_MS);
    idle.unref();
    const report = (p: Progress) => options.onProgress?.({ ...p, ...(runner ? summaryOf(runner.stats()) : {}) } as QueueProgress);
    const result = await runScenario(inputs, {
      ...options,
      resume,
      batchSize,
      onProgress: (p) => report((last = p)),
      runner: async (context) => {
        runner = await QueueRunner.open({
          redis,
          connection: bullConnection(q.url),
          prefix: q.prefix,
          spec,
          context,
          tuning,
          lease: lease!,
          onComputed: () => last && report({ ...last, elapsedMs: performance.now() - started }),
        });
        return runner;
      },
    });
    if (runner) {
      const by = [...runner.stats().byWorker].map(([w, n]) => `${w} ${n}`).join(", ");
      if (by) log(`queue: batches computed by worker: ${by}`);
      if (process.env.CASCADE_DEBUG) log(`queue: ${runner.polls} waits ended on the ${tuning.pollMs} ms poll, not on an event`);
    }
    if (!result.interrupted) {
      lease.stopRenewing();
      await runner?.cleanUp();
    } else {
      // the workers stop taking its batches (no lease); its jobs and results stay for the restart
      await lease.release();
      await redis.publish(keys.registryChannel(q.prefix), queue);
      log(`queue: run ${queue} stays in Redis; the same command (or --resume) continues it`);
    }
    return result;
  } catch (err) {
    // A failed run leaves nothing in Redis (its output directory holds what a restart keeps), unless another
    // coordinator has taken the run over: its queue is not ours to delete.
    if (lease && !lease.lostReason) {
      lease.stopRenewing();
      await runner?.cleanUp().catch(() => undefined);
    }
    throw err;
  } finally {
    clearTimeout(idle);
    await runner?.disconnect();
    await lease?.release();
    await redis.quit().catch(() => redis.disconnect());
  }
}

function summaryOf(s: QueueStats): Omit<QueueStats, "byWorker"> {
  return { computed: s.computed, batches: s.batches, workers: s.workers };
}
