// The pending accounts due in a round are liquidated in key order (longs by liquidation price descending, ties by
// account index), sorted in O(n log n): an insertion sort made a step's arrivals, all pending and due at once after a
// drop, quadratic (a generated multi-market case, 43 000 arrivals a step for 28 steps: 73 s a path in the reference
// engine, 50 s in the kernel; 5 s and 1 s now).
import { describe, expect, it } from "vitest";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { firstDifference, runWasm, seedWords } from "../helpers/engines.js";
import { baseScenario } from "../helpers/scenario.js";

/** No population but arrivals: ~20 000 longs of random leverage in step 1, a −15% drop in step 2, a deep book. */
function arrivalsThenDrop(): ScenarioInputs {
  const scenario = baseScenario();
  scenario.steps = 3;
  scenario.stepSeconds = 3600;
  scenario.accounts.count = 0;
  scenario.accounts.longShare = 1;
  scenario.accounts.leverage = { dist: "lognormal", median: 50, sigma: 0.3, max: 100 };
  scenario.accounts.flow = { arrivalsPerHour: 20_000 };
  scenario.market.price = {
    model: "none",
    volatility: 0,
    drift: 0,
    jumps: { intensity: 0, meanLog: 0, stdLog: 0 },
    shocks: [{ step: 2, return: -0.15 }],
  };
  scenario.market.book = {
    levels: 1000,
    depth: { profile: "flat", size: 1e6, decayTicks: 300, exponent: 0.5, saturationTicks: 600 },
  };
  return { scenario };
}

describe("pending accounts due at once (a step's arrivals after a drop)", () => {
  it("are liquidated in one round by liquidation price descending, ties by index; the kernel agrees", () => {
    const inputs = arrivalsThenDrop();
    const engine = new ReferenceEngine(buildSetup(inputs));
    engine.prepare(...seedWords(inputs.scenario.seed));
    const arrived: number[] = [];
    engine.onFlow = (e) => {
      if (e.kind === "arrival" && e.step === 1) arrived.push(e.account);
    };
    // each step-1 arrival's liquidation price, read once step 1 is over
    const liquidationPrice = new Map<number, number>();
    engine.onStep = (ledger) => {
      if (ledger.step === 1) for (const i of arrived) liquidationPrice.set(i, engine.position(i).liquidationPrice);
    };
    const order: { account: number; round: number }[] = [];
    engine.onLiquidation = (e) => {
      if (e.step === 2) order.push({ account: e.account, round: e.round });
    };
    const start = performance.now();
    const out = new Float64Array(RECORD_STRIDE);
    engine.runPaths(0, 1, out);
    // a generous bound for a shared machine (0.7 s here; the insertion sort alone added 0.5 s at this size)
    expect(performance.now() - start).toBeLessThan(5000);

    expect(arrived.length).toBeGreaterThan(15_000);
    // the drop takes every step-1 arrival across the mark (a leverage of 7 or more, 6.5 standard deviations below the median, falls to a 15% drop), all in the first round
    expect(order.length).toBe(arrived.length);
    expect(new Set(order.map((e) => e.round)).size).toBe(1);
    for (let n = 1; n < order.length; n++) {
      const a = order[n - 1].account;
      const b = order[n].account;
      const la = liquidationPrice.get(a) as number;
      const lb = liquidationPrice.get(b) as number;
      if (la === lb) expect(a).toBeLessThan(b);
      else expect(la).toBeGreaterThan(lb);
    }
    expect(out[METRIC.liquidations]).toBe(arrived.length);
    expect(firstDifference(out, runWasm(inputs, 1))).toBe(-1);
  }, 20_000);
});
