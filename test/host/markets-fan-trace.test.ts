// Fan charts and --trace with several markets (`markets:`): the kernel (assembly/markets.ts) and the reference
// engine (src/engine/markets.ts) sample the same bits and bin them alike; a run's fan holds market 0's series under
// one market's names and every market's mark as markets.NAME.mark, the same for --engine wasm and ts, for shards
// merged and for a resumed run; `cascade run --trace` writes events naming their market (the cross owners' trades
// among them) and steps with every market's mark, the same bytes whatever the run's engine.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../src/config/load.js";
import { FAN_SERIES, FAN_STRIDE, fanSteps, fanStride, type FanSink } from "../../src/engine/fan.js";
import { P } from "../../src/engine/layout.js";
import { MarketsReferenceEngine } from "../../src/engine/markets.js";
import { type MarketsSetup, recordNames, scenarioRecordNames } from "../../src/engine/markets-setup.js";
import { EV, EVENT_STRIDE, KIND } from "../../src/engine/trace.js";
import { WasmMarketsEngine } from "../../src/kernel/wasm-markets-engine.js";
import { mergeShards } from "../../src/mc/merge.js";
import { runScenario } from "../../src/mc/run.js";
import { FanBatch, FanHistograms, type FanLayout, type FanSeriesKey } from "../../src/stats/fan.js";
import { tracePaths } from "../../src/trace/run.js";
import { traceTotals } from "../../src/trace/totals.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { cascade } from "../helpers/cli.js";
import { seedWords } from "../helpers/engines.js";
import { marketsSetupOf, marketsWithCrossArb } from "../helpers/markets-arbitrary.js";

const work = mkdtempSync(join(tmpdir(), "cascade-markets-fan-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Three markets (a crash in BTC, the backstop engine in ETH, a depeg in USDe) and owners with USDT and USDe deposits. */
const SCENARIO = `
name: markets-fan-trace
paths: 90
steps: 30
accounts: { count: 500 }
insurance: { initialBalance: 20000 }
markets:
  - name: BTC
    market: { price: { volatility: 1.5, shocks: [{ step: 8, return: -0.09 }] } }
  - name: ETH
    market: { initialPrice: 3000, tickSize: 0.05, price: { volatility: 1.2, shocks: [] }, book: { depth: { size: 13 } } }
    accounts: { count: 300 }
    liquidation: { engine: backstop }
  - name: USDe
    market: { initialPrice: 1, tickSize: 0.0001, price: { volatility: 0.05, shocks: [{ step: 12, return: -0.2 }] }, book: { depth: { size: 40000 } } }
    accounts: { count: 200 }
correlation: [[1, 0.8, 0], [0.8, 1, 0], [0, 0, 1]]
crossMargin:
  mode: cross
  assets: [{ name: USDT, price: 1 }, { name: USDe, market: USDe, haircut: 0.05 }]
  accounts:
    generated:
      count: 200
      markets: [BTC, ETH]
      legsPerAccount: 2
      longShare: 0.8
      leverage: { median: 10, sigma: 0.5, max: 40 }
      notional: { min: 2000, alpha: 1.6, max: 500000 }
      collateralMix: [{ asset: USDT, share: 0.5 }, { asset: USDe, share: 0.5 }]
`;
const file = join(work, "markets.yaml");
writeFileSync(file, SCENARIO);
const inputs = loadScenario(file, []);
const MARKS = ["markets.BTC.mark", "markets.ETH.mark", "markets.USDe.mark"];

/** Collects the samples an engine hands over, path after path. */
class Collect implements FanSink {
  readonly chunks: Float64Array[] = [];
  add(samples: Float64Array): void {
    this.chunks.push(samples.slice());
  }
  all(): Float64Array {
    return Float64Array.from(this.chunks.flatMap((c) => Array.from(c)));
  }
}

/** A layout binning every value of a sample: FAN_SERIES (market 0's and the venue's), then each market's mark. */
function layoutOf(setup: MarketsSetup): FanLayout {
  const M = setup.markets.length;
  const exp = (x: number) => Math.floor(Math.log2(x));
  const price = (m: number) => exp(setup.markets[m].params[P.initialPrice]);
  const series: FanSeriesKey[] = [...FAN_SERIES, ...setup.names.map((n): FanSeriesKey => `markets.${n}.mark`)];
  return {
    steps: fanSteps(setup.markets[0].params[P.steps]),
    series,
    slots: series.map((_, k) => k),
    scales: series.map((_, k) => (k < 2 ? price(0) : k < FAN_STRIDE ? 20 : price(k - FAN_STRIDE))),
    stride: fanStride(M),
  };
}

const PATHS = 5;

function engineOf(setup: MarketsSetup, kind: "ts" | "wasm") {
  const e = kind === "ts" ? new MarketsReferenceEngine(setup) : new WasmMarketsEngine(setup, { batch: 2 });
  e.prepare(...seedWords(7));
  return e;
}

describe("fan charts with several markets: the engines", () => {
  it("sample the same bits (market 0's series, then every market's mark) and the kernel bins them as TypeScript does, on 25 random setups", () => {
    fc.assert(
      fc.property(marketsWithCrossArb(scenarioArb), (m) => {
        const setup = marketsSetupOf(m);
        const M = setup.markets.length;
        const stride = recordNames(setup.names, setup.cross !== undefined).length;
        const samples = (kind: "ts" | "wasm") => {
          const e = engineOf(setup, kind);
          e.enableFan();
          const sink = new Collect();
          const records = new Float64Array(PATHS * stride);
          e.runPaths(0, PATHS, records, sink);
          return { records, samples: sink.all() };
        };
        const ts = samples("ts");
        const wasm = samples("wasm");
        expect(ts.samples.length).toBe(PATHS * layoutOf(setup).steps.length * fanStride(M));
        const at = ts.samples.findIndex((x, i) => !Object.is(x, wasm.samples[i]));
        if (at >= 0) throw new Error(`sample value ${at % fanStride(M)}: ts=${ts.samples[at]} wasm=${wasm.samples[at]}`);
        expect(ts.records.findIndex((x, i) => !Object.is(x, wasm.records[i]))).toBe(-1);
        // every market's mark is sampled at its place: market 0's equals the mark series
        for (let i = 0; i < ts.samples.length; i += fanStride(M)) expect(ts.samples[i + FAN_STRIDE]).toBe(ts.samples[i]);

        const layout = layoutOf(setup);
        const binned = (kind: "ts" | "wasm") => {
          const e = engineOf(setup, kind);
          const batch = new FanBatch(layout);
          if (e instanceof WasmMarketsEngine) e.enableFan(true, batch);
          else e.enableFan();
          e.runPaths(0, PATHS, new Float64Array(PATHS * stride), batch);
          if (e instanceof WasmMarketsEngine) e.flushFan(batch);
          const total = new FanHistograms(layout);
          total.addPacked(batch.pack());
          return JSON.stringify(total.toJSON());
        };
        expect(binned("wasm")).toBe(binned("ts"));
      }),
      { numRuns: 25, seed: 20261212 },
    );
  }, 120_000);
});

const fanOf = (dir: string) => JSON.stringify(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")).fan);
const fanFile = (dir: string) => readFileSync(join(dir, "fan.json"), "utf8");

describe("fan charts with several markets: a run", () => {
  it("has market 0's series and every market's mark, the same for --engine wasm and ts, 3 shards merged, and resumed", async () => {
    const wasm = join(work, "wasm");
    const ts = join(work, "ts");
    await runScenario(inputs, { inline: true, outDir: wasm });
    await runScenario(inputs, { inline: true, engine: "ts", outDir: ts });
    const fan = JSON.parse(fanOf(wasm));
    expect(Object.keys(fan.series)).toEqual([
      "mark",
      "fundamental",
      "insurance",
      "openInterestLong",
      "openInterestShort",
      "vault",
      ...MARKS,
    ]);
    expect(fan.paths).toBe(90);
    expect(fan.series["markets.BTC.mark"]).toEqual(fan.series.mark);
    expect(fan.series["markets.ETH.mark"].p50[0]).toBeCloseTo(3000, 0);
    expect(fan.series["markets.USDe.mark"].p50.at(-1)).toBeLessThan(0.9);
    expect(fanOf(ts)).toBe(fanOf(wasm));
    expect(fanFile(ts)).toBe(fanFile(wasm));

    const shards: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const dir = join(work, `shard-${i}`);
      await runScenario(inputs, { inline: true, outDir: dir, shard: { index: i, count: 3 } });
      shards.push(dir);
    }
    const merged = join(work, "merged");
    await mergeShards(shards, { outDir: merged });
    expect(fanOf(merged)).toBe(fanOf(wasm));
    expect(fanFile(merged)).toBe(fanFile(wasm));

    // interrupted after its first batch, fan.json then lost: the resume computes the kept rows' fan again
    const cut = join(work, "cut");
    const stop = new AbortController();
    const first = await runScenario(inputs, {
      inline: true,
      outDir: cut,
      batchSize: 20,
      signal: stop.signal,
      onProgress: (p) => p.done > 0 && stop.abort(),
    });
    expect(first.interrupted).toBe(true);
    rmSync(join(cut, "fan.json"));
    await runScenario(inputs, { inline: true, outDir: cut, resume: true, batchSize: 20 });
    expect(fanOf(cut)).toBe(fanOf(wasm));
    expect(fanFile(cut)).toBe(fanFile(wasm));
  }, 60_000);
});

describe("--trace with several markets", () => {
  it("writes events naming their market (the owners' trades too) and every market's mark per step, the same bytes for a wasm and a ts run", async () => {
    const run = async (engine: string) => {
      const out = join(work, `trace-${engine}`);
      const r = await cascade(
        "run",
        file,
        "--engine",
        engine,
        "--threads",
        "1",
        "--no-report",
        "--out",
        out,
        "--trace",
        "worst:badDebt:2",
        "--paths",
        "40",
      );
      expect(r.code, r.stderr).toBe(0);
      return {
        stderr: r.stderr,
        events: readFileSync(join(out, "events.csv"), "utf8"),
        steps: readFileSync(join(out, "steps.csv"), "utf8"),
      };
    };
    const wasm = await run("wasm");
    const ts = await run("ts");
    expect(wasm.stderr).toMatch(/traced paths \d+, \d+ by the reference engine/);
    expect(wasm.stderr).not.toMatch(/no fan charts|--trace yet/);
    expect(ts.events).toBe(wasm.events);
    expect(ts.steps).toBe(wasm.steps);

    const rows = wasm.events.trim().split("\n");
    expect(rows[0]).toBe(
      "path,step,time,round,type,market,account,side,size,price,bankruptcyPrice,notional,counterparty,fundAfter,vaultAfter",
    );
    const seen = new Set(rows.slice(1).map((r) => r.split(",").slice(4, 6).join(",")));
    // isolated liquidations in BTC and USDe, ADL in ETH, the owners' legs in BTC and ETH, their deposits sold: USDe in
    // its market (2), USDT outside the venue (−1)
    for (const want of [
      "liquidation,0",
      "liquidation,2",
      "cross-leg,0",
      "cross-leg,1",
      "cross-collateral,2",
      "cross-collateral,-1",
    ])
      expect(seen, [...seen].join(" ")).toContain(want);
    expect(wasm.steps.split("\n")[0].split(",").slice(-3)).toEqual(MARKS);
  }, 60_000);

  it("worst:METRIC:K takes a market's or the owners' column: the K worst paths by it, a column the run lacks refused", async () => {
    const out = join(work, "trace-worst-eth");
    const args = ["run", file, "--threads", "1", "--no-report", "--no-fan", "--paths", "30", "--out", out];
    const r = await cascade(...args, "--trace", "worst:markets.ETH.maxDrawdown:3");
    expect(r.code, r.stderr).toBe(0);
    // the three largest ETH drawdowns of paths.csv (ties: the lower path), the paths events.csv traced
    const lines = readFileSync(join(out, "paths.csv"), "utf8").trim().split("\n");
    const col = lines[0].split(",").indexOf("markets.ETH.maxDrawdown");
    const byDrawdown = lines
      .slice(1)
      .map((line, path) => ({ path, v: Number(line.split(",")[col]) }))
      .sort((a, b) => b.v - a.v || a.path - b.path)
      .slice(0, 3)
      .map((x) => x.path)
      .sort((a, b) => a - b);
    const traced = [
      ...new Set(
        readFileSync(join(out, "steps.csv"), "utf8")
          .trim()
          .split("\n")
          .slice(1)
          .map((l) => Number(l.split(",")[0])),
      ),
    ];
    expect(traced).toEqual(byDrawdown);
    const owners = await cascade(...args, "--force", "--trace", "worst:crossMargin.accountsClosed:1");
    expect(owners.code, owners.stderr).toBe(0);
    const bad = await cascade(...args, "--force", "--trace", "worst:markets.XRP.mark:2");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /markets\.XRP\.mark is not a column of this run's record \(its several markets' columns: markets\.BTC\.liquidations/,
    );
  }, 60_000);

  it("a traced path adds up to its record: counts, bad debt, market 0's prices and the fund exactly, notionals to rounding", async () => {
    const result = await runScenario(inputs, { inline: true, fan: false });
    const names = scenarioRecordNames(inputs.scenario);
    const traces = tracePaths(
      inputs,
      { text: "0,1,2,3", selection: { kind: "paths", paths: [0, 1, 2, 3] }, buffer: 1_000_000 },
      { kind: "wasm", format: "csv", columns: result.columns, range: result.range, seed: inputs.scenario.seed },
    );
    let legs = 0;
    for (const t of traces) {
      const row = (name: string) => result.columns.column(names.indexOf(name))[t.path];
      const totals = traceTotals(t);
      for (const name of ["liquidations", "adlCount", "badDebt", "minPrice", "finalPrice", "insuranceFinal"] as const)
        expect(totals[name], `path ${t.path} ${name}`).toBe(row(name));
      for (const name of ["liquidatedNotional", "adlNotional"] as const)
        expect(Math.abs(totals[name] - row(name))).toBeLessThanOrEqual(1e-9 * Math.max(1, row(name)));
      expect(t.stepCount).toBe(inputs.scenario.steps + 1);
      expect(t.marks).toHaveLength(3 * t.stepCount);
      for (let i = 0; i < t.eventCount; i++) if (t.events[i * EVENT_STRIDE + EV.kind] === KIND["cross-leg"]) legs++;
    }
    expect(legs).toBeGreaterThan(0);
  }, 60_000);

  it("adds up with the owners' legs sliced (partial BTC) and repaid (close-factor ETH) too", async () => {
    const edited = SCENARIO.replace(
      "market: { price: { volatility: 1.5,",
      "liquidation: { engine: partial, partial: { fraction: 0.3, threshold: 20000, cooldownSeconds: 60 } }\n    market: { price: { volatility: 1.5,",
    ).replace("liquidation: { engine: backstop }", "liquidation: { engine: close-factor }");
    const editedFile = join(work, "markets-mechanisms.yaml");
    writeFileSync(editedFile, edited);
    const mechInputs = loadScenario(editedFile, ["paths=12"]);
    const result = await runScenario(mechInputs, { inline: true, fan: false });
    const names = scenarioRecordNames(mechInputs.scenario);
    const traces = tracePaths(
      mechInputs,
      { text: "0-11", selection: { kind: "paths", paths: Array.from({ length: 12 }, (_, i) => i) }, buffer: 1_000_000 },
      { kind: "wasm", format: "csv", columns: result.columns, range: result.range, seed: mechInputs.scenario.seed },
    );
    const seen = new Map<number, number>();
    for (const t of traces) {
      const row = (name: string) => result.columns.column(names.indexOf(name))[t.path];
      const totals = traceTotals(t);
      for (const name of ["liquidations", "adlCount", "badDebt", "minPrice", "finalPrice", "insuranceFinal"] as const)
        expect(totals[name], `path ${t.path} ${name}`).toBe(row(name));
      expect(Math.abs(totals.liquidatedNotional - row("liquidatedNotional"))).toBeLessThanOrEqual(
        1e-9 * Math.max(1, row("liquidatedNotional")),
      );
      for (let i = 0; i < t.eventCount; i++) {
        const kind = t.events[i * EVENT_STRIDE + EV.kind];
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      }
    }
    expect(seen.get(KIND["cross-slice"]) ?? 0).toBeGreaterThan(0);
    expect(seen.get(KIND["cross-repayment"]) ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
