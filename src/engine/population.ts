// The account population: drawn from the seed (or loaded from a file), then priced and sorted into the
// liquidation ladder. Depends only on the population, so it runs once per run (once per path with
// accounts.resample). Mirrored in assembly/population.ts.

import { concentrateTop10 } from "./concentration.js";
import { DOMAIN, LEVERAGE_DIST, NOTIONAL_DIST, P } from "./layout.js";
import { bankruptcyPrice, conventionLiquidationPrice, tierIndex, type TierTable } from "./margin.js";
import { exp, log, normalInv } from "./mathfn.js";
import { philox, uniform32, uniform52 } from "./philox.js";
import { FLOW_STREAM, flowCounter } from "./flow.js";
import type { AccountArrays, EngineSetup } from "./setup.js";

export interface Population extends AccountArrays {
  /** The population's accounts, 0..count−1; the arrays hold `capacity` entries (accounts.flow's arrivals take the rest). */
  count: number;
  /** margin.openInterestScaling's f of this population's draw (0 from a file): arrivals are admitted with it too. */
  admitF: number;
  liq: Float64Array;
  bankrupt: Float64Array;
  /** Long accounts by liquidation price, highest first (ties: lower index first). */
  longOrder: Int32Array;
  longLiq: Float64Array;
  longCount: number;
  /** Short accounts by liquidation price, lowest first (ties: lower index first). */
  shortOrder: Int32Array;
  shortLiq: Float64Array;
  shortCount: number;
}

/** A population of `count` accounts with room for `capacity` (≥ count: the dormant slots of accounts.flow after it). */
export function allocatePopulation(count: number, capacity = count): Population {
  return {
    count,
    admitF: 0,
    isLong: new Int32Array(capacity),
    size: new Float64Array(count),
    entry: new Float64Array(capacity),
    collateral: new Float64Array(count),
    liq: new Float64Array(count),
    bankrupt: new Float64Array(count),
    longOrder: new Int32Array(count),
    longLiq: new Float64Array(count),
    longCount: 0,
    shortOrder: new Int32Array(count),
    shortLiq: new Float64Array(count),
    shortCount: 0,
  };
}

/** Entry draws per account before it enters at the initial price (philox counter words 2 + 2a, its survival 3 + 2a). */
export const ENTRY_ATTEMPTS = 64;

/**
 * Draws population number `population` (0 for the run's shared one, path + 1 with resample), in four passes:
 *
 * 1. Sides and notionals: side ~ Bernoulli(longShare), notional N ~ Pareto(min, alpha) capped at max: the position's
 *    value at the initial price P0 (what open interest counts). With accounts.hedgedShare the first 2·pairs accounts
 *    are hedged pairs (hedge mode, each leg isolated with its own collateral): leg 2j long, leg 2j + 1 short, both of
 *    leg 2j's notional (so of equal size).
 * 2. accounts.notional.top10Share: the ten largest notionals scaled to that share of the total (concentration.ts).
 * 3. margin.openInterestScaling: f from the total notional (below).
 * 4. Size q = N / P0; leverage ~ lognormal(median, sigma) capped at max; the entry e (below); then, at the entry
 *    notional q·e, the leverage is capped at its bracket's maximum leverage, and with dynamic initial margin at
 *    1 / (base + (1 − base)·f) (margin.openInterestScaling) and at 1 / (imfFactor·√q) where that fraction exceeds
 *    the bracket's (margin.sizePremium), base = 1 / the bracket's max leverage; collateral = q·e / leverage.
 *
 * Entries (accounts.entry; absent: e = P0 for everyone, bit for bit as before): the price at a time τ ~ U(0, H)
 * before the path starts, under the history GBM that ends at P0 with no drift in price, log(e / P0) = σ·√τ·Z −
 * σ²τ/2, Z ~ N(0, 1), so E[e] = P0 (v = σ²H in years is the setup's one parameter: σ²τ = v·u, u = τ/H). Each
 * account draws its own (τ, Z): entries are independent, the law of the price τ ago given the price now, rather
 * than points of one shared history path (which would make a whole run hinge on one draw of the recent trend).
 * Survivorship: a position opened τ ago is in the population only if the price did not cross its liquidation
 * price L on the way from e to P0. Given both ends, log price is a Brownian bridge of variance σ²τ, which stays
 * on its side of L with probability 1 − exp(−2·a·b / (σ²τ)), a = |log(e / L)|, b = |log(P0 / L)| (the bridge's
 * barrier formula): the draw is kept with that probability (0 when P0 is already across L) and redrawn otherwise;
 * a hedged pair keeps one entry for both legs, each leg's barrier drawn independently (the product slightly
 * overstates the pair's survival when both barriers are within reach). So the density of positions vanishes at
 * their liquidation price, as it does in a market that has been liquidating them all along. After ENTRY_ATTEMPTS
 * rejected draws the account enters at P0: τ = 0, the limit in which every position survives. L is the ladder's
 * liquidation price (the brackets, margin.maintenanceAt): under a margin.model whose requirement is above the
 * brackets' an account may still be liquidated in the first step.
 */
export function drawPopulation(
  setup: EngineSetup,
  pop: Population,
  seedLo: number,
  seedHi: number,
  population: number,
  domain: number = DOMAIN.population,
): void {
  const p = setup.params;
  const n = pop.count;
  const w = new Uint32Array(4);
  const pairs = p[P.hedgedPairs];
  drawNotionals(setup, pop, seedLo, seedHi, population, w, domain);
  if (p[P.top10Share] > 0) concentrateTop10(pop.size, n, p[P.top10Share], pairs);
  const admit: Admission = {
    tiers: tierTable(setup),
    maxLeverage: setup.tierMaxLeverage,
    f: openInterestFraction(setup, pop.size, n),
    sizeImf: p[P.sizeImf],
  };
  pop.admitF = admit.f;
  const price = p[P.initialPrice];
  const v = p[P.entryVariance];
  const atEntry = p[P.maintenanceAtEntry] === 1;
  for (let i = 0; i < n; i++) {
    const notional = pop.size[i];
    const size = notional / price;
    const raw = rawLeverage(setup, i, seedLo, seedHi, population, w, domain);
    if (!(v > 0)) {
      pop.size[i] = size;
      pop.entry[i] = price;
      pop.collateral[i] = notional / admitted(admit, raw, notional, size);
      continue;
    }
    // a hedged pair's legs share the entry: drawn once, at its long leg, for both
    const pair = i < 2 * pairs;
    const rawShort = pair ? rawLeverage(setup, i + 1, seedLo, seedHi, population, w, domain) : 0;
    const s = pop.isLong[i] === 1 ? 1 : -1;
    let entry = price;
    let c = notional / admitted(admit, raw, notional, size);
    let cShort = pair ? notional / admitted(admit, rawShort, notional, size) : 0;
    for (let a = 0; a < ENTRY_ATTEMPTS; a++) {
      philox(i, population, 2 + 2 * a, domain, seedLo, seedHi, w);
      const vu = v * uniform52(w[0], w[1]);
      const e = price * exp(Math.sqrt(vu) * normalInv(uniform52(w[2], w[3])) - 0.5 * vu);
      const entryNotional = size * e;
      const ce = entryNotional / admitted(admit, raw, entryNotional, size);
      const ceShort = pair ? entryNotional / admitted(admit, rawShort, entryNotional, size) : 0;
      // the survival draws: this account's (or the long leg's), then the short leg's
      philox(i, population, 3 + 2 * a, domain, seedLo, seedHi, w);
      if (!survives(admit.tiers, atEntry, s, size, e, ce, price, vu, uniform52(w[0], w[1]))) continue;
      if (pair && !survives(admit.tiers, atEntry, -1, size, e, ceShort, price, vu, uniform52(w[2], w[3]))) continue;
      entry = e;
      c = ce;
      cShort = ceShort;
      break;
    }
    pop.size[i] = size;
    pop.entry[i] = entry;
    pop.collateral[i] = c;
    if (pair) {
      i++;
      pop.size[i] = size;
      pop.entry[i] = entry;
      pop.collateral[i] = cShort;
    }
  }
}

/** Pass 1: sides into isLong, notionals at the initial price into size (the last pass turns them into sizes). */
function drawNotionals(
  setup: EngineSetup,
  pop: Population,
  seedLo: number,
  seedHi: number,
  population: number,
  w: Uint32Array,
  domain: number,
): void {
  const p = setup.params;
  const longShare = p[P.longShare];
  const notFixed = p[P.notionalDist] === NOTIONAL_DIST.fixed;
  const nMin = p[P.notionalMin];
  const invAlpha = 1 / p[P.notionalAlpha];
  const nMax = p[P.notionalMax];
  const legs = 2 * p[P.hedgedPairs];
  for (let i = 0; i < pop.count; i++) {
    if (i < legs && (i & 1) === 1) {
      // a hedged pair's short leg: its long leg's notional
      pop.isLong[i] = 0;
      pop.size[i] = pop.size[i - 1];
      continue;
    }
    philox(i, population, 0, domain, seedLo, seedHi, w);
    pop.isLong[i] = i < legs || uniform32(w[0]) < longShare ? 1 : 0;
    let notional = notFixed ? nMin : nMin * exp(-log(uniform52(w[1], w[2])) * invAlpha);
    if (notional > nMax) notional = nMax;
    pop.size[i] = notional;
  }
}

/** The leverage account i asks for, before any cap but accounts.leverage.max. */
function rawLeverage(
  setup: EngineSetup,
  i: number,
  seedLo: number,
  seedHi: number,
  population: number,
  w: Uint32Array,
  domain: number,
): number {
  const p = setup.params;
  philox(i, population, 1, domain, seedLo, seedHi, w);
  const median = p[P.leverageMedian];
  let leverage =
    p[P.leverageDist] === LEVERAGE_DIST.fixed ? median : median * exp(p[P.leverageSigma] * normalInv(uniform52(w[0], w[1])));
  if (leverage > p[P.leverageMax]) leverage = p[P.leverageMax];
  return leverage;
}

/** What admission reads: the brackets, their maximum leverage, the open-interest fraction f, the size premium. */
interface Admission {
  tiers: TierTable;
  maxLeverage: Float64Array;
  f: number;
  sizeImf: number;
}

/** The leverage a venue admits for a position of this entry notional and size (drawPopulation, pass 4). */
function admitted(admit: Admission, raw: number, entryNotional: number, size: number): number {
  let leverage = raw;
  const bracketMax = admit.maxLeverage[tierIndex(admit.tiers, entryNotional)];
  if (leverage > bracketMax) leverage = bracketMax;
  if (admit.f > 0 || admit.sizeImf > 0) {
    const base = 1 / bracketMax;
    if (admit.f > 0) {
      const oiCap = 1 / (base + (1 - base) * admit.f);
      if (leverage > oiCap) leverage = oiCap;
    }
    if (admit.sizeImf > 0) {
      const imf = admit.sizeImf * Math.sqrt(size);
      if (imf > base) {
        const sizeCap = 1 / imf;
        if (leverage > sizeCap) leverage = sizeCap;
      }
    }
  }
  return leverage;
}

/**
 * Whether a position entered at e, with variance vu of log price since, is still open at the initial price: P0 on
 * its side of the liquidation price L, and the bridge from e to P0 not across it (kept when draw < 1 − exp(−2ab/vu)).
 */
function survives(
  tiers: TierTable,
  atEntry: boolean,
  s: number,
  q: number,
  e: number,
  c: number,
  price: number,
  vu: number,
  draw: number,
): boolean {
  const lp = conventionLiquidationPrice(atEntry, tiers, s, q, e, c);
  if (s > 0 ? !(lp < price) : !(lp > price)) return false;
  if (s > 0 ? !(lp > 0) : lp === Infinity) return true; // never liquidated
  const a = s > 0 ? log(e / lp) : log(lp / e);
  const b = s > 0 ? log(price / lp) : log(lp / price);
  return draw < 1 - exp((-2 * a * b) / vu);
}

/**
 * margin.openInterestScaling: f = clamp((OI − lowerCap) / (upperCap − lowerCap), 0, 1), OI the population's total
 * notional (pass 1 and 2's notionals, summed in account order); 0 without the key.
 */
function openInterestFraction(setup: EngineSetup, notional: Float64Array, n: number): number {
  const p = setup.params;
  const upper = p[P.oiUpperCap];
  if (!(upper > 0)) return 0;
  const lower = p[P.oiLowerCap];
  let oi = 0;
  for (let i = 0; i < n; i++) oi += notional[i];
  const f = (oi - lower) / (upper - lower);
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

export function copyPopulation(accounts: AccountArrays, pop: Population): void {
  pop.admitF = 0;
  pop.isLong.set(accounts.isLong);
  pop.size.set(accounts.size);
  pop.entry.set(accounts.entry);
  pop.collateral.set(accounts.collateral);
}

export function tierTable(setup: EngineSetup): TierTable {
  return { floor: setup.tierFloor, mmr: setup.tierMmr, amount: setup.tierAmount };
}

/** Liquidation and bankruptcy prices, then the two sorted ladders. */
export function buildLadder(setup: EngineSetup, pop: Population): void {
  const tiers = tierTable(setup);
  const atEntry = setup.params[P.maintenanceAtEntry] === 1;
  let nl = 0;
  let ns = 0;
  for (let i = 0; i < pop.count; i++) {
    const s = pop.isLong[i] === 1 ? 1 : -1;
    pop.liq[i] = conventionLiquidationPrice(atEntry, tiers, s, pop.size[i], pop.entry[i], pop.collateral[i]);
    pop.bankrupt[i] = bankruptcyPrice(s, pop.size[i], pop.entry[i], pop.collateral[i]);
    if (s > 0) pop.longOrder[nl++] = i;
    else pop.shortOrder[ns++] = i;
  }
  const liq = pop.liq;
  const longs = Array.from(pop.longOrder.subarray(0, nl)).sort((a, b) => liq[b] - liq[a] || a - b);
  const shorts = Array.from(pop.shortOrder.subarray(0, ns)).sort((a, b) => liq[a] - liq[b] || a - b);
  for (let r = 0; r < nl; r++) {
    pop.longOrder[r] = longs[r];
    pop.longLiq[r] = liq[longs[r]];
  }
  for (let r = 0; r < ns; r++) {
    pop.shortOrder[r] = shorts[r];
    pop.shortLiq[r] = liq[shorts[r]];
  }
  pop.longCount = nl;
  pop.shortCount = ns;
}

/** An arrival's draws (accounts.flow, src/engine/flow.ts): its side, notional and leverage before the brackets' caps. */
export interface ArrivalDraw {
  long: boolean;
  notional: number;
  raw: number;
}

/**
 * Arrival k of step `step` in path `path`: side ~ Bernoulli(longShare), notional ~ Pareto(min, alpha) capped at max,
 * leverage ~ lognormal(median, sigma) capped at max, as pass 1 and 4 draw a generated account (flow counters instead of
 * the account's). Mirrored in assembly/population.ts drawArrival.
 */
export function drawArrival(
  setup: EngineSetup,
  k: number,
  path: number,
  step: number,
  seedLo: number,
  seedHi: number,
  w: Uint32Array,
  domain: number = DOMAIN.flow,
): ArrivalDraw {
  const p = setup.params;
  philox(flowCounter(FLOW_STREAM.arrivalSide, k), path, step, domain, seedLo, seedHi, w);
  const long = uniform32(w[0]) < p[P.longShare];
  const nMin = p[P.notionalMin];
  const invAlpha = 1 / p[P.notionalAlpha];
  let notional = p[P.notionalDist] === NOTIONAL_DIST.fixed ? nMin : nMin * exp(-log(uniform52(w[1], w[2])) * invAlpha);
  if (notional > p[P.notionalMax]) notional = p[P.notionalMax];
  philox(flowCounter(FLOW_STREAM.arrivalLeverage, k), path, step, domain, seedLo, seedHi, w);
  const median = p[P.leverageMedian];
  let raw =
    p[P.leverageDist] === LEVERAGE_DIST.fixed ? median : median * exp(p[P.leverageSigma] * normalInv(uniform52(w[0], w[1])));
  if (raw > p[P.leverageMax]) raw = p[P.leverageMax];
  return { long, notional, raw };
}

/** The leverage an arrival is admitted at, at its entry notional and size (the population's admission, with its f). */
export function admitArrival(
  setup: EngineSetup,
  tiers: TierTable,
  f: number,
  raw: number,
  entryNotional: number,
  size: number,
): number {
  return admitted({ tiers, maxLeverage: setup.tierMaxLeverage, f, sizeImf: setup.params[P.sizeImf] }, raw, entryNotional, size);
}
