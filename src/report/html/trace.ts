// The per-step data a run may carry beside its per-path table (docs/report.md says the shapes): the fan chart's
// quantiles across paths in summary.json's `fan`, and the traced paths' step values (steps.csv) and events
// (events.csv; `cascade run --trace`, or their .parquet twins with --format parquet). The report draws their panels
// only when they are there.
import { join } from "node:path";
import { InputError } from "../../config/errors.js";
import { entryKind, KIND_WORDS } from "../atomic.js";
import { readCsvColumns, readParquetColumns, type ColumnTable, type ColumnWants } from "./table-columns.js";

export const STEPS_CSV = "steps.csv";
export const EVENTS_CSV = "events.csv";
export const STEPS_PARQUET = "steps.parquet";
export const EVENTS_PARQUET = "events.parquet";

/** steps' columns that are axes, not series: the path, the step and its time in seconds. */
const AXES = new Set(["path", "step", "time"]);

/** Bands a fan series may have, outermost first; p05/p50/p95 are required. */
export const FAN_KEYS = ["p01", "p05", "p25", "p50", "p75", "p95", "p99", "mean"] as const;
export type FanKey = (typeof FAN_KEYS)[number];

/** summary.json `fan`: per step, quantiles across paths of each series (price, mark, insurance, …). */
export interface FanData {
  /** Step indices, ascending. */
  steps: number[];
  /** Seconds per step (default: the scenario's stepSeconds). */
  stepSeconds?: number;
  /** Series name → band name → one value per step (null for a step without a value). */
  series: Record<string, Partial<Record<FanKey, (number | null)[]>>>;
}

/** A run's traced paths: steps.csv's numeric columns per (path, step), events.csv's rows. */
export interface TraceData {
  steps?: {
    /** Series columns (every column but path and step), in file order. */
    series: string[];
    path: Float64Array;
    step: Float64Array;
    values: Map<string, Float64Array>;
  };
  events?: {
    path: Float64Array;
    step: Float64Array;
    type: string[];
    /** The event's notional when the file has the column (else undefined). */
    notional?: Float64Array;
  };
}

const isNumArray = (a: unknown, n: number): a is (number | null)[] =>
  Array.isArray(a) && a.length === n && a.every((x) => x === null || typeof x === "number");

/** summary.json's `fan`, checked; undefined when the summary has none. Every problem at once, naming its field. */
export function parseFan(raw: unknown, where: string): FanData | undefined {
  if (raw === undefined || raw === null) return undefined;
  const problems: string[] = [];
  const f = raw as Record<string, unknown>;
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new InputError([
      `${where} fan must be an object { steps, series } (received ${Array.isArray(raw) ? "an array" : typeof raw})`,
    ]);
  const steps = f.steps;
  const n = Array.isArray(steps) ? steps.length : -1;
  if (
    !Array.isArray(steps) ||
    steps.length === 0 ||
    !steps.every((s, i) => typeof s === "number" && Number.isFinite(s) && (i === 0 || s > (steps[i - 1] as number)))
  ) {
    problems.push(`${where} fan.steps must be a non-empty ascending array of numbers`);
  }
  if (f.stepSeconds !== undefined && !(typeof f.stepSeconds === "number" && f.stepSeconds > 0))
    problems.push(`${where} fan.stepSeconds must be a positive number (received ${JSON.stringify(f.stepSeconds)})`);
  const series = f.series;
  if (series === null || typeof series !== "object" || Array.isArray(series) || Object.keys(series).length === 0) {
    problems.push(`${where} fan.series must be an object with at least one series`);
  } else {
    for (const [name, s] of Object.entries(series as Record<string, unknown>)) {
      if (s === null || typeof s !== "object") {
        problems.push(`${where} fan.series.${name} must be an object of bands (p05, p50, p95, …)`);
        continue;
      }
      for (const key of Object.keys(s)) {
        if (!(FAN_KEYS as readonly string[]).includes(key))
          problems.push(`${where} fan.series.${name}.${key} is not a band (expected one of ${FAN_KEYS.join(", ")})`);
      }
      for (const key of FAN_KEYS) {
        const a = (s as Record<string, unknown>)[key];
        const required = key === "p05" || key === "p50" || key === "p95";
        if (a === undefined && !required) continue;
        if (n >= 0 && !isNumArray(a, n))
          problems.push(
            `${where} fan.series.${name}.${key} must be an array of ${n} numbers or nulls, one per step (received ${Array.isArray(a) ? `${a.length} items` : a === undefined ? "nothing" : typeof a})`,
          );
      }
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return f as unknown as FanData;
}

async function present(file: string): Promise<boolean> {
  const kind = await entryKind(file);
  if (kind === undefined) return false;
  if (kind !== "file") throw new InputError([`${file} must be a regular file (received ${KIND_WORDS[kind]})`]);
  return true;
}

/** One of a table's two files (CSV or Parquet), when present; both is bad input (one format per directory). */
async function readEither(dir: string, csv: string, parquet: string, wants: ColumnWants): Promise<ColumnTable | undefined> {
  const hasCsv = await present(join(dir, csv));
  const hasParquet = await present(join(dir, parquet));
  if (hasCsv && hasParquet)
    throw new InputError([`${dir} must hold one of ${csv} or ${parquet} (received both: remove the stale one)`]);
  if (hasCsv) return readCsvColumns(join(dir, csv), wants);
  if (hasParquet) return readParquetColumns(join(dir, parquet), wants);
  return undefined;
}

/** steps.csv and events.csv of `dir` (or their .parquet twins), each when present. */
export async function readTrace(dir: string): Promise<TraceData> {
  const out: TraceData = {};
  const st = await readEither(dir, STEPS_CSV, STEPS_PARQUET, { numbers: "all", required: ["path", "step"] });
  if (st) {
    const series = st.header.filter((c) => !AXES.has(c));
    out.steps = {
      series,
      path: st.numbers.get("path")!,
      step: st.numbers.get("step")!,
      values: new Map(series.map((c) => [c, st.numbers.get(c)!])),
    };
  }
  const ev = await readEither(dir, EVENTS_CSV, EVENTS_PARQUET, {
    numbers: ["path", "step", "notional"],
    texts: ["type"],
    required: ["path", "step", "type"],
  });
  if (ev)
    out.events = {
      path: ev.numbers.get("path")!,
      step: ev.numbers.get("step")!,
      type: ev.texts.get("type")!,
      notional: ev.numbers.get("notional"),
    };
  return out;
}
