// Bracket tables for the margin calculator: Tier[] → the engine's flat TierTable, the maintenance margin at a
// notional, and Binance's rule that makes maintenance margin continuous across brackets.
import type { Tier } from "../config/scenario.js";
import { tierIndex, type TierTable } from "../engine/margin.js";

/** The engine's flat form of a bracket list (already validated: first floor 0, floors increasing). */
export function toTierTable(tiers: readonly Tier[]): TierTable {
  return {
    floor: Float64Array.from(tiers, (t) => t.floor),
    mmr: Float64Array.from(tiers, (t) => t.mmr),
    amount: Float64Array.from(tiers, (t) => t.maintenanceAmount),
  };
}

/** Maintenance margin = notional × mmr − maintenanceAmount of the bracket the notional falls in. */
export function maintenanceMargin(table: TierTable, notional: number): number {
  const j = tierIndex(table, notional);
  return notional * table.mmr[j] - table.amount[j];
}

/**
 * The maintenance amounts ("cum") that keep maintenance margin continuous at every floor, from the first bracket's
 * own amount: cum_n = cum_{n−1} + floor_n · (mmr_n − mmr_{n−1}) (Binance FAQ b3c689c1f50a44cabb3a84e663b81d93).
 */
export function continuousAmounts(tiers: readonly Tier[]): number[] {
  const cum = [tiers[0].maintenanceAmount];
  for (let n = 1; n < tiers.length; n++) cum.push(cum[n - 1] + tiers[n].floor * (tiers[n].mmr - tiers[n - 1].mmr));
  return cum;
}
