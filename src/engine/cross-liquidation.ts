// The cross-margin owners' accounts and how they are liquidated (the reference's half of assembly/cross-margin.ts;
// cross-margin.ts screens the owners and runs the rounds on top of it). An owner under water loses its worst leg
// (the open leg with the smallest P&L, among the markets its step's caps have not blocked) the way that leg's market
// liquidates (liquidation.engine):
//   - market, partial, dutch-auction: closed whole by market order, or sliced (fraction × its size) when its market
//     slices and its notional is above the threshold; an owner cooling down after a slice waits, or goes whole
//     (duringCooldown full). A dutch-auction market has no slices: an owner's leg has no vault of its own to auction;
//   - backstop: the vault takes the whole owner (every leg at the marks, its collateral's proceeds and its equity)
//     when its equity is below the fraction of its maintenance and the vault can absorb it; else as partial;
//   - close-factor: one repayment of the leg (Aave: a share of the debt by the owner's health, at a bonus).
// Every fill counts in (and obeys) its market's per-step caps. Every f64 operation is the kernel's, in its order.
import { LIQUIDATION_ENGINE, P } from "./layout.js";
import { CrossRequirement } from "./cross-requirement.js";
import type { CrossSetup } from "./cross-setup.js";
import { addFee, capCheck, cover, feeRateFrom, type VenueLedger } from "./ledger.js";
import { tierIndex } from "./margin.js";
import type { RefState } from "./state.js";
import type { Backstop } from "./mechanisms/backstop.js";

/** What the cross layer needs of a market (markets.ts Market): its state, its mark, the bookkeeping after a fill. */
export interface CrossMarket {
  readonly st: RefState;
  readonly mark: number;
  /** After a fill in its book: the mark follows, then its min price and drawdown (Market.round's, no round count). */
  afterFill(): void;
  /** Its mechanisms: the backstop vault's inventory in this market takes an owner's legs over. */
  readonly mech: { readonly backstop: Backstop };
}

/**
 * A forced trade of the cross layer: a leg closed whole ("leg"), sliced ("slice"), repaid ("repayment") or taken over by
 * the vault ("takeover"), or a deposit sold at the close-out or the takeover ("collateral").
 */
export interface CrossLiquidationEvent {
  step: number;
  /** The venue's round of the step (1, 2, …) the trade happened in. */
  round: number;
  owner: number;
  kind: "leg" | "slice" | "repayment" | "takeover" | "collateral";
  /** The leg's index within the owner, or the deposit's. */
  index: number;
  /** The leg's market, or the deposit's asset. */
  instrument: number;
  /** A leg: its side (+1 long closed by a sale, −1 short closed by a purchase); a deposit sale: +1. */
  side: number;
  /** The units closed (a slice's, a repayment's, the whole leg's) or sold. */
  size: number;
  /** The fill's notional (a whole close, a slice), q × price (a repayment), q × mark (a takeover), a sale's proceeds. */
  notional: number;
  /** The owner's equity and maintenance right after the trade (the fee paid; before a close-out's cover). */
  equity: number;
  maintenance: number;
}

const ENGINE = LIQUIDATION_ENGINE;

export abstract class CrossLiquidation {
  /** Called for every leg closed, sliced, repaid or taken over and every deposit sold, when set (tests). */
  onLiquidation?: (event: CrossLiquidationEvent) => void;

  protected readonly O: number;
  protected readonly M: number;
  // ---- per path ----
  protected readonly cash: Float64Array;
  protected readonly closed: Uint8Array;
  protected readonly hit: Uint8Array;
  protected readonly openLegs: Int32Array;
  protected readonly legOpen: Uint8Array;
  /** Each leg's current size (legSize at the path's start; a slice or a partial repayment lowers it). */
  protected readonly legQ: Float64Array;
  protected readonly units: Float64Array;
  /** The step from which the owner may be sliced again (t + its market's cooldown after a slice). */
  protected readonly nextSlice: Int32Array;
  /** The step the owner's liquidation began (−1: never), from which a time-ramped fee grows. */
  protected readonly flagged: Int32Array;
  /** The owners whose leg sizes changed in the path (their crit marks are not in the table): flag, and list. */
  protected readonly resized: Uint8Array;
  protected readonly resizedList: Int32Array;
  protected resizedCount = 0;
  /** The current step (0 before step 1): a deposit counts from its arrival step on; the caps block per step. */
  protected t = 0;
  /** The venue's round within the step (events only). */
  protected roundInStep = 0;
  protected collateralSold = 0;
  protected collateralSales = 0;
  // measure()'s results
  protected eq = 0;
  protected mm = 0;
  /** liquidate(): the action was a whole close that left the owner open (its loop measures it again). */
  protected closedWhole = false;
  /** The legs' maintenance in the markets with a margin model. */
  protected readonly req: CrossRequirement;

  constructor(
    readonly setup: CrossSetup,
    protected readonly markets: readonly CrossMarket[],
    protected readonly venue: VenueLedger,
  ) {
    const O = setup.owners;
    this.O = O;
    this.M = markets.length;
    this.cash = new Float64Array(O);
    this.closed = new Uint8Array(O);
    this.hit = new Uint8Array(O);
    this.openLegs = new Int32Array(O);
    this.legOpen = new Uint8Array(setup.legMarket.length);
    this.legQ = new Float64Array(setup.legMarket.length);
    this.units = new Float64Array(setup.depAmount.length);
    this.nextSlice = new Int32Array(O);
    this.flagged = new Int32Array(O);
    this.resized = new Uint8Array(O);
    this.resizedList = new Int32Array(O);
    this.req = new CrossRequirement(setup, markets);
  }

  /** The owner is closed: its health form is 0 from now on (cross-margin.ts). */
  protected abstract dropForm(o: number): void;

  /** A path starts: every owner open with its legs at their sizes and its deposits, no slice yet. */
  protected resetAccounts(): void {
    const s = this.setup;
    this.cash.fill(0);
    this.closed.fill(0);
    this.hit.fill(0);
    for (let o = 0; o < this.O; o++) this.openLegs[o] = s.legStart[o + 1] - s.legStart[o];
    this.legOpen.fill(1);
    this.legQ.set(s.legSize);
    this.units.set(s.depAmount);
    this.nextSlice.fill(0);
    this.flagged.fill(-1);
    this.resized.fill(0);
    this.resizedCount = 0;
    this.t = 0;
    this.roundInStep = 0;
    this.collateralSold = 0;
    this.collateralSales = 0;
  }

  protected counts(d: number): boolean {
    return this.units[d] > 0 && this.setup.depArrives[d] <= this.t;
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
  protected measure(o: number): void {
    const s = this.setup;
    let eq = this.cash[o];
    for (let d = s.depStart[o]; d < s.depStart[o + 1]; d++) if (this.counts(d)) eq = eq + this.value(d);
    let mm = 0;
    for (let j = s.legStart[o]; j < s.legStart[o + 1]; j++) {
      if (this.legOpen[j] === 0) continue;
      const m = s.legMarket[j];
      const mk = this.markets[m].mark;
      const q = this.legQ[j];
      eq = eq + s.legSide[j] * q * (mk - s.legEntry[j]);
      if (this.req.modelled(m)) {
        mm = mm + this.req.requirementOf(m, s.legSide[j], q, mk, s.legEntry[j]);
        continue;
      }
      const n = q * mk;
      const tiers = this.markets[m].st.tiers;
      const k = tierIndex(tiers, n);
      mm = mm + (n * tiers.mmr[k] - tiers.amount[k]);
    }
    this.eq = eq;
    this.mm = mm;
  }

  /**
   * The open leg with the smallest P&L among those whose market's caps have not blocked step t; ties: the larger
   * maintenance, then the lower index. −1 when none (the owner waits).
   */
  protected worstLeg(o: number): number {
    const s = this.setup;
    let best = -1;
    let bestPnl = 0;
    let bestMm = 0;
    for (let j = s.legStart[o]; j < s.legStart[o + 1]; j++) {
      if (this.legOpen[j] === 0) continue;
      const m = s.legMarket[j];
      if (this.markets[m].st.blockedStep === this.t) continue;
      const mark = this.markets[m].mark;
      const q = this.legQ[j];
      const pnl = s.legSide[j] * q * (mark - s.legEntry[j]);
      const mm = this.req.modelled(m)
        ? this.req.requirementOf(m, s.legSide[j], q, mark, s.legEntry[j])
        : this.tierMm(m, q * mark);
      if (best < 0 || pnl < bestPnl || (pnl === bestPnl && mm > bestMm)) {
        best = j;
        bestPnl = pnl;
        bestMm = mm;
      }
    }
    return best;
  }

  /** A leg of this notional's maintenance at its market's tiers. */
  private tierMm(m: number, n: number): number {
    const tiers = this.markets[m].st.tiers;
    const k = tierIndex(tiers, n);
    return n * tiers.mmr[k] - tiers.amount[k];
  }

  /**
   * Owner o (measured: eq < mm) loses its worst leg j the way j's market liquidates. Returns the legs it filled or
   * took (0: the owner waits, cooling down); closedWhole tells the owner loop it may go on to the next leg.
   */
  protected liquidate(o: number, j: number): number {
    if (this.flagged[o] < 0) this.flagged[o] = this.t;
    const s = this.setup;
    const m = s.legMarket[j];
    const market = this.markets[m];
    const st = market.st;
    const p = st.p;
    this.closedWhole = false;
    if (st.engine === ENGINE["close-factor"]) {
      this.repay(o, j);
      return 1;
    }
    // the vault first (below its threshold; even while the owner cools down, as an isolated account), when it backs
    // every market the owner's open legs are in (it unwinds only where it is the engine)
    if (st.engine === ENGINE.backstop && this.eq < p[P.backstopFraction] * this.mm) {
      const vault = this.venue.vaultCash;
      if (vault > 0 && vault + this.eq >= 0 && this.vaultBacksAll(o)) return this.takeover(o);
    }
    // the partial rules of market m (f = 1, cd = dc = 0 in a market that does not slice). The spec's order, read
    // literally: a cooldown (set by a slice in any market) is checked first in every market, so an owner cooling
    // down waits even for a leg of a market that never slices, unless that market's duringCooldown is full
    if (this.nextSlice[o] > this.t) {
      if (p[P.partialDuringCooldown] !== 1) return 0;
    } else if (p[P.partialFraction] < 1 && this.legQ[j] * market.mark > p[P.partialThreshold]) {
      this.fillLeg(o, j, p[P.partialFraction] * this.legQ[j], false);
      this.nextSlice[o] = this.t + p[P.partialCooldown];
      return 1;
    }
    this.fillLeg(o, j, this.legQ[j], true);
    if (this.openLegs[o] === 0) this.closeOut(o, m, s.legSide[j]);
    else this.closedWhole = true;
    return 1;
  }

  /** Owner o's leg j less qx units: closed when `whole`, else resized; the owner is hit. */
  private reduceLeg(o: number, j: number, qx: number, whole: boolean): void {
    if (whole) {
      this.legOpen[j] = 0;
      this.openLegs[o]--;
    } else {
      this.legQ[j] = this.legQ[j] - qx;
      this.resize(o);
    }
    this.hit[o] = 1;
  }

  /** The owner's leg sizes changed: its form is to be made again every round (its crit marks are stale). */
  protected resize(o: number): void {
    if (this.resized[o] === 1) return;
    this.resized[o] = 1;
    this.resizedList[this.resizedCount++] = o;
  }

  /**
   * qx units of owner o's leg j by market order into its market's book (whole: qx = the leg's size, and it closes);
   * the fee after it, at most the owner's equity; the fill counts in the market's caps.
   */
  private fillLeg(o: number, j: number, qx: number, whole: boolean): void {
    const s = this.setup;
    const venue = this.venue;
    const m = s.legMarket[j];
    const market = this.markets[m];
    const st = market.st;
    const sd = s.legSide[j];
    const e = s.legEntry[j];
    const markBefore = market.mark;
    const notional = sd > 0 ? st.book.sell(qx) : st.book.buy(qx);
    market.afterFill();
    const pnl = sd * (notional - qx * e);
    this.cash[o] += pnl;
    venue.makers -= pnl;
    venue.liquidatedPnl += pnl;
    this.reduceLeg(o, j, qx, whole);
    st.liquidations++;
    st.liquidatedNotional += notional;
    st.slipValue += sd * (qx * markBefore - notional);
    st.markedValue += qx * markBefore;
    this.measure(o);
    // the tiered schedule by the fill's notional; any other kind at its flat rate (a cross leg has no flag step)
    // the market's schedule, a time-ramped one from the step the owner's liquidation began
    const rate = feeRateFrom(st, this.flagged[o], notional);
    let fee = rate * notional;
    const room = this.eq > 0 ? this.eq : 0;
    if (fee > room) fee = room;
    this.cash[o] -= fee;
    venue.liquidatedPnl -= fee;
    venue.feesPaid += fee;
    addFee(st, fee);
    // capCheck does nothing in a market without caps
    capCheck(st, notional, 0);
    this.emit(o, whole ? "leg" : "slice", j - s.legStart[o], m, sd, qx, notional, this.eq - fee, this.mm);
  }

  /**
   * One close-factor repayment of owner o's leg j (mechanisms/close-factor.ts on the owner's whole debt): the factor
   * by the owner's health (or the leg's debt below the minimum), the units at the bonus price, which the liquidator
   * trades on the book at once; no liquidation fee. The last leg repaid closes the owner out.
   */
  private repay(o: number, j: number): void {
    const s = this.setup;
    const venue = this.venue;
    const m = s.legMarket[j];
    const market = this.markets[m];
    const st = market.st;
    const p = st.p;
    const sd = s.legSide[j];
    const e = s.legEntry[j];
    const q = this.legQ[j];
    // the mark before the fill: the bonus's and the slippage's
    const mark = market.mark;
    // the owner's debt, over its open legs in leg order: a long's is q·entry, a short's q·mark (its own market's)
    let debt = 0;
    for (let k = s.legStart[o]; k < s.legStart[o + 1]; k++) {
      if (this.legOpen[k] === 0) continue;
      debt = debt + (s.legSide[k] > 0 ? this.legQ[k] * s.legEntry[k] : this.legQ[k] * this.markets[s.legMarket[k]].mark);
    }
    const legDebt = sd > 0 ? q * e : q * mark;
    const health = debt > 0 ? 1 + (this.eq - this.mm) / debt : Infinity;
    const factor = health <= p[P.cfFullHealth] || legDebt < p[P.cfMinDebt] ? 1 : p[P.cfDefault];
    const b = p[P.cfBonus];
    let qx = sd > 0 ? (factor * legDebt * (1 + b)) / mark : factor * q;
    if (qx > q) qx = q;
    const price = sd > 0 ? mark / (1 + b) : mark * (1 + b);
    const traded = sd > 0 ? st.book.sell(qx) : st.book.buy(qx);
    market.afterFill();
    const protocolFee = p[P.cfProtocolFee] * (sd * qx * (mark - price));
    venue.makers -= protocolFee;
    venue.keepersPnl += sd * (traded - qx * price) - protocolFee;
    addFee(st, protocolFee);
    const notional = qx * price;
    const pnl = sd * (notional - qx * e);
    this.cash[o] += pnl;
    venue.makers -= pnl;
    venue.liquidatedPnl += pnl;
    st.liquidations++;
    st.liquidatedNotional += notional;
    st.slipValue += sd * (qx * mark - notional);
    st.markedValue += qx * mark;
    this.reduceLeg(o, j, qx, qx >= q);
    capCheck(st, notional, 0);
    if (this.onLiquidation) {
      this.measure(o);
      this.emit(o, "repayment", j - s.legStart[o], m, sd, qx, notional, this.eq, this.mm);
    }
    if (this.openLegs[o] === 0) this.closeOut(o, m, sd);
  }

  /** Whether every open leg of owner o is in a market whose engine is backstop (the vault's markets). */
  private vaultBacksAll(o: number): boolean {
    const s = this.setup;
    for (let j = s.legStart[o]; j < s.legStart[o + 1]; j++)
      if (this.legOpen[j] === 1 && this.markets[s.legMarket[j]].st.engine !== ENGINE.backstop) return false;
    return true;
  }

  /**
   * The backstop vault takes owner o over (Hyperliquid: the liquidator vault takes the cross account's positions and
   * margin): every open leg at its market's mark into that market's vault inventory (no book fill; all of them, even
   * past a cap reached in the middle), the collateral sold as at a close-out, and the vault gets the equity left (a
   * negative one is a loss it absorbs). No fee. Returns the legs taken.
   */
  private takeover(o: number): number {
    const s = this.setup;
    const venue = this.venue;
    let taken = 0;
    for (let j = s.legStart[o]; j < s.legStart[o + 1]; j++) {
      if (this.legOpen[j] === 0) continue;
      const m = s.legMarket[j];
      const market = this.markets[m];
      const st = market.st;
      const sd = s.legSide[j];
      const q = this.legQ[j];
      const mk = market.mark;
      const upnl = sd * q * (mk - s.legEntry[j]);
      this.cash[o] += upnl;
      venue.makers -= upnl;
      venue.liquidatedPnl += upnl;
      market.mech.backstop.absorb(sd, q, mk);
      this.legOpen[j] = 0;
      this.openLegs[o]--;
      const notional = q * mk;
      st.liquidations++;
      st.liquidatedNotional += notional;
      st.markedValue += notional;
      capCheck(st, notional, 0);
      taken++;
      if (this.onLiquidation) {
        this.measure(o);
        this.emit(o, "takeover", j - s.legStart[o], m, sd, q, notional, this.eq, this.mm);
      }
    }
    this.sellDeposits(o);
    const c = this.cash[o];
    venue.vaultCash += c;
    venue.liquidatedPnl -= c;
    if (c < 0) venue.shortfall += -c;
    this.cash[o] = 0;
    this.hit[o] = 1;
    this.closed[o] = 1;
    this.dropForm(o);
    return taken;
  }

  /** The owner's arrived deposits sold: a market asset into its book, an external one at its price. */
  private sellDeposits(o: number): void {
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
      if (this.onLiquidation) {
        this.measure(o);
        this.emit(o, "collateral", d - s.depStart[o], a, 1, u, proceeds, this.eq, this.mm);
      }
    }
  }

  /**
   * The owner's last leg (market m, side sd) was just closed: its collateral is sold, a negative cash covered (what
   * the fund paid counts in market m's loss cap).
   */
  private closeOut(o: number, m: number, sd: number): void {
    this.sellDeposits(o);
    const c = this.cash[o];
    if (c < 0) {
      const deficit = -c;
      this.cash[o] = 0;
      this.venue.liquidatedPnl += deficit;
      this.venue.shortfall += deficit;
      const market = this.markets[m];
      const paid = cover(market.st, deficit, sd, market.mark);
      capCheck(market.st, 0, paid);
    }
    this.closed[o] = 1;
    this.dropForm(o);
  }

  private emit(
    o: number,
    kind: CrossLiquidationEvent["kind"],
    index: number,
    instrument: number,
    side: number,
    size: number,
    notional: number,
    equity: number,
    maintenance: number,
  ): void {
    const onLiquidation = this.onLiquidation;
    if (!onLiquidation) return;
    onLiquidation({
      step: this.t,
      round: this.roundInStep,
      owner: o,
      kind,
      index,
      instrument,
      side,
      size,
      notional,
      equity,
      maintenance,
    });
  }
}
