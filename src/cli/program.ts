// argv → commands (SPEC §1). The only module that knows about argv; returns an exit code, never exits.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { InputError, type ReproContext } from "../config/errors.js";
import { loadScenario, readJsonFile, readScenarioFile } from "../config/load.js";
import type { ScenarioInputs } from "../config/scenario.js";
import { errorLines, exitCodeFor } from "./exit.js";
import { processIo, type CliIo } from "./io.js";
import type { RawMergeOptions } from "./merge.js";
import { parseRunOptions, type RawRunOptions } from "./options.js";
import { runCommand } from "./run.js";
import { checkTraceRange, parseTraceOptions } from "../trace/selection.js";
import { scenarioRecordNames } from "../engine/markets-setup.js";
import { shardRange } from "../mc/plan.js";
import type { RawSweepOptions } from "./sweep.js";
import type { RawWorkerOptions } from "./worker.js";
import type { RawSolveOptions } from "./solve.js";

/** What `cascade portfolio` prints since the portfolio engine became cross margin in `cascade run`. */
export const PORTFOLIO_MOVED =
  "cascade portfolio is now cascade run: give the markets under markets: and the owners and collateral assets under crossMargin: " +
  '(README "Cross margin across markets"; examples/usde-depeg.yaml is the old portfolio example), then run: cascade run FILE';

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

const collect = (value: string, previous: string[]) => [...previous, value];
const hidden = (option: Option, hide: boolean) => (hide ? option.hideHelp() : option);

/** The options `run` and `sweep` share (`shards: false` hides --shard and --resume from a command's help). */
function withRunOptions(cmd: Command, { shards = true, queue = true } = {}): Command {
  cmd
    .option("--paths <n>", "number of Monte Carlo paths")
    .option("--seed <s>", "master seed")
    .option("--threads <t>", "worker threads (default: all cores)")
    .option("--out <dir>", "output directory", "./cascade-out")
    .option("--engine <name>", "wasm | ts (the pure-TypeScript reference engine)", "wasm");
  cmd.addOption(hidden(new Option("--shard <i/n>", "run shard i of n (merge the shards with `cascade merge`)"), !shards));
  cmd
    .option("--format <fmt>", "per-path table format: csv | parquet", "csv")
    .option("--quiet", "no progress bar")
    .option("--json", "print the summary as JSON on stdout instead of the table")
    .option("--set <key=value>", "override a scenario key, e.g. market.price.volatility=1.2 (repeatable)", collect, [])
    .option("--force", "replace another run's outputs in --out (refused otherwise, exit 2)")
    .option("--no-report", "do not write report.html (rebuild it later with `cascade report DIR`)");
  cmd.addOption(hidden(new Option("--resume <dir>", "finish an interrupted run"), !shards));
  cmd.addOption(
    hidden(
      new Option("--queue <url>", "compute the batches on `cascade worker` processes through this Redis, e.g. redis://host:6379"),
      !queue,
    ),
  );
  cmd.addOption(
    hidden(new Option("--queue-prefix <prefix>", "key prefix in Redis (default cascade; the workers must use the same)"), !queue),
  );
  cmd.addOption(hidden(new Option("--batch-size <paths>", "paths per queue job (default: about 500,000 path-steps)"), !queue));
  return cmd;
}

/** Accounts a scenario simulates: the loaded positions' distinct accounts, else the generated count. */
function accountCount(inputs: ScenarioInputs): number {
  return inputs.positions ? new Set(inputs.positions.map((p) => p.account)).size : inputs.scenario.accounts.count;
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const print = (line: string) => void io.stdout.write(`${line}\n`);
  let code = 0;
  // Filled in as a command learns it, so that a bug report can say how to reproduce the failure.
  const known: ReproContext = {};

  const program = new Command("cascade")
    .description("Monte Carlo simulator of margin-call liquidation cascades")
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    });

  withRunOptions(program.command("run").argument("[scenario]", "scenario file (default: the embedded btc-perp-crash)"))
    .option(
      "--no-fan",
      "no fan charts (per-step quantiles across paths of the mark, the fundamental, the fund and open interest) in summary.json",
    )
    .description("Monte Carlo of cascade paths")
    .option(
      "--trace <selection>",
      "also write events.csv and steps.csv of these paths: indices (0,17,250) or the k worst by a metric (worst:badDebt:5)",
    )
    .option("--trace-buffer <events>", "events a traced path may hold (default 200000)")
    .action(async (file: string | undefined, raw: RawRunOptions & { trace?: string; traceBuffer?: string }) => {
      const problems: string[] = [];
      const options = parseRunOptions(raw, file, problems);
      const trace = parseTraceOptions(raw.trace, raw.traceBuffer, problems);
      let inputs: ScenarioInputs | undefined;
      try {
        inputs = loadScenario(file, options.sets);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        problems.push(...err.problems);
      }
      if (trace && inputs)
        checkTraceRange(trace, shardRange(inputs.scenario.paths, options.shard), problems, scenarioRecordNames(inputs.scenario));
      if (problems.length > 0 || !inputs) throw new InputError(problems);
      Object.assign(known, { seed: inputs.scenario.seed, scenarioFile: file });
      code = await runCommand(inputs, { ...options, ...(trace ? { trace } : {}) }, io, { report: raw.report });
    });

  withRunOptions(program.command("sweep").argument("<sweep>", "sweep file"))
    .option("--keep-paths", "also write point-NNN/summary.json and paths.csv for every point")
    .description("the run over a parameter grid or sample, one summary per point")
    .action(async (file: string, raw: RawSweepOptions) => {
      const { sweepAction } = await import("./sweep.js");
      code = await sweepAction(file, raw, io, known);
    });

  program
    .command("solve")
    .argument("[scenario]", "scenario file (default: the embedded btc-perp-crash)")
    .description(
      "the value of one key at which a target is met: bisection on common random numbers, paths added until each run decides",
    )
    .option("--vary <key>", "the scenario key to solve for, e.g. insurance.initialBalance")
    .option("--range <lo:hi>", "the values to search between, e.g. 1e4:2e6")
    .option("--target <condition>", 'e.g. "P(adl) <= 0.01", "p99(badDebt) <= 1e6", "mean(liquidatedNotional) <= 5e6"')
    .option("--paths <n>", "paths of each first run (default: the scenario's)")
    .option(
      "--max-paths <n>",
      "the most paths a run is doubled to while its interval straddles the threshold (default 16 × --paths)",
    )
    .option("--tol <x>", "stop when the bracket is narrower than this share of the range (default 0.01)")
    .option("--scale <s>", "auto | linear | log (auto: log when LO > 0 and HI/LO ≥ 100)")
    .option("--probes <n>", "interior values checked for monotonicity before bisecting (default 3)")
    .option("--seed <s>", "master seed")
    .option("--threads <t>", "worker threads (default: all cores)")
    .option("--engine <name>", "wasm | ts", "wasm")
    .option("--set <key=value>", "override a scenario key (repeatable)", collect, [])
    .option("--out <dir>", "also write solve.json there")
    .option("--queue <url>", "run every evaluation's batches on `cascade worker` processes through this Redis")
    .option("--queue-prefix <prefix>", "key prefix in Redis (default cascade; the workers must use the same)")
    .option("--batch-size <paths>", "paths per queue job")
    .option("--json", "print the result as JSON")
    .option("--quiet", "no progress lines")
    .action(async (file: string | undefined, raw: RawSolveOptions) => {
      const { solveCommand } = await import("./solve.js");
      code = await solveCommand(file, raw, io);
    });

  program
    .command("worker")
    .description("compute the batches of runs queued with `cascade run --queue` on this machine, until Ctrl-C")
    .requiredOption(
      "--queue <url>",
      "the coordinators' Redis, e.g. redis://host:6379 (redis://user:password@host:port/db; rediss:// for TLS)",
    )
    .option("--queue-prefix <prefix>", "key prefix in Redis (default cascade; as the coordinators')")
    .option("--threads <t>", "worker threads (default: all cores)")
    .option("--name <name>", "this worker's name in the coordinators' progress (default HOST/PID)")
    .option("--quiet", "no lines on stderr")
    .option("--verbose", "a line per batch")
    .action(async (raw: RawWorkerOptions) => {
      const { workerCommand } = await import("./worker.js");
      code = await workerCommand(raw, io);
    });

  // the portfolio engine was merged into run: the old command says where it went (exit 2, nothing run or written)
  program
    .command("portfolio", { hidden: true })
    .argument("[args...]")
    .allowUnknownOption()
    .helpOption(false)
    .action(() => {
      io.stderr.write(`${PORTFOLIO_MOVED}\n`);
      code = 2;
    });

  program
    .command("margin")
    .argument("<positions>", "positions JSON file (SPEC §5)")
    .description("maintenance margin, liquidation and bankruptcy price per position")
    .option("--json", "print JSON on stdout (the default and only output: accepted for scripts that pass it everywhere)")
    .action(async (file: string) => {
      const { marginCommand } = await import("./margin.js");
      const result = marginCommand(readJsonFile(file, "positions file"));
      print(JSON.stringify(result, null, 2));
    });

  program
    .command("validate")
    .argument("<scenario>", "scenario or sweep file")
    .option("--set <key=value>", "override a scenario key (repeatable)", collect, [])
    .description("check a scenario or sweep file and print every problem; runs nothing")
    .action(async (file: string, opts: { set: string[] }) => {
      const { isSweepDocument, loadSweep } = await import("../sweep/load.js");
      if (isSweepDocument(readScenarioFile(file))) {
        const sweep = loadSweep(file, opts.set);
        for (const point of sweep.points) {
          for (const warning of [...(point.scenario.venueWarnings ?? []), ...(point.scenario.inputWarnings ?? [])])
            io.stderr.write(`warning: point ${point.index}: ${warning}\n`);
        }
        print(`ok: sweep ${sweep.name} (${sweep.points.length} points, ${sweep.base.scenario.paths} paths each)`);
        return;
      }
      const inputs = loadScenario(file, opts.set);
      const s = inputs.scenario;
      for (const warning of [...(s.venueWarnings ?? []), ...(s.inputWarnings ?? [])]) io.stderr.write(`warning: ${warning}\n`);
      print(`ok: ${s.name} (${s.paths} paths, ${s.steps} steps, ${accountCount(inputs)} accounts)`);
    });

  program
    .command("schema")
    .description("print the scenario-key reference generated from the schema (docs/scenario.md), or --json its JSON Schema")
    .option("--json", "the JSON Schema (draft 2020-12) of a scenario file instead of the Markdown table")
    .action(async (opts: { json?: boolean }) => {
      const { referenceMarkdown, scenarioJsonSchema } = await import("../config/reference.js");
      io.stdout.write(opts.json ? `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n` : referenceMarkdown());
    });

  program
    .command("presets")
    .description("list the built-in venue presets and scenarios, with their sources and dates")
    .action(async () => {
      print("presets (venue: NAME for the whole design, margin.preset: NAME for the tiers only):");
      const { listPresets } = await import("../config/presets.js");
      for (const p of listPresets()) {
        const engine = p.liquidation
          ? `${p.liquidation.engine}${p.liquidation.backstop ? " + backstop" : ""} engine`
          : "market engine";
        const adl = p.insurance?.adlRanking
          ? `, ADL ${p.insurance.adlRanking}${p.insurance.adlPrice && p.insurance.adlRanking !== "none" ? ` at the ${p.insurance.adlPrice === "mark" ? "mark" : "bankruptcy price"}` : ""}`
          : "";
        const mark = p.mark
          ? `, mark ${p.mark.model}${p.mark.oracleLagSeconds ? ` ${p.mark.oracleLagSeconds} s behind` : ""}`
          : "";
        const longs = p.conventions.longOnly ? ", longs only" : "";
        print(
          `  ${p.name}  v${p.version}  ${p.venue} ${p.product}; ${p.tiers.length} tiers, maintenance at ${p.conventions.maintenanceAt}; ${engine}${adl}${mark}${longs}`,
        );
        print(`    source: ${p.source}`);
        print(`    date: ${p.date}`);
      }
      print("scenarios:");
      const { listScenarios } = await import("../config/presets.js");
      for (const s of listScenarios()) {
        print(`  ${s.name}${s.isDefault ? " (default)" : ""}  ${s.description}`);
        print(`    source: ${s.source}`);
        print(`    date: ${s.date}`);
      }
    });

  program
    .command("merge")
    .argument("<dirs...>", "shard output directories (of `run --shard` or of `sweep --shard`)")
    .description("merge the outputs of shards into one result")
    .option("--out <dir>", "output directory", "./cascade-out")
    .option("--quiet", "no progress lines")
    .option("--json", "print the summary as JSON on stdout instead of the table")
    .option("--force", "replace another run's outputs in --out (refused otherwise, exit 2)")
    .action(async (dirs: string[], opts: RawMergeOptions) => {
      const { mergeCommand } = await import("./merge.js");
      code = await mergeCommand(dirs, opts, io);
    });

  program
    .command("verify")
    .argument("<dir>", "output directory of a finished run")
    .option("--sample <n>", "paths to rerun", "32")
    .description("rerun a sample of paths and check them against the run's records and hashes")
    .action(async (dir: string, opts: { sample: string }) => {
      const sample = Number(opts.sample);
      if (!Number.isInteger(sample) || sample < 0)
        throw new InputError([`--sample must be a non-negative integer (received "${opts.sample}")`]);
      const { verifyCommand } = await import("./verify.js");
      code = await verifyCommand(dir, sample, io);
    });

  program
    .command("report")
    .argument("<dir>", "output directory of a run or a sweep")
    .option("--quiet", "do not say where the report was written")
    .description(
      "rebuild report.html (charts and tables of the results, one self-contained file) from a run's or a sweep's outputs",
    )
    .action(async (dir: string, opts: { quiet?: boolean }) => {
      const { reportCommand } = await import("./report.js");
      code = await reportCommand(dir, { quiet: opts.quiet ?? false }, io);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    for (const line of errorLines(err, known)) io.stderr.write(`${line}\n`);
    return exitCodeFor(err);
  }
}
