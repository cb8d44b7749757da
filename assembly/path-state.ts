// The path's scalar state that several concerns read: the seed and path number, the round counter, the path's
// mark-independent totals (liquidations, their notional, slippage), the active and open accounts, and the accounts
// whose per-account state the path changed. Each is written here only: other modules call these functions (small and
// @inline where the old code was inline) or read the values.
import { P_ACCOUNTS, P_PER_ACCOUNT } from "./abi";
import * as book from "./book";
import {
  accCollateral, accSize, curColl, curSize, flagged, inAuction, nextSlice, params, pended, slicedRound, staleLiq,
  touchStamp, touchedIds,
} from "./state";

export let seedLo: u32 = 0;
/**
 * Several markets: market m draws with each domain word (the philox counter's 4th) increased by 16·m (plan-14b
 * "Counters"): its population, ADL ranking and accounts.flow here; its price in assembly/markets.ts. 0: one market.
 */
export let marketDomain: u32 = 0;
export let seedHi: u32 = 0;
export let path: u32 = 0;
/** The path's cascade rounds so far (a round of any step counts: slicedRound and the socialized cache key on it). */
export let round: i32 = 0;
/**
 * Accounts change in place (their current size and collateral are live): every liquidation engine but the market
 * engine's batched rounds, which read the population's sizes (src/engine/layout.ts P.perAccount).
 */
export let perAccount = false;

/** A count: a sum of ones is exact either way, and an integer keeps a register free of it. */
export let liquidations: i32 = 0;
export let liquidatedNotional: f64 = 0;
/** Σ side · (size · mark − fill notional) and Σ size · mark: the record's average slippage is their ratio. */
export let slipValue: f64 = 0;
export let markedValue: f64 = 0;

/** Active slots in this path: the population, then accounts.flow's arrivals so far (a dormant slot is past it). */
export let active: i32 = 0;
/** Open accounts among the active ones. */
export let openCount: i32 = 0;

/** The accounts whose per-account state changed in this path: only they are reset for the next one. */
export let touchedLen: i32 = 0;
/** The population changed since the last path: every account's per-account state is reset, not only the touched. */
export let freshPopulation = true;

export function setMarketDomain(domain: u32): void {
  marketDomain = domain;
}

export function setSeed(lo: u32, hi: u32): void {
  seedLo = lo;
  seedHi = hi;
}

/** Path p starts (after book.newPath: a new epoch). */
export function newPath(p: u32): void {
  path = p;
  round = 0;
  liquidations = 0;
  liquidatedNotional = 0;
  slipValue = 0;
  markedValue = 0;
  const n = <i32>unchecked(params[P_ACCOUNTS]);
  active = n;
  openCount = n;
}

/** Reads the engine's mode for this path; the per-account engine resets the accounts the last path changed. */
export function startAccounts(): void {
  perAccount = unchecked(params[P_PER_ACCOUNT]) == 1;
  if (!perAccount) return;
  if (freshPopulation) {
    const nAcc = <i32>unchecked(params[P_ACCOUNTS]);
    for (let i = 0; i < nAcc; i++) resetAccount(i);
    freshPopulation = false;
  } else {
    const n = touchedLen;
    for (let k = 0; k < n; k++) resetAccount(unchecked(touchedIds[k]));
  }
  touchedLen = 0;
}

/** The population changed (assembly/population.ts). */
export function populationChanged(): void {
  freshPopulation = true;
}

/** Account i's per-account state as the population holds it. */
function resetAccount(i: i32): void {
  unchecked((curSize[i] = accSize[i]));
  unchecked((curColl[i] = accCollateral[i]));
  unchecked((nextSlice[i] = 0));
  unchecked((slicedRound[i] = 0));
  unchecked((flagged[i] = -1));
  unchecked((inAuction[i] = 0));
  unchecked((pended[i] = 0));
  unchecked((staleLiq[i] = 0));
}

/** Account i's per-account state is about to change in this path. */
export function touch(i: i32): void {
  const epoch = book.epoch;
  if (unchecked(touchStamp[i]) == epoch) return;
  unchecked((touchStamp[i] = epoch));
  unchecked((touchedIds[touchedLen] = i));
  touchedLen++;
}

/** A cascade round starts. */
// @ts-ignore: decorator
@inline export function nextRound(): void {
  round++;
}

/** One liquidation (a whole close, a slice, a kick, a takeover, a repayment). */
// @ts-ignore: decorator
@inline export function countLiquidation(): void {
  liquidations++;
}

/** A fill of `notional` that the record's slippage measures: side · (size · mark − notional) and size · mark. */
// @ts-ignore: decorator
@inline export function addFill(notional: f64, slip: f64, marked: f64): void {
  liquidatedNotional += notional;
  slipValue += slip;
  markedValue += marked;
}

/** A takeover at the mark: its notional, no slippage. */
// @ts-ignore: decorator
@inline export function addMarkedFill(notional: f64): void {
  liquidatedNotional += notional;
  markedValue += notional;
}

/** The batched rounds' totals, kept in locals through a round and written back once. */
// @ts-ignore: decorator
@inline export function setBatchedTotals(done: i32, notional: f64, slip: f64, marked: f64): void {
  liquidations += done;
  liquidatedNotional = notional;
  slipValue = slip;
  markedValue = marked;
}

/** An account closed (liquidated, deleveraged, closed by its trader). */
// @ts-ignore: decorator
@inline export function accountClosed(): void {
  openCount--;
}

/** accounts.flow: an arrival opened in the next dormant slot. */
// @ts-ignore: decorator
@inline export function accountArrived(): void {
  active++;
  openCount++;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<i32>(b, round, 0);
  store<u8>(b, perAccount ? 1 : 0, 8);
  store<i32>(b, liquidations, 16);
  store<f64>(b, liquidatedNotional, 24);
  store<f64>(b, slipValue, 32);
  store<f64>(b, markedValue, 40);
  store<i32>(b, active, 48);
  store<i32>(b, openCount, 56);
  store<i32>(b, touchedLen, 64);
  store<u8>(b, freshPopulation ? 1 : 0, 72);
  store<u32>(b, marketDomain, 80);
}
export function loadContext(b: usize): void {
  round = load<i32>(b, 0);
  perAccount = load<u8>(b, 8) != 0;
  liquidations = load<i32>(b, 16);
  liquidatedNotional = load<f64>(b, 24);
  slipValue = load<f64>(b, 32);
  markedValue = load<f64>(b, 40);
  active = load<i32>(b, 48);
  openCount = load<i32>(b, 56);
  touchedLen = load<i32>(b, 64);
  freshPopulation = load<u8>(b, 72) != 0;
  marketDomain = load<u32>(b, 80);
}
