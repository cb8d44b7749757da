// The step's queue of what the fund could not pay, in the order the bankruptcies happened: a bankrupt remainder (a
// position the book could not take within the fund's budget, with the collateral backing it and its bankruptcy price)
// or a deficit no size carries. Filled during the cascade (assembly/ledger.ts cover, assembly/mechanisms/market.ts
// walkOrQueue), emptied after it by the loss allocation (assembly/loss-allocation.ts).
import { queueColl, queueDeficit, queueId, queuePrice, queueSide, queueSize } from "./state";

/** Entries waiting for the step's loss allocation. */
export let queueLen: i32 = 0;

export function newPath(): void {
  queueLen = 0;
}

/** Account i (side s) went bankrupt with `size` unfilled at bankruptcy price b, backed by `coll`. */
export function queueRemainder(i: i32, s: f64, size: f64, coll: f64, b: f64): void {
  // the queue holds 2 × accounts + 1 entries: an account closes once, queueing a remainder and a deficit at most
  unchecked((queueId[queueLen] = i));
  unchecked((queueSide[queueLen] = s));
  unchecked((queueSize[queueLen] = size));
  unchecked((queueColl[queueLen] = coll));
  unchecked((queuePrice[queueLen] = b));
  unchecked((queueDeficit[queueLen] = 0));
  queueLen++;
}

/** A deficit of a side-s account that no size carries (the fund already paid what it could); false: the queue is full. */
export function queueLoss(s: f64, deficit: f64): bool {
  // defensive (each closing account queues one entry at most): the caller books what cannot wait as bad debt
  if (queueLen >= queueId.length) return false;
  unchecked((queueId[queueLen] = -1));
  unchecked((queueSide[queueLen] = s));
  unchecked((queueDeficit[queueLen] = deficit));
  queueLen++;
  return true;
}

/** The loss allocation took every entry. */
export function clear(): void {
  queueLen = 0;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<i32>(b, queueLen, 0);
}
export function loadContext(b: usize): void {
  queueLen = load<i32>(b, 0);
}
