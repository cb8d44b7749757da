// Isolated-margin prices under tiered maintenance margin (Binance bracket rule); same arithmetic as
// src/engine/margin.ts.
import { tierAmount, tierFloor, tierMmr } from "./state";

export function tierIndex(n: i32, notional: f64): i32 {
  let j = 0;
  while (j + 1 < n && notional >= unchecked(tierFloor[j + 1])) j++;
  return j;
}

/** Price where equity = maintenance margin, in the bracket the notional at that price falls in. */
export function liquidationPrice(n: i32, s: f64, q: f64, e: f64, c: f64): f64 {
  const exact = bracketRoot(n, s, q, e, c, 0);
  if (exact == exact) return exact;
  // a root exactly on a bracket floor can land a rounding error outside both neighbours: widen by 1e-12
  const onFloor = bracketRoot(n, s, q, e, c, 1e-12);
  if (onFloor == onFloor) return onFloor;
  return s > 0 ? 0 : Infinity;
}

function bracketRoot(n: i32, s: f64, q: f64, e: f64, c: f64, slack: f64): f64 {
  for (let j = 0; j < n; j++) {
    const lp = (c + unchecked(tierAmount[j]) - s * q * e) / (q * unchecked(tierMmr[j]) - s * q);
    if (!(lp > 0)) continue;
    const notional = q * lp;
    const above = j + 1 < n ? notional < unchecked(tierFloor[j + 1]) * (1 + slack) : true;
    if (notional >= unchecked(tierFloor[j]) * (1 - slack) && above) return lp;
  }
  return NaN;
}

export function bankruptcyPrice(s: f64, q: f64, e: f64, c: f64): f64 {
  return e - (s * c) / q;
}

/** Maintenance margin of a position of this notional: notional × mmr − maintenanceAmount of its bracket. */
export function maintenanceAt(n: i32, notional: f64): f64 {
  const j = tierIndex(n, notional);
  return notional * unchecked(tierMmr[j]) - unchecked(tierAmount[j]);
}

/** The liquidation price under the venue's convention: at the mark, or with maintenance fixed at entry (margin.ts). */
export function conventionLiquidationPrice(atEntry: bool, n: i32, s: f64, q: f64, e: f64, c: f64): f64 {
  if (!atEntry) return liquidationPrice(n, s, q, e, c);
  const lp = e - (s * (c - maintenanceAt(n, q * e))) / q;
  return s > 0 && !(lp > 0) ? 0 : lp;
}
