// What one Monte Carlo path did, in the terms the published crash figures use: every liquidation fill and every ADL
// closure with its step and side, and the insurance fund after every step. Recorded from the reference engine's
// hooks (src/engine/reference.ts), which report each liquidation, each ADL closure and each step's ledger.
import type { ReferenceEngine } from "../engine/reference.js";
import { RECORD_STRIDE } from "../engine/metrics.js";

/** One liquidation fill: what the book or the backstop vault took of a liquidated position. */
export interface LiquidationFill {
  step: number;
  /** +1 long, −1 short: the liquidated position's side. */
  side: number;
  notional: number;
}

/** One ADL closure: a profitable position (side) closed, whole or in part, against a bankrupt remainder. */
export interface AdlClosure {
  step: number;
  /** The deleveraged position's side (the bankrupt one's is the opposite). */
  side: number;
  /** Size × ADL price. */
  notional: number;
  /** The closure took the position's whole current size. */
  whole: boolean;
  /** The position was in profit at the ADL price (its entry on the right side of it). */
  inProfit: boolean;
}

export interface PathRecord {
  stepSeconds: number;
  steps: number;
  liquidations: LiquidationFill[];
  adl: AdlClosure[];
  /** Liquidation fills that came after an ADL closure of the same step (SPEC §3 says none does). */
  liquidationsAfterAdl: number;
  /** The insurance fund before the path (index 0) and after each step t (index t). */
  insurance: Float64Array;
}

/** Runs path `path` on a prepared engine and records it; the engine's hooks are left unset afterwards. */
export function recordPath(
  engine: ReferenceEngine,
  path: number,
  stepSeconds: number,
  steps: number,
  initialInsurance: number,
): PathRecord {
  const entry = engine.population.entry;
  const record: PathRecord = {
    stepSeconds,
    steps,
    liquidations: [],
    adl: [],
    liquidationsAfterAdl: 0,
    insurance: new Float64Array(steps + 1),
  };
  record.insurance[0] = initialInsurance;
  let lastAdlStep = -1;
  engine.onLiquidation = (e) => {
    // a bankruptcy whose order found no bid at or above its bankruptcy price filled nothing: no fill to count
    if (e.size > 0) record.liquidations.push({ step: e.step, side: e.side, notional: e.notional });
    if (e.step === lastAdlStep) record.liquidationsAfterAdl++;
  };
  engine.onAdl = (e) => {
    lastAdlStep = e.step;
    record.adl.push({
      step: e.step,
      side: e.side,
      notional: e.size * e.price,
      whole: e.whole,
      inProfit: e.side * (e.price - entry[e.account]) > 0,
    });
  };
  engine.onStep = (ledger) => {
    record.insurance[ledger.step] = ledger.insurance;
  };
  try {
    engine.runPaths(path, 1, new Float64Array(RECORD_STRIDE));
  } finally {
    engine.onLiquidation = undefined;
    engine.onAdl = undefined;
    engine.onStep = undefined;
  }
  return record;
}
