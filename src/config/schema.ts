// The scenario file schema (SPEC §2): every key, what it means, its default and range, and problem lines that name
// the field. The resolved scenario's type is inferred from it (src/config/scenario.ts); each liquidation mechanism's
// block is in src/config/mechanisms/. Checks that need another section (shock step ≤ steps, presets) live in load.ts.
import { z } from "zod";
import { formatValue, safeText } from "./errors.js";
import { MAX_FLOW_POOL, scenarioFlowPool } from "../engine/flow.js";
import {
  I32_MAX,
  MAX_ANNUAL_RATE,
  MAX_FLOW_RATE,
  MAX_LEVERAGE,
  MAX_MONEY,
  MAX_PRICE,
  MAX_SECONDS,
  MAX_SIZE,
  MAX_STEP_SECONDS,
  MAX_TICKS,
  MIN_PRICE,
  choice,
  filePath,
  int,
  inShapeOrder,
  onlyUsedWith,
  removedKey,
} from "./schema-primitives.js";
import { adlSchema } from "./mechanisms/adl.js";
import { leverageSchema, notionalSchema } from "./draw-schemas.js";
import { crossMarginSchema } from "./cross-margin.js";
import { feeScheduleSchema } from "./mechanisms/fee.js";
import { ENGINE_BLOCKS, LIQUIDATION_ENGINES, engineBlocksShape, withChosenEngineDefaults } from "./mechanisms/index.js";

export { MAX_FEE_TIERS } from "./mechanisms/fee.js";

/** One maintenance-margin bracket (Binance rule: MM = notional × mmr − maintenanceAmount). */
export const tierSchema = z.strictObject({
  /** Lowest position notional (quote units) this bracket applies to. */
  floor: z.number().min(0).max(MAX_MONEY),
  /** Maintenance margin rate, 0 ≤ mmr < 1. */
  mmr: z.number().min(0).lt(1),
  /** Binance "cum": makes MM continuous across brackets. */
  maintenanceAmount: z.number().min(0).max(MAX_MONEY),
  /** Largest leverage a generated account may open at in this bracket (default 1 / (2·mmr), Binance's IMR = 2×MMR). */
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
        ctx.addIssue({
          code: "custom",
          path: [0, "floor"],
          input: tier.floor,
          message: "must be 0 (the first tier starts at 0)",
        });
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
  /** Simple return applied to the fundamental at that step, > −1. */
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
      ctx.addIssue({
        code: "custom",
        path: ["returnsFile"],
        input: price.returnsFile,
        message: "is only used with model replay",
      });
    }
  })
  // the engines read the shocks by step
  .transform((price) => ({ ...price, shocks: [...price.shocks].sort((a, b) => a.step - b.step) }));

const bookSchema = z.strictObject({
  // the stored window of the profile per side: a performance knob; past it the profile continues analytically
  levels: int(1, 10_000_000).default(1000),
  /**
   * Depth per tick at level k (k = 1 at the touch): `latent` size × min(k, saturationTicks) / saturationTicks
   * (the locally linear order book of Donier et al. 2015 near the price, so impact grows like √size, flat
   * beyond); `flat` size; `exponential` size × e^(−(k−1)/decayTicks); `power` size × k^(−exponent). Defined at
   * every distance: `levels` only says how much of it is stored in a table (a performance knob).
   */
  depth: z
    .strictObject({
      profile: choice(["latent", "flat", "exponential", "power"] as const).default("latent"),
      size: z.number().gt(0).max(MAX_SIZE).default(2),
      decayTicks: z.number().gt(0).max(MAX_TICKS).default(200),
      exponent: z.number().min(0).max(100).default(0.5),
      saturationTicks: z.number().gt(0).max(MAX_TICKS).default(600),
    })
    .prefault({}),
  /**
   * A real book near the price; it ends past its last level (a sale beyond it is flagged bookExhausted). When given,
   * the snapshot replaces `depth` (which keeps its defaults for the record).
   */
  snapshotFile: filePath.optional(),
  /** false: past the snapshot's last level the `depth` profile continues (the book has no edge); default true. */
  snapshotEnds: z.boolean().optional(),
  // per-step refill, replaced by the decay of impact in seconds: refused with a message naming the new key
  resilience: removedKey(
    "market.impact.halfLifeSeconds (the transient impact's half-life in seconds; the book refills as it decays)",
  ),
  /**
   * Liquidity under stress (absent: none). At the start of each step, with D the mark's drawdown from its
   * running peak in the path at that moment (D = (peak − mark) / peak, the quantity maxDrawdown tracks; 0
   * in step 1), every level's depth is profile × max(floor, 1 − withdrawal × D) (floor absent: 0),
   * fixed for the whole step; the book's displacement (what sales consumed, in ticks) is kept, so makers pull
   * and return quotes at once with the drawdown and the price does not jump. withdrawal 0 gives exactly the
   * book without the key.
   * The book's depth is not money: conservation is unaffected. spreadWidening w (absent: 0): with D as above,
   * both sides of the book step back g = ⌊w × D⌋ ticks from the fundamental for the step (the bids g ticks
   * lower, the asks g higher, shapes and depths kept): the spread widens by 2g ticks, the mid is unchanged.
   */
  stress: z
    .strictObject({
      withdrawal: z.number().min(0).max(100),
      floor: z.number().min(0).max(1).optional(),
      // ticks each side of the book steps back from the fundamental per unit of mark drawdown (spread widening)
      spreadWidening: z.number().min(0).max(MAX_TICKS).optional(),
    })
    .optional(),
});

/**
 * market.impact, lasting impact (a propagator, SPEC §3): the displacement of the book that a step's sales and buys
 * leave moves, for `permanentShare` θ, into the book's centre for good; the rest decays with `halfLifeSeconds` h: a
 * sale of impact J leaves the price J·(θ + (1 − θ)·2^(−t/h)) away t seconds later, whatever the step length.
 */
const impactSchema = z.strictObject({
  // seconds for the transient part of impact (the consumed book) to halve; Infinity (YAML .inf) is allowed: no decay
  halfLifeSeconds: z.number().gt(0).or(z.literal(Number.POSITIVE_INFINITY)).default(60),
  // the share of impact that never decays
  permanentShare: z
    .number()
    .min(0)
    .max(1)
    .default(2 / 3),
});

/**
 * market.mark. `last`: the last fill price (the mid at the start of each step); `mid`: the book's mid after every
 * round; `ema` (halfLifeSeconds h required): an index-like mark that lags the book. It starts at the initial mid; at
 * the start of each step, after the move and the refill, ema ← ema + α·(mid − ema) with α = 1 − 2^(−stepSeconds/h)
 * (computed on the host), and the cascade rounds of that step all use it: liquidations do not move it.
 * `oracle`: an external index, the fundamental (after the step's move) `oracleLagSeconds` ago, rounded to whole steps
 * (absent: 0), held through the step's rounds: the book's own trades never move it. `band` b (any model): every mark,
 * at the step's opening and after every round, is clamped to [oracle × (1 − b), oracle × (1 + b)], the oracle
 * lagged as above: the liquidation engine cannot push its own mark further than b from the index.
 */
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
      ctx.addIssue({
        code: "custom",
        path: ["halfLifeSeconds"],
        input: mark.halfLifeSeconds,
        message: "is only used with model ema",
      });
    }
    if (mark.halfLifeSeconds === undefined && mark.halfLifeSteps === undefined && mark.model === "ema") {
      ctx.addIssue({
        code: "custom",
        path: ["halfLifeSeconds"],
        input: undefined,
        message: "is required with model ema (seconds for the ema's weight on the old mark to halve)",
      });
    }
  });

/**
 * The generated population (src/engine/population.ts has the formulas). Each account: side ~ Bernoulli(longShare)
 * (its value at initialPrice), notional N ~ Pareto(min, alpha) capped at max, leverage ~ lognormal(median, sigma)
 * capped at max and at what its bracket admits; size = N / initialPrice, collateral = size × entry / leverage.
 * The realism keys, each optional (absent: today's population bit for bit):
 * - `entry` { historySeconds H, volatility σ (absent: market.price.volatility) }: positions opened over the past H
 *   seconds, so liquidation prices spread out. Each account's entry is the price at τ ~ U(0, H) before the path
 *   starts under the history GBM that ends at initialPrice P0 with no drift in price: log(entry / P0) = σ√τ·Z −
 *   σ²τ/2, Z ~ N(0, 1) (its standard deviation is √(σ²H/2 + σ⁴H²/48), H and σ in years); drawn independently per
 *   account. The bracket and leverage caps apply at the entry notional. Survivorship: a position is kept only if
 *   the price did not cross its liquidation price L (the ladder's) between entry and P0 — given both ends, with
 *   probability 1 − exp(−2·|log(entry/L)|·|log(P0/L)| / (σ²τ)) (a Brownian bridge's barrier formula) — and is
 *   redrawn otherwise (up to 64 times, then it enters at P0), so no position starts at its liquidation price.
 * - `notional.top10Share` s (≤ 0.9): the ten largest accounts are scaled by one factor so that they hold exactly s
 *   of the open interest (Σ size × initialPrice); the others keep their draws (so the open interest becomes R / (1 −
 *   s), R theirs: a third more at s = 0.3 and the defaults), the whales may exceed notional.max.
 *   A share below what the draws already give is only lowered until the whales reach the eleventh account's size.
 * - `hedgedShare` h: ⌊h × count / 2⌋ hedged pairs (hedge mode), the first accounts: a long and a short leg of equal
 *   size and one entry, each isolated with its own collateral and leverage draw, each counted as an account;
 *   longShare applies to the rest.
 * Not with positionsFile.
 *
 * `flow` (absent: nobody opens or closes during a path but by liquidation and ADL; src/engine/flow.ts has the model):
 * once per step, after the opening mark and before the cascade rounds,
 * - `closeRatePerHour` r: K ~ Poisson(N·(1 − e^(−r·stepSeconds/3600))) of the N open accounts, drawn uniformly,
 *   close their whole position by market order on the book (a long sells into the bids: de-risking in a crash adds
 *   to the selling); the P&L is realised into the trader's cash (the metric flowPnl), no fee. An account the
 *   liquidation engine holds (in auction, sliced or repaid, or across its liquidation price at the mark) cannot;
 * - `arrivalsPerHour` a: Poisson(a·stepSeconds/3600) new accounts, drawn as generated accounts are (longShare,
 *   notional, leverage; admitted against the brackets at the entry notional), sized at the step's mark and opened by
 *   market order (a long buys from the asks) at the fill's average price; the collateral they bring is money that
 *   enters the venue. They can be liquidated, deleveraged or close like any account. A path holds at most
 *   ⌈M + 8√M⌉ + 16 arrivals, M its mean: past that (probability < 1e-15) an arrival does not happen.
 * With a positions file, arrivals draw from the (default) notional and leverage keys.
 */
const accountsSchema = z
  .strictObject({
    count: int(0, 50_000_000).default(10_000),
    longShare: z.number().min(0).max(1).default(0.6),
    leverage: leverageSchema.prefault({}),
    notional: notionalSchema.prefault({}),
    // When given, the loaded positions replace the generated population (count, leverage, notional unused).
    positionsFile: filePath.optional(),
    resample: z.boolean().default(false),
    // entries spread along the past historySeconds of the price (absent: everyone at initialPrice; documented above)
    entry: z
      .strictObject({
        historySeconds: z
          .number()
          .gt(0)
          .max(MAX_SECONDS)
          .meta({ description: "required in entry; σ²·historySeconds ≤ 4 (years)" }),
        // the history's annualised volatility; absent: market.price.volatility
        volatility: z.number().min(0).max(MAX_ANNUAL_RATE).optional().meta({ description: "absent: market.price.volatility" }),
      })
      .optional()
      .meta({ description: "absent: every account enters at initialPrice" }),
    // the share of accounts that are the legs of hedged (long + short) pairs
    hedgedShare: z.number().min(0).max(1).optional().meta({ description: "absent: 0" }),
    // trading during a path: voluntary closes and arrivals (documented above and in src/engine/flow.ts)
    flow: z
      .strictObject({
        closeRatePerHour: z.number().min(0).max(MAX_FLOW_RATE).optional().meta({
          description:
            "hazard per open account: each step its trader closes by market order with probability 1 − e^(−rate·stepSeconds/3600); absent: 0",
        }),
        arrivalsPerHour: z.number().min(0).max(MAX_FLOW_RATE).optional().meta({
          description:
            "Poisson arrivals of new accounts (drawn as generated accounts, opened by market order at the step's mark); absent: 0",
        }),
      })
      .optional()
      .meta({ description: "absent: nobody opens or closes during a path but by liquidation and ADL" }),
  })
  .superRefine((acc, ctx) => {
    if (acc.resample === true && acc.positionsFile !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["resample"],
        input: true,
        message: "must be false with positionsFile (loaded positions are not resampled)",
      });
    }
    // entry, hedgedShare and top10Share shape the generated population: like leverage, notional and longShare they
    // are unused with a positions file (the embedded default sets them, and a file of positions replaces it)
    const top10 = acc.notional?.top10Share;
    if (top10 !== undefined && acc.positionsFile === undefined && typeof acc.count === "number" && acc.count <= 10) {
      ctx.addIssue({
        code: "custom",
        path: ["notional", "top10Share"],
        input: top10,
        message: `needs count > 10 (received count ${acc.count}): drop it with --set accounts.notional.top10Share=null`,
      });
    }
  });

/** accounts.flow.arrivalsPerHour over the run's duration: its pool of dormant slots within MAX_FLOW_POOL. */
function checkFlowPool(
  s: { steps?: unknown; stepSeconds?: unknown; accounts?: { flow?: { arrivalsPerHour?: unknown } } },
  ctx: z.RefinementCtx,
): void {
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
function checkEntrySpread(
  s: { accounts?: { entry?: { historySeconds?: unknown; volatility?: number } }; market?: { price?: { volatility?: unknown } } },
  ctx: z.RefinementCtx,
): void {
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

/** The margin model blocks' defaults (src/engine/setup.ts reads them for a literal Scenario that omits a block). */
export const MARGIN_MODEL_DEFAULTS = {
  volatility: volatilityEstimateSchema.parse({}),
  volScaled: volScaledSchema.parse({}),
  riskBased: riskBasedSchema.parse({}),
} as const;

/**
 * `margin`: the tiers (or their preset), where maintenance is measured, the scan engine's model, dynamic initial margin.
 *
 * `model` (absent: the ladder — every account's liquidation price is computed once from the tiers and the cascade
 * walks them in order). With a model, the scan engine checks every open account every round: it is liquidated
 * (by the liquidation engine) when its equity c + s·q·(mark − entry) is ≤ its requirement at the mark:
 * - `tiers`: notional × mmr − maintenanceAmount of its bracket (what the ladder encodes, evaluated every round);
 * - `vol-scaled`: that times k = min(cap, max(floor, σ̂/σ_ref)), σ_ref = market.price.volatility per step;
 * - `risk-based`: notional × (1 − e^(−x)) for a long, notional × (e^x − 1) for a short, x = z·σ̂·√(horizonSeconds / stepSeconds),
 *   z = the normal quantile of `confidence` (method var) or `scanSigmas` (method scan: the worst of a SPAN-like
 *   grid of moves, which for a linear position is its extreme move).
 * σ̂ is an EWMA of the squared log-returns of the mark from step opening to step opening (weight on the old
 * variance 2^(−stepSeconds/halfLifeSeconds)), starting at σ_ref; the requirement reads it as refreshed every
 * updateEverySeconds (rounded to whole steps, at least one: a lag). The backstop and close-factor engines read the same requirement. The metric
 * marginHeld is the mean over steps of the requirement of every open position at the step's opening mark (NaN
 * without a model). `sizePremium` and `openInterestScaling`: dynamic initial margin (below); sizePremium also
 * raises the model's requirement.
 */
const marginObject = z.strictObject({
  mode: choice(["isolated", "cross"] as const).default("isolated"),
  preset: z.string().min(1).optional(),
  tiers: tiersSchema.optional(),
  /**
   * Where maintenance margin is measured (absent: mark): `entry` fixes it at the entry notional's bracket
   * (Bybit, BitMEX), so the liquidation price is e − s·(c − MM(q·e))/q, and the scan engine's tiers requirement
   * (plain or vol-scaled) is that MM too.
   */
  maintenanceAt: choice(["mark", "entry"] as const).optional(),
  model: choice(["tiers", "vol-scaled", "risk-based"] as const).optional(),
  volatility: volatilityEstimateSchema.optional(),
  volScaled: volScaledSchema.optional(),
  riskBased: riskBasedSchema.optional(),
  /**
   * Position-size premium (FTX / Drift: "position IMF = max(base IMF, imfFactor × √size)"; absent: none; requires
   * `model`). Admission: a generated account's leverage is also capped at 1 / max(baseIMF, imfFactor × √q), q its
   * size in base units (notional / initialPrice), baseIMF = 1 / its bracket's max leverage (as capped by a
   * risk-based model). Maintenance: the scan engine's requirement (and so the backstop and close-factor engines')
   * becomes max(model requirement, notional × ½ × imfFactor × √q) on the current size at the mark — half the
   * size-based initial fraction, the IM = 2 × MM convention. The ladder's static prices cannot follow it: hence
   * the model. A positions file is not admitted (its accounts keep their collateral) but is held to the maintenance.
   */
  sizePremium: z.strictObject({ imfFactor: z.number().gt(0).max(1000) }).optional(),
  /**
   * Open-interest-scaled initial margin (dYdX v4 liquidity tiers; absent: none). With OI the generated population's
   * total open interest Σ notional (every account, both sides, drawn before any leverage), f = clamp((OI −
   * lowerCap) / (upperCap − lowerCap), 0, 1) and each account's initial margin fraction base + (1 − base) × f, base
   * = 1 / its bracket's max leverage: its leverage is capped at 1 / that (f = 0: the population is unchanged bit
   * for bit). Per population: once per run, or per path with accounts.resample. A positions file is not affected;
   * maintenance is unchanged. With sizePremium both caps apply. Open interest is summed over every account: up to
   * the count times the largest notional.
   */
  openInterestScaling: z
    .strictObject({ lowerCap: z.number().min(0).max(1e24), upperCap: z.number().max(1e24) })
    .superRefine((oi, ctx) => {
      if (typeof oi.lowerCap === "number" && typeof oi.upperCap === "number" && !(oi.upperCap > oi.lowerCap)) {
        ctx.addIssue({ code: "custom", path: ["upperCap"], input: oi.upperCap, message: `must be > lowerCap (${oi.lowerCap})` });
      }
    })
    .optional(),
});

/** margin's blocks and the models that read them. */
export const MARGIN_MODEL_BLOCKS = [
  // the tiers model does not read it, but a sweep over models sets it once for all of them
  ["volatility", ["tiers", "vol-scaled", "risk-based"]],
  ["volScaled", ["vol-scaled"]],
  ["riskBased", ["risk-based"]],
] as const;

/** Preset and tiers are checked against each other and the preset registry in load.ts. */
export const marginSchema = marginObject
  .superRefine((m, ctx) => {
    onlyUsedWith(ctx, m, "model", m.model, MARGIN_MODEL_BLOCKS);
    if (m.sizePremium !== undefined && m.model === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["sizePremium"],
        input: m.sizePremium,
        message:
          "needs margin.model (its maintenance term is checked by the scan engine; the ladder's static liquidation prices cannot follow it)",
      });
    }
    if (
      m.volScaled &&
      typeof m.volScaled.floor === "number" &&
      typeof m.volScaled.cap === "number" &&
      m.volScaled.cap < m.volScaled.floor
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["volScaled", "cap"],
        input: m.volScaled.cap,
        message: `must be >= floor (${m.volScaled.floor})`,
      });
    }
  })
  // a model's blocks get their defaults when absent, so the resolved scenario shows every value it runs with
  .transform((m) =>
    inShapeOrder(marginObject.shape, {
      ...m,
      ...(m.model === "vol-scaled" || m.model === "risk-based"
        ? { volatility: m.volatility ?? volatilityEstimateSchema.parse({}) }
        : {}),
      ...(m.model === "vol-scaled" ? { volScaled: m.volScaled ?? volScaledSchema.parse({}) } : {}),
      ...(m.model === "risk-based" ? { riskBased: m.riskBased ?? riskBasedSchema.parse({}) } : {}),
    }),
  );

export { ENGINE_BLOCKS };

/** `liquidation`: the engine, the fee, the per-step caps and each engine's own block. */
const liquidationObject = z.strictObject({
  engine: choice(LIQUIDATION_ENGINES).default("market"),
  // the flat rate, and the base of a time-ramped schedule
  feeRate: z.number().min(0).lt(1).default(0.005),
  // a fee schedule instead of the flat feeRate; absent: flat (src/config/mechanisms/fee.ts documents the semantics)
  fee: feeScheduleSchema.optional(),
  maxRoundsPerStep: int(1, I32_MAX).default(1000),
  /**
   * dYdX v4-style caps (absent: none), rates per second checked per step. Before each liquidation the step's
   * totals are checked: once the notional liquidated in the step has reached `notionalPerSecond` × stepSeconds, or
   * the fund has paid out `insuranceLossPerSecond` × stepSeconds in the step, no further account is liquidated in
   * that step; it waits, still under water, for the next step. The account that crosses a cap is liquidated and
   * settled whole.
   */
  caps: z
    .strictObject({
      notionalPerSecond: z.number().gt(0).max(MAX_MONEY).optional(),
      insuranceLossPerSecond: z.number().gt(0).max(MAX_MONEY).optional(),
      notionalPerStep: removedKey("liquidation.caps.notionalPerSecond"),
      insuranceLossPerStep: removedKey("liquidation.caps.insuranceLossPerSecond"),
    })
    .optional(),
  // each engine's own block (src/config/mechanisms/: partial, auction, backstop, closeFactor), all optional
  ...engineBlocksShape(),
});

/** Most markets in one run (each is a book, a population and a price process; the correlation is markets²). */
export const MAX_MARKETS = 256;
/** A market's name: the record's columns are `markets.NAME.METRIC`, so letters, digits, `_` and `-` only. */
export const MARKET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
/** The blocks a market may give: each deep-merged over the top-level block of that name (arrays replace). */
export const MARKET_BLOCKS = ["market", "accounts", "margin", "liquidation", "adl"] as const;

const marketBlock = (key: string) =>
  z
    .record(z.string(), z.unknown())
    .optional()
    .meta({
      description: `merged over the top-level ${key} block (arrays replace; null drops a key); absent: the top-level block`,
    });

/**
 * One market of a several-market run: its name and the blocks that differ from the top-level ones. The merged
 * blocks are validated as a whole single-market scenario (src/config/markets.ts); venue-wide keys (seed, paths,
 * steps, stepSeconds, insurance, liquidation.maxRoundsPerStep) are top-level only.
 */
const marketEntrySchema = z.strictObject({
  name: z
    .string()
    .regex(MARKET_NAME, {
      error: "must be 1 to 32 letters, digits, _ or - (it names the record's columns markets.NAME.METRIC)",
    })
    .meta({ description: "required; distinct; 1 to 32 letters, digits, _ or -: the record's columns are markets.NAME.METRIC" }),
  market: marketBlock("market"),
  accounts: marketBlock("accounts"),
  margin: marketBlock("margin"),
  liquidation: marketBlock("liquidation"),
  adl: marketBlock("adl"),
});

/** `markets:` names must be distinct: each names its columns in the record. */
export const marketsSchema = z
  .array(marketEntrySchema)
  .min(1)
  .max(MAX_MARKETS)
  .superRefine((markets, ctx) => {
    const seen = new Map<string, number>();
    markets.forEach((m, i) => {
      if (typeof m?.name !== "string") return;
      const first = seen.get(m.name);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: [i, "name"], input: m.name, message: `must differ from markets[${first}].name` });
      } else seen.set(m.name, i);
    });
  });

export const scenarioSchema = z
  .strictObject({
    name: z.string().default("scenario"),
    /**
     * A venue preset (`cascade presets`) whose whole design applies over this scenario's own keys: its tiers (as
     * margin.preset) and maintenance convention, liquidation engine with all its blocks, fee, ADL ranking, price and
     * trigger, and the mark model and vault where the preset states them (src/venues/apply.ts). The resolved scenario
     * holds the design that ran; the venue's name is a record of where it came from. Absent: none. It applies over
     * the file's keys, under the keys given for the run.
     */
    venue: z.string().min(1).optional(),
    seed: int(0, Number.MAX_SAFE_INTEGER).default(42),
    paths: int(1, I32_MAX).default(2000),
    steps: stepsSchema,
    stepSeconds: z.number().gt(0).max(MAX_STEP_SECONDS).default(60),
    market: z
      .strictObject({
        // Default 30000; with a snapshotFile and no explicit value, load.ts uses the snapshot's best bid.
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
    liquidation: liquidationObject
      .superRefine((liq, ctx) => {
        onlyUsedWith(ctx, liq, "engine", liq.engine, ENGINE_BLOCKS);
      })
      .transform((liq) => inShapeOrder(liquidationObject.shape, withChosenEngineDefaults(liq)))
      .prefault({}),
    insurance: z
      .strictObject({
        initialBalance: z.number().min(0).max(MAX_MONEY).default(1_000_000),
        /** `cap` (absent: none): the fund never holds more; fees that would push it over go to the treasury. */
        cap: z.number().min(0).max(MAX_MONEY).optional(),
      })
      .superRefine((ins, ctx) => {
        if (typeof ins.cap === "number" && typeof ins.initialBalance === "number" && ins.cap < ins.initialBalance) {
          ctx.addIssue({
            code: "custom",
            path: ["cap"],
            input: ins.cap,
            message: `must be >= initialBalance (${ins.initialBalance})`,
          });
        }
      })
      .prefault({}),
    adl: adlSchema.prefault({}),
    /**
     * Several markets on one venue (absent: one market, the top-level blocks). The top-level market, accounts,
     * margin, liquidation and adl blocks are every market's defaults; the venue (insurance fund, steps, seed) is
     * shared. The resolved scenario lists every market whole.
     */
    markets: marketsSchema.optional().meta({ description: "absent: one market, the top-level blocks" }),
    /** With markets: the correlation of the markets' Brownian increments, M × M (symmetric, unit diagonal, positive definite). */
    correlation: z
      .array(z.array(z.number().min(-1).max(1)))
      .optional()
      .meta({ description: "with markets; absent: the identity (independent returns)" }),
    /**
     * With markets: owners whose legs in several markets share one equity (cross margin), and the collateral assets
     * they deposit (src/config/cross-margin.ts). Absent: every position is its market's, isolated.
     */
    crossMargin: crossMarginSchema.optional().meta({ description: "with markets; absent: no cross-margin owners" }),
  })
  .superRefine((s, ctx) => {
    checkEntrySpread(s, ctx);
    checkFlowPool(s, ctx);
  });

export type { ScenarioDraft } from "./scenario.js";

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
