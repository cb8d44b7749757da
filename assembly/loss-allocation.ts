// Loss allocation after the cascade (SPEC §3): a step's liquidations run to their fixed point first; what the fund
// could not pay is then allocated, entry by entry in the order the bankruptcies happened. A bankrupt remainder (a
// position the book could not take within the fund's budget) is closed against the ranked profitable positions of
// the other side, size for size, at the bankruptcy price or the mark (adl.price), the last one partly; none of it
// reaches the book. A deficit no size carries (an auction, a vault takeover, a close-factor repayment) takes the
// ranked positions' profits at the mark, whole positions. Mirrored in src/engine/reference.ts allocateLosses(). The
// entries wait in assembly/loss-queue.ts; the money moves are assembly/ledger.ts's.
import { ADL_AT_MARK, P_ADL_PRICE } from "./abi";
import * as adl from "./adl";
import * as book from "./book";
import * as fan from "./fan";
import * as L from "./ledger";
import * as owners from "./owner-adl";
import * as queue from "./loss-queue";
import * as PS from "./path-state";
import * as T from "./trace";
import { pend } from "./triggers/ladder";
import { liquidationPriceOf } from "./triggers/scan";
import { accEntry, cashOf, curColl, curLiq, curSize, isClosed, params, queueColl, queueDeficit, queueId, queuePrice, queueSide, queueSize } from "./state";

/** The step's loss allocation at the mark its cascade ended on. */
export function allocate(mark: f64): void {
  const n = queue.queueLen;
  if (n == 0) return;
  // the population and accounts.flow's arrivals so far
  const nAccounts = PS.active;
  const atMark = <i32>unchecked(params[P_ADL_PRICE]) == ADL_AT_MARK;
  let rankedSide: f64 = 0;
  for (let k = 0; k < n; k++) {
    const side = -unchecked(queueSide[k]);
    // one ranking of a side's positions serves its entries in a row (a partly closed position keeps its place)
    if (side != rankedSide) {
      adl.rank(side, mark, L.adlRanking, nAccounts, PS.path, PS.seedLo, PS.seedHi);
      rankedSide = side;
    }
    const i = unchecked(queueId[k]);
    if (i < 0) {
      L.deleverage(unchecked(queueDeficit[k]), -side);
    } else {
      transfer(i, -side, unchecked(queueSize[k]), unchecked(queueColl[k]), atMark ? mark : unchecked(queuePrice[k]), unchecked(queuePrice[k]), mark);
    }
  }
  queue.clear();
}

/**
 * Closes bankrupt account i's remainder (side s, size r, backed by cr) against the ranking's positions at price P;
 * what no profitable position takes is closed at the mark against the venue, its shortfall bad debt.
 */
function transfer(i: i32, s: f64, r: f64, cr: f64, P: f64, bankruptcy: f64, mark: f64): void {
  const side = -s;
  const epoch = book.epoch;
  let left = r;
  adl.startEntry();
  while (left > 0) {
    const j = adl.top();
    if (j < 0) break;
    if (j >= owners.LEG_ID_BASE) {
      // a cross-margin owner's leg (owner-adl.ts): closed, passed for good; not in profit at P, set aside
      const x = owners.transfer(j, side, left, P, mark, bankruptcy, i);
      if (x < 0) adl.pop();
      else if (x == 0) adl.setAside();
      else {
        if (!owners.live(j)) adl.pop();
        left -= x;
      }
      continue;
    }
    if (isClosed(j, epoch)) {
      adl.pop();
      continue;
    }
    const qj = unchecked(curSize[j]);
    const ej = unchecked(accEntry[j]);
    // only a position in profit at the ADL price is deleveraged; one that is not waits for the next entry (another
    // bankrupt's price may put it in profit)
    if (!(side * (P - ej) > 0)) {
      adl.setAside();
      continue;
    }
    const x = left < qj ? left : qj;
    const pnl = side * x * (P - ej);
    // what the ADL'd position gives up against the mark (0 when ADL is at the mark)
    L.adlClosed(pnl, side * x * (mark - P));
    PS.touch(j);
    if (x == qj) {
      L.closeAccount(j, unchecked(curColl[j]) + pnl);
      adl.pop();
    } else {
      const rest = qj - x;
      const cj = unchecked(curColl[j]) + pnl;
      unchecked((curSize[j] = rest));
      fan.reduced(side, x);
      unchecked((curColl[j] = cj));
      unchecked((curLiq[j] = liquidationPriceOf(side, rest, ej, cj)));
      pend(j, side);
    }
    adl.counted(x * P);
    // the ADL'd position (side, x at P) against bankrupt account i
    if (T.tracing) T.event(T.K_ADL, j, side, x, P, bankruptcy, x * P, i, L.insurance, L.vaultShown());
    left -= x;
  }
  adl.restoreSetAside();
  const e = unchecked(accEntry[i]);
  // closed whole at its bankruptcy price, the remainder's equity is exactly zero: its collateral is its loss
  let pnl = left == 0 && P == bankruptcy ? -cr : s * (r - left) * (P - e);
  if (left > 0) pnl += s * left * (mark - e);
  L.realise(pnl);
  const rest = cr + pnl;
  if (rest >= 0) L.addLiquidatedPnl(pnl);
  else {
    L.addLiquidatedPnl(-cr);
    L.addShortfall(-rest);
  }
  if (rest > 0) L.closeAccount(i, cashOf(i) + rest);
  else if (rest < 0) L.fundThenBadDebt(-rest, s);
}
