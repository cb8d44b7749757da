// The loss allocation after a step's cascade (SPEC §3; assembly/loss-allocation.ts is the kernel's twin): the queue
// of the step's bankrupt remainders and deficits, in the order the bankruptcies happened, and allocate(), which closes
// each against the ADL ranking of the other side (adl.ts), the rest paid by the fund, then bad debt.

import { ADL_PRICE, ADL_RANKING, P } from "./layout.js";
import type { LossEntry, RefState } from "./state.js";
import { KIND } from "./trace.js";
import type { AdlRanking } from "./adl.js";
import { addBadDebt, closeAccount, fundThenBadDebt } from "./ledger.js";
import { LEG_ID_BASE, type OwnerLegs } from "./owner-adl.js";
import { pend } from "./triggers/ladder.js";
import { liquidationPriceOf } from "./triggers/scan.js";

/** ADL after the cascade: any ranking but none and socialized. */
export function adlOn(st: RefState): boolean {
  const ranking = st.p[P.adlRanking];
  return ranking !== ADL_RANKING.none && ranking !== ADL_RANKING.socialized;
}

/** A bankrupt remainder: account i (side s) left `size` units the book could not take, backed by `collateral`, at bankruptcy price b. */
export function queueRemainder(st: RefState, i: number, s: number, size: number, collateral: number, b: number): void {
  st.lossQueue.push({ account: i, side: s, size, collateral, price: b, deficit: 0 });
}

/**
 * Loss allocation after the cascade (SPEC §3), entry by entry in the order the bankruptcies happened: a bankrupt
 * remainder is closed against the ranked profitable positions of the other side, size for size, at the
 * bankruptcy price or the mark (adl.price), the last one partly, none of it on the book; a deficit no size
 * carries takes the ranked positions' profits at the mark, whole positions (assembly/loss-allocation.ts).
 */
export function allocate(st: RefState, adl: AdlRanking, mark: number): void {
  const queue = st.lossQueue;
  if (queue.length === 0) return;
  const atMark = st.p[P.adlPrice] === ADL_PRICE.mark;
  let rankedSide = 0;
  for (const entry of queue) {
    const side = -entry.side;
    // one ranking of a side's positions serves its entries in a row (a partly closed position keeps its place)
    if (side !== rankedSide) {
      adl.rank(side, mark);
      rankedSide = side;
    }
    if (entry.account < 0) {
      const owed = deleverageProfits(st, adl, side, entry.deficit, mark);
      if (owed > 0) addBadDebt(st, owed, entry.side);
    } else transfer(st, adl, entry, atMark ? mark : entry.price, mark);
  }
  st.lossQueue = [];
}

/**
 * Closes a bankrupt remainder against the ranking's positions at price P; what no profitable position takes is
 * closed at the mark against the venue, its shortfall paid by the fund, then bad debt.
 */
function transfer(st: RefState, adl: AdlRanking, entry: LossEntry, P: number, mark: number): void {
  const pop = st.pop;
  const s = entry.side;
  const side = -s;
  const r = entry.size;
  let left = r;
  // the ranking in order from the cursor: a closed account is passed for good, one not in profit at this entry's
  // price only for this entry (another bankrupt's price may put it in profit: the kernel stashes and re-inserts it)
  let k = adl.cursor;
  while (left > 0 && k < adl.len) {
    const j = adl.order[k];
    if (j >= LEG_ID_BASE) {
      // a cross-margin owner's leg (owner-adl.ts): -1 passed for good, 0 not in profit at P, else the units it took
      const owners = st.owners as OwnerLegs;
      const x = transferToLeg(st, owners, j, side, left, P, mark, entry);
      if (x === 0) {
        k++;
        continue;
      }
      if (x > 0) left -= x;
      // closed (before, or by this transfer): passed for good; partly closed, it keeps its place (left is 0)
      if (!owners.live(j - LEG_ID_BASE)) {
        if (k === adl.cursor) adl.cursor++;
        k++;
      }
      continue;
    }
    if (st.dead[j] === 1) {
      if (k === adl.cursor) adl.cursor++;
      k++;
      continue;
    }
    const qj = st.curSize[j];
    const ej = pop.entry[j];
    // only a position in profit at the ADL price is deleveraged
    if (!(side * (P - ej) > 0)) {
      k++;
      continue;
    }
    const x = left < qj ? left : qj;
    const pnl = side * x * (P - ej);
    st.venue.makers -= pnl;
    st.venue.adlPnl += pnl;
    // what the ADL'd position gives up against the mark (0 when ADL is at the mark)
    st.venue.adlTransfer += side * x * (mark - P);
    if (x === qj) {
      closeAccount(st, j, side, qj);
      st.cash[j] = st.curColl[j] + pnl;
      if (k === adl.cursor) adl.cursor++;
      k++;
    } else {
      const rest = qj - x;
      const cj = st.curColl[j] + pnl;
      st.curSize[j] = rest;
      st.openInterest.reduced(side, x);
      st.curColl[j] = cj;
      st.curLiq[j] = liquidationPriceOf(st, side, rest, ej, cj);
      pend(st, j, side);
    }
    const onAdl = st.onAdl;
    if (onAdl) onAdl({ step: st.step, account: j, side, size: x, price: P, whole: x === qj, bankrupt: entry.account });
    st.adlCount++;
    st.adlNotional += x * P;
    // the ADL'd position (side, x at P) against the bankrupt account
    st.trace?.event(KIND.adl, j, side, x, P, entry.price, x * P, entry.account);
    left -= x;
  }
  const i = entry.account;
  const e = pop.entry[i];
  // closed whole at its bankruptcy price, the remainder's equity is exactly zero: its collateral is its loss
  let pnl = left === 0 && P === entry.price ? -entry.collateral : s * (r - left) * (P - e);
  if (left > 0) pnl += s * left * (mark - e);
  st.venue.makers -= pnl;
  const rest = entry.collateral + pnl;
  if (rest >= 0) st.venue.liquidatedPnl += pnl;
  else {
    st.venue.liquidatedPnl -= entry.collateral;
    st.venue.shortfall += -rest;
  }
  if (rest > 0) st.cash[i] += rest;
  else if (rest < 0) fundThenBadDebt(st, -rest, s);
}

/**
 * ADL of a cross-margin owner's leg (id = LEG_ID_BASE + leg) against `left` units of a bankrupt remainder at price P:
 * returns −1 when the leg or its owner closed since the ranking (passed for good), 0 when it is not in profit at P
 * (passed for this entry), else the units x it took (all of it: passed for good; assembly/owner-adl.ts transfer).
 */
function transferToLeg(
  st: RefState,
  owners: OwnerLegs,
  id: number,
  side: number,
  left: number,
  P: number,
  mark: number,
  entry: LossEntry,
): number {
  const j = id - LEG_ID_BASE;
  if (!owners.live(j)) return -1;
  const q = owners.size(j);
  const e = owners.entry(j);
  if (!(side * (P - e) > 0)) return 0;
  const x = left < q ? left : q;
  const pnl = side * x * (P - e);
  st.venue.makers -= pnl;
  st.venue.adlPnl += pnl;
  st.venue.adlTransfer += side * x * (mark - P);
  owners.deleveraged(j, x, pnl);
  const onAdl = st.onAdl;
  if (onAdl) onAdl({ step: st.step, account: id, side, size: x, price: P, whole: x === q, bankrupt: entry.account });
  st.adlCount++;
  st.adlNotional += x * P;
  st.trace?.event(KIND.adl, id, side, x, P, entry.price, x * P, entry.account);
  return x;
}

/**
 * Closes profitable accounts of side `side` at the mark, best-ranked first (the ranking adl.rank() last built),
 * and takes the shortfall from their realised profit (never their principal); returns what is still owed.
 */
function deleverageProfits(st: RefState, adl: AdlRanking, side: number, deficit: number, mark: number): number {
  const pop = st.pop;
  // summed apart, then added (the kernel's adl.consume does the same)
  let kept = 0;
  let given = 0;
  while (deficit > 0 && adl.cursor < adl.len) {
    const j = adl.order[adl.cursor++];
    if (j >= LEG_ID_BASE) {
      // a cross-margin owner's leg: closed whole at the mark, its profit less the haircut to its owner's cash
      const owners = st.owners as OwnerLegs;
      const leg = j - LEG_ID_BASE;
      if (!owners.live(leg)) continue;
      const q = owners.size(leg);
      const profit = side * q * (mark - owners.entry(leg));
      st.venue.makers -= profit;
      const haircut = Math.min(deficit, profit);
      owners.deleveraged(leg, q, profit - haircut);
      kept += profit - haircut;
      given += haircut;
      deficit -= haircut;
      st.adlCount++;
      st.adlNotional += q * mark;
      st.trace?.event(KIND.adl, j, side, q, mark, NaN, q * mark, -1);
      continue;
    }
    if (st.dead[j] === 1) continue;
    const q = st.curSize[j];
    const profit = side * q * (mark - pop.entry[j]);
    st.venue.makers -= profit;
    const haircut = Math.min(deficit, profit);
    st.cash[j] = st.curColl[j] + profit - haircut;
    kept += profit - haircut;
    given += haircut;
    deficit -= haircut;
    closeAccount(st, j, side, q);
    st.adlCount++;
    st.adlNotional += q * mark;
    // closed whole at the mark against a deficit no bankrupt size carries (no counterparty)
    st.trace?.event(KIND.adl, j, side, q, mark, NaN, q * mark, -1);
  }
  st.venue.adlPnl += kept;
  st.venue.adlTransfer += given;
  return deficit;
}
