// A book that stress has emptied, or nearly (market.book.stress with floor 0 or 1e-178): the ask side has no end
// (2^30 levels), and a walk level by level through it once took about a minute per buy in the reference engine and
// 20 s per path in the kernel (src/engine/book.ts run(): long runs of one depth are now taken in one stroke).
import { describe, expect, it } from "vitest";
import type { PositionRow, Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { LatentBook } from "../../src/engine/book.js";
import type { Ledger } from "../../src/engine/ledger.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { createTracer } from "../../src/trace/engine.js";
import { stepsCsv } from "../../src/trace/format.js";
import { firstDifference, runWasm, seedWords } from "../helpers/engines.js";
import { baseScenario } from "../helpers/scenario.js";

/** The asks' last level (src/engine/book.ts NO_END): a buy beyond it fills at the level after it. */
const ASK_END = 2 ** 30 - 1;

function money(l: Ledger): number {
  return l.traders + l.insurance + l.makers + l.treasury + l.vault - l.badDebt - l.arrivals;
}

/**
 * The reference engine's records of `paths` paths, with money checked at every step (1e-9 relative) and the
 * kernel's records (release and bounds-checked debug) checked bit for bit against them.
 */
function runChecked(inputs: ScenarioInputs, paths: number): Float64Array {
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  const backstop = inputs.scenario.liquidation.backstop?.vaultCapital ?? 0;
  let initial = NaN;
  engine.onStep = (ledger) => {
    if (Number.isNaN(initial)) {
      initial = inputs.scenario.insurance.initialBalance + backstop;
      for (const c of engine.population.collateral.subarray(0, engine.population.count)) initial += c;
    }
    const scale = Math.max(1, initial, Math.abs(ledger.makers), ledger.badDebt);
    expect(Math.abs(money(ledger) - initial) / scale, `step ${ledger.step}`).toBeLessThanOrEqual(1e-9);
  };
  const out = new Float64Array(paths * RECORD_STRIDE);
  for (let p = 0; p < paths; p++) {
    initial = NaN;
    engine.runPaths(p, 1, out.subarray(p * RECORD_STRIDE));
  }
  for (const build of ["release", "debug"] as const)
    expect(firstDifference(out, runWasm(inputs, paths, build)), `${build}: first differing slot`).toBe(-1);
  return out;
}

describe("the close-factor market found by the markets generator (seed 17, case 347 of the conservation property)", () => {
  // market 1 of that case, its negligible values (1e-50 and below) set to 0: a short-only book of 7 accounts on a
  // latent book whose depth stress takes to 1.1e-178 of itself once the mark's drawdown passes 5%; a short's repayment
  // then buys from asks holding 6e-180 units per tick, to the asks' end
  const positions: PositionRow[] = [
    { account: "a0", side: "short", size: 0.0053979831330265215, entryPrice: 82373.77282859535, collateral: 82.6186682341384 },
    { account: "a1", side: "short", size: 0.011137605227818242, entryPrice: 95894.57457761523, collateral: 207.4719307315167 },
    { account: "a2", side: "short", size: 4.295596272293967, entryPrice: 115584.09076177719, collateral: 74533.82472293219 },
    { account: "a3", side: "long", size: 0.003649811592359841, entryPrice: 85605.28759965286, collateral: 11.254909239208429 },
    { account: "a4", side: "short", size: 0.0033735100942962532, entryPrice: 116458.4654550008, collateral: 317.68958448003286 },
    { account: "a5", side: "long", size: 3.6250971636044604, entryPrice: 92792.6230823255, collateral: 84446.97886591911 },
    { account: "a6", side: "long", size: 3.9046168859643946, entryPrice: 98618.24516846181, collateral: 26687.63427306805 },
  ];
  function scenario(): Scenario {
    return {
      name: "generated",
      seed: 9007199254740955,
      paths: 2,
      steps: 24,
      stepSeconds: 905.3314180047604,
      market: {
        initialPrice: 100022,
        tickSize: 0.5,
        price: {
          model: "gbm",
          volatility: 2.9999999999999956,
          drift: 0,
          jumps: { intensity: 0, meanLog: 0, stdLog: 0 },
          shocks: [{ step: 1, return: 0 }],
        },
        book: {
          levels: 46,
          depth: { profile: "latent", size: 0.05589515855916483, decayTicks: 52.39048048261118, exponent: 0, saturationTicks: 1 },
          stress: { withdrawal: 19.999999999999968, floor: 1.1235586794295442e-178, spreadWidening: 0 },
        },
        impact: { halfLifeSeconds: Infinity, permanentShare: 0 },
        mark: { model: "oracle" },
      },
      accounts: {
        count: 83,
        longShare: 0,
        leverage: { dist: "lognormal", median: 1, sigma: 0, max: 69.19961777704202 },
        notional: { dist: "fixed", min: 6674.412068889295, alpha: 3, max: 6674412.068889296 },
        resample: false,
      },
      margin: {
        mode: "isolated",
        tiers: [{ floor: 0, mmr: 2.251152704705254e-20, maintenanceAmount: 0 }],
        maintenanceAt: "entry",
        model: "vol-scaled",
        volatility: { halfLifeSeconds: 43.274366790372746, updateEverySeconds: 2852.4197405317723 },
        volScaled: { floor: 0.15426567401886296, cap: 0.15426567401886296 },
        sizePremium: { imfFactor: 0.01641453687278612 },
        openInterestScaling: { lowerCap: 0, upperCap: 894090.6918872499 },
      },
      liquidation: {
        engine: "close-factor",
        feeRate: 0,
        maxRoundsPerStep: 24,
        closeFactor: {
          closeFactor: 0.016935001986905247,
          fullCloseHealthFactor: 0.02407681226155574,
          bonus: 0,
          protocolFeeOfBonus: 0,
          minDebtForCloseFactor: 0,
        },
      },
      insurance: { initialBalance: 0 },
      adl: { ranking: "random" },
    };
  }

  it("runs in milliseconds, conserves money, and the kernel's records are the reference engine's", () => {
    const inputs = { scenario: scenario(), positions };
    const start = performance.now();
    const records = runChecked(inputs, 2);
    // minutes before the fix; a generous bound for a shared machine
    expect(performance.now() - start).toBeLessThan(5000);
    // the buy that met the hollow asks walked to their end: the path's book was exhausted
    expect(records[METRIC.bookExhausted]).toBe(1);
    for (let p = 0; p < 2; p++) {
      expect(records[p * RECORD_STRIDE + METRIC.liquidations]).toBeGreaterThan(0);
      expect(records[p * RECORD_STRIDE + METRIC.maxRoundsInStep]).toBeLessThanOrEqual(24);
    }
  }, 20_000);
});

describe("walks through an empty or nearly empty book (reference engine's book)", () => {
  /** A flat book (2 units per tick, 10 levels stored) centred on tick 200 000 (price 100 000), at depth `scale`. */
  function flatBook(scale: number): LatentBook {
    const scenario = baseScenario();
    scenario.market.book = {
      levels: 10,
      depth: { profile: "flat", size: 2, decayTicks: 300, exponent: 0.5, saturationTicks: 600 },
    };
    scenario.market.impact = { halfLifeSeconds: Infinity, permanentShare: 0 };
    const setup = buildSetup({ scenario });
    const book = new LatentBook(setup.bidProfile, setup.askProfile, setup.params, 0.5);
    book.newPath();
    book.setCentre(200_000);
    book.startStep(scale);
    return book;
  }

  it("an empty book (depth 0): the asks have no touch and a buy fills at their end; the bids end at price 0", () => {
    const book = flatBook(0);
    expect(book.askPrice()).toBe(Infinity);
    expect(book.bidPrice()).toBe(0);
    // every ask level empty: the mid is halfway to the level after the asks' end
    expect(book.mid()).toBe(((200_000 + 1 - 200_001 + 200_000 + ASK_END + 1) / 2) * 0.5);
    expect(book.buy(3)).toBe(3 * (200_000 + ASK_END + 1) * 0.5);
    expect(book.exhausted).toBe(true);
    expect(book.sell(3)).toBe(0);
  });

  /** Σ over levels from..from+n−1 of d·price(level), level by level, as a test's own loop. */
  function levelByLevel(d: number, n: number, price: (k: number) => number, from = 1): number {
    let notional = 0;
    for (let k = from; k < from + n; k++) notional += d * price(k);
    return notional;
  }

  it("a buy through 2^19 levels of 2^-29 units each fills them all, at Σ d·(c + k)·tick", () => {
    const book = flatBook(2 ** -30);
    const d = 2 ** -29;
    const n = 2 ** 19;
    const notional = book.buy(n * d);
    expect(Math.abs(notional / levelByLevel(d, n, (k) => (200_000 + k) * 0.5) - 1)).toBeLessThan(1e-12);
    // the closed form of the same sum
    expect(Math.abs(notional / (d * 0.5 * (n * 200_000 + (n * (n + 1)) / 2)) - 1)).toBeLessThan(1e-12);
    // every level up to n taken whole, the next one full
    expect([book.askTop, book.askRem]).toEqual([n + 1, d]);
    expect(book.exhausted).toBe(false);
    // a shorter buy (2^15 levels: level by level) from there continues the same series
    const next = book.buy(2 ** 15 * d);
    expect(Math.abs(next / levelByLevel(d, 2 ** 15, (k) => (200_000 + k) * 0.5, n + 1) - 1)).toBeLessThan(1e-12);
    expect(book.askTop).toBe(n + 2 ** 15 + 1);
  });

  it("a buy larger than the nearly empty asks hold fills what they hold and the rest at their end", () => {
    const d = 2 * 2 ** -600;
    const book = flatBook(2 ** -600);
    const q = 1e-3;
    const notional = book.buy(q);
    // the asks hold ASK_END·d ≈ 1e-171 units: all but that fills at the level after the end
    expect(notional).toBe(q * (200_000 + ASK_END + 1) * 0.5);
    expect(book.exhausted).toBe(true);
    expect(d * ASK_END).toBeLessThan(q * 1e-16);
  });

  it("a sale through 2^17 levels of the bids gets Σ d·(c + 1 − k)·tick", () => {
    const book = flatBook(2 ** -30);
    const d = 2 ** -29;
    const n = 2 ** 17;
    const notional = book.sell(n * d);
    expect(Math.abs(notional / levelByLevel(d, n, (k) => (200_000 + 1 - k) * 0.5) - 1)).toBeLessThan(1e-12);
    expect([book.bidTop, book.bidRem]).toEqual([n + 1, d]);
  });

  it("a liquidation's walk within the fund's budget stops where its cost passes the budget", () => {
    const d = 2 ** -29;
    const tick = 0.5;
    // a sale from a bankruptcy price 10 ticks above the centre: level k costs the fund (10 + k − 1)·tick per unit
    const b = (200_000 + 10) * tick;
    const budget = 10;
    const book = flatBook(2 ** -30);
    const notional = book.walkWithin(1, 1, b, budget);
    // the test's own walk: whole levels while the budget pays for them, then the part of the next it pays for
    let cost = 0;
    let filled = 0;
    let expected = 0;
    for (let k = 1; ; k++) {
      const price = (200_000 + 1 - k) * tick;
      const unitCost = b - price;
      if (cost + d * unitCost > budget) {
        const part = (budget - cost) / unitCost;
        filled += part;
        expected += part * price;
        break;
      }
      cost += d * unitCost;
      filled += d;
      expected += d * price;
    }
    expect(filled / d).toBeGreaterThan(2 ** 17);
    expect(Math.abs(notional / expected - 1)).toBeLessThan(1e-9);
    expect(Math.abs((1 - book.unfilled) / filled - 1)).toBeLessThan(1e-9);
  });

  it("with no budget it fills the levels at or above the bankruptcy price and stops at the first below it", () => {
    const d = 2 ** -29;
    const tick = 0.5;
    // levels 1..150 001 are priced at or above b (they cost the fund nothing), the next costs it
    const b = 50_000 * tick;
    const book = flatBook(2 ** -30);
    const notional = book.walkWithin(1, 1, b, 0);
    const free = 150_001;
    expect(notional / levelByLevel(d, free, (k) => (200_000 + 1 - k) * tick) - 1).toBeCloseTo(0, 12);
    expect((1 - book.unfilled) / (free * d) - 1).toBeCloseTo(0, 12);
    expect(book.bidTop).toBe(free + 1);
    // a bankruptcy price of 0: no level costs anything, down to the bids' end at price 0, where the rest fills
    const all = flatBook(2 ** -30);
    const whole = all.walkWithin(1, 1, 0, 0);
    expect(whole / levelByLevel(d, 200_000, (k) => (200_000 + 1 - k) * tick) - 1).toBeCloseTo(0, 12);
    expect(all.unfilled).toBe(0);
    expect(all.exhausted).toBe(true);
  });
});

describe("stress that empties the book, every engine: kernel = reference, money conserved, fast", () => {
  /** A −8% then +16% move on a flat book at 100 000 (tick 0.5: 200 000 bid levels to price 0), withdrawal 20. */
  function hollow(
    floor: number,
    liquidation: Scenario["liquidation"],
    adl: Scenario["adl"]["ranking"],
    fund: number,
  ): ScenarioInputs {
    const scenario = baseScenario();
    scenario.accounts.count = 300;
    scenario.steps = 12;
    scenario.market.initialPrice = 100_000;
    scenario.market.price.jumps.intensity = 0;
    scenario.market.price.shocks = [
      { step: 2, return: -0.08 },
      { step: 6, return: 0.16 },
    ];
    scenario.market.book = {
      levels: 100,
      depth: { profile: "flat", size: 2, decayTicks: 300, exponent: 0.5, saturationTicks: 600 },
      stress: { withdrawal: 20, floor },
    };
    scenario.liquidation = liquidation;
    scenario.adl = { ranking: adl };
    scenario.insurance = { initialBalance: fund };
    return { scenario };
  }
  const market = { engine: "market", feeRate: 0.005, maxRoundsPerStep: 1000 } as Scenario["liquidation"];
  const cases: [string, ScenarioInputs][] = [];
  for (const floor of [0, 2 ** -40]) {
    cases.push([`market, no ADL, floor ${floor}`, hollow(floor, market, "none", 0)]);
    // ADL on: each order walks only as far as the fund pays for (walkWithin)
    cases.push([`market, ADL, a fund, floor ${floor}`, hollow(floor, market, "pnl-leverage", 1e5)]);
    cases.push([
      `close-factor, floor ${floor}`,
      hollow(
        floor,
        {
          ...market,
          engine: "close-factor",
          feeRate: 0,
          closeFactor: {
            closeFactor: 0.5,
            fullCloseHealthFactor: 0.95,
            bonus: 0.05,
            protocolFeeOfBonus: 0.1,
            minDebtForCloseFactor: 0,
          },
        },
        "random",
        0,
      ),
    ]);
  }

  it.each(cases)(
    "%s",
    (_, inputs) => {
      const start = performance.now();
      const records = runChecked(inputs, 3);
      expect(performance.now() - start).toBeLessThan(5000);
      let liquidations = 0;
      for (let p = 0; p < 3; p++) liquidations += records[p * RECORD_STRIDE + METRIC.liquidations];
      expect(liquidations).toBeGreaterThan(0);
    },
    20_000,
  );

  it("the traces (steps' depth within 1% included) are the same bytes from both engines", () => {
    const inputs = cases[0][1];
    const setup = buildSetup(inputs);
    const ts = createTracer("ts", setup, inputs.scenario.seed, 1_000_000).trace(1);
    const wasm = createTracer("wasm", setup, inputs.scenario.seed, 1_000_000).trace(1);
    expect(stepsCsv([wasm.trace], inputs.scenario.stepSeconds)).toBe(stepsCsv([ts.trace], inputs.scenario.stepSeconds));
  }, 20_000);
});
