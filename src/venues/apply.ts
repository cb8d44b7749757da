// Lays a venue's design (scenario-overlay.ts) over a raw scenario. The venue's keys win over the scenario's as
// written; a key given explicitly for this run (`--set`, a sweep's overrides and axes) wins over the venue's. Every
// key of the scenario that the venue replaces with another value or drops becomes a warning line naming the key, so
// that `venue:` never silently runs half of one design and half of another.
import { formatValue } from "../config/errors.js";
import { getAtPath, keyPathText, setAtPath, type Segment } from "../config/keypath.js";
import type { Preset } from "../config/presets.js";
import { ENGINE_BLOCKS } from "../config/mechanisms/index.js";
import { venueDesign, type DesignKey } from "./scenario-overlay.js";

type Raw = Record<string, unknown>;
type Path = readonly Segment[];

export interface VenueApplied {
  /** The scenario with the venue's design in it (a copy). */
  raw: Raw;
  /** One line per scenario key the venue overrode or dropped, in the design's key order. */
  warnings: string[];
}

/**
 * The venue's design over `raw` (a scenario with its explicit keys already applied), then the `explicit` keys' values
 * from `raw` over that. `stepSeconds` converts the venue's once-per-step rules.
 */
export function applyVenue(raw: Raw, preset: Preset, explicit: readonly Path[], stepSeconds: number): VenueApplied {
  const out = structuredClone(raw);
  const warnings: string[] = [];
  const venue = `venue ${preset.name}`;
  // the user's key covers this path (it is the key or inside it): the venue leaves it alone
  const covered = (path: Path) => explicit.some((e) => isPrefix(e, path));
  // the user gave a key inside this path: warnings about the path would be about the user's own value
  const userInside = (path: Path) => explicit.some((e) => isPrefix(path, e));

  for (const key of venueDesign(preset, stepSeconds)) {
    if (covered(key.path)) continue;
    const before = getAtPath(out, key.path);
    if (key.value === undefined) {
      if (before === undefined || key.keep?.(before, out)) continue;
      setAtPath(out, key.path, null);
      if (!userInside(key.path))
        warnings.push(`${venue} drops ${keyPathText(key.path)} (scenario ${formatValue(before)}): ${key.why}`);
      continue;
    }
    for (const change of changes(key, before)) {
      if (covered(change.path) || userInside(change.path)) continue;
      const at = keyPathText(change.path);
      warnings.push(
        change.after === undefined
          ? `${venue} drops ${at} (scenario ${formatValue(change.before)}): the venue's ${keyPathText(key.path)} has no such key`
          : `${venue} overrides ${at} (scenario ${formatValue(change.before)}, venue ${formatValue(change.after)})`,
      );
    }
    if (isMapping(key.value) && !key.whole && isMapping(before)) {
      for (const [path, value] of leaves(key.value, key.path)) if (!covered(path)) setAtPath(out, path, value);
    } else {
      setAtPath(out, key.path, key.value);
    }
  }

  // the keys given for this run win over the venue's
  for (const path of explicit) {
    const value = getAtPath(raw, path);
    if (value !== undefined) setAtPath(out, path, value);
  }
  warnings.push(...explicitConflicts(out, venue, explicit));
  return { raw: out, warnings };
}

interface Change {
  path: Path;
  before: unknown;
  /** undefined: the scenario's key is dropped (a whole block without it). */
  after: unknown;
}

/** What setting `key` does to the scenario's value `before`: keys overridden with another value, keys dropped. */
function changes(key: DesignKey, before: unknown): Change[] {
  if (before === undefined) return [];
  if (!isMapping(key.value) || !isMapping(before))
    return sameValue(before, key.value) ? [] : [{ path: key.path, before, after: key.value }];
  const out: Change[] = [];
  const venueLeaves = new Map(leaves(key.value, key.path).map(([p, v]) => [keyPathText(p), v]));
  for (const [path, value] of leaves(before, key.path)) {
    const text = keyPathText(path);
    if (venueLeaves.has(text)) {
      const after = venueLeaves.get(text);
      if (!sameValue(value, after)) out.push({ path, before: value, after });
    } else if (key.whole) {
      out.push({ path, before: value, after: undefined });
    }
  }
  return out;
}

/** Keys given for this run that the venue's design cannot hold together with (its engine blocks, its tier preset). */
function explicitConflicts(out: Raw, venue: string, explicit: readonly Path[]): string[] {
  const warnings: string[] = [];
  const given = (path: Path) => explicit.some((e) => isPrefix(e, path) || isPrefix(path, e));
  const engine = getAtPath(out, ["liquidation", "engine"]) ?? "market";
  if (given(["liquidation", "engine"])) {
    for (const [block, engines] of ENGINE_BLOCKS) {
      const path = ["liquidation", block];
      if (getAtPath(out, path) === undefined || (engines as readonly unknown[]).includes(engine) || given(path)) continue;
      setAtPath(out, path, null);
      warnings.push(
        `${venue}: liquidation.engine ${formatValue(engine)} was given for this run; the venue's ${keyPathText(path)} does not apply to it and is dropped`,
      );
    }
  }
  if (given(["margin", "tiers"]) && !given(["margin", "preset"]) && getAtPath(out, ["margin", "preset"]) !== undefined) {
    setAtPath(out, ["margin", "preset"], null);
    warnings.push(`${venue}: margin.tiers was given for this run and replaces the venue's tiers (margin.preset dropped)`);
  }
  return warnings;
}

/**
 * The refusal of a venue that cannot apply to the population: a lending venue's positions are all longs (collateral
 * against a stable debt). `shorts` is the number of short positions of a positions file, when there is one.
 */
export function venuePopulationProblem(preset: Preset, longShare: number, shorts: number | undefined): string | undefined {
  const why = preset.conventions.longOnly;
  if (why === undefined) return undefined;
  if (shorts !== undefined) {
    return shorts > 0
      ? `venue ${preset.name}: ${why}; accounts.positionsFile must hold longs only (received ${shorts} short position${shorts === 1 ? "" : "s"})`
      : undefined;
  }
  return longShare < 1
    ? `venue ${preset.name}: ${why}; set accounts.longShare: 1 (received ${formatValue(longShare)})`
    : undefined;
}

/** Every non-mapping value under `value` with its full path (lists are values). */
function leaves(value: Raw, at: Path): [Path, unknown][] {
  const out: [Path, unknown][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const path = [...at, k];
    if (isMapping(v)) out.push(...leaves(v, path));
    else out.push([path, v]);
  }
  return out;
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);
}

function isMapping(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Structural equality of two YAML values (key order does not matter). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameValue(a[k], b[k]));
  }
  return false;
}
