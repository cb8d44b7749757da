// The portfolio WASM kernel (assembly/portfolio/, build/portfolio.wasm) against the TypeScript reference
// engine (src/portfolio/engine.ts): both builds (release, and debug where every unchecked() is checked)
// give records bit-identical to the reference (Object.is on every f64), and the same money ledger at the end
// of the last path, on random portfolio scenarios and on the hand-computed fixtures.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PortfolioEngine, loadPortfolioScenario, type PortfolioLedger, type PortfolioScenario } from "../src/portfolio/index.js";
import { PORTFOLIO_ABI_VERSION, PortfolioWasmEngine, portfolioKernelModule } from "../src/kernel/portfolio-engine.js";
import { KernelError } from "../src/kernel/wasm-engine.js";
import { InternalError } from "../src/config/errors.js";

const BUILDS = ["release", "debug"] as const;

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/portfolio/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;

/** The first slot where two record blocks differ (Object.is), as a line naming path and metric; undefined when none. */
function firstDifference(names: string[], first: number, expected: Float64Array, actual: Float64Array): string | undefined {
  if (expected.length !== actual.length) return `record blocks differ in length: ${expected.length} vs ${actual.length}`;
  const stride = names.length;
  for (let k = 0; k < expected.length; k++) {
    if (!Object.is(expected[k], actual[k])) {
      const path = first + Math.floor(k / stride);
      return `path ${path}, slot ${k % stride} (${names[k % stride]}): reference ${expected[k]}, wasm ${actual[k]}`;
    }
  }
  return undefined;
}

/** Runs paths first..first+count−1 on the reference and on both builds; returns the reference's records. */
function expectIdentical(scenario: PortfolioScenario, first: number, count: number, batch = 3): Float64Array {
  const ts = new PortfolioEngine(scenario);
  let ledger: PortfolioLedger | undefined;
  ts.onStep = (l) => (ledger = l);
  const expected = new Float64Array(count * ts.stride);
  ts.runPaths(first, count, expected);
  for (const build of BUILDS) {
    const wasm = new PortfolioWasmEngine(scenario, { build, batch });
    expect(wasm.metricNames).toEqual(ts.metricNames);
    const actual = new Float64Array(count * wasm.stride);
    wasm.runPaths(first, count, actual);
    const diff = firstDifference(ts.metricNames, first, expected, actual);
    if (diff !== undefined) throw new Error(`${build} build: ${diff}\nscenario: ${JSON.stringify(scenario)}`);
    // the money at the end of the last path, which the records do not show (traders' cash, the makers)
    const { traders, insurance, makers, badDebt } = ledger!;
    const money = wasm.ledger();
    for (const [key, value] of Object.entries({ traders, insurance, makers, badDebt })) {
      if (!Object.is(money[key as keyof typeof money], value)) {
        throw new Error(
          `${build} build: ledger ${key} at the end of path ${first + count - 1}: reference ${value}, wasm ${money[key as keyof typeof money]}`,
        );
      }
    }
  }
  return expected;
}

/** A market with no randomness, a deep flat book (fills at the touch), MM 1/16 (as test/portfolio.test.ts). */
function quietMarket(name: string, initialPrice: number, shock: number) {
  return {
    name,
    initialPrice,
    tickSize: 1,
    volatility: 0,
    book: { levels: 400, depth: { profile: "flat", size: 1e6 }, resilience: 0 },
    tiers: [{ floor: 0, mmr: 0.0625, maintenanceAmount: 0 }],
    shocks: shock === 0 ? [] : [{ step: 1, return: shock }],
  };
}

describe("the portfolio kernel gives the reference engine's records bit for bit", () => {
  it("on the hand-computed worst-leg table (three markets, two accounts, a close-out paid by the fund)", () => {
    const account = (usdt: number) => ({
      legs: [
        { market: "A", side: "long", size: 10 },
        { market: "B", side: "short", size: 20 },
        { market: "C", side: "long", size: 5 },
      ],
      collateral: [{ asset: "USDT", amount: usdt }],
    });
    const scenario = loadPortfolioScenario({
      steps: 2,
      markets: [quietMarket("A", 1000, -0.1), quietMarket("B", 500, 0.02), quietMarket("C", 2000, -0.03)],
      accounts: { list: [account(2400), account(1500)] },
      liquidation: { feeRate: 0 },
    });
    const records = expectIdentical(scenario, 0, 1);
    const metric = (name: string) => records[new PortfolioEngine(scenario).metricNames.indexOf(name)];
    // the table's figures (test/portfolio.test.ts), so this is not two engines agreeing on nothing
    expect(metric("liquidations")).toBe(5);
    expect(metric("insuranceFinal")).toBe(1_000_000 - 17.5);
    expect(metric("accountsClosed")).toBe(1);
  });

  it("on the USDe depeg fixture (venue-book collateral), deep and thin collateral book", () => {
    const venue = fixture("usde-depeg.json");
    const deep = loadPortfolioScenario(venue);
    const records = expectIdentical(deep, 0, 1);
    const names = new PortfolioEngine(deep).metricNames;
    expect(records[names.indexOf("collateralSales")]).toBe(4);
    expect(records[names.indexOf("liquidations")]).toBe(4);
    const thin = structuredClone(venue) as { collateral: { assets: { price: { book: { depth: { size: number } } } }[] } };
    thin.collateral.assets[0].price.book.depth.size = 2;
    const thinRecords = expectIdentical(loadPortfolioScenario(thin), 0, 1);
    expect(thinRecords[names.indexOf("accountsClosed")]).toBeGreaterThan(4);
  });

  it("on the default scenario ({}: two markets, 1000 generated accounts), 4 paths from path 10", () => {
    const s = loadPortfolioScenario({ steps: 30 });
    expectIdentical(s, 10, 4);
  });

  /**
   * Random portfolio scenarios over every branch of the engine: 1–4 markets with an equicorrelation matrix
   * (positive definite for ρ > −1/(M−1)), one or two MM tiers, last or mid marks, flat or exponential books
   * thin enough to run out, refill from none to full, an external asset with its own volatility and shocks,
   * a venue-book asset (its own mark model) that depegs, late deposits, fees, funds from empty up, round caps,
   * explicit multi-leg accounts beside a generated population (fixed or drawn leverage and notional).
   */
  const scenarioArb = fc
    .record({
      markets: fc.integer({ min: 1, max: 4 }),
      rho: fc.integer({ min: -30, max: 90 }).map((v) => v / 100),
      vol: fc.integer({ min: 0, max: 40 }).map((v) => v / 10),
      shock: fc.integer({ min: -40, max: 10 }).map((v) => v / 100),
      depth: fc.double({ min: 0.02, max: 5, noNaN: true }),
      levels: fc.integer({ min: 5, max: 300 }),
      resilience: fc.constantFrom(0, 0.05, 0.5, 1),
      marks: fc.array(fc.constantFrom("last", "mid"), { minLength: 4, maxLength: 4 }),
      tiers: fc.boolean(),
      external: fc.boolean(),
      externalVol: fc.integer({ min: 0, max: 20 }).map((v) => v / 10),
      venueAsset: fc.boolean(),
      venueMark: fc.constantFrom("last", "mid"),
      depeg: fc.integer({ min: -60, max: 0 }).map((v) => v / 100),
      assetDepth: fc.double({ min: 5, max: 1e5, noNaN: true }),
      assetVol: fc.integer({ min: 0, max: 10 }).map((v) => v / 10),
      haircut: fc.integer({ min: 0, max: 50 }).map((v) => v / 100),
      count: fc.integer({ min: 0, max: 25 }),
      legsPerAccount: fc.integer({ min: 1, max: 4 }),
      lognormal: fc.boolean(),
      leverage: fc.integer({ min: 2, max: 60 }),
      explicit: fc.integer({ min: 0, max: 3 }),
      feeRate: fc.double({ min: 0, max: 0.03, noNaN: true }),
      insurance: fc.constantFrom(0, 50, 2000, 1e6),
      maxRounds: fc.constantFrom(1, 2, 1000),
      steps: fc.integer({ min: 1, max: 30 }),
      seed: fc.integer({ min: 0, max: 2 ** 40 }),
      late: fc.integer({ min: 0, max: 30 }),
      first: fc.integer({ min: 0, max: 1000 }),
      paths: fc.integer({ min: 1, max: 4 }),
      batch: fc.integer({ min: 1, max: 3 }),
    })
    .map((g) => {
      const prices = [30_000, 2000, 150, 0.5];
      const markets = Array.from({ length: g.markets }, (_, i) => ({
        name: `M${i}`,
        initialPrice: prices[i],
        tickSize: prices[i] / 2000,
        volatility: g.vol,
        mark: g.marks[i],
        book: {
          levels: g.levels,
          depth: {
            profile: i % 2 === 1 ? "exponential" : "flat",
            size: g.depth * (i + 1) * (30_000 / prices[i]) ** 0.5,
            decayTicks: 40,
          },
          resilience: g.resilience,
        },
        tiers: g.tiers
          ? [
              { floor: 0, mmr: 0.01, maintenanceAmount: 0 },
              { floor: 20_000, mmr: 0.025, maintenanceAmount: 300 },
            ]
          : [{ floor: 0, mmr: 0.02, maintenanceAmount: 0 }],
        // a crash in even markets, a squeeze (of half the size) in odd ones
        shocks: g.shock === 0 ? [] : [{ step: 1 + (i % g.steps), return: i % 2 === 0 ? g.shock : -g.shock / 2 }],
      }));
      const correlation = markets.map((_, i) => markets.map((_, j) => (i === j ? 1 : g.rho)));
      const assets: unknown[] = [{ name: "USDT" }];
      const mix: { asset: string; share: number; arrivesAtStep?: number }[] = [{ asset: "USDT", share: 0.5 }];
      if (g.external) {
        assets.push({
          name: "ETHC",
          haircut: g.haircut,
          price: {
            model: "external",
            initialPrice: 2000,
            volatility: g.externalVol,
            shocks: [{ step: g.steps, return: g.depeg / 2 }],
          },
        });
        mix.push({ asset: "ETHC", share: 0.25 });
      }
      if (g.venueAsset) {
        assets.push({
          name: "USDe",
          haircut: g.haircut,
          price: {
            model: "venue-book",
            initialPrice: 0.98,
            volatility: g.assetVol,
            mark: g.venueMark,
            book: {
              levels: 3000,
              depth: { profile: g.late % 2 === 0 ? "flat" : "exponential", size: g.assetDepth, decayTicks: 500 },
              resilience: g.resilience,
            },
            shocks: [{ step: 1 + (g.late % g.steps), return: g.depeg }],
          },
        });
        mix.push({ asset: "USDe", share: 0.25, arrivesAtStep: g.late % 4 });
      }
      mix[0].share = 1 - mix.slice(1).reduce((s, m) => s + m.share, 0);
      const list = Array.from({ length: g.explicit }, (_, k) => ({
        legs: markets
          .filter((_, i) => (i + k) % 2 === 0 || i === 0)
          .map((m, i) => ({
            market: m.name,
            side: (i + k) % 2 === 0 ? "long" : "short",
            size: (5000 * (k + 1)) / m.initialPrice,
            ...(i === 1 ? { entryPrice: m.initialPrice * 1.01 } : {}),
          })),
        collateral: [
          { asset: "USDT", amount: 400 * (k + 1) },
          {
            asset: assets.length > 1 ? (assets[assets.length - 1] as { name: string }).name : "USDT",
            amount: 300,
            arrivesAtStep: g.late,
          },
        ],
      }));
      return {
        raw: {
          seed: g.seed,
          steps: g.steps,
          markets,
          correlation,
          collateral: { assets },
          accounts: {
            generated: {
              count: g.count,
              legsPerAccount: Math.min(g.legsPerAccount, g.markets),
              leverage: g.lognormal
                ? { dist: "lognormal", median: g.leverage, sigma: 0.6, max: 100 }
                : { dist: "fixed", median: g.leverage, max: 100 },
              notional: g.lognormal
                ? { dist: "pareto", min: 1000, alpha: 1.2, max: 200_000 }
                : { dist: "fixed", min: 20_000, max: 20_000 },
              collateralMix: mix,
            },
            list,
          },
          liquidation: { feeRate: g.feeRate, maxRoundsPerStep: g.maxRounds },
          insurance: { initialBalance: g.insurance },
        },
        first: g.first,
        paths: g.paths,
        batch: g.batch,
      };
    });

  it("on 300 random portfolio scenarios (release and debug builds, batches of 1–3, paths from a random index)", () => {
    let liquidated = 0;
    let closedOut = 0;
    let withBadDebt = 0;
    let exhausted = 0;
    let paths = 0;
    fc.assert(
      fc.property(scenarioArb, ({ raw, first, paths: count, batch }) => {
        const scenario = loadPortfolioScenario(raw);
        const records = expectIdentical(scenario, first, count, batch);
        const names = new PortfolioEngine(scenario).metricNames;
        const stride = names.length;
        for (let p = 0; p < count; p++) {
          const at = (k: string) => records[p * stride + names.indexOf(k)];
          paths++;
          if (at("liquidations") > 0) liquidated++;
          if (at("collateralSales") > 0) closedOut++;
          if (at("badDebt") > 0) withBadDebt++;
          if (at("bookExhausted") > 0) exhausted++;
        }
      }),
      { numRuns: 300, seed: 20251010 },
    );
    // the comparison is only worth something if the paths exercise the engine's branches (measured with this
    // seed: 733 paths, 585 liquidate, 566 close an account out, 319 leave bad debt, 163 exhaust a book)
    expect(liquidated).toBeGreaterThan(paths / 3);
    expect(closedOut).toBeGreaterThan(paths / 5);
    expect(withBadDebt).toBeGreaterThan(paths / 10);
    expect(exhausted).toBeGreaterThan(0);
  });
});

describe("the portfolio kernel's ABI", () => {
  const scenario = loadPortfolioScenario({ steps: 3, accounts: { generated: { count: 10 } } });

  it("checks the ABI version and its record stride against the host's metric names", () => {
    const engine = new PortfolioWasmEngine(scenario);
    expect(engine.stride).toBe(engine.metricNames.length);
    const instance = new WebAssembly.Instance(portfolioKernelModule("release"), { env: { abort() {} } });
    expect((instance.exports.abiVersion as () => number)()).toBe(PORTFOLIO_ABI_VERSION);
  });

  it("returns status codes for expected failures: runPaths before prepare, bad capacities, init twice, a parameter block over capacity", () => {
    const e = new WebAssembly.Instance(portfolioKernelModule("debug"), { env: { abort() {} } }).exports as unknown as {
      init(...a: number[]): number;
      prepare(lo: number, hi: number): number;
      runPaths(first: number, count: number): number;
      regionPtr(r: number): number;
      memory: WebAssembly.Memory;
    };
    expect(e.runPaths(0, 1)).toBe(1);
    expect(e.init(0, 1, 1, 3, 1, 1, 0, 0, 0, 1)).toBe(2); // no market
    expect(e.init(1, 1, 1, 3, 2 ** 31 - 1, 1, 0, 0, 0, 1)).toBe(2); // a shock table of 2^32 slots
    expect(e.init(1, 1, 1, 3, 1, 1, 0, 0, 0, 2)).toBe(0);
    expect(e.init(1, 1, 1, 3, 1, 1, 0, 0, 0, 2)).toBe(2); // once per instance
    // the parameter block still says 0 markets
    expect(e.prepare(1, 0)).toBe(2);
    expect(e.runPaths(0, 1)).toBe(1);
  });

  it("a run split into kernel batches gives the records of one batch", () => {
    const one = new PortfolioWasmEngine(scenario, { batch: 9 });
    const split = new PortfolioWasmEngine(scenario, { batch: 4 });
    const a = new Float64Array(9 * one.stride);
    const b = new Float64Array(9 * split.stride);
    one.runPaths(5, 9, a);
    split.runPaths(5, 9, b);
    expect(firstDifference(one.metricNames, 5, a, b)).toBeUndefined();
  });

  it("a trap is an InternalError naming the seed and the path that trapped", () => {
    const engine = new PortfolioWasmEngine(scenario, { build: "debug", batch: 8 });
    const e = (engine as unknown as { exports: { regionPtr(r: number): number; memory: WebAssembly.Memory } }).exports;
    // after prepare() checked them, point the first leg at market 7 (of 2): the debug build's checked access traps
    new Int32Array(e.memory.buffer, e.regionPtr(20), 1)[0] = 7;
    let error: unknown;
    try {
      engine.runPaths(3, 4, new Float64Array(4 * engine.stride));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InternalError);
    expect((error as InternalError).repro).toEqual({ seed: scenario.seed, pathIndex: 3 });
    expect((error as InternalError).message).toMatch(/^the portfolio kernel trapped \(.+\) in path 3$/);
  });

  it("a bad status surfaces as a KernelError with the host's words", () => {
    const engine = new PortfolioWasmEngine(scenario);
    // corrupt the kernel's leg table through its region (a market index out of range), then prepare again
    const e = (
      engine as unknown as {
        exports: { regionPtr(r: number): number; memory: WebAssembly.Memory; prepare(a: number, b: number): number };
      }
    ).exports;
    new Int32Array(e.memory.buffer, e.regionPtr(20), 1)[0] = 7;
    expect(e.prepare(0, 0)).toBe(3);
    expect(() => engine.runPaths(0, 1, new Float64Array(engine.stride))).toThrow(KernelError);
    expect(() => engine.runPaths(0, 1, new Float64Array(engine.stride))).toThrow(/used before init\(\) and prepare\(\)/);
  });
});
