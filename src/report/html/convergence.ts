// The convergence panel: the running mean of a metric over the first n paths (in path order) with its 95% CI,
// and the CI's half-width against n on log-log axes beside the 1/√n line through its last point. A user reads
// off whether the estimate has settled and how many paths a narrower interval would take. Sampled at
// log-spaced n, so the page's size does not grow with the path count.
import type { ChartSpec } from "./svg-chart.js";
import { Z95 } from "../../stats/summary.js";
import { formatValue, type MetricKind } from "../table.js";
import { axisFormat } from "./distribution.js";

/** Checkpoints (values of n) per metric, log-spaced from FIRST_N to the path count. */
export const CONVERGENCE_POINTS = 120;
const FIRST_N = 10;

export interface ConvergencePoint {
  /** Finite values seen so far. */
  n: number;
  mean: number;
  /** 95% CI half-width of the mean: Z95 · s / √n (s the sample standard deviation). */
  half: number;
}

/** The log-spaced checkpoints 10 … count (count itself always included), ascending and distinct. */
export function checkpoints(count: number, points = CONVERGENCE_POINTS): number[] {
  if (count < 2) return count === 1 ? [1] : [];
  const first = Math.min(FIRST_N, count);
  const out = new Set<number>();
  const span = Math.log(count / first);
  for (let j = 0; j < points; j++) out.add(Math.round(first * Math.exp((span * j) / Math.max(1, points - 1))));
  out.add(count);
  return [...out].filter((n) => n >= 2 && n <= count).sort((a, b) => a - b);
}

/**
 * Running mean and CI half-width of `sign` × values in path order at the checkpoints (counted in finite values;
 * non-finite values are skipped, as the summary skips them). Welford's update, so it is stable at any n.
 */
export function convergence(values: Float64Array, sign: 1 | -1 = 1, points = CONVERGENCE_POINTS): ConvergencePoint[] {
  let finiteCount = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finiteCount++;
  const at = checkpoints(finiteCount, points);
  const out: ConvergencePoint[] = [];
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let next = 0;
  for (let i = 0; i < values.length && next < at.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const x = sign * v;
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
    if (n === at[next]) {
      const s = n > 1 ? Math.sqrt(Math.max(0, m2) / (n - 1)) : NaN;
      out.push({ n, mean: mean + 0, half: (Z95 * s) / Math.sqrt(n) });
      next++;
    }
  }
  return out;
}

/** Running mean with its CI band (left), half-width against n on log-log axes with the 1/√n reference (right). */
export function convergenceSpec(title: string, series: readonly ConvergencePoint[], kind: MetricKind): ChartSpec {
  const rows = series.map((p) => ({ n: p.n, mean: p.mean, lo: p.mean - p.half, hi: p.mean + p.half, half: p.half }));
  const last = series[series.length - 1];
  // c/√n through the last point: what more paths would give if the spread stays as it is
  const ref =
    last && last.half > 0
      ? series.filter((p) => p.half > 0).map((p) => ({ n: p.n, ref: (last.half * Math.sqrt(last.n)) / Math.sqrt(p.n) }))
      : [];
  const positive = rows.filter((r) => r.half > 0);
  const first = series[0]?.n ?? 1;
  const nAxis = {
    field: "n",
    type: "quantitative",
    title: "paths",
    scale: { type: "log", domain: [first, last?.n ?? first], nice: false },
    axis: { format: "~s" },
  } as const;
  return {
    title: {
      text: title,
      subtitle: last
        ? `after ${last.n.toLocaleString("en")} paths: mean ${formatValue(last.mean, kind)} ± ${formatValue(last.half, kind)} (95%)`
        : "",
    },
    hconcat: [
      {
        width: 220,
        height: 120,
        data: { values: rows },
        layer: [
          {
            mark: { type: "area", opacity: 0.25, color: "#4c78a8" },
            encoding: {
              x: nAxis,
              y: {
                field: "lo",
                type: "quantitative",
                title: "running mean (95% CI)",
                scale: { zero: false },
                axis: { format: axisFormat(kind) },
              },
              y2: { field: "hi" },
            },
          },
          {
            mark: { type: "line", color: "#1f4e79", strokeWidth: 1.5 },
            encoding: { x: nAxis, y: { field: "mean", type: "quantitative" } },
          },
        ],
      },
      {
        width: 220,
        height: 120,
        layer: [
          {
            data: { values: positive },
            mark: { type: "line", color: "#1f4e79", strokeWidth: 1.5, point: { size: 8 } },
            encoding: {
              x: nAxis,
              y: {
                field: "half",
                type: "quantitative",
                title: "95% CI half-width",
                scale: { type: "log", nice: false },
                axis: { format: axisFormat(kind) },
              },
            },
          },
          {
            data: { values: ref },
            mark: { type: "line", color: "#999999", strokeDash: [4, 3] },
            encoding: { x: nAxis, y: { field: "ref", type: "quantitative" } },
          },
        ],
      },
    ],
  };
}
