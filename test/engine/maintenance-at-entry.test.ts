// margin.maintenanceAt entry (Bybit, BitMEX): maintenance margin fixed at the entry notional. The cascade must
// liquidate Bybit's published isolated long exactly at its published price, where the mark convention would not.
import { describe, expect, it } from "vitest";
import type { PositionRow, Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { METRIC } from "../../src/engine/metrics.js";
import { conventionLiquidationPrice, liquidationPrice } from "../../src/engine/margin.js";
import { resolveScenario } from "../../src/config/load.js";
import { firstDifference, runReference, runWasm } from "../helpers/engines.js";
import { baseScenario } from "../helpers/scenario.js";
import { publicExamples } from "../helpers/fixtures.js";

const EX = publicExamples();
const bybit = EX.bybit_linear_isolated_long; // 1 BTC long at 20,000, 50x: IM 400, MMR 0.5% of entry → 19,700
const tiers = { floor: Float64Array.of(0), mmr: Float64Array.of(bybit.mmr), amount: Float64Array.of(0) };

/** The Bybit account alone, a flat deep book, and one shock at step 2 to `price`. */
function inputs(price: number, maintenanceAt: "mark" | "entry"): ScenarioInputs {
  const base = baseScenario();
  const scenario: Scenario = {
    ...base,
    steps: 3,
    market: {
      ...base.market,
      initialPrice: bybit.entry,
      tickSize: 0.5,
      price: {
        model: "none",
        volatility: 0,
        drift: 0,
        jumps: { intensity: 0, meanLog: 0, stdLog: 0 },
        shocks: [{ step: 2, return: price / bybit.entry - 1 }],
      },
      book: { levels: 2000, depth: { profile: "flat", size: 100, decayTicks: 300, exponent: 0.5, saturationTicks: 600 } },
      impact: { halfLifeSeconds: Infinity, permanentShare: 0 },
      mark: { model: "mid" },
    },
    margin: { mode: "isolated", tiers: [{ floor: 0, mmr: bybit.mmr, maintenanceAmount: 0 }], maintenanceAt },
    liquidation: { engine: "market", feeRate: 0, maxRoundsPerStep: 10 },
    insurance: { initialBalance: 0 },
  };
  const positions: PositionRow[] = [
    { account: "bybit", side: "long", size: bybit.qty_btc, entryPrice: bybit.entry, collateral: bybit.IM },
  ];
  return { scenario, positions };
}

function liquidations(i: ScenarioInputs): number {
  const ts = runReference(i, 1);
  for (const build of ["release", "debug"] as const)
    expect(firstDifference(ts, runWasm(i, 1, build)), `${build}: first differing slot`).toBe(-1);
  return ts[METRIC.liquidations];
}

describe("maintenance margin at entry (margin.maintenanceAt: entry)", () => {
  it(`gives Bybit's published liquidation price ${bybit.expected_liq_price} in closed form (${bybit.source})`, () => {
    const lp = conventionLiquidationPrice(true, tiers, 1, bybit.qty_btc, bybit.entry, bybit.IM);
    // e − (IM − MM)/q with MM = entry notional × MMR = 100
    expect(lp).toBeCloseTo(bybit.entry - (bybit.IM - bybit.entry * bybit.qty_btc * bybit.mmr) / bybit.qty_btc, 9);
    expect(lp).toBe(bybit.expected_liq_price);
    // the mark convention puts it lower: (IM − q·e)/(q·mmr − q)
    expect(liquidationPrice(tiers, 1, bybit.qty_btc, bybit.entry, bybit.IM)).toBeCloseTo(19_600 / 0.995, 9);
  });

  it("liquidates the account when the mark reaches 19,700 under the entry convention, not under the mark convention", () => {
    // a mid of 19,699.75 (the shock puts the fundamental on 19,699.5): below 19,700, above 19,698.49
    const price = 19_699.5;
    expect(liquidations(inputs(price, "entry"))).toBe(1);
    expect(liquidations(inputs(price, "mark"))).toBe(0);
    // a mid above 19,700: nobody under either convention
    expect(liquidations(inputs(19_701, "entry"))).toBe(0);
  });

  it("is what venue: bybit-linear-btcusdt applies (its preset measures maintenance at entry)", () => {
    const s = resolveScenario({ venue: "bybit-linear-btcusdt" }, process.cwd()).scenario;
    expect(s.margin.maintenanceAt).toBe("entry");
    expect(resolveScenario({ venue: "binance-usdm-btcusdt" }, process.cwd()).scenario.margin.maintenanceAt).toBe("mark");
  });
});
