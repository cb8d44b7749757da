// The queue mode against the real Redis (127.0.0.1:6379, or CASCADE_TEST_REDIS): a run whose batches are
// computed by queue workers writes the local run's files byte for byte, a retried or duplicated batch changes
// nothing, the run's keys are gone when it ends, and bad input (a URL that does not work, options without
// --queue, sweep --queue) is one line naming the option, exit 2. Each test uses a key prefix of its own.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../src/config/load.js";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { RECORD_STRIDE } from "../../src/engine/metrics.js";
import { runScenario } from "../../src/mc/run.js";
import { loadSweep } from "../../src/sweep/load.js";
import { runSweep } from "../../src/sweep/run.js";
import { queueBatchSize, runOnQueue } from "../../src/queue/coordinator.js";
import { jobId, keys, runQueueName, type RunIdentity } from "../../src/queue/names.js";
import { storeResult, takeResult } from "../../src/queue/results.js";
import { queueTuning } from "../../src/queue/tuning.js";
import { parseQueueUrl, redactUrl, type QueueUrl } from "../../src/queue/url.js";
import { QueueWorker } from "../../src/queue/worker.js";
import { cascade } from "../helpers/cli.js";

const REDIS = process.env.CASCADE_TEST_REDIS ?? "redis://127.0.0.1:6379";
const url = parseQueueUrl(REDIS, []) as QueueUrl;
const tuning = { ...queueTuning({}), lockMs: 2000, stalledMs: 1000, leaseMs: 3000, pollMs: 500 };
let tmp: string;
let redis: Redis;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "cascade-queue-"));
  redis = new Redis(REDIS, { maxRetriesPerRequest: 1 });
  await redis.ping();
});
const prefixes: string[] = [];
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
  // a failed test leaves its run's keys: remove whatever is under the prefixes used here
  for (const prefix of prefixes) {
    const left = await keysUnder(prefix);
    if (left.length > 0) await redis.del(...left);
  }
  redis?.disconnect();
});

function uniquePrefix(name: string): string {
  const prefix = `cq-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  prefixes.push(prefix);
  return prefix;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== "0");
  return found;
}

/** summary.json with its wall time blanked: the only field two runs of the same scenario may differ in. */
async function summaryBytes(dir: string): Promise<string> {
  return (await readFile(join(dir, "summary.json"), "utf8")).replace(/"runtimeMs": \d+/, '"runtimeMs": 0');
}

function scenario(paths: number): ScenarioInputs {
  return loadScenario(undefined, [`paths=${paths}`, "accounts.count=1500", "steps=60"]);
}

describe("bad input exits 2 with one line naming the option", () => {
  const cases: { name: string; argv: string[]; says: RegExp }[] = [
    {
      name: "a URL that is not redis://",
      argv: ["run", "--queue", "http://127.0.0.1:6379"],
      says: /^error: --queue must be a redis:\/\/ or rediss:\/\/ URL/,
    },
    {
      name: "a URL that does not parse",
      argv: ["run", "--queue", "127.0.0.1:6379"],
      says: /^error: --queue must be a redis:\/\/ or rediss:\/\/ URL/,
    },
    {
      name: "a path that is not a database number",
      argv: ["run", "--queue", "redis://127.0.0.1:6379/x"],
      says: /^error: --queue must be .* whose path is a database number/,
    },
    {
      name: "an unreachable server",
      argv: ["run", "--paths", "10", "--queue", "redis://127.0.0.1:1", "--quiet"],
      says: /^error: --queue redis:\/\/127\.0\.0\.1:1: cannot use the Redis server there \(.*ECONNREFUSED/,
    },
    {
      name: "a bad --queue-prefix",
      argv: ["run", "--queue", REDIS, "--queue-prefix", "a:b"],
      says: /^error: --queue-prefix must be 1 to 64 letters/,
    },
    { name: "--batch-size without --queue", argv: ["run", "--batch-size", "10"], says: /^error: --batch-size needs --queue/ },
    {
      name: "a zero --batch-size",
      argv: ["run", "--queue", REDIS, "--batch-size", "0"],
      says: /^error: --batch-size must be a positive integer/,
    },
    {
      name: "a sweep shard on a queue",
      argv: ["sweep", "examples/sweep-margin-design.yaml", "--shard", "1/2", "--queue", REDIS, "--quiet"],
      says: /^error: --queue: a sweep shard runs on this machine/,
    },
    { name: "a worker without --queue", argv: ["worker"], says: /^error: required option '--queue <url>' not specified/ },
    {
      name: "a worker with a bad URL",
      argv: ["worker", "--queue", "redis://"],
      says: /^error: --queue must be a redis:\/\/ or rediss:\/\/ URL/,
    },
    {
      name: "a worker and an unreachable server",
      argv: ["worker", "--queue", "redis://127.0.0.1:1"],
      says: /^error: --queue redis:\/\/127\.0\.0\.1:1: cannot use the Redis server there/,
    },
  ];
  it.each(cases)("$name", async ({ argv, says }) => {
    const { code, stderr } = await cascade(...argv);
    expect(code).toBe(2);
    const lines = stderr
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("error:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(says);
  });

  it("a password in the URL never appears in a message", async () => {
    expect(redactUrl("redis://user:s3cret@db.example:6379/2")).toBe("redis://user:***@db.example:6379/2");
    expect(redactUrl("rediss://:s3cret@db.example")).toBe("rediss://:***@db.example");
    const { code, stderr } = await cascade("run", "--paths", "5", "--quiet", "--queue", "redis://user:s3cret@127.0.0.1:1");
    expect(code).toBe(2);
    expect(stderr).not.toContain("s3cret");
    expect(stderr).toContain("redis://user:***@127.0.0.1:1");
  });

  it("wrong credentials are bad input too, named as the server's refusal", async () => {
    const { code, stderr } = await cascade(
      "run",
      "--paths",
      "5",
      "--quiet",
      "--queue",
      REDIS.replace("redis://", "redis://nobody:wrong@"),
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^error: --queue redis:\/\/nobody:\*\*\*@.*cannot use the Redis server there \(.*(WRONGPASS|NOAUTH|AUTH)/m,
    );
  });
});

describe("names", () => {
  const id: RunIdentity = {
    scenarioHash: "ab".repeat(32),
    seed: 1,
    engine: "wasm",
    firstPath: 0,
    endPath: 100,
    batchSize: 10,
    engineVersion: "0.1.0+abi1",
    kernelSha256: "cd".repeat(32),
  };
  it("a run's queue depends on everything its results and batches depend on, and on nothing else", () => {
    expect(runQueueName(id)).toMatch(/^run-[0-9a-f]{24}$/);
    expect(runQueueName({ ...id })).toBe(runQueueName(id));
    for (const change of [
      { seed: 2 },
      { batchSize: 11 },
      { endPath: 99 },
      { engine: "ts" },
      { kernelSha256: "ef".repeat(32) },
      { engineVersion: "0.1.1+abi1" },
    ]) {
      expect(runQueueName({ ...id, ...change }), JSON.stringify(change)).not.toBe(runQueueName(id));
    }
  });

  it("a job id is its batch's path range (never an integer, never a colon)", () => {
    expect(jobId({ first: 1200, count: 300 })).toBe("paths-1200-300");
  });

  it("the default batch size is a function of the run alone (a restarted coordinator plans the same jobs)", () => {
    expect(queueBatchSize({ first: 0, end: 100_000 }, 100)).toBe(5000);
    expect(queueBatchSize({ first: 0, end: 1000 }, 100)).toBe(63); // at most 1/16 of the run
    expect(queueBatchSize({ first: 0, end: 3 }, 100)).toBe(1);
  });
});

describe("results in Redis", () => {
  it("are keyed by batch: a duplicate stores the same bytes, a run no longer registered stores nothing", async () => {
    const prefix = uniquePrefix("results");
    const queue = "run-test";
    const records = Float64Array.from({ length: 2 * RECORD_STRIDE }, (_, i) => i / 3);
    const bytes = Buffer.from(records.buffer);
    expect(await storeResult(redis, prefix, queue, "paths-0-2", bytes)).toBe(false); // not registered
    expect(await keysUnder(prefix)).toEqual([]);
    await redis.hset(keys.registry(prefix), queue, "{}");
    expect(await storeResult(redis, prefix, queue, "paths-0-2", bytes)).toBe(true);
    expect(await storeResult(redis, prefix, queue, "paths-0-2", bytes)).toBe(true);
    const back = await takeResult(redis, prefix, queue, "paths-0-2", 2);
    expect(back && Buffer.from(back.buffer).equals(bytes)).toBe(true);
    expect(await takeResult(redis, prefix, queue, "paths-0-2", 2)).toBeUndefined(); // read once
    await redis.del(keys.registry(prefix));
    expect(await keysUnder(prefix)).toEqual([]);
  });
});

describe("a run on the queue", () => {
  it("writes the local run's paths.csv and summary.json byte for byte, with two workers, and leaves no key behind", async () => {
    const prefix = uniquePrefix("run");
    const inputs = scenario(900);
    const local = join(tmp, "local");
    const queued = join(tmp, "queued");
    await runScenario(inputs, { threads: 2, outDir: local });
    const log: string[] = [];
    const workers = await Promise.all(
      ["w1", "w2"].map((name) => QueueWorker.start({ url, prefix, threads: 1, name, tuning, log: (l) => log.push(l) })),
    );
    const progress: number[] = [];
    try {
      const result = await runOnQueue(
        inputs,
        { threads: 2, outDir: queued, onProgress: (p) => progress.push(p.done) },
        { url, prefix, batchSize: 50, tuning, log: (l) => log.push(l) },
      );
      expect(result.summary.paths).toBe(900);
      expect(result.interrupted).toBe(false);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    expect(await readFile(join(queued, "paths.csv"))).toEqual(await readFile(join(local, "paths.csv")));
    expect(await summaryBytes(queued)).toBe(await summaryBytes(local));
    expect(
      log.some((l) => /batches computed by worker: (w1|w2) \d+/.test(l)),
      log.join("\n"),
    ).toBe(true);
    expect(progress.at(-1)).toBe(900);
    await new Promise((r) => setTimeout(r, tuning.stalledMs + 200)); // a worker's last stalled-check key expires
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it("interrupted, then started again with the same command, resumes from its directory and Redis and gives the same files", async () => {
    const prefix = uniquePrefix("restart");
    const inputs = scenario(600);
    const local = join(tmp, "restart-local");
    const queued = join(tmp, "restart-queued");
    await runScenario(inputs, { threads: 1, outDir: local });
    const worker = await QueueWorker.start({ url, prefix, threads: 1, tuning, log: () => undefined });
    const lines: string[] = [];
    try {
      const abort = new AbortController();
      const first = await runOnQueue(
        inputs,
        { threads: 1, outDir: queued, signal: abort.signal, onProgress: () => abort.abort() },
        { url, prefix, batchSize: 50, tuning },
      );
      expect(first.interrupted).toBe(true);
      expect(first.summary.paths).toBeLessThan(600);
      expect(await keysUnder(prefix)).not.toEqual([]); // the run stays in Redis for the restart
      const second = await runOnQueue(
        inputs,
        { threads: 1, outDir: queued },
        { url, prefix, batchSize: 50, tuning, log: (l) => lines.push(l) },
      );
      expect(second.interrupted).toBe(false);
      expect(second.summary.paths).toBe(600);
    } finally {
      await worker.stop();
    }
    expect(lines.some((l) => l.startsWith("queue: resuming the unfinished run in"))).toBe(true);
    expect(await readFile(join(queued, "paths.csv"))).toEqual(await readFile(join(local, "paths.csv")));
    expect(await summaryBytes(queued)).toBe(await summaryBytes(local));
    await new Promise((r) => setTimeout(r, tuning.stalledMs + 200));
    expect(await keysUnder(prefix)).toEqual([]);
  });
});

describe("a sweep and a target search on the queue", () => {
  it("sweep --queue writes the local sweep's sweep.csv byte for byte, every point computed by the workers", async () => {
    const prefix = uniquePrefix("sweep");
    const file = join(tmp, "grid.yaml");
    await writeFile(
      file,
      "overrides: { paths: 120, accounts.count: 300, steps: 30 }\naxes:\n  - { key: market.book.depth.size, values: [0.01, 0.03] }\nbaseline: { market.book.depth.size: 0.03 }\n",
    );
    const local = await runSweep(loadSweep(file), { threads: 1, outDir: join(tmp, "sweep-local") });
    const workers = await Promise.all(
      ["s1", "s2"].map((name) => QueueWorker.start({ url, prefix, threads: 1, name, tuning, log: () => undefined })),
    );
    const log: string[] = [];
    try {
      const queued = await runSweep(loadSweep(file), {
        threads: 1,
        outDir: join(tmp, "sweep-queued"),
        queue: { url, prefix, batchSize: 20, tuning, log: (l) => log.push(l) },
      });
      expect(queued.parallel).toBe("paths");
      expect(queued.points.map((p) => p.summary.metrics.liquidatedNotional.mean)).toEqual(
        local.points.map((p) => p.summary.metrics.liquidatedNotional.mean),
      );
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    expect(await readFile(join(tmp, "sweep-queued", "sweep.csv"))).toEqual(await readFile(join(tmp, "sweep-local", "sweep.csv")));
    expect(log.filter((l) => /batches computed by worker/.test(l))).toHaveLength(2); // one queue run per point
    await new Promise((r) => setTimeout(r, tuning.stalledMs + 200));
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it("solve --queue finds the bracket a local solve finds", async () => {
    const prefix = uniquePrefix("solve");
    const args = [
      "solve",
      "--vary",
      "insurance.initialBalance",
      "--range",
      "1e3:1e6",
      "--target",
      "P(badDebt) <= 0.5",
      "--paths",
      "80",
      "--set",
      "accounts.count=300",
      "--set",
      "steps=20",
      "--set",
      "market.price.shocks=[{step: 3, return: -0.15}]",
      "--set",
      "adl.ranking=none",
      "--tol",
      "0.05",
      "--threads",
      "1",
      "--quiet",
      "--json",
    ];
    const local = await cascade(...args);
    expect(local.code, local.stderr).toBe(0);
    const worker = await QueueWorker.start({ url, prefix, threads: 1, tuning, log: () => undefined });
    let queued: Awaited<ReturnType<typeof cascade>>;
    try {
      queued = await cascade(...args, "--queue", REDIS, "--queue-prefix", prefix);
    } finally {
      await worker.stop();
    }
    expect(queued.code, queued.stderr).toBe(0);
    const [a, b] = [JSON.parse(local.stdout), JSON.parse(queued.stdout)];
    expect(b.interval).toEqual(a.interval);
    expect(b.evaluations.map((e: { estimate: unknown }) => e.estimate)).toEqual(
      a.evaluations.map((e: { estimate: unknown }) => e.estimate),
    );
    await new Promise((r) => setTimeout(r, tuning.stalledMs + 200));
    expect(await keysUnder(prefix)).toEqual([]);
  });
});
