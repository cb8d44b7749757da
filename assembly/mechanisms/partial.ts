// liquidation.engine partial (Hyperliquid-style): a position above the threshold is closed a slice at a time (a
// fraction of it by market order), the account then cooling down for a number of steps before its next slice; below the
// threshold, or with a slice's fraction of 1 (the market engine's per-account form), it is closed whole
// (assembly/mechanisms/market.ts closeWhole). The backstop engine's book liquidations go through here too.
import { P_PARTIAL_COOLDOWN, P_PARTIAL_FRACTION, P_PARTIAL_THRESHOLD } from "../abi";
import * as book from "../book";
import * as fan from "../fan";
import * as L from "../ledger";
import * as PS from "../path-state";
import { accEntry, curColl, curLiq, curSize, nextSlice, params, slicedRound } from "../state";
import { pend } from "../triggers/ladder";
import { liquidationPriceOf } from "../triggers/scan";
import * as T from "../trace";
import { closeWhole, walkOrQueue, walked } from "./market";

let threshold: f64 = 0;
let fraction: f64 = 1;
let cooldown: i32 = 0;

/** A path starts: the scenario's slices (fraction 1 outside the partial and backstop engines: always whole). */
export function newPath(): void {
  threshold = unchecked(params[P_PARTIAL_THRESHOLD]);
  fraction = unchecked(params[P_PARTIAL_FRACTION]);
  cooldown = <i32>unchecked(params[P_PARTIAL_COOLDOWN]);
}

/** Closes account i (side s) whole, or slices it; `whole`: never a slice (reference.ts liquidatePartial). */
export function liquidatePartial(i: i32, s: f64, mark: f64, whole: bool): void {
  if (!whole && fraction < 1 && unchecked(curSize[i]) * mark > threshold) sliceOne(i, s, mark);
  else closeWhole(i, s, mark);
}

/** One slice of account i: its fraction of the position and of the collateral settle; the rest waits the cooldown. */
function sliceOne(i: i32, s: f64, mark: f64): void {
  const f = fraction;
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const qs = f * q;
  if (L.adlOn && walkOrQueue(i, s, mark, qs)) return;
  const notional = L.adlOn ? walked : s > 0 ? book.sell(qs) : book.buy(qs);
  const pnl = s * (notional - qs * e);
  L.realise(pnl);
  const cs = f * c;
  const remaining = cs + pnl;
  PS.countLiquidation();
  PS.addFill(notional, s * (qs * mark - notional), qs * mark);
  if (T.tracing) T.fill(T.K_SLICE, i, s, qs, notional, q, c, e);
  const rest = q - qs;
  unchecked((curSize[i] = rest));
  fan.reduced(s, qs);
  let paid: f64 = 0;
  if (remaining >= 0) {
    const fee = Math.min(L.feeRateOf(i, notional) * notional, remaining);
    unchecked((curColl[i] = c - cs + (remaining - fee)));
    L.addLiquidatedPnl(pnl - fee);
    L.chargeFee(fee);
  } else {
    unchecked((curColl[i] = c - cs));
    L.addLiquidatedPnl(-cs);
    L.addShortfall(-remaining);
    paid = L.cover(-remaining, s, mark);
  }
  unchecked((curLiq[i] = liquidationPriceOf(s, rest, e, unchecked(curColl[i]))));
  unchecked((nextSlice[i] = book.step + cooldown));
  pend(i, s);
  unchecked((slicedRound[i] = PS.round));
  if (L.settleHook) L.afterSettle(notional, paid);
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<f64>(b, threshold, 0);
  store<f64>(b, fraction, 8);
  store<i32>(b, cooldown, 16);
}
export function loadContext(b: usize): void {
  threshold = load<f64>(b, 0);
  fraction = load<f64>(b, 8);
  cooldown = load<i32>(b, 16);
}
