// Finding 2: a value changed in a `.partial` file before --resume, or in a shard before `cascade merge`, is
// refused (exit 2, naming the file), never carried into an output that `verify` passes. --resume keeps only
// the rows a checkpoint's records hash vouches for; merge checks each shard's paths file against the
// recordsHash of its summary.json.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { RECORD_STRIDE } from "../../src/engine/metrics.js";
import { mergeShards } from "../../src/mc/merge.js";
import { runScenario, type OutputFormat } from "../../src/mc/run.js";
import { verifyRun } from "../../src/mc/verify.js";
import { ParquetSink, readPathsParquet } from "../../src/report/parquet.js";
import { cascade, smallInputs } from "../helpers/hardening-output.js";

const work = mkdtempSync(join(tmpdir(), "cascade-hardening-tamper-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PATHS = 400;
const inputs = () => smallInputs([], PATHS);
const SETS = ["--paths", String(PATHS), "--set", "accounts.count=2000", "--threads", "1", "--quiet"];

/** An interrupted run (stopped after ≥ `after` paths) in a fresh directory. */
async function interrupted(name: string, format: OutputFormat, after = 100): Promise<string> {
  const dir = join(work, name);
  const abort = new AbortController();
  const r = await runScenario(inputs(), {
    inline: true,
    outDir: dir,
    format,
    signal: abort.signal,
    onProgress: (p) => p.done >= after && abort.abort(),
  });
  expect(r.interrupted).toBe(true);
  return dir;
}

/** Changes one metric value of one data row of a CSV file in place (same length: a digit changed). */
function editCsvValue(file: string, row: number): void {
  const lines = readFileSync(file, "utf8").split("\n");
  const fields = lines[row].split(",");
  const f = fields.findIndex((v, i) => i > 0 && /[1-8]/.test(v));
  fields[f] = fields[f].replace(/[1-8]/, (d) => String(Number(d) + 1));
  lines[row] = fields.join(",");
  writeFileSync(file, lines.join("\n"));
}

let whole: string;
beforeAll(async () => {
  whole = join(work, "whole");
  await runScenario(inputs(), { inline: true, outDir: whole });
});

describe("--resume keeps only rows whose records hash checks out", () => {
  it("a value changed in paths.csv.partial is refused, naming the file (library and CLI exit 2)", async () => {
    const dir = await interrupted("csv-edited", "csv");
    const partial = join(dir, "paths.csv.partial");
    editCsvValue(partial, 5);
    const err = await runScenario(inputs(), { inline: true, outDir: dir, resume: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(partial);
    expect((err as Error).message).toMatch(/records hash/);
    const { code, stderr } = await cascade("run", ...SETS, "--resume", dir);
    expect(code).toBe(2);
    expect(stderr).toContain(partial);
  });

  it("also without checkpoint.json: the interrupted run's summary.json vouches for its rows", async () => {
    const dir = await interrupted("csv-no-checkpoint", "csv");
    rmSync(join(dir, "checkpoint.json"));
    editCsvValue(join(dir, "paths.csv.partial"), 7);
    await expect(runScenario(inputs(), { inline: true, outDir: dir, resume: true })).rejects.toThrow(
      /paths\.csv\.partial.*records hash/,
    );
  });

  it("a value changed in a finished run's paths.csv is refused by --resume too", async () => {
    const dir = join(work, "finished-edited");
    cpSync(whole, dir, { recursive: true });
    editCsvValue(join(dir, "paths.csv"), 3);
    await expect(runScenario(inputs(), { inline: true, outDir: dir, resume: true })).rejects.toThrow(InputError);
  });

  it("a value changed in paths.parquet.partial is refused, naming the file", async () => {
    const dir = await interrupted("parquet-edited", "parquet");
    const partial = join(dir, "paths.parquet.partial");
    const rows = await readPathsParquet(partial);
    rows.records[3 * RECORD_STRIDE + 1] += 1e6; // path 3's liquidated notional
    rmSync(partial);
    const sink = await ParquetSink.open(dir);
    await sink.writeRecords(0, rows.records, rows.count);
    await sink.abort(); // a complete .partial of the edited rows
    const err = await runScenario(inputs(), { inline: true, outDir: dir, format: "parquet", resume: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(partial);
  });

  it("rows past the checkpoint (a kill after they were written) are dropped and computed again: the result is the true run's", async () => {
    const dir = await interrupted("csv-unvouched", "csv");
    const partial = join(dir, "paths.csv.partial");
    const done = readFileSync(partial, "utf8").split("\n").length - 2;
    // rows the checkpoint does not cover, one of them wrong, and half a row cut by the kill
    const truth = readFileSync(join(whole, "paths.csv"), "utf8").split("\n");
    const extra = truth.slice(done + 1, done + 21);
    extra[4] = extra[4].replace(/,(\d)/, (_m, d: string) => `,${(Number(d) + 1) % 10}`);
    writeFileSync(partial, readFileSync(partial, "utf8") + extra.join("\n") + "\n" + truth[done + 22].slice(0, 30));
    await runScenario(inputs(), { inline: true, outDir: dir, resume: true });
    expect(readFileSync(join(dir, "paths.csv")).equals(readFileSync(join(whole, "paths.csv")))).toBe(true);
    expect((await verifyRun(dir, { sample: 4 })).ok).toBe(true);
  });

  it("an untouched interruption still resumes to the uninterrupted run's bytes (csv and parquet)", async () => {
    for (const format of ["csv", "parquet"] as OutputFormat[]) {
      const ref = join(work, `ref-${format}`);
      await runScenario(inputs(), { inline: true, outDir: ref, format });
      const dir = await interrupted(`clean-${format}`, format);
      await runScenario(inputs(), { inline: true, outDir: dir, format, resume: true });
      const name = format === "csv" ? "paths.csv" : "paths.parquet";
      expect(readFileSync(join(dir, name)).equals(readFileSync(join(ref, name)))).toBe(true);
    }
  });
});

describe("merge checks each shard's paths file against its own recordsHash", () => {
  const shards: Record<OutputFormat, string[]> = { csv: [], parquet: [] };
  beforeAll(async () => {
    for (const format of ["csv", "parquet"] as OutputFormat[]) {
      for (const i of [1, 2, 3]) {
        const d = join(work, `shard-${format}-${i}`);
        await runScenario(inputs(), { inline: true, outDir: d, format, shard: { index: i, count: 3 } });
        shards[format].push(d);
      }
    }
  });

  it("a value changed in a shard's paths.csv is refused (exit 2), naming the file", async () => {
    const edited = join(work, "shard-csv-2-edited");
    cpSync(shards.csv[1], edited, { recursive: true });
    editCsvValue(join(edited, "paths.csv"), 10);
    const out = join(work, "merged-edited");
    const { code, stdout, stderr } = await cascade("merge", shards.csv[0], edited, shards.csv[2], "--out", out);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(join(edited, "paths.csv"));
    expect(stderr).toMatch(/recordsHash/);
  });

  it("a value changed in a shard's paths.parquet is refused", async () => {
    const edited = join(work, "shard-parquet-3-edited");
    cpSync(shards.parquet[2], edited, { recursive: true });
    const file = join(edited, "paths.parquet");
    const rows = await readPathsParquet(file);
    rows.records[5 * RECORD_STRIDE + 3] = -rows.records[5 * RECORD_STRIDE + 3];
    rmSync(file);
    const sink = await ParquetSink.open(edited);
    await sink.writeRecords(rows.paths[0], rows.records, rows.count);
    await sink.close();
    const err = await mergeShards([shards.parquet[0], shards.parquet[1], edited], {
      outDir: join(work, "merged-pq-edited"),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(file);
  });

  it("a shard whose summary.json has no recordsHash is refused", async () => {
    const stripped = join(work, "shard-csv-1-nohash");
    cpSync(shards.csv[0], stripped, { recursive: true });
    const s = JSON.parse(readFileSync(join(stripped, "summary.json"), "utf8"));
    delete s.recordsHash;
    writeFileSync(join(stripped, "summary.json"), JSON.stringify(s));
    const { code, stderr } = await cascade("merge", stripped, shards.csv[1], shards.csv[2], "--out", join(work, "merged-nohash"));
    expect(code).toBe(2);
    expect(stderr).toMatch(/recordsHash/);
  });

  it("untouched shards still merge, and the result verifies", async () => {
    const out = join(work, "merged-ok");
    await mergeShards(shards.csv, { outDir: out });
    expect(readFileSync(join(out, "paths.csv")).equals(readFileSync(join(whole, "paths.csv")))).toBe(true);
    expect((await verifyRun(out, { sample: 4 })).ok).toBe(true);
  });
});

describe("a run killed hard mid-write", () => {
  it("leaves checkpoint.json vouching for the rows in the file; --resume keeps them and the result verifies", async () => {
    const { spawn } = await import("node:child_process");
    const { existsSync } = await import("node:fs");
    const { CLI, ROOT } = await import("../helpers/hardening-output.js");
    const dir = join(work, "killed");
    const args = ["run", "--paths", "60000", "--set", "accounts.count=3000", "--threads", "1", "--quiet", "--out", dir];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    // kill it as soon as a checkpoint vouches for some rows
    for (let seen = false; !seen; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      try {
        seen = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")).rows > 0;
      } catch {
        seen = false; // not there yet
      }
      if (child.exitCode !== null) break;
    }
    child.kill("SIGKILL");
    expect(await exited, "the run finished before it could be killed").toBe("SIGKILL");
    const checkpoint = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8"));
    expect(checkpoint.rows).toBeGreaterThan(0);
    expect(existsSync(join(dir, ".cascade.lock"))).toBe(true); // the dead process's lock: taken over below
    const { code, stderr } = await cascade(
      "run",
      "--paths",
      "60000",
      "--set",
      "accounts.count=3000",
      "--threads",
      "2",
      "--quiet",
      "--resume",
      dir,
    );
    expect(code, stderr).toBe(0);
    const report = await verifyRun(dir, { sample: 8 });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(existsSync(join(dir, "checkpoint.json"))).toBe(false);
    expect(existsSync(join(dir, ".cascade.lock"))).toBe(false);
  }, 120_000);
});
