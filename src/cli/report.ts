// `cascade report DIR`: rebuilds DIR/report.html from a run's or a sweep's output directory (which one is told
// by its files), and the step `run` and `sweep` end with unless --no-report.
import { join, resolve } from "node:path";
import { removeEntry } from "../report/atomic.js";
import type { ReportResult } from "../report/html/index.js";
import { processIo, type CliIo } from "./io.js";

export interface ReportOptions {
  quiet?: boolean;
}

/** Writes DIR/report.html and says where on stderr (unless quiet); vega's warnings, if any, with it. */
export async function writeReportFor(dir: string, io: CliIo, quiet: boolean): Promise<ReportResult> {
  // loaded when a report is written: every other command starts without the report's modules
  const { writeReport } = await import("../report/html/index.js");
  const result = await writeReport(dir);
  if (process.env.CASCADE_DEBUG) for (const w of result.warnings) io.stderr.write(`report: ${w}\n`);
  if (!quiet) io.stderr.write(`wrote ${resolve(result.file)} (${(result.bytes / 1024).toFixed(0)} KiB)\n`);
  return result;
}

/**
 * After a run or sweep: `true` writes DIR/report.html, `false` (--no-report) removes a report.html left there by an
 * earlier result (one result per directory: a page of other numbers must not sit beside these), undefined leaves it.
 */
export async function afterOutputs(dir: string, report: boolean | undefined, io: CliIo, quiet: boolean): Promise<void> {
  if (report === true) await writeReportFor(dir, io, quiet);
  else if (report === false) await removeEntry(join(dir, "report.html"));
}

/** `cascade report DIR`: 0 written; a bad DIR is an InputError (exit 2, one line naming it). */
export async function reportCommand(dir: string, options: ReportOptions = {}, io: CliIo = processIo): Promise<number> {
  await writeReportFor(dir, io, options.quiet ?? false);
  return 0;
}
