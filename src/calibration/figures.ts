// The shape figures of a crash, measured on one recorded path (path-record.ts). Each is defined as the published
// analyses define it, so that a target and a measurement mean the same thing:
//
// - A "liquidation fill" is what a liquidated position closed: its fills on the book or to the backstop vault, and
//   the part closed by ADL. Hyperliquid's fill data labels the liquidated side of every ADL fill as a liquidation
//   ("11,279 liquidations + 11,279 ADLs" in the same block), so its 63,637 liquidation fills and $5.51B of
//   liquidated notional include the 34,983 ADL fills' counterparts; the engine reports the ADL'd remainder only as
//   ADL closures, so each closure counts once more here, on the bankrupt side.
// - Times are in seconds: step t ends t × stepSeconds after the path starts; "before the first ADL" means in an
//   earlier step (the data's first-ADL block holds liquidations and ADL together; its 710 earlier fills came first).
// A figure the path cannot define (no liquidation, no ADL) is undefined.
import type { PathRecord } from "./path-record.js";

export type FigureId =
  | "adlShareOfLiquidatedNotional"
  | "firstAdlDelaySeconds"
  | "fillsBeforeFirstAdl"
  | "busiestFiveMinuteShare"
  | "longShareOfLiquidatedNotional"
  | "partialAdlShare"
  | "adlInProfitShare"
  | "liquidationsAfterAdlInStep"
  | "adlInOtherMarkets"
  | "pathHasAdl"
  | "fundMaxDrawdown"
  | "fundLargestFallLate"
  | "liquidatedShareOfFirstLeg";

export interface Figure {
  label: string;
  /** How a value prints: a share as a percentage, seconds, a count. */
  unit: "share" | "seconds" | "count";
  /** `param`: the figure's one parameter where it has one (the first leg's length in seconds). */
  measure(record: PathRecord, param?: number): number | undefined;
}

/** Every liquidation fill, ADL'd remainders included (on the bankrupt side): the book's and vault's, then ADL's. */
export function liquidationFills(record: PathRecord): { step: number; side: number; notional: number }[] {
  const fills = record.liquidations.map((f) => ({ step: f.step, side: f.side, notional: f.notional }));
  for (const c of record.adl) fills.push({ step: c.step, side: -c.side, notional: c.notional });
  return fills;
}

function sum(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function firstStep(events: { step: number }[]): number | undefined {
  let first: number | undefined;
  for (const e of events) if (first === undefined || e.step < first) first = e.step;
  return first;
}

export function adlShareOfLiquidatedNotional(r: PathRecord): number | undefined {
  const total = sum(liquidationFills(r).map((f) => f.notional));
  return total > 0 ? sum(r.adl.map((c) => c.notional)) / total : undefined;
}

export function firstAdlDelaySeconds(r: PathRecord): number | undefined {
  const adl = firstStep(r.adl);
  const liquidation = firstStep(liquidationFills(r));
  return adl === undefined || liquidation === undefined ? undefined : (adl - liquidation) * r.stepSeconds;
}

export function fillsBeforeFirstAdl(r: PathRecord): number | undefined {
  const adl = firstStep(r.adl);
  const fills = liquidationFills(r);
  if (adl === undefined || fills.length === 0) return undefined;
  return fills.filter((f) => f.step < adl).length / fills.length;
}

/** The largest share of the path's liquidation fills within any window of `seconds` (whole steps, at least one). */
export function busiestWindowShare(r: PathRecord, seconds: number): number | undefined {
  const fills = liquidationFills(r);
  if (fills.length === 0) return undefined;
  const perStep = new Float64Array(r.steps + 1);
  for (const f of fills) perStep[f.step]++;
  const width = Math.max(1, Math.round(seconds / r.stepSeconds));
  let inWindow = 0;
  let best = 0;
  for (let t = 1; t <= r.steps; t++) {
    inWindow += perStep[t];
    if (t - width >= 1) inWindow -= perStep[t - width];
    if (inWindow > best) best = inWindow;
  }
  return best / fills.length;
}

export function longShareOfLiquidatedNotional(r: PathRecord): number | undefined {
  const fills = liquidationFills(r);
  const total = sum(fills.map((f) => f.notional));
  return total > 0 ? sum(fills.filter((f) => f.side > 0).map((f) => f.notional)) / total : undefined;
}

export function partialAdlShare(r: PathRecord): number | undefined {
  return r.adl.length > 0 ? r.adl.filter((c) => !c.whole).length / r.adl.length : undefined;
}

export function adlInProfitShare(r: PathRecord): number | undefined {
  return r.adl.length > 0 ? r.adl.filter((c) => c.inProfit).length / r.adl.length : undefined;
}

/** The largest peak-to-trough fall of the fund within steps from..to (inclusive), in money. */
function largestFall(insurance: Float64Array, from: number, to: number): number {
  let peak = insurance[from];
  let worst = 0;
  for (let t = from; t <= to; t++) {
    if (insurance[t] > peak) peak = insurance[t];
    if (peak - insurance[t] > worst) worst = peak - insurance[t];
  }
  return worst;
}

/** Peak-to-trough fall of the insurance fund over the path, as a share of its initial balance. */
export function fundMaxDrawdown(r: PathRecord): number | undefined {
  const initial = r.insurance[0];
  return initial > 0 ? largestFall(r.insurance, 0, r.steps) / initial : undefined;
}

/** 1 when the fund's largest fall after `seconds` exceeds its largest fall before them, else 0. */
export function fundLargestFallLate(r: PathRecord, seconds: number): number | undefined {
  const split = Math.min(r.steps, Math.max(0, Math.round(seconds / r.stepSeconds)));
  if (!(r.insurance[0] > 0) || split === 0 || split === r.steps) return undefined;
  return largestFall(r.insurance, split, r.steps) > largestFall(r.insurance, 0, split) ? 1 : 0;
}

/** The share of the path's liquidated notional filled in its first `seconds`. */
export function liquidatedShareBefore(r: PathRecord, seconds: number): number | undefined {
  const fills = liquidationFills(r);
  const total = sum(fills.map((f) => f.notional));
  if (!(total > 0)) return undefined;
  return sum(fills.filter((f) => f.step * r.stepSeconds <= seconds).map((f) => f.notional)) / total;
}

export const FIGURES: Record<FigureId, Figure> = {
  adlShareOfLiquidatedNotional: {
    label: "ADL notional / liquidated notional",
    unit: "share",
    measure: adlShareOfLiquidatedNotional,
  },
  firstAdlDelaySeconds: { label: "first ADL after the first liquidation", unit: "seconds", measure: firstAdlDelaySeconds },
  fillsBeforeFirstAdl: { label: "liquidation fills before the first ADL", unit: "share", measure: fillsBeforeFirstAdl },
  busiestFiveMinuteShare: {
    label: "liquidation fills in the busiest 5 minutes",
    unit: "share",
    measure: (r) => busiestWindowShare(r, 300),
  },
  longShareOfLiquidatedNotional: {
    label: "liquidated notional that was long",
    unit: "share",
    measure: longShareOfLiquidatedNotional,
  },
  partialAdlShare: { label: "ADL closures that were partial", unit: "share", measure: partialAdlShare },
  adlInProfitShare: { label: "ADL'd positions in profit at the ADL price", unit: "share", measure: adlInProfitShare },
  liquidationsAfterAdlInStep: {
    label: "liquidations after an ADL in the same step",
    unit: "count",
    measure: (r) => r.liquidationsAfterAdl,
  },
  // one market per scenario: the engine can only deleverage positions of the market whose liquidation went bankrupt
  adlInOtherMarkets: { label: "ADL closures in another market", unit: "count", measure: () => 0 },
  pathHasAdl: { label: "paths with any ADL", unit: "share", measure: (r) => (r.adl.length > 0 ? 1 : 0) },
  fundMaxDrawdown: { label: "insurance fund's largest fall / its size", unit: "share", measure: fundMaxDrawdown },
  fundLargestFallLate: {
    label: "paths whose fund fell most after the split time",
    unit: "share",
    measure: (r, seconds) => (seconds === undefined ? undefined : fundLargestFallLate(r, seconds)),
  },
  liquidatedShareOfFirstLeg: {
    label: "liquidated notional in the first leg",
    unit: "share",
    measure: (r, seconds) => (seconds === undefined ? undefined : liquidatedShareBefore(r, seconds)),
  },
};
