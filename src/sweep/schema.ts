// The sweep file schema: a base scenario, a design (grid, lhs, sobol) over axes of scenario keys, the
// baseline the paired differences are taken against, and the metrics to report. Every problem names its field.
import { z } from "zod";
import { METRIC_NAMES, type MetricName } from "../engine/metrics.js";
import { formatValue } from "../config/errors.js";
import { formatIssues } from "../config/schema.js";
import { forbiddenKeyProblem, forbiddenSegment, parseKeyPath, pathsOverlap, type Segment } from "../config/keypath.js";
import { SOBOL_MAX_DIMENSIONS } from "./sobol.js";

/** Most points a sweep may have (design points plus an extra baseline point). */
export const MAX_POINTS = 10_000;

/** Longest label of an axis value (characters). */
export const MAX_LABEL_LENGTH = 200;

/** The metrics reported when the sweep file names none. */
export const DEFAULT_METRICS: readonly MetricName[] = [
  "badDebt",
  "liquidatedNotional",
  "amplification",
  "maxDrawdown",
  "insuranceMin",
  "liquidations",
];

/**
 * Keys an axis may not vary: every point runs the same paths of the same seed, which is what makes the
 * differences between points paired (common random numbers).
 */
export const FIXED_KEYS: Readonly<Record<string, string>> = {
  seed: "every point runs on the base's seed (common random numbers); give a different seed with --seed",
  paths: "every point runs the same paths, so that differences are paired path by path; set paths in the base or with --paths",
};

function choice<const T extends string>(allowed: readonly T[]) {
  return z.custom<T>((v) => typeof v === "string" && (allowed as readonly string[]).includes(v), {
    error: `must be one of ${allowed.join(", ")}`,
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const axisSchema = z.strictObject({
  key: z.string().min(1),
  values: z.array(z.unknown()).min(1).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  scale: choice(["linear", "log"] as const).optional(),
  integer: z.boolean().optional(),
  count: z.number().int().min(1).max(MAX_POINTS).optional(),
  /** Names of the values, one per value (values axes): they name the points in sweep.csv, sweep.json and sweep.parquet. */
  labels: z.array(z.string().min(1).max(MAX_LABEL_LENGTH)).min(1).optional(),
});

/** One axis as the sweep file gives it. */
export type AxisInput = z.output<typeof axisSchema>;

/** The shape of a sweep file: types and ranges of each field. Rules across fields are in `sweepProblems`. */
export const sweepSchema = z.strictObject({
  name: z.string().optional(),
  base: z.unknown().optional(),
  overrides: z.record(z.string(), z.unknown()).optional(),
  design: choice(["grid", "lhs", "sobol"] as const).default("grid"),
  count: z.number().int().min(1).max(MAX_POINTS).optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  axes: z.array(axisSchema).min(1),
  baseline: z.unknown().optional(),
  metrics: z.array(choice(METRIC_NAMES)).min(1).optional(),
});

const line = (path: string, input: unknown, message: string) => `${path} ${message} (received ${formatValue(input)})`;

/**
 * Every problem of a sweep document: the schema's (one per bad field) and the rules across fields (what
 * a design needs, what an axis needs, keys axes may not vary, the baseline). The cross-field rules read the
 * raw document defensively, so they are reported even when some field has the wrong type.
 */
export function sweepProblems(raw: Record<string, unknown>): string[] {
  const parsed = sweepSchema.safeParse(raw, { reportInput: true });
  const problems = parsed.success ? [] : formatIssues(parsed.error.issues, sweepSchema);

  const { base, count, seed, baseline, metrics, overrides } = raw;
  const design = typeof raw.design === "string" ? raw.design : "grid";
  const axes = Array.isArray(raw.axes) ? raw.axes : [];
  if (base !== undefined && !(typeof base === "string" && base !== "") && !isRecord(base)) {
    problems.push(line("base", base, "must be a scenario file path or a scenario mapping"));
  }
  const sampled = design === "lhs" || design === "sobol";
  if (sampled && count === undefined) problems.push(`count is required with design ${design} (the number of points)`);
  if (design === "grid" && count !== undefined)
    problems.push(line("count", count, "is only used with design lhs or sobol (a grid has one point per combination)"));
  if (seed !== undefined && design !== "lhs")
    problems.push(line("seed", seed, "is only used with design lhs (the design's random seed)"));
  if (design === "sobol" && axes.length > SOBOL_MAX_DIMENSIONS) {
    problems.push(
      line(
        "axes",
        `${axes.length} axes`,
        `must have at most ${SOBOL_MAX_DIMENSIONS} axes with design sobol (use design lhs for more)`,
      ),
    );
  }

  const paths: (Segment[] | undefined)[] = [];
  const keys: string[] = [];
  axes.forEach((axis: unknown, i) => {
    paths.push(undefined);
    if (!isRecord(axis)) return; // a schema problem
    const at = (field: string) => `axes[${i}].${field}`;
    if (typeof axis.key === "string" && axis.key !== "") {
      keys.push(axis.key);
      const path = parseKeyPath(axis.key);
      paths[i] = path;
      const forbidden = forbiddenSegment(axis.key);
      if (forbidden !== undefined) problems.push(forbiddenKeyProblem(at("key"), axis.key, forbidden));
      else if (!path) problems.push(line(at("key"), axis.key, "must be a scenario key path such as market.book.depth.size"));
      else if (path.length === 1 && typeof path[0] === "string" && FIXED_KEYS[path[0]]) {
        problems.push(line(at("key"), axis.key, `must not be ${path[0]}: ${FIXED_KEYS[path[0]]}`));
      } else {
        const j = paths.findIndex((other, k) => k < i && other !== undefined && pathsOverlap(other, path));
        if (j >= 0) {
          problems.push(
            line(
              at("key"),
              axis.key,
              `must not overlap axes[${j}].key (${(axes[j] as { key: string }).key}): one point would set the same key twice`,
            ),
          );
        }
      }
    }

    const { values, min, max, scale, integer, labels } = axis;
    const hasRange = min !== undefined || max !== undefined;
    if (values !== undefined && hasRange)
      problems.push(line(`axes[${i}]`, "values and min/max", "must give either values or min and max, not both"));
    else if (values === undefined && !hasRange)
      problems.push(line(`axes[${i}]`, axis, "must give either values (a list) or min and max (a range)"));
    if (labels !== undefined && values === undefined && hasRange) {
      problems.push(line(at("labels"), labels, "is only used with values (a list): a label names each value"));
    } else if (Array.isArray(labels) && Array.isArray(values) && labels.length !== values.length) {
      problems.push(line(at("labels"), `${labels.length} labels`, `must give one label per value (${values.length} values)`));
    } else if (Array.isArray(labels)) {
      const seen = new Map<unknown, number>();
      labels.forEach((label, k) => {
        const first = seen.get(label);
        if (first !== undefined)
          problems.push(line(`${at("labels")}[${k}]`, label, `must differ from ${at("labels")}[${first}]`));
        else seen.set(label, k);
      });
    }
    if (values !== undefined) {
      for (const field of ["scale", "integer", "count"] as const) {
        if (axis[field] !== undefined)
          problems.push(line(at(field), axis[field], "is only used with min and max (a range axis)"));
      }
      return;
    }
    if (!hasRange) return;
    if (min === undefined) problems.push(`${at("min")} is required with max`);
    if (max === undefined) problems.push(`${at("max")} is required with min`);
    if (typeof min === "number" && typeof max === "number") {
      if (sampled ? !(max > min) : !(max >= min))
        problems.push(line(at("max"), max, `must be ${sampled ? ">" : ">="} min (${min})`));
      if (scale === "log" && !(min > 0)) problems.push(line(at("min"), min, "must be > 0 with scale log"));
      if (integer === true && Math.ceil(min) > Math.floor(max))
        problems.push(line(at("max"), max, `must leave an integer between min (${min}) and max with integer: true`));
    }
    if (design === "grid" && axis.count === undefined) {
      problems.push(`${at("count")} is required for a range axis of a grid (how many values from min to max, both included)`);
    }
    if (sampled && axis.count !== undefined) {
      problems.push(
        line(
          at("count"),
          axis.count,
          `is only used in a grid; with design ${design} the top-level count sets the number of points`,
        ),
      );
    }
  });

  if (Array.isArray(metrics)) {
    const seen = new Map<unknown, number>();
    metrics.forEach((name, i) => {
      const first = seen.get(name);
      if (first !== undefined) problems.push(line(`metrics[${i}]`, name, `must differ from metrics[${first}]`));
      else seen.set(name, i);
    });
  }
  if (isRecord(overrides)) {
    for (const key of Object.keys(overrides)) {
      const forbidden = forbiddenSegment(key);
      if (forbidden !== undefined) problems.push(forbiddenKeyProblem("overrides key", key, forbidden));
      else if (!parseKeyPath(key))
        problems.push(line(`overrides.${key}`, key, "must be named by a scenario key path such as market.book.depth.size"));
    }
  }

  if (baseline !== undefined) {
    if (isRecord(baseline)) {
      for (const k of Object.keys(baseline)) {
        if (!keys.includes(k)) problems.push(`baseline.${k} is not an axis key (axes: ${keys.join(", ")})`);
      }
    } else if (!(typeof baseline === "number" && Number.isInteger(baseline) && baseline >= 0)) {
      problems.push(line("baseline", baseline, "must be a point index (an integer >= 0) or a mapping of axis keys to values"));
    }
  }
  return problems;
}

/** A sweep file after the schema (design defaulted to grid). */
export type SweepInput = z.output<typeof sweepSchema>;
