// Auto-deleveraging (assembly/adl.ts is the kernel's twin): the ranking of a side's profitable open positions
// (adl.ranking; loss-allocation.ts closes them against the step's bankruptcies), and adl.ranking socialized's haircut
// of every profitable position pro rata to its profit (ledger.ts cover calls it: this module imports no ledger).

import { ADL_RANKING, DOMAIN, P } from "./layout.js";
import { philox, uniform52 } from "./philox.js";
import { LEG_ID_BASE, type OwnerLegs } from "./owner-adl.js";
import type { RefState } from "./state.js";
import { KIND } from "./trace.js";
import { pend } from "./triggers/ladder.js";

/** A side's profitable open positions, best-ranked first: loss-allocation.ts walks it from the cursor. */
export class AdlRanking {
  /** Account indices, and the owners' legs' ids (LEG_ID_BASE + leg). */
  order: Int32Array;
  private score: Float64Array;
  len = 0;
  /** The first position not yet passed for good (closed, or closed by this ranking). */
  cursor = 0;

  constructor(private readonly st: RefState) {
    this.order = new Int32Array(st.capacity);
    this.score = new Float64Array(st.capacity);
  }

  /**
   * Ranks side `side`'s profitable open positions at the mark by adl.ranking (ties by id): the isolated accounts, then
   * the cross-margin owners' legs in this market (an owner under water is the liquidation's, not ADL's).
   */
  rank(side: number, mark: number): void {
    const st = this.st;
    const pop = st.pop;
    const random = st.p[P.adlRanking] === ADL_RANKING.random;
    const hyperliquid = st.p[P.adlRanking] === ADL_RANKING.hyperliquid;
    let n = 0;
    for (let j = 0; j < st.active; j++) {
      if (st.dead[j] === 1 || st.inAuction[j] === 1 || (pop.isLong[j] === 1 ? 1 : -1) !== side) continue;
      // nor one the liquidation engine has in hand (sliced, repaid): ADL takes the other side's healthy positions
      if (st.p[P.perAccount] === 1 && st.flagged[j] >= 0) continue;
      const profit = side * st.curSize[j] * (mark - pop.entry[j]);
      if (!(profit > 0)) continue;
      let score: number;
      if (random) {
        philox(j, st.path, st.step, DOMAIN.adl + st.domainShift, st.seedLo, st.seedHi, st.w);
        score = uniform52(st.w[0], st.w[1]);
      } else if (hyperliquid) {
        // Hyperliquid: (mark / entry) × notional / account value (a short's price ratio inverted: its profit grows as the mark falls)
        const ratio = side > 0 ? mark / pop.entry[j] : pop.entry[j] / mark;
        score = ratio * ((st.curSize[j] * mark) / (st.curColl[j] + profit));
      } else {
        // Binance: PnL% × effective leverage
        const margin = st.curColl[j];
        score = (profit / margin) * ((st.curSize[j] * mark) / (margin + profit));
      }
      this.order[n] = j;
      this.score[n] = score;
      n++;
    }
    const owners = st.owners;
    if (owners) n = this.rankLegs(owners, side, mark, n, random, hyperliquid);
    const score = this.score;
    const idx = Array.from({ length: n }, (_, r) => r).sort((a, b) => score[b] - score[a] || this.order[a] - this.order[b]);
    const order = idx.map((r) => this.order[r]);
    for (let r = 0; r < n; r++) this.order[r] = order[r];
    this.len = n;
    this.cursor = 0;
  }

  /** The owners' profitable legs of `side` after the n isolated accounts ranked; returns the count. */
  private rankLegs(owners: OwnerLegs, side: number, mark: number, n0: number, random: boolean, hyperliquid: boolean): number {
    const st = this.st;
    const legs = owners.legs;
    if (this.order.length < st.capacity + legs.length) {
      const order = new Int32Array(st.capacity + legs.length);
      const score = new Float64Array(st.capacity + legs.length);
      order.set(this.order);
      score.set(this.score);
      this.order = order;
      this.score = score;
    }
    let n = n0;
    for (let k = 0; k < legs.length; k++) {
      const j = legs[k];
      if (!owners.live(j) || owners.side(j) !== side) continue;
      const q = owners.size(j);
      const e = owners.entry(j);
      const profit = side * q * (mark - e);
      if (!(profit > 0)) continue;
      const V = owners.equity(j);
      if (!(V > 0)) continue;
      const id = LEG_ID_BASE + j;
      let score: number;
      if (random) {
        philox(id, st.path, st.step, DOMAIN.adl + st.domainShift, st.seedLo, st.seedHi, st.w);
        score = uniform52(st.w[0], st.w[1]);
      } else if (hyperliquid) {
        const ratio = side > 0 ? mark / e : e / mark;
        score = ratio * ((q * mark) / V);
      } else {
        const margin = V - profit;
        if (!(margin > 0)) continue;
        score = (profit / margin) * ((q * mark) / V);
      }
      this.order[n] = id;
      this.score[n] = score;
      n++;
    }
    return n;
  }
}

/** adl.ranking socialized: shares the deficit across the profitable open accounts of `side`, pro rata to profit; returns what is left. */
export function socialize(st: RefState, side: number, deficit: number, mark: number): number {
  const pop = st.pop;
  // the profitable open accounts of that side, in account order, and their total profit
  const winners: number[] = [];
  const profits: number[] = [];
  let total = 0;
  for (let j = 0; j < st.active; j++) {
    if (st.dead[j] === 1 || st.inAuction[j] === 1 || (pop.isLong[j] === 1 ? 1 : -1) !== side) continue;
    const profit = side * st.curSize[j] * (mark - pop.entry[j]);
    if (!(profit > 0)) continue;
    total += profit;
    winners.push(j);
    profits.push(profit);
  }
  // the owners' profitable legs of that side in this market, leg by leg (no equity condition: a haircut of profit)
  const owners = st.owners;
  const legs: number[] = [];
  const legProfits: number[] = [];
  if (owners) {
    for (let k = 0; k < owners.legs.length; k++) {
      const j = owners.legs[k];
      if (!owners.live(j) || owners.side(j) !== side) continue;
      const profit = side * owners.size(j) * (mark - owners.entry(j));
      if (!(profit > 0)) continue;
      total += profit;
      legs.push(j);
      legProfits.push(profit);
    }
  }
  if (!(total > 0)) return deficit;
  const take = deficit < total ? deficit : total;
  let taken = 0;
  const onSocializedLoss = st.onSocializedLoss;
  const haircuts: { account: number; profit: number; haircut: number }[] = [];
  for (let k = 0; k < winners.length; k++) {
    const j = winners[k];
    const profit = profits[k];
    const h = take * (profit / total);
    st.curColl[j] -= h;
    taken += h;
    // its liquidation price is computed when the pending list next reads it (one deficit after another would
    // otherwise recompute thousands of prices that only the last haircut decides)
    st.staleLiq[j] = 1;
    pend(st, j, side);
    if (onSocializedLoss) haircuts.push({ account: j, profit, haircut: h });
  }
  for (let k = 0; k < legs.length; k++) {
    const profit = legProfits[k];
    const h = take * (profit / total);
    owners?.haircut(legs[k], h);
    taken += h;
    if (onSocializedLoss) haircuts.push({ account: LEG_ID_BASE + legs[k], profit, haircut: h });
  }
  if (onSocializedLoss) onSocializedLoss({ step: st.step, deficit, haircuts });
  // the haircut traders pay it: what they give up of their profit
  st.venue.adlPnl -= taken;
  st.venue.adlTransfer += taken;
  st.trace?.event(KIND["socialized-loss"], -1, side, NaN, mark, NaN, taken, -1);
  // a shortfall below the profits is covered in full: the haircuts' sum differs from it by rounding only, which
  // must not show as bad debt (P(badDebt) counts paths with badDebt > 0)
  return deficit < total ? 0 : deficit - taken;
}
