// The worst traced paths' timelines: for the paths a run traced (steps.csv, events.csv; trace.ts), the few worst
// by bad debt then liquidated notional (from the per-path table), each step's series one panel each, and their
// events (liquidations, ADL, …) as marks on a strip per event type.
import type { ChartSpec } from "./svg-chart.js";
import type { ColumnTable } from "./table-columns.js";
import type { TraceData } from "./trace.js";

/** Traced paths drawn at most. */
export const MAX_TIMELINE_PATHS = 5;

/**
 * steps.csv series `cascade run --trace` writes that are not drawn: prices that follow the mark within a few ticks
 * (the file keeps them for analysis; a panel each would bury the others). Any other series is drawn.
 */
const NOT_DRAWN = new Set(["mid", "markLow", "oracle", "last", "bestBid", "bestAsk"]);

/** Per-path metrics the traced paths are ranked by, worst first (both: larger is worse). */
const RANK_BY = ["badDebt", "liquidatedNotional"] as const;

/** The traced paths to draw: at most `max`, worst first by RANK_BY (path order breaks ties and stands in without a table). */
export function worstTracedPaths(trace: TraceData, table: ColumnTable | undefined, max = MAX_TIMELINE_PATHS): number[] {
  const traced = new Set<number>();
  for (const col of [trace.steps?.path, trace.events?.path]) if (col) for (const p of col) if (Number.isFinite(p)) traced.add(p);
  const row = new Map<number, number>();
  const paths = table?.numbers.get("path");
  if (paths) for (let i = 0; i < paths.length; i++) if (traced.has(paths[i])) row.set(paths[i], i);
  const key = (p: number) =>
    RANK_BY.map((m) => {
      const i = row.get(p);
      const v = i === undefined ? NaN : (table?.numbers.get(m)?.[i] ?? NaN);
      return Number.isFinite(v) ? v : -Infinity;
    });
  return [...traced]
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      for (let j = 0; j < ka.length; j++) if (ka[j] !== kb[j]) return kb[j] - ka[j];
      return a - b;
    })
    .slice(0, max);
}

const pathColor = (paths: readonly number[]) =>
  ({
    field: "path",
    type: "nominal",
    title: "path",
    scale: {
      domain: paths.map((p) => `path ${p}`),
      range: ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"],
    },
  }) as const;

/** One panel per steps.csv series (shared step axis), then the event strip; undefined when nothing of the chosen paths is traced. */
export function timelineSpec(trace: TraceData, paths: readonly number[]): ChartSpec | undefined {
  if (paths.length === 0) return undefined;
  const chosen = new Set(paths);
  const panels: Record<string, unknown>[] = [];
  const st = trace.steps;
  if (st) {
    for (const name of st.series) {
      if (NOT_DRAWN.has(name)) continue;
      const col = st.values.get(name)!;
      const values: Record<string, unknown>[] = [];
      for (let i = 0; i < st.path.length; i++) {
        if (chosen.has(st.path[i]) && Number.isFinite(col[i]) && Number.isFinite(st.step[i]))
          values.push({ path: `path ${st.path[i]}`, step: st.step[i], v: col[i] });
      }
      // a series with one value throughout (no vault, no bad debt) says nothing a panel could show
      if (values.length === 0 || values.every((x) => x.v === values[0].v)) continue;
      panels.push({
        width: 620,
        height: 90,
        data: { values },
        mark: { type: "line", strokeWidth: 1.3, interpolate: "step-after" },
        encoding: {
          x: { field: "step", type: "quantitative", title: null },
          y: { field: "v", type: "quantitative", title: name, scale: { zero: false }, axis: { format: "~s" } },
          color: pathColor(paths),
        },
      });
    }
  }
  const ev = trace.events;
  if (ev) {
    // one mark per (path, step, type): how many events, and their notional when the file has it
    const cells = new Map<string, { path: string; step: number; type: string; events: number; notional: number }>();
    for (let i = 0; i < ev.path.length; i++) {
      if (!chosen.has(ev.path[i]) || !Number.isFinite(ev.step[i])) continue;
      const k = `${ev.path[i]}\u0000${ev.step[i]}\u0000${ev.type[i]}`;
      const c = cells.get(k) ?? { path: `path ${ev.path[i]}`, step: ev.step[i], type: ev.type[i], events: 0, notional: 0 };
      c.events++;
      const n = ev.notional?.[i];
      if (n !== undefined && Number.isFinite(n)) c.notional += Math.abs(n);
      cells.set(k, c);
    }
    const values = [...cells.values()];
    if (values.length > 0) {
      const hasNotional = ev.notional !== undefined;
      panels.push({
        width: 620,
        height: { step: 22 },
        data: { values },
        mark: { type: "circle", opacity: 0.7 },
        encoding: {
          x: { field: "step", type: "quantitative", title: "step" },
          y: { field: "type", type: "nominal", title: "events", sort: "ascending" },
          yOffset: { field: "path", type: "nominal", scale: { domain: paths.map((p) => `path ${p}`) } },
          size: {
            field: hasNotional ? "notional" : "events",
            type: "quantitative",
            title: hasNotional ? "notional" : "events",
            legend: { format: "~s" },
          },
          color: pathColor(paths),
        },
      });
    }
  }
  if (panels.length === 0) return undefined;
  return {
    title: {
      text: "worst traced paths",
      subtitle: `${paths.map((p) => `path ${p}`).join(", ")}: ranked by bad debt, then liquidated notional`,
    },
    vconcat: panels,
    resolve: { scale: { color: "shared", x: "shared" } },
  };
}
