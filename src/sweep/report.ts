// The sweep's outputs, all from one SweepResult: sweep.csv (one row per point), sweep.json (the same,
// structured, with the base scenario and the design), sweep.parquet (the long format: one row per point ×
// metric × statistic), and the console tables.
import { ensureDir, removeEntry, writeAtomic } from "../report/atomic.js";
import Table from "cli-table3";
import type { MetricName } from "../engine/metrics.js";
import { formatNumber } from "../report/csv.js";
import { writeParquetTable, type TableColumn } from "../report/parquet.js";
import { formatPercent } from "../report/table.js";
import type { Summary } from "../report/summary-json.js";
import { PROBABILITY_EVENTS, PROBABILITY_NAMES, type ProbabilityEstimate, type ProbabilityName } from "../stats/proportion.js";
import { SCALAR_STATISTICS, type MetricSummary } from "../stats/summary.js";
import type { Axis } from "./design.js";
import type { SweepPointResult, SweepResult } from "./run.js";
import { join } from "node:path";

/** File names inside the output directory. */
export const SWEEP_CSV = "sweep.csv";
export const SWEEP_JSON = "sweep.json";
export const SWEEP_PARQUET = "sweep.parquet";

/** True when some axis names its values (`labels`): then sweep.csv and the table show each point's label. */
export function hasLabels(axes: readonly Axis[]): boolean {
  return axes.some((a) => a.kind === "values" && a.labels !== undefined);
}

/** Per metric, the paired differences from the baseline (in sweep.csv and sweep.parquet alike). */
const DIFFERENCE_STATISTICS = [
  "diff",
  "diff_ci95_lo",
  "diff_ci95_hi",
  // the tails' paired differences: q99 is the bad tail's 99% quantile (p99, or p01 where smaller is worse), then ES99
  "q99_diff",
  "q99_diff_ci95_lo",
  "q99_diff_ci95_hi",
  "es99_diff",
  "es99_diff_ci95_lo",
  "es99_diff_ci95_hi",
] as const;

/** Per metric, the statistics sweep.csv has a column for, in column order. */
const METRIC_COLUMNS = ["mean", "ci95_lo", "ci95_hi", "p50", "p95", "p99", "es99", ...DIFFERENCE_STATISTICS] as const;

const tailStatistics = ([q, qlo, qhi, e, elo, ehi]: number[]) => ({
  q99_diff: q,
  q99_diff_ci95_lo: qlo,
  q99_diff_ci95_hi: qhi,
  es99_diff: e,
  es99_diff_ci95_lo: elo,
  es99_diff_ci95_hi: ehi,
});

/** The tail differences' six values of one metric (NaN where the sweep has none: under 100 paths, no baseline yet). */
function tailValues(p: SweepPointResult, m: MetricName): number[] {
  const t = p.differences?.tails?.[m];
  if (!t) return [NaN, NaN, NaN, NaN, NaN, NaN];
  return [t.q99.diff, t.q99.ci95[0], t.q99.ci95[1], t.es99.diff, t.es99.ci95[0], t.es99.ci95[1]];
}
const EVENT_COLUMNS = ["", "_ci95_lo", "_ci95_hi", "_diff", "_diff_ci95_lo", "_diff_ci95_hi"] as const;

/** An event's estimate whether the summary holds SPEC's flat numbers (+ probabilityIntervals) or objects. */
export function eventEstimate(summary: Summary, name: ProbabilityName): ProbabilityEstimate {
  const raw = (summary.probabilities as Record<string, unknown>)[name];
  if (raw !== null && typeof raw === "object") return raw as ProbabilityEstimate;
  const iv = summary.probabilityIntervals?.[name];
  return { p: raw as number, ci95: iv?.ci95 ?? [NaN, NaN], count: iv?.count ?? NaN, n: iv?.n ?? summary.paths };
}

// ---- sweep.csv -------------------------------------------------------------------------------------

/** One CSV field: numbers in shortest round-trip form; text quoted when it holds a comma, quote or newline. */
function csvField(value: unknown): string {
  if (typeof value === "number") return formatNumber(value);
  if (value === undefined || value === null) return "";
  const text = typeof value === "string" ? value : typeof value === "boolean" ? String(value) : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header of sweep.csv for a sweep's axes and metrics (`label` after `point` when an axis has labels). */
export function sweepCsvHeader(axes: readonly Axis[], metrics: readonly MetricName[]): string[] {
  return [
    "point",
    ...(hasLabels(axes) ? ["label"] : []),
    "baseline",
    ...axes.map((a) => a.key),
    "paths",
    ...metrics.flatMap((m) => METRIC_COLUMNS.map((c) => `${m}_${c}`)),
    ...PROBABILITY_NAMES.flatMap((e) => EVENT_COLUMNS.map((c) => `p_${e}${c}`)),
  ];
}

/**
 * sweep.csv: one row per finished point: `point`, its `label` (only when an axis has labels), `baseline` (1 for
 * the baseline point), each axis's value (column named by its key), `paths`, then per metric `<m>_mean, _ci95_lo, _ci95_hi, _p50, _p95, _p99,
 * _es99` and the paired difference against the baseline `<m>_diff, _diff_ci95_lo, _diff_ci95_hi`, then per
 * SPEC event `p_<event>` with its Wilson interval and its paired difference with Newcombe's interval.
 * Statistics a sample cannot give (NaN, an unbounded interval) are written as NaN / Infinity.
 */
export function sweepCsv(result: SweepResult): string {
  const lines = [sweepCsvHeader(result.design.axes, result.metrics).join(",")];
  for (const p of result.points) {
    const label = hasLabels(result.design.axes) ? [p.label] : [];
    const row: unknown[] = [
      p.index,
      ...label,
      p.baseline ? 1 : 0,
      ...result.design.axes.map((a) => p.values[a.key]),
      p.summary.paths,
    ];
    for (const m of result.metrics) {
      const s = p.summary.metrics[m];
      const d = p.differences?.metrics[m];
      row.push(
        s.mean,
        s.ci95[0],
        s.ci95[1],
        s.p50,
        s.p95,
        s.p99,
        s.es99,
        d?.mean ?? NaN,
        d?.ci95[0] ?? NaN,
        d?.ci95[1] ?? NaN,
        ...tailValues(p, m),
      );
    }
    for (const e of PROBABILITY_NAMES) {
      const est = eventEstimate(p.summary, e);
      const d = p.differences?.probabilities[e];
      row.push(est.p, est.ci95[0], est.ci95[1], d?.diff ?? NaN, d?.ci95[0] ?? NaN, d?.ci95[1] ?? NaN);
    }
    lines.push(row.map(csvField).join(","));
  }
  return lines.join("\n") + "\n";
}

// ---- sweep.json ------------------------------------------------------------------------------------

function axisJson(axis: Axis): Record<string, unknown> {
  if (axis.kind === "values")
    return { key: axis.key, values: axis.values, ...(axis.labels !== undefined ? { labels: axis.labels } : {}) };
  return {
    key: axis.key,
    min: axis.min,
    max: axis.max,
    scale: axis.scale,
    integer: axis.integer,
    ...(axis.count !== undefined ? { count: axis.count } : {}),
  };
}

function pointJson(p: SweepPointResult, metrics: readonly MetricName[]): Record<string, unknown> {
  const pick = <T>(all: Record<string, T>, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, all[n]]));
  return {
    index: p.index,
    label: p.label,
    values: p.values,
    baseline: p.baseline,
    ...(p.extra ? { extra: true } : {}),
    paths: p.summary.paths,
    runtimeMs: p.summary.runtimeMs,
    metrics: pick<MetricSummary>(p.summary.metrics, metrics),
    probabilities: Object.fromEntries(PROBABILITY_NAMES.map((e) => [e, eventEstimate(p.summary, e)])),
    differences: p.differences
      ? {
          metrics: pick(p.differences.metrics, metrics),
          probabilities: p.differences.probabilities,
          tails: p.differences.tails ?? {},
        }
      : null,
    ...(p.dir ? { dir: p.dir } : {}),
  };
}

/** The design as sweep.json records it. */
export function designJson(design: SweepResult["design"]): Record<string, unknown> {
  return {
    kind: design.kind,
    ...(design.count !== undefined ? { count: design.count } : {}),
    ...(design.seed !== undefined ? { seed: design.seed } : {}),
    axes: design.axes.map(axisJson),
  };
}

/**
 * What makes a sweep's results what they are, as text to compare: its design, base scenario, seed, path
 * count and engine, as sweep.json records them (so a recorded sweep.json and a sweep about to run compare
 * equal exactly when they are the same sweep; the name, metrics and baseline only change what is reported).
 */
export function sweepIdentity(s: {
  design?: unknown;
  base?: unknown;
  seed?: unknown;
  paths?: unknown;
  engine?: unknown;
}): string {
  return JSON.stringify({
    design: s.design ?? null,
    base: s.base ?? null,
    seed: s.seed ?? null,
    paths: s.paths ?? null,
    engine: s.engine ?? null,
  });
}

/** sweep.json's object: the sweep's identity, base scenario and design, then one entry per finished point. */
export function sweepJsonObject(result: SweepResult): Record<string, unknown> {
  return {
    version: result.version,
    name: result.name,
    ...(result.file ? { file: result.file } : {}),
    ...(result.baseFile ? { baseFile: result.baseFile } : {}),
    design: designJson(result.design),
    base: result.base,
    seed: result.seed,
    paths: result.paths,
    engine: result.engine,
    sweepHash: result.sweepHash,
    threads: result.threads,
    parallel: result.parallel,
    runtimeMs: result.runtimeMs,
    interrupted: result.interrupted,
    pointCount: result.pointCount,
    baseline: result.baseline,
    metrics: result.metrics,
    events: Object.fromEntries(PROBABILITY_NAMES.map((e) => [e, PROBABILITY_EVENTS[e].definition])),
    points: result.points.map((p) => pointJson(p, result.metrics)),
  };
}

/** sweep.json text: 2-space indent; NaN and ±Infinity become null, as JSON has no other spelling. */
export function sweepJson(result: SweepResult): string {
  return JSON.stringify(sweepJsonObject(result), null, 2) + "\n";
}

// ---- sweep.parquet ---------------------------------------------------------------------------------

/** Per metric, the statistics sweep.parquet has a row for, in row order. */
export const LONG_METRIC_STATISTICS = [...SCALAR_STATISTICS, "ci95_lo", "ci95_hi", ...DIFFERENCE_STATISTICS] as const;
/** Per event (`p_<event>`, as in sweep.csv), the statistics: the probability as `mean`, its Wilson interval, the paired difference. */
export const LONG_EVENT_STATISTICS = ["mean", "ci95_lo", "ci95_hi", "diff", "diff_ci95_lo", "diff_ci95_hi"] as const;

/** Columns sweep.parquet has before the axes' and after them; an axis key equal to one of them is prefixed "axis:". */
const LONG_FIXED = ["point", "label", "baseline", "metric", "statistic", "value"];

/** An axis's column in sweep.parquet: numbers DOUBLE (INT64 for an integer range), booleans BOOLEAN, text STRING, anything else its JSON. */
function axisColumn(axis: Axis, values: readonly unknown[]): TableColumn {
  const name = LONG_FIXED.includes(axis.key) ? `axis:${axis.key}` : axis.key;
  if (axis.kind === "range" && axis.integer && values.every((v) => Number.isSafeInteger(v))) {
    return { name, type: "INT64", data: values.map((v) => BigInt(v as number)) };
  }
  if (values.every((v) => typeof v === "number")) return { name, type: "DOUBLE", data: Float64Array.from(values as number[]) };
  if (values.every((v) => typeof v === "boolean")) return { name, type: "BOOLEAN", data: values as boolean[] };
  if (values.every((v) => typeof v === "string")) return { name, type: "STRING", data: values as string[] };
  return { name, type: "STRING", data: values.map((v) => JSON.stringify(v) ?? "null") };
}

/**
 * sweep.parquet's columns: one row per finished point × reported metric × statistic (LONG_METRIC_STATISTICS),
 * then per point × event `p_<event>` × LONG_EVENT_STATISTICS. Columns: `point` INT32, `label` STRING,
 * `baseline` BOOLEAN, each axis's value (typed, named by its key), `metric` STRING, `statistic` STRING,
 * `value` DOUBLE (NaN where a sample cannot give the statistic, ±Infinity for an unbounded interval).
 */
export function sweepLongColumns(result: SweepResult): TableColumn[] {
  const point: number[] = [];
  const label: string[] = [];
  const baseline: boolean[] = [];
  const axisValues: unknown[][] = result.design.axes.map(() => []);
  const metric: string[] = [];
  const statistic: string[] = [];
  const value: number[] = [];
  const push = (p: SweepPointResult, m: string, stat: string, x: number) => {
    point.push(p.index);
    label.push(p.label);
    baseline.push(p.baseline);
    result.design.axes.forEach((a, j) => axisValues[j].push(p.values[a.key]));
    metric.push(m);
    statistic.push(stat);
    value.push(x);
  };
  for (const p of result.points) {
    for (const m of result.metrics) {
      const s = p.summary.metrics[m];
      const d = p.differences?.metrics[m];
      const stats: Record<(typeof LONG_METRIC_STATISTICS)[number], number> = {
        mean: s.mean,
        std: s.std,
        min: s.min,
        max: s.max,
        p01: s.p01,
        p05: s.p05,
        p50: s.p50,
        p95: s.p95,
        p99: s.p99,
        es95: s.es95,
        es99: s.es99,
        ci95_lo: s.ci95[0],
        ci95_hi: s.ci95[1],
        diff: d?.mean ?? NaN,
        diff_ci95_lo: d?.ci95[0] ?? NaN,
        diff_ci95_hi: d?.ci95[1] ?? NaN,
        ...tailStatistics(tailValues(p, m)),
      };
      for (const stat of LONG_METRIC_STATISTICS) push(p, m, stat, stats[stat]);
    }
    for (const e of PROBABILITY_NAMES) {
      const est = eventEstimate(p.summary, e);
      const d = p.differences?.probabilities[e];
      const stats: Record<(typeof LONG_EVENT_STATISTICS)[number], number> = {
        mean: est.p,
        ci95_lo: est.ci95[0],
        ci95_hi: est.ci95[1],
        diff: d?.diff ?? NaN,
        diff_ci95_lo: d?.ci95[0] ?? NaN,
        diff_ci95_hi: d?.ci95[1] ?? NaN,
      };
      for (const stat of LONG_EVENT_STATISTICS) push(p, `p_${e}`, stat, stats[stat]);
    }
  }
  return [
    { name: "point", type: "INT32", data: Int32Array.from(point) },
    { name: "label", type: "STRING", data: label },
    { name: "baseline", type: "BOOLEAN", data: baseline },
    ...result.design.axes.map((a, j) => axisColumn(a, axisValues[j])),
    { name: "metric", type: "STRING", data: metric },
    { name: "statistic", type: "STRING", data: statistic },
    { name: "value", type: "DOUBLE", data: Float64Array.from(value) },
  ];
}

/** sweep.parquet's key-value metadata: what its rows depend on (never the threads or the time). */
export function sweepParquetMetadata(result: SweepResult): Record<string, string | number> {
  return {
    seed: result.seed,
    scenarioHash: result.scenarioHash,
    sweepHash: result.sweepHash,
    paths: result.paths,
    points: result.pointCount,
    baseline: result.baseline,
  };
}

export interface SweepOutputOptions {
  /** Also write sweep.parquet (the sweep's --format parquet); without it a stale sweep.parquet is removed. */
  parquet?: boolean;
}

/** Writes `dir/sweep.csv`, `dir/sweep.json` (and `dir/sweep.parquet`), each atomically (a reader never sees half a file). */
export async function writeSweepOutputs(
  dir: string,
  result: SweepResult,
  options: SweepOutputOptions = {},
): Promise<{ csv: string; json: string; parquet?: string }> {
  await ensureDir(dir);
  const csv = await writeAtomic(dir, SWEEP_CSV, sweepCsv(result));
  let parquet: string | undefined;
  if (options.parquet)
    parquet = await writeParquetTable(dir, SWEEP_PARQUET, sweepLongColumns(result), sweepParquetMetadata(result));
  else await removeEntry(join(dir, SWEEP_PARQUET)); // one result per directory: not another run's long table
  const json = await writeAtomic(dir, SWEEP_JSON, sweepJson(result));
  return { csv, json, ...(parquet !== undefined ? { parquet } : {}) };
}

// ---- console -------------------------------------------------------------------------------------------

/** 3–4 significant digits with k/M/B for large magnitudes: 2.75M, 989k, 1.052, 941. */
export function compact(x: number | null | undefined, signed = false): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "n/a";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const sign = x < 0 ? "-" : signed && x > 0 ? "+" : "";
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 1e4) {
    for (const [scale, unit] of [
      [1e3, "k"],
      [1e6, "M"],
      [1e9, "B"],
    ] as const) {
      const v = Number((a / scale).toPrecision(3));
      if (v < 1000 || unit === "B") return `${sign}${v}${unit}`;
    }
  }
  return `${sign}${Number.isInteger(a) ? a : Number(a.toPrecision(4))}`;
}

/** `mean ±half` of a difference; a half-width below 1e−9 of the mean is rounding noise and prints as 0. */
function plusMinus(mean: number, ci: [number, number]): string {
  const half = (ci[1] - ci[0]) / 2;
  return `${compact(mean, true)} ±${compact(Math.abs(half) <= 1e-9 * Math.abs(mean) ? 0 : half)}`;
}

/** Percentage points with 3 significant digits. */
function pp(p: number): string {
  if (Number.isNaN(p)) return "n/a";
  const v = Number((p * 100).toPrecision(3));
  return `${v > 0 ? "+" : ""}${v}`;
}

/** An axis column header: the key's last two segments (depth.size, leverage.median). */
function axisHeader(key: string): string {
  return key.split(".").slice(-2).join(".");
}

function axisCell(value: unknown): string {
  if (typeof value === "number") return compact(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Events worth a column: those whose probability is not the same at every point. */
function varyingEvents(points: readonly SweepPointResult[]): ProbabilityName[] {
  return PROBABILITY_NAMES.filter((e) => new Set(points.map((p) => eventEstimate(p.summary, e).p)).size > 1);
}

const STYLE = { head: [] as string[], border: [] as string[] };
const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

/**
 * The console report: a header line, a table of each point's means (and the event probabilities that vary
 * across points), and a table of the paired differences against the baseline (mean ± 95% half-width;
 * events in percentage points with Newcombe's interval). The baseline point is marked `*`.
 */
export function formatSweepTable(result: SweepResult): string {
  const axes = result.design.axes;
  const events = varyingEvents(result.points);
  const points = result.points;
  const runtime = result.runtimeMs < 1000 ? `${result.runtimeMs} ms` : `${(result.runtimeMs / 1000).toFixed(1)} s`;
  const header =
    `${result.name}: ${result.design.kind} of ${result.pointCount} points` +
    `${result.interrupted ? ` (${points.length} finished)` : ""}, ${result.paths} paths each, seed ${result.seed} ` +
    `(common random numbers), engine ${result.engine}, ${result.threads} thread${result.threads === 1 ? "" : "s"}, ${runtime}`;
  const labelled = hasLabels(axes);
  const lead = (p: SweepPointResult) => [
    `${p.index}${p.baseline ? "*" : ""}`,
    ...(labelled ? [p.label] : []),
    ...axes.map((a) => axisCell(p.values[a.key])),
  ];
  const leadHead = ["point", ...(labelled ? ["label"] : []), ...axes.map((a) => axisHeader(a.key))];
  const align = (n: number) =>
    ["right", ...(labelled ? ["left"] : []), ...axes.map(() => "right"), ...Array.from({ length: n }, () => "right")] as (
      | "left"
      | "right"
    )[];

  const means = new Table({
    head: [...leadHead, ...result.metrics, ...events.map((e) => `P(${e})`)],
    colAligns: align(result.metrics.length + events.length),
    style: STYLE,
    chars: COMPACT,
  });
  for (const p of points) {
    means.push([
      ...lead(p),
      ...result.metrics.map((m) => compact(p.summary.metrics[m].mean)),
      ...events.map((e) => formatPercent(eventEstimate(p.summary, e).p)),
    ]);
  }

  const diffs = new Table({
    head: [...leadHead, ...result.metrics.map((m) => `Δ ${m}`), ...events.map((e) => `Δ P(${e}) pp`)],
    colAligns: align(result.metrics.length + events.length),
    style: STYLE,
    chars: COMPACT,
  });
  for (const p of points) {
    const d = p.differences;
    diffs.push([
      ...lead(p),
      ...result.metrics.map((m) => {
        const x = d?.metrics[m];
        return x ? plusMinus(x.mean, x.ci95) : "n/a";
      }),
      ...events.map((e) => {
        const x = d?.probabilities[e];
        return x ? `${pp(x.diff)} [${pp(x.ci95[0])}, ${pp(x.ci95[1])}]` : "n/a";
      }),
    ]);
  }
  const baseline = points.find((p) => p.baseline);
  const note =
    `* baseline (point ${result.baseline}${baseline?.extra ? ", added to the design" : ""}); Δ = paired difference vs the baseline on the same paths, ` +
    `mean ± 95% half-width (t); events: percentage points, Newcombe 95% interval`;
  return [header, "means", means.toString(), "paired differences vs baseline", diffs.toString(), note].join("\n") + "\n";
}
