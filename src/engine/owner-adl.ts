// The cross-margin owners' legs as counterparties of a market's ADL (issue #14; assembly/owner-adl.ts is the kernel's
// twin): what adl.ts and loss-allocation.ts need of the owners, without importing them (cross-margin.ts implements it
// and attaches it to every market's state). A leg's id in a ranking is LEG_ID_BASE + its global leg index, above every
// account index, so that equal scores rank the isolated accounts first, then the legs by index.

/** A leg's id in an ADL ranking: LEG_ID_BASE + its global index (2^30: above any account index). */
export const LEG_ID_BASE = 1 << 30;

/** The owners' legs of one market, by global leg index. */
export interface OwnerLegs {
  /** The market's legs, global index ascending. */
  readonly legs: Int32Array;
  /** The leg is open and its owner not closed. */
  live(j: number): boolean;
  side(j: number): number;
  size(j: number): number;
  entry(j: number): number;
  /** Its owner's exact equity at the current marks (measure). */
  equity(j: number): number;
  /** ADL took x units of leg j (x = its size: it closes) and credited its owner's cash; the owner's form is dirty. */
  deleveraged(j: number, x: number, credit: number): void;
  /** adl.ranking socialized took h from the owner of leg j's cash; the owner's form is dirty. */
  haircut(j: number, h: number): void;
}
