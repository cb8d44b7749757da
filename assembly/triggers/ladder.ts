// The ordered liquidation ladder (isolated margin): longs by liquidation price descending, shorts ascending, sorted
// once per population (assembly/population.ts buildLadder). A path keeps one cursor per side; a round advances it
// while the account at the cursor is across the mark. Accounts whose liquidation price changed in the path (sliced,
// partly repaid, haircut, arrived) leave the static order: they join their side's pending list and are re-checked at
// their own liquidation price every round. This module says who is due; assembly/rounds.ts liquidates them.
import { P_PARTIAL_DURING_COOLDOWN } from "../abi";
import * as book from "../book";
import * as PS from "../path-state";
import {
  L_DEAD, LADDER_STRIDE, accEntry, curColl, curLiq, curSize, duePend, inAuction, isClosed, longCount, longLiq,
  longOrder, longPend, nextSlice, params, pended, shortCount, shortLiq, shortOrder, shortPend, slicedRound, staleLiq,
} from "../state";
import { liquidationPriceOf } from "./scan";

/** The next rung of each side's ladder not yet crossed in this path. */
export let longCursor: i32 = 0;
export let shortCursor: i32 = 0;
/** The accounts re-checked at their own liquidation price, per side (accounts in longPend / shortPend). */
let longPendLen: i32 = 0;
let shortPendLen: i32 = 0;

/** A path starts: the cursors at the ladders' tops, the pending lists empty. */
export function newPath(): void {
  longCursor = 0;
  shortCursor = 0;
  longPendLen = 0;
  shortPendLen = 0;
}

/** The batched rounds moved a side's cursor past the rungs they closed. */
// @ts-ignore: decorator
@inline export function setLongCursor(cursor: i32): void {
  longCursor = cursor;
}
// @ts-ignore: decorator
@inline export function setShortCursor(cursor: i32): void {
  shortCursor = cursor;
}

/** Whether the long (short) at the cursor is across the mark. */
// @ts-ignore: decorator
@inline export function longDue(mark: f64): bool {
  return longCursor < longCount && unchecked(longLiq[longCursor]) >= mark;
}
// @ts-ignore: decorator
@inline export function shortDue(mark: f64): bool {
  return shortCursor < shortCount && unchecked(shortLiq[shortCursor]) <= mark;
}

/** The per-account engine: the account at the long (short) cursor, the cursor moved past it (the caller checked Due). */
// @ts-ignore: decorator
@inline export function takeLong(): i32 {
  const i = unchecked(longOrder[longCursor]);
  longCursor++;
  return i;
}
// @ts-ignore: decorator
@inline export function takeShort(): i32 {
  const i = unchecked(shortOrder[shortCursor]);
  shortCursor++;
  return i;
}

/**
 * With per-step caps, one account at a time, each settled before the next is let through: the round's ladder
 * ends just past the next live account (of the `count` rungs from `rungs`, at or after `from`).
 */
export function nextLiveEnd(rungs: usize, from: i32, count: i32): i32 {
  const epoch = book.epoch;
  let j = from;
  while (j < count && load<i32>(rungs + <usize>j * LADDER_STRIDE, L_DEAD) == epoch) j++;
  return j < count ? j + 1 : count;
}

/** Joins account i to its side's list of accounts re-checked at their own liquidation price (once). */
export function pend(i: i32, s: f64): void {
  // a flag, not a search of the list: socialised loss pends thousands of accounts per deficit
  if (unchecked(pended[i]) == 1) return;
  unchecked((pended[i] = 1));
  const list = s > 0 ? longPend : shortPend;
  const len = s > 0 ? longPendLen : shortPendLen;
  unchecked((list[len] = i));
  if (s > 0) longPendLen = len + 1;
  else shortPendLen = len + 1;
}

// @ts-ignore: decorator
@inline function keyBefore(side: f64, la: f64, ia: i32, lb: f64, ib: i32): bool {
  if (la == lb) return ia < ib;
  return side > 0 ? la > lb : la < lb;
}

/** liquidation.partial.duringCooldown full: an account cooling down after a slice is due too, and goes whole. */
// @ts-ignore: decorator
@inline export function wholeInCooldown(): bool {
  return unchecked(params[P_PARTIAL_DURING_COOLDOWN]) == 1;
}

/**
 * The pending accounts of `side` due in this round at this mark, into duePend in key order (liquidation price, then
 * account index); returns how many. Closed accounts and those in auction leave the list first (its order kept). One
 * liquidated in this round, or cooling down after a slice, waits (unless wholeInCooldown).
 */
export function duePending(side: f64, mark: f64, t: i32): i32 {
  const list = side > 0 ? longPend : shortPend;
  const epoch = book.epoch;
  let len = side > 0 ? longPendLen : shortPendLen;
  let k = 0;
  for (let r = 0; r < len; r++) {
    const i = unchecked(list[r]);
    if (!isClosed(i, epoch) && unchecked(inAuction[i]) == 0) {
      unchecked((list[k] = i));
      k++;
    }
  }
  len = k;
  if (side > 0) longPendLen = len;
  else shortPendLen = len;
  let due = 0;
  const whole = wholeInCooldown();
  const round = PS.round;
  for (let r = 0; r < len; r++) {
    const i = unchecked(list[r]);
    // a haircut left the liquidation price stale: computed now, from the same size and collateral
    if (unchecked(staleLiq[i]) == 1) {
      unchecked((staleLiq[i] = 0));
      unchecked((curLiq[i] = liquidationPriceOf(side, unchecked(curSize[i]), unchecked(accEntry[i]), unchecked(curColl[i]))));
    }
    const l = unchecked(curLiq[i]);
    const crosses = side > 0 ? l >= mark : l <= mark;
    // cooling down after a slice: it waits, or with duringCooldown full it is due too (and goes whole)
    const ready = unchecked(nextSlice[i]) <= t || whole;
    if (crosses && ready && unchecked(slicedRound[i]) != round) {
      unchecked((duePend[due] = i));
      due++;
    }
  }
  sortDue(side, due);
  return due;
}

/**
 * duePend[0..n) into key order (keyBefore: a strict total order, a due account's key never NaN), by heapsort: an
 * insertion sort was quadratic in the accounts due at once (a step's arrivals: 43 000 of them, minutes per path).
 */
function sortDue(side: f64, n: i32): void {
  for (let r = (n >> 1) - 1; r >= 0; r--) siftDue(side, r, n);
  for (let end = n - 1; end > 0; end--) {
    const i = unchecked(duePend[0]);
    unchecked((duePend[0] = duePend[end]));
    unchecked((duePend[end] = i));
    siftDue(side, 0, end);
  }
}

/** Whether due account at slot a comes after the one at slot b (a max-heap of "after" sorts into key order). */
// @ts-ignore: decorator
@inline function dueAfter(side: f64, a: i32, b: i32): bool {
  const i = unchecked(duePend[a]);
  const j = unchecked(duePend[b]);
  return keyBefore(side, unchecked(curLiq[j]), j, unchecked(curLiq[i]), i);
}

function siftDue(side: f64, root: i32, end: i32): void {
  let r = root;
  while (true) {
    let child = 2 * r + 1;
    if (child >= end) return;
    if (child + 1 < end && dueAfter(side, child + 1, child)) child++;
    if (!dueAfter(side, child, r)) return;
    const i = unchecked(duePend[r]);
    unchecked((duePend[r] = duePend[child]));
    unchecked((duePend[child] = i));
    r = child;
  }
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<i32>(b, longCursor, 0);
  store<i32>(b, shortCursor, 8);
  store<i32>(b, longPendLen, 16);
  store<i32>(b, shortPendLen, 24);
}
export function loadContext(b: usize): void {
  longCursor = load<i32>(b, 0);
  shortCursor = load<i32>(b, 8);
  longPendLen = load<i32>(b, 16);
  shortPendLen = load<i32>(b, 24);
}
