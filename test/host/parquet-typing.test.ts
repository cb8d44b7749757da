// Parquet typing: in paths.parquet the counts are integers, the flag a boolean and every other metric DOUBLE;
// sweep.parquet (the long format) is typed column by column; and every Parquet file the tool writes carries the
// seed, the scenario hash and the engine version as key-value metadata. Read back by DuckDB (an independent
// reader) and checked against what the run itself says in paths.csv, summary.json and sweep.csv.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../src/config/load.js";
import { METRIC_NAMES, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { mergeShards } from "../../src/mc/merge.js";
import { runScenario } from "../../src/mc/run.js";
import { readPathsCsv } from "../../src/report/csv.js";
import { ParquetSink } from "../../src/report/parquet.js";
import { loadSweep } from "../../src/sweep/load.js";
import { mergeSweepShards } from "../../src/sweep/merge.js";
import { runSweep, runSweepShard } from "../../src/sweep/run.js";

const work = mkdtempSync(join(tmpdir(), "cascade-parquet-typing-"));
let duck: DuckDBInstance;
let con: DuckDBConnection;

beforeAll(async () => {
  duck = await DuckDBInstance.create(":memory:");
  con = await duck.connect();
});
afterAll(() => {
  con?.closeSync();
  duck?.closeSync();
  rmSync(work, { recursive: true, force: true });
});

const sql = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The physical type of every leaf column, in file order, as DuckDB's parquet_schema reports it. */
async function physicalTypes(file: string): Promise<[string, string][]> {
  const rows = (await con.runAndReadAll(`SELECT name, type, converted_type FROM parquet_schema(${sql(file)})`)).getRowObjectsJS();
  return rows.slice(1).map((r) => [String(r.name), r.converted_type === "UTF8" ? "STRING" : String(r.type)]);
}

/** The footer's key-value metadata as DuckDB reads it. */
async function kvMetadata(file: string): Promise<Record<string, string>> {
  const rows = (await con.runAndReadAll(`SELECT key, value FROM parquet_kv_metadata(${sql(file)})`)).getRowObjectsJS();
  const text = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : String(v));
  return Object.fromEntries(rows.map((r) => [text(r.key), text(r.value)]));
}

const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as Record<string, unknown>;

/** What the metadata of a run directory's paths.parquet must say: its summary.json's seed, scenario hash and engine version. */
async function expectRunMetadata(dir: string): Promise<void> {
  const s = summaryOf(dir);
  expect(await kvMetadata(join(dir, "paths.parquet")), dir).toMatchObject({
    seed: String(s.seed),
    scenarioHash: s.scenarioHash,
    engineVersion: s.engineVersion,
  });
}

// Written out here, not taken from the code under test: the columns of paths.parquet that are not DOUBLE.
const INTEGER_AND_FLAG: Record<string, string> = {
  liquidations: "INT64",
  adlCount: "INT64",
  maxRoundsInStep: "INT32",
  firstLiquidationStep: "INT32",
  bookExhausted: "BOOLEAN",
};

describe("paths.parquet", () => {
  // the embedded crash without its shock: liquidations in most paths, none in some (firstLiquidationStep −1)
  const sets = ["paths=120", "accounts.count=300", "market.price.shocks=[]"];
  let csvDir: string;
  let pqDir: string;

  beforeAll(async () => {
    csvDir = join(work, "run-csv");
    pqDir = join(work, "run-parquet");
    await runScenario(loadScenario(undefined, sets), { inline: true, outDir: csvDir });
    await runScenario(loadScenario(undefined, sets), { inline: true, outDir: pqDir, format: "parquet" });
  });

  it("types path, liquidations and adlCount INT64, maxRoundsInStep and firstLiquidationStep INT32, bookExhausted BOOLEAN, every other metric DOUBLE", async () => {
    expect(await physicalTypes(join(pqDir, "paths.parquet"))).toEqual([
      ["path", "INT64"],
      ...METRIC_NAMES.map((n): [string, string] => [n, INTEGER_AND_FLAG[n] ?? "DOUBLE"]),
    ]);
  });

  it("gives back every value of paths.csv: the integers as integers, the flag as a boolean, the doubles bit for bit", async () => {
    const csv = await readPathsCsv(join(csvDir, "paths.csv"));
    const reader = await con.runAndReadAll(`SELECT * FROM read_parquet(${sql(join(pqDir, "paths.parquet"))}) ORDER BY path`);
    const cols = reader.getColumns();
    expect(reader.currentRowCount).toBe(120);
    const seen = { liquidated: 0, none: 0 };
    for (let i = 0; i < csv.count; i++) {
      for (let m = 0; m < RECORD_STRIDE; m++) {
        const name = METRIC_NAMES[m];
        const expected = csv.records[i * RECORD_STRIDE + m];
        const v = cols[m + 1][i];
        const type = INTEGER_AND_FLAG[name] ?? "DOUBLE";
        if (type === "INT64") expect(v, `${name} of path ${i}`).toBe(BigInt(expected));
        else if (type === "BOOLEAN") expect(v, `${name} of path ${i}`).toBe(expected === 1);
        else if (Number.isNaN(expected)) expect(Number.isNaN(v as number)).toBe(true);
        else expect(Object.is(v, expected), `${name} of path ${i}: ${String(v)} vs ${expected}`).toBe(true);
      }
      if (csv.records[i * RECORD_STRIDE + METRIC_NAMES.indexOf("firstLiquidationStep")] < 0) seen.none++;
      else seen.liquidated++;
    }
    // the integers carried something: paths with and without a liquidation (−1)
    expect(seen.liquidated).toBeGreaterThan(0);
    expect(seen.none).toBeGreaterThan(0);
  });

  it("carries the run's seed, scenario hash and engine version (summary.json's): run, shard, merge and resume alike", async () => {
    await expectRunMetadata(pqDir);
    const shards = [1, 2].map((i) => join(work, `shard-${i}`));
    for (const [k, dir] of shards.entries()) {
      await runScenario(loadScenario(undefined, sets), {
        inline: true,
        outDir: dir,
        format: "parquet",
        shard: { index: k + 1, count: 2 },
      });
      await expectRunMetadata(dir);
    }
    const merged = join(work, "merged");
    await mergeShards(shards, { outDir: merged });
    await expectRunMetadata(merged);
    // the merged file is the single run's, byte for byte, metadata included
    expect(readFileSync(join(merged, "paths.parquet")).equals(readFileSync(join(pqDir, "paths.parquet")))).toBe(true);
    const resumed = join(work, "resumed");
    const abort = new AbortController();
    await runScenario(loadScenario(undefined, sets), {
      inline: true,
      outDir: resumed,
      format: "parquet",
      signal: abort.signal,
      onProgress: (p) => p.done > 0 && abort.abort(),
    });
    await runScenario(loadScenario(undefined, sets), { inline: true, outDir: resumed, format: "parquet", resume: true });
    await expectRunMetadata(resumed);
    expect(readFileSync(join(resumed, "paths.parquet")).equals(readFileSync(join(pqDir, "paths.parquet")))).toBe(true);
  });

  it("refuses to write a value its column cannot give back, naming the metric and the path", async () => {
    const cases: [string, number, RegExp][] = [
      ["liquidations", 1.5, /paths\.parquet: liquidations of path 3 is 1\.5, not an integer \(its column is INT64\)/],
      ["firstLiquidationStep", -0, /firstLiquidationStep of path 3 is -0, not a 32-bit integer/],
      ["maxRoundsInStep", 2 ** 31, /maxRoundsInStep of path 3 is 2147483648, not a 32-bit integer/],
      ["bookExhausted", 2, /bookExhausted of path 3 is 2, not 0 or 1 \(its column is BOOLEAN\)/],
    ];
    for (const [name, value, says] of cases) {
      const dir = mkdtempSync(join(work, "refuse-"));
      const records = new Float64Array(5 * RECORD_STRIDE);
      records[3 * RECORD_STRIDE + METRIC_NAMES.indexOf(name as (typeof METRIC_NAMES)[number])] = value;
      const sink = await ParquetSink.open(dir);
      await sink.writeRecords(0, records, 5);
      await expect(sink.close(), name).rejects.toThrow(says);
    }
  });
});

describe("sweep.parquet", () => {
  let dir: string;
  const file = join(work, "typed.yaml");

  beforeAll(async () => {
    // a number axis with labels, an integer range, a text axis: 2 × 2 × 2 points
    writeFileSync(
      file,
      `overrides: { paths: 30, steps: 40 }
axes:
  - { key: market.book.depth.size, values: [0.02, 0.04], labels: [thin, deep] }
  - { key: accounts.count, min: 200, max: 400, count: 2, integer: true }
  - { key: market.mark.model, values: [last, mid] }
metrics: [badDebt, liquidations, firstLiquidationStep]
`,
    );
    dir = join(work, "sweep");
    const result = await runSweep(loadSweep(file), { inline: true, outDir: dir, format: "parquet" });
    expect(result.points).toHaveLength(8);
  });

  it("is typed: point INT32, label STRING, baseline BOOLEAN, the axes by their values, metric and statistic STRING, value DOUBLE", async () => {
    expect(await physicalTypes(join(dir, "sweep.parquet"))).toEqual([
      ["point", "INT32"],
      ["label", "STRING"],
      ["baseline", "BOOLEAN"],
      ["market.book.depth.size", "DOUBLE"],
      ["accounts.count", "INT64"],
      ["market.mark.model", "STRING"],
      ["metric", "STRING"],
      ["statistic", "STRING"],
      ["value", "DOUBLE"],
    ]);
  });

  it("carries the seed, the base scenario's hash, the sweep's hash and the engine version", async () => {
    const json = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8")) as {
      seed: number;
      sweepHash: string;
      points: { summary?: unknown }[];
    };
    const meta = await kvMetadata(join(dir, "sweep.parquet"));
    expect(meta).toMatchObject({ seed: String(json.seed), sweepHash: json.sweepHash, paths: "30", points: "8" });
    expect(meta.scenarioHash).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.engineVersion).toMatch(/^\d+\.\d+\.\d+\+abi\d+$/);
  });

  it("holds every statistic of sweep.csv, one row per point × metric × statistic, the labels naming the points", async () => {
    const [head, ...rows] = readFileSync(join(dir, "sweep.csv"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => l.split(","));
    const long = (
      await con.runAndReadAll(
        `SELECT point, label, baseline, metric, statistic, value FROM read_parquet(${sql(join(dir, "sweep.parquet"))})`,
      )
    ).getRowObjectsJS();
    // 3 metrics × 22 statistics (16, and the tails' paired differences) + 5 events × 6, per point
    expect(long).toHaveLength(8 * (3 * 22 + 5 * 6));
    const byKey = new Map(long.map((r) => [`${r.point}|${r.metric}|${r.statistic}`, r]));
    let compared = 0;
    for (const row of rows) {
      const point = Number(row[0]);
      const label = row[1];
      for (let c = 0; c < head.length; c++) {
        // sweep.csv names a statistic <metric>_<stat> (p_<event>[_<stat>] for an event; the event's estimate is its mean)
        const m =
          /^(p_[a-zA-Z]+|[a-zA-Z]+)(?:_(mean|ci95_lo|ci95_hi|p50|p95|p99|es99|diff|diff_ci95_lo|diff_ci95_hi|q99_diff|q99_diff_ci95_lo|q99_diff_ci95_hi|es99_diff|es99_diff_ci95_lo|es99_diff_ci95_hi))?$/.exec(
            head[c],
          );
        if (!m || ["point", "label", "baseline", "paths"].includes(head[c]) || head[c].includes(".")) continue;
        if (m[2] === undefined && !m[1].startsWith("p_")) continue;
        const r = byKey.get(`${point}|${m[1]}|${m[2] ?? "mean"}`);
        expect(r, `${point} ${head[c]}`).toBeDefined();
        const expected = Number(row[c]);
        const value = r!.value as number;
        expect(
          Number.isNaN(expected) ? Number.isNaN(value) : value === expected,
          `point ${point} ${head[c]}: ${value} vs ${row[c]}`,
        ).toBe(true);
        expect(r!.label).toBe(label);
        expect(r!.baseline).toBe(row[2] === "1");
        compared++;
      }
    }
    expect(compared).toBe(8 * (3 * 16 + 5 * 6));
    expect([...new Set(long.map((r) => r.label))].sort()).toEqual(["deep", "thin"]);
  });

  it("sweep shards write paths.parquet with each point's seed and scenario hash, and their merge the same sweep.parquet", async () => {
    const shards = [1, 2].map((i) => join(work, `sweep-shard-${i}`));
    for (const [k, d] of shards.entries())
      await runSweepShard(loadSweep(file), { shard: { index: k + 1, count: 2 }, outDir: d, inline: true, format: "parquet" });
    await expectRunMetadata(join(shards[0], "point-000"));
    await expectRunMetadata(join(shards[1], "point-007"));
    const out = join(work, "sweep-merged");
    await mergeSweepShards(shards, { outDir: out });
    expect(readFileSync(join(out, "sweep.parquet")).equals(readFileSync(join(dir, "sweep.parquet")))).toBe(true);
  });
});
