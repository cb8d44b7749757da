// The manipulation scenario's config: zod schema, defaults, and the checks that span fields. Every problem is one
// line naming its field, all of them at once, thrown as InputError (src/config/errors.ts).
import { z } from "zod";
import { InputError } from "../config/errors.js";
import { formatIssues } from "../config/schema.js";
import { MANGO_V4_MIN_UPDATE_SECONDS, MANGO_V4_STABLE_GROWTH_PER_SECOND } from "./stable-price.js";

const positive = z.number().gt(0);
const nonNegative = z.number().min(0);

const askLevelSchema = z.strictObject({ price: positive, size: nonNegative });

/** The stable price reads a delay price it holds at the pre-attack price: valid for windows under 23 h. */
const MAX_STABLE_WINDOW_SECONDS = 23 * 3600;

export const manipulationConfigSchema = z
  .strictObject({
    /** Steps in the attack window; each step: buy spot, update oracle and stable price, borrow. */
    steps: z.number().int().min(1).max(1_000_000),
    /** The attacker's long perp, opened against the counterparty's short before the window. */
    perp: z.strictObject({ size: positive, entryPrice: positive }),
    attacker: z.strictObject({
      /** Quote deposited on the venue as collateral for the long. */
      collateral: nonNegative,
      /** Quote the attacker will spend buying spot (a cap; the book may cost less). */
      spotBudget: nonNegative,
      /** The spot price the attacker pushes to. */
      targetPrice: positive,
      /** Raise the push target by this factor per step (p0 · (1 + r)^(t+1)); absent: straight to the target. */
      rampPerStep: positive.optional(),
    }),
    counterparty: z.strictObject({
      collateral: nonNegative,
      /** True in 2022: both accounts were the attacker's, so the short's collateral is the attacker's loss too. */
      ownedByAttacker: z.boolean(),
    }),
    spot: z.strictObject({
      venues: z
        .array(
          z.strictObject({
            lastTradePrice: positive,
            /** Resting asks, ascending price. */
            asks: z.array(askLevelSchema),
          }),
        )
        .min(1),
    }),
    oracle: z.strictObject({
      lagSteps: z.number().int().min(0).default(0),
      band: z.strictObject({ fraction: z.number().gt(0).lt(1), mode: z.enum(["clamp", "reject"]) }).optional(),
    }),
    /** Mango v4's stable price in initial health; absent: the oracle alone. */
    stablePrice: z
      .strictObject({
        growthLimitPerSecond: positive.default(MANGO_V4_STABLE_GROWTH_PER_SECOND),
        /** Seconds per step, within Mango's [min_dt, max_dt] = [10 s, 600 s] (longer gaps count as 600 s there). */
        stepSeconds: z.number().min(MANGO_V4_MIN_UPDATE_SECONDS).max(600).default(MANGO_V4_MIN_UPDATE_SECONDS),
      })
      .optional(),
    margin: z.strictObject({
      collateralWeight: z.number().gt(0).max(1),
      positivePnlWeight: z.number().min(0).max(1),
      liabilityWeight: z.number().min(1),
    }),
    /** The venue's lendable quote: the most the attacker can take out. */
    pool: z.strictObject({ liquidity: nonNegative }),
  })
  .superRefine((config, ctx) => {
    config.spot.venues.forEach((venue, v) => {
      venue.asks.forEach((level, i) => {
        if (i > 0 && !(level.price > venue.asks[i - 1].price)) {
          ctx.addIssue({
            code: "custom",
            path: ["spot", "venues", v, "asks", i, "price"],
            message: `must be > the previous level's price ${venue.asks[i - 1].price}`,
            input: level.price,
          });
        }
      });
    });
    if (config.stablePrice && config.steps * config.stablePrice.stepSeconds > MAX_STABLE_WINDOW_SECONDS) {
      ctx.addIssue({
        code: "custom",
        path: ["steps"],
        message: `must keep steps × stablePrice.stepSeconds ≤ ${MAX_STABLE_WINDOW_SECONDS} s (the delay price is held at the pre-attack price)`,
        input: config.steps,
      });
    }
  });

export type ManipulationConfigInput = z.input<typeof manipulationConfigSchema>;
export type ManipulationConfig = z.output<typeof manipulationConfigSchema>;

/** Validates and fills defaults; throws InputError with one line per problem. */
export function parseManipulationConfig(input: unknown): ManipulationConfig {
  const parsed = manipulationConfigSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new InputError(formatIssues(parsed.error.issues, manipulationConfigSchema));
  return parsed.data;
}
