// accounts.flow's step (assembly/flow.ts is the kernel's twin; src/engine/flow.ts documents the model and holds the
// host's half — it cannot hold this one: src/engine/population.ts imports it, and this imports population.ts): the
// voluntary closes, then the arrivals, by market order at the step's opening mark.

import { DOMAIN, P } from "./layout.js";
import { exp } from "./mathfn.js";
import { philox, uniform52 } from "./philox.js";
import { admitArrival, drawArrival } from "./population.js";
import { FLOW_CHUNK, FLOW_CHUNK_MAX, FLOW_STREAM, flowCounter } from "./flow.js";
import type { RefState } from "./state.js";
import { KIND } from "./trace.js";
import { closeAccount, fundThenBadDebt } from "./ledger.js";
import { pend } from "./triggers/ladder.js";
import { liquidationPriceOf } from "./triggers/scan.js";

/** The step's flows at this mark: closes, then arrivals. Returns whether any traded (the mark is read again). */
export function flowStep(st: RefState, mark: number): boolean {
  const p = st.p;
  const prob = p[P.flowCloseProb];
  const lambda = p[P.flowArrivalMean];
  const open = st.openCount;
  let traded = false;
  let closes = 0;
  if (prob > 0 && open > 0) {
    const k = poisson(st, open * prob, FLOW_STREAM.closeCount);
    closes = k < open ? k : open;
    let draw = 0;
    for (let c = 0; c < closes; c++) {
      // uniform among the open accounts: a closed one drawn leaves the list, and another is drawn
      let i = -1;
      let at = 0;
      while (st.flowLen > 0) {
        philox(
          flowCounter(FLOW_STREAM.closePick, draw++),
          st.path,
          st.step,
          DOMAIN.flow + st.domainShift,
          st.seedLo,
          st.seedHi,
          st.w,
        );
        let r = Math.floor(uniform52(st.w[0], st.w[1]) * st.flowLen);
        if (r >= st.flowLen) r = st.flowLen - 1;
        const j = st.flowList[r];
        if (st.dead[j] === 0) {
          i = j;
          at = r;
          break;
        }
        st.flowList[r] = st.flowList[--st.flowLen];
      }
      if (i < 0) break;
      const s = st.pop.isLong[i] === 1 ? 1 : -1;
      if (blocked(st, i, s, mark)) {
        if (st.onFlow) st.onFlow({ step: st.step, kind: "blocked", account: i, side: s, size: st.curSize[i], notional: 0 });
        continue;
      }
      st.flowList[at] = st.flowList[--st.flowLen];
      closeVoluntarily(st, i, s);
      traded = true;
    }
  }
  let arrivals = 0;
  let arrived = 0;
  if (lambda > 0) {
    arrivals = poisson(st, lambda, FLOW_STREAM.arrivalCount);
    for (let k = 0; k < arrivals; k++) {
      // the pool is full (probability < 1e-15 per path): the arrival does not happen
      if (st.active >= st.capacity) break;
      arrive(st, k, mark);
      arrived++;
      traded = true;
    }
  }
  if (st.onFlowStep)
    st.onFlowStep({ step: st.step, open, closeMean: open * prob, closes, arrivalMean: lambda, arrivals, arrived });
  return traded;
}

/** A Poisson draw of this mean for this step (stream: FLOW_STREAM), by inversion in chunks of mean ≤ FLOW_CHUNK. */
function poisson(st: RefState, mean: number, stream: number): number {
  let n = 0;
  let left = mean;
  let chunk = 0;
  while (left > 0) {
    const m = left < FLOW_CHUNK ? left : FLOW_CHUNK;
    left -= m;
    philox(flowCounter(stream, chunk++), st.path, st.step, DOMAIN.flow + st.domainShift, st.seedLo, st.seedHi, st.w);
    const u = uniform52(st.w[0], st.w[1]);
    let k = 0;
    let prob = exp(-m);
    let cdf = prob;
    while (u > cdf && k < FLOW_CHUNK_MAX) {
      k++;
      prob = (prob * m) / k;
      cdf += prob;
    }
    n += k;
  }
  return n;
}

/**
 * Whether the liquidation engine holds account i, so that its trader cannot close it: in auction, liquidated before in
 * this path (sliced, repaid), or across its liquidation price at the mark (with margin.model: equity at or below its
 * requirement).
 */
function blocked(st: RefState, i: number, s: number, mark: number): boolean {
  if (st.flagged[i] >= 0 || st.inAuction[i] === 1) return true;
  const q = st.curSize[i];
  const e = st.pop.entry[i];
  if (st.scan) return st.curColl[i] + s * q * (mark - e) <= st.model.requirement(s, q, mark, e);
  // its current liquidation price: its own once re-priced (a haircut's computed from the same size and collateral)
  const l =
    st.pended[i] === 1 ? (st.staleLiq[i] === 1 ? liquidationPriceOf(st, s, q, e, st.curColl[i]) : st.curLiq[i]) : st.pop.liq[i];
  return s > 0 ? l >= mark : l <= mark;
}

/** Account i closes its whole position by market order: P&L into its cash, no fee; past bankruptcy, fund then bad debt. */
function closeVoluntarily(st: RefState, i: number, s: number): void {
  const q = st.curSize[i];
  const c = st.curColl[i];
  const notional = s > 0 ? st.book.sell(q) : st.book.buy(q);
  const pnl = s * (notional - q * st.pop.entry[i]);
  st.venue.makers -= pnl;
  const remaining = c + pnl;
  st.trace?.fill(KIND.close, i, s, q, notional, q, c, st.pop.entry[i]);
  closeAccount(st, i, s, q);
  if (remaining >= 0) {
    st.cash[i] = remaining;
    st.venue.flowPnl += pnl;
  } else {
    st.cash[i] = 0;
    st.venue.flowPnl -= c;
    st.venue.shortfall += -remaining;
    fundThenBadDebt(st, -remaining, s);
  }
  st.trace?.close();
  if (st.onFlow) st.onFlow({ step: st.step, kind: "close", account: i, side: s, size: q, notional });
}

/** Arrival k of this step opens at this mark by market order in the next dormant slot. */
function arrive(st: RefState, k: number, mark: number): void {
  const pop = st.pop;
  const i = st.active;
  const a = drawArrival(st.s, k, st.path, st.step, st.seedLo, st.seedHi, st.w, DOMAIN.flow + st.domainShift);
  const s = a.long ? 1 : -1;
  const q = a.notional / mark;
  const fill = s > 0 ? st.book.buy(q) : st.book.sell(q);
  const e = fill / q;
  const c = fill / admitArrival(st.s, st.tiers, pop.admitF, a.raw, fill, q);
  pop.isLong[i] = a.long ? 1 : 0;
  pop.entry[i] = e;
  st.curSize[i] = q;
  st.openInterest.opened(s, q);
  st.curColl[i] = c;
  st.curLiq[i] = liquidationPriceOf(st, s, q, e, c);
  st.dead[i] = 0;
  st.cash[i] = 0;
  st.nextSlice[i] = 0;
  st.slicedRound[i] = 0;
  st.flagged[i] = -1;
  st.inAuction[i] = 0;
  st.staleLiq[i] = 0;
  st.pended[i] = 0;
  // the ladder was sorted before it existed: it is re-checked at its own liquidation price every round
  pend(st, i, s);
  st.active++;
  st.openCount++;
  if (st.flowList.length > 0) st.flowList[st.flowLen++] = i;
  st.venue.arrivalsIn += c;
  st.trace?.event(KIND.arrival, i, s, q, e, e - (s * c) / q, fill, -1);
  if (st.onFlow)
    st.onFlow({ step: st.step, kind: "arrival", account: i, side: s, size: q, notional: fill, entry: e, collateral: c });
}
