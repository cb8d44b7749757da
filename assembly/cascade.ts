// One cascade path: the step loop (exogenous move, refill, mark, cascade rounds) and the settlement of
// each liquidation (fee, insurance, ADL, bad debt). Same model and arithmetic as src/engine/reference.ts.
import {
  ADL_NONE, DOMAIN_MARKET, MARK_EMA, MARK_MID, MARK_ORACLE, P_ORACLE_LAG, P_MARK_BAND, P_EMA_ALPHA, P_STRESS_FLOOR, P_STRESS_WITHDRAWAL, PRICE_MERTON, PRICE_NONE, PRICE_REPLAY,
  P_ACCOUNTS, P_ADL_RANKING, P_CAP_INSURANCE_LOSS, P_CAP_NOTIONAL, P_DRIFT, P_FUND_DRAWDOWN, P_INSURANCE_CAP, P_FEE_RATE, P_INITIAL_PRICE, P_INSURANCE, P_JUMP_INTENSITY,
  P_JUMP_MEAN, P_JUMP_STD, P_MARK_MODEL, P_MAX_ROUNDS, P_PRICE_MODEL, P_RETURNS_COUNT, P_STEPS,
  P_STEP_SECONDS, P_TICK, P_VOLATILITY, RECORD_STRIDE, R_ADL_COUNT, R_ADL_NOTIONAL, R_AMPLIFICATION,
  R_AVG_SLIPPAGE, R_BAD_DEBT, R_BOOK_EXHAUSTED, R_EXO_DRAWDOWN, R_FINAL_PRICE, R_FIRST_LIQUIDATION_STEP,
  R_INSURANCE_FINAL, R_INSURANCE_MIN, R_LIQUIDATED_NOTIONAL, R_LIQUIDATIONS, R_MAX_DRAWDOWN, R_MAX_ROUNDS,
  R_MIN_PRICE, SECONDS_PER_YEAR, P_PER_ACCOUNT, P_PARTIAL_THRESHOLD, P_PARTIAL_FRACTION, P_PARTIAL_COOLDOWN, P_TIER_COUNT,
  ADL_SOCIALIZED, CURVE_LINEAR, CURVE_STAIRSTEP, ENGINE_AUCTION, ENGINE_BACKSTOP, ENGINE_CLOSE_FACTOR, FEE_RAMPED, FEE_TIERED,
  P_AUCTION_BUF, P_AUCTION_CHIP, P_AUCTION_CURVE, P_AUCTION_CUSP, P_AUCTION_CUT, P_AUCTION_STEP, P_AUCTION_TAIL, P_AUCTION_TAU,
  P_AUCTION_TIP, P_BACKSTOP_FRACTION, P_CF_BONUS, P_CF_DEFAULT, P_CF_FULL_HEALTH, P_CF_MIN_DEBT, P_CF_PROTOCOL_FEE, P_ENGINE,
  P_FEE_KIND, P_FEE_RAMP_GRACE, P_FEE_RAMP_MAX, P_FEE_RAMP_PER_SECOND, P_FEE_TIER_COUNT, P_FEE_TIER_FLOOR, P_FEE_TIER_RATE,
  P_KEEPER_CAPITAL, P_KEEPER_MIN_PROFIT, P_SPREAD_WIDENING, P_VAULT_CAPITAL, P_VAULT_UNWIND, P_MARGIN_MODEL, R_MARGIN_HELD,
} from "./abi";
import { liquidationPrice } from "./margin";
import * as margin from "./margin-model";
import * as book from "./book";
import { depthAt, findTops, mid, newPath, setCentre, setStep } from "./book";
import { exp, expInline, log, normalInv, normalInvInline } from "./mathfn";
import { philox, philoxUniform, rng0, rng1, rng2, rng3, uniform52 } from "./rng";
import {
  HINT_STRIDE, H_DEAD, LADDER_STRIDE, LEVEL_STRIDE, L_CASH, L_COLL, L_DEAD, L_ENTRY, L_HINT, L_LIQ, L_SIZE,
  V_DEPTH, accCollateral, adlHint, askLevels, base, bidLevels, cashOf, decay, isClosed, ladder, ledger, longCount,
  longLiq, params, records, returns, shocks, shortCount, shortLiq, accSize, accEntry, curSize, curColl, curLiq,
  nextSlice, slicedRound, longPend, shortPend, duePend, longOrder, shortOrder, rungOf,
  accIsLong, auctionList, auctionStart, auctionTop, flagged, inAuction, oracleHist,
} from "./state";
import * as adl from "./adl";

let seedLo: u32 = 0;
let seedHi: u32 = 0;
let path: u32 = 0;
let round: i32 = 0;
let adlRound: i32 = -1;
let adlSide: f64 = 0;
let insurance: f64 = 0;
let insuranceMin: f64 = 0;
let makers: f64 = 0;
let badDebt: f64 = 0;
/** A count: a sum of ones is exact either way, and an integer keeps a register free of it. */
let liquidations: i32 = 0;
let liquidatedNotional: f64 = 0;
let slipValue: f64 = 0;
let markedValue: f64 = 0;
let feeRate: f64 = 0;
let longCursor: i32 = 0;
let shortCursor: i32 = 0;
let adlRanking: i32 = 0;
// the settlement mechanisms (src/config/scenario.ts documents them)
let treasury: f64 = 0;
let insuranceCap: f64 = Infinity;
/** The fund's running peak, updated when it pays (between payouts it only grows), and 1 − fundDrawdown. */
let insurancePeak: f64 = 0;
let floorKeep: f64 = 0;
let capNotional: f64 = Infinity;
let capLoss: f64 = Infinity;
let capsOn = false;
/** Per-step cap totals, reset at the first liquidation of a step; the step in which a cap was reached. */
let capStep: i32 = 0;
let stepNotional: f64 = 0;
let stepLoss: f64 = 0;
let blockedStep: i32 = 0;

// liquidation.engine partial (src/config/scenario.ts documents it): a plain path, one account at a time
/** The per-account engine (every engine but the batched market rounds; src/engine/layout.ts P.perAccount). */
let perAccount = false;
let engine: i32 = 0;
let feeKind: i32 = 0;
let stepSeconds: f64 = 0;
let auctionOn = false;
let auctionLen: i32 = 0;
let keeperStep: i32 = 0;
let keeperLeft: f64 = 0;
let vaultCash: f64 = 0;
let vaultLongQ: f64 = 0;
let vaultLongCost: f64 = 0;
let vaultShortQ: f64 = 0;
let vaultShortCost: f64 = 0;
/** margin.model: the scan engine checks every account every round (no ladder). */
let scan = false;
let partialThreshold: f64 = 0;
let partialFraction: f64 = 0;
let partialCooldown: i32 = 0;
let longPendLen: i32 = 0;
let shortPendLen: i32 = 0;

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
  const refills = unchecked(decay[1]) < 1;
  feeRate = unchecked(params[P_FEE_RATE]);
  adlRanking = <i32>unchecked(params[P_ADL_RANKING]);
  insuranceCap = unchecked(params[P_INSURANCE_CAP]);
  floorKeep = 1 - unchecked(params[P_FUND_DRAWDOWN]);
  capNotional = unchecked(params[P_CAP_NOTIONAL]);
  capLoss = unchecked(params[P_CAP_INSURANCE_LOSS]);
  capsOn = capNotional < Infinity || capLoss < Infinity;
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
  adl.setPartialMode(perAccount);
  if (perAccount) {
    partialThreshold = unchecked(params[P_PARTIAL_THRESHOLD]);
    partialFraction = unchecked(params[P_PARTIAL_FRACTION]);
    partialCooldown = <i32>unchecked(params[P_PARTIAL_COOLDOWN]);
    const nAcc = <i32>unchecked(params[P_ACCOUNTS]);
    for (let i = 0; i < nAcc; i++) {
      unchecked((curSize[i] = accSize[i]));
      unchecked((curColl[i] = accCollateral[i]));
      unchecked((nextSlice[i] = 0));
      unchecked((slicedRound[i] = 0));
      unchecked((flagged[i] = -1));
      unchecked((inAuction[i] = 0));
    }
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
  adlRound = -1;
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
  liquidations = 0;
  liquidatedNotional = 0;
  slipValue = 0;
  markedValue = 0;
  adl.newPath();
  longCursor = 0;
  shortCursor = 0;
  let firstLiquidationStep = -1;
  let maxRoundsInStep = 0;

  const sLo = seedLo;
  const sHi = seedHi;
  const levels = book.levels;
  const floorTick = <f64>(levels + 1);
  let fundamental = unchecked(params[P_INITIAL_PRICE]);
  unchecked((oracleHist[0] = fundamental));
  setCentre(fundamental);
  let mark = mid();
  let ema = mark;
  margin.startPath(mark);
  let minPrice = mark;
  let markPeak = mark;
  let maxDrawdown: f64 = 0;
  let exoPeak = (book.centre + 0.5) * tick;
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
    // liquidity under stress: this step's target depth, from the mark's drawdown as the step starts
    if (stressed) {
      const keep = 1 - withdrawal * ((markPeak - mark) / markPeak);
      book.depthScale = keep > stressFloor ? keep : stressFloor;
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
    // the centre tick (setCentre, inlined)
    const c = Math.floor((tickPow2 ? fundamental * invTick : fundamental / tick) + 1e-7);
    const centre = c > floorTick ? c : floorTick;
    book.centre = centre;
    const exo = (centre + 0.5) * tick;
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

    if (refills) findTops(1, 1);
    else findTops(book.bidTop, book.askTop);
    // the backstop vault works off its inventory before anyone else trades
    if (extras & X_BACKSTOP) unwindVault();
    mark = mid();
    // a round that only starts auctions (or hands accounts to the vault) trades nothing: its `last` mark stays at
    // this step's opening trade. Only the per-account engine has such rounds (a batched round always fills), and
    // the store costs the batched step loop 5%, so it is made there only (the reference makes it always: same records)
    if (perAccount) book.lastPrice = mark;
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

    let rounds = 0;
    while (rounds < maxRounds) {
      let n = 0;
      round++;
      // a step whose caps are reached liquidates nobody more: the cursor stays on the next account
      if (perAccount) n = perAccountRound(mark, t);
      else {
        if (longCursor < longCount && unchecked(longLiq[longCursor]) >= mark && blockedStep != t) {
          n += capsOn ? cappedLongs(mark, t) : liquidateLongs(mark, longCount);
        }
        if (shortCursor < shortCount && unchecked(shortLiq[shortCursor]) <= mark && blockedStep != t) {
          n += capsOn ? cappedShorts(mark, t) : liquidateShorts(mark, shortCount);
        }
      }
      if (n == 0) break;
      rounds++;
      if (firstLiquidationStep < 0) firstLiquidationStep = t;
      if (!markHeld) mark = markMid ? mid() : book.lastPrice;
      if (extras & X_BAND) mark = mark < bandLo ? bandLo : mark > bandHi ? bandHi : mark;
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
    }
    if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
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

  unchecked((ledger[1] = insurance));
  unchecked((ledger[2] = makers));
  unchecked((ledger[3] = badDebt));
  unchecked((ledger[4] = treasury));
  unchecked((ledger[5] = vaultCash));
}

const X_WIDEN = 1;
const X_BACKSTOP = 2;
const X_ORACLE = 4;
const X_BAND = 8;
const X_SCAN = 16;

/** The band around this step's oracle, set by oracleMark (read by the rounds when a band is on). */
let bandLo: f64 = 0;
let bandHi: f64 = 0;
/** The scan engine's requirement summed over the path's step openings (marginHeld = this / steps). */
let marginSum: f64 = 0;

/** The scan engine at a step's opening mark: the volatility estimate moves, and what the requirement holds is summed. */
function openScanStep(t: i32, mark: f64): void {
  margin.openStep(t, mark);
  marginSum += marginHeldAt(mark);
}

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

function cappedLongs(mark: f64, t: i32): i32 {
  const rungs = base(ladder);
  let n = 0;
  while (longCursor < longCount && unchecked(longLiq[longCursor]) >= mark && blockedStep != t) {
    n += liquidateLongs(mark, nextLiveEnd(rungs, longCursor, longCount));
  }
  return n;
}

function cappedShorts(mark: f64, t: i32): i32 {
  const rungs = base(ladder) + <usize>longCount * LADDER_STRIDE;
  let n = 0;
  while (shortCursor < shortCount && unchecked(shortLiq[shortCursor]) <= mark && blockedStep != t) {
    n += liquidateShorts(mark, nextLiveEnd(rungs, shortCursor, shortCount));
  }
  return n;
}

/** The per-step caps after one settlement: the account that reaches a cap is settled whole; the next one waits. */
function capCheck(notional: f64, paid: f64): void {
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
  const n = <i32>unchecked(params[P_ACCOUNTS]);
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
function liquidateLongs(mark: f64, count: i32): i32 {
  const rungs = base(ladder);
  const epoch = book.epoch;
  const first = longCursor;
  let cursor = first;
  // 1. the fills, in ladder order: each live account across the mark walks the bids from the touch (its
  // market sell); the notional waits in the record's cash slot. Settlement cannot change the book or this
  // side's accounts (ADL closes the other side), so filling first and settling after gives the same numbers.
  {
    const levels = base(bidLevels);
    const gstep = book.pathBase + book.step;
    const firstStep = book.pathBase;
    const n = book.levels;
    const tick = book.tick;
    // market.book.stress.spreadWidening: the bids stand spreadGap ticks lower (0 without it)
    const centre = book.centre - book.spreadGap;
    const edge = (centre - <f64>n) * tick;
    let top = book.bidTop;
    let last = book.lastPrice;
    let rung = rungs + <usize>cursor * LADDER_STRIDE;
    while (top <= n && cursor < count && load<f64>(rung, L_LIQ) >= mark) {
      const r = rung;
      cursor++;
      rung += LADDER_STRIDE;
      if (load<i32>(r, L_DEAD) == epoch) continue;
      const q = load<f64>(r, L_SIZE);
      let notional: f64 = 0;
      {
        let rem = q;
        let k = top;
        let level = levels + <usize>k * LEVEL_STRIDE;
        while (rem > 0) {
          if (k > n) {
            notional += rem * edge;
            last = edge;
            book.exhausted = true;
            break;
          }
          const d = depthAt(level, gstep, firstStep);
          if (d > 0) {
            const price = (centre + 1 - <f64>k) * tick;
            last = price;
            if (d > rem) {
              store<f64>(level, d - rem, V_DEPTH);
              notional += rem * price;
              break;
            }
            store<f64>(level, 0, V_DEPTH);
            notional += d * price;
            rem -= d;
          }
          k++;
          level += LEVEL_STRIDE;
        }
        top = k;
      }
      store<f64>(r, notional, L_CASH);
    }
    if (top > n) {
      // the book is used up: every order from here on fills one tick beyond the edge (0 + q·edge = q·edge)
      let filled = false;
      while (cursor < count && load<f64>(rung, L_LIQ) >= mark) {
        const r = rung;
        cursor++;
        rung += LADDER_STRIDE;
        if (load<i32>(r, L_DEAD) == epoch) continue;
        const q = load<f64>(r, L_SIZE);
        const fills = q > 0;
        store<f64>(r, fills ? q * edge : 0, L_CASH);
        filled |= fills;
      }
      if (filled) {
        last = edge;
        book.exhausted = true;
      }
    }
    book.setTouch(top, book.askTop, last, book.exhausted);
  }
  longCursor = cursor;
  // 2. settlement, same order: the fee to the fund, or the deficit from the fund, then ADL, then bad debt
  const hints = base(adlHint);
  const fee = feeRate;
  const withAdl = adlRanking != ADL_NONE;
  let mk = makers;
  let ins = insurance;
  let tr = treasury;
  const insCap = insuranceCap;
  const caps = capsOn;
  const keep = floorKeep;
  let liqNotional = liquidatedNotional;
  let slip = slipValue;
  let marked = markedValue;
  let done = 0;
  let r = rungs + <usize>first * LADDER_STRIDE;
  const end = rungs + <usize>cursor * LADDER_STRIDE;
  for (; r < end; r += LADDER_STRIDE) {
    if (load<i32>(r, L_DEAD) == epoch) continue;
    const q = load<f64>(r, L_SIZE);
    const notional = load<f64>(r, L_CASH);
    const pnl = notional - q * load<f64>(r, L_ENTRY);
    mk -= pnl;
    const remaining = load<f64>(r, L_COLL) + pnl;
    liqNotional += notional;
    slip += q * mark - notional;
    marked += q * mark;
    store<i32>(r, epoch, L_DEAD);
    store<i32>(hints + <usize>load<i32>(r, L_HINT) * HINT_STRIDE, epoch, H_DEAD);
    done++;
    if (remaining >= 0) {
      const f = Math.min(fee * notional, remaining);
      store<f64>(r, remaining - f, L_CASH);
      ins += f;
      // a capped fund keeps the cap; the excess goes to the treasury
      if (ins > insCap) {
        tr += ins - insCap;
        ins = insCap;
      }
      if (caps) capCheck(notional, 0);
      continue;
    }
    store<f64>(r, 0, L_CASH);
    // the fund pays down to its floor (0 unless adl.trigger.fundDrawdown), then ADL, then bad debt
    let deficit = -remaining;
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
    if (deficit > 0 && withAdl) {
      mk = autoDeleverage(-1, deficit, mark, mk);
      deficit = adl.owed;
    }
    if (deficit > 0) badDebt += deficit;
    if (caps) capCheck(notional, paid);
  }
  makers = mk;
  insurance = ins;
  treasury = tr;
  liquidations += done;
  liquidatedNotional = liqNotional;
  slipValue = slip;
  markedValue = marked;
  return done;
}

/** Shorts with liquidation price ≤ mark buy from the asks; mirror of liquidateLongs. */
function liquidateShorts(mark: f64, count: i32): i32 {
  const rungs = base(ladder) + <usize>longCount * LADDER_STRIDE;
  const epoch = book.epoch;
  const first = shortCursor;
  let cursor = first;
  // 1. the fills, in ladder order: each live account across the mark walks the asks from the touch (its
  // market buy); the notional waits in the record's cash slot. Settlement cannot change the book or this
  // side's accounts (ADL closes the other side), so filling first and settling after gives the same numbers.
  {
    const levels = base(askLevels);
    const gstep = book.pathBase + book.step;
    const firstStep = book.pathBase;
    const n = book.levels;
    const tick = book.tick;
    const centre = book.centre + book.spreadGap;
    const edge = (centre + <f64>n + 1) * tick;
    let top = book.askTop;
    let last = book.lastPrice;
    let rung = rungs + <usize>cursor * LADDER_STRIDE;
    while (top <= n && cursor < count && load<f64>(rung, L_LIQ) <= mark) {
      const r = rung;
      cursor++;
      rung += LADDER_STRIDE;
      if (load<i32>(r, L_DEAD) == epoch) continue;
      const q = load<f64>(r, L_SIZE);
      let notional: f64 = 0;
      {
        let rem = q;
        let k = top;
        let level = levels + <usize>k * LEVEL_STRIDE;
        while (rem > 0) {
          if (k > n) {
            notional += rem * edge;
            last = edge;
            book.exhausted = true;
            break;
          }
          const d = depthAt(level, gstep, firstStep);
          if (d > 0) {
            const price = (centre + <f64>k) * tick;
            last = price;
            if (d > rem) {
              store<f64>(level, d - rem, V_DEPTH);
              notional += rem * price;
              break;
            }
            store<f64>(level, 0, V_DEPTH);
            notional += d * price;
            rem -= d;
          }
          k++;
          level += LEVEL_STRIDE;
        }
        top = k;
      }
      store<f64>(r, notional, L_CASH);
    }
    if (top > n) {
      // the book is used up: every order from here on fills one tick beyond the edge (0 + q·edge = q·edge)
      let filled = false;
      while (cursor < count && load<f64>(rung, L_LIQ) <= mark) {
        const r = rung;
        cursor++;
        rung += LADDER_STRIDE;
        if (load<i32>(r, L_DEAD) == epoch) continue;
        const q = load<f64>(r, L_SIZE);
        const fills = q > 0;
        store<f64>(r, fills ? q * edge : 0, L_CASH);
        filled |= fills;
      }
      if (filled) {
        last = edge;
        book.exhausted = true;
      }
    }
    book.setTouch(book.bidTop, top, last, book.exhausted);
  }
  shortCursor = cursor;
  // 2. settlement, same order: the fee to the fund, or the deficit from the fund, then ADL, then bad debt
  const hints = base(adlHint);
  const fee = feeRate;
  const withAdl = adlRanking != ADL_NONE;
  let mk = makers;
  let ins = insurance;
  let tr = treasury;
  const insCap = insuranceCap;
  const caps = capsOn;
  const keep = floorKeep;
  let liqNotional = liquidatedNotional;
  let slip = slipValue;
  let marked = markedValue;
  let done = 0;
  let r = rungs + <usize>first * LADDER_STRIDE;
  const end = rungs + <usize>cursor * LADDER_STRIDE;
  for (; r < end; r += LADDER_STRIDE) {
    if (load<i32>(r, L_DEAD) == epoch) continue;
    const q = load<f64>(r, L_SIZE);
    const notional = load<f64>(r, L_CASH);
    const pnl = -(notional - q * load<f64>(r, L_ENTRY));
    mk -= pnl;
    const remaining = load<f64>(r, L_COLL) + pnl;
    liqNotional += notional;
    slip += -(q * mark - notional);
    marked += q * mark;
    store<i32>(r, epoch, L_DEAD);
    store<i32>(hints + <usize>load<i32>(r, L_HINT) * HINT_STRIDE, epoch, H_DEAD);
    done++;
    if (remaining >= 0) {
      const f = Math.min(fee * notional, remaining);
      store<f64>(r, remaining - f, L_CASH);
      ins += f;
      // a capped fund keeps the cap; the excess goes to the treasury
      if (ins > insCap) {
        tr += ins - insCap;
        ins = insCap;
      }
      if (caps) capCheck(notional, 0);
      continue;
    }
    store<f64>(r, 0, L_CASH);
    // the fund pays down to its floor (0 unless adl.trigger.fundDrawdown), then ADL, then bad debt
    let deficit = -remaining;
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
    if (deficit > 0 && withAdl) {
      mk = autoDeleverage(1, deficit, mark, mk);
      deficit = adl.owed;
    }
    if (deficit > 0) badDebt += deficit;
    if (caps) capCheck(notional, paid);
  }
  makers = mk;
  insurance = ins;
  treasury = tr;
  liquidations += done;
  liquidatedNotional = liqNotional;
  slipValue = slip;
  markedValue = marked;
  return done;
}

/**
 * Closes profitable accounts of `side` at the mark, best-ranked first, against the deficit (SPEC §3). Takes and
 * returns the makers' cash; what is still owed is left in adl.owed.
 */
// @ts-ignore: decorator
@inline function autoDeleverage(side: f64, deficit: f64, mark: f64, mk: f64): f64 {
  if (adlRound != round || adlSide != side) {
    adl.rank(side, mark, adlRanking, <i32>unchecked(params[P_ACCOUNTS]), path, seedLo, seedHi);
    adlRound = round;
    adlSide = side;
  }
  return adl.consume(deficit, mk);
}

// ---- the per-account engine: the reference engine's plain loop (src/engine/reference.ts), one account at a
// time. A round: the ladder's longs across the mark, its shorts, then the accounts re-checked at their own
// liquidation price (sliced, partly repaid, haircut) still open across the mark and not cooling down, longs then
// shorts, each side in key order (longs by liquidation price descending, shorts ascending, ties by account index
// ascending); one liquidated in this round waits for the next; then the auctions.

function perAccountRound(mark: f64, t: i32): i32 {
  if (scan) {
    const n = scanSide(1, mark, t) + (blockedStep == t ? 0 : scanSide(-1, mark, t));
    return auctionOn ? n + takeAuctions(mark) : n;
  }
  const epoch = book.epoch;
  let n = 0;
  while (longCursor < longCount && unchecked(longLiq[longCursor]) >= mark && blockedStep != t) {
    const i = unchecked(longOrder[longCursor]);
    longCursor++;
    if (!isClosed(i, epoch) && unchecked(inAuction[i]) == 0) {
      liquidateOne(i, 1, mark);
      n++;
    }
  }
  while (shortCursor < shortCount && unchecked(shortLiq[shortCursor]) <= mark && blockedStep != t) {
    const i = unchecked(shortOrder[shortCursor]);
    shortCursor++;
    if (!isClosed(i, epoch) && unchecked(inAuction[i]) == 0) {
      liquidateOne(i, -1, mark);
      n++;
    }
  }
  n += pendingSide(1, mark, t);
  n += pendingSide(-1, mark, t);
  if (auctionOn) n += takeAuctions(mark);
  return n;
}

// @ts-ignore: decorator
@inline function keyBefore(side: f64, la: f64, ia: i32, lb: f64, ib: i32): bool {
  if (la == lb) return ia < ib;
  return side > 0 ? la > lb : la < lb;
}

function pendingSide(side: f64, mark: f64, t: i32): i32 {
  const list = side > 0 ? longPend : shortPend;
  const epoch = book.epoch;
  // drop the closed ones and those in auction, keeping the order
  let len = side > 0 ? longPendLen : shortPendLen;
  let k = 0;
  for (let r = 0; r < len; r++) {
    const i = unchecked(list[r]);
    if (!isClosed(i, epoch) && unchecked(inAuction[i]) == 0) {
      unchecked((list[k] = i));
      k++;
    }
  }
  len = k;
  if (side > 0) longPendLen = len;
  else shortPendLen = len;
  let due = 0;
  for (let r = 0; r < len; r++) {
    const i = unchecked(list[r]);
    const l = unchecked(curLiq[i]);
    const crosses = side > 0 ? l >= mark : l <= mark;
    if (crosses && unchecked(nextSlice[i]) <= t && unchecked(slicedRound[i]) != round) {
      // insertion by key, then index
      let b = due - 1;
      while (b >= 0 && keyBefore(side, l, i, unchecked(curLiq[unchecked(duePend[b])]), unchecked(duePend[b]))) {
        unchecked((duePend[b + 1] = duePend[b]));
        b--;
      }
      unchecked((duePend[b + 1] = i));
      due++;
    }
  }
  let n = 0;
  for (let r = 0; r < due; r++) {
    if (blockedStep == t) break;
    const i = unchecked(duePend[r]);
    if (isClosed(i, epoch)) continue;
    liquidateOne(i, side, mark);
    n++;
  }
  return n;
}

/** Liquidates account i (side s) by the scenario's engine. */
function liquidateOne(i: i32, s: f64, mark: f64): void {
  if (unchecked(flagged[i]) < 0) unchecked((flagged[i] = book.step));
  if (engine == ENGINE_AUCTION) kick(i, s, mark);
  else if (engine == ENGINE_CLOSE_FACTOR) closeFactorStep(i, s, mark);
  else if (engine != ENGINE_BACKSTOP || !backstopTakes(i, s, mark)) liquidatePartial(i, s, mark);
}

/** Closes account i (side s) whole, or slices it (partial); the settlement of reference.ts liquidatePartial(). */
function liquidatePartial(i: i32, s: f64, mark: f64): void {
  const q = unchecked(curSize[i]);
  if (partialFraction < 1 && q * mark > partialThreshold) {
    sliceOne(i, s, mark);
    return;
  }
  const rung = rungOf(i);
  const notional = s > 0 ? book.sell(q) : book.buy(q);
  const pnl = s * (notional - q * unchecked(accEntry[i]));
  makers -= pnl;
  const remaining = unchecked(curColl[i]) + pnl;
  liquidations++;
  liquidatedNotional += notional;
  slipValue += s * (q * mark - notional);
  markedValue += q * mark;
  store<i32>(rung, book.epoch, L_DEAD);
  store<i32>(base(adlHint) + <usize>load<i32>(rung, L_HINT) * HINT_STRIDE, book.epoch, H_DEAD);
  let paid: f64 = 0;
  if (remaining >= 0) {
    const fee = Math.min(feeRateOf(i, notional) * notional, remaining);
    store<f64>(rung, remaining - fee, L_CASH);
    addFee(fee);
  } else {
    store<f64>(rung, 0, L_CASH);
    paid = cover(-remaining, s, mark);
  }
  if (capsOn) capCheck(notional, paid);
}

function sliceOne(i: i32, s: f64, mark: f64): void {
  const f = partialFraction;
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const qs = f * q;
  const notional = s > 0 ? book.sell(qs) : book.buy(qs);
  const pnl = s * (notional - qs * e);
  makers -= pnl;
  const cs = f * c;
  const remaining = cs + pnl;
  liquidations++;
  liquidatedNotional += notional;
  slipValue += s * (qs * mark - notional);
  markedValue += qs * mark;
  const rest = q - qs;
  unchecked((curSize[i] = rest));
  let paid: f64 = 0;
  if (remaining >= 0) {
    const fee = Math.min(feeRateOf(i, notional) * notional, remaining);
    unchecked((curColl[i] = c - cs + (remaining - fee)));
    addFee(fee);
  } else {
    unchecked((curColl[i] = c - cs));
    paid = cover(-remaining, s, mark);
  }
  unchecked((curLiq[i] = liquidationPrice(<i32>unchecked(params[P_TIER_COUNT]), s, rest, e, unchecked(curColl[i]))));
  unchecked((nextSlice[i] = book.step + partialCooldown));
  pend(i, s);
  unchecked((slicedRound[i] = round));
  // the ADL ranking of this round saw the old size: the next deficit ranks again
  adlRound = -1;
  if (capsOn) capCheck(notional, paid);
}

function addFee(fee: f64): void {
  insurance += fee;
  // a capped fund keeps the cap; the excess goes to the treasury
  if (insurance > insuranceCap) {
    treasury += insurance - insuranceCap;
    insurance = insuranceCap;
  }
}

/** A deficit: the fund pays down to its floor, then ADL, then bad debt; returns what the fund paid. */
function cover(deficit0: f64, s: f64, mark: f64): f64 {
  let deficit = deficit0;
  let floor: f64 = 0;
  if (floorKeep != 0) {
    if (insurance > insurancePeak) insurancePeak = insurance;
    floor = insurancePeak * floorKeep;
  }
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
  deficit -= paid;
  if (insurance < insuranceMin) insuranceMin = insurance;
  if (deficit > 0 && adlRanking == ADL_SOCIALIZED) deficit = socialize(-s, deficit, mark);
  else if (deficit > 0 && adlRanking != ADL_NONE) {
    makers = autoDeleverage(-s, deficit, mark, makers);
    deficit = adl.owed;
  }
  if (deficit > 0) badDebt += deficit;
  return paid;
}

// ---- the per-account engine's mechanisms (src/engine/reference.ts, same arithmetic in the same order) ----

/** Marks account i closed in this path with this cash. */
function closeAccount(i: i32, cash: f64): void {
  const rung = rungOf(i);
  const epoch = book.epoch;
  store<i32>(rung, epoch, L_DEAD);
  store<i32>(base(adlHint) + <usize>load<i32>(rung, L_HINT) * HINT_STRIDE, epoch, H_DEAD);
  store<f64>(rung, cash, L_CASH);
}

/** Joins account i to its side's list of accounts re-checked at their own liquidation price (once). */
function pend(i: i32, s: f64): void {
  const list = s > 0 ? longPend : shortPend;
  const len = s > 0 ? longPendLen : shortPendLen;
  for (let r = 0; r < len; r++) {
    if (unchecked(list[r]) == i) return;
  }
  unchecked((list[len] = i));
  if (s > 0) longPendLen = len + 1;
  else shortPendLen = len + 1;
}

/** The fee rate on a liquidation fill of this notional for account i (liquidation.fee, else the flat feeRate). */
function feeRateOf(i: i32, notional: f64): f64 {
  if (feeKind == FEE_TIERED) {
    const n = <i32>unchecked(params[P_FEE_TIER_COUNT]);
    let j = 0;
    while (j + 1 < n && notional >= unchecked(params[P_FEE_TIER_FLOOR + j + 1])) j++;
    return unchecked(params[P_FEE_TIER_RATE + j]);
  }
  if (feeKind == FEE_RAMPED) {
    const over = <f64>(book.step - unchecked(flagged[i])) * stepSeconds - unchecked(params[P_FEE_RAMP_GRACE]);
    const rate = feeRate + unchecked(params[P_FEE_RAMP_PER_SECOND]) * (over > 0 ? over : 0);
    const max = unchecked(params[P_FEE_RAMP_MAX]);
    return rate < max ? rate : max;
  }
  return feeRate;
}

/**
 * Settles qx units of account i (side s) closed at a fill notional (an auction take, a close-factor repayment):
 * PnL realised on them, their share of the collateral backs them; the last units close the account.
 */
function settleUnits(i: i32, s: f64, mark: f64, qx: f64, notional: f64, charged: bool): void {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const pnl = s * (notional - qx * e);
  makers -= pnl;
  liquidatedNotional += notional;
  slipValue += s * (qx * mark - notional);
  markedValue += qx * mark;
  let paid: f64 = 0;
  if (qx >= q) {
    const remaining = c + pnl;
    unchecked((inAuction[i] = 0));
    unchecked((curSize[i] = 0));
    if (remaining >= 0) {
      const fee = charged ? Math.min(feeRateOf(i, notional) * notional, remaining) : 0;
      closeAccount(i, remaining - fee);
      addFee(fee);
    } else {
      closeAccount(i, 0);
      paid = cover(-remaining, s, mark);
    }
  } else {
    const cs = c * (qx / q);
    const remaining = cs + pnl;
    const rest = q - qx;
    unchecked((curSize[i] = rest));
    if (remaining >= 0) {
      const fee = charged ? Math.min(feeRateOf(i, notional) * notional, remaining) : 0;
      unchecked((curColl[i] = c - cs + (remaining - fee)));
      addFee(fee);
    } else {
      unchecked((curColl[i] = c - cs));
      paid = cover(-remaining, s, mark);
    }
    unchecked((curLiq[i] = liquidationPrice(<i32>unchecked(params[P_TIER_COUNT]), s, rest, e, unchecked(curColl[i]))));
    // the ADL ranking of this round saw the old size: the next deficit ranks again
    adlRound = -1;
  }
  if (capsOn) capCheck(notional, paid);
}

// engine close-factor (Aave v3, Compound)
function closeFactorStep(i: i32, s: f64, mark: f64): void {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const e = unchecked(accEntry[i]);
  const equity = c + s * q * (mark - e);
  const mm = margin.requirement(s, q, mark);
  const debt = s > 0 ? q * e - c : q * mark;
  const health = debt > 0 ? 1 + (equity - mm) / debt : Infinity;
  const factor: f64 = health <= unchecked(params[P_CF_FULL_HEALTH]) || debt < unchecked(params[P_CF_MIN_DEBT]) ? 1 : unchecked(params[P_CF_DEFAULT]);
  const b = unchecked(params[P_CF_BONUS]);
  let qx = s > 0 ? (factor * debt * (1 + b)) / mark : factor * q;
  if (qx > q) qx = q;
  const price = s > 0 ? mark / (1 + b) : mark * (1 + b);
  // the liquidator takes the units at the bonus price and trades them on the book at once
  if (s > 0) book.sell(qx);
  else book.buy(qx);
  // and pays the protocol its share of the bonus
  const protocolFee = unchecked(params[P_CF_PROTOCOL_FEE]) * (s * qx * (mark - price));
  makers -= protocolFee;
  addFee(protocolFee);
  liquidations++;
  settleUnits(i, s, mark, qx, qx * price, false);
  if (!isClosed(i, book.epoch)) {
    unchecked((nextSlice[i] = book.step));
    unchecked((slicedRound[i] = round));
    pend(i, s);
  }
}

// engine backstop (Hyperliquid's liquidator vault)
/** Whether the vault takes account i over (equity below the threshold, and the vault can absorb it). */
function backstopTakes(i: i32, s: f64, mark: f64): bool {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const upnl = s * q * (mark - unchecked(accEntry[i]));
  const equity = c + upnl;
  if (!(equity < unchecked(params[P_BACKSTOP_FRACTION]) * margin.requirement(s, q, mark))) return false;
  if (!(vaultCash > 0 && vaultCash + equity >= 0)) return false;
  // the position changes hands at the mark: its PnL is realised against its counterparties, the vault gets the equity
  makers -= upnl;
  vaultCash += equity;
  closeAccount(i, 0);
  if (s > 0) {
    vaultLongQ += q;
    vaultLongCost += q * mark;
  } else {
    vaultShortQ += q;
    vaultShortCost += q * mark;
  }
  const notional = q * mark;
  liquidations++;
  liquidatedNotional += notional;
  markedValue += notional;
  if (capsOn) capCheck(notional, 0);
  return true;
}

/** The vault sells (buys back) unwindPerStep of each side of its inventory on the book. */
function unwindVault(): void {
  const u = unchecked(params[P_VAULT_UNWIND]);
  if (vaultLongQ > 0) {
    const qx = u * vaultLongQ;
    const cost = u * vaultLongCost;
    const pnl = book.sell(qx) - cost;
    vaultCash += pnl;
    makers -= pnl;
    vaultLongQ -= qx;
    vaultLongCost -= cost;
  }
  if (vaultShortQ > 0) {
    const qx = u * vaultShortQ;
    const cost = u * vaultShortCost;
    const pnl = cost - book.buy(qx);
    vaultCash += pnl;
    makers -= pnl;
    vaultShortQ -= qx;
    vaultShortCost -= cost;
  }
}

// engine dutch-auction (Maker Liquidations 2.0)
function kick(i: i32, s: f64, mark: f64): void {
  unchecked((inAuction[i] = 1));
  unchecked((auctionList[auctionLen] = i));
  auctionLen++;
  liquidations++;
  restart(i, s, mark);
}

/** Kick or redo: the top from the current mark, the clock from this step, the keepers' incentive from the fund. */
function restart(i: i32, s: f64, mark: f64): void {
  const buf = unchecked(params[P_AUCTION_BUF]);
  unchecked((auctionTop[i] = s > 0 ? mark * buf : mark / buf));
  unchecked((auctionStart[i] = book.step));
  const incentive = unchecked(params[P_AUCTION_TIP]) + unchecked(params[P_AUCTION_CHIP]) * (unchecked(curSize[i]) * mark);
  if (incentive > 0) {
    // Maker's Vow pays it (suck): what the fund does not hold becomes system debt
    const paid = insurance < incentive ? (insurance > 0 ? insurance : 0) : incentive;
    insurance -= paid;
    if (insurance < insuranceMin) insuranceMin = insurance;
    makers += incentive;
    badDebt += incentive - paid;
  }
}

/** The curve's share of the top after `elapsed` seconds. */
function curveShare(elapsed: f64): f64 {
  const curve = <i32>unchecked(params[P_AUCTION_CURVE]);
  if (curve == CURVE_LINEAR) {
    const f = 1 - elapsed / unchecked(params[P_AUCTION_TAU]);
    return f > 0 ? f : 0;
  }
  const cuts = curve == CURVE_STAIRSTEP ? Math.floor(elapsed / unchecked(params[P_AUCTION_STEP])) : elapsed;
  return cuts > 0 ? exp(cuts * log(unchecked(params[P_AUCTION_CUT]))) : 1;
}

/** One round of the auctions, in kick order: redo the stale ones, let keepers take the profitable ones. */
function takeAuctions(mark: f64): i32 {
  const step = book.step;
  if (keeperStep != step) {
    keeperStep = step;
    keeperLeft = unchecked(params[P_KEEPER_CAPITAL]);
  } else if (!(keeperLeft > 0)) {
    // the step's redos are done and the keepers are out of capital: nothing can happen before the next step
    return 0;
  }
  const margin = 1 + unchecked(params[P_KEEPER_MIN_PROFIT]);
  const tail = unchecked(params[P_AUCTION_TAIL]);
  const cusp = unchecked(params[P_AUCTION_CUSP]);
  // drop the finished ones, keeping kick order
  let len = 0;
  for (let r = 0; r < auctionLen; r++) {
    const i = unchecked(auctionList[r]);
    if (unchecked(inAuction[i]) == 1) {
      unchecked((auctionList[len] = i));
      len++;
    }
  }
  auctionLen = len;
  let n = 0;
  for (let r = 0; r < len; r++) {
    if (blockedStep == step) break;
    const i = unchecked(auctionList[r]);
    if (unchecked(inAuction[i]) == 0) continue;
    const s: f64 = unchecked(accIsLong[i]) == 1 ? 1 : -1;
    let elapsed = <f64>(step - unchecked(auctionStart[i])) * stepSeconds;
    let f = curveShare(elapsed);
    if (elapsed > tail || f < cusp) {
      restart(i, s, mark);
      elapsed = 0;
      f = 1;
    }
    const top = unchecked(auctionTop[i]);
    const price = s > 0 ? top * f : top / f;
    const touch = s > 0 ? (book.centre - book.spreadGap + 1 - <f64>book.bidTop) * book.tick : (book.centre + book.spreadGap + <f64>book.askTop) * book.tick;
    const profitable = s > 0 ? price * margin <= touch && book.bidTop <= book.levels : touch * margin <= price && book.askTop <= book.levels;
    if (profitable && keeperLeft > 0 && price > 0) {
      const q = unchecked(curSize[i]);
      const affordable = keeperLeft / price;
      const taken = affordable < q ? affordable : q;
      // capital that buys less than the lot is spent to the last unit (no rounding dust left for another take)
      keeperLeft = affordable < q ? 0 : keeperLeft - taken * price;
      // the keeper trades what it took on the book at once
      if (s > 0) book.sell(taken);
      else book.buy(taken);
      settleUnits(i, s, mark, taken, taken * price, true);
      n++;
    }
  }
  return n;
}

// adl.ranking socialized
/** Shares the deficit across the profitable open accounts of `side`, pro rata to profit; returns what is left. */
function socialize(side: f64, deficit: f64, mark: f64): f64 {
  const nAcc = <i32>unchecked(params[P_ACCOUNTS]);
  const epoch = book.epoch;
  const longs = side > 0 ? 1 : 0;
  let total: f64 = 0;
  for (let j = 0; j < nAcc; j++) {
    if (unchecked(accIsLong[j]) != longs || isClosed(j, epoch) || unchecked(inAuction[j]) == 1) continue;
    const profit = side * unchecked(curSize[j]) * (mark - unchecked(accEntry[j]));
    if (profit > 0) total += profit;
  }
  if (!(total > 0)) return deficit;
  const take = deficit < total ? deficit : total;
  const nTiers = <i32>unchecked(params[P_TIER_COUNT]);
  let taken: f64 = 0;
  for (let j = 0; j < nAcc; j++) {
    if (unchecked(accIsLong[j]) != longs || isClosed(j, epoch) || unchecked(inAuction[j]) == 1) continue;
    const profit = side * unchecked(curSize[j]) * (mark - unchecked(accEntry[j]));
    if (!(profit > 0)) continue;
    const h = take * (profit / total);
    const c = unchecked(curColl[j]) - h;
    unchecked((curColl[j] = c));
    taken += h;
    unchecked((curLiq[j] = liquidationPrice(nTiers, side, unchecked(curSize[j]), unchecked(accEntry[j]), c)));
    pend(j, side);
  }
  adlRound = -1;
  return deficit - taken;
}

// margin.model: the scan engine (src/engine/reference.ts scanRound)
/**
 * One side of a scan round: every open account not in auction, not cooling down and not liquidated in this round,
 * in ladder order, whose equity at the mark is at or below its requirement.
 */
function scanSide(side: f64, mark: f64, t: i32): i32 {
  const order = side > 0 ? longOrder : shortOrder;
  const count = side > 0 ? longCount : shortCount;
  const epoch = book.epoch;
  let n = 0;
  for (let r = 0; r < count; r++) {
    if (blockedStep == t) return n;
    const i = unchecked(order[r]);
    if (isClosed(i, epoch) || unchecked(inAuction[i]) == 1 || unchecked(nextSlice[i]) > t || unchecked(slicedRound[i]) == round) continue;
    const q = unchecked(curSize[i]);
    const equity = unchecked(curColl[i]) + side * q * (mark - unchecked(accEntry[i]));
    if (equity > margin.requirement(side, q, mark)) continue;
    liquidateOne(i, side, mark);
    n++;
  }
  return n;
}

/** The requirement of every open position at this mark (longs then shorts in ladder order). */
function marginHeldAt(mark: f64): f64 {
  const epoch = book.epoch;
  let total: f64 = 0;
  for (let r = 0; r < longCount; r++) {
    const i = unchecked(longOrder[r]);
    if (!isClosed(i, epoch)) total += margin.requirement(1, unchecked(curSize[i]), mark);
  }
  for (let r = 0; r < shortCount; r++) {
    const i = unchecked(shortOrder[r]);
    if (!isClosed(i, epoch)) total += margin.requirement(-1, unchecked(curSize[i]), mark);
  }
  return total;
}
