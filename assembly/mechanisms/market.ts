// liquidation.engine market: each account across the mark is closed whole by a market order into the book. Two forms:
// the batched rounds (the fast path: nothing changes an account in place, so a round fills every live rung across
// the mark from the ladder's records, then settles them — assembly/ledger.ts settleBatched), and the per-account whole
// close (closeWhole; with ADL on, the order walks only within the fund's budget: walkOrQueue).
import * as book from "../book";
import * as L from "../ledger";
import { Plain, Traced } from "../ledger";
import { queueRemainder } from "../loss-queue";
import * as PS from "../path-state";
import {
  L_CASH, L_DEAD, L_LIQ, L_SIZE, LADDER_STRIDE, accEntry, askProfile, base, bidProfile, curColl, curSize, ladder,
  longCount, shortCount,
} from "../state";
import * as ladderT from "../triggers/ladder";
import * as T from "../trace";

// ---- the batched rounds ----

/** One batched round at this mark in step t (`traced`: trace mode); returns how many accounts it liquidated. */
// @ts-ignore: decorator
@inline export function batchedRound(mark: f64, t: i32, traced: bool): i32 {
  let n = 0;
  // a step whose caps are reached liquidates nobody more: the cursor stays on the next account
  if (ladderT.longDue(mark) && !L.blocked(t)) {
    n += traced ? tracedLongs(mark, t) : L.capsOn ? cappedLongs<Plain>(mark, t) : liquidateLongs<Plain>(mark, longCount);
  }
  if (ladderT.shortDue(mark) && !L.blocked(t)) {
    n += traced ? tracedShorts(mark, t) : L.capsOn ? cappedShorts<Plain>(mark, t) : liquidateShorts<Plain>(mark, shortCount);
  }
  return n;
}

function cappedLongs<M>(mark: f64, t: i32): i32 {
  const rungs = base(ladder);
  let n = 0;
  while (ladderT.longDue(mark) && !L.blocked(t)) {
    n += liquidateLongs<M>(mark, ladderT.nextLiveEnd(rungs, ladderT.longCursor, longCount));
  }
  return n;
}

function cappedShorts<M>(mark: f64, t: i32): i32 {
  const rungs = base(ladder) + <usize>longCount * LADDER_STRIDE;
  let n = 0;
  while (ladderT.shortDue(mark) && !L.blocked(t)) {
    n += liquidateShorts<M>(mark, ladderT.nextLiveEnd(rungs, ladderT.shortCursor, shortCount));
  }
  return n;
}

function tracedLongs(mark: f64, t: i32): i32 {
  return L.capsOn ? cappedLongs<Traced>(mark, t) : liquidateLongs<Traced>(mark, longCount);
}

function tracedShorts(mark: f64, t: i32): i32 {
  return L.capsOn ? cappedShorts<Traced>(mark, t) : liquidateShorts<Traced>(mark, shortCount);
}

// One cascade round on one side: every live account across the cursor (of the `count` rungs) is closed by a market
// order and settled. One function per side, all state in locals (globals read once, written back once).

/** Longs with liquidation price ≥ mark are sold into the bids; returns how many were liquidated. */
function liquidateLongs<M>(mark: f64, count: i32): i32 {
  const rungs = base(ladder);
  const epoch = book.epoch;
  const first = ladderT.longCursor;
  let cursor = first;
  // 1. the fills, in ladder order: each live account across the mark sells into the bids from the touch (its
  // market sell); the notional waits in the record's cash slot. Settlement cannot change the book or this
  // side's accounts (ADL closes the other side), so filling first and settling after gives the same numbers.
  // The walk is book.sell's, inlined with the book's state in locals for the whole round (a call per account
  // with the state in globals cost the default scenario a third of its speed); same arithmetic, same bits.
  {
    const c = book.centre - book.spreadGap;
    const tk = book.tick;
    const scale = book.depthScale;
    const limit = book.bidLimit();
    const window = book.levels;
    // past `fast` a walk looks for a run to take in one stroke (book.sell's hot path)
    const fast = scale == 0 ? -1 : window;
    const profile = base(bidProfile);
    let k = book.bidTop;
    let rr = book.bidRem;
    let last = book.lastPrice;
    let ended = false;
    let walked = false;
    let rung = rungs + <usize>cursor * LADDER_STRIDE;
    while (cursor < count && load<f64>(rung, L_LIQ) >= mark) {
      const r = rung;
      cursor++;
      rung += LADDER_STRIDE;
      if (load<i32>(r, L_DEAD) == epoch) continue;
      let rem = load<f64>(r, L_SIZE);
      let notional: f64 = 0;
      while (rem > 0) {
        if (k > limit) {
          const edge = (c - <f64>limit) * tk;
          notional += rem * edge;
          last = edge;
          ended = true;
          rr = 0;
          break;
        }
        if (rr > 0) {
          const price = (c + 1 - <f64>k) * tk;
          last = price;
          if (rr > rem) {
            rr -= rem;
            notional += rem * price;
            break;
          }
          notional += rr * price;
          rem -= rr;
        }
        k++;
        if (k > fast) {
          // past the table, or a book stress emptied: book.sellOnward walks the rest of this sale from the level before
          // (its long runs in one stroke), with the notional so far; the loop above never moves k but by one
          book.bidWalked(k - 1, 0, last, ended, true);
          notional = book.sellOnward(rem, notional);
          k = book.bidTop;
          rr = book.bidRem;
          last = book.lastPrice;
          break;
        }
        rr = load<f64>(profile + (<usize>k << 3)) * scale;
      }
      store<f64>(r, notional, L_CASH);
      walked = true;
    }
    book.bidWalked(k, rr, last, ended, walked);
  }
  ladderT.setLongCursor(cursor);
  // 2. settlement, same order: the fee to the fund, or the deficit from the fund, then bad debt
  return L.settleBatched<M>(true, rungs, first, cursor, mark);
}

/** Shorts with liquidation price ≤ mark buy from the asks; mirror of liquidateLongs. */
function liquidateShorts<M>(mark: f64, count: i32): i32 {
  const rungs = base(ladder) + <usize>longCount * LADDER_STRIDE;
  const epoch = book.epoch;
  const first = ladderT.shortCursor;
  let cursor = first;
  // 1. the fills, in ladder order: each live account across the mark buys from the asks (its market buy)
  {
    const c = book.centre + book.spreadGap;
    const tk = book.tick;
    const scale = book.depthScale;
    const limit = book.askLimit();
    const window = book.levels;
    const fast = scale == 0 ? -1 : window;
    const profile = base(askProfile);
    let k = book.askTop;
    let rr = book.askRem;
    let last = book.lastPrice;
    let ended = false;
    let walked = false;
    let rung = rungs + <usize>cursor * LADDER_STRIDE;
    while (cursor < count && load<f64>(rung, L_LIQ) <= mark) {
      const r = rung;
      cursor++;
      rung += LADDER_STRIDE;
      if (load<i32>(r, L_DEAD) == epoch) continue;
      let rem = load<f64>(r, L_SIZE);
      let notional: f64 = 0;
      while (rem > 0) {
        if (k > limit) {
          const edge = (c + <f64>limit + 1) * tk;
          notional += rem * edge;
          last = edge;
          ended = true;
          rr = 0;
          break;
        }
        if (rr > 0) {
          const price = (c + <f64>k) * tk;
          last = price;
          if (rr > rem) {
            rr -= rem;
            notional += rem * price;
            break;
          }
          notional += rr * price;
          rem -= rr;
        }
        k++;
        if (k > fast) {
          // past the table, or a book stress emptied: book.buyOnward walks the rest (liquidateLongs says why)
          book.askWalked(k - 1, 0, last, ended, true);
          notional = book.buyOnward(rem, notional);
          k = book.askTop;
          rr = book.askRem;
          last = book.lastPrice;
          break;
        }
        rr = load<f64>(profile + (<usize>k << 3)) * scale;
      }
      store<f64>(r, notional, L_CASH);
      walked = true;
    }
    book.askWalked(k, rr, last, ended, walked);
  }
  ladderT.setShortCursor(cursor);
  // 2. settlement, same order: the fee to the fund, or the deficit from the fund, then bad debt
  return L.settleBatched<M>(false, rungs, first, cursor, mark);
}

// ---- the per-account whole close ----

/** The fill notional of walkOrQueue's order when it filled whole. */
export let walked: f64 = 0;

/** Closes account i (side s) whole by market order at this mark: its fill, then its settlement (ledger settleUnits). */
export function closeWhole(i: i32, s: f64, mark: f64): void {
  const q = unchecked(curSize[i]);
  if (L.adlOn && walkOrQueue(i, s, mark, q)) return;
  const notional = L.adlOn ? walked : s > 0 ? book.sell(q) : book.buy(q);
  PS.countLiquidation();
  if (T.tracing) T.fill(T.K_LIQUIDATION, i, s, q, notional, q, unchecked(curColl[i]), unchecked(accEntry[i]));
  L.settleUnits(i, s, mark, q, notional, true);
}

/**
 * ADL on: account i's liquidation order of qty walks the book only as far as the fund can pay for fills past the
 * bankruptcy price (the fund's available balance, less a margin far above rounding so that the settled deficit
 * never passes it). Filled whole: false, the notional in `walked`. Stopped short: the account is bankrupt — its
 * filled part settles (the fund pays the deficit), the rest of the position (the unfilled order and, for a slice,
 * what the slice left) goes to the step's loss allocation with the collateral backing it, and true
 * (reference.ts walkOrQueue).
 */
export function walkOrQueue(i: i32, s: f64, mark: f64, qty: f64): bool {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const b = e - (s * c) / q;
  const budget = L.fundAvailable() - 1e-9 * Math.abs(q * b);
  const notional = book.walkWithin(s, qty, b, budget > 0 ? budget : 0);
  const unfilled = book.unfilled;
  if (!(unfilled > 0)) {
    walked = notional;
    return false;
  }
  const x = qty - unfilled;
  const r = q - x;
  // the collateral backing the remainder: all but the filled part's share (an order that filled nothing keeps all)
  const cr = c - s * x * (e - b);
  const pnl = s * (notional - x * e);
  L.realise(pnl);
  PS.countLiquidation();
  PS.addFill(notional, s * (x * mark - notional), x * mark);
  // the account is closed: what its order filled, then (in the loss allocation) ADL for the rest
  if (T.tracing) T.fill(T.K_LIQUIDATION, i, s, x, notional, q, c, e);
  const backing = s * x * (e - b);
  const remaining = backing + pnl;
  let paid: f64 = 0;
  if (remaining >= 0) {
    L.closeAccount(i, remaining);
    L.addLiquidatedPnl(pnl);
  } else {
    paid = L.closeBankrupt(i, s, mark, backing, remaining);
  }
  queueRemainder(i, s, r, cr, b);
  if (L.settleHook) L.afterSettle(notional, paid);
  return true;
}
