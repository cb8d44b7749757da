// engine `backstop` (Hyperliquid's liquidator vault) and its block `liquidation.backstop`.
import { z } from "zod";
import { P } from "../../engine/layout.js";
import { MAX_MONEY, removedKey } from "../schema-primitives.js";
import { withBlock } from "./mechanism.js";

/**
 * liquidation.backstop (engine `backstop`). An account across its liquidation price whose equity at the mark E = c +
 * s·q·(mark − entry) is below equityFractionOfMaintenance × its maintenance margin at the mark is taken over by the
 * vault, if the vault's cash is > 0 and stays ≥ 0 after absorbing E (else the vault is spent, and the account goes to
 * the book: vaultCapital 0 is the engine without a vault): the trader keeps nothing, the vault receives E and the
 * position at the mark. Otherwise the account is liquidated by market order as by `partial` (with
 * `liquidation.partial`) or `market`. At the start of each step, after the move and before the mark is read, the
 * vault sells (buys back) 1 − 2^(−stepSeconds/unwindHalfLifeSeconds) of each side of its inventory on the book. The
 * vault's cash starts at vaultCapital and is a ledger bucket of its own.
 */
export const backstopSchema = z.strictObject({
  equityFractionOfMaintenance: z
    .number()
    .gt(0)
    .max(1)
    .default(2 / 3),
  vaultCapital: z.number().min(0).max(MAX_MONEY).default(10_000_000),
  // seconds for the vault's inventory to halve by its sales (per step: 1 − 2^(−stepSeconds/h)); Infinity: it holds
  unwindHalfLifeSeconds: z.number().gt(0).default(400),
  unwindPerStep: removedKey("liquidation.backstop.unwindHalfLifeSeconds"),
});
export type BackstopSettings = z.output<typeof backstopSchema>;

export const backstop = withBlock({
  engine: "backstop",
  block: { key: "backstop", schema: backstopSchema, readBy: ["backstop"], defaultsWhenChosen: true },
  presetSections: ["backstop"],
  writeParams(params, b, run) {
    if (run.engine !== "backstop" || !b) return;
    params[P.backstopFraction] = b.equityFractionOfMaintenance;
    params[P.vaultCapital] = b.vaultCapital;
    params[P.vaultUnwind] = 1 - Math.pow(2, -run.stepSeconds / b.unwindHalfLifeSeconds);
  },
  fromPreset(preset) {
    const b = preset.liquidation?.backstop;
    if (!b) return undefined;
    // Hyperliquid's engine: slices on the book, the vault below the backstop threshold
    return {
      engine: "backstop",
      block: {
        equityFractionOfMaintenance: b.equityFractionOfMaintenance,
        ...(b.vaultCapital !== undefined ? { vaultCapital: b.vaultCapital } : {}),
      },
    };
  },
});
