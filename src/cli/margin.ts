// `cascade margin POSITIONS.json` (SPEC §5): the parsed JSON in, the JSON-ready result out; built-in presets
// come from src/config/presets.ts with their maintenance-margin convention.
import { findPreset } from "../config/presets.js";
import { computeMargin, type MarginRequest, type PresetTiers } from "../margin/calculator.js";

function builtInPreset(name: string): PresetTiers | undefined {
  const preset = findPreset(name);
  return preset && { tiers: preset.tiers, maintenanceAt: preset.conventions.maintenanceAt };
}

/** Throws InputError (exit 2) listing every problem of the input. */
export function marginCommand(input: unknown): object {
  // computeMargin validates its argument whatever its static type, so the raw input goes straight in.
  return computeMargin(input as MarginRequest, { resolvePresetTiers: builtInPreset });
}
