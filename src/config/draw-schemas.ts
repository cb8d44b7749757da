// The draws of a generated account (the accounts block's and crossMargin's generated owners'): leverage and notional.
import { z } from "zod";
import { MAX_LEVERAGE, MAX_MONEY, choice } from "./schema-primitives.js";

export const leverageSchema = z
  .strictObject({
    dist: choice(["lognormal", "fixed"] as const).default("lognormal"), // fixed: every account at `median`
    median: z.number().gt(0).max(MAX_LEVERAGE).default(10),
    sigma: z.number().min(0).max(10).default(0.6),
    max: z.number().min(1).max(MAX_LEVERAGE).default(100),
  })
  .superRefine((lev, ctx) => {
    if (typeof lev.max === "number" && typeof lev.median === "number" && lev.max < lev.median) {
      ctx.addIssue({ code: "custom", path: ["max"], input: lev.max, message: `must be >= median (${lev.median})` });
    }
  });

export const notionalSchema = z
  .strictObject({
    dist: choice(["pareto", "fixed"] as const).default("pareto"),
    min: z.number().gt(0).max(MAX_MONEY).default(1000),
    alpha: z.number().gt(0).max(100).default(1.5),
    max: z.number().gt(0).max(MAX_MONEY).default(5_000_000),
    // the ten largest accounts' share of open interest (absent: as drawn); above 0.9 a hedged whale's leg could not follow
    top10Share: z.number().gt(0).max(0.9).optional().meta({ description: "absent: the draws as they are" }),
  })
  .superRefine((n, ctx) => {
    if (typeof n.max === "number" && typeof n.min === "number" && n.max < n.min) {
      ctx.addIssue({ code: "custom", path: ["max"], input: n.max, message: `must be >= min (${n.min})` });
    }
  });
