// The venue-mechanism sections a preset file may carry (presets/*.yaml): liquidation engine and its parameters,
// insurance/ADL settings, and the list of values that are illustrative rather than sourced. src/config/presets.ts
// adds them to its preset schema as optional keys; the field names match the parameter objects in src/venues/.
import { z } from "zod";
import { LIQUIDATION_ENGINES, presetSectionsOf, type LiquidationEngine } from "../config/mechanisms/index.js";

const nonNegative = z.number().min(0);
const positive = z.number().gt(0);
/** A fraction in [0, 1). */
const rate = z.number().min(0).lt(1);
/** A fraction in (0, 1]. */
const share = z.number().gt(0).max(1);

/** liquidation-fee.ts LiquidationFeeSchedule. */
export const feeScheduleSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("flat"),
    rate,
    /** The fee is at most the account's collateral above bankruptcy (dYdX, Binance): it never creates a loss. */
    upToSurplus: z.boolean().optional(),
  }),
  z.strictObject({ kind: z.literal("tiered"), tiers: z.array(z.strictObject({ floor: nonNegative, rate })).min(1) }),
  z.strictObject({
    kind: z.literal("time-ramped"),
    base: rate,
    max: rate,
    graceSeconds: nonNegative,
    increasePerSecond: nonNegative,
  }),
  /** Settled at the bankruptcy price (Bybit): whatever margin is left above it goes to the insurance fund. */
  z.strictObject({ kind: z.literal("bankruptcy") }),
]);

/** maker.ts MakerCurve. */
export const auctionCurveSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("linear"), tau: positive }),
  z.strictObject({ kind: z.literal("stairstep"), cut: share, step: positive }),
  z.strictObject({ kind: z.literal("exponential"), cut: share }),
]);

export { LIQUIDATION_ENGINES, type LiquidationEngine };

export const venueLiquidationSchema = z
  .strictObject({
    engine: z.enum(LIQUIDATION_ENGINES as readonly [LiquidationEngine, ...LiquidationEngine[]]),
    fee: feeScheduleSchema.optional(),
    /** partial.ts PartialLiquidationRule (Hyperliquid: 100,000 / 0.2 / 30 / full). */
    partial: z
      .strictObject({
        minNotional: nonNegative,
        fraction: share,
        cooldownSeconds: nonNegative,
        duringCooldown: z.enum(["full", "wait"]),
      })
      .optional(),
    /** okx.ts OkxStepDownRule without the fee (taken from `fee`). */
    tierStepDown: z.strictObject({ minTier: z.number().int().min(1), tiersPerStep: z.number().int().min(1) }).optional(),
    /** partial.ts BackstopRule; combines with any engine (the vault takes over below the threshold). */
    backstop: z.strictObject({ equityFractionOfMaintenance: share, vaultCapital: positive.optional() }).optional(),
    /** dydx.ts DydxBlockLimits; per-step caps that combine with any engine. */
    blockLimits: z
      .strictObject({
        minPositionNotionalLiquidated: nonNegative,
        maxPositionPortionLiquidated: share,
        maxNotionalLiquidatedPerSubaccount: positive,
        maxInsuranceLostPerSubaccount: positive,
      })
      .optional(),
    /** dydx.ts DydxFillablePriceConfig: the limit price of liquidation orders. */
    fillablePrice: z
      .strictObject({ bankruptcyAdjustment: z.number().min(1), spreadToMaintenanceMarginRatio: positive })
      .optional(),
    /** maker.ts MakerClipperParams plus the vault's liquidation ratio `mat`. */
    auction: z
      .strictObject({
        curve: auctionCurveSchema,
        buf: z.number().min(1),
        tail: positive,
        cusp: z.number().gt(0).lt(1),
        chip: rate,
        tip: nonNegative,
        chop: z.number().min(1),
        hole: positive,
        Hole: positive,
        mat: z.number().gt(1),
        dust: nonNegative.optional(),
      })
      .optional(),
    /** aave-v3.ts AaveCloseFactorRules and AaveCollateralTerms, plus the reserve's LTV and liquidation threshold. */
    closeFactor: z
      .strictObject({
        ltv: rate,
        liquidationThreshold: rate,
        liquidationBonus: z.number().min(1),
        protocolFeeOfBonus: rate,
        defaultCloseFactor: share,
        fullCloseHealthFactor: positive,
        minBaseForCloseFactor: nonNegative,
        minLeftoverBase: nonNegative,
      })
      .optional(),
  })
  .superRefine((l, ctx) => {
    // which section each engine needs, any one of them (partial: either kind of partial rule)
    const needs = presetSectionsOf(l.engine);
    if (needs.length > 0 && !needs.some((key) => (l as Record<string, unknown>)[key] !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [needs[0]],
        input: undefined,
        message: `is required by engine ${l.engine}` + (needs.length > 1 ? ` (or ${needs.slice(1).join(", ")})` : ""),
      });
    }
    if (l.closeFactor && !(l.closeFactor.ltv <= l.closeFactor.liquidationThreshold)) {
      ctx.addIssue({
        code: "custom",
        path: ["closeFactor", "ltv"],
        input: l.closeFactor.ltv,
        message: `must be <= liquidationThreshold (${l.closeFactor.liquidationThreshold})`,
      });
    }
  });

export const venueInsuranceSchema = z.strictObject({
  /** How ADL ranks the counterparties it closes: Binance/Bybit pnl × leverage, Hyperliquid's pnl-and-leverage index, dYdX random. */
  adlRanking: z.enum(["pnl-leverage", "hyperliquid", "random", "none"]).optional(),
  /** The price ADL closes counterparties at: the bankrupt position's bankruptcy price, or the mark. */
  adlPrice: z.enum(["bankruptcy", "mark"]).optional(),
  /** ADL before the fund is empty: once it has fallen by this fraction from its peak (OKX, Bybit: 30% in 8 hours). */
  adlTrigger: z.strictObject({ fundDrawdown: share }).optional(),
  /** Where a loss beyond the collateral goes, in words (the engine issue models it). */
  badDebt: z.string().min(1).optional(),
});

/**
 * The venue's mark, when it is an external oracle the engine models (`market.mark` keys): dYdX's and Aave's oracle
 * price, Maker's OSM an hour behind. Absent: the scenario's mark stays (the exchanges' marks blend an index with
 * their own book through a median or a basis average, which no mark model here reproduces).
 */
export const venueMarkSchema = z.strictObject({
  model: z.enum(["last", "mid", "ema", "oracle"]),
  oracleLagSeconds: nonNegative.optional(),
  halfLifeSeconds: positive.optional(),
  band: z.number().gt(0).lt(1).optional(),
});

/** Values in the file that are not from a source, each with the reason: results built on them say nothing about the venue. */
export const venueIllustrativeSchema = z.array(z.strictObject({ keys: z.string().min(1), reason: z.string().min(1) })).min(1);

export type VenueLiquidation = z.output<typeof venueLiquidationSchema>;
export type VenueInsurance = z.output<typeof venueInsuranceSchema>;
export type VenueMark = z.output<typeof venueMarkSchema>;
