// The aggregated depth ladder, relative to the fundamental: bid level k sits k−1 ticks below the centre
// tick, ask level k sits k ticks above it, so an exogenous move shifts the whole book (holes included) in
// O(1). Consumed depth refills toward the profile lazily, when a level is next read. Mirrors the book
// part of src/engine/reference.ts.
import {
  askDepth, askEpoch, askProfile, askSeen, bidDepth, bidEpoch, bidProfile, bidSeen, decay,
} from "./state";

export let centre: f64 = 0;
export let bidTop: i32 = 1;
export let askTop: i32 = 1;
export let lastPrice: f64 = 0;
export let exhausted: bool = false;
export let step: i32 = 0;
export let epoch: i32 = 0;
export let levels: i32 = 0;
export let tick: f64 = 0;

export function configureBook(nLevels: i32, tickSize: f64): void {
  levels = nLevels;
  tick = tickSize;
}

export function newPath(): void {
  epoch++;
  step = 0;
  bidTop = 1;
  askTop = 1;
  exhausted = false;
}

export function setStep(t: i32): void {
  step = t;
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

export function bidAt(k: i32): f64 {
  const profile = unchecked(bidProfile[k]);
  if (unchecked(bidEpoch[k]) != epoch) {
    unchecked((bidEpoch[k] = epoch));
    unchecked((bidSeen[k] = step));
    unchecked((bidDepth[k] = profile));
    return profile;
  }
  const seen = unchecked(bidSeen[k]);
  if (seen < step) {
    unchecked((bidDepth[k] = profile - (profile - unchecked(bidDepth[k])) * unchecked(decay[step - seen])));
    unchecked((bidSeen[k] = step));
  }
  return unchecked(bidDepth[k]);
}

export function askAt(k: i32): f64 {
  const profile = unchecked(askProfile[k]);
  if (unchecked(askEpoch[k]) != epoch) {
    unchecked((askEpoch[k] = epoch));
    unchecked((askSeen[k] = step));
    unchecked((askDepth[k] = profile));
    return profile;
  }
  const seen = unchecked(askSeen[k]);
  if (seen < step) {
    unchecked((askDepth[k] = profile - (profile - unchecked(askDepth[k])) * unchecked(decay[step - seen])));
    unchecked((askSeen[k] = step));
  }
  return unchecked(askDepth[k]);
}

/** Finds the touch again from level `from` (with refill every level ≥ 1 may hold depth again). */
export function findTops(fromBid: i32, fromAsk: i32): void {
  let k = fromBid;
  while (k <= levels && !(bidAt(k) > 0)) k++;
  bidTop = k;
  k = fromAsk;
  while (k <= levels && !(askAt(k) > 0)) k++;
  askTop = k;
}

/** A market sell of qty into the bids; returns the fill notional. Past the last level the rest fills one tick beyond the edge. */
export function sell(qty: f64): f64 {
  let rem = qty;
  let notional: f64 = 0;
  let k = bidTop;
  const n = levels;
  while (rem > 0) {
    if (k > n) {
      const edge = (centre - <f64>n) * tick;
      notional += rem * edge;
      lastPrice = edge;
      exhausted = true;
      rem = 0;
      break;
    }
    const d = bidAt(k);
    if (d > 0) {
      const price = (centre + 1 - <f64>k) * tick;
      lastPrice = price;
      if (d > rem) {
        unchecked((bidDepth[k] = d - rem));
        notional += rem * price;
        rem = 0;
        break;
      }
      unchecked((bidDepth[k] = 0));
      notional += d * price;
      rem -= d;
    }
    k++;
  }
  bidTop = k;
  return notional;
}

/** A market buy of qty from the asks; mirror of sell. */
export function buy(qty: f64): f64 {
  let rem = qty;
  let notional: f64 = 0;
  let k = askTop;
  const n = levels;
  while (rem > 0) {
    if (k > n) {
      const edge = (centre + <f64>n + 1) * tick;
      notional += rem * edge;
      lastPrice = edge;
      exhausted = true;
      rem = 0;
      break;
    }
    const d = askAt(k);
    if (d > 0) {
      const price = (centre + <f64>k) * tick;
      lastPrice = price;
      if (d > rem) {
        unchecked((askDepth[k] = d - rem));
        notional += rem * price;
        rem = 0;
        break;
      }
      unchecked((askDepth[k] = 0));
      notional += d * price;
      rem -= d;
    }
    k++;
  }
  askTop = k;
  return notional;
}
