// liquidation.engine close-factor (Aave v3, Compound): partial repayment of the debt with a bonus to the liquidator
// and a protocol share of it (src/engine/reference.ts, same arithmetic in the same order). No state of its own.
import { P_CF_BONUS, P_CF_DEFAULT, P_CF_FULL_HEALTH, P_CF_MIN_DEBT, P_CF_PROTOCOL_FEE } from "../abi";
import * as book from "../book";
import * as L from "../ledger";
import * as margin from "../margin-model";
import * as PS from "../path-state";
import { accEntry, curColl, curSize, isClosed, nextSlice, params, slicedRound } from "../state";
import { pend } from "../triggers/ladder";
import * as T from "../trace";

export function closeFactorStep(i: i32, s: f64, mark: f64): void {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const equity = c + s * q * (mark - e);
  const mm = margin.requirement(s, q, mark, e);
  const debt = s > 0 ? q * e - c : q * mark;
  const health = debt > 0 ? 1 + (equity - mm) / debt : Infinity;
  const factor: f64 = health <= unchecked(params[P_CF_FULL_HEALTH]) || debt < unchecked(params[P_CF_MIN_DEBT]) ? 1 : unchecked(params[P_CF_DEFAULT]);
  const b = unchecked(params[P_CF_BONUS]);
  let qx = s > 0 ? (factor * debt * (1 + b)) / mark : factor * q;
  if (qx > q) qx = q;
  const price = s > 0 ? mark / (1 + b) : mark * (1 + b);
  // the liquidator takes the units at the bonus price and trades them on the book at once
  const traded = s > 0 ? book.sell(qx) : book.buy(qx);
  // and pays the protocol its share of the bonus
  const protocolFee = unchecked(params[P_CF_PROTOCOL_FEE]) * (s * qx * (mark - price));
  L.realise(protocolFee);
  L.addKeepersPnl(s * (traded - qx * price) - protocolFee);
  L.addFee(protocolFee);
  PS.countLiquidation();
  // a repayment that closes the position is a liquidation, one that leaves some of it a slice
  if (T.tracing) T.fill(qx >= q ? T.K_LIQUIDATION : T.K_SLICE, i, s, qx, qx * price, q, c, e);
  L.settleUnits(i, s, mark, qx, qx * price, false);
  if (!isClosed(i, book.epoch)) {
    unchecked((nextSlice[i] = book.step));
    unchecked((slicedRound[i] = PS.round));
    pend(i, s);
  }
}
