// engine `partial` (Hyperliquid-style slices with a cooldown); its block `liquidation.partial` also shapes the book
// liquidations of engine `backstop`.
import { z } from "zod";
import { P } from "../../engine/layout.js";
import { MAX_MONEY, choice, removedKey } from "../schema-primitives.js";
import { withBlock } from "./mechanism.js";
import { wholeSteps } from "./units.js";

/**
 * liquidation.partial (engine `partial`; defaults threshold 100000, fraction 0.2, cooldownSeconds 0). An account
 * across its liquidation price whose notional at the mark is ≤ threshold is closed whole, as by `market`;
 * otherwise fraction × its current size is sold (bought) by market order and settled pro rata: PnL realised
 * on the slice, fee on the slice's notional, the slice's share of the collateral (fraction × collateral)
 * backs it, any deficit goes to the fund, ADL, bad debt as for a whole liquidation. The account stays open
 * with the rest of the size and collateral c + pnl − fee (or (1 − fraction) × c after a deficit); its
 * liquidation price is recomputed in its bracket. It may be sliced again once cooldownSeconds (rounded up to whole steps) have
 * passed (0: in the next cascade round of the same step). `duringCooldown` (absent: wait): `wait` leaves a
 * cooling-down account alone, still under water, until the cooldown ends; `full` (Hyperliquid: "during this
 * cooldown period, all market liquidation orders for that user will be for the entire position") closes it whole
 * in a later round (the backstop vault first, below its threshold). The scan engine (margin.model) has only `wait`.
 */
export const partialSchema = z.strictObject({
  threshold: z.number().min(0).max(MAX_MONEY).default(100_000),
  fraction: z.number().gt(0).max(1).default(0.2),
  cooldownSeconds: z.number().min(0).max(1e9).default(0),
  cooldownSteps: removedKey("liquidation.partial.cooldownSeconds"),
  // what a cooling-down account still under water gets: wait (absent) for the cooldown, or full: closed whole
  duringCooldown: choice(["wait", "full"] as const)
    .optional()
    .meta({ description: "absent: wait" }),
});
export type PartialSettings = z.output<typeof partialSchema>;

/** Engine `partial` without the block slices with the block's defaults (the resolved scenario does not show them). */
const DEFAULTS: PartialSettings = partialSchema.parse({});

export const partial = withBlock({
  engine: "partial",
  block: { key: "partial", schema: partialSchema, readBy: ["partial", "backstop"], defaultsWhenChosen: false },
  presetSections: ["partial", "tierStepDown"],
  writeParams(params, block, run) {
    // slices: the partial engine's, and the backstop engine's book liquidations when it has a partial block
    const sliced = run.engine === "partial" || (run.engine === "backstop" && block !== undefined);
    const rule = block ?? DEFAULTS;
    params[P.partialThreshold] = sliced ? rule.threshold : 0;
    params[P.partialFraction] = sliced ? rule.fraction : 1;
    params[P.partialCooldown] = sliced ? wholeSteps(rule.cooldownSeconds, run.stepSeconds, "up") : 0;
    params[P.partialDuringCooldown] = sliced && rule.duringCooldown === "full" ? 1 : 0;
  },
  fromPreset(preset, stepSeconds) {
    const liq = preset.liquidation;
    if (liq?.partial) {
      // the venue's cooldown in seconds (rounded up to whole steps by the writer above)
      const p = liq.partial;
      return {
        block: {
          threshold: p.minNotional,
          fraction: p.fraction,
          cooldownSeconds: p.cooldownSeconds,
          duringCooldown: p.duringCooldown,
        },
      };
    }
    if (liq?.tierStepDown) {
      // OKX lowers a large position tiersPerStep brackets at a time from bracket minTier; approximated by
      // halving positions at or above that bracket's floor, once per step
      const floor = preset.tiers[Math.min(liq.tierStepDown.minTier, preset.tiers.length) - 1].floor;
      return { block: { threshold: floor, fraction: 0.5, cooldownSeconds: stepSeconds, duringCooldown: "wait" } };
    }
    return undefined;
  },
});
