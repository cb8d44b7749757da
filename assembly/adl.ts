// Auto-deleveraging: the queue of one (cascade round, side) — the profitable live accounts of that side, best
// score first (score descending, then account index ascending: the total order of the reference engine's
// sort) — produced one account at a time as the deficit consumes it, never sorted in full.
//
// pnl-leverage: score = (p/c)·(q·m/(c+p)) with p = q·u, u = side·(m − e), which equals m·x²·u/(1 + x·u) for
// x = q/c and grows with x and with u. Each side's accounts are kept once per population in order of x
// descending (the hint) with the suffix maximum of −side·e, so m·x_r²·U_r/(1 + x_r·U_r), U_r = side·m + that
// maximum, bounds the score of every account from hint position r on. An account is emitted once its
// computed score beats that bound with a relative slack of 1e-9 (far above the few ulps of rounding in either
// expression), so the emitted sequence is exactly the sorted one, and the scores are computed by the
// reference's own expression. With equal entries (a drawn population) the bound is tight: a ranking costs
// O(accounts consumed), not O(n log n).
// random ranking, or a population outside the bound's assumptions: every candidate is scored, heapified in
// O(n) and popped as consumed.
import { ADL_HYPERLIQUID, ADL_PNL_LEVERAGE, ADL_RANDOM, DOMAIN_ADL } from "./abi";
import * as book from "./book";
import { philox, rng0, rng1, uniform52 } from "./rng";
import {
  HINT_STRIDE, H_C, H_DEAD, H_E, H_EMAX, H_ID, H_Q, H_RUNG, H_X, LADDER_STRIDE, L_CASH, L_DEAD, L_HINT,
  accCollateral, accEntry, accIsLong, accLadderPos, accSize, adlHint, adlOrder, adlScore, base, curColl, curSize, flagged, inAuction, ladder,
  longCount, rungOf,
} from "./state";
import { sortPairs } from "./sort";

const SLACK: f64 = 1 + 1e-9;
const TINY: f64 = 1e-300;
/** Where the division-free test's products are far from under- and overflow. */
const SAFE_LO: f64 = 1e-200;
const SAFE_HI: f64 = 1e200;

let hintsBuilt = false;
/** Every account has finite q > 0, c > 0, e, q·e and q/c: the bound's assumptions. */
let hintsUsable = false;

let lazy = false;
/** Per side, the hint position before which every account is closed in this path (closing is for good). */
let prefixLong: i32 = 0;
let prefixShort: i32 = 0;
let hintEpoch: i32 = 0;
let heapLen: i32 = 0;
let hintPos: i32 = 0;
let hintEnd: i32 = 0;
let rankSide: f64 = 0;
let rankMark: f64 = 0;

/** The path's ADL totals (the count as an integer: a sum of ones is exact either way). */
export let adlCount: i32 = 0;
export let adlNotional: f64 = 0;
/**
 * liquidation.engine partial: sizes and collaterals change within a path (curSize, curColl), so the hint's
 * static ones do not hold: every ranking takes the full scoring path, on the current values.
 */
export let partialMode = false;
export function setPartialMode(on: bool): void {
  partialMode = on;
}

/** What consume() could not cover. */
export let owed: f64 = 0;

/** The population changed since the last path: every account's per-account state is reset, not only the touched. */
export let freshPopulation = true;
export function populationReset(): void {
  freshPopulation = false;
}

/** The population changed: the hint is rebuilt when a ranking next needs it. */
export function invalidateHints(): void {
  hintsBuilt = false;
  freshPopulation = true;
}

/** The best-ranked account of a fully scored ranking not yet taken off it, or −1 (the loss allocation's queue). */
export function top(): i32 {
  return heapLen > 0 ? unchecked(adlOrder[0]) : -1;
}

/** Takes the best-ranked account off a fully scored ranking. */
export function pop(): void {
  popTop(heapLen);
  heapLen--;
}

/** One ADL closure of `notional` (a whole position or part of one). */
export function counted(notional: f64): void {
  adlCount++;
  adlNotional += notional;
}

export function newPath(): void {
  adlCount = 0;
  adlNotional = 0;
}

/** a ranks before b: higher score, then lower account index. */
// @ts-ignore: decorator
@inline function before(sa: f64, ia: i32, sb: f64, ib: i32): bool {
  return sa > sb || (sa == sb && ia < ib);
}

function siftDown(root: i32, n: i32): void {
  const ids = adlOrder;
  const scores = adlScore;
  const id = unchecked(ids[root]);
  const score = unchecked(scores[root]);
  let r = root;
  while (true) {
    let child = 2 * r + 1;
    if (child >= n) break;
    let cs = unchecked(scores[child]);
    let ci = unchecked(ids[child]);
    if (child + 1 < n) {
      const s2 = unchecked(scores[child + 1]);
      const i2 = unchecked(ids[child + 1]);
      if (before(s2, i2, cs, ci)) {
        child++;
        cs = s2;
        ci = i2;
      }
    }
    if (!before(cs, ci, score, id)) break;
    unchecked((ids[r] = ci));
    unchecked((scores[r] = cs));
    r = child;
  }
  unchecked((ids[r] = id));
  unchecked((scores[r] = score));
}

function push(id: i32, score: f64, len: i32): void {
  const ids = adlOrder;
  const scores = adlScore;
  let r = len;
  while (r > 0) {
    const parent = (r - 1) >> 1;
    const ps = unchecked(scores[parent]);
    const pi = unchecked(ids[parent]);
    if (!before(score, id, ps, pi)) break;
    unchecked((ids[r] = pi));
    unchecked((scores[r] = ps));
    r = parent;
  }
  unchecked((ids[r] = id));
  unchecked((scores[r] = score));
}

/** Removes the heap's top (of len entries); the caller read it first. */
function popTop(len: i32): void {
  const n = len - 1;
  if (n > 0) {
    unchecked((adlOrder[0] = adlOrder[n]));
    unchecked((adlScore[0] = adlScore[n]));
    siftDown(0, n);
  }
}

function buildHints(nAccounts: i32): void {
  hintsBuilt = true;
  hintEpoch = book.epoch;
  let usable = true;
  for (let side = 1; side >= -1; side -= 2) {
    let len = 0;
    for (let j = 0; j < nAccounts; j++) {
      if ((unchecked(accIsLong[j]) == 1 ? 1 : -1) != side) continue;
      const q = unchecked(accSize[j]);
      const c = unchecked(accCollateral[j]);
      const e = unchecked(accEntry[j]);
      const x = q / c;
      if (!(q > 0 && c > 0 && x > 0 && x < Infinity && Math.abs(e) < Infinity && Math.abs(q * e) < Infinity)) usable = false;
      unchecked((adlOrder[len] = j));
      unchecked((adlScore[len] = x));
      len++;
    }
    sortPairs(adlScore, adlOrder, len, true);
    const first = side > 0 ? 0 : longCount;
    let emax = -Infinity;
    for (let r = len - 1; r >= 0; r--) {
      const j = unchecked(adlOrder[r]);
      const e = unchecked(accEntry[j]);
      const v = -(<f64>side) * e;
      if (v > emax) emax = v;
      const at = base(adlHint) + <usize>(first + r) * HINT_STRIDE;
      store<f64>(at, unchecked(adlScore[r]), H_X);
      store<f64>(at, emax, H_EMAX);
      store<f64>(at, unchecked(accSize[j]), H_Q);
      store<f64>(at, e, H_E);
      store<f64>(at, unchecked(accCollateral[j]), H_C);
      store<i32>(at, j, H_ID);
      const rung = rungOf(j);
      store<i32>(at, load<i32>(rung, L_DEAD), H_DEAD);
      store<i32>(at, unchecked(accLadderPos[j]), H_RUNG);
      store<i32>(rung, first + r, L_HINT);
    }
  }
  hintsUsable = usable;
  prefixLong = 0;
  prefixShort = longCount;
}

/** Starts the ranking of `side` (+1 longs, −1 shorts) at this mark. */
export function rank(side: f64, mark: f64, ranking: i32, nAccounts: i32, path: u32, seedLo: u32, seedHi: u32): void {
  heapLen = 0;
  rankSide = side;
  rankMark = mark;
  if (ranking == ADL_PNL_LEVERAGE && mark > 0 && mark < Infinity && !partialMode) {
    if (!hintsBuilt) buildHints(nAccounts);
    if (hintsUsable) {
      lazy = true;
      const epoch = book.epoch;
      if (hintEpoch != epoch) {
        hintEpoch = epoch;
        prefixLong = 0;
        prefixShort = longCount;
      }
      const end = side > 0 ? longCount : nAccounts;
      let pos = side > 0 ? prefixLong : prefixShort;
      let h = base(adlHint) + <usize>pos * HINT_STRIDE;
      while (pos < end && load<i32>(h, H_DEAD) == epoch) {
        pos++;
        h += HINT_STRIDE;
      }
      if (side > 0) prefixLong = pos;
      else prefixShort = pos;
      hintPos = pos;
      hintEnd = end;
      return;
    }
  }
  // every candidate scored, as the reference does, then heapified
  lazy = false;
  const epoch = book.epoch;
  const random = ranking == ADL_RANDOM;
  const hyperliquid = ranking == ADL_HYPERLIQUID;
  let len = 0;
  for (let j = 0; j < nAccounts; j++) {
    const sj: f64 = unchecked(accIsLong[j]) == 1 ? 1 : -1;
    if (sj != side || load<i32>(rungOf(j), L_DEAD) == epoch) continue;
    // an account in auction (the per-account engine) is being liquidated, not deleveraged
    if (partialMode && unchecked(inAuction[j]) == 1) continue;
    // nor one the liquidation engine has in hand (sliced, repaid): ADL takes the other side's healthy positions
    if (partialMode && unchecked(flagged[j]) >= 0) continue;
    const q = partialMode ? unchecked(curSize[j]) : unchecked(accSize[j]);
    const profit = side * q * (mark - unchecked(accEntry[j]));
    if (!(profit > 0)) continue;
    let score: f64;
    if (random) {
      philox(<u32>j, path, <u32>book.step, DOMAIN_ADL, seedLo, seedHi);
      score = uniform52(rng0, rng1);
    } else if (hyperliquid) {
      // (mark / entry) × notional / account value; a short's price ratio inverted
      const e = unchecked(accEntry[j]);
      const ratio = side > 0 ? mark / e : e / mark;
      const margin = partialMode ? unchecked(curColl[j]) : unchecked(accCollateral[j]);
      score = ratio * ((q * mark) / (margin + profit));
    } else {
      const margin = partialMode ? unchecked(curColl[j]) : unchecked(accCollateral[j]);
      score = (profit / margin) * ((q * mark) / (margin + profit));
    }
    unchecked((adlOrder[len] = j));
    unchecked((adlScore[len] = score));
    len++;
  }
  heapLen = len;
  for (let r = (len >> 1) - 1; r >= 0; r--) siftDown(r, len);
}

/**
 * Closes accounts of the current ranking, best first, at its mark against `deficit`: each gives up its profit
 * (never its principal) up to what is still owed. Takes and returns the makers' cash (a local of the caller's
 * loop: handing it through a global would put a store and a load on its dependency chain); what is still owed
 * is left in `owed`.
 */
// @ts-ignore: decorator
@inline export function consume(deficit: f64, makers: f64): f64 {
  if (!lazy || heapLen != 0) return consumeQueued(deficit, makers);
  // the common case, inline in the cascade round: a lazy ranking with nothing queued, each candidate
  // emitted straight from the hint; the first that cannot be certified goes to the queue, and
  // consumeQueued() takes over
  const side = rankSide;
  const mark = rankMark;
  const epoch = book.epoch;
  const rungs = base(ladder);
  const hints = base(adlHint);
  const sm = side * mark;
  const end = hintEnd;
  let pos = hintPos;
  let mk = makers;
  let count: i32 = 0;
  let notional = adlNotional;
  let d = deficit;
  let queued = false;
  while (d > 0 && pos < end) {
    const h = hints + <usize>pos * HINT_STRIDE;
    pos++;
    if (load<i32>(h, H_DEAD) == epoch) continue;
    const q = load<f64>(h, H_Q);
    const c = load<f64>(h, H_C);
    const profit = side * q * (mark - load<f64>(h, H_E));
    if (!(profit > 0)) continue;
    // emitted at once if it provably beats every entry not yet scored (see consumeQueued)
    if (pos < end) {
      const u = sm + load<f64>(h, HINT_STRIDE + H_EMAX);
      if (u > 0) {
        const x = load<f64>(h, HINT_STRIDE + H_X);
        const lhs = profit * (q * mark) * (1 + x * u);
        const rhs = mark * x * x * u * (c * (c + profit));
        if (!(rhs > SAFE_LO && lhs < SAFE_HI && lhs > rhs * SLACK)) {
          push(load<i32>(h, H_ID), (profit / c) * ((q * mark) / (c + profit)), 0);
          queued = true;
          break;
        }
      } else pos = end;
    }
    mk -= profit;
    const haircut = Math.min(d, profit);
    const rung = rungs + <usize>load<i32>(h, H_RUNG) * LADDER_STRIDE;
    store<f64>(rung, c + profit - haircut, L_CASH);
    store<i32>(rung, epoch, L_DEAD);
    store<i32>(h, epoch, H_DEAD);
    d -= haircut;
    count++;
    notional += q * mark;
  }
  hintPos = pos;
  adlCount += count;
  adlNotional = notional;
  if (queued) {
    heapLen = 1;
    return consumeQueued(d, mk);
  }
  owed = d;
  return mk;
}

/** consume() past its common case: a queue of scored candidates, or a ranking scored in full. */
function consumeQueued(deficit: f64, makers: f64): f64 {
  const side = rankSide;
  const mark = rankMark;
  const epoch = book.epoch;
  const rungs = base(ladder);
  const hints = base(adlHint);
  let mk = makers;
  let count: i32 = 0;
  let notional = adlNotional;
  let d = deficit;
  let len = heapLen;
  if (lazy) {
    const sm = side * mark;
    const end = hintEnd;
    let pos = hintPos;
    while (d > 0) {
      let h: usize;
      if (len == 0) {
        // the heap is empty: score hint entries until a candidate turns up
        if (pos >= end) break;
        h = hints + <usize>pos * HINT_STRIDE;
        pos++;
        if (load<i32>(h, H_DEAD) == epoch) continue;
        const q = load<f64>(h, H_Q);
        const c = load<f64>(h, H_C);
        const profit = side * q * (mark - load<f64>(h, H_E));
        if (!(profit > 0)) continue;
        // emitted at once if it provably beats every entry not yet scored, tested without a division: score
        // > bound ⇔ p·q·m·(1 + x·u) > m·x²·u·c·(c + p) (both sides of score > bound times c·(c + p)·(1 + x·u)
        // > 0), in a range where neither side can under- or overflow; otherwise scored exactly and queued
        if (pos < end) {
          const u = sm + load<f64>(h, HINT_STRIDE + H_EMAX);
          if (u > 0) {
            const x = load<f64>(h, HINT_STRIDE + H_X);
            const lhs = profit * (q * mark) * (1 + x * u);
            const rhs = mark * x * x * u * (c * (c + profit));
            if (!(rhs > SAFE_LO && lhs < SAFE_HI && lhs > rhs * SLACK)) {
              push(load<i32>(h, H_ID), (profit / c) * ((q * mark) / (c + profit)), len);
              len++;
              continue;
            }
          } else pos = end;
        }
      } else {
        // the heap's top is emitted once it beats every entry not yet scored
        if (pos < end) {
          const hp = hints + <usize>pos * HINT_STRIDE;
          const u = sm + load<f64>(hp, H_EMAX);
          if (u > 0) {
            const x = load<f64>(hp, H_X);
            if (!(unchecked(adlScore[0]) * (1 + x * u) > mark * x * x * u * SLACK + TINY)) {
              pos++;
              if (load<i32>(hp, H_DEAD) == epoch) continue;
              const q = load<f64>(hp, H_Q);
              const c = load<f64>(hp, H_C);
              const profit = side * q * (mark - load<f64>(hp, H_E));
              if (!(profit > 0)) continue;
              push(load<i32>(hp, H_ID), (profit / c) * ((q * mark) / (c + profit)), len);
              len++;
              continue;
            }
          } else pos = end;
        }
        const j = unchecked(adlOrder[0]);
        popTop(len);
        len--;
        h = hints + <usize>load<i32>(rungOf(j), L_HINT) * HINT_STRIDE;
        if (load<i32>(h, H_DEAD) == epoch) continue;
      }
      // closed at the mark: the profit is realised, the haircut covers the deficit
      const q = load<f64>(h, H_Q);
      const profit = side * q * (mark - load<f64>(h, H_E));
      mk -= profit;
      const haircut = Math.min(d, profit);
      const rung = rungs + <usize>load<i32>(h, H_RUNG) * LADDER_STRIDE;
      store<f64>(rung, load<f64>(h, H_C) + profit - haircut, L_CASH);
      store<i32>(rung, epoch, L_DEAD);
      store<i32>(h, epoch, H_DEAD);
      d -= haircut;
      count++;
      notional += q * mark;
    }
    hintPos = pos;
  } else {
    while (d > 0 && len > 0) {
      const j = unchecked(adlOrder[0]);
      popTop(len);
      len--;
      const rung = rungOf(j);
      if (load<i32>(rung, L_DEAD) == epoch) continue;
      const q = partialMode ? unchecked(curSize[j]) : unchecked(accSize[j]);
      const profit = side * q * (mark - unchecked(accEntry[j]));
      mk -= profit;
      const haircut = Math.min(d, profit);
      const cj = partialMode ? unchecked(curColl[j]) : unchecked(accCollateral[j]);
      store<f64>(rung, cj + profit - haircut, L_CASH);
      store<i32>(rung, epoch, L_DEAD);
      store<i32>(hints + <usize>load<i32>(rung, L_HINT) * HINT_STRIDE, epoch, H_DEAD);
      d -= haircut;
      count++;
      notional += q * mark;
    }
  }
  heapLen = len;
  adlCount += count;
  adlNotional = notional;
  owed = d;
  return mk;
}
