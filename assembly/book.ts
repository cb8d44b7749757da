// The aggregated depth ladder, relative to the fundamental: bid level k sits k−1 ticks below the centre
// tick, ask level k sits k ticks above it, so an exogenous move shifts the whole book (holes included) in
// O(1). Consumed depth refills toward the profile lazily, when a level is next read. Mirrors the book
// part of src/engine/reference.ts. The cascade rounds (assembly/cascade.ts) walk the same levels with this
// state in locals; sell/buy here serve the golden-test probes.
//
// Each level records the global step its depth was last brought up to date (V_STAMP): global steps grow
// across paths (a path's steps are pathBase + 0..steps), so a stamp below pathBase means "untouched in this
// path: the depth is the profile", and the refill factor is decay[gstep − stamp]. One stamp per level
// replaces the per-path reset of every level.
import {
  LEVEL_STRIDE, V_DEPTH, V_PROFILE, V_STAMP, askLevels, askProfile, base, bidLevels, bidProfile, capLevels, capSteps,
  decay,
} from "./state";

export let centre: f64 = 0;
export let bidTop: i32 = 1;
export let askTop: i32 = 1;
export let lastPrice: f64 = 0;
export let exhausted: bool = false;
export let step: i32 = 0;
/** The path counter: an account closed in this path carries it. */
export let epoch: i32 = 0;
/** The global step of step 0 of this path. */
export let pathBase: i32 = 0;
export let levels: i32 = 0;
export let tick: f64 = 0;
/** market.book.stress: this step's target depth is profile × depthScale (1 without stress). */
export let depthScale: f64 = 1;
/** market.book.stress.spreadWidening: ticks each side of the book steps back this step (0 without it). */
export let spreadGap: f64 = 0;

/** Per run: the book's size and tick, and the profiles copied into the level records. */
export function configureBook(nLevels: i32, tickSize: f64): void {
  levels = nLevels;
  tick = tickSize;
  const bids = base(bidLevels);
  const asks = base(askLevels);
  for (let k = 0; k <= nLevels + 1; k++) {
    const at = <usize>k * LEVEL_STRIDE;
    store<f64>(bids + at, unchecked(bidProfile[k]), V_PROFILE);
    store<f64>(asks + at, unchecked(askProfile[k]), V_PROFILE);
  }
}

export function newPath(): void {
  epoch++;
  const stride = capSteps + 2;
  if (pathBase > 0x3fffffff - stride) {
    // the global step would overflow: forget every stamp (once per ~10^7 paths)
    for (let k = 0; k <= capLevels + 1; k++) {
      store<i32>(base(bidLevels) + <usize>k * LEVEL_STRIDE, 0, V_STAMP);
      store<i32>(base(askLevels) + <usize>k * LEVEL_STRIDE, 0, V_STAMP);
    }
    pathBase = 0;
  }
  pathBase += stride;
  step = 0;
  bidTop = 1;
  askTop = 1;
  exhausted = false;
  depthScale = 1;
  spreadGap = 0;
}

export function setStep(t: i32): void {
  step = t;
}

/** Written back by the cascade rounds, which walk the book with this state in locals. */
export function setTouch(bid: i32, ask: i32, last: f64, exhaustedNow: bool): void {
  bidTop = bid;
  askTop = ask;
  lastPrice = last;
  exhausted = exhaustedNow;
}

/** The centre tick (best bid's tick), kept far enough above zero for every level to have a price. */
export function setCentre(fundamental: f64): void {
  const c = Math.floor(fundamental / tick + 1e-7);
  const floor = <f64>(levels + 1);
  centre = c > floor ? c : floor;
}

export function mid(): f64 {
  return (centre + 1 - <f64>bidTop + (centre + <f64>askTop)) * 0.5 * tick;
}

/**
 * Depth of level k now: refilled toward the target (profile × depthScale) since it was last brought up to
 * date, and capped at it (depth above a target shrunk by market.book.stress is withdrawn at once).
 */
// @ts-ignore: decorator
@inline export function depthAt(level: usize, gstep: i32, firstStep: i32): f64 {
  const stamp = load<i32>(level, V_STAMP);
  if (stamp == gstep) return load<f64>(level, V_DEPTH);
  const target = load<f64>(level, V_PROFILE) * depthScale;
  let d = target;
  if (stamp >= firstStep) {
    d = target - (target - load<f64>(level, V_DEPTH)) * unchecked(decay[gstep - stamp]);
    if (d > target) d = target;
  }
  store<f64>(level, d, V_DEPTH);
  store<i32>(level, gstep, V_STAMP);
  return d;
}

export function bidAt(k: i32): f64 {
  assert(k >= 0 && k <= levels + 1);
  return depthAt(base(bidLevels) + <usize>k * LEVEL_STRIDE, pathBase + step, pathBase);
}

export function askAt(k: i32): f64 {
  assert(k >= 0 && k <= levels + 1);
  return depthAt(base(askLevels) + <usize>k * LEVEL_STRIDE, pathBase + step, pathBase);
}

/** Finds the touch again from level `from` (with refill every level ≥ 1 may hold depth again). */
// @ts-ignore: decorator
@inline export function findTops(fromBid: i32, fromAsk: i32): void {
  const n = levels;
  const gstep = pathBase + step;
  const first = pathBase;
  let k = fromBid;
  let level = base(bidLevels) + <usize>k * LEVEL_STRIDE;
  while (k <= n && !(depthAt(level, gstep, first) > 0)) {
    k++;
    level += LEVEL_STRIDE;
  }
  bidTop = k;
  k = fromAsk;
  level = base(askLevels) + <usize>k * LEVEL_STRIDE;
  while (k <= n && !(depthAt(level, gstep, first) > 0)) {
    k++;
    level += LEVEL_STRIDE;
  }
  askTop = k;
}

/**
 * A market sell of qty into the bids; returns the fill notional. Past the last level the rest fills one tick
 * beyond the edge. The same walk as the cascade rounds' (assembly/cascade.ts), state in locals.
 */
export function sell(qty: f64): f64 {
  const n = levels;
  const gstep = pathBase + step;
  const first = pathBase;
  let rem = qty;
  let notional: f64 = 0;
  let last = lastPrice;
  let k = bidTop;
  let level = base(bidLevels) + <usize>k * LEVEL_STRIDE;
  while (rem > 0) {
    if (k > n) {
      const edge = (centre - spreadGap - <f64>n) * tick;
      notional += rem * edge;
      last = edge;
      exhausted = true;
      break;
    }
    const d = depthAt(level, gstep, first);
    if (d > 0) {
      const price = (centre - spreadGap + 1 - <f64>k) * tick;
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
  bidTop = k;
  lastPrice = last;
  return notional;
}

/** A market buy of qty from the asks; mirror of sell. */
export function buy(qty: f64): f64 {
  const n = levels;
  const gstep = pathBase + step;
  const first = pathBase;
  let rem = qty;
  let notional: f64 = 0;
  let last = lastPrice;
  let k = askTop;
  let level = base(askLevels) + <usize>k * LEVEL_STRIDE;
  while (rem > 0) {
    if (k > n) {
      const edge = (centre + spreadGap + <f64>n + 1) * tick;
      notional += rem * edge;
      last = edge;
      exhausted = true;
      break;
    }
    const d = depthAt(level, gstep, first);
    if (d > 0) {
      const price = (centre + spreadGap + <f64>k) * tick;
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
  askTop = k;
  lastPrice = last;
  return notional;
}
