// `cascade solve SCENARIO --vary KEY --range LO:HI --target "P(adl) <= 0.01"`: the value of KEY at which the target
// starts being met, with its bracket and every run it took (src/solve/search.ts says how it searches).
import { InputError } from "../config/errors.js";
import { loadScenario } from "../config/load.js";
import { runScenario } from "../mc/run.js";
import { ensureDir, writeAtomic } from "../report/atomic.js";
import { searchTarget, type SearchResult } from "../solve/search.js";
import { estimateOf, parseTarget, type Target } from "../solve/target.js";
import type { CliIo } from "./io.js";
import { queueOptions } from "./options.js";

export interface RawSolveOptions {
  vary?: string;
  range?: string;
  target?: string;
  paths?: string;
  maxPaths?: string;
  tol?: string;
  scale?: string;
  probes?: string;
  seed?: string;
  threads?: string;
  engine?: string;
  set: string[];
  out?: string;
  json?: boolean;
  quiet?: boolean;
  queue?: string;
  queuePrefix?: string;
  batchSize?: string;
}

const positiveInt = (raw: string | undefined, option: string, fallback: number, problems: string[]) => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) problems.push(`${option} must be a positive integer (received "${raw}")`);
  return n;
};

export async function solveCommand(file: string | undefined, raw: RawSolveOptions, io: CliIo): Promise<number> {
  const problems: string[] = [];
  if (!raw.vary) problems.push("--vary KEY is required (the scenario key to solve for, e.g. insurance.initialBalance)");
  const range = /^\s*([^:]+):([^:]+)\s*$/.exec(raw.range ?? "");
  const lo = range ? Number(range[1]) : NaN;
  const hi = range ? Number(range[2]) : NaN;
  if (!raw.range) problems.push("--range LO:HI is required");
  else if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi))
    problems.push(`--range must be LO:HI with finite LO < HI (received "${raw.range}")`);
  let target: Target | undefined;
  if (!raw.target) problems.push('--target is required, e.g. "P(adl) <= 0.01" or "p99(badDebt) <= 1e6"');
  else {
    try {
      target = parseTarget(raw.target);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
    }
  }
  const scale = raw.scale ?? "auto";
  if (!["auto", "linear", "log"].includes(scale)) problems.push(`--scale must be auto, linear or log (received "${scale}")`);
  if (scale === "log" && !(lo > 0)) problems.push(`--scale log needs LO > 0 (received ${raw.range})`);
  const tol = raw.tol === undefined ? 0.01 : Number(raw.tol);
  if (!(tol > 0 && tol < 1)) problems.push(`--tol must be within (0, 1) (received "${raw.tol}")`);
  const probes = raw.probes === undefined ? 3 : Number(raw.probes);
  if (!(Number.isSafeInteger(probes) && probes >= 0 && probes <= 20))
    problems.push(`--probes must be an integer 0 to 20 (received "${raw.probes}")`);
  const threads = positiveInt(raw.threads, "--threads", 0, problems);
  const engine = raw.engine ?? "wasm";
  if (engine !== "wasm" && engine !== "ts") problems.push(`--engine must be wasm or ts (received "${engine}")`);
  // --queue: every run's batches on `cascade worker` processes (src/queue), as `cascade run --queue`
  const queue = queueOptions(raw, problems);
  const sets = [...raw.set];
  if (raw.seed !== undefined) sets.push(`seed=${raw.seed}`);
  // the scenario as given, checked once before any run (its paths are the first runs' unless --paths)
  let basePaths = 0;
  try {
    basePaths = loadScenario(file, sets).scenario.paths;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  const paths = positiveInt(raw.paths, "--paths", basePaths, problems);
  const maxPaths = positiveInt(raw.maxPaths, "--max-paths", 16 * paths, problems);
  if (maxPaths < paths) problems.push(`--max-paths must be at least --paths (${paths}) (received ${maxPaths})`);
  if (problems.length > 0 || !target) throw new InputError(problems);

  const key = raw.vary!;
  const log = scale === "log" || (scale === "auto" && lo > 0 && hi / lo >= 100);
  const evaluate = async (value: number, n: number) => {
    const inputs = loadScenario(file, [...sets, `${key}=${value}`, `paths=${n}`]);
    // a search reads one statistic per run: no fan charts
    const options = { threads: threads || undefined, engine: engine as "wasm" | "ts", fan: false };
    const result = queue
      ? await (await import("../queue/coordinator.js")).runOnQueue(inputs, options, queue)
      : await runScenario(inputs, options);
    if (!raw.quiet) io.stderr.write(`  ${key} = ${value}: ${n} paths\n`);
    return estimateOf(result.summary, target!.statistic);
  };
  const result = await searchTarget(target, { lo, hi, log, tol, paths, maxPaths, probes }, evaluate);
  const record = {
    version: 1,
    scenario: file ?? "(embedded default)",
    sets,
    key,
    target: target.text,
    range: [lo, hi],
    scale: log ? "log" : "linear",
    tol,
    ...result,
  };
  if (raw.out !== undefined) {
    await ensureDir(raw.out);
    await writeAtomic(raw.out, "solve.json", JSON.stringify(record, null, 2) + "\n");
  }
  io.stdout.write(raw.json ? JSON.stringify(record, null, 2) + "\n" : formatSolve(key, target, result));
  return 0;
}

function formatSolve(key: string, target: Target, r: SearchResult): string {
  const g = (x: number) => String(Number(x.toPrecision(6)));
  const side = r.metBelow ? "at or below" : "at or above";
  const lines = [
    `${key} ≈ ${g(r.value)} (bracket [${g(r.interval[0])}, ${g(r.interval[1])}]): ${target.text} is met ${side} it` +
      (r.converged ? "" : " — stopped where even the most paths could not decide: the boundary is within noise there"),
    "evaluated:",
  ];
  for (const e of [...r.evaluations].sort((a, b) => a.value - b.value)) {
    lines.push(
      `  ${g(e.value).padStart(12)}  ${e.verdict.padEnd(9)} ${g(e.estimate.value)} [${g(e.estimate.ci95[0])}, ${g(e.estimate.ci95[1])}]  ${e.paths} paths`,
    );
  }
  return lines.join("\n") + "\n";
}
