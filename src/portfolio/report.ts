// A portfolio run on either engine and its outputs: per-metric statistics (src/stats), the console table,
// summary.json and paths.csv. Batches of paths run on a worker pool (src/portfolio/pool.ts, or inline for one
// thread), finish out of order and are taken in path order through a reorder window: their records go into
// the run's record array and their CSV rows (formatted on the worker) are streamed to paths.csv. The
// portfolio's records have a variable layout (per market, per asset), so these are written from its metric
// names rather than the single-market writers in src/report/, whose formatting helpers they reuse.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import Table from "cli-table3";
import type { KernelBuild } from "../kernel/module.js";
import type { MetricName } from "../engine/metrics.js";
import { ensureDir, outputError, removeEntry, writeAtomic } from "../report/atomic.js";
import { METRIC_KIND, formatPercent, formatValue, groupThousands, tickDecimals, type MetricKind } from "../report/table.js";
import { PROBABILITY_EVENTS, PROBABILITY_NAMES, probabilities, type FlatProbabilities } from "../stats/proportion.js";
import { WORST_TAIL, summarize, type MetricSummary, type Tail } from "../stats/summary.js";
import type { PortfolioBatchResult, PortfolioEngineName } from "./batch.js";
import { PortfolioCsvWriter, formatPortfolioRows, portfolioCsvHeader } from "./csv.js";
import { BASE_METRIC_NAMES, portfolioMetricNames } from "./engine.js";
import {
  PortfolioInlineRunner,
  PortfolioPoolRunner,
  planPortfolioBatches,
  portfolioBatchSize,
  type PortfolioBatchRunner,
} from "./pool.js";
import type { PortfolioScenario } from "./schema.js";

export type { PortfolioEngineName } from "./batch.js";

export interface PortfolioRun {
  scenario: PortfolioScenario;
  engine: PortfolioEngineName;
  paths: number;
  /** Threads the paths ran on (1: inline on the calling thread). */
  threads: number;
  metricNames: string[];
  stride: number;
  /** paths × stride, path-major, in path order. */
  records: Float64Array;
  /** Wall time of the run, paths.csv included when written. */
  runtimeMs: number;
  /** The finished paths.csv, when `outDir` was given. */
  csvPath?: string;
  /** Batches run again because their worker died. */
  retries: number;
}

export interface RunPortfolioOptions {
  /** `wasm` (default) or `ts`, the reference engine; either runs in the workers. */
  engine?: PortfolioEngineName;
  /** Default: the scenario's `paths`. */
  paths?: number;
  build?: KernelBuild;
  /** Threads (default: all cores). 1 runs inline on the calling thread, more on a piscina pool of that size. */
  threads?: number;
  /** Stream DIR/paths.csv (written as paths.csv.partial, renamed when complete). */
  outDir?: string;
  /** Test hook: batch indices whose worker dies on its first attempt. */
  crashBatches?: ReadonlySet<number>;
}

function accountCount(s: PortfolioScenario): number {
  return s.accounts.list.length + (s.accounts.generated?.count ?? 0);
}

/**
 * Runs paths 0..paths−1 on `threads` threads, on the WASM kernel or the TypeScript reference. A path's record
 * depends only on (seed, path index), so the records, and paths.csv byte for byte, are the same for any
 * thread count and either engine.
 */
export async function runPortfolio(scenario: PortfolioScenario, options: RunPortfolioOptions = {}): Promise<PortfolioRun> {
  const start = performance.now();
  const engine = options.engine ?? "wasm";
  const paths = options.paths ?? scenario.paths;
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const metricNames = portfolioMetricNames(scenario);
  const stride = metricNames.length;
  const records = new Float64Array(paths * stride);
  const batches = planPortfolioBatches(paths, portfolioBatchSize(paths, scenario.steps, accountCount(scenario), threads));
  let writer: PortfolioCsvWriter | undefined;
  if (options.outDir !== undefined) {
    // The directory is made here (fails at once on a path that cannot be one), and whatever is at the temp
    // name (a stale file, a link planted there) is removed, never followed, before the writer creates it.
    await ensureDir(options.outDir);
    const partial = join(options.outDir, "paths.csv.partial");
    await removeEntry(partial);
    try {
      writer = await PortfolioCsvWriter.open(options.outDir, metricNames);
    } catch (err) {
      throw outputError(err, partial, "create");
    }
  }
  const csv = writer !== undefined;
  let runner: PortfolioBatchRunner | undefined;
  try {
    runner =
      threads === 1
        ? new PortfolioInlineRunner(engine, scenario, options.build)
        : new PortfolioPoolRunner({ kind: engine, scenario, threads, build: options.build, crashBatches: options.crashBatches });
    // Up to `ahead` batches in flight, finishing in any order; taken strictly in path order.
    const ahead = threads * 3;
    const inFlight = new Map<number, Promise<PortfolioBatchResult>>();
    let nextToStart = 0;
    for (let w = 0; w < batches.length; w++) {
      while (nextToStart < batches.length && nextToStart < w + ahead) {
        const promise = runner.run(batches[nextToStart], csv);
        promise.catch(() => undefined); // awaited in order below; not unhandled meanwhile
        inFlight.set(nextToStart++, promise);
      }
      const result = await inFlight.get(w)!;
      inFlight.delete(w);
      const batch = batches[w];
      records.set(result.records, batch.first * stride);
      if (writer) {
        try {
          await writer.writeEncoded(batch.first, batch.count, result.csv!);
        } catch (err) {
          throw outputError(err, writer.partialPath);
        }
      }
    }
  } catch (err) {
    await writer?.abort();
    throw err;
  } finally {
    await runner?.close();
  }
  let csvPath: string | undefined;
  if (writer) {
    try {
      csvPath = await writer.close();
    } catch (err) {
      await writer.abort().catch(() => undefined);
      await removeEntry(writer.partialPath).catch(() => undefined); // nothing half-written is left
      throw outputError(err, writer.partialPath);
    }
  }
  return {
    scenario,
    engine,
    paths,
    threads,
    metricNames,
    stride,
    records,
    runtimeMs: performance.now() - start,
    csvPath,
    retries: runner!.retries,
  };
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
  threads: number;
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
    threads: run.threads,
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
    `${summary.threads} thread${summary.threads === 1 ? "" : "s"}, ${formatRuntime(summary.runtimeMs)}`;
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
    probs.push([
      name,
      PROBABILITY_EVENTS[name].definition,
      formatPercent(summary.probabilities[name]),
      `${formatPercent(iv.ci95[0])} – ${formatPercent(iv.ci95[1])}`,
    ]);
  }
  const note = "worst: ↑ larger is worse, ↓ smaller is worse; adlCount and adlNotional are 0 (no ADL in the portfolio engine)";
  return [header, metrics.toString(), note, probs.toString()].join("\n") + "\n";
}

/**
 * paths.csv as one string, from a run's records: for small runs and tests only (runPortfolio with `outDir`
 * streams the file batch by batch, the same bytes).
 */
export function formatPortfolioCsv(run: PortfolioRun): string {
  return portfolioCsvHeader(run.metricNames) + "\n" + formatPortfolioRows(0, run.records, run.stride, run.paths);
}

export function portfolioSummaryJson(summary: PortfolioSummary): string {
  return JSON.stringify(summary, null, 2) + "\n";
}

/** Writes DIR/summary.json atomically (paths.csv is streamed by runPortfolio); returns its path. */
export async function writePortfolioSummary(dir: string, summary: PortfolioSummary): Promise<string> {
  await ensureDir(dir);
  return writeAtomic(dir, "summary.json", portfolioSummaryJson(summary));
}
