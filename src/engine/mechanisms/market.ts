// liquidation.engine market (assembly/mechanisms/market.ts is the kernel's twin): a liquidated position is closed
// whole by a market order into the book. The batched rounds walk the ladder and close every account across the mark;
// the per-account engine closes one account at a time (close), and with ADL on its order walks the book only as far
// as the fund can pay (walkOrQueue): a bankrupt account's remainder goes to the step's loss allocation.

import type { Liquidator, RefState } from "../state.js";
import { KIND } from "../trace.js";
import { closeAccount, cover, capCheck, fundAvailable, settleUnits } from "../ledger.js";
import { adlOn, queueRemainder } from "../loss-allocation.js";
import { walkLongs, walkShorts } from "../triggers/ladder.js";

export class MarketOrders implements Liquidator {
  /** The fill notional of walkOrQueue's order when it filled whole. */
  walked = 0;

  constructor(private readonly st: RefState) {}

  /** The batched rounds' liquidation: the account closed whole (the ladder walks call it). */
  liquidateOne(i: number, s: number, mark: number): void {
    this.close(i, s, mark);
  }

  /** One round of the batched engine (market orders, flat fee, no ADL, no scan): the ladder's longs, then its shorts. */
  batchedRound(mark: number, t: number): number {
    const n = walkLongs(this.st, this, mark, t);
    return n + walkShorts(this.st, this, mark, t);
  }

  /** Closes account i (side s) whole at its current size by market order and settles it (settleUnits). */
  close(i: number, s: number, mark: number): void {
    const st = this.st;
    const q = st.curSize[i];
    const adl = adlOn(st);
    if (adl && this.walkOrQueue(i, s, mark, q)) return;
    const notional = adl ? this.walked : s > 0 ? st.book.sell(q) : st.book.buy(q);
    st.liquidations++;
    st.trace?.fill(KIND.liquidation, i, s, q, notional, q, st.curColl[i], st.pop.entry[i]);
    settleUnits(st, i, s, mark, q, notional, true);
    st.trace?.close();
  }

  /**
   * ADL on: account i's liquidation order of qty walks the book only as far as the fund can pay for fills past the
   * bankruptcy price (the fund's available balance, less a margin far above rounding so that the settled deficit
   * never passes it). Filled whole: false, the notional in `walked`. Stopped short: the account is bankrupt — its
   * filled part settles (the fund pays the deficit), the rest of the position (the unfilled order and, for a slice,
   * what the slice left) goes to the step's loss allocation with the collateral backing it, and true.
   */
  walkOrQueue(i: number, s: number, mark: number, qty: number): boolean {
    const st = this.st;
    const q = st.curSize[i];
    const c = st.curColl[i];
    const e = st.pop.entry[i];
    const b = e - (s * c) / q;
    const budget = fundAvailable(st) - 1e-9 * Math.abs(q * b);
    const notional = st.book.walkWithin(s, qty, b, budget > 0 ? budget : 0);
    const unfilled = st.book.unfilled;
    if (!(unfilled > 0)) {
      this.walked = notional;
      return false;
    }
    const x = qty - unfilled;
    const r = q - x;
    // the collateral backing the remainder: all but the filled part's share (an order that filled nothing keeps all)
    const cr = c - s * x * (e - b);
    const pnl = s * (notional - x * e);
    st.venue.makers -= pnl;
    st.liquidations++;
    st.liquidatedNotional += notional;
    st.slipValue += s * (x * mark - notional);
    st.markedValue += x * mark;
    const onLiquidation = st.onLiquidation;
    if (onLiquidation)
      onLiquidation({ step: st.step, round: st.round, account: i, side: s, size: x, notional, whole: true, remainder: r });
    // the account is closed: what its order filled, then (in the loss allocation) ADL for the rest
    st.trace?.fill(KIND.liquidation, i, s, x, notional, q, c, e);
    const backing = s * x * (e - b);
    const remaining = backing + pnl;
    let paid = 0;
    closeAccount(st, i, s, q);
    st.inAuction[i] = 0;
    if (remaining >= 0) {
      st.cash[i] = remaining;
      st.venue.liquidatedPnl += pnl;
    } else {
      st.cash[i] = 0;
      st.venue.liquidatedPnl -= backing;
      st.venue.shortfall += -remaining;
      paid = cover(st, -remaining, s, mark);
    }
    queueRemainder(st, i, s, r, cr, b);
    capCheck(st, notional, paid);
    st.trace?.close();
    return true;
  }
}
