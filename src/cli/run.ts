// `cascade run`: the Monte Carlo run. The CLI has validated the options and resolved the scenario
// (with --paths/--seed applied) when it calls this.
import { resolve } from "node:path";
import type { ScenarioInputs } from "../config/scenario.js";
import { runScenario, type RunScenarioOptions } from "../mc/run.js";
import type { QueueRunOptions } from "../queue/coordinator.js";
import { summaryToJson } from "../report/summary-json.js";
import { formatSummaryTable } from "../report/table.js";
import { processIo, type CliIo } from "./io.js";
import { progressSink } from "./progress.js";
import { afterOutputs } from "./report.js";
import type { TraceRequest } from "../trace/selection.js";
import { writeTraces } from "../trace/run.js";

export interface RunOptions {
  /** Worker threads; the CLI defaults it to os.availableParallelism(). */
  threads: number;
  /** Output directory (default ./cascade-out). */
  out: string;
  engine: "wasm" | "ts";
  /** Run only shard `index` of `count` (1-based: 1 ≤ index ≤ count); undefined runs every path. */
  shard?: { index: number; count: number };
  /** Format of the per-path table. */
  format: "csv" | "parquet";
  /** No progress bar. */
  quiet: boolean;
  /** Print the summary as JSON on stdout instead of the table. */
  json: boolean;
  /** Directory of an interrupted run to finish. */
  resume?: string;
  /** Replace the outputs of another run in --out instead of refusing (exit 2). */
  force?: boolean;
  /** Fan charts in summary.json (and fan.json); false: --no-fan. Default true. */
  fan?: boolean;
  /** The scenario file as given on the command line; undefined for the embedded default. */
  scenarioFile?: string;
  /** The --set overrides applied, --paths/--seed included as `paths=`/`seed=` (for the record). */
  sets: string[];
  /** `--queue`: the batches are jobs on this Redis queue, computed by `cascade worker` processes (src/queue). */
  queue?: Pick<QueueRunOptions, "url" | "prefix" | "batchSize">;
  /** `--trace`: after the run, these paths recomputed in trace mode into events.csv and steps.csv (src/trace). */
  trace?: TraceRequest;
}

/** What follows a finished run. */
export interface AfterRun {
  /** true: write report.html beside the outputs (the CLI does); false: --no-report, remove a stale one; absent: neither. */
  report?: boolean;
}

/** Runs the scenario; resolves to the exit code (0 done, 130 interrupted). */
export async function runCommand(
  inputs: ScenarioInputs,
  options: RunOptions,
  io: CliIo = processIo,
  after: AfterRun = {},
): Promise<number> {
  // the queue mode (and its Redis client) is loaded only when asked for
  const queued = options.queue ? await import("../queue/coordinator.js") : undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  const progress = queued ? queued.queueProgressSink(io.stderr, options.quiet) : progressSink(io.stderr, options.quiet);
  // --resume DIR finishes the run in DIR, and writes there
  const out = options.resume ?? options.out;
  try {
    const scenarioOptions: RunScenarioOptions = {
      threads: options.threads,
      engine: options.engine,
      outDir: out,
      resume: options.resume !== undefined,
      force: options.force ?? false,
      fan: options.fan ?? true,
      format: options.format,
      shard: options.shard,
      signal: abort.signal,
      onProgress: (p) => progress.update(p),
    };
    const log = (line: string) => void (options.quiet || io.stderr.write(`${line}\n`));
    const result =
      queued && options.queue
        ? await queued.runOnQueue(inputs, scenarioOptions, { ...options.queue, log })
        : await runScenario(inputs, scenarioOptions);
    progress.stop();
    for (const warning of (result.summary.warnings as string[] | undefined) ?? []) io.stderr.write(`warning: ${warning}\n`);
    if (options.json) io.stdout.write(summaryToJson(result.summary) + "\n");
    else io.stdout.write(formatSummaryTable(result.summary) + "\n");
    const where = resolve(out);
    if (result.interrupted) {
      io.stderr.write(
        `interrupted: ${result.summary.paths} of ${result.range.end - result.range.first} paths finished and written to ${where}; finish with --resume ${out}\n`,
      );
      return 130;
    }
    if (!options.quiet) io.stderr.write(`wrote ${where}/summary.json and ${where}/paths.${options.format}\n`);
    if (options.trace) {
      const traced = await writeTraces(out, inputs, options.trace, {
        kind: options.engine,
        format: options.format,
        columns: result.columns,
        range: result.range,
        seed: inputs.scenario.seed,
        scenarioHash: typeof result.summary.scenarioHash === "string" ? result.summary.scenarioHash : undefined,
      });
      const list =
        traced.paths.length > 10
          ? `${traced.paths.slice(0, 10).join(", ")}, … (${traced.paths.length} paths)`
          : traced.paths.join(", ");
      // several markets: the kernel traces one market, so the reference engine recomputed them (the same records)
      const by = inputs.scenario.markets && options.engine === "wasm" ? " by the reference engine (--engine ts)" : "";
      if (!options.quiet)
        io.stderr.write(
          `traced path${traced.paths.length === 1 ? "" : "s"} ${list}${by} (${traced.events} events): wrote ${traced.files.map((f) => resolve(f)).join(" and ")}\n`,
        );
    }
    await afterOutputs(out, after.report, io, options.quiet);
    return 0;
  } finally {
    progress.stop();
    process.removeListener("SIGINT", onSigint);
  }
}
