// `cascade sweep SWEEP`: the run over a grid or sample of scenario keys, one summary per point, common
// random numbers across points, paired differences against a baseline (SPEC §1).
import { resolve } from "node:path";
import { InputError, type ReproContext } from "../config/errors.js";
import { loadSweep, type ResolvedSweep } from "../sweep/load.js";
import { formatSweepTable, sweepJson } from "../sweep/report.js";
import { runSweep } from "../sweep/run.js";
import { processIo, type CliIo } from "./io.js";
import { parseRunOptions, type RawRunOptions } from "./options.js";
import { progressSink } from "./progress.js";
import type { RunOptions } from "./run.js";

export interface RawSweepOptions extends RawRunOptions {
  keepPaths?: boolean;
  /** Replace the outputs of another run or sweep in --out instead of refusing (exit 2). */
  force?: boolean;
}

export interface SweepCommandOptions extends RunOptions {
  /** Also write point-NNN/summary.json and the per-path table for every point. */
  keepPaths: boolean;
}

/** Checks the options and the sweep file (every problem at once), then runs it; resolves to the exit code. */
export async function sweepAction(file: string, raw: RawSweepOptions, io: CliIo = processIo, known: ReproContext = {}): Promise<number> {
  const problems: string[] = [];
  const options = parseRunOptions(raw, file, problems);
  if (options.shard) problems.push(`--shard is not supported by sweep (received ${raw.shard}): every point runs all its paths`);
  if (options.resume !== undefined) problems.push(`--resume is not supported by sweep (received ${JSON.stringify(options.resume)}): run the sweep again`);
  let sweep: ResolvedSweep | undefined;
  try {
    sweep = loadSweep(file, options.sets);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !sweep) throw new InputError(problems);
  // what a point's `venue:` changed in the base scenario (each point's summary.json keeps its own)
  for (const point of sweep.points) {
    for (const warning of point.scenario.venueWarnings ?? []) io.stderr.write(`warning: point ${point.index}: ${warning}\n`);
  }
  Object.assign(known, { seed: sweep.base.scenario.seed, scenarioFile: file });
  return sweepCommand(sweep, { ...options, keepPaths: raw.keepPaths ?? false, force: options.force ?? raw.force ?? false }, io);
}

/** Runs a resolved sweep with the CLI's progress and output; 0 done, 130 interrupted. */
export async function sweepCommand(sweep: ResolvedSweep, options: SweepCommandOptions, io: CliIo = processIo): Promise<number> {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  // A bar on a terminal (paths of the whole sweep); plain lines per finished point otherwise.
  const bar = io.stderr.isTTY ? progressSink(io.stderr, options.quiet) : undefined;
  const lines = !options.quiet && !io.stderr.isTTY;
  try {
    const result = await runSweep(sweep, {
      threads: options.threads,
      engine: options.engine,
      outDir: options.out,
      keepPaths: options.keepPaths,
      force: options.force ?? false,
      format: options.format,
      signal: abort.signal,
      onProgress: (p) => bar?.update(p),
      onPoint: (point, p) => {
        if (!lines) return;
        const values = Object.entries(point.values)
          .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join(" ");
        const seconds = (p.elapsedMs / 1000).toFixed(1);
        io.stderr.write(`point ${point.index}${point.baseline ? " (baseline)" : ""} done, ${p.pointsDone}/${p.points} after ${seconds} s: ${values}\n`);
      },
    });
    bar?.stop();
    io.stdout.write(options.json ? sweepJson(result) : formatSweepTable(result));
    const where = resolve(options.out);
    if (result.interrupted) {
      io.stderr.write(`interrupted: ${result.points.length} of ${result.pointCount} points finished and written to ${where}/sweep.csv\n`);
      return 130;
    }
    if (!options.quiet) io.stderr.write(`wrote ${where}/sweep.csv and ${where}/sweep.json${options.keepPaths ? ` and ${where}/point-*/` : ""}\n`);
    return 0;
  } finally {
    bar?.stop();
    process.removeListener("SIGINT", onSigint);
  }
}
