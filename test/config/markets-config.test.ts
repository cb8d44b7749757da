// Several markets (`markets:` and `correlation`, phase B1 of #14): resolution (merge over the top-level blocks,
// defaults, problem lines naming the full path, venue-wide keys refused, the correlation's checks), a one-market
// scenario unchanged, buildMarketsSetup, and the record layout through the host with synthetic records of 2 markets.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/config/load.js";
import { marketScenarios } from "../../src/config/markets.js";
import { buildMarketsSetup, MARKET_METRICS, recordNames, scenarioRecordNames } from "../../src/engine/markets-setup.js";
import { buildSetup } from "../../src/engine/setup.js";
import { METRIC_NAMES } from "../../src/engine/metrics.js";
import { scenarioHash } from "../../src/mc/run.js";
import { MetricColumns } from "../../src/stats/columns.js";
import { buildSummary } from "../../src/report/summary-json.js";
import { formatSummaryTable } from "../../src/report/table.js";
import { PathsCsvWriter, readPathsCsv } from "../../src/report/csv.js";
import { ParquetSink, readPathsParquet } from "../../src/report/parquet.js";
import { problemsOf } from "../helpers/problems.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/config/", import.meta.url));
const small = { paths: 10, steps: 20, accounts: { count: 200 } };
const two = {
  ...small,
  market: { initialPrice: 100, tickSize: 0.01 },
  markets: [
    { name: "BTC", market: { initialPrice: 60000, tickSize: 1 } },
    { name: "ETH", market: { price: { volatility: 1.2 } }, accounts: { count: 300 }, liquidation: { engine: "partial" } },
  ],
  correlation: [
    [1, 0.8],
    [0.8, 1],
  ],
};

describe("markets: resolution", () => {
  it("merges each market's blocks over the top-level ones and lists every market whole", () => {
    const { scenario } = resolveScenario(two, ".");
    expect(scenario.markets?.map((m) => m.name)).toEqual(["BTC", "ETH"]);
    const [btc, eth] = scenario.markets!;
    expect(btc.market.initialPrice).toBe(60000);
    expect(btc.market.tickSize).toBe(1);
    expect(btc.accounts.count).toBe(200);
    expect(eth.market.initialPrice).toBe(100);
    expect(eth.market.price.volatility).toBe(1.2);
    expect(eth.market.price.model).toBe("gbm"); // defaults shown
    expect(eth.accounts.count).toBe(300);
    expect(eth.liquidation.engine).toBe("partial");
    expect(eth.liquidation.partial).toBeUndefined(); // partial without its block: the block's defaults, not shown
    expect(btc.liquidation.engine).toBe("market");
    expect(btc.margin.tiers.length).toBeGreaterThan(0);
    expect(scenario.correlation).toEqual(two.correlation);
    expect(scenario.steps).toBe(20);
  });

  it("arrays replace, null drops a key, and a market's engine does not inherit the other engines' blocks", () => {
    const { scenario } = resolveScenario(
      {
        ...small,
        market: { price: { shocks: [{ step: 2, return: -0.1 }] } },
        liquidation: { engine: "partial", partial: { fraction: 0.5 } },
        markets: [
          { name: "A", market: { price: { shocks: [{ step: 3, return: -0.2 }] } } },
          { name: "B", market: { price: { shocks: null } }, liquidation: { engine: "market" } },
        ],
      },
      ".",
    );
    expect(scenario.markets![0].market.price.shocks).toEqual([{ step: 3, return: -0.2 }]);
    expect(scenario.markets![0].liquidation.partial?.fraction).toBe(0.5);
    expect(scenario.markets![1].market.price.shocks).toEqual([]);
    expect(scenario.markets![1].liquidation.partial).toBeUndefined();
  });

  it("defaults the correlation to the identity", () => {
    const { scenario } = resolveScenario({ ...small, markets: [{ name: "A" }, { name: "B" }] }, ".");
    expect(scenario.correlation).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it("names the full path of a market's problem", () => {
    const problems = problemsOf(() =>
      resolveScenario({ ...small, markets: [{ name: "A" }, { name: "B", market: { tickSize: 0 } }] }, "."),
    );
    expect(problems).toContain("markets[1].market.tickSize must be > 0 (received 0)");
    expect(problems.every((p) => p.startsWith("markets[1]."))).toBe(true);
  });

  it("says a problem of the top-level blocks once", () => {
    const problems = problemsOf(() =>
      resolveScenario({ ...small, market: { tickSize: -1 }, markets: [{ name: "A" }, { name: "B" }] }, "."),
    );
    expect(problems.filter((p) => p.includes("tickSize"))).toEqual(["market.tickSize must be > 0 (received -1)"]);
  });

  it("refuses venue-wide keys in a market, naming the top-level key", () => {
    const problems = problemsOf(() =>
      resolveScenario({ ...small, markets: [{ name: "A", steps: 5, insurance: {}, liquidation: { maxRoundsPerStep: 3 } }] }, "."),
    );
    expect(problems).toContain("markets[0].steps is venue-wide: give it at the top level (steps), it applies to every market");
    expect(problems.some((p) => p.startsWith("markets[0].insurance is venue-wide"))).toBe(true);
    expect(problems.some((p) => p.startsWith("markets[0].liquidation.maxRoundsPerStep is venue-wide"))).toBe(true);
  });

  it("refuses bad names, duplicate names and unknown keys", () => {
    const problems = problemsOf(() =>
      resolveScenario({ ...small, markets: [{ name: "A" }, { name: "A" }, { name: "a.b" }, { name: "C", markt: {} }] }, "."),
    );
    expect(problems.some((p) => p.startsWith("markets[1].name must differ from markets[0].name"))).toBe(true);
    expect(problems.some((p) => p.startsWith("markets[2].name must be 1 to 32 letters"))).toBe(true);
    expect(problems.some((p) => p.startsWith("markets[3].markt is not a known key (did you mean market?)"))).toBe(true);
    expect(problemsOf(() => resolveScenario({ markets: [] }, "."))).toEqual([
      "markets must have at least 1 item(s) (received [])",
    ]);
  });

  it("checks the correlation: shape, unit diagonal, range, symmetry, positive definiteness", () => {
    const m = (correlation: unknown) =>
      problemsOf(() => resolveScenario({ ...small, markets: [{ name: "A" }, { name: "B" }, { name: "C" }], correlation }, "."));
    expect(m([[1, 0]])[0]).toMatch(/^correlation must be a 3×3 matrix/);
    expect(
      m([
        [1, 0, 0],
        [0, 2, 0],
        [0, 0, 1],
      ]),
    ).toContain("correlation[1][1] must be 1 (received 2)");
    expect(
      m([
        [1, 0.5, 0],
        [0.4, 1, 0],
        [0, 0, 1],
      ])[0],
    ).toMatch(/^correlation\[0\]\[1\] must equal correlation\[1\]\[0\]/);
    expect(
      m([
        [1, 1.5, 0],
        [1.5, 1, 0],
        [0, 0, 1],
      ])[0],
    ).toMatch(/^correlation\[0\]\[1\] must be in \[-1, 1\]/);
    expect(
      m([
        [1, 0.9, -0.9],
        [0.9, 1, 0.9],
        [-0.9, 0.9, 1],
      ])[0],
    ).toMatch(/^correlation must be positive definite/);
    expect(problemsOf(() => resolveScenario({ ...small, correlation: [[1]] }, "."))).toContain(
      "correlation is only used with markets (the correlation of several markets' returns)",
    );
  });

  it("applies a venue to every market", () => {
    const { scenario } = resolveScenario({ ...small, venue: "hyperliquid-btc", markets: [{ name: "A" }, { name: "B" }] }, ".");
    const top = resolveScenario({ ...small, venue: "hyperliquid-btc" }, ".").scenario;
    for (const m of scenario.markets!) {
      expect(m.liquidation).toEqual(top.liquidation);
      expect(m.margin).toEqual(top.margin);
      expect(m.adl).toEqual(top.adl);
    }
  });

  it("resolves the files a market names per market", () => {
    const inputs = resolveScenario(
      { ...small, markets: [{ name: "A" }, { name: "B", accounts: { positionsFile: "positions.csv" } }] },
      FIXTURES,
    );
    expect(inputs.markets?.[0].positions).toBeUndefined();
    expect(inputs.markets?.[1].positions?.length).toBeGreaterThan(0);
    expect(marketScenarios(inputs)[1].positions).toBe(inputs.markets?.[1].positions);
  });

  it("leaves a scenario without markets exactly as before (no markets or correlation key, same hash)", () => {
    const inputs = resolveScenario(small, ".");
    expect("markets" in inputs.scenario).toBe(false);
    expect("correlation" in inputs.scenario).toBe(false);
    expect(inputs.markets).toBeUndefined();
    expect(marketScenarios(inputs)).toEqual([inputs]);
    expect(scenarioRecordNames(inputs.scenario)).toEqual([...METRIC_NAMES]);
    // a one-market markets list is a different scenario (and hash) from the plain file: the record differs too
    const listed = resolveScenario({ ...small, markets: [{ name: "A" }] }, ".");
    expect(scenarioHash(listed)).not.toBe(scenarioHash(inputs));
  });
});

describe("buildMarketsSetup", () => {
  it("gives each market the setup of its own whole scenario, the names and the Cholesky factor", () => {
    const inputs = resolveScenario(two, ".");
    const setup = buildMarketsSetup(inputs);
    expect(setup.names).toEqual(["BTC", "ETH"]);
    // each market's block equals buildSetup of the single-market file its merged blocks make
    const btcAlone = resolveScenario({ ...small, market: { initialPrice: 60000, tickSize: 1 } }, ".");
    const ethAlone = resolveScenario(
      {
        ...small,
        market: { initialPrice: 100, tickSize: 0.01, price: { volatility: 1.2 } },
        accounts: { count: 300 },
        liquidation: { engine: "partial" },
      },
      ".",
    );
    expect(setup.markets[0]).toEqual(buildSetup(btcAlone));
    expect(setup.markets[1]).toEqual(buildSetup(ethAlone));
    // the venue-wide slots are equal in every block (the engines read market 0's)
    expect(setup.markets[0].params.length).toBe(setup.markets[1].params.length);
    const l = setup.cholesky;
    expect(l[0]).toBe(1);
    expect(l[1]).toBe(0);
    expect(l[2]).toBe(0.8);
    expect(l[3]).toBeCloseTo(0.6, 15);
  });
});

describe("the record layout of 2 markets through the host", () => {
  const inputs = resolveScenario(two, ".");
  const names = scenarioRecordNames(inputs.scenario);
  const count = 50;
  const records = new Float64Array(count * names.length);
  for (let i = 0; i < count; i++) {
    for (let m = 0; m < names.length; m++) {
      const name = names[m];
      records[i * names.length + m] = name.endsWith("firstLiquidationStep")
        ? (i % 5) - 1
        : name.endsWith("marginHeld")
          ? Number.NaN
          : name.endsWith("bookExhausted")
            ? 0
            : name.endsWith("liquidations") || name.endsWith("adlCount")
              ? i % 7
              : 100 + ((i * 37 + m * 11) % 97);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "markets-layout-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names the columns: the venue's metrics, then each market's", () => {
    expect(names).toEqual(recordNames(["BTC", "ETH"]));
    expect(names.length).toBe(METRIC_NAMES.length + 2 * MARKET_METRICS.length);
    expect(names.slice(METRIC_NAMES.length, METRIC_NAMES.length + 2)).toEqual([
      "markets.BTC.liquidations",
      "markets.BTC.liquidatedNotional",
    ]);
  });

  it("summary.json has statistics of every per-market metric, and the console a per-market table", () => {
    const columns = MetricColumns.fromRecords(records, count, names);
    const summary = buildSummary({
      version: "test",
      scenario: inputs.scenario,
      seed: 1,
      paths: count,
      engine: "ts",
      threads: 1,
      runtimeMs: 0,
      columns,
    });
    expect(Object.keys(summary.metrics)).toEqual(names);
    for (const market of ["BTC", "ETH"]) {
      for (const metric of MARKET_METRICS) {
        const s = (summary.metrics as Record<string, { mean: number; p99: number; es99: number }>)[`markets.${market}.${metric}`];
        expect(Number.isFinite(s.mean)).toBe(true);
        expect(Number.isFinite(s.es99)).toBe(true);
      }
    }
    const m = summary.metrics as Record<string, { min: number }>;
    expect(m["markets.ETH.minPrice"].min).toBe(Math.min(...Array.from(columns.column("markets.ETH.minPrice"))));
    expect((summary.warnings as string[]).some((w) => w.startsWith("several markets: "))).toBe(true);
    const text = formatSummaryTable(summary);
    expect(text).toContain("per market:");
    expect(text).toMatch(/ETH\s+│\s+liquidatedNotional/);
  });

  it("paths.csv has a column per record column and reads back bit for bit", async () => {
    const w = await PathsCsvWriter.open(join(dir, "csv"), { names });
    await w.writeRecords(0, records, count);
    await w.close();
    const text = readFileSync(join(dir, "csv", "paths.csv"), "utf8");
    expect(text.split("\n")[0]).toBe(["path", ...names].join(","));
    const back = await readPathsCsv(join(dir, "csv", "paths.csv"), { names });
    expect(back.count).toBe(count);
    expect(Array.from(back.records)).toEqual(Array.from(records));
    await expect(readPathsCsv(join(dir, "csv", "paths.csv"))).rejects.toThrow(/header must be/);
  });

  it("paths.parquet has a column per record column, typed as its metric, and reads back bit for bit", async () => {
    const sink = await ParquetSink.open(join(dir, "pq"), { names, metadata: {} });
    await sink.writeRecords(0, records, count);
    await sink.close();
    const back = await readPathsParquet(join(dir, "pq", "paths.parquet"), { names });
    expect(back.count).toBe(count);
    expect(Array.from(back.records)).toEqual(Array.from(records));
    await expect(readPathsParquet(join(dir, "pq", "paths.parquet"))).rejects.toThrow(/columns must be/);
  });
});
