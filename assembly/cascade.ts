// One cascade path: the step loop (exogenous move, refill, mark, cascade rounds) and the settlement of
// each liquidation (fee, insurance, ADL, bad debt). Same model and arithmetic as src/engine/reference.ts.
import {
  ADL_NONE, ADL_RANDOM, DOMAIN_ADL, DOMAIN_MARKET, MARK_MID, PRICE_MERTON, PRICE_NONE, PRICE_REPLAY,
  P_ACCOUNTS, P_ADL_RANKING, P_DRIFT, P_FEE_RATE, P_INITIAL_PRICE, P_INSURANCE, P_JUMP_INTENSITY,
  P_JUMP_MEAN, P_JUMP_STD, P_MARK_MODEL, P_MAX_ROUNDS, P_PRICE_MODEL, P_RETURNS_COUNT, P_STEPS,
  P_STEP_SECONDS, P_TICK, P_VOLATILITY, RECORD_STRIDE, R_ADL_COUNT, R_ADL_NOTIONAL, R_AMPLIFICATION,
  R_AVG_SLIPPAGE, R_BAD_DEBT, R_BOOK_EXHAUSTED, R_EXO_DRAWDOWN, R_FINAL_PRICE, R_FIRST_LIQUIDATION_STEP,
  R_INSURANCE_FINAL, R_INSURANCE_MIN, R_LIQUIDATED_NOTIONAL, R_LIQUIDATIONS, R_MAX_DRAWDOWN, R_MAX_ROUNDS,
  R_MIN_PRICE, SECONDS_PER_YEAR,
} from "./abi";
import * as book from "./book";
import { buy, findTops, mid, newPath, sell, setCentre, setStep } from "./book";
import { exp, normalInv } from "./mathfn";
import { philox, rng0, rng1, rng2, rng3, uniform52 } from "./rng";
import {
  accCollateral, accEntry, accIsLong, accSize, adlOrder, adlScore, cash, deadEpoch, decay, ledger,
  longCount, longLiq, longOrder, params, records, returns, shocks, shortCount, shortLiq, shortOrder,
} from "./state";
import { sortPairs } from "./sort";

let seedLo: u32 = 0;
let seedHi: u32 = 0;
let path: u32 = 0;
let round: i32 = 0;
let adlRound: i32 = -1;
let adlSide: f64 = 0;
let adlLen: i32 = 0;
let adlCursor: i32 = 0;
let insurance: f64 = 0;
let insuranceMin: f64 = 0;
let makers: f64 = 0;
let badDebt: f64 = 0;
let liquidations: f64 = 0;
let liquidatedNotional: f64 = 0;
let slipValue: f64 = 0;
let markedValue: f64 = 0;
let adlCount: f64 = 0;
let adlNotional: f64 = 0;
let feeRate: f64 = 0;
let adlRanking: i32 = 0;

export function setSeed(lo: u32, hi: u32): void {
  seedLo = lo;
  seedHi = hi;
}

// @ts-ignore: decorator
@inline function isDead(i: i32): bool {
  return unchecked(deadEpoch[i]) == book.epoch;
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
  const nAccounts = <i32>unchecked(params[P_ACCOUNTS]);
  feeRate = unchecked(params[P_FEE_RATE]);
  adlRanking = <i32>unchecked(params[P_ADL_RANKING]);

  path = p;
  newPath();
  for (let i = 0; i < nAccounts; i++) unchecked((cash[i] = accCollateral[i]));
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
  adlCount = 0;
  adlNotional = 0;
  let longCursor = 0;
  let shortCursor = 0;
  let firstLiquidationStep = -1;
  let maxRoundsInStep = 0;

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
          philox(<u32>t, p, 0, DOMAIN_MARKET, seedLo, seedHi);
          r = unchecked(returns[<i32>Math.floor(uniform52(rng0, rng1) * <f64>nReturns)]);
        }
      } else {
        philox(<u32>t, p, 0, DOMAIN_MARKET, seedLo, seedHi);
        r = muDt + sigDt * normalInv(uniform52(rng0, rng1));
        if (model == PRICE_MERTON) {
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
        }
      }
      fundamental = fundamental * exp(r);
    }
    const shock = unchecked(shocks[t]);
    if (shock != 0) fundamental = fundamental * (1 + shock);
    setCentre(fundamental);
    const exo = (book.centre + 0.5) * tick;
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
      while (longCursor < longCount && unchecked(longLiq[longCursor]) >= mark) {
        const i = unchecked(longOrder[longCursor]);
        longCursor++;
        if (!isDead(i)) {
          liquidate(i, 1, mark);
          n++;
        }
      }
      while (shortCursor < shortCount && unchecked(shortLiq[shortCursor]) <= mark) {
        const i = unchecked(shortOrder[shortCursor]);
        shortCursor++;
        if (!isDead(i)) {
          liquidate(i, -1, mark);
          n++;
        }
      }
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

  unchecked((records[at + R_LIQUIDATIONS] = liquidations));
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
  unchecked((records[at + R_ADL_COUNT] = adlCount));
  unchecked((records[at + R_ADL_NOTIONAL] = adlNotional));
  unchecked((records[at + R_AVG_SLIPPAGE] = markedValue > 0 ? slipValue / markedValue : 0));
  unchecked((records[at + R_BOOK_EXHAUSTED] = book.exhausted ? 1 : 0));
  unchecked((records[at + R_FIRST_LIQUIDATION_STEP] = <f64>firstLiquidationStep));

  // the ledger of the path's end, for the conservation tests
  let traders: f64 = 0;
  for (let i = 0; i < nAccounts; i++) traders += unchecked(cash[i]);
  unchecked((ledger[0] = traders));
  unchecked((ledger[1] = insurance));
  unchecked((ledger[2] = makers));
  unchecked((ledger[3] = badDebt));
}

function amplification(maxDrawdown: f64, exoDrawdown: f64, oneTick: f64): f64 {
  if (maxDrawdown == 0 && exoDrawdown == 0) return 1;
  return maxDrawdown / (exoDrawdown > oneTick ? exoDrawdown : oneTick);
}

function liquidate(i: i32, s: f64, mark: f64): void {
  const q = unchecked(accSize[i]);
  const notional = s > 0 ? sell(q) : buy(q);
  const pnl = s * (notional - q * unchecked(accEntry[i]));
  makers -= pnl;
  const remaining = unchecked(cash[i]) + pnl;
  liquidations += 1;
  liquidatedNotional += notional;
  slipValue += s * (q * mark - notional);
  markedValue += q * mark;
  unchecked((deadEpoch[i] = book.epoch));
  if (remaining >= 0) {
    const fee = Math.min(feeRate * notional, remaining);
    unchecked((cash[i] = remaining - fee));
    insurance += fee;
    return;
  }
  unchecked((cash[i] = 0));
  let deficit = -remaining;
  const paid = Math.min(deficit, insurance);
  insurance -= paid;
  deficit -= paid;
  if (insurance < insuranceMin) insuranceMin = insurance;
  if (deficit > 0 && adlRanking != ADL_NONE) deficit = autoDeleverage(-s, deficit, mark);
  if (deficit > 0) badDebt += deficit;
}

function autoDeleverage(side: f64, deficit: f64, mark: f64): f64 {
  if (adlRound != round || adlSide != side) rankForAdl(side, mark);
  let d = deficit;
  while (d > 0 && adlCursor < adlLen) {
    const j = unchecked(adlOrder[adlCursor]);
    adlCursor++;
    if (isDead(j)) continue;
    const q = unchecked(accSize[j]);
    const profit = side * q * (mark - unchecked(accEntry[j]));
    makers -= profit;
    const haircut = Math.min(d, profit);
    unchecked((cash[j] = cash[j] + profit - haircut));
    d -= haircut;
    unchecked((deadEpoch[j] = book.epoch));
    adlCount += 1;
    adlNotional += q * mark;
  }
  return d;
}

function rankForAdl(side: f64, mark: f64): void {
  const n = <i32>unchecked(params[P_ACCOUNTS]);
  const random = adlRanking == ADL_RANDOM;
  let len = 0;
  for (let j = 0; j < n; j++) {
    const sj: f64 = unchecked(accIsLong[j]) == 1 ? 1 : -1;
    if (isDead(j) || sj != side) continue;
    const q = unchecked(accSize[j]);
    const profit = side * q * (mark - unchecked(accEntry[j]));
    if (!(profit > 0)) continue;
    let score: f64;
    if (random) {
      philox(<u32>j, path, <u32>book.step, DOMAIN_ADL, seedLo, seedHi);
      score = uniform52(rng0, rng1);
    } else {
      const margin = unchecked(cash[j]);
      score = (profit / margin) * ((q * mark) / (margin + profit));
    }
    unchecked((adlOrder[len] = j));
    unchecked((adlScore[len] = score));
    len++;
  }
  sortPairs(adlScore, adlOrder, len, true);
  adlLen = len;
  adlCursor = 0;
  adlRound = round;
  adlSide = side;
}
