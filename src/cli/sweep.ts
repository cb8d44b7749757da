// `cascade sweep SWEEP`: the run over a grid or sample of scenario keys, one summary per point, common
// random numbers across points, paired differences against a baseline (SPEC §1). `--shard i/n` runs one
// slice of it (merged with `cascade merge`), `--resume DIR` finishes an interrupted sweep or shard.
import { join, resolve } from "node:path";
import { InputError, type ReproContext } from "../config/errors.js";
import { loadSweep, type ResolvedSweep } from "../sweep/load.js";
import { formatSweepTable, sweepJson } from "../sweep/report.js";
import { runSweep, runSweepShard, type SweepProgress } from "../sweep/run.js";
import { SHARD_MANIFEST } from "../sweep/shard.js";
import { processIo, type CliIo } from "./io.js";
import { parseRunOptions, type RawRunOptions } from "./options.js";
import { progressSink } from "./progress.js";
import { afterOutputs } from "./report.js";
import type { RunOptions } from "./run.js";

export interface RawSweepOptions extends RawRunOptions {
  keepPaths?: boolean;
  /** Replace the outputs of another run or sweep in --out instead of refusing (exit 2). */
  force?: boolean;
}

export interface SweepCommandOptions extends RunOptions {
  /** Also write point-NNN/summary.json and the per-path table for every point. */
  keepPaths: boolean;
  /** true: write report.html beside sweep.json (the CLI does; not for a shard); false: --no-report, remove a stale one. */
  report?: boolean;
}

/** Checks the options and the sweep file (every problem at once), then runs it; resolves to the exit code. */
export async function sweepAction(
  file: string,
  raw: RawSweepOptions,
  io: CliIo = processIo,
  known: ReproContext = {},
): Promise<number> {
  const problems: string[] = [];
  const options = parseRunOptions(raw, file, problems);
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
    for (const warning of [...(point.scenario.venueWarnings ?? []), ...(point.scenario.inputWarnings ?? [])])
      io.stderr.write(`warning: point ${point.index}: ${warning}\n`);
  }
  Object.assign(known, { seed: sweep.base.scenario.seed, scenarioFile: file });
  return sweepCommand(
    sweep,
    { ...options, keepPaths: raw.keepPaths ?? false, force: options.force ?? raw.force ?? false, report: raw.report },
    io,
  );
}

const values = (v: Record<string, unknown>) =>
  Object.entries(v)
    .map(([k, x]) => `${k}=${typeof x === "string" ? x : JSON.stringify(x)}`)
    .join(" ");

/** Runs a resolved sweep (or one shard of it) with the CLI's progress and output; 0 done, 130 interrupted. */
export async function sweepCommand(sweep: ResolvedSweep, options: SweepCommandOptions, io: CliIo = processIo): Promise<number> {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  // A bar on a terminal (paths of the whole sweep); plain lines per finished point otherwise.
  const bar = io.stderr.isTTY ? progressSink(io.stderr, options.quiet) : undefined;
  const lines = !options.quiet && !io.stderr.isTTY;
  // --resume DIR finishes the sweep (or shard) in DIR, and writes there
  const out = options.resume ?? options.out;
  const where = resolve(out);
  try {
    if (options.shard && options.queue)
      throw new InputError([
        "--queue: a sweep shard runs on this machine (run the whole sweep with --queue, or its shards without it)",
      ]);
    // What a shard and the whole sweep are run with alike
    const run = {
      threads: options.threads,
      engine: options.engine,
      outDir: out,
      keepPaths: options.keepPaths,
      force: options.force ?? false,
      resume: options.resume !== undefined,
      format: options.format,
      signal: abort.signal,
      onProgress: (p: SweepProgress) => bar?.update(p),
    };
    if (options.shard) {
      const shard = `${options.shard.index}/${options.shard.count}`;
      const result = await runSweepShard(sweep, {
        ...run,
        shard: options.shard,
        onSegment: (s, p) => {
          if (!lines) return;
          const seconds = (p.elapsedMs / 1000).toFixed(1);
          io.stderr.write(
            `shard ${shard}: point ${s.point} paths ${s.firstPath}-${s.endPath - 1} done, ${p.pointsDone}/${p.points} after ${seconds} s\n`,
          );
        },
      });
      bar?.stop();
      const m = result.manifest;
      const pointsText =
        m.segments.length === 0
          ? "no paths"
          : `${m.segments.length} point${m.segments.length === 1 ? "" : "s"} (${m.work.end - m.work.first} of ${m.work.total} point-paths)`;
      if (options.json)
        io.stdout.write(JSON.stringify({ ...m, sweep: undefined, interrupted: result.interrupted }, null, 2) + "\n");
      else
        io.stdout.write(
          `${sweep.name}: shard ${shard}, ${pointsText}, seed ${m.sweep.seed}, sweepHash ${m.sweepHash.slice(0, 16)}…\n`,
        );
      if (result.interrupted) {
        io.stderr.write(
          `interrupted: shard ${shard} written to ${where} as far as it got; finish with --shard ${shard} --resume ${out}\n`,
        );
        return 130;
      }
      if (!options.quiet)
        io.stderr.write(
          `wrote ${join(where, SHARD_MANIFEST)} and ${where}/point-*/; merge all ${options.shard.count} shards with cascade merge\n`,
        );
      return 0;
    }
    const queue = options.queue
      ? { ...options.queue, ...(options.quiet ? {} : { log: (line: string) => void io.stderr.write(`${line}\n`) }) }
      : undefined;
    const result = await runSweep(sweep, {
      ...(queue ? { queue } : {}),
      ...run,
      onPoint: (point, p) => {
        if (!lines) return;
        const seconds = (p.elapsedMs / 1000).toFixed(1);
        io.stderr.write(
          `point ${point.index}${point.baseline ? " (baseline)" : ""} done, ${p.pointsDone}/${p.points} after ${seconds} s: ${values(point.values)}\n`,
        );
      },
    });
    bar?.stop();
    io.stdout.write(options.json ? sweepJson(result) : formatSweepTable(result));
    if (result.interrupted) {
      io.stderr.write(
        `interrupted: ${result.points.length} of ${result.pointCount} points finished and written to ${where}/sweep.csv; finish with --resume ${out}\n`,
      );
      return 130;
    }
    if (!options.quiet) {
      const parquet = options.format === "parquet" ? ` and ${where}/sweep.parquet` : "";
      io.stderr.write(
        `wrote ${where}/sweep.csv and ${where}/sweep.json${parquet}${options.keepPaths ? ` and ${where}/point-*/` : ""}\n`,
      );
    }
    await afterOutputs(out, options.report, io, options.quiet);
    return 0;
  } finally {
    bar?.stop();
    process.removeListener("SIGINT", onSigint);
  }
}
