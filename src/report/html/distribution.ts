// The distribution panel of one metric: a histogram and the empirical CDF of its per-path values (binned here,
// so the page's size does not grow with the path count), with the mean and its 95% CI, VaR and expected shortfall
// at 95% and 99% on the metric's worst tail (WORST_TAIL) and the quantiles' 95% CIs, all taken from summary.json.
import type { ChartSpec } from "./svg-chart.js";
import { WORST_TAIL, type Tail } from "../../stats/summary.js";
import type { MetricKind } from "../table.js";
import { finite } from "./markup.js";

/** Histogram bins per metric. */
export const HISTOGRAM_BINS = 40;
/** Points of the empirical CDF drawn (at evenly spaced ranks, plus the extremes). */
export const ECDF_POINTS = 400;

export interface Bin {
  x0: number;
  x1: number;
  count: number;
}

export interface Distribution {
  /** Finite values (non-finite ones are counted apart, as summary.json does). */
  n: number;
  nonFinite: number;
  min: number;
  max: number;
  bins: Bin[];
  ecdf: { x: number; p: number }[];
}

/** Bins and ECDF of `sign` × `values` (finite values only); `bins` is empty when every value is the same. */
export function distribution(
  values: Float64Array,
  sign: 1 | -1 = 1,
  binCount = HISTOGRAM_BINS,
  ecdfPoints = ECDF_POINTS,
): Distribution {
  const xs: number[] = [];
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) xs.push(sign * v + 0);
    else nonFinite++;
  }
  const sorted = Float64Array.from(xs).sort();
  const n = sorted.length;
  if (n === 0) return { n, nonFinite, min: NaN, max: NaN, bins: [], ecdf: [] };
  const min = sorted[0];
  const max = sorted[n - 1];
  const bins: Bin[] = [];
  if (max > min) {
    const width = (max - min) / binCount;
    for (let b = 0; b < binCount; b++)
      bins.push({ x0: min + b * width, x1: b === binCount - 1 ? max : min + (b + 1) * width, count: 0 });
    for (let i = 0; i < n; i++) bins[Math.min(binCount - 1, Math.floor((sorted[i] - min) / width))].count++;
  }
  // ECDF: F(x) = (rank + 1) / n at the last of equal values, sampled at ranks spread over [0, n − 1]
  const ecdf: { x: number; p: number }[] = [];
  const ranks = new Set<number>();
  const k = Math.min(ecdfPoints, n);
  for (let j = 0; j < k; j++) ranks.add(k === 1 ? n - 1 : Math.round((j * (n - 1)) / (k - 1)));
  let last = -1;
  for (const r0 of [...ranks].sort((a, b) => a - b)) {
    let r = r0;
    while (r + 1 < n && sorted[r + 1] === sorted[r]) r++;
    if (r === last) continue;
    last = r;
    ecdf.push({ x: sorted[r], p: (r + 1) / n });
  }
  return { n, nonFinite, min, max, bins, ecdf };
}

export type MarkerName = "mean" | "VaR 95%" | "VaR 99%" | "ES 95%" | "ES 99%";
export const MARKER_NAMES: readonly MarkerName[] = ["mean", "VaR 95%", "VaR 99%", "ES 95%", "ES 99%"];
const MARKER_COLORS = ["#222222", "#e08214", "#b2182b", "#e08214", "#b2182b"];
const MARKER_DASH = [
  [1, 0],
  [6, 3],
  [6, 3],
  [2, 2],
  [2, 2],
];

export interface Marker {
  marker: MarkerName;
  value: number;
  /** The 95% CI of the statistic, when summary.json has one; an unbounded end is undefined. */
  lo?: number;
  hi?: number;
  /** Where it comes from in summary.json (e.g. "p99", "es95"). */
  stat: string;
}

/**
 * The markers of a metric's statistics as summary.json holds them, for the values `sign` × metric (a who-paid row
 * that is minus its metric has its worst tail on the other side, and its quantiles and intervals negated).
 */
export function markers(
  stats: Record<string, unknown> | undefined,
  tail: Tail,
  sign: 1 | -1 = 1,
): { markers: Marker[]; tail: Tail } {
  const rowTail: Tail = sign === 1 ? tail : tail === "upper" ? "lower" : "upper";
  if (!stats) return { markers: [], tail: rowTail };
  const s = (x: unknown) => {
    const f = finite(x);
    return f === undefined ? undefined : sign * f + 0;
  };
  const ci = (pair: unknown): [number | undefined, number | undefined] => {
    const a = Array.isArray(pair) ? pair : [];
    const lo = s(a[0]);
    const hi = s(a[1]);
    return sign === 1 ? [lo, hi] : [hi, lo];
  };
  const q = (stats.ci95Quantiles ?? {}) as Record<string, unknown>;
  const var95 = tail === "upper" ? "p95" : "p05";
  const var99 = tail === "upper" ? "p99" : "p01";
  const out: Marker[] = [];
  const push = (marker: MarkerName, stat: string, interval?: [number | undefined, number | undefined]) => {
    const value = s(stats[stat]);
    if (value === undefined) return;
    out.push({
      marker,
      value,
      stat,
      ...(interval?.[0] !== undefined ? { lo: interval[0] } : {}),
      ...(interval?.[1] !== undefined ? { hi: interval[1] } : {}),
    });
  };
  push("mean", "mean", ci(stats.ci95));
  push("VaR 95%", var95, ci(q[var95]));
  push("VaR 99%", var99, ci(q[var99]));
  push("ES 95%", "es95");
  push("ES 99%", "es99");
  return { markers: out, tail: rowTail };
}

/** d3-format of an axis for a metric kind: SI prefixes for money and counts, short decimals for ratios. */
export function axisFormat(kind: MetricKind): string {
  return kind === "ratio" ? "~g" : "~s";
}

const markerColor = {
  field: "marker",
  type: "nominal",
  title: null,
  legend: { orient: "top", direction: "horizontal", symbolStrokeWidth: 2, offset: 4 },
  scale: { domain: [...MARKER_NAMES], range: MARKER_COLORS },
} as const;
/** The CI bands' fill: the markers' colours, without a legend of their own (the rules' legend names them). */
const bandFill = {
  field: "band",
  type: "nominal",
  legend: null,
  scale: { domain: [...MARKER_NAMES], range: MARKER_COLORS },
} as const;
const markerDash = {
  field: "marker",
  type: "nominal",
  title: null,
  legend: { orient: "top", direction: "horizontal", symbolStrokeWidth: 2, offset: 4 },
  scale: { domain: [...MARKER_NAMES], range: MARKER_DASH },
} as const;

/** The histogram + ECDF chart of one metric (its values already signed), markers over both. */
export function distributionSpec(title: string, d: Distribution, ms: readonly Marker[], kind: MetricKind, tail: Tail): ChartSpec {
  const lo = d.min;
  const hi = d.max;
  const clampLo = (x: number | undefined) => (x === undefined ? lo : Math.max(lo, Math.min(hi, x)));
  const clampHi = (x: number | undefined) => (x === undefined ? hi : Math.max(lo, Math.min(hi, x)));
  const inside = ms.filter((m) => m.value >= lo && m.value <= hi);
  const bands = inside
    .filter((m) => m.lo !== undefined || m.hi !== undefined)
    .map((m) => ({ band: m.marker, lo: clampLo(m.lo), hi: clampHi(m.hi) }));
  const rules = inside.map((m) => ({ marker: m.marker, value: m.value }));
  const x = {
    type: "quantitative",
    scale: { domain: [lo, hi], nice: false, zero: false },
    axis: { format: axisFormat(kind), tickCount: 6 },
  } as const;
  // every layer names the axis the same (vega-lite joins the layers' titles otherwise)
  const markerLayers = (title: string) => [
    {
      data: { values: bands },
      mark: { type: "rect", opacity: 0.13, clip: true },
      encoding: { x: { ...x, field: "lo", title }, x2: { field: "hi" }, fill: bandFill },
    },
    {
      data: { values: rules },
      mark: { type: "rule", strokeWidth: 1.5, clip: true },
      encoding: { x: { ...x, field: "value", title }, color: markerColor, strokeDash: markerDash },
    },
  ];
  const histTitle = "value (histogram)";
  const ecdfTitle = "value (empirical CDF)";
  const worse = tail === "upper" ? "larger is worse" : "smaller is worse";
  return {
    title: {
      text: title,
      subtitle: `${d.n.toLocaleString("en")} paths${d.nonFinite ? ` (+${d.nonFinite} non-finite, left out)` : ""}; ${worse}`,
    },
    hconcat: [
      {
        width: 220,
        height: 130,
        layer: [
          {
            data: { values: d.bins },
            mark: { type: "rect", color: "#4c78a8", opacity: 0.85 },
            encoding: {
              x: { ...x, field: "x0", title: histTitle },
              x2: { field: "x1" },
              y: { field: "count", type: "quantitative", title: "paths (√ scale)", scale: { type: "sqrt" } },
            },
          },
          ...markerLayers(histTitle),
        ],
      },
      {
        width: 220,
        height: 130,
        layer: [
          {
            data: { values: d.ecdf },
            mark: { type: "line", interpolate: "step-after", color: "#4c78a8", clip: true },
            encoding: {
              x: { ...x, field: "x", title: ecdfTitle },
              y: { field: "p", type: "quantitative", title: "share of paths ≤ value", scale: { domain: [0, 1] } },
            },
          },
          ...markerLayers(ecdfTitle),
        ],
      },
    ],
    resolve: { scale: { color: "shared", fill: "shared", strokeDash: "shared" } },
  };
}

export { WORST_TAIL };
