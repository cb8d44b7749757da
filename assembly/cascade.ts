// One cascade path: the step loop (exogenous move, refill, mark, cascade rounds) and the settlement of
// each liquidation (fee, insurance, ADL, bad debt). Same model and arithmetic as src/engine/reference.ts.
import {
  ADL_NONE, DOMAIN_MARKET, MARK_MID, PRICE_MERTON, PRICE_NONE, PRICE_REPLAY,
  P_ACCOUNTS, P_ADL_RANKING, P_DRIFT, P_FEE_RATE, P_INITIAL_PRICE, P_INSURANCE, P_JUMP_INTENSITY,
  P_JUMP_MEAN, P_JUMP_STD, P_MARK_MODEL, P_MAX_ROUNDS, P_PRICE_MODEL, P_RETURNS_COUNT, P_STEPS,
  P_STEP_SECONDS, P_TICK, P_VOLATILITY, RECORD_STRIDE, R_ADL_COUNT, R_ADL_NOTIONAL, R_AMPLIFICATION,
  R_AVG_SLIPPAGE, R_BAD_DEBT, R_BOOK_EXHAUSTED, R_EXO_DRAWDOWN, R_FINAL_PRICE, R_FIRST_LIQUIDATION_STEP,
  R_INSURANCE_FINAL, R_INSURANCE_MIN, R_LIQUIDATED_NOTIONAL, R_LIQUIDATIONS, R_MAX_DRAWDOWN, R_MAX_ROUNDS,
  R_MIN_PRICE, SECONDS_PER_YEAR,
} from "./abi";
import * as book from "./book";
import { depthAt, findTops, mid, newPath, setCentre, setStep } from "./book";
import { exp, expInline, normalInv, normalInvInline } from "./mathfn";
import { philox, philoxUniform, rng0, rng1, rng2, rng3, uniform52 } from "./rng";
import {
  ACC_STRIDE, A_CASH, A_DEAD, LADDER_STRIDE, LEVEL_STRIDE, L_COLL, L_ENTRY, L_ID, L_LIQ, L_SIZE, V_DEPTH,
  accCollateral, accState, askLevels, base, bidLevels, cashOf, decay, isClosed, ledger, longCount, longLadder,
  longLiq, params, records, returns, shocks, shortCount, shortLadder, shortLiq,
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

export function setSeed(lo: u32, hi: u32): void {
  seedLo = lo;
  seedHi = hi;
}

export function runPath(p: u32, at: i32): void {
  const steps = <i32>unchecked(params[P_STEPS]);
  const tick = unchecked(params[P_TICK]);
  const model = <i32>unchecked(params[P_PRICE_MODEL]);
  const markMid = <i32>unchecked(params[P_MARK_MODEL]) == MARK_MID;
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

  path = p;
  newPath();
  round = 0;
  adlRound = -1;
  insurance = unchecked(params[P_INSURANCE]);
  insuranceMin = insurance;
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
  setCentre(fundamental);
  let mark = mid();
  let minPrice = mark;
  let markPeak = mark;
  let maxDrawdown: f64 = 0;
  let exoPeak = (book.centre + 0.5) * tick;
  let exoDrawdown: f64 = 0;

  for (let t = 1; t <= steps; t++) {
    setStep(t);
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
    // the centre tick (setCentre, inlined)
    const c = Math.floor(fundamental / tick + 1e-7);
    const centre = c > floorTick ? c : floorTick;
    book.centre = centre;
    const exo = (centre + 0.5) * tick;
    if (exo > exoPeak) exoPeak = exo;
    const exoDd = (exoPeak - exo) / exoPeak;
    if (exoDd > exoDrawdown) exoDrawdown = exoDd;

    if (refills) findTops(1, 1);
    else findTops(book.bidTop, book.askTop);
    mark = mid();

    let rounds = 0;
    while (rounds < maxRounds) {
      let n = 0;
      round++;
      if (longCursor < longCount && unchecked(longLiq[longCursor]) >= mark) n += liquidateLongs(mark);
      if (shortCursor < shortCount && unchecked(shortLiq[shortCursor]) <= mark) n += liquidateShorts(mark);
      if (n == 0) break;
      rounds++;
      if (firstLiquidationStep < 0) firstLiquidationStep = t;
      mark = markMid ? mid() : book.lastPrice;
      if (mark < minPrice) minPrice = mark;
      if (mark > markPeak) markPeak = mark;
      const dd = (markPeak - mark) / markPeak;
      if (dd > maxDrawdown) maxDrawdown = dd;
    }
    if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
    if (mark < minPrice) minPrice = mark;
    if (mark > markPeak) markPeak = mark;
    const dd = (markPeak - mark) / markPeak;
    if (dd > maxDrawdown) maxDrawdown = dd;
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

  unchecked((ledger[1] = insurance));
  unchecked((ledger[2] = makers));
  unchecked((ledger[3] = badDebt));
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
  for (let i = 0; i < n; i++) traders += isClosed(i, book.epoch) ? cashOf(i) : unchecked(accCollateral[i]);
  return traders;
}

function amplification(maxDrawdown: f64, exoDrawdown: f64, oneTick: f64): f64 {
  if (maxDrawdown == 0 && exoDrawdown == 0) return 1;
  return maxDrawdown / (exoDrawdown > oneTick ? exoDrawdown : oneTick);
}

// ---- one cascade round on one side: every live account across the cursor is closed by a market order
// and settled. One function per side, all state in locals (globals read once, written back once).

/** Longs with liquidation price ≥ mark are sold into the bids; returns how many were liquidated. */
function liquidateLongs(mark: f64): i32 {
  const ladder = base(longLadder);
  const levels = base(bidLevels);
  const accounts = base(accState);
  const count = longCount;
  const epoch = book.epoch;
  const gstep = book.pathBase + book.step;
  const firstStep = book.pathBase;
  const n = book.levels;
  const tick = book.tick;
  const centre = book.centre;
  const edge = (centre - <f64>n) * tick;
  const fee = feeRate;
  const withAdl = adlRanking != ADL_NONE;
  let cursor = longCursor;
  let top = book.bidTop;
  let last = book.lastPrice;
  let exhausted = book.exhausted;
  let mk = makers;
  let ins = insurance;
  let liqNotional = liquidatedNotional;
  let slip = slipValue;
  let marked = markedValue;
  let done = 0;
  let entry = ladder + <usize>cursor * LADDER_STRIDE;
  while (cursor < count && load<f64>(entry, L_LIQ) >= mark) {
    const i = load<i32>(entry, L_ID);
    const q = load<f64>(entry, L_SIZE);
    const e = load<f64>(entry, L_ENTRY);
    const c = load<f64>(entry, L_COLL);
    cursor++;
    entry += LADDER_STRIDE;
    const acc = accounts + <usize>i * ACC_STRIDE;
    if (load<i32>(acc, A_DEAD) == epoch) continue;
    // the market sell walks the bids from the touch
    let rem = q;
    let notional: f64 = 0;
    let k = top;
    let level = levels + <usize>k * LEVEL_STRIDE;
    while (rem > 0) {
      if (k > n) {
        notional += rem * edge;
        last = edge;
        exhausted = true;
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
    // settlement: the fee to the fund, or the deficit from the fund, then ADL, then bad debt
    const pnl = notional - q * e;
    mk -= pnl;
    const remaining = c + pnl;
    liqNotional += notional;
    slip += q * mark - notional;
    marked += q * mark;
    store<i32>(acc, epoch, A_DEAD);
    done++;
    if (remaining >= 0) {
      const f = Math.min(fee * notional, remaining);
      store<f64>(acc, remaining - f, A_CASH);
      ins += f;
      continue;
    }
    store<f64>(acc, 0, A_CASH);
    let deficit = -remaining;
    const paid = Math.min(deficit, ins);
    ins -= paid;
    deficit -= paid;
    if (ins < insuranceMin) insuranceMin = ins;
    if (deficit > 0 && withAdl) {
      makers = mk;
      deficit = autoDeleverage(-1, deficit, mark);
      mk = makers;
    }
    if (deficit > 0) badDebt += deficit;
  }
  longCursor = cursor;
  book.setTouch(top, book.askTop, last, exhausted);
  makers = mk;
  insurance = ins;
  liquidations += done;
  liquidatedNotional = liqNotional;
  slipValue = slip;
  markedValue = marked;
  return done;
}

/** Shorts with liquidation price ≤ mark buy from the asks; mirror of liquidateLongs. */
function liquidateShorts(mark: f64): i32 {
  const ladder = base(shortLadder);
  const levels = base(askLevels);
  const accounts = base(accState);
  const count = shortCount;
  const epoch = book.epoch;
  const gstep = book.pathBase + book.step;
  const firstStep = book.pathBase;
  const n = book.levels;
  const tick = book.tick;
  const centre = book.centre;
  const edge = (centre + <f64>n + 1) * tick;
  const fee = feeRate;
  const withAdl = adlRanking != ADL_NONE;
  let cursor = shortCursor;
  let top = book.askTop;
  let last = book.lastPrice;
  let exhausted = book.exhausted;
  let mk = makers;
  let ins = insurance;
  let liqNotional = liquidatedNotional;
  let slip = slipValue;
  let marked = markedValue;
  let done = 0;
  let entry = ladder + <usize>cursor * LADDER_STRIDE;
  while (cursor < count && load<f64>(entry, L_LIQ) <= mark) {
    const i = load<i32>(entry, L_ID);
    const q = load<f64>(entry, L_SIZE);
    const e = load<f64>(entry, L_ENTRY);
    const c = load<f64>(entry, L_COLL);
    cursor++;
    entry += LADDER_STRIDE;
    const acc = accounts + <usize>i * ACC_STRIDE;
    if (load<i32>(acc, A_DEAD) == epoch) continue;
    // the market buy walks the asks from the touch
    let rem = q;
    let notional: f64 = 0;
    let k = top;
    let level = levels + <usize>k * LEVEL_STRIDE;
    while (rem > 0) {
      if (k > n) {
        notional += rem * edge;
        last = edge;
        exhausted = true;
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
    // settlement: the fee to the fund, or the deficit from the fund, then ADL, then bad debt
    const pnl = -(notional - q * e);
    mk -= pnl;
    const remaining = c + pnl;
    liqNotional += notional;
    slip += -(q * mark - notional);
    marked += q * mark;
    store<i32>(acc, epoch, A_DEAD);
    done++;
    if (remaining >= 0) {
      const f = Math.min(fee * notional, remaining);
      store<f64>(acc, remaining - f, A_CASH);
      ins += f;
      continue;
    }
    store<f64>(acc, 0, A_CASH);
    let deficit = -remaining;
    const paid = Math.min(deficit, ins);
    ins -= paid;
    deficit -= paid;
    if (ins < insuranceMin) insuranceMin = ins;
    if (deficit > 0 && withAdl) {
      makers = mk;
      deficit = autoDeleverage(1, deficit, mark);
      mk = makers;
    }
    if (deficit > 0) badDebt += deficit;
  }
  shortCursor = cursor;
  book.setTouch(book.bidTop, top, last, exhausted);
  makers = mk;
  insurance = ins;
  liquidations += done;
  liquidatedNotional = liqNotional;
  slipValue = slip;
  markedValue = marked;
  return done;
}

/** Closes profitable accounts of `side` at the mark, best-ranked first, against the deficit (SPEC §3). */
function autoDeleverage(side: f64, deficit: f64, mark: f64): f64 {
  if (adlRound != round || adlSide != side) {
    adl.rank(side, mark, adlRanking, <i32>unchecked(params[P_ACCOUNTS]), path, seedLo, seedHi);
    adlRound = round;
    adlSide = side;
  }
  adl.setMakers(makers);
  const d = adl.consume(deficit);
  makers = adl.makers;
  return d;
}
