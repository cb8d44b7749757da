// engine `close-factor` (Aave v3 / Compound lending-style liquidation) and its block `liquidation.closeFactor`.
import { z } from "zod";
import { P } from "../../engine/layout.js";
import { MAX_MONEY } from "../schema-primitives.js";
import { withBlock } from "./mechanism.js";
import { decimal } from "./units.js";

/**
 * liquidation.closeFactor (engine `close-factor`, on a perp position: a long's debt is q·entry − c, a short's is
 * q·mark). An account across its liquidation price has health factor HF = 1 + (E − MM)/debt (< 1 exactly when E <
 * MM). A liquidator repays closeFactor × debt (the whole debt when HF ≤ fullCloseHealthFactor or debt <
 * minDebtForCloseFactor). A long's liquidator takes units worth that × (1 + bonus) at the mark, which the account
 * closes at mark/(1 + bonus); a short's repays closeFactor × its size in units (the debt is the borrowed units),
 * which the account buys back at mark × (1 + bonus); either capped at the account's size; the account's whole
 * collateral backs the repayment (a deficit is taken when it closes); the liquidator sells (buys) them on the book
 * at once and pays protocolFeeOfBonus of its bonus to the fund. No other fee. The account stays open with the rest,
 * its liquidation price recomputed, and may be liquidated again in the next round.
 */
export const closeFactorSchema = z.strictObject({
  closeFactor: z.number().gt(0).max(1).default(0.5),
  // 0: only a bankrupt account (HF ≤ 0) is closed whole: Compound v2 has no such threshold
  fullCloseHealthFactor: z.number().min(0).max(1).default(0.95),
  bonus: z.number().min(0).lt(1).default(0.05),
  protocolFeeOfBonus: z.number().min(0).max(1).default(0.1),
  minDebtForCloseFactor: z.number().min(0).max(MAX_MONEY).default(0),
});
export type CloseFactorSettings = z.output<typeof closeFactorSchema>;

export const closeFactor = withBlock({
  engine: "close-factor",
  block: { key: "closeFactor", schema: closeFactorSchema, readBy: ["close-factor"], defaultsWhenChosen: true },
  presetSections: ["closeFactor"],
  writeParams(params, cf, run) {
    if (run.engine !== "close-factor" || !cf) return;
    params[P.cfDefault] = cf.closeFactor;
    params[P.cfFullHealth] = cf.fullCloseHealthFactor;
    params[P.cfBonus] = cf.bonus;
    params[P.cfProtocolFee] = cf.protocolFeeOfBonus;
    params[P.cfMinDebt] = cf.minDebtForCloseFactor;
  },
  fromPreset(preset) {
    const liq = preset.liquidation;
    if (liq?.engine !== "close-factor" || !liq.closeFactor) return undefined;
    const cf = liq.closeFactor;
    const block = {
      closeFactor: cf.defaultCloseFactor,
      fullCloseHealthFactor: cf.fullCloseHealthFactor,
      bonus: decimal(cf.liquidationBonus - 1),
      protocolFeeOfBonus: cf.protocolFeeOfBonus,
      minDebtForCloseFactor: cf.minBaseForCloseFactor,
    };
    // the bonus is the whole penalty
    return { block, feeRate: 0 };
  },
});
