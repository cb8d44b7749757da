// The per-account engine: every liquidation engine but the batched market rounds, and any mechanism that changes
// an account in place, one account at a time on its current size and collateral — the reference engine's plain
// loop (src/engine/reference.ts), same arithmetic in the same order. A round: the ladder's longs across the mark,
// its shorts, then the accounts re-checked at their own liquidation price (sliced, partly repaid, haircut) still
// open across the mark and not cooling down, longs then shorts, each side in key order (longs by liquidation price
// descending, shorts ascending, ties by account index ascending); one liquidated in this round waits for the next;
// then the auctions. With margin.model the scan engine replaces the ladder and the lists: every open account is
// checked against the model's requirement every round.
import {
  ENGINE_AUCTION, ENGINE_BACKSTOP, ENGINE_CLOSE_FACTOR, FEE_RAMPED, FEE_TIERED, P_ACCOUNTS, P_FEE_RAMP_GRACE,
  P_MAINTENANCE_AT_ENTRY, P_FEE_RAMP_MAX, P_FEE_RAMP_PER_SECOND, P_FEE_TIER_COUNT, P_FEE_TIER_FLOOR, P_FEE_TIER_RATE,
  P_PARTIAL_DURING_COOLDOWN, P_TIER_COUNT,
  } from "./abi"; import * as book from "./book"; import { conventionLiquidationPrice } from "./margin"; import * as margin from "./margin-model"; import {
  L_CASH, L_DEAD, accEntry, accIsLong, base, curColl, curLiq, curSize, duePend, flagged,
  inAuction, pended, staleLiq, socialIds, socialProfit, isClosed, longCount, longLiq, longOrder, longPend, nextSlice,
  params, rungOf, shortCount, shortLiq, shortOrder, shortPend, slicedRound, touchStamp, touchedIds,
} from "./state";
import { queueRemainder } from "./loss-allocation";
import { kick, takeAuctions } from "./auction";
import { backstopTakes } from "./backstop";
import { closeFactorStep } from "./close-factor";
import * as C from "./cascade";
import * as F from "./flow";
import * as T from "./trace";
import * as fan from "./fan";

export function perAccountRound(mark: f64, t: i32): i32 {
  if (C.scan) {
    const n = scanSide(1, mark, t) + (C.blockedStep == t ? 0 : scanSide(-1, mark, t));
    return C.auctionOn ? n + takeAuctions(mark) : n;
  }
  const epoch = book.epoch;
  let n = 0;
  while (C.longCursor < longCount && unchecked(longLiq[C.longCursor]) >= mark && C.blockedStep != t) {
    const i = unchecked(longOrder[C.longCursor]);
    C.longCursor++;
    if (!isClosed(i, epoch) && unchecked(inAuction[i]) == 0) {
      liquidateOne(i, 1, mark);
      n++;
    }
  }
  while (C.shortCursor < shortCount && unchecked(shortLiq[C.shortCursor]) <= mark && C.blockedStep != t) {
    const i = unchecked(shortOrder[C.shortCursor]);
    C.shortCursor++;
    if (!isClosed(i, epoch) && unchecked(inAuction[i]) == 0) {
      liquidateOne(i, -1, mark);
      n++;
    }
  }
  n += pendingSide(1, mark, t);
  n += pendingSide(-1, mark, t);
  if (C.auctionOn) n += takeAuctions(mark);
  return n;
}

// @ts-ignore: decorator
@inline export function keyBefore(side: f64, la: f64, ia: i32, lb: f64, ib: i32): bool {
  if (la == lb) return ia < ib;
  return side > 0 ? la > lb : la < lb;
}

export function pendingSide(side: f64, mark: f64, t: i32): i32 {
  const list = side > 0 ? longPend : shortPend;
  const epoch = book.epoch;
  // drop the closed ones and those in auction, keeping the order
  let len = side > 0 ? C.longPendLen : C.shortPendLen;
  let k = 0;
  for (let r = 0; r < len; r++) {
    const i = unchecked(list[r]);
    if (!isClosed(i, epoch) && unchecked(inAuction[i]) == 0) {
      unchecked((list[k] = i));
      k++;
    }
  }
  len = k;
  if (side > 0) C.longPendLen = len;
  else C.shortPendLen = len;
  let due = 0;
  const wholeInCooldown = unchecked(params[P_PARTIAL_DURING_COOLDOWN]) == 1;
  for (let r = 0; r < len; r++) {
    const i = unchecked(list[r]);
    // a haircut left the liquidation price stale: computed now, from the same size and collateral
    if (unchecked(staleLiq[i]) == 1) {
      unchecked((staleLiq[i] = 0));
      unchecked((curLiq[i] = liquidationPriceOf(side, unchecked(curSize[i]), unchecked(accEntry[i]), unchecked(curColl[i]))));
    }
    const l = unchecked(curLiq[i]);
    const crosses = side > 0 ? l >= mark : l <= mark;
    // cooling down after a slice: it waits, or with duringCooldown full it is due too (and goes whole, below)
    const ready = unchecked(nextSlice[i]) <= t || wholeInCooldown;
    if (crosses && ready && unchecked(slicedRound[i]) != C.round) {
      // insertion by key, then index
      let b = due - 1;
      while (b >= 0 && keyBefore(side, l, i, unchecked(curLiq[unchecked(duePend[b])]), unchecked(duePend[b]))) {
        unchecked((duePend[b + 1] = duePend[b]));
        b--;
      }
      unchecked((duePend[b + 1] = i));
      due++;
    }
  }
  let n = 0;
  for (let r = 0; r < due; r++) {
    if (C.blockedStep == t) break;
    const i = unchecked(duePend[r]);
    if (isClosed(i, epoch)) continue;
    // Hyperliquid: during the cooldown the whole position goes (the vault still first, below its threshold)
    liquidateOne(i, side, mark, wholeInCooldown && unchecked(nextSlice[i]) > t);
    n++;
  }
  return n;
}

/** The accounts whose per-account state changed in this path: only they are reset for the next one. */
export let touchedLen: i32 = 0;

export function clearTouched(): void {
  touchedLen = 0;
}

/** Account i's per-account state is about to change in this path. */
export function touch(i: i32): void {
  const epoch = book.epoch;
  if (unchecked(touchStamp[i]) == epoch) return;
  unchecked((touchStamp[i] = epoch));
  unchecked((touchedIds[touchedLen] = i));
  touchedLen++;
}

/** Liquidates account i (side s) by the scenario's engine; `whole`: never a slice. */
export function liquidateOne(i: i32, s: f64, mark: f64, whole: bool = false): void {
  touch(i);
  sideChanged(s);
  if (unchecked(flagged[i]) < 0) unchecked((flagged[i] = book.step));
  if (C.engine == ENGINE_AUCTION) kick(i, s, mark);
  else if (C.engine == ENGINE_CLOSE_FACTOR) closeFactorStep(i, s, mark);
  else if (C.engine != ENGINE_BACKSTOP || !backstopTakes(i, s, mark)) liquidatePartial(i, s, mark, whole);
}

/** Closes account i (side s) whole, or slices it (partial); the settlement of reference.ts liquidatePartial(). */
export function liquidatePartial(i: i32, s: f64, mark: f64, whole: bool = false): void {
  const q = unchecked(curSize[i]);
  if (!whole && C.partialFraction < 1 && q * mark > C.partialThreshold) {
    sliceOne(i, s, mark);
    return;
  }
  if (C.adlOn && walkOrQueue(i, s, mark, q)) return;
  const notional = C.adlOn ? walked : s > 0 ? book.sell(q) : book.buy(q);
  C.liquidations++;
  if (T.tracing) T.fill(T.K_LIQUIDATION, i, s, q, notional, q, unchecked(curColl[i]), unchecked(accEntry[i]));
  settleUnits(i, s, mark, q, notional, true);
}

/** The fill notional of walkOrQueue's order when it filled whole. */
let walked: f64 = 0;

/**
 * ADL on: account i's liquidation order of qty walks the book only as far as the fund can pay for fills past the
 * bankruptcy price (the fund's available balance, less a margin far above rounding so that the settled deficit
 * never passes it). Filled whole: false, the notional in `walked`. Stopped short: the account is bankrupt — its
 * filled part settles (the fund pays the deficit), the rest of the position (the unfilled order and, for a slice,
 * what the slice left) goes to the step's loss allocation with the collateral backing it, and true
 * (reference.ts walkOrQueue).
 */
function walkOrQueue(i: i32, s: f64, mark: f64, qty: f64): bool {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const b = e - (s * c) / q;
  const budget = C.fundAvailable() - 1e-9 * Math.abs(q * b);
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
  C.makers -= pnl;
  C.liquidations++;
  C.liquidatedNotional += notional;
  C.slipValue += s * (x * mark - notional);
  C.markedValue += x * mark;
  // the account is closed: what its order filled, then (in the loss allocation) ADL for the rest
  if (T.tracing) T.fill(T.K_LIQUIDATION, i, s, x, notional, q, c, e);
  const backing = s * x * (e - b);
  const remaining = backing + pnl;
  let paid: f64 = 0;
  if (remaining >= 0) {
    closeAccount(i, remaining);
    C.liquidatedPnl += pnl;
  } else {
    closeAccount(i, 0);
    C.liquidatedPnl -= backing;
    C.shortfall += -remaining;
    paid = C.cover(-remaining, s, mark);
  }
  queueRemainder(i, s, r, cr, b);
  if (C.settleHook) C.afterSettle(notional, paid);
  return true;
}

export function sliceOne(i: i32, s: f64, mark: f64): void {
  const f = C.partialFraction;
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const qs = f * q;
  if (C.adlOn && walkOrQueue(i, s, mark, qs)) return;
  const notional = C.adlOn ? walked : s > 0 ? book.sell(qs) : book.buy(qs);
  const pnl = s * (notional - qs * e);
  C.makers -= pnl;
  const cs = f * c;
  const remaining = cs + pnl;
  C.liquidations++;
  C.liquidatedNotional += notional;
  C.slipValue += s * (qs * mark - notional);
  C.markedValue += qs * mark;
  if (T.tracing) T.fill(T.K_SLICE, i, s, qs, notional, q, c, e);
  const rest = q - qs;
  unchecked((curSize[i] = rest));
  fan.reduced(s, qs);
  let paid: f64 = 0;
  if (remaining >= 0) {
    const fee = Math.min(feeRateOf(i, notional) * notional, remaining);
    unchecked((curColl[i] = c - cs + (remaining - fee)));
    C.liquidatedPnl += pnl - fee;
    C.feesPaid += fee;
    C.addFee(fee);
  } else {
    unchecked((curColl[i] = c - cs));
    C.liquidatedPnl -= cs;
    C.shortfall += -remaining;
    paid = C.cover(-remaining, s, mark);
  }
  unchecked((curLiq[i] = liquidationPriceOf(s, rest, e, unchecked(curColl[i]))));
  unchecked((nextSlice[i] = book.step + C.partialCooldown));
  pend(i, s);
  unchecked((slicedRound[i] = C.round));
  if (C.settleHook) C.afterSettle(notional, paid);
}

/** Marks account i closed in this path with this cash (again, for a closed one: the loss allocation adds to it). */
// @ts-ignore: decorator (inlined, as Binaryen did before the fan charts' open interest made it larger)
@inline export function closeAccount(i: i32, cash: f64): void {
  const rung = rungOf(i);
  const epoch = book.epoch;
  if (load<i32>(rung, L_DEAD) != epoch) {
    F.openCount--;
    fan.closedAccount(i);
  }
  store<i32>(rung, epoch, L_DEAD);
  store<f64>(rung, cash, L_CASH);
}

/** Joins account i to its side's list of accounts re-checked at their own liquidation price (once). */
export function pend(i: i32, s: f64): void {
  // a flag, not a search of the list: socialised loss pends thousands of accounts per deficit
  if (unchecked(pended[i]) == 1) return;
  unchecked((pended[i] = 1));
  const list = s > 0 ? longPend : shortPend;
  const len = s > 0 ? C.longPendLen : C.shortPendLen;
  unchecked((list[len] = i));
  if (s > 0) C.longPendLen = len + 1;
  else C.shortPendLen = len + 1;
}

/** The fee rate on a liquidation fill of this notional for account i (liquidation.fee, else the flat feeRate). */
export function feeRateOf(i: i32, notional: f64): f64 {
  if (C.feeKind == FEE_TIERED) {
    const n = <i32>unchecked(params[P_FEE_TIER_COUNT]);
    let j = 0;
    while (j + 1 < n && notional >= unchecked(params[P_FEE_TIER_FLOOR + j + 1])) j++;
    return unchecked(params[P_FEE_TIER_RATE + j]);
  }
  if (C.feeKind == FEE_RAMPED) {
    const over = <f64>(book.step - unchecked(flagged[i])) * C.stepSeconds - unchecked(params[P_FEE_RAMP_GRACE]);
    const rate = C.feeRate + unchecked(params[P_FEE_RAMP_PER_SECOND]) * (over > 0 ? over : 0);
    const max = unchecked(params[P_FEE_RAMP_MAX]);
    return rate < max ? rate : max;
  }
  return C.feeRate;
}

/**
 * Settles qx units of account i (side s) closed at a fill notional (a whole close by market order, an auction take,
 * a close-factor repayment): PnL realised on them against the account's whole collateral; the last units close the
 * account, a deficit then going to the fund, ADL, bad debt (reference.ts settleUnits).
 */
export function settleUnits(i: i32, s: f64, mark: f64, qx: f64, notional: f64, charged: bool): void {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const pnl = s * (notional - qx * e);
  C.makers -= pnl;
  C.liquidatedNotional += notional;
  C.slipValue += s * (qx * mark - notional);
  C.markedValue += qx * mark;
  let paid: f64 = 0;
  if (qx >= q) {
    const remaining = c + pnl;
    unchecked((inAuction[i] = 0));
    if (remaining >= 0) {
      const fee = charged ? Math.min(feeRateOf(i, notional) * notional, remaining) : 0;
      closeAccount(i, remaining - fee);
      C.liquidatedPnl += pnl - fee;
      C.feesPaid += fee;
      C.addFee(fee);
    } else {
      closeAccount(i, 0);
      C.liquidatedPnl -= c;
      C.shortfall += -remaining;
      paid = C.cover(-remaining, s, mark);
    }
  } else {
    // the account's whole collateral backs the units (a deficit is taken only when it closes; reference.ts says why)
    const remaining = c + pnl;
    const rest = q - qx;
    unchecked((curSize[i] = rest));
    fan.reduced(s, qx);
    const fee = charged && remaining > 0 ? Math.min(feeRateOf(i, notional) * notional, remaining) : 0;
    unchecked((curColl[i] = remaining - fee));
    C.liquidatedPnl += pnl - fee;
    C.feesPaid += fee;
    C.addFee(fee);
    unchecked((curLiq[i] = liquidationPriceOf(s, rest, e, unchecked(curColl[i]))));
  }
  // the per-step caps, and the trace's event of this settlement (opened by the caller) completed
  if (C.settleHook) C.afterSettle(notional, paid);
}

// adl.ranking socialized
/** Shares the deficit across the profitable open accounts of `side`, pro rata to profit; returns what is left. */
export function socialize(side: f64, deficit: f64, mark: f64): f64 {
  const longs = side > 0 ? 1 : 0;
  const version = longs == 1 ? longVersion : shortVersion;
  // the profitable set and its total hold until an account of this side changes (haircuts change collateral, not
  // profit), so the deficits of one round on one side share one scan; the reference rescans every time (same sums)
  if (!(socialEpoch == book.epoch && socialRound == C.round && socialLongs == longs && socialMark == mark && socialVersion == version)) {
    socialEpoch = book.epoch;
    socialRound = C.round;
    socialLongs = longs;
    socialMark = mark;
    socialVersion = version;
    // the population and accounts.flow's arrivals so far
    const nAcc = F.active;
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
  const total = socialTotal;
  if (!(total > 0)) return deficit;
  const take = deficit < total ? deficit : total;
  let taken: f64 = 0;
  for (let k = 0; k < socialCount; k++) {
    const j = unchecked(socialIds[k]);
    const profit = unchecked(socialProfit[k]);
    const h = take * (profit / total);
    touch(j);
    const c = unchecked(curColl[j]) - h;
    unchecked((curColl[j] = c));
    taken += h;
    // its liquidation price is computed when the pending list next reads it
    unchecked((staleLiq[j] = 1));
    pend(j, side);
  }
  // the haircut traders pay it: what they give up of their profit
  C.adlPnl -= taken;
  C.adlTransfer += taken;
  if (T.tracing) T.event(T.K_SOCIALIZED, -1, side, NaN, mark, NaN, taken, -1);
  // a shortfall below the profits is covered in full (rounding of the haircuts' sum is not bad debt)
  return deficit < total ? 0 : deficit - taken;
}

// margin.model: the scan engine (src/engine/reference.ts scanRound)
/**
 * One side of a scan round: every open account not in auction, not cooling down and not liquidated in this round,
 * in ladder order, whose equity at the mark is at or below its requirement.
 */
export function scanSide(side: f64, mark: f64, t: i32): i32 {
  const order = side > 0 ? longOrder : shortOrder;
  const count = side > 0 ? longCount : shortCount;
  const epoch = book.epoch;
  // the ladder's accounts, then accounts.flow's arrivals of this side in arrival order
  const nPop = <i32>unchecked(params[P_ACCOUNTS]);
  const end = count + F.active - nPop;
  const longs = side > 0 ? 1 : 0;
  let n = 0;
  for (let r = 0; r < end; r++) {
    if (C.blockedStep == t) return n;
    const i = r < count ? unchecked(order[r]) : nPop + (r - count);
    if (r >= count && unchecked(accIsLong[i]) != longs) continue;
    if (isClosed(i, epoch) || unchecked(inAuction[i]) == 1 || unchecked(nextSlice[i]) > t || unchecked(slicedRound[i]) == C.round) continue;
    const q = unchecked(curSize[i]);
    const equity = unchecked(curColl[i]) + side * q * (mark - unchecked(accEntry[i]));
    if (equity > margin.requirement(side, q, mark, unchecked(accEntry[i]))) continue;
    liquidateOne(i, side, mark);
    n++;
  }
  return n;
}

/** The requirement of every open position at this mark (longs then shorts in ladder order). */
export function marginHeldAt(mark: f64): f64 {
  const epoch = book.epoch;
  const nPop = <i32>unchecked(params[P_ACCOUNTS]);
  let total: f64 = 0;
  for (let r = 0; r < longCount; r++) {
    const i = unchecked(longOrder[r]);
    if (!isClosed(i, epoch)) total += margin.requirement(1, unchecked(curSize[i]), mark, unchecked(accEntry[i]));
  }
  // accounts.flow's arrivals after each side's ladder
  for (let i = nPop; i < F.active; i++) {
    if (unchecked(accIsLong[i]) == 1 && !isClosed(i, epoch)) total += margin.requirement(1, unchecked(curSize[i]), mark, unchecked(accEntry[i]));
  }
  for (let r = 0; r < shortCount; r++) {
    const i = unchecked(shortOrder[r]);
    if (!isClosed(i, epoch)) total += margin.requirement(-1, unchecked(curSize[i]), mark, unchecked(accEntry[i]));
  }
  for (let i = nPop; i < F.active; i++) {
    if (unchecked(accIsLong[i]) == 0 && !isClosed(i, epoch)) total += margin.requirement(-1, unchecked(curSize[i]), mark, unchecked(accEntry[i]));
  }
  return total;
}

/** The scan engine at a step's opening mark: the volatility estimate moves, and what the requirement holds is summed. */
export function openScanStep(t: i32, mark: f64): void {
  margin.openStep(t, mark);
  C.marginSum += marginHeldAt(mark);
}

/** A position's liquidation price under the venue's maintenance convention (margin.maintenanceAt). */
export function liquidationPriceOf(s: f64, q: f64, e: f64, c: f64): f64 {
  return conventionLiquidationPrice(unchecked(params[P_MAINTENANCE_AT_ENTRY]) == 1, <i32>unchecked(params[P_TIER_COUNT]), s, q, e, c);
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

/** An account of this side is about to change (liquidated, sliced, repaid, taken over, kicked, taken at auction). */
export function sideChanged(s: f64): void {
  if (s > 0) longVersion++;
  else shortVersion++;
}
