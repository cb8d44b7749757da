// liquidation.engine dutch-auction (Maker Liquidations 2.0, the Clipper) on a perp position: kick, the price curve,
// redo, and keepers with finite capital per step (src/engine/reference.ts, same arithmetic in the same order). The
// auctions' state is this module's; the per-account arrays (inAuction, auctionTop, auctionStart, auctionList) are
// assembly/state.ts regions.
import {
  CURVE_LINEAR, CURVE_STAIRSTEP, P_AUCTION_BUF, P_AUCTION_CHIP, P_AUCTION_CURVE, P_AUCTION_CUSP, P_AUCTION_CUT,
  P_AUCTION_HOLE, P_AUCTION_STEP, P_AUCTION_TAIL, P_AUCTION_TAU, P_AUCTION_TIP, P_KEEPER_CAPITAL, P_KEEPER_MIN_PROFIT,
  P_STEP_SECONDS,
} from "../abi";
import { sideChanged } from "../adl";
import * as book from "../book";
import * as L from "../ledger";
import { exp, log } from "../mathfn";
import * as PS from "../path-state";
import {
  accEntry, accIsLong, auctionList, auctionStart, auctionTop, curColl, curSize, inAuction, nextSlice, params, staleLiq,
} from "../state";
import { pend } from "../triggers/ladder";
import * as T from "../trace";

/** The accounts in auction in kick order (auctionList), and the keepers' capital left in the step it was given for. */
let auctionLen: i32 = 0;
let keeperStep: i32 = 0;
let keeperLeft: f64 = 0;
let stepSeconds: f64 = 0;

/** A path starts: no auction, the keepers' capital not yet given. */
export function newPath(): void {
  auctionLen = 0;
  keeperStep = 0;
  keeperLeft = 0;
  stepSeconds = unchecked(params[P_STEP_SECONDS]);
}

export function kick(i: i32, s: f64, mark: f64): void {
  if (holeFull(i, s, mark)) {
    // Maker's Dog: no room under the hole; the account waits, still under water, for the next step
    unchecked((nextSlice[i] = book.step + 1));
    unchecked((staleLiq[i] = 1));
    pend(i, s);
    return;
  }
  unchecked((inAuction[i] = 1));
  unchecked((auctionList[auctionLen] = i));
  auctionLen++;
  PS.countLiquidation();
  if (T.tracing) T.kick(i, s, mark, unchecked(curSize[i]), unchecked(curColl[i]), unchecked(accEntry[i]));
  restart(i, s, mark);
  if (T.tracing) T.close(L.insurance, L.vaultShown());
}

/** An auction's debt as it stands: a long's q·entry − c, a short's q·mark, at least 0. */
function debtOf(j: i32, s: f64, mark: f64): f64 {
  const q = unchecked(curSize[j]);
  const debt = s > 0 ? q * unchecked(accEntry[j]) - unchecked(curColl[j]) : q * mark;
  return debt > 0 ? debt : 0;
}

/** Whether kicking account i would take the debt in auctions in progress past the hole (none in progress: never). */
function holeFull(i: i32, s: f64, mark: f64): bool {
  const hole = unchecked(params[P_AUCTION_HOLE]);
  if (!(hole < Infinity)) return false;
  let dirt: f64 = 0;
  let active = 0;
  for (let r = 0; r < auctionLen; r++) {
    const j = unchecked(auctionList[r]);
    if (unchecked(inAuction[j]) == 0) continue;
    dirt += debtOf(j, unchecked(accIsLong[j]) == 1 ? 1 : -1, mark);
    active++;
  }
  return active > 0 && dirt + debtOf(i, s, mark) > hole;
}

/** Kick or redo: the top from the current mark, the clock from this step, the keepers' incentive from the fund. */
function restart(i: i32, s: f64, mark: f64): void {
  const buf = unchecked(params[P_AUCTION_BUF]);
  unchecked((auctionTop[i] = s > 0 ? mark * buf : mark / buf));
  unchecked((auctionStart[i] = book.step));
  const incentive = unchecked(params[P_AUCTION_TIP]) + unchecked(params[P_AUCTION_CHIP]) * (unchecked(curSize[i]) * mark);
  // Maker's Vow pays it (suck): what the fund does not hold becomes system debt
  if (incentive > 0) L.keeperIncentive(i, s, incentive);
}

/** The curve's share of the top after `elapsed` seconds. */
function curveShare(elapsed: f64): f64 {
  const curve = <i32>unchecked(params[P_AUCTION_CURVE]);
  if (curve == CURVE_LINEAR) {
    const f = 1 - elapsed / unchecked(params[P_AUCTION_TAU]);
    return f > 0 ? f : 0;
  }
  const cuts = curve == CURVE_STAIRSTEP ? Math.floor(elapsed / unchecked(params[P_AUCTION_STEP])) : elapsed;
  return cuts > 0 ? exp(cuts * log(unchecked(params[P_AUCTION_CUT]))) : 1;
}

/** One round of the auctions, in kick order: redo the stale ones, let keepers take the profitable ones. */
export function takeAuctions(mark: f64): i32 {
  const step = book.step;
  if (keeperStep != step) {
    keeperStep = step;
    keeperLeft = unchecked(params[P_KEEPER_CAPITAL]);
  } else if (!(keeperLeft > 0)) {
    // the step's redos are done and the keepers are out of capital: nothing can happen before the next step
    return 0;
  }
  const margin = 1 + unchecked(params[P_KEEPER_MIN_PROFIT]);
  const tail = unchecked(params[P_AUCTION_TAIL]);
  const cusp = unchecked(params[P_AUCTION_CUSP]);
  // drop the finished ones, keeping kick order
  let len = 0;
  for (let r = 0; r < auctionLen; r++) {
    const i = unchecked(auctionList[r]);
    if (unchecked(inAuction[i]) == 1) {
      unchecked((auctionList[len] = i));
      len++;
    }
  }
  auctionLen = len;
  let n = 0;
  for (let r = 0; r < len; r++) {
    if (L.blocked(step)) break;
    const i = unchecked(auctionList[r]);
    if (unchecked(inAuction[i]) == 0) continue;
    const s: f64 = unchecked(accIsLong[i]) == 1 ? 1 : -1;
    let elapsed = <f64>(step - unchecked(auctionStart[i])) * stepSeconds;
    let f = curveShare(elapsed);
    if (elapsed > tail || f < cusp) {
      restart(i, s, mark);
      elapsed = 0;
      f = 1;
    }
    const top = unchecked(auctionTop[i]);
    const price = s > 0 ? top * f : top / f;
    // the touch the keeper would sell (buy) at: 0 (Infinity) when the book holds no bid (ask)
    const touch = s > 0 ? book.bidPrice() : book.askPrice();
    const profitable = s > 0 ? price * margin <= touch : touch * margin <= price;
    if (profitable && keeperLeft > 0 && price > 0) {
      const q = unchecked(curSize[i]);
      const affordable = keeperLeft / price;
      const taken = affordable < q ? affordable : q;
      // capital that buys less than the lot is spent to the last unit (no rounding dust left for another take)
      keeperLeft = affordable < q ? 0 : keeperLeft - taken * price;
      // the keeper trades what it took on the book at once
      const traded = s > 0 ? book.sell(taken) : book.buy(taken);
      L.addKeepersPnl(s * (traded - taken * price));
      sideChanged(s);
      if (T.tracing) T.fill(T.K_AUCTION_TAKE, i, s, taken, taken * price, q, unchecked(curColl[i]), unchecked(accEntry[i]));
      L.settleUnits(i, s, mark, taken, taken * price, true);
      n++;
    }
  }
  return n;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<i32>(b, auctionLen, 0);
  store<i32>(b, keeperStep, 8);
  store<f64>(b, keeperLeft, 16);
  store<f64>(b, stepSeconds, 24);
}
export function loadContext(b: usize): void {
  auctionLen = load<i32>(b, 0);
  keeperStep = load<i32>(b, 8);
  keeperLeft = load<f64>(b, 16);
  stepSeconds = load<f64>(b, 24);
}
