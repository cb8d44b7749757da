// Liquidity under stress (issue 6: depth that withdraws as the mark's drawdown grows) and the ema mark
// (issue 7: an index-like mark that lags the book), each by its defining behaviour, in both engines.
import { describe, expect, it } from "vitest";
import type { PositionRow, Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { LatentBook } from "../../src/engine/book.js";
import { buildSetup } from "../../src/engine/setup.js";
import { firstDifference, runReference, runWasm } from "../helpers/engines.js";
import { baseScenario } from "../helpers/scenario.js";

function expectBitIdentical(inputs: ScenarioInputs, paths: number): void {
  const ts = runReference(inputs, paths);
  for (const build of ["release", "debug"] as const)
    expect(firstDifference(ts, runWasm(inputs, paths, build)), `${build}: first differing slot`).toBe(-1);
}

function metric(records: Float64Array, path: number, m: number): number {
  return records[path * RECORD_STRIDE + m];
}

describe("liquidity under stress (market.book.stress)", () => {
  /** A crash in three legs, so that later legs meet a book already thinned by the drawdown of the earlier ones. */
  function crash(stress?: Scenario["market"]["book"]["stress"]): Scenario {
    const scenario = baseScenario();
    scenario.accounts.count = 3000;
    scenario.market.price.shocks = [
      { step: 2, return: -0.03 },
      { step: 4, return: -0.03 },
      { step: 6, return: -0.03 },
    ];
    // deep enough that the book is never used up: the mark then reflects the depth actually met
    scenario.market.book = {
      levels: 8000,
      depth: { profile: "flat", size: 2, decayTicks: 300, exponent: 0.5, saturationTicks: 600 },
    };
    scenario.market.impact = { halfLifeSeconds: 810.804, permanentShare: 0 };
    if (stress) scenario.market.book.stress = stress;
    return scenario;
  }
  const PATHS = 12;

  it("withdrawal amplifies the cascade on the same seed (common random numbers)", () => {
    const plain = runReference({ scenario: crash() }, PATHS);
    const stressed = runReference({ scenario: crash({ withdrawal: 8 }) }, PATHS);
    let plainSum = 0;
    let stressedSum = 0;
    for (let p = 0; p < PATHS; p++) {
      // the exogenous path is the same draw for draw
      expect(metric(stressed, p, METRIC.exogenousDrawdown)).toBe(metric(plain, p, METRIC.exogenousDrawdown));
      expect(metric(stressed, p, METRIC.bookExhausted)).toBe(0);
      plainSum += metric(plain, p, METRIC.amplification);
      stressedSum += metric(stressed, p, METRIC.amplification);
    }
    expect(stressedSum).toBeGreaterThan(plainSum);
    expectBitIdentical({ scenario: crash({ withdrawal: 8 }) }, PATHS);
    expectBitIdentical({ scenario: crash({ withdrawal: 3, floor: 0.5 }) }, PATHS);
  });

  it("a floor bounds the withdrawal: floor 1 and withdrawal 0 are the book without the key, bit for bit", () => {
    const plain = runReference({ scenario: crash() }, PATHS);
    expect(firstDifference(runReference({ scenario: crash({ withdrawal: 0 }) }, PATHS), plain)).toBe(-1);
    expect(firstDifference(runReference({ scenario: crash({ withdrawal: 0, floor: 0.3 }) }, PATHS), plain)).toBe(-1);
    expect(firstDifference(runReference({ scenario: crash({ withdrawal: 50, floor: 1 }) }, PATHS), plain)).toBe(-1);
    expect(firstDifference(runWasm({ scenario: crash({ withdrawal: 0 }) }, PATHS), plain)).toBe(-1);
    // a higher floor leaves more depth, so never a deeper mark drawdown than a lower floor, in sum
    const low = runReference({ scenario: crash({ withdrawal: 8, floor: 0 }) }, PATHS);
    const high = runReference({ scenario: crash({ withdrawal: 8, floor: 0.9 }) }, PATHS);
    let lowSum = 0;
    let highSum = 0;
    for (let p = 0; p < PATHS; p++) {
      lowSum += metric(low, p, METRIC.maxDrawdown);
      highSum += metric(high, p, METRIC.maxDrawdown);
    }
    expect(lowSum).toBeGreaterThan(highSum);
  });
});

describe("the stressed book (white box, reference engine's book)", () => {
  it("depth follows this step's scale at once, both ways, and the displacement sales left is kept", () => {
    const scenario = baseScenario();
    scenario.market.book = {
      levels: 10,
      depth: { profile: "flat", size: 4, decayTicks: 300, exponent: 0.5, saturationTicks: 600 },
    };
    scenario.market.impact = { halfLifeSeconds: Infinity, permanentShare: 0 };
    const setup = buildSetup({ scenario });
    const book = new LatentBook(setup.bidProfile, setup.askProfile, setup.params, 0.5);
    book.newPath();
    book.setCentre(60_000);
    expect(book.bidRem).toBe(4);
    book.sell(5); // level 1 emptied, 1 of level 2's 4 taken: a displacement of 1.25 ticks
    expect([book.bidTop, book.bidRem]).toEqual([2, 3]);
    book.startStep(0.5); // half the depth: level 2 keeps 3/4 of its (now 2)
    expect([book.bidTop, book.bidRem]).toEqual([2, 1.5]);
    expect(book.bidPrice()).toBe((60_000 - 1) * 0.5);
    book.startStep(1); // makers back at once: 3/4 of 4
    expect([book.bidTop, book.bidRem]).toEqual([2, 3]);
    book.startStep(0.25);
    expect([book.bidTop, book.bidRem]).toEqual([2, 0.75]);
  });
});

describe("the ema mark (market.mark.model ema)", () => {
  const START = 30_000;
  const SHOCK_STEP = 5;

  /** No exogenous noise, one −10% shock at step 5, a deep flat book; positions optional. */
  function quiet(mark: Scenario["market"]["mark"], steps: number, positions?: PositionRow[]): ScenarioInputs {
    const scenario = baseScenario();
    scenario.steps = steps;
    scenario.market.initialPrice = START;
    scenario.market.price = {
      model: "none",
      volatility: 0,
      drift: 0,
      jumps: { intensity: 0, meanLog: 0, stdLog: 0 },
      shocks: [{ step: SHOCK_STEP, return: -0.1 }],
    };
    scenario.market.book = {
      levels: 2000,
      depth: { profile: "flat", size: 50, decayTicks: 300, exponent: 0.5, saturationTicks: 600 },
    };
    scenario.market.impact = { halfLifeSeconds: 60.0, permanentShare: 0 };
    scenario.market.mark = mark;
    scenario.accounts.count = 0;
    scenario.margin = { mode: "isolated", tiers: [{ floor: 0, mmr: 0, maintenanceAmount: 0 }] };
    return positions ? { scenario, positions } : { scenario };
  }

  it("at the shock step the ema mark sits above the mid, by exactly (1 − α) of the gap, and converges toward it", () => {
    const h = 2;
    const alpha = 1 - Math.pow(2, -1 / h);
    const mid = (inputs: ScenarioInputs) => metric(runReference(inputs, 1), 0, METRIC.finalPrice);
    const pre = mid(quiet({ model: "last" }, SHOCK_STEP - 1));
    const post = mid(quiet({ model: "last" }, SHOCK_STEP));
    expect(post).toBeLessThan(pre);
    const emaAtShock = mid(quiet({ model: "ema", halfLifeSeconds: h * 60 }, SHOCK_STEP));
    expect(emaAtShock).toBeGreaterThan(post);
    expect(emaAtShock).toBeCloseTo(pre + alpha * (post - pre), 6);
    // the gap halves every h steps
    let prevGap = emaAtShock - post;
    for (const after of [2, 4, 8, 16]) {
      const gap = mid(quiet({ model: "ema", halfLifeSeconds: h * 60 }, SHOCK_STEP + after)) - post;
      expect(gap).toBeGreaterThan(0);
      expect(gap).toBeLessThan(prevGap);
      expect(gap / (pre - post)).toBeCloseTo(Math.pow(2, -(after + 1) / h), 9);
      prevGap = gap;
    }
    // minPrice lags too: with ema it never reaches the post-shock mid within the run
    const run = runReference(quiet({ model: "ema", halfLifeSeconds: h * 60 }, 30), 1);
    expect(metric(run, 0, METRIC.minPrice)).toBeGreaterThan(post);
    expect(metric(run, 0, METRIC.finalPrice) - post).toBeGreaterThan(0);
    expect(metric(run, 0, METRIC.finalPrice) - post).toBeLessThan(1); // 3000 · 2^(−26/2) ≈ 0.37
    expectBitIdentical(quiet({ model: "ema", halfLifeSeconds: h * 60 }, 30), 2);
  });

  it("an account across the post-shock mid is liquidated at the shock step under last, later under ema", () => {
    // mmr 0: liquidation price = entry − collateral / size = 28,000, between the post-shock mid and the start
    const positions: PositionRow[] = [{ account: "a", side: "long", size: 1, entryPrice: START, collateral: 2000 }];
    const last = runReference(quiet({ model: "last" }, 40, positions), 1);
    const ema = runReference(quiet({ model: "ema", halfLifeSeconds: 4 * 60 }, 40, positions), 1);
    expect(metric(last, 0, METRIC.firstLiquidationStep)).toBe(SHOCK_STEP);
    expect(metric(last, 0, METRIC.liquidations)).toBe(1);
    expect(metric(ema, 0, METRIC.liquidations)).toBe(1);
    // the ema gap 3000·2^(−n/4) falls below 1000 at n = 7, the 7th step counting the shock's
    expect(metric(ema, 0, METRIC.firstLiquidationStep)).toBe(SHOCK_STEP + 6);
    expectBitIdentical(quiet({ model: "ema", halfLifeSeconds: 4 * 60 }, 40, positions), 1);
  });
});
