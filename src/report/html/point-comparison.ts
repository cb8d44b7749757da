// Per-point interval charts of a sweep: each point's mean with its 95% CI and its p99 (the venue comparison when
// the axis is the venue), and each point's paired difference against the baseline with its CI, a zero line and the
// points whose interval excludes zero coloured by direction (common random numbers make these intervals narrow).
import type { ChartSpec } from "./svg-chart.js";
import { axisFormat } from "./distribution.js";
import type { MetricKind } from "../table.js";
import { finite } from "./markup.js";
import { pointName, pointStat, type SweepDoc } from "./sweep-points.js";

const ROW = 18;

/** True when every value is the same: a chart of it has a zero-width axis and says nothing. */
export function flat(values: readonly number[]): boolean {
  return values.every((v) => v === values[0]);
}

/** Mean ± CI and p99 of `metric` at every point, baseline highlighted; undefined when no point has a mean. */
export function comparisonSpec(doc: SweepDoc, metric: string, kind: MetricKind, tail: "upper" | "lower"): ChartSpec | undefined {
  const order = doc.points.map((p) => pointName(p, doc.design.axes));
  const rows = doc.points.flatMap((p) => {
    const mean = pointStat(p, metric, "mean");
    if (mean === undefined) return [];
    const ci = (p.metrics?.[metric]?.ci95 as (number | null)[] | undefined) ?? [];
    const q = tail === "upper" ? "p99" : "p01";
    return [
      {
        point: pointName(p, doc.design.axes),
        role: p.baseline ? "baseline" : "point",
        mean,
        lo: finite(ci[0]) ?? mean,
        hi: finite(ci[1]) ?? mean,
        q: pointStat(p, metric, q) ?? null,
        qName: q,
      },
    ];
  });
  if (rows.length === 0 || flat(rows.flatMap((r) => [r.mean, r.lo, r.hi, r.q ?? r.mean]))) return undefined;
  const y = { field: "point", type: "nominal", title: null, sort: order, axis: { labelLimit: 220 } } as const;
  const x = {
    type: "quantitative",
    title: null,
    scale: { zero: false },
    axis: { format: axisFormat(kind), tickCount: 5 },
  } as const;
  const color = {
    field: "role",
    type: "nominal",
    title: null,
    scale: { domain: ["baseline", "point"], range: ["#e08214", "#1f4e79"] },
  } as const;
  return {
    title: {
      text: metric,
      subtitle: `mean with 95% CI; ◆ ${tail === "upper" ? "p99" : "p01"} (${tail === "upper" ? "larger" : "smaller"} is worse)`,
    },
    width: 260,
    height: { step: ROW },
    data: { values: rows },
    layer: [
      { mark: { type: "rule", strokeWidth: 2 }, encoding: { y, x: { ...x, field: "lo" }, x2: { field: "hi" }, color } },
      { mark: { type: "point", filled: true, size: 40 }, encoding: { y, x: { ...x, field: "mean" }, color } },
      {
        transform: [{ filter: "datum.q != null" }],
        mark: { type: "point", shape: "diamond", size: 36, color: "#b2182b", filled: false },
        encoding: { y, x: { ...x, field: "q" } },
      },
    ],
  };
}

/** Direction of a difference's interval: both ends above zero, both below, or across it. */
export function direction(lo: number, hi: number): "higher" | "lower" | "not significant" {
  return lo > 0 ? "higher" : hi < 0 ? "lower" : "not significant";
}

/** Each non-baseline point's paired difference in the mean of `metric` with its CI; undefined when there is none. */
export function differenceSpec(doc: SweepDoc, metric: string, kind: MetricKind): ChartSpec | undefined {
  const pts = doc.points.filter((p) => !p.baseline && p.differences);
  const order = pts.map((p) => pointName(p, doc.design.axes));
  const rows = pts.flatMap((p) => {
    const d = p.differences?.metrics?.[metric];
    const mean = finite(d?.mean);
    if (mean === undefined) return [];
    const lo = finite(d?.ci95?.[0]) ?? mean;
    const hi = finite(d?.ci95?.[1]) ?? mean;
    return [{ point: pointName(p, doc.design.axes), diff: mean, lo, hi, sign: direction(lo, hi) }];
  });
  if (rows.length === 0 || flat([0, ...rows.flatMap((r) => [r.diff, r.lo, r.hi])])) return undefined;
  const y = { field: "point", type: "nominal", title: null, sort: order, axis: { labelLimit: 220 } } as const;
  const x = { type: "quantitative", title: null, axis: { format: axisFormat(kind), tickCount: 5 } } as const;
  const color = {
    field: "sign",
    type: "nominal",
    title: "vs baseline",
    scale: { domain: ["higher", "lower", "not significant"], range: ["#b2182b", "#1a7837", "#888888"] },
  } as const;
  return {
    title: { text: metric, subtitle: "point − baseline, same paths (95% CI)" },
    width: 260,
    height: { step: ROW },
    layer: [
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: "rule", color: "#555555", strokeDash: [3, 3] },
        encoding: { x: { ...x, field: "zero" } },
      },
      {
        data: { values: rows },
        mark: { type: "rule", strokeWidth: 2 },
        encoding: { y, x: { ...x, field: "lo" }, x2: { field: "hi" }, color },
      },
      {
        data: { values: rows },
        mark: { type: "point", filled: true, size: 40 },
        encoding: { y, x: { ...x, field: "diff" }, color },
      },
    ],
  };
}

/** The events' paired differences in probability (Newcombe intervals), one row per point, one colour per event. */
export function eventDifferenceSpec(doc: SweepDoc, events: readonly string[]): ChartSpec | undefined {
  const pts = doc.points.filter((p) => !p.baseline && p.differences);
  const order = pts.map((p) => pointName(p, doc.design.axes));
  const rows = pts.flatMap((p) =>
    events.flatMap((e) => {
      const d = p.differences?.probabilities?.[e];
      const diff = finite(d?.diff);
      if (diff === undefined) return [];
      return [
        {
          point: pointName(p, doc.design.axes),
          event: e,
          diff,
          lo: finite(d?.ci95?.[0]) ?? diff,
          hi: finite(d?.ci95?.[1]) ?? diff,
        },
      ];
    }),
  );
  if (rows.length === 0 || flat([0, ...rows.flatMap((r) => [r.diff, r.lo, r.hi])])) return undefined;
  const y = { field: "point", type: "nominal", title: null, sort: order, axis: { labelLimit: 220 } } as const;
  const yOffset = { field: "event", type: "nominal", scale: { domain: [...events] } } as const;
  const x = { type: "quantitative", title: "difference in probability", axis: { format: "+.0%" } } as const;
  return {
    title: { text: "event probabilities", subtitle: "point − baseline, same paths (Newcombe 95% CI)" },
    width: 320,
    height: { step: 6 }, // per event within a point's row
    layer: [
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: "rule", color: "#555555", strokeDash: [3, 3] },
        encoding: { x: { ...x, field: "zero" } },
      },
      {
        data: { values: rows },
        mark: { type: "rule", strokeWidth: 2 },
        encoding: {
          y,
          yOffset,
          x: { ...x, field: "lo" },
          x2: { field: "hi" },
          color: { field: "event", type: "nominal", title: "event", scale: { domain: [...events] } },
        },
      },
      {
        data: { values: rows },
        mark: { type: "point", filled: true, size: 30 },
        encoding: {
          y,
          yOffset,
          x: { ...x, field: "diff" },
          color: { field: "event", type: "nominal", scale: { domain: [...events] } },
        },
      },
    ],
  };
}
