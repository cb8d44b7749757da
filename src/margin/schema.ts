// The `cascade margin` request (SPEC §5): its types, its zod schema, and parsing into one problem line per bad field.
import { z } from "zod";
import { InputError, formatValue } from "../config/errors.js";
import type { Tier } from "../config/scenario.js";
import { formatIssues, tiersSchema } from "../config/schema.js";
import { MAX_MONEY, MAX_PRICE, MAX_SIZE, MIN_PRICE } from "../config/schema-primitives.js";
import { continuousAmounts } from "./tiers.js";

export type MarginMode = "cross" | "isolated";
/** Where maintenance margin is measured: Binance and Hyperliquid at the mark, Bybit and BitMEX at entry. */
export type MaintenanceAt = "mark" | "entry";

export interface MarginPosition {
  symbol: string;
  side: "long" | "short";
  /** Base units, > 0. */
  size: number;
  entryPrice: number;
  markPrice: number;
  /** Brackets sorted by floor, first floor 0; exactly one of tiers and preset. */
  tiers?: Tier[];
  /** A venue preset's name, resolved to its tiers. */
  preset?: string;
  /** Isolated mode only: the margin that backs this position alone (default: walletBalance). */
  collateral?: number;
  /** Default: the preset's convention, else "mark". With "entry" the maintenance margin is fixed at the entry notional. */
  maintenanceAt?: MaintenanceAt;
}

export interface MarginRequest {
  mode: MarginMode;
  walletBalance: number;
  positions: MarginPosition[];
}

/**
 * Tiers as the scenario accepts them, and continuous maintenance margin across floors: with it, equity − MM is
 * strictly monotone in the price, so a position has exactly one liquidation price. Tolerance: 1e-9 of the floor.
 */
export const marginTiersSchema = tiersSchema.superRefine((tiers, ctx) => {
  if (tiers.some((t, n) => n > 0 && !(t.floor > tiers[n - 1].floor))) return; // reported by tiersSchema
  // Against the amounts derived from the first bracket's, so one mistyped amount is one problem.
  const cum = continuousAmounts(tiers);
  tiers.forEach((tier, n) => {
    if (Math.abs(tier.maintenanceAmount - cum[n]) <= 1e-9 * Math.max(1, tier.floor)) return;
    ctx.addIssue({
      code: "custom",
      path: [n, "maintenanceAmount"],
      input: tier.maintenanceAmount,
      message:
        `must be ${Number(cum[n].toPrecision(12))} so that maintenance margin is continuous at floor ${tier.floor} ` +
        "(each amount = the one below + floor × (mmr − the mmr below), starting from the first tier)",
    });
  });
});

/** The smallest position size: below it, collateral / size overflows at the largest balance. */
export const MIN_SIZE = 1e-12;

/**
 * A number > 0 within [min, max]: the lower bound is checked only for a positive value, so that 0 or −1 gets the
 * one line "must be > 0", not two. Together the bounds keep every price the calculator prints finite.
 */
function positive(min: number, max: number) {
  return z
    .number()
    .gt(0)
    .max(max)
    .refine((x) => !(x > 0) || x >= min, { message: `must be >= ${min}` });
}

const positionSchema = z
  .strictObject({
    symbol: z.string().min(1),
    side: z.enum(["long", "short"]),
    size: positive(MIN_SIZE, MAX_SIZE),
    entryPrice: positive(MIN_PRICE, MAX_PRICE),
    markPrice: positive(MIN_PRICE, MAX_PRICE),
    tiers: marginTiersSchema.optional(),
    preset: z.string().min(1).optional(),
    collateral: z.number().min(0).max(MAX_MONEY).optional(),
    maintenanceAt: z.enum(["mark", "entry"]).optional(),
  })
  .superRefine(
    (p, ctx) => {
      // `when` below runs this even beside other problems, so the input may be anything here.
      if (typeof p !== "object" || p === null) return;
      if (p.tiers === undefined && p.preset === undefined) {
        ctx.addIssue({ code: "custom", path: ["tiers"], input: undefined, message: "or preset is required" });
      } else if (p.tiers !== undefined && p.preset !== undefined) {
        ctx.addIssue({ code: "custom", path: ["preset"], input: p.preset, message: "must not be given together with tiers" });
      }
    },
    { when: () => true },
  );

export const marginRequestSchema = z
  .strictObject({
    mode: z.enum(["cross", "isolated"]),
    walletBalance: z.number().min(0).max(MAX_MONEY),
    positions: z.array(positionSchema).min(1),
  })
  .superRefine(
    (r, ctx) => {
      if (r?.mode !== "cross" || !Array.isArray(r.positions)) return;
      const seen = new Map<string, number>();
      r.positions.forEach((p: Partial<MarginPosition> | null, i) => {
        if (p?.collateral !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["positions", i, "collateral"],
            input: p.collateral,
            message: "is only allowed in isolated mode (in cross mode walletBalance backs every position)",
          });
        }
        // One position per symbol: the formula holds the other positions at their own marks, which is
        // wrong for a second position on the same price.
        if (typeof p?.symbol !== "string") return;
        const first = seen.get(p.symbol);
        if (first === undefined) seen.set(p.symbol, i);
        else {
          ctx.addIssue({
            code: "custom",
            path: ["positions", i, "symbol"],
            input: p.symbol,
            message: `must differ from positions[${first}].symbol (cross margin holds one position per symbol)`,
          });
        }
      });
    },
    { when: () => true },
  );

/** Validates a margin request; throws InputError listing every problem, one line each, naming the field. */
export function parseMarginRequest(input: unknown): MarginRequest {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InputError(
      `the margin request must be an object with mode, walletBalance and positions (received ${formatValue(input)})`,
    );
  }
  const parsed = marginRequestSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new InputError(formatIssues(parsed.error.issues, marginRequestSchema));
  return parsed.data;
}

/** Problems with tiers that came from a preset, each line prefixed with `where` (the position's preset field). */
export function presetTierProblems(tiers: unknown, where: string): string[] {
  const wrapper = z.strictObject({ tiers: marginTiersSchema });
  const parsed = wrapper.safeParse({ tiers }, { reportInput: true });
  return parsed.success ? [] : formatIssues(parsed.error.issues, wrapper).map((line) => `${where}: ${line}`);
}
