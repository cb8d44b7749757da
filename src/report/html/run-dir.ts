// What report.html is built from, read back from the output directory (never from memory): so the report written
// after a run and the one `cascade report DIR` rebuilds are the same bytes. A run directory holds summary.json
// and the per-path table (paths.csv or paths.parquet), and may hold the per-step data of trace.ts; a sweep
// directory holds sweep.json.
import { join } from "node:path";
import { InputError } from "../../config/errors.js";
import { METRIC_NAMES } from "../../engine/metrics.js";
import { KIND_WORDS, entryKind, readRegularFile } from "../atomic.js";
import { PATHS_CSV } from "../csv.js";
import { PATHS_PARQUET } from "../parquet.js";
import { readCsvColumns, readParquetColumns, type ColumnTable } from "./table-columns.js";
import { parseFan, readTrace, type FanData, type TraceData } from "./trace.js";

export const SUMMARY_JSON = "summary.json";
export const SWEEP_JSON = "sweep.json";

/** summary.json as parsed: the SPEC shape, loosely (NaN was written as null; keys may be missing in old runs). */
export type SummaryDoc = Record<string, unknown> & {
  paths?: number;
  seed?: number;
  metrics?: Record<string, Record<string, unknown>>;
};

export interface RunDir {
  dir: string;
  summary: SummaryDoc;
  /** The per-path table's columns (every metric it has), undefined when the directory has none. */
  table?: ColumnTable;
  fan?: FanData;
  trace: TraceData;
}

export interface SweepDir {
  dir: string;
  sweep: Record<string, unknown>;
}

async function fileThere(file: string): Promise<boolean> {
  const kind = await entryKind(file).catch(() => "other" as const);
  if (kind === undefined) return false;
  if (kind !== "file") throw new InputError([`${file} must be a regular file (received ${KIND_WORDS[kind]})`]);
  return true;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  const text = await readRegularFile(file);
  if (text === undefined) throw new InputError([`${file} is missing`]);
  try {
    const doc: unknown = JSON.parse(text);
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not an object");
    return doc as Record<string, unknown>;
  } catch (err) {
    throw new InputError([
      `${file} must be a JSON object (received text that does not parse: ${(err as Error).message.split("\n")[0]})`,
    ]);
  }
}

/** Which kind of output directory `dir` is; an InputError naming it when it is neither or not a directory. */
export async function outputKind(dir: string): Promise<"run" | "sweep"> {
  const kind = await entryKind(dir).catch(() => "other" as const);
  if (kind === undefined)
    throw new InputError([`${dir} must be the output directory of a run or a sweep (received nothing at that path)`]);
  if (kind !== "dir" && kind !== "link")
    throw new InputError([`${dir} must be the output directory of a run or a sweep (received ${KIND_WORDS[kind]})`]);
  if (await fileThere(join(dir, SWEEP_JSON))) return "sweep";
  if (await fileThere(join(dir, SUMMARY_JSON))) return "run";
  throw new InputError([
    `${dir} must be the output directory of a run or a sweep (received a directory with neither summary.json nor sweep.json)`,
  ]);
}

/** The run's per-path table, by name of its columns; undefined when there is none (an interrupted run's .partial is not read). */
async function readPathTable(dir: string, metrics: readonly string[]): Promise<ColumnTable | undefined> {
  const csv = join(dir, PATHS_CSV);
  const parquet = join(dir, PATHS_PARQUET);
  const hasCsv = await fileThere(csv);
  const hasParquet = await fileThere(parquet);
  if (hasCsv && hasParquet)
    throw new InputError([`${dir} must hold one of paths.csv or paths.parquet (received both: remove the stale one)`]);
  const wants = { numbers: ["path", ...metrics], required: ["path"] };
  if (hasCsv) return readCsvColumns(csv, wants);
  if (hasParquet) return readParquetColumns(parquet, wants);
  return undefined;
}

/** The per-market metrics report.html draws for a several-market run, each market's in turn. */
export const MARKET_REPORT_METRICS = ["liquidatedNotional", "maxDrawdown", "minPrice"] as const;

/** The markets' names of a run's summary.json (several markets), else none. */
export function summaryMarketNames(summary: SummaryDoc): string[] {
  const markets = (summary.scenario as { markets?: unknown } | undefined)?.markets;
  if (!Array.isArray(markets)) return [];
  return markets.flatMap((m) => (typeof m?.name === "string" ? [m.name as string] : []));
}

/** The per-path columns of each market's MARKET_REPORT_METRICS (none for a one-market run). */
export function marketReportColumns(summary: SummaryDoc): string[] {
  return summaryMarketNames(summary).flatMap((name) => MARKET_REPORT_METRICS.map((m) => `markets.${name}.${m}`));
}

/** A run directory's files; of the per-path table, the `path` column and the `metrics` columns only (default: all). */
export async function readRunDir(dir: string, metrics: readonly string[] = METRIC_NAMES): Promise<RunDir> {
  const summary = (await readJson(join(dir, SUMMARY_JSON))) as SummaryDoc;
  if (summary.metrics === null || typeof summary.metrics !== "object") {
    throw new InputError([
      `${join(dir, SUMMARY_JSON)} must have a metrics object (received ${summary.metrics === undefined ? "nothing" : typeof summary.metrics})`,
    ]);
  }
  // several markets: each market's report columns too (src/report/html/run-report.ts draws them)
  const table = await readPathTable(dir, [...metrics, ...marketReportColumns(summary)]);
  const fan = parseFan(summary.fan, join(dir, SUMMARY_JSON));
  const trace = await readTrace(dir);
  return { dir, summary, ...(table ? { table } : {}), ...(fan ? { fan } : {}), trace };
}

export async function readSweepDir(dir: string): Promise<SweepDir> {
  const sweep = await readJson(join(dir, SWEEP_JSON));
  if (!Array.isArray(sweep.points))
    throw new InputError([
      `${join(dir, SWEEP_JSON)} must have a points array (received ${sweep.points === undefined ? "nothing" : typeof sweep.points})`,
    ]);
  return { dir, sweep };
}
