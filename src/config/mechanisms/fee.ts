// The liquidation fee: liquidation.feeRate and the schedule `liquidation.fee` (flat, tiered, time-ramped), their
// parameter slots and a venue preset's fee in those keys. Every liquidation engine charges it (src/venues/
// liquidation-fee.ts has the venues' formulas).
import { z } from "zod";
import { FEE_KIND, MAX_FEE_TIERS, P } from "../../engine/layout.js";
import type { Preset } from "../presets.js";
import { MAX_MONEY, MAX_SECONDS } from "../schema-primitives.js";

export { MAX_FEE_TIERS };

/**
 * Settled at the bankruptcy price (Bybit): the whole margin left goes to the fund. The engines cap every liquidation
 * fee at what the account has left above bankruptcy, so a rate above any position's margin fraction takes all of it
 * (the schema's feeRate is < 1).
 */
export const BANKRUPTCY_SETTLEMENT_FEE_RATE = 0.999;

/**
 * liquidation.fee (absent: flat at feeRate). The fee is charged on the notional of each liquidation fill (a whole
 * close, a slice, an auction take) and never exceeds what the account has left above bankruptcy on that fill.
 * `tiered`: the rate of the fee tier whose floor is the largest ≤ the fill's notional. `time-ramped` (Drift): rate
 * = min(max, feeRate + increasePerSecond × max(0, elapsed − graceSeconds)), elapsed = (step − the step the account
 * was first liquidated in the path) × stepSeconds: 0 for a whole close by market order, growing across the slices of
 * the partial engine and the takes of an auction.
 */
export const feeScheduleSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("flat") }),
  z.strictObject({
    kind: z.literal("tiered"),
    tiers: z
      .array(z.strictObject({ floor: z.number().min(0).max(MAX_MONEY), rate: z.number().min(0).lt(1) }))
      .min(1)
      .max(MAX_FEE_TIERS)
      .superRefine((tiers, ctx) => {
        tiers.forEach((t, i) => {
          if (i === 0 && t?.floor !== 0)
            ctx.addIssue({
              code: "custom",
              path: [0, "floor"],
              input: t?.floor,
              message: "must be 0 (the first fee tier starts at 0)",
            });
          if (
            i > 0 &&
            typeof t?.floor === "number" &&
            typeof tiers[i - 1]?.floor === "number" &&
            !(t.floor > tiers[i - 1].floor)
          ) {
            ctx.addIssue({
              code: "custom",
              path: [i, "floor"],
              input: t.floor,
              message: `must be > the previous fee tier's floor ${tiers[i - 1].floor}`,
            });
          }
        });
      }),
  }),
  // Drift: the fee rises from feeRate by increasePerSecond after graceSeconds in liquidation, up to max
  z.strictObject({
    kind: z.literal("time-ramped"),
    max: z.number().min(0).lt(1),
    graceSeconds: z.number().min(0).max(MAX_SECONDS).default(0),
    increasePerSecond: z.number().min(0).max(1),
  }),
]);
export type FeeSchedule = z.output<typeof feeScheduleSchema>;

/** The fee's slots: the flat rate (the base of a ramp) and the schedule. */
export function writeFeeParams(params: Float64Array, liq: { feeRate: number; fee?: FeeSchedule }): void {
  params[P.feeRate] = liq.feeRate;
  const fee = liq.fee ?? { kind: "flat" as const };
  params[P.feeKind] = FEE_KIND[fee.kind];
  if (fee.kind === "tiered") {
    params[P.feeTierCount] = fee.tiers.length;
    for (let j = 0; j < MAX_FEE_TIERS; j++) {
      params[P.feeTierFloor + j] = j < fee.tiers.length ? fee.tiers[j].floor : Infinity;
      params[P.feeTierRate + j] = j < fee.tiers.length ? fee.tiers[j].rate : 0;
    }
  } else if (fee.kind === "time-ramped") {
    params[P.feeRampMax] = fee.max;
    params[P.feeRampGrace] = fee.graceSeconds;
    params[P.feeRampPerSecond] = fee.increasePerSecond;
  }
}

/** A venue preset's fee as liquidation.feeRate and liquidation.fee (undefined: the preset does not say). */
export function feeFromPreset(preset: Preset): { feeRate?: number; fee?: Record<string, unknown> } {
  const fee = preset.liquidation?.fee;
  switch (fee?.kind) {
    case "flat":
      return { feeRate: fee.rate };
    case "bankruptcy":
      return { feeRate: BANKRUPTCY_SETTLEMENT_FEE_RATE };
    case "tiered":
      return { fee: { kind: "tiered", tiers: fee.tiers } };
    case "time-ramped":
      return {
        feeRate: fee.base,
        fee: { kind: "time-ramped", max: fee.max, graceSeconds: fee.graceSeconds, increasePerSecond: fee.increasePerSecond },
      };
    default:
      return {};
  }
}
