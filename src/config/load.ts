// From a scenario file and `--set` pairs to ScenarioInputs: parse, override, validate, apply presets,
// load the files it names. Every problem found is reported together in one InputError.
import { dirname, resolve } from "node:path";
import YAML from "yaml";
import { InputError, formatValue, safeText } from "./errors.js";
import { CONFIG_FILE_CAP, byteText, pathText, readInputText } from "./input-file.js";
import {
  MAX_DOCUMENT_DEPTH,
  documentProblem,
  documentProblemText,
  forbiddenKeyProblem,
  forbiddenSegment,
  getAtPath,
  keyPathText,
  parseKeyPath,
  setAtPath,
  type Segment,
} from "./keypath.js";
import { scenarioMemoryProblems } from "./memory.js";
import { namedFile, readBookSnapshot, readPositions, readReturns } from "./files.js";
import { DEFAULT_SCENARIO_FILE, findPreset, listPresets, type Preset } from "./presets.js";
import type { Scenario, ScenarioInputs } from "./scenario.js";
import { formatIssues, scenarioSchema, shocksSchema, stepsSchema, tickSizeSchema } from "./schema.js";
import { applyVenue, venuePopulationProblem } from "../venues/apply.js";
import { SECONDS_PER_YEAR } from "../engine/layout.js";
import { resolveMarkets } from "./markets.js";

/** The preset that applies when a scenario gives neither `margin.preset` nor `margin.tiers`. */
export const DEFAULT_PRESET = "binance-usdm-btcusdt";

// ---- reading ------------------------------------------------------------------------------------

/** Most YAML aliases a document may expand (the yaml library's maxAliasCount): a billion-laughs file stops here. */
export const MAX_YAML_ALIASES = 100;

/**
 * Parses a scenario file: JSON if it starts with `{` or `[` (strictly JSON when named *.json, else YAML flow
 * is accepted too), YAML otherwise. An empty file is `{}`. Only a regular file of at most 4 MiB is read
 * (src/config/input-file.ts); the sweep and margin commands read their files through here too.
 */
export function readScenarioFile(path: string): unknown {
  return parseScenarioText(readText(path, "scenario file"), path);
}

function readText(path: string, what: string): string {
  const got = readInputText(path, CONFIG_FILE_CAP);
  if ("text" in got) return got.text;
  throw new InputError(`${what} ${pathText(path)} must be ${got.refusal.expected} (received ${got.refusal.why})`);
}

/**
 * The scenario in `text` (from `source`, for messages). Problems name the line and what is wrong in the parser's
 * words, never quoting the text: the file may not be the scenario it was meant to be.
 */
export function parseScenarioText(text: string, source: string): unknown {
  const what = `scenario file ${pathText(source)}`;
  let jsonProblem: string | undefined;
  let doc: unknown;
  let parsed = false;
  if (/^\s*[[{]/.test(text)) {
    try {
      doc = JSON.parse(text);
      parsed = true;
    } catch (err) {
      jsonProblem = jsonErrorLine(what, text, err);
    }
  }
  if (!parsed) {
    if (jsonProblem && /\.json$/i.test(source)) throw new InputError(jsonProblem);
    doc = parseYaml(text, what, jsonProblem);
  }
  const shape = documentProblem(doc);
  if (shape) throw new InputError(documentProblemText(what, shape));
  return doc ?? {};
}

/**
 * Nesting deeper than MAX_DOCUMENT_DEPTH, found by one linear scan of the text before the YAML parser sees it: the
 * parser takes a minute on 4 MiB of `[[[[…` (or `- - - …`, or ever deeper indentation). Counts flow brackets outside
 * quoted scalars and comments, compact block indicators (`- - -`, `? ? ?`) at the start of a line, and indentation
 * (which a document nested this deep would need at two spaces a level at least, four per level for JSON-like text).
 */
export function yamlNestingTooDeep(text: string, max = MAX_DOCUMENT_DEPTH): boolean {
  let flow = 0;
  let quote = "";
  let lineStart = 0;
  const opensScalar = (i: number) => i === 0 || /[\s[{,:]/.test(text[i - 1]);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== "") {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = "";
      }
      continue;
    }
    if (i === lineStart) {
      // indentation, then compact block indicators: `    - - ? key`
      let j = i;
      while (text[j] === " ") j++;
      if (j - i > max * 8) return true;
      let compact = 0;
      while ((text[j] === "-" || text[j] === "?") && (text[j + 1] === " " || text[j + 1] === "\t")) {
        compact++;
        j += 2;
        while (text[j] === " " || text[j] === "\t") j++;
      }
      if (compact > max) return true;
    }
    if (c === "\n") {
      lineStart = i + 1;
      continue;
    }
    if ((c === '"' || c === "'") && opensScalar(i)) quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end - 1;
    } else if (c === "[" || c === "{") {
      if (++flow > max) return true;
    } else if ((c === "]" || c === "}") && flow > 0) flow--;
  }
  return false;
}

/**
 * Most YAML text parsed: the yaml library takes ≈ 7 s a MiB on long lists of small items (JSON.parse takes
 * milliseconds), so a larger file must be JSON, up to CONFIG_FILE_CAP.
 */
export const YAML_TEXT_CAP = 1024 * 1024;

/** YAML to a value, or an InputError: a syntax error, too many aliases, or nesting the parser cannot follow. */
function parseYaml(text: string, what: string, jsonProblem: string | undefined): unknown {
  if (text.length > YAML_TEXT_CAP) {
    throw new InputError(
      jsonProblem ??
        `${what} must be at most ${byteText(YAML_TEXT_CAP)} when it is YAML; a larger file must be JSON (received ${byteText(Buffer.byteLength(text))})`,
    );
  }
  if (yamlNestingTooDeep(text)) {
    throw new InputError(
      jsonProblem ?? `${what} must nest mappings and lists at most ${MAX_DOCUMENT_DEPTH} deep (received deeper nesting)`,
    );
  }
  let doc: YAML.Document.Parsed;
  try {
    doc = YAML.parseDocument(text);
  } catch (err) {
    // the parser recurses on nesting: a deep enough document overflows the stack (RangeError)
    throw new InputError(
      jsonProblem ?? `${what} must be valid YAML (${err instanceof RangeError ? "nesting too deep to parse" : "unreadable"})`,
    );
  }
  const first = doc.errors[0];
  if (jsonProblem && first) throw new InputError(jsonProblem);
  if (first) {
    const line = first.linePos?.[0].line;
    throw new InputError(`${what}${line ? ` line ${line}` : ""} must be valid YAML (${yamlReason(first)})`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new InputError(
        `${what} must expand YAML aliases at most ${MAX_YAML_ALIASES} times (received more: an alias bomb is refused)`,
      );
    }
    if (err instanceof RangeError) throw new InputError(`${what} must be valid YAML (nesting too deep to read)`);
    if (err instanceof Error) throw new InputError(`${what} must be valid YAML (${yamlMessage(err.message)})`);
    throw err;
  }
}

/** Reasons whose message would quote the file: said in words of their own. */
const YAML_REASONS: Record<string, string> = {
  BAD_DQ_ESCAPE: "an invalid escape sequence in a double-quoted string",
  BAD_SCALAR_START: "a plain value starts with a reserved character",
  TAG_RESOLVE_FAILED: "an unresolved tag",
  DUPLICATE_KEY: "map keys must be unique",
};

function yamlReason(err: YAML.YAMLError): string {
  return YAML_REASONS[err.code] ?? yamlMessage(err.message);
}

/** The first line of a yaml message without its position, quoted text or the source it names after a colon. */
function yamlMessage(message: string): string {
  let m = message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  m = m.replace(/"(?:[^"\\]|\\.)*"/g, "a value").replace(/'(?:[^'\\]|\\.)*'/g, "a value");
  const colon = m.indexOf(": ");
  if (colon >= 0) m = m.slice(0, colon);
  return safeText(m.trim() || "a syntax error", 100);
}

/**
 * `<what> line N must be valid JSON (<reason>)`: V8 gives a character position, users want a line. V8's message
 * quotes the text around the error ("Unexpected token 'x', "…" is not valid JSON"): only its words are kept.
 */
function jsonErrorLine(what: string, text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = /at position (\d+)/.exec(message);
  const line = at ? text.slice(0, Number(at[1])).split("\n").length : undefined;
  return `${what}${line ? ` line ${line}` : ""} must be valid JSON (${jsonReason(message)})`;
}

function jsonReason(message: string): string {
  if (/^Unexpected token/i.test(message)) return "unexpected character";
  if (/maximum call stack/i.test(message)) return "nesting too deep to parse";
  let m = message.replace(/\s*(in JSON )?at position \d+.*$/s, "");
  m = m
    .replace(/"(?:[^"\\]|\\.)*"(\.\.\.)?/g, "")
    .replace(/,?\s*is not valid JSON\s*$/, "")
    .replace(/\s+/g, " ")
    .trim();
  return safeText(m === "" || m === "," ? "malformed JSON" : m, 100);
}

/** A JSON input file (e.g. `cascade margin POSITIONS.json`); unreadable or malformed is an InputError. */
export function readJsonFile(path: string, what: string): unknown {
  const text = readText(path, what);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(jsonErrorLine(`${what} ${pathText(path)}`, text, err));
  }
  const shape = documentProblem(doc);
  if (shape) throw new InputError(documentProblemText(`${what} ${pathText(path)}`, shape));
  return doc;
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
  const forbidden = forbiddenSegment(key);
  if (forbidden !== undefined) {
    problems.push(forbiddenKeyProblem("--set key", key, forbidden));
    return undefined;
  }
  const path = parseKeyPath(key);
  if (!path) {
    problems.push(`--set key must be a dot-separated key path such as market.price.volatility (received ${formatValue(key)})`);
    return undefined;
  }
  try {
    // A YAML scalar or flow collection: 0.5, true, gbm, [{step: 1, return: -0.1}].
    const text = pair.slice(eq + 1);
    if (yamlNestingTooDeep(text)) {
      problems.push(
        `--set ${safeText(key)} value must nest mappings and lists at most ${MAX_DOCUMENT_DEPTH} deep (received deeper nesting)`,
      );
      return undefined;
    }
    const value: unknown = YAML.parse(text, { maxAliasCount: MAX_YAML_ALIASES });
    const shape = documentProblem(value);
    if (shape) {
      problems.push(documentProblemText(`--set ${safeText(key)} value`, shape));
      return undefined;
    }
    return { pair, path, value };
  } catch (err) {
    const what = err instanceof Error ? yamlMessage(err.message) : "not a value";
    problems.push(`--set ${safeText(key)} value must be a YAML value (received ${formatValue(pair.slice(eq + 1))}: ${what})`);
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
  const model = get(raw, ["margin", "model"]);
  if (model !== undefined && get(raw, ["liquidation", "partial", "duringCooldown"]) === "full") {
    // the scan engine re-checks every account every round; only the ladder's re-check list knows the whole close
    problems.push(
      `liquidation.partial.duringCooldown must be wait with margin.model (the scan engine) (received full with margin.model ${formatValue(model)})`,
    );
  }
  if (get(raw, ["correlation"]) !== undefined && get(raw, ["markets"]) === undefined) {
    problems.push("correlation is only used with markets (the correlation of several markets' returns)");
  }
  if (get(raw, ["crossMargin"]) !== undefined && get(raw, ["markets"]) === undefined) {
    problems.push("crossMargin is only used with markets (its owners' legs name markets; one market under markets: is enough)");
  }
  const preset = get(raw, ["margin", "preset"]);
  const tiers = get(raw, ["margin", "tiers"]);
  if (preset !== undefined && tiers !== undefined) {
    problems.push(
      `margin.tiers must not be given together with margin.preset (received preset ${formatValue(preset)} and tiers)`,
    );
  } else if (typeof preset === "string" && preset !== "" && !findPreset(preset)) {
    const known = listPresets().map((p) => p.name);
    problems.push(`margin.preset must be one of ${known.join(", ")} (received ${formatValue(preset)})`);
  }
  return problems;
}

interface WithVenue {
  raw: unknown;
  preset?: Preset;
  warnings: string[];
}

/**
 * `venue: NAME`: the preset's whole design over the scenario as written (src/venues/apply.ts); the keys in
 * `explicit` (given for this run: `--set`, a sweep's overrides and axes) win over the venue's.
 */
function withVenue(raw: unknown, explicit: readonly Segment[][], problems: string[]): WithVenue {
  const name = get(raw, ["venue"]);
  if (name === undefined || !isRecord(raw)) return { raw, warnings: [] };
  const preset = typeof name === "string" ? findPreset(name) : undefined;
  if (!preset) {
    problems.push(
      `venue must be one of ${listPresets()
        .map((p) => p.name)
        .join(", ")} (received ${formatValue(name)})`,
    );
    return { raw, warnings: [] };
  }
  const stepSeconds = get(raw, ["stepSeconds"]);
  // a key removed for this run (`--set KEY=null`) is not a value that wins: the venue's applies
  const keys = explicit.filter((path) => !(path.length === 1 && path[0] === "venue") && getAtPath(raw, path) !== undefined);
  const applied = applyVenue(raw, preset, keys, typeof stepSeconds === "number" && stepSeconds > 0 ? stepSeconds : 60);
  return { raw: applied.raw, preset, warnings: applied.warnings };
}

/** Options of resolveScenario. */
export interface ResolveOptions {
  /**
   * Keys given for this run on top of the scenario file (`--set`, a sweep's overrides and axes): they win over a
   * venue's design, which wins over the file's own keys.
   */
  explicit?: readonly Segment[][];
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
export function resolveScenario(raw0: unknown, baseDir: string, options: ResolveOptions = {}): ScenarioInputs {
  // the whole document is not quoted back: it may be a file that was never meant to be a scenario
  if (raw0 !== undefined && !isRecord(raw0))
    throw new InputError(`(scenario) must be a mapping of keys (received ${describe(raw0)})`);
  const shape = documentProblem(raw0);
  if (shape) throw new InputError(documentProblemText("the scenario", shape));
  if (isRecord(raw0) && raw0.markets !== undefined) return resolveMarkets(raw0, baseDir, options, resolveOneMarket);
  return resolveOneMarket(raw0, baseDir, options);
}

/** A scenario of one market (the top-level blocks): resolveScenario without `markets:`. */
function resolveOneMarket(raw0: unknown, baseDir: string, options: ResolveOptions): ScenarioInputs {
  const venueProblems: string[] = [];
  const venue = withVenue(raw0, options.explicit ?? [], venueProblems);
  const raw = venue.raw;
  const parsed = scenarioSchema.safeParse(raw, { reportInput: true });
  const problems = parsed.success ? [...venueProblems] : [...venueProblems, ...formatIssues(parsed.error.issues)];
  problems.push(...crossSectionProblems(raw));

  const inputs: Omit<ScenarioInputs, "scenario"> = { baseDir: resolve(baseDir) };
  const positionsFile = fileKey(raw, ["accounts", "positionsFile"]);
  if (positionsFile) inputs.positions = readPositions(namedFile("accounts.positionsFile", positionsFile, baseDir), problems);
  const snapshotFile = fileKey(raw, ["market", "book", "snapshotFile"]);
  if (snapshotFile) {
    const tick = tickSizeSchema.safeParse(get(raw, ["market", "tickSize"]));
    inputs.book = readBookSnapshot(
      namedFile("market.book.snapshotFile", snapshotFile, baseDir),
      tick.success ? tick.data : undefined,
      problems,
    );
  }
  const returnsFile = fileKey(raw, ["market", "price", "returnsFile"]);
  if (returnsFile) inputs.returns = readReturns(namedFile("market.price.returnsFile", returnsFile, baseDir), problems);

  if (parsed.success && venue.preset) {
    const shorts = inputs.positions?.filter((p) => p.side === "short").length;
    const refusal = venuePopulationProblem(venue.preset, parsed.data.accounts.longShare, positionsFile ? shorts : undefined);
    if (refusal) problems.push(refusal);
  }
  if (!parsed.success || problems.length > 0) throw new InputError(problems);
  // `markets` never reaches here (resolveMarkets strips it from what it resolves)
  const { markets: _markets, crossMargin: _crossMargin, ...draft } = parsed.data;

  // the schema's output is the resolved scenario but for the tiers, which a preset may name instead (the default
  // preset when there are neither); `preset` stays so that summary.json records where the tiers came from
  const { mode, preset, tiers, ...margin } = draft.margin;
  const presetName = tiers ? undefined : (preset ?? DEFAULT_PRESET);
  const scenario: Scenario = {
    ...draft,
    margin: {
      mode,
      ...(presetName ? { preset: presetName } : {}),
      tiers: tiers ?? findPreset(presetName!)!.tiers.map((t) => ({ ...t })),
      ...margin,
    },
    ...(venue.warnings.length > 0 ? { venueWarnings: venue.warnings } : {}),
  };
  const inputWarnings = replayWarnings(scenario, inputs.returns);
  if (inputWarnings.length > 0) scenario.inputWarnings = inputWarnings;

  // A snapshot fixes where the market is: unless the scenario says otherwise, start at its best bid
  // (its best ask for an asks-only snapshot), so the first step does not jump through the book.
  if (inputs.book && get(raw, ["market", "initialPrice"]) === undefined) {
    scenario.market.initialPrice = (inputs.book.find((l) => l.side === "bid") ?? inputs.book[0]).price;
  }
  const resolved = { scenario, ...inputs };
  const late = [...rangeProblems(resolved)];
  if (late.length === 0) late.push(...scenarioMemoryProblems(resolved));
  if (late.length > 0) throw new InputError(late);
  return resolved;
}

/** Most ticks from zero to the initial price: the kernel's book indexes levels as i32 and stops at 2^30. */
export const MAX_PRICE_TICKS = 1e9;
/**
 * The largest move of the log-price a scenario may allow over its run: e^200 ≈ 7e86, so that prices, notionals
 * and the statistics' sums of squares stay finite (f64 overflows near e^709).
 */
export const MAX_LOG_MOVE = 200;
/** Standard deviations the bound on the price's move takes for its random parts. */
const MOVE_SIGMAS = 12;

/**
 * Checks across fields that keep the arithmetic finite: the tick within the price, and the price's largest
 * plausible move over the run (drift, volatility, jumps, shocks and replayed returns over steps × stepSeconds).
 */
function rangeProblems(inputs: ScenarioInputs): string[] {
  const s = inputs.scenario;
  const problems: string[] = [];
  const { initialPrice, tickSize } = s.market;
  if (tickSize > initialPrice) {
    problems.push(`market.tickSize must be <= market.initialPrice (${initialPrice}) (received ${tickSize})`);
  } else if (initialPrice / tickSize > MAX_PRICE_TICKS) {
    problems.push(
      `market.tickSize must be >= market.initialPrice / ${MAX_PRICE_TICKS} (${initialPrice / MAX_PRICE_TICKS}): a price of at most a billion ticks (received ${tickSize})`,
    );
  }
  const p = s.market.price;
  const years = (s.steps * s.stepSeconds) / SECONDS_PER_YEAR;
  const parts: [string, number][] = [];
  if (p.model === "gbm" || p.model === "merton") {
    parts.push(["drift", Math.abs(p.drift) * years], ["volatility", MOVE_SIGMAS * p.volatility * Math.sqrt(years)]);
  }
  if (p.model === "merton") {
    const jumps = p.jumps.intensity * years;
    parts.push(["jumps", jumps * Math.abs(p.jumps.meanLog) + MOVE_SIGMAS * Math.sqrt(jumps + jumps * jumps) * p.jumps.stdLog]);
  }
  if (p.model === "replay" && inputs.returns && inputs.returns.length > 0) {
    let sum = 0;
    let sq = 0;
    for (const r of inputs.returns) {
      sum += r;
      sq += r * r;
    }
    const mean = sum / inputs.returns.length;
    const sd = Math.sqrt(Math.max(0, sq / inputs.returns.length - mean * mean));
    parts.push(["returnsFile", Math.abs(mean) * s.steps + MOVE_SIGMAS * sd * Math.sqrt(s.steps)]);
  }
  const shocks = p.shocks.reduce((sum, sh) => sum + Math.abs(Math.log1p(sh.return)), 0);
  if (shocks > 0) parts.push(["shocks", shocks]);
  const move = parts.reduce((sum, [, v]) => sum + v, 0);
  if (!(move <= MAX_LOG_MOVE)) {
    const biggest = [...parts].sort((a, b) => b[1] - a[1])[0][0];
    const detail = parts
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${Number(v.toPrecision(3))}`)
      .join(", ");
    problems.push(
      `market.price.${biggest} must keep the log-price's largest plausible move over the run within ${MAX_LOG_MOVE} ` +
        `(over steps × stepSeconds = ${Number(years.toPrecision(3))} years; prices past e^${MAX_LOG_MOVE} overflow the results) (received ${Number(move.toPrecision(3))}: ${detail})`,
    );
  }
  return problems;
}

const FILE_KEYS = ["accounts.positionsFile", "market.book.snapshotFile", "market.price.returnsFile"];

/** A file key given by `--set`, at the top level or in a market (`markets[1].accounts.positionsFile`). */
function isFileKey(path: readonly Segment[]): boolean {
  const inMarket = path[0] === "markets" && typeof path[1] === "number";
  return FILE_KEYS.includes(keyPathText(inMarket ? path.slice(2) : path));
}

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
    if (!set || !isFileKey(set.path) || typeof set.value !== "string" || set.value === "") continue;
    const parent = set.path.slice(0, -1).reduce<Record<string, unknown>>((node, k) => node[k] as Record<string, unknown>, raw);
    parent[set.path[set.path.length - 1]] = resolve(set.value);
  }
  // the keys given on the command line win over a venue's design (which wins over the file's keys)
  const explicit = sets.flatMap((pair) => {
    const path = parseSet(pair, [])?.path;
    return path ? [path] : [];
  });
  try {
    const inputs = resolveScenario(raw, dirname(file), { explicit });
    if (problems.length > 0) throw new InputError(problems);
    return inputs;
  } catch (err) {
    // Report bad --set pairs together with what the scenario they did apply to gets wrong.
    if (err instanceof InputError && problems.length > 0) throw new InputError([...problems, ...err.problems]);
    throw err;
  }
}

/**
 * A replay with fewer returns than steps cannot play the history in order: each step draws one of them at random
 * (a bootstrap). That is a model the scenario's keys do not show, so it is said, not done silently.
 */
function replayWarnings(scenario: Scenario, returns: Float64Array | undefined): string[] {
  if (scenario.market.price.model !== "replay" || returns === undefined || returns.length >= scenario.steps) return [];
  return [
    `market.price.returnsFile holds ${returns.length} returns for ${scenario.steps} steps: each step draws one of them at random (a bootstrap), not the history in order; give ${scenario.steps} returns to replay it`,
  ];
}
