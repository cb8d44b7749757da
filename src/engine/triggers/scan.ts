// margin.model's trigger (assembly/triggers/scan.ts is the kernel's twin): every round, every open account whose
// equity at the mark is at or below the model's requirement is liquidated; what the open positions require is summed
// per step (marginHeld). And a position's liquidation price under the venue's maintenance convention, which every
// change of an account in place recomputes.

import { P } from "../layout.js";
import { conventionLiquidationPrice } from "../margin.js";
import type { Liquidator, RefState } from "../state.js";

/** A position's liquidation price under the venue's maintenance convention (margin.maintenanceAt). */
export function liquidationPriceOf(st: RefState, s: number, q: number, e: number, c: number): number {
  return conventionLiquidationPrice(st.p[P.maintenanceAtEntry] === 1, st.tiers, s, q, e, c);
}

/** The scan round's two sides: longs, then (unless a cap blocked the step) shorts. */
export function scanRound(st: RefState, liq: Liquidator, mark: number): number {
  const n = scanSide(st, liq, 1, mark);
  return st.blockedStep === st.step ? n : n + scanSide(st, liq, -1, mark);
}

/**
 * One side of a scan round: every open account of side `side` not in auction, not cooling down and not liquidated in
 * this round, in ladder order (then accounts.flow's arrivals), whose equity at the mark is at or below its requirement.
 */
function scanSide(st: RefState, liq: Liquidator, side: number, mark: number): number {
  const pop = st.pop;
  let n = 0;
  const order = side > 0 ? pop.longOrder : pop.shortOrder;
  const count = side > 0 ? pop.longCount : pop.shortCount;
  // the ladder's accounts, then accounts.flow's arrivals of this side in arrival order
  const end = count + st.active - pop.count;
  for (let r = 0; r < end; r++) {
    if (st.blockedStep === st.step) return n;
    const i = r < count ? order[r] : pop.count + (r - count);
    if (r >= count && (pop.isLong[i] === 1 ? 1 : -1) !== side) continue;
    if (st.dead[i] === 1 || st.inAuction[i] === 1 || st.nextSlice[i] > st.step || st.slicedRound[i] === st.round) continue;
    const q = st.curSize[i];
    const equity = st.curColl[i] + side * q * (mark - pop.entry[i]);
    if (equity > st.model.requirement(side, q, mark, pop.entry[i])) continue;
    liq.liquidateOne(i, side, mark);
    n++;
  }
  return n;
}

/** Step t opens at this mark: the model follows the mark's realised volatility; returns what the positions require. */
export function openScanStep(st: RefState, t: number, mark: number): number {
  st.model.openStep(t, mark);
  return marginHeldAt(st, mark);
}

/** The requirement of every open position at this mark (longs then shorts in ladder order). */
function marginHeldAt(st: RefState, mark: number): number {
  const pop = st.pop;
  let total = 0;
  for (let side = 1; side >= -1; side -= 2) {
    const order = side > 0 ? pop.longOrder : pop.shortOrder;
    const count = side > 0 ? pop.longCount : pop.shortCount;
    for (let r = 0; r < count; r++) {
      const i = order[r];
      if (st.dead[i] === 0) total += st.model.requirement(side, st.curSize[i], mark, pop.entry[i]);
    }
    for (let i = pop.count; i < st.active; i++) {
      if (st.dead[i] === 0 && (pop.isLong[i] === 1 ? 1 : -1) === side)
        total += st.model.requirement(side, st.curSize[i], mark, pop.entry[i]);
    }
  }
  return total;
}
