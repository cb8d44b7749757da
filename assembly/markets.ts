// Several markets under one venue (plan-14b, phase B1: isolated margin, every mechanism per market): the M > 1 step
// loop, and one market's with cross margin. The one-market loop (assembly/cascade.ts) is untouched; this one runs the
// same per-market code, switching the market-scoped modules' context (assembly/market-context.ts) between the markets;
// the marks and their drawdowns are assembly/market-marks.ts's. Mirrored by the reference engine's
// src/engine/markets.ts; the order below is the contract between the two:
//
// per path: the venue's ledger starts (the fund of market 0's block; the vault's cash at Σ of the per-account markets'
//   vault capitals, in market order); then for m = 0..M−1 market m's per-path reset (as runPath's, resample first) and
//   its opening mark; then the cross-margin state's reset (assembly/cross-margin.ts, when the venue has owners); then
//   the fan sample at step 0 (step (4)'s).
// per step t:
//   (0) ε_k = normalInv(philoxUniform(t, p, 0, DOMAIN_MARKET + 16·k)) for every k (words 2, 3 of the draw kept: market
//       k's jump count); market m's normal z = 0; z += L[m·M + k]·ε_k for k = 0..m.
//   (1) for m = 0..M−1: market m's opening exactly as runPath's (stress, widening, the move with z, the oracle's
//       history, the book's step and centre, the exogenous drawdown, the mechanism's opening, the mark, ema, oracle and
//       band, the scan's opening, accounts.flow); then the cross owners' deposits arriving at t.
//   (2) rounds = 0; while rounds < maxRounds (market 0's block): for m = 0..M−1: PS.nextRound(), market m's round at
//       its mark; when it liquidated: the first-liquidation step, its mark (as runPath's), min price, drawdown; then the
//       cross owners' round (its fills move their markets' marks the same way). Then, when nothing liquidated, stop;
//       else rounds++.
//   (3) for m = 0..M−1: market m's loss allocation at its mark (when ADL is on), then its min price and drawdown.
//   (4) the fan sample: market 0's series, then (M > 1) every market's mark.
// The record: see writeRecord below.
import {
  DOMAIN_MARKET, P_FUND_DRAWDOWN, P_INITIAL_PRICE, P_INSURANCE,
  P_INSURANCE_CAP, P_MAX_ROUNDS, P_PER_ACCOUNT, P_RESAMPLE, P_SPREAD_WIDENING, P_STEPS, P_STRESS_FLOOR,
  P_STRESS_WITHDRAWAL, P_TICK, P_VAULT_CAPITAL, R_ADL_COUNT, R_ADL_NOTIONAL, R_AMPLIFICATION, R_AVG_SLIPPAGE,
  R_BOOK_EXHAUSTED, R_EXO_DRAWDOWN, R_FINAL_PRICE, R_FIRST_LIQUIDATION_STEP, R_INSURANCE_FINAL, R_INSURANCE_MIN,
  R_BAD_DEBT, R_LIQUIDATED_NOTIONAL, R_LIQUIDATIONS, R_MARGIN_HELD, R_MAX_DRAWDOWN, R_MAX_ROUNDS, R_MIN_PRICE,
  RECORD_STRIDE,
} from "./abi";
import * as adl from "./adl";
import * as book from "./book";
import { mid, setCentre, setStep, startStep } from "./book";
import { amplification, flowOpen } from "./cascade";
import * as fan from "./fan";
import * as L from "./ledger";
import * as losses from "./loss-allocation";
import * as margin from "./margin-model";
import { current, marketCount, paramsOf, select } from "./market-context";
import {
  S_EXO_BEST, S_EXO_DD, S_EXO_PEAK, S_EXTRAS, S_FUNDAMENTAL, S_MARK_BEST, S_MAX_DD, S_MIN, S_PEAK,
  carveMarks, followTrades, get, markOf, markPoint, peakDrawdown, set, setMark,
} from "./market-marks";
import * as cross from "./cross-margin";
import { X_BAND, X_FLOW, X_LAST, X_OPEN, X_ORACLE, X_SCAN, X_WIDEN, openingExtras, resetConcerns } from "./path-opening";
import * as mechanisms from "./mechanisms/index";
import * as backstop from "./mechanisms/backstop";
import { batchedRound } from "./mechanisms/market";
import { normalInvInline } from "./mathfn";
import * as PS from "./path-state";
import { buildLadder, drawPopulation } from "./population";
import * as price from "./price";
import { philoxUniform, rng2, rng3 } from "./rng";
import { perAccountRound } from "./rounds";
import { params, records } from "./state";
import * as scan from "./triggers/scan";

/** Per market in the record, after the venue's RECORD_STRIDE metrics (src/engine/markets-setup.ts MARKET_METRICS). */
export const MARKET_METRICS: i32 = 8;
const MM_LIQUIDATIONS = 0;
const MM_LIQUIDATED_NOTIONAL = 1;
const MM_MIN_PRICE = 2;
const MM_FINAL_PRICE = 3;
const MM_MAX_DRAWDOWN = 4;
const MM_EXO_DRAWDOWN = 5;
const MM_AMPLIFICATION = 6;
const MM_ADL_NOTIONAL = 7;

/** f64 per path in the record of M markets. */
export function recordStrideOf(markets: i32): i32 {
  return RECORD_STRIDE + MARKET_METRICS * markets + (cross.on ? cross.CROSS_METRICS : 0);
}

/** The Cholesky factor L of the markets' return correlation, row-major M × M (the host fills it). */
export let cholesky = new StaticArray<f64>(0);
let eps = new StaticArray<f64>(0);
let epsW2 = new StaticArray<u32>(0);
let epsW3 = new StaticArray<u32>(0);

export function carve(markets: i32): void {
  carveMarks(markets);
  cholesky = new StaticArray<f64>(markets * markets);
  eps = new StaticArray<f64>(markets);
  epsW2 = new StaticArray<u32>(markets);
  epsW3 = new StaticArray<u32>(markets);
}

export function runMarketsPath(p: u32, i: i32, at: i32, resampleLo: u32, resampleHi: u32): void {
  const M = marketCount;
  const p0 = paramsOf(0);
  const steps = <i32>unchecked(p0[P_STEPS]);
  const maxRounds = <i32>unchecked(p0[P_MAX_ROUNDS]);

  // ---- the venue's ledger: the fund (market 0's block), the vaults' capital of the per-account markets ----
  let vaultCapital: f64 = 0;
  let vaultOn = false;
  for (let m = 0; m < M; m++) {
    const pm = paramsOf(m);
    if (unchecked(pm[P_PER_ACCOUNT]) == 1) {
      vaultOn = true;
      vaultCapital += unchecked(pm[P_VAULT_CAPITAL]);
    }
  }
  L.startVenue(unchecked(p0[P_INSURANCE]), unchecked(p0[P_INSURANCE_CAP]), unchecked(p0[P_FUND_DRAWDOWN]), vaultOn, vaultCapital);

  // ---- every market's per-path reset and opening mark (runPath's, in its order) ----
  let nextSample = -1;
  for (let m = 0; m < M; m++) {
    select(m);
    if (unchecked(params[P_RESAMPLE]) == 1) {
      drawPopulation(resampleLo, resampleHi, p + 1);
      buildLadder();
      fan.populationChanged();
    }
    const fundamental = resetConcerns(p, false);
    const extras = openingExtras();
    // the fan charts' slot of path i (fan.ts counts records of the one-market stride)
    const first = fan.newPath(i * RECORD_STRIDE);
    if (m == 0) nextSample = first;
    const fTick0 = price.firstTick(fundamental);
    setCentre(fTick0);
    const mark = mid();
    price.startMark(mark);
    margin.startPath(mark);
    set(m, S_FUNDAMENTAL, fundamental);
    setMark(m, mark);
    set(m, S_MIN, mark);
    set(m, S_PEAK, mark);
    set(m, S_MAX_DD, 0);
    set(m, S_EXO_PEAK, (fTick0 + 0.5) * unchecked(params[P_TICK]));
    set(m, S_EXO_DD, 0);
    set(m, S_EXO_BEST, 0);
    set(m, S_MARK_BEST, 0);
    set(m, S_EXTRAS, <f64>extras);
  }
  if (cross.on) cross.startPath();
  if (nextSample == 0) nextSample = sample(0, steps);

  let firstLiquidationStep = -1;
  let maxRoundsInStep = 0;
  for (let t = 1; t <= steps; t++) {
    // (0) the step's independent normals, one per market, and their words 2, 3 (each market's jump count)
    for (let k = 0; k < M; k++) {
      unchecked((eps[k] = normalInvInline(philoxUniform(<u32>t, p, 0, DOMAIN_MARKET + 16 * <u32>k, PS.seedLo, PS.seedHi))));
      unchecked((epsW2[k] = rng2));
      unchecked((epsW3[k] = rng3));
    }
    // (1) every market's opening
    for (let m = 0; m < M; m++) {
      select(m);
      let z: f64 = 0;
      for (let k = 0; k <= m; k++) z += unchecked(cholesky[m * M + k]) * unchecked(eps[k]);
      openMarket(m, t, z);
    }
    if (cross.on) cross.arrivals(t);
    // (2) the joint rounds: every market's round in turn, until none liquidates
    let rounds = 0;
    while (rounds < maxRounds) {
      let any = false;
      for (let m = 0; m < M; m++) {
        select(m);
        PS.nextRound();
        const mark = markOf(m);
        const n = PS.perAccount ? perAccountRound(mark, t) : batchedRound(mark, t, false);
        if (n == 0) continue;
        any = true;
        if (firstLiquidationStep < 0) firstLiquidationStep = t;
        followTrades(m);
      }
      // the cross-margin owners' round (assembly/cross-margin.ts) at the marks the markets' rounds left
      if (cross.on && cross.round(t) > 0) {
        any = true;
        if (firstLiquidationStep < 0) firstLiquidationStep = t;
      }
      if (!any) break;
      rounds++;
    }
    if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
    // (3) every market's loss allocation at the mark its cascade ended on
    for (let m = 0; m < M; m++) {
      select(m);
      const mark = markOf(m);
      if (L.adlOn) losses.allocate(mark);
      markPoint(m, mark);
    }
    // (4) the fan charts: market 0's series, every market's mark
    if (t == nextSample) nextSample = sample(t, steps);
  }
  writeRecord(at, steps, maxRoundsInStep, firstLiquidationStep, vaultOn, vaultCapital, unchecked(p0[P_INSURANCE]));
}

/** Market m's opening of step t (the current market; runPath's, with the correlated normal z). */
function openMarket(m: i32, t: i32, z: f64): void {
  const extras = <i32>get(m, S_EXTRAS);
  setStep(t);
  let mark = markOf(m);
  const markPeak = get(m, S_PEAK);
  let scale: f64 = 1;
  const withdrawal = unchecked(params[P_STRESS_WITHDRAWAL]);
  if (withdrawal > 0) {
    const keep = 1 - withdrawal * ((markPeak - mark) / markPeak);
    const stressFloor = unchecked(params[P_STRESS_FLOOR]);
    scale = keep > stressFloor ? keep : stressFloor;
  }
  if (extras & X_WIDEN) book.setSpreadGap(Math.floor(unchecked(params[P_SPREAD_WIDENING]) * ((markPeak - mark) / markPeak)));
  const domain = DOMAIN_MARKET + 16 * <u32>m;
  const fundamental = price.moveCorrelated(t, get(m, S_FUNDAMENTAL), z, unchecked(epsW2[m]), unchecked(epsW3[m]), domain);
  set(m, S_FUNDAMENTAL, fundamental);
  if (extras & X_ORACLE) price.recordOracle(t, fundamental);
  startStep(scale);
  const fTick = price.tickOf(fundamental);
  setCentre(fTick);
  const exo = (fTick + 0.5) * unchecked(params[P_TICK]);
  peakDrawdown(m, exo, S_EXO_PEAK, S_EXO_BEST, S_EXO_DD);
  if (extras & X_OPEN) mechanisms.openStep();
  mark = mid();
  if (extras & X_LAST) book.setLastPrice(mark);
  if (price.markEma) mark = price.emaMark(mark);
  if (extras & X_ORACLE) mark = price.oracleMark(t, mark);
  if (extras & X_SCAN) scan.openScanStep(t, mark);
  if (extras & X_FLOW) mark = flowOpen(mark, (extras & X_BAND) != 0);
  setMark(m, mark);
}

/**
 * The fan sample at step t's end: market 0's series (the venue's fund and vault cash, market 0's vault inventory),
 * then, with two markets or more, every market's mark (src/engine/fan.ts fanStride).
 */
function sample(t: i32, steps: i32): i32 {
  const M = marketCount;
  if (M > 1) for (let m = 0; m < M; m++) fan.sampleExtra(m, markOf(m));
  select(0);
  return fan.sample(t, steps, markOf(0), get(0, S_FUNDAMENTAL), L.insurance, backstop.vaultLongQ, backstop.vaultShortQ, L.vaultCash);
}

/**
 * The record (src/engine/markets-setup.ts recordNames): the venue's metrics — liquidations, liquidated notional, ADL
 * count and notional summed over the markets in market order (from 0); the joint rounds' maximum; min price, final
 * price, drawdowns and amplification of market 0; the fund, bad debt and who-paid rows of the one ledger (the vault's
 * row: its cash less Σ capital, when a market has a per-account engine); average slippage Σ slip / Σ marked value (each
 * summed in market order from 0; 0 when nothing was marked); book exhausted when any market's was; the first step any
 * market liquidated; margin held Σ over the scan markets, in order from 0, of marginSum_m / steps (NaN when none scans)
 * — then per market its liquidations, liquidated notional, min and final price, drawdowns, amplification, ADL notional;
 * then, with cross margin, its CROSS_METRICS (assembly/cross-margin.ts writeRecord).
 */
function writeRecord(at: i32, steps: i32, maxRoundsInStep: i32, firstLiquidationStep: i32, vaultOn: bool, vaultCapital: f64, insurance0: f64): void {
  const M = marketCount;
  let liquidations: f64 = 0;
  let notional: f64 = 0;
  let adlCount: f64 = 0;
  let adlNotional: f64 = 0;
  let slip: f64 = 0;
  let marked: f64 = 0;
  let exhausted = false;
  let scans = false;
  let marginHeld: f64 = 0;
  for (let m = 0; m < M; m++) {
    select(m);
    liquidations += <f64>PS.liquidations;
    notional += PS.liquidatedNotional;
    adlCount += <f64>adl.adlCount;
    adlNotional += adl.adlNotional;
    slip += PS.slipValue;
    marked += PS.markedValue;
    if (book.exhausted) exhausted = true;
    if (scan.scan) {
      scans = true;
      marginHeld += scan.marginSum / <f64>steps;
    }
    const maxDd = get(m, S_MAX_DD);
    const exoDd = get(m, S_EXO_DD);
    const amp = amplification(maxDd, exoDd, unchecked(params[P_TICK]) / unchecked(params[P_INITIAL_PRICE]));
    const b = at + RECORD_STRIDE + MARKET_METRICS * m;
    unchecked((records[b + MM_LIQUIDATIONS] = <f64>PS.liquidations));
    unchecked((records[b + MM_LIQUIDATED_NOTIONAL] = PS.liquidatedNotional));
    unchecked((records[b + MM_MIN_PRICE] = get(m, S_MIN)));
    unchecked((records[b + MM_FINAL_PRICE] = markOf(m)));
    unchecked((records[b + MM_MAX_DRAWDOWN] = maxDd));
    unchecked((records[b + MM_EXO_DRAWDOWN] = exoDd));
    unchecked((records[b + MM_AMPLIFICATION] = amp));
    unchecked((records[b + MM_ADL_NOTIONAL] = adl.adlNotional));
  }
  const first = at + RECORD_STRIDE;
  unchecked((records[at + R_LIQUIDATIONS] = liquidations));
  unchecked((records[at + R_LIQUIDATED_NOTIONAL] = notional));
  unchecked((records[at + R_MAX_ROUNDS] = <f64>maxRoundsInStep));
  unchecked((records[at + R_MIN_PRICE] = unchecked(records[first + MM_MIN_PRICE])));
  unchecked((records[at + R_FINAL_PRICE] = unchecked(records[first + MM_FINAL_PRICE])));
  unchecked((records[at + R_MAX_DRAWDOWN] = unchecked(records[first + MM_MAX_DRAWDOWN])));
  unchecked((records[at + R_EXO_DRAWDOWN] = unchecked(records[first + MM_EXO_DRAWDOWN])));
  unchecked((records[at + R_AMPLIFICATION] = unchecked(records[first + MM_AMPLIFICATION])));
  unchecked((records[at + R_INSURANCE_MIN] = L.insuranceMin));
  unchecked((records[at + R_INSURANCE_FINAL] = L.insurance));
  unchecked((records[at + R_BAD_DEBT] = L.badDebt));
  unchecked((records[at + R_ADL_COUNT] = adlCount));
  unchecked((records[at + R_ADL_NOTIONAL] = adlNotional));
  unchecked((records[at + R_AVG_SLIPPAGE] = marked > 0 ? slip / marked : 0));
  unchecked((records[at + R_BOOK_EXHAUSTED] = exhausted ? 1 : 0));
  unchecked((records[at + R_FIRST_LIQUIDATION_STEP] = <f64>firstLiquidationStep));
  unchecked((records[at + R_MARGIN_HELD] = scans ? marginHeld : NaN));
  if (cross.on) cross.writeRecord(at + RECORD_STRIDE + MARKET_METRICS * M);
  L.writeWhoPaidOf(at, vaultOn ? L.vaultCash - vaultCapital : 0, insurance0);
  L.writeLedger();
}

/** The traders' cash summed over the markets (tests: the ledger's identity). */
export function tradersCashAll(): f64 {
  const back = current;
  let cash: f64 = 0;
  for (let m = 0; m < marketCount; m++) {
    select(m);
    cash += L.tradersCash();
  }
  select(back);
  if (cross.on) cash += cross.tradersCash();
  return cash;
}
