// Loss allocation past the insurance fund: the `adl` section (ranking, price, trigger), its parameter slots and a
// venue preset's ADL in those keys.
import { z } from "zod";
import { ADL_PRICE, ADL_RANKING, P } from "../../engine/layout.js";
import type { Preset } from "../presets.js";
import { choice } from "../schema-primitives.js";
import type { DesignKey } from "./mechanism.js";

/**
 * adl. `trigger.fundDrawdown` d (absent: 1, ADL once the fund is empty): the fund pays deficits only down to
 * (1 − d) × its running peak in the path; the rest goes to ADL (bad debt with ranking none).
 * Rankings: `pnl-leverage` (Binance: PnL% × effective leverage), `hyperliquid` ((mark/entry) × notional/account
 * value for longs, (entry/mark) × notional/account value for shorts), `random` (dYdX), `none` (bad debt), and
 * `socialized`: no ADL; what the fund cannot pay is taken from every profitable open account of the other side
 * pro rata to its unrealised profit at the mark (at most all of it; the rest is bad debt), out of its collateral;
 * those accounts stay open with their liquidation prices recomputed. `price` (absent: bankruptcy): the price ADL'd
 * counterparties close at, the bankrupt account's bankruptcy price (Binance, Bybit, dYdX) or the mark (Hyperliquid,
 * OKX).
 */
export const adlSchema = z.strictObject({
  // socialized: no ADL; the shortfall is shared across the other side's profitable accounts pro rata to profit
  ranking: choice(["pnl-leverage", "hyperliquid", "random", "socialized", "none"] as const).default("pnl-leverage"),
  // the price ADL closes counterparties at: the bankrupt account's bankruptcy price (absent) or the mark
  price: choice(["bankruptcy", "mark"] as const)
    .optional()
    .meta({ description: "absent: bankruptcy" }),
  // Bybit-style: ADL once the fund has fallen by this fraction from its running peak; absent: once empty
  trigger: z.strictObject({ fundDrawdown: z.number().gt(0).max(1).optional() }).optional(),
});
export type AdlSettings = z.output<typeof adlSchema>;
export type AdlRanking = AdlSettings["ranking"];

/** ADL's slots; absent keys give ADL once the fund is empty, at the bankruptcy price. */
export function writeAdlParams(params: Float64Array, adl: AdlSettings): void {
  params[P.adlRanking] = ADL_RANKING[adl.ranking];
  params[P.fundDrawdown] = adl.trigger?.fundDrawdown ?? 1;
  params[P.adlPrice] = ADL_PRICE[adl.price ?? "bankruptcy"];
}

/** A venue preset's ADL as scenario keys, in the design's order (src/venues/scenario-overlay.ts). */
export function adlFromPreset(preset: Preset): DesignKey[] {
  const ins = preset.insurance;
  return [
    // a preset without an ADL ranking has none: bad debt
    { path: ["adl", "ranking"], value: ins?.adlRanking ?? "none" },
    { path: ["adl", "price"], value: ins?.adlPrice ?? "bankruptcy" },
    ins?.adlTrigger
      ? { path: ["adl", "trigger"], value: { fundDrawdown: ins.adlTrigger.fundDrawdown }, whole: true }
      : { path: ["adl", "trigger"], why: "the venue deleverages once its fund is empty" },
  ];
}
