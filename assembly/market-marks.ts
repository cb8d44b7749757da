// Several markets: each market's mark and the path's totals of it (cascade.ts keeps them in locals). The marks sit in
// one contiguous array, the current mark of every market at any time: the cross-margin vector pass
// (assembly/cross-margin.ts) reads it without switching market contexts. Written by the step loop
// (assembly/markets.ts: openings, rounds, loss allocation) and by the cross-margin fills (the same follow-the-trades
// as a round that liquidated).
import * as book from "./book";
import { X_BAND } from "./path-opening";
import * as price from "./price";

/** Market m's mark, m = 0..M−1. */
export let marks = new StaticArray<f64>(0);

// the rest of the per-market values, MS f64 per market
const MS = 12;
export const S_FUNDAMENTAL = 0;
export const S_MIN = 2;
export const S_PEAK = 3;
export const S_MAX_DD = 4;
export const S_EXO_PEAK = 5;
export const S_EXO_DD = 6;
export const S_EXO_BEST = 7;
export const S_MARK_BEST = 8;
export const S_EXTRAS = 9;


let ms = new StaticArray<f64>(0);

export function carveMarks(markets: i32): void {
  marks = new StaticArray<f64>(markets);
  ms = new StaticArray<f64>(MS * markets);
}

// @ts-ignore: decorator
@inline export function get(m: i32, k: i32): f64 {
  return unchecked(ms[m * MS + k]);
}
// @ts-ignore: decorator
@inline export function set(m: i32, k: i32, x: f64): void {
  unchecked((ms[m * MS + k] = x));
}
// @ts-ignore: decorator
@inline export function markOf(m: i32): f64 {
  return unchecked(marks[m]);
}
// @ts-ignore: decorator
@inline export function setMark(m: i32, x: f64): void {
  unchecked((marks[m] = x));
}

/** The drawdown (peak − x)/peak of market m's mark after a new mark, as runPath's (a deeper numerator only is divided). */
export function markPoint(m: i32, mark: f64): void {
  if (mark < get(m, S_MIN)) set(m, S_MIN, mark);
  peakDrawdown(m, mark, S_PEAK, S_MARK_BEST, S_MAX_DD);
}

/**
 * A series' running peak and its deepest fall (peak − x)/peak after a new value x, in market m's slots: the mark's
 * (markPoint) and the exogenous price's (the opening). The division only when the numerator deepens.
 */
// @ts-ignore: decorator
@inline export function peakDrawdown(m: i32, x: f64, peakSlot: i32, bestSlot: i32, ddSlot: i32): void {
  if (x > get(m, peakSlot)) {
    set(m, peakSlot, x);
    set(m, bestSlot, 0);
  }
  const peak = get(m, peakSlot);
  const num = peak - x;
  if (num > get(m, bestSlot)) {
    set(m, bestSlot, num);
    const dd = num / peak;
    if (dd > get(m, ddSlot)) set(m, ddSlot, dd);
  }
}

/**
 * Market m (the current context) after trades that moved its book, as after a round that liquidated: its mark follows
 * (the mid or the last trade, unless it holds; within the band), then its min price and drawdown. Returns the mark.
 */
export function followTrades(m: i32): f64 {
  let mark = markOf(m);
  if (!price.markHeld) mark = price.markMid ? book.mid() : book.lastPrice;
  if ((<i32>get(m, S_EXTRAS) & X_BAND) != 0) mark = price.banded(mark);
  setMark(m, mark);
  markPoint(m, mark);
  return mark;
}
