// What a traced path's events and steps add up to, beside its record (paths.csv's row). The kinds are cut so that
// the sums are the record's own accumulations, term by term in the engine's order from 0, hence EXACT (the same
// f64, not within a tolerance):
//   liquidations        = #events of COUNTED_KINDS (liquidation, slice, auction-kick, backstop)
//   liquidatedNotional  = Σ notional of LIQUIDATED_KINDS (liquidation, slice, auction-take, backstop), event order
//   adlCount            = #adl events;  adlNotional = Σ their notional, event order
//   badDebt             = Σ notional of bad-debt events, event order
//   minPrice            = min over the step rows of markLow (step 0: the opening mark)
//   finalPrice          = the last step row's mark;  insuranceFinal = its fund
// The per-step sums (steps.csv's liquidatedNotional and adlNotional) group the same terms by step, so their total
// equals the record's to rounding only (within 1e-12 relative). Several markets: the counts, badDebt, minPrice and
// finalPrice (market 0's) and insuranceFinal are still exact; the record sums the notionals market by market, the
// events interleave them, so those equal it to rounding only. COUNTED and LIQUIDATED kinds include the cross owners'
// legs (cross-leg, cross-slice, cross-repayment, cross-takeover).
import { EV, EVENT_STRIDE, KIND, COUNTED_KINDS, LIQUIDATED_KINDS, ST, STEP_STRIDE, type PathTrace } from "../engine/trace.js";

export interface TraceTotals {
  liquidations: number;
  liquidatedNotional: number;
  adlCount: number;
  adlNotional: number;
  badDebt: number;
  minPrice: number;
  finalPrice: number;
  insuranceFinal: number;
  /** Σ over the step rows of liquidatedNotional and adlNotional (the record's to rounding). */
  stepsLiquidatedNotional: number;
  stepsAdlNotional: number;
}

export function traceTotals(t: PathTrace): TraceTotals {
  const counted = new Set(COUNTED_KINDS.map((k) => KIND[k]));
  const liquidated = new Set(LIQUIDATED_KINDS.map((k) => KIND[k]));
  const out: TraceTotals = {
    liquidations: 0,
    liquidatedNotional: 0,
    adlCount: 0,
    adlNotional: 0,
    badDebt: 0,
    minPrice: Infinity,
    finalPrice: NaN,
    insuranceFinal: NaN,
    stepsLiquidatedNotional: 0,
    stepsAdlNotional: 0,
  };
  const e = t.events;
  for (let i = 0, at = 0; i < t.eventCount; i++, at += EVENT_STRIDE) {
    const kind = e[at + EV.kind];
    const notional = e[at + EV.notional];
    if (counted.has(kind)) out.liquidations++;
    if (liquidated.has(kind)) out.liquidatedNotional += notional;
    if (kind === KIND.adl) {
      out.adlCount++;
      out.adlNotional += notional;
    }
    if (kind === KIND["bad-debt"]) out.badDebt += notional;
  }
  const r = t.steps;
  for (let i = 0, at = 0; i < t.stepCount; i++, at += STEP_STRIDE) {
    if (r[at + ST.markLow] < out.minPrice) out.minPrice = r[at + ST.markLow];
    out.stepsLiquidatedNotional += r[at + ST.liquidatedNotional];
    out.stepsAdlNotional += r[at + ST.adlNotional];
    out.finalPrice = r[at + ST.mark];
    out.insuranceFinal = r[at + ST.fund];
  }
  return out;
}
