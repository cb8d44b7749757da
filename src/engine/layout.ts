// The numeric parameter block both engines read: one f64 per slot, and the enums written into it. Declared once in
// src/contract/kernel.ts (with a doc comment per slot); the kernel's copy, assembly/abi.ts, is generated from it.
import { ENUMS, PARAMS } from "../contract/kernel.js";

export { ABI_VERSION, MAX_FEE_TIERS, PARAM_SLOTS, SECONDS_PER_YEAR } from "../contract/kernel.js";

type Params = typeof PARAMS;

/** The slot of each parameter (the first slot of the fee tiers' floors and rates). */
export const P = Object.fromEntries(Object.entries(PARAMS).map(([name, { slot }]) => [name, slot])) as {
  readonly [K in keyof Params]: Params[K]["slot"];
};

/** market.price.model */
export const PRICE_MODEL = ENUMS.PRICE_MODEL.values;
/** market.mark.model */
export const MARK_MODEL = ENUMS.MARK_MODEL.values;
/** market.book.depth.profile; snapshot: the table only, nothing beyond it. */
export const PROFILE = ENUMS.PROFILE.values;
export const LEVERAGE_DIST = ENUMS.LEVERAGE_DIST.values;
export const NOTIONAL_DIST = ENUMS.NOTIONAL_DIST.values;
export const ADL_RANKING = ENUMS.ADL_RANKING.values;
/** adl.price: the price ADL'd positions close at. */
export const ADL_PRICE = ENUMS.ADL_PRICE.values;
export const LIQUIDATION_ENGINE = ENUMS.LIQUIDATION_ENGINE.values;
export const FEE_KIND = ENUMS.FEE_KIND.values;
export const AUCTION_CURVE = ENUMS.AUCTION_CURVE.values;
export const MARGIN_MODEL = ENUMS.MARGIN_MODEL.values;
/** Philox counter word 3: which family of draws. */
export const DOMAIN = ENUMS.DOMAIN.values;
