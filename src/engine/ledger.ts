// Money, written once (assembly/ledger.ts is the kernel's twin): the fund's waterfall (cover, payFromFund, its floor,
// bad debt), liquidation fees and the fund's cap, the per-step caps, the settlement of a fill and the close of an
// account, the who-paid totals of the record, and the step's ledger the conservation tests read.

import { ADL_RANKING, FEE_KIND, P } from "./layout.js";
import { METRIC } from "./metrics.js";
import type { RefState } from "./state.js";
import { socialize } from "./adl.js";
import { liquidationPriceOf } from "./triggers/scan.js";
import { KIND } from "./trace.js";

/** Where the money is at the end of a step (SPEC §3 conservation). */
export interface Ledger {
  step: number;
  traders: number;
  insurance: number;
  makers: number;
  badDebt: number;
  /** Fees the capped insurance fund could not hold (insurance.cap). */
  treasury: number;
  /** The collateral accounts.flow's arrivals brought in so far in the path: money that entered the venue. */
  arrivals: number;
  /** Open accounts at the end of the step (the population and the arrivals, less the closed). */
  open: number;
  /** Cumulative notional liquidated in the path so far (the caps tests read it per step). */
  liquidatedNotional: number;
  /** The backstop vault's cash (engine backstop; 0 otherwise). */
  vault: number;
  /** The mark the step ended on (its loss allocation's). */
  mark: number;
}

/**
 * The venue's money (assembly/ledger.ts's balances): the insurance fund, the treasury, the makers, bad debt, the
 * backstop vault's cash, and the who-paid totals of the record. One per run, whatever the markets: a single market
 * (cascade.ts) owns one, several markets (markets.ts) share one; everything else of a market is its RefState's.
 */
export class VenueLedger {
  /** The fund's opening balance, its cap, and the share of its running peak ADL's trigger keeps (market 0's slots). */
  readonly initialInsurance: number;
  readonly insuranceCap: number;
  readonly fundKeep: number;
  /** The backstop vault's capital: the per-account markets' vault capital, summed in market order (0 without one). */
  readonly vaultCapital: number;

  insurance = 0;
  insuranceMin = 0;
  /** The fund's running peak in the path (updated lazily when it pays: between payouts it only grows). */
  insurancePeak = 0;
  treasury = 0;
  makers = 0;
  badDebt = 0;
  /** engine backstop: the vault's cash (its inventory per market: mechanisms/backstop.ts). */
  vaultCash = 0;
  liquidatedPnl = 0;
  adlPnl = 0;
  adlTransfer = 0;
  keepersPnl = 0;
  feesPaid = 0;
  shortfall = 0;
  /** The voluntary closers' realised P&L, and the collateral accounts.flow's arrivals brought in, in this path. */
  flowPnl = 0;
  arrivalsIn = 0;

  /** The venue of these markets' parameter blocks (venue-wide slots from the first; one market: its own). */
  constructor(params: readonly Float64Array[]) {
    const p = params[0];
    this.initialInsurance = p[P.insurance];
    this.insuranceCap = p[P.insuranceCap];
    this.fundKeep = 1 - p[P.fundDrawdown];
    let capital = 0;
    for (const q of params) capital += q[P.perAccount] === 1 ? q[P.vaultCapital] : 0;
    this.vaultCapital = capital;
  }

  /** The path's money as it starts: the fund's initial balance, the vault's capital, every other party at 0. */
  newPath(): void {
    this.insurance = this.initialInsurance;
    this.insuranceMin = this.insurance;
    this.insurancePeak = this.insurance;
    this.treasury = 0;
    this.makers = 0;
    this.badDebt = 0;
    this.vaultCash = this.vaultCapital;
    this.liquidatedPnl = 0;
    this.adlPnl = 0;
    this.adlTransfer = 0;
    this.keepersPnl = 0;
    this.feesPaid = 0;
    this.shortfall = 0;
    this.flowPnl = 0;
    this.arrivalsIn = 0;
  }
}

/** A market's path starts: its per-step cap totals from zero (the venue's money: VenueLedger.newPath). */
export function newPath(st: RefState): void {
  st.capStep = 0;
  st.stepNotional = 0;
  st.stepLoss = 0;
}

// ---- the fund's waterfall ----

/** A deficit: the fund pays down to its floor, then ADL, then bad debt. Returns what the fund paid. */
export function cover(st: RefState, deficit0: number, s: number, mark: number): number {
  const paid = payFromFund(st, deficit0);
  let deficit = deficit0 - paid;
  const ranking = st.p[P.adlRanking];
  if (deficit > 0 && ranking === ADL_RANKING.socialized) deficit = socialize(st, -s, deficit, mark);
  else if (deficit > 0 && ranking !== ADL_RANKING.none) {
    // allocated after the step's cascade (loss-allocation.ts)
    st.lossQueue.push({ account: -1, side: s, size: 0, collateral: 0, price: 0, deficit });
    deficit = 0;
  }
  if (deficit > 0) addBadDebt(st, deficit, s);
  return paid;
}

/** The fund's floor: (1 − d) × its running peak, moved to the balance first; 0 without adl.trigger (d = 1). */
function fundFloor(st: RefState): number {
  const keep = st.venue.fundKeep;
  if (keep === 0) return 0;
  if (st.venue.insurance > st.venue.insurancePeak) st.venue.insurancePeak = st.venue.insurance;
  return st.venue.insurancePeak * keep;
}

/** The fund pays what it can of a deficit, down to its floor; returns what it paid. */
function payFromFund(st: RefState, deficit: number): number {
  const floor = fundFloor(st);
  const avail = st.venue.insurance - floor;
  let paid = 0;
  if (avail > 0) {
    if (deficit >= avail) {
      paid = avail;
      st.venue.insurance = floor;
    } else {
      paid = deficit;
      st.venue.insurance -= deficit;
    }
  }
  if (st.venue.insurance < st.venue.insuranceMin) st.venue.insuranceMin = st.venue.insurance;
  return paid;
}

/** What the fund can pay now: its balance above its floor. */
export function fundAvailable(st: RefState): number {
  return st.venue.insurance - fundFloor(st);
}

/** Bad debt booked for a loss of a side-s position. */
export function addBadDebt(st: RefState, deficit: number, s: number): void {
  st.venue.badDebt += deficit;
  st.trace?.badDebt(s, deficit);
}

/** A deficit (of a side-s position) past the liquidation engine: the fund pays what it can, the rest is bad debt. */
export function fundThenBadDebt(st: RefState, deficit: number, s: number): void {
  const left = deficit - payFromFund(st, deficit);
  if (left > 0) addBadDebt(st, left, s);
}

/**
 * A keeper's incentive (dutch-auction's tip and chip, account i of side s): Maker's Vow pays it (suck) from the fund,
 * with no floor; what the fund does not hold becomes system debt.
 */
export function payIncentive(st: RefState, incentive: number, i: number, s: number): void {
  const paid = st.venue.insurance < incentive ? (st.venue.insurance > 0 ? st.venue.insurance : 0) : incentive;
  st.venue.insurance -= paid;
  if (st.venue.insurance < st.venue.insuranceMin) st.venue.insuranceMin = st.venue.insurance;
  st.venue.makers += incentive;
  st.venue.keepersPnl += incentive;
  st.venue.badDebt += incentive - paid;
  const trace = st.trace;
  if (trace) {
    trace.event(KIND.keeper, i, s, NaN, NaN, NaN, incentive, -1);
    if (incentive - paid > 0) trace.badDebt(s, incentive - paid);
  }
}

// ---- fees ----

/** A liquidation fee into the fund; a capped fund keeps its cap and the excess goes to the treasury. */
export function addFee(st: RefState, fee: number): void {
  st.venue.insurance += fee;
  const cap = st.venue.insuranceCap;
  if (st.venue.insurance > cap) {
    st.venue.treasury += st.venue.insurance - cap;
    st.venue.insurance = cap;
  }
}

/** The fee rate on a liquidation fill of this notional for account i (liquidation.fee, else the flat feeRate). */
export function feeRateOf(st: RefState, i: number, notional: number): number {
  return feeRateFrom(st, st.p[P.feeKind] === FEE_KIND["time-ramped"] ? st.flagged[i] : 0, notional);
}

/**
 * Market st's fee rate on a liquidation fill of this notional, for a position whose liquidation began at step
 * `flaggedStep` (read by the time-ramped schedule only; a cross-margin owner's too: cross-liquidation.ts).
 */
export function feeRateFrom(st: RefState, flaggedStep: number, notional: number): number {
  const p = st.p;
  const kind = p[P.feeKind];
  if (kind === FEE_KIND.tiered) {
    let j = 0;
    while (j + 1 < p[P.feeTierCount] && notional >= p[P.feeTierFloor + j + 1]) j++;
    return p[P.feeTierRate + j];
  }
  if (kind === FEE_KIND["time-ramped"]) {
    const over = (st.step - flaggedStep) * p[P.stepSeconds] - p[P.feeRampGrace];
    const rate = p[P.feeRate] + p[P.feeRampPerSecond] * (over > 0 ? over : 0);
    return rate < p[P.feeRampMax] ? rate : p[P.feeRampMax];
  }
  return p[P.feeRate];
}

// ---- the per-step caps ----

/** The per-step caps after one settlement: the account that reaches a cap is settled whole; the next one waits. */
export function capCheck(st: RefState, notional: number, paid: number): void {
  const p = st.p;
  const capN = p[P.capNotional];
  const capL = p[P.capInsuranceLoss];
  if (capN < Infinity || capL < Infinity) {
    if (st.capStep !== st.step) {
      st.capStep = st.step;
      st.stepNotional = 0;
      st.stepLoss = 0;
    }
    st.stepNotional += notional;
    st.stepLoss += paid;
    if (st.stepNotional >= capN || st.stepLoss >= capL) st.blockedStep = st.step;
  }
}

// ---- settlement ----

/** Account i (side s, size q) is closed: no longer open, its size out of the open interest. Its cash is the caller's. */
export function closeAccount(st: RefState, i: number, s: number, q: number): void {
  st.dead[i] = 1;
  st.openCount--;
  st.openInterest.closed(s, q);
}

/**
 * Settles qx units of account i (side s) closed at a fill notional (a whole close by market order, an auction
 * take, a close-factor repayment): PnL realised on them against the account's whole collateral; the last units
 * close the account. The fee (when `charged`) is on the fill notional, at most what is left; a deficit — the
 * fill worse than the bankruptcy price — goes to the fund (down to its floor), then ADL, then bad debt.
 */
export function settleUnits(
  st: RefState,
  i: number,
  s: number,
  mark: number,
  qx: number,
  notional: number,
  charged: boolean,
): void {
  const q = st.curSize[i];
  const c = st.curColl[i];
  const pnl = s * (notional - qx * st.pop.entry[i]);
  st.venue.makers -= pnl;
  st.liquidatedNotional += notional;
  st.slipValue += s * (qx * mark - notional);
  st.markedValue += qx * mark;
  const whole = qx >= q;
  const onLiquidation = st.onLiquidation;
  if (onLiquidation) onLiquidation({ step: st.step, round: st.round, account: i, side: s, size: qx, notional, whole });
  let paid = 0;
  if (whole) {
    const remaining = c + pnl;
    closeAccount(st, i, s, q);
    st.inAuction[i] = 0;
    if (remaining >= 0) {
      const fee = charged ? Math.min(feeRateOf(st, i, notional) * notional, remaining) : 0;
      st.cash[i] = remaining - fee;
      st.venue.liquidatedPnl += pnl - fee;
      st.venue.feesPaid += fee;
      addFee(st, fee);
    } else {
      st.cash[i] = 0;
      st.venue.liquidatedPnl -= c;
      st.venue.shortfall += -remaining;
      paid = cover(st, -remaining, s, mark);
    }
  } else {
    // the account's whole collateral backs the units (a deficit is taken only when it closes): backed pro rata,
    // a repayment that costs more than its share would leave a scaled copy of the account, as far under water,
    // to be repaid again round after round while the fund paid the difference
    const remaining = c + pnl;
    st.curSize[i] = q - qx;
    st.openInterest.reduced(s, qx);
    const fee = charged && remaining > 0 ? Math.min(feeRateOf(st, i, notional) * notional, remaining) : 0;
    st.curColl[i] = remaining - fee;
    st.venue.liquidatedPnl += pnl - fee;
    st.venue.feesPaid += fee;
    addFee(st, fee);
    st.curLiq[i] = liquidationPriceOf(st, s, st.curSize[i], st.pop.entry[i], st.curColl[i]);
  }
  capCheck(st, notional, paid);
}

// ---- the record and the ledger ----

/** Who paid, at the mark: each party's money change over the path (assembly/ledger.ts writeWhoPaid says why). */
export function writeWhoPaid(venue: VenueLedger, out: Float64Array, at: number): void {
  out[at + METRIC.liquidatedPnl] = venue.liquidatedPnl;
  out[at + METRIC.adlTransfer] = venue.adlTransfer;
  out[at + METRIC.fundNet] = venue.insurance - venue.initialInsurance;
  // 0 − 0 without a vault
  out[at + METRIC.vaultPnl] = venue.vaultCash - venue.vaultCapital;
  out[at + METRIC.treasury] = venue.treasury;
  out[at + METRIC.keepersPnl] = venue.keepersPnl;
  out[at + METRIC.makersPnl] = venue.makers - venue.keepersPnl + (venue.adlPnl + venue.adlTransfer);
  out[at + METRIC.feesPaid] = venue.feesPaid;
  out[at + METRIC.shortfall] = venue.shortfall;
  out[at + METRIC.flowPnl] = venue.flowPnl;
}

/** The traders' money: a closed account's cash, an open one's collateral. */
export function tradersCash(st: RefState): number {
  let traders = 0;
  for (let i = 0; i < st.active; i++) traders += st.dead[i] === 1 ? st.cash[i] : st.curColl[i];
  return traders;
}

/** Where the money is as one market's step ends at this mark (the vault's cash: the backstop's, 0 without one). */
export function ledgerAt(st: RefState, mark: number): Ledger {
  return {
    step: st.step,
    traders: tradersCash(st),
    insurance: st.venue.insurance,
    makers: st.venue.makers,
    badDebt: st.venue.badDebt,
    treasury: st.venue.treasury,
    arrivals: st.venue.arrivalsIn,
    open: st.openCount,
    liquidatedNotional: st.liquidatedNotional,
    vault: st.venue.vaultCash,
    mark,
  };
}
