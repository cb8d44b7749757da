// `crossMargin:` (with `markets:`): owners whose legs in several markets share one equity, and the collateral assets
// they deposit. The schema block, the checks that need the markets' names, and the owners as the engines load them
// (src/engine/cross-setup.ts): a listed owner as written, generated owners drawn once per run from the seed.
import { z } from "zod";
import { MAX_MONEY, MAX_PRICE, MAX_SIZE, MIN_PRICE, choice, int } from "./schema-primitives.js";
import { leverageSchema, notionalSchema } from "./draw-schemas.js";
import { normalInv } from "../engine/mathfn.js";
import { philox, uniform52 } from "../engine/philox.js";

/** Most owners, legs per owner, assets. */
const MAX_OWNERS = 10_000_000;
const MAX_ASSETS = 256;
/** An asset's name, as a market's. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

const assetSchema = z
  .strictObject({
    name: z.string().regex(ASSET_NAME, { error: "must be 1 to 32 letters, digits, _ or -" }),
    /** An external asset's price (constant over the run; absent with `market`: default 1). */
    price: z.number().min(MIN_PRICE).max(MAX_PRICE).optional().meta({ description: "external price; absent: 1 (or market)" }),
    /** The market (of `markets:`) whose mark values the asset and whose book a close-out sells it into. */
    market: z.string().min(1).optional().meta({ description: "marked at this market's mark and sold into its book" }),
    /** Share of the asset's value not counted toward equity. */
    haircut: z.number().min(0).lt(1).default(0),
  })
  .superRefine((a, ctx) => {
    if (a.price !== undefined && a.market !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["price"],
        input: a.price,
        message: "is not used with market (the market's mark values the asset)",
      });
    }
  });

const legSchema = z.strictObject({
  market: z.string().min(1),
  side: choice(["long", "short"] as const),
  size: z.number().gt(0).max(MAX_SIZE),
  /** Absent: the market's initial mid. */
  entryPrice: z.number().gt(0).max(MAX_PRICE).optional().meta({ description: "absent: the market's initial mid" }),
});

const depositSchema = z.strictObject({
  asset: z.string().min(1),
  amount: z.number().min(0).max(MAX_MONEY),
  /** Seconds after the start at which the deposit counts toward equity (a bridged deposit lands late; 0: from the start). */
  arrivesAtSeconds: z.number().min(0).max(1e12).default(0),
});

const mixSchema = z.strictObject({
  asset: z.string().min(1),
  share: z.number().gt(0).max(1),
  arrivesAtSeconds: z.number().min(0).max(1e12).default(0),
});

/**
 * Generated owners: each holds `legsPerAccount` legs in distinct markets drawn uniformly; a leg is long with
 * probability longShare, its notional ~ notional (at the market's initial mid); the owner's collateral value is its
 * legs' notional summed over its leverage draw, split across `collateralMix` (default: all in the first asset).
 */
const generatedSchema = z
  .strictObject({
    count: int(0, MAX_OWNERS).default(1000),
    /** The markets legs are drawn in (absent: every market; a collateral asset's book need not be traded). */
    markets: z.array(z.string().min(1)).min(1).optional().meta({ description: "absent: every market" }),
    legsPerAccount: int(1, 256).default(2),
    longShare: z.number().min(0).max(1).default(0.6),
    leverage: leverageSchema.prefault({}),
    notional: notionalSchema.prefault({}),
    collateralMix: z.array(mixSchema).min(1).optional().meta({ description: "absent: all in the first asset" }),
  })
  .superRefine((g, ctx) => {
    if (!g.collateralMix) return;
    let sum = 0;
    for (const m of g.collateralMix) sum += m.share;
    if (Math.abs(sum - 1) > 1e-9)
      ctx.addIssue({ code: "custom", path: ["collateralMix"], input: sum, message: "shares must sum to 1" });
  });

/** The `crossMargin:` block. */
export const crossMarginSchema = z.strictObject({
  /**
   * cross: an owner's legs share its equity (worst leg first); isolated: the same owners with each leg on its own,
   * backed by the owner's deposits pro rata to the legs' entry notional (the A/B of a venue's margin mode).
   */
  mode: choice(["cross", "isolated"] as const).default("cross"),
  assets: z
    .array(assetSchema)
    .min(1)
    .max(MAX_ASSETS)
    .prefault([{ name: "USDT" }])
    .meta({ description: "absent: one asset, USDT at price 1" }),
  accounts: z
    .strictObject({
      list: z
        .array(z.strictObject({ legs: z.array(legSchema).default([]), collateral: z.array(depositSchema).default([]) }))
        .default([]),
      generated: generatedSchema.optional(),
    })
    .prefault({}),
});

export type CrossMargin = z.output<typeof crossMarginSchema>;

/** Problems that need the markets' names: unknown markets and assets, duplicates, legs past legsPerAccount. */
export function crossMarginProblems(cross: CrossMargin, marketNames: readonly string[]): string[] {
  const problems: string[] = [];
  const assetNames = new Map<string, number>();
  cross.assets.forEach((a, i) => {
    const first = assetNames.get(a.name);
    if (first !== undefined) problems.push(`crossMargin.assets[${i}].name must differ from crossMargin.assets[${first}].name`);
    else assetNames.set(a.name, i);
    if (a.market !== undefined && !marketNames.includes(a.market))
      problems.push(`crossMargin.assets[${i}].market must name one of the markets (${marketNames.join(", ")})`);
  });
  const asset = (name: string, at: string) => {
    if (!assetNames.has(name))
      problems.push(`${at}.asset must name one of crossMargin.assets (${[...assetNames.keys()].join(", ")})`);
  };
  cross.accounts.list.forEach((owner, i) => {
    owner.legs.forEach((leg, j) => {
      if (!marketNames.includes(leg.market))
        problems.push(
          `crossMargin.accounts.list[${i}].legs[${j}].market must name one of the markets (${marketNames.join(", ")})`,
        );
    });
    owner.collateral.forEach((d, j) => asset(d.asset, `crossMargin.accounts.list[${i}].collateral[${j}]`));
  });
  const g = cross.accounts.generated;
  if (g) {
    g.markets?.forEach((name, j) => {
      if (!marketNames.includes(name))
        problems.push(`crossMargin.accounts.generated.markets[${j}] must name one of the markets (${marketNames.join(", ")})`);
    });
    const pool = g.markets?.length ?? marketNames.length;
    if (g.legsPerAccount > pool)
      problems.push(
        `crossMargin.accounts.generated.legsPerAccount must be <= the number of markets (${pool}): legs are in distinct markets`,
      );
    g.collateralMix?.forEach((m, j) => asset(m.asset, `crossMargin.accounts.generated.collateralMix[${j}]`));
  }
  return problems;
}

/** What the owners' draw needs of each market. */
export interface CrossMarketInfo {
  name: string;
  /** The initial mid: a leg's default entry and the price its notional is drawn at. */
  initialMid: number;
  /** The reference value of an asset marked at this market (its initialPrice). */
  initialPrice: number;
}

/** An owner as the engines load it (src/engine/cross-setup.ts CrossOwner), before the arrival steps. */
export interface ResolvedOwner {
  legs: { market: number; side: 1 | -1; size: number; entry: number }[];
  deposits: { asset: number; amount: number; arrivesAtSeconds: number }[];
}

/** The Philox domain of the owners' draw: apart from every market's (market m uses domains d + 16m, d < 16, m < 256). */
export const CROSS_DOMAIN = 0x10000;

/** The listed owners, then the generated ones (drawn from the seed; the same in every path). */
export function resolveOwners(cross: CrossMargin, markets: readonly CrossMarketInfo[], seed: [number, number]): ResolvedOwner[] {
  const marketIndex = new Map(markets.map((m, i) => [m.name, i]));
  const assetIndex = new Map(cross.assets.map((a, i) => [a.name, i]));
  const owners: ResolvedOwner[] = cross.accounts.list.map((o) => ({
    legs: o.legs.map((leg) => {
      const m = marketIndex.get(leg.market)!;
      return { market: m, side: leg.side === "long" ? 1 : -1, size: leg.size, entry: leg.entryPrice ?? markets[m].initialMid };
    }),
    deposits: o.collateral.map((d) => ({
      asset: assetIndex.get(d.asset)!,
      amount: d.amount,
      arrivesAtSeconds: d.arrivesAtSeconds,
    })),
  }));
  const g = cross.accounts.generated;
  // not push(...): millions of owners would overflow the call stack
  if (g) for (const owner of generatedOwners(cross, g, markets, marketIndex, assetIndex, seed)) owners.push(owner);
  return cross.mode === "isolated" ? owners.flatMap(isolatedLegs) : owners;
}

/** Isolated margin: one owner per leg, each holding every deposit pro rata to its leg's entry notional. */
function isolatedLegs(owner: ResolvedOwner): ResolvedOwner[] {
  let gross = 0;
  for (const leg of owner.legs) gross += leg.size * leg.entry;
  return owner.legs.map((leg) => ({
    legs: [leg],
    deposits: owner.deposits.map((d) => ({ ...d, amount: (d.amount * (leg.size * leg.entry)) / gross })),
  }));
}

/** Generated owners (the draw of crossMargin.accounts.generated, counters (owner, draw, 0, CROSS_DOMAIN)). */
function generatedOwners(
  cross: CrossMargin,
  g: NonNullable<CrossMargin["accounts"]["generated"]>,
  markets: readonly CrossMarketInfo[],
  marketIndex: ReadonlyMap<string, number>,
  assetIndex: ReadonlyMap<string, number>,
  seed: [number, number],
): ResolvedOwner[] {
  const owners: ResolvedOwner[] = [];
  const mix = g.collateralMix ?? [{ asset: cross.assets[0].name, share: 1, arrivesAtSeconds: 0 }];
  const value = (a: number) => {
    const asset = cross.assets[a];
    return asset.market !== undefined ? markets[marketIndex.get(asset.market)!].initialPrice : (asset.price ?? 1);
  };
  const w = new Uint32Array(4);
  const draw = (o: number, k: number): number => {
    philox(o, k, 0, CROSS_DOMAIN, seed[0], seed[1], w);
    return uniform52(w[0], w[1]);
  };
  const pool = g.markets ? g.markets.map((name) => marketIndex.get(name)!) : markets.map((_, m) => m);
  const M = pool.length;
  const order = new Int32Array(M);
  for (let o = 0; o < g.count; o++) {
    // distinct markets: a partial Fisher–Yates shuffle of the pool
    for (let k = 0; k < M; k++) order[k] = pool[k];
    const legs: ResolvedOwner["legs"] = [];
    let gross = 0;
    for (let j = 0; j < g.legsPerAccount; j++) {
      const pick = j + Math.floor(draw(o, 4 * j) * (M - j));
      const m = order[pick];
      order[pick] = order[j];
      order[j] = m;
      const side = draw(o, 4 * j + 1) < g.longShare ? 1 : -1;
      const n = g.notional;
      let notional = n.dist === "fixed" ? n.min : n.min * Math.pow(1 - draw(o, 4 * j + 2), -1 / n.alpha);
      if (notional > n.max) notional = n.max;
      const entry = markets[m].initialMid;
      legs.push({ market: m, side, size: notional / entry, entry });
      gross += notional;
    }
    const lev = g.leverage;
    let leverage =
      lev.dist === "fixed" ? lev.median : lev.median * Math.exp(lev.sigma * normalInv(draw(o, 4 * g.legsPerAccount)));
    if (leverage > lev.max) leverage = lev.max;
    if (leverage < 1) leverage = 1;
    const collateral = gross / leverage;
    const deposits = mix.map((share) => {
      const a = assetIndex.get(share.asset)!;
      return { asset: a, amount: (collateral * share.share) / value(a), arrivesAtSeconds: share.arrivesAtSeconds };
    });
    owners.push({ legs, deposits });
  }
  return owners;
}
