// The account population: drawn from the seed (or written by the host from a positions file), then
// priced and sorted into the liquidation ladder. Same draws and arithmetic as src/engine/population.ts.
import {
  DIST_FIXED, DOMAIN_POPULATION, P_ACCOUNTS, P_INITIAL_PRICE, P_LEVERAGE_DIST, P_LEVERAGE_MAX,
  P_LEVERAGE_MEDIAN, P_LEVERAGE_SIGMA, P_LONG_SHARE, P_NOTIONAL_ALPHA, P_NOTIONAL_DIST, P_NOTIONAL_MAX,
  P_NOTIONAL_MIN, P_OI_LOWER_CAP, P_OI_UPPER_CAP, P_SIZE_IMF, P_TIER_COUNT,
  P_MAINTENANCE_AT_ENTRY,
} from "./abi";
import { bankruptcyPrice, conventionLiquidationPrice, tierIndex } from "./margin";
import { exp, log, normalInv } from "./mathfn";
import { philox, rng0, rng1, rng2, uniform32, uniform52 } from "./rng";
import {
  LADDER_STRIDE, L_COLL, L_ENTRY, L_DEAD, L_HINT, L_ID, L_LIQ, L_SIZE, accBankrupt, accCollateral, accEntry, accIsLong, accLiq,
  accSize, accLadderPos, base, ladder, longLiq, longOrder, params, setLadderCounts, shortLiq, shortOrder,
  tierMaxLeverage,
} from "./state";
import { sortPairs } from "./sort";
import { invalidateHints } from "./adl";
import { scanInputsStale } from "./bench";

export function drawPopulation(seedLo: u32, seedHi: u32, population: u32): void {
  const n = <i32>unchecked(params[P_ACCOUNTS]);
  const price = unchecked(params[P_INITIAL_PRICE]);
  const longShare = unchecked(params[P_LONG_SHARE]);
  const levFixed = unchecked(params[P_LEVERAGE_DIST]) == DIST_FIXED;
  const median = unchecked(params[P_LEVERAGE_MEDIAN]);
  const sigma = unchecked(params[P_LEVERAGE_SIGMA]);
  const levMax = unchecked(params[P_LEVERAGE_MAX]);
  const notFixed = unchecked(params[P_NOTIONAL_DIST]) == DIST_FIXED;
  const nMin = unchecked(params[P_NOTIONAL_MIN]);
  const invAlpha = 1 / unchecked(params[P_NOTIONAL_ALPHA]);
  const nMax = unchecked(params[P_NOTIONAL_MAX]);
  const sizeImf = unchecked(params[P_SIZE_IMF]);
  const tiers = <i32>unchecked(params[P_TIER_COUNT]);
  const f = openInterestFraction(n, seedLo, seedHi, population);
  for (let i = 0; i < n; i++) {
    philox(<u32>i, population, 0, DOMAIN_POPULATION, seedLo, seedHi);
    unchecked((accIsLong[i] = uniform32(rng0) < longShare ? 1 : 0));
    let notional = notFixed ? nMin : nMin * exp(-log(uniform52(rng1, rng2)) * invAlpha);
    if (notional > nMax) notional = nMax;
    philox(<u32>i, population, 1, DOMAIN_POPULATION, seedLo, seedHi);
    let leverage = levFixed ? median : median * exp(sigma * normalInv(uniform52(rng0, rng1)));
    if (leverage > levMax) leverage = levMax;
    const bracketMax = unchecked(tierMaxLeverage[tierIndex(tiers, notional)]);
    if (leverage > bracketMax) leverage = bracketMax;
    const size = notional / price;
    // dynamic initial margin: open-interest scaling, then the size premium where it exceeds the bracket's fraction
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
    unchecked((accSize[i] = size));
    unchecked((accEntry[i] = price));
    unchecked((accCollateral[i] = notional / leverage));
  }
}

/**
 * margin.openInterestScaling: f = clamp((OI − lowerCap) / (upperCap − lowerCap), 0, 1), OI the population's total
 * notional (its accounts' notional draws, in account order); 0 without the key.
 */
function openInterestFraction(n: i32, seedLo: u32, seedHi: u32, population: u32): f64 {
  const upper = unchecked(params[P_OI_UPPER_CAP]);
  if (!(upper > 0)) return 0;
  const lower = unchecked(params[P_OI_LOWER_CAP]);
  const notFixed = unchecked(params[P_NOTIONAL_DIST]) == DIST_FIXED;
  const nMin = unchecked(params[P_NOTIONAL_MIN]);
  const invAlpha = 1 / unchecked(params[P_NOTIONAL_ALPHA]);
  const nMax = unchecked(params[P_NOTIONAL_MAX]);
  let oi: f64 = 0;
  for (let i = 0; i < n; i++) {
    philox(<u32>i, population, 0, DOMAIN_POPULATION, seedLo, seedHi);
    let notional = notFixed ? nMin : nMin * exp(-log(uniform52(rng1, rng2)) * invAlpha);
    if (notional > nMax) notional = nMax;
    oi += notional;
  }
  const f = (oi - lower) / (upper - lower);
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

/** The ladder's records from position `first`, in ladder order: what a cascade round reads, contiguously. */
function fillLadder(order: StaticArray<i32>, liq: StaticArray<f64>, n: i32, first: i32): void {
  let at = base(ladder) + <usize>first * LADDER_STRIDE;
  for (let r = 0; r < n; r++) {
    const i = unchecked(order[r]);
    store<f64>(at, unchecked(liq[r]), L_LIQ);
    store<f64>(at, unchecked(accSize[i]), L_SIZE);
    store<f64>(at, unchecked(accEntry[i]), L_ENTRY);
    store<f64>(at, unchecked(accCollateral[i]), L_COLL);
    store<i32>(at, i, L_ID);
    store<i32>(at, 0, L_DEAD);
    store<i32>(at, 0, L_HINT);
    unchecked((accLadderPos[i] = first + r));
    at += LADDER_STRIDE;
  }
}

/** Liquidation and bankruptcy prices, then longs sorted by liquidation price descending, shorts ascending. */
export function buildLadder(): void {
  const n = <i32>unchecked(params[P_ACCOUNTS]);
  const tiers = <i32>unchecked(params[P_TIER_COUNT]);
  const atEntry = unchecked(params[P_MAINTENANCE_AT_ENTRY]) == 1;
  let nl = 0;
  let ns = 0;
  for (let i = 0; i < n; i++) {
    const s: f64 = unchecked(accIsLong[i]) == 1 ? 1 : -1;
    const q = unchecked(accSize[i]);
    const e = unchecked(accEntry[i]);
    const c = unchecked(accCollateral[i]);
    const lp = conventionLiquidationPrice(atEntry, tiers, s, q, e, c);
    unchecked((accLiq[i] = lp));
    unchecked((accBankrupt[i] = bankruptcyPrice(s, q, e, c)));
    if (s > 0) {
      unchecked((longOrder[nl] = i));
      unchecked((longLiq[nl] = lp));
      nl++;
    } else {
      unchecked((shortOrder[ns] = i));
      unchecked((shortLiq[ns] = lp));
      ns++;
    }
  }
  sortPairs(longLiq, longOrder, nl, true);
  sortPairs(shortLiq, shortOrder, ns, false);
  fillLadder(longOrder, longLiq, nl, 0);
  fillLadder(shortOrder, shortLiq, ns, nl);
  setLadderCounts(nl, ns);
  invalidateHints();
  scanInputsStale();
}
