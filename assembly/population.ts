// The account population: drawn from the seed (or written by the host from a positions file), then
// priced and sorted into the liquidation ladder. Same draws and arithmetic as src/engine/population.ts, which
// documents the model (four passes: sides and notionals, the top-10 share, open-interest scaling, entries and
// leverage).
import {
  DIST_FIXED, DOMAIN_POPULATION, P_ACCOUNTS, P_ENTRY_VARIANCE, P_HEDGED_PAIRS, P_INITIAL_PRICE, P_LEVERAGE_DIST,
  P_LEVERAGE_MAX, P_LEVERAGE_MEDIAN, P_LEVERAGE_SIGMA, P_LONG_SHARE, P_NOTIONAL_ALPHA, P_NOTIONAL_DIST,
  P_NOTIONAL_MAX, P_NOTIONAL_MIN, P_OI_LOWER_CAP, P_OI_UPPER_CAP, P_SIZE_IMF, P_TIER_COUNT, P_TOP10_SHARE,
  P_MAINTENANCE_AT_ENTRY, DOMAIN_FLOW, FLOW_ARRIVAL_LEVERAGE, FLOW_ARRIVAL_SIDE, P_FLOW_POOL,
} from "./abi";
import { concentrateTop10 } from "./concentration";
import { bankruptcyPrice, conventionLiquidationPrice, tierIndex } from "./margin";
import { exp, log, normalInv } from "./mathfn";
import { flowCounter, philox, rng0, rng1, rng2, rng3, uniform32, uniform52 } from "./rng";
import {
  LADDER_STRIDE, L_COLL, L_ENTRY, L_DEAD, L_ID, L_LIQ, L_SIZE, accBankrupt, accCollateral, accEntry, accIsLong, accLiq,
  accSize, accLadderPos, base, ladder, longLiq, longOrder, params, setLadderCounts, shortLiq, shortOrder,
  tierMaxLeverage,
} from "./state";
import { sortPairs } from "./sort";
import { marketDomain, populationChanged } from "./path-state";
import { scanInputsStale } from "./bench";

/** Entry draws per account before it enters at the initial price (as ENTRY_ATTEMPTS in src/engine/population.ts). */
const ENTRY_ATTEMPTS: u32 = 64;

// admission's inputs for the population being drawn (set once per draw)
let admitF: f64 = 0;
let admitSizeImf: f64 = 0;
let admitTiers: i32 = 0;

export function drawPopulation(seedLo: u32, seedHi: u32, population: u32): void {
  const n = <i32>unchecked(params[P_ACCOUNTS]);
  const pairs = <i32>unchecked(params[P_HEDGED_PAIRS]);
  drawNotionals(n, pairs, seedLo, seedHi, population);
  const share = unchecked(params[P_TOP10_SHARE]);
  if (share > 0) concentrateTop10(accSize, n, share, pairs);
  admitF = openInterestFraction(n);
  admitSizeImf = unchecked(params[P_SIZE_IMF]);
  admitTiers = <i32>unchecked(params[P_TIER_COUNT]);
  const price = unchecked(params[P_INITIAL_PRICE]);
  const v = unchecked(params[P_ENTRY_VARIANCE]);
  const atEntry = unchecked(params[P_MAINTENANCE_AT_ENTRY]) == 1;
  for (let i = 0; i < n; i++) {
    const notional = unchecked(accSize[i]);
    const size = notional / price;
    const raw = rawLeverage(i, seedLo, seedHi, population);
    if (!(v > 0)) {
      unchecked((accSize[i] = size));
      unchecked((accEntry[i] = price));
      unchecked((accCollateral[i] = notional / admitted(raw, notional, size)));
      continue;
    }
    // a hedged pair's legs share the entry: drawn once, at its long leg, for both
    const pair = i < 2 * pairs;
    const rawShort: f64 = pair ? rawLeverage(i + 1, seedLo, seedHi, population) : 0;
    const s: f64 = unchecked(accIsLong[i]) == 1 ? 1 : -1;
    let entry = price;
    let c = notional / admitted(raw, notional, size);
    let cShort: f64 = pair ? notional / admitted(rawShort, notional, size) : 0;
    for (let a: u32 = 0; a < ENTRY_ATTEMPTS; a++) {
      philox(<u32>i, population, 2 + 2 * a, DOMAIN_POPULATION + marketDomain, seedLo, seedHi);
      const vu = v * uniform52(rng0, rng1);
      const e = price * exp(Math.sqrt(vu) * normalInv(uniform52(rng2, rng3)) - 0.5 * vu);
      const entryNotional = size * e;
      const ce = entryNotional / admitted(raw, entryNotional, size);
      const ceShort: f64 = pair ? entryNotional / admitted(rawShort, entryNotional, size) : 0;
      // the survival draws: this account's (or the long leg's), then the short leg's
      philox(<u32>i, population, 3 + 2 * a, DOMAIN_POPULATION + marketDomain, seedLo, seedHi);
      const drawShort = uniform52(rng2, rng3);
      if (!survives(atEntry, s, size, e, ce, price, vu, uniform52(rng0, rng1))) continue;
      if (pair && !survives(atEntry, -1, size, e, ceShort, price, vu, drawShort)) continue;
      entry = e;
      c = ce;
      cShort = ceShort;
      break;
    }
    unchecked((accSize[i] = size));
    unchecked((accEntry[i] = entry));
    unchecked((accCollateral[i] = c));
    if (pair) {
      i++;
      unchecked((accSize[i] = size));
      unchecked((accEntry[i] = entry));
      unchecked((accCollateral[i] = cShort));
    }
  }
}

/** A positions file: no draw, and the arrivals of accounts.flow are admitted with no open-interest scaling. */
export function fileAdmission(): void {
  admitF = 0;
}

// accounts.flow's arrival being opened (assembly/flow.ts): its side, notional and leverage before the brackets' caps
export let arrivalLong = false;
export let arrivalNotional: f64 = 0;
export let arrivalRaw: f64 = 0;

/** Arrival k of step `step` in path `path`: a generated account's draws on flow counters (population.ts drawArrival). */
export function drawArrival(k: u32, path: u32, step: u32, seedLo: u32, seedHi: u32): void {
  philox(flowCounter(FLOW_ARRIVAL_SIDE, k), path, step, DOMAIN_FLOW + marketDomain, seedLo, seedHi);
  arrivalLong = uniform32(rng0) < unchecked(params[P_LONG_SHARE]);
  const nMin = unchecked(params[P_NOTIONAL_MIN]);
  const invAlpha = 1 / unchecked(params[P_NOTIONAL_ALPHA]);
  let notional = unchecked(params[P_NOTIONAL_DIST]) == DIST_FIXED ? nMin : nMin * exp(-log(uniform52(rng1, rng2)) * invAlpha);
  const nMax = unchecked(params[P_NOTIONAL_MAX]);
  if (notional > nMax) notional = nMax;
  arrivalNotional = notional;
  philox(flowCounter(FLOW_ARRIVAL_LEVERAGE, k), path, step, DOMAIN_FLOW + marketDomain, seedLo, seedHi);
  const median = unchecked(params[P_LEVERAGE_MEDIAN]);
  let raw = unchecked(params[P_LEVERAGE_DIST]) == DIST_FIXED
    ? median
    : median * exp(unchecked(params[P_LEVERAGE_SIGMA]) * normalInv(uniform52(rng0, rng1)));
  const levMax = unchecked(params[P_LEVERAGE_MAX]);
  if (raw > levMax) raw = levMax;
  arrivalRaw = raw;
}

/** The leverage an arrival is admitted at: the population's admission, with the population's open-interest f. */
export function admitArrival(raw: f64, entryNotional: f64, size: f64): f64 {
  admitSizeImf = unchecked(params[P_SIZE_IMF]);
  admitTiers = <i32>unchecked(params[P_TIER_COUNT]);
  return admitted(raw, entryNotional, size);
}

/** Pass 1: sides into accIsLong, notionals at the initial price into accSize (the last pass turns them into sizes). */
function drawNotionals(n: i32, pairs: i32, seedLo: u32, seedHi: u32, population: u32): void {
  const longShare = unchecked(params[P_LONG_SHARE]);
  const notFixed = unchecked(params[P_NOTIONAL_DIST]) == DIST_FIXED;
  const nMin = unchecked(params[P_NOTIONAL_MIN]);
  const invAlpha = 1 / unchecked(params[P_NOTIONAL_ALPHA]);
  const nMax = unchecked(params[P_NOTIONAL_MAX]);
  const legs = 2 * pairs;
  for (let i = 0; i < n; i++) {
    if (i < legs && (i & 1) == 1) {
      // a hedged pair's short leg: its long leg's notional
      unchecked((accIsLong[i] = 0));
      unchecked((accSize[i] = accSize[i - 1]));
      continue;
    }
    philox(<u32>i, population, 0, DOMAIN_POPULATION + marketDomain, seedLo, seedHi);
    unchecked((accIsLong[i] = i < legs || uniform32(rng0) < longShare ? 1 : 0));
    let notional = notFixed ? nMin : nMin * exp(-log(uniform52(rng1, rng2)) * invAlpha);
    if (notional > nMax) notional = nMax;
    unchecked((accSize[i] = notional));
  }
}

/** The leverage account i asks for, before any cap but accounts.leverage.max. */
function rawLeverage(i: i32, seedLo: u32, seedHi: u32, population: u32): f64 {
  philox(<u32>i, population, 1, DOMAIN_POPULATION + marketDomain, seedLo, seedHi);
  const median = unchecked(params[P_LEVERAGE_MEDIAN]);
  let leverage = unchecked(params[P_LEVERAGE_DIST]) == DIST_FIXED
    ? median
    : median * exp(unchecked(params[P_LEVERAGE_SIGMA]) * normalInv(uniform52(rng0, rng1)));
  const levMax = unchecked(params[P_LEVERAGE_MAX]);
  if (leverage > levMax) leverage = levMax;
  return leverage;
}

/** The leverage a venue admits for a position of this entry notional and size (bracket, then dynamic initial margin). */
function admitted(raw: f64, entryNotional: f64, size: f64): f64 {
  let leverage = raw;
  const bracketMax = unchecked(tierMaxLeverage[tierIndex(admitTiers, entryNotional)]);
  if (leverage > bracketMax) leverage = bracketMax;
  if (admitF > 0 || admitSizeImf > 0) {
    const base = 1 / bracketMax;
    if (admitF > 0) {
      const oiCap = 1 / (base + (1 - base) * admitF);
      if (leverage > oiCap) leverage = oiCap;
    }
    if (admitSizeImf > 0) {
      const imf = admitSizeImf * Math.sqrt(size);
      if (imf > base) {
        const sizeCap = 1 / imf;
        if (leverage > sizeCap) leverage = sizeCap;
      }
    }
  }
  return leverage;
}

/** Whether a position entered at e (variance vu of log price since) is still open at the initial price (population.ts). */
function survives(atEntry: bool, s: f64, q: f64, e: f64, c: f64, price: f64, vu: f64, draw: f64): bool {
  const lp = conventionLiquidationPrice(atEntry, admitTiers, s, q, e, c);
  if (s > 0 ? !(lp < price) : !(lp > price)) return false;
  if (s > 0 ? !(lp > 0) : lp == Infinity) return true; // never liquidated
  const a = s > 0 ? log(e / lp) : log(lp / e);
  const b = s > 0 ? log(price / lp) : log(lp / price);
  return draw < 1 - exp((-2 * a * b) / vu);
}

/**
 * margin.openInterestScaling: f = clamp((OI − lowerCap) / (upperCap − lowerCap), 0, 1), OI the population's total
 * notional (pass 1 and 2's notionals in accSize, summed in account order); 0 without the key.
 */
function openInterestFraction(n: i32): f64 {
  const upper = unchecked(params[P_OI_UPPER_CAP]);
  if (!(upper > 0)) return 0;
  const lower = unchecked(params[P_OI_LOWER_CAP]);
  let oi: f64 = 0;
  for (let i = 0; i < n; i++) oi += unchecked(accSize[i]);
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
  // accounts.flow's dormant slots: rungs past both ladders (no round walks them), for their closed flag and cash
  const pool = <i32>unchecked(params[P_FLOW_POOL]);
  let at = base(ladder) + <usize>n * LADDER_STRIDE;
  for (let i = n; i < n + pool; i++) {
    store<i32>(at, i, L_ID);
    store<i32>(at, 0, L_DEAD);
    unchecked((accLadderPos[i] = i));
    at += LADDER_STRIDE;
  }
  setLadderCounts(nl, ns);
  populationChanged();
  scanInputsStale();
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<f64>(b, admitF, 0);
  store<f64>(b, admitSizeImf, 8);
  store<i32>(b, admitTiers, 16);
}
export function loadContext(b: usize): void {
  admitF = load<f64>(b, 0);
  admitSizeImf = load<f64>(b, 8);
  admitTiers = load<i32>(b, 16);
}
