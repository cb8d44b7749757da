// `markets:` (several markets on one venue): each market's blocks deep-merged over the top-level ones, each market
// then resolved as a whole single-market scenario (every check, default, venue design and file of a one-market
// scenario applies per market), its problem lines naming the full path (`markets[1].market.tickSize must be > 0`).
// The top-level blocks are every market's defaults and are themselves a valid market; the venue-wide keys (seed,
// paths, steps, stepSeconds, insurance, liquidation.maxRoundsPerStep) are top-level only. A scenario without
// `markets:` never comes here.
import { InputError } from "./errors.js";
import type { Segment } from "./keypath.js";
import type { MarketFiles, MarketScenario, Scenario, ScenarioInputs } from "./scenario.js";
import { MARGIN_MODEL_BLOCKS, MARKET_BLOCKS, formatIssues, marketsSchema } from "./schema.js";
import { ENGINE_BLOCKS } from "./mechanisms/index.js";
import { correlationProblems, identityCorrelation } from "./correlation.js";
import { type CrossMargin, crossMarginProblems, crossMarginSchema } from "./cross-margin.js";

/** Keys of the venue, not of a market: given in a market they are refused, naming the top-level key. */
export const VENUE_WIDE_KEYS = ["seed", "paths", "steps", "stepSeconds", "insurance", "venue"] as const;
/** Venue-wide keys inside a market block. */
const VENUE_WIDE_IN_BLOCKS: readonly (readonly [string, string])[] = [["liquidation", "maxRoundsPerStep"]];

type Raw = Record<string, unknown>;
type ResolveOne = (raw: unknown, baseDir: string, options: { explicit?: readonly Segment[][] }) => ScenarioInputs;

const isRecord = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `over` deep-merged onto `base`: mappings merge key by key, anything else (a list, a number) replaces; null drops
 * the key, so that its default applies again. Neither input is changed.
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return structuredClone(over);
  const out: Raw = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = deepMerge(out[key], value);
  }
  return out;
}

/**
 * Keys that choose between blocks: a market that chooses another engine (or margin model, or tiers instead of a
 * preset) does not inherit the top-level blocks of the other choice, which would be refused as unused.
 */
const CHOICES: readonly { block: string; key: string; readers: readonly (readonly [string, readonly string[]])[] }[] = [
  { block: "liquidation", key: "engine", readers: ENGINE_BLOCKS },
  { block: "margin", key: "model", readers: MARGIN_MODEL_BLOCKS },
];

/** The market's whole raw scenario: the top-level document with the market's blocks merged over its own. */
export function mergeMarket(base: Raw, entry: Raw): Raw {
  const out = structuredClone(base);
  for (const block of MARKET_BLOCKS) {
    const own = entry[block];
    if (own === undefined) continue;
    const inherited = isRecord(out[block]) ? structuredClone(out[block] as Raw) : undefined;
    if (inherited && isRecord(own)) {
      for (const choice of CHOICES) {
        if (choice.block !== block || own[choice.key] === undefined) continue;
        for (const [key, readers] of choice.readers) {
          if (own[key] === undefined && !readers.includes(String(own[choice.key]))) delete inherited[key];
        }
      }
      if (block === "margin" && (own.tiers !== undefined || own.preset !== undefined)) {
        delete inherited.tiers;
        delete inherited.preset;
      }
    }
    out[block] = deepMerge(inherited, own);
  }
  return out;
}

/** A market's problem line under its path: `markets[1].market.tickSize …`, or `markets[1] (ETH): …` for others. */
function marketLine(i: number, name: string, line: string): string {
  const keyed = MARKET_BLOCKS.some((b) => line.startsWith(`${b}.`) || line.startsWith(`${b} `));
  return keyed ? `markets[${i}].${line}` : `markets[${i}] (${name}): ${line}`;
}

/** Problems of the `markets:` list itself (shape, names, keys); the entries when it is usable. */
function marketEntries(markets: unknown, problems: string[]): Raw[] | undefined {
  const before = problems.length;
  if (Array.isArray(markets)) {
    markets.forEach((entry, i) => {
      if (!isRecord(entry)) return;
      for (const key of VENUE_WIDE_KEYS) {
        if (entry[key] !== undefined) {
          problems.push(`markets[${i}].${key} is venue-wide: give it at the top level (${key}), it applies to every market`);
        }
      }
      for (const [block, key] of VENUE_WIDE_IN_BLOCKS) {
        const b = entry[block];
        if (isRecord(b) && b[key] !== undefined) {
          problems.push(
            `markets[${i}].${block}.${key} is venue-wide: give it at the top level (${block}.${key}), it applies to every market`,
          );
        }
      }
    });
    // the keys reported above are left out of the schema's check, so that they are not reported twice
    markets = markets.map((entry) => {
      if (!isRecord(entry)) return entry;
      const rest = { ...entry };
      for (const key of VENUE_WIDE_KEYS) delete rest[key];
      return rest;
    });
  }
  const parsed = marketsSchema.safeParse(markets, { reportInput: true });
  if (!parsed.success) {
    problems.push(...formatIssues(parsed.error.issues.map((issue) => ({ ...issue, path: ["markets", ...issue.path] }))));
  }
  return problems.length > before || !Array.isArray(markets) ? undefined : (markets as Raw[]);
}

/**
 * The explicit keys (`--set`, a sweep's axes) that apply to market i: the top-level ones, and the market's own
 * (`markets[i].market.mark.band` → `market.mark.band`), so that they win over a venue's design as they do at the top.
 */
function marketExplicit(explicit: readonly Segment[][], i: number): Segment[][] {
  const top = explicit.filter((path) => path[0] !== "markets");
  const own = explicit
    .filter((path) => path[0] === "markets" && path[1] === i && path.length > 2 && path[2] !== "name")
    .map((path) => path.slice(2));
  return [...top, ...own];
}

/** Resolves a scenario with `markets:` (resolveScenario's several-market branch). */
export function resolveMarkets(raw0: Raw, baseDir: string, options: { explicit?: readonly Segment[][] }, resolveOne: ResolveOne) {
  const { markets: rawMarkets, correlation: rawCorrelation, crossMargin: rawCross, ...base } = raw0;
  const explicit = options.explicit ?? [];
  const problems: string[] = [];
  // the defaults: a valid market by themselves, and the venue-wide keys
  let top: ScenarioInputs | undefined;
  let topProblems: string[] = [];
  try {
    top = resolveOne(base, baseDir, { explicit: explicit.filter((path) => path[0] !== "markets") });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    topProblems = err.problems;
    problems.push(...topProblems);
  }
  const entries = marketEntries(rawMarkets, problems);
  const resolved: ScenarioInputs[] = [];
  entries?.forEach((entry, i) => {
    try {
      resolved.push(resolveOne(mergeMarket(base, entry), baseDir, { explicit: marketExplicit(explicit, i) }));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // a problem of the top-level blocks every market inherits is said once, at the top
      for (const line of err.problems) if (!topProblems.includes(line)) problems.push(marketLine(i, String(entry.name), line));
    }
  });
  if (entries && rawCorrelation !== undefined) problems.push(...correlationProblems(rawCorrelation, entries.length));
  let crossMargin: CrossMargin | undefined;
  if (rawCross !== undefined) {
    const parsed = crossMarginSchema.safeParse(rawCross, { reportInput: true });
    if (!parsed.success)
      problems.push(...formatIssues(parsed.error.issues.map((issue) => ({ ...issue, path: ["crossMargin", ...issue.path] }))));
    else if (entries) {
      crossMargin = parsed.data;
      problems.push(
        ...crossMarginProblems(
          crossMargin,
          entries.map((e) => String(e.name)),
        ),
      );
    }
  }
  if (problems.length > 0 || !top || !entries) throw new InputError(problems);

  const names = entries.map((e) => String(e.name));
  const markets: MarketScenario[] = resolved.map((r, i) => ({
    name: names[i],
    market: r.scenario.market,
    accounts: r.scenario.accounts,
    margin: r.scenario.margin,
    liquidation: r.scenario.liquidation,
    adl: r.scenario.adl,
  }));
  const files: MarketFiles[] = resolved.map((r) => ({
    ...(r.positions ? { positions: r.positions } : {}),
    ...(r.book ? { book: r.book } : {}),
    ...(r.returns ? { returns: r.returns } : {}),
  }));
  const { venueWarnings: topVenue = [], inputWarnings: _top, ...rest } = top.scenario;
  // a venue's warning every market shares is said once; one of a market's own blocks names the market
  const venueWarnings = [...topVenue];
  resolved.forEach((r, i) => {
    for (const line of r.scenario.venueWarnings ?? [])
      if (!topVenue.includes(line)) venueWarnings.push(marketLine(i, names[i], line));
  });
  const inputWarnings = resolved.flatMap((r, i) => (r.scenario.inputWarnings ?? []).map((line) => marketLine(i, names[i], line)));
  const scenario: Scenario = {
    ...rest,
    markets,
    correlation: (rawCorrelation as number[][] | undefined) ?? identityCorrelation(markets.length),
    ...(crossMargin ? { crossMargin } : {}),
    ...(venueWarnings.length > 0 ? { venueWarnings } : {}),
    ...(inputWarnings.length > 0 ? { inputWarnings } : {}),
  };
  return { scenario, ...(top.baseDir !== undefined ? { baseDir: top.baseDir } : {}), markets: files };
}

/**
 * Each market's own whole scenario and files, in the markets' order: the venue-wide keys of the run with the
 * market's resolved blocks (what buildSetup of the market takes). A scenario without `markets:` is its own only
 * market.
 */
export function marketScenarios(inputs: ScenarioInputs): ScenarioInputs[] {
  const {
    markets,
    correlation: _correlation,
    crossMargin: _cross,
    venueWarnings: _v,
    inputWarnings: _i,
    ...venue
  } = inputs.scenario;
  if (markets === undefined) return [inputs];
  return markets.map((m, i) => ({
    scenario: { ...venue, market: m.market, accounts: m.accounts, margin: m.margin, liquidation: m.liquidation, adl: m.adl },
    ...(inputs.baseDir !== undefined ? { baseDir: inputs.baseDir } : {}),
    ...inputs.markets?.[i],
  }));
}

/** The markets' names, or undefined for a one-market scenario (recordNames' argument). */
export function marketNames(scenario: Pick<Scenario, "markets">): string[] | undefined {
  return scenario.markets?.map((m) => m.name);
}
