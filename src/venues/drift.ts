// Drift protocol-v2 liquidation pacing: the liquidator fee that rises with the slots an account has been in
// liquidation, and the share of the margin shortage that may be freed so far (liquidation spread over a window).
//
// Sources: `get_liquidation_fee` (see liquidation-fee.ts for its provenance and the illustrative per-slot increase);
// drift-labs/protocol-v2 programs/drift/src/math/liquidation.rs `calculate_max_pct_to_liquidate`: pct_freeable =
// min(1, initial_pct + slots_elapsed / liquidation_duration); the margin that may be freed is
// pct_freeable · (shortage + already freed) − already freed, returned as a share of the current shortage;
// drift-labs/drift-protocol-v2-docs content/protocol/liquidations/liquidation-engine.mdx: the window is "set to 25
// by default" (slots). Slots are ~400 ms.

/** Solana slot length Drift's comments assume ("~ 1 minute if per slot is 400ms"). */
export const DRIFT_SLOT_SECONDS = 0.4;

export interface DriftLiquidationFee {
  baseFee: number;
  maxFee: number;
  /** LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS: 1,500 (~10 minutes at 400 ms). */
  graceSlots: number;
  /** LIQUIDATION_FEE_INCREASE_PER_SLOT as a rate per slot (illustrative, see liquidation-fee.ts). */
  increasePerSlot: number;
}

/** get_liquidation_fee: base until the grace period is over, then min(max, base + slotsElapsed · increase). */
export function driftLiquidationFee(p: DriftLiquidationFee, slotsElapsed: number): number {
  if (slotsElapsed < p.graceSlots) return p.baseFee;
  const fee = p.baseFee + slotsElapsed * p.increasePerSlot;
  return fee < p.maxFee ? fee : p.maxFee;
}

/**
 * calculate_max_pct_to_liquidate: the share (0..1) of the current margin shortage a liquidator may free now, after
 * `slotsElapsed` slots in liquidation, `initialPct` allowed at once, `marginFreed` already freed.
 */
export function driftMaxPctToLiquidate(
  marginShortage: number,
  marginFreed: number,
  slotsElapsed: number,
  initialPct: number,
  durationSlots: number,
): number {
  const ramp = durationSlots > 0 ? slotsElapsed / durationSlots + initialPct : 1;
  const pctFreeable = ramp < 1 ? ramp : 1;
  const maxFreed = (marginShortage + marginFreed) * pctFreeable;
  const freeable = maxFreed > marginFreed ? maxFreed - marginFreed : 0;
  return freeable / marginShortage;
}
