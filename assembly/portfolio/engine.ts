// One portfolio path: correlated market moves, independent collateral prices, books that follow their
// fundamentals, cascade rounds of worst-leg-first liquidations with close-outs, and the path's record.
// The same f64 operations in the same order as src/portfolio/engine.ts (the reference), so both engines
// give the same records bit for bit; every index was range-checked by prepare(), hence unchecked().
import { expInline, normalInvInline } from "../mathfn";
import { philoxUniform } from "../rng";
import {
  BASE_METRICS, PF_DOMAIN_RETURNS, P_ACCOUNTS, P_ASSETS, P_BOOKS, P_FEE_RATE, P_INSURANCE, P_MARKETS, P_MAX_ROUNDS,
  P_STEPS, R_ADL_COUNT, R_ADL_NOTIONAL, R_AMPLIFICATION, R_AVG_SLIPPAGE, R_BAD_DEBT, R_BOOK_EXHAUSTED, R_EXO_DRAWDOWN,
  R_FINAL_PRICE, R_FIRST_LIQUIDATION_STEP, R_INSURANCE_FINAL, R_INSURANCE_MIN, R_LIQUIDATED_NOTIONAL, R_LIQUIDATIONS,
  R_MAX_DRAWDOWN, R_MAX_ROUNDS, R_MIN_PRICE,
} from "./abi";
import {
  askDepth, askSeen, askTop, assetBook, bidDepth, bidSeen, bidTop, bookProcess, cash, centre, chol, closed, decay,
  depAmount, depArrives, depAsset, depStart, diffusion, drift, exoDd, exoPeak, fundamental, haircut, hit, initialPrice,
  last, ledger, legEntry, legMarket, legOpen, legSide, legSize, legStart, levels, mark, markMid, maxDd, minPrice,
  offset, openLegs, params, peak, price, profile, records, shock, tick, tierAmount, tierFloor, tierMmr, tierStart,
  units, x, z,
} from "./state";

// the run (set by configure())
let M: i32 = 0;
let A: i32 = 0;
let B: i32 = 0;
let N: i32 = 0;
let steps: i32 = 0;
let feeRate: f64 = 0;
let maxRounds: i32 = 0;
let initialInsurance: f64 = 0;
let seedLo: u32 = 0;
let seedHi: u32 = 0;

// the path
let step: i32 = 0;
let exhausted = false;
let insurance: f64 = 0;
let insuranceMin: f64 = 0;
let makers: f64 = 0;
let badDebt: f64 = 0;
/** Counts are integers here (a sum of ones is exact either way). */
let liquidations: i32 = 0;
let liquidatedNotional: f64 = 0;
let collateralSold: f64 = 0;
let collateralSales: i32 = 0;
let slipValue: f64 = 0;
let markedValue: f64 = 0;
/** The maintenance margin measure() found, beside the equity it returns. */
let measuredMm: f64 = 0;

export function configure(lo: u32, hi: u32): void {
  M = <i32>params[P_MARKETS];
  A = <i32>params[P_ASSETS];
  B = <i32>params[P_BOOKS];
  N = <i32>params[P_ACCOUNTS];
  steps = <i32>params[P_STEPS];
  feeRate = params[P_FEE_RATE];
  maxRounds = <i32>params[P_MAX_ROUNDS];
  initialInsurance = params[P_INSURANCE];
  seedLo = lo;
  seedHi = hi;
}

// ---- prices ------------------------------------------------------------------------------------------

function refreshPrices(): void {
  for (let a = 0; a < A; a++) {
    const b = unchecked(assetBook[a]);
    unchecked((price[a] = b >= 0 ? unchecked(mark[b]) : unchecked(fundamental[M + a])));
  }
}

// @ts-ignore: decorator
@inline function processPrice(p: i32): f64 {
  return p < M ? unchecked(mark[p]) : unchecked(price[p - M]);
}

function exoPrice(p: i32): f64 {
  const b = p < M ? p : unchecked(assetBook[p - M]);
  return b >= 0 ? (unchecked(centre[b]) + 0.5) * unchecked(tick[b]) : unchecked(fundamental[p]);
}

function trackPrice(p: i32): void {
  const v = processPrice(p);
  if (v < unchecked(minPrice[p])) unchecked((minPrice[p] = v));
  if (v > unchecked(peak[p])) unchecked((peak[p] = v));
  const dd = (unchecked(peak[p]) - v) / unchecked(peak[p]);
  if (dd > unchecked(maxDd[p])) unchecked((maxDd[p] = dd));
}

/** src/engine/reference.ts amplification(). */
function amplificationOf(p: i32): f64 {
  const b = p < M ? p : unchecked(assetBook[p - M]);
  const oneTick = b >= 0 ? unchecked(tick[b]) / unchecked(initialPrice[p]) : 0.0;
  const maxDrawdown = unchecked(maxDd[p]);
  const exo = unchecked(exoDd[p]);
  if (maxDrawdown == 0 && exo == 0) return 1;
  return maxDrawdown / (exo > oneTick ? exo : oneTick);
}

function afterFill(b: i32): void {
  unchecked((mark[b] = unchecked(markMid[b]) == 1 ? mid(b) : unchecked(last[b])));
  refreshPrices();
  trackPrice(unchecked(bookProcess[b]));
}

// ---- books ---------------------------------------------------------------------------------------------

function centreOf(b: i32, f: f64): f64 {
  const c = Math.floor(f / unchecked(tick[b]) + 1e-7);
  const min = <f64>(unchecked(levels[b]) + 1);
  return c > min ? c : min;
}

function mid(b: i32): f64 {
  const c = unchecked(centre[b]);
  return (c + 1 - <f64>unchecked(bidTop[b]) + (c + <f64>unchecked(askTop[b]))) * 0.5 * unchecked(tick[b]);
}

function bidAt(b: i32, k: i32): f64 {
  const at = unchecked(offset[b]) + k;
  const seen = unchecked(bidSeen[at]);
  const target = unchecked(profile[at]);
  if (seen < 0) {
    unchecked((bidSeen[at] = step));
    unchecked((bidDepth[at] = target));
    return target;
  }
  if (seen < step) {
    unchecked((bidDepth[at] = target - (target - unchecked(bidDepth[at])) * unchecked(decay[b * (steps + 1) + step - seen])));
    unchecked((bidSeen[at] = step));
  }
  return unchecked(bidDepth[at]);
}

function askAt(b: i32, k: i32): f64 {
  const at = unchecked(offset[b]) + k;
  const seen = unchecked(askSeen[at]);
  const target = unchecked(profile[at]);
  if (seen < 0) {
    unchecked((askSeen[at] = step));
    unchecked((askDepth[at] = target));
    return target;
  }
  if (seen < step) {
    unchecked((askDepth[at] = target - (target - unchecked(askDepth[at])) * unchecked(decay[b * (steps + 1) + step - seen])));
    unchecked((askSeen[at] = step));
  }
  return unchecked(askDepth[at]);
}

function firstBid(b: i32, from: i32): i32 {
  let k = from;
  const L = unchecked(levels[b]);
  while (k <= L && !(bidAt(b, k) > 0)) k++;
  return k;
}

function firstAsk(b: i32, from: i32): i32 {
  let k = from;
  const L = unchecked(levels[b]);
  while (k <= L && !(askAt(b, k) > 0)) k++;
  return k;
}

/** A market sell of qty into book b's bids; the fill notional (past the last level: one tick beyond the edge). */
function sell(b: i32, qty: f64): f64 {
  const t = unchecked(tick[b]);
  const L = unchecked(levels[b]);
  const base = unchecked(offset[b]);
  const c = unchecked(centre[b]);
  let rem = qty;
  let notional: f64 = 0;
  let k = unchecked(bidTop[b]);
  while (rem > 0) {
    if (k > L) {
      const edge = (c - <f64>L) * t;
      notional += rem * edge;
      unchecked((last[b] = edge));
      exhausted = true;
      break;
    }
    const d = bidAt(b, k);
    if (d > 0) {
      const p = (c + 1 - <f64>k) * t;
      unchecked((last[b] = p));
      if (d > rem) {
        unchecked((bidDepth[base + k] = d - rem));
        notional += rem * p;
        break;
      }
      unchecked((bidDepth[base + k] = 0));
      notional += d * p;
      rem -= d;
    }
    k++;
  }
  unchecked((bidTop[b] = k));
  return notional;
}

/** A market buy of qty from book b's asks; mirror of sell. */
function buy(b: i32, qty: f64): f64 {
  const t = unchecked(tick[b]);
  const L = unchecked(levels[b]);
  const base = unchecked(offset[b]);
  const c = unchecked(centre[b]);
  let rem = qty;
  let notional: f64 = 0;
  let k = unchecked(askTop[b]);
  while (rem > 0) {
    if (k > L) {
      const edge = (c + <f64>L + 1) * t;
      notional += rem * edge;
      unchecked((last[b] = edge));
      exhausted = true;
      break;
    }
    const d = askAt(b, k);
    if (d > 0) {
      const p = (c + <f64>k) * t;
      unchecked((last[b] = p));
      if (d > rem) {
        unchecked((askDepth[base + k] = d - rem));
        notional += rem * p;
        break;
      }
      unchecked((askDepth[base + k] = 0));
      notional += d * p;
      rem -= d;
    }
    k++;
  }
  unchecked((askTop[b] = k));
  return notional;
}

// ---- accounts ----------------------------------------------------------------------------------------

/** Tiered maintenance margin of a position of this notional in market m. */
// @ts-ignore: decorator
@inline function maintenance(m: i32, notional: f64): f64 {
  let j = unchecked(tierStart[m]);
  const end = unchecked(tierStart[m + 1]);
  while (j + 1 < end && notional >= unchecked(tierFloor[j + 1])) j++;
  return notional * unchecked(tierMmr[j]) - unchecked(tierAmount[j]);
}

/** Equity of account i at the current marks and step; its maintenance margin into measuredMm. */
function measure(i: i32): f64 {
  let eq = unchecked(cash[i]);
  const dEnd = unchecked(depStart[i + 1]);
  for (let d = unchecked(depStart[i]); d < dEnd; d++) {
    const u = unchecked(units[d]);
    if (u > 0 && unchecked(depArrives[d]) <= step) {
      const a = unchecked(depAsset[d]);
      eq += u * unchecked(price[a]) * (1 - unchecked(haircut[a]));
    }
  }
  let mm: f64 = 0;
  const jEnd = unchecked(legStart[i + 1]);
  for (let j = unchecked(legStart[i]); j < jEnd; j++) {
    if (unchecked(legOpen[j]) == 0) continue;
    const m = unchecked(legMarket[j]);
    const mk = unchecked(mark[m]);
    const q = unchecked(legSize[j]);
    eq += unchecked(legSide[j]) * q * (mk - unchecked(legEntry[j]));
    mm += maintenance(m, q * mk);
  }
  measuredMm = mm;
  return eq;
}

/** The open leg with the smallest unrealised PnL; ties: the larger maintenance margin, then the lower index. −1: none. */
function worstLeg(i: i32): i32 {
  let best = -1;
  let bestPnl: f64 = 0;
  let bestMm: f64 = 0;
  const jEnd = unchecked(legStart[i + 1]);
  for (let j = unchecked(legStart[i]); j < jEnd; j++) {
    if (unchecked(legOpen[j]) == 0) continue;
    const m = unchecked(legMarket[j]);
    const mk = unchecked(mark[m]);
    const q = unchecked(legSize[j]);
    const pnl = unchecked(legSide[j]) * q * (mk - unchecked(legEntry[j]));
    const mm = maintenance(m, q * mk);
    if (best < 0 || pnl < bestPnl || (pnl == bestPnl && mm > bestMm)) {
      best = j;
      bestPnl = pnl;
      bestMm = mm;
    }
  }
  return best;
}

/** Closes leg j of account i by market order; realises its PnL; charges the fee (capped at the equity left). */
function closeLeg(i: i32, j: i32): void {
  const m = unchecked(legMarket[j]);
  const side = unchecked(legSide[j]);
  const q = unchecked(legSize[j]);
  const markBefore = unchecked(mark[m]);
  const notional = side > 0 ? sell(m, q) : buy(m, q);
  afterFill(m);
  const pnl = side * (notional - q * unchecked(legEntry[j]));
  unchecked((cash[i] = unchecked(cash[i]) + pnl));
  makers -= pnl;
  unchecked((legOpen[j] = 0));
  unchecked((openLegs[i] = unchecked(openLegs[i]) - 1));
  unchecked((hit[i] = 1));
  liquidations++;
  liquidatedNotional += notional;
  slipValue += side * (q * markBefore - notional);
  markedValue += q * markBefore;
  const eq = measure(i);
  let fee = feeRate * notional;
  const room = eq > 0 ? eq : 0.0;
  if (fee > room) fee = room;
  unchecked((cash[i] = unchecked(cash[i]) - fee));
  insurance += fee;
}

/** The account has no leg left: convert its arrived deposits, then cover a negative balance (fund, then bad debt). */
function closeOut(i: i32): void {
  const dEnd = unchecked(depStart[i + 1]);
  for (let d = unchecked(depStart[i]); d < dEnd; d++) {
    const u = unchecked(units[d]);
    if (!(u > 0) || unchecked(depArrives[d]) > step) continue;
    const a = unchecked(depAsset[d]);
    const b = unchecked(assetBook[a]);
    let proceeds: f64;
    if (b >= 0) {
      proceeds = sell(b, u);
      afterFill(b);
    } else {
      proceeds = u * unchecked(price[a]);
    }
    unchecked((units[d] = 0));
    unchecked((cash[i] = unchecked(cash[i]) + proceeds));
    makers -= proceeds - u * unchecked(initialPrice[M + a]);
    collateralSold += proceeds;
    collateralSales++;
  }
  const c = unchecked(cash[i]);
  if (c < 0) {
    const deficit = -c;
    const paid = deficit < insurance ? deficit : insurance;
    insurance -= paid;
    if (insurance < insuranceMin) insuranceMin = insurance;
    badDebt += deficit - paid;
    unchecked((cash[i] = 0));
  }
  unchecked((closed[i] = 1));
}

// ---- the path ----------------------------------------------------------------------------------------

/** The markets' correlated standard normals of (t, path) into x: x = L·z, z independent, summed in index order. */
function correlatedNormals(t: i32, path: u32): void {
  for (let k = 0; k < M; k++) {
    unchecked((z[k] = normalInvInline(philoxUniform(<u32>t, path, <u32>k, PF_DOMAIN_RETURNS, seedLo, seedHi))));
  }
  for (let m = 0; m < M; m++) {
    let sum: f64 = 0;
    for (let k = 0; k <= m; k++) sum += unchecked(chol[m * M + k]) * unchecked(z[k]);
    unchecked((x[m] = sum));
  }
}

function reset(): void {
  const cells = unchecked(offset[B]);
  memory.fill(changetype<usize>(bidSeen), 0xff, <usize>cells << 2);
  memory.fill(changetype<usize>(askSeen), 0xff, <usize>cells << 2);
  memory.fill(changetype<usize>(cash), 0, <usize>N << 3);
  memory.fill(changetype<usize>(closed), 0, <usize>N << 2);
  memory.fill(changetype<usize>(hit), 0, <usize>N << 2);
  const legs = unchecked(legStart[N]);
  for (let j = 0; j < legs; j++) unchecked((legOpen[j] = 1));
  memory.copy(changetype<usize>(units), changetype<usize>(depAmount), <usize>unchecked(depStart[N]) << 3);
  for (let i = 0; i < N; i++) unchecked((openLegs[i] = unchecked(legStart[i + 1]) - unchecked(legStart[i])));
  step = 0;
  exhausted = false;
  insurance = initialInsurance;
  insuranceMin = initialInsurance;
  makers = 0;
  badDebt = 0;
  liquidations = 0;
  liquidatedNotional = 0;
  collateralSold = 0;
  collateralSales = 0;
  slipValue = 0;
  markedValue = 0;
}

/** Simulates path `path` into records[at .. at + stride). */
export function runPath(path: u32, at: i32): void {
  reset();
  const P = M + A;
  let firstLiquidationStep = -1;
  let maxRoundsInStep = 0;

  for (let p = 0; p < P; p++) unchecked((fundamental[p] = unchecked(initialPrice[p])));
  for (let b = 0; b < B; b++) {
    unchecked((centre[b] = centreOf(b, unchecked(fundamental[unchecked(bookProcess[b])]))));
    unchecked((bidTop[b] = 1));
    unchecked((askTop[b] = 1));
    unchecked((mark[b] = mid(b)));
    unchecked((last[b] = unchecked(mark[b])));
  }
  refreshPrices();
  for (let p = 0; p < P; p++) {
    const v = processPrice(p);
    unchecked((minPrice[p] = v));
    unchecked((peak[p] = v));
    unchecked((maxDd[p] = 0));
    unchecked((exoPeak[p] = exoPrice(p)));
    unchecked((exoDd[p] = 0));
  }

  const shockAt = steps + 1;
  for (let t = 1; t <= steps; t++) {
    step = t;
    // (1) the exogenous moves: correlated across markets, independent for the assets
    correlatedNormals(t, path);
    for (let m = 0; m < M; m++) {
      let f = unchecked(fundamental[m]);
      if (unchecked(diffusion[m]) > 0) f = f * expInline(unchecked(drift[m]) + unchecked(diffusion[m]) * unchecked(x[m]));
      const sh = unchecked(shock[m * shockAt + t]);
      if (sh != 0) f = f * (1 + sh);
      unchecked((fundamental[m] = f));
    }
    for (let a = 0; a < A; a++) {
      const p = M + a;
      let f = unchecked(fundamental[p]);
      if (unchecked(diffusion[p]) > 0) {
        const n = normalInvInline(philoxUniform(<u32>t, path, <u32>p, PF_DOMAIN_RETURNS, seedLo, seedHi));
        f = f * expInline(unchecked(drift[p]) + unchecked(diffusion[p]) * n);
      }
      const sh = unchecked(shock[p * shockAt + t]);
      if (sh != 0) f = f * (1 + sh);
      unchecked((fundamental[p] = f));
    }
    // (2) every book follows its fundamental; refill is lazy; the touch is found again; (3) marks restart
    for (let b = 0; b < B; b++) {
      unchecked((centre[b] = centreOf(b, unchecked(fundamental[unchecked(bookProcess[b])]))));
      if (unchecked(decay[b * shockAt + 1]) < 1) {
        unchecked((bidTop[b] = 1));
        unchecked((askTop[b] = 1));
      }
      unchecked((bidTop[b] = firstBid(b, unchecked(bidTop[b]))));
      unchecked((askTop[b] = firstAsk(b, unchecked(askTop[b]))));
      unchecked((mark[b] = mid(b)));
    }
    refreshPrices();
    for (let p = 0; p < P; p++) {
      trackPrice(p);
      const exo = exoPrice(p);
      if (exo > unchecked(exoPeak[p])) unchecked((exoPeak[p] = exo));
      const dd = (unchecked(exoPeak[p]) - exo) / unchecked(exoPeak[p]);
      if (dd > unchecked(exoDd[p])) unchecked((exoDd[p] = dd));
    }

    // (4) cascade rounds
    let rounds = 0;
    while (rounds < maxRounds) {
      let n = 0;
      for (let i = 0; i < N; i++) {
        if (unchecked(closed[i]) == 1) continue;
        let eq = measure(i);
        while (eq < measuredMm) {
          const j = worstLeg(i);
          if (j < 0) break;
          closeLeg(i, j);
          n++;
          if (unchecked(openLegs[i]) == 0) {
            closeOut(i);
            break;
          }
          eq = measure(i);
        }
      }
      if (n == 0) break;
      rounds++;
      if (firstLiquidationStep < 0) firstLiquidationStep = t;
    }
    if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
  }

  let accountsLiquidated = 0;
  let accountsClosed = 0;
  for (let i = 0; i < N; i++) {
    accountsLiquidated += unchecked(hit[i]);
    accountsClosed += unchecked(closed[i]);
  }
  unchecked((records[at + R_LIQUIDATIONS] = <f64>liquidations));
  unchecked((records[at + R_LIQUIDATED_NOTIONAL] = liquidatedNotional));
  unchecked((records[at + R_MAX_ROUNDS] = <f64>maxRoundsInStep));
  unchecked((records[at + R_MIN_PRICE] = unchecked(minPrice[0])));
  unchecked((records[at + R_FINAL_PRICE] = processPrice(0)));
  unchecked((records[at + R_MAX_DRAWDOWN] = unchecked(maxDd[0])));
  unchecked((records[at + R_EXO_DRAWDOWN] = unchecked(exoDd[0])));
  unchecked((records[at + R_AMPLIFICATION] = amplificationOf(0)));
  unchecked((records[at + R_INSURANCE_MIN] = insuranceMin));
  unchecked((records[at + R_INSURANCE_FINAL] = insurance));
  unchecked((records[at + R_BAD_DEBT] = badDebt));
  unchecked((records[at + R_ADL_COUNT] = 0));
  unchecked((records[at + R_ADL_NOTIONAL] = 0));
  unchecked((records[at + R_AVG_SLIPPAGE] = markedValue > 0 ? slipValue / markedValue : 0.0));
  unchecked((records[at + R_BOOK_EXHAUSTED] = exhausted ? 1.0 : 0.0));
  unchecked((records[at + R_FIRST_LIQUIDATION_STEP] = <f64>firstLiquidationStep));
  let o = at + BASE_METRICS;
  unchecked((records[o++] = collateralSold));
  unchecked((records[o++] = <f64>collateralSales));
  unchecked((records[o++] = <f64>accountsLiquidated));
  unchecked((records[o++] = <f64>accountsClosed));
  for (let m = 0; m < M; m++) {
    unchecked((records[o++] = unchecked(minPrice[m])));
    unchecked((records[o++] = processPrice(m)));
    unchecked((records[o++] = unchecked(maxDd[m])));
    unchecked((records[o++] = unchecked(exoDd[m])));
    unchecked((records[o++] = amplificationOf(m)));
  }
  for (let a = 0; a < A; a++) {
    unchecked((records[o++] = unchecked(minPrice[M + a])));
    unchecked((records[o++] = processPrice(M + a)));
  }
}

/** The money at the end of the last path into the ledger region (O(accounts + deposits): tests only). */
export function computeLedger(): void {
  let traders: f64 = 0;
  for (let i = 0; i < N; i++) traders += unchecked(cash[i]);
  const D = unchecked(depStart[N]);
  for (let d = 0; d < D; d++) traders += unchecked(units[d]) * unchecked(initialPrice[M + unchecked(depAsset[d])]);
  unchecked((ledger[0] = traders));
  unchecked((ledger[1] = insurance));
  unchecked((ledger[2] = makers));
  unchecked((ledger[3] = badDebt));
}
