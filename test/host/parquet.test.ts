// paths.parquet: written by ParquetSink (hyparquet-writer), read back by an independent implementation
// (DuckDB's C++ Parquet reader) and compared bit for bit with paths.csv of the same run.
import { copyFile, mkdtemp, readFile, rm, truncate, stat, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { METRIC_NAMES, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { runScenario } from "../../src/mc/run.js";
import { readPathsCsv, type PathsCsv } from "../../src/report/csv.js";
import { ParquetSink, readPathsParquet } from "../../src/report/parquet.js";
import { baseScenario } from "../helpers/scenario.js";

let tmp: string;
let duck: DuckDBInstance;
let con: DuckDBConnection;

function inputs(paths: number): ScenarioInputs {
  return { scenario: { ...baseScenario(), paths } };
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The columns of paths.parquet that are not DOUBLE (counts, a step, a round count, a flag). */
const NOT_DOUBLE: Record<string, string> = {
  liquidations: "INT64",
  adlCount: "INT64",
  maxRoundsInStep: "INT32",
  firstLiquidationStep: "INT32",
  bookExhausted: "BOOLEAN",
};
const DUCK_TYPE: Record<string, string> = { INT64: "BIGINT", INT32: "INTEGER", BOOLEAN: "BOOLEAN", DOUBLE: "DOUBLE" };
const typeOf = (name: string) => NOT_DOUBLE[name] ?? "DOUBLE";

/** Any test value made valid for its column: an integer (not −0) for an integer column, 0 or 1 for the flag. */
function fitColumn(m: number, x: number): number {
  const type = typeOf(METRIC_NAMES[m]);
  if (type === "DOUBLE") return x;
  const k = Number.isFinite(x) ? Math.trunc(x) % 1000 : 7;
  if (type === "BOOLEAN") return Math.abs(k) % 2;
  return k === 0 ? 0 : k;
}

/** A DuckDB value of a paths.parquet column as the record's f64: BIGINT as bigint, BOOLEAN as boolean. */
const asNumber = (v: unknown) => (typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? (v ? 1 : 0) : (v as number));

/** The whole file through DuckDB, in file order: path (bigint → number) and path-major records. */
async function duckRead(file: string): Promise<PathsCsv> {
  const reader = await con.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)})`);
  expect(reader.columnNames()).toEqual(["path", ...METRIC_NAMES]);
  const cols = reader.getColumns();
  const count = reader.currentRowCount;
  const paths = new Float64Array(count);
  const records = new Float64Array(count * RECORD_STRIDE);
  for (let i = 0; i < count; i++) {
    const p = cols[0][i];
    expect(typeof p).toBe("bigint");
    paths[i] = Number(p);
    for (let m = 0; m < RECORD_STRIDE; m++) records[i * RECORD_STRIDE + m] = asNumber(cols[m + 1][i]);
  }
  return { paths, records, count };
}

/** Every value identical as an f64 bit pattern; the first difference is printed with its row and column. */
function expectSameRows(actual: PathsCsv, expected: PathsCsv): void {
  expect(actual.count).toBe(expected.count);
  const a = new BigUint64Array(actual.records.buffer, actual.records.byteOffset, actual.records.length);
  const e = new BigUint64Array(expected.records.buffer, expected.records.byteOffset, expected.records.length);
  for (let i = 0; i < expected.count; i++) {
    if (actual.paths[i] !== expected.paths[i]) expect.fail(`row ${i}: path ${actual.paths[i]} (expected ${expected.paths[i]})`);
    for (let m = 0; m < RECORD_STRIDE; m++) {
      const j = i * RECORD_STRIDE + m;
      if (a[j] !== e[j]) {
        expect.fail(
          `row ${i} ${METRIC_NAMES[m]}: ${actual.records[j]} bits ${a[j].toString(16)} (expected ${expected.records[j]} bits ${e[j].toString(16)})`,
        );
      }
    }
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "cascade-parquet-"));
  duck = await DuckDBInstance.create(":memory:");
  con = await duck.connect();
});

afterAll(async () => {
  con?.closeSync();
  duck?.closeSync();
  await rm(tmp, { recursive: true, force: true });
});

describe("cascade run --format parquet", () => {
  let csvDir: string;
  let pqDir: string;

  beforeAll(async () => {
    csvDir = join(tmp, "csv");
    pqDir = join(tmp, "parquet");
    await runScenario(inputs(300), { outDir: csvDir, format: "csv", inline: true });
    await runScenario(inputs(300), { outDir: pqDir, format: "parquet", inline: true });
  });

  it("writes paths.parquet (no .partial, no paths.csv) next to summary.json", async () => {
    const files = await readdir(pqDir);
    expect(files).toEqual(expect.arrayContaining(["paths.parquet", "summary.json"]));
    expect(files.filter((f) => f.startsWith("paths."))).toEqual(["paths.parquet"]);
  });

  it("DuckDB reads every value of paths.parquet bit for bit equal to paths.csv, rows in path order", async () => {
    const csv = await readPathsCsv(join(csvDir, "paths.csv"));
    const fromDuck = await duckRead(join(pqDir, "paths.parquet"));
    expect(csv.count).toBe(300);
    expectSameRows(fromDuck, csv);
  });

  it("readPathsParquet gives the same rows as readPathsCsv", async () => {
    const csv = await readPathsCsv(join(csvDir, "paths.csv"));
    expectSameRows(await readPathsParquet(join(pqDir, "paths.parquet")), csv);
  });

  it("has the schema a pandas/polars user expects: path INT64 then one non-null column per metric (counts integers, the flag boolean, the rest DOUBLE), no logical types", async () => {
    const file = sqlString(join(pqDir, "paths.parquet"));
    const described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file})`)).getRowObjectsJS();
    expect(described.map((r) => [r.column_name, r.column_type])).toEqual([
      ["path", "BIGINT"],
      ...METRIC_NAMES.map((n) => [n, DUCK_TYPE[typeOf(n)]]),
    ]);
    // Physical schema: INT64/INT32 without a logical or converted type read as int64/int32 in pandas/pyarrow and
    // Int64/Int32 in polars; DOUBLE as float64/Float64; BOOLEAN as bool; REQUIRED means non-nullable columns.
    const schema = (
      await con.runAndReadAll(`SELECT name, type, repetition_type, converted_type, logical_type FROM parquet_schema(${file})`)
    ).getRowObjectsJS();
    expect(schema.slice(1)).toEqual([
      { name: "path", type: "INT64", repetition_type: "REQUIRED", converted_type: null, logical_type: null },
      ...METRIC_NAMES.map((name) => ({
        name,
        type: typeOf(name),
        repetition_type: "REQUIRED",
        converted_type: null,
        logical_type: null,
      })),
    ]);
  });

  // The pool's workers load dist/mc/worker.js: `npm test` builds it first (pretest).
  it("the same run on a 2-thread worker pool writes a byte-identical paths.parquet", async () => {
    const dir = join(tmp, "parquet-pool");
    await runScenario(inputs(300), { outDir: dir, format: "parquet", threads: 2 });
    expect((await readFile(join(dir, "paths.parquet"))).equals(await readFile(join(pqDir, "paths.parquet")))).toBe(true);
  });

  it("an interrupted run leaves paths.parquet.partial: a readable file of exactly the finished paths", async () => {
    const dir = join(tmp, "parquet-interrupted");
    const abort = new AbortController();
    const result = await runScenario(inputs(300), {
      outDir: dir,
      format: "parquet",
      inline: true,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.done > 0) abort.abort();
      },
    });
    expect(result.interrupted).toBe(true);
    expect(result.summary.paths).toBeGreaterThan(0);
    expect(result.summary.paths).toBeLessThan(300);
    const files = await readdir(dir);
    expect(files).toContain("summary.json");
    expect(files.filter((f) => f.startsWith("paths."))).toEqual(["paths.parquet.partial"]);
    const partial = join(dir, "paths.parquet.partial");
    const full = await readPathsCsv(join(csvDir, "paths.csv"));
    const n = result.summary.paths;
    const expected = { paths: full.paths.slice(0, n), records: full.records.slice(0, n * RECORD_STRIDE), count: n };
    expectSameRows(await readPathsParquet(partial), expected);
    expectSameRows(await duckRead(partial), expected);
  });
});

describe("ParquetSink", () => {
  /** Records whose every DOUBLE is a distinct double, with the awkward ones mixed in (integers and flags in their columns). */
  function records(count: number): Float64Array {
    const special = [
      -0,
      0,
      NaN,
      Infinity,
      -Infinity,
      5e-324,
      -5e-324,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      2 ** 53 + 2,
      0.1 + 0.2,
      -1,
    ];
    const r = new Float64Array(count * RECORD_STRIDE);
    for (let j = 0; j < r.length; j++)
      r[j] = fitColumn(j % RECORD_STRIDE, j % 5 === 0 ? special[(j / 5) % special.length] : Math.sin(j) * 10 ** ((j % 40) - 20));
    return r;
  }

  async function writeInBatches(
    dir: string,
    firstPath: number,
    data: Float64Array,
    count: number,
    batches: number[],
    rowGroupRows: number,
  ) {
    const sink = await ParquetSink.open(dir, { rowGroupRows });
    let done = 0;
    for (const b of [...batches, count]) {
      const n = Math.min(b, count - done);
      if (n <= 0) break;
      await sink.writeRecords(firstPath + done, data.subarray(done * RECORD_STRIDE, (done + n) * RECORD_STRIDE), n);
      done += n;
    }
    return sink;
  }

  it("keeps −0, NaN, ±Infinity, subnormals and extremes bit for bit across several row groups (DuckDB and readPathsParquet)", async () => {
    const dir = await mkdtemp(join(tmp, "sink-"));
    const count = 103;
    const data = records(count);
    const sink = await writeInBatches(dir, 1000, data, count, [1, 30, 7, 40], 16);
    await sink.close();
    const file = join(dir, "paths.parquet");
    const expected = { paths: Float64Array.from({ length: count }, (_, i) => 1000 + i), records: data, count };
    expectSameRows(await duckRead(file), expected);
    expectSameRows(await readPathsParquet(file), expected);
    const groups = (
      await con.runAndReadAll(
        `SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(${sqlString(file)}) ORDER BY 1`,
      )
    ).getRows();
    expect(groups.map((g) => Number(g[1]))).toEqual([16, 16, 16, 16, 16, 16, 7]);
  });

  it("cuts row groups by row count, not by batch: the same rows in other batches give the same bytes", async () => {
    const data = records(100);
    const a = await mkdtemp(join(tmp, "sink-"));
    const b = await mkdtemp(join(tmp, "sink-"));
    await (await writeInBatches(a, 0, data, 100, [100], 32)).close();
    await (await writeInBatches(b, 0, data, 100, [3, 50, 1, 1, 20], 32)).close();
    expect((await readFile(join(a, "paths.parquet"))).equals(await readFile(join(b, "paths.parquet")))).toBe(true);
  });

  it("a run with no paths written still closes to a valid, empty file", async () => {
    const dir = await mkdtemp(join(tmp, "sink-"));
    await (await ParquetSink.open(dir)).close();
    const file = join(dir, "paths.parquet");
    expect((await con.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(file)})`)).getRows()).toEqual([[0n]]);
    expect((await readPathsParquet(file)).count).toBe(0);
  });

  it("rejects rows out of path order", async () => {
    const dir = await mkdtemp(join(tmp, "sink-"));
    const sink = await ParquetSink.open(dir);
    await sink.writeRecords(0, records(2), 2);
    await expect(sink.writeRecords(3, records(1), 1)).rejects.toThrow("expected path 2 next (received 3)");
    await sink.abort();
  });

  it("abort() finishes .partial as a readable file of the rows written and never renames it", async () => {
    const dir = await mkdtemp(join(tmp, "sink-"));
    const data = records(50);
    const sink = await writeInBatches(dir, 0, data, 50, [20, 30], 16);
    await sink.abort();
    expect(await readdir(dir)).toEqual(["paths.parquet.partial"]);
    const back = await readPathsParquet(join(dir, "paths.parquet.partial"));
    expectSameRows(back, { paths: Float64Array.from({ length: 50 }, (_, i) => i), records: data, count: 50 });
  });

  it("a file cut short (a kill mid-write) is rejected, or read as empty with truncatedAsEmpty", async () => {
    const dir = await mkdtemp(join(tmp, "sink-"));
    await (await writeInBatches(dir, 0, records(40), 40, [40], 16)).close();
    const cut = join(dir, "cut.parquet");
    await copyFile(join(dir, "paths.parquet"), cut);
    await truncate(cut, (await stat(cut)).size - 100);
    await expect(readPathsParquet(cut)).rejects.toThrow("not a complete Parquet file");
    expect((await readPathsParquet(cut, { truncatedAsEmpty: true })).count).toBe(0);
  });
});

describe("ParquetSink.resume (a Parquet file cannot be appended to: the finished rows are copied)", () => {
  const data = (() => {
    const r = new Float64Array(80 * RECORD_STRIDE);
    for (let j = 0; j < r.length; j++) r[j] = fitColumn(j % RECORD_STRIDE, j % 7 === 0 ? -0 : Math.cos(j) * 1e3);
    return r;
  })();
  const rows = (first: number, n: number) => data.subarray(first * RECORD_STRIDE, (first + n) * RECORD_STRIDE);

  async function interrupted(n: number): Promise<string> {
    const dir = await mkdtemp(join(tmp, "resume-"));
    const sink = await ParquetSink.open(dir, { rowGroupRows: 16 });
    await sink.writeRecords(0, rows(0, n), n);
    await sink.abort();
    return dir;
  }

  it("finishing an interrupted file gives the same bytes as writing it in one go", async () => {
    const dir = await interrupted(50);
    const { sink, rows: done } = await ParquetSink.resume(dir, { rowGroupRows: 16 });
    expect([done.count, sink.nextPath]).toEqual([50, 50]);
    expectSameRows(done, { paths: Float64Array.from({ length: 50 }, (_, i) => i), records: rows(0, 50).slice(), count: 50 });
    await sink.writeRecords(50, rows(50, 30), 30);
    await sink.close();
    expect((await readdir(dir)).sort()).toEqual(["paths.parquet"]);
    const straight = await mkdtemp(join(tmp, "resume-"));
    const one = await ParquetSink.open(straight, { rowGroupRows: 16 });
    await one.writeRecords(0, data, 80);
    await one.close();
    expect((await readFile(join(dir, "paths.parquet"))).equals(await readFile(join(straight, "paths.parquet")))).toBe(true);
  });

  it("interrupted again, the checkpoint .partial holds every row so far", async () => {
    const dir = await interrupted(20);
    const { sink } = await ParquetSink.resume(dir, { rowGroupRows: 16 });
    await sink.writeRecords(20, rows(20, 10), 10);
    await sink.abort();
    expect((await readdir(dir)).sort()).toEqual(["paths.parquet.partial"]);
    const back = await duckRead(join(dir, "paths.parquet.partial"));
    expectSameRows(back, { paths: Float64Array.from({ length: 30 }, (_, i) => i), records: rows(0, 30).slice(), count: 30 });
  });

  it("a checkpoint cut short by a kill resumes from no rows", async () => {
    const dir = await interrupted(40);
    const partial = join(dir, "paths.parquet.partial");
    await truncate(partial, (await stat(partial)).size - 10);
    const { sink, rows: done } = await ParquetSink.resume(dir);
    expect([done.count, sink.nextPath]).toEqual([0, undefined]);
    await sink.writeRecords(0, rows(0, 5), 5);
    await sink.close();
    expect((await readPathsParquet(join(dir, "paths.parquet"))).count).toBe(5);
  });
});

describe("readPathsParquet on files from another writer (DuckDB)", () => {
  it("reads a DuckDB-written table with the same columns (nullable, its own encodings)", async () => {
    const file = join(tmp, "duck-written.parquet");
    const cols = METRIC_NAMES.map((n, m) => `(i * ${m + 1} + 0.5)::DOUBLE AS "${n}"`).join(", ");
    await con.run(
      `COPY (SELECT i::BIGINT AS path, ${cols} FROM range(5000) t(i)) TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
    );
    const back = await readPathsParquet(file);
    expect(back.count).toBe(5000);
    expect(back.paths[4999]).toBe(4999);
    expect(back.records[4999 * RECORD_STRIDE + 15]).toBe(4999 * 16 + 0.5);
  });

  it("names the first column that differs from the expected schema", async () => {
    const file = join(tmp, "duck-wrong.parquet");
    const cols = METRIC_NAMES.map((n) => `0.0::DOUBLE AS "${n === "minPrice" ? "min_price" : n}"`).join(", ");
    await con.run(`COPY (SELECT 0::BIGINT AS path, ${cols}) TO ${sqlString(file)} (FORMAT parquet)`);
    await expect(readPathsParquet(file)).rejects.toThrow("column 5 must be minPrice DOUBLE (received min_price DOUBLE)");
  });
});
