// The built-in data shipped with the package: venue margin presets (presets/) and scenarios (scenarios/).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { z } from "zod";
import type { Tier } from "./scenario.js";
import { formatIssues, tiersSchema } from "./schema.js";
import { venueIllustrativeSchema, venueInsuranceSchema, venueLiquidationSchema, venueMarkSchema } from "../venues/schema.js";

// This module is src/config/presets.ts under vitest and dist/config/presets.js after tsc: both are two
// levels below the package root.
const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PRESETS_DIR = join(PACKAGE_ROOT, "presets");
export const SCENARIOS_DIR = join(PACKAGE_ROOT, "scenarios");
/** What `cascade run` uses when no SCENARIO is given. */
export const DEFAULT_SCENARIO_FILE = join(SCENARIOS_DIR, "btc-perp-crash.yaml");

const presetSchema = z.strictObject({
  version: z.number().int().min(1),
  name: z.string().min(1),
  venue: z.string().min(1),
  product: z.string().min(1),
  source: z.string().min(1),
  date: z.string().min(1),
  conventions: z.strictObject({
    /** Price at which maintenance margin is computed (Binance: mark; Bybit: entry). */
    maintenanceAt: z.enum(["mark", "entry"]),
    /** Whether the liquidation fee enters the liquidation-price formula. */
    liquidationFeeInFormula: z.boolean(),
    /** Why only long positions exist on the venue (lending: collateral against a stable debt); absent: both sides. */
    longOnly: z.string().min(1).optional(),
  }),
  tiers: tiersSchema,
  /** Optional venue mechanism: liquidation engine and its parameters (src/venues/schema.ts). */
  liquidation: venueLiquidationSchema.optional(),
  /** Optional ADL ranking, price and trigger, and bad-debt handling. */
  insurance: venueInsuranceSchema.optional(),
  /** Optional: the venue's mark, where it is an external oracle (src/venues/schema.ts). */
  mark: venueMarkSchema.optional(),
  /** Values in the file that are illustrative, not sourced, each with its reason. */
  illustrative: venueIllustrativeSchema.optional(),
});

export type Preset = z.output<typeof presetSchema> & { tiers: Tier[]; file: string };

let presetCache: Map<string, Preset> | undefined;

function readPresets(): Map<string, Preset> {
  const presets = new Map<string, Preset>();
  for (const entry of readdirSync(PRESETS_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const preset = readPreset(entry);
    presets.set(preset.name, preset);
  }
  return presets;
}

/** One built-in preset file, checked (a broken built-in preset is a bug in the package, not bad user input). */
function readPreset(entry: string): Preset {
  const file = join(PRESETS_DIR, entry);
  const parsed = presetSchema.safeParse(YAML.parse(readFileSync(file, "utf8")), { reportInput: true });
  if (!parsed.success) throw new Error(`preset ${file} is broken: ${formatIssues(parsed.error.issues, presetSchema).join("; ")}`);
  const expected = basename(entry).replace(/\.ya?ml$/, "");
  if (parsed.data.name !== expected)
    throw new Error(`preset ${file} is broken: name must be ${expected} (received ${parsed.data.name})`);
  return { ...parsed.data, file };
}

/** All built-in presets, sorted by name. */
export function listPresets(): Preset[] {
  presetCache ??= readPresets();
  return [...presetCache.values()];
}

/** Presets read one by one (findPreset): a run reads only the preset it names, not every file (start-up time). */
const onePreset = new Map<string, Preset | undefined>();

/** The preset of that name, or undefined. A preset's file is named after it (readPreset checks). */
export function findPreset(name: string): Preset | undefined {
  if (presetCache) return presetCache.get(name);
  if (onePreset.has(name)) return onePreset.get(name);
  const entry = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)
    ? [`${name}.yaml`, `${name}.yml`].find((f) => existsSync(join(PRESETS_DIR, f)))
    : undefined;
  const preset = entry ? readPreset(entry) : undefined;
  onePreset.set(name, preset);
  return preset;
}

export interface ScenarioInfo {
  name: string;
  file: string;
  /** First header comment line, after the name. */
  description: string;
  source: string;
  date: string;
  isDefault: boolean;
}

/** Built-in scenarios; their header comments carry `# source:` and `# date:` (the schema has no such keys). */
export function listScenarios(): ScenarioInfo[] {
  return readdirSync(SCENARIOS_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((entry) => {
      const file = join(SCENARIOS_DIR, entry);
      const text = readFileSync(file, "utf8");
      const header = (key: string) => new RegExp(`^#\\s*${key}:\\s*(.*)$`, "m").exec(text)?.[1].trim() ?? "unknown";
      const first = /^#\s*(.*)$/m.exec(text)?.[1] ?? "";
      const doc = YAML.parse(text) as { name?: unknown } | null;
      const name = typeof doc?.name === "string" ? doc.name : entry.replace(/\.ya?ml$/, "");
      return {
        name,
        file,
        description: first.replace(/^[\w-]+:\s*/, ""),
        source: header("source"),
        date: header("date"),
        isDefault: file === DEFAULT_SCENARIO_FILE,
      };
    });
}
