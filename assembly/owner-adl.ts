// The cross-margin owners' legs as counterparties of a market's ADL (issue #14; src/engine/owner-adl.ts and the
// reference's cross-margin.ts legsIn are the twin): a profitable leg of the ranked side in the market being allocated
// is ranked after the market's accounts (id LEG_ID_BASE + its index), closed against a bankrupt remainder or a deficit
// as an account is, and takes its share of a socialized deficit. adl.ts holds these as hooks (bind(), once per run:
// it cannot import the owners); loss-allocation.ts calls transfer() directly. The owners' state stays
// assembly/cross-margin.ts's: what ADL changes goes through its takeProfit and haircutOwner.
import { ADL_HYPERLIQUID, ADL_RANDOM, DOMAIN_ADL } from "./abi";
import * as adl from "./adl";
import * as book from "./book";
import { closed, eq, haircutOwner, legEntry, legMarket, legOpen, legQ, legSide, legStart, measure, takeProfit } from "./cross-margin";
import * as L from "./ledger";
import { current, marketCount, select } from "./market-context";
import * as PS from "./path-state";
import { philox, rng0, rng1, uniform52 } from "./rng";
import * as state from "./state";
import * as T from "./trace";

/** A leg's id in an ADL ranking: LEG_ID_BASE + its global index (2^30: above any account index). */
export const LEG_ID_BASE: i32 = 1 << 30;

// ---- the venue's, once per run (bind) ----
/** Per market, its legs (global index ascending) at marketLegs[marketLegStart[m] .. marketLegStart[m + 1]]. */
let marketLegStart = new StaticArray<i32>(0);
let marketLegs = new StaticArray<i32>(0);
let legOwner = new StaticArray<i32>(0);
/** socialize's profitable legs and their profits, within one call (inProfit, then haircut). */
let socialLegs = new StaticArray<i32>(0);
let socialLegProfit = new StaticArray<f64>(0);
let socialLen: i32 = 0;

/** After cross-margin's prepare: the markets' legs indexed, room for them in each market's ranking, adl's hooks bound. */
export function bind(): void {
  const J = legMarket.length;
  const M = marketCount;
  marketLegStart = new StaticArray<i32>(M + 1);
  marketLegs = new StaticArray<i32>(J);
  legOwner = new StaticArray<i32>(J);
  socialLegs = new StaticArray<i32>(J);
  socialLegProfit = new StaticArray<f64>(J);
  for (let o = 0; o < legStart.length - 1; o++) {
    for (let j = unchecked(legStart[o]); j < unchecked(legStart[o + 1]); j++) unchecked((legOwner[j] = o));
  }
  let n = 0;
  for (let m = 0; m < M; m++) {
    unchecked((marketLegStart[m] = n));
    for (let j = 0; j < J; j++) {
      if (unchecked(legMarket[j]) != m) continue;
      unchecked((marketLegs[n] = j));
      n++;
    }
    // the ranking's arrays hold the market's accounts and its legs (select saves them with the market's context)
    select(m);
    state.reserveAdl(n - unchecked(marketLegStart[m]));
  }
  unchecked((marketLegStart[M] = n));
  adl.bindLegs(rankLegs, live, sizeOf, entryOf, taken, inProfit, haircut);
}

/** Leg id's leg open and its owner not closed. */
export function live(id: i32): bool {
  const j = id - LEG_ID_BASE;
  return unchecked(legOpen[j]) == 1 && unchecked(closed[unchecked(legOwner[j])]) == 0;
}
function sizeOf(id: i32): f64 {
  return unchecked(legQ[id - LEG_ID_BASE]);
}
function entryOf(id: i32): f64 {
  return unchecked(legEntry[id - LEG_ID_BASE]);
}
/** ADL took x units of leg id (x its size: it closes) and credits its owner's cash. */
function taken(id: i32, x: f64, credit: f64): void {
  const j = id - LEG_ID_BASE;
  takeProfit(unchecked(legOwner[j]), j, x, credit);
}

/**
 * The current market's profitable legs of `side` at the mark, after the `len` accounts ranked (adlOrder/adlScore):
 * its owner's exact equity V > 0; random, hyperliquid or binance scores as the accounts'. Returns the count.
 */
function rankLegs(side: f64, mark: f64, ranking: i32, len: i32, path: u32, seedLo: u32, seedHi: u32): i32 {
  const m = current;
  const random = ranking == ADL_RANDOM;
  const hyperliquid = ranking == ADL_HYPERLIQUID;
  let n = len;
  const end = unchecked(marketLegStart[m + 1]);
  for (let k = unchecked(marketLegStart[m]); k < end; k++) {
    const j = unchecked(marketLegs[k]);
    const o = unchecked(legOwner[j]);
    if (unchecked(legOpen[j]) == 0 || unchecked(closed[o]) != 0 || unchecked(legSide[j]) != side) continue;
    const q = unchecked(legQ[j]);
    const e = unchecked(legEntry[j]);
    const profit = side * q * (mark - e);
    if (!(profit > 0)) continue;
    measure(o);
    const V = eq;
    if (!(V > 0)) continue;
    const id = LEG_ID_BASE + j;
    let score: f64;
    if (random) {
      philox(<u32>id, path, <u32>book.step, DOMAIN_ADL + PS.marketDomain, seedLo, seedHi);
      score = uniform52(rng0, rng1);
    } else if (hyperliquid) {
      const ratio = side > 0 ? mark / e : e / mark;
      score = ratio * ((q * mark) / V);
    } else {
      const margin = V - profit;
      if (!(margin > 0)) continue;
      score = (profit / margin) * ((q * mark) / V);
    }
    unchecked((state.adlOrder[n] = id));
    unchecked((state.adlScore[n] = score));
    n++;
  }
  return n;
}

/**
 * A bankrupt remainder (its `left` units, bankrupt account i at price P, its bankruptcy price b) reaches leg id: −1
 * when the leg or its owner closed (passed for good), 0 when the leg is not in profit at P (set aside for this entry),
 * else the units x it took (the whole leg: it closes).
 */
export function transfer(id: i32, side: f64, left: f64, P: f64, mark: f64, b: f64, i: i32): f64 {
  if (!live(id)) return -1;
  const j = id - LEG_ID_BASE;
  const q = unchecked(legQ[j]);
  const e = unchecked(legEntry[j]);
  if (!(side * (P - e) > 0)) return 0;
  const x = left < q ? left : q;
  const pnl = side * x * (P - e);
  L.adlClosed(pnl, side * x * (mark - P));
  takeProfit(unchecked(legOwner[j]), j, x, pnl);
  adl.counted(x * P);
  if (T.tracing) T.event(T.K_ADL, id, side, x, P, b, x * P, i, L.insurance, L.vaultShown());
  return x;
}

/** socialize: the current market's profitable legs of `side` at the mark, their profits added to `total` in leg order. */
function inProfit(side: f64, mark: f64, total: f64): f64 {
  const m = current;
  let t = total;
  let n = 0;
  const end = unchecked(marketLegStart[m + 1]);
  for (let k = unchecked(marketLegStart[m]); k < end; k++) {
    const j = unchecked(marketLegs[k]);
    if (unchecked(legOpen[j]) == 0 || unchecked(closed[unchecked(legOwner[j])]) != 0 || unchecked(legSide[j]) != side) continue;
    const profit = side * unchecked(legQ[j]) * (mark - unchecked(legEntry[j]));
    if (!(profit > 0)) continue;
    t += profit;
    unchecked((socialLegs[n] = j));
    unchecked((socialLegProfit[n] = profit));
    n++;
  }
  socialLen = n;
  return t;
}

/** socialize: each profitable leg's owner pays take × (profit / total); returns `taken` plus the haircuts, in order. */
function haircut(take: f64, total: f64, taken: f64): f64 {
  let sum = taken;
  for (let k = 0; k < socialLen; k++) {
    const j = unchecked(socialLegs[k]);
    const h = take * (unchecked(socialLegProfit[k]) / total);
    haircutOwner(unchecked(legOwner[j]), h);
    sum += h;
  }
  return sum;
}
