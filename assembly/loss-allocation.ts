// Loss allocation after the cascade (SPEC §3): a step's liquidations run to their fixed point first; what the fund
// could not pay is then allocated, entry by entry in the order the bankruptcies happened. A bankrupt remainder (a
// position the book could not take within the fund's budget) is closed against the ranked profitable positions of
// the other side, size for size, at the bankruptcy price or the mark (adl.price), the last one partly; none of it
// reaches the book. A deficit no size carries (an auction, a vault takeover, a close-factor repayment) takes the
// ranked positions' profits at the mark, whole positions. Mirrored in src/engine/reference.ts allocateLosses().
import { ADL_AT_MARK, P_ADL_PRICE } from "./abi";
import * as adl from "./adl";
import * as book from "./book";
import * as C from "./cascade";
import * as F from "./flow";
import * as fan from "./fan";
import { closeAccount, liquidationPriceOf, pend, touch } from "./per-account";
import * as T from "./trace";
import { accEntry, cashOf, curColl, curLiq, curSize, isClosed, params, queueColl, queueDeficit, queueId, queuePrice, queueSide, queueSize } from "./state";

let queueLen: i32 = 0;

export function newPath(): void {
  queueLen = 0;
}

/** Account i (side s) went bankrupt with `size` unfilled at bankruptcy price b, backed by `coll`. */
export function queueRemainder(i: i32, s: f64, size: f64, coll: f64, b: f64): void {
  // the queue holds 2 × accounts + 1 entries: an account closes once, queueing a remainder and a deficit at most
  unchecked((queueId[queueLen] = i));
  unchecked((queueSide[queueLen] = s));
  unchecked((queueSize[queueLen] = size));
  unchecked((queueColl[queueLen] = coll));
  unchecked((queuePrice[queueLen] = b));
  unchecked((queueDeficit[queueLen] = 0));
  queueLen++;
}

/** A deficit of a side-s account that no size carries (the fund already paid what it could). */
export function queueLoss(s: f64, deficit: f64): void {
  if (queueLen >= queueId.length) {
    // defensive (each closing account queues one entry at most): what cannot wait is bad debt
    C.addBadDebt(deficit, s);
    return;
  }
  unchecked((queueId[queueLen] = -1));
  unchecked((queueSide[queueLen] = s));
  unchecked((queueDeficit[queueLen] = deficit));
  queueLen++;
}

/** The step's loss allocation at the mark its cascade ended on. */
export function allocate(mark: f64): void {
  const n = queueLen;
  if (n == 0) return;
  // the population and accounts.flow's arrivals so far
  const nAccounts = F.active;
  const atMark = <i32>unchecked(params[P_ADL_PRICE]) == ADL_AT_MARK;
  let rankedSide: f64 = 0;
  for (let k = 0; k < n; k++) {
    const side = -unchecked(queueSide[k]);
    // one ranking of a side's positions serves its entries in a row (a partly closed position keeps its place)
    if (side != rankedSide) {
      adl.rank(side, mark, C.adlRanking, nAccounts, C.path, C.seedLo, C.seedHi);
      rankedSide = side;
    }
    const i = unchecked(queueId[k]);
    if (i < 0) {
      C.makers = adl.consume(unchecked(queueDeficit[k]), C.makers);
      C.adlPnl += adl.consumedKept;
      C.adlTransfer += adl.consumedGiven;
      if (adl.owed > 0) C.addBadDebt(adl.owed, -side);
    } else {
      transfer(i, -side, unchecked(queueSize[k]), unchecked(queueColl[k]), atMark ? mark : unchecked(queuePrice[k]), unchecked(queuePrice[k]), mark);
    }
  }
  queueLen = 0;
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
    C.makers -= pnl;
    C.adlPnl += pnl;
    // what the ADL'd position gives up against the mark (0 when ADL is at the mark)
    C.adlTransfer += side * x * (mark - P);
    touch(j);
    if (x == qj) {
      closeAccount(j, unchecked(curColl[j]) + pnl);
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
    if (T.tracing) T.event(T.K_ADL, j, side, x, P, bankruptcy, x * P, i);
    left -= x;
  }
  adl.restoreSetAside();
  const e = unchecked(accEntry[i]);
  // closed whole at its bankruptcy price, the remainder's equity is exactly zero: its collateral is its loss
  let pnl = left == 0 && P == bankruptcy ? -cr : s * (r - left) * (P - e);
  if (left > 0) pnl += s * left * (mark - e);
  C.makers -= pnl;
  const rest = cr + pnl;
  if (rest >= 0) C.liquidatedPnl += pnl;
  else {
    C.liquidatedPnl -= cr;
    C.shortfall += -rest;
  }
  if (rest > 0) closeAccount(i, cashOf(i) + rest);
  else if (rest < 0) C.fundThenBadDebt(-rest, s);
}
