// The sweep heatmap: a metric's mean over two axes (the design's first two), every other axis held at the
// baseline's value. A grid gives one cell per pair of values, labelled with the mean; a sampled design (lhs,
// sobol) has no cells, so its points are drawn where they fell, coloured by the mean.
import type { ChartSpec } from "./svg-chart.js";
import { compact } from "../../sweep/report.js";
import type { MetricKind } from "../table.js";
import { axisFormat } from "./distribution.js";
import { axisValues, pointStat, shortKey, valueText, type SweepDoc, type SweepPoint } from "./sweep-points.js";

/** The points on the heatmap's plane: those whose other axes equal the baseline's values. */
export function planePoints(doc: SweepDoc): SweepPoint[] {
  const axes = doc.design.axes;
  if (axes.length < 2) return [];
  const base = doc.points.find((p) => p.baseline) ?? doc.points[0];
  const others = axes.slice(2).map((a) => a.key);
  if (doc.design.kind !== "grid" || !base) return doc.points;
  return doc.points.filter((p) => others.every((k) => JSON.stringify(p.values?.[k]) === JSON.stringify(base.values?.[k])));
}

/** What the heatmap holds fixed, as text ("" when nothing is). */
export function heldFixed(doc: SweepDoc): string {
  const axes = doc.design.axes;
  const base = doc.points.find((p) => p.baseline) ?? doc.points[0];
  if (axes.length <= 2 || doc.design.kind !== "grid" || !base) return "";
  return axes
    .slice(2)
    .map((a) => `${shortKey(a.key, axes)}=${valueText(base.values?.[a.key])}`)
    .join(", ");
}

/** The heatmap of `metric`'s mean; undefined for fewer than two axes or no value. */
export function heatmapSpec(
  doc: SweepDoc,
  metric: string,
  tail: "upper" | "lower" = "upper",
  kind: MetricKind = "money",
): ChartSpec | undefined {
  const axes = doc.design.axes;
  if (axes.length < 2) return undefined;
  const [ax, ay] = axes;
  const pts = planePoints(doc);
  const rows = pts.flatMap((p) => {
    const mean = pointStat(p, metric, "mean");
    if (mean === undefined) return [];
    return [
      {
        x: valueText(p.values?.[ax.key]),
        y: valueText(p.values?.[ay.key]),
        xv: p.values?.[ax.key],
        yv: p.values?.[ay.key],
        mean,
        label: compact(mean),
        baseline: p.baseline,
      },
    ];
  });
  if (rows.length === 0 || rows.every((r) => r.mean === rows[0].mean)) return undefined;
  // labels on the darker half of the colour scale are white
  const lo = Math.min(...rows.map((r) => r.mean));
  const hi = Math.max(...rows.map((r) => r.mean));
  const cells = rows.map((r) => ({
    ...r,
    dark: tail === "upper" ? r.mean > lo + 0.6 * (hi - lo) : r.mean < hi - 0.6 * (hi - lo),
  }));
  // darker is worse: reversed for a metric whose smaller values are the bad ones
  const color = {
    field: "mean",
    type: "quantitative",
    title: "mean",
    scale: { scheme: "orangered", reverse: tail === "lower" },
    legend: { format: axisFormat(kind) },
  } as const;
  const subtitle = `mean per path (${tail === "upper" ? "darker: larger, worse" : "darker: smaller, worse"})`;
  if (doc.design.kind === "grid") {
    const xs = axisValues(ax, pts).map(valueText);
    const ys = axisValues(ay, pts).map(valueText);
    const x = { field: "x", type: "ordinal", title: ax.key, sort: xs, axis: { labelAngle: 0 } } as const;
    const y = { field: "y", type: "ordinal", title: ay.key, sort: [...ys].reverse() } as const;
    return {
      title: { text: metric, subtitle },
      width: { step: Math.max(44, Math.min(80, Math.floor(360 / xs.length))) },
      height: { step: 30 },
      data: { values: cells },
      layer: [
        { mark: { type: "rect" }, encoding: { x, y, color } },
        {
          transform: [{ filter: "datum.baseline" }],
          mark: { type: "rect", fill: null, stroke: "#111111", strokeWidth: 2 },
          encoding: { x, y },
        },
        {
          mark: { type: "text", fontSize: 10 },
          encoding: {
            x,
            y,
            text: { field: "label" },
            color: { condition: { test: "datum.dark", value: "#ffffff" }, value: "#111111" },
          },
        },
      ],
    };
  }
  const numeric = (k: "xv" | "yv") => rows.every((r) => typeof r[k] === "number");
  return {
    title: { text: metric, subtitle },
    width: 300,
    height: 220,
    data: { values: rows },
    mark: { type: "circle", size: 90, opacity: 0.9 },
    encoding: {
      x: numeric("xv")
        ? { field: "xv", type: "quantitative", title: ax.key, scale: { zero: false } }
        : { field: "x", type: "nominal", title: ax.key },
      y: numeric("yv")
        ? { field: "yv", type: "quantitative", title: ay.key, scale: { zero: false } }
        : { field: "y", type: "nominal", title: ay.key },
      color,
    },
  };
}
