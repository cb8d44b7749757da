// The Pareto front of a sweep: tail risk (bad debt p99) against what the design costs (the margin held, or the
// notional it liquidates), both smaller-is-better; a point is on the front when no other point is at least as good
// on both and better on one.
import type { ChartSpec } from "./svg-chart.js";
import { pointName, pointStat, type SweepDoc } from "./sweep-points.js";

export interface ParetoPoint {
  index: number;
  name: string;
  x: number;
  y: number;
  front: boolean;
  baseline: boolean;
}

/** The x-axis choices, in order of preference: a cost measure of the design, as its mean per path. */
export const PARETO_COSTS = ["marginHeld", "liquidatedNotional"] as const;
export const PARETO_RISK = { metric: "badDebt", stat: "p99" } as const;

/** Indices (into `pts`) of the non-dominated points when both coordinates are minimised. */
export function paretoFront(pts: readonly { x: number; y: number }[]): Set<number> {
  const order = pts.map((_, i) => i).sort((a, b) => pts[a].x - pts[b].x || pts[a].y - pts[b].y);
  const front = new Set<number>();
  let bestY = Infinity;
  for (const i of order) {
    if (pts[i].y < bestY) {
      front.add(i);
      bestY = pts[i].y;
    }
  }
  return front;
}

/** The points with both coordinates, front marked; empty when the sweep lacks either metric. */
export function paretoPoints(doc: SweepDoc, cost: string): ParetoPoint[] {
  const pts = doc.points.flatMap((p) => {
    const x = pointStat(p, cost, "mean");
    const y = pointStat(p, PARETO_RISK.metric, PARETO_RISK.stat);
    return x === undefined || y === undefined
      ? []
      : [{ index: p.index, name: pointName(p, doc.design.axes), x, y, baseline: p.baseline, front: false }];
  });
  const front = paretoFront(pts);
  return pts.map((p, i) => ({ ...p, front: front.has(i) }));
}

export function paretoSpec(cost: string, pts: readonly ParetoPoint[]): ChartSpec {
  const rows = pts.map((p) => ({
    ...p,
    role: p.front ? "on the front" : "dominated",
    kind: p.baseline ? "baseline" : "other point",
  }));
  const front = rows.filter((p) => p.front).sort((a, b) => a.x - b.x);
  const x = {
    field: "x",
    type: "quantitative",
    title: `${cost} (mean per path)`,
    scale: { zero: false },
    axis: { format: "~s" },
  } as const;
  const y = { field: "y", type: "quantitative", title: "badDebt p99", scale: { zero: false }, axis: { format: "~s" } } as const;
  return {
    title: {
      text: `bad debt p99 against ${cost}`,
      subtitle: "lower-left is better on both; the line joins the points no other point beats on both",
    },
    width: 360,
    height: 240,
    layer: [
      {
        data: { values: front },
        mark: { type: "line", interpolate: "step-after", color: "#b2182b", strokeWidth: 1.5 },
        encoding: { x, y },
      },
      {
        data: { values: rows },
        mark: { type: "point", filled: true, size: 60 },
        encoding: {
          x,
          y,
          color: {
            field: "role",
            type: "nominal",
            title: null,
            scale: { domain: ["on the front", "dominated"], range: ["#b2182b", "#9aa4ae"] },
          },
          shape: {
            field: "kind",
            type: "nominal",
            title: null,
            scale: { domain: ["baseline", "other point"], range: ["diamond", "circle"] },
          },
        },
      },
      {
        data: { values: front },
        mark: { type: "text", align: "left", dx: 6, dy: -6, fontSize: 10, color: "#333333" },
        encoding: { x, y, text: { field: "name" } },
      },
    ],
  };
}
