// `venue: NAME` in a scenario: a venue preset's whole design as scenario keys (its tiers, liquidation engine,
// fee, ADL ranking), under whatever the scenario states itself. The preset files describe each venue in its
// own terms (seconds, Aave's bonus as 1.05, Maker's chop as 1.13); this module translates them into the
// engine's keys and says where the translation is an approximation.
import type { Preset } from "../config/presets.js";

type Raw = Record<string, unknown>;

/** The scenario keys a preset stands for, in the raw (pre-schema) form; stepSeconds converts its cooldowns. */
export function venueOverlay(preset: Preset, stepSeconds: number): Raw {
  const liquidation: Raw = {};
  const liq = preset.liquidation;
  if (liq) {
    liquidation.engine = liq.engine;
    if (liq.fee?.kind === "flat") liquidation.feeRate = liq.fee.rate;
    if (liq.fee?.kind === "tiered") liquidation.fee = { kind: "tiered", tiers: liq.fee.tiers };
    if (liq.fee?.kind === "time-ramped") {
      liquidation.feeRate = liq.fee.base;
      liquidation.fee = { kind: "time-ramped", max: liq.fee.max, graceSeconds: liq.fee.graceSeconds, increasePerSecond: liq.fee.increasePerSecond };
    }
    if (liq.partial) {
      // the venue's cooldown in seconds (rounded up to whole steps by the engines' setup)
      liquidation.partial = {
        threshold: liq.partial.minNotional,
        fraction: liq.partial.fraction,
        cooldownSeconds: liq.partial.cooldownSeconds,
      };
    } else if (liq.tierStepDown) {
      // OKX lowers a large position tiersPerStep brackets at a time from bracket minTier; approximated by
      // halving positions at or above that bracket's floor, once per step
      const floor = preset.tiers[Math.min(liq.tierStepDown.minTier, preset.tiers.length) - 1].floor;
      liquidation.partial = { threshold: floor, fraction: 0.5, cooldownSeconds: stepSeconds };
    }
    if (liq.backstop) {
      // Hyperliquid's engine: slices on the book, the vault below the backstop threshold
      liquidation.engine = "backstop";
      liquidation.backstop = { equityFractionOfMaintenance: liq.backstop.equityFractionOfMaintenance };
    }
    if (liq.engine === "dutch-auction" && liq.auction) {
      const a = liq.auction;
      const curve =
        a.curve.kind === "linear"
          ? { curve: "linear", tau: a.curve.tau }
          : a.curve.kind === "stairstep"
            ? { curve: "stairstep", cut: a.curve.cut, stepSeconds: a.curve.step }
            : { curve: "exponential", cut: a.curve.cut };
      liquidation.auction = { ...curve, buf: a.buf, tailSeconds: a.tail, cusp: a.cusp, tip: a.tip, chip: a.chip };
      // Maker's chop is a penalty on the debt; the engine charges its fee on the auction notional
      liquidation.feeRate = a.chop - 1;
    }
    if (liq.engine === "close-factor" && liq.closeFactor) {
      const cf = liq.closeFactor;
      liquidation.closeFactor = {
        closeFactor: cf.defaultCloseFactor,
        fullCloseHealthFactor: cf.fullCloseHealthFactor,
        bonus: cf.liquidationBonus - 1,
        protocolFeeOfBonus: cf.protocolFeeOfBonus,
        minDebtForCloseFactor: cf.minBaseForCloseFactor,
      };
      // the bonus is the whole penalty
      liquidation.feeRate = 0;
    }
  }
  // the venue's maintenance convention comes with its tiers (Bybit measures maintenance at the entry notional)
  const overlay: Raw = { margin: { preset: preset.name, maintenanceAt: preset.conventions.maintenanceAt }, liquidation };
  const ranking = preset.insurance?.adlRanking;
  if (ranking) overlay.adl = { ranking };
  return overlay;
}

/** `base` under `top`: mappings merge key by key, anything else in `top` wins. */
export function mergeUnder(base: Raw, top: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const below = out[key];
    const bothMappings = isMapping(below) && isMapping(value);
    out[key] = bothMappings ? mergeUnder(below, value) : value;
  }
  return out;
}

function isMapping(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
