// A sweep's points as the report reads them from sweep.json: a short name per point, its statistics and its paired
// differences against the baseline, with NaN (JSON's null) kept apart from numbers.
import { finite } from "./markup.js";

export interface SweepAxis {
  key: string;
  /** Listed values (a values axis, or a grid's range axis after resolution: not recorded, see `axisValues`). */
  values?: unknown[];
  labels?: string[];
  min?: number;
  max?: number;
  scale?: string;
  count?: number;
}

export interface SweepPoint {
  index: number;
  label: string;
  values: Record<string, unknown>;
  baseline: boolean;
  paths: number;
  metrics: Record<string, Record<string, unknown>>;
  probabilities: Record<string, { p?: number | null; ci95?: (number | null)[]; count?: number; n?: number }>;
  differences: {
    metrics: Record<string, { mean?: number | null; ci95?: (number | null)[] }>;
    probabilities: Record<string, { diff?: number | null; ci95?: (number | null)[] }>;
  } | null;
}

export interface SweepDoc {
  name: string;
  design: { kind: string; axes: SweepAxis[] };
  metrics: string[];
  points: SweepPoint[];
  baseline: number;
  raw: Record<string, unknown>;
}

/** sweep.json as the report needs it (missing pieces become empty, never a crash). */
export function sweepDoc(raw: Record<string, unknown>): SweepDoc {
  const design = (raw.design ?? { kind: "grid", axes: [] }) as SweepDoc["design"];
  const points = (raw.points as SweepPoint[]).filter((p) => p && typeof p === "object");
  return {
    name: typeof raw.name === "string" ? raw.name : "sweep",
    design: { kind: String(design.kind ?? "grid"), axes: Array.isArray(design.axes) ? design.axes : [] },
    metrics: Array.isArray(raw.metrics) ? (raw.metrics as unknown[]).map(String) : Object.keys(points[0]?.metrics ?? {}),
    points,
    baseline: typeof raw.baseline === "number" ? raw.baseline : (points.find((p) => p.baseline)?.index ?? 0),
    raw,
  };
}

/** The last segment of an axis key: `market.book.depth.size` → `size`, unless that is ambiguous among the axes. */
export function shortKey(key: string, axes: readonly SweepAxis[]): string {
  const last = key.split(".").pop() ?? key;
  return axes.filter((a) => (a.key.split(".").pop() ?? a.key) === last).length > 1 ? key : last;
}

/** An axis value as text. */
export function valueText(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(Number(v.toPrecision(6))) : JSON.stringify(v);
}

/** The point's name: its label when the sweep named its values, else its axis values (one axis: the value alone). */
export function pointName(p: SweepPoint, axes: readonly SweepAxis[]): string {
  if (p.label && !/^point-\d+$/.test(p.label)) return p.label;
  const keys = axes.length > 0 ? axes.map((a) => a.key) : Object.keys(p.values ?? {});
  if (keys.length === 1) return valueText(p.values?.[keys[0]]);
  return keys.map((k) => `${shortKey(k, axes)}=${valueText(p.values?.[k])}`).join(", ");
}

/** A point's statistic of a metric, or undefined (null in the JSON, or absent). */
export function pointStat(p: SweepPoint, metric: string, stat: string): number | undefined {
  return finite(p.metrics?.[metric]?.[stat]);
}

/** The distinct values of an axis in the order the design lists them (else first appearance). */
export function axisValues(axis: SweepAxis, points: readonly SweepPoint[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const v of axis.values ?? []) seen.set(JSON.stringify(v), v);
  const inPoints = new Map<string, unknown>();
  for (const p of points) inPoints.set(JSON.stringify(p.values?.[axis.key]), p.values?.[axis.key]);
  if (axis.values === undefined) {
    const all = [...inPoints.values()];
    return all.every((v) => typeof v === "number") ? (all as number[]).sort((a, b) => a - b) : all;
  }
  return [...seen.entries()].filter(([k]) => inPoints.has(k)).map(([, v]) => v);
}

/** True when the axis is named "venue" (its last segment): the comparison is then a venue comparison. */
export function isVenueSweep(axes: readonly SweepAxis[]): boolean {
  return axes.some((a) => (a.key.split(".").pop() ?? a.key) === "venue");
}
