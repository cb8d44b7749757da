// `cascade worker`: serves the runs registered in Redis (those whose coordinator is alive) by computing their
// batches on this machine's piscina pool, one BullMQ worker per run with one job per thread. A batch's result is
// stored under its key before its job completes, so a worker killed mid-batch loses nothing but the batch's
// time: BullMQ's stalled-job check (run by the other workers) puts the job back, and someone computes it again.
import { hostname } from "node:os";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { assertRunFits } from "../config/memory.js";
import { buildRunSetup } from "../engine/markets-setup.js";
import { PATH_FAILURE } from "../mc/batch.js";
import { PoolRunner } from "../mc/pool.js";
import { fanLayout } from "../stats/fan.js";
import { bullConnection, connectRedis } from "./connect.js";
import { keys } from "./names.js";
import { hasResult, recordBytes, storeResult } from "./results.js";
import type { BatchJobData, BatchJobResult } from "./runner.js";
import { decodeInputs, decodeSpec, incompatibility, type RunSpec } from "./spec.js";
import type { QueueTuning } from "./tuning.js";
import type { QueueUrl } from "./url.js";

export interface QueueWorkerOptions {
  url: QueueUrl;
  prefix: string;
  /** Threads of the local pool, and jobs taken at once per run. */
  threads: number;
  /** This worker's name in the coordinators' progress (default HOST/PID). */
  name?: string;
  tuning: QueueTuning;
  /** Lines for the user (stderr). */
  log: (line: string) => void;
  /** A line per batch, too. */
  verbose?: boolean;
}

/** One run this worker serves: its BullMQ worker, and the pool built from the run's inputs on its first job. */
class ServedRun {
  readonly worker: Worker<BatchJobData, BatchJobResult>;
  private pool?: Promise<PoolRunner>;
  batches = 0;

  constructor(
    readonly spec: RunSpec,
    readonly encoded: string,
    private readonly service: QueueWorker,
  ) {
    const o = service.options;
    this.worker = new Worker<BatchJobData, BatchJobResult>(spec.queue, (job) => this.process(job), {
      connection: bullConnection(o.url),
      prefix: o.prefix,
      concurrency: o.threads,
      name: service.name,
      lockDuration: o.tuning.lockMs,
      stalledInterval: o.tuning.stalledMs,
      maxStalledCount: o.tuning.maxStalledCount,
      drainDelay: 1,
    });
    this.worker.on("error", (err) => service.warn(`run ${spec.queue}: ${err.message}`));
    this.worker.on("failed", (job, err) => {
      if (job)
        o.log(
          `worker: run ${spec.queue}: paths ${job.data.first}–${job.data.first + job.data.count - 1} failed: ${err.message.split("\n")[0]}`,
        );
    });
  }

  /** The pool for this run: its inputs read from Redis once, checked against the run's hash, the setup rebuilt. */
  private runner(): Promise<PoolRunner> {
    this.pool ??= (async () => {
      const { redis, options } = this.service;
      const bytes = await redis.getBuffer(keys.inputs(options.prefix, this.spec.queue));
      if (!bytes) throw new Error(`the inputs of run ${this.spec.queue} are not in Redis`);
      const inputs = decodeInputs(bytes, this.spec.scenarioHash);
      assertRunFits(inputs, { threads: options.threads, engine: this.spec.engine }); // this machine's memory budget
      return new PoolRunner({
        kind: this.spec.engine,
        setup: buildRunSetup(inputs),
        seed: inputs.scenario.seed,
        threads: options.threads,
        ...(this.spec.fan ? { fan: fanLayout(inputs) } : {}),
      });
    })();
    this.pool.catch(() => (this.pool = undefined)); // a failure is the job's; the next job tries again
    return this.pool;
  }

  private async process(job: Job<BatchJobData, BatchJobResult>): Promise<BatchJobResult> {
    const { first, count } = job.data;
    const { redis, options, name } = this.service;
    const id = job.id!;
    // idempotent: a batch whose result is already stored (its worker died before completing the job) is done
    if (!(await hasResult(redis, options.prefix, this.spec.queue, id))) {
      let runner: PoolRunner;
      try {
        runner = await this.runner();
      } catch (err) {
        // inputs that do not rebuild the coordinator's setup, or do not fit here, do not get better on a retry
        throw new UnrecoverableError(`worker ${name}: ${(err as Error).message.split("\n").join("; ")}`);
      }
      if (options.verbose) options.log(`worker: run ${this.spec.queue}: paths ${first}–${first + count - 1} started`);
      let records: Float64Array;
      let fan: Uint8Array | undefined;
      try {
        ({ records, fan } = await runner.run({ index: 0, first, count }, false));
      } catch (err) {
        const message = (err as Error).message;
        if (message.startsWith(PATH_FAILURE)) throw new UnrecoverableError(message); // a trap is deterministic
        throw err;
      }
      await storeResult(redis, options.prefix, this.spec.queue, id, recordBytes(records, count, fan, records.length / count));
    }
    this.batches++;
    if (options.verbose) options.log(`worker: run ${this.spec.queue}: paths ${first}–${first + count - 1} done`);
    return { worker: name, paths: count };
  }

  /** Finishes the batches under way, then frees the pool. */
  async close(): Promise<void> {
    await this.worker.close();
    const pool = await this.pool?.catch(() => undefined);
    await pool?.close();
  }
}

export class QueueWorker {
  readonly name: string;
  private readonly served = new Map<string, ServedRun>();
  private readonly refused = new Set<string>();
  private timer?: NodeJS.Timeout;
  private refreshing: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private warned = 0;

  private constructor(
    readonly options: QueueWorkerOptions,
    readonly redis: Redis,
    private readonly subscriber: Redis,
  ) {
    this.name = options.name ?? `${hostname()}/${process.pid}`;
  }

  /** Connects (an unusable URL is an InputError naming --queue) and starts serving the registered runs. */
  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    const redis = await connectRedis(options.url);
    let subscriber: Redis;
    try {
      subscriber = await connectRedis(options.url);
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    const worker = new QueueWorker(options, redis, subscriber);
    subscriber.on("message", () => worker.refresh());
    await subscriber.subscribe(keys.registryChannel(options.prefix));
    worker.timer = setInterval(() => worker.refresh(), options.tuning.pollMs);
    worker.refresh();
    await worker.refreshing;
    return worker;
  }

  /** Runs served now. */
  get runs(): number {
    return this.served.size;
  }

  warn(line: string): void {
    // a Redis outage makes every client say so: a few lines, not thousands
    if (this.warned++ < 20) this.options.log(`worker: warning: ${line}`);
  }

  /** Looks at the registry again (coalesced: at most one look at a time, and one more after it). */
  refresh(): void {
    if (this.again || this.stopped) return;
    this.again = true;
    this.refreshing = this.refreshing.then(async () => {
      this.again = false;
      try {
        await this.sync();
      } catch (err) {
        this.warn(`cannot read the run registry: ${(err as Error).message}`);
      }
    });
  }

  /** Serves every registered run with a live coordinator that this build can compute; drops the others. */
  private async sync(): Promise<void> {
    if (this.stopped) return;
    const { prefix } = this.options;
    const entries = await this.redis.hgetall(keys.registry(prefix));
    const wanted = new Map<string, { spec: RunSpec; text: string }>();
    for (const [queue, text] of Object.entries(entries)) {
      const spec = decodeSpec(text);
      if (!spec || spec.queue !== queue) continue;
      if ((await this.redis.exists(keys.lease(prefix, queue))) !== 1) continue; // nobody waits for it now
      const why = incompatibility(spec);
      if (why) {
        if (!this.refused.has(queue)) this.options.log(`worker: not serving run ${queue} (${spec.name}): ${why}`);
        this.refused.add(queue);
        continue;
      }
      wanted.set(queue, { spec, text });
    }
    for (const [queue, run] of this.served) {
      if (wanted.get(queue)?.text === run.encoded) continue;
      this.served.delete(queue);
      await run.close();
      this.options.log(`worker: run ${queue} (${run.spec.name}): no longer served here, ${run.batches} batches computed`);
    }
    for (const [queue, { spec, text }] of wanted) {
      if (this.served.has(queue) || this.stopped) continue;
      this.served.set(queue, new ServedRun(spec, text, this));
      this.options.log(
        `worker: serving run ${queue} (${spec.name}, paths ${spec.firstPath}–${spec.endPath - 1}, batches of ${spec.batchSize}, ${spec.engine})`,
      );
    }
  }

  /** Stops taking batches, finishes those under way, frees the pools and the connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.refreshing;
    await Promise.all([...this.served.values()].map((r) => r.close()));
    this.served.clear();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
