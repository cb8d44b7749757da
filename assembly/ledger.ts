// Money, written once: the insurance fund and its waterfall (the fund pays down to its floor, then ADL or a socialized
// haircut, then bad debt), the liquidation fee and the fund's cap (the excess to the treasury), the per-step caps, the
// settlement of a fill and the closing of an account, the vault's cash, and the who-paid totals of the record. Every
// balance here is written by this module only; mechanisms call these functions (the small ones @inline: the code is
// what it was inline). Same arithmetic, in the same order, as src/engine/reference.ts.
import {
  ADL_NONE, ADL_SOCIALIZED, FEE_RAMPED, FEE_TIERED, P_ADL_RANKING, P_CAP_INSURANCE_LOSS, P_CAP_NOTIONAL, P_FEE_KIND,
  P_FEE_RAMP_GRACE, P_FEE_RAMP_MAX, P_FEE_RAMP_PER_SECOND, P_FEE_RATE, P_FEE_TIER_COUNT, P_FEE_TIER_FLOOR,
  P_FEE_TIER_RATE, P_FUND_DRAWDOWN, P_INSURANCE, P_INSURANCE_CAP, P_STEP_SECONDS, P_VAULT_CAPITAL, R_ADL_TRANSFER,
  R_FEES_PAID, R_FLOW_PNL, R_FUND_NET, R_KEEPERS_PNL, R_LIQUIDATED_PNL, R_MAKERS_PNL, R_SHORTFALL, R_TREASURY,
  R_VAULT_PNL,
} from "./abi";
import * as adl from "./adl";
import * as book from "./book";
import * as fan from "./fan";
import * as queue from "./loss-queue";
import * as PS from "./path-state";
import {
  L_CASH, L_COLL, L_DEAD, L_ENTRY, L_ID, L_SIZE, LADDER_STRIDE, accCollateral, accEntry, cashOf, curColl, curLiq,
  curSize, flagged, inAuction, isClosed, ledger, params, records, rungOf,
} from "./state";
import { liquidationPriceOf } from "./triggers/scan";
import * as T from "./trace";

// ---- the path's configuration of the waterfall ----
export let feeRate: f64 = 0;
let feeKind: i32 = 0;
let stepSeconds: f64 = 0;
export let adlRanking: i32 = 0;
/** ADL after the cascade (any ranking but none and socialized): book liquidations walk within the fund's budget. */
export let adlOn = false;
let insuranceCap: f64 = Infinity;
/** 1 − adl.trigger.fundDrawdown: the fund pays down to this share of its running peak (0: to empty). */
let floorKeep: f64 = 0;
let capNotional: f64 = Infinity;
let capLoss: f64 = Infinity;
export let capsOn = false;
/** The per-account settlements end with afterSettle(): per-step caps, or trace mode (one flag: one branch). */
export let settleHook = false;

// ---- balances ----
export let insurance: f64 = 0;
export let insuranceMin: f64 = 0;
/** The fund's running peak, updated when it pays (between payouts it only grows). */
let insurancePeak: f64 = 0;
export let treasury: f64 = 0;
/** The makers' cash: the other side of every position a liquidation, an ADL or a close realises. */
export let makers: f64 = 0;
export let badDebt: f64 = 0;
/** engine backstop: the vault's cash (its inventory is assembly/mechanisms/backstop.ts's). */
export let vaultCash: f64 = 0;

// ---- who paid (the record's money rows): the liquidated traders' money change, the ADL'd (or haircut) traders'
// money change and what they gave up against the mark, the keepers' (liquidators') profit, the fees the liquidated
// paid, the losses beyond their collateral, the voluntary closers' P&L; and the collateral arrivals brought in ----
export let liquidatedPnl: f64 = 0;
export let adlPnl: f64 = 0;
export let adlTransfer: f64 = 0;
export let keepersPnl: f64 = 0;
export let feesPaid: f64 = 0;
export let shortfall: f64 = 0;
export let flowPnl: f64 = 0;
export let arrivalsIn: f64 = 0;

// ---- per-step caps: totals reset at the first settlement of a step; the step in which a cap was reached ----
let capStep: i32 = 0;
let stepNotional: f64 = 0;
let stepLoss: f64 = 0;
export let blockedStep: i32 = 0;

/** A path starts: the scenario's waterfall, a full fund, every total at 0 (after PS.startAccounts: its mode). */
export function newPath(): void {
  configure();
  startVenue(unchecked(params[P_INSURANCE]), unchecked(params[P_INSURANCE_CAP]), unchecked(params[P_FUND_DRAWDOWN]),
    PS.perAccount, unchecked(params[P_VAULT_CAPITAL]));
}

/** A path starts for one market: its fee schedule, ADL ranking and per-step caps (with several markets: per market). */
export function configure(): void {
  feeRate = unchecked(params[P_FEE_RATE]);
  feeKind = <i32>unchecked(params[P_FEE_KIND]);
  stepSeconds = unchecked(params[P_STEP_SECONDS]);
  adlRanking = <i32>unchecked(params[P_ADL_RANKING]);
  adlOn = adlRanking != ADL_NONE && adlRanking != ADL_SOCIALIZED;
  capNotional = unchecked(params[P_CAP_NOTIONAL]);
  capLoss = unchecked(params[P_CAP_INSURANCE_LOSS]);
  capsOn = capNotional < Infinity || capLoss < Infinity;
  settleHook = capsOn || T.tracing;
  capStep = 0;
  stepNotional = 0;
  stepLoss = 0;
  blockedStep = 0;
}

/**
 * A path starts for the venue: the fund full (its cap and floor trigger are the venue's), every balance and who-paid
 * total at 0, the vault's cash at its capital when a per-account engine has a vault (`vault`).
 */
export function startVenue(initialInsurance: f64, cap: f64, fundDrawdown: f64, vault: bool, vaultCapital: f64): void {
  insuranceCap = cap;
  floorKeep = 1 - fundDrawdown;
  if (vault) vaultCash = vaultCapital;
  insurance = initialInsurance;
  insuranceMin = insurance;
  insurancePeak = insurance;
  treasury = 0;
  makers = 0;
  badDebt = 0;
  liquidatedPnl = 0;
  adlPnl = 0;
  adlTransfer = 0;
  keepersPnl = 0;
  feesPaid = 0;
  shortfall = 0;
  flowPnl = 0;
  arrivalsIn = 0;
}

/** The vault's cash as the trace reports it (the per-account engine's; 0 in the batched rounds). */
// @ts-ignore: decorator
@inline export function vaultShown(): f64 {
  return PS.perAccount ? vaultCash : 0;
}

/** Whether step t's caps are reached: nobody more is liquidated in it. */
// @ts-ignore: decorator
@inline export function blocked(t: i32): bool {
  return blockedStep == t;
}

// ---- the fund ----

/** A fee into the fund; a capped fund keeps the cap, the excess goes to the treasury. */
export function addFee(fee: f64): void {
  insurance += fee;
  if (insurance > insuranceCap) {
    treasury += insurance - insuranceCap;
    insurance = insuranceCap;
  }
}

/** A liquidation fee the liquidated account paid, into the fund. */
// @ts-ignore: decorator
@inline export function chargeFee(fee: f64): void {
  feesPaid += fee;
  addFee(fee);
}

/** The fund's floor: (1 − d) × its running peak, moved to the balance first; 0 without adl.trigger (d = 1). */
function fundFloor(): f64 {
  if (floorKeep == 0) return 0;
  if (insurance > insurancePeak) insurancePeak = insurance;
  return insurancePeak * floorKeep;
}

/** The fund pays what it can of a deficit, down to its floor; returns what it paid. */
function payFromFund(deficit: f64): f64 {
  const floor = fundFloor();
  const avail = insurance - floor;
  let paid: f64 = 0;
  if (avail > 0) {
    if (deficit >= avail) {
      paid = avail;
      insurance = floor;
    } else {
      paid = deficit;
      insurance -= deficit;
    }
  }
  if (insurance < insuranceMin) insuranceMin = insurance;
  return paid;
}

/** What the fund can pay now: its balance above its floor. */
export function fundAvailable(): f64 {
  return insurance - fundFloor();
}

/** A deficit of a side-s position: the fund pays down to its floor, then ADL, then bad debt; returns what the fund paid. */
export function cover(deficit0: f64, s: f64, mark: f64): f64 {
  const paid = payFromFund(deficit0);
  let deficit = deficit0 - paid;
  if (deficit > 0 && adlRanking == ADL_SOCIALIZED) {
    deficit = adl.socialize(-s, deficit, mark, insurance, vaultShown());
    // the haircut traders pay it: what they give up of their profit
    adlPnl -= adl.socialTaken;
    adlTransfer += adl.socialTaken;
  } else if (deficit > 0 && adlOn) {
    // allocated after the step's cascade (assembly/loss-allocation.ts); a full queue (defensive: each closing account
    // queues one entry at most) leaves it to bad debt
    if (queue.queueLoss(s, deficit)) deficit = 0;
  }
  if (deficit > 0) addBadDebt(deficit, s);
  return paid;
}

/** Bad debt booked for a loss of a side-s position. */
// @ts-ignore: decorator
@inline export function addBadDebt(deficit: f64, s: f64): void {
  badDebt += deficit;
  if (T.tracing) T.badDebt(s, deficit, insurance, vaultShown());
}

/** A deficit (of a side-s position) after the loss allocation: the fund pays what it can, the rest is bad debt. */
export function fundThenBadDebt(deficit: f64, s: f64): void {
  const left = deficit - payFromFund(deficit);
  if (left > 0) addBadDebt(left, s);
}

/** dutch-auction: the keepers' incentive on a kick or redo, paid by the fund (Maker's Vow, suck); what it lacks is debt. */
export function keeperIncentive(i: i32, s: f64, incentive: f64): void {
  const paid = insurance < incentive ? (insurance > 0 ? insurance : 0) : incentive;
  insurance -= paid;
  if (insurance < insuranceMin) insuranceMin = insurance;
  makers += incentive;
  keepersPnl += incentive;
  badDebt += incentive - paid;
  if (T.tracing) {
    T.event(T.K_KEEPER, i, s, NaN, NaN, NaN, incentive, -1, insurance, vaultShown());
    if (incentive - paid > 0) T.badDebt(s, incentive - paid, insurance, vaultShown());
  }
}

// ---- the who-paid totals, for the mechanisms' own arithmetic ----

/** A trader realised `pnl` against the makers (the other side of every position). */
// @ts-ignore: decorator
@inline export function realise(pnl: f64): void {
  makers -= pnl;
}
// @ts-ignore: decorator
@inline export function addLiquidatedPnl(x: f64): void {
  liquidatedPnl += x;
}
// @ts-ignore: decorator
@inline export function addShortfall(x: f64): void {
  shortfall += x;
}
// @ts-ignore: decorator
@inline export function addKeepersPnl(x: f64): void {
  keepersPnl += x;
}
/** An ADL'd position realised `pnl` at the ADL price, giving up `given` against the mark. */
// @ts-ignore: decorator
@inline export function adlClosed(pnl: f64, given: f64): void {
  makers -= pnl;
  adlPnl += pnl;
  adlTransfer += given;
}
/** accounts.flow: a voluntary close's P&L (its trader's money change), and an arrival's collateral. */
// @ts-ignore: decorator
@inline export function addFlowPnl(x: f64): void {
  flowPnl += x;
}
// @ts-ignore: decorator
@inline export function addArrival(collateral: f64): void {
  arrivalsIn += collateral;
}
/** engine backstop: the vault took over a position with this equity. */
// @ts-ignore: decorator
@inline export function vaultTakes(equity: f64): void {
  vaultCash += equity;
}
/** engine backstop: the vault's unwinding realised `pnl` against the makers. */
// @ts-ignore: decorator
@inline export function vaultRealises(pnl: f64): void {
  vaultCash += pnl;
  makers -= pnl;
}

/**
 * A deficit no size carries after the fund (ADL ranked at the mark, assembly/loss-allocation.ts): the ranked accounts
 * give up their profit; what they cannot cover is bad debt (of the side-s position whose loss it is).
 */
export function deleverage(deficit: f64, s: f64): void {
  makers = adl.consume(deficit, makers, insurance, vaultShown());
  adlPnl += adl.consumedKept;
  adlTransfer += adl.consumedGiven;
  if (adl.owed > 0) addBadDebt(adl.owed, s);
}

// ---- the per-step caps ----

/** The end of a per-account settlement: the per-step caps, and the trace's event of it completed (assembly/trace.ts). */
export function afterSettle(notional: f64, paid: f64): void {
  if (capsOn) capCheck(notional, paid);
  if (T.tracing) T.close(insurance, vaultShown());
}

/** The per-step caps after one settlement: the account that reaches a cap is settled whole; the next one waits. */
export function capCheck(notional: f64, paid: f64): void {
  const step = book.step;
  if (capStep != step) {
    capStep = step;
    stepNotional = 0;
    stepLoss = 0;
  }
  stepNotional += notional;
  stepLoss += paid;
  if (stepNotional >= capNotional || stepLoss >= capLoss) blockedStep = step;
}

// ---- settlement ----

/** The fee rate on a liquidation fill of this notional for account i (liquidation.fee, else the flat feeRate). */
export function feeRateOf(i: i32, notional: f64): f64 {
  return feeRateFrom(feeKind == FEE_RAMPED ? unchecked(flagged[i]) : 0, notional);
}

/**
 * The fee rate of the current market on a liquidation fill of this notional, for a position whose liquidation began
 * at step `flaggedStep` (read by the time-ramped schedule only; a cross-margin owner's too: cross-liquidation.ts).
 */
export function feeRateFrom(flaggedStep: i32, notional: f64): f64 {
  if (feeKind == FEE_TIERED) {
    const n = <i32>unchecked(params[P_FEE_TIER_COUNT]);
    let j = 0;
    while (j + 1 < n && notional >= unchecked(params[P_FEE_TIER_FLOOR + j + 1])) j++;
    return unchecked(params[P_FEE_TIER_RATE + j]);
  }
  if (feeKind == FEE_RAMPED) {
    const over = <f64>(book.step - flaggedStep) * stepSeconds - unchecked(params[P_FEE_RAMP_GRACE]);
    const rate = feeRate + unchecked(params[P_FEE_RAMP_PER_SECOND]) * (over > 0 ? over : 0);
    const max = unchecked(params[P_FEE_RAMP_MAX]);
    return rate < max ? rate : max;
  }
  return feeRate;
}

/** Marks account i closed in this path with this cash (again, for a closed one: the loss allocation adds to it). */
// @ts-ignore: decorator (inlined, as Binaryen did before the fan charts' open interest made it larger)
@inline export function closeAccount(i: i32, cash: f64): void {
  const rung = rungOf(i);
  const epoch = book.epoch;
  if (load<i32>(rung, L_DEAD) != epoch) {
    PS.accountClosed();
    fan.closedAccount(i);
  }
  store<i32>(rung, epoch, L_DEAD);
  store<f64>(rung, cash, L_CASH);
}

/**
 * Account i (side s) closed with a loss beyond `backing`, the collateral that backed what closed: the trader loses it,
 * the deficit −remaining goes down the waterfall; returns what the fund paid.
 */
// @ts-ignore: decorator
@inline export function closeBankrupt(i: i32, s: f64, mark: f64, backing: f64, remaining: f64): f64 {
  closeAccount(i, 0);
  liquidatedPnl -= backing;
  shortfall += -remaining;
  return cover(-remaining, s, mark);
}

/**
 * Settles qx units of account i (side s) closed at a fill notional (a whole close by market order, an auction take,
 * a close-factor repayment): PnL realised on them against the account's whole collateral; the last units close the
 * account, a deficit then going to the fund, ADL, bad debt (reference.ts settleUnits).
 */
export function settleUnits(i: i32, s: f64, mark: f64, qx: f64, notional: f64, charged: bool): void {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const pnl = s * (notional - qx * e);
  makers -= pnl;
  PS.addFill(notional, s * (qx * mark - notional), qx * mark);
  let paid: f64 = 0;
  if (qx >= q) {
    const remaining = c + pnl;
    unchecked((inAuction[i] = 0));
    if (remaining >= 0) {
      const fee = charged ? Math.min(feeRateOf(i, notional) * notional, remaining) : 0;
      closeAccount(i, remaining - fee);
      liquidatedPnl += pnl - fee;
      chargeFee(fee);
    } else {
      paid = closeBankrupt(i, s, mark, c, remaining);
    }
  } else {
    // the account's whole collateral backs the units (a deficit is taken only when it closes; reference.ts says why)
    const remaining = c + pnl;
    const rest = q - qx;
    unchecked((curSize[i] = rest));
    fan.reduced(s, qx);
    const fee = charged && remaining > 0 ? Math.min(feeRateOf(i, notional) * notional, remaining) : 0;
    unchecked((curColl[i] = remaining - fee));
    liquidatedPnl += pnl - fee;
    chargeFee(fee);
    unchecked((curLiq[i] = liquidationPriceOf(s, rest, e, unchecked(curColl[i]))));
  }
  // the per-step caps, and the trace's event of this settlement (opened by the caller) completed
  if (settleHook) afterSettle(notional, paid);
}

// The batched rounds' settlement (assembly/mechanisms/market.ts) comes in two builds, chosen at compile time by a type
// argument: Plain, the hot loop as it always was, and Traced, which also hands each settlement to assembly/trace.ts
// (measured: a call with the trace's arguments in the plain loop, even behind a branch never taken, cost the batched
// shock scenario 4%).
export type Plain = i32;
export type Traced = bool;

/**
 * The settlement of one side's batched round, the rungs first..cursor−1 of `rungs` (their fills' notionals wait in the
 * cash slot), in ladder order: the fee to the fund, or the deficit from the fund, then bad debt. The same waterfall as
 * settleUnits/cover, with the balances in locals for the whole round (read once, written back once). `long` is a
 * constant at each call: the inlined copy is the side's own loop. Returns how many accounts it closed.
 */
// @ts-ignore: decorator
@inline export function settleBatched<M>(long: bool, rungs: usize, first: i32, cursor: i32, mark: f64): i32 {
  const epoch = book.epoch;
  const fee = feeRate;
  let mk = makers;
  let ins = insurance;
  let tr = treasury;
  const insCap = insuranceCap;
  const caps = capsOn;
  const keep = floorKeep;
  let liqNotional = PS.liquidatedNotional;
  let slip = PS.slipValue;
  let marked = PS.markedValue;
  let lost = liquidatedPnl;
  let fees = feesPaid;
  let short = shortfall;
  let done = 0;
  let open = long ? fan.longOpen : fan.shortOpen;
  let r = rungs + <usize>first * LADDER_STRIDE;
  const end = rungs + <usize>cursor * LADDER_STRIDE;
  for (; r < end; r += LADDER_STRIDE) {
    if (load<i32>(r, L_DEAD) == epoch) continue;
    const q = load<f64>(r, L_SIZE);
    open -= q;
    const notional = load<f64>(r, L_CASH);
    const pnl = long ? notional - q * load<f64>(r, L_ENTRY) : -(notional - q * load<f64>(r, L_ENTRY));
    mk -= pnl;
    const coll = load<f64>(r, L_COLL);
    const remaining = coll + pnl;
    liqNotional += notional;
    slip += long ? q * mark - notional : -(q * mark - notional);
    marked += q * mark;
    store<i32>(r, epoch, L_DEAD);
    done++;
    if (remaining >= 0) {
      const f = Math.min(fee * notional, remaining);
      store<f64>(r, remaining - f, L_CASH);
      lost += pnl - f;
      fees += f;
      ins += f;
      // a capped fund keeps the cap; the excess goes to the treasury
      if (ins > insCap) {
        tr += ins - insCap;
        ins = insCap;
      }
      if (isBoolean<M>()) settled(r, long ? 1 : -1, notional, 0, ins, 0);
      else if (caps) capCheck(notional, 0);
      continue;
    }
    store<f64>(r, 0, L_CASH);
    lost -= coll;
    // the fund pays down to its floor (0 unless adl.trigger.fundDrawdown), then bad debt (ADL runs per account)
    let deficit = -remaining;
    short += deficit;
    // the floor, (1 − d) × the running peak; without a trigger (d = 1) it is 0, as peak · 0 would be
    let floor: f64 = 0;
    if (keep != 0) {
      if (ins > insurancePeak) insurancePeak = ins;
      floor = insurancePeak * keep;
    }
    const avail = ins - floor;
    let paid: f64 = 0;
    if (avail > 0) {
      if (deficit >= avail) {
        paid = avail;
        ins = floor;
      } else {
        paid = deficit;
        ins -= deficit;
      }
    }
    deficit -= paid;
    if (ins < insuranceMin) insuranceMin = ins;
    if (deficit > 0) badDebt += deficit;
    if (isBoolean<M>()) settled(r, long ? 1 : -1, notional, paid, ins, deficit);
    else if (caps) capCheck(notional, paid);
  }
  makers = mk;
  insurance = ins;
  treasury = tr;
  PS.setBatchedTotals(done, liqNotional, slip, marked);
  liquidatedPnl = lost;
  feesPaid = fees;
  shortfall = short;
  if (long) fan.closedLongs(done, open);
  else fan.closedShorts(done, open);
  return done;
}

/**
 * Traced build: after one account of a batched round settled (rung r, side s; the round's fund after it; the bad debt
 * it booked when `unpaid` > 0), the per-step caps and the account's events.
 */
function settled(r: usize, s: f64, notional: f64, paid: f64, fund: f64, unpaid: f64): void {
  if (capsOn) capCheck(notional, paid);
  T.batched(load<i32>(r, L_ID), s, load<f64>(r, L_SIZE), load<f64>(r, L_COLL), load<f64>(r, L_ENTRY), notional, fund, unpaid);
}

// ---- the path's end ----

/**
 * Who paid, at the mark: each party's money change over the path. The ADL'd traders' row is what they gave up
 * against the mark (their profit at the mark is not a loss: it moves to the makers' row, the other side of every
 * position), so the rows sum to zero with −badDebt (reference.ts writeWhoPaid).
 */
export function writeWhoPaid(at: i32): void {
  writeWhoPaidOf(at, PS.perAccount ? vaultCash - unchecked(params[P_VAULT_CAPITAL]) : 0, unchecked(params[P_INSURANCE]));
}

/** The who-paid rows at `at`, the vault's row given (its cash less its capital), the fund's net from its initial balance. */
export function writeWhoPaidOf(at: i32, vault: f64, initialInsurance: f64): void {
  unchecked((records[at + R_LIQUIDATED_PNL] = liquidatedPnl));
  unchecked((records[at + R_ADL_TRANSFER] = adlTransfer));
  unchecked((records[at + R_FUND_NET] = insurance - initialInsurance));
  unchecked((records[at + R_VAULT_PNL] = vault));
  unchecked((records[at + R_TREASURY] = treasury));
  unchecked((records[at + R_KEEPERS_PNL] = keepersPnl));
  unchecked((records[at + R_MAKERS_PNL] = makers - keepersPnl + (adlPnl + adlTransfer)));
  unchecked((records[at + R_FEES_PAID] = feesPaid));
  unchecked((records[at + R_SHORTFALL] = shortfall));
  unchecked((records[at + R_FLOW_PNL] = flowPnl));
}

/** The money ledger of the last path (the traders' cash, ledger[0], on request: computeTradersCash). */
export function writeLedger(): void {
  unchecked((ledger[1] = insurance));
  unchecked((ledger[2] = makers));
  unchecked((ledger[3] = badDebt));
  unchecked((ledger[4] = treasury));
  unchecked((ledger[5] = vaultCash));
  unchecked((ledger[6] = arrivalsIn));
}

/** Traders' money at the end of the last path (a live account's cash is its collateral); for tests. */
export function tradersCash(): f64 {
  // the population and accounts.flow's arrivals in the last path
  const n = PS.active;
  let traders: f64 = 0;
  for (let i = 0; i < n; i++) {
    traders += isClosed(i, book.epoch) ? cashOf(i) : PS.perAccount ? unchecked(curColl[i]) : unchecked(accCollateral[i]);
  }
  return traders;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<f64>(b, feeRate, 0);
  store<i32>(b, feeKind, 8);
  store<f64>(b, stepSeconds, 16);
  store<i32>(b, adlRanking, 24);
  store<u8>(b, adlOn ? 1 : 0, 32);
  store<f64>(b, capNotional, 40);
  store<f64>(b, capLoss, 48);
  store<u8>(b, capsOn ? 1 : 0, 56);
  store<u8>(b, settleHook ? 1 : 0, 64);
  store<i32>(b, capStep, 72);
  store<f64>(b, stepNotional, 80);
  store<f64>(b, stepLoss, 88);
  store<i32>(b, blockedStep, 96);
}
/** The blocked step saved in a market's block (its per-step caps' state), read without switching to it. */
export function blockedStepIn(b: usize): i32 {
  return load<i32>(b, 96);
}
export function loadContext(b: usize): void {
  feeRate = load<f64>(b, 0);
  feeKind = load<i32>(b, 8);
  stepSeconds = load<f64>(b, 16);
  adlRanking = load<i32>(b, 24);
  adlOn = load<u8>(b, 32) != 0;
  capNotional = load<f64>(b, 40);
  capLoss = load<f64>(b, 48);
  capsOn = load<u8>(b, 56) != 0;
  settleHook = load<u8>(b, 64) != 0;
  capStep = load<i32>(b, 72);
  stepNotional = load<f64>(b, 80);
  stepLoss = load<f64>(b, 88);
  blockedStep = load<i32>(b, 96);
}
