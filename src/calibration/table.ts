// Target against measured, one line per check, as plain text (bench/calibration.mjs prints it; docs/calibration.md
// quotes it).
import { FIGURES } from "./figures.js";
import type { CrashResult } from "./evaluate.js";

/** A value in its figure's unit: shares as percentages, seconds and counts as numbers. */
export function formatValue(unit: "share" | "seconds" | "count", v: number): string {
  if (unit === "share") return `${(100 * v).toFixed(v !== 0 && Math.abs(v) < 0.1 ? 2 : 1)}%`;
  if (unit === "seconds") return `${v.toFixed(0)} s`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

export function calibrationRows(result: CrashResult): string[][] {
  const rows: string[][] = [["target", "figure", "band", "measured mean [p05–p95] (paths)", "hit"]];
  for (const t of result.targets) {
    t.checks.forEach((c, k) => {
      const unit = FIGURES[c.check.figure].unit;
      const m = c.measured;
      const measured = m
        ? `${formatValue(unit, m.mean)} [${formatValue(unit, m.p05)}–${formatValue(unit, m.p95)}] (${m.paths})`
        : "undefined (0)";
      const band = `${formatValue(unit, c.check.band[0])}–${formatValue(unit, c.check.band[1])}`;
      const verdict = k === 0 ? (t.hit ? (t.target.byConstruction ? "yes (by construction)" : "yes") : "NO") : "";
      rows.push([k === 0 ? t.target.id : "", FIGURES[c.check.figure].label, band, measured, verdict]);
    });
  }
  return rows;
}

/** The rows as an aligned text table with a heading and the hit count. */
export function calibrationTable(result: CrashResult): string {
  const rows = calibrationRows(result);
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  const line = (r: string[]) =>
    r
      .map((cell, col) => cell.padEnd(widths[col]))
      .join("  ")
      .trimEnd();
  const head = `${result.crash.name} (${result.crash.scenario}, ${result.paths} paths): ${result.hits} of ${result.targets.length} targets hit (at least ${result.crash.minimumHits} required)`;
  return [head, line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}
