// `cascade portfolio FILE`: a multi-market cross-margin portfolio scenario (src/portfolio), run on the WASM
// kernel (or --engine ts) on --threads worker threads (default: all cores; 1: inline on this thread), printed
// as a table (or --json) and written to --out (paths.csv streamed in path order, then summary.json).
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { InputError, formatValue, type ReproContext } from "../config/errors.js";
import { applySets, readScenarioFile } from "../config/load.js";
import { loadPortfolioScenario, type PortfolioScenario } from "../portfolio/index.js";
import {
  formatPortfolioTable,
  portfolioSummaryJson,
  runPortfolio,
  summarizePortfolio,
  writePortfolioSummary,
} from "../portfolio/report.js";
import { processIo, type CliIo } from "./io.js";
import { MAX_THREADS, parseThreads } from "./options.js";
import { portfolioMemoryProblems } from "../config/memory.js";

/** The options as commander collects them (every value a string). */
export interface RawPortfolioOptions {
  paths?: string;
  seed?: string;
  /** Worker threads (default: all cores); 1 runs inline, without workers. */
  threads?: string;
  engine?: string;
  out?: string;
  json?: boolean;
  quiet?: boolean;
  /** --set key=value overrides, applied to the file before --paths and --seed. */
  set?: string[];
}

const DIGITS = /^\d+$/;
const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

function integer(name: string, text: string | undefined, min: number, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  const value = DIGITS.test(text.trim()) ? Number(text) : NaN;
  if (Number.isSafeInteger(value) && value >= min) return value;
  problems.push(
    `--${name} must be ${min === 0 ? "a non-negative integer" : "a positive integer"} (received ${formatValue(text)})`,
  );
  return undefined;
}

/**
 * Loads the scenario with --paths/--seed applied (so the schema checks them as the file's own keys), runs
 * it, prints the summary and writes DIR/summary.json and DIR/paths.csv. Every problem with the options or
 * the file is reported together (InputError, exit 2). Resolves to the exit code.
 */
export async function portfolioCommand(
  file: string,
  raw: RawPortfolioOptions,
  io: CliIo = processIo,
  known: ReproContext = {},
): Promise<number> {
  const problems: string[] = [];
  const paths = integer("paths", raw.paths, 1, problems);
  const seed = integer("seed", raw.seed, 0, problems);
  const threads = parseThreads(raw.threads, problems) ?? Math.min(availableParallelism(), MAX_THREADS);
  const engine = raw.engine ?? "wasm";
  if (engine !== "wasm" && engine !== "ts") problems.push(`--engine must be one of wasm, ts (received ${formatValue(engine)})`);
  const out = raw.out ?? "./cascade-out";
  if (out.trim() === "") problems.push(`--out must be a directory path (received "")`);

  let scenario: PortfolioScenario | undefined;
  try {
    const doc = applySets(readScenarioFile(file), raw.set ?? []);
    const overridden =
      doc !== null && typeof doc === "object" && !Array.isArray(doc)
        ? {
            ...(doc as Record<string, unknown>),
            ...(paths !== undefined ? { paths } : {}),
            ...(seed !== undefined ? { seed } : {}),
          }
        : doc;
    scenario = loadPortfolioScenario(overridden);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  if (scenario) problems.push(...portfolioMemoryProblems(scenario, threads));
  if (problems.length > 0 || !scenario) throw new InputError(problems);
  Object.assign(known, { seed: scenario.seed, scenarioFile: file });

  const run = await runPortfolio(scenario, { engine: engine as "wasm" | "ts", threads, outDir: out });
  const summary = summarizePortfolio(run, VERSION);
  const summaryFile = await writePortfolioSummary(out, summary);
  io.stdout.write(raw.json ? portfolioSummaryJson(summary) : formatPortfolioTable(summary));
  if (!raw.quiet) io.stderr.write(`wrote ${resolve(summaryFile)} and ${resolve(run.csvPath!)}\n`);
  return 0;
}
