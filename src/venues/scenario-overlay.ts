// `venue: NAME` in a scenario: a venue preset's whole design as scenario keys — its tiers and maintenance convention,
// liquidation engine with every block of it, fee, ADL ranking, price and trigger, and its mark and vault where the
// preset states them. The preset files describe each venue in its own terms (seconds, Aave's bonus as 1.05, Maker's
// chop as 1.13); this module translates them into the engine's keys and says where the translation approximates.
// src/venues/apply.ts lays the design over a scenario.
import type { Preset } from "../config/presets.js";

type Raw = Record<string, unknown>;

/**
 * One scenario key the venue decides. `value` undefined: the venue has no such thing, so the scenario's is dropped
 * (`why` says why). `whole`: a mapping that replaces the scenario's whole (its keys depend on each other: a fee
 * schedule's kind, a mark's model); otherwise a mapping's keys are laid over the scenario's one by one, and keys the
 * venue does not state (an auction's keepers, the vault's unwinding) stay the scenario's.
 */
export interface DesignKey {
  path: readonly string[];
  value?: unknown;
  whole?: boolean;
  why?: string;
  /** For a key the venue has none of: the scenario's value stays when this says so (`out`: the scenario so far). */
  keep?: (before: unknown, out: Raw) => boolean;
}

/**
 * Settled at the bankruptcy price (Bybit): the whole margin left goes to the fund. The engines cap every liquidation
 * fee at what the account has left above bankruptcy, so a rate above any position's margin fraction takes all of it
 * (the schema's feeRate is < 1).
 */
export const BANKRUPTCY_SETTLEMENT_FEE_RATE = 0.999;

/** The engine blocks of `liquidation`, each dropped unless the venue's design has it. */
const ENGINE_BLOCK_KEYS = ["partial", "auction", "backstop", "closeFactor"] as const;

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
  // every preset states its fee (test/venue-resolution.test.ts); one that did not would leave the scenario's
  if (feeRate !== undefined) keys.push({ path: ["liquidation", "feeRate"], value: feeRate });
  keys.push(fee ? { path: ["liquidation", "fee"], value: fee, whole: true } : { path: ["liquidation", "fee"], why: "the venue's fee is flat" });
  // dYdX's per-subaccount block limits are not the engine's per-step caps: no preset maps to them
  keys.push({ path: ["liquidation", "caps"], why: "the venue has no per-step caps the engine models" });
  for (const block of ENGINE_BLOCK_KEYS) {
    const value = blocks[block];
    if (value) keys.push({ path: ["liquidation", block], value });
    else keys.push({ path: ["liquidation", block], why: `engine ${engine} has none` });
  }
  const ins = preset.insurance;
  // a preset without an ADL ranking has none: bad debt
  keys.push({ path: ["adl", "ranking"], value: ins?.adlRanking ?? "none" });
  keys.push({ path: ["adl", "price"], value: ins?.adlPrice ?? "bankruptcy" });
  keys.push(
    ins?.adlTrigger
      ? { path: ["adl", "trigger"], value: { fundDrawdown: ins.adlTrigger.fundDrawdown }, whole: true }
      : { path: ["adl", "trigger"], why: "the venue deleverages once its fund is empty" },
  );
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
  { path: ["margin", "volatility"], why: "only a margin model reads it", keep: (_, out) => out.margin !== undefined && (out.margin as Raw).model !== undefined },
  { path: ["margin", "volScaled"], why: "the venue's maintenance is its tiers" },
  { path: ["margin", "riskBased"], why: "the venue's maintenance is its tiers" },
  { path: ["margin", "sizePremium"], why: "the venue's initial margin is its tiers' leverage" },
  { path: ["margin", "openInterestScaling"], why: "the venue's initial margin is its tiers' leverage" },
];

interface LiquidationDesign {
  engine: string;
  blocks: Partial<Record<(typeof ENGINE_BLOCK_KEYS)[number], Raw>>;
  feeRate?: number;
  fee?: Raw;
}

function liquidationDesign(preset: Preset, stepSeconds: number): LiquidationDesign {
  const liq = preset.liquidation;
  if (!liq) return { engine: "market", blocks: {} };
  const out: LiquidationDesign = { engine: liq.engine, blocks: {} };
  if (liq.fee?.kind === "flat") out.feeRate = liq.fee.rate;
  if (liq.fee?.kind === "bankruptcy") out.feeRate = BANKRUPTCY_SETTLEMENT_FEE_RATE;
  if (liq.fee?.kind === "tiered") out.fee = { kind: "tiered", tiers: liq.fee.tiers };
  if (liq.fee?.kind === "time-ramped") {
    out.feeRate = liq.fee.base;
    out.fee = { kind: "time-ramped", max: liq.fee.max, graceSeconds: liq.fee.graceSeconds, increasePerSecond: liq.fee.increasePerSecond };
  }
  if (liq.partial) {
    // the venue's cooldown in seconds (rounded up to whole steps by the engines' setup)
    out.blocks.partial = {
      threshold: liq.partial.minNotional,
      fraction: liq.partial.fraction,
      cooldownSeconds: liq.partial.cooldownSeconds,
      duringCooldown: liq.partial.duringCooldown,
    };
  } else if (liq.tierStepDown) {
    // OKX lowers a large position tiersPerStep brackets at a time from bracket minTier; approximated by
    // halving positions at or above that bracket's floor, once per step
    const floor = preset.tiers[Math.min(liq.tierStepDown.minTier, preset.tiers.length) - 1].floor;
    out.blocks.partial = { threshold: floor, fraction: 0.5, cooldownSeconds: stepSeconds, duringCooldown: "wait" };
  }
  if (liq.backstop) {
    // Hyperliquid's engine: slices on the book, the vault below the backstop threshold
    out.engine = "backstop";
    out.blocks.backstop = {
      equityFractionOfMaintenance: liq.backstop.equityFractionOfMaintenance,
      ...(liq.backstop.vaultCapital !== undefined ? { vaultCapital: liq.backstop.vaultCapital } : {}),
    };
  }
  if (liq.engine === "dutch-auction" && liq.auction) {
    const a = liq.auction;
    const curve =
      a.curve.kind === "linear"
        ? { curve: "linear", tau: a.curve.tau }
        : a.curve.kind === "stairstep"
          ? { curve: "stairstep", cut: a.curve.cut, stepSeconds: a.curve.step }
          : { curve: "exponential", cut: a.curve.cut };
    // the Dog's limits are on tab = debt × chop, the ilk's `hole` within the global `Hole`; the engine caps the debt
    const hole = Math.min(a.hole, a.Hole) / a.chop;
    out.blocks.auction = { ...curve, buf: a.buf, tailSeconds: a.tail, cusp: a.cusp, tip: a.tip, chip: a.chip, hole };
    // Maker's chop is a penalty on the debt; the engine charges its fee on the auction notional
    out.feeRate = decimal(a.chop - 1);
  }
  if (liq.engine === "close-factor" && liq.closeFactor) {
    const cf = liq.closeFactor;
    out.blocks.closeFactor = {
      closeFactor: cf.defaultCloseFactor,
      fullCloseHealthFactor: cf.fullCloseHealthFactor,
      bonus: decimal(cf.liquidationBonus - 1),
      protocolFeeOfBonus: cf.protocolFeeOfBonus,
      minDebtForCloseFactor: cf.minBaseForCloseFactor,
    };
    // the bonus is the whole penalty
    out.feeRate = 0;
  }
  return out;
}

/** A difference of decimal parameters as the decimal it stands for (1.13 − 1 is 0.1299999999999999 in binary). */
function decimal(x: number): number {
  return Number(x.toPrecision(12));
}
