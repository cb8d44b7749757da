// Cross margin across markets (plan-cross): owners whose one equity backs legs in several markets and deposits in
// several collateral assets. The tables are the host's (src/engine/cross-setup.ts CrossSetup, filled through the
// pointer exports once per instance); the per-path state is here. Mirrored by src/engine/cross-margin.ts: the same f64
// operations in the same order, so both engines give bit-identical records.
//
// The round (assembly/markets.ts runs it after every market's round) finds the owners under water through a linear
// form of their health per owner, h = K + Σ_m W[m]·mark[m] (mul then add, in market order), and a screen over it: while
// the marks stay in a box around the marks it was last centred on, only the owners whose form may turn negative inside
// the box are evaluated (their flags, 16 per v128 test); a round that finds nobody under water switches no market
// context. The form is exact between tier crossings; it is recomputed for the owners a mark move may have moved across
// a tier floor (the crit table), whose deposits arrived, or who were liquidated, and every round for those a slice or
// a repayment resized (the crit table is of their opening sizes; the screen always flags them). A leg in a market with a
// margin.model is held to the model's requirement (cross-requirement.ts: when its form is made again). An owner whose form is
// negative is measured exactly (measure) and its worst leg liquidated by that leg's market's mechanism
// (assembly/cross-liquidation.ts: a whole close, a slice, a repayment, the vault's takeover) until it is healthy, or
// until the mechanism makes it wait for the next round.
import * as X from "./cross-liquidation";
import * as R from "./cross-requirement";
import { marketCount, select } from "./market-context";
import { marks } from "./market-marks";
import * as state from "./state";

/** The record's columns after the markets' blocks (src/engine/markets-setup.ts CROSS_METRICS). */
export const CROSS_METRICS: i32 = 4;

/** The venue has cross-margin owners (initCross ran). */
export let on = false;
/** The tables were checked and indexed (prepare) since they were carved. */
export let ready = false;

// ---- the host's tables (CrossSetup), carved once by carve() ----
let owners: i32 = 0;
/** The forms' row stride (O rounded up to even). */
let lanes: i32 = 0;
let markets: i32 = 0;
export let legStart = new StaticArray<i32>(0);
export let legMarket = new StaticArray<i32>(0);
export let legSide = new StaticArray<f64>(0);
export let legSize = new StaticArray<f64>(0);
export let legEntry = new StaticArray<f64>(0);
export let depStart = new StaticArray<i32>(0);
export let depAsset = new StaticArray<i32>(0);
export let depAmount = new StaticArray<f64>(0);
export let depArrives = new StaticArray<i32>(0);
export let arrivalOrder = new StaticArray<i32>(0);
export let assetMarket = new StaticArray<i32>(0);
export let assetPrice = new StaticArray<f64>(0);
export let assetHaircut = new StaticArray<f64>(0);
export let critStart = new StaticArray<i32>(0);
export let critMark = new StaticArray<f64>(0);
export let critOwner = new StaticArray<i32>(0);

// ---- derived once per prepare ----
let depOwner = new StaticArray<i32>(0);
/** Per market: its tier table's floors, rates and amounts (the market context's regions) and its tier count. */
let tierFloorAt = new StaticArray<usize>(0);
let tierMmrAt = new StaticArray<usize>(0);
let tierAmountAt = new StaticArray<usize>(0);
let tierCount = new StaticArray<i32>(0);

// ---- per path ----
export let cash = new StaticArray<f64>(0);
export let closed = new StaticArray<u8>(0);
export let hit = new StaticArray<u8>(0);
export let openLegs = new StaticArray<i32>(0);
/** 1: the owner's form is stale. Padded to a multiple of 16 bytes (zeros) for the v128 scan. */
let dirty = new StaticArray<u8>(0);
let formK = new StaticArray<f64>(0);
/** W[m·O' + o]. */
let formW = new StaticArray<f64>(0);
export let legOpen = new StaticArray<u8>(0);
/**
 * The legs' sizes now: legSize at the path's start, less what slices and repayments took. Every size below is this
 * one; the crit table stays legSize's, so the owners resized in this path are recomputed every round (round).
 */
export let legQ = new StaticArray<f64>(0);
export let units = new StaticArray<f64>(0);
let formMark = new StaticArray<f64>(0);
/**
 * Every path opens at the same marks with the same owners, so their forms at the opening are the same in every path:
 * computed once (the first path after prepare) and copied at each path's start. The forms are exact between tier
 * crossings and the crossings from the opening marks are found as from any other, so the records are those of
 * recomputing every owner at the first round (what the reference does), bit for bit.
 */
let openK = new StaticArray<f64>(0);
let openW = new StaticArray<f64>(0);
let openMarks = new StaticArray<f64>(0);
let openReady = false;
/**
 * The screen (a box of marks): while every market's mark lies in [boxLo, boxHi], an owner whose form's minimum over
 * the box is above a margin far wider than f64 rounding cannot be under water, so a round reads only the other owners'
 * flags (`check`, 16 per v128) instead of every owner's form. An owner's flag is set again when its form changes;
 * a mark that leaves the box re-centres it (one pass over every form, what every round cost before).
 */
let check = new StaticArray<u8>(0);
let boxLo = new StaticArray<f64>(0);
let boxHi = new StaticArray<f64>(0);
let boxValid = false;
/** The screen at the opening marks (startPath's cache, as openK and openW). */
let openCheck = new StaticArray<u8>(0);
let openBoxLo = new StaticArray<f64>(0);
let openBoxHi = new StaticArray<f64>(0);
let cursor: i32 = 0;
/** The current step (0 before step 1): a deposit counts from its arrival step on. */
export let step: i32 = 0;
/** measure()'s results: the owner's exact equity and maintenance margin at the marks. */
export let eq: f64 = 0;
export let mm: f64 = 0;

/** The tables for these counts (M: the markets already carved) and the per-path state; once per instance. */
export function carve(nOwners: i32, legs: i32, deposits: i32, assets: i32, arrivals: i32, crit: i32): void {
  const M = marketCount;
  owners = nOwners;
  lanes = (nOwners + 1) & ~1;
  markets = M;
  legStart = new StaticArray<i32>(nOwners + 1);
  legMarket = new StaticArray<i32>(legs);
  legSide = new StaticArray<f64>(legs);
  legSize = new StaticArray<f64>(legs);
  legEntry = new StaticArray<f64>(legs);
  depStart = new StaticArray<i32>(nOwners + 1);
  depAsset = new StaticArray<i32>(deposits);
  depAmount = new StaticArray<f64>(deposits);
  depArrives = new StaticArray<i32>(deposits);
  arrivalOrder = new StaticArray<i32>(arrivals);
  assetMarket = new StaticArray<i32>(assets);
  assetPrice = new StaticArray<f64>(assets);
  assetHaircut = new StaticArray<f64>(assets);
  critStart = new StaticArray<i32>(M + 1);
  critMark = new StaticArray<f64>(crit);
  critOwner = new StaticArray<i32>(crit);
  depOwner = new StaticArray<i32>(deposits);
  tierFloorAt = new StaticArray<usize>(M);
  tierMmrAt = new StaticArray<usize>(M);
  tierAmountAt = new StaticArray<usize>(M);
  tierCount = new StaticArray<i32>(M);
  cash = new StaticArray<f64>(nOwners);
  closed = new StaticArray<u8>(nOwners);
  hit = new StaticArray<u8>(nOwners);
  openLegs = new StaticArray<i32>(nOwners);
  dirty = new StaticArray<u8>((nOwners + 15) & ~15);
  formK = new StaticArray<f64>(lanes);
  formW = new StaticArray<f64>(M * lanes);
  legOpen = new StaticArray<u8>(legs);
  legQ = new StaticArray<f64>(legs);
  units = new StaticArray<f64>(deposits);
  formMark = new StaticArray<f64>(M);
  openK = new StaticArray<f64>(lanes);
  openW = new StaticArray<f64>(M * lanes);
  openMarks = new StaticArray<f64>(M);
  X.carve(nOwners, M);
  R.carve(M, nOwners);
  check = new StaticArray<u8>((nOwners + 15) & ~15);
  boxLo = new StaticArray<f64>(M);
  boxHi = new StaticArray<f64>(M);
  openCheck = new StaticArray<u8>((nOwners + 15) & ~15);
  openBoxLo = new StaticArray<f64>(M);
  openBoxHi = new StaticArray<f64>(M);
  on = true;
  ready = false;
}

/**
 * After the host filled the tables (and every market's tier table): checks the indices the kernel follows without
 * bounds checks, indexes each deposit's owner and each market's tier table. Leaves market M − 1 selected.
 */
export function prepare(): bool {
  ready = false;
  openReady = false;
  const O = owners;
  const M = markets;
  const J = legMarket.length;
  const D = depAsset.length;
  const A = assetMarket.length;
  const C = critMark.length;
  if (!startsValid(legStart, O, J) || !startsValid(depStart, O, D) || !startsValid(critStart, M, C)) return false;
  for (let j = 0; j < J; j++) {
    const m = unchecked(legMarket[j]);
    if (m < 0 || m >= M) return false;
  }
  for (let d = 0; d < D; d++) {
    const a = unchecked(depAsset[d]);
    if (a < 0 || a >= A) return false;
  }
  for (let a = 0; a < A; a++) if (unchecked(assetMarket[a]) >= M) return false;
  for (let k = 0; k < arrivalOrder.length; k++) {
    const d = unchecked(arrivalOrder[k]);
    if (d < 0 || d >= D) return false;
  }
  for (let c = 0; c < C; c++) {
    const o = unchecked(critOwner[c]);
    if (o < 0 || o >= O) return false;
  }
  for (let o = 0; o < O; o++) {
    for (let d = unchecked(depStart[o]); d < unchecked(depStart[o + 1]); d++) unchecked((depOwner[d] = o));
  }
  for (let m = 0; m < M; m++) {
    select(m);
    unchecked((tierFloorAt[m] = changetype<usize>(state.tierFloor)));
    unchecked((tierMmrAt[m] = changetype<usize>(state.tierMmr)));
    unchecked((tierAmountAt[m] = changetype<usize>(state.tierAmount)));
    unchecked((tierCount[m] = state.tierFloor.length));
    R.prepareMarket(m);
  }
  R.prepareOwners(O, legStart, legMarket);
  ready = true;
  return true;
}

/** start[0] = 0, non-decreasing, start[n] = total. */
function startsValid(start: StaticArray<i32>, n: i32, total: i32): bool {
  if (unchecked(start[0]) != 0 || unchecked(start[n]) != total) return false;
  for (let i = 0; i < n; i++) if (unchecked(start[i + 1]) < unchecked(start[i])) return false;
  return true;
}

/** The path starts (after every market's reset: the marks are the opening marks). */
export function startPath(): void {
  const O = owners;
  memory.fill(changetype<usize>(cash), 0, <usize>O << 3);
  memory.fill(changetype<usize>(closed), 0, <usize>O);
  memory.fill(changetype<usize>(hit), 0, <usize>O);
  for (let o = 0; o < O; o++) unchecked((openLegs[o] = unchecked(legStart[o + 1]) - unchecked(legStart[o])));
  memory.fill(changetype<usize>(legOpen), 1, <usize>legOpen.length);
  // legQ = legSize: the opening forms (cached below) are legSize's
  memory.copy(changetype<usize>(legQ), changetype<usize>(legSize), <usize>legQ.length << 3);
  memory.copy(changetype<usize>(units), changetype<usize>(depAmount), <usize>units.length << 3);
  X.newPath();
  R.startPath();
  let same = openReady;
  for (let m = 0; m < markets; m++) {
    unchecked((formMark[m] = unchecked(marks[m])));
    if (unchecked(openMarks[m]) != unchecked(marks[m])) same = false;
  }
  cursor = 0;
  step = 0;
  boxValid = false;
  const formBytes = <usize>lanes << 3;
  const boxBytes = <usize>markets << 3;
  if (same) {
    memory.copy(changetype<usize>(formK), changetype<usize>(openK), formBytes);
    memory.copy(changetype<usize>(formW), changetype<usize>(openW), formBytes * markets);
    memory.fill(changetype<usize>(dirty), 0, <usize>dirty.length);
    // the screen centred on the opening marks: the same in every path too
    memory.copy(changetype<usize>(check), changetype<usize>(openCheck), <usize>check.length);
    memory.copy(changetype<usize>(boxLo), changetype<usize>(openBoxLo), boxBytes);
    memory.copy(changetype<usize>(boxHi), changetype<usize>(openBoxHi), boxBytes);
    boxValid = true;
    return;
  }
  // every owner's form at the opening marks and the screen centred on them, kept for the next paths
  memory.fill(changetype<usize>(dirty), 0, <usize>dirty.length);
  for (let o = 0; o < O; o++) recompute(o);
  memory.copy(changetype<usize>(openK), changetype<usize>(formK), formBytes);
  memory.copy(changetype<usize>(openW), changetype<usize>(formW), formBytes * markets);
  for (let m = 0; m < markets; m++) unchecked((openMarks[m] = unchecked(marks[m])));
  centreBox();
  memory.copy(changetype<usize>(openCheck), changetype<usize>(check), <usize>check.length);
  memory.copy(changetype<usize>(openBoxLo), changetype<usize>(boxLo), boxBytes);
  memory.copy(changetype<usize>(openBoxHi), changetype<usize>(boxHi), boxBytes);
  openReady = true;
}

// ---- the form and the exact check ----

/** Market m's tier of a leg of this notional (src/engine/margin.ts tierIndex). */
// @ts-ignore: decorator
@inline function tierOf(m: i32, notional: f64): i32 {
  const n = unchecked(tierCount[m]);
  const floor = unchecked(tierFloorAt[m]);
  let k = 0;
  while (k + 1 < n && notional >= load<f64>(floor + (<usize>(k + 1) << 3))) k++;
  return k;
}
// @ts-ignore: decorator
@inline function mmrOf(m: i32, k: i32): f64 {
  return load<f64>(unchecked(tierMmrAt[m]) + (<usize>k << 3));
}
// @ts-ignore: decorator
@inline function amountOf(m: i32, k: i32): f64 {
  return load<f64>(unchecked(tierAmountAt[m]) + (<usize>k << 3));
}

/** Deposit d counts toward its owner's equity: held, and arrived by the current step. */
// @ts-ignore: decorator
@inline export function counts(d: i32): bool {
  return unchecked(units[d]) > 0 && unchecked(depArrives[d]) <= step;
}

/** Owner o's linear form at the current marks (never for a closed owner: its form stays 0). */
function recompute(o: i32): void {
  const Op = lanes;
  let K = unchecked(cash[o]);
  for (let m = 0; m < markets; m++) unchecked((formW[m * Op + o] = 0));
  const dEnd = unchecked(depStart[o + 1]);
  for (let d = unchecked(depStart[o]); d < dEnd; d++) {
    if (!counts(d)) continue;
    const a = unchecked(depAsset[d]);
    const mk = unchecked(assetMarket[a]);
    if (mk < 0) K = K + unchecked(units[d]) * unchecked(assetPrice[a]) * (1 - unchecked(assetHaircut[a]));
    else unchecked((formW[mk * Op + o] = unchecked(formW[mk * Op + o]) + unchecked(units[d]) * (1 - unchecked(assetHaircut[a]))));
  }
  const jEnd = unchecked(legStart[o + 1]);
  for (let j = unchecked(legStart[o]); j < jEnd; j++) {
    if (unchecked(legOpen[j]) == 0) continue;
    const m = unchecked(legMarket[j]);
    const s = unchecked(legSide[j]);
    const q = unchecked(legQ[j]);
    const e = unchecked(legEntry[j]);
    if (R.modelled(m)) {
      // its market's model: requirement = formB × mark − formC
      R.formOf(m, s, q, unchecked(marks[m]), e);
      K = K + (R.formC - s * q * e);
      unchecked((formW[m * Op + o] = unchecked(formW[m * Op + o]) + (s * q - R.formB)));
      continue;
    }
    const k = tierOf(m, q * unchecked(marks[m]));
    K = K + (amountOf(m, k) - s * q * e);
    unchecked((formW[m * Op + o] = unchecked(formW[m * Op + o]) + (s * q - q * mmrOf(m, k))));
  }
  unchecked((formK[o] = K));
  unchecked((dirty[o] = 0));
  if (boxValid) screen(o);
}

/** The box's half-width, relative to the marks it is centred on. */
const BOX: f64 = 0.02;

/** Owner o's flag: 0 when its form stays above the margin wherever the marks are in the box (the header). */
function screen(o: i32): void {
  const Op = lanes;
  const K = unchecked(formK[o]);
  let low = K;
  let size = Math.abs(K);
  for (let m = 0; m < markets; m++) {
    const w = unchecked(formW[m * Op + o]);
    const hi = unchecked(boxHi[m]);
    low = low + w * (w > 0 ? unchecked(boxLo[m]) : hi);
    size = size + Math.abs(w) * hi;
  }
  // f64 rounding of a form of M + 1 terms is below (M + 1)·2^-53 of `size`: 1e-9 of it is a margin of millions of ulps;
  // a resized owner's form can go stale within a round (its tier crossings are not in the crit table): always flagged
  // so can one with a leg under a size premium (the premium against the model crosses at marks no table holds)
  unchecked((check[o] = low > 1e-9 * size && unchecked(X.resized[o]) == 0 && unchecked(R.fresh[o]) == 0 ? 0 : 1));
}

/** Whether every mark lies in the box. */
function inBox(): bool {
  for (let m = 0; m < markets; m++) {
    const x = unchecked(marks[m]);
    if (!(x >= unchecked(boxLo[m]) && x <= unchecked(boxHi[m]))) return false;
  }
  return true;
}

/** Centres the box on the marks and screens every open owner (a closed owner's form is 0: never under water). */
function centreBox(): void {
  for (let m = 0; m < markets; m++) {
    const x = unchecked(marks[m]);
    unchecked((boxLo[m] = x * (1 - BOX)));
    unchecked((boxHi[m] = x * (1 + BOX)));
  }
  boxValid = true;
  for (let o = 0; o < owners; o++) {
    if (unchecked(closed[o]) != 0) unchecked((check[o] = 0));
    else screen(o);
  }
}

/** The first owner from `from` on whose flag is set or whose form is stale; O when none. */
function nextFlagged(from: i32): i32 {
  const O = owners;
  const c = changetype<usize>(check);
  const d = changetype<usize>(dirty);
  let o = from;
  // byte by byte to a multiple of 16, then 16 flags per v128 test
  for (; o < O && (o & 15) != 0; o++) if ((load<u8>(c + <usize>o) | load<u8>(d + <usize>o)) != 0) return o;
  for (; o < O; o += 16) {
    if (!v128.any_true(v128.or(v128.load(c + <usize>o), v128.load(d + <usize>o)))) continue;
    const end = o + 16 < O ? o + 16 : O;
    for (let k = o; k < end; k++) if ((load<u8>(c + <usize>k) | load<u8>(d + <usize>k)) != 0) return k;
  }
  return O;
}

/** Owner o's form at the current marks, mul then add in market order (the reference's health(), bit for bit). */
function healthOf(o: i32): f64 {
  const Op = lanes;
  let h = unchecked(formK[o]);
  for (let m = 0; m < markets; m++) h = h + unchecked(formW[m * Op + o]) * unchecked(marks[m]);
  return h;
}

/** Recomputes the form of every dirty open owner (16 flags per v128 test; a closed owner's flag is dropped). */
function recomputeDirty(): void {
  const base = changetype<usize>(dirty);
  const n = dirty.length;
  const O = owners;
  for (let i = 0; i < n; i += 16) {
    if (!v128.any_true(v128.load(base + <usize>i))) continue;
    const end = i + 16 < O ? i + 16 : O;
    for (let o = i; o < end; o++) {
      if (load<u8>(base + <usize>o) == 0) continue;
      if (unchecked(closed[o]) != 0) unchecked((dirty[o] = 0));
      else recompute(o);
    }
  }
}

/** Owner o's exact equity and maintenance margin at the marks, into eq and mm (the old portfolio engine's check). */
export function measure(o: i32): void {
  let e0 = unchecked(cash[o]);
  const dEnd = unchecked(depStart[o + 1]);
  for (let d = unchecked(depStart[o]); d < dEnd; d++) {
    if (!counts(d)) continue;
    const a = unchecked(depAsset[d]);
    const mk = unchecked(assetMarket[a]);
    const price = mk < 0 ? unchecked(assetPrice[a]) : unchecked(marks[mk]);
    e0 = e0 + unchecked(units[d]) * price * (1 - unchecked(assetHaircut[a]));
  }
  let m0: f64 = 0;
  const jEnd = unchecked(legStart[o + 1]);
  for (let j = unchecked(legStart[o]); j < jEnd; j++) {
    if (unchecked(legOpen[j]) == 0) continue;
    const m = unchecked(legMarket[j]);
    const mark = unchecked(marks[m]);
    const s = unchecked(legSide[j]);
    const q = unchecked(legQ[j]);
    e0 = e0 + s * q * (mark - unchecked(legEntry[j]));
    if (R.modelled(m)) {
      m0 = m0 + R.requirementOf(m, s, q, mark, unchecked(legEntry[j]));
      continue;
    }
    const n = q * mark;
    const k = tierOf(m, n);
    m0 = m0 + (n * mmrOf(m, k) - amountOf(m, k));
  }
  eq = e0;
  mm = m0;
}

/**
 * Owner o's open leg with the smallest P&L, among those whose market's per-step caps do not block it now (X.blockedAt,
 * fresh in a round once an owner under water was found); ties: the larger maintenance, then the lower index. −1: none.
 */
function worstLeg(o: i32): i32 {
  let best: f64 = 0;
  let bestMm: f64 = 0;
  let worst = -1;
  const jEnd = unchecked(legStart[o + 1]);
  for (let j = unchecked(legStart[o]); j < jEnd; j++) {
    if (unchecked(legOpen[j]) == 0) continue;
    const m = unchecked(legMarket[j]);
    if (unchecked(X.blockedAt[m]) == step) continue;
    const mark = unchecked(marks[m]);
    const q = unchecked(legQ[j]);
    const s = unchecked(legSide[j]);
    const e = unchecked(legEntry[j]);
    const pnl = s * q * (mark - e);
    let legMm: f64;
    if (R.modelled(m)) legMm = R.requirementOf(m, s, q, mark, e);
    else {
      const n = q * mark;
      const k = tierOf(m, n);
      legMm = n * mmrOf(m, k) - amountOf(m, k);
    }
    if (worst < 0 || pnl < best || (pnl == best && legMm > bestMm)) {
      worst = j;
      best = pnl;
      bestMm = legMm;
    }
  }
  return worst;
}

/** The owners whose legs' tiers a mark move since their forms may have changed: their forms are stale. */
function checkCrossings(): void {
  for (let m = 0; m < markets; m++) {
    const b = unchecked(marks[m]);
    const a = unchecked(formMark[m]);
    if (b == a) continue;
    const lo = (a < b ? a : b) * (1 - 1e-9);
    const hi = (a < b ? b : a) * (1 + 1e-9);
    const end = unchecked(critStart[m + 1]);
    // the first crit ≥ lo (lower bound)
    let l = unchecked(critStart[m]);
    let r = end;
    while (l < r) {
      const mid = (l + r) >>> 1;
      if (unchecked(critMark[mid]) < lo) l = mid + 1;
      else r = mid;
    }
    for (let c = l; c < end && unchecked(critMark[c]) <= hi; c++) unchecked((dirty[unchecked(critOwner[c])] = 1));
    unchecked((formMark[m] = b));
  }
}

/** Step t starts its rounds: the deposits arriving by t make their owners' forms stale. */
export function arrivals(t: i32): void {
  step = t;
  const n = arrivalOrder.length;
  while (cursor < n) {
    const d = unchecked(arrivalOrder[cursor]);
    if (unchecked(depArrives[d]) > t) break;
    unchecked((dirty[unchecked(depOwner[d])] = 1));
    cursor++;
  }
}

/** Owner o is closed: its form is 0 (never under water). */
export function closeOwner(o: i32): void {
  unchecked((closed[o] = 1));
  unchecked((formK[o] = 0));
  for (let k = 0; k < markets; k++) unchecked((formW[k * lanes + o] = 0));
}

// ---- ADL of an owner's legs (assembly/owner-adl.ts) ----

/** ADL took x units of owner o's leg j (x its size: the leg closes) and credited its cash; its form is stale. */
export function takeProfit(o: i32, j: i32, x: f64, credit: f64): void {
  unchecked((cash[o] = unchecked(cash[o]) + credit));
  if (x == unchecked(legQ[j])) {
    unchecked((legOpen[j] = 0));
    unchecked((openLegs[o] = unchecked(openLegs[o]) - 1));
  } else {
    unchecked((legQ[j] = unchecked(legQ[j]) - x));
    X.markResized(o);
  }
  unchecked((dirty[o] = 1));
}

/** adl.ranking socialized took h of owner o's cash; its form is stale. */
export function haircutOwner(o: i32, h: f64): void {
  unchecked((cash[o] = unchecked(cash[o]) - h));
  unchecked((dirty[o] = 1));
}

// ---- the round ----

/** One cross round of step t: returns the number of liquidation actions it took (> 0: the venue's rounds go on). */
export function round(t: i32): i32 {
  step = t;
  checkCrossings();
  // a resized owner's tier crossings are not in the crit table (legSize's): its form is recomputed every round
  const resized = X.resizedCount;
  for (let k = 0; k < resized; k++) unchecked((dirty[unchecked(X.resizedList[k])] = 1));
  // so is one with a leg under a size premium; the owners of a market whose model's state moved are stale
  for (let k = 0; k < R.freshCount; k++) unchecked((dirty[unchecked(R.freshList[k])] = 1));
  R.markDirty(dirty);
  recomputeDirty();
  if (!boxValid || !inBox()) centreBox();
  const O = owners;
  // the owners the screen cannot clear, in index order (the reference evaluates every owner: the others' forms are
  // ≥ 0 wherever the marks are in the box); once a fill takes a mark out of the box, every owner from there on
  let moved = false;
  // the markets' caps are read once a round, at the first owner under water (the owners' own fills update them)
  let blockedFresh = false;
  let broken = false;
  let n = 0;
  for (let o = nextFlagged(0); o < O; o = broken ? o + 1 : nextFlagged(o + 1)) {
    if (unchecked(closed[o]) != 0) continue;
    if (moved) {
      // a fill moved a mark: the owner's form may be stale
      checkCrossings();
      if (unchecked(dirty[o]) != 0 || unchecked(X.resized[o]) != 0 || unchecked(R.fresh[o]) != 0) recompute(o);
    }
    const h = healthOf(o);
    if (!(h < 0)) continue;
    if (!blockedFresh) {
      X.refreshBlocked();
      blockedFresh = true;
    }
    measure(o);
    let closedAny = false;
    while (eq < mm) {
      // its worst leg's market decides; a whole close leaving it open measures it again, any other action ends its turn
      const j = worstLeg(o);
      if (j < 0) break;
      const outcome = X.liquidate(o, j, t);
      if (outcome == X.WAITED) break;
      n++;
      closedAny = true;
      if (outcome != X.LEG_CLOSED) break;
      measure(o);
    }
    if (closedAny) {
      moved = true;
      if (unchecked(closed[o]) == 0) unchecked((dirty[o] = 1));
      // the owners whose tiers the fills moved are flagged now, so that nextFlagged finds them (the reference finds
      // them at its next visit: the marks do not move in between, so the crossings found are the same)
      checkCrossings();
      if (!inBox()) broken = true;
    }
  }
  return n;
}

// ---- the record and the ledger ----

/** The record's CROSS_METRICS at `at`: owners hit, owners closed, the collateral sales' proceeds and count. */
export function writeRecord(at: i32): void {
  let hits = 0;
  let closes = 0;
  for (let o = 0; o < owners; o++) {
    hits += unchecked(hit[o]);
    closes += unchecked(closed[o]);
  }
  unchecked((state.records[at] = <f64>hits));
  unchecked((state.records[at + 1] = <f64>closes));
  unchecked((state.records[at + 2] = X.collateralSold));
  unchecked((state.records[at + 3] = <f64>X.collateralSales));
}

/** The owners' money: their cash, and every deposit still held (arrived or not) at its asset's reference value. */
export function tradersCash(): f64 {
  let money: f64 = 0;
  for (let o = 0; o < owners; o++) money += unchecked(cash[o]);
  for (let d = 0; d < units.length; d++) money += unchecked(units[d]) * unchecked(assetPrice[unchecked(depAsset[d])]);
  return money;
}
