// Finding 4: one writer per output directory, and one result per directory. A run (merge, sweep) takes an
// exclusive lock on --out (DIR/.cascade.lock, holding its pid): a live holder refuses a second writer with
// exit 2, a dead one's lock is taken over. A directory holding ANOTHER run's outputs is refused (exit 2)
// unless --force; with --force, or re-running the same run, the stale files of the other format go, so the
// directory holds one consistent result.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { runCommand, type RunOptions } from "../../src/cli/run.js";
import { sweepAction } from "../../src/cli/sweep.js";
import { mergeShards } from "../../src/mc/merge.js";
import { runScenario } from "../../src/mc/run.js";
import { verifyRun } from "../../src/mc/verify.js";
import { cascade, smallInputs, spawnCascade } from "../helpers/hardening-output.js";

const work = mkdtempSync(join(tmpdir(), "cascade-hardening-lock-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const RUN_ARGS = ["--paths", "120", "--set", "accounts.count=2000", "--threads", "1", "--quiet"];
const quietIo = () => {
  let err = "";
  return { io: { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } }, err: () => err };
};
const runOptions = (out: string, extra: Partial<RunOptions> = {}): RunOptions => ({
  threads: 1,
  out,
  engine: "wasm",
  format: "csv",
  quiet: true,
  json: false,
  sets: [],
  ...extra,
});

/** A process that lives until killed, and one that has already exited: their pids. */
function liveProcess() {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  return { pid: child.pid!, stop: () => child.kill("SIGKILL") };
}
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("the lock on --out", () => {
  it("a live holder refuses a second run: exit 2 naming the pid and the lock, nothing written", async () => {
    const dir = join(work, "locked");
    mkdirSync(dir, { recursive: true });
    const holder = liveProcess();
    try {
      writeFileSync(join(dir, ".cascade.lock"), `${holder.pid} 0123456789abcdef\n`);
      const { code, stderr } = await cascade("run", ...RUN_ARGS, "--out", dir);
      expect(code).toBe(2);
      expect(stderr).toContain(`pid ${holder.pid}`);
      expect(stderr).toContain(".cascade.lock");
      expect(readdirSync(dir)).toEqual([".cascade.lock"]);
    } finally {
      holder.stop();
    }
  });

  it("a lock whose process is gone is taken over, and released at the end", async () => {
    const dir = join(work, "stale");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ".cascade.lock"), `${await deadPid()} 0123456789abcdef\n`);
    const { code, stderr } = await cascade("run", ...RUN_ARGS, "--out", dir);
    expect(code, stderr).toBe(0);
    expect(existsSync(join(dir, ".cascade.lock"))).toBe(false);
    expect((await verifyRun(dir, { sample: 4 })).ok).toBe(true);
  });

  it("two runs on the same --out at once: one writes, the other exits 2; the directory is one consistent run", async () => {
    const dir = join(work, "race");
    const args = (seed: string) => [
      "run",
      "--paths",
      "30000",
      "--set",
      "accounts.count=2000",
      "--threads",
      "1",
      "--quiet",
      "--seed",
      seed,
      "--out",
      dir,
    ];
    const [a, b] = await Promise.all([spawnCascade(args("1")), spawnCascade(args("2"))]);
    expect([a.code, b.code].sort()).toEqual([0, 2]);
    const loser = a.code === 2 ? a : b;
    expect(loser.stderr).toMatch(/in use by another cascade process|holds the outputs of another run/);
    const report = await verifyRun(dir, { sample: 4 });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(existsSync(join(dir, ".cascade.lock"))).toBe(false);
  }, 120_000);

  it("merge and sweep take the lock too", async () => {
    const holder = liveProcess();
    try {
      const dir = join(work, "locked-merge");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, ".cascade.lock"), `${holder.pid} 0123456789abcdef\n`);
      const shard = join(work, "lone-shard");
      await runScenario(smallInputs(), { inline: true, outDir: shard });
      await expect(mergeShards([shard], { outDir: dir })).rejects.toThrow(/in use by another cascade process/);
      const sweepDir = join(work, "locked-sweep");
      mkdirSync(sweepDir, { recursive: true });
      writeFileSync(join(sweepDir, ".cascade.lock"), `${holder.pid} 0123456789abcdef\n`);
      const file = join(work, "tiny-sweep.yaml");
      writeFileSync(
        file,
        "overrides: { accounts.count: 200, steps: 30 }\naxes:\n  - { key: market.book.depth.size, values: [0.02, 0.04] }\n",
      );
      await expect(sweepAction(file, { paths: "10", threads: "1", quiet: true, out: sweepDir }, quietIo().io)).rejects.toThrow(
        /in use/,
      );
    } finally {
      holder.stop();
    }
  });
});

describe("a directory holding another run's outputs", () => {
  it("is refused (exit 2) without --force, and left as it was", async () => {
    const dir = join(work, "other");
    await runScenario(smallInputs(), { inline: true, outDir: dir });
    const before = readFileSync(join(dir, "summary.json"));
    const { code, stderr } = await cascade("run", ...RUN_ARGS, "--seed", "7", "--out", dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/holds the outputs of another run.*--force/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(readFileSync(join(dir, "summary.json")).equals(before)).toBe(true);
  });

  it("with --force it is replaced, the other format's file included: one consistent result", async () => {
    const dir = join(work, "forced");
    await runScenario(smallInputs(), { inline: true, outDir: dir, format: "parquet" });
    const { io, err } = quietIo();
    const code = await runCommand(smallInputs(["seed=7"]), runOptions(dir, { force: true }), io);
    expect(code, err()).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["fan.json", "paths.csv", "run.json", "summary.json"]);
    expect(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")).seed).toBe(7);
    expect((await verifyRun(dir, { sample: 4 })).ok).toBe(true);
  });

  it("re-running the same run in the other format needs no --force and leaves only the new format", async () => {
    const dir = join(work, "same-run");
    await runScenario(smallInputs(), { inline: true, outDir: dir });
    await runScenario(smallInputs(), { inline: true, outDir: dir, format: "parquet" });
    expect(readdirSync(dir).sort()).toEqual(["fan.json", "paths.parquet", "run.json", "summary.json"]);
    expect((await verifyRun(dir, { sample: 4 })).ok).toBe(true);
    await runScenario(smallInputs(), { inline: true, outDir: dir });
    expect(readdirSync(dir).sort()).toEqual(["fan.json", "paths.csv", "run.json", "summary.json"]);
  });

  it("files cascade does not write are left alone", async () => {
    const dir = join(work, "with-notes");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "notes.txt"), "mine\n");
    await runScenario(smallInputs(), { inline: true, outDir: dir });
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine\n");
  });

  it("a merge into another run's directory is refused", async () => {
    const dir = join(work, "merge-into-other");
    await runScenario(smallInputs(["seed=9"]), { inline: true, outDir: dir });
    const shards = [];
    for (const i of [1, 2]) {
      const d = join(work, `m-shard-${i}`);
      await runScenario(smallInputs(), { inline: true, outDir: d, shard: { index: i, count: 2 } });
      shards.push(d);
    }
    const err = await mergeShards(shards, { outDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/holds the outputs of another run/);
    await mergeShards(shards, { outDir: dir, force: true });
    expect((await verifyRun(dir, { sample: 4 })).ok).toBe(true);
  });

  it("a sweep refuses a run's directory and another sweep's, accepts its own again, and replaces with --force", async () => {
    const file = join(work, "sweep.yaml");
    writeFileSync(
      file,
      "overrides: { accounts.count: 200, steps: 30 }\naxes:\n  - { key: market.book.depth.size, values: [0.02, 0.04] }\n",
    );
    const runDir = join(work, "sweep-into-run");
    await runScenario(smallInputs(), { inline: true, outDir: runDir });
    const raw = (out: string, extra: Record<string, unknown> = {}) => ({ paths: "10", threads: "1", quiet: true, out, ...extra });
    await expect(sweepAction(file, raw(runDir), quietIo().io)).rejects.toThrow(/holds the outputs of another run/);
    expect(await sweepAction(file, raw(runDir, { force: true }), quietIo().io)).toBe(0);
    expect(readdirSync(runDir).sort()).toEqual(["sweep.csv", "sweep.json"]);

    const sweepDir = join(work, "sweep-again");
    expect(await sweepAction(file, raw(sweepDir, { keepPaths: true }), quietIo().io)).toBe(0);
    expect(await sweepAction(file, raw(sweepDir, { keepPaths: true }), quietIo().io)).toBe(0); // the same sweep again
    await expect(sweepAction(file, raw(sweepDir, { seed: "5" }), quietIo().io)).rejects.toThrow(/another sweep/);
    // a point directory of another run is refused before anything runs
    const pointClash = join(work, "point-clash");
    cpSync(sweepDir, pointClash, { recursive: true });
    rmSync(join(pointClash, "sweep.json"));
    rmSync(join(pointClash, "sweep.csv"));
    rmSync(join(pointClash, "point-001"), { recursive: true });
    cpSync(runDir.replace("sweep-into-run", "other"), join(pointClash, "point-001"), { recursive: true });
    await expect(sweepAction(file, raw(pointClash, { keepPaths: true }), quietIo().io)).rejects.toThrow(
      /point-001 holds the outputs of another run/,
    );
    expect(await sweepAction(file, raw(pointClash, { keepPaths: true, force: true }), quietIo().io)).toBe(0);
    expect((await verifyRun(join(pointClash, "point-001"), { sample: 2 })).ok).toBe(true);
  });
});
