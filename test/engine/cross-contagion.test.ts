// Contagion across markets (#14's floor 3): two markets with independent prices, a crash in one only. Owners hold a
// long leg in each under one equity (crossMargin.mode cross): the crash's losses take the other leg's margin, owners
// are closed out, and their sales take the other market's price down with no move of its own. The same owners with
// each leg on its own collateral (mode isolated) leave the other market alone: no liquidation, no move. Both engines.
import { describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/config/load.js";
import { buildMarketsSetup, scenarioRecordNames } from "../../src/engine/markets-setup.js";
import { createEngine } from "../../src/mc/batch.js";

const PATHS = 20;

function run(mode: "cross" | "isolated", engine: "wasm" | "ts") {
  const inputs = resolveScenario(
    {
      seed: 7,
      steps: 8,
      accounts: { count: 0 },
      markets: [
        { name: "BTC", market: { price: { volatility: 0.5, shocks: [{ step: 3, return: -0.12 }] } } },
        // no volatility, no shock: ETH moves only if somebody trades it
        {
          name: "ETH",
          market: { initialPrice: 3000, tickSize: 0.05, price: { volatility: 0, shocks: [] }, book: { depth: { size: 22 } } },
        },
      ],
      crossMargin: {
        mode,
        accounts: {
          generated: {
            count: 400,
            legsPerAccount: 2,
            longShare: 1,
            leverage: { median: 8, sigma: 0.5, max: 40 },
            notional: { min: 2000, alpha: 1.6, max: 500_000 },
          },
        },
      },
    },
    ".",
  );
  const names = scenarioRecordNames(inputs.scenario);
  const e = createEngine(engine, buildMarketsSetup(inputs), inputs.scenario.seed);
  const out = new Float64Array(PATHS * names.length);
  e.runPaths(0, PATHS, out);
  const column = (name: string) => Array.from({ length: PATHS }, (_, p) => out[p * names.length + names.indexOf(name)]);
  return { out, column };
}

describe("contagion through cross margin", () => {
  const ethMid = (60000 + 0.5) * 0.05; // ETH's initial mid: centre tick 60000 of 0.05

  it.each(["wasm", "ts"] as const)("cross: the BTC crash liquidates ETH legs and takes ETH's price down (%s)", (engine) => {
    const { column } = run("cross", engine);
    const ethLiquidations = column("markets.ETH.liquidations");
    const ethMin = column("markets.ETH.minPrice");
    // in every path: ETH legs are closed and ETH's mark falls below its initial mid
    for (let p = 0; p < PATHS; p++) {
      expect(ethLiquidations[p], `path ${p}`).toBeGreaterThan(0);
      expect(ethMin[p], `path ${p}`).toBeLessThan(ethMid);
    }
    expect(Math.min(...column("crossMargin.accountsClosed"))).toBeGreaterThan(0);
  });

  it.each(["wasm", "ts"] as const)("isolated: the same owners leave ETH untouched (%s)", (engine) => {
    const { column } = run("isolated", engine);
    expect(column("markets.ETH.liquidations").every((n) => n === 0)).toBe(true);
    expect(column("markets.ETH.minPrice").every((p) => p === ethMid)).toBe(true);
    expect(column("markets.ETH.finalPrice").every((p) => p === ethMid)).toBe(true);
    // the crash itself still liquidates BTC legs
    expect(Math.max(...column("markets.BTC.liquidations"))).toBeGreaterThan(0);
  });

  it("the two engines give the same records, cross and isolated", () => {
    for (const mode of ["cross", "isolated"] as const) {
      const a = run(mode, "wasm").out;
      const b = run(mode, "ts").out;
      expect(
        a.every((x, i) => Object.is(x, b[i])),
        mode,
      ).toBe(true);
    }
  });
});
