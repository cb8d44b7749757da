// The aggregated book of one market, with no edge and with lasting impact: the same model and arithmetic as
// src/engine/book.ts (whose header explains it), state in module globals read into locals per call.
//
// Depth per tick is a profile of the distance from the centre (bid level k at k−1 ticks below the centre tick,
// ask level k at k ticks above); the first `levels` levels are a stored table, past it the profile continues
// analytically (tailDepth). A side's state is its touch level and the depth left there; at each step boundary
// the permanent share of the step's impact moves into the centre and the rest of the displacement decays.
// Long runs of levels of one depth are walked in one stroke (uniformRun, src/engine/book.ts run()).
import {
  PROFILE_EXPONENTIAL, PROFILE_FLAT, PROFILE_LATENT, PROFILE_POWER, P_BOOK_END_ASK, P_BOOK_END_BID, P_IMPACT_DECAY,
  P_IMPACT_PERMANENT, P_PROFILE_DECAY_TICKS, P_PROFILE_EXPONENT, P_PROFILE_KIND, P_PROFILE_SATURATION, P_PROFILE_SIZE,
} from "./abi";
import { exp, log } from "./mathfn";
import { askProfile, bidProfile, params } from "./state";

/** A side never walks past this many levels (keeps the loops finite; an empty book's asks end here: uniformRun). */
const NO_END: i32 = 0x3fffffff;

/** A walk takes a run of levels of one positive depth in one stroke once it crosses this many of them. */
const LONG_RUN: i32 = 65536;

export let centre: f64 = 0;
/** The permanent impact in ticks (signed: sales push it down). */
export let perm: f64 = 0;
export let bidTop: i32 = 1;
export let bidRem: f64 = 0;
export let askTop: i32 = 1;
export let askRem: f64 = 0;
let bidX0: f64 = 0;
let askX0: f64 = 0;
/** Each side's displacement taken in the path (Σ of what its sales walked). */
let bidS: f64 = 0;
let askS: f64 = 0;
export let bidTouched = false;
export let askTouched = false;
export let lastPrice: f64 = 0;
export let exhausted: bool = false;
export let step: i32 = 0;
/** The path counter: an account closed in this path carries it. */
export let epoch: i32 = 0;
export let levels: i32 = 0;
export let tick: f64 = 0;
/** market.book.stress: this step's depth is profile × depthScale (1 without stress). */
export let depthScale: f64 = 1;
/** market.book.stress.spreadWidening: ticks each side of the book steps back this step (0 without it). */
export let spreadGap: f64 = 0;
let kind: i32 = 0;
let size: f64 = 0;
let decayTicks: f64 = 0;
let exponent: f64 = 0;
let saturation: f64 = 0;
let bidEnd: i32 = 0;
let askEnd: i32 = 0;
let impactDecay: f64 = 1;
let permanent: f64 = 0;

/** Per run: the book's window, tick, profile and impact parameters. */
export function configureBook(nLevels: i32, tickSize: f64): void {
  levels = nLevels;
  tick = tickSize;
  kind = <i32>unchecked(params[P_PROFILE_KIND]);
  size = unchecked(params[P_PROFILE_SIZE]);
  decayTicks = unchecked(params[P_PROFILE_DECAY_TICKS]);
  exponent = unchecked(params[P_PROFILE_EXPONENT]);
  saturation = unchecked(params[P_PROFILE_SATURATION]);
  bidEnd = <i32>unchecked(params[P_BOOK_END_BID]);
  askEnd = <i32>unchecked(params[P_BOOK_END_ASK]);
  impactDecay = unchecked(params[P_IMPACT_DECAY]);
  permanent = unchecked(params[P_IMPACT_PERMANENT]);
}

/** Depth per tick of level k past the stored window (src/engine/book.ts profileDepth). */
export function tailDepth(k: i32): f64 {
  const x = <f64>k;
  if (kind == PROFILE_FLAT) return size;
  if (kind == PROFILE_EXPONENTIAL) return size * exp(-(x - 1) / decayTicks);
  if (kind == PROFILE_POWER) return size * exp(-exponent * log(x));
  if (kind == PROFILE_LATENT) return x < saturation ? (size * x) / saturation : size;
  return 0;
}

/**
 * How many levels from k on (k ≤ limit, its depth r the whole level's, rem units still to fill) a walk takes in one
 * stroke; 0: it goes on level by level (src/engine/book.ts run(), same arithmetic): all of them to the edge when
 * every one is empty, else a run of one positive depth (the flat tail) of LONG_RUN levels or more.
 */
export function uniformRun(k: i32, r: f64, rem: f64, limit: i32): i32 {
  const scale = depthScale;
  if (k > limit || !(scale == 0 || k > levels)) return 0;
  const latent = kind == PROFILE_LATENT;
  if (r == 0) return scale == 0 || !latent || <f64>k >= saturation ? limit - k + 1 : 0;
  if (!(kind == PROFILE_FLAT || (latent && <f64>k >= saturation))) return 0;
  const toEdge = limit - k + 1;
  if (toEdge < LONG_RUN || rem < <f64>(LONG_RUN + 1) * r) return 0;
  const whole = Math.floor(rem / r);
  return whole > <f64>toEdge ? toEdge : <i32>whole - 1;
}

/** walkWithin's share of a run of m levels of depth r (src/engine/book.ts affordableRun, same arithmetic). */
function affordableRun(m: i32, u0: f64, left: f64, r: f64, tk: f64): i32 {
  if (u0 + <f64>(m - 1) * tk <= 0) return m;
  let n: f64;
  if (u0 <= 0) n = Math.floor(-u0 / tk);
  else {
    if (!(left > 0)) return 0;
    // the largest a with r·(a·u0 + tick·a(a − 1)/2) ≤ left, less one
    const h = u0 - tk / 2;
    n = Math.floor((Math.sqrt(h * h + (2 * tk * left) / r) - h) / tk) - 1;
  }
  if (n > <f64>m) n = <f64>m;
  return n >= <f64>LONG_RUN ? <i32>n : 0;
}

// @ts-ignore: decorator
@inline export function bidDepth(k: i32): f64 {
  return k <= levels ? unchecked(bidProfile[k]) : tailDepth(k);
}

// @ts-ignore: decorator
@inline export function askDepth(k: i32): f64 {
  return k <= levels ? unchecked(askProfile[k]) : tailDepth(k);
}

export function newPath(): void {
  epoch++;
  step = 0;
  perm = 0;
  bidX0 = 0;
  askX0 = 0;
  bidS = 0;
  askS = 0;
  bidTouched = false;
  askTouched = false;
  exhausted = false;
  depthScale = 1;
  spreadGap = 0;
  bidTop = 1;
  bidRem = bidDepth(1);
  askTop = 1;
  askRem = askDepth(1);
}

/**
 * The batched rounds (assembly/mechanisms/market.ts) walked the bids with the book's state in locals: the touch level
 * and the depth left there, the last trade, whether the walk passed the book's end, whether it walked at all.
 */
// @ts-ignore: decorator
@inline export function bidWalked(top: i32, rem: f64, last: f64, ended: bool, walked: bool): void {
  if (walked) bidTouched = true;
  bidTop = top;
  bidRem = rem;
  lastPrice = last;
  if (ended) exhausted = true;
}
// @ts-ignore: decorator
@inline export function askWalked(top: i32, rem: f64, last: f64, ended: bool, walked: bool): void {
  if (walked) askTouched = true;
  askTop = top;
  askRem = rem;
  lastPrice = last;
  if (ended) exhausted = true;
}

/** `last` restarts at this price (the step's opening mid: see the step loop). */
// @ts-ignore: decorator
@inline export function setLastPrice(price: f64): void {
  lastPrice = price;
}

/** market.book.stress.spreadWidening: each side steps back this many ticks this step. */
// @ts-ignore: decorator
@inline export function setSpreadGap(ticks: f64): void {
  spreadGap = ticks;
}

export function setStep(t: i32): void {
  step = t;
}

/** The centre tick: the fundamental's tick plus the permanent impact on the tick grid, one tick or above. */
export function setCentre(fundamentalTick: f64): void {
  const c = fundamentalTick + Math.floor(perm + 0.5);
  centre = c > 1 ? c : 1;
}

/**
 * Step boundary: what each side's sales walked in the last step is added to its total; the displacement decays and
 * the centre takes the permanent share of what refilled (src/engine/book.ts); the touch is placed again.
 */
export function startStep(scale: f64): void {
  // a book at rest (nothing traded, nothing displaced, the same depth) stays as it is: the common step
  if (!(bidTouched || askTouched) && bidX0 == 0 && askX0 == 0 && scale == depthScale) return;
  const theta = permanent;
  let xb = bidX0;
  if (bidTouched) {
    const d = bidDepth(bidTop) * depthScale;
    xb = d > 0 ? <f64>bidTop - bidRem / d : <f64>(bidTop - 1);
    const j = xb - bidX0;
    if (j > 0) bidS += j;
  }
  let xa = askX0;
  if (askTouched) {
    const d = askDepth(askTop) * depthScale;
    xa = d > 0 ? <f64>askTop - askRem / d : <f64>(askTop - 1);
    const j = xa - askX0;
    if (j > 0) askS += j;
  }
  xb *= impactDecay;
  xa *= impactDecay;
  perm = theta * (askS - xa - (bidS - xb));
  bidX0 = xb;
  askX0 = xa;
  bidTouched = false;
  askTouched = false;
  depthScale = scale;
  const kb = Math.floor(xb) + 1;
  bidTop = <i32>kb;
  bidRem = (kb - xb) * (bidDepth(bidTop) * scale);
  const ka = Math.floor(xa) + 1;
  askTop = <i32>ka;
  askRem = (ka - xa) * (askDepth(askTop) * scale);
}

/** The last bid level with a price of one tick or more (and that the book holds). */
// @ts-ignore: decorator
@inline export function bidLimit(): i32 {
  const floor = <i32>(centre - spreadGap);
  return bidEnd > 0 && bidEnd < floor ? bidEnd : floor;
}

// @ts-ignore: decorator
@inline export function askLimit(): i32 {
  return askEnd > 0 ? askEnd : NO_END;
}

/** The best bid's level (limit + 1 when the book holds none). */
export function bidTouch(): i32 {
  const limit = bidLimit();
  let k = bidTop;
  let r = bidRem;
  while (!(r > 0) && k <= limit) {
    k++;
    r = bidDepth(k) * depthScale;
    // every level from here on empty: none is the touch
    if (r == 0 && uniformRun(k, 0, 0, limit) > 0) k = limit + 1;
  }
  return k;
}

export function askTouch(): i32 {
  const limit = askLimit();
  let k = askTop;
  let r = askRem;
  while (!(r > 0) && k <= limit) {
    k++;
    r = askDepth(k) * depthScale;
    if (r == 0 && uniformRun(k, 0, 0, limit) > 0) k = limit + 1;
  }
  return k;
}

export function mid(): f64 {
  return (centre + 1 - <f64>bidTouch() + (centre + <f64>askTouch())) * 0.5 * tick;
}

/** The best bid's price, or 0 when the book holds no bid. */
export function bidPrice(): f64 {
  const k = bidTouch();
  return k <= bidLimit() ? (centre - spreadGap + 1 - <f64>k) * tick : 0;
}

/** The best ask's price, or Infinity when the book holds no ask. */
export function askPrice(): f64 {
  const k = askTouch();
  return k <= askLimit() ? (centre + spreadGap + <f64>k) * tick : Infinity;
}

/** A market sell of qty into the bids; returns the fill notional. */
export function sell(qty: f64): f64 {
  const c = centre - spreadGap;
  const tk = tick;
  const scale = depthScale;
  const limit = bidLimit();
  // the levels a walk reads straight from the stored table (none when stress emptied the book)
  const fast = scale == 0 ? -1 : levels;
  const profile = changetype<usize>(bidProfile);
  let rem = qty;
  let notional: f64 = 0;
  let k = bidTop;
  let r = bidRem;
  let last = lastPrice;
  while (rem > 0) {
    if (k > limit) {
      // the book really ends here (a snapshot's last level, or a price of zero)
      const edge = (c - <f64>limit) * tk;
      notional += rem * edge;
      last = edge;
      exhausted = true;
      r = 0;
      break;
    }
    if (r > 0) {
      const price = (c + 1 - <f64>k) * tk;
      last = price;
      if (r > rem) {
        r -= rem;
        notional += rem * price;
        break;
      }
      notional += r * price;
      rem -= r;
    }
    k++;
    if (k > fast) {
      // past the table, or an emptied book: sellOnward walks the rest from the level before (this loop moves k by
      // one only, which keeps it as fast as before the long runs)
      bidTop = k - 1;
      bidRem = 0;
      lastPrice = last;
      return sellOnward(rem, notional);
    }
    r = load<f64>(profile + (<usize>k << 3)) * scale;
  }
  bidTop = k;
  bidRem = r;
  lastPrice = last;
  bidTouched = true;
  return notional;
}

/**
 * A sale of qty from the bid touch on, the notional so far `notional0`: every level, the tail past the table, long
 * runs of one depth in one stroke (uniformRun). sell's and the batched rounds' walk past their stored levels.
 */
export function sellOnward(qty: f64, notional0: f64): f64 {
  const c = centre - spreadGap;
  const tk = tick;
  const scale = depthScale;
  const limit = bidLimit();
  const window = levels;
  const profile = changetype<usize>(bidProfile);
  let rem = qty;
  let notional = notional0;
  let k = bidTop;
  let r = bidRem;
  let last = lastPrice;
  while (rem > 0) {
    if (k > limit) {
      // the book really ends here (a snapshot's last level, or a price of zero)
      const edge = (c - <f64>limit) * tk;
      notional += rem * edge;
      last = edge;
      exhausted = true;
      r = 0;
      break;
    }
    if (r > 0) {
      const price = (c + 1 - <f64>k) * tk;
      last = price;
      if (r > rem) {
        r -= rem;
        notional += rem * price;
        break;
      }
      notional += r * price;
      rem -= r;
    }
    k++;
    // sell/buy hand over past their stored levels (k never comes back below them): the level's depth, then a run
    // of one depth in one stroke (uniformRun)
    r = (k <= window ? load<f64>(profile + (<usize>k << 3)) : tailDepth(k)) * scale;
    const m = uniformRun(k, r, rem, limit);
    if (m > 0) {
      if (r > 0) {
        // m whole levels at (c + 1 − k − j)·tick, j = 0..m−1
        const fm = <f64>m;
        notional += r * ((fm * (c + 1 - <f64>k) - (fm * (fm - 1)) / 2) * tk);
        rem -= fm * r;
        last = (c + 2 - <f64>k - fm) * tk;
      }
      k += m;
    }
  }
  bidTop = k;
  bidRem = r;
  lastPrice = last;
  bidTouched = true;
  return notional;
}

/** A market buy of qty from the asks; mirror of sell. */
export function buy(qty: f64): f64 {
  const c = centre + spreadGap;
  const tk = tick;
  const scale = depthScale;
  const limit = askLimit();
  const fast = scale == 0 ? -1 : levels;
  const profile = changetype<usize>(askProfile);
  let rem = qty;
  let notional: f64 = 0;
  let k = askTop;
  let r = askRem;
  let last = lastPrice;
  while (rem > 0) {
    if (k > limit) {
      // the book really ends here
      const edge = (c + <f64>limit + 1) * tk;
      notional += rem * edge;
      last = edge;
      exhausted = true;
      r = 0;
      break;
    }
    if (r > 0) {
      const price = (c + <f64>k) * tk;
      last = price;
      if (r > rem) {
        r -= rem;
        notional += rem * price;
        break;
      }
      notional += r * price;
      rem -= r;
    }
    k++;
    if (k > fast) {
      // past the table, or an emptied book: buyOnward walks the rest (sell says why)
      askTop = k - 1;
      askRem = 0;
      lastPrice = last;
      return buyOnward(rem, notional);
    }
    r = load<f64>(profile + (<usize>k << 3)) * scale;
  }
  askTop = k;
  askRem = r;
  lastPrice = last;
  askTouched = true;
  return notional;
}

/** A purchase of qty from the ask touch on, the notional so far `notional0` (sellOnward's mirror). */
export function buyOnward(qty: f64, notional0: f64): f64 {
  const c = centre + spreadGap;
  const tk = tick;
  const scale = depthScale;
  const limit = askLimit();
  const window = levels;
  const profile = changetype<usize>(askProfile);
  let rem = qty;
  let notional = notional0;
  let k = askTop;
  let r = askRem;
  let last = lastPrice;
  while (rem > 0) {
    if (k > limit) {
      const edge = (c + <f64>limit + 1) * tk;
      notional += rem * edge;
      last = edge;
      exhausted = true;
      r = 0;
      break;
    }
    if (r > 0) {
      const price = (c + <f64>k) * tk;
      last = price;
      if (r > rem) {
        r -= rem;
        notional += rem * price;
        break;
      }
      notional += r * price;
      rem -= r;
    }
    k++;
    // sell/buy hand over past their stored levels (k never comes back below them): the level's depth, then a run
    // of one depth in one stroke (uniformRun)
    r = (k <= window ? load<f64>(profile + (<usize>k << 3)) : tailDepth(k)) * scale;
    const m = uniformRun(k, r, rem, limit);
    if (m > 0) {
      if (r > 0) {
        // m whole levels at (c + k + j)·tick, j = 0..m−1
        const fm = <f64>m;
        notional += r * ((fm * (c + <f64>k) + (fm * (fm - 1)) / 2) * tk);
        rem -= fm * r;
        last = (c + <f64>k + fm - 1) * tk;
      }
      k += m;
    }
  }
  askTop = k;
  askRem = r;
  lastPrice = last;
  askTouched = true;
  return notional;
}

/** What the last walkWithin could not fill within its budget: the bankrupt remainder. */
export let unfilled: f64 = 0;

/**
 * A liquidation's market order (s = 1 sells into the bids, −1 buys from the asks) of qty that the insurance fund
 * can afford: a fill beyond the bankruptcy price b costs the fund |b − price| per unit, and the walk stops where
 * that cost would pass `budget`. Returns the fill notional; what is left is `unfilled`, for ADL, and never reaches
 * the book. The cold path of ADL scenarios only (src/engine/book.ts walkWithin, same arithmetic).
 */
export function walkWithin(s: f64, qty: f64, b: f64, budget: f64): f64 {
  const sells = s > 0;
  const c = sells ? centre - spreadGap : centre + spreadGap;
  const tk = tick;
  const scale = depthScale;
  const limit = sells ? bidLimit() : askLimit();
  const fast = scale == 0 ? -1 : levels;
  let rem = qty;
  let notional: f64 = 0;
  let cost: f64 = 0;
  let k = sells ? bidTop : askTop;
  let r = sells ? bidRem : askRem;
  let last = lastPrice;
  while (rem > 0) {
    const ended = k > limit;
    // the book really ends at its edge (a snapshot's last level, or a price of zero): all that is left fills there
    const price = ended ? (sells ? (c - <f64>limit) * tk : (c + <f64>limit + 1) * tk) : sells ? (c + 1 - <f64>k) * tk : (c + <f64>k) * tk;
    if (ended) r = Infinity;
    if (r > 0) {
      let take = r < rem ? r : rem;
      const unitCost = s * (b - price);
      if (unitCost > 0) {
        const most = (budget - cost) / unitCost;
        if (most < take) {
          // the fund's budget ends inside this level
          take = most > 0 ? most : 0;
          if (take > 0) {
            notional += take * price;
            last = price;
            if (!ended) r -= take;
          }
          rem -= take;
          if (ended) {
            exhausted = true;
            r = 0;
          }
          break;
        }
        cost += take * unitCost;
      }
      last = price;
      notional += take * price;
      if (ended) {
        exhausted = true;
        r = 0;
        rem = 0;
        break;
      }
      if (r > rem) {
        r -= rem;
        rem = 0;
        break;
      }
      rem -= r;
    }
    k++;
    if (k <= fast) r = (sells ? bidDepth(k) : askDepth(k)) * scale;
    else {
      r = (sells ? bidDepth(k) : askDepth(k)) * scale;
      let m = uniformRun(k, r, rem, limit);
      if (m > 0 && r > 0) {
        // level k + j costs the fund u0 + j·tick per unit (when positive)
        const u0 = s * (b - (sells ? (c + 1 - <f64>k) * tk : (c + <f64>k) * tk));
        m = affordableRun(m, u0, budget - cost, r, tk);
        if (m > 0) {
          const fm = <f64>m;
          if (u0 > 0) cost += r * (fm * u0 + (tk * (fm * (fm - 1))) / 2);
          notional += r * ((sells ? fm * (c + 1 - <f64>k) - (fm * (fm - 1)) / 2 : fm * (c + <f64>k) + (fm * (fm - 1)) / 2) * tk);
          rem -= fm * r;
          last = (sells ? c + 2 - <f64>k - fm : c + <f64>k + fm - 1) * tk;
        }
      }
      if (m > 0) k += m;
    }
  }
  unfilled = rem;
  if (sells) {
    bidTop = k;
    bidRem = r;
    bidTouched = true;
  } else {
    askTop = k;
    askRem = r;
    askTouched = true;
  }
  lastPrice = last;
  return notional;
}

/**
 * The units resting within `frac` of the mid, both sides: bids priced at or above mid × (1 − frac), asks at or below
 * mid × (1 + frac), from each side's touch (the trace's depth within 1%; src/engine/book.ts, same arithmetic).
 */
export function depthWithin(frac: f64): f64 {
  const m = mid();
  const lo = m * (1 - frac);
  const hi = m * (1 + frac);
  const scale = depthScale;
  let total: f64 = 0;
  const cb = centre - spreadGap;
  const bidLast = bidLimit();
  let k = bidTop;
  let r = bidRem;
  while (k <= bidLast && (cb + 1 - <f64>k) * tick >= lo) {
    if (r > 0) total += r;
    k++;
    r = bidDepth(k) * scale;
    if (r == 0 && uniformRun(k, 0, 0, bidLast) > 0) k = bidLast + 1;
  }
  const ca = centre + spreadGap;
  const askLast = askLimit();
  k = askTop;
  r = askRem;
  while (k <= askLast && (ca + <f64>k) * tick <= hi) {
    if (r > 0) total += r;
    k++;
    r = askDepth(k) * scale;
    if (r == 0 && uniformRun(k, 0, 0, askLast) > 0) k = askLast + 1;
  }
  return total;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<f64>(b, centre, 0);
  store<f64>(b, perm, 8);
  store<i32>(b, bidTop, 16);
  store<f64>(b, bidRem, 24);
  store<i32>(b, askTop, 32);
  store<f64>(b, askRem, 40);
  store<f64>(b, bidX0, 48);
  store<f64>(b, askX0, 56);
  store<f64>(b, bidS, 64);
  store<f64>(b, askS, 72);
  store<u8>(b, bidTouched ? 1 : 0, 80);
  store<u8>(b, askTouched ? 1 : 0, 88);
  store<f64>(b, lastPrice, 96);
  store<u8>(b, exhausted ? 1 : 0, 104);
  store<i32>(b, step, 112);
  store<i32>(b, epoch, 120);
  store<i32>(b, levels, 128);
  store<f64>(b, tick, 136);
  store<f64>(b, depthScale, 144);
  store<f64>(b, spreadGap, 152);
  store<i32>(b, kind, 160);
  store<f64>(b, size, 168);
  store<f64>(b, decayTicks, 176);
  store<f64>(b, exponent, 184);
  store<f64>(b, saturation, 192);
  store<i32>(b, bidEnd, 200);
  store<i32>(b, askEnd, 208);
  store<f64>(b, impactDecay, 216);
  store<f64>(b, permanent, 224);
  store<f64>(b, unfilled, 232);
}
export function loadContext(b: usize): void {
  centre = load<f64>(b, 0);
  perm = load<f64>(b, 8);
  bidTop = load<i32>(b, 16);
  bidRem = load<f64>(b, 24);
  askTop = load<i32>(b, 32);
  askRem = load<f64>(b, 40);
  bidX0 = load<f64>(b, 48);
  askX0 = load<f64>(b, 56);
  bidS = load<f64>(b, 64);
  askS = load<f64>(b, 72);
  bidTouched = load<u8>(b, 80) != 0;
  askTouched = load<u8>(b, 88) != 0;
  lastPrice = load<f64>(b, 96);
  exhausted = load<u8>(b, 104) != 0;
  step = load<i32>(b, 112);
  epoch = load<i32>(b, 120);
  levels = load<i32>(b, 128);
  tick = load<f64>(b, 136);
  depthScale = load<f64>(b, 144);
  spreadGap = load<f64>(b, 152);
  kind = load<i32>(b, 160);
  size = load<f64>(b, 168);
  decayTicks = load<f64>(b, 176);
  exponent = load<f64>(b, 184);
  saturation = load<f64>(b, 192);
  bidEnd = load<i32>(b, 200);
  askEnd = load<i32>(b, 208);
  impactDecay = load<f64>(b, 216);
  permanent = load<f64>(b, 224);
  unfilled = load<f64>(b, 232);
}
