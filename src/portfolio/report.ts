// A portfolio run on either engine and its outputs: per-metric statistics (src/stats), the console table,
// summary.json and paths.csv. The portfolio's records have a variable layout (per market, per asset), so
// these are written from its metric names rather than the single-market writers in src/report/, whose
// formatting helpers they reuse.
import { mkdir } from "node:fs/promises";
import Table from "cli-table3";
import { PortfolioWasmEngine } from "../kernel/portfolio-engine.js";
import type { KernelBuild } from "../kernel/module.js";
import type { MetricName } from "../engine/metrics.js";
import { writeAtomic } from "../report/atomic.js";
import { formatNumber } from "../report/csv.js";
import { METRIC_KIND, formatPercent, formatValue, groupThousands, tickDecimals, type MetricKind } from "../report/table.js";
import { PROBABILITY_EVENTS, PROBABILITY_NAMES, probabilities, type FlatProbabilities } from "../stats/proportion.js";
import { WORST_TAIL, summarize, type MetricSummary, type Tail } from "../stats/summary.js";
import { BASE_METRIC_NAMES, PortfolioEngine } from "./engine.js";
import type { PortfolioScenario } from "./schema.js";

export type PortfolioEngineName = "wasm" | "ts";

export interface PortfolioRun {
  scenario: PortfolioScenario;
  engine: PortfolioEngineName;
  paths: number;
  metricNames: string[];
  stride: number;
  /** paths × stride, path-major, in path order. */
  records: Float64Array;
  runtimeMs: number;
}

/** Runs paths 0..paths−1 on one thread, on the WASM kernel or the TypeScript reference (the same records bit for bit). */
export function runPortfolio(
  scenario: PortfolioScenario,
  options: { engine?: PortfolioEngineName; paths?: number; build?: KernelBuild } = {},
): PortfolioRun {
  const engineName = options.engine ?? "wasm";
  const paths = options.paths ?? scenario.paths;
  const start = performance.now();
  const engine = engineName === "wasm" ? new PortfolioWasmEngine(scenario, { build: options.build }) : new PortfolioEngine(scenario);
  const records = new Float64Array(paths * engine.stride);
  engine.runPaths(0, paths, records);
  return { scenario, engine: engineName, paths, metricNames: engine.metricNames, stride: engine.stride, records, runtimeMs: performance.now() - start };
}

/** One metric's values, one per path. */
export function portfolioColumn(run: PortfolioRun, name: string): Float64Array {
  const k = run.metricNames.indexOf(name);
  if (k < 0) throw new Error(`no metric ${name} (metrics: ${run.metricNames.join(", ")})`);
  const col = new Float64Array(run.paths);
  for (let p = 0; p < run.paths; p++) col[p] = run.records[p * run.stride + k];
  return col;
}

const BASE = new Set<string>(BASE_METRIC_NAMES);
const suffix = (name: string) => name.slice(name.lastIndexOf(".") + 1);

/** The bad end of a metric's distribution: the project's for the base metrics, prices lower, the rest upper. */
export function portfolioTail(name: string): Tail {
  if (BASE.has(name)) return WORST_TAIL[name as MetricName];
  const key = suffix(name);
  return key === "minPrice" || key === "finalPrice" ? "lower" : "upper";
}

/** How a metric prints: its kind, and for a price the decimals of its book's tick. */
function portfolioKind(name: string, s: PortfolioScenario): { kind: MetricKind; decimals: number } {
  if (BASE.has(name)) return { kind: METRIC_KIND[name as MetricName], decimals: tickDecimals(s.markets[0].tickSize) };
  if (name === "collateralSold") return { kind: "money", decimals: 2 };
  if (!name.includes(".")) return { kind: "count", decimals: 0 };
  const key = suffix(name);
  if (key !== "minPrice" && key !== "finalPrice") return { kind: "ratio", decimals: 0 };
  const owner = name.slice(name.indexOf(".") + 1, name.lastIndexOf("."));
  if (name.startsWith("markets.")) {
    const m = s.markets.find((x) => x.name === owner);
    return { kind: "price", decimals: m ? tickDecimals(m.tickSize) : 2 };
  }
  const a = s.collateral.assets.find((x) => x.name === owner);
  return { kind: "price", decimals: a?.price.tickSize !== undefined ? tickDecimals(a.price.tickSize) : 4 };
}

export interface PortfolioSummary {
  version: string;
  name: string;
  /** The resolved scenario (every default applied), echoed as is. */
  scenario: PortfolioScenario;
  seed: number;
  paths: number;
  engine: PortfolioEngineName;
  threads: 1;
  runtimeMs: number;
  /** In record order. firstLiquidationStep's statistics are over the paths that had one (`excluded` counts the others). */
  metrics: Record<string, MetricSummary>;
  probabilities: FlatProbabilities["probabilities"];
  probabilityIntervals: FlatProbabilities["probabilityIntervals"];
}

/** Statistics of every metric (src/stats summarize, each on its bad tail) and the SPEC §4 event probabilities. */
export function summarizePortfolio(run: PortfolioRun, version: string): PortfolioSummary {
  const metrics: Record<string, MetricSummary> = {};
  for (const name of run.metricNames) {
    let values = portfolioColumn(run, name);
    if (name === "firstLiquidationStep") values = values.filter((v) => v >= 0);
    metrics[name] = summarize(values, { tail: portfolioTail(name) });
    if (values.length < run.paths) metrics[name].excluded = run.paths - values.length;
  }
  const events = probabilities({ count: run.paths, column: (metric) => portfolioColumn(run, String(metric)) });
  return {
    version,
    name: run.scenario.name,
    scenario: run.scenario,
    seed: run.scenario.seed,
    paths: run.paths,
    engine: run.engine,
    threads: 1,
    runtimeMs: run.runtimeMs,
    metrics,
    probabilities: events.probabilities,
    probabilityIntervals: events.probabilityIntervals,
  };
}

function formatRuntime(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

const STYLE = { head: [] as string[], border: [] as string[] };
const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

/** The console report: a header line, mean / p50 / p95 / p99 of every metric, the event probabilities. */
export function formatPortfolioTable(summary: PortfolioSummary): string {
  const header =
    `${summary.name}: ${groupThousands(summary.paths, 0)} paths, seed ${summary.seed}, engine ${summary.engine}, ` +
    `1 thread, ${formatRuntime(summary.runtimeMs)}`;
  const metrics = new Table({
    head: ["metric", "worst", "mean", "p50", "p95", "p99"],
    colAligns: ["left", "center", "right", "right", "right", "right"],
    style: STYLE,
    chars: COMPACT,
  });
  for (const [name, s] of Object.entries(summary.metrics)) {
    const { kind, decimals } = portfolioKind(name, summary.scenario);
    const f = (x: number) => formatValue(x, kind, decimals);
    const note = s.excluded ? ` (${s.excluded} paths without one)` : "";
    metrics.push([name + note, portfolioTail(name) === "upper" ? "↑" : "↓", f(s.mean), f(s.p50), f(s.p95), f(s.p99)]);
  }
  const probs = new Table({
    head: ["event", "definition", "probability", "95% CI (Wilson)"],
    colAligns: ["left", "left", "right", "right"],
    style: STYLE,
    chars: COMPACT,
  });
  for (const name of PROBABILITY_NAMES) {
    const iv = summary.probabilityIntervals[name];
    probs.push([name, PROBABILITY_EVENTS[name].definition, formatPercent(summary.probabilities[name]), `${formatPercent(iv.ci95[0])} – ${formatPercent(iv.ci95[1])}`]);
  }
  const note = "worst: ↑ larger is worse, ↓ smaller is worse; adlCount and adlNotional are 0 (no ADL in the portfolio engine)";
  return [header, metrics.toString(), note, probs.toString()].join("\n") + "\n";
}

/** A CSV header field: quoted when a market or asset name needs it. */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** paths.csv: `path` then the metrics in record order, one row per path, numbers in shortest round-trip form. */
export function formatPortfolioCsv(run: PortfolioRun): string {
  const lines: string[] = [["path", ...run.metricNames].map(csvField).join(",")];
  for (let p = 0; p < run.paths; p++) {
    let row = String(p);
    const at = p * run.stride;
    for (let k = 0; k < run.stride; k++) row += "," + formatNumber(run.records[at + k]);
    lines.push(row);
  }
  return lines.join("\n") + "\n";
}

export function portfolioSummaryJson(summary: PortfolioSummary): string {
  return JSON.stringify(summary, null, 2) + "\n";
}

/** Writes DIR/summary.json and DIR/paths.csv (each atomically); returns their paths. */
export async function writePortfolioOutputs(dir: string, run: PortfolioRun, summary: PortfolioSummary): Promise<{ summary: string; paths: string }> {
  await mkdir(dir, { recursive: true });
  const paths = await writeAtomic(dir, "paths.csv", formatPortfolioCsv(run));
  const summaryFile = await writeAtomic(dir, "summary.json", portfolioSummaryJson(summary));
  return { summary: summaryFile, paths };
}
