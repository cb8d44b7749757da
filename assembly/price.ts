// The exogenous price process and the mark: the fundamental's move per step (GBM, Merton jumps, replayed returns, the
// scenario's shocks), its tick (the book's centre before impact), the oracle (the fundamental some steps ago), and the
// mark models — mid, last trade, an EMA of the mid, the oracle — with the band around the oracle. The step loop
// (assembly/cascade.ts) calls these once per step or per round; the small ones are @inline, the code they replace was
// inline. Same arithmetic as src/engine/reference.ts.
import {
  DOMAIN_MARKET, MARK_EMA, MARK_MID, MARK_ORACLE, P_DRIFT, P_EMA_ALPHA, P_INITIAL_PRICE, P_JUMP_INTENSITY, P_JUMP_MEAN,
  P_JUMP_STD, P_MARK_BAND, P_MARK_MODEL, P_ORACLE_LAG, P_PRICE_MODEL, P_RETURNS_COUNT, P_STEPS, P_STEP_SECONDS, P_TICK,
  P_VOLATILITY, PRICE_MERTON, PRICE_NONE, PRICE_REPLAY, SECONDS_PER_YEAR,
} from "./abi";
import * as book from "./book";
import { exp, expInline, normalInv, normalInvInline } from "./mathfn";
import * as PS from "./path-state";
import { philox, philoxUniform, rng0, rng1, rng2, rng3, uniform52 } from "./rng";
import { oracleHist, params, returns, shocks } from "./state";

// ---- the process, per path ----
let model: i32 = 0;
let steps: i32 = 0;
let nReturns: i32 = 0;
let muDt: f64 = 0;
let sigDt: f64 = 0;
let lambdaDt: f64 = 0;
let noJumpProb: f64 = 0;
let jumpMean: f64 = 0;
let jumpStd: f64 = 0;
let tick: f64 = 0;
/** fundamental / tick is fundamental · (1/tick), bit for bit, when tick is a power of two (0.5, 0.25, 1, …). */
let tickPow2 = false;
let invTick: f64 = 0;

// ---- the mark ----
export let markMid = false;
export let markEma = false;
export let markOracle = false;
/** A mark that holds through the step's rounds (liquidations do not move it): the EMA and the oracle. */
export let markHeld = false;
let alpha: f64 = 0;
let ema: f64 = 0;
/** The band around this step's oracle, set by oracleMark (read by the rounds when a band is on). */
let bandLo: f64 = 0;
let bandHi: f64 = 0;

/** A path starts: the process's parameters; returns the initial fundamental (the oracle's history starts at it). */
export function newPath(): f64 {
  model = <i32>unchecked(params[P_PRICE_MODEL]);
  steps = <i32>unchecked(params[P_STEPS]);
  nReturns = <i32>unchecked(params[P_RETURNS_COUNT]);
  const dt = unchecked(params[P_STEP_SECONDS]) / SECONDS_PER_YEAR;
  const vol = unchecked(params[P_VOLATILITY]);
  muDt = (unchecked(params[P_DRIFT]) - 0.5 * vol * vol) * dt;
  sigDt = vol * Math.sqrt(dt);
  lambdaDt = unchecked(params[P_JUMP_INTENSITY]) * dt;
  noJumpProb = exp(-lambdaDt);
  jumpMean = unchecked(params[P_JUMP_MEAN]);
  jumpStd = unchecked(params[P_JUMP_STD]);
  tick = unchecked(params[P_TICK]);
  const tickBits = reinterpret<u64>(tick);
  const tickExp = <i32>(tickBits >> 52) & 0x7ff;
  tickPow2 = (tickBits & 0x000fffffffffffff) == 0 && tickExp > 0 && tickExp < 0x7ff;
  invTick = 1 / tick;
  const markModel = <i32>unchecked(params[P_MARK_MODEL]);
  markMid = markModel == MARK_MID;
  markEma = markModel == MARK_EMA;
  markOracle = markModel == MARK_ORACLE;
  markHeld = markEma || markOracle;
  alpha = unchecked(params[P_EMA_ALPHA]);
  const fundamental = unchecked(params[P_INITIAL_PRICE]);
  unchecked((oracleHist[0] = fundamental));
  return fundamental;
}

/** Whether the scenario has an oracle (the oracle mark, or a band around it): its history is kept per step. */
export function hasOracle(): bool {
  return <i32>unchecked(params[P_MARK_MODEL]) == MARK_ORACLE || unchecked(params[P_MARK_BAND]) > 0;
}

/** Whether the marks are kept within a band around the oracle. */
export function hasBand(): bool {
  return unchecked(params[P_MARK_BAND]) > 0;
}

/** The opening fundamental's tick (at least 1). */
export function firstTick(fundamental: f64): f64 {
  const c0 = Math.floor(fundamental / tick + 1e-7);
  return c0 > 1 ? c0 : 1;
}

/** The fundamental after step t's exogenous move (the scenario's shock included) from `fundamental`. */
// @ts-ignore: decorator
@inline export function move(t: i32, fundamental0: f64): f64 {
  let fundamental = fundamental0;
  if (model != PRICE_NONE) {
    const p = PS.path;
    let r: f64 = 0;
    if (model == PRICE_REPLAY) {
      if (nReturns >= steps) r = unchecked(returns[t - 1]);
      else {
        philox(<u32>t, p, 0, DOMAIN_MARKET, PS.seedLo, PS.seedHi);
        r = unchecked(returns[<i32>Math.floor(uniform52(rng0, rng1) * <f64>nReturns)]);
      }
    } else {
      r = muDt + sigDt * normalInvInline(philoxUniform(<u32>t, p, 0, DOMAIN_MARKET, PS.seedLo, PS.seedHi));
      if (model == PRICE_MERTON) r = mertonJumps(r, t, p);
    }
    fundamental = fundamental * expInline(r);
  }
  const shock = unchecked(shocks[t]);
  if (shock != 0) fundamental = fundamental * (1 + shock);
  return fundamental;
}

/** The Merton jump part of step t's log-return (out of line: most scenarios have none). */
function mertonJumps(r0: f64, t: i32, p: u32): f64 {
  return jumpsOf(r0, t, p, uniform52(rng2, rng3), DOMAIN_MARKET);
}

/** The jumps' count from u (words 2 and 3 of the diffusion's draw), their sizes from the draw on counter word 2 = 1. */
function jumpsOf(r0: f64, t: i32, p: u32, u: f64, domain: u32): f64 {
  let r = r0;
  let jumps = 0;
  let prob = noJumpProb;
  let cdf = prob;
  while (u > cdf && jumps < 100) {
    jumps++;
    prob = (prob * lambdaDt) / <f64>jumps;
    cdf += prob;
  }
  if (jumps > 0) {
    philox(<u32>t, p, 1, domain, PS.seedLo, PS.seedHi);
    const nj = <f64>jumps;
    r += nj * jumpMean + Math.sqrt(nj) * jumpStd * normalInv(uniform52(rng0, rng1));
  }
  return r;
}

/**
 * Several markets (assembly/markets.ts): step t's move with the market's correlated normal z (where one market draws
 * its own) and the words 2, 3 of its own diffusion draw (its jumps' count); `domain` is its DOMAIN_MARKET + 16·m.
 */
export function moveCorrelated(t: i32, fundamental0: f64, z: f64, w2: u32, w3: u32, domain: u32): f64 {
  let fundamental = fundamental0;
  if (model != PRICE_NONE) {
    const p = PS.path;
    let r: f64 = 0;
    if (model == PRICE_REPLAY) {
      if (nReturns >= steps) r = unchecked(returns[t - 1]);
      else {
        philox(<u32>t, p, 0, domain, PS.seedLo, PS.seedHi);
        r = unchecked(returns[<i32>Math.floor(uniform52(rng0, rng1) * <f64>nReturns)]);
      }
    } else {
      r = muDt + sigDt * z;
      if (model == PRICE_MERTON) r = jumpsOf(r, t, p, uniform52(w2, w3), domain);
    }
    fundamental = fundamental * expInline(r);
  }
  const shock = unchecked(shocks[t]);
  if (shock != 0) fundamental = fundamental * (1 + shock);
  return fundamental;
}

/** Step t's fundamental into the oracle's history. */
// @ts-ignore: decorator
@inline export function recordOracle(t: i32, fundamental: f64): void {
  unchecked((oracleHist[t] = fundamental));
}

/** The fundamental's tick (at least 1): the book's centre before the permanent impact. */
// @ts-ignore: decorator
@inline export function tickOf(fundamental: f64): f64 {
  const c = Math.floor((tickPow2 ? fundamental * invTick : fundamental / tick) + 1e-7);
  return c > 1 ? c : 1;
}

/** The EMA mark starts at the opening mid. */
export function startMark(mark: f64): void {
  ema = mark;
}

/** The EMA mark moves once per step, toward the mid, and holds through the step's rounds. */
// @ts-ignore: decorator
@inline export function emaMark(mid: f64): f64 {
  ema = ema + alpha * (mid - ema);
  return ema;
}

/** The opening mark with an oracle: the oracle itself (mark model oracle), clamped to the band around it. */
export function oracleMark(t: i32, mark0: f64): f64 {
  const oracleLag = <i32>unchecked(params[P_ORACLE_LAG]);
  const band = unchecked(params[P_MARK_BAND]);
  const oracle = unchecked(oracleHist[t >= oracleLag ? t - oracleLag : 0]);
  bandLo = oracle * (1 - band);
  bandHi = oracle * (1 + band);
  let mark = markOracle ? oracle : mark0;
  if (band > 0) mark = mark < bandLo ? bandLo : mark > bandHi ? bandHi : mark;
  return mark;
}

/** A mark within this step's band. */
// @ts-ignore: decorator
@inline export function banded(mark: f64): f64 {
  return mark < bandLo ? bandLo : mark > bandHi ? bandHi : mark;
}

/** The mark after trades that move it (a round's, accounts.flow's): the mid or the last trade, unless it holds. */
// @ts-ignore: decorator
@inline export function traded(mark: f64): f64 {
  return markHeld ? mark : markMid ? book.mid() : book.lastPrice;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<i32>(b, model, 0);
  store<i32>(b, steps, 8);
  store<i32>(b, nReturns, 16);
  store<f64>(b, muDt, 24);
  store<f64>(b, sigDt, 32);
  store<f64>(b, lambdaDt, 40);
  store<f64>(b, noJumpProb, 48);
  store<f64>(b, jumpMean, 56);
  store<f64>(b, jumpStd, 64);
  store<f64>(b, tick, 72);
  store<u8>(b, tickPow2 ? 1 : 0, 80);
  store<f64>(b, invTick, 88);
  store<u8>(b, markMid ? 1 : 0, 96);
  store<u8>(b, markEma ? 1 : 0, 104);
  store<u8>(b, markOracle ? 1 : 0, 112);
  store<u8>(b, markHeld ? 1 : 0, 120);
  store<f64>(b, alpha, 128);
  store<f64>(b, ema, 136);
  store<f64>(b, bandLo, 144);
  store<f64>(b, bandHi, 152);
}
export function loadContext(b: usize): void {
  model = load<i32>(b, 0);
  steps = load<i32>(b, 8);
  nReturns = load<i32>(b, 16);
  muDt = load<f64>(b, 24);
  sigDt = load<f64>(b, 32);
  lambdaDt = load<f64>(b, 40);
  noJumpProb = load<f64>(b, 48);
  jumpMean = load<f64>(b, 56);
  jumpStd = load<f64>(b, 64);
  tick = load<f64>(b, 72);
  tickPow2 = load<u8>(b, 80) != 0;
  invTick = load<f64>(b, 88);
  markMid = load<u8>(b, 96) != 0;
  markEma = load<u8>(b, 104) != 0;
  markOracle = load<u8>(b, 112) != 0;
  markHeld = load<u8>(b, 120) != 0;
  alpha = load<f64>(b, 128);
  ema = load<f64>(b, 136);
  bandLo = load<f64>(b, 144);
  bandHi = load<f64>(b, 152);
}
