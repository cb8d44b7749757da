// Cross-margin owners through their markets' mechanisms in the WASM kernel (plan-mech; assembly/cross-liquidation.ts),
// hand-computed on one quiet market A: the opening mid 1000.5 (the leg's entry), step 1's shock −10% (bid 900, mid
// 900.5), a deep flat book (fills at the touch), mark `last`, MMR 1/16, no fee; a second market B of no one's. The
// owner: long 10 A, 1100 USDT: at step 1's opening mark 900.5, equity 1100 − 1000 = 100 < maintenance 9005/16.
import { describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/config/load.js";
import { buildCrossTables, type CrossOwner } from "../../src/engine/cross-setup.js";
import { buildMarketsSetup, type MarketsSetup, recordNames } from "../../src/engine/markets-setup.js";
import { WasmMarketsEngine } from "../../src/kernel/wasm-markets-engine.js";
import { seedWords } from "../helpers/engines.js";

function setupOf(steps: number, liquidation: Record<string, unknown>, owners = 1, maxRoundsPerStep = 20): MarketsSetup {
  const inputs = resolveScenario(
    {
      steps,
      stepSeconds: 60,
      insurance: { initialBalance: 1_000_000 },
      accounts: { count: 0 },
      margin: { tiers: [{ floor: 0, mmr: 0.0625, maintenanceAmount: 0 }] },
      liquidation: { engine: "market", feeRate: 0, maxRoundsPerStep },
      markets: [
        {
          name: "A",
          market: {
            initialPrice: 1000,
            tickSize: 1,
            price: { model: "none", volatility: 0, shocks: [{ step: 1, return: -0.1 }] },
            book: { levels: 400, depth: { profile: "flat", size: 1e6 } },
            impact: { halfLifeSeconds: 1e12, permanentShare: 0 },
            mark: { model: "last" },
          },
          liquidation,
        },
        // a quiet market of no one's: the cross round runs with B's context selected (A's state read from its block)
        { name: "B", market: { initialPrice: 100, tickSize: 1, price: { model: "none", volatility: 0, shocks: [] } } },
      ],
    },
    ".",
  );
  const setup = buildMarketsSetup(inputs);
  const owner: CrossOwner = {
    legs: [{ market: 0, side: 1, size: 10, entry: 1000.5 }],
    deposits: [{ asset: 0, amount: 1100, arrives: 0 }],
  };
  setup.cross = buildCrossTables(
    setup.markets,
    Array.from({ length: owners }, () => owner),
    [{ market: -1, price: 1, haircut: 0 }],
  );
  return setup;
}

function run(setup: MarketsSetup, build: "release" | "debug" = "release") {
  const engine = new WasmMarketsEngine(setup, { build, batch: 1 });
  engine.prepare(...seedWords(1));
  const out = new Float64Array(engine.stride);
  engine.runPaths(0, 1, out);
  const names = recordNames(setup.names, true);
  return (name: string) => {
    const k = names.indexOf(name);
    if (k < 0) throw new Error(`no metric ${name}`);
    return out[k];
  };
}

describe("cross owners through their markets' mechanisms (kernel)", () => {
  // slices of half the leg at bid 900, each P&L 900 − 1000.5 a unit: 5 (−502.5), equity 95 < 281.25; 2.5 (−251.25),
  // 95 < 140.625; 1.25 (−125.625), 95 ≥ 70.3125: healthy with 1.25 left
  it.each(["release", "debug"] as const)("partial: slices the leg a round at a time until healthy (%s)", (build) => {
    const metric = run(setupOf(1, { engine: "partial", partial: { threshold: 0, fraction: 0.5 } }), build);
    expect(metric("liquidations")).toBe(3);
    expect(metric("liquidatedNotional")).toBe(4500 + 2250 + 1125);
    expect(metric("liquidatedPnl")).toBe(-502.5 - 251.25 - 125.625);
    expect(metric("crossMargin.accountsLiquidated")).toBe(1);
    expect(metric("crossMargin.accountsClosed")).toBe(0);
  });

  // cooldown of one step, waiting: one slice at step 1 (5 @ 900), one at step 2 at mark 900.5 (equity 97.5 <
  // 281.40625: 2.5 @ 900)
  it("partial with a cooldown: the owner waits for it", () => {
    const metric = run(setupOf(2, { engine: "partial", partial: { threshold: 0, fraction: 0.5, cooldownSeconds: 60 } }));
    expect(metric("liquidations")).toBe(2);
    expect(metric("liquidatedNotional")).toBe(4500 + 2250);
    expect(metric("crossMargin.accountsClosed")).toBe(0);
  });

  // duringCooldown full: the slice, then the rest whole in the next round (5 @ 900), the USDT sold: cash
  // −502.5 − 502.5 + 1100 = 95, closed
  it("partial with a cooldown, full: the rest closed whole in the next round", () => {
    const partial = { threshold: 0, fraction: 0.5, cooldownSeconds: 60, duringCooldown: "full" };
    const metric = run(setupOf(2, { engine: "partial", partial }));
    expect(metric("liquidations")).toBe(2);
    expect(metric("liquidatedNotional")).toBe(9000);
    expect(metric("crossMargin.accountsClosed")).toBe(1);
    expect(metric("crossMargin.collateralSold")).toBe(1100);
    expect(metric("liquidatedPnl")).toBe(-1005);
  });

  // equity 100 < 0.5 × 562.8125: the vault takes the leg at 900.5 (P&L −1000, no slippage), the USDT sold, the
  // owner's cash 100 to the vault
  it.each(["release", "debug"] as const)("backstop: the vault takes the whole account over (%s)", (build) => {
    const backstop = { equityFractionOfMaintenance: 0.5, vaultCapital: 1_000_000, unwindHalfLifeSeconds: 1e12 };
    const metric = run(setupOf(1, { engine: "backstop", backstop }), build);
    expect(metric("liquidations")).toBe(1);
    expect(metric("liquidatedNotional")).toBe(9005);
    expect(metric("avgSlippage")).toBe(0);
    expect(metric("liquidatedPnl")).toBe(-1100);
    expect(metric("vaultPnl")).toBe(100);
    expect(metric("crossMargin.accountsClosed")).toBe(1);
    expect(metric("crossMargin.collateralSold")).toBe(1100);
  });

  // above the vault's threshold (fraction 0.1: 100 ≥ 56.28125) its book liquidation is partial's: whole here
  it("backstop above its threshold: a book liquidation", () => {
    const backstop = { equityFractionOfMaintenance: 0.1, vaultCapital: 1_000_000 };
    const metric = run(setupOf(1, { engine: "backstop", backstop }));
    expect(metric("liquidations")).toBe(1);
    expect(metric("liquidatedNotional")).toBe(9000);
    expect(metric("vaultPnl")).toBe(0);
    expect(metric("crossMargin.accountsClosed")).toBe(1);
  });

  // one round: debt 10 × 1000.5, health 1 + (100 − 562.8125)/10005 ≈ 0.954 > 0.9: factor 0.5
  it("close-factor: one repayment of the leg's debt at the bonus price", () => {
    const closeFactor = { closeFactor: 0.5, fullCloseHealthFactor: 0.9, bonus: 0.05, protocolFeeOfBonus: 0.1 };
    const metric = run(setupOf(1, { engine: "close-factor", closeFactor }, 1, 1));
    const mark = 900.5;
    const qx = (0.5 * (10 * 1000.5) * (1 + 0.05)) / mark;
    const price = mark / (1 + 0.05);
    const protocolFee = 0.1 * (qx * (mark - price));
    expect(metric("liquidations")).toBe(1);
    expect(metric("liquidatedNotional")).toBe(qx * price);
    expect(metric("liquidatedPnl")).toBe(qx * price - qx * 1000.5);
    expect(metric("keepersPnl")).toBe(qx * 900 - qx * price - protocolFee);
    expect(metric("crossMargin.accountsLiquidated")).toBe(1);
    expect(metric("crossMargin.accountsClosed")).toBe(0);
  });

  // a notional cap of 1 a step: the first owner's fill (9000) reaches it, the second waits for step 2 (mark 900.5)
  it("per-step caps: an owner's fill counts, and the next owner waits for the next step", () => {
    const caps = { notionalPerSecond: 1 / 60 };
    expect(run(setupOf(1, { caps }, 2))("liquidations")).toBe(1);
    const metric = run(setupOf(2, { caps }, 2));
    expect(metric("liquidations")).toBe(2);
    expect(metric("crossMargin.accountsClosed")).toBe(2);
  });
});
