// Isolated-margin prices of one position under tiered maintenance margin (Binance bracket rule).
// The WASM kernel (assembly/margin.ts) does the same arithmetic in the same order: keep them in step.

/** Tiers as flat arrays sorted by floor ascending (what both engines hold). */
export interface TierTable {
  floor: Float64Array;
  mmr: Float64Array;
  amount: Float64Array;
}

/** Index of the bracket that a position of this notional falls in. */
export function tierIndex(tiers: TierTable, notional: number): number {
  let j = 0;
  const n = tiers.floor.length;
  while (j + 1 < n && notional >= tiers.floor[j + 1]) j++;
  return j;
}

/**
 * Price at which equity = maintenance margin, for side s (+1 long, −1 short), size q > 0, entry e and
 * isolated collateral c: LP = (c + cum − s·q·e) / (q·mmr − s·q), evaluated in the bracket that the
 * notional at LP itself falls in (SPEC §5: "recomputed with that tier").
 * Returns 0 for a long that can never be liquidated, +Infinity for such a short.
 */
export function liquidationPrice(tiers: TierTable, s: number, q: number, e: number, c: number): number {
  const exact = bracketRoot(tiers, s, q, e, c, 0);
  if (exact === exact) return exact;
  // A root exactly on a bracket floor can land a rounding error outside both neighbouring brackets:
  // look again with a relative slack of 1e-12 on the bracket bounds.
  const onFloor = bracketRoot(tiers, s, q, e, c, 1e-12);
  if (onFloor === onFloor) return onFloor;
  return s > 0 ? 0 : Infinity;
}

/** The root of equity − maintenance in the first bracket that contains it (bounds widened by `slack`), else NaN. */
function bracketRoot(tiers: TierTable, s: number, q: number, e: number, c: number, slack: number): number {
  const n = tiers.floor.length;
  for (let j = 0; j < n; j++) {
    const lp = (c + tiers.amount[j] - s * q * e) / (q * tiers.mmr[j] - s * q);
    if (!(lp > 0)) continue;
    const notional = q * lp;
    const above = j + 1 < n ? notional < tiers.floor[j + 1] * (1 + slack) : true;
    if (notional >= tiers.floor[j] * (1 - slack) && above) return lp;
  }
  return NaN;
}

/** Price at which equity = 0: the position's collateral is exactly used up. */
export function bankruptcyPrice(s: number, q: number, e: number, c: number): number {
  return e - (s * c) / q;
}

/** Maintenance margin of a position of this notional: notional × mmr − maintenanceAmount of its bracket. */
export function maintenanceAt(tiers: TierTable, notional: number): number {
  const j = tierIndex(tiers, notional);
  return notional * tiers.mmr[j] - tiers.amount[j];
}

/**
 * The liquidation price under the venue's convention: maintenance margin at the mark (Binance; liquidationPrice), or
 * fixed at the entry notional (Bybit, BitMEX: equity = MM(q·e) solves in closed form, e − s·(c − MM)/q; a long that
 * no positive price liquidates gets 0, as with liquidationPrice).
 */
export function conventionLiquidationPrice(
  atEntry: boolean,
  tiers: TierTable,
  s: number,
  q: number,
  e: number,
  c: number,
): number {
  if (!atEntry) return liquidationPrice(tiers, s, q, e, c);
  const lp = e - (s * (c - maintenanceAt(tiers, q * e))) / q;
  return s > 0 && !(lp > 0) ? 0 : lp;
}
