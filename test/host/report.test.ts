import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scenario } from "../../src/config/scenario.js";
import { METRIC, METRIC_NAMES, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { formatNumber, formatRecordsCsv, PATHS_CSV_HEADER, PathsCsvWriter, readPathsCsv } from "../../src/report/csv.js";
import { buildSummary, summaryToJson, writeSummaryJson, type Summary } from "../../src/report/summary-json.js";
import { WHO_PAID_METRICS, WHO_PAID_ROWS } from "../../src/report/who-paid.js";
import { formatSummaryTable, formatValue, groupThousands, tickDecimals } from "../../src/report/table.js";
import { MetricColumns } from "../../src/stats/columns.js";

const scenario: Scenario = {
  name: "btc-perp-crash",
  seed: 42,
  paths: 400,
  steps: 100,
  stepSeconds: 60,
  market: {
    initialPrice: 30000,
    tickSize: 0.5,
    price: {
      model: "gbm",
      volatility: 0.8,
      drift: 0,
      jumps: { intensity: 4, meanLog: -0.03, stdLog: 0.04 },
      shocks: [{ step: 1, return: -0.08 }],
    },
    book: { levels: 1000, depth: { profile: "flat", size: 2, decayTicks: 50, exponent: 1, saturationTicks: 600 } },
    impact: { halfLifeSeconds: 810.804, permanentShare: 0 },
    mark: { model: "last" },
  },
  accounts: {
    count: 10000,
    longShare: 0.6,
    leverage: { dist: "lognormal", median: 10, sigma: 0.6, max: 100 },
    notional: { dist: "pareto", min: 1000, alpha: 1.5, max: 5000000 },
    resample: false,
  },
  margin: { mode: "isolated", preset: "binance-usdm-btcusdt", tiers: [{ floor: 0, mmr: 0.004, maintenanceAmount: 0 }] },
  liquidation: { engine: "market", feeRate: 0.005, maxRoundsPerStep: 1000 },
  insurance: { initialBalance: 1000000 },
  adl: { ranking: "pnl-leverage" },
};

/** Deterministic generator (xorshift32 → [0,1)) for test data. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Plausible-looking records: counts are integers, prices near 30,000, money with cents, flags 0/1. */
function fakeRecords(n: number, seed = 1): Float64Array {
  const r = rng(seed);
  const rec = new Float64Array(n * RECORD_STRIDE);
  for (let i = 0; i < n; i++) {
    const o = i * RECORD_STRIDE;
    const liq = r() < 0.3 ? Math.floor(r() * 500) : 0;
    rec[o + METRIC.liquidations] = liq;
    rec[o + METRIC.liquidatedNotional] = liq * 12345.67 * r();
    rec[o + METRIC.maxRoundsInStep] = liq > 0 ? 1 + Math.floor(r() * 20) : 0;
    rec[o + METRIC.minPrice] = 30000 * (0.7 + 0.3 * r());
    rec[o + METRIC.finalPrice] = 30000 * (0.8 + 0.4 * r());
    rec[o + METRIC.maxDrawdown] = 0.3 * r();
    rec[o + METRIC.exogenousDrawdown] = 0.2 * r();
    rec[o + METRIC.amplification] = 1 + r();
    rec[o + METRIC.insuranceMin] = r() < 0.05 ? 0 : 1e6 * r();
    rec[o + METRIC.insuranceFinal] = 1e6 * r();
    rec[o + METRIC.badDebt] = r() < 0.02 ? 1e5 * r() : 0;
    rec[o + METRIC.adlCount] = r() < 0.01 ? 3 : 0;
    rec[o + METRIC.adlNotional] = rec[o + METRIC.adlCount] * 1000;
    rec[o + METRIC.avgSlippage] = 0.001 * r();
    rec[o + METRIC.bookExhausted] = r() < 0.005 ? 1 : 0;
    rec[o + METRIC.firstLiquidationStep] = liq > 0 ? Math.floor(r() * 100) : -1;
  }
  return rec;
}

/** Records full of awkward doubles: negatives, −1, ±0, subnormals, 1e-300, huge, non-integers. */
function awkwardRecords(n: number, seed = 2): Float64Array {
  const r = rng(seed);
  const specials = [
    0,
    -0,
    -1,
    1,
    1e-300,
    -1e-300,
    5e-324,
    1.7976931348623157e308,
    -1e21,
    1e21,
    0.1,
    1 / 3,
    123456789.125,
    NaN,
    Infinity,
    -Infinity,
    2 ** 53 + 2,
  ];
  const rec = new Float64Array(n * RECORD_STRIDE);
  const bits = new Uint32Array(rec.buffer);
  for (let i = 0; i < rec.length; i++) {
    const u = r();
    if (u < 0.3) rec[i] = specials[Math.floor(r() * specials.length)];
    else if (u < 0.6) rec[i] = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    else {
      // random bit patterns (skip NaN payloads: only the canonical NaN is promised to round-trip)
      bits[2 * i] = (r() * 2 ** 32) >>> 0;
      bits[2 * i + 1] = (r() * 2 ** 32) >>> 0;
      if (Number.isNaN(rec[i])) rec[i] = -2.5;
    }
  }
  return rec;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  }
  return true;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cascade-report-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("paths.csv", () => {
  it("formats numbers as shortest round-trip text: integers without .0, −0 keeps its sign", () => {
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(-1)).toBe("-1");
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(-0)).toBe("-0");
    expect(formatNumber(0.1)).toBe("0.1");
    expect(formatNumber(1e-300)).toBe("1e-300");
    expect(formatNumber(1e21)).toBe("1e+21");
    expect(formatNumber(NaN)).toBe("NaN");
  });

  it("round-trips every record bit for bit (negatives, −1, ±0, 1e-300, subnormals, huge, ±Infinity, NaN)", async () => {
    const n = 3000;
    const rec = awkwardRecords(n);
    const out = join(dir, "roundtrip");
    const w = await PathsCsvWriter.open(out, { chunkChars: 4096 });
    await w.writeRecords(0, rec, n);
    const file = await w.close();
    expect(file).toBe(join(out, "paths.csv"));
    const back = await readPathsCsv(file);
    expect(back.count).toBe(n);
    expect(Array.from(back.paths)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(sameBits(back.records, rec)).toBe(true);
  });

  it("writes identical bytes whether records come in one call or in many chunks", async () => {
    const n = 2500;
    const rec = awkwardRecords(n, 7);
    const one = await PathsCsvWriter.open(join(dir, "one"));
    await one.writeRecords(0, rec, n);
    const a = await readFile(await one.close());

    const r = rng(11);
    const many = await PathsCsvWriter.open(join(dir, "many"), { chunkChars: 1000 }); // many small writes
    for (let at = 0; at < n; ) {
      const c = Math.min(n - at, Math.floor(r() * 97));
      await many.writeRecords(at, rec.subarray(at * RECORD_STRIDE, (at + c) * RECORD_STRIDE), c);
      at += c;
    }
    const b = await readFile(await many.close());
    expect(b.equals(a)).toBe(true);

    // Pre-formatted batches (as workers would send them) give the same bytes too.
    const pre = await PathsCsvWriter.open(join(dir, "preformatted"), { chunkChars: 3000 });
    for (let at = 0; at < n; ) {
      const c = Math.min(n - at, 1 + Math.floor(r() * 300));
      await pre.writeFormatted(at, c, formatRecordsCsv(at, rec.subarray(at * RECORD_STRIDE, (at + c) * RECORD_STRIDE), c));
      at += c;
    }
    expect((await readFile(await pre.close())).equals(a)).toBe(true);
    expect(a.subarray(0, PATHS_CSV_HEADER.length + 1).toString()).toBe(PATHS_CSV_HEADER + "\n");
  });

  it("header is path then the metric names; a shard starts at its first path", async () => {
    expect(PATHS_CSV_HEADER).toBe(["path", ...METRIC_NAMES].join(","));
    const w = await PathsCsvWriter.open(join(dir, "shard"));
    const rec = fakeRecords(3);
    await w.writeRecords(1000, rec, 3);
    const back = await readPathsCsv(await w.close());
    expect(Array.from(back.paths)).toEqual([1000, 1001, 1002]);
  });

  it("is only paths.csv.partial until close, and refuses rows out of path order or overlapping writes", async () => {
    const out = join(dir, "partial");
    const w = await PathsCsvWriter.open(out);
    const rec = fakeRecords(4);
    await w.writeRecords(0, rec, 2);
    expect(await readdir(out)).toEqual(["paths.csv.partial"]);
    await expect(w.writeRecords(5, rec, 1)).rejects.toThrow(/expected path 2/);
    const big = fakeRecords(20_000);
    const pending = w.writeRecords(2, big, 20_000); // crosses chunkChars: has to await the stream
    await expect(w.writeRecords(20_002, rec, 1)).rejects.toThrow(/await the previous write/);
    await pending;
    await w.close();
    expect(await readdir(out)).toEqual(["paths.csv"]);
    expect((await readPathsCsv(join(out, "paths.csv"))).count).toBe(20_002);
  });

  it("closing renames .partial to paths.csv", async () => {
    const out = join(dir, "partial2");
    const w = await PathsCsvWriter.open(out);
    const rec = fakeRecords(4);
    await w.writeRecords(0, rec, 2);
    await w.writeRecords(2, rec.subarray(2 * RECORD_STRIDE), 2);
    await w.close();
    expect(await readdir(out)).toEqual(["paths.csv"]);
  });

  it("abort leaves complete rows in .partial for resume", async () => {
    const out = join(dir, "abort");
    const w = await PathsCsvWriter.open(out);
    await w.writeRecords(0, fakeRecords(5), 5);
    await w.abort();
    expect(await readdir(out)).toEqual(["paths.csv.partial"]);
    expect((await readPathsCsv(join(out, "paths.csv.partial"))).count).toBe(5);
  });

  it("reader names the file, line and field of a bad value, and rejects a truncated last row unless told", async () => {
    const f = join(dir, "bad.csv");
    const good = "0" + ",1".repeat(RECORD_STRIDE);
    await writeFile(f, `${PATHS_CSV_HEADER}\n${good}\n0${",1".repeat(RECORD_STRIDE - 1)},\n`);
    // the empty last field: column RECORD_STRIDE + 1 (after `path`), the last metric
    const last = METRIC_NAMES[METRIC_NAMES.length - 1];
    await expect(readPathsCsv(f)).rejects.toThrow(
      new RegExp(`bad\\.csv:3: field ${RECORD_STRIDE + 1} \\(${last}\\) is not a number`),
    );
    await writeFile(f, `${PATHS_CSV_HEADER}\n${good}\n1,2,3`);
    await expect(readPathsCsv(f)).rejects.toThrow(/no newline/);
    expect((await readPathsCsv(f, { dropIncompleteLastRow: true })).count).toBe(1);
    await writeFile(f, `path,foo\n`);
    await expect(readPathsCsv(f)).rejects.toThrow(/header must be/);
  });
});

function makeSummary(n = 400, extra?: Record<string, unknown>): Summary {
  return buildSummary({
    version: "0.1.0",
    scenario,
    seed: 42,
    paths: n,
    engine: "wasm",
    threads: 8,
    runtimeMs: 1234.5,
    columns: MetricColumns.fromRecords(fakeRecords(n), n),
    extra,
  });
}

describe("summary.json", () => {
  it("has SPEC §4's keys in SPEC order, then probabilityIntervals, then extra keys", () => {
    const s = makeSummary(400, { requestedPaths: 1000, interrupted: true });
    expect(Object.keys(s)).toEqual([
      "version",
      "scenario",
      "seed",
      "paths",
      "engine",
      "threads",
      "runtimeMs",
      "metrics",
      "probabilities",
      "probabilityIntervals",
      "requestedPaths",
      "interrupted",
      "warnings",
    ]);
    expect(Object.keys(s.metrics)).toEqual([...METRIC_NAMES]);
    expect(Object.keys(s.metrics.badDebt).slice(0, 12)).toEqual([
      "mean",
      "std",
      "min",
      "max",
      "p01",
      "p05",
      "p50",
      "p95",
      "p99",
      "es95",
      "es99",
      "ci95",
    ]);
    expect(Object.keys(s.probabilities)).toEqual(["anyLiquidation", "insuranceDepleted", "badDebt", "adl", "bookExhausted"]);
    expect(typeof s.probabilities.anyLiquidation).toBe("number");
  });

  it("probabilityShape 'object' nests { p, ci95, count, n } and drops the sibling", () => {
    const s = buildSummary({
      version: "0.1.0",
      scenario,
      seed: 42,
      paths: 10,
      engine: "ts",
      threads: 1,
      runtimeMs: 5,
      columns: MetricColumns.fromRecords(fakeRecords(10), 10),
      probabilityShape: "object",
    });
    expect(s.probabilityIntervals).toBeUndefined();
    expect(Object.keys(s.probabilities.anyLiquidation as object)).toEqual(["p", "ci95", "count", "n"]);
  });

  it("refuses a path count that disagrees with the columns, and extra keys that would overwrite", () => {
    expect(() =>
      buildSummary({
        version: "0",
        scenario,
        seed: 1,
        paths: 5,
        engine: "ts",
        threads: 1,
        runtimeMs: 0,
        columns: new MetricColumns(),
      }),
    ).toThrow(/paths is 5 but the columns hold 0/);
    expect(() => makeSummary(10, { metrics: 1 })).toThrow(/overwrite/);
  });

  it("writes atomically (no temp file left) and prints non-finite numbers as null", async () => {
    const out = join(dir, "summary");
    const s = makeSummary(2); // n = 2: p99's CI is unbounded above → Infinity → null
    const file = await writeSummaryJson(out, s);
    expect(await readdir(out)).toEqual(["summary.json"]);
    const text = await readFile(file, "utf8");
    expect(text).toBe(summaryToJson(s));
    const parsed = JSON.parse(text);
    expect(parsed.metrics.badDebt.ci95Quantiles.p99[1]).toBeNull();
    expect(parsed.scenario).toEqual(scenario);
    expect(text.endsWith("}\n")).toBe(true);
  });
});

describe("console table", () => {
  it("renders every metric and event with the run's header, from memory and from parsed JSON", () => {
    const s = makeSummary(400);
    for (const summary of [s, JSON.parse(summaryToJson(makeSummary(1))) as Summary]) {
      const text = formatSummaryTable(summary);
      // the money metrics print as the "who paid" table's rows, by party
      for (const name of METRIC_NAMES) if (!WHO_PAID_METRICS.has(name)) expect(text).toContain(name);
      for (const row of WHO_PAID_ROWS) expect(text).toContain(row.label);
      for (const e of ["anyLiquidation", "insuranceDepleted", "badDebt", "adl", "bookExhausted"]) expect(text).toContain(e);
      expect(text).toContain("btc-perp-crash");
      expect(text).toContain("seed 42");
      expect(text).toContain("engine wasm");
      expect(text).not.toMatch(/\x1b\[/); // no ANSI colour codes
    }
    expect(formatSummaryTable(s)).toContain("1.23 s");
  });

  it("who paid: each party's row is its metric's statistics (minus them for bad debt and what the ADL'd gave up), and the means sum to zero", () => {
    const s = makeSummary(400);
    const text = formatSummaryTable(s);
    const line = (label: string) => text.split("\n").find((l) => l.includes(label))!;
    const cells = (label: string) =>
      line(label)
        .split("│")
        .map((c) => c.trim())
        .filter((c) => c !== "");
    const bad = s.metrics.badDebt;
    // bad debt's row is minus the metric: its p01 is minus the metric's p99
    expect(cells("unpaid (bad debt)").slice(1)).toEqual(
      [-bad.mean, -bad.p99, -bad.p50, -bad.p01].map((x) => formatValue(x, "money")),
    );
    const liq = s.metrics.liquidatedPnl;
    expect(cells("liquidated traders").slice(1)).toEqual(
      [liq.mean, liq.p01, liq.p50, liq.p99].map((x) => formatValue(x, "money")),
    );
    const sum = WHO_PAID_ROWS.reduce((a, r) => a + r.sign * s.metrics[r.metric].mean, 0);
    expect(cells("sum (money is conserved)")[1]).toBe(formatValue(sum, "money"));
  });

  it("formats money, prices, counts and ratios for reading", () => {
    expect(formatValue(1234567.891, "money")).toBe("1,234,568");
    expect(formatValue(12.345, "money")).toBe("12.35");
    expect(formatValue(-5000, "money")).toBe("-5,000");
    expect(formatValue(27123.25, "price", tickDecimals(0.5))).toBe("27,123.3");
    expect(formatValue(27123.25, "price", tickDecimals(0.25))).toBe("27,123.25");
    expect(formatValue(42, "count")).toBe("42");
    expect(formatValue(0.3, "count")).toBe("0.30");
    expect(formatValue(0.123456, "ratio")).toBe("0.1235");
    expect(formatValue(1, "ratio")).toBe("1");
    expect(formatValue(null, "ratio")).toBe("n/a");
    expect(formatValue(Infinity, "ratio")).toBe("inf");
    expect(groupThousands(-0.001, 2)).toBe("0.00");
    expect(tickDecimals(1e-7)).toBe(7);
    expect(tickDecimals(1)).toBe(0);
  });
});
