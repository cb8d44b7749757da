// The queue mode survives what kills machines: against the real Redis, three `cascade worker` processes and a
// coordinator (`cascade run --queue`), one worker killed with SIGKILL in the middle of a batch and the
// coordinator killed with SIGKILL and started again with the same command. paths.csv and summary.json come
// out byte for byte as a local run's (summary.json's wall time aside), no path lost or counted twice, and no
// key of the run is left in Redis. Timings are shortened through the environment (stalled check every
// second, locks of 2 s), so the whole test takes well under a minute.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";

const REDIS = process.env.CASCADE_TEST_REDIS ?? "redis://127.0.0.1:6379";
const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const PREFIX = `cq-kill-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const ENV = {
  ...process.env,
  CASCADE_QUEUE_LOCK_MS: "2000",
  CASCADE_QUEUE_STALLED_MS: "1000",
  CASCADE_QUEUE_LEASE_MS: "3000",
  CASCADE_QUEUE_POLL_MS: "500",
};
const PATHS = 9000;
const SCENARIO = [
  "--paths",
  String(PATHS),
  "--seed",
  "11",
  "--set",
  "accounts.count=2000",
  "--set",
  "steps=300",
  "--threads",
  "2",
];

const work = mkdtempSync(join(tmpdir(), "cascade-queue-kill-"));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
  // a failed run leaves its keys: remove whatever is under this test's prefix
  const redis = new Redis(REDIS, { maxRetriesPerRequest: 1 });
  try {
    const left = await redis.keys(`${PREFIX}:*`);
    if (left.length > 0) await redis.del(...left);
  } finally {
    redis.disconnect();
  }
});

interface Proc {
  child: ChildProcess;
  /** stderr so far. */
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, err: () => err, exit };
}

/** Waits until `test()` holds, checking every 20 ms; fails after `ms` saying what it waited for. */
async function until(what: string, test: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const startedLines = (text: string) => [...text.matchAll(/paths (\d+)–(\d+) started/g)].map((m) => `${m[1]}–${m[2]}`);
const doneLines = (text: string) => [...text.matchAll(/paths (\d+)–(\d+) done/g)].map((m) => `${m[1]}–${m[2]}`);

function checkpointRows(dir: string): number {
  try {
    return (JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as { rows: number }).rows;
  } catch {
    return 0;
  }
}

const summaryBytes = (dir: string) =>
  readFileSync(join(dir, "summary.json"), "utf8").replace(/"runtimeMs": \d+/, '"runtimeMs": 0');

describe("a queue run with a worker and the coordinator killed (SIGKILL)", () => {
  it("writes the local run's paths.csv and summary.json byte for byte, no path lost or counted twice, no key left", {
    timeout: 120_000,
  }, async () => {
    const local = join(work, "local");
    const queued = join(work, "queued");
    const queueArgs = ["--queue", REDIS, "--queue-prefix", PREFIX, "--batch-size", "300"];
    const workers = ["a", "b", "c"].map((name) =>
      start(["worker", ...queueArgs.slice(0, 4), "--threads", "1", "--name", name, "--verbose"]),
    );
    await until("three workers", () => workers.every((w) => w.err().includes("taking the batches")));

    const runArgs = ["run", ...SCENARIO, "--out", queued, "--json", ...queueArgs];
    const first = start(runArgs);
    // worker a dies in the middle of its second batch
    const victim = workers[0];
    await until("worker a's second batch", () => startedLines(victim.err()).length >= 2);
    victim.child.kill("SIGKILL");
    expect((await victim.exit).signal).toBe("SIGKILL");
    const unfinished = startedLines(victim.err()).filter((b) => !doneLines(victim.err()).includes(b));
    expect(unfinished.length, `worker a was killed between batches:\n${victim.err()}`).toBeGreaterThan(0);

    // the coordinator dies once it has written (and checkpointed) some rows, and is started again
    await until("the coordinator's first checkpoint", () => checkpointRows(queued) > 0 || first.child.exitCode !== null);
    expect(first.child.exitCode, `the coordinator finished before it could be killed:\n${first.err()}`).toBeNull();
    first.child.kill("SIGKILL");
    expect((await first.exit).signal).toBe("SIGKILL");
    expect(existsSync(join(queued, "summary.json"))).toBe(false);

    const second = start(runArgs);
    const end = await second.exit;
    expect(end.code, second.err()).toBe(0);
    expect(second.err()).toMatch(/queue: resuming the unfinished run in/);

    // the killed worker's batch was put back by BullMQ's stalled check and computed by another worker
    await until(
      "the other workers' logs",
      () => unfinished.every((b) => workers.slice(1).some((w) => doneLines(w.err()).includes(b))),
      5000,
    );

    const reference = start(["run", ...SCENARIO, "--out", local, "--json", "--quiet"]);
    expect((await reference.exit).code).toBe(0);
    const csv = readFileSync(join(queued, "paths.csv"));
    expect(csv.equals(readFileSync(join(local, "paths.csv")))).toBe(true);
    expect(summaryBytes(queued)).toBe(summaryBytes(local));
    const paths = csv
      .toString()
      .trim()
      .split("\n")
      .slice(1)
      .map((row) => Number(row.slice(0, row.indexOf(","))));
    expect(paths).toEqual(Array.from({ length: PATHS }, (_, i) => i));
    expect(JSON.parse(readFileSync(join(queued, "summary.json"), "utf8")).paths).toBe(PATHS);

    for (const w of workers.slice(1)) w.child.kill("SIGTERM");
    for (const w of workers.slice(1)) expect((await w.exit).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500)); // a worker's last stalled-check key lives one interval
    const redis = new Redis(REDIS);
    try {
      expect(await redis.keys(`${PREFIX}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
