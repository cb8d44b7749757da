// `venue: NAME` in a scenario: a venue preset's whole design as scenario keys — its tiers and maintenance convention,
// liquidation engine with every block of it, fee, ADL ranking, price and trigger, and its mark and vault where the
// preset states them. The preset files describe each venue in its own terms (seconds, Aave's bonus as 1.05, Maker's
// chop as 1.13); each mechanism's descriptor (src/config/mechanisms/) translates its own part into the engine's keys
// and says where the translation approximates, and this module puts the parts in order. src/venues/apply.ts lays the
// design over a scenario.
import type { Preset } from "../config/presets.js";
import { adlFromPreset } from "../config/mechanisms/adl.js";
import { feeFromPreset } from "../config/mechanisms/fee.js";
import { MECHANISMS, type LiquidationEngine } from "../config/mechanisms/index.js";
import type { DesignKey } from "../config/mechanisms/mechanism.js";

export type { DesignKey } from "../config/mechanisms/mechanism.js";
export { BANKRUPTCY_SETTLEMENT_FEE_RATE } from "../config/mechanisms/fee.js";

type Raw = Record<string, unknown>;

/** Every scenario key a preset's design decides, in a fixed order; stepSeconds converts OKX's once-per-step rule. */
export function venueDesign(preset: Preset, stepSeconds: number): DesignKey[] {
  const keys: DesignKey[] = [
    // the venue's tiers come as its preset (summary.json records the name); explicit tiers would replace them
    { path: ["margin", "preset"], value: preset.name },
    { path: ["margin", "tiers"], why: "the venue's tiers replace them" },
    // the venue's maintenance convention comes with its tiers (Bybit measures maintenance at the entry notional)
    { path: ["margin", "maintenanceAt"], value: preset.conventions.maintenanceAt },
    ...MARGIN_MODEL_KEYS,
  ];
  const { engine, blocks, feeRate, fee } = liquidationDesign(preset, stepSeconds);
  keys.push({ path: ["liquidation", "engine"], value: engine });
  // every preset states its fee (test/config/venue-resolution.test.ts); one that did not would leave the scenario's
  if (feeRate !== undefined) keys.push({ path: ["liquidation", "feeRate"], value: feeRate });
  keys.push(
    fee
      ? { path: ["liquidation", "fee"], value: fee, whole: true }
      : { path: ["liquidation", "fee"], why: "the venue's fee is flat" },
  );
  // dYdX's per-subaccount block limits are not the engine's per-step caps: no preset maps to them
  keys.push({ path: ["liquidation", "caps"], why: "the venue has no per-step caps the engine models" });
  // every engine block of `liquidation`, dropped unless the venue's design has it
  for (const { block } of MECHANISMS) {
    if (!block) continue;
    const value = blocks[block.key];
    if (value) keys.push({ path: ["liquidation", block.key], value });
    else keys.push({ path: ["liquidation", block.key], why: `engine ${engine} has none` });
  }
  keys.push(...adlFromPreset(preset));
  // only an external oracle is stated: the exchanges' marks blend an index with their own book (left to the scenario)
  if (preset.mark) keys.push({ path: ["market", "mark"], value: { ...preset.mark }, whole: true });
  return keys;
}

/**
 * The venue's margin is its tiers: a margin model other than `tiers` (the same requirement, checked by scan) and the
 * dynamic initial margin blocks are another margin design, dropped like any key the venue has none of.
 */
const MARGIN_MODEL_KEYS: DesignKey[] = [
  { path: ["margin", "model"], why: "the venue's maintenance is its tiers", keep: (model) => model === "tiers" },
  {
    path: ["margin", "volatility"],
    why: "only a margin model reads it",
    keep: (_, out) => out.margin !== undefined && (out.margin as Raw).model !== undefined,
  },
  { path: ["margin", "volScaled"], why: "the venue's maintenance is its tiers" },
  { path: ["margin", "riskBased"], why: "the venue's maintenance is its tiers" },
  { path: ["margin", "sizePremium"], why: "the venue's initial margin is its tiers' leverage" },
  { path: ["margin", "openInterestScaling"], why: "the venue's initial margin is its tiers' leverage" },
];

interface LiquidationDesign {
  engine: LiquidationEngine;
  /** Each mechanism's block the venue has, by its key under `liquidation`. */
  blocks: Record<string, Raw>;
  feeRate?: number;
  fee?: Raw;
}

/**
 * The venue's engine, fee and engine blocks: its fee schedule, then each mechanism's part in registry order (the
 * vault makes the engine `backstop`; Maker's chop and Aave's bonus are the whole fee).
 */
function liquidationDesign(preset: Preset, stepSeconds: number): LiquidationDesign {
  const liq = preset.liquidation;
  if (!liq) return { engine: "market", blocks: {} };
  const out: LiquidationDesign = { engine: liq.engine, blocks: {}, ...feeFromPreset(preset) };
  for (const mechanism of MECHANISMS) {
    const part = mechanism.fromPreset(preset, stepSeconds);
    if (!part) continue;
    if (part.engine) out.engine = part.engine;
    if (part.feeRate !== undefined) out.feeRate = part.feeRate;
    if (part.block && mechanism.block) out.blocks[mechanism.block.key] = part.block;
  }
  return out;
}
