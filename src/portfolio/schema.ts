// The portfolio scenario: several markets under one cross-margin account, collateral in several assets.
// zod gives the shape and the defaults; resolvePortfolio() adds the checks that need another section
// (market and asset names, correlation against the market count, shock steps against `steps`) and the
// Cholesky factor. Every problem is one line naming its field, all thrown together in one InputError.
import { z } from "zod";
import { InputError, formatValue } from "../config/errors.js";
import { formatIssues, shocksSchema, tiersSchema } from "../config/schema.js";
import {
  MAX_ANNUAL_RATE,
  MAX_LEVERAGE,
  MAX_MONEY,
  MAX_PRICE,
  MAX_SIZE,
  MAX_STEP_SECONDS,
  MAX_TICKS,
  MIN_PRICE,
} from "../config/schema-primitives.js";
import { portfolioMemoryProblems } from "../config/memory.js";
import { documentProblem, documentProblemText } from "../config/keypath.js";
import { SECONDS_PER_YEAR } from "../engine/layout.js";
import { cholesky } from "../config/cholesky.js";

const I32_MAX = 2_147_483_647;
const int = (min: number, max: number) => z.number().int().min(min).max(max);
/** Most markets and most collateral assets (each market is a book and a process; the correlation is markets²). */
export const MAX_MARKETS = 256;
export const MAX_ASSETS = 256;
/** Most ticks from zero to a book's initial price (as the single-market scenario, src/config/load.ts). */
const MAX_PRICE_TICKS = 1e9;
/** The largest move of a log-price over the run the scenario may allow (as src/config/load.ts MAX_LOG_MOVE). */
const MAX_LOG_MOVE = 200;
const price = () => z.number().min(MIN_PRICE).max(MAX_PRICE);

/** A string enum whose problem line lists the accepted values (as config/schema.ts does). */
function choice<const T extends string>(values: readonly T[]) {
  return z.custom<T>((v) => typeof v === "string" && (values as readonly string[]).includes(v), {
    error: `must be one of ${values.join(", ")}`,
  });
}

const depthSchema = z.strictObject({
  profile: choice(["flat", "exponential"] as const).default("flat"),
  /** Depth at the touch, per tick (base units of the market, units of the asset for a collateral book). */
  size: z.number().gt(0).max(MAX_SIZE).default(2),
  decayTicks: z.number().gt(0).max(MAX_TICKS).default(200),
});

const bookSchema = z.strictObject({
  levels: int(1, 1_000_000).default(2000),
  depth: depthSchema.prefault({}),
  resilience: z.number().min(0).max(1).default(0.05),
});

const marketSchema = z.strictObject({
  /** Default `market<i>`; names must be distinct (legs name their market). */
  name: z.string().min(1).optional(),
  initialPrice: price().default(30_000),
  tickSize: z.number().gt(0).max(MAX_PRICE).default(0.5),
  /** Annualised; the market's GBM log-return has sd volatility·√(stepSeconds/year). */
  volatility: z.number().min(0).max(MAX_ANNUAL_RATE).default(0.8),
  book: bookSchema.prefault({}),
  mark: choice(["last", "mid"] as const).default("last"),
  tiers: tiersSchema.default([{ floor: 0, mmr: 0.005, maintenanceAmount: 0 }]),
  shocks: shocksSchema.default([]),
});

const collateralBookSchema = z.strictObject({
  levels: int(1, 1_000_000).default(4000),
  // units of the asset per tick: a stablecoin book is deep in units
  depth: depthSchema.extend({ size: z.number().gt(0).max(MAX_SIZE).default(1_000_000) }).prefault({}),
  resilience: z.number().min(0).max(1).default(0.05),
});

const assetPriceSchema = z
  .strictObject({
    /** external: the asset's own price process (fixed by default); venue-book: marked at the venue's own book. */
    model: choice(["external", "venue-book"] as const).default("external"),
    initialPrice: price().default(1),
    volatility: z.number().min(0).max(MAX_ANNUAL_RATE).default(0),
    shocks: shocksSchema.default([]),
    /** venue-book only */
    tickSize: z.number().gt(0).max(MAX_PRICE).optional(),
    book: collateralBookSchema.optional(),
    mark: choice(["last", "mid"] as const).optional(),
  })
  .superRefine((price, ctx) => {
    if (price.model === "venue-book") return;
    for (const key of ["tickSize", "book", "mark"] as const) {
      if (price[key] !== undefined) {
        ctx.addIssue({ code: "custom", path: [key], input: price[key], message: "is only used with model venue-book" });
      }
    }
  });

const assetSchema = z.strictObject({
  name: z.string().min(1).optional(),
  /** Share of the asset's value not counted toward equity. */
  haircut: z.number().min(0).lt(1).default(0),
  price: assetPriceSchema.prefault({}),
});

const legSchema = z.strictObject({
  market: z.string().min(1),
  side: choice(["long", "short"] as const),
  size: z.number().gt(0).max(MAX_SIZE),
  /** Default: the market's initial mid. */
  entryPrice: z.number().gt(0).max(MAX_PRICE).optional(),
});

const depositSchema = z.strictObject({
  asset: z.string().min(1),
  amount: z.number().min(0).max(MAX_MONEY),
  /** Counts toward equity from this step on (0: from the start); a bridged deposit lands after k steps. */
  arrivesAtStep: int(0, I32_MAX).default(0),
});

const explicitAccountSchema = z.strictObject({
  legs: z.array(legSchema).default([]),
  collateral: z.array(depositSchema).default([]),
});

const generatedSchema = z
  .strictObject({
    count: int(0, 10_000_000).default(1000),
    /** Default: 2, or 1 with a single market. */
    legsPerAccount: int(1, 1000).optional(),
    longShare: z.number().min(0).max(1).default(0.6),
    leverage: z
      .strictObject({
        dist: choice(["lognormal", "fixed"] as const).default("lognormal"),
        median: z.number().gt(0).max(MAX_LEVERAGE).default(5),
        sigma: z.number().min(0).max(10).default(0.5),
        max: z.number().min(1).max(MAX_LEVERAGE).default(50),
      })
      .prefault({}),
    notional: z
      .strictObject({
        dist: choice(["pareto", "fixed"] as const).default("pareto"),
        min: z.number().gt(0).max(MAX_MONEY).default(1000),
        alpha: z.number().gt(0).max(100).default(1.5),
        max: z.number().gt(0).max(MAX_MONEY).default(5_000_000),
      })
      .prefault({}),
    /** How each account's collateral value (notional / leverage) is split across assets; shares sum to 1. */
    collateralMix: z
      .array(
        z.strictObject({
          asset: z.string().min(1),
          share: z.number().gt(0).max(1),
          arrivesAtStep: int(0, I32_MAX).default(0),
        }),
      )
      .min(1)
      .optional(),
  })
  .superRefine((g, ctx) => {
    if (g.leverage.max < g.leverage.median) {
      ctx.addIssue({
        code: "custom",
        path: ["leverage", "max"],
        input: g.leverage.max,
        message: `must be >= median (${g.leverage.median})`,
      });
    }
    if (g.notional.max < g.notional.min) {
      ctx.addIssue({
        code: "custom",
        path: ["notional", "max"],
        input: g.notional.max,
        message: `must be >= min (${g.notional.min})`,
      });
    }
    if (g.collateralMix) {
      let sum = 0;
      for (const m of g.collateralMix) sum += m.share;
      if (Math.abs(sum - 1) > 1e-9) {
        ctx.addIssue({ code: "custom", path: ["collateralMix"], input: sum, message: "shares must sum to 1" });
      }
    }
  });

export const portfolioSchema = z.strictObject({
  name: z.string().default("portfolio"),
  seed: int(0, Number.MAX_SAFE_INTEGER).default(42),
  paths: int(1, I32_MAX).default(200),
  steps: int(1, I32_MAX).default(100),
  stepSeconds: z.number().gt(0).max(MAX_STEP_SECONDS).default(60),
  markets: z
    .array(marketSchema)
    .min(1)
    .max(MAX_MARKETS)
    .prefault([
      { name: "BTC", initialPrice: 30_000, tickSize: 0.5 },
      { name: "ETH", initialPrice: 2000, tickSize: 0.05 },
    ]),
  /** markets × markets; absent: the identity (independent markets). */
  correlation: z.array(z.array(z.number())).optional(),
  collateral: z
    .strictObject({
      assets: z
        .array(assetSchema)
        .min(1)
        .max(MAX_ASSETS)
        .prefault([{ name: "USDT" }]),
    })
    .prefault({}),
  accounts: z
    .strictObject({
      /** Absent: a default population of 1000 accounts, unless `list` is given. */
      generated: generatedSchema.optional(),
      list: z.array(explicitAccountSchema).default([]),
    })
    .prefault({}),
  liquidation: z
    .strictObject({
      feeRate: z.number().min(0).lt(1).default(0.005),
      maxRoundsPerStep: int(1, I32_MAX).default(1000),
    })
    .prefault({}),
  insurance: z.strictObject({ initialBalance: z.number().min(0).max(MAX_MONEY).default(1_000_000) }).prefault({}),
});

type Draft = z.output<typeof portfolioSchema>;
type MarketDraft = Draft["markets"][number];
type AssetDraft = Draft["collateral"]["assets"][number];

export interface PortfolioMarket extends Omit<MarketDraft, "name"> {
  name: string;
}

export interface PortfolioAsset {
  name: string;
  haircut: number;
  price: {
    model: "external" | "venue-book";
    initialPrice: number;
    volatility: number;
    shocks: { step: number; return: number }[];
    /** Present (defaulted) with venue-book only. */
    tickSize?: number;
    book?: { levels: number; depth: { profile: "flat" | "exponential"; size: number; decayTicks: number }; resilience: number };
    mark?: "last" | "mid";
  };
}

export type GeneratedAccounts = NonNullable<Draft["accounts"]["generated"]>;

/** The resolved portfolio scenario: every key defaulted, names filled in, the correlation matrix explicit. */
export interface PortfolioScenario {
  name: string;
  seed: number;
  paths: number;
  steps: number;
  stepSeconds: number;
  markets: PortfolioMarket[];
  correlation: number[][];
  collateral: { assets: PortfolioAsset[] };
  accounts: {
    generated?: GeneratedAccounts & {
      legsPerAccount: number;
      collateralMix: { asset: string; share: number; arrivesAtStep: number }[];
    };
    list: Draft["accounts"]["list"];
  };
  liquidation: { feeRate: number; maxRoundsPerStep: number };
  insurance: { initialBalance: number };
}

/** Validates and resolves a portfolio scenario object (YAML/JSON already parsed). Throws InputError listing every problem. */
export function loadPortfolioScenario(raw: unknown): PortfolioScenario {
  // the document is not quoted back: it may be a file that was never meant to be a portfolio
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new InputError(`(portfolio) must be a mapping of keys (received ${Array.isArray(raw) ? "a list" : `a ${typeof raw}`})`);
  }
  const shape = documentProblem(raw);
  if (shape) throw new InputError(documentProblemText("the portfolio", shape));
  const parsed = portfolioSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) throw new InputError(formatIssues(parsed.error.issues, portfolioSchema));
  const d = parsed.data;
  const problems: string[] = [];

  const markets: PortfolioMarket[] = d.markets.map((m, i) => ({ ...m, name: m.name ?? `market${i}` }));
  const marketIndex = uniqueNames(
    markets.map((m) => m.name),
    "markets",
    problems,
  );
  markets.forEach((m, i) => {
    shockSteps(m.shocks, d.steps, `markets[${i}].shocks`, problems);
    // the book is kept relative to the fundamental's tick; its deepest level must keep a positive price
    if (m.book.levels >= Math.floor(m.initialPrice / m.tickSize + 1e-7)) {
      problems.push(
        `markets[${i}].book.levels must be < initialPrice / tickSize (${Math.floor(m.initialPrice / m.tickSize + 1e-7)}) (received ${m.book.levels})`,
      );
    }
    tickProblems(m.initialPrice, m.tickSize, `markets[${i}]`, problems);
    moveProblems(m.volatility, m.shocks, d.steps * d.stepSeconds, `markets[${i}]`, problems);
  });

  const assets: PortfolioAsset[] = d.collateral.assets.map((a: AssetDraft, i) => resolveAsset(a, i));
  const assetIndex = uniqueNames(
    assets.map((a) => a.name),
    "collateral.assets",
    problems,
  );
  assets.forEach((a, i) => {
    shockSteps(a.price.shocks, d.steps, `collateral.assets[${i}].price.shocks`, problems);
    if (a.price.model === "venue-book") {
      const top = Math.floor(a.price.initialPrice / a.price.tickSize! + 1e-7);
      if (a.price.book!.levels >= top) {
        problems.push(
          `collateral.assets[${i}].price.book.levels must be < initialPrice / tickSize (${top}) (received ${a.price.book!.levels})`,
        );
      }
      tickProblems(a.price.initialPrice, a.price.tickSize!, `collateral.assets[${i}].price`, problems);
    }
    moveProblems(a.price.volatility, a.price.shocks, d.steps * d.stepSeconds, `collateral.assets[${i}].price`, problems);
  });

  const correlation = d.correlation ?? markets.map((_, i) => markets.map((_, j) => (i === j ? 1 : 0)));
  if (d.correlation) correlationProblems(d.correlation, markets.length, problems);

  d.accounts.list.forEach((acc, i) => {
    const seen = new Map<string, number>();
    acc.legs.forEach((leg, j) => {
      if (!marketIndex.has(leg.market)) {
        problems.push(
          `accounts.list[${i}].legs[${j}].market must name a market (${[...marketIndex.keys()].join(", ")}) (received ${formatValue(leg.market)})`,
        );
      }
      const first = seen.get(leg.market);
      if (first !== undefined)
        problems.push(`accounts.list[${i}].legs[${j}].market must differ from legs[${first}].market (one leg per market)`);
      else seen.set(leg.market, j);
    });
    acc.collateral.forEach((c, j) => {
      if (!assetIndex.has(c.asset)) {
        problems.push(
          `accounts.list[${i}].collateral[${j}].asset must name a collateral asset (${[...assetIndex.keys()].join(", ")}) (received ${formatValue(c.asset)})`,
        );
      }
    });
  });

  let generated: PortfolioScenario["accounts"]["generated"];
  const g = d.accounts.generated ?? (d.accounts.list.length === 0 ? generatedSchema.parse({}) : undefined);
  if (g) {
    const legsPerAccount = g.legsPerAccount ?? Math.min(2, markets.length);
    if (legsPerAccount > markets.length) {
      problems.push(
        `accounts.generated.legsPerAccount must be <= the number of markets (${markets.length}) (received ${legsPerAccount})`,
      );
    }
    const mix = g.collateralMix ?? [{ asset: assets[0].name, share: 1, arrivesAtStep: 0 }];
    mix.forEach((m, j) => {
      if (!assetIndex.has(m.asset)) {
        problems.push(
          `accounts.generated.collateralMix[${j}].asset must name a collateral asset (${[...assetIndex.keys()].join(", ")}) (received ${formatValue(m.asset)})`,
        );
      }
    });
    generated = { ...g, legsPerAccount, collateralMix: mix };
  }

  if (problems.length > 0) throw new InputError(problems);
  const scenario: PortfolioScenario = {
    name: d.name,
    seed: d.seed,
    paths: d.paths,
    steps: d.steps,
    stepSeconds: d.stepSeconds,
    markets,
    correlation,
    collateral: { assets },
    accounts: { list: d.accounts.list },
    liquidation: d.liquidation,
    insurance: d.insurance,
  };
  if (generated) scenario.accounts.generated = generated;
  const memory = portfolioMemoryProblems(scenario);
  if (memory.length > 0) throw new InputError(memory);
  return scenario;
}

/** A book's tick within a billion ticks of its price (the engines index levels as i32). */
function tickProblems(initialPrice: number, tickSize: number, where: string, problems: string[]): void {
  if (initialPrice / tickSize > MAX_PRICE_TICKS) {
    problems.push(
      `${where}.tickSize must be >= initialPrice / ${MAX_PRICE_TICKS} (${initialPrice / MAX_PRICE_TICKS}): a price of at most a billion ticks (received ${tickSize})`,
    );
  }
}

/** A price process whose largest plausible log move over the run (12 sd of the diffusion plus the shocks) stays within MAX_LOG_MOVE. */
function moveProblems(
  volatility: number,
  shocks: { return: number }[],
  seconds: number,
  where: string,
  problems: string[],
): void {
  const diffusion = 12 * volatility * Math.sqrt(seconds / SECONDS_PER_YEAR);
  const jumps = shocks.reduce((sum, sh) => sum + Math.abs(Math.log1p(sh.return)), 0);
  const move = diffusion + jumps;
  if (!(move <= MAX_LOG_MOVE)) {
    const key = diffusion >= jumps ? "volatility" : "shocks";
    problems.push(
      `${where}.${key} must keep the log-price's largest plausible move over the run within ${MAX_LOG_MOVE} ` +
        `(prices past e^${MAX_LOG_MOVE} overflow the results) (received ${Number(move.toPrecision(3))}: volatility ${Number(diffusion.toPrecision(3))}, shocks ${Number(jumps.toPrecision(3))})`,
    );
  }
}

function resolveAsset(a: AssetDraft, i: number): PortfolioAsset {
  const p = a.price;
  const price: PortfolioAsset["price"] = {
    model: p.model,
    initialPrice: p.initialPrice,
    volatility: p.volatility,
    shocks: p.shocks,
  };
  if (p.model === "venue-book") {
    price.tickSize = p.tickSize ?? 0.0001;
    price.book = p.book ?? collateralBookSchema.parse({});
    price.mark = p.mark ?? "last";
  }
  return { name: a.name ?? `asset${i}`, haircut: a.haircut, price };
}

function uniqueNames(names: string[], where: string, problems: string[]): Map<string, number> {
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    const first = index.get(name);
    if (first !== undefined)
      problems.push(`${where}[${i}].name must differ from ${where}[${first}].name (received ${formatValue(name)})`);
    else index.set(name, i);
  });
  return index;
}

function shockSteps(shocks: { step: number }[], steps: number, where: string, problems: string[]): void {
  shocks.forEach((s, i) => {
    if (s.step > steps) problems.push(`${where}[${i}].step must be <= steps (${steps}) (received ${s.step})`);
  });
}

/** Shape, range, symmetry, unit diagonal, then positive definiteness (the Cholesky factorisation must succeed). */
function correlationProblems(c: number[][], n: number, problems: string[]): void {
  if (c.length !== n || c.some((row) => row.length !== n)) {
    problems.push(`correlation must be a ${n}×${n} matrix, one row and column per market (received ${formatValue(c)})`);
    return;
  }
  const before = problems.length;
  for (let i = 0; i < n; i++) {
    if (c[i][i] !== 1) problems.push(`correlation[${i}][${i}] must be 1 (received ${formatValue(c[i][i])})`);
    for (let j = 0; j < n; j++) {
      if (!(c[i][j] >= -1 && c[i][j] <= 1))
        problems.push(`correlation[${i}][${j}] must be in [-1, 1] (received ${formatValue(c[i][j])})`);
      else if (j > i && c[i][j] !== c[j][i])
        problems.push(
          `correlation[${i}][${j}] must equal correlation[${j}][${i}] (${c[j][i]}): the matrix is symmetric (received ${c[i][j]})`,
        );
    }
  }
  if (problems.length > before) return;
  const flat = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) flat[i * n + j] = c[i][j];
  const result = cholesky(flat, n);
  if (typeof result === "number") {
    problems.push(
      `correlation must be positive definite (its Cholesky factorisation fails at row ${result}: a market's returns cannot be those combinations of the others')`,
    );
  }
}
