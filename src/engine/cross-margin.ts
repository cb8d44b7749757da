// Cross margin across markets in plain TypeScript (the reference of assembly/cross-margin.ts): owners whose one
// equity (cash, haircut deposits, the legs' P&L) backs legs in several markets (the tables: cross-setup.ts). Every
// f64 operation is the kernel's, in the kernel's order, so that both give bit-identical records.
//
// Screening: each owner's health equity − maintenance is kept as a linear form of the marks,
//   h = K + Σ_m W[m, o] × mark[m],
// exact while no leg changes tier (a leg's tier changes only when its market's mark crosses one of its crit marks:
// those owners are marked dirty and their form recomputed; an owner whose leg sizes a slice or a repayment changed
// has crit marks the table does not hold: its form is made again every round; a leg in a market with a margin.model
// is held to the model's requirement, cross-requirement.ts says when its form is made again). An owner with h < 0 is measured
// exactly and liquidated, its worst leg first, the way that leg's market liquidates (cross-liquidation.ts): whole
// closes until equity ≥ maintenance, or one slice, one repayment or a takeover per round; its last leg closed, its
// collateral is sold and a negative cash is covered (fund, ADL queue, bad debt: ledger.ts cover).
import type { CrossSetup } from "./cross-setup.js";
import { CrossLiquidation, type CrossMarket } from "./cross-liquidation.js";
import type { VenueLedger } from "./ledger.js";
import { tierIndex } from "./margin.js";
import type { OwnerLegs } from "./owner-adl.js";

export type { CrossLiquidationEvent, CrossMarket } from "./cross-liquidation.js";

/** An owner as the path stands (owner(o)): its legs still open (indices within the owner) and their sizes, measured at the marks. */
export interface CrossOwnerState {
  closed: boolean;
  cash: number;
  openLegs: number[];
  sizes: number[];
  equity: number;
  maintenance: number;
}

export class CrossMargin extends CrossLiquidation {
  // ---- per path (the accounts: cross-liquidation.ts) ----
  private readonly dirty: Uint8Array;
  /** The linear health form: K[o], W[m·O + o]. */
  private readonly K: Float64Array;
  private readonly W: Float64Array;
  /** The vector pass's health per owner. */
  private readonly H: Float64Array;
  /** Per leg, its owner (computed once). */
  private readonly legOwner: Int32Array;
  /** Per deposit, its owner (computed once). */
  private readonly depOwner: Int32Array;
  /** Per market, the mark the forms were last checked against (checkCrossings). */
  private readonly formMark: Float64Array;
  private cursor = 0;

  constructor(setup: CrossSetup, markets: readonly CrossMarket[], venue: VenueLedger) {
    if (setup.critStart.length !== markets.length + 1)
      throw new RangeError(`the cross tables are of ${setup.critStart.length - 1} markets, not ${markets.length}`);
    super(setup, markets, venue);
    const O = this.O;
    this.dirty = new Uint8Array(O);
    this.K = new Float64Array(O);
    this.W = new Float64Array(this.M * O);
    this.H = new Float64Array(O);
    this.depOwner = new Int32Array(setup.depAmount.length);
    for (let o = 0; o < O; o++) for (let d = setup.depStart[o]; d < setup.depStart[o + 1]; d++) this.depOwner[d] = o;
    this.formMark = new Float64Array(this.M);
    this.legOwner = new Int32Array(setup.legMarket.length);
    for (let o = 0; o < O; o++) for (let j = setup.legStart[o]; j < setup.legStart[o + 1]; j++) this.legOwner[j] = o;
    // every market's ADL ranks its owners' legs too (owner-adl.ts)
    for (let m = 0; m < this.M; m++) {
      const legs: number[] = [];
      for (let j = 0; j < setup.legMarket.length; j++) if (setup.legMarket[j] === m) legs.push(j);
      if (legs.length > 0) markets[m].st.attachOwners(this.legsIn(Int32Array.from(legs)));
    }
  }

  /** Market legs' ADL view (owner-adl.ts): the owners' cash and legs, the forms made dirty by what ADL changes. */
  private legsIn(legs: Int32Array): OwnerLegs {
    const s = this.setup;
    return {
      legs,
      live: (j) => this.legOpen[j] === 1 && this.closed[this.legOwner[j]] === 0,
      side: (j) => s.legSide[j],
      size: (j) => this.legQ[j],
      entry: (j) => s.legEntry[j],
      equity: (j) => {
        const eq0 = this.eq;
        const mm0 = this.mm;
        this.measure(this.legOwner[j]);
        const V = this.eq;
        this.eq = eq0;
        this.mm = mm0;
        return V;
      },
      deleveraged: (j, x, credit) => {
        const o = this.legOwner[j];
        this.cash[o] += credit;
        if (x === this.legQ[j]) {
          this.legOpen[j] = 0;
          this.openLegs[o]--;
        } else {
          this.legQ[j] = this.legQ[j] - x;
          this.resize(o);
        }
        this.dirty[o] = 1;
      },
      haircut: (j, h) => {
        const o = this.legOwner[j];
        this.cash[o] -= h;
        this.dirty[o] = 1;
      },
    };
  }

  /** The money the owners bring into a path: Σ_d depAmount[d] × assetPrice[depAsset[d]] (the conservation tests'). */
  initialMoney(): number {
    const s = this.setup;
    let money = 0;
    for (let d = 0; d < s.depAmount.length; d++) money += s.depAmount[d] * s.assetPrice[s.depAsset[d]];
    return money;
  }

  /** A path starts (after every market's startPath): every owner open, every form to compute before its first use. */
  startPath(): void {
    this.resetAccounts();
    this.dirty.fill(1);
    this.K.fill(0);
    this.W.fill(0);
    this.cursor = 0;
    for (let m = 0; m < this.M; m++) this.formMark[m] = this.markets[m].mark;
    this.req.startPath();
  }

  /** Step t begins (before its first round): the deposits that land at t make their owners' forms dirty. */
  arrivals(t: number): void {
    const s = this.setup;
    this.t = t;
    this.roundInStep = 0;
    const order = s.arrivalOrder;
    while (this.cursor < order.length && s.depArrives[order[this.cursor]] <= t) {
      this.dirty[this.depOwner[order[this.cursor]]] = 1;
      this.cursor++;
    }
  }

  /** The owner's linear form at the current marks (an open owner's). */
  private recompute(o: number): void {
    const s = this.setup;
    const O = this.O;
    const W = this.W;
    let K = this.cash[o];
    for (let m = 0; m < this.M; m++) W[m * O + o] = 0;
    for (let d = s.depStart[o]; d < s.depStart[o + 1]; d++) {
      if (!this.counts(d)) continue;
      const a = s.depAsset[d];
      const mk = s.assetMarket[a];
      if (mk < 0) K = K + this.units[d] * s.assetPrice[a] * (1 - s.assetHaircut[a]);
      else W[mk * O + o] = W[mk * O + o] + this.units[d] * (1 - s.assetHaircut[a]);
    }
    for (let j = s.legStart[o]; j < s.legStart[o + 1]; j++) {
      if (this.legOpen[j] === 0) continue;
      const m = s.legMarket[j];
      const sd = s.legSide[j];
      const q = this.legQ[j];
      const e = s.legEntry[j];
      if (this.req.modelled(m)) {
        // its market's model: requirement = formB × mark − formC
        this.req.formOf(m, sd, q, this.markets[m].mark, e);
        K = K + (this.req.formC - sd * q * e);
        W[m * O + o] = W[m * O + o] + (sd * q - this.req.formB);
        continue;
      }
      const tiers = this.markets[m].st.tiers;
      const k = tierIndex(tiers, q * this.markets[m].mark);
      K = K + (tiers.amount[k] - sd * q * e);
      W[m * O + o] = W[m * O + o] + (sd * q - q * tiers.mmr[k]);
    }
    this.K[o] = K;
    this.dirty[o] = 0;
  }

  /** A closed owner's form is 0. */
  protected dropForm(o: number): void {
    this.K[o] = 0;
    for (let k = 0; k < this.M; k++) this.W[k * this.O + o] = 0;
  }

  /** The form's health at the current marks (mul then add, in market order). */
  private health(o: number): number {
    const O = this.O;
    let h = this.K[o];
    for (let m = 0; m < this.M; m++) h = h + this.W[m * O + o] * this.markets[m].mark;
    return h;
  }

  /** Marks every owner with a leg whose crit mark lies between a market's last checked mark and its mark now. */
  private checkCrossings(): void {
    const s = this.setup;
    for (let m = 0; m < this.M; m++) {
      const b = this.markets[m].mark;
      const a = this.formMark[m];
      if (b === a) continue;
      const lo = (a < b ? a : b) * (1 - 1e-9);
      const hi = (a < b ? b : a) * (1 + 1e-9);
      // lower bound: the first crit ≥ lo
      let first = s.critStart[m];
      let last = s.critStart[m + 1];
      while (first < last) {
        const mid = (first + last) >>> 1;
        if (s.critMark[mid] < lo) first = mid + 1;
        else last = mid;
      }
      const end = s.critStart[m + 1];
      for (let c = first; c < end && s.critMark[c] <= hi; c++) this.dirty[s.critOwner[c]] = 1;
      this.formMark[m] = b;
    }
  }

  /**
   * One cross round of step t (after every market's own round): returns the legs it filled or took. Each owner
   * under water loses legs the way their markets liquidate (cross-liquidation.ts): whole closes until it is healthy,
   * or one slice, one repayment, a takeover, or nothing (cooling down, or every leg's market blocked by its caps).
   */
  round(t: number): number {
    this.t = t;
    this.roundInStep++;
    const O = this.O;
    // a resized owner's crit marks are not in the table: its form is made again every round (an open one's)
    for (let r = 0; r < this.resizedCount; r++) {
      const o = this.resizedList[r];
      if (this.closed[o] === 0) this.dirty[o] = 1;
    }
    // so is one with a leg under a size premium; the owners of a market whose model's state moved are stale
    const req = this.req;
    for (let r = 0; r < req.freshCount; r++) {
      const o = req.freshList[r];
      if (this.closed[o] === 0) this.dirty[o] = 1;
    }
    this.checkCrossings();
    req.markDirty(this.dirty);
    for (let o = 0; o < O; o++) if (this.dirty[o] === 1 && this.closed[o] === 0) this.recompute(o);
    // the vector pass (the kernel's f64x2 over owners): the same sums, owner by owner
    const H = this.H;
    for (let o = 0; o < O; o++) H[o] = this.health(o);
    let moved = false;
    let n = 0;
    for (let o = 0; o < O; o++) {
      if (this.closed[o] === 1) continue;
      let h: number;
      if (moved) {
        this.checkCrossings();
        if (this.dirty[o] === 1 || this.resized[o] === 1 || req.fresh[o] === 1) this.recompute(o);
        h = this.health(o);
      } else h = H[o];
      if (!(h < 0)) continue;
      this.measure(o);
      let closedAny = false;
      while (this.eq < this.mm) {
        const j = this.worstLeg(o);
        if (j < 0) break;
        const fills = this.liquidate(o, j);
        // cooling down: it waits
        if (fills === 0) break;
        n += fills;
        closedAny = true;
        // closed (out, or taken over), or one slice or repayment this round: it waits for the next
        if (!this.closedWhole) break;
        this.measure(o);
      }
      if (closedAny) {
        moved = true;
        if (this.closed[o] === 0) this.dirty[o] = 1;
      }
    }
    return n;
  }

  /** The record's CROSS_METRICS at out[at..at+3]. */
  writeRecord(out: Float64Array, at: number): void {
    let hit = 0;
    let closed = 0;
    for (let o = 0; o < this.O; o++) {
      hit += this.hit[o];
      closed += this.closed[o];
    }
    out[at] = hit;
    out[at + 1] = closed;
    out[at + 2] = this.collateralSold;
    out[at + 3] = this.collateralSales;
  }

  /** The owners' money: their cash and every deposit still held (arrived or not) at its reference value. */
  tradersMoney(): number {
    const s = this.setup;
    let money = 0;
    for (let o = 0; o < this.O; o++) money += this.cash[o];
    for (let d = 0; d < this.units.length; d++) money += this.units[d] * s.assetPrice[s.depAsset[d]];
    return money;
  }

  /** Owner o as the path stands, measured at the current marks. */
  owner(o: number): CrossOwnerState {
    const s = this.setup;
    const openLegs: number[] = [];
    const sizes: number[] = [];
    for (let j = s.legStart[o]; j < s.legStart[o + 1]; j++) {
      if (this.legOpen[j] === 0) continue;
      openLegs.push(j - s.legStart[o]);
      sizes.push(this.legQ[j]);
    }
    const eq0 = this.eq;
    const mm0 = this.mm;
    this.measure(o);
    const state = { closed: this.closed[o] === 1, cash: this.cash[o], openLegs, sizes, equity: this.eq, maintenance: this.mm };
    this.eq = eq0;
    this.mm = mm0;
    return state;
  }
}
