// Dynamic margin (issue 7): the position-size premium (FTX / Drift: position IMF = max(base IMF, imfFactor × √size),
// maintenance half of it) and open-interest-scaled initial margin (dYdX v4 liquidity tiers: IMF rises linearly from
// the base at lowerCap to 100% at upperCap of total open interest). Each by its defining behaviour, the expected
// values derived here from the semantics in src/config/scenario.ts, never copied from an engine run; every scenario
// also runs on the WASM kernel (release and debug) and must give the reference's records bit for bit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PositionRow, Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { tierIndex } from "../../src/engine/margin.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { tierTable, type Population } from "../../src/engine/population.js";
import { ReferenceEngine } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { firstDifference, runReference, runWasm, seedWords } from "../helpers/engines.js";
import { fundamentalAt, START } from "../helpers/mechanism-scenarios.js";
import { baseScenario } from "../helpers/scenario.js";

/** The reference engine after prepare (the run's population drawn), and the setup it runs on. */
function prepared(inputs: ScenarioInputs) {
  const setup = buildSetup(inputs);
  const engine = new ReferenceEngine(setup);
  engine.prepare(...seedWords(inputs.scenario.seed));
  return { engine, setup, pop: engine.population };
}

/** The WASM kernel (release and debug) gives the reference's records bit for bit, over `paths` paths. */
function expectBitIdentical(inputs: ScenarioInputs, paths = 4): Float64Array {
  const ts = runReference(inputs, paths);
  for (const build of ["release", "debug"] as const)
    expect(firstDifference(ts, runWasm(inputs, paths, build)), `${build}: first differing slot`).toBe(-1);
  return ts;
}

/** The WASM kernel's population gives the reference's liquidation prices bit for bit (so the same collateral). */
function expectSamePopulation(inputs: ScenarioInputs, pop: Population): void {
  for (const build of ["release", "debug"] as const) {
    const wasm = new WasmEngine(buildSetup(inputs), { build, batch: 7 });
    wasm.prepare(...seedWords(inputs.scenario.seed));
    expect(
      firstDifference(wasm.liquidationPrices(), pop.liq.slice(0, pop.count)),
      `${build}: first differing liquidation price`,
    ).toBe(-1);
  }
}

/** The default population (2,000 accounts at 30,000, Pareto notionals from 1,000, Binance brackets) under the scan engine. */
function generated(margin: Partial<Scenario["margin"]> = {}, accounts: Partial<Scenario["accounts"]> = {}): ScenarioInputs {
  const base = baseScenario();
  return {
    scenario: {
      ...base,
      steps: 20,
      accounts: { ...base.accounts, ...accounts },
      margin: { ...base.margin, model: "tiers", ...margin },
    },
  };
}

const notionalOf = (pop: Population, i: number) => pop.size[i] * pop.entry[i];
const leverageOf = (pop: Population, i: number) => notionalOf(pop, i) / pop.collateral[i];
/** 1 / the account's bracket's max leverage: the base initial margin fraction. */
function baseImf(setup: ReturnType<typeof buildSetup>, pop: Population, i: number): number {
  return 1 / setup.tierMaxLeverage[tierIndex(tierTable(setup), notionalOf(pop, i))];
}

// ---------------------------------------------------------------------------------------------------------------
// 1. The size premium at admission
// ---------------------------------------------------------------------------------------------------------------

describe("margin.sizePremium: admission (leverage capped at 1 / max(baseIMF, imfFactor × √size))", () => {
  // imf 0.02: the premium's fraction passes the first bracket's 1/125 at √q = 0.4 (q = 0.16, 4,800 notional);
  // a 1-unit position gets 50×, a 16-unit one (480,000, bracket 50×) 1 / 0.08 = 12.5×, the 166-unit cap about 3.9×.
  // Heavier-tailed notionals (α 0.6) and a median leverage of 20 put hundreds of accounts on both sides of the cap.
  const IMF = 0.02;
  const accounts = (leverage: Scenario["accounts"]["leverage"]): Partial<Scenario["accounts"]> => ({
    leverage,
    notional: { dist: "pareto", min: 1000, alpha: 0.6, max: 5_000_000 },
  });
  const drawn = accounts({ dist: "lognormal", median: 20, sigma: 0.6, max: 100 });

  it("caps every generated account, and puts those whose drawn leverage exceeded the cap exactly on it", () => {
    const withKey = generated({ sizePremium: { imfFactor: IMF } }, drawn);
    const { setup, pop } = prepared(withKey);
    // the same draws without the key
    const { pop: plain } = prepared(generated({}, drawn));
    let capped = 0;
    let untouched = 0;
    let bigUncapped = 0;
    for (let i = 0; i < pop.count; i++) {
      expect(pop.size[i]).toBe(plain.size[i]);
      expect(pop.isLong[i]).toBe(plain.isLong[i]);
      const base = baseImf(setup, pop, i);
      const imf = IMF * Math.sqrt(pop.size[i]);
      const cap = 1 / Math.max(base, imf);
      const lev = leverageOf(pop, i);
      expect(lev, `account ${i}`).toBeLessThanOrEqual(cap + 1e-12);
      const drawn = leverageOf(plain, i);
      if (imf > base && drawn > 1 / imf) {
        // above the threshold size and drawn above the cap: exactly at it
        expect(Math.abs(lev - 1 / imf), `account ${i} at its size cap`).toBeLessThanOrEqual(1e-12 * (1 / imf));
        capped++;
      } else {
        // the premium does not bind: the account is the one drawn without the key, bit for bit
        expect(pop.collateral[i], `account ${i} untouched`).toBe(plain.collateral[i]);
        untouched++;
        if (imf > base) bigUncapped++;
      }
    }
    // the scenario exercises both sides of the cap, and big positions drawn at low leverage keep it
    expect(capped).toBeGreaterThan(50);
    expect(untouched).toBeGreaterThan(100);
    expect(bigUncapped).toBeGreaterThan(100);
    expectSamePopulation(withKey, pop);
    expectBitIdentical(withKey);
  });

  it("bigger positions get less leverage: the cap falls as 1 / √size", () => {
    const inputs = generated({ sizePremium: { imfFactor: IMF } }, accounts({ dist: "fixed", median: 100, sigma: 0, max: 100 }));
    const { setup, pop } = prepared(inputs);
    // every account drew 100× (then its bracket's cap); where imf √q is above both 1/100 and the bracket's fraction,
    // its leverage is 1 / (imf √q), which falls with size
    const big = Array.from({ length: pop.count }, (_, i) => i).filter(
      (i) => IMF * Math.sqrt(pop.size[i]) > Math.max(1 / 100, baseImf(setup, pop, i)),
    );
    expect(big.length).toBeGreaterThan(50);
    big.sort((a, b) => pop.size[a] - pop.size[b]);
    for (let k = 1; k < big.length; k++)
      expect(leverageOf(pop, big[k])).toBeLessThanOrEqual(leverageOf(pop, big[k - 1]) * (1 + 1e-12));
    for (const i of big) expect(Math.abs(leverageOf(pop, i) * IMF * Math.sqrt(pop.size[i]) - 1)).toBeLessThan(1e-12);
    expectSamePopulation(inputs, pop);
  });

  it("a positions file is not admitted: its collateral is kept", () => {
    const inputs = handBuilt(0.01);
    const { pop } = prepared(inputs);
    for (let i = 0; i < pop.count; i++) expect(pop.collateral[i]).toBe(inputs.positions![i].collateral);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. The size premium in maintenance (the scan engine)
// ---------------------------------------------------------------------------------------------------------------

const MMR = 0.01;
const SHOCK = -0.1; // at step 2
const SIZES = [1, 4, 9, 16, 25, 100];
/** Equity at the shocked mark as a fraction of notional: around both thresholds (tier 1%; premium ½·imf·√q up to 5%). */
const RATIOS = [0.005, 0.015, 0.025, 0.035, 0.045, 0.06, 0.2];

/**
 * Longs entered at 1,000, one per (size, equity ratio); an oracle mark (the fundamental: 1,000 then 900 from step 2,
 * never moved by the liquidation sales), the tiers model at 1%. At 900 a long of size q with collateral
 * q·100 + r·q·900 has equity r × its notional; at 1,000 every account's equity is ≥ 10% of notional, above both terms.
 */
function handBuilt(imfFactor?: number): ScenarioInputs {
  const base = baseScenario();
  const positions: PositionRow[] = [];
  for (const q of SIZES)
    for (const r of RATIOS)
      positions.push({ account: `q${q}r${r}`, side: "long", size: q, entryPrice: START, collateral: q * 100 + r * q * 900 });
  const scenario: Scenario = {
    ...base,
    paths: 1,
    steps: 6,
    market: {
      ...base.market,
      initialPrice: START,
      tickSize: 1,
      price: {
        model: "none",
        volatility: 0,
        drift: 0,
        jumps: { intensity: 0, meanLog: 0, stdLog: 0 },
        shocks: [{ step: 2, return: SHOCK }],
      },
      book: { levels: 2000, depth: { profile: "flat", size: 1000, decayTicks: 300, exponent: 0.5, saturationTicks: 600 } },
      impact: { halfLifeSeconds: 810.804, permanentShare: 0 },
      mark: { model: "oracle" },
    },
    margin: { mode: "isolated", tiers: [{ floor: 0, mmr: MMR, maintenanceAmount: 0 }], model: "tiers" },
    liquidation: { engine: "market", feeRate: 0, maxRoundsPerStep: 1000 },
    insurance: { initialBalance: 1e9 },
    adl: { ranking: "none" },
  };
  if (imfFactor !== undefined) scenario.margin.sizePremium = { imfFactor };
  return { scenario, positions };
}

describe("margin.sizePremium: maintenance (requirement max(model, notional × ½ × imfFactor × √size))", () => {
  const IMF = 0.01; // ½·imf·√q: 0.5% (q 1), 1% (q 4), 1.5%, 2%, 2.5%, 5% (q 100): the premium binds from q = 9
  const marks = [START, fundamentalAt(2, [{ step: 2, return: SHOCK }], START)];
  const requirement = (q: number, m: number, imf: number) => Math.max(MMR * q * m, 0.5 * imf * Math.sqrt(q) * q * m);
  /** Whether a long is under its requirement at some mark of the path. */
  const expectedClosed = (p: PositionRow, imf: number) =>
    marks.some((m) => p.collateral + p.size * (m - p.entryPrice) <= requirement(p.size, m, imf));

  it("liquidates an account exactly when its equity ≤ max(tier MM, ½·imf·√q·notional)", () => {
    const inputs = handBuilt(IMF);
    const ref = new ReferenceEngine(buildSetup(inputs));
    ref.prepare(...seedWords(inputs.scenario.seed));
    const out = new Float64Array(RECORD_STRIDE);
    ref.runPaths(0, 1, out);
    const wasms = (["release", "debug"] as const).map((build) => {
      const w = new WasmEngine(buildSetup(inputs), { build, batch: 7 });
      w.prepare(...seedWords(inputs.scenario.seed));
      const o = new Float64Array(RECORD_STRIDE);
      w.runPaths(0, 1, o);
      expect(firstDifference(out, o), `${build}: first differing slot`).toBe(-1);
      return w;
    });
    const positions = inputs.positions!;
    let premiumOnly = 0;
    positions.forEach((p, i) => {
      const closed = expectedClosed(p, IMF);
      expect(ref.isClosed(i), p.account).toBe(closed);
      for (const w of wasms) expect(w.isClosed(i), `${p.account} (wasm)`).toBe(closed);
      // the premium is the binding term: liquidated with it, not under the tiers alone
      if (closed && !expectedClosed(p, 0)) premiumOnly++;
    });
    // q 9: 1.5% takes r 1.5%; q 16: 2% also no more; q 25: 2.5% takes r 1.5%, 2.5%; q 100: 5% takes r 1.5% to 4.5%
    expect(premiumOnly).toBe(1 + 1 + 2 + 4);
    expect(out[METRIC.liquidations]).toBe(positions.filter((p) => expectedClosed(p, IMF)).length);

    // marginHeld: the mean over steps of Σ requirement of the open positions at the step's opening mark
    const steps = inputs.scenario.steps;
    let held = 0;
    for (let t = 1; t <= steps; t++) {
      const m = t < 2 ? marks[0] : marks[1];
      // everyone is liquidated in step 2's rounds, after its opening: from step 3 on only the survivors hold margin
      for (const p of positions) if (t <= 2 || !expectedClosed(p, IMF)) held += requirement(p.size, m, IMF);
    }
    expect(Math.abs(out[METRIC.marginHeld] / (held / steps) - 1)).toBeLessThan(1e-12);
  });

  it("without the key the same positions are held to the tiers alone", () => {
    const inputs = handBuilt();
    const ref = new ReferenceEngine(buildSetup(inputs));
    ref.prepare(...seedWords(inputs.scenario.seed));
    ref.runPaths(0, 1, new Float64Array(RECORD_STRIDE));
    inputs.positions!.forEach((p, i) => expect(ref.isClosed(i), p.account).toBe(expectedClosed(p, 0)));
    expectBitIdentical(inputs, 1);
  });

  it("raises the vol-scaled and risk-based requirements too, and the backstop and close-factor engines read it", () => {
    for (const model of ["vol-scaled", "risk-based"] as const) {
      for (const engine of ["market", "partial", "backstop", "close-factor"] as const) {
        const inputs = handBuilt(IMF);
        inputs.scenario.margin.model = model;
        inputs.scenario.liquidation.engine = engine;
        inputs.scenario.market.price = { ...inputs.scenario.market.price, model: "gbm", volatility: 0.6 };
        inputs.scenario.market.mark = { model: "last" };
        const withPremium = expectBitIdentical(inputs, 3);
        inputs.scenario.margin.sizePremium = undefined;
        // the premium changes the run (at the step-1 opening everyone is open: more margin held)
        expect(firstDifference(withPremium, runReference(inputs, 3)), `${model} / ${engine}`).not.toBe(-1);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. Open-interest-scaled initial margin
// ---------------------------------------------------------------------------------------------------------------

describe("margin.openInterestScaling: IMF = base + (1 − base) × clamp((OI − lower)/(upper − lower), 0, 1)", () => {
  const { pop: plain } = prepared(generated());
  /** The population's open interest, Σ notional, from the population without the key (the same draws). */
  let oi0 = 0;
  for (let i = 0; i < plain.count; i++) oi0 += notionalOf(plain, i);

  function checkScaled(lowerCap: number, upperCap: number, margin: Partial<Scenario["margin"]> = {}) {
    const inputs = generated({ openInterestScaling: { lowerCap, upperCap }, ...margin });
    const { setup, pop } = prepared(inputs);
    // f from the population's own notionals
    let oi = 0;
    for (let i = 0; i < pop.count; i++) oi += notionalOf(pop, i);
    const f = Math.min(1, Math.max(0, (oi - lowerCap) / (upperCap - lowerCap)));
    let capped = 0;
    for (let i = 0; i < pop.count; i++) {
      expect(pop.size[i]).toBe(plain.size[i]);
      const base = baseImf(setup, pop, i);
      const cap = 1 / (base + (1 - base) * f);
      const lev = leverageOf(pop, i);
      expect(lev, `account ${i}`).toBeLessThanOrEqual(cap * (1 + 1e-12));
      if (margin.sizePremium === undefined) {
        if (leverageOf(plain, i) > cap * (1 + 1e-12)) {
          expect(Math.abs(lev / cap - 1), `account ${i} at the cap`).toBeLessThan(1e-12);
          capped++;
        } else if (leverageOf(plain, i) < cap * (1 - 1e-12)) expect(pop.collateral[i]).toBe(plain.collateral[i]);
      }
    }
    expectSamePopulation(inputs, pop);
    expectBitIdentical(inputs);
    return { f, capped, pop, inputs };
  }

  it("caps each account at 1 / IMF with f from the population's open interest", () => {
    const { f, capped } = checkScaled(0.5 * oi0, 2 * oi0);
    expect(f).toBeGreaterThan(0.3);
    expect(f).toBeLessThan(0.4);
    // IMF ≥ 1/3: leverage at most 3×, and most accounts drew more
    expect(capped).toBeGreaterThan(1000);
  });

  it("at or above the upper cap the IMF is 100%: no account has leverage above 1", () => {
    const { f, pop } = checkScaled(0, 0.5 * oi0);
    expect(f).toBe(1);
    for (let i = 0; i < pop.count; i++) expect(leverageOf(pop, i)).toBeLessThanOrEqual(1 + 1e-12);
  });

  it("open interest below the lower cap leaves the population, and every record, unchanged bit for bit", () => {
    const inputs = generated({ openInterestScaling: { lowerCap: 2 * oi0, upperCap: 3 * oi0 } });
    const { pop } = prepared(inputs);
    for (const key of ["isLong", "size", "entry", "collateral", "liq"] as const) {
      expect(firstDifference(Float64Array.from(pop[key]), Float64Array.from(plain[key])), key).toBe(-1);
    }
    const ts = expectBitIdentical(inputs);
    expect(firstDifference(ts, runReference(generated(), 4))).toBe(-1);
  });

  it("with the size premium both caps apply", () => {
    const imf = 0.01;
    const { pop, inputs } = checkScaled(0.9 * oi0, 3 * oi0, { sizePremium: { imfFactor: imf } });
    const setup = buildSetup(inputs);
    let f = 0;
    for (let i = 0; i < pop.count; i++) f += notionalOf(pop, i);
    f = (f - 0.9 * oi0) / (2.1 * oi0);
    for (let i = 0; i < pop.count; i++) {
      const base = baseImf(setup, pop, i);
      const cap = 1 / Math.max(base + (1 - base) * f, imf * Math.sqrt(pop.size[i]));
      expect(leverageOf(pop, i)).toBeLessThanOrEqual(cap * (1 + 1e-12));
    }
  });

  it("with resample, per population: each path's accounts are capped with that population's own f", () => {
    // a quarter of the accounts: about a quarter of the open interest, f around 0.2
    const inputs = generated({ openInterestScaling: { lowerCap: 0.05 * oi0, upperCap: oi0 } }, { resample: true, count: 500 });
    expectBitIdentical(inputs, 5);
    const setup = buildSetup(inputs);
    const engine = new ReferenceEngine(setup);
    engine.prepare(...seedWords(inputs.scenario.seed));
    const fs: number[] = [];
    for (let path = 0; path < 3; path++) {
      engine.runPaths(path, 1, new Float64Array(RECORD_STRIDE));
      const pop = engine.population;
      let oi = 0;
      for (let i = 0; i < pop.count; i++) oi += notionalOf(pop, i);
      const f = Math.min(1, Math.max(0, (oi - 0.05 * oi0) / (0.95 * oi0)));
      expect(f).toBeGreaterThan(0);
      fs.push(f);
      for (let i = 0; i < pop.count; i++) {
        const base = baseImf(setup, pop, i);
        expect(leverageOf(pop, i)).toBeLessThanOrEqual((1 / (base + (1 - base) * f)) * (1 + 1e-12));
      }
    }
    // the populations differ, and so does their open interest
    expect(new Set(fs).size).toBe(3);
  });

  it("a positions file is not affected", () => {
    const inputs = handBuilt();
    inputs.scenario.margin.openInterestScaling = { lowerCap: 0, upperCap: 1 };
    const { pop } = prepared(inputs);
    for (let i = 0; i < pop.count; i++) expect(pop.collateral[i]).toBe(inputs.positions![i].collateral);
    expect(firstDifference(expectBitIdentical(inputs, 1), runReference(handBuilt(), 1))).toBe(-1);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 4. Both engines draw the same admitted population on random scenarios
// ---------------------------------------------------------------------------------------------------------------

describe("the admitted population, reference == WASM", () => {
  // the differential test compares records, and a generated population seldom liquidates there: compare the
  // populations themselves (their liquidation prices, which depend on every account's collateral)
  it("gives bit-identical liquidation prices on random scenarios with and without both keys", () => {
    let withKeys = 0;
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const m = inputs.scenario.margin;
        if (m.sizePremium || m.openInterestScaling) withKeys++;
        const { pop } = prepared(inputs);
        expectSamePopulation(inputs, pop);
      }),
      { numRuns: 150, seed: 7007 },
    );
    expect(withKeys).toBeGreaterThan(50);
  });
});
