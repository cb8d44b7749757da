// margin.model: the maintenance requirement the scan engine checks every account against, every round. Same
// model and arithmetic as src/engine/margin-model.ts: `tiers`, `vol-scaled` (the tiers times a multiplier that
// follows realised volatility), `risk-based` (the loss over a move of `sigmas` standard deviations of the horizon).
import {
  MARGIN_RISK_BASED, MARGIN_VOL_SCALED, P_MARGIN_MODEL, P_RISK_HORIZON, P_RISK_SIGMAS, P_STEP_SECONDS, P_VOLATILITY,
  P_SIZE_IMF, P_VOL_CAP, P_VOL_FLOOR, P_VOL_LAMBDA, P_VOL_UPDATE_EVERY, P_TIER_COUNT, SECONDS_PER_YEAR,
  P_MAINTENANCE_AT_ENTRY,
} from "./abi";
import { maintenanceAt } from "./margin";
import { exp, log } from "./mathfn";
import { params } from "./state";

let kind: i32 = 0;
let lambda: f64 = 0;
let updateEvery: i32 = 1;
let floor: f64 = 1;
let cap: f64 = 1;
let sigmas: f64 = 0;
let horizon: f64 = 0;
let sizeImf: f64 = 0;
let refVariance: f64 = 0;
let nTiers: i32 = 0;
let atEntry = false;
let variance: f64 = 0;
let lastOpen: f64 = 0;
let multiplier: f64 = 1;
let lossLong: f64 = 0;
let lossShort: f64 = 0;

/** A path starts at this mark: the model's parameters, and the estimate at the reference variance. */
export function startPath(mark: f64): void {
  kind = <i32>unchecked(params[P_MARGIN_MODEL]);
  lambda = unchecked(params[P_VOL_LAMBDA]);
  updateEvery = <i32>unchecked(params[P_VOL_UPDATE_EVERY]);
  floor = unchecked(params[P_VOL_FLOOR]);
  cap = unchecked(params[P_VOL_CAP]);
  sigmas = unchecked(params[P_RISK_SIGMAS]);
  horizon = unchecked(params[P_RISK_HORIZON]);
  // margin.sizePremium: with a model only (the ladder's static prices could not follow it)
  sizeImf = kind != 0 ? unchecked(params[P_SIZE_IMF]) : 0;
  nTiers = <i32>unchecked(params[P_TIER_COUNT]);
  atEntry = unchecked(params[P_MAINTENANCE_AT_ENTRY]) == 1;
  const vol = unchecked(params[P_VOLATILITY]);
  refVariance = vol * vol * (unchecked(params[P_STEP_SECONDS]) / SECONDS_PER_YEAR);
  variance = refVariance;
  lastOpen = mark;
  refresh();
}

/** Step t opens at this mark: the estimate takes the step's return; the requirement follows every updateEvery steps. */
export function openStep(t: i32, mark: f64): void {
  const r = log(mark / lastOpen);
  lastOpen = mark;
  variance = lambda * variance + (1 - lambda) * (r * r);
  if (t % updateEvery == 0) refresh();
}

function refresh(): void {
  const sigma = Math.sqrt(variance);
  if (kind == MARGIN_VOL_SCALED) {
    const ratio = refVariance > 0 ? sigma / Math.sqrt(refVariance) : 1;
    multiplier = ratio < floor ? floor : ratio > cap ? cap : ratio;
  } else if (kind == MARGIN_RISK_BASED) {
    const move = sigmas * sigma * Math.sqrt(horizon);
    lossLong = 1 - exp(-move);
    lossShort = exp(move) - 1;
  }
}

/** Maintenance margin of a position of side s, size q at mark m (the tiers' outside a model), at least the size premium's. */
export function requirement(s: f64, q: f64, m: f64, e: f64): f64 {
  const notional = q * m;
  let r: f64;
  if (kind == MARGIN_RISK_BASED) r = notional * (s > 0 ? lossLong : lossShort);
  else {
    // the brackets at the mark, or fixed at the entry notional (margin.maintenanceAt entry)
    const mm = maintenanceAt(nTiers, atEntry ? q * e : notional);
    r = kind == MARGIN_VOL_SCALED ? multiplier * mm : mm;
  }
  if (sizeImf > 0) {
    // maintenance = half the size-based initial margin fraction imfFactor × √q
    const premium = notional * 0.5 * sizeImf * Math.sqrt(q);
    if (premium > r) r = premium;
  }
  return r;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<i32>(b, kind, 0);
  store<f64>(b, lambda, 8);
  store<i32>(b, updateEvery, 16);
  store<f64>(b, floor, 24);
  store<f64>(b, cap, 32);
  store<f64>(b, sigmas, 40);
  store<f64>(b, horizon, 48);
  store<f64>(b, sizeImf, 56);
  store<f64>(b, refVariance, 64);
  store<i32>(b, nTiers, 72);
  store<u8>(b, atEntry ? 1 : 0, 80);
  store<f64>(b, variance, 88);
  store<f64>(b, lastOpen, 96);
  store<f64>(b, multiplier, 104);
  store<f64>(b, lossLong, 112);
  store<f64>(b, lossShort, 120);
}
/** A saved block's state (market-context.ts marginModelOf): the cross layer reads every market's without switching. */
export function multiplierIn(b: usize): f64 {
  return load<f64>(b, 104);
}
export function lossLongIn(b: usize): f64 {
  return load<f64>(b, 112);
}
export function lossShortIn(b: usize): f64 {
  return load<f64>(b, 120);
}
export function loadContext(b: usize): void {
  kind = load<i32>(b, 0);
  lambda = load<f64>(b, 8);
  updateEvery = load<i32>(b, 16);
  floor = load<f64>(b, 24);
  cap = load<f64>(b, 32);
  sigmas = load<f64>(b, 40);
  horizon = load<f64>(b, 48);
  sizeImf = load<f64>(b, 56);
  refVariance = load<f64>(b, 64);
  nTiers = load<i32>(b, 72);
  atEntry = load<u8>(b, 80) != 0;
  variance = load<f64>(b, 88);
  lastOpen = load<f64>(b, 96);
  multiplier = load<f64>(b, 104);
  lossLong = load<f64>(b, 112);
  lossShort = load<f64>(b, 120);
}
