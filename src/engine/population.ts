// The account population: drawn from the seed (or loaded from a file), then priced and sorted into the
// liquidation ladder. Depends only on the population, so it runs once per run (once per path with
// accounts.resample). Mirrored in assembly/accounts.ts.

import { DOMAIN, LEVERAGE_DIST, NOTIONAL_DIST, P } from "./layout.js";
import { bankruptcyPrice, conventionLiquidationPrice, tierIndex, type TierTable } from "./margin.js";
import { exp, log, normalInv } from "./mathfn.js";
import { philox, uniform32, uniform52 } from "./philox.js";
import type { AccountArrays, EngineSetup } from "./setup.js";

export interface Population extends AccountArrays {
  count: number;
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

export function allocatePopulation(count: number): Population {
  return {
    count,
    isLong: new Int32Array(count),
    size: new Float64Array(count),
    entry: new Float64Array(count),
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

/**
 * Draws population number `population` (0 for the run's shared one, path + 1 with resample):
 * side ~ Bernoulli(longShare), notional ~ Pareto(min, alpha) capped at max, leverage ~ lognormal
 * (median, sigma) capped at max and at the bracket's maximum leverage; everyone entered at the initial price.
 * Dynamic initial margin: with margin.openInterestScaling the leverage is also capped at 1 / (base + (1 − base)·f),
 * f from the population's total notional (a first pass over the same draws); with margin.sizePremium at
 * 1 / (imfFactor·√size) where that fraction exceeds the bracket's, base = 1 / the bracket's max leverage.
 */
export function drawPopulation(setup: EngineSetup, pop: Population, seedLo: number, seedHi: number, population: number): void {
  const p = setup.params;
  const price = p[P.initialPrice];
  const longShare = p[P.longShare];
  const levFixed = p[P.leverageDist] === LEVERAGE_DIST.fixed;
  const median = p[P.leverageMedian];
  const sigma = p[P.leverageSigma];
  const levMax = p[P.leverageMax];
  const notFixed = p[P.notionalDist] === NOTIONAL_DIST.fixed;
  const nMin = p[P.notionalMin];
  const invAlpha = 1 / p[P.notionalAlpha];
  const nMax = p[P.notionalMax];
  const sizeImf = p[P.sizeImf];
  const tiers = tierTable(setup);
  const w = new Uint32Array(4);
  const f = openInterestFraction(setup, pop.count, seedLo, seedHi, population, w);
  for (let i = 0; i < pop.count; i++) {
    philox(i, population, 0, DOMAIN.population, seedLo, seedHi, w);
    pop.isLong[i] = uniform32(w[0]) < longShare ? 1 : 0;
    let notional = notFixed ? nMin : nMin * exp(-log(uniform52(w[1], w[2])) * invAlpha);
    if (notional > nMax) notional = nMax;
    philox(i, population, 1, DOMAIN.population, seedLo, seedHi, w);
    let leverage = levFixed ? median : median * exp(sigma * normalInv(uniform52(w[0], w[1])));
    if (leverage > levMax) leverage = levMax;
    const bracketMax = setup.tierMaxLeverage[tierIndex(tiers, notional)];
    if (leverage > bracketMax) leverage = bracketMax;
    const size = notional / price;
    if (f > 0 || sizeImf > 0) {
      const base = 1 / bracketMax;
      if (f > 0) {
        const oiCap = 1 / (base + (1 - base) * f);
        if (leverage > oiCap) leverage = oiCap;
      }
      if (sizeImf > 0) {
        const imf = sizeImf * Math.sqrt(size);
        if (imf > base) {
          const sizeCap = 1 / imf;
          if (leverage > sizeCap) leverage = sizeCap;
        }
      }
    }
    pop.size[i] = size;
    pop.entry[i] = price;
    pop.collateral[i] = notional / leverage;
  }
}

/**
 * margin.openInterestScaling: f = clamp((OI − lowerCap) / (upperCap − lowerCap), 0, 1), OI the population's total
 * notional (its accounts' notional draws, in account order); 0 without the key.
 */
function openInterestFraction(setup: EngineSetup, n: number, seedLo: number, seedHi: number, population: number, w: Uint32Array): number {
  const p = setup.params;
  const upper = p[P.oiUpperCap];
  if (!(upper > 0)) return 0;
  const lower = p[P.oiLowerCap];
  const notFixed = p[P.notionalDist] === NOTIONAL_DIST.fixed;
  const nMin = p[P.notionalMin];
  const invAlpha = 1 / p[P.notionalAlpha];
  const nMax = p[P.notionalMax];
  let oi = 0;
  for (let i = 0; i < n; i++) {
    philox(i, population, 0, DOMAIN.population, seedLo, seedHi, w);
    let notional = notFixed ? nMin : nMin * exp(-log(uniform52(w[1], w[2])) * invAlpha);
    if (notional > nMax) notional = nMax;
    oi += notional;
  }
  const f = (oi - lower) / (upper - lower);
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

export function copyPopulation(accounts: AccountArrays, pop: Population): void {
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
