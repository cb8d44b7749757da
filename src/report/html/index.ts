// report.html: one self-contained page beside a run's or a sweep's outputs, built from the files of the
// directory alone (so `cascade report DIR` rebuilds the same bytes), written atomically like every output.
import { lockOutDir } from "../../mc/out-dir.js";
import { writeAtomic } from "../atomic.js";
import { outputKind, readRunDir, readSweepDir } from "./run-dir.js";
import { REPORT_COLUMNS, runReportHtml } from "./run-report.js";
import { sweepReportHtml } from "./sweep-report.js";

export const REPORT_HTML = "report.html";

export interface ReportResult {
  /** The file written. */
  file: string;
  kind: "run" | "sweep";
  bytes: number;
  /** What vega said while drawing (empty when every chart drew cleanly). */
  warnings: string[];
}

/** The page of `dir` (a run's or a sweep's output directory) as text, without writing it. */
export async function buildReport(dir: string): Promise<{ kind: "run" | "sweep"; html: string; warnings: string[] }> {
  const kind = await outputKind(dir);
  const built =
    kind === "run" ? await runReportHtml(await readRunDir(dir, REPORT_COLUMNS)) : await sweepReportHtml(await readSweepDir(dir));
  return { kind, ...built };
}

/**
 * Builds `dir`/report.html from the directory's outputs and writes it atomically, holding the directory's lock
 * meanwhile (a run or sweep writing there makes it an InputError naming the process, as for a second run).
 */
export async function writeReport(dir: string): Promise<ReportResult> {
  await outputKind(dir); // a bad DIR is named before a lock file is made in it
  const lock = await lockOutDir(dir);
  try {
    const { kind, html, warnings } = await buildReport(dir);
    const file = await writeAtomic(dir, REPORT_HTML, html);
    return { file, kind, bytes: Buffer.byteLength(html, "utf8"), warnings };
  } finally {
    await lock.release();
  }
}
