// The reference scenario of the benchmarks (bench/README.md states every parameter) and the variants the
// bit-identity check runs. Plain scenario literals (only the brackets come from the preset file).

import { findPreset } from "../dist/config/presets.js";

/** @typedef {import("../dist/config/scenario.js").Scenario} Scenario */

/** Binance USDⓈ-M BTCUSDT legacy brackets, from the preset file (presets/binance-usdm-btcusdt.yaml). */
export const BINANCE_TIERS = findPreset("binance-usdm-btcusdt").tiers.map(({ floor, mmr, maintenanceAmount }) => ({
  floor,
  mmr,
  maintenanceAmount,
}));

/**
 * The reference scenario: 10,000 accounts, 1,000 levels per side, 100 one-minute steps, isolated margin,
 * GBM at 80% vol plus an −8% shock at step 1, insurance 100,000 (so the fund empties and ADL fires).
 * @returns {Scenario}
 */
export function referenceScenario() {
  return {
    name: "bench-reference",
    seed: 42,
    paths: 1000,
    steps: 100,
    stepSeconds: 60,
    market: {
      initialPrice: 30000,
      tickSize: 0.5,
      price: {
        model: "gbm",
        volatility: 0.8,
        drift: 0,
        jumps: { intensity: 0, meanLog: 0, stdLog: 0 },
        shocks: [{ step: 1, return: -0.08 }],
      },
      book: {
        levels: 1000,
        depth: { profile: "exponential", size: 0.25, decayTicks: 300, exponent: 0.5, saturationTicks: 600 },
      },
      mark: { model: "last" },
      // the transient impact keeps 2^(−60/810.6) ≈ 0.95 of itself per one-minute step (the old resilience 0.05)
      impact: { halfLifeSeconds: 810.6, permanentShare: 0 },
    },
    accounts: {
      count: 10000,
      longShare: 0.6,
      leverage: { dist: "lognormal", median: 10, sigma: 0.6, max: 100 },
      notional: { dist: "pareto", min: 1000, alpha: 1.5, max: 5_000_000 },
      resample: false,
    },
    margin: { mode: "isolated", tiers: BINANCE_TIERS },
    liquidation: { engine: "market", feeRate: 0.005, maxRoundsPerStep: 1000 },
    insurance: { initialBalance: 100_000 },
    // the batched market engine, the one the C port mirrors: ADL runs after the cascade on the per-account engine
    // (assembly/loss-allocation.ts), which the C port does not have
    adl: { ranking: "none" },
  };
}

/**
 * A deep copy of the reference scenario with `edit` applied to it.
 * @param {(s: Scenario) => void} edit
 * @returns {Scenario}
 */
export function variant(edit) {
  const s = referenceScenario();
  edit(s);
  return s;
}

/** Named variants covering every branch of the kernel (fund sizes, marks, models, resample, impact, profiles). */
export const CHECK_VARIANTS = {
  reference: () => referenceScenario(),
  "no ADL (insurance 1e12)": () =>
    variant((s) => {
      s.insurance.initialBalance = 1e12;
    }),
  "small insurance (bad debt)": () =>
    variant((s) => {
      s.insurance.initialBalance = 1000;
    }),
  "no insurance (bad debt)": () =>
    variant((s) => {
      s.insurance.initialBalance = 0;
    }),
  "mark mid": () =>
    variant((s) => {
      s.market.mark.model = "mid";
    }),
  "impact never decays": () =>
    variant((s) => {
      s.market.impact = { halfLifeSeconds: Infinity, permanentShare: 0 };
    }),
  "impact decays within a step, two thirds permanent": () =>
    variant((s) => {
      s.market.impact = { halfLifeSeconds: 1, permanentShare: 2 / 3 };
    }),
  "latent profile": () =>
    variant((s) => {
      s.market.book.depth = { ...s.market.book.depth, profile: "latent", size: 2, saturationTicks: 300 };
    }),
  merton: () =>
    variant((s) => {
      s.market.price.model = "merton";
      s.market.price.jumps = { intensity: 400, meanLog: -0.03, stdLog: 0.04 };
    }),
  "resample, 800 accounts": () =>
    variant((s) => {
      s.accounts.resample = true;
      s.accounts.count = 800;
    }),
  "price none, flat book, 20 levels (past the window)": () =>
    variant((s) => {
      s.market.price.model = "none";
      s.market.book.levels = 20;
      s.market.book.depth.profile = "flat";
      s.accounts.count = 3000;
    }),
  "power book, shorts heavy, +8% shock": () =>
    variant((s) => {
      s.market.book.depth.profile = "power";
      s.accounts.longShare = 0.2;
      s.market.price.shocks = [{ step: 3, return: 0.08 }];
    }),
  "tick 0.1 (not a power of two), mark mid": () =>
    variant((s) => {
      s.market.tickSize = 0.1;
      s.market.mark.model = "mid";
    }),
  "fixed leverage 50, fixed notional": () =>
    variant((s) => {
      s.accounts.leverage.dist = "fixed";
      s.accounts.leverage.median = 50;
      s.accounts.notional.dist = "fixed";
      s.accounts.notional.min = 20000;
    }),
};

/** Variants the benchmarks decompose the cost with. */
export const BENCH_VARIANTS = {
  "quiet (no shock, no ADL)": () =>
    variant((s) => {
      s.market.price.shocks = [];
      s.insurance.initialBalance = 1e12;
    }),
  "shock, step 1 only, no ADL": () =>
    variant((s) => {
      s.insurance.initialBalance = 1e12;
      s.steps = 1;
    }),
};
