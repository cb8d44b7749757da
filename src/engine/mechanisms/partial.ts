// liquidation.engine partial (Hyperliquid; assembly/mechanisms/partial.ts is the kernel's twin): a position whose
// notional at the mark is above the threshold is sliced — fraction × its current size by market order, settled pro
// rata — and may be sliced again after a cooldown; a smaller one is closed whole (mechanisms/market.ts).

import { P } from "../layout.js";
import type { RefState } from "../state.js";
import { KIND } from "../trace.js";
import { addFee, capCheck, cover, feeRateOf } from "../ledger.js";
import { adlOn } from "../loss-allocation.js";
import { pend } from "../triggers/ladder.js";
import { liquidationPriceOf } from "../triggers/scan.js";
import type { MarketOrders } from "./market.js";

export class PartialSlices {
  constructor(
    private readonly st: RefState,
    private readonly market: MarketOrders,
  ) {}

  /**
   * Closes account i whole at its current size (the settlement of liquidate(), on the current size and collateral),
   * or slices it when its notional at the mark is above the threshold; `whole`: never a slice.
   */
  liquidatePartial(i: number, s: number, mark: number, whole = false): void {
    const p = this.st.p;
    const q = this.st.curSize[i];
    if (!whole && p[P.partialFraction] < 1 && q * mark > p[P.partialThreshold]) {
      this.slice(i, s, mark);
      return;
    }
    this.market.close(i, s, mark);
  }

  /**
   * Sells (buys) fraction × the current size of account i by market order and settles the slice pro rata; the
   * account stays open with the rest, its liquidation price recomputed, and may be sliced again from step + the
   * cooldown in whole steps (in a later round).
   */
  private slice(i: number, s: number, mark: number): void {
    const st = this.st;
    const pop = st.pop;
    const p = st.p;
    const f = p[P.partialFraction];
    const q = st.curSize[i];
    const c = st.curColl[i];
    const qs = f * q;
    const adl = adlOn(st);
    if (adl && this.market.walkOrQueue(i, s, mark, qs)) return;
    const notional = adl ? this.market.walked : s > 0 ? st.book.sell(qs) : st.book.buy(qs);
    const pnl = s * (notional - qs * pop.entry[i]);
    st.venue.makers -= pnl;
    const cs = f * c;
    const remaining = cs + pnl;
    st.liquidations++;
    st.liquidatedNotional += notional;
    st.slipValue += s * (qs * mark - notional);
    st.markedValue += qs * mark;
    st.trace?.fill(KIND.slice, i, s, qs, notional, q, c, pop.entry[i]);
    st.curSize[i] = q - qs;
    st.openInterest.reduced(s, qs);
    const onLiquidation = st.onLiquidation;
    if (onLiquidation) onLiquidation({ step: st.step, round: st.round, account: i, side: s, size: qs, notional, whole: false });
    let paid = 0;
    if (remaining >= 0) {
      const fee = Math.min(feeRateOf(st, i, notional) * notional, remaining);
      st.curColl[i] = c - cs + (remaining - fee);
      st.venue.liquidatedPnl += pnl - fee;
      st.venue.feesPaid += fee;
      addFee(st, fee);
    } else {
      st.curColl[i] = c - cs;
      st.venue.liquidatedPnl -= cs;
      st.venue.shortfall += -remaining;
      paid = cover(st, -remaining, s, mark);
    }
    st.curLiq[i] = liquidationPriceOf(st, s, st.curSize[i], pop.entry[i], st.curColl[i]);
    st.nextSlice[i] = st.step + p[P.partialCooldown];
    pend(st, i, s);
    st.slicedRound[i] = st.round;
    capCheck(st, notional, paid);
    st.trace?.close();
  }
}
