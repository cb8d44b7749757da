// The flat numeric setup of a portfolio scenario: markets, collateral assets, their books, tiers, shocks and
// the accounts (legs and deposits in compressed rows), all typed arrays, so the engine (and a later WASM port)
// reads numbers only. The population is drawn here, once per run, from the seed.
import { exp, log, normalInv } from "../engine/mathfn.js";
import { philox, uniform32, uniform52 } from "../engine/philox.js";
import { SECONDS_PER_YEAR } from "../engine/layout.js";
import { cholesky } from "../config/cholesky.js";
import type { PortfolioScenario } from "./schema.js";

/**
 * Philox counter word 3 of the portfolio engine's draws: distinct from the single-market engine's domains
 * (0 market, 1 population, 2 adl) so that no stream is shared with it.
 */
export const PF_DOMAIN = { returns: 0x50460001, population: 0x50460002 } as const;

export interface PortfolioSetup {
  steps: number;
  feeRate: number;
  maxRounds: number;
  insurance: number;
  /** Markets M, collateral assets A, books B (the markets' books 0..M−1, then one per venue-book asset). */
  marketCount: number;
  assetCount: number;
  bookCount: number;
  /** Lower-triangular Cholesky factor of the correlation matrix, row-major M×M. */
  chol: Float64Array;
  /**
   * Price processes: index p < M is market p, index M + a is asset a. Per step the log-return is
   * drift[p] + diffusion[p]·x with x a (correlated, for markets) standard normal; shock[p·(steps+1) + t]
   * is the simple-return shock at step t.
   */
  drift: Float64Array;
  diffusion: Float64Array;
  shock: Float64Array;
  initialPrice: Float64Array;
  /** Per book: tick, levels, its offset into the per-level arrays (a block of levels + 2), mark model (1 mid, 0 last). */
  tick: Float64Array;
  levels: Int32Array;
  offset: Int32Array;
  markMid: Uint8Array;
  /** Which process moves book b's fundamental (a market index, or M + asset index). */
  bookProcess: Int32Array;
  /** (1 − resilience)^d for book b at decay[b·(steps+1) + d]. */
  decay: Float64Array;
  /** Depth per level of each book (level k of book b at offset[b] + k; the same profile both sides). */
  profile: Float64Array;
  /** Per market: its tiers in [tierStart[m], tierStart[m+1]). */
  tierStart: Int32Array;
  tierFloor: Float64Array;
  tierMmr: Float64Array;
  tierAmount: Float64Array;
  /** Per asset: haircut, the book it is marked at (−1: external price). */
  haircut: Float64Array;
  assetBook: Int32Array;
  /** Accounts: legs of account i in [legStart[i], legStart[i+1]), deposits in [depStart[i], depStart[i+1]). */
  accountCount: number;
  legStart: Int32Array;
  legMarket: Int32Array;
  /** +1 long, −1 short */
  legSide: Float64Array;
  legSize: Float64Array;
  legEntry: Float64Array;
  depStart: Int32Array;
  depAsset: Int32Array;
  depAmount: Float64Array;
  depArrives: Int32Array;
}

/** The book's centre tick for a fundamental: the best bid's tick (the epsilon absorbs decimal ticks' error). */
export function centreTick(fundamental: number, tick: number): number {
  return Math.floor(fundamental / tick + 1e-7);
}

/** The mid of a book at its initial price with both touches at level 1: the entry of a leg that names none. */
export function initialMid(initialPrice: number, tick: number): number {
  return (centreTick(initialPrice, tick) + 0.5) * tick;
}

export function buildPortfolioSetup(s: PortfolioScenario): PortfolioSetup {
  const M = s.markets.length;
  const A = s.collateral.assets.length;
  const steps = s.steps;
  const dt = s.stepSeconds / SECONDS_PER_YEAR;
  const sqrtDt = Math.sqrt(dt);

  const flat = new Float64Array(M * M);
  for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) flat[i * M + j] = s.correlation[i][j];
  const chol = cholesky(flat, M);
  if (typeof chol === "number")
    throw new Error(`correlation is not positive definite (row ${chol}): resolve the scenario with loadPortfolioScenario`);

  const P = M + A;
  const drift = new Float64Array(P);
  const diffusion = new Float64Array(P);
  const shock = new Float64Array(P * (steps + 1));
  const initialPrice = new Float64Array(P);
  const setShocks = (p: number, shocks: { step: number; return: number }[]) => {
    for (const sh of shocks) {
      const at = p * (steps + 1) + sh.step;
      shock[at] = (1 + shock[at]) * (1 + sh.return) - 1;
    }
  };
  s.markets.forEach((m, i) => {
    drift[i] = -0.5 * m.volatility * m.volatility * dt;
    diffusion[i] = m.volatility * sqrtDt;
    initialPrice[i] = m.initialPrice;
    setShocks(i, m.shocks);
  });
  s.collateral.assets.forEach((a, i) => {
    drift[M + i] = -0.5 * a.price.volatility * a.price.volatility * dt;
    diffusion[M + i] = a.price.volatility * sqrtDt;
    initialPrice[M + i] = a.price.initialPrice;
    setShocks(M + i, a.price.shocks);
  });

  // books: the markets', then one per venue-book asset
  interface BookSpec {
    tick: number;
    levels: number;
    mid: boolean;
    process: number;
    resilience: number;
    profile: "flat" | "exponential";
    size: number;
    decayTicks: number;
  }
  const specs: BookSpec[] = s.markets.map((m, i) => ({
    tick: m.tickSize,
    levels: m.book.levels,
    mid: m.mark === "mid",
    process: i,
    resilience: m.book.resilience,
    profile: m.book.depth.profile,
    size: m.book.depth.size,
    decayTicks: m.book.depth.decayTicks,
  }));
  const assetBook = new Int32Array(A).fill(-1);
  const haircut = new Float64Array(A);
  s.collateral.assets.forEach((a, i) => {
    haircut[i] = a.haircut;
    if (a.price.model !== "venue-book") return;
    const book = a.price.book!;
    assetBook[i] = specs.length;
    specs.push({
      tick: a.price.tickSize!,
      levels: book.levels,
      mid: a.price.mark === "mid",
      process: M + i,
      resilience: book.resilience,
      profile: book.depth.profile,
      size: book.depth.size,
      decayTicks: book.depth.decayTicks,
    });
  });
  const B = specs.length;
  const tick = Float64Array.from(specs, (b) => b.tick);
  const levels = Int32Array.from(specs, (b) => b.levels);
  const markMid = Uint8Array.from(specs, (b) => (b.mid ? 1 : 0));
  const bookProcess = Int32Array.from(specs, (b) => b.process);
  const offset = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) offset[b + 1] = offset[b] + specs[b].levels + 2;
  const profile = new Float64Array(offset[B]);
  const decay = new Float64Array(B * (steps + 1));
  specs.forEach((spec, b) => {
    for (let k = 1; k <= spec.levels; k++) {
      profile[offset[b] + k] = spec.profile === "flat" ? spec.size : spec.size * exp(-(k - 1) / spec.decayTicks);
    }
    const keep = 1 - spec.resilience;
    decay[b * (steps + 1)] = 1;
    for (let d = 1; d <= steps; d++) decay[b * (steps + 1) + d] = decay[b * (steps + 1) + d - 1] * keep;
  });

  const tierStart = new Int32Array(M + 1);
  s.markets.forEach((m, i) => (tierStart[i + 1] = tierStart[i] + m.tiers.length));
  const tiers = s.markets.flatMap((m) => m.tiers);
  const tierFloor = Float64Array.from(tiers, (t) => t.floor);
  const tierMmr = Float64Array.from(tiers, (t) => t.mmr);
  const tierAmount = Float64Array.from(tiers, (t) => t.maintenanceAmount);

  const accounts = drawAccounts(s);
  return {
    steps,
    feeRate: s.liquidation.feeRate,
    maxRounds: s.liquidation.maxRoundsPerStep,
    insurance: s.insurance.initialBalance,
    marketCount: M,
    assetCount: A,
    bookCount: B,
    chol,
    drift,
    diffusion,
    shock,
    initialPrice,
    tick,
    levels,
    offset,
    markMid,
    bookProcess,
    decay,
    profile,
    tierStart,
    tierFloor,
    tierMmr,
    tierAmount,
    haircut,
    assetBook,
    ...accounts,
  };
}

/**
 * The accounts: the explicit list first (in its order), then the generated population. A generated account
 * draws a total notional (Pareto) and a leverage (lognormal), both capped; its legsPerAccount legs sit in
 * consecutive markets from a random first one, each with an equal share of the notional, long with
 * probability longShare, entered at the market's initial mid; its collateral value notional / leverage is
 * split across assets by the mix's shares, in units at each asset's initial price.
 */
function drawAccounts(s: PortfolioScenario) {
  const M = s.markets.length;
  const marketIndex = new Map(s.markets.map((m, i) => [m.name, i]));
  const assetIndex = new Map(s.collateral.assets.map((a, i) => [a.name, i]));
  const mids = s.markets.map((m) => initialMid(m.initialPrice, m.tickSize));
  const legMarket: number[] = [];
  const legSide: number[] = [];
  const legSize: number[] = [];
  const legEntry: number[] = [];
  const depAsset: number[] = [];
  const depAmount: number[] = [];
  const depArrives: number[] = [];
  const legStart = [0];
  const depStart = [0];
  for (const acc of s.accounts.list) {
    for (const leg of acc.legs) {
      const m = marketIndex.get(leg.market)!;
      legMarket.push(m);
      legSide.push(leg.side === "long" ? 1 : -1);
      legSize.push(leg.size);
      legEntry.push(leg.entryPrice ?? mids[m]);
    }
    for (const dep of acc.collateral) {
      depAsset.push(assetIndex.get(dep.asset)!);
      depAmount.push(dep.amount);
      depArrives.push(dep.arrivesAtStep);
    }
    legStart.push(legMarket.length);
    depStart.push(depAsset.length);
  }
  const g = s.accounts.generated;
  if (g) {
    const [seedLo, seedHi] = seedWords(s.seed);
    const w = new Uint32Array(4);
    const k = g.legsPerAccount;
    const invAlpha = 1 / g.notional.alpha;
    for (let i = 0; i < g.count; i++) {
      philox(i, 0, 0, PF_DOMAIN.population, seedLo, seedHi, w);
      let first = Math.floor(uniform32(w[0]) * M);
      if (first >= M) first = M - 1;
      let notional = g.notional.dist === "fixed" ? g.notional.min : g.notional.min * exp(-log(uniform52(w[1], w[2])) * invAlpha);
      if (notional > g.notional.max) notional = g.notional.max;
      philox(i, 0, 1, PF_DOMAIN.population, seedLo, seedHi, w);
      let leverage =
        g.leverage.dist === "fixed"
          ? g.leverage.median
          : g.leverage.median * exp(g.leverage.sigma * normalInv(uniform52(w[0], w[1])));
      if (leverage > g.leverage.max) leverage = g.leverage.max;
      const legNotional = notional / k;
      for (let j = 0; j < k; j++) {
        const m = (first + j) % M;
        philox(i, j, 2, PF_DOMAIN.population, seedLo, seedHi, w);
        legMarket.push(m);
        legSide.push(uniform32(w[0]) < g.longShare ? 1 : -1);
        legSize.push(legNotional / mids[m]);
        legEntry.push(mids[m]);
      }
      const value = notional / leverage;
      for (const mix of g.collateralMix) {
        const a = assetIndex.get(mix.asset)!;
        depAsset.push(a);
        depAmount.push((value * mix.share) / s.collateral.assets[a].price.initialPrice);
        depArrives.push(mix.arrivesAtStep);
      }
      legStart.push(legMarket.length);
      depStart.push(depAsset.length);
    }
  }
  return {
    accountCount: legStart.length - 1,
    legStart: Int32Array.from(legStart),
    legMarket: Int32Array.from(legMarket),
    legSide: Float64Array.from(legSide),
    legSize: Float64Array.from(legSize),
    legEntry: Float64Array.from(legEntry),
    depStart: Int32Array.from(depStart),
    depAsset: Int32Array.from(depAsset),
    depAmount: Float64Array.from(depAmount),
    depArrives: Int32Array.from(depArrives),
  };
}

/** The master seed as the generator's two key words (as src/mc/seed.ts). */
export function seedWords(seed: number): [number, number] {
  return [(seed % 4294967296) >>> 0, Math.floor(seed / 4294967296) >>> 0];
}
