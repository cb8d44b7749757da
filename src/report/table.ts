// The console report: a header line, one row per metric, and the event probabilities with their
// 95% intervals. Reads a Summary (in memory or parsed back from summary.json, where NaN became null).

import Table from "cli-table3";
import { METRIC_NAMES, type MetricName } from "../engine/metrics.js";
import { PROBABILITY_EVENTS, PROBABILITY_NAMES } from "../stats/proportion.js";
import { WORST_TAIL, type MetricSummary } from "../stats/summary.js";
import type { Summary } from "./summary-json.js";
import { formatWhoPaidTable, WHO_PAID_METRICS } from "./who-paid.js";

export type MetricKind = "money" | "price" | "count" | "ratio";

/** How each metric's numbers are printed. */
export const METRIC_KIND: Readonly<Record<MetricName, MetricKind>> = Object.freeze({
  liquidations: "count",
  liquidatedNotional: "money",
  maxRoundsInStep: "count",
  minPrice: "price",
  finalPrice: "price",
  maxDrawdown: "ratio",
  exogenousDrawdown: "ratio",
  amplification: "ratio",
  insuranceMin: "money",
  insuranceFinal: "money",
  badDebt: "money",
  adlCount: "count",
  adlNotional: "money",
  avgSlippage: "ratio",
  bookExhausted: "ratio", // 0/1 per path: its mean is a share of paths
  firstLiquidationStep: "count",
  marginHeld: "money",
  liquidatedPnl: "money",
  adlTransfer: "money",
  fundNet: "money",
  vaultPnl: "money",
  treasury: "money",
  keepersPnl: "money",
  makersPnl: "money",
  feesPaid: "money",
  shortfall: "money",
  flowPnl: "money",
});

type Num = number | null | undefined;

/** Digits after the decimal point of a tick size: 0.5 → 1, 0.25 → 2, 1 → 0, 1e-7 → 7. */
export function tickDecimals(tick: number): number {
  if (!(tick > 0) || !Number.isFinite(tick)) return 2;
  const s = String(tick);
  const e = s.indexOf("e-");
  const mantissa = e === -1 ? s : s.slice(0, e);
  const dot = mantissa.indexOf(".");
  const frac = dot === -1 ? 0 : mantissa.length - dot - 1;
  return Math.min(12, frac + (e === -1 ? 0 : Number(s.slice(e + 2))));
}

/** `x.toFixed(decimals)` with "," every three integer digits; −0 prints as 0. */
export function groupThousands(x: number, decimals: number): string {
  const s = (x === 0 ? 0 : x).toFixed(decimals);
  if (s.includes("e")) return s;
  const neg = s.startsWith("-");
  const body = neg ? s.slice(1) : s;
  const dot = body.indexOf(".");
  const int = dot === -1 ? body : body.slice(0, dot);
  const frac = dot === -1 ? "" : body.slice(dot);
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const out = grouped + frac;
  return neg && /[1-9]/.test(out) ? "-" + out : out; // "-0.00" → "0.00"
}

/** A statistic of a metric of the given kind, for the console. null/NaN (undefined statistic) → "n/a". */
export function formatValue(x: Num, kind: MetricKind, priceDecimals = 2): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "n/a";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  switch (kind) {
    case "money": // 0–2 decimals: cents only below 1,000
      return groupThousands(x, Number.isInteger(x) || Math.abs(x) >= 1000 ? 0 : 2);
    case "price":
      return groupThousands(x, priceDecimals);
    case "count": // integers as integers; a mean or interpolated quantile of a count keeps 2 decimals
      return groupThousands(x, Number.isInteger(x) ? 0 : 2);
    case "ratio":
      if (x === 0) return "0";
      if (Math.abs(x) >= 1e4) return groupThousands(x, 0);
      return String(Number(x.toPrecision(4)));
  }
}

/** A probability as a percentage: 12.30%, 0.0021%, 0%, 100%. */
export function formatPercent(p: Num): string {
  if (p === null || p === undefined || Number.isNaN(p)) return "n/a";
  const pct = p * 100;
  if (pct === 0 || pct === 100) return `${pct}%`;
  if (pct >= 0.1) return `${pct.toFixed(2)}%`;
  return `${Number(pct.toPrecision(2))}%`;
}

function formatRuntime(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(2)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${(s - 60 * m).toFixed(1)} s`;
}

const STYLE = { head: [] as string[], border: [] as string[] }; // no ANSI colours: output is the same on any terminal
const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" }; // no rule between body rows

interface IntervalEntry {
  p: Num;
  ci95?: [Num, Num];
  count?: number;
  n?: number;
}

/** Probability entries whether summary.probabilities is SPEC's flat numbers (+ probabilityIntervals) or objects. */
function probabilityEntry(summary: Summary, name: (typeof PROBABILITY_NAMES)[number]): IntervalEntry {
  const raw = (summary.probabilities as Record<string, unknown>)[name];
  if (raw !== null && typeof raw === "object") return raw as IntervalEntry;
  const iv = summary.probabilityIntervals?.[name];
  return { p: raw as Num, ci95: iv?.ci95, count: iv?.count, n: iv?.n };
}

/**
 * The summary as console text: a header line (scenario, paths, seed, engine, threads, runtime), a metric
 * table (mean, min, p05, p50, p95, p99, max, and es99 on the metric's worst tail, marked ↑ larger is worse
 * or ↓ smaller is worse), and a probability table with Wilson 95% intervals.
 */
export function formatSummaryTable(summary: Summary): string {
  const priceDecimals = tickDecimals(summary.scenario?.market?.tickSize ?? NaN);
  const header =
    `${summary.scenario?.name ?? "scenario"}: ${groupThousands(summary.paths, 0)} paths, seed ${summary.seed}, ` +
    `engine ${summary.engine}, ${summary.threads} thread${summary.threads === 1 ? "" : "s"}, ` +
    `${formatRuntime(summary.runtimeMs)}`;

  const metrics = new Table({
    head: ["metric", "worst", "mean", "min", "p05", "p50", "p95", "p99", "max", "es99"],
    colAligns: ["left", "center", "right", "right", "right", "right", "right", "right", "right", "right"],
    style: STYLE,
    chars: COMPACT,
  });
  for (const name of METRIC_NAMES) {
    const s = summary.metrics[name];
    const kind = METRIC_KIND[name];
    const f = (x: Num) => formatValue(x, kind, priceDecimals);
    if (!s) {
      metrics.push([name, "", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"]);
      continue;
    }
    // marginHeld is computed by the scan engine only (margin.model): no row for a run that has none
    if (name === "marginHeld" && s.excluded === summary.paths) continue;
    // the money rows have their own table
    if (WHO_PAID_METRICS.has(name)) continue;
    const nonFinite = s.nonFinite ? ` (${s.nonFinite} non-finite)` : "";
    metrics.push([
      name + nonFinite,
      WORST_TAIL[name] === "upper" ? "↑" : "↓",
      f(s.mean),
      f(s.min),
      f(s.p05),
      f(s.p50),
      f(s.p95),
      f(s.p99),
      f(s.max),
      f(s.es99),
    ]);
  }

  const probs = new Table({
    head: ["event", "definition", "probability", "95% CI (Wilson)", "paths"],
    colAligns: ["left", "left", "right", "right", "right"],
    style: STYLE,
    chars: COMPACT,
  });
  for (const name of PROBABILITY_NAMES) {
    const e = probabilityEntry(summary, name);
    const ci = e.ci95 ? `${formatPercent(e.ci95[0])} – ${formatPercent(e.ci95[1])}` : "n/a";
    const paths = e.count !== undefined ? `${groupThousands(e.count, 0)} / ${groupThousands(e.n ?? summary.paths, 0)}` : "n/a";
    probs.push([name, PROBABILITY_EVENTS[name].definition, formatPercent(e.p), ci, paths]);
  }

  const note = "worst: ↑ larger is worse, ↓ smaller is worse; es99 = mean of the worst 1% of paths on that side";
  const markets = formatMarketsTable(summary);
  return (
    [header, metrics.toString(), note, ...(markets ? [markets] : []), formatWhoPaidTable(summary), probs.toString()].join("\n") +
    "\n"
  );
}

/** The per-market metrics the console shows for a several-market run (summary.json has every one). */
const MARKET_TABLE_METRICS = ["minPrice", "maxDrawdown", "liquidations", "liquidatedNotional"] as const;

/**
 * Several markets: one row per market and metric (mean, p05, p50, p95, p99, es99 on the metric's worst tail);
 * undefined for a one-market run, whose console output is unchanged.
 */
function formatMarketsTable(summary: Summary): string | undefined {
  const markets = summary.scenario?.markets;
  if (!markets) return undefined;
  const table = new Table({
    head: ["market", "metric", "worst", "mean", "p05", "p50", "p95", "p99", "es99"],
    colAligns: ["left", "left", "center", "right", "right", "right", "right", "right", "right"],
    style: STYLE,
    chars: COMPACT,
  });
  for (const market of markets) {
    const priceDecimals = tickDecimals(market.market?.tickSize ?? NaN);
    for (const metric of MARKET_TABLE_METRICS) {
      const s = (summary.metrics as Record<string, MetricSummary | undefined>)[`markets.${market.name}.${metric}`];
      const f = (x: Num) => formatValue(x, METRIC_KIND[metric], priceDecimals);
      const worst = WORST_TAIL[metric] === "upper" ? "↑" : "↓";
      table.push(
        s
          ? [market.name, metric, worst, f(s.mean), f(s.p05), f(s.p50), f(s.p95), f(s.p99), f(s.es99)]
          : [market.name, metric, worst, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"],
      );
    }
  }
  return `per market:\n${table.toString()}`;
}
