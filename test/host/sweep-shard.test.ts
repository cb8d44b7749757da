// Sweeps at scale: `cascade sweep --shard i/n` + `cascade merge`, and `--resume` after an interruption, give
// the outputs of one uninterrupted, unsharded sweep (the oracle, run here): sweep.csv and sweep.parquet byte
// for byte, sweep.json but for its run times and threads. Shards that do not make one sweep are refused with
// exit 2, one line naming the directory and the field, nothing written.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { runScenario } from "../../src/mc/run.js";
import { loadScenario } from "../../src/config/load.js";
import { ParquetSink, readPathsParquet } from "../../src/report/parquet.js";
import { loadSweep } from "../../src/sweep/load.js";
import { runSweep, runSweepShard, type SweepShardOptions } from "../../src/sweep/run.js";
import { problemsOf } from "../helpers/problems.js";
import { cascade } from "../helpers/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "cascade-sweep-shard-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// 3 × 2 grid with labels on one axis, plus a baseline that is not a design point (an extra 7th point), on a
// small crash: 7 points × 36 paths, so that 3 shards cut points in the middle (84 point-paths each).
const SWEEP_YAML = `overrides: { paths: 36, accounts.count: 300, steps: 40 }
axes:
  - { key: market.book.depth.size, values: [0.01, 0.02, 0.04], labels: [thin, mid, deep] }
  - { key: accounts.leverage.median, values: [10, 20] }
baseline: { market.book.depth.size: 0.03 }
`;
const FILE = join(work, "grid.yaml");
writeFileSync(FILE, SWEEP_YAML);
const sweep = () => loadSweep(FILE);

const read = (dir: string, name: string) => readFileSync(join(dir, name));

/** sweep.json without what no two runs share: wall times, threads and how they were used (point directories relative to it). */
function comparableJson(dir: string): unknown {
  const j = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8")) as Record<string, unknown> & {
    points: Record<string, unknown>[];
  };
  delete j.runtimeMs;
  delete j.threads;
  delete j.parallel;
  for (const p of j.points) {
    delete p.runtimeMs;
    if (p.dir !== undefined) {
      expect(p.dir).toBe(join(dir, `point-00${String(p.index)}`));
      p.dir = `point-00${String(p.index)}`;
    }
  }
  return j;
}

/** The merged (or resumed) directory holds the oracle's outputs: CSV and Parquet byte for byte, JSON but for run times. */
function expectSameOutputs(dir: string, oracle: string): void {
  expect(read(dir, "sweep.csv").toString()).toBe(read(oracle, "sweep.csv").toString());
  expect(read(dir, "sweep.parquet").equals(read(oracle, "sweep.parquet")), "sweep.parquet byte for byte").toBe(true);
  expect(comparableJson(dir)).toEqual(comparableJson(oracle));
}

/** Runs shard i/n of the test sweep into `dir` on this thread. */
async function shard(dir: string, index: number, count: number, options: Partial<SweepShardOptions> = {}) {
  return runSweepShard(sweep(), { shard: { index, count }, outDir: dir, inline: true, format: "parquet", ...options });
}

let oracle: string;
beforeAll(async () => {
  // the oracle: one uninterrupted, unsharded sweep
  oracle = join(work, "oracle");
  const result = await runSweep(sweep(), { outDir: oracle, inline: true, format: "parquet" });
  expect(result.interrupted).toBe(false);
  expect(result.points).toHaveLength(7);
});

describe("a sweep split into shards and merged is the unsharded sweep", () => {
  it("3 shards, merged in any order, give sweep.csv and sweep.parquet byte for byte and sweep.json but for its run times", async () => {
    const dirs = [1, 2, 3].map((i) => join(work, `three-${i}`));
    for (const [k, dir] of dirs.entries()) expect((await shard(dir, k + 1, 3)).interrupted).toBe(false);
    const out = join(work, "three-merged");
    const { code, stdout, stderr } = await cascade("merge", dirs[2], dirs[0], dirs[1], "--out", out);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("grid: grid of 7 points, 36 paths each, seed 42 (common random numbers)"); // the sweep's table
    expect(stderr).toContain("merged 3 sweep shards (7 points, 36 paths each)");
    expectSameOutputs(out, oracle);
    expect(
      readdirSync(out)
        .filter((f) => f.startsWith("sweep"))
        .sort(),
    ).toEqual(["sweep.csv", "sweep.json", "sweep.parquet"]);
    expect(readdirSync(out).filter((f) => f.startsWith("point-"))).toEqual([]); // no --keep-paths: no point directories
  });

  it("each shard runs its share of the point-paths (84 ± 1 of 252), cutting points where the slices fall", async () => {
    const lengths: number[] = [];
    const pieces: string[] = [];
    for (const i of [1, 2, 3]) {
      const dir = join(work, `three-${i}`);
      let total = 0;
      for (const seg of readdirSync(dir)
        .filter((n) => n.startsWith("point-"))
        .sort()) {
        // each segment is an ordinary run directory: its own summary.json says which paths it holds
        const s = JSON.parse(readFileSync(join(dir, seg, "summary.json"), "utf8")) as {
          firstPath: number;
          requestedPaths: number;
          paths: number;
        };
        expect(s.paths).toBe(s.requestedPaths);
        total += s.paths;
        pieces.push(`${i}:${seg}[${s.firstPath},${s.firstPath + s.paths})`);
      }
      lengths.push(total);
    }
    expect(lengths).toEqual([84, 84, 84]);
    // 252 point-paths in point order: shard 1 = points 0, 1 and 12 paths of 2; shard 2 = the rest of 2, 3, 24 of 4; …
    expect(pieces).toEqual([
      "1:point-000[0,36)",
      "1:point-001[0,36)",
      "1:point-002[0,12)",
      "2:point-002[12,36)",
      "2:point-003[0,36)",
      "2:point-004[0,24)",
      "3:point-004[24,36)",
      "3:point-005[0,36)",
      "3:point-006[0,36)",
    ]);
  });

  it("any shard count merges to the same bytes: 2, 5, and more shards (16) than points", async () => {
    for (const n of [2, 5, 16]) {
      const dirs: string[] = [];
      for (let i = 1; i <= n; i++) {
        const dir = join(work, `n${n}-${i}`);
        await shard(dir, i, n);
        dirs.push(dir);
      }
      const out = join(work, `n${n}-merged`);
      const { code, stderr } = await cascade("merge", ...dirs, "--out", out, "--quiet");
      expect(code, stderr).toBe(0);
      expectSameOutputs(out, oracle);
    }
  });

  it("shards on worker pools (points in parallel, paths in parallel) merge to the same bytes", async () => {
    const dirs = [1, 2, 3].map((i) => join(work, `pool-${i}`));
    await shard(dirs[0], 1, 3, { inline: false, threads: 2, parallel: "points" });
    await shard(dirs[1], 2, 3, { inline: false, threads: 2, parallel: "paths" });
    await shard(dirs[2], 3, 3);
    const out = join(work, "pool-merged");
    expect((await cascade("merge", ...dirs, "--out", out, "--quiet")).code).toBe(0);
    expectSameOutputs(out, oracle);
  });

  it("--keep-paths: the merged point-NNN/ hold the unsharded sweep's per-path tables byte for byte", async () => {
    const single = join(work, "keep-single");
    await runSweep(sweep(), { outDir: single, inline: true, keepPaths: true });
    const dirs = [1, 2].map((i) => join(work, `keep-${i}`));
    for (const [k, dir] of dirs.entries()) await shard(dir, k + 1, 2, { keepPaths: true, format: "csv" });
    const out = join(work, "keep-merged");
    const { code, stderr } = await cascade("merge", ...dirs, "--out", out);
    expect(code, stderr).toBe(0);
    expect(read(out, "sweep.csv").toString()).toBe(read(single, "sweep.csv").toString());
    expect(comparableJson(out)).toEqual(comparableJson(single));
    for (let p = 0; p < 7; p++) {
      const name = `point-00${p}`;
      expect(read(join(out, name), "paths.csv").equals(read(join(single, name), "paths.csv")), name).toBe(true);
    }
    expect(existsSync(join(out, "sweep.parquet"))).toBe(false); // --format csv
  });
});

describe("merge refuses shards that do not make one sweep: exit 2, one line naming the field, nothing written", () => {
  const dirs = [1, 2, 3].map((i) => join(work, `three-${i}`));
  let other: string;
  let halves: string[];
  let interrupted: string;
  let runShard: string;
  let edited: string;

  beforeAll(async () => {
    other = join(work, "other-seed-3");
    await runSweepShard(loadSweep(FILE, ["seed=7"]), {
      shard: { index: 3, count: 3 },
      outDir: other,
      inline: true,
      format: "parquet",
    });
    halves = [1, 2].map((i) => join(work, `half-${i}`));
    for (const [k, dir] of halves.entries()) await shard(dir, k + 1, 2);
    interrupted = join(work, "stopped-2");
    const abort = new AbortController();
    const r = await shard(interrupted, 2, 3, { signal: abort.signal, onSegment: () => abort.abort() });
    expect(r.interrupted).toBe(true);
    runShard = join(work, "run-shard");
    await runScenario(loadScenario(undefined, ["paths=36"]), { inline: true, outDir: runShard, shard: { index: 1, count: 3 } });
    edited = join(work, "edited-3");
    cpSync(dirs[2], edited, { recursive: true });
    // a segment rewritten with one value changed (path 0's liquidatedNotional): it no longer hashes to its summary.json
    const segment = join(edited, "point-005");
    const rows = await readPathsParquet(join(segment, "paths.parquet"));
    rmSync(join(segment, "paths.parquet"));
    rows.records[1] += 1;
    const sink = await ParquetSink.open(segment);
    await sink.writeRecords(rows.paths[0], rows.records, rows.count);
    await sink.close();
  });

  const cases: { name: string; dirs: () => string[]; says: () => RegExp }[] = [
    {
      name: "a missing shard",
      dirs: () => [dirs[0], dirs[1]],
      says: () => /point 4 path 24 to point 6 path 35 are in no directory \(shard 3\/3 missing\?\)/,
    },
    { name: "a shard given twice", dirs: () => [dirs[0], dirs[1], dirs[2], dirs[1]], says: () => /three-2 must be given once/ },
    {
      name: "a shard of another sweep (another seed)",
      dirs: () => [dirs[0], dirs[1], other],
      says: () => /other-seed-3\/sweep-shard\.json: sweepHash must be .* \(received .*\): shards of another sweep/,
    },
    {
      name: "shards of another split",
      dirs: () => [dirs[0], halves[1]],
      says: () => /half-2\/sweep-shard\.json: shard count must be 3 as in .*three-1 \(received 2\)/,
    },
    {
      name: "an interrupted shard",
      dirs: () => [dirs[0], interrupted, dirs[2]],
      says: () =>
        /stopped-2\/sweep-shard\.json: finished must be true \(received false\): shard 2\/3 was interrupted; finish it with cascade sweep SWEEP --shard 2\/3 --resume /,
    },
    {
      name: "a run's shard among a sweep's",
      dirs: () => [dirs[0], runShard],
      says: () => /run-shard must be a sweep shard like .*three-1 \(received no sweep-shard\.json\)/,
    },
    {
      name: "a value changed in a segment",
      dirs: () => [dirs[0], dirs[1], edited],
      says: () => /edited-3\/point-005\/paths\.parquet must hash to the recordsHash/,
    },
  ];
  it.each(cases)("$name", async ({ name, dirs: given, says }) => {
    const out = join(work, `refused-${name.replace(/\W+/g, "-")}`);
    const { code, stdout, stderr } = await cascade("merge", ...given(), "--out", out);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(
      lines.every((l) => l.startsWith("error: ")),
      stderr,
    ).toBe(true);
    expect(stderr).toMatch(says());
    expect(existsSync(join(out, "sweep.csv"))).toBe(false);
    expect(existsSync(join(out, "sweep.json"))).toBe(false);
  });
});

describe("an interrupted sweep, resumed, is the uninterrupted sweep", () => {
  it("unsharded: stopped after the baseline and two points, --resume finishes it to the same bytes", async () => {
    const dir = join(work, "resume-single");
    const abort = new AbortController();
    let finished = 0;
    const first = await runSweep(sweep(), {
      outDir: dir,
      inline: true,
      format: "parquet",
      signal: abort.signal,
      onPoint: () => ++finished === 3 && abort.abort(),
    });
    expect(first.interrupted).toBe(true);
    expect(first.points).toHaveLength(3);
    expect(JSON.parse(read(dir, "sweep.json").toString())).toMatchObject({ interrupted: true });
    expect(readdirSync(dir)).toContain("sweep-checkpoint.jsonl");
    const { code, stderr } = await cascade("sweep", FILE, "--resume", dir, "--format", "parquet", "--threads", "1", "--quiet");
    expect(code, stderr).toBe(0);
    expectSameOutputs(dir, oracle);
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith("sweep"))
        .sort(),
    ).toEqual(["sweep.csv", "sweep.json", "sweep.parquet"]); // the checkpoint is gone
  });

  it("unsharded: stopped before any point finished, --resume runs them all", async () => {
    const dir = join(work, "resume-none");
    const abort = new AbortController();
    abort.abort();
    const first = await runSweep(sweep(), { outDir: dir, inline: true, format: "parquet", signal: abort.signal });
    expect([first.interrupted, first.points.length]).toEqual([true, 0]);
    const second = await runSweep(sweep(), { outDir: dir, inline: true, format: "parquet", resume: true });
    expect(second.interrupted).toBe(false);
    expectSameOutputs(dir, oracle);
  });

  it("a shard stopped half-way through a point keeps that point's rows, and --resume continues from them", async () => {
    const dir = join(work, "resume-shard-2");
    const abort = new AbortController();
    // stop inside the shard's first segment (point 2, paths 12–35): a run interrupted there keeps its rows
    const first = await shard(dir, 2, 3, { signal: abort.signal, onProgress: (p) => p.done > 0 && abort.abort() });
    expect(first.interrupted).toBe(true);
    expect(first.manifest.finished).toBe(false);
    expect(readdirSync(join(dir, "point-002"))).toContain("paths.parquet.partial");
    const kept = JSON.parse(read(join(dir, "point-002"), "summary.json").toString()) as { paths: number; interrupted: boolean };
    expect(kept.interrupted).toBe(true);
    expect(kept.paths).toBeGreaterThan(0);
    expect(kept.paths).toBeLessThan(24);
    const { code, stderr } = await cascade(
      "sweep",
      FILE,
      "--shard",
      "2/3",
      "--resume",
      dir,
      "--format",
      "parquet",
      "--threads",
      "1",
      "--quiet",
    );
    expect(code, stderr).toBe(0);
    const out = join(work, "resume-shard-merged");
    expect((await cascade("merge", join(work, "three-1"), dir, join(work, "three-3"), "--out", out, "--quiet")).code).toBe(0);
    expectSameOutputs(out, oracle);
  });

  it("--resume of a finished shard does nothing more and exits 0", async () => {
    const dir = join(work, "finished-again");
    cpSync(join(work, "three-1"), dir, { recursive: true });
    const before = readdirSync(join(dir, "point-000")).map((f) => [f, read(join(dir, "point-000"), f).toString()]);
    const { code, stderr } = await cascade("sweep", FILE, "--shard", "1/3", "--resume", dir, "--format", "parquet", "--quiet");
    expect(code, stderr).toBe(0);
    expect(readdirSync(join(dir, "point-000")).map((f) => [f, read(join(dir, "point-000"), f).toString()])).toEqual(before);
  });

  it("--resume refuses a directory of another shard, sweep or nothing, naming what differs (exit 2)", async () => {
    const shardDir = join(work, "three-1");
    const cases: [string[], RegExp][] = [
      [
        ["--shard", "2/3", "--resume", shardDir],
        /shard of the interrupted shard is "1\/3", this shard's is "2\/3" \(the same --shard is needed\)/,
      ],
      [
        ["--shard", "1/3", "--resume", shardDir, "--paths", "40"],
        /sweepHash of the interrupted shard is .*, this shard's is .* \(the same sweep file, --set, --paths, --seed and --engine are needed\)/,
      ],
      [
        ["--shard", "1/3", "--resume", shardDir, "--format", "csv"],
        /format of the interrupted shard is "parquet", this shard's is "csv"/,
      ],
      [
        ["--resume", shardDir],
        /the directory holds a sweep shard \(sweep-shard\.json\): give the same --shard i\/n to resume it/,
      ],
      [["--resume", join(work, "nowhere")], /--resume .*nowhere: no sweep-checkpoint\.jsonl there \(no such directory\)/],
      [
        ["--resume", oracle, "--format", "parquet"],
        /the sweep there is finished \(sweep\.json: interrupted false\), nothing to resume/,
      ],
    ];
    for (const [argv, says] of cases) {
      const { code, stdout, stderr } = await cascade("sweep", FILE, ...argv, "--quiet");
      expect(code, stderr).toBe(2);
      expect(stdout).toBe("");
      expect(stderr, argv.join(" ")).toMatch(says);
      expect(
        stderr
          .trimEnd()
          .split("\n")
          .every((l) => l.startsWith("error: ")),
      ).toBe(true);
    }
  });

  it("a shard directory refuses another shard's run without --force, and --force replaces it", async () => {
    const dir = join(work, "replace");
    cpSync(join(work, "three-1"), dir, { recursive: true });
    const refused = await cascade("sweep", FILE, "--shard", "2/3", "--out", dir, "--format", "parquet", "--quiet");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /holds the outputs of another run \(its sweep-shard\.json is of shard 1\/3, this one is 2\/3\)/,
    );
    const forced = await cascade(
      "sweep",
      FILE,
      "--shard",
      "2/3",
      "--out",
      dir,
      "--format",
      "parquet",
      "--quiet",
      "--force",
      "--threads",
      "1",
    );
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["point-002", "point-003", "point-004", "sweep-shard.json"]);
  });
});

describe("Ctrl-C", () => {
  it("stops a sweep shard with exit 130, keeping what finished, and --resume finishes it to the unsharded sweep's bytes", async () => {
    // big enough that the shard is still running when the signal comes: 8 points × 600 paths
    const file = join(work, "slow.yaml");
    writeFileSync(
      file,
      "overrides: { paths: 600, accounts.count: 2000, steps: 100 }\naxes:\n  - { key: market.book.depth.size, values: [0.01, 0.02, 0.03, 0.04] }\n  - { key: accounts.leverage.median, values: [10, 20] }\n",
    );
    const dir = join(work, "sigint-1");
    const child = spawn(
      process.execPath,
      [join(ROOT, "dist/cli/main.js"), "sweep", file, "--shard", "1/2", "--out", dir, "--threads", "1"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
      if (/point \d+ paths .* done/.test(stderr) && !child.killed) child.kill("SIGINT");
    });
    const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted: shard 1\/2 written to .* as far as it got; finish with --shard 1\/2 --resume /);
    expect(JSON.parse(read(dir, "sweep-shard.json").toString())).toMatchObject({ finished: false, shard: "1/2" });

    const resumed = await cascade("sweep", file, "--shard", "1/2", "--resume", dir, "--threads", "1", "--quiet");
    expect(resumed.code, resumed.stderr).toBe(0);
    const second = join(work, "sigint-2");
    expect((await cascade("sweep", file, "--shard", "2/2", "--out", second, "--threads", "1", "--quiet")).code).toBe(0);
    const merged = join(work, "sigint-merged");
    expect((await cascade("merge", dir, second, "--out", merged, "--quiet")).code).toBe(0);
    const single = join(work, "sigint-single");
    expect((await cascade("sweep", file, "--out", single, "--threads", "1", "--quiet")).code).toBe(0);
    expect(read(merged, "sweep.csv").toString()).toBe(read(single, "sweep.csv").toString());
  }, 120_000);
});

describe("labels name the points", () => {
  it("a labelled axis names each point in sweep.csv, sweep.json and the table; the added baseline by its value", () => {
    const csv = read(oracle, "sweep.csv").toString().trimEnd().split("\n");
    expect(csv[0]).toMatch(/^point,label,baseline,market\.book\.depth\.size,accounts\.leverage\.median,paths,/);
    expect(csv.slice(1).map((l) => l.split(",").slice(0, 5).join(","))).toEqual([
      "0,thin,0,0.01,10",
      "1,thin,0,0.01,20",
      "2,mid,0,0.02,10",
      "3,mid,0,0.02,20",
      "4,deep,0,0.04,10",
      "5,deep,0,0.04,20",
      "6,0.03,1,0.03,10",
    ]);
    const json = JSON.parse(read(oracle, "sweep.json").toString()) as {
      points: { label: string }[];
      design: { axes: { labels?: string[] }[] };
    };
    expect(json.points.map((p) => p.label)).toEqual(["thin", "thin", "mid", "mid", "deep", "deep", "0.03"]);
    expect(json.design.axes[0].labels).toEqual(["thin", "mid", "deep"]);
  });

  it("labels on two axes join with ' / '; without labels a point keeps its name point-NNN and sweep.csv its columns", () => {
    const two = join(work, "two-labels.yaml");
    writeFileSync(
      two,
      "axes:\n  - { key: market.book.depth.size, values: [1, 2], labels: [thin, deep] }\n  - { key: accounts.leverage.median, values: [5, 10], labels: [low, high] }\n",
    );
    expect(loadSweep(two).points.map((p) => p.label)).toEqual(["thin / low", "thin / high", "deep / low", "deep / high"]);
    const none = join(work, "no-labels.yaml");
    writeFileSync(none, "axes:\n  - { key: market.book.depth.size, values: [1, 2] }\n");
    expect(loadSweep(none).points.map((p) => p.label)).toEqual(["point-000", "point-001"]);
  });

  it("labels must name each value once, and only values", () => {
    const bad = join(work, "bad-labels.yaml");
    writeFileSync(
      bad,
      "axes:\n  - { key: market.book.depth.size, values: [1, 2], labels: [thin] }\n  - { key: accounts.leverage.median, min: 5, max: 10, count: 2, labels: [a, b] }\n  - { key: insurance.initialBalance, values: [1, 2], labels: [x, x] }\n",
    );
    expect(problemsOf(() => loadSweep(bad)).sort()).toEqual([
      'axes[0].labels must give one label per value (2 values) (received "1 labels")',
      'axes[1].labels is only used with values (a list): a label names each value (received ["a","b"])',
      'axes[2].labels[1] must differ from axes[2].labels[0] (received "x")',
    ]);
    expect(() => loadSweep(bad)).toThrow(InputError);
  });
});
