// The building blocks of the scenario schema (src/config/schema.ts) and of its mechanism blocks
// (src/config/mechanisms/): the bounds that keep every accepted scenario finite, enums whose problem line lists the
// accepted values, keys of earlier versions that are refused with what replaces them. A module of its own so that
// the mechanism descriptors can use them without importing the schema they are part of.
import { z } from "zod";

/** The kernel takes counts and indices as i32. */
export const I32_MAX = 2_147_483_647;

/*
 * Upper bounds where a physical one exists, so that every accepted scenario computes finite numbers (a value near
 * 1e308 overflows at its first product). They sit far beyond any venue: a quadrillion in quote currency, a
 * billion ticks, a leverage of 10,000, durations up to ~31 years. Checks across fields (tick ≤ price, the price's
 * largest plausible move over the run) are in load.ts.
 */
/** Quote amounts: balances, notionals, caps, tips, tier floors. */
export const MAX_MONEY = 1e15;
/** Prices in quote per base unit. */
export const MAX_PRICE = 1e15;
export const MIN_PRICE = 1e-12;
/** Base units (depth per tick, position sizes). */
export const MAX_SIZE = 1e15;
/** Distances in ticks (decay, saturation, spread widening per unit of drawdown). */
export const MAX_TICKS = 1e9;
/** Durations in seconds (≈ 31.7 years). */
export const MAX_SECONDS = 1e9;
/** One step of at most a year. */
export const MAX_STEP_SECONDS = 31_536_000;
export const MAX_LEVERAGE = 10_000;
/** Annualised volatilities and drifts (10,000% a year). */
export const MAX_ANNUAL_RATE = 100;
/** accounts.flow's rates per hour (a million closes per open account, or arrivals, an hour). */
export const MAX_FLOW_RATE = 1e6;

/**
 * A string enum whose problem line lists the accepted values. `planned` values are known from the spec
 * but not built yet: they get "not supported yet" rather than looking like a typo.
 */
export function choice<const T extends string>(supported: readonly T[], planned: readonly string[] = []) {
  const expected = `must be one of ${supported.join(", ")}`;
  return z
    .custom<T>((v) => typeof v === "string" && (supported as readonly string[]).includes(v), {
      error: (issue) =>
        typeof issue.input === "string" && planned.includes(issue.input)
          ? `${expected}; ${issue.input} is not supported yet`
          : expected,
    })
    .meta({ enum: [...supported] }); // the values, for the generated key reference (src/config/reference.ts)
}

export const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** A problem line for each block given while `chosen` is none of the values that read it. */
export function onlyUsedWith<T extends object>(
  ctx: z.RefinementCtx,
  obj: T,
  noun: string,
  chosen: string | undefined,
  readers: readonly (readonly [keyof T & string, readonly string[]])[],
): void {
  for (const [key, values] of readers) {
    if (obj[key] !== undefined && !values.includes(chosen ?? "")) {
      ctx.addIssue({ code: "custom", path: [key], input: obj[key], message: `is only used with ${noun} ${values.join(" or ")}` });
    }
  }
}

export const filePath = z.string().min(1);

/** A key of an earlier version that is gone: any value is refused with a line naming what replaces it. */
export function removedKey(replacement: string) {
  return z
    .custom<never>(() => false, { error: `is no longer read (time is in seconds now): use ${replacement}` })
    .meta({ removed: `use ${replacement}` })
    .optional();
}

/**
 * `obj`'s keys in the order of `shape` (a strict object's keys), without undefined values: a transform that fills a
 * block in keeps the resolved scenario's key order, and so its JSON and hash, whichever blocks were given.
 */
export function inShapeOrder<T extends object>(shape: object, obj: T): T {
  const values = obj as Record<string, unknown>;
  return Object.fromEntries(Object.keys(shape).flatMap((k) => (values[k] === undefined ? [] : [[k, values[k]]]))) as T;
}
