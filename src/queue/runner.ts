// The coordinator's side of a queue run: a BatchRunner (the interface runScenario runs batches through) whose
// batches are BullMQ jobs computed by `cascade worker` processes anywhere. On opening it registers the run
// (spec and inputs) and enqueues every batch left, each under its deterministic job id; `run(batch)` then waits
// for that batch's job, takes its records from Redis and hands them over exactly as the local pool would.
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { InternalError } from "../config/errors.js";
import { PATH_FAILURE, type BatchResult } from "../mc/batch.js";
import type { Batch } from "../mc/plan.js";
import type { BatchRunner } from "../mc/pool.js";
import type { RunnerContext } from "../mc/run.js";
import { formatRecordsCsv } from "../report/csv.js";
import type { bullConnection } from "./connect.js";
import type { CoordinatorLease } from "./lease.js";
import { jobId, keys } from "./names.js";
import { takeBatchResult } from "./results.js";
import { encodeInputs, encodeSpec, type RunSpec } from "./spec.js";
import type { QueueTuning } from "./tuning.js";

/** What a job carries: its path range (the run it belongs to is its queue). */
export interface BatchJobData {
  first: number;
  count: number;
}

/** What a worker returns for a job: who computed it. */
export interface BatchJobResult {
  worker: string;
  paths: number;
}

/** Progress across workers, as the coordinator sees it. */
export interface QueueStats {
  /** Batches of this run computed by the workers (each counted once, however many times it ran). */
  computed: number;
  batches: number;
  /** Workers that have computed a batch of this run. */
  workers: number;
  /** Batches per worker name. */
  byWorker: ReadonlyMap<string, number>;
}

export interface QueueRunnerOptions {
  /** Our own client: registry, inputs, results. */
  redis: Redis;
  connection: ReturnType<typeof bullConnection>;
  prefix: string;
  spec: RunSpec;
  context: RunnerContext;
  tuning: QueueTuning;
  lease: CoordinatorLease;
  /** Called when a batch is computed somewhere (for the progress display). */
  onComputed?: () => void;
}

const ADD_CHUNK = 500;
const encoder = new TextEncoder();

export class QueueRunner implements BatchRunner {
  readonly threads: number;
  /** Batches enqueued again because their result was gone (read by a coordinator that stopped before writing it). */
  retries = 0;
  private readonly queue: Queue<BatchJobData, BatchJobResult>;
  private events?: QueueEvents;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly computedIds = new Set<string>();
  /** Job ids of the batches this coordinator waits for. */
  private readonly ids: ReadonlySet<string>;
  private readonly byWorker = new Map<string, number>();
  private readonly columns: Float64Array[];
  private closed = false;
  /** Waits that ended on the poll, not on an event (diagnostics: CASCADE_DEBUG prints it). */
  polls = 0;

  private constructor(private readonly o: QueueRunnerOptions) {
    this.threads = o.context.threads;
    this.columns = o.context.columns.buffers.map((b) => new Float64Array(b));
    this.ids = new Set(o.context.batches.map(jobId));
    this.queue = new Queue<BatchJobData, BatchJobResult>(o.spec.queue, {
      connection: o.connection,
      prefix: o.prefix,
      defaultJobOptions: {
        attempts: o.tuning.attempts,
        backoff: { type: "fixed", delay: 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
      // results travel in their own keys; the events stream carries only small return values
      streams: { events: { maxLen: 2000 } },
    });
    this.queue.on("error", () => undefined); // the client reconnects; a lasting failure shows in the waits
  }

  /** Registers the run, enqueues the context's batches (those already there stay as they are) and listens. */
  static async open(o: QueueRunnerOptions): Promise<QueueRunner> {
    const runner = new QueueRunner(o);
    try {
      await runner.start();
    } catch (err) {
      await runner.disconnect();
      throw err;
    }
    return runner;
  }

  private async start(): Promise<void> {
    const { redis, prefix, spec, context } = this.o;
    await this.register(false);
    this.events = new QueueEvents(spec.queue, { connection: this.o.connection, prefix });
    this.events.on("error", () => undefined);
    this.events.on("completed", ({ jobId: id, returnvalue }) => {
      const worker = (returnvalue as unknown as BatchJobResult | undefined)?.worker;
      this.noteComputed(id, typeof worker === "string" ? worker : undefined);
      this.wake(id);
    });
    this.events.on("failed", ({ jobId: id }) => this.wake(id));
    await this.events.waitUntilReady();
    // a restart: jobs that failed under the previous coordinator get their attempts back
    await this.queue.retryJobs({ state: "failed" });
    for (let i = 0; i < context.batches.length; i += ADD_CHUNK) {
      await this.queue.addBulk(context.batches.slice(i, i + ADD_CHUNK).map((b) => this.jobFor(b)));
    }
    await redis.publish(keys.registryChannel(prefix), spec.queue);
  }

  /** Publishes the run's inputs and spec for the workers (`ifMissing`: only what is not there any more). */
  private async register(ifMissing: boolean): Promise<void> {
    const { redis, prefix, spec, context } = this.o;
    const inputsKey = keys.inputs(prefix, spec.queue);
    if (!ifMissing || (await redis.exists(inputsKey)) === 0) await redis.set(inputsKey, encodeInputs(context.inputs));
    const added = await redis.hset(keys.registry(prefix), spec.queue, encodeSpec(spec));
    if (ifMissing && added > 0) await redis.publish(keys.registryChannel(prefix), spec.queue);
  }

  private jobFor(batch: Batch) {
    return { name: "batch", data: { first: batch.first, count: batch.count }, opts: { jobId: jobId(batch) } };
  }

  private noteComputed(id: string, worker?: string): void {
    if (this.computedIds.has(id) || !this.ids.has(id)) return; // each of this run's batches once
    this.computedIds.add(id);
    if (worker !== undefined) this.byWorker.set(worker, (this.byWorker.get(worker) ?? 0) + 1);
    this.o.onComputed?.();
  }

  private wake(id: string): void {
    const set = this.waiters.get(id);
    if (!set) return;
    this.waiters.delete(id);
    for (const f of [...set]) f();
  }

  /** A promise that settles when `id` completes or fails, or after `ms` (a missed event costs a poll, never a hang). */
  private wakeup(id: string, ms: number): { promise: Promise<void>; cancel: () => void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    let set = this.waiters.get(id);
    if (!set) this.waiters.set(id, (set = new Set()));
    const waiting = set;
    const done = () => {
      clearTimeout(timer);
      waiting.delete(done);
      if (waiting.size === 0 && this.waiters.get(id) === waiting) this.waiters.delete(id);
      resolve();
    };
    const timer = setTimeout(() => {
      this.polls++;
      done();
    }, ms);
    waiting.add(done);
    return { promise, cancel: done };
  }

  stats(): QueueStats {
    return {
      computed: this.computedIds.size,
      batches: this.o.context.batches.length,
      workers: this.byWorker.size,
      byWorker: this.byWorker,
    };
  }

  async run(batch: Batch, csv: boolean): Promise<BatchResult> {
    const id = jobId(batch);
    const last = batch.first + batch.count - 1;
    for (;;) {
      if (this.closed) throw new Error(`the run stopped before paths ${batch.first}–${last} came back`);
      const lost = this.o.lease.lostReason;
      if (lost) throw new Error(`--queue: this coordinator lost its run: ${lost}`);
      const wake = this.wakeup(id, this.o.tuning.pollMs);
      const state = await this.queue.getJobState(id);
      if (state === "completed") {
        wake.cancel();
        const taken = await takeBatchResult(
          this.o.redis,
          this.o.prefix,
          this.o.spec.queue,
          id,
          batch.count,
          this.o.context.fan !== undefined,
          this.columns.length,
        );
        if (taken) {
          this.noteComputed(id);
          return { ...this.deliver(batch, taken.records, csv), ...(taken.fan ? { fan: taken.fan } : {}) };
        }
        // its result was taken by a coordinator that stopped before writing it: compute it again
        await this.queue.remove(id);
        await this.queue.add("batch", { first: batch.first, count: batch.count }, { jobId: id });
        this.retries++;
        continue;
      }
      if (state === "failed") {
        wake.cancel();
        const reason = (await this.queue.getJob(id))?.failedReason ?? "no reason recorded";
        if (reason.startsWith(PATH_FAILURE)) {
          const m = new RegExp(`^${PATH_FAILURE}(\\d+)`).exec(reason);
          throw new InternalError(reason, m ? { pathIndex: Number(m[1]) } : {});
        }
        throw new Error(
          `paths ${batch.first}–${last} failed on the workers (job ${id} of queue ${this.o.spec.queue}): ${reason}`,
        );
      }
      if (state === "unknown") {
        // removed meanwhile (by hand, or Redis lost its data): register the run again and enqueue the batch
        wake.cancel();
        await this.register(true);
        await this.queue.add("batch", { first: batch.first, count: batch.count }, { jobId: id });
        continue;
      }
      await wake.promise;
    }
  }

  /** The records into the run's shared columns (as the pool's workers write them), and the batch's result. */
  private deliver(batch: Batch, records: Float64Array, csv: boolean): BatchResult {
    const at = batch.first - this.o.context.columns.firstPath;
    // one column per f64 of the record: the run's layout (several markets or one)
    const stride = this.columns.length;
    for (let m = 0; m < stride; m++) {
      const col = this.columns[m];
      for (let i = 0, j = m; i < batch.count; i++, j += stride) col[at + i] = records[j];
    }
    return { records, csv: csv ? encoder.encode(formatRecordsCsv(batch.first, records, batch.count, stride)) : undefined };
  }

  /** Stops waiting (runScenario calls it when the run ends); the queue stays until cleanUp() or disconnect(). */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.waiters.keys()]) this.wake(id);
  }

  /**
   * The run is over: unregisters it (workers stop serving it; a late duplicate's result is not stored) and
   * deletes every key of its namespace, BullMQ's included.
   */
  async cleanUp(): Promise<void> {
    const { redis, prefix, spec } = this.o;
    await redis.hdel(keys.registry(prefix), spec.queue);
    await redis.publish(keys.registryChannel(prefix), spec.queue);
    await this.events?.close().catch(() => undefined);
    this.events = undefined;
    await this.queue.obliterate({ force: true }).catch(() => undefined);
    await deleteRunKeys(redis, prefix, spec.queue);
  }

  /** Closes BullMQ's connections (the registry entry and the jobs stay: a restart continues from them). */
  async disconnect(): Promise<void> {
    this.closed = true;
    await this.events?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
  }
}

/** Deletes every key under `PREFIX:QUEUE:` (SCAN, then DEL in chunks). */
export async function deleteRunKeys(redis: Redis, prefix: string, queue: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", keys.runPattern(prefix, queue), "COUNT", 1000);
    cursor = next;
    if (found.length > 0) await redis.del(...found);
  } while (cursor !== "0");
}
