// Auto-deleveraging's ranking: the profitable open accounts of one side, on their current size and collateral,
// best score first (score descending, then account index ascending: the total order of the reference engine's
// sort), heapified in O(n) and taken off one at a time as the loss allocation (assembly/loss-allocation.ts)
// consumes them, never sorted in full. And adl.ranking socialized: a deficit shared at once across the profitable
// open accounts of the other side, pro rata to profit (socialize). The money they give up is booked by the caller
// (assembly/ledger.ts): this module returns it.
import { ADL_HYPERLIQUID, ADL_RANDOM, DOMAIN_ADL } from "./abi";
import * as book from "./book";
import { philox, rng0, rng1, uniform52 } from "./rng";
import * as PS from "./path-state";
import * as T from "./trace";
import * as fan from "./fan";
import { pend } from "./triggers/ladder";
import {
  L_CASH, L_DEAD, accEntry, accIsLong, adlOrder, adlScore, curColl, curSize, flagged, inAuction, isClosed, rungOf,
  socialIds, socialProfit, staleLiq,
} from "./state";

let heapLen: i32 = 0;
let rankSide: f64 = 0;
let rankMark: f64 = 0;

/** The path's ADL totals (the count as an integer: a sum of ones is exact either way). */
export let adlCount: i32 = 0;
export let adlNotional: f64 = 0;

/** What consume() could not cover. */
export let owed: f64 = 0;

export function newPath(): void {
  adlCount = 0;
  adlNotional = 0;
}

/** The best-ranked account not yet taken off the ranking, or −1. */
export function top(): i32 {
  return heapLen > 0 ? unchecked(adlOrder[0]) : -1;
}

/** Takes the best-ranked account off the ranking. */
export function pop(): void {
  popTop(heapLen);
  heapLen--;
}

// An entry of the loss allocation passes over the accounts not in profit at its price without losing them: each is
// taken off the heap into the slots the heap has freed at its end (the k-th set aside at heapStart − 1 − k, free
// since at least k + 1 pops happened), and pushed back when the entry is done, the heap then as if never popped.
let heapStart: i32 = 0;
let asideLen: i32 = 0;

/** A loss-allocation entry begins: nothing set aside yet. */
export function startEntry(): void {
  heapStart = heapLen;
  asideLen = 0;
}

/** Takes the best-ranked account off the ranking for this entry only. */
export function setAside(): void {
  const id = unchecked(adlOrder[0]);
  const score = unchecked(adlScore[0]);
  popTop(heapLen);
  heapLen--;
  const at = heapStart - 1 - asideLen;
  unchecked((adlOrder[at] = id));
  unchecked((adlScore[at] = score));
  asideLen++;
}

/** Puts back what this entry set aside (lowest slot first: each push writes at or below the slot it reads). */
export function restoreSetAside(): void {
  for (let k = asideLen - 1; k >= 0; k--) {
    const at = heapStart - 1 - k;
    push(unchecked(adlOrder[at]), unchecked(adlScore[at]));
  }
  asideLen = 0;
}

/** Adds an account to the heap (sift up). */
function push(id: i32, score: f64): void {
  let c = heapLen;
  heapLen++;
  while (c > 0) {
    const parent = (c - 1) >> 1;
    const ps = unchecked(adlScore[parent]);
    const pi = unchecked(adlOrder[parent]);
    if (!before(score, id, ps, pi)) break;
    unchecked((adlOrder[c] = pi));
    unchecked((adlScore[c] = ps));
    c = parent;
  }
  unchecked((adlOrder[c] = id));
  unchecked((adlScore[c] = score));
}

/** One ADL closure of `notional` (a whole position or part of one). */
export function counted(notional: f64): void {
  adlCount++;
  adlNotional += notional;
}

/** a ranks before b: higher score, then lower account index. */
// @ts-ignore: decorator
@inline function before(sa: f64, ia: i32, sb: f64, ib: i32): bool {
  return sa > sb || (sa == sb && ia < ib);
}

function siftDown(root: i32, n: i32): void {
  const ids = adlOrder;
  const scores = adlScore;
  const id = unchecked(ids[root]);
  const score = unchecked(scores[root]);
  let r = root;
  while (true) {
    let child = 2 * r + 1;
    if (child >= n) break;
    let cs = unchecked(scores[child]);
    let ci = unchecked(ids[child]);
    if (child + 1 < n) {
      const s2 = unchecked(scores[child + 1]);
      const i2 = unchecked(ids[child + 1]);
      if (before(s2, i2, cs, ci)) {
        child++;
        cs = s2;
        ci = i2;
      }
    }
    if (!before(cs, ci, score, id)) break;
    unchecked((ids[r] = ci));
    unchecked((scores[r] = cs));
    r = child;
  }
  unchecked((ids[r] = id));
  unchecked((scores[r] = score));
}

/** Removes the heap's top (of len entries); the caller read it first. */
function popTop(len: i32): void {
  const n = len - 1;
  if (n > 0) {
    unchecked((adlOrder[0] = adlOrder[n]));
    unchecked((adlScore[0] = adlScore[n]));
    siftDown(0, n);
  }
}

// ---- the cross-margin owners' legs, ADL's counterparties too (assembly/owner-adl.ts binds them once per run: this
// module cannot import the owners, whose liquidation imports the ledger, which imports it). A leg's id in the ranking
// is owner-adl's LEG_ID_BASE + its index, above every account's: equal scores rank accounts first, then legs. ----
const LEG_IDS: i32 = 1 << 30;
let legsOn = false;
let rankLegs: (side: f64, mark: f64, ranking: i32, len: i32, path: u32, seedLo: u32, seedHi: u32) => i32 = noLegsRanked;
let legLive: (id: i32) => bool = noLegLive;
let legSize: (id: i32) => f64 = noLegValue;
let legEntry: (id: i32) => f64 = noLegValue;
let legTaken: (id: i32, x: f64, credit: f64) => void = noLegTaken;
let legsInProfit: (side: f64, mark: f64, total: f64) => f64 = noLegsInProfit;
let legsHaircut: (take: f64, total: f64, taken: f64) => f64 = noLegsHaircut;

function noLegsRanked(side: f64, mark: f64, ranking: i32, len: i32, path: u32, seedLo: u32, seedHi: u32): i32 {
  return len;
}
function noLegLive(id: i32): bool {
  return false;
}
function noLegValue(id: i32): f64 {
  return 0;
}
function noLegTaken(id: i32, x: f64, credit: f64): void {}
function noLegsInProfit(side: f64, mark: f64, total: f64): f64 {
  return total;
}
function noLegsHaircut(take: f64, total: f64, taken: f64): f64 {
  return taken;
}

/** Cross margin's owners (assembly/owner-adl.ts): what ranking, consume and socialize do with their legs. */
export function bindLegs(
  rank: (side: f64, mark: f64, ranking: i32, len: i32, path: u32, seedLo: u32, seedHi: u32) => i32,
  live: (id: i32) => bool,
  size: (id: i32) => f64,
  entry: (id: i32) => f64,
  taken: (id: i32, x: f64, credit: f64) => void,
  inProfit: (side: f64, mark: f64, total: f64) => f64,
  haircut: (take: f64, total: f64, taken: f64) => f64,
): void {
  legsOn = true;
  rankLegs = rank;
  legLive = live;
  legSize = size;
  legEntry = entry;
  legTaken = taken;
  legsInProfit = inProfit;
  legsHaircut = haircut;
}

/** Ranks `side` (+1 longs, −1 shorts) at this mark: every open, profitable candidate scored, then heapified. */
export function rank(side: f64, mark: f64, ranking: i32, nAccounts: i32, path: u32, seedLo: u32, seedHi: u32): void {
  rankSide = side;
  rankMark = mark;
  const epoch = book.epoch;
  const random = ranking == ADL_RANDOM;
  const hyperliquid = ranking == ADL_HYPERLIQUID;
  let len = 0;
  for (let j = 0; j < nAccounts; j++) {
    const sj: f64 = unchecked(accIsLong[j]) == 1 ? 1 : -1;
    if (sj != side || load<i32>(rungOf(j), L_DEAD) == epoch) continue;
    // an account in auction is being liquidated, not deleveraged; nor is one the liquidation engine has in hand
    // (sliced, repaid): ADL takes the other side's healthy positions
    if (unchecked(inAuction[j]) == 1 || unchecked(flagged[j]) >= 0) continue;
    const q = unchecked(curSize[j]);
    const profit = side * q * (mark - unchecked(accEntry[j]));
    if (!(profit > 0)) continue;
    let score: f64;
    if (random) {
      philox(<u32>j, path, <u32>book.step, DOMAIN_ADL + PS.marketDomain, seedLo, seedHi);
      score = uniform52(rng0, rng1);
    } else if (hyperliquid) {
      // (mark / entry) × notional / account value; a short's price ratio inverted
      const e = unchecked(accEntry[j]);
      const ratio = side > 0 ? mark / e : e / mark;
      score = ratio * ((q * mark) / (unchecked(curColl[j]) + profit));
    } else {
      // Binance: PnL% × effective leverage
      const margin = unchecked(curColl[j]);
      score = (profit / margin) * ((q * mark) / (margin + profit));
    }
    unchecked((adlOrder[len] = j));
    unchecked((adlScore[len] = score));
    len++;
  }
  // then the owners' profitable legs of this side in this market (owner-adl.ts)
  if (legsOn) len = rankLegs(side, mark, ranking, len, path, seedLo, seedHi);
  heapLen = len;
  for (let r = (len >> 1) - 1; r >= 0; r--) siftDown(r, len);
}

/** consume's last call: the profit its accounts kept (realised at the mark) and what they gave up. */
export let consumedKept: f64 = 0;
export let consumedGiven: f64 = 0;

/**
 * Closes accounts of the current ranking, best first, at its mark against `deficit`: each gives up its profit
 * (never its principal) up to what is still owed. Takes and returns the makers' cash; what is still owed is
 * left in `owed`. `fund` and `vault`: the balances its trace events carry (unchanged by it).
 */
export function consume(deficit: f64, makers: f64, fund: f64, vault: f64): f64 {
  const side = rankSide;
  const mark = rankMark;
  const epoch = book.epoch;
  let mk = makers;
  let d = deficit;
  let kept: f64 = 0;
  let given: f64 = 0;
  let len = heapLen;
  while (d > 0 && len > 0) {
    const j = unchecked(adlOrder[0]);
    popTop(len);
    len--;
    if (j >= LEG_IDS) {
      // an owner's leg: closed whole at the mark, its profit less the haircut to its owner's cash
      if (!legLive(j)) continue;
      const lq = legSize(j);
      const lp = side * lq * (mark - legEntry(j));
      mk -= lp;
      const cut = Math.min(d, lp);
      legTaken(j, lq, lp - cut);
      kept += lp - cut;
      given += cut;
      d -= cut;
      adlCount++;
      adlNotional += lq * mark;
      if (T.tracing) T.event(T.K_ADL, j, side, lq, mark, NaN, lq * mark, -1, fund, vault);
      continue;
    }
    const rung = rungOf(j);
    if (load<i32>(rung, L_DEAD) == epoch) continue;
    const q = unchecked(curSize[j]);
    const profit = side * q * (mark - unchecked(accEntry[j]));
    mk -= profit;
    const haircut = Math.min(d, profit);
    store<f64>(rung, unchecked(curColl[j]) + profit - haircut, L_CASH);
    kept += profit - haircut;
    given += haircut;
    store<i32>(rung, epoch, L_DEAD);
    PS.accountClosed();
    fan.closed(side, q);
    d -= haircut;
    adlCount++;
    adlNotional += q * mark;
    // closed whole at the mark against a deficit no bankrupt size carries (no counterparty)
    if (T.tracing) T.event(T.K_ADL, j, side, q, mark, NaN, q * mark, -1, fund, vault);
  }
  heapLen = len;
  owed = d;
  consumedKept = kept;
  consumedGiven = given;
  return mk;
}

// ---- adl.ranking socialized ----

/** socialize's last call: what the haircut traders gave up (0: no profitable account). */
export let socialTaken: f64 = 0;

/**
 * Shares the deficit across the profitable open accounts of `side`, pro rata to profit; returns what is left (what they
 * gave up is in socialTaken). `fund` and `vault`: the balances its trace event carries.
 */
export function socialize(side: f64, deficit: f64, mark: f64, fund: f64, vault: f64): f64 {
  socialTaken = 0;
  const longs = side > 0 ? 1 : 0;
  const version = longs == 1 ? longVersion : shortVersion;
  // the profitable set and its total hold until an account of this side changes (haircuts change collateral, not
  // profit), so the deficits of one round on one side share one scan; the reference rescans every time (same sums)
  if (!(socialEpoch == book.epoch && socialRound == PS.round && socialLongs == longs && socialMark == mark && socialVersion == version)) {
    socialEpoch = book.epoch;
    socialRound = PS.round;
    socialLongs = longs;
    socialMark = mark;
    socialVersion = version;
    // the population and accounts.flow's arrivals so far
    const nAcc = PS.active;
    const epoch = book.epoch;
    let total: f64 = 0;
    let n = 0;
    for (let j = 0; j < nAcc; j++) {
      if (unchecked(accIsLong[j]) != longs || isClosed(j, epoch) || unchecked(inAuction[j]) == 1) continue;
      const profit = side * unchecked(curSize[j]) * (mark - unchecked(accEntry[j]));
      if (!(profit > 0)) continue;
      total += profit;
      unchecked((socialIds[n] = j));
      unchecked((socialProfit[n] = profit));
      n++;
    }
    socialCount = n;
    socialTotal = total;
  }
  // the owners' profitable legs of this side, after the accounts (their set is not cached: owners change apart)
  const total = legsOn ? legsInProfit(side, mark, socialTotal) : socialTotal;
  if (!(total > 0)) return deficit;
  const take = deficit < total ? deficit : total;
  let taken: f64 = 0;
  for (let k = 0; k < socialCount; k++) {
    const j = unchecked(socialIds[k]);
    const profit = unchecked(socialProfit[k]);
    const h = take * (profit / total);
    PS.touch(j);
    const c = unchecked(curColl[j]) - h;
    unchecked((curColl[j] = c));
    taken += h;
    // its liquidation price is computed when the pending list next reads it
    unchecked((staleLiq[j] = 1));
    pend(j, side);
  }
  if (legsOn) taken = legsHaircut(take, total, taken);
  socialTaken = taken;
  if (T.tracing) T.event(T.K_SOCIALIZED, -1, side, NaN, mark, NaN, taken, -1, fund, vault);
  // a shortfall below the profits is covered in full (rounding of the haircuts' sum is not bad debt)
  return deficit < total ? 0 : deficit - taken;
}

// socialized: the cache of the profitable set (socialize), keyed by path, round, side, mark and the side's version
let longVersion: i32 = 0;
let shortVersion: i32 = 0;
let socialEpoch: i32 = -1;
let socialRound: i32 = -1;
let socialLongs: i32 = -1;
let socialMark: f64 = NaN;
let socialVersion: i32 = -1;
let socialCount: i32 = 0;
let socialTotal: f64 = 0;

/** An account of this side is about to change (liquidated, sliced, repaid, taken over, kicked, taken at auction, closed). */
export function sideChanged(s: f64): void {
  if (s > 0) longVersion++;
  else shortVersion++;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<i32>(b, heapLen, 0);
  store<f64>(b, rankSide, 8);
  store<f64>(b, rankMark, 16);
  store<i32>(b, adlCount, 24);
  store<f64>(b, adlNotional, 32);
  store<f64>(b, owed, 40);
  store<i32>(b, heapStart, 48);
  store<i32>(b, asideLen, 56);
  store<f64>(b, consumedKept, 64);
  store<f64>(b, consumedGiven, 72);
  store<f64>(b, socialTaken, 80);
  store<i32>(b, longVersion, 88);
  store<i32>(b, shortVersion, 96);
  store<i32>(b, socialEpoch, 104);
  store<i32>(b, socialRound, 112);
  store<i32>(b, socialLongs, 120);
  store<f64>(b, socialMark, 128);
  store<i32>(b, socialVersion, 136);
  store<i32>(b, socialCount, 144);
  store<f64>(b, socialTotal, 152);
}
export function loadContext(b: usize): void {
  heapLen = load<i32>(b, 0);
  rankSide = load<f64>(b, 8);
  rankMark = load<f64>(b, 16);
  adlCount = load<i32>(b, 24);
  adlNotional = load<f64>(b, 32);
  owed = load<f64>(b, 40);
  heapStart = load<i32>(b, 48);
  asideLen = load<i32>(b, 56);
  consumedKept = load<f64>(b, 64);
  consumedGiven = load<f64>(b, 72);
  socialTaken = load<f64>(b, 80);
  longVersion = load<i32>(b, 88);
  shortVersion = load<i32>(b, 96);
  socialEpoch = load<i32>(b, 104);
  socialRound = load<i32>(b, 112);
  socialLongs = load<i32>(b, 120);
  socialMark = load<f64>(b, 128);
  socialVersion = load<i32>(b, 136);
  socialCount = load<i32>(b, 144);
  socialTotal = load<f64>(b, 152);
}
