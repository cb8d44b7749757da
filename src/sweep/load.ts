// From a sweep file to a ResolvedSweep: parse and check the file, resolve the base scenario (with the
// file's overrides and the command line's --set), lay out the design's points, and validate every point's
// scenario exactly as `cascade run` validates one. Every problem found is reported together, each naming
// the sweep field (axis, value, point) it comes from.
import { basename, dirname, extname, relative, resolve } from "node:path";
import { InputError, formatValue } from "../config/errors.js";
import { applySets, readScenarioFile, resolveScenario } from "../config/load.js";
import { DEFAULT_SCENARIO_FILE } from "../config/presets.js";
import type { Scenario, ScenarioInputs } from "../config/scenario.js";
import type { MetricName } from "../engine/metrics.js";
import { designPoints, gridSize, type Axis, type DesignKind, type DesignSpec } from "./design.js";
import {
  documentProblem,
  documentProblemText,
  getAtPath,
  keyPathText,
  parseKeyPath,
  pathsOverlap,
  setAtPath,
  type Segment,
} from "../config/keypath.js";
import { DEFAULT_METRICS, MAX_POINTS, sweepProblems, sweepSchema, type AxisInput, type SweepInput } from "./schema.js";

/** One point of a sweep: the axis values and the validated scenario they give. */
export interface SweepPoint {
  /** 0-based, in design order; an extra baseline point (see `ResolvedSweep.baseline`) comes last. */
  index: number;
  /** Axis key → value, in axis order (file paths as written in the sweep file). */
  values: Record<string, unknown>;
  /** The raw scenario: base, overrides, --set and the axis values applied; valid. */
  raw: Record<string, unknown>;
  /** The resolved scenario (defaults applied). */
  scenario: Scenario;
  /** Keys given on top of the base file (overrides, --set, the axes): they win over a `venue:`'s design. */
  explicit: Segment[][];
  /** True for a baseline point that is not one of the design's points (added to measure against). */
  extra: boolean;
  /**
   * The point's name: its values' labels joined by " / " (axes with `labels` only), or point-NNN (the name of
   * its directory) when no axis has labels.
   */
  label: string;
}

/** A checked sweep, ready for `runSweep`. */
export interface ResolvedSweep {
  name: string;
  /** The sweep file, when it came from one. */
  file?: string;
  /** The base scenario file; undefined for an inline base. */
  baseFile?: string;
  /** Directory the files named inside the base scenario are relative to. */
  baseDir: string;
  design: { kind: DesignKind; count?: number; seed?: number; axes: Axis[] };
  /** The base scenario with the sweep's overrides and --set applied, validated. */
  base: ScenarioInputs;
  points: SweepPoint[];
  /** Index of the point the paired differences are taken against. */
  baseline: number;
  /** Metrics reported in sweep.csv, sweep.json and the table. */
  metrics: MetricName[];
}

export interface ResolveSweepOptions {
  /** Directory relative paths in the sweep (base, file-valued keys) are taken from (default: cwd). */
  dir?: string;
  /** `--set key=value` overrides of the base scenario, applied after the sweep's own `overrides`. */
  sets?: readonly string[];
  /** The sweep file, for messages and the record. */
  file?: string;
}

/** Scenario keys that name files: a relative value given by the sweep is relative to the sweep file. */
const FILE_KEYS = ["accounts.positionsFile", "market.book.snapshotFile", "market.price.returnsFile"];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The key paths given on top of the base file (a bad key is already a problem of its own). */
const givenPaths = (paths: readonly (Segment[] | undefined)[]): Segment[][] =>
  paths.filter((p): p is Segment[] => p !== undefined);

function describe(v: unknown): string {
  return Array.isArray(v) ? "a list" : v === null ? "nothing" : typeof v === "object" ? "a mapping" : `a ${typeof v}`;
}

/**
 * Reads and resolves a sweep file (YAML or JSON). `sets` (--set, --paths, --seed) override the base scenario.
 * Throws one InputError listing every problem.
 * @example
 * const sweep = loadSweep("examples/sweep-margin-design.yaml", ["paths=200"]);
 */
export function loadSweep(file: string, sets: readonly string[] = []): ResolvedSweep {
  const path = resolve(file);
  let raw: unknown;
  try {
    raw = readScenarioFile(path);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(err.problems.map((p) => p.replace(/^scenario file/, "sweep file")));
    throw err;
  }
  return resolveSweep(raw, { dir: dirname(path), sets, file });
}

/** True when a parsed file looks like a sweep (it has `axes`), not a scenario: for `cascade validate`. */
export function isSweepDocument(raw: unknown): boolean {
  return isRecord(raw) && "axes" in raw;
}

/** The first token of a problem line, when it is a key path: the field the problem is about. */
function problemPath(line: string): Segment[] | undefined {
  const token = line.split(" ", 1)[0];
  return parseKeyPath(token);
}

/** Index of the first of `paths` that the problem line's field overlaps, or −1. */
function attribute(line: string, paths: readonly (Segment[] | undefined)[]): number {
  const at = problemPath(line);
  if (!at) return -1;
  return paths.findIndex((p) => p !== undefined && pathsOverlap(p, at));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number")
    return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  return JSON.stringify(a) === JSON.stringify(b);
}

function pointsText(points: readonly number[], total: number): string {
  if (points.length === total && total > 1) return "every point";
  if (points.length === 1) return `point ${points[0]}`;
  const shown = points.slice(0, 6).join(", ");
  return points.length > 6 ? `points ${shown}, … (${points.length} points)` : `points ${shown}`;
}

/** A value for the raw scenario: file-valued keys given relative to `dir` become absolute. */
function rawValue(path: readonly Segment[], value: unknown, dir: string): unknown {
  return FILE_KEYS.includes(keyPathText(path)) && typeof value === "string" && value !== "" ? resolve(dir, value) : value;
}

function buildAxes(inputs: readonly AxisInput[]): Axis[] {
  return inputs.map((a) => {
    const path = parseKeyPath(a.key)!;
    if (a.values !== undefined)
      return { kind: "values", key: a.key, path, values: a.values, ...(a.labels !== undefined ? { labels: a.labels } : {}) };
    return {
      kind: "range",
      key: a.key,
      path,
      min: a.min!,
      max: a.max!,
      scale: a.scale ?? "linear",
      integer: a.integer ?? false,
      ...(a.count !== undefined ? { count: a.count } : {}),
    };
  });
}

/**
 * Checks a parsed sweep document and resolves it (see `loadSweep`). Relative paths are taken from
 * `options.dir`. Throws one InputError listing every problem.
 */
export function resolveSweep(raw: unknown, options: ResolveSweepOptions = {}): ResolvedSweep {
  const dir = resolve(options.dir ?? ".");
  const sets = options.sets ?? [];
  const source = options.file ?? "sweep";
  if (!isRecord(raw))
    throw new InputError(`sweep file ${source} must be a mapping of keys with base, design and axes (received ${describe(raw)})`);
  // a file read by loadSweep is checked already; a document handed to the library is checked here
  const shape = documentProblem(raw);
  if (shape) throw new InputError(documentProblemText(`sweep file ${source}`, shape));

  const problems = sweepProblems(raw).map((p) => p.replace(/^\(scenario\)/, "(sweep)"));
  const parsed = sweepSchema.safeParse(raw);
  const sweep = parsed.success ? parsed.data : undefined;

  // ---- the base scenario: file or inline, then overrides, then --set ----
  const baseSpec = raw.base;
  let baseFile: string | undefined;
  let baseDir = dir;
  let baseRaw: Record<string, unknown> | undefined;
  let baseLabel = "base";
  if (baseSpec === undefined || (typeof baseSpec === "string" && baseSpec !== "")) {
    baseFile = baseSpec === undefined ? DEFAULT_SCENARIO_FILE : resolve(dir, baseSpec);
    baseDir = dirname(baseFile);
    baseLabel = baseSpec === undefined ? "base (the embedded default scenario)" : `base ${baseSpec}`;
    try {
      const fromFile = readScenarioFile(baseFile);
      if (isRecord(fromFile)) baseRaw = fromFile;
      else problems.push(`${baseLabel} must be a scenario: a mapping of keys (received ${describe(fromFile)})`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems.map((p) => `${baseLabel}: ${p}`));
    }
  } else if (isRecord(baseSpec)) {
    baseRaw = structuredClone(baseSpec);
  }
  let base: ScenarioInputs | undefined;
  // keys given on top of the base file: they win over a venue's design at every point
  const overridePaths: (Segment[] | undefined)[] = [];
  const setPaths: (Segment[] | undefined)[] = [];
  if (baseRaw) {
    const overrides = isRecord(raw.overrides) ? raw.overrides : {};
    for (const [key, value] of Object.entries(overrides)) {
      const path = parseKeyPath(key);
      overridePaths.push(path);
      if (!path) continue; // a schema problem already
      const problem = setAtPath(baseRaw, path, rawValue(path, value, dir));
      if (problem) problems.push(`overrides.${key} ${problem}`);
    }
    try {
      baseRaw = applySets(baseRaw, sets) as Record<string, unknown>;
      for (const pair of sets) {
        const path = parseKeyPath(pair.slice(0, pair.indexOf("=")).trim());
        setPaths.push(path);
        const value = path ? getAtPath(baseRaw, path) : undefined;
        if (path && FILE_KEYS.includes(keyPathText(path)) && typeof value === "string" && value !== "")
          setAtPath(baseRaw, path, resolve(value));
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
    }
    try {
      base = resolveScenario(baseRaw, baseDir, { explicit: givenPaths([...overridePaths, ...setPaths]) });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      for (const line of err.problems) {
        if (attribute(line, overridePaths) >= 0) problems.push(`overrides: ${line}`);
        else if (attribute(line, setPaths) >= 0) problems.push(line);
        else problems.push(`${baseLabel}: ${line}`);
      }
    }
  }
  if (!sweep || !base || !baseRaw || problems.length > 0) throw new InputError(problems);

  // ---- the design's points ----
  const axes = buildAxes(sweep.axes);
  if (sweep.design === "grid") {
    const size = gridSize(axes);
    if (size > MAX_POINTS)
      throw new InputError(
        `axes make a grid of ${size} points (at most ${MAX_POINTS}); use fewer values, or design lhs or sobol with a count`,
      );
  }
  const spec: DesignSpec = {
    kind: sweep.design,
    axes,
    count: sweep.count,
    seed: sweep.design === "lhs" ? (sweep.seed ?? 1) : undefined,
  };
  const design = designPoints(spec).map((p) => ({ ...p, extra: false }));

  const baseline = findBaseline(sweep, axes, design, base.scenario);
  if (typeof baseline === "string") throw new InputError(baseline);
  if (baseline.extra) design.push(baseline.extra);
  if (design.length > MAX_POINTS)
    throw new InputError(`the design has ${design.length} points with its baseline (at most ${MAX_POINTS})`);

  // ---- every point's scenario, validated like a scenario; problems grouped across points ----
  const grouped = new Map<string, { prefix: string; line: string; points: number[] }>();
  const note = (prefix: string, line: string, index: number) => {
    const id = `${prefix}\u0000${line}`;
    const entry = grouped.get(id) ?? { prefix, line, points: [] };
    entry.points.push(index);
    grouped.set(id, entry);
  };
  const axisPaths = axes.map((a) => a.path);
  const points: SweepPoint[] = [];
  design.forEach((p, index) => {
    const pointRaw = structuredClone(baseRaw!);
    const where = (j: number) =>
      p.extra
        ? `baseline.${axes[j].key} (${formatValue(p.values[j])})`
        : p.levels[j] !== undefined && axes[j].kind === "values"
          ? `axes[${j}].values[${p.levels[j]}]`
          : `axes[${j}] (${axes[j].key} = ${formatValue(p.values[j])})`;
    let ok = true;
    axes.forEach((axis, j) => {
      const problem = setAtPath(pointRaw, axis.path, rawValue(axis.path, p.values[j], dir));
      if (problem) {
        note(`axes[${j}].key`, `${axis.key} ${problem}`, index);
        ok = false;
      }
    });
    const values = Object.fromEntries(axes.map((a, j) => [a.key, p.values[j]]));
    if (!ok) return;
    try {
      const explicit = givenPaths([...overridePaths, ...setPaths, ...axisPaths]);
      const inputs = resolveScenario(pointRaw, baseDir, { explicit });
      points.push({
        index,
        values,
        raw: pointRaw,
        scenario: inputs.scenario,
        extra: p.extra,
        explicit,
        label: pointLabel(axes, p, index, design.length),
      });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      for (const line of err.problems) {
        const j = attribute(line, axisPaths);
        const unknownKey = j >= 0 && / is not a known key/.test(line);
        note(j < 0 ? "" : unknownKey ? `axes[${j}].key` : where(j), line, index);
      }
    }
  });
  if (grouped.size > 0) {
    const lines = [...grouped.values()].map(({ prefix, line, points: at }) => {
      const whereText = pointsText(at, design.length);
      if (prefix !== "") return `${prefix} at ${whereText}: ${line}`;
      const shown =
        at.length === 1 ? ` (${axes.map((a, j) => `${a.key} = ${formatValue(design[at[0]].values[j])}`).join(", ")})` : "";
      return `${whereText}${shown}: ${line}`;
    });
    throw new InputError(lines);
  }

  const defaultName = options.file ? basename(options.file, extname(options.file)) : `${base.scenario.name} sweep`;
  return {
    name: sweep.name ?? defaultName,
    ...(options.file ? { file: options.file } : {}),
    ...(baseFile ? { baseFile: relative(process.cwd(), baseFile) || baseFile } : {}),
    baseDir,
    design: {
      kind: sweep.design,
      axes,
      ...(spec.count !== undefined ? { count: spec.count } : {}),
      ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    },
    base,
    points,
    baseline: baseline.index,
    metrics: sweep.metrics ?? [...DEFAULT_METRICS],
  };
}

/** The directory name of a point's outputs: point-000, point-001, … (wider when there are ≥ 1000 points). */
export function pointDirName(index: number, points: number): string {
  return `point-${String(index).padStart(Math.max(3, String(points - 1).length), "0")}`;
}

/** A value as a label: text as it is, anything else as JSON. */
function valueText(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}

/**
 * A point's label: the labels of its values on the axes that have labels, joined by " / " (a value that is
 * not one of the axis's values, as an added baseline's can be, as its text); point-NNN when no axis has labels.
 */
function pointLabel(axes: readonly Axis[], p: DesignPointDraft, index: number, points: number): string {
  const parts: string[] = [];
  axes.forEach((axis, j) => {
    if (axis.kind !== "values" || axis.labels === undefined) return;
    const level = p.levels[j] ?? axis.values.findIndex((v) => sameValue(v, p.values[j]));
    parts.push(level !== undefined && level >= 0 ? axis.labels[level] : valueText(p.values[j]));
  });
  return parts.length > 0 ? parts.join(" / ") : pointDirName(index, points);
}

interface DesignPointDraft {
  values: unknown[];
  levels: (number | undefined)[];
  extra: boolean;
}

/**
 * The baseline point: a point index, or the point whose axis values match the given ones (axes not given
 * take the base scenario's value); when no design point matches, an extra point with those values.
 */
function findBaseline(
  sweep: SweepInput,
  axes: readonly Axis[],
  design: readonly DesignPointDraft[],
  base: Scenario,
): { index: number; extra?: DesignPointDraft } | string {
  const spec = sweep.baseline;
  if (spec === undefined) return { index: 0 };
  if (typeof spec === "number") {
    return spec < design.length
      ? { index: spec }
      : `baseline must be a point index below ${design.length}, the number of points (received ${spec})`;
  }
  const given = spec as Record<string, unknown>;
  const values = axes.map((a) => (a.key in given ? given[a.key] : getAtPath(base, a.path)));
  const match = design.findIndex((p) => p.values.every((v, j) => sameValue(v, values[j])));
  if (match >= 0) return { index: match };
  const levels = axes
    .map((a, j) => (a.kind === "values" ? a.values.findIndex((v) => sameValue(v, values[j])) : -1))
    .map((k) => (k >= 0 ? k : undefined));
  return { index: design.length, extra: { values, levels, extra: true } };
}
