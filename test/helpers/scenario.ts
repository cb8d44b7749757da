// A complete scenario literal for engine tests that must not depend on the config loader.
import type { Scenario } from "../../src/config/scenario.js";
import { BINANCE_TIERS } from "./tiers.js";

export function baseScenario(): Scenario {
  return {
    name: "test",
    seed: 42,
    paths: 50,
    steps: 50,
    stepSeconds: 60,
    market: {
      initialPrice: 30000,
      tickSize: 0.5,
      price: {
        model: "gbm",
        volatility: 0.8,
        drift: 0,
        jumps: { intensity: 4, meanLog: -0.03, stdLog: 0.04 },
        shocks: [{ step: 5, return: -0.04 }],
      },
      book: { levels: 1000, depth: { profile: "exponential", size: 0.25, decayTicks: 300, exponent: 0.5, saturationTicks: 600 } },
      impact: { halfLifeSeconds: 810.804, permanentShare: 0 },
      mark: { model: "last" },
    },
    accounts: {
      count: 2000,
      longShare: 0.6,
      leverage: { dist: "lognormal", median: 10, sigma: 0.6, max: 100 },
      notional: { dist: "pareto", min: 1000, alpha: 1.5, max: 5_000_000 },
      resample: false,
    },
    margin: { mode: "isolated", tiers: BINANCE_TIERS },
    liquidation: { engine: "market", feeRate: 0.005, maxRoundsPerStep: 1000 },
    insurance: { initialBalance: 100_000 },
    adl: { ranking: "pnl-leverage" },
  };
}

/**
 * baseScenario's market with no price noise and a −20% shock at step 2, into a flat book deep enough (4000 levels)
 * that the cascade does not run out of it: the crash the mechanism tests liquidate into.
 */
export function crashMarket(initialPrice: number): Scenario["market"] {
  return {
    ...baseScenario().market,
    initialPrice,
    price: {
      model: "none",
      volatility: 0,
      drift: 0,
      jumps: { intensity: 0, meanLog: 0, stdLog: 0 },
      shocks: [{ step: 2, return: -0.2 }],
    },
    book: { levels: 4000, depth: { profile: "flat", size: 3, decayTicks: 300, exponent: 0.5, saturationTicks: 600 } },
    impact: { halfLifeSeconds: 186.377, permanentShare: 0 },
  };
}
