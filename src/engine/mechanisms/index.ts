// The one dispatch on liquidation.engine (assembly/mechanisms/index.ts is the kernel's twin): liquidateOne() hands an
// account to the scenario's mechanism; newPath() resets that mechanism's state. Nothing else.

import { LIQUIDATION_ENGINE } from "../layout.js";
import type { Liquidator, RefState } from "../state.js";
import { Backstop } from "./backstop.js";
import { closeFactorStep } from "./close-factor.js";
import { DutchAuction } from "./dutch-auction.js";
import { MarketOrders } from "./market.js";
import { PartialSlices } from "./partial.js";

export class Mechanisms implements Liquidator {
  readonly market: MarketOrders;
  readonly partial: PartialSlices;
  readonly auction: DutchAuction;
  readonly backstop: Backstop;

  constructor(private readonly st: RefState) {
    this.market = new MarketOrders(st);
    this.partial = new PartialSlices(st, this.market);
    this.auction = new DutchAuction(st);
    this.backstop = new Backstop(st);
  }

  /** A path starts: the chosen mechanism's state from scratch. */
  newPath(): void {
    switch (this.st.engine) {
      case LIQUIDATION_ENGINE["dutch-auction"]:
        this.auction.newPath();
        break;
      case LIQUIDATION_ENGINE.backstop:
        this.backstop.newPath();
    }
  }

  /** Liquidates account i (side s) by the scenario's engine; `whole`: never a slice. */
  liquidateOne(i: number, s: number, mark: number, whole = false): void {
    const st = this.st;
    if (st.flagged[i] < 0) st.flagged[i] = st.step;
    switch (st.engine) {
      case LIQUIDATION_ENGINE["dutch-auction"]:
        this.auction.kick(i, s, mark);
        return;
      case LIQUIDATION_ENGINE["close-factor"]:
        closeFactorStep(st, i, s, mark);
        return;
      case LIQUIDATION_ENGINE.backstop:
        // the vault first; an account it does not take is liquidated as by the partial engine
        if (this.backstop.takes(i, s, mark)) return;
    }
    // market and partial: closed whole, or sliced
    this.partial.liquidatePartial(i, s, mark, whole);
  }
}
