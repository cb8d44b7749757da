// OKX perpetual swaps: partial liquidation down the position tiers. A large position whose margin ratio falls below its
// own tier's requirement, but not below the lowest tier's, is cut to a size two tiers lower instead of being closed.
//
// Source: OKX help centre "forced partial liquidation" rules for perpetual swaps, as restated in public copies (the
// OKX page itself was not available to me): "When a user's position tier is Level 3 or higher: if the margin ratio
// falls below the current tier's maintenance margin + liquidation fee rate but remains above the lowest tier's
// maintenance margin + liquidation fee rate, the system calculates the number of contracts needed to reduce the
// position by two tiers and executes partial liquidation. If the margin ratio then meets the new tier's requirements,
// the process stops; if not, it repeats." Tier tables: OKX announcements "OKX to adjust position tiers of perpetual
// swaps" (e.g. 2023-05-15). No public numeric example: test/config/venues.test.ts checks the defining behaviour.

export interface OkxTier {
  /** Lowest notional of the tier (quote); the first tier starts at 0. */
  floor: number;
  mmr: number;
}

export interface OkxStepDownRule {
  /** Lowest tier (1-based) liquidated in steps rather than whole: 3. */
  minTier: number;
  /** Tiers dropped per step: 2. */
  tiersPerStep: number;
  /** Liquidation (taker) fee rate added to each tier's maintenance rate. */
  feeRate: number;
}

export const OKX_STEP_DOWN: Omit<OkxStepDownRule, "feeRate"> = { minTier: 3, tiersPerStep: 2 };

export type OkxLiquidationAction =
  | { kind: "none" }
  | { kind: "full" }
  /**
   * Reduce the position from tier `fromTier` into tier `toTier` (1-based): to strictly below `targetNotional`, the
   * floor of the tier above `toTier` (one lot below it, in the kernel's integer lots).
   */
  | { kind: "reduce"; targetNotional: number; fromTier: number; toTier: number };

function tierOf(tiers: readonly OkxTier[], notional: number): number {
  let j = 0;
  while (j + 1 < tiers.length && notional >= tiers[j + 1].floor) j++;
  return j;
}

/** What OKX's engine does to a position of `notional` with margin ratio equity / notional. */
export function okxLiquidationAction(
  tiers: readonly OkxTier[],
  notional: number,
  equity: number,
  rule: OkxStepDownRule,
): OkxLiquidationAction {
  const ratio = equity / notional;
  const t = tierOf(tiers, notional);
  if (ratio >= tiers[t].mmr + rule.feeRate) return { kind: "none" };
  if (!(ratio > tiers[0].mmr + rule.feeRate) || t + 1 < rule.minTier) return { kind: "full" };
  const to = t - rule.tiersPerStep > 0 ? t - rule.tiersPerStep : 0;
  return { kind: "reduce", targetNotional: tiers[to + 1].floor, fromTier: t + 1, toTier: to + 1 };
}
