// Several markets in one run (`markets:` in a scenario): the setup both engines load, and the record's layout.
// Each market is a whole single-market setup (buildSetup of the market's own scenario: the top-level blocks with
// the market's merged over them), so every mechanism, fee schedule, margin model, mark model and book profile works
// per market unchanged; what the markets share is the venue (one insurance fund, one ledger, one step loop whose
// cascade rounds run until no market liquidates) and the randomness (correlated returns).
// A scenario without `markets:` never builds one: it runs as one market, on the single-market code path.
import type { Scenario, ScenarioInputs } from "../config/scenario.js";
import { marketNames, marketScenarios } from "../config/markets.js";
import { correlationFactor, identityCorrelation } from "../config/correlation.js";
import { buildSetup, type EngineSetup, tickOf } from "./setup.js";
import { METRIC_NAMES } from "./metrics.js";
import { type CrossSetup, arrivalStep, buildCrossTables } from "./cross-setup.js";
import { resolveOwners } from "../config/cross-margin.js";
import { seedWords } from "../mc/seed.js";

export interface MarketsSetup {
  /** The markets' names, in the scenario's order (market 0 gives the record's price metrics). */
  names: string[];
  /**
   * Market m's setup. Venue-wide slots (steps, stepSeconds, insurance, maxRoundsPerStep, the fund's cap and
   * trigger) are equal in every market's block; the engines read them from market 0's.
   */
  markets: EngineSetup[];
  /** The lower Cholesky factor L of the markets' return correlation, row-major M × M (identity when absent). */
  cholesky: Float64Array;
  /** Cross-margin owners over these markets (`crossMargin:`), absent without. */
  cross?: CrossSetup;
}

/**
 * Market m's Philox draws are market 0's (today's) counters with the domain word (the 4th) increased by
 * MARKET_DOMAIN_STRIDE × m: its diffusion and jump-count uniforms, its jump sizes, its generated population, its
 * accounts.flow and its random ADL ranking (src/engine/markets.ts lists them).
 */
export const MARKET_DOMAIN_STRIDE = 16;

/** Per market, after the venue's metrics: `markets.NAME.METRIC`. */
export const MARKET_METRICS = [
  "liquidations",
  "liquidatedNotional",
  "minPrice",
  "finalPrice",
  "maxDrawdown",
  "exogenousDrawdown",
  "amplification",
  "adlNotional",
] as const;

/**
 * A run's record: the venue's metrics (METRIC_NAMES, summed over the markets; prices and drawdowns of market 0;
 * the fund, bad debt and who-paid rows of the shared ledger), then MARKET_METRICS for each market in order.
 * One market: METRIC_NAMES alone, as always.
 */
export function recordNames(marketNames: readonly string[] | undefined, cross = false): string[] {
  if (marketNames === undefined) return [...METRIC_NAMES];
  return [
    ...METRIC_NAMES,
    ...marketNames.flatMap((name) => MARKET_METRICS.map((metric) => `markets.${name}.${metric}`)),
    ...(cross ? CROSS_METRICS.map((metric) => `crossMargin.${metric}`) : []),
  ];
}

/**
 * With `crossMargin:`, after the markets' blocks: owners with at least one leg liquidated, owners closed out (every
 * leg closed, the collateral sold), the collateral sales' proceeds (quote) and their count.
 */
export const CROSS_METRICS = ["accountsLiquidated", "accountsClosed", "collateralSold", "collateralSales"] as const;

/** The record's column names of a run of `scenario`: its markets' (several markets) or METRIC_NAMES (one). */
export function scenarioRecordNames(scenario: Pick<Scenario, "markets" | "crossMargin">): string[] {
  return recordNames(marketNames(scenario), scenario.crossMargin !== undefined);
}

/**
 * The setup of a scenario with `markets:`: buildSetup of each market's own whole scenario (src/config/markets.ts,
 * marketScenarios), the names, and the Cholesky factor of `correlation`.
 */
export function buildMarketsSetup(inputs: ScenarioInputs): MarketsSetup {
  const { markets, correlation } = inputs.scenario;
  if (markets === undefined) throw new RangeError("buildMarketsSetup: the scenario has no markets (use buildSetup)");
  const setups = marketScenarios(inputs).map(buildSetup);
  const cross = inputs.scenario.crossMargin;
  return {
    names: markets.map((m) => m.name),
    markets: setups,
    cholesky: correlationFactor(correlation ?? identityCorrelation(markets.length)),
    ...(cross ? { cross: crossTables(inputs, setups) } : {}),
  };
}

/** The owners of `crossMargin:` (listed, then generated from the seed) as the engines' flat tables. */
function crossTables(inputs: ScenarioInputs, setups: EngineSetup[]): CrossSetup {
  const s = inputs.scenario;
  const cross = s.crossMargin!;
  const markets = s.markets!.map((m) => {
    const tick = m.market.tickSize;
    // the book's first mid: its centre tick (tickOf's, at least 1) and half a tick (src/engine/book.ts mid())
    const centre = Math.max(1, tickOf(m.market.initialPrice, tick));
    return { name: m.name, initialMid: (centre + 0.5) * tick, initialPrice: m.market.initialPrice };
  });
  const owners = resolveOwners(cross, markets, seedWords(s.seed));
  const assets = cross.assets.map((a) => ({
    market: a.market === undefined ? -1 : markets.findIndex((m) => m.name === a.market),
    price: a.price ?? 1,
    haircut: a.haircut,
  }));
  return buildCrossTables(
    setups,
    owners.map((o) => ({
      legs: o.legs,
      deposits: o.deposits.map((d) => ({
        asset: d.asset,
        amount: d.amount,
        arrives: arrivalStep(d.arrivesAtSeconds, s.stepSeconds),
      })),
    })),
    assets,
  );
}

/** What a run's engine loads: one market's setup, or several markets' (a scenario with `markets:`). */
export type RunSetup = EngineSetup | MarketsSetup;

/** True for a several-market setup. */
export function isMarketsSetup(setup: RunSetup): setup is MarketsSetup {
  return "cholesky" in setup;
}

/** The setup of a run: buildMarketsSetup with `markets:`, buildSetup without (the single-market code path). */
export function buildRunSetup(inputs: ScenarioInputs): RunSetup {
  return inputs.scenario.markets === undefined ? buildSetup(inputs) : buildMarketsSetup(inputs);
}
