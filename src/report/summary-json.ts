// summary.json (SPEC §4): the run's identity and the statistics of every metric, built from the metric
// columns, written atomically so a reader never sees a half-written file.

import { ensureDir, writeAtomic } from "./atomic.js";
import type { Scenario } from "../config/scenario.js";
import type { MetricName } from "../engine/metrics.js";
import type { ColumnSource } from "../stats/columns.js";
import { probabilities as computeProbabilities, type FlatProbabilities, type ProbabilityEstimates } from "../stats/proportion.js";
import { summarizeColumns, type MetricSummary } from "../stats/summary.js";
import type { FanSummary } from "../stats/fan.js";
import { summaryWarnings } from "./warnings.js";

export type EngineName = "wasm" | "ts";

export interface SummaryInput {
  version: string;
  /** The resolved scenario (defaults applied), echoed as is. */
  scenario: Scenario;
  seed: number;
  /** Paths summarised; must equal `columns.count` (an interrupted run passes the finished count). */
  paths: number;
  engine: EngineName;
  threads: number;
  runtimeMs: number;
  columns: ColumnSource;
  /** Extra top-level keys written after the SPEC keys (e.g. requestedPaths, interrupted, scenarioHash). */
  extra?: Record<string, unknown>;
  /** The fan charts (src/stats/fan.ts), written last (docs/report.md "Per-step data"). */
  fan?: FanSummary;
  /**
   * "flat" (default, SPEC's shape): `probabilities: { anyLiquidation: 0.12, … }` plus a sibling
   * `probabilityIntervals: { anyLiquidation: { ci95, count, n }, … }`.
   * "object": `probabilities: { anyLiquidation: { p, ci95, count, n }, … }` and no sibling.
   */
  probabilityShape?: "flat" | "object";
}

export interface Summary {
  version: string;
  scenario: Scenario;
  seed: number;
  paths: number;
  engine: EngineName;
  threads: number;
  runtimeMs: number;
  metrics: Record<MetricName, MetricSummary>;
  probabilities: FlatProbabilities["probabilities"] | ProbabilityEstimates;
  probabilityIntervals?: FlatProbabilities["probabilityIntervals"];
  [extra: string]: unknown;
}

/** Top-level keys in SPEC §4 order; `extra` may not reuse them. */
export const SUMMARY_KEYS = [
  "version",
  "scenario",
  "seed",
  "paths",
  "engine",
  "threads",
  "runtimeMs",
  "metrics",
  "probabilities",
] as const;

/** The SPEC §4 summary object, keys in SPEC order, then `probabilityIntervals`, then `extra`'s keys. */
export function buildSummary(input: SummaryInput): Summary {
  const { version, scenario, seed, paths, engine, threads, runtimeMs, columns, extra } = input;
  if (paths !== columns.count) {
    throw new RangeError(`buildSummary: paths is ${paths} but the columns hold ${columns.count} paths`);
  }
  const metrics = summarizeColumns(columns);
  const summary: Summary = {
    version,
    scenario,
    seed,
    paths,
    engine,
    threads,
    runtimeMs,
    metrics,
    probabilities: {} as Summary["probabilities"],
  };
  if (input.probabilityShape === "object") {
    summary.probabilities = computeProbabilities(columns, { flat: false });
  } else {
    const flat = computeProbabilities(columns, { flat: true });
    summary.probabilities = flat.probabilities;
    summary.probabilityIntervals = flat.probabilityIntervals;
  }
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (key in summary || key === "warnings")
      throw new RangeError(`buildSummary: extra key "${key}" would overwrite a summary key`);
    summary[key] = value;
  }
  // computed from the columns, so a merge or a verification recomputes them like every statistic
  summary.warnings = summaryWarnings(scenario, columns);
  if (input.fan) summary.fan = input.fan;
  return summary;
}

/**
 * The summary as JSON text (2-space indent, trailing newline). Numbers are JSON numbers in JavaScript's
 * shortest round-trip form; NaN and ±Infinity (undefined statistics, unbounded quantile CIs) become null,
 * as JSON has no other spelling for them.
 */
export function summaryToJson(summary: Summary): string {
  if (summary.fan === undefined) return JSON.stringify(summary, null, 2) + "\n";
  // the fan's arrays (one number per step) one to a line: the rest as usual
  const { fan, ...rest } = summary;
  const body = JSON.stringify(rest, null, 2);
  return `${body.slice(0, -2)},\n  "fan": ${fanToJson(fan as Record<string, unknown>)}\n}\n`;
}

/** The fan object indented like the rest of summary.json, each array of numbers on one line. */
function fanToJson(fan: Record<string, unknown>): string {
  const text = JSON.stringify(
    fan,
    (_key, value: unknown) =>
      Array.isArray(value) && value.every((v) => typeof v === "number" || v === null) ? `\u0000${JSON.stringify(value)}` : value,
    2,
  );
  return text.replace(/"\\u0000([^"]*)"/g, (_m, a: string) => a).replace(/\n/g, "\n  ");
}

/**
 * Writes `dir/summary.json` atomically: a temp file in the same directory is written and fsynced, then
 * renamed over the target (rename within a filesystem is atomic). Returns the file's path.
 */
export async function writeSummaryJson(dir: string, summary: Summary): Promise<string> {
  await ensureDir(dir);
  return writeAtomic(dir, "summary.json", summaryToJson(summary));
}
