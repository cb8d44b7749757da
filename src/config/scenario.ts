// The resolved scenario: every key of SPEC §2 with its default applied. This is what the engines consume,
// what summary.json echoes, and what the scenario hash covers. Its type is the schema's output
// (src/config/schema.ts documents every key; src/config/mechanisms/ each liquidation mechanism's block), with the
// tiers resolved from their preset (src/config/load.ts) and the warnings the loader adds.
import type { z } from "zod";
import type { scenarioSchema, tierSchema } from "./schema.js";

/** The schema's output: a Scenario except that margin may still name a preset instead of tiers. */
export type ScenarioDraft = z.output<typeof scenarioSchema>;

/** One maintenance-margin bracket (Binance rule: MM = notional × mmr − maintenanceAmount). */
export type Tier = z.output<typeof tierSchema>;

/** The resolved margin block: `preset` stays when the tiers came from one, so that summary.json records it. */
export type ResolvedMargin = ScenarioDraft["margin"] & { tiers: Tier[] };

/** One market of a several-market run, resolved whole (its blocks merged over the top-level ones, defaults shown). */
export interface MarketScenario {
  name: string;
  market: ScenarioDraft["market"];
  accounts: ScenarioDraft["accounts"];
  margin: ResolvedMargin;
  liquidation: ScenarioDraft["liquidation"];
  adl: ScenarioDraft["adl"];
}

export type Scenario = Omit<ScenarioDraft, "margin" | "markets"> & {
  /** `preset` stays when the tiers came from one, so that summary.json records where they came from. */
  margin: ResolvedMargin;
  /** Several markets (src/config/markets.ts): each whole; absent for a one-market scenario. */
  markets?: MarketScenario[];
  /**
   * What applying `venue` changed in the scenario as written (a key it overrode, a block it dropped), one line each;
   * summary.json's `warnings` and stderr carry them. Absent when there was nothing to say.
   */
  venueWarnings?: string[];
  /**
   * What the scenario's data files make of it that its keys do not show (a replay with fewer returns than steps
   * resamples them), one line each; summary.json's `warnings` and stderr carry them. Absent when there is none.
   */
  inputWarnings?: string[];
};

export type PriceModel = Scenario["market"]["price"]["model"];
export type Shock = Scenario["market"]["price"]["shocks"][number];
export type DepthProfile = Scenario["market"]["book"]["depth"]["profile"];
export type MarkModel = Scenario["market"]["mark"]["model"];
export type LiquidationEngine = Scenario["liquidation"]["engine"];
export type { AdlRanking } from "./mechanisms/adl.js";
export type { FeeSchedule } from "./mechanisms/fee.js";
export type { AuctionSettings } from "./mechanisms/dutch-auction.js";
export type { BackstopSettings } from "./mechanisms/backstop.js";
export type { CloseFactorSettings } from "./mechanisms/close-factor.js";
export type { PartialSettings } from "./mechanisms/partial.js";

/** A position loaded from `accounts.positionsFile`. */
export interface PositionRow {
  account: string;
  side: "long" | "short";
  size: number;
  entryPrice: number;
  collateral: number;
}

/** One resting level of a book snapshot. */
export interface BookLevel {
  side: "bid" | "ask";
  price: number;
  qty: number;
}

/** Everything a run needs: the scenario plus the contents of the files it names, loaded once by the host. */
export interface ScenarioInputs extends MarketFiles {
  scenario: Scenario;
  /** The directory the scenario's file keys are relative to (set by resolveScenario). */
  baseDir?: string;
  /** With `markets:`, the files each market names, in the markets' order (the top-level fields are then unused). */
  markets?: MarketFiles[];
}

/** The contents of the files a (market's) scenario names. */
export interface MarketFiles {
  positions?: PositionRow[];
  book?: BookLevel[];
  returns?: Float64Array;
}
