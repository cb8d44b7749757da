import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { PositionRow, Scenario } from "../../src/config/scenario.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { baseScenario } from "../helpers/scenario.js";

// SPEC §3 flat-book check: price model none, one shock, a flat book of `size` per tick, no refill, no
// fees, full liquidation by market order, mark `last`. After the shock the best bid is P₁ (the shocked
// fundamental on the tick grid); the cascade's end price is the largest P* with
//     P* = P₁ − (tick/size) · Σ { size of longs whose liquidation price ≥ P* },
// and exactly those longs are liquidated. P* is solved here from the liquidation prices we construct,
// independently of the engine; the engine's last trade lands at most one tick above it
// (level 1 of the bids is at P₁ itself, so selling exactly m levels ends at P₁ − (m−1)·tick = P* + tick).

interface Case {
  scenario: Scenario;
  positions: PositionRow[];
  liq: number[];
  expectedPrice: number;
  expectedLiquidated: Set<number>;
}

const caseArb = fc
  .record({
    tick: fc.constantFrom(0.1, 0.5, 1, 2.5),
    shock: fc.double({ min: -0.2, max: -0.01, noNaN: true }),
    size: fc.double({ min: 0.2, max: 5, noNaN: true }),
    mmr: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
    longs: fc.array(
      fc.record({
        q: fc.integer({ min: 5, max: 800 }).map((i) => i / 100),
        u: fc.integer({ min: 0, max: 1000 }).map((i) => i / 1000),
      }),
      { minLength: 3, maxLength: 25 },
    ),
    reach: fc.integer({ min: 5, max: 30 }).map((i) => i / 10),
  })
  .map((g): Case | null => {
    const p0 = 30000;
    const scenario = baseScenario();
    scenario.steps = 1;
    scenario.market.tickSize = g.tick;
    scenario.market.initialPrice = p0;
    scenario.market.price = {
      model: "none",
      volatility: 0,
      drift: 0,
      jumps: { intensity: 0, meanLog: 0, stdLog: 0 },
      shocks: [{ step: 1, return: g.shock }],
    };
    scenario.market.mark = { model: "last" };
    scenario.liquidation = { engine: "market", feeRate: 0, maxRoundsPerStep: 100000 };
    scenario.insurance.initialBalance = 1e12;
    scenario.margin.tiers = [{ floor: 0, mmr: g.mmr, maintenanceAmount: 0 }];
    const totalQty = g.longs.reduce((a, l) => a + l.q, 0);
    scenario.market.book = {
      levels: Math.ceil(totalQty / g.size) + 50,
      depth: { profile: "flat", size: g.size, decayTicks: 1, exponent: 0, saturationTicks: 600 },
    };
    scenario.market.impact = { halfLifeSeconds: Infinity, permanentShare: 0 };
    const f1 = p0 * (1 + g.shock);
    const p1 = Math.floor(f1 / g.tick + 1e-7) * g.tick;
    // liquidation prices spread over the band the cascade can reach
    const band = ((g.tick * totalQty) / g.size) * g.reach;
    // a quarter of the band lies above P₁ (the shock itself crosses those), the rest below for the cascade to reach
    const liq = g.longs.map((l) => p1 + band * (0.25 - l.u));
    const positions = g.longs.map(
      (l, i): PositionRow => ({
        account: `long${i}`,
        side: "long",
        size: l.q,
        entryPrice: p0,
        // equity = maintenance at the chosen price: C + q(LP − E) = mmr·q·LP
        collateral: l.q * (p0 - liq[i]) + g.mmr * l.q * liq[i],
      }),
    );
    // largest fixed point: the smallest k such that the k highest liquidation prices are ≥ P₁ − (tick/size)·Q_k > the next one
    const order = liq.map((_, i) => i).sort((a, b) => liq[b] - liq[a]);
    let q = 0;
    let k = 0;
    let price = p1;
    const visited = [p1];
    while (k < order.length && liq[order[k]] >= price) {
      q += g.longs[order[k]].q;
      k++;
      price = p1 - (g.tick / g.size) * q;
      visited.push(price);
    }
    const expectedLiquidated = new Set(order.slice(0, k));
    // The engine trades on the tick grid, so each price the cascade passes through is known to one tick;
    // leave out draws with a liquidation price that close to one of them (the answer would be ambiguous).
    const ambiguous = liq.some((lp) => visited.some((v) => lp >= v - g.tick && lp <= v + 2 * g.tick));
    if (ambiguous) return null;
    return { scenario, positions, liq, expectedPrice: price, expectedLiquidated };
  });

describe("flat-book check (SPEC §3)", () => {
  // 60 draws, of which the unambiguous ones (typically well over 20) are checked
  const cases = fc.sample(caseArb, { numRuns: 60, seed: 3 }).filter((c): c is Case => c !== null);

  it("has at least 20 unambiguous generated cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases.map((c, i) => [i, c] as const))(
    "case %i: the cascade ends at the analytic fixed point to one tick, liquidating exactly the longs above it",
    (_, c) => {
      const { scenario, positions, expectedPrice, expectedLiquidated } = c;
      const setup = buildSetup({ scenario, positions });
      for (const engine of [new ReferenceEngine(setup), new WasmEngine(setup, { build: "debug" })]) {
        engine.prepare(1, 0);
        const out = new Float64Array(RECORD_STRIDE);
        engine.runPaths(0, 1, out);
        const minPrice = out[METRIC.minPrice];
        const tick = scenario.market.tickSize;
        const detail = `calculated ${minPrice}, expected ${expectedPrice} (up to one tick of ${tick} above)`;
        expect(minPrice >= expectedPrice - 1e-9 * expectedPrice, detail).toBe(true);
        expect(minPrice <= (expectedPrice + tick) * (1 + 1e-12), detail).toBe(true);
        const liquidated = positions.map((_, i) => i).filter((i) => engine.isClosed(i));
        expect(liquidated).toEqual([...expectedLiquidated].sort((a, b) => a - b));
        expect(out[METRIC.liquidations]).toBe(expectedLiquidated.size);
      }
    },
  );
});

describe("the generated flat-book cases", () => {
  it("include partial cascades (some longs survive) and multi-round ones", () => {
    const cases = fc.sample(caseArb, { numRuns: 60, seed: 3 }).filter((c): c is Case => c !== null);
    const partial = cases.filter((c) => c.expectedLiquidated.size > 0 && c.expectedLiquidated.size < c.positions.length);
    const beyondFirst = cases.filter((c) =>
      c.liq.some(
        (lp, i) =>
          c.expectedLiquidated.has(i) &&
          lp < c.scenario.market.initialPrice * (1 + c.scenario.market.price.shocks[0].return) - c.scenario.market.tickSize,
      ),
    );
    expect(partial.length).toBeGreaterThanOrEqual(5);
    expect(beyondFirst.length).toBeGreaterThanOrEqual(5);
  });
});
