// The points of a sweep design: a grid (cartesian product), a Latin hypercube, or a Sobol sequence, first
// in the unit cube, then mapped onto each axis (a range, linear or log, or a list of values).

import { philox, uniform52 } from "../engine/philox.js";
import { seedWords } from "../mc/seed.js";
import type { Segment } from "../config/keypath.js";
import { sobolPoints } from "./sobol.js";

/** grid: every combination of the axes' values; lhs: a Latin hypercube sample; sobol: the Sobol sequence. */
export type DesignKind = "grid" | "lhs" | "sobol";
export type AxisScale = "linear" | "log";

interface AxisBase {
  /** The scenario key path as written in the sweep file. */
  key: string;
  /** The parsed key path. */
  path: Segment[];
}

/** An axis with explicit values: every value in a grid; u ∈ [0, 1) picks value ⌊u·k⌋ in LHS and Sobol. */
export interface ValuesAxis extends AxisBase {
  kind: "values";
  values: unknown[];
  /** A name per value (the sweep file's `labels`): a point is named by its values' labels. */
  labels?: string[];
}

/** An axis over [min, max]: `count` evenly spaced values in a grid; u ∈ [0, 1) maps to min + u·(max − min) (or geometrically). */
export interface RangeAxis extends AxisBase {
  kind: "range";
  min: number;
  max: number;
  scale: AxisScale;
  /** Round values to integers (counts, steps, levels). */
  integer: boolean;
  /** Grid only: values from min to max, both included. */
  count?: number;
}

export type Axis = ValuesAxis | RangeAxis;

/** One point of a design: a value per axis, in axis order. */
export interface DesignPoint {
  values: unknown[];
  /** Per axis, the index into `values` (values axes and grid ranges); undefined for a sampled range value. */
  levels: (number | undefined)[];
}

/** Sampled values keep 12 significant digits: more is noise in a design, and 0.30000000000000004 reads badly. */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

/** The value of a range axis at u ∈ [0, 1] (log: geometric between min and max). */
export function rangeValue(axis: RangeAxis, u: number): number {
  let x: number;
  if (u <= 0) x = axis.min;
  else if (u >= 1) x = axis.max;
  else if (axis.scale === "log") x = axis.min * Math.exp(u * Math.log(axis.max / axis.min));
  else x = axis.min + u * (axis.max - axis.min);
  return axis.integer ? Math.min(Math.floor(axis.max), Math.max(Math.ceil(axis.min), Math.round(x))) : tidy(x);
}

/** The values a grid takes on an axis. */
export function gridValues(axis: Axis): unknown[] {
  if (axis.kind === "values") return axis.values;
  const count = axis.count ?? 1;
  const out: unknown[] = [];
  for (let k = 0; k < count; k++) out.push(rangeValue(axis, count === 1 ? 0 : k / (count - 1)));
  return out;
}

/** Number of points of a grid over `axes` (the product of the axis lengths). */
export function gridSize(axes: readonly Axis[]): number {
  return axes.reduce((size, axis) => size * gridValues(axis).length, 1);
}

/** The cartesian product of the axes' values; the last axis varies fastest (row-major, as itertools.product). */
export function gridPoints(axes: readonly Axis[]): DesignPoint[] {
  const lists = axes.map(gridValues);
  const total = lists.reduce((n, l) => n * l.length, 1);
  const points: DesignPoint[] = [];
  for (let i = 0; i < total; i++) {
    const levels: number[] = new Array(axes.length);
    let rest = i;
    for (let j = axes.length - 1; j >= 0; j--) {
      levels[j] = rest % lists[j].length;
      rest = Math.floor(rest / lists[j].length);
    }
    points.push({ values: levels.map((k, j) => lists[j][k]), levels });
  }
  return points;
}

/** Counter-word that keeps the design's draws apart from every stream the engine uses. */
const LHS_DOMAIN = 0x4c485331; // "LHS1"

/**
 * A Latin hypercube of `count` points in [0, 1)^dimensions: on every axis, each of the `count` strata
 * [k/count, (k+1)/count) holds exactly one point, placed uniformly inside it; the strata are paired across
 * axes by independent random permutations. Deterministic in `seed` (Philox, like the paths).
 */
export function latinHypercube(count: number, dimensions: number, seed: number): number[][] {
  const [lo, hi] = seedWords(seed);
  const w = new Uint32Array(4);
  const points = Array.from({ length: count }, () => new Array<number>(dimensions));
  for (let d = 0; d < dimensions; d++) {
    const perm = Array.from({ length: count }, (_, i) => i);
    for (let k = count - 1; k > 0; k--) {
      philox(k, d, 0, LHS_DOMAIN, lo, hi, w); // Fisher–Yates
      const r = Math.floor(uniform52(w[0], w[1]) * (k + 1));
      [perm[k], perm[r]] = [perm[r], perm[k]];
    }
    for (let i = 0; i < count; i++) {
      philox(i, d, 1, LHS_DOMAIN, lo, hi, w);
      points[i][d] = (perm[i] + uniform52(w[0], w[1])) / count;
    }
  }
  return points;
}

/** Maps unit-cube points onto the axes. */
export function mapUnitPoints(axes: readonly Axis[], unit: readonly (readonly number[])[]): DesignPoint[] {
  return unit.map((u) => {
    const values: unknown[] = [];
    const levels: (number | undefined)[] = [];
    axes.forEach((axis, j) => {
      if (axis.kind === "values") {
        const k = Math.min(axis.values.length - 1, Math.floor(u[j] * axis.values.length));
        values.push(axis.values[k]);
        levels.push(k);
      } else {
        values.push(rangeValue(axis, u[j]));
        levels.push(undefined);
      }
    });
    return { values, levels };
  });
}

/** A design: its kind, its axes, and for LHS and Sobol the point count (and LHS seed). */
export interface DesignSpec {
  kind: DesignKind;
  axes: Axis[];
  /** Points of an LHS or Sobol design. */
  count?: number;
  /** Seed of an LHS design. */
  seed?: number;
}

/** The points of a design, in design order. */
export function designPoints(spec: DesignSpec): DesignPoint[] {
  switch (spec.kind) {
    case "grid":
      return gridPoints(spec.axes);
    case "lhs":
      return mapUnitPoints(spec.axes, latinHypercube(spec.count ?? 0, spec.axes.length, spec.seed ?? 1));
    case "sobol":
      return mapUnitPoints(spec.axes, sobolPoints(spec.count ?? 0, spec.axes.length));
  }
}
