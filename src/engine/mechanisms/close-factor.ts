// liquidation.engine close-factor (Aave v3, Compound; assembly/mechanisms/close-factor.ts is the kernel's twin): a
// liquidator repays a share of the debt (all of it below a health factor or a minimum debt) and takes the collateral at
// a bonus, trading it on the book at once; a repayment that leaves some of the position is re-checked next round.

import { P } from "../layout.js";
import type { RefState } from "../state.js";
import { KIND } from "../trace.js";
import { addFee, settleUnits } from "../ledger.js";
import { pend } from "../triggers/ladder.js";

/** Account i (side s) under water at the mark: one repayment. */
export function closeFactorStep(st: RefState, i: number, s: number, mark: number): void {
  const p = st.p;
  const q = st.curSize[i];
  const c = st.curColl[i];
  const e = st.pop.entry[i];
  const equity = c + s * q * (mark - e);
  const mm = st.model.requirement(s, q, mark, e);
  const debt = s > 0 ? q * e - c : q * mark;
  const health = debt > 0 ? 1 + (equity - mm) / debt : Infinity;
  const factor = health <= p[P.cfFullHealth] || debt < p[P.cfMinDebt] ? 1 : p[P.cfDefault];
  const b = p[P.cfBonus];
  let qx = s > 0 ? (factor * debt * (1 + b)) / mark : factor * q;
  if (qx > q) qx = q;
  const price = s > 0 ? mark / (1 + b) : mark * (1 + b);
  // the liquidator takes the units at the bonus price and trades them on the book at once
  const traded = s > 0 ? st.book.sell(qx) : st.book.buy(qx);
  // and pays the protocol its share of the bonus
  const protocolFee = p[P.cfProtocolFee] * (s * qx * (mark - price));
  st.venue.makers -= protocolFee;
  st.venue.keepersPnl += s * (traded - qx * price) - protocolFee;
  addFee(st, protocolFee);
  st.liquidations++;
  // a repayment that closes the position is a liquidation, one that leaves some of it a slice
  st.trace?.fill(qx >= q ? KIND.liquidation : KIND.slice, i, s, qx, qx * price, q, c, e);
  settleUnits(st, i, s, mark, qx, qx * price, false);
  st.trace?.close();
  if (st.dead[i] === 0) {
    st.nextSlice[i] = st.step;
    st.slicedRound[i] = st.round;
    pend(st, i, s);
  }
}
