// The oracle mark and price bands (issue 7, "mark and oracle"): an external index that lags the fundamental and
// is never moved by the book's own trades, and a band that keeps any mark within b of it. Each by its defining
// behaviour on a flat book with one shock, in both engines.
import { describe, expect, it } from "vitest";
import type { PositionRow, Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { firstDifference, runReference, runWasm } from "../helpers/engines.js";
import { baseScenario } from "../helpers/scenario.js";

const START = 30_000;
const SHOCK = -0.1; // at step 2
const TICK = 0.5;

/** 60 one-unit longs with liquidation prices from 29,500 down to 26,550 (mmr 0: the bankruptcy price), a thin flat book (0.1 per tick: 60 units walk 300 ticks). */
function crash(mark: Scenario["market"]["mark"]): ScenarioInputs {
  const base = baseScenario();
  const scenario: Scenario = {
    ...base,
    steps: 12,
    market: {
      ...base.market,
      initialPrice: START,
      tickSize: TICK,
      price: {
        model: "none",
        volatility: 0,
        drift: 0,
        jumps: { intensity: 0, meanLog: 0, stdLog: 0 },
        shocks: [{ step: 2, return: SHOCK }],
      },
      book: { levels: 20_000, depth: { profile: "flat", size: 0.1, decayTicks: 300, exponent: 0.5, saturationTicks: 600 } },
      impact: { halfLifeSeconds: Infinity, permanentShare: 0 },
      mark,
    },
    margin: { mode: "isolated", tiers: [{ floor: 0, mmr: 0, maintenanceAmount: 0 }] },
    liquidation: { engine: "market", feeRate: 0, maxRoundsPerStep: 1000 },
    insurance: { initialBalance: 1e9 },
  };
  const positions: PositionRow[] = [];
  for (let i = 0; i < 60; i++)
    positions.push({ account: `l${i}`, side: "long", size: 1, entryPrice: START, collateral: 500 + 50 * i });
  return { scenario, positions };
}

function run(inputs: ScenarioInputs): Float64Array {
  const ts = runReference(inputs, 1);
  for (const build of ["release", "debug"] as const)
    expect(firstDifference(ts, runWasm(inputs, 1, build)), `${build}: first differing slot`).toBe(-1);
  return ts;
}
const get = (r: Float64Array, m: keyof typeof METRIC) => r[METRIC[m]];

describe("the oracle mark (market.mark.model oracle)", () => {
  it("is the fundamental: the book's liquidation sales never move it, so the cascade stops at the exogenous move", () => {
    const r = run(crash({ model: "oracle" }));
    const fundamental = START * (1 + SHOCK); // 27,000 from step 2 on
    expect(get(r, "minPrice")).toBe(fundamental);
    expect(get(r, "finalPrice")).toBe(fundamental);
    // liquidated: exactly the longs whose liquidation price (30,000 − collateral) is ≥ 27,000: collateral ≤ 3,000
    const expected = Array.from({ length: 60 }, (_, i) => 500 + 50 * i).filter((c) => START - c >= fundamental).length;
    expect(get(r, "liquidations")).toBe(expected);
    // under the last-trade mark the same crash cascades below the fundamental
    const last = run(crash({ model: "last" }));
    expect(get(last, "minPrice")).toBeLessThan(fundamental);
    expect(get(last, "liquidations")).toBeGreaterThan(expected);
  });

  it("lags the fundamental by oracleLagSeconds (in 60 s steps): the shock at step 2 liquidates from step 2 + lag", () => {
    for (const lag of [0, 1, 3, 7]) {
      const r = run(crash({ model: "oracle", oracleLagSeconds: lag * 60 }));
      expect(get(r, "firstLiquidationStep"), `lag ${lag}`).toBe(2 + lag);
    }
    // a lag beyond the horizon: the shock never reaches the mark
    expect(get(run(crash({ model: "oracle", oracleLagSeconds: 11 * 60 })), "liquidations")).toBe(0);
  });
});

describe("price bands (market.mark.band)", () => {
  it("keep the last-trade mark within b of the oracle, so the cascade cannot push it further", () => {
    const fundamental = START * (1 + SHOCK);
    for (const band of [0.002, 0.005]) {
      const r = run(crash({ model: "last", band }));
      // every mark is clamped to ≥ oracle × (1 − b); the shock's step has the oracle at the fundamental
      expect(get(r, "minPrice"), `band ${band}`).toBeGreaterThanOrEqual(fundamental * (1 - band));
      // and the band binds: without it the mark goes below that floor
      expect(get(run(crash({ model: "last" })), "minPrice")).toBeLessThan(fundamental * (1 - band));
    }
  });

  it("around a lagged oracle, let the book's own mark move only within b of the stale index", () => {
    // lag 3: in steps 2–4 the oracle is still 30,000, so the mark cannot fall below 30,000 × (1 − b)
    const band = 0.02;
    const r = run(crash({ model: "mid", band, oracleLagSeconds: 3 * 60 }));
    expect(get(r, "firstLiquidationStep")).toBe(2);
    expect(get(r, "minPrice")).toBeGreaterThanOrEqual(START * (1 + SHOCK) * (1 - band));
  });
});

describe("records", () => {
  it("have the width of the metric list", () => {
    expect(run(crash({ model: "oracle" })).length).toBe(RECORD_STRIDE);
  });
});
