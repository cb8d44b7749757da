// From a scenario file and `--set` pairs to ScenarioInputs: parse, override, validate, apply presets,
// load the files it names. Every problem found is reported together in one InputError.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import YAML from "yaml";
import { InputError, formatValue } from "./errors.js";
import { keyPathText, parseKeyPath, setAtPath, type Segment } from "./keypath.js";
import { namedFile, readBookSnapshot, readPositions, readReturns } from "./files.js";
import { DEFAULT_SCENARIO_FILE, findPreset, listPresets } from "./presets.js";
import type { Scenario, ScenarioInputs, Tier } from "./scenario.js";
import { formatIssues, scenarioSchema, shocksSchema, stepsSchema, tickSizeSchema } from "./schema.js";
import { mergeUnder, venueOverlay } from "../venues/scenario-overlay.js";

/** The preset that applies when a scenario gives neither `margin.preset` nor `margin.tiers`. */
export const DEFAULT_PRESET = "binance-usdm-btcusdt";

// ---- reading ------------------------------------------------------------------------------------

/**
 * Parses a scenario file: JSON if it starts with `{` or `[` (strictly JSON when named *.json, else YAML flow
 * is accepted too), YAML otherwise. An empty file is `{}`.
 */
export function readScenarioFile(path: string): unknown {
  return parseScenarioText(readText(path, "scenario file"), path);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${what} ${path} must be a readable file (received ${code === "ENOENT" ? "no such file" : String(code ?? err)})`);
  }
}

/** The scenario in `text` (from `source`, for messages). */
export function parseScenarioText(text: string, source: string): unknown {
  let jsonProblem: string | undefined;
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch (err) {
      jsonProblem = jsonErrorLine(`scenario file ${source}`, text, err);
    }
  }
  const doc = YAML.parseDocument(text);
  const first = doc.errors[0];
  if (jsonProblem && (first || /\.json$/i.test(source))) throw new InputError(jsonProblem);
  if (first) {
    const line = first.linePos?.[0].line;
    const what = first.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new InputError(`scenario file ${source}${line ? ` line ${line}` : ""} must be valid YAML (${what})`);
  }
  return doc.toJS() ?? {};
}

/** `<what> line N must be valid JSON (<reason>)`: V8 gives a character position, users want a line. */
function jsonErrorLine(what: string, text: string, err: unknown): string {
  const message = (err as Error).message;
  const at = /at position (\d+)/.exec(message);
  const line = at ? text.slice(0, Number(at[1])).split("\n").length : undefined;
  const reason = message.replace(/\s*(in JSON )?at position \d+.*$/, "");
  return `${what}${line ? ` line ${line}` : ""} must be valid JSON (${reason})`;
}

/** A JSON input file (e.g. `cascade margin POSITIONS.json`); unreadable or malformed is an InputError. */
export function readJsonFile(path: string, what: string): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(jsonErrorLine(`${what} ${path}`, text, err));
  }
}

// ---- --set key.path=value -----------------------------------------------------------------------

interface ParsedSet {
  pair: string;
  path: Segment[];
  value: unknown;
}

function parseSet(pair: string, problems: string[]): ParsedSet | undefined {
  const eq = pair.indexOf("=");
  if (eq <= 0) {
    problems.push(`--set must be key.path=value (received ${formatValue(pair)})`);
    return undefined;
  }
  const key = pair.slice(0, eq).trim();
  const path = parseKeyPath(key);
  if (!path) {
    problems.push(`--set key must be a dot-separated key path such as market.price.volatility (received ${formatValue(key)})`);
    return undefined;
  }
  try {
    // A YAML scalar or flow collection: 0.5, true, gbm, [{step: 1, return: -0.1}].
    return { pair, path, value: YAML.parse(pair.slice(eq + 1)) };
  } catch (err) {
    const what = (err as Error).message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    problems.push(`--set ${key} value must be a YAML value (received ${formatValue(pair.slice(eq + 1))}: ${what})`);
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  return Array.isArray(v) ? "a list" : v === null ? "null" : typeof v === "object" ? "a mapping" : `a ${typeof v}`;
}

/** Applies `--set key.path=value` overrides to a copy of `raw`, pushing a problem for each bad pair. */
function applySetsCollecting(raw: unknown, sets: readonly string[], problems: string[]): Record<string, unknown> {
  const root = (raw === undefined || raw === null ? {} : structuredClone(raw)) as Record<string, unknown>;
  if (sets.length > 0 && !isRecord(root)) {
    problems.push(`--set needs a scenario that is a mapping of keys (received ${describe(root)})`);
    return root;
  }
  for (const pair of sets) {
    const set = parseSet(pair, problems);
    if (!set) continue;
    // `--set key=null` removes the key, so that its default applies again
    const problem = setAtPath(root, set.path, set.value);
    if (problem) problems.push(`--set ${set.pair.slice(0, set.pair.indexOf("=")).trim()} ${problem}`);
  }
  return root;
}

/** Applies `--set key.path=value` overrides to a copy of `raw`. Unknown keys are left to the schema. */
export function applySets(raw: unknown, sets: readonly string[]): unknown {
  const problems: string[] = [];
  const root = applySetsCollecting(raw, sets, problems);
  if (problems.length > 0) throw new InputError(problems);
  return root;
}

// ---- resolving ----------------------------------------------------------------------------------

function get(raw: unknown, path: readonly string[]): unknown {
  let node = raw;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  return node;
}

/** Checks that span sections: run on each part that is valid by itself, so they show up alongside other problems. */
function crossSectionProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const steps = stepsSchema.safeParse(get(raw, ["steps"]));
  const shocks = shocksSchema.safeParse(get(raw, ["market", "price", "shocks"]) ?? []);
  if (steps.success && shocks.success) {
    shocks.data.forEach((shock, i) => {
      if (shock.step > steps.data) {
        problems.push(`market.price.shocks[${i}].step must be <= steps (${steps.data}) (received ${shock.step})`);
      }
    });
  }
  const preset = get(raw, ["margin", "preset"]);
  const tiers = get(raw, ["margin", "tiers"]);
  if (preset !== undefined && tiers !== undefined) {
    problems.push(`margin.tiers must not be given together with margin.preset (received preset ${formatValue(preset)} and tiers)`);
  } else if (typeof preset === "string" && preset !== "" && !findPreset(preset)) {
    const known = listPresets().map((p) => p.name);
    problems.push(`margin.preset must be one of ${known.join(", ")} (received ${formatValue(preset)})`);
  }
  return problems;
}

/**
 * `venue: NAME`: the preset's design (tiers, liquidation engine and its parameters, fee, ADL ranking) under the
 * scenario's own keys, which win key by key. `margin.tiers` in the scenario replaces the preset's tiers.
 */
function withVenue(raw: unknown, problems: string[]): unknown {
  const name = get(raw, ["venue"]);
  if (name === undefined || !isRecord(raw)) return raw;
  const preset = typeof name === "string" ? findPreset(name) : undefined;
  if (!preset) {
    problems.push(`venue must be one of ${listPresets().map((p) => p.name).join(", ")} (received ${formatValue(name)})`);
    return raw;
  }
  const stepSeconds = get(raw, ["stepSeconds"]);
  const overlay = venueOverlay(preset, typeof stepSeconds === "number" && stepSeconds > 0 ? stepSeconds : 60);
  // explicit tiers or preset in the scenario win, and the venue's preset name must not come along with tiers
  if (get(raw, ["margin", "tiers"]) !== undefined || get(raw, ["margin", "preset"]) !== undefined) delete overlay.margin;
  // an engine the scenario names wins with its own blocks: the venue's engine blocks would not apply to it
  const liquidation = overlay.liquidation as Record<string, unknown>;
  if (get(raw, ["liquidation", "engine"]) !== undefined) {
    for (const key of ["engine", "partial", "auction", "backstop", "closeFactor"]) delete liquidation[key];
  }
  return mergeUnder(overlay, raw);
}

/** A file key's value when it is usable as a path; a bad value is already a schema problem. */
function fileKey(raw: unknown, path: string[]): string | undefined {
  const v = get(raw, path);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Validates a raw scenario (parsed file plus overrides) and loads the files it names, relative to `baseDir`.
 * Throws one InputError listing every problem.
 */
export function resolveScenario(raw0: unknown, baseDir: string): ScenarioInputs {
  const venueProblems: string[] = [];
  const raw = withVenue(raw0, venueProblems);
  const parsed = scenarioSchema.safeParse(raw, { reportInput: true });
  const problems = parsed.success ? [...venueProblems] : [...venueProblems, ...formatIssues(parsed.error.issues)];
  problems.push(...crossSectionProblems(raw));

  const inputs: Omit<ScenarioInputs, "scenario"> = { baseDir: resolve(baseDir) };
  const positionsFile = fileKey(raw, ["accounts", "positionsFile"]);
  if (positionsFile) inputs.positions = readPositions(namedFile("accounts.positionsFile", positionsFile, baseDir), problems);
  const snapshotFile = fileKey(raw, ["market", "book", "snapshotFile"]);
  if (snapshotFile) {
    const tick = tickSizeSchema.safeParse(get(raw, ["market", "tickSize"]));
    inputs.book = readBookSnapshot(namedFile("market.book.snapshotFile", snapshotFile, baseDir), tick.success ? tick.data : undefined, problems);
  }
  const returnsFile = fileKey(raw, ["market", "price", "returnsFile"]);
  if (returnsFile) inputs.returns = readReturns(namedFile("market.price.returnsFile", returnsFile, baseDir), problems);

  if (!parsed.success || problems.length > 0) throw new InputError(problems);
  const draft = parsed.data;

  const presetName = draft.margin.tiers ? undefined : (draft.margin.preset ?? DEFAULT_PRESET);
  const tiers: Tier[] = draft.margin.tiers ?? findPreset(presetName!)!.tiers.map((t) => ({ ...t }));
  const scenario: Scenario = {
    ...draft,
    market: {
      ...draft.market,
      price: { ...draft.market.price, shocks: [...draft.market.price.shocks].sort((a, b) => a.step - b.step) },
      // only the keys given: an absent optional key keeps the scenario (and its hash) as it was
      mark: {
        model: draft.market.mark.model,
        ...(draft.market.mark.halfLifeSeconds !== undefined ? { halfLifeSeconds: draft.market.mark.halfLifeSeconds } : {}),
        ...(draft.market.mark.oracleLagSeconds !== undefined ? { oracleLagSeconds: draft.market.mark.oracleLagSeconds } : {}),
        ...(draft.market.mark.band !== undefined ? { band: draft.market.mark.band } : {}),
      },
    },
    // `preset` stays in the resolved scenario so that summary.json records where the tiers came from.
    margin: {
      mode: draft.margin.mode,
      ...(presetName ? { preset: presetName } : {}),
      tiers,
      ...(draft.margin.maintenanceAt ? { maintenanceAt: draft.margin.maintenanceAt } : {}),
      ...(draft.margin.model ? { model: draft.margin.model } : {}),
      ...(draft.margin.volatility ? { volatility: draft.margin.volatility } : {}),
      ...(draft.margin.volScaled ? { volScaled: draft.margin.volScaled } : {}),
      ...(draft.margin.riskBased ? { riskBased: draft.margin.riskBased } : {}),
      ...(draft.margin.sizePremium ? { sizePremium: draft.margin.sizePremium } : {}),
      ...(draft.margin.openInterestScaling ? { openInterestScaling: draft.margin.openInterestScaling } : {}),
    },
  };

  // A snapshot fixes where the market is: unless the scenario says otherwise, start at its best bid
  // (its best ask for an asks-only snapshot), so the first step does not jump through the book.
  if (inputs.book && get(raw, ["market", "initialPrice"]) === undefined) {
    scenario.market.initialPrice = (inputs.book.find((l) => l.side === "bid") ?? inputs.book[0]).price;
  }
  return { scenario, ...inputs };
}

const FILE_KEYS = ["accounts.positionsFile", "market.book.snapshotFile", "market.price.returnsFile"];

/**
 * The scenario for a command: `path` (or the embedded default when undefined) with `sets` applied.
 * Files named in the scenario file are relative to it; files named by `--set` are relative to the cwd.
 */
export function loadScenario(path: string | undefined, sets: readonly string[]): ScenarioInputs {
  const file = resolve(path ?? DEFAULT_SCENARIO_FILE);
  const problems: string[] = [];
  const raw = applySetsCollecting(readScenarioFile(file), sets, problems);
  for (const pair of sets) {
    const set = parseSet(pair, []);
    if (!set || !FILE_KEYS.includes(keyPathText(set.path)) || typeof set.value !== "string" || set.value === "") continue;
    const parent = set.path.slice(0, -1).reduce<Record<string, unknown>>((node, k) => node[k] as Record<string, unknown>, raw);
    parent[set.path[set.path.length - 1]] = resolve(set.value);
  }
  try {
    const inputs = resolveScenario(raw, dirname(file));
    if (problems.length > 0) throw new InputError(problems);
    return inputs;
  } catch (err) {
    // Report bad --set pairs together with what the scenario they did apply to gets wrong.
    if (err instanceof InputError && problems.length > 0) throw new InputError([...problems, ...err.problems]);
    throw err;
  }
}
