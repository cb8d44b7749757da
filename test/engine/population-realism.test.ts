// A realistic account population (accounts.entry, accounts.notional.top10Share, accounts.hedgedShare): each key by
// its defining property, with expected values derived from the model in src/engine/population.ts (never copied from
// an engine run); both engines draw the same population bit for bit, and without the keys the population is the
// previous algorithm's bit for bit (a frozen copy of it below).
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/config/load.js";
import type { Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { METRIC } from "../../src/engine/metrics.js";
import { DOMAIN, LEVERAGE_DIST, NOTIONAL_DIST, P, SECONDS_PER_YEAR } from "../../src/engine/layout.js";
import { tierIndex } from "../../src/engine/margin.js";
import { exp, log, normalInv } from "../../src/engine/mathfn.js";
import { philox, uniform32, uniform52 } from "../../src/engine/philox.js";
import { allocatePopulation, tierTable, type Population } from "../../src/engine/population.js";
import { ReferenceEngine } from "../../src/engine/reference.js";
import { buildSetup, type EngineSetup } from "../../src/engine/setup.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { main } from "../../src/cli/program.js";
import { firstDifference, runReference, runWasm, seedWords } from "../helpers/engines.js";
import { problemsOf } from "../helpers/problems.js";
import { baseScenario } from "../helpers/scenario.js";

const PRICE = 30_000;
const DAY = 86_400;
const DEFAULT_SCENARIO = fileURLToPath(new URL("../../scenarios/btc-perp-crash.yaml", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../fixtures/config/", import.meta.url));

type Accounts = Scenario["accounts"];

/** The test scenario (2,000 accounts at 30,000, Binance brackets) with these accounts and margin keys. */
function scenarioWith(accounts: Partial<Accounts> = {}, margin: Partial<Scenario["margin"]> = {}, seed = 42): Scenario {
  const base = baseScenario();
  return { ...base, seed, steps: 20, accounts: { ...base.accounts, ...accounts }, margin: { ...base.margin, ...margin } };
}

interface Drawn {
  isLong: Int32Array;
  size: Float64Array;
  entry: Float64Array;
  collateral: Float64Array;
  liq: Float64Array;
}

/** The reference engine's run population (after prepare). */
function referencePopulation(scenario: Scenario): Population {
  const engine = new ReferenceEngine(buildSetup({ scenario }));
  engine.prepare(...seedWords(scenario.seed));
  return engine.population;
}

/** The WASM kernel's run population, read out of its memory after prepare. */
function wasmPopulation(scenario: Scenario, build: "release" | "debug"): Drawn {
  const engine = new WasmEngine(buildSetup({ scenario }), { build, batch: 4 });
  engine.prepare(...seedWords(scenario.seed));
  const e = engine.exports;
  const n = scenario.accounts.count;
  const f64 = (ptr: number) => new Float64Array(e.memory.buffer, ptr, n).slice();
  return {
    isLong: new Int32Array(e.memory.buffer, e.accIsLongPtr(), n).slice(),
    size: f64(e.accSizePtr()),
    entry: f64(e.accEntryPtr()),
    collateral: f64(e.accCollateralPtr()),
    liq: f64(e.accLiqPtr()),
  };
}

/** The first account and field where two populations differ, or "" (bit for bit: Object.is). */
function firstPopulationDifference(a: Drawn, b: Drawn, n: number): string {
  for (const field of ["isLong", "size", "entry", "collateral", "liq"] as const) {
    const at = firstDifference(Float64Array.from(a[field].subarray(0, n)), Float64Array.from(b[field].subarray(0, n)));
    if (at >= 0) return `${field}[${at}]: ${a[field][at]} vs ${b[field][at]}`;
  }
  return "";
}

/** Both WASM builds draw the reference's population bit for bit; returns the reference's. */
function expectSamePopulationEverywhere(scenario: Scenario): Population {
  const pop = referencePopulation(scenario);
  for (const build of ["release", "debug"] as const) {
    expect(firstPopulationDifference(pop, wasmPopulation(scenario, build), pop.count), `${build} vs reference`).toBe("");
  }
  return pop;
}

/**
 * The population algorithm as it was before the realism keys, frozen here: side, Pareto notional, lognormal
 * leverage capped by the bracket and dynamic initial margin, everyone entered at the initial price.
 */
function legacyPopulation(setup: EngineSetup, n: number, seedLo: number, seedHi: number): Drawn {
  const p = setup.params;
  const out = { ...allocatePopulation(n) };
  const price = p[P.initialPrice];
  const tiers = tierTable(setup);
  const w = new Uint32Array(4);
  const notionalOf = (i: number) => {
    philox(i, 0, 0, DOMAIN.population, seedLo, seedHi, w);
    let notional =
      p[P.notionalDist] === NOTIONAL_DIST.fixed
        ? p[P.notionalMin]
        : p[P.notionalMin] * exp(-log(uniform52(w[1], w[2])) * (1 / p[P.notionalAlpha]));
    if (notional > p[P.notionalMax]) notional = p[P.notionalMax];
    return notional;
  };
  let f = 0;
  if (p[P.oiUpperCap] > 0) {
    let oi = 0;
    for (let i = 0; i < n; i++) oi += notionalOf(i);
    f = (oi - p[P.oiLowerCap]) / (p[P.oiUpperCap] - p[P.oiLowerCap]);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
  }
  for (let i = 0; i < n; i++) {
    const notional = notionalOf(i);
    out.isLong[i] = uniform32(w[0]) < p[P.longShare] ? 1 : 0;
    philox(i, 0, 1, DOMAIN.population, seedLo, seedHi, w);
    let leverage =
      p[P.leverageDist] === LEVERAGE_DIST.fixed
        ? p[P.leverageMedian]
        : p[P.leverageMedian] * exp(p[P.leverageSigma] * normalInv(uniform52(w[0], w[1])));
    if (leverage > p[P.leverageMax]) leverage = p[P.leverageMax];
    const bracketMax = setup.tierMaxLeverage[tierIndex(tiers, notional)];
    if (leverage > bracketMax) leverage = bracketMax;
    const size = notional / price;
    if (f > 0 || p[P.sizeImf] > 0) {
      const base = 1 / bracketMax;
      if (f > 0 && leverage > 1 / (base + (1 - base) * f)) leverage = 1 / (base + (1 - base) * f);
      const imf = p[P.sizeImf] * Math.sqrt(size);
      if (p[P.sizeImf] > 0 && imf > base && leverage > 1 / imf) leverage = 1 / imf;
    }
    out.size[i] = size;
    out.entry[i] = price;
    out.collateral[i] = notional / leverage;
  }
  return out;
}

describe("without the new keys the population is today's, bit for bit", () => {
  const variants: [string, () => Scenario][] = [
    ["the test scenario", () => scenarioWith()],
    [
      "fixed leverage and notional",
      () =>
        scenarioWith({
          leverage: { dist: "fixed", median: 20, sigma: 0, max: 100 },
          notional: { dist: "fixed", min: 50_000, alpha: 1.5, max: 5e6 },
        }),
    ],
    [
      "heavy tails, another seed",
      () => scenarioWith({ notional: { dist: "pareto", min: 1000, alpha: 1.1, max: 5e7 }, longShare: 0.3 }, {}, 7),
    ],
    ["size premium", () => scenarioWith({}, { model: "tiers", sizePremium: { imfFactor: 0.002 } })],
    ["open-interest scaling", () => scenarioWith({}, { openInterestScaling: { lowerCap: 1e6, upperCap: 3e7 } })],
    ["maintenance at entry", () => scenarioWith({}, { maintenanceAt: "entry" })],
  ];
  it.each(variants)("%s: the frozen algorithm's sides, sizes, entries and collateral on both engines", (_, make) => {
    const scenario = make();
    const setup = buildSetup({ scenario });
    expect([setup.params[P.entryVariance], setup.params[P.top10Share], setup.params[P.hedgedPairs]]).toEqual([0, 0, 0]);
    const pop = expectSamePopulationEverywhere(scenario);
    const legacy = legacyPopulation(setup, scenario.accounts.count, ...seedWords(scenario.seed));
    for (const field of ["isLong", "size", "entry", "collateral"] as const) {
      const at = firstDifference(Float64Array.from(pop[field]), Float64Array.from(legacy[field]));
      expect(at, `${field}[${at}]`).toBe(-1);
    }
  });
});

describe("accounts.entry: entries spread along the price's history", () => {
  // low leverage: nobody is near liquidation at the initial price, so no entry is redrawn and the law is the model's
  const calm = (entry: Accounts["entry"], count = 40_000) =>
    scenarioWith({ count, entry, leverage: { dist: "fixed", median: 2, sigma: 0, max: 100 } });

  /** Mean, variance, the variance's standard error and the kurtosis of x (the SE from the sample's fourth moment). */
  function moments(x: Float64Array) {
    const n = x.length;
    let mean = 0;
    for (const v of x) mean += v / n;
    let m2 = 0;
    let m4 = 0;
    for (const v of x) {
      const d = v - mean;
      m2 += (d * d) / n;
      m4 += (d * d * d * d) / n;
    }
    return { mean, variance: m2, varianceSe: Math.sqrt((m4 - m2 * m2) / n), kurtosis: m4 / (m2 * m2) };
  }

  it.each([
    ["the market's volatility (0.8), a week", { historySeconds: 7 * DAY }, 0.8],
    ["its own volatility (1.5), three days", { historySeconds: 3 * DAY, volatility: 1.5 }, 1.5],
  ] as const)("%s: log(entry / P0) has the model's mean, variance and kurtosis", (_, entry, sigma) => {
    const pop = expectSamePopulationEverywhere(calm(entry));
    const x = Float64Array.from(pop.entry, (e) => Math.log(e / PRICE));
    const m = moments(x);
    // log(e/P0) = √(vU)·Z − vU/2, U ~ U(0,1), v = σ²H: mean −v/4, variance v/2 + v²/48, kurtosis → 4 (3 for a fixed τ)
    const v = (sigma * sigma * entry.historySeconds) / SECONDS_PER_YEAR;
    const variance = v / 2 + (v * v) / 48;
    expect(Math.abs(m.mean + v / 4), "mean within 5 standard errors").toBeLessThan(5 * Math.sqrt(variance / x.length));
    expect(Math.abs(m.variance - variance), "variance within 5 standard errors").toBeLessThan(5 * m.varianceSe);
    expect(Math.abs(Math.sqrt(m.variance) / Math.sqrt(variance) - 1), "standard deviation within 3%").toBeLessThan(0.03);
    expect(m.kurtosis, "a uniform age gives kurtosis ≈ 4").toBeGreaterThan(3.6);
    expect(m.kurtosis).toBeLessThan(4.4);
  });

  it("applies the leverage at entry: collateral = size × entry / leverage, the bracket of the entry notional", () => {
    const pop = referencePopulation(calm({ historySeconds: 7 * DAY }, 2000));
    let differ = 0;
    for (let i = 0; i < pop.count; i++) {
      expect(pop.collateral[i]).toBe((pop.size[i] * pop.entry[i]) / 2);
      if (pop.entry[i] !== PRICE) differ++;
    }
    expect(differ).toBe(pop.count);
  });

  it("keeps only accounts that survive to the initial price: longs liquidate below it, shorts above, liquidation prices spread", () => {
    const scenario = scenarioWith({
      count: 20_000,
      entry: { historySeconds: 14 * DAY },
      leverage: { dist: "lognormal", median: 25, sigma: 0.6, max: 100 },
    });
    const pop = expectSamePopulationEverywhere(scenario);
    let longLog = 0;
    let longs = 0;
    for (let i = 0; i < pop.count; i++) {
      if (pop.isLong[i] === 1) {
        expect(pop.liq[i]).toBeLessThan(PRICE);
        longLog += Math.log(pop.entry[i] / PRICE);
        longs++;
      } else expect(pop.liq[i]).toBeGreaterThan(PRICE);
    }
    // survivorship tilts high-leverage longs towards entries below the price (in profit)
    expect(longLog / longs).toBeLessThan(-0.01);
    // without the key the same accounts' liquidation prices sit within 1/leverage of the price; with it they spread
    const flat = referencePopulation(scenarioWith({ count: 20_000, leverage: scenario.accounts.leverage }));
    const spread = (p: Population) => {
      const r = Float64Array.from(
        p.liq.subarray(0, p.count).filter((_, i) => p.isLong[i] === 1),
        (l) => Math.log(l / PRICE),
      );
      return Math.sqrt(moments(r).variance);
    };
    expect(spread(pop)).toBeGreaterThan(2 * spread(flat));
  });

  it("thins positions out towards their liquidation price, as a market that has been liquidating them would", () => {
    // A bridge that must stay above the barrier: the density of d = log(P0 / L) vanishes linearly at 0, so of the
    // longs within 2δ of it about a quarter (∫0^δ x / ∫0^2δ x) are within δ; checking survival at P0 alone gives a half
    const scenario = scenarioWith({
      count: 40_000,
      entry: { historySeconds: 7 * DAY },
      leverage: { dist: "fixed", median: 20, sigma: 0, max: 100 },
    });
    const pop = expectSamePopulationEverywhere(scenario);
    const delta = 0.01;
    let near = 0;
    let nearer = 0;
    for (let i = 0; i < pop.count; i++) {
      if (pop.isLong[i] !== 1) continue;
      const d = Math.log(PRICE / pop.liq[i]);
      if (d < 2 * delta) near++;
      if (d < delta) nearer++;
    }
    expect(near, "enough longs near their liquidation price to tell").toBeGreaterThan(500);
    // ± 5 binomial standard errors around a quarter
    const se = Math.sqrt((0.25 * 0.75) / near);
    expect(Math.abs(nearer / near - 0.25)).toBeLessThan(5 * se);
  });

  it("a volatility of 0 enters everyone at the initial price, bit for bit as without the key", () => {
    const pop = referencePopulation(scenarioWith({ entry: { historySeconds: 7 * DAY, volatility: 0 } }));
    const plain = referencePopulation(scenarioWith());
    expect(firstPopulationDifference(pop, plain, pop.count)).toBe("");
  });
});

describe("accounts.notional.top10Share: the ten largest hold the stated share of open interest", () => {
  const openInterest = (pop: Population) => Float64Array.from(pop.size.subarray(0, pop.count), (q) => q * PRICE);
  function topTenShare(pop: Population): number {
    const oi = openInterest(pop);
    const sorted = Float64Array.from(oi).sort().reverse();
    let top = 0;
    for (let j = 0; j < 10; j++) top += sorted[j];
    return top / oi.reduce((a, b) => a + b, 0);
  }

  it.each([0.1, 0.3, 0.45, 0.9])("share %s, exactly, on both engines; every other account keeps its draw", (share) => {
    const scenario = scenarioWith({ count: 10_000, notional: { ...baseScenario().accounts.notional, top10Share: share } });
    const pop = expectSamePopulationEverywhere(scenario);
    expect(Math.abs(topTenShare(pop) - share)).toBeLessThan(1e-12);
    const plain = referencePopulation(scenarioWith({ count: 10_000 }));
    let changed = 0;
    for (let i = 0; i < pop.count; i++) if (pop.size[i] !== plain.size[i]) changed++;
    expect(changed).toBe(10);
    expect(topTenShare(plain), "the Pareto draws alone give the top ten a few percent").toBeLessThan(0.1);
  });

  it("a share below the draws' own only lowers the whales to the eleventh account's size", () => {
    const scenario = scenarioWith({ count: 40, notional: { ...baseScenario().accounts.notional, top10Share: 0.05 } });
    const pop = referencePopulation(scenario);
    const sorted = openInterest(pop).sort().reverse();
    expect(topTenShare(pop)).toBeGreaterThan(0.05);
    expect(Math.abs(sorted[9] / sorted[10] - 1)).toBeLessThan(1e-12);
  });

  it("with hedged pairs a whale's two legs stay equal, also when they straddle the tenth rank, and the share stays exact", () => {
    let straddles = 0;
    for (let seed = 1; seed <= 40; seed++) {
      // half the accounts in pairs, so that the tenth rank can fall between a pair's legs
      const scenario = scenarioWith(
        { count: 2000, hedgedShare: 0.5, notional: { ...baseScenario().accounts.notional, top10Share: 0.6 } },
        {},
        seed,
      );
      const pop = seed <= 4 ? expectSamePopulationEverywhere(scenario) : referencePopulation(scenario);
      for (let i = 0; i < 1000; i += 2) expect(pop.size[i + 1]).toBe(pop.size[i]);
      expect(Math.abs(topTenShare(pop) - 0.6)).toBeLessThan(1e-12);
      const ranked = Array.from(openInterest(pop).keys()).sort((a, b) => pop.size[b] - pop.size[a] || a - b);
      if ((ranked[9] & 1) === 0 && ranked[10] === ranked[9] + 1) straddles++;
    }
    expect(straddles, "some seeds put a pair across the tenth rank").toBeGreaterThan(0);
  });
});

describe("accounts.hedgedShare: pairs of a long and a short leg of equal size", () => {
  it("⌊h × count / 2⌋ pairs, each with one entry and its own collateral; longShare applies to the rest", () => {
    const scenario = scenarioWith({ count: 10_000, hedgedShare: 0.3, longShare: 0.6, entry: { historySeconds: 5 * DAY } });
    const pop = expectSamePopulationEverywhere(scenario);
    let hedged = 0;
    let ownCollateral = 0;
    for (let i = 0; i + 1 < pop.count; i++) {
      const pair =
        pop.isLong[i] === 1 && pop.isLong[i + 1] === 0 && pop.size[i] === pop.size[i + 1] && pop.entry[i] === pop.entry[i + 1];
      if (i < 3000 && i % 2 === 0) {
        expect(pair, `accounts ${i}, ${i + 1} form a pair`).toBe(true);
        hedged += 2;
        if (pop.collateral[i] !== pop.collateral[i + 1]) ownCollateral++;
      }
    }
    expect(hedged / pop.count).toBe(0.3);
    expect(ownCollateral, "each leg draws its own leverage").toBeGreaterThan(1000);
    let longs = 0;
    for (let i = 3000; i < pop.count; i++) longs += pop.isLong[i];
    const rest = pop.count - 3000;
    expect(Math.abs(longs / rest - 0.6)).toBeLessThan(5 * Math.sqrt((0.6 * 0.4) / rest));
  });
});

describe("both engines, the whole path: bit-identical records with every key", () => {
  const cases: [string, Partial<Accounts>][] = [
    ["entries", { entry: { historySeconds: 3 * DAY } }],
    ["whales", { notional: { ...baseScenario().accounts.notional, top10Share: 0.45 } }],
    ["hedged", { hedgedShare: 0.2 }],
    [
      "all three, high leverage",
      {
        entry: { historySeconds: 10 * DAY, volatility: 1.2 },
        hedgedShare: 0.1,
        notional: { ...baseScenario().accounts.notional, top10Share: 0.3 },
        leverage: { dist: "lognormal", median: 30, sigma: 0.6, max: 100 },
      },
    ],
  ];
  it.each(cases)("%s (a heavy crash, ADL)", (_, accounts) => {
    const scenario = scenarioWith({ count: 3000, ...accounts });
    scenario.market.price.shocks = [{ step: 2, return: -0.08 }];
    scenario.insurance.initialBalance = 1000;
    const inputs: ScenarioInputs = { scenario };
    const ts = runReference(inputs, 6);
    for (const build of ["release", "debug"] as const)
      expect(firstDifference(ts, runWasm(inputs, 6, build)), `${build}: first differing slot`).toBe(-1);
  });

  it("with accounts.resample every path draws its own population, the same on both engines", () => {
    const scenario = scenarioWith({
      count: 1000,
      resample: true,
      entry: { historySeconds: 2 * DAY },
      hedgedShare: 0.5,
      notional: { ...baseScenario().accounts.notional, top10Share: 0.3 },
    });
    const inputs: ScenarioInputs = { scenario };
    const ts = runReference(inputs, 5);
    for (const build of ["release", "debug"] as const)
      expect(firstDifference(ts, runWasm(inputs, 5, build)), `${build}: first differing slot`).toBe(-1);
  });
});

describe("bad values are refused with a line naming the field", () => {
  const cases: { name: string; raw: unknown; field: string; says: string }[] = [
    {
      name: "a negative hedged share",
      raw: { accounts: { hedgedShare: -0.1 } },
      field: "accounts.hedgedShare",
      says: "must be >= 0 (received -0.1)",
    },
    {
      name: "a hedged share above 1",
      raw: { accounts: { hedgedShare: 1.5 } },
      field: "accounts.hedgedShare",
      says: "must be <= 1 (received 1.5)",
    },
    {
      name: "a negative top-10 share",
      raw: { accounts: { notional: { top10Share: -0.2 } } },
      field: "accounts.notional.top10Share",
      says: "must be > 0 (received -0.2)",
    },
    {
      name: "a top-10 share above 0.9",
      raw: { accounts: { notional: { top10Share: 1.2 } } },
      field: "accounts.notional.top10Share",
      says: "must be <= 0.9 (received 1.2)",
    },
    {
      name: "a top-10 share with ten accounts",
      raw: { accounts: { count: 10, notional: { top10Share: 0.5 } } },
      field: "accounts.notional.top10Share",
      says: "needs count > 10 (received count 10)",
    },
    {
      name: "a negative history",
      raw: { accounts: { entry: { historySeconds: -5 } } },
      field: "accounts.entry.historySeconds",
      says: "must be > 0 (received -5)",
    },
    {
      name: "an entry block without its history",
      raw: { accounts: { entry: { volatility: 0.5 } } },
      field: "accounts.entry.historySeconds",
      says: "must be a number",
    },
    {
      name: "a negative history volatility",
      raw: { accounts: { entry: { historySeconds: DAY, volatility: -1 } } },
      field: "accounts.entry.volatility",
      says: "must be >= 0 (received -1)",
    },
    {
      name: "a history too long for its volatility",
      raw: { accounts: { entry: { historySeconds: 3e8 } } },
      field: "accounts.entry.historySeconds",
      says: "must be <= 197100000 at volatility 0.8",
    },
    {
      name: "an unknown entry key",
      raw: { accounts: { entry: { historyDays: 3 } } },
      field: "accounts.entry.historyDays",
      says: "is not a known key",
    },
  ];
  it.each(cases)("$name", ({ raw, field, says }) => {
    const problems = problemsOf(() => resolveScenario(raw, FIXTURES));
    const hit = problems.find((p) => p.startsWith(`${field} `) && p.includes(says));
    expect(hit, `no problem naming ${field} saying "${says}" in:\n  ${problems.join("\n  ")}`).toBeDefined();
  });

  it.each([
    ["accounts.hedgedShare=-0.5", "error: accounts.hedgedShare must be >= 0 (received -0.5)"],
    ["accounts.notional.top10Share=1.5", "error: accounts.notional.top10Share must be <= 0.9 (received 1.5)"],
    ["accounts.entry.historySeconds=-1", "error: accounts.entry.historySeconds must be > 0 (received -1)"],
  ])("cascade validate --set %s exits 2 with one line", async (set, line) => {
    let stdout = "";
    let stderr = "";
    const code = await main(["validate", DEFAULT_SCENARIO, "--set", set], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    });
    expect([code, stdout, stderr]).toEqual([2, "", `${line}\n`]);
  });

  it("the default scenario with all three keys validates", async () => {
    let stdout = "";
    const sets = [
      "accounts.entry.historySeconds=345600",
      "accounts.notional.top10Share=0.3",
      "accounts.hedgedShare=0.05",
    ].flatMap((s) => ["--set", s]);
    const code = await main(["validate", DEFAULT_SCENARIO, ...sets], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: () => undefined },
    });
    expect([code, stdout]).toEqual([0, "ok: btc-perp-crash (2000 paths, 100 steps, 10000 accounts)\n"]);
  });
});

describe("with a positions file", () => {
  it("the generated population's keys are unused, like leverage and notional: accepted, and the records are those without them", () => {
    const raw = (extra: Record<string, unknown>) => ({
      paths: 4,
      steps: 20,
      market: { price: { shocks: [{ step: 3, return: -0.1 }] } },
      accounts: { positionsFile: "positions.csv", ...extra },
    });
    const plain = resolveScenario(raw({}), FIXTURES);
    const keyed = resolveScenario(
      raw({ entry: { historySeconds: DAY }, hedgedShare: 0.2, notional: { top10Share: 0.5 } }),
      FIXTURES,
    );
    const records = runReference(plain, 4);
    expect(records[METRIC.liquidations], "the file's accounts are liquidated").toBeGreaterThan(0);
    expect(firstDifference(records, runReference(keyed, 4))).toBe(-1);
    expect(firstDifference(records, runWasm(keyed, 4))).toBe(-1);
  });
});
