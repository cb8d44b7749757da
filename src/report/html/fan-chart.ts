// Fan charts: per step, the spread across paths of a series (price, mark, insurance fund, …) as nested bands
// (p01–p99, p05–p95, p25–p75) around the median, from summary.json's `fan` (trace.ts, docs/report.md).
import type { ChartSpec } from "./svg-chart.js";
import type { FanData } from "./trace.js";

const BANDS = [
  { lo: "p01", hi: "p99", band: "p01–p99", opacity: 0.15 },
  { lo: "p05", hi: "p95", band: "p05–p95", opacity: 0.25 },
  { lo: "p25", hi: "p75", band: "p25–p75", opacity: 0.4 },
] as const;

/** The fan's x: time since the start (minutes past 10 minutes, else seconds) when the step length is known, else the step. */
function timeAxis(fan: FanData, stepSeconds: number | undefined): { title: string; at: (i: number) => number } {
  const s = fan.stepSeconds ?? stepSeconds;
  if (!(s !== undefined && s > 0)) return { title: "step", at: (i) => fan.steps[i] };
  const minutes = fan.steps[fan.steps.length - 1] * s >= 600;
  return { title: minutes ? "minutes" : "seconds", at: (i) => (minutes ? (fan.steps[i] * s) / 60 : fan.steps[i] * s) };
}

/** One chart per series, side by side in rows of two. */
export function fanSpecs(fan: FanData, stepSeconds?: number): { name: string; spec: ChartSpec }[] {
  const axis = timeAxis(fan, stepSeconds);
  return Object.entries(fan.series).map(([name, s]) => {
    const bands: Record<string, unknown>[] = [];
    for (const b of BANDS) {
      const lo = s[b.lo];
      const hi = s[b.hi];
      if (!lo || !hi) continue;
      fan.steps.forEach((_, i) => {
        if (lo[i] !== null && hi[i] !== null) bands.push({ t: axis.at(i), lo: lo[i], hi: hi[i], band: b.band });
      });
    }
    const lines: Record<string, unknown>[] = [];
    for (const key of ["p50", "mean"] as const) {
      const a = s[key];
      if (!a) continue;
      fan.steps.forEach((_, i) => {
        if (a[i] !== null) lines.push({ t: axis.at(i), v: a[i], line: key === "p50" ? "median" : "mean" });
      });
    }
    const present = BANDS.filter((b) => s[b.lo] && s[b.hi]);
    const spec = {
      title: { text: name, subtitle: `spread across paths per step: ${present.map((b) => b.band).join(", ")}` },
      width: 300,
      height: 150,
      layer: [
        {
          data: { values: bands },
          mark: { type: "area", color: "#4c78a8" },
          encoding: {
            x: { field: "t", type: "quantitative", title: axis.title },
            y: { field: "lo", type: "quantitative", title: name, scale: { zero: false }, axis: { format: "~s" } },
            y2: { field: "hi" },
            detail: { field: "band" },
            opacity: {
              field: "band",
              type: "ordinal",
              title: "band",
              sort: BANDS.map((b) => b.band),
              scale: { domain: BANDS.map((b) => b.band), range: BANDS.map((b) => b.opacity) },
            },
          },
        },
        {
          data: { values: lines },
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x: { field: "t", type: "quantitative" },
            y: { field: "v", type: "quantitative" },
            color: {
              field: "line",
              type: "nominal",
              title: null,
              scale: { domain: ["median", "mean"], range: ["#1f4e79", "#e08214"] },
            },
          },
        },
      ],
    };
    return { name, spec };
  });
}
