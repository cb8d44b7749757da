// Liquidation fee schedules: a flat rate, a rate tiered by the liquidated notional, and a rate that ramps up with the
// time an account has spent in liquidation (Drift's liquidator fee). One function gives the rate for any of them.
//
// Source of the time-ramped shape: Drift protocol-v2 `get_liquidation_fee(base_liquidation_fee, max_liquidation_fee,
// last_active_user_slot, current_slot)`, as mirrored in drift-labs/drift-rs crates/src/math/mod.rs: the base fee while
// fewer than LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS have elapsed, then
// min(max, base + slots_elapsed · LIQUIDATION_FEE_INCREASE_PER_SLOT). The grace constant, 1,500 slots ("~10 minutes"),
// is read from a public Soroban port of Drift's liquidation math that carries the same function. The ramp counts all
// elapsed slots, not only those after the grace period, so the fee jumps when the grace period ends. The per-slot
// increase was in none of the sources I could read (a third-party summary says ".01 bps per slot"): presets and
// tests use it as an illustrative value.

export type LiquidationFeeSchedule =
  /** `upToSurplus`: the fee never exceeds the collateral left above bankruptcy (dYdX's insuranceFundDelta applies it). */
  | { kind: "flat"; rate: number; upToSurplus?: boolean }
  /** Rate of the tier the liquidated notional falls in: the last tier whose floor <= notional (floors ascending, first 0). */
  | { kind: "tiered"; tiers: readonly { floor: number; rate: number }[] }
  /** base until `graceSeconds`, then min(max, base + elapsed · increasePerSecond). */
  | { kind: "time-ramped"; base: number; max: number; graceSeconds: number; increasePerSecond: number };

/** The fee rate (fraction of liquidated notional) for a liquidation of `notional`, `elapsed` seconds into liquidation. */
export function liquidationFeeRate(schedule: LiquidationFeeSchedule, notional: number, elapsed: number): number {
  switch (schedule.kind) {
    case "flat":
      return schedule.rate;
    case "tiered": {
      const tiers = schedule.tiers;
      let j = 0;
      while (j + 1 < tiers.length && notional >= tiers[j + 1].floor) j++;
      return tiers[j].rate;
    }
    case "time-ramped": {
      if (elapsed < schedule.graceSeconds) return schedule.base;
      const ramped = schedule.base + elapsed * schedule.increasePerSecond;
      return ramped < schedule.max ? ramped : schedule.max;
    }
  }
}
