// accounts.flow: voluntary closes and arrivals during a path, once per step after the opening mark (src/engine/flow.ts
// documents the model). Same draws and arithmetic, in the same order, as src/engine/reference.ts flowStep.
import {
  DOMAIN_FLOW, FLOW_ARRIVAL_COUNT, FLOW_CLOSE_COUNT, FLOW_CLOSE_PICK, P_ACCOUNTS, P_FLOW_ARRIVAL_MEAN,
  P_FLOW_CLOSE_PROB, P_FLOW_POOL,
} from "./abi";
import { sideChanged } from "./adl";
import * as book from "./book";
import * as fan from "./fan";
import * as L from "./ledger";
import { exp } from "./mathfn";
import * as PS from "./path-state";
import { admitArrival, arrivalLong, arrivalNotional, arrivalRaw, drawArrival } from "./population";
import { flowCounter, philox, rng0, rng1, uniform52 } from "./rng";
import {
  L_DEAD, accEntry, accIsLong, accLiq, curColl, curLiq, curSize, flagged, flowList, flowStamp, inAuction, isClosed,
  nextSlice, params, pended, rungOf, slicedRound, staleLiq,
} from "./state";
import * as T from "./trace";
import { pend } from "./triggers/ladder";
import * as scan from "./triggers/scan";

/** Chunks of the Poisson inversion and the most draws of one (src/engine/flow.ts FLOW_CHUNK, FLOW_CHUNK_MAX). */
const CHUNK: f64 = 64;
const CHUNK_MAX: i32 = 1000;

// The active and open accounts are assembly/path-state.ts's (PS.active, PS.openCount); the money the flows move —
// the voluntary closers' P&L, the arrivals' collateral — is assembly/ledger.ts's.

/** The closes' draw list: open accounts at 0..flowLen−1, and closed ones not yet dropped from it. */
let flowLen: i32 = 0;

export function newPath(): void {
  flowLen = <i32>unchecked(params[P_ACCOUNTS]);
}

// @ts-ignore: decorator
@inline function listAt(r: i32): i32 {
  return unchecked(flowStamp[r]) == book.epoch ? unchecked(flowList[r]) : r;
}

// @ts-ignore: decorator
@inline function listSet(r: i32, v: i32): void {
  unchecked((flowStamp[r] = book.epoch));
  unchecked((flowList[r] = v));
}

/** The step's flows at this mark: closes, then arrivals. Returns whether any traded (the mark is read again). */
export function flowStep(mark: f64): bool {
  const prob = unchecked(params[P_FLOW_CLOSE_PROB]);
  const lambda = unchecked(params[P_FLOW_ARRIVAL_MEAN]);
  const open = PS.openCount;
  const epoch = book.epoch;
  let traded = false;
  if (prob > 0 && open > 0) {
    const k = poisson(<f64>open * prob, FLOW_CLOSE_COUNT);
    const closes = k < open ? k : open;
    let draw: u32 = 0;
    for (let c = 0; c < closes; c++) {
      // uniform among the open accounts: a closed one drawn leaves the list, and another is drawn
      let i = -1;
      let at = 0;
      while (flowLen > 0) {
        philox(flowCounter(FLOW_CLOSE_PICK, draw), PS.path, <u32>book.step, DOMAIN_FLOW + PS.marketDomain, PS.seedLo, PS.seedHi);
        draw++;
        let r = <i32>Math.floor(uniform52(rng0, rng1) * <f64>flowLen);
        if (r >= flowLen) r = flowLen - 1;
        const j = listAt(r);
        if (!isClosed(j, epoch)) {
          i = j;
          at = r;
          break;
        }
        flowLen--;
        listSet(r, listAt(flowLen));
      }
      if (i < 0) break;
      const s: f64 = unchecked(accIsLong[i]) == 1 ? 1 : -1;
      if (blocked(i, s, mark)) continue;
      flowLen--;
      listSet(at, listAt(flowLen));
      closeVoluntarily(i, s);
      traded = true;
    }
  }
  if (lambda > 0) {
    const arrivals = poisson(lambda, FLOW_ARRIVAL_COUNT);
    const capacity = <i32>unchecked(params[P_ACCOUNTS]) + <i32>unchecked(params[P_FLOW_POOL]);
    for (let k = 0; k < arrivals; k++) {
      // the pool is full (probability < 1e-15 per path): the arrival does not happen
      if (PS.active >= capacity) break;
      arrive(<u32>k, mark, prob > 0);
      traded = true;
    }
  }
  return traded;
}

/** A Poisson draw of this mean for this step and stream, by inversion in chunks of mean ≤ CHUNK. */
function poisson(mean: f64, stream: u32): i32 {
  let n = 0;
  let left = mean;
  let chunk: u32 = 0;
  while (left > 0) {
    const m = left < CHUNK ? left : CHUNK;
    left -= m;
    philox(flowCounter(stream, chunk), PS.path, <u32>book.step, DOMAIN_FLOW + PS.marketDomain, PS.seedLo, PS.seedHi);
    chunk++;
    const u = uniform52(rng0, rng1);
    let k = 0;
    let prob = exp(-m);
    let cdf = prob;
    while (u > cdf && k < CHUNK_MAX) {
      k++;
      prob = (prob * m) / <f64>k;
      cdf += prob;
    }
    n += k;
  }
  return n;
}

/**
 * Whether the liquidation engine holds account i, so that its trader cannot close it: in auction, liquidated before in
 * this path, or across its liquidation price at the mark (with margin.model: equity at or below its requirement).
 */
function blocked(i: i32, s: f64, mark: f64): bool {
  if (unchecked(flagged[i]) >= 0 || unchecked(inAuction[i]) == 1) return true;
  const q = unchecked(curSize[i]);
  const e = unchecked(accEntry[i]);
  if (scan.scan) return scan.underwater(s, q, unchecked(curColl[i]), e, mark);
  // its current liquidation price: its own once re-priced (a haircut's computed from the same size and collateral)
  const l = unchecked(pended[i]) == 1
    ? (unchecked(staleLiq[i]) == 1 ? scan.liquidationPriceOf(s, q, e, unchecked(curColl[i])) : unchecked(curLiq[i]))
    : unchecked(accLiq[i]);
  return s > 0 ? l >= mark : l <= mark;
}

/** Account i closes its whole position by market order: P&L into its cash, no fee; past bankruptcy, fund then bad debt. */
function closeVoluntarily(i: i32, s: f64): void {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const notional = s > 0 ? book.sell(q) : book.buy(q);
  const pnl = s * (notional - q * unchecked(accEntry[i]));
  L.realise(pnl);
  const remaining = c + pnl;
  if (T.tracing) T.fill(T.K_CLOSE, i, s, q, notional, q, c, unchecked(accEntry[i]));
  sideChanged(s);
  if (remaining >= 0) {
    L.closeAccount(i, remaining);
    L.addFlowPnl(pnl);
  } else {
    L.closeAccount(i, 0);
    L.addFlowPnl(-c);
    L.addShortfall(-remaining);
    L.fundThenBadDebt(-remaining, s);
  }
  if (T.tracing) T.close(L.insurance, L.vaultShown());
}

/** Arrival k of this step opens at this mark by market order in the next dormant slot. */
function arrive(k: u32, mark: f64, listed: bool): void {
  const i = PS.active;
  drawArrival(k, PS.path, <u32>book.step, PS.seedLo, PS.seedHi);
  const s: f64 = arrivalLong ? 1 : -1;
  const q = arrivalNotional / mark;
  const fill = s > 0 ? book.buy(q) : book.sell(q);
  const e = fill / q;
  const c = fill / admitArrival(arrivalRaw, fill, q);
  unchecked((accIsLong[i] = arrivalLong ? 1 : 0));
  unchecked((accEntry[i] = e));
  unchecked((curSize[i] = q));
  fan.opened(s, q);
  unchecked((curColl[i] = c));
  unchecked((curLiq[i] = scan.liquidationPriceOf(s, q, e, c)));
  unchecked((nextSlice[i] = 0));
  unchecked((slicedRound[i] = 0));
  unchecked((flagged[i] = -1));
  unchecked((inAuction[i] = 0));
  unchecked((staleLiq[i] = 0));
  unchecked((pended[i] = 0));
  // open in this path (its rung's epoch is never this one)
  store<i32>(rungOf(i), book.epoch - 1, L_DEAD);
  sideChanged(s);
  // the ladder was sorted before it existed: it is re-checked at its own liquidation price every round
  pend(i, s);
  PS.accountArrived();
  if (listed) {
    listSet(flowLen, i);
    flowLen++;
  }
  L.addArrival(c);
  if (T.tracing) T.event(T.K_ARRIVAL, i, s, q, e, e - (s * c) / q, fill, -1, L.insurance, L.vaultShown());
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<i32>(b, flowLen, 0);
}
export function loadContext(b: usize): void {
  flowLen = load<i32>(b, 0);
}
