// margin.model's scan (src/engine/reference.ts scanRound): no ladder; every open account is checked against the model's
// requirement every round — the ladder's accounts in ladder order, then accounts.flow's arrivals of the side in arrival
// order. And the liquidation price of a position under the venue's maintenance convention (margin.maintenanceAt), which
// the ladder's re-checks and every change of a position in place recompute. This module says who is due;
// assembly/rounds.ts liquidates them.
import { P_ACCOUNTS, P_MAINTENANCE_AT_ENTRY, P_MARGIN_MODEL, P_TIER_COUNT } from "../abi";
import * as book from "../book";
import { conventionLiquidationPrice } from "../margin";
import * as margin from "../margin-model";
import * as PS from "../path-state";
import {
  accEntry, accIsLong, curColl, curSize, inAuction, isClosed, longCount, longOrder, nextSlice, params, shortCount,
  shortOrder, slicedRound,
} from "../state";

/** margin.model: the scan engine checks every account every round (no ladder). */
export let scan = false;
/** The scan engine's requirement summed over the path's step openings (marginHeld = this / steps). */
export let marginSum: f64 = 0;

export function newPath(): void {
  scan = unchecked(params[P_MARGIN_MODEL]) != 0;
  marginSum = 0;
}

/** A position's liquidation price under the venue's maintenance convention (margin.maintenanceAt). */
export function liquidationPriceOf(s: f64, q: f64, e: f64, c: f64): f64 {
  return conventionLiquidationPrice(unchecked(params[P_MAINTENANCE_AT_ENTRY]) == 1, <i32>unchecked(params[P_TIER_COUNT]), s, q, e, c);
}

/** Whether a side-s position's equity at the mark is at or below the model's requirement. */
// @ts-ignore: decorator
@inline export function underwater(s: f64, q: f64, c: f64, e: f64, mark: f64): bool {
  return c + s * q * (mark - e) <= margin.requirement(s, q, mark, e);
}

/** Positions a scan of `side` runs through: its ladder's accounts, then every arrival so far (of either side). */
// @ts-ignore: decorator
@inline export function scanLength(side: f64): i32 {
  return (side > 0 ? longCount : shortCount) + PS.active - <i32>unchecked(params[P_ACCOUNTS]);
}

/**
 * Position r of a scan of `side` (r < scanLength): its account when it is due at this mark in step t — open, of this
 * side, not in auction, not cooling down, not liquidated in this round, equity at or below its requirement — else −1.
 */
export function dueAt(side: f64, r: i32, mark: f64, t: i32): i32 {
  const count = side > 0 ? longCount : shortCount;
  const nPop = <i32>unchecked(params[P_ACCOUNTS]);
  const i = r < count ? unchecked((side > 0 ? longOrder : shortOrder)[r]) : nPop + (r - count);
  if (r >= count && unchecked(accIsLong[i]) != (side > 0 ? 1 : 0)) return -1;
  if (isClosed(i, book.epoch) || unchecked(inAuction[i]) == 1 || unchecked(nextSlice[i]) > t || unchecked(slicedRound[i]) == PS.round) return -1;
  const q = unchecked(curSize[i]);
  const equity = unchecked(curColl[i]) + side * q * (mark - unchecked(accEntry[i]));
  if (equity > margin.requirement(side, q, mark, unchecked(accEntry[i]))) return -1;
  return i;
}

/** The requirement of every open position at this mark (longs then shorts in ladder order). */
export function marginHeldAt(mark: f64): f64 {
  const epoch = book.epoch;
  const nPop = <i32>unchecked(params[P_ACCOUNTS]);
  const active = PS.active;
  let total: f64 = 0;
  for (let r = 0; r < longCount; r++) {
    const i = unchecked(longOrder[r]);
    if (!isClosed(i, epoch)) total += margin.requirement(1, unchecked(curSize[i]), mark, unchecked(accEntry[i]));
  }
  // accounts.flow's arrivals after each side's ladder
  for (let i = nPop; i < active; i++) {
    if (unchecked(accIsLong[i]) == 1 && !isClosed(i, epoch)) total += margin.requirement(1, unchecked(curSize[i]), mark, unchecked(accEntry[i]));
  }
  for (let r = 0; r < shortCount; r++) {
    const i = unchecked(shortOrder[r]);
    if (!isClosed(i, epoch)) total += margin.requirement(-1, unchecked(curSize[i]), mark, unchecked(accEntry[i]));
  }
  for (let i = nPop; i < active; i++) {
    if (unchecked(accIsLong[i]) == 0 && !isClosed(i, epoch)) total += margin.requirement(-1, unchecked(curSize[i]), mark, unchecked(accEntry[i]));
  }
  return total;
}

/** The scan engine at a step's opening mark: the volatility estimate moves, and what the requirement holds is summed. */
export function openScanStep(t: i32, mark: f64): void {
  margin.openStep(t, mark);
  marginSum += marginHeldAt(mark);
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<u8>(b, scan ? 1 : 0, 0);
  store<f64>(b, marginSum, 8);
}
export function loadContext(b: usize): void {
  scan = load<u8>(b, 0) != 0;
  marginSum = load<f64>(b, 8);
}
