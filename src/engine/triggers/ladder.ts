// The ordered liquidation ladder (assembly/triggers/ladder.ts is the kernel's twin): each side's accounts sorted by
// liquidation price (src/engine/population.ts buildLadder), walked by a cursor as the mark crosses them; and the pending
// lists, the accounts re-checked at their own liquidation price every round once it changed (sliced, repaid, haircut,
// arrived after the ladder was sorted).

import { P } from "../layout.js";
import type { Liquidator, RefState } from "../state.js";
import { liquidationPriceOf } from "./scan.js";

/**
 * The per-account engine's ladder, one side: the accounts across the mark from the cursor on, each liquidated by the
 * engine (a step whose caps are reached liquidates nobody more: the cursor stays on the next account).
 */
export function walkLongs(st: RefState, liq: Liquidator, mark: number, t: number): number {
  const pop = st.pop;
  const count = pop.longCount;
  const rungs = pop.longLiq;
  // the cursor in a local (no liquidation moves it), stored back as the walk stops
  let cursor = st.longCursor;
  let n = 0;
  while (cursor < count && rungs[cursor] >= mark && st.blockedStep !== t) {
    const i = pop.longOrder[cursor++];
    if (st.dead[i] === 0 && st.inAuction[i] === 0) {
      liq.liquidateOne(i, 1, mark);
      n++;
    }
  }
  st.longCursor = cursor;
  return n;
}

export function walkShorts(st: RefState, liq: Liquidator, mark: number, t: number): number {
  const pop = st.pop;
  const count = pop.shortCount;
  const rungs = pop.shortLiq;
  let cursor = st.shortCursor;
  let n = 0;
  while (cursor < count && rungs[cursor] <= mark && st.blockedStep !== t) {
    const i = pop.shortOrder[cursor++];
    if (st.dead[i] === 0 && st.inAuction[i] === 0) {
      liq.liquidateOne(i, -1, mark);
      n++;
    }
  }
  st.shortCursor = cursor;
  return n;
}

/** Joins account i to its side's list of accounts re-checked at their own liquidation price (once). */
export function pend(st: RefState, i: number, s: number): void {
  // a flag, not a search of the list: socialised loss pends thousands of accounts per deficit
  if (st.pended[i] === 1) return;
  st.pended[i] = 1;
  (s > 0 ? st.longPend : st.shortPend).push(i);
}

/** Both pending lists, longs then shorts (one call per round: the round's hot path stays short). */
export function pendingRound(st: RefState, liquidator: Liquidator, mark: number): number {
  const n = pendingSide(st, liquidator, 1, mark);
  return n + pendingSide(st, liquidator, -1, mark);
}

/**
 * The pending list of one side: its accounts still open across the mark and not cooling down (with duringCooldown
 * full, cooling down too: those go whole), in key order (longs by liquidation price descending, shorts ascending, ties
 * by account index ascending). An account sliced in this round waits for the next one.
 */
function pendingSide(st: RefState, liquidator: Liquidator, side: number, mark: number): number {
  const wholeInCooldown = st.p[P.partialDuringCooldown] === 1;
  let n = 0;
  const list = (side > 0 ? st.longPend : st.shortPend).filter((i) => st.dead[i] === 0 && st.inAuction[i] === 0);
  if (side > 0) st.longPend = list;
  else st.shortPend = list;
  const liq = st.curLiq;
  const due: number[] = [];
  for (const i of list) {
    // a haircut left the liquidation price stale: computed now, from the same size and collateral
    if (st.staleLiq[i] === 1) {
      st.staleLiq[i] = 0;
      liq[i] = liquidationPriceOf(st, side, st.curSize[i], st.pop.entry[i], st.curColl[i]);
    }
    const crosses = side > 0 ? liq[i] >= mark : liq[i] <= mark;
    // cooling down after a slice: it waits, or with duringCooldown full it is due too (and goes whole, below)
    const ready = st.nextSlice[i] <= st.step || wholeInCooldown;
    if (crosses && ready && st.slicedRound[i] !== st.round) due.push(i);
  }
  // by key, then index: a strict total order (a due account's key is a number, never NaN, and each index is there
  // once), so any sort gives the kernel's heapsort's order; not an insertion sort, which a step's arrivals, all due
  // at once, made quadratic (43 000 of them: minutes per path)
  due.sort((a, b) => (keyBefore(side, liq[a], a, liq[b], b) ? -1 : 1));
  for (const i of due) {
    if (st.blockedStep === st.step) break;
    if (st.dead[i] === 1) continue;
    // Hyperliquid: during the cooldown the whole position goes (the vault still first, below its threshold)
    liquidator.liquidateOne(i, side, mark, wholeInCooldown && st.nextSlice[i] > st.step);
    n++;
  }
  return n;
}

/** Key order of the pending accounts: longs by liquidation price descending, shorts ascending, then index. */
function keyBefore(side: number, la: number, ia: number, lb: number, ib: number): boolean {
  if (la === lb) return ia < ib;
  return side > 0 ? la > lb : la < lb;
}
