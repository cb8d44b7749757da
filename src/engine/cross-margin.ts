// Cross margin across markets in plain TypeScript (the reference of assembly/cross-margin.ts): owners whose one
// equity (cash, haircut deposits, the legs' P&L) backs legs in several markets (the tables: cross-setup.ts). Every
// f64 operation is the kernel's, in the kernel's order, so that both give bit-identical records.
//
// Screening: each owner's health equity − maintenance is kept as a linear form of the marks,
//   h = K + Σ_m W[m, o] × mark[m],
// exact while no leg changes tier (a leg's tier changes only when its market's mark crosses one of its crit marks:
// those owners are marked dirty and their form recomputed). An owner with h < 0 is measured exactly, and its worst
// leg closed by a market order into its market's book until equity ≥ maintenance; its last leg closed, its
// collateral is sold and a negative cash is covered (fund, ADL queue, bad debt: ledger.ts cover).
import { FEE_KIND, P } from "./layout.js";
import type { CrossSetup } from "./cross-setup.js";
import { addFee, cover, feeRateOf, type VenueLedger } from "./ledger.js";
import { tierIndex } from "./margin.js";
import type { RefState } from "./state.js";

/** What the cross layer needs of a market (markets.ts Market): its state, its mark, the bookkeeping after a fill. */
export interface CrossMarket {
  readonly st: RefState;
  readonly mark: number;
  /** After a fill in its book: the mark follows, then its min price and drawdown (Market.round's, no round count). */
  afterFill(): void;
}

/** A forced trade of the cross layer: a leg closed, or a deposit sold at the close-out. */
export interface CrossLiquidationEvent {
  step: number;
  /** The venue's round of the step (1, 2, …) the trade happened in. */
  round: number;
  owner: number;
  kind: "leg" | "collateral";
  /** The leg's index within the owner, or the deposit's. */
  index: number;
  /** The leg's market, or the deposit's asset. */
  instrument: number;
  /** A leg: its side (+1 long closed by a sale, −1 short closed by a purchase); a deposit sale: +1. */
  side: number;
  size: number;
  /** The fill's notional (a leg) or the sale's proceeds (a deposit). */
  notional: number;
  /** The owner's equity and maintenance right after the trade (the fee paid; before a close-out's cover). */
  equity: number;
  maintenance: number;
}

/** An owner as the path stands (owner(o)): its legs still open (indices within the owner), measured at the marks. */
export interface CrossOwnerState {
  closed: boolean;
  cash: number;
  openLegs: number[];
  equity: number;
  maintenance: number;
}

export class CrossMargin {
  /** Called for every leg closed and every deposit sold, when set (tests). */
  onLiquidation?: (event: CrossLiquidationEvent) => void;

  private readonly O: number;
  private readonly M: number;
  // ---- per path ----
  private readonly cash: Float64Array;
  private readonly closed: Uint8Array;
  private readonly hit: Uint8Array;
  private readonly openLegs: Int32Array;
  private readonly dirty: Uint8Array;
  /** The linear health form: K[o], W[m·O + o]. */
  private readonly K: Float64Array;
  private readonly W: Float64Array;
  /** The vector pass's health per owner. */
  private readonly H: Float64Array;
  private readonly legOpen: Uint8Array;
  private readonly units: Float64Array;
  /** Per deposit, its owner (computed once). */
  private readonly depOwner: Int32Array;
  /** Per market, the mark the forms were last checked against (checkCrossings). */
  private readonly formMark: Float64Array;
  private cursor = 0;
  /** The current step (0 before step 1): a deposit counts from its arrival step on. */
  private t = 0;
  /** The venue's round within the step (events only). */
  private roundInStep = 0;
  private collateralSold = 0;
  private collateralSales = 0;
  // measure()'s results
  private eq = 0;
  private mm = 0;

  constructor(
    readonly setup: CrossSetup,
    private readonly markets: readonly CrossMarket[],
    private readonly venue: VenueLedger,
  ) {
    const O = setup.owners;
    const M = markets.length;
    if (setup.critStart.length !== M + 1)
      throw new RangeError(`the cross tables are of ${setup.critStart.length - 1} markets, not ${M}`);
    this.O = O;
    this.M = M;
    this.cash = new Float64Array(O);
    this.closed = new Uint8Array(O);
    this.hit = new Uint8Array(O);
    this.openLegs = new Int32Array(O);
    this.dirty = new Uint8Array(O);
    this.K = new Float64Array(O);
    this.W = new Float64Array(M * O);
    this.H = new Float64Array(O);
    this.legOpen = new Uint8Array(setup.legMarket.length);
    this.units = new Float64Array(setup.depAmount.length);
    this.depOwner = new Int32Array(setup.depAmount.length);
    for (let o = 0; o < O; o++) for (let d = setup.depStart[o]; d < setup.depStart[o + 1]; d++) this.depOwner[d] = o;
    this.formMark = new Float64Array(M);
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
    const s = this.setup;
    this.cash.fill(0);
    this.closed.fill(0);
    this.hit.fill(0);
    for (let o = 0; o < this.O; o++) this.openLegs[o] = s.legStart[o + 1] - s.legStart[o];
    this.dirty.fill(1);
    this.K.fill(0);
    this.W.fill(0);
    this.legOpen.fill(1);
    this.units.set(s.depAmount);
    this.cursor = 0;
    this.t = 0;
    this.roundInStep = 0;
    for (let m = 0; m < this.M; m++) this.formMark[m] = this.markets[m].mark;
    this.collateralSold = 0;
    this.collateralSales = 0;
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

  private counts(d: number): boolean {
    return this.units[d] > 0 && this.setup.depArrives[d] <= this.t;
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
      const q = s.legSize[j];
      const e = s.legEntry[j];
      const tiers = this.markets[m].st.tiers;
      const k = tierIndex(tiers, q * this.markets[m].mark);
      K = K + (tiers.amount[k] - sd * q * e);
      W[m * O + o] = W[m * O + o] + (sd * q - q * tiers.mmr[k]);
    }
    this.K[o] = K;
    this.dirty[o] = 0;
  }

  /** The form's health at the current marks (mul then add, in market order). */
  private health(o: number): number {
    const O = this.O;
    let h = this.K[o];
    for (let m = 0; m < this.M; m++) h = h + this.W[m * O + o] * this.markets[m].mark;
    return h;
  }

  /** A counting deposit's haircut value at the marks. */
  private value(d: number): number {
    const s = this.setup;
    const a = s.depAsset[d];
    const mk = s.assetMarket[a];
    const price = mk < 0 ? s.assetPrice[a] : this.markets[mk].mark;
    return this.units[d] * price * (1 - s.assetHaircut[a]);
  }

  /** The exact equity and maintenance at the marks, into eq and mm. */
  private measure(o: number): void {
    const s = this.setup;
    let eq = this.cash[o];
    for (let d = s.depStart[o]; d < s.depStart[o + 1]; d++) if (this.counts(d)) eq = eq + this.value(d);
    let mm = 0;
    for (let j = s.legStart[o]; j < s.legStart[o + 1]; j++) {
      if (this.legOpen[j] === 0) continue;
      const m = s.legMarket[j];
      const mk = this.markets[m].mark;
      const q = s.legSize[j];
      eq = eq + s.legSide[j] * q * (mk - s.legEntry[j]);
      const n = q * mk;
      const tiers = this.markets[m].st.tiers;
      const k = tierIndex(tiers, n);
      mm = mm + (n * tiers.mmr[k] - tiers.amount[k]);
    }
    this.eq = eq;
    this.mm = mm;
  }

  /** The open leg with the smallest P&L; ties: the larger maintenance, then the lower index. −1 when none. */
  private worstLeg(o: number): number {
    const s = this.setup;
    let best = -1;
    let bestPnl = 0;
    let bestMm = 0;
    for (let j = s.legStart[o]; j < s.legStart[o + 1]; j++) {
      if (this.legOpen[j] === 0) continue;
      const m = s.legMarket[j];
      const mark = this.markets[m].mark;
      const q = s.legSize[j];
      const pnl = s.legSide[j] * q * (mark - s.legEntry[j]);
      const n = q * mark;
      const tiers = this.markets[m].st.tiers;
      const k = tierIndex(tiers, n);
      const mm = n * tiers.mmr[k] - tiers.amount[k];
      if (best < 0 || pnl < bestPnl || (pnl === bestPnl && mm > bestMm)) {
        best = j;
        bestPnl = pnl;
        bestMm = mm;
      }
    }
    return best;
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

  /** Closes leg j of owner o by a market order into its market's book; the fee from what equity is left. */
  private closeLeg(o: number, j: number): void {
    const s = this.setup;
    const venue = this.venue;
    const m = s.legMarket[j];
    const market = this.markets[m];
    const st = market.st;
    const sd = s.legSide[j];
    const q = s.legSize[j];
    const e = s.legEntry[j];
    const markBefore = market.mark;
    const notional = sd > 0 ? st.book.sell(q) : st.book.buy(q);
    market.afterFill();
    const pnl = sd * (notional - q * e);
    this.cash[o] += pnl;
    venue.makers -= pnl;
    venue.liquidatedPnl += pnl;
    this.legOpen[j] = 0;
    this.openLegs[o]--;
    this.hit[o] = 1;
    st.liquidations++;
    st.liquidatedNotional += notional;
    st.slipValue += sd * (q * markBefore - notional);
    st.markedValue += q * markBefore;
    this.measure(o);
    // the tiered schedule by the fill's notional; any other kind at its flat rate (a cross leg has no flag step)
    const rate = st.p[P.feeKind] === FEE_KIND.tiered ? feeRateOf(st, -1, notional) : st.p[P.feeRate];
    let fee = rate * notional;
    const room = this.eq > 0 ? this.eq : 0;
    if (fee > room) fee = room;
    this.cash[o] -= fee;
    venue.liquidatedPnl -= fee;
    venue.feesPaid += fee;
    addFee(st, fee);
    const onLiquidation = this.onLiquidation;
    if (onLiquidation) {
      onLiquidation({
        step: this.t,
        round: this.roundInStep,
        owner: o,
        kind: "leg",
        index: j - s.legStart[o],
        instrument: m,
        side: sd,
        size: q,
        notional,
        equity: this.eq - fee,
        maintenance: this.mm,
      });
    }
  }

  /** The owner's last leg (market m, side sd) was just closed: its collateral is sold, a negative cash covered. */
  private closeOut(o: number, m: number, sd: number): void {
    const s = this.setup;
    const venue = this.venue;
    for (let d = s.depStart[o]; d < s.depStart[o + 1]; d++) {
      if (!this.counts(d)) continue;
      const a = s.depAsset[d];
      const mk = s.assetMarket[a];
      const u = this.units[d];
      let proceeds: number;
      if (mk >= 0) {
        proceeds = this.markets[mk].st.book.sell(u);
        this.markets[mk].afterFill();
      } else proceeds = u * s.assetPrice[a];
      this.units[d] = 0;
      this.cash[o] += proceeds;
      // the deposit was counted at its reference value: the difference is the makers'
      const gain = proceeds - u * s.assetPrice[a];
      venue.makers -= gain;
      venue.liquidatedPnl += gain;
      this.collateralSold += proceeds;
      this.collateralSales++;
      const onLiquidation = this.onLiquidation;
      if (onLiquidation) {
        this.measure(o);
        onLiquidation({
          step: this.t,
          round: this.roundInStep,
          owner: o,
          kind: "collateral",
          index: d - s.depStart[o],
          instrument: a,
          side: 1,
          size: u,
          notional: proceeds,
          equity: this.eq,
          maintenance: this.mm,
        });
      }
    }
    const c = this.cash[o];
    if (c < 0) {
      const deficit = -c;
      this.cash[o] = 0;
      venue.liquidatedPnl += deficit;
      venue.shortfall += deficit;
      const market = this.markets[m];
      cover(market.st, deficit, sd, market.mark);
    }
    this.closed[o] = 1;
    this.K[o] = 0;
    for (let k = 0; k < this.M; k++) this.W[k * this.O + o] = 0;
  }

  /** One cross round of step t (after every market's own round): returns the number of legs closed. */
  round(t: number): number {
    this.t = t;
    this.roundInStep++;
    const O = this.O;
    const s = this.setup;
    this.checkCrossings();
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
        if (this.dirty[o] === 1) this.recompute(o);
        h = this.health(o);
      } else h = H[o];
      if (!(h < 0)) continue;
      this.measure(o);
      let closedAny = false;
      while (this.eq < this.mm) {
        const j = this.worstLeg(o);
        if (j < 0) break;
        this.closeLeg(o, j);
        n++;
        closedAny = true;
        if (this.openLegs[o] === 0) {
          this.closeOut(o, s.legMarket[j], s.legSide[j]);
          break;
        }
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
    for (let j = s.legStart[o]; j < s.legStart[o + 1]; j++) if (this.legOpen[j] === 1) openLegs.push(j - s.legStart[o]);
    const eq0 = this.eq;
    const mm0 = this.mm;
    this.measure(o);
    const state = { closed: this.closed[o] === 1, cash: this.cash[o], openLegs, equity: this.eq, maintenance: this.mm };
    this.eq = eq0;
    this.mm = mm0;
    return state;
  }
}
