// The scenario file schema (SPEC §2): every default, every range, and problem lines that name the field.
// Checks that need another section (shock step ≤ steps, presets) live in resolve.ts.
import { z } from "zod";
import { formatValue, safeText } from "./errors.js";
import { MAX_FLOW_POOL, scenarioFlowPool } from "../engine/flow.js";

/** The kernel takes counts and indices as i32. */
const I32_MAX = 2_147_483_647;

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
function choice<const T extends string>(supported: readonly T[], planned: readonly string[] = []) {
  const expected = `must be one of ${supported.join(", ")}`;
  return z.custom<T>((v) => typeof v === "string" && (supported as readonly string[]).includes(v), {
    error: (issue) =>
      typeof issue.input === "string" && planned.includes(issue.input)
        ? `${expected}; ${issue.input} is not supported yet`
        : expected,
  }).meta({ enum: [...supported] }); // the values, for the generated key reference (src/config/reference.ts)
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** A problem line for each block given while `chosen` is none of the values that read it. */
function onlyUsedWith<T extends object>(
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
const filePath = z.string().min(1);

/** A key of an earlier version that is gone: any value is refused with a line naming what replaces it. */
function removedKey(replacement: string) {
  return z
    .custom<never>(() => false, { error: `is no longer read (time is in seconds now): use ${replacement}` })
    .meta({ removed: `use ${replacement}` })
    .optional();
}

export const tierSchema = z.strictObject({
  floor: z.number().min(0).max(MAX_MONEY),
  mmr: z.number().min(0).lt(1),
  maintenanceAmount: z.number().min(0).max(MAX_MONEY),
  maxLeverage: z.number().min(1).max(MAX_LEVERAGE).optional(),
});

/** Brackets must partition [0, ∞): first floor 0, floors strictly increasing. */
export const tiersSchema = z
  .array(tierSchema)
  .min(1)
  .superRefine((tiers, ctx) => {
    tiers.forEach((tier, i) => {
      if (typeof tier?.floor !== "number") return;
      if (i === 0 && tier.floor !== 0) {
        ctx.addIssue({ code: "custom", path: [0, "floor"], input: tier.floor, message: "must be 0 (the first tier starts at 0)" });
      }
      const prev = tiers[i - 1]?.floor;
      if (i > 0 && typeof prev === "number" && !(tier.floor > prev)) {
        ctx.addIssue({
          code: "custom",
          path: [i, "floor"],
          input: tier.floor,
          message: `must be > the previous tier's floor ${prev} (tiers sorted by strictly increasing floor)`,
        });
      }
    });
  });

const shockSchema = z.strictObject({
  step: z.number().int().min(1),
  // +10,000% at most; several shocks together are bounded by the price's largest move (load.ts)
  return: z.number().gt(-1).max(100),
});

/** Shock steps must be distinct: two shocks at one step would leave their order to the engine. */
export const shocksSchema = z.array(shockSchema).superRefine((shocks, ctx) => {
  const seen = new Map<number, number>();
  shocks.forEach((shock, i) => {
    if (!Number.isInteger(shock?.step) || shock.step < 1) return; // already reported
    const first = seen.get(shock.step);
    if (first !== undefined) {
      ctx.addIssue({ code: "custom", path: [i, "step"], input: shock.step, message: `must differ from shocks[${first}].step` });
    } else seen.set(shock.step, i);
  });
});

export const stepsSchema = int(1, I32_MAX).default(100);
export const tickSizeSchema = z.number().gt(0).max(MAX_PRICE).default(0.5);

const priceSchema = z
  .strictObject({
    model: choice(["gbm", "merton", "none", "replay"] as const).default("gbm"),
    volatility: z.number().min(0).max(MAX_ANNUAL_RATE).default(0.8),
    drift: z.number().min(-MAX_ANNUAL_RATE).max(MAX_ANNUAL_RATE).default(0),
    jumps: z
      .strictObject({
        // jumps per year
        intensity: z.number().min(0).max(1e6).default(4),
        meanLog: z.number().min(-10).max(10).default(-0.03),
        stdLog: z.number().min(0).max(10).default(0.04),
      })
      .prefault({}),
    returnsFile: filePath.optional(),
    shocks: shocksSchema.default([]),
  })
  .superRefine((price, ctx) => {
    if (price.model === "replay" && price.returnsFile === undefined) {
      ctx.addIssue({ code: "custom", path: ["returnsFile"], input: undefined, message: "is required when model is replay" });
    }
    if (price.model !== "replay" && price.returnsFile !== undefined) {
      ctx.addIssue({ code: "custom", path: ["returnsFile"], input: price.returnsFile, message: "is only used with model replay" });
    }
  });

const bookSchema = z.strictObject({
  // the stored window of the profile per side: a performance knob; past it the profile continues analytically
  levels: int(1, 10_000_000).default(1000),
  depth: z
    .strictObject({
      // latent: depth per tick grows linearly with the distance from the price up to saturationTicks, then flat
      // (the locally linear order book: square-root impact); flat | exponential | power as before
      profile: choice(["latent", "flat", "exponential", "power"] as const).default("latent"),
      size: z.number().gt(0).max(MAX_SIZE).default(2),
      decayTicks: z.number().gt(0).max(MAX_TICKS).default(200),
      exponent: z.number().min(0).max(100).default(0.5),
      saturationTicks: z.number().gt(0).max(MAX_TICKS).default(600),
    })
    .prefault({}),
  // When given, the snapshot replaces `depth` (which keeps its defaults for the record); the book ends past it.
  snapshotFile: filePath.optional(),
  // true (default): the snapshot's book ends past its last level; false: `depth` continues past it
  snapshotEnds: z.boolean().optional(),
  // per-step refill, replaced by the decay of impact in seconds: refused with a message naming the new key
  resilience: removedKey("market.impact.halfLifeSeconds (the transient impact's half-life in seconds; the book refills as it decays)"),
  // liquidity under stress; absent: the book's target is its profile at every drawdown (Scenario documents it)
  stress: z
    .strictObject({
      withdrawal: z.number().min(0).max(100),
      floor: z.number().min(0).max(1).optional(),
      // ticks each side of the book steps back from the fundamental per unit of mark drawdown (spread widening)
      spreadWidening: z.number().min(0).max(MAX_TICKS).optional(),
    })
    .optional(),
});

/** market.impact: a propagator (SPEC §3): each step's impact decays toward its permanent share. */
const impactSchema = z.strictObject({
  // seconds for the transient part of impact (the consumed book) to halve; Infinity is allowed (no decay)
  halfLifeSeconds: z.number().gt(0).default(60),
  // the share of impact that never decays
  permanentShare: z.number().min(0).max(1).default(2 / 3),
});

const markSchema = z
  .strictObject({
    model: choice(["last", "mid", "ema", "oracle"] as const).default("last"),
    // required with ema, refused otherwise
    halfLifeSeconds: z.number().gt(0).max(MAX_SECONDS).optional(),
    halfLifeSteps: removedKey("market.mark.halfLifeSeconds"),
    // the oracle (mark model oracle, and the band's centre) lags the fundamental by this many steps; absent: 0
    oracleLagSeconds: z.number().min(0).max(1e9).optional(),
    oracleLagSteps: removedKey("market.mark.oracleLagSeconds"),
    // every mark is kept within oracle × (1 ± band); absent: no band
    band: z.number().gt(0).lt(1).optional(),
  })
  .superRefine((mark, ctx) => {
    if (mark.halfLifeSeconds !== undefined && mark.model !== "ema") {
      ctx.addIssue({ code: "custom", path: ["halfLifeSeconds"], input: mark.halfLifeSeconds, message: "is only used with model ema" });
    }
    if (mark.halfLifeSeconds === undefined && mark.halfLifeSteps === undefined && mark.model === "ema") {
      ctx.addIssue({ code: "custom", path: ["halfLifeSeconds"], input: undefined, message: "is required with model ema (seconds for the ema's weight on the old mark to halve)" });
    }
  });

const leverageSchema = z
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

const notionalSchema = z
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

const accountsSchema = z
  .strictObject({
    count: int(0, 50_000_000).default(10_000),
    longShare: z.number().min(0).max(1).default(0.6),
    leverage: leverageSchema.prefault({}),
    notional: notionalSchema.prefault({}),
    // When given, the loaded positions replace the generated population (count, leverage, notional unused).
    positionsFile: filePath.optional(),
    resample: z.boolean().default(false),
    // entries spread along the past historySeconds of the price (absent: everyone at initialPrice; Scenario documents it)
    entry: z
      .strictObject({
        historySeconds: z.number().gt(0).max(MAX_SECONDS).meta({ description: "required in entry; σ²·historySeconds ≤ 4 (years)" }),
        // the history's annualised volatility; absent: market.price.volatility
        volatility: z.number().min(0).max(MAX_ANNUAL_RATE).optional().meta({ description: "absent: market.price.volatility" }),
      })
      .optional()
      .meta({ description: "absent: every account enters at initialPrice" }),
    // the share of accounts that are the legs of hedged (long + short) pairs
    hedgedShare: z.number().min(0).max(1).optional().meta({ description: "absent: 0" }),
    // trading during a path: voluntary closes and arrivals (Scenario and src/engine/flow.ts document the model)
    flow: z
      .strictObject({
        closeRatePerHour: z
          .number()
          .min(0)
          .max(MAX_FLOW_RATE)
          .optional()
          .meta({ description: "hazard per open account: each step its trader closes by market order with probability 1 − e^(−rate·stepSeconds/3600); absent: 0" }),
        arrivalsPerHour: z
          .number()
          .min(0)
          .max(MAX_FLOW_RATE)
          .optional()
          .meta({ description: "Poisson arrivals of new accounts (drawn as generated accounts, opened by market order at the step's mark); absent: 0" }),
      })
      .optional()
      .meta({ description: "absent: nobody opens or closes during a path but by liquidation and ADL" }),
  })
  .superRefine((acc, ctx) => {
    if (acc.resample === true && acc.positionsFile !== undefined) {
      ctx.addIssue({ code: "custom", path: ["resample"], input: true, message: "must be false with positionsFile (loaded positions are not resampled)" });
    }
    // entry, hedgedShare and top10Share shape the generated population: like leverage, notional and longShare they
    // are unused with a positions file (the embedded default sets them, and a file of positions replaces it)
    const top10 = acc.notional?.top10Share;
    if (top10 !== undefined && acc.positionsFile === undefined && typeof acc.count === "number" && acc.count <= 10) {
      ctx.addIssue({ code: "custom", path: ["notional", "top10Share"], input: top10, message: `needs count > 10 (received count ${acc.count}): drop it with --set accounts.notional.top10Share=null` });
    }
  });

/** accounts.flow.arrivalsPerHour over the run's duration: its pool of dormant slots within MAX_FLOW_POOL. */
function checkFlowPool(s: { steps?: unknown; stepSeconds?: unknown; accounts?: { flow?: { arrivalsPerHour?: unknown } } }, ctx: z.RefinementCtx): void {
  const rate = s.accounts?.flow?.arrivalsPerHour;
  if (typeof rate !== "number" || typeof s.steps !== "number" || typeof s.stepSeconds !== "number") return;
  const pool = scenarioFlowPool({ steps: s.steps, stepSeconds: s.stepSeconds, accounts: { flow: { arrivalsPerHour: rate } } });
  if (pool > MAX_FLOW_POOL) {
    const hours = (s.steps * s.stepSeconds) / 3600;
    ctx.addIssue({
      code: "custom",
      path: ["accounts", "flow", "arrivalsPerHour"],
      input: rate,
      message: `must keep a path's arrivals within ${MAX_FLOW_POOL} account slots (over the run's ${hours} hours it reserves ${pool})`,
    });
  }
}

/** The entries' log-price variance σ²·H (H in years) at most this: every entry stays within e^±19 of the price. */
export const MAX_ENTRY_VARIANCE = 4;
/** The year volatilities are annualised over (SECONDS_PER_YEAR in src/engine/layout.ts). */
const YEAR_SECONDS = 365 * 24 * 3600;

/** accounts.entry against the price model's volatility, which it defaults to (a check across sections). */
function checkEntrySpread(s: { accounts?: { entry?: { historySeconds?: unknown; volatility?: number } }; market?: { price?: { volatility?: unknown } } }, ctx: z.RefinementCtx): void {
  const entry = s.accounts?.entry;
  const marketVol = s.market?.price?.volatility;
  if (!entry || typeof entry.historySeconds !== "number") return;
  const sigma = entry.volatility ?? marketVol;
  if (typeof sigma !== "number" || sigma === 0) return;
  const max = (MAX_ENTRY_VARIANCE * YEAR_SECONDS) / (sigma * sigma);
  if (entry.historySeconds > max * (1 + 1e-12)) {
    ctx.addIssue({
      code: "custom",
      path: ["accounts", "entry", "historySeconds"],
      input: entry.historySeconds,
      message: `must be <= ${Math.round(max)} at volatility ${sigma} (σ²·historySeconds ≤ ${MAX_ENTRY_VARIANCE} in years): lower it or drop it with --set accounts.entry=null`,
    });
  }
}

const volatilityEstimateSchema = z.strictObject({
  halfLifeSeconds: z.number().gt(0).max(MAX_SECONDS).default(1800),
  updateEverySeconds: z.number().gt(0).max(MAX_SECONDS).default(60),
  halfLifeSteps: removedKey("margin.volatility.halfLifeSeconds"),
  updateEverySteps: removedKey("margin.volatility.updateEverySeconds"),
});
const volScaledSchema = z.strictObject({
  floor: z.number().gt(0).max(1000).default(1),
  cap: z.number().gt(0).max(1000).default(3),
});
const riskBasedSchema = z.strictObject({
  method: choice(["var", "scan"] as const).default("var"),
  confidence: z.number().gt(0.5).lt(1).default(0.99),
  scanSigmas: z.number().gt(0).max(100).default(3),
  horizonSeconds: z.number().gt(0).max(MAX_SECONDS).default(3600),
  horizonSteps: removedKey("margin.riskBased.horizonSeconds"),
});

/** Preset and tiers are checked against each other and the preset registry in resolve.ts. */
export const marginSchema = z
  .strictObject({
    mode: choice(["isolated", "cross"] as const).default("isolated"),
    preset: z.string().min(1).optional(),
    tiers: tiersSchema.optional(),
    // where maintenance margin is measured: at the mark (Binance), or fixed at the entry notional (Bybit, BitMEX)
    maintenanceAt: choice(["mark", "entry"] as const).optional(),
    // the scan engine's requirement; absent: the ladder of static liquidation prices (Scenario documents both)
    model: choice(["tiers", "vol-scaled", "risk-based"] as const).optional(),
    volatility: volatilityEstimateSchema.optional(),
    volScaled: volScaledSchema.optional(),
    riskBased: riskBasedSchema.optional(),
    // dynamic initial margin (Scenario documents both): FTX/Drift's size premium, dYdX v4's open-interest scaling
    sizePremium: z.strictObject({ imfFactor: z.number().gt(0).max(1000) }).optional(),
    // open interest summed over every account: up to the count times the largest notional
    openInterestScaling: z
      .strictObject({ lowerCap: z.number().min(0).max(1e24), upperCap: z.number().max(1e24) })
      .superRefine((oi, ctx) => {
        if (typeof oi.lowerCap === "number" && typeof oi.upperCap === "number" && !(oi.upperCap > oi.lowerCap)) {
          ctx.addIssue({ code: "custom", path: ["upperCap"], input: oi.upperCap, message: `must be > lowerCap (${oi.lowerCap})` });
        }
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    onlyUsedWith(ctx, m, "model", m.model, [
      // the tiers model does not read it, but a sweep over models sets it once for all of them
      ["volatility", ["tiers", "vol-scaled", "risk-based"]],
      ["volScaled", ["vol-scaled"]],
      ["riskBased", ["risk-based"]],
    ]);
    if (m.sizePremium !== undefined && m.model === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["sizePremium"],
        input: m.sizePremium,
        message: "needs margin.model (its maintenance term is checked by the scan engine; the ladder's static liquidation prices cannot follow it)",
      });
    }
    if (m.volScaled && typeof m.volScaled.floor === "number" && typeof m.volScaled.cap === "number" && m.volScaled.cap < m.volScaled.floor) {
      ctx.addIssue({ code: "custom", path: ["volScaled", "cap"], input: m.volScaled.cap, message: `must be >= floor (${m.volScaled.floor})` });
    }
   })
  // a model's blocks get their defaults when absent, so the resolved scenario shows every value it runs with
  .transform((m) => ({
    ...m,
    volatility: m.model === "vol-scaled" || m.model === "risk-based" ? (m.volatility ?? volatilityEstimateSchema.parse({})) : m.volatility,
    volScaled: m.model === "vol-scaled" ? (m.volScaled ?? volScaledSchema.parse({})) : m.volScaled,
    riskBased: m.model === "risk-based" ? (m.riskBased ?? riskBasedSchema.parse({})) : m.riskBased,
  }));

/** liquidation.fee: a schedule in place of the flat feeRate (tiered by the liquidated notional, or rising with time in liquidation). */
export const MAX_FEE_TIERS = 8;
const feeScheduleSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("flat") }),
  z.strictObject({
    kind: z.literal("tiered"),
    tiers: z
      .array(z.strictObject({ floor: z.number().min(0).max(MAX_MONEY), rate: z.number().min(0).lt(1) }))
      .min(1)
      .max(MAX_FEE_TIERS)
      .superRefine((tiers, ctx) => {
        tiers.forEach((t, i) => {
          if (i === 0 && t?.floor !== 0) ctx.addIssue({ code: "custom", path: [0, "floor"], input: t?.floor, message: "must be 0 (the first fee tier starts at 0)" });
          if (i > 0 && typeof t?.floor === "number" && typeof tiers[i - 1]?.floor === "number" && !(t.floor > tiers[i - 1].floor)) {
            ctx.addIssue({ code: "custom", path: [i, "floor"], input: t.floor, message: `must be > the previous fee tier's floor ${tiers[i - 1].floor}` });
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

/** liquidation.auction: Maker Liquidations 2.0 (Clipper) on the position, with keepers of finite capital. */
const auctionSchema = z
  .strictObject({
    curve: choice(["linear", "stairstep", "exponential"] as const).default("linear"),
    /** linear: seconds for the price to fall from top to 0 */
    tau: z.number().gt(0).max(MAX_SECONDS).default(3600),
    /** stairstep: the price is multiplied by cut every stepSeconds; exponential: by cut every second */
    cut: z.number().gt(0).lt(1).default(0.99),
    stepSeconds: z.number().gt(0).max(MAX_SECONDS).default(90),
    /** top = mark × buf at kick and redo (a short's top is mark / buf, its price rises as top / curve) */
    buf: z.number().min(1).max(1000).default(1.2),
    /** redo once this many seconds have passed, or once the price has fallen to cusp × top */
    tailSeconds: z.number().gt(0).max(MAX_SECONDS).default(4800),
    cusp: z.number().gt(0).lt(1).default(0.4),
    /** keepers' incentive at kick and redo, paid by the insurance fund: tip + chip × the lot's notional at the mark */
    tip: z.number().min(0).max(MAX_MONEY).default(0),
    chip: z.number().min(0).lt(1).default(0),
    /** Maker's Dog hole: most debt in auctions at once; a kick beyond it waits for room (absent: no cap) */
    hole: z.number().gt(0).max(MAX_MONEY).optional().meta({ description: "absent: no cap" }),
    keepers: z
      .strictObject({
        // quote capital keepers put into takes per second (per step: × stepSeconds)
        capitalPerSecond: z.number().min(0).max(MAX_MONEY).default(20_000),
        capitalPerStep: removedKey("liquidation.auction.keepers.capitalPerSecond"),
        minProfit: z.number().min(0).max(1000).default(0.01),
      })
      .prefault({}),
  });

/** liquidation.backstop: Hyperliquid's liquidator vault. */
const backstopSchema = z.strictObject({
  equityFractionOfMaintenance: z.number().gt(0).max(1).default(2 / 3),
  vaultCapital: z.number().min(0).max(MAX_MONEY).default(10_000_000),
  // seconds for the vault's inventory to halve by its sales (per step: 1 − 2^(−stepSeconds/h)); Infinity: it holds
  unwindHalfLifeSeconds: z.number().gt(0).default(400),
  unwindPerStep: removedKey("liquidation.backstop.unwindHalfLifeSeconds"),
});

/** liquidation.closeFactor: Aave v3 / Compound lending-style liquidation. */
const closeFactorSchema = z.strictObject({
  closeFactor: z.number().gt(0).max(1).default(0.5),
  // 0: only a bankrupt account (HF ≤ 0) is closed whole: Compound v2 has no such threshold
  fullCloseHealthFactor: z.number().min(0).max(1).default(0.95),
  bonus: z.number().min(0).lt(1).default(0.05),
  protocolFeeOfBonus: z.number().min(0).max(1).default(0.1),
  minDebtForCloseFactor: z.number().min(0).max(MAX_MONEY).default(0),
});

/** The liquidation engines each engine block of `liquidation` is used with (a block with another engine is refused). */
export const ENGINE_BLOCKS = [
  ["partial", ["partial", "backstop"]],
  ["auction", ["dutch-auction"]],
  ["backstop", ["backstop"]],
  ["closeFactor", ["close-factor"]],
] as const satisfies readonly (readonly [string, readonly string[]])[];

export const scenarioSchema = z.strictObject({
  name: z.string().default("scenario"),
  // a venue preset's whole design (src/venues/apply.ts): over the file's keys, under the keys given for the run
  venue: z.string().min(1).optional(),
  seed: int(0, Number.MAX_SAFE_INTEGER).default(42),
  paths: int(1, I32_MAX).default(2000),
  steps: stepsSchema,
  stepSeconds: z.number().gt(0).max(MAX_STEP_SECONDS).default(60),
  market: z
    .strictObject({
      // Default 30000; with a snapshotFile and no explicit value, resolve.ts uses the snapshot's best bid.
      initialPrice: z.number().min(MIN_PRICE).max(MAX_PRICE).default(30_000),
      tickSize: tickSizeSchema,
      price: priceSchema.prefault({}),
      book: bookSchema.prefault({}),
      impact: impactSchema.prefault({}),
      mark: markSchema.prefault({}),
    })
    .prefault({}),
  accounts: accountsSchema.prefault({}),
  margin: marginSchema.prefault({}),
  liquidation: z
    .strictObject({
      engine: choice(["market", "partial", "dutch-auction", "backstop", "close-factor"] as const).default("market"),
      // the flat rate, and the base of a time-ramped schedule
      feeRate: z.number().min(0).lt(1).default(0.005),
      // a fee schedule instead of the flat feeRate; absent: flat (Scenario documents the semantics)
      fee: feeScheduleSchema.optional(),
      maxRoundsPerStep: int(1, I32_MAX).default(1000),
      // dYdX v4 per-step caps; absent: no cap (Scenario documents the semantics)
      caps: z
        .strictObject({
          notionalPerSecond: z.number().gt(0).max(MAX_MONEY).optional(),
          insuranceLossPerSecond: z.number().gt(0).max(MAX_MONEY).optional(),
          notionalPerStep: removedKey("liquidation.caps.notionalPerSecond"),
          insuranceLossPerStep: removedKey("liquidation.caps.insuranceLossPerSecond"),
        })
        .optional(),
      // Hyperliquid-style slices (engines partial and backstop; Scenario documents the semantics)
      partial: z
        .strictObject({
          threshold: z.number().min(0).max(MAX_MONEY).default(100_000),
          fraction: z.number().gt(0).max(1).default(0.2),
          cooldownSeconds: z.number().min(0).max(1e9).default(0),
          cooldownSteps: removedKey("liquidation.partial.cooldownSeconds"),
          // what a cooling-down account still under water gets: wait (absent) for the cooldown, or full: closed whole
          duringCooldown: choice(["wait", "full"] as const).optional().meta({ description: "absent: wait" }),
        })
        .optional(),
      auction: auctionSchema.optional(),
      backstop: backstopSchema.optional(),
      closeFactor: closeFactorSchema.optional(),
    })
    .superRefine((liq, ctx) => {
      onlyUsedWith(ctx, liq, "engine", liq.engine, ENGINE_BLOCKS);
    })
    // an engine's own block gets its defaults when absent, so the resolved scenario shows every value it runs with
    .transform((liq) => ({
      ...liq,
      auction: liq.engine === "dutch-auction" ? (liq.auction ?? auctionSchema.parse({})) : liq.auction,
      backstop: liq.engine === "backstop" ? (liq.backstop ?? backstopSchema.parse({})) : liq.backstop,
      closeFactor: liq.engine === "close-factor" ? (liq.closeFactor ?? closeFactorSchema.parse({})) : liq.closeFactor,
    }))
    .prefault({}),
  insurance: z
    .strictObject({
      initialBalance: z.number().min(0).max(MAX_MONEY).default(1_000_000),
      // absent: no cap; fees above it go to the treasury
      cap: z.number().min(0).max(MAX_MONEY).optional(),
    })
    .superRefine((ins, ctx) => {
      if (typeof ins.cap === "number" && typeof ins.initialBalance === "number" && ins.cap < ins.initialBalance) {
        ctx.addIssue({ code: "custom", path: ["cap"], input: ins.cap, message: `must be >= initialBalance (${ins.initialBalance})` });
      }
    })
    .prefault({}),
  adl: z
    .strictObject({
      // socialized: no ADL; the shortfall is shared across the other side's profitable accounts pro rata to profit
      ranking: choice(["pnl-leverage", "hyperliquid", "random", "socialized", "none"] as const).default("pnl-leverage"),
      // the price ADL closes counterparties at: the bankrupt account's bankruptcy price (absent) or the mark
      price: choice(["bankruptcy", "mark"] as const).optional().meta({ description: "absent: bankruptcy" }),
      // Bybit-style: ADL once the fund has fallen by this fraction from its running peak; absent: once empty
      trigger: z.strictObject({ fundDrawdown: z.number().gt(0).max(1).optional() }).optional(),
    })
    .prefault({}),
}).superRefine((s, ctx) => {
  checkEntrySpread(s, ctx);
  checkFlowPool(s, ctx);
});

/** The schema's output: a Scenario except that margin may still name a preset instead of tiers. */
export type ScenarioDraft = z.output<typeof scenarioSchema>;

// ---- problem lines ------------------------------------------------------------------------------

/** `market.price.shocks[0].step`: the path as a user would write it. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    // a key from a file may hold anything: a newline must not break the problem's line
    const text = safeText(String(key));
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? text : `.${text}`;
  }
  return out === "" ? "(scenario)" : out;
}

const TYPE_WORDS: Record<string, string> = {
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
  object: "a mapping of keys",
  array: "a list",
};

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case "too_small": {
      if (issue.origin === "array") return `must have at least ${issue.minimum} item(s)`;
      if (issue.origin === "string") return "must not be empty";
      return `must be ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
    }
    case "too_big":
      if (issue.origin === "array") return `must have at most ${issue.maximum} item(s)`;
      return `must be ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}`;
    default:
      return issue.message;
  }
}

/** Keys a strict object at `path` accepts, to suggest the one a typo meant. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  const unwrap = () => {
    for (;;) {
      const def = node?._zod.def as { type?: string; innerType?: z.core.$ZodType } | undefined;
      if (def?.innerType && (def.type === "default" || def.type === "prefault" || def.type === "optional")) {
        node = def.innerType;
      } else return;
    }
  };
  for (const key of path) {
    unwrap();
    const def = node?._zod.def as { type?: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
    node = def?.type === "object" ? def.shape?.[String(key)] : def?.type === "array" ? def.element : undefined;
  }
  unwrap();
  const def = node?._zod.def as { type?: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/** One line per problem; an unknown key suggests the nearest known one. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType = scenarioSchema): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const near = known.filter((k) => editDistance(k, key) <= Math.max(1, Math.floor(key.length / 3)));
        const hint = near.length > 0 ? ` (did you mean ${near[0]}?)` : "";
        lines.push(`${formatPath([...issue.path, key])} is not a known key${hint}`);
      }
      continue;
    }
    lines.push(`${formatPath(issue.path)} ${expectation(issue)} (received ${formatValue(issue.input)})`);
  }
  return lines;
}
