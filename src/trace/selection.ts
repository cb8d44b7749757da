// `--trace SELECTION`: which paths of a run to trace. Path indices (`0,17,250`), or the k worst by a metric
// (`worst:badDebt:5`): worst on the metric's bad tail (src/stats/summary.ts WORST_TAIL: the largest values of a loss,
// the smallest of a price or the fund), ties by the lower path index, a NaN never worst. `--trace-buffer N`: events
// per traced path (the bounded region both engines write into).
import { formatValue } from "../config/errors.js";
import { METRIC_NAMES } from "../engine/metrics.js";
import { DEFAULT_TRACE_EVENTS } from "../engine/trace.js";
import type { PathRange } from "../mc/plan.js";
import type { ColumnSource } from "../stats/columns.js";
import { WORST_TAIL, baseMetric } from "../stats/summary.js";

/** `metric`: a column of the run's record (METRIC_NAMES, or with several markets markets.NAME.* and crossMargin.*). */
export type TraceSelection = { kind: "paths"; paths: number[] } | { kind: "worst"; metric: string; count: number };

export interface TraceRequest {
  /** The option's text, for messages and the files' metadata. */
  text: string;
  selection: TraceSelection;
  /** Events a traced path may hold (--trace-buffer). */
  buffer: number;
}

/** The most events --trace-buffer may ask for per path (12 f64 each: 960 MB, most of the kernel's 4 GB memory). */
export const MAX_TRACE_EVENTS = 10_000_000;

const INDICES = /^\d+(,\d+)*$/;
const WORST = /^worst:([^:]*):([^:]*)$/;
const MARKETS_COLUMN = /^(markets\.[^.]+\.[A-Za-z]+|crossMargin\.[A-Za-z]+)$/;

/** `--trace` and `--trace-buffer` as commander gives them; every problem pushed, undefined when not tracing (or bad). */
export function parseTraceOptions(
  text: string | undefined,
  bufferText: string | undefined,
  problems: string[],
): TraceRequest | undefined {
  let buffer = DEFAULT_TRACE_EVENTS;
  if (bufferText !== undefined) {
    const n = /^\d+$/.test(bufferText.trim()) ? Number(bufferText) : NaN;
    if (!(Number.isSafeInteger(n) && n >= 1 && n <= MAX_TRACE_EVENTS)) {
      problems.push(
        `--trace-buffer must be an integer from 1 to ${MAX_TRACE_EVENTS} (events per traced path; received ${formatValue(bufferText)})`,
      );
    } else buffer = n;
    if (text === undefined) problems.push("--trace-buffer needs --trace (it sizes the buffer a traced path's events go to)");
  }
  if (text === undefined) return undefined;
  const t = text.trim().replace(/\s+/g, "");
  if (INDICES.test(t)) {
    const paths = [...new Set(t.split(",").map(Number))].sort((a, b) => a - b);
    if (!paths.every(Number.isSafeInteger)) {
      problems.push(`--trace path indices must be integers (received ${formatValue(text)})`);
      return undefined;
    }
    return { text: t, selection: { kind: "paths", paths }, buffer };
  }
  const m = WORST.exec(t);
  if (!m) {
    problems.push(
      `--trace must be path indices, e.g. 0,17,250, or worst:METRIC:K, e.g. worst:badDebt:5 (received ${formatValue(text)})`,
    );
    return undefined;
  }
  const metric = m[1];
  const count = /^\d+$/.test(m[2]) ? Number(m[2]) : NaN;
  let ok = true;
  // a column of several markets' records is checked against the scenario's (checkTraceRange)
  if (!(METRIC_NAMES as readonly string[]).includes(metric) && !MARKETS_COLUMN.test(metric)) {
    problems.push(
      `--trace worst:METRIC:K: METRIC must be a per-path metric (one of ${METRIC_NAMES.join(", ")}, or with several markets markets.NAME.METRIC or crossMargin.METRIC; received ${formatValue(metric)})`,
    );
    ok = false;
  }
  if (!(Number.isSafeInteger(count) && count >= 1)) {
    problems.push(`--trace worst:METRIC:K: K must be a positive integer (received ${formatValue(m[2])})`);
    ok = false;
  }
  return ok ? { text: t, selection: { kind: "worst", metric, count }, buffer } : undefined;
}

/**
 * Checks the selection against the run: its paths (a shard's range) and, for worst:METRIC:K, that METRIC is one of the
 * record's `columns` (scenarioRecordNames); pushes one line per problem.
 */
export function checkTraceRange(
  request: TraceRequest,
  range: PathRange,
  problems: string[],
  columns: readonly string[] = METRIC_NAMES,
): void {
  const w = request.selection;
  if (w.kind === "worst" && !columns.includes(w.metric)) {
    const extra = columns.filter((c) => !(METRIC_NAMES as readonly string[]).includes(c));
    problems.push(
      `--trace worst:METRIC:K: ${w.metric} is not a column of this run's record (${extra.length > 0 ? `its several markets' columns: ${extra.join(", ")}` : "one market: no markets.* or crossMargin.* columns"})`,
    );
  }
  const n = range.end - range.first;
  const paths = n === 1 ? `path ${range.first}` : `paths ${range.first} to ${range.end - 1}`;
  const s = request.selection;
  if (s.kind === "paths") {
    const outside = s.paths.filter((p) => p < range.first || p >= range.end);
    if (outside.length > 0) {
      problems.push(
        `--trace: ${outside.length === 1 ? `path ${outside[0]} is` : `paths ${outside.slice(0, 5).join(", ")}${outside.length > 5 ? ", …" : ""} are`} not in this run (it has ${paths})`,
      );
    }
  } else if (s.count > n) {
    problems.push(`--trace worst:${s.metric}:${s.count} asks for ${s.count} paths (this run has ${n}: ${paths})`);
  }
}

/**
 * The paths to trace, ascending: the indices given, or the `count` worst by the metric among the run's paths
 * (`columns` holds them in path order from `firstPath`).
 */
export function selectPaths(selection: TraceSelection, columns: ColumnSource, firstPath: number): number[] {
  if (selection.kind === "paths") return selection.paths;
  return worstPaths(columns.column(selection.metric), selection.metric, selection.count).map((i) => firstPath + i);
}

/** Positions of the `count` worst values of a metric's column, ascending (worst on its bad tail; ties: lower position; NaN last). */
export function worstPaths(values: Float64Array, metric: string, count: number): number[] {
  // a market's column has its metric's tail; crossMargin's counts and proceeds are losses (the upper tail)
  const upper = (WORST_TAIL[baseMetric(metric)] ?? "upper") === "upper";
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => {
    const x = values[a];
    const y = values[b];
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1;
    if (x !== y) return upper ? y - x : x - y;
    return a - b;
  });
  return order.slice(0, count).sort((a, b) => a - b);
}
