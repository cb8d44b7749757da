// One cascade path: the step loop (exogenous move, refill, mark, cascade rounds) and the settlement of
// each liquidation (fee, insurance, ADL, bad debt). Same model and arithmetic as src/engine/reference.ts.
import {
  ADL_NONE, DOMAIN_MARKET, MARK_EMA, MARK_MID, MARK_ORACLE, P_ORACLE_LAG, P_MARK_BAND, P_EMA_ALPHA, P_STRESS_FLOOR,
  P_STRESS_WITHDRAWAL, PRICE_MERTON, PRICE_NONE, PRICE_REPLAY, P_ACCOUNTS, P_ADL_RANKING, P_CAP_INSURANCE_LOSS,
  P_CAP_NOTIONAL, P_DRIFT, P_FUND_DRAWDOWN, P_INSURANCE_CAP, P_FEE_RATE, P_INITIAL_PRICE, P_INSURANCE,
  P_JUMP_INTENSITY, P_JUMP_MEAN, P_JUMP_STD, P_MARK_MODEL, P_MAX_ROUNDS, P_PRICE_MODEL, P_RETURNS_COUNT, P_STEPS,
  P_STEP_SECONDS, P_TICK, P_VOLATILITY, R_ADL_COUNT, R_ADL_NOTIONAL, R_AMPLIFICATION, R_AVG_SLIPPAGE, R_BAD_DEBT,
  R_BOOK_EXHAUSTED, R_EXO_DRAWDOWN, R_FINAL_PRICE, R_FIRST_LIQUIDATION_STEP, R_INSURANCE_FINAL, R_INSURANCE_MIN,
  R_LIQUIDATED_NOTIONAL, R_LIQUIDATIONS, R_MAX_DRAWDOWN, R_MAX_ROUNDS, R_MIN_PRICE, SECONDS_PER_YEAR, P_PER_ACCOUNT,
  P_PARTIAL_THRESHOLD, P_PARTIAL_FRACTION, P_PARTIAL_COOLDOWN, ADL_SOCIALIZED, ENGINE_AUCTION, ENGINE_BACKSTOP,
  P_ENGINE, P_FEE_KIND, P_SPREAD_WIDENING, P_VAULT_CAPITAL, P_MARGIN_MODEL, R_MARGIN_HELD, R_LIQUIDATED_PNL,
  R_ADL_TRANSFER, R_FUND_NET, R_VAULT_PNL, R_TREASURY, R_KEEPERS_PNL, R_MAKERS_PNL, R_FEES_PAID, R_SHORTFALL,
  R_FLOW_PNL, P_FLOW_CLOSE_PROB, P_FLOW_ARRIVAL_MEAN,
} from "./abi";
import * as margin from "./margin-model";
import * as book from "./book";
import { mid, newPath, setCentre, setStep, startStep } from "./book";
import { exp, expInline, normalInv, normalInvInline } from "./mathfn";
import { philox, philoxUniform, rng0, rng1, rng2, rng3, uniform52 } from "./rng";
import {
  LADDER_STRIDE, L_CASH, L_COLL, L_DEAD, L_ENTRY, L_ID, L_LIQ, L_SIZE,
  accCollateral, askProfile, base, bidProfile, cashOf, isClosed, ladder, ledger, longCount, longLiq,
  params, records, returns, shocks, shortCount, shortLiq, accSize, curSize, curColl, nextSlice, slicedRound, flagged,
  inAuction, oracleHist, pended, staleLiq, touchedIds,
} from "./state";
import * as adl from "./adl";
import { unwindVault } from "./backstop";
import { clearTouched, openScanStep, perAccountRound, socialize, touchedLen } from "./per-account";
import * as losses from "./loss-allocation";
import * as flow from "./flow";
import * as T from "./trace";
import * as fan from "./fan";

export let seedLo: u32 = 0;
export let seedHi: u32 = 0;
export let path: u32 = 0;
export let round: i32 = 0;
export let insurance: f64 = 0;
export let insuranceMin: f64 = 0;
export let makers: f64 = 0;
export let badDebt: f64 = 0;
// who paid (the record's money rows): the liquidated traders' money change, the ADL'd (or haircut) traders' money
// change and what they gave up against the mark, the keepers' (liquidators') profit, the fees the liquidated paid,
// and the losses beyond their collateral; the fund, vault, treasury and makers' rows come from their own balances
export let liquidatedPnl: f64 = 0;
export let adlPnl: f64 = 0;
export let adlTransfer: f64 = 0;
export let keepersPnl: f64 = 0;
export let feesPaid: f64 = 0;
export let shortfall: f64 = 0;
/** A count: a sum of ones is exact either way, and an integer keeps a register free of it. */
export let liquidations: i32 = 0;
export let liquidatedNotional: f64 = 0;
export let slipValue: f64 = 0;
export let markedValue: f64 = 0;
export let feeRate: f64 = 0;
export let longCursor: i32 = 0;
export let shortCursor: i32 = 0;
export let adlRanking: i32 = 0;
/** ADL after the cascade (any ranking but none and socialized): book liquidations walk within the fund's budget. */
export let adlOn = false;
// the settlement mechanisms (src/config/scenario.ts documents them)
export let treasury: f64 = 0;
export let insuranceCap: f64 = Infinity;
/** The fund's running peak, updated when it pays (between payouts it only grows), and 1 − fundDrawdown. */
export let insurancePeak: f64 = 0;
export let floorKeep: f64 = 0;
export let capNotional: f64 = Infinity;
export let capLoss: f64 = Infinity;
export let capsOn = false;
/** The per-account settlements end with afterSettle(): per-step caps, or trace mode (one flag: one branch). */
export let settleHook = false;
/** Per-step cap totals, reset at the first liquidation of a step; the step in which a cap was reached. */
export let capStep: i32 = 0;
export let stepNotional: f64 = 0;
export let stepLoss: f64 = 0;
export let blockedStep: i32 = 0;

// liquidation.engine partial (src/config/scenario.ts documents it): a plain path, one account at a time
/** The per-account engine (every engine but the batched market rounds; src/engine/layout.ts P.perAccount). */
export let perAccount = false;
export let engine: i32 = 0;
export let feeKind: i32 = 0;
export let stepSeconds: f64 = 0;
export let auctionOn = false;
export let auctionLen: i32 = 0;
export let keeperStep: i32 = 0;
export let keeperLeft: f64 = 0;
export let vaultCash: f64 = 0;
export let vaultLongQ: f64 = 0;
export let vaultLongCost: f64 = 0;
export let vaultShortQ: f64 = 0;
export let vaultShortCost: f64 = 0;
/** margin.model: the scan engine checks every account every round (no ladder). */
export let scan = false;
export let partialThreshold: f64 = 0;
export let partialFraction: f64 = 0;
export let partialCooldown: i32 = 0;
export let longPendLen: i32 = 0;
export let shortPendLen: i32 = 0;

export function setSeed(lo: u32, hi: u32): void {
  seedLo = lo;
  seedHi = hi;
}

export function runPath(p: u32, at: i32): void {
  const steps = <i32>unchecked(params[P_STEPS]);
  const tick = unchecked(params[P_TICK]);
  const model = <i32>unchecked(params[P_PRICE_MODEL]);
  const markMid = <i32>unchecked(params[P_MARK_MODEL]) == MARK_MID;
  const markEma = <i32>unchecked(params[P_MARK_MODEL]) == MARK_EMA;
  const markOracle = <i32>unchecked(params[P_MARK_MODEL]) == MARK_ORACLE;
  // a mark that holds through the step's rounds (liquidations do not move it)
  const markHeld = markEma || markOracle;
  const alpha = unchecked(params[P_EMA_ALPHA]);
  const withdrawal = unchecked(params[P_STRESS_WITHDRAWAL]);
  const stressFloor = unchecked(params[P_STRESS_FLOOR]);
  const stressed = withdrawal > 0;
  const maxRounds = <i32>unchecked(params[P_MAX_ROUNDS]);
  const dt = unchecked(params[P_STEP_SECONDS]) / SECONDS_PER_YEAR;
  const vol = unchecked(params[P_VOLATILITY]);
  const muDt = (unchecked(params[P_DRIFT]) - 0.5 * vol * vol) * dt;
  const sigDt = vol * Math.sqrt(dt);
  const lambdaDt = unchecked(params[P_JUMP_INTENSITY]) * dt;
  const noJumpProb = exp(-lambdaDt);
  const jumpMean = unchecked(params[P_JUMP_MEAN]);
  const jumpStd = unchecked(params[P_JUMP_STD]);
  const nReturns = <i32>unchecked(params[P_RETURNS_COUNT]);
  feeRate = unchecked(params[P_FEE_RATE]);
  adlRanking = <i32>unchecked(params[P_ADL_RANKING]);
  adlOn = adlRanking != ADL_NONE && adlRanking != ADL_SOCIALIZED;
  insuranceCap = unchecked(params[P_INSURANCE_CAP]);
  floorKeep = 1 - unchecked(params[P_FUND_DRAWDOWN]);
  capNotional = unchecked(params[P_CAP_NOTIONAL]);
  capLoss = unchecked(params[P_CAP_INSURANCE_LOSS]);
  capsOn = capNotional < Infinity || capLoss < Infinity;
  settleHook = capsOn || T.tracing;
  perAccount = unchecked(params[P_PER_ACCOUNT]) == 1;
  engine = <i32>unchecked(params[P_ENGINE]);
  feeKind = <i32>unchecked(params[P_FEE_KIND]);
  stepSeconds = unchecked(params[P_STEP_SECONDS]);
  auctionOn = engine == ENGINE_AUCTION;
  scan = unchecked(params[P_MARGIN_MODEL]) != 0;
  marginSum = 0;
  // the step's optional mechanisms as one set of flags: the step loop keeps no extra f64 live for them (the
  // default scenario's loop already holds more values than there are registers), reading their parameters when on
  let extras = 0;
  if (unchecked(params[P_SPREAD_WIDENING]) > 0) extras |= X_WIDEN;
  if (engine == ENGINE_BACKSTOP) extras |= X_BACKSTOP;
  if (markOracle || unchecked(params[P_MARK_BAND]) > 0) extras |= X_ORACLE;
  if (unchecked(params[P_MARK_BAND]) > 0) extras |= X_BAND;
  if (scan) extras |= X_SCAN;
  if (unchecked(params[P_FLOW_CLOSE_PROB]) > 0 || unchecked(params[P_FLOW_ARRIVAL_MEAN]) > 0) extras |= X_FLOW;
  // --trace: the path's events and step rows (assembly/trace.ts); the opening `last` is reset as the reference does
  if (T.tracing) extras |= X_TRACE | X_LAST;
  if (perAccount) extras |= X_LAST;
  if (perAccount) {
    partialThreshold = unchecked(params[P_PARTIAL_THRESHOLD]);
    partialFraction = unchecked(params[P_PARTIAL_FRACTION]);
    partialCooldown = <i32>unchecked(params[P_PARTIAL_COOLDOWN]);
    // only the accounts the last path changed are reset (a new population: all of them)
    if (adl.freshPopulation) {
      const nAcc = <i32>unchecked(params[P_ACCOUNTS]);
      for (let i = 0; i < nAcc; i++) resetAccount(i);
      adl.populationReset();
    } else {
      const n = touchedLen;
      for (let k = 0; k < n; k++) resetAccount(unchecked(touchedIds[k]));
    }
    clearTouched();
    longPendLen = 0;
    shortPendLen = 0;
    auctionLen = 0;
    keeperStep = 0;
    keeperLeft = 0;
    vaultCash = unchecked(params[P_VAULT_CAPITAL]);
    vaultLongQ = 0;
    vaultLongCost = 0;
    vaultShortQ = 0;
    vaultShortCost = 0;
  }

  path = p;
  newPath();
  round = 0;
  insurance = unchecked(params[P_INSURANCE]);
  insuranceMin = insurance;
  insurancePeak = insurance;
  treasury = 0;
  capStep = 0;
  stepNotional = 0;
  stepLoss = 0;
  blockedStep = 0;
  makers = 0;
  badDebt = 0;
  liquidatedPnl = 0;
  adlPnl = 0;
  adlTransfer = 0;
  keepersPnl = 0;
  feesPaid = 0;
  shortfall = 0;
  liquidations = 0;
  liquidatedNotional = 0;
  slipValue = 0;
  markedValue = 0;
  adl.newPath();
  losses.newPath();
  flow.newPath();
  longCursor = 0;
  shortCursor = 0;
  // fan charts: the next step whose values are sampled (−1: none)
  let nextSample = fan.newPath(at);
  let firstLiquidationStep = -1;
  let maxRoundsInStep = 0;

  const sLo = seedLo;
  const sHi = seedHi;
  let fundamental = unchecked(params[P_INITIAL_PRICE]);
  unchecked((oracleHist[0] = fundamental));
  const c0 = Math.floor(fundamental / tick + 1e-7);
  const fTick0 = c0 > 1 ? c0 : 1;
  setCentre(fTick0);
  let mark = mid();
  let ema = mark;
  margin.startPath(mark);
  if (extras & X_TRACE) T.start(fundamental, mark);
  if (nextSample == 0) nextSample = fan.sample(0, steps, mark, fundamental);
  let minPrice = mark;
  let markPeak = mark;
  let maxDrawdown: f64 = 0;
  let exoPeak = (fTick0 + 0.5) * tick;
  let exoDrawdown: f64 = 0;
  // The drawdowns (peak − x)/peak: division by a fixed positive peak is monotone, so a numerator no larger
  // than one already divided under the same peak cannot beat the running maximum; only a deeper one is divided.
  let exoBestNum: f64 = 0;
  let markBestNum: f64 = 0;
  // fundamental / tick is fundamental · (1/tick), bit for bit, when tick is a power of two (0.5, 0.25, 1, …)
  const tickBits = reinterpret<u64>(tick);
  const tickExp = <i32>(tickBits >> 52) & 0x7ff;
  const tickPow2 = (tickBits & 0x000fffffffffffff) == 0 && tickExp > 0 && tickExp < 0x7ff;
  const invTick = 1 / tick;

  for (let t = 1; t <= steps; t++) {
    setStep(t);
    // liquidity under stress: this step's depth, from the mark's drawdown as the step starts
    let scale: f64 = 1;
    if (stressed) {
      const keep = 1 - withdrawal * ((markPeak - mark) / markPeak);
      scale = keep > stressFloor ? keep : stressFloor;
    }
    if (extras & X_WIDEN) book.spreadGap = Math.floor(unchecked(params[P_SPREAD_WIDENING]) * ((markPeak - mark) / markPeak));
    if (model != PRICE_NONE) {
      let r: f64 = 0;
      if (model == PRICE_REPLAY) {
        if (nReturns >= steps) r = unchecked(returns[t - 1]);
        else {
          philox(<u32>t, p, 0, DOMAIN_MARKET, sLo, sHi);
          r = unchecked(returns[<i32>Math.floor(uniform52(rng0, rng1) * <f64>nReturns)]);
        }
      } else {
        r = muDt + sigDt * normalInvInline(philoxUniform(<u32>t, p, 0, DOMAIN_MARKET, sLo, sHi));
        if (model == PRICE_MERTON) r = mertonJumps(r, t, p, noJumpProb, lambdaDt, jumpMean, jumpStd);
      }
      fundamental = fundamental * expInline(r);
    }
    const shock = unchecked(shocks[t]);
    if (shock != 0) fundamental = fundamental * (1 + shock);
    if (extras & X_ORACLE) unchecked((oracleHist[t] = fundamental));
    // the last step's impact: its permanent share moves the centre, the rest decays; the book is centred on the
    // fundamental's tick plus the permanent impact
    startStep(scale);
    const c = Math.floor((tickPow2 ? fundamental * invTick : fundamental / tick) + 1e-7);
    const fTick = c > 1 ? c : 1;
    setCentre(fTick);
    const exo = (fTick + 0.5) * tick;
    if (exo > exoPeak) {
      exoPeak = exo;
      exoBestNum = 0;
    }
    const exoNum = exoPeak - exo;
    if (exoNum > exoBestNum) {
      exoBestNum = exoNum;
      const exoDd = exoNum / exoPeak;
      if (exoDd > exoDrawdown) exoDrawdown = exoDd;
    }

    // the backstop vault works off its inventory before anyone else trades
    if (extras & X_BACKSTOP) unwindVault();
    mark = mid();
    // a round that only starts auctions (or hands accounts to the vault) trades nothing: its `last` mark stays at
    // this step's opening trade. Only the per-account engine has such rounds (a batched round always fills), and
    // the store costs the batched step loop 5%, so it is made there only (the reference makes it always: same records)
    if (extras & X_LAST) book.lastPrice = mark;
    // the ema mark moves once per step, toward the mid, and holds through the step's rounds
    if (markEma) {
      ema = ema + alpha * (mark - ema);
      mark = ema;
    }
    // the oracle: the fundamental lagSteps ago, held through the step's rounds; a band keeps any mark near it
    // (out of line: most scenarios have neither, and the step loop stays as tight as without them)
    if (extras & X_ORACLE) mark = oracleMark(t, mark, markOracle);
    // the scan engine's requirement follows the mark's realised volatility; what it holds is summed per step
    if (extras & X_SCAN) openScanStep(t, mark);
    // accounts.flow: voluntary closes, then arrivals, by market order at this mark; the mark follows their trades
    // (out of line: most scenarios have none)
    if (extras & X_FLOW) mark = flowOpen(mark, markHeld, markMid, (extras & X_BAND) != 0);

    let rounds = 0;
    while (rounds < maxRounds) {
      let n = 0;
      round++;
      // a step whose caps are reached liquidates nobody more: the cursor stays on the next account
      if (perAccount) n = perAccountRound(mark, t);
      else {
        if (longCursor < longCount && unchecked(longLiq[longCursor]) >= mark && blockedStep != t) {
          n += extras & X_TRACE ? tracedLongs(mark, t) : capsOn ? cappedLongs<Plain>(mark, t) : liquidateLongs<Plain>(mark, longCount);
        }
        if (shortCursor < shortCount && unchecked(shortLiq[shortCursor]) <= mark && blockedStep != t) {
          n += extras & X_TRACE ? tracedShorts(mark, t) : capsOn ? cappedShorts<Plain>(mark, t) : liquidateShorts<Plain>(mark, shortCount);
        }
      }
      if (n == 0) break;
      rounds++;
      if (firstLiquidationStep < 0) firstLiquidationStep = t;
      if (!markHeld) mark = markMid ? mid() : book.lastPrice;
      if (extras & X_BAND) mark = mark < bandLo ? bandLo : mark > bandHi ? bandHi : mark;
      if (mark < minPrice) minPrice = mark;
      if (extras & X_TRACE) T.round(mark);
      if (mark > markPeak) {
        markPeak = mark;
        markBestNum = 0;
      }
      const num = markPeak - mark;
      if (num > markBestNum) {
        markBestNum = num;
        const dd = num / markPeak;
        if (dd > maxDrawdown) maxDrawdown = dd;
      }
    }
    if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
    // every liquidation of the step first, then who pays what the fund could not
    if (adlOn) losses.allocate(mark);
    if (mark < minPrice) minPrice = mark;
    if (mark > markPeak) {
      markPeak = mark;
      markBestNum = 0;
    }
    const num = markPeak - mark;
    if (num > markBestNum) {
      markBestNum = num;
      const dd = num / markPeak;
      if (dd > maxDrawdown) maxDrawdown = dd;
    }
    if (extras & X_TRACE) T.step(t, fundamental, mark);
    if (t == nextSample) nextSample = fan.sample(t, steps, mark, fundamental);
  }

  unchecked((records[at + R_LIQUIDATIONS] = <f64>liquidations));
  unchecked((records[at + R_LIQUIDATED_NOTIONAL] = liquidatedNotional));
  unchecked((records[at + R_MAX_ROUNDS] = <f64>maxRoundsInStep));
  unchecked((records[at + R_MIN_PRICE] = minPrice));
  unchecked((records[at + R_FINAL_PRICE] = mark));
  unchecked((records[at + R_MAX_DRAWDOWN] = maxDrawdown));
  unchecked((records[at + R_EXO_DRAWDOWN] = exoDrawdown));
  unchecked((records[at + R_AMPLIFICATION] = amplification(maxDrawdown, exoDrawdown, tick / unchecked(params[P_INITIAL_PRICE]))));
  unchecked((records[at + R_INSURANCE_MIN] = insuranceMin));
  unchecked((records[at + R_INSURANCE_FINAL] = insurance));
  unchecked((records[at + R_BAD_DEBT] = badDebt));
  unchecked((records[at + R_ADL_COUNT] = <f64>adl.adlCount));
  unchecked((records[at + R_ADL_NOTIONAL] = adl.adlNotional));
  unchecked((records[at + R_AVG_SLIPPAGE] = markedValue > 0 ? slipValue / markedValue : 0));
  unchecked((records[at + R_BOOK_EXHAUSTED] = book.exhausted ? 1 : 0));
  unchecked((records[at + R_FIRST_LIQUIDATION_STEP] = <f64>firstLiquidationStep));
  unchecked((records[at + R_MARGIN_HELD] = scan ? marginSum / <f64>steps : NaN));
  writeWhoPaid(at);

  unchecked((ledger[1] = insurance));
  unchecked((ledger[2] = makers));
  unchecked((ledger[3] = badDebt));
  unchecked((ledger[4] = treasury));
  unchecked((ledger[5] = vaultCash));
  unchecked((ledger[6] = flow.arrivalsIn));
}

/**
 * Who paid, at the mark: each party's money change over the path. The ADL'd traders' row is what they gave up
 * against the mark (their profit at the mark is not a loss: it moves to the makers' row, the other side of every
 * position), so the rows sum to zero with −badDebt (reference.ts writeWhoPaid).
 */
function writeWhoPaid(at: i32): void {
  const vault = perAccount ? vaultCash - unchecked(params[P_VAULT_CAPITAL]) : 0;
  unchecked((records[at + R_LIQUIDATED_PNL] = liquidatedPnl));
  unchecked((records[at + R_ADL_TRANSFER] = adlTransfer));
  unchecked((records[at + R_FUND_NET] = insurance - unchecked(params[P_INSURANCE])));
  unchecked((records[at + R_VAULT_PNL] = vault));
  unchecked((records[at + R_TREASURY] = treasury));
  unchecked((records[at + R_KEEPERS_PNL] = keepersPnl));
  unchecked((records[at + R_MAKERS_PNL] = makers - keepersPnl + (adlPnl + adlTransfer)));
  unchecked((records[at + R_FEES_PAID] = feesPaid));
  unchecked((records[at + R_SHORTFALL] = shortfall));
  unchecked((records[at + R_FLOW_PNL] = flow.flowPnl));
}

/** Account i's per-account state as the population holds it. */
function resetAccount(i: i32): void {
  unchecked((curSize[i] = accSize[i]));
  unchecked((curColl[i] = accCollateral[i]));
  unchecked((nextSlice[i] = 0));
  unchecked((slicedRound[i] = 0));
  unchecked((flagged[i] = -1));
  unchecked((inAuction[i] = 0));
  unchecked((pended[i] = 0));
  unchecked((staleLiq[i] = 0));
}

const X_WIDEN = 1;
const X_BACKSTOP = 2;
const X_ORACLE = 4;
const X_BAND = 8;
const X_SCAN = 16;
const X_FLOW = 32;
/** Trace mode (assembly/trace.ts): step rows, the rounds' marks. */
const X_TRACE = 64;
/** `last` restarts at the opening mid (the per-account engine, and trace mode: see the step loop). */
const X_LAST = 128;

/**
 * accounts.flow at the step's opening mark: the closes and arrivals trade, then the mark that does not hold through the
 * step is read again (the mid, or the last flow trade), within the band. Like the opening mark, it is not a drawdown
 * point by itself: the rounds' marks and the step's last one are.
 */
function flowOpen(mark0: f64, held: bool, markMid: bool, banded: bool): f64 {
  if (!flow.flowStep(mark0)) return mark0;
  let mark = mark0;
  if (!held) mark = markMid ? mid() : book.lastPrice;
  if (banded) mark = mark < bandLo ? bandLo : mark > bandHi ? bandHi : mark;
  return mark;
}

/** The band around this step's oracle, set by oracleMark (read by the rounds when a band is on). */
export let bandLo: f64 = 0;
export let bandHi: f64 = 0;
/** The scan engine's requirement summed over the path's step openings (marginHeld = this / steps). */
export let marginSum: f64 = 0;


/** The opening mark with an oracle: the oracle itself (mark model oracle), clamped to the band around it. */
function oracleMark(t: i32, mark0: f64, markOracle: bool): f64 {
  const oracleLag = <i32>unchecked(params[P_ORACLE_LAG]);
  const band = unchecked(params[P_MARK_BAND]);
  const oracle = unchecked(oracleHist[t >= oracleLag ? t - oracleLag : 0]);
  bandLo = oracle * (1 - band);
  bandHi = oracle * (1 + band);
  let mark = markOracle ? oracle : mark0;
  if (band > 0) mark = mark < bandLo ? bandLo : mark > bandHi ? bandHi : mark;
  return mark;
}

/**
 * With per-step caps, one account at a time, each settled before the next is let through: the round's ladder
 * ends just past the next live account (of the `count` rungs from `rungs`, at or after `from`).
 */
function nextLiveEnd(rungs: usize, from: i32, count: i32): i32 {
  const epoch = book.epoch;
  let j = from;
  while (j < count && load<i32>(rungs + <usize>j * LADDER_STRIDE, L_DEAD) == epoch) j++;
  return j < count ? j + 1 : count;
}

function cappedLongs<M>(mark: f64, t: i32): i32 {
  const rungs = base(ladder);
  let n = 0;
  while (longCursor < longCount && unchecked(longLiq[longCursor]) >= mark && blockedStep != t) {
    n += liquidateLongs<M>(mark, nextLiveEnd(rungs, longCursor, longCount));
  }
  return n;
}

function cappedShorts<M>(mark: f64, t: i32): i32 {
  const rungs = base(ladder) + <usize>longCount * LADDER_STRIDE;
  let n = 0;
  while (shortCursor < shortCount && unchecked(shortLiq[shortCursor]) <= mark && blockedStep != t) {
    n += liquidateShorts<M>(mark, nextLiveEnd(rungs, shortCursor, shortCount));
  }
  return n;
}

// The batched rounds come in two builds, chosen at compile time by a type argument: Plain, the hot loop as it
// always was, and Traced, which also hands each settlement to assembly/trace.ts (measured: a call with the trace's
// arguments in the plain loop, even behind a branch never taken, cost the batched shock scenario 4%).
type Plain = i32;
type Traced = bool;

function tracedLongs(mark: f64, t: i32): i32 {
  return capsOn ? cappedLongs<Traced>(mark, t) : liquidateLongs<Traced>(mark, longCount);
}

function tracedShorts(mark: f64, t: i32): i32 {
  return capsOn ? cappedShorts<Traced>(mark, t) : liquidateShorts<Traced>(mark, shortCount);
}

/**
 * Traced build: after one account of a batched round settled (rung r, side s; the round's fund after it; the bad debt
 * it booked when `unpaid` > 0), the per-step caps and the account's events.
 */
function settled(r: usize, s: f64, notional: f64, paid: f64, fund: f64, unpaid: f64): void {
  if (capsOn) capCheck(notional, paid);
  T.batched(load<i32>(r, L_ID), s, load<f64>(r, L_SIZE), load<f64>(r, L_COLL), load<f64>(r, L_ENTRY), notional, fund, unpaid);
}

/** The end of a per-account settlement: the per-step caps, and the trace's event of it completed (assembly/trace.ts). */
export function afterSettle(notional: f64, paid: f64): void {
  if (capsOn) capCheck(notional, paid);
  if (T.tracing) T.close();
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

/** The Merton jump part of step t's log-return (out of line: most scenarios have none). */
function mertonJumps(r0: f64, t: i32, p: u32, noJumpProb: f64, lambdaDt: f64, jumpMean: f64, jumpStd: f64): f64 {
  let r = r0;
  const u = uniform52(rng2, rng3);
  let jumps = 0;
  let prob = noJumpProb;
  let cdf = prob;
  while (u > cdf && jumps < 100) {
    jumps++;
    prob = (prob * lambdaDt) / <f64>jumps;
    cdf += prob;
  }
  if (jumps > 0) {
    philox(<u32>t, p, 1, DOMAIN_MARKET, seedLo, seedHi);
    const nj = <f64>jumps;
    r += nj * jumpMean + Math.sqrt(nj) * jumpStd * normalInv(uniform52(rng0, rng1));
  }
  return r;
}

/** Traders' money at the end of the last path (a live account's cash is its collateral); for tests. */
export function tradersCash(): f64 {
  // the population and accounts.flow's arrivals in the last path
  const n = flow.active;
  let traders: f64 = 0;
  for (let i = 0; i < n; i++) {
    traders += isClosed(i, book.epoch) ? cashOf(i) : perAccount ? unchecked(curColl[i]) : unchecked(accCollateral[i]);
  }
  return traders;
}

function amplification(maxDrawdown: f64, exoDrawdown: f64, oneTick: f64): f64 {
  if (maxDrawdown == 0 && exoDrawdown == 0) return 1;
  return maxDrawdown / (exoDrawdown > oneTick ? exoDrawdown : oneTick);
}

// ---- one cascade round on one side: every live account across the cursor is closed by a market order
// and settled. One function per side, all state in locals (globals read once, written back once).

/** Longs with liquidation price ≥ mark are sold into the bids; returns how many were liquidated. */
function liquidateLongs<M>(mark: f64, count: i32): i32 {
  const rungs = base(ladder);
  const epoch = book.epoch;
  const first = longCursor;
  let cursor = first;
  // 1. the fills, in ladder order: each live account across the mark sells into the bids from the touch (its
  // market sell); the notional waits in the record's cash slot. Settlement cannot change the book or this
  // side's accounts (ADL closes the other side), so filling first and settling after gives the same numbers.
  // The walk is book.sell's, inlined with the book's state in locals for the whole round (a call per account
  // with the state in globals cost the default scenario a third of its speed); same arithmetic, same bits.
  {
    const c = book.centre - book.spreadGap;
    const tk = book.tick;
    const scale = book.depthScale;
    const limit = book.bidLimit();
    const window = book.levels;
    const profile = base(bidProfile);
    let k = book.bidTop;
    let rr = book.bidRem;
    let last = book.lastPrice;
    let ended = false;
    let walked = false;
    let rung = rungs + <usize>cursor * LADDER_STRIDE;
    while (cursor < count && load<f64>(rung, L_LIQ) >= mark) {
      const r = rung;
      cursor++;
      rung += LADDER_STRIDE;
      if (load<i32>(r, L_DEAD) == epoch) continue;
      let rem = load<f64>(r, L_SIZE);
      let notional: f64 = 0;
      while (rem > 0) {
        if (k > limit) {
          const edge = (c - <f64>limit) * tk;
          notional += rem * edge;
          last = edge;
          ended = true;
          rr = 0;
          break;
        }
        if (rr > 0) {
          const price = (c + 1 - <f64>k) * tk;
          last = price;
          if (rr > rem) {
            rr -= rem;
            notional += rem * price;
            break;
          }
          notional += rr * price;
          rem -= rr;
        }
        k++;
        rr = (k <= window ? load<f64>(profile + (<usize>k << 3)) : book.tailDepth(k)) * scale;
      }
      store<f64>(r, notional, L_CASH);
      walked = true;
    }
    if (walked) book.bidTouched = true;
    book.bidTop = k;
    book.bidRem = rr;
    book.lastPrice = last;
    if (ended) book.exhausted = true;
  }
  longCursor = cursor;
  // 2. settlement, same order: the fee to the fund, or the deficit from the fund, then bad debt
  const fee = feeRate;
  let mk = makers;
  let ins = insurance;
  let tr = treasury;
  const insCap = insuranceCap;
  const caps = capsOn;
  const keep = floorKeep;
  let liqNotional = liquidatedNotional;
  let slip = slipValue;
  let marked = markedValue;
  let lost = liquidatedPnl;
  let fees = feesPaid;
  let short = shortfall;
  let done = 0;
  let open = fan.longOpen;
  let r = rungs + <usize>first * LADDER_STRIDE;
  const end = rungs + <usize>cursor * LADDER_STRIDE;
  for (; r < end; r += LADDER_STRIDE) {
    if (load<i32>(r, L_DEAD) == epoch) continue;
    const q = load<f64>(r, L_SIZE);
    open -= q;
    const notional = load<f64>(r, L_CASH);
    const pnl = notional - q * load<f64>(r, L_ENTRY);
    mk -= pnl;
    const coll = load<f64>(r, L_COLL);
    const remaining = coll + pnl;
    liqNotional += notional;
    slip += q * mark - notional;
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
      if (isBoolean<M>()) settled(r, 1, notional, 0, ins, 0);
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
    if (isBoolean<M>()) settled(r, 1, notional, paid, ins, deficit);
    else if (caps) capCheck(notional, paid);
  }
  makers = mk;
  insurance = ins;
  treasury = tr;
  liquidations += done;
  liquidatedNotional = liqNotional;
  slipValue = slip;
  markedValue = marked;
  liquidatedPnl = lost;
  feesPaid = fees;
  shortfall = short;
  fan.closedLongs(done, open);
  return done;
}

/** Shorts with liquidation price ≤ mark buy from the asks; mirror of liquidateLongs. */
function liquidateShorts<M>(mark: f64, count: i32): i32 {
  const rungs = base(ladder) + <usize>longCount * LADDER_STRIDE;
  const epoch = book.epoch;
  const first = shortCursor;
  let cursor = first;
  // 1. the fills, in ladder order: each live account across the mark buys from the asks (its market buy)
  {
    const c = book.centre + book.spreadGap;
    const tk = book.tick;
    const scale = book.depthScale;
    const limit = book.askLimit();
    const window = book.levels;
    const profile = base(askProfile);
    let k = book.askTop;
    let rr = book.askRem;
    let last = book.lastPrice;
    let ended = false;
    let walked = false;
    let rung = rungs + <usize>cursor * LADDER_STRIDE;
    while (cursor < count && load<f64>(rung, L_LIQ) <= mark) {
      const r = rung;
      cursor++;
      rung += LADDER_STRIDE;
      if (load<i32>(r, L_DEAD) == epoch) continue;
      let rem = load<f64>(r, L_SIZE);
      let notional: f64 = 0;
      while (rem > 0) {
        if (k > limit) {
          const edge = (c + <f64>limit + 1) * tk;
          notional += rem * edge;
          last = edge;
          ended = true;
          rr = 0;
          break;
        }
        if (rr > 0) {
          const price = (c + <f64>k) * tk;
          last = price;
          if (rr > rem) {
            rr -= rem;
            notional += rem * price;
            break;
          }
          notional += rr * price;
          rem -= rr;
        }
        k++;
        rr = (k <= window ? load<f64>(profile + (<usize>k << 3)) : book.tailDepth(k)) * scale;
      }
      store<f64>(r, notional, L_CASH);
      walked = true;
    }
    if (walked) book.askTouched = true;
    book.askTop = k;
    book.askRem = rr;
    book.lastPrice = last;
    if (ended) book.exhausted = true;
  }
  shortCursor = cursor;
  // 2. settlement, same order: the fee to the fund, or the deficit from the fund, then bad debt
  const fee = feeRate;
  let mk = makers;
  let ins = insurance;
  let tr = treasury;
  const insCap = insuranceCap;
  const caps = capsOn;
  const keep = floorKeep;
  let liqNotional = liquidatedNotional;
  let slip = slipValue;
  let marked = markedValue;
  let lost = liquidatedPnl;
  let fees = feesPaid;
  let short = shortfall;
  let done = 0;
  let open = fan.shortOpen;
  let r = rungs + <usize>first * LADDER_STRIDE;
  const end = rungs + <usize>cursor * LADDER_STRIDE;
  for (; r < end; r += LADDER_STRIDE) {
    if (load<i32>(r, L_DEAD) == epoch) continue;
    const q = load<f64>(r, L_SIZE);
    open -= q;
    const notional = load<f64>(r, L_CASH);
    const pnl = -(notional - q * load<f64>(r, L_ENTRY));
    mk -= pnl;
    const coll = load<f64>(r, L_COLL);
    const remaining = coll + pnl;
    liqNotional += notional;
    slip += -(q * mark - notional);
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
      if (isBoolean<M>()) settled(r, -1, notional, 0, ins, 0);
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
    if (isBoolean<M>()) settled(r, -1, notional, paid, ins, deficit);
    else if (caps) capCheck(notional, paid);
  }
  makers = mk;
  insurance = ins;
  treasury = tr;
  liquidations += done;
  liquidatedNotional = liqNotional;
  slipValue = slip;
  markedValue = marked;
  liquidatedPnl = lost;
  feesPaid = fees;
  shortfall = short;
  fan.closedShorts(done, open);
  return done;
}

export function addFee(fee: f64): void {
  insurance += fee;
  // a capped fund keeps the cap; the excess goes to the treasury
  if (insurance > insuranceCap) {
    treasury += insurance - insuranceCap;
    insurance = insuranceCap;
  }
}

/** A deficit: the fund pays down to its floor, then ADL, then bad debt; returns what the fund paid. */
export function cover(deficit0: f64, s: f64, mark: f64): f64 {
  const paid = payFromFund(deficit0);
  let deficit = deficit0 - paid;
  if (deficit > 0 && adlRanking == ADL_SOCIALIZED) deficit = socialize(-s, deficit, mark);
  else if (deficit > 0 && adlOn) {
    // allocated after the step's cascade
    losses.queueLoss(s, deficit);
    deficit = 0;
  }
  if (deficit > 0) {
    badDebt += deficit;
    if (T.tracing) T.badDebt(s, deficit);
  }
  return paid;
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

/** Bad debt booked for a loss of a side-s position. */
export function addBadDebt(deficit: f64, s: f64): void {
  badDebt += deficit;
  if (T.tracing) T.badDebt(s, deficit);
}

/** A deficit (of a side-s position) after the loss allocation: the fund pays what it can, the rest is bad debt. */
export function fundThenBadDebt(deficit: f64, s: f64): void {
  const left = deficit - payFromFund(deficit);
  if (left > 0) {
    badDebt += left;
    if (T.tracing) T.badDebt(s, left);
  }
}
