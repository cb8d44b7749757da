// liquidation.engine dutch-auction (Maker Liquidations 2.0; assembly/mechanisms/dutch-auction.ts is the kernel's twin):
// a liquidated account is kicked into an auction whose price falls from a top above the mark along a curve; keepers take
// it when it is profitable against the book, within their capital per step; a stale auction is redone. The auctions'
// state — the list in kick order, each one's top and clock, the keepers' capital left — is this module's.

import { AUCTION_CURVE, P } from "../layout.js";
import { exp, log } from "../mathfn.js";
import type { RefState } from "../state.js";
import { KIND } from "../trace.js";
import { payIncentive, settleUnits } from "../ledger.js";
import { pend } from "../triggers/ladder.js";

export class DutchAuction {
  /** Each account's auction top price and the step of its kick or last redo. */
  private readonly auctionTop: Float64Array;
  private readonly auctionStart: Int32Array;
  /** The accounts in auction, in kick order. */
  private auctions: number[] = [];
  /** The keepers' capital left in this step. */
  private keeperStep = 0;
  private keeperLeft = 0;

  constructor(private readonly st: RefState) {
    this.auctionTop = new Float64Array(st.capacity);
    this.auctionStart = new Int32Array(st.capacity);
  }

  /** No auction in progress (the accounts' inAuction flags are reset with the per-account arrays). */
  newPath(): void {
    this.auctions = [];
    this.keeperStep = 0;
    this.keeperLeft = 0;
  }

  /** Account i (side s) is liquidated: kicked into an auction, unless the hole is full (it waits for the next step). */
  kick(i: number, s: number, mark: number): void {
    const st = this.st;
    if (this.holeFull(i, s, mark)) {
      // Maker's Dog: no room under the hole; the account waits, still under water, for the next step
      st.nextSlice[i] = st.step + 1;
      st.staleLiq[i] = 1;
      pend(st, i, s);
      return;
    }
    st.inAuction[i] = 1;
    this.auctions.push(i);
    st.liquidations++;
    st.trace?.kick(i, s, mark, st.p[P.auctionBuf], st.curSize[i], st.curColl[i], st.pop.entry[i]);
    this.restart(i, s, mark);
    st.trace?.close();
  }

  /** An auction's debt as it stands: a long's q·entry − c, a short's q·mark, at least 0. */
  private debtOf(j: number, s: number, mark: number): number {
    const q = this.st.curSize[j];
    const debt = s > 0 ? q * this.st.pop.entry[j] - this.st.curColl[j] : q * mark;
    return debt > 0 ? debt : 0;
  }

  /** Whether kicking account i would take the debt in auctions in progress past the hole (none in progress: never). */
  private holeFull(i: number, s: number, mark: number): boolean {
    const st = this.st;
    const hole = st.p[P.auctionHole];
    if (!(hole < Infinity)) return false;
    let dirt = 0;
    let active = 0;
    for (const j of this.auctions) {
      if (st.inAuction[j] === 0) continue;
      dirt += this.debtOf(j, st.pop.isLong[j] === 1 ? 1 : -1, mark);
      active++;
    }
    return active > 0 && dirt + this.debtOf(i, s, mark) > hole;
  }

  /** Kick or redo: the top from the current mark, the clock from this step, the keepers' incentive from the fund. */
  private restart(i: number, s: number, mark: number): void {
    const st = this.st;
    const p = st.p;
    const buf = p[P.auctionBuf];
    this.auctionTop[i] = s > 0 ? mark * buf : mark / buf;
    this.auctionStart[i] = st.step;
    const incentive = p[P.auctionTip] + p[P.auctionChip] * (st.curSize[i] * mark);
    if (incentive > 0) payIncentive(st, incentive, i, s);
  }

  /** The curve's share of the top after `elapsed` seconds. */
  private curveShare(elapsed: number): number {
    const p = this.st.p;
    const curve = p[P.auctionCurve];
    if (curve === AUCTION_CURVE.linear) {
      const f = 1 - elapsed / p[P.auctionTau];
      return f > 0 ? f : 0;
    }
    const cuts = curve === AUCTION_CURVE.stairstep ? Math.floor(elapsed / p[P.auctionStep]) : elapsed;
    return cuts > 0 ? exp(cuts * log(p[P.auctionCut])) : 1;
  }

  /** One round of the auctions, in kick order: redo the stale ones, let keepers take the profitable ones. */
  takeAuctions(mark: number): number {
    const st = this.st;
    const p = st.p;
    if (this.keeperStep !== st.step) {
      this.keeperStep = st.step;
      this.keeperLeft = p[P.keeperCapital];
    } else if (!(this.keeperLeft > 0)) {
      // the step's redos are done and the keepers are out of capital: nothing can happen before the next step
      return 0;
    }
    const margin = 1 + p[P.keeperMinProfit];
    this.auctions = this.auctions.filter((i) => st.inAuction[i] === 1);
    const list = this.auctions.slice();
    let n = 0;
    for (const i of list) {
      if (st.blockedStep === st.step) break;
      if (st.inAuction[i] === 0) continue;
      const s = st.pop.isLong[i] === 1 ? 1 : -1;
      let elapsed = (st.step - this.auctionStart[i]) * p[P.stepSeconds];
      let f = this.curveShare(elapsed);
      if (elapsed > p[P.auctionTail] || f < p[P.auctionCusp]) {
        this.restart(i, s, mark);
        elapsed = 0;
        f = 1;
      }
      const top = this.auctionTop[i];
      const price = s > 0 ? top * f : top / f;
      let taken = 0;
      // the touch the keeper would sell (buy) at: 0 (Infinity) when the book holds no bid (ask)
      const touch = s > 0 ? st.book.bidPrice() : st.book.askPrice();
      const profitable = s > 0 ? price * margin <= touch : touch * margin <= price;
      if (profitable && this.keeperLeft > 0 && price > 0) {
        const q = st.curSize[i];
        const affordable = this.keeperLeft / price;
        taken = affordable < q ? affordable : q;
        // capital that buys less than the lot is spent to the last unit (no rounding dust left for another take)
        this.keeperLeft = affordable < q ? 0 : this.keeperLeft - taken * price;
        // the keeper trades what it took on the book at once
        const traded = s > 0 ? st.book.sell(taken) : st.book.buy(taken);
        st.venue.keepersPnl += s * (traded - taken * price);
        st.trace?.fill(KIND["auction-take"], i, s, taken, taken * price, q, st.curColl[i], st.pop.entry[i]);
        settleUnits(st, i, s, mark, taken, taken * price, true);
        st.trace?.close();
        n++;
      }
      const onAuction = st.onAuction;
      if (onAuction) onAuction({ step: st.step, round: st.round, account: i, side: s, elapsed, top, price, taken });
    }
    return n;
  }
}
