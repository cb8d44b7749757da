// `cascade verify DIR`: lets a third party confirm a published run. It checks the paths file against the
// records hash in summary.json, the scenario (and its data files) against the scenario hash, the statistics
// against the rows, and reruns a sample of paths to check them bit for bit.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveScenario } from "../config/load.js";
import { InputError } from "../config/errors.js";
import type { Scenario, ScenarioInputs } from "../config/scenario.js";
import { METRIC_NAMES, RECORD_STRIDE } from "../engine/metrics.js";
import { buildSetup } from "../engine/setup.js";
import { buildSummary, summaryToJson, type Summary } from "../report/summary-json.js";
import { MetricColumns } from "../stats/columns.js";
import { createEngine, type EngineKind } from "./batch.js";
import { hashRecords } from "./records-hash.js";
import { MANIFEST, type RunManifest } from "./resume.js";
import { findPathsFile, readPathsFile } from "./merge.js";
import { scenarioHash } from "./run.js";

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  checks: VerifyCheck[];
}

async function readJson<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (err) {
    throw new InputError([`${file}: cannot read the ${what} (${(err as Error).message.split("\n")[0]})`]);
  }
}

/** The scenario's inputs again: validated and with its data files loaded, but the recorded object kept. */
function reloadInputs(scenario: Scenario, baseDir: string): ScenarioInputs {
  const { preset: _preset, ...margin } = scenario.margin; // the recorded tiers stand on their own
  const inputs = resolveScenario({ ...scenario, margin }, baseDir);
  return { ...inputs, scenario };
}

/** Path indices to rerun: the first, the last and `sample` others spread evenly (all of them if fewer). */
export function samplePaths(first: number, count: number, sample: number): number[] {
  if (sample + 2 >= count) return Array.from({ length: count }, (_, i) => first + i);
  const picked = new Set<number>([first, first + count - 1]);
  for (let k = 0; k < sample; k++) picked.add(first + Math.floor(((k + 0.5) * count) / sample));
  return [...picked].sort((a, b) => a - b);
}

/**
 * Checks a finished run's directory: paths file against summary.json's recordsHash, scenario and data
 * files against scenarioHash, statistics recomputed from the rows, and `sample` paths rerun bit for bit.
 */
export async function verifyRun(dir: string, options: { sample?: number } = {}): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => void checks.push({ name, ok, detail });
  const summary = await readJson<Summary & Record<string, unknown>>(join(dir, "summary.json"), "summary");
  const manifest = await readJson<RunManifest>(join(dir, MANIFEST), "run manifest");
  const paths = await findPathsFile(dir);
  let rows;
  try {
    rows = await readPathsFile(paths.file, paths.format);
  } catch (err) {
    throw new InputError([`${paths.file}: ${(err as Error).message}`]);
  }

  const first = Number(summary.firstPath ?? 0);
  let contiguous = rows.count === summary.paths;
  for (let i = 0; contiguous && i < rows.count; i++) contiguous = rows.paths[i] === first + i;
  check("rows", contiguous, `${rows.count} rows for paths ${first}…${first + rows.count - 1}; summary says ${summary.paths} from ${first}`);

  const recordsHash = hashRecords(rows.records, rows.count);
  check("records hash", recordsHash === summary.recordsHash, `${paths.file} hashes to ${recordsHash}; summary.json publishes ${String(summary.recordsHash)}`);

  let inputs: ScenarioInputs | undefined;
  try {
    inputs = reloadInputs(summary.scenario, manifest.baseDir ?? dir);
    const hash = scenarioHash(inputs);
    check("scenario hash", hash === summary.scenarioHash, `the scenario and its files hash to ${hash}; summary.json publishes ${String(summary.scenarioHash)}`);
  } catch (err) {
    check("scenario", false, err instanceof InputError ? err.problems.join("; ") : (err as Error).message);
  }

  const columns = MetricColumns.fromRecords(rows.records, rows.count);
  const recomputed = buildSummary({
    version: summary.version,
    scenario: summary.scenario,
    seed: summary.seed,
    paths: rows.count,
    engine: summary.engine,
    threads: summary.threads,
    runtimeMs: summary.runtimeMs,
    columns,
  });
  const statistics = (s: Summary) => JSON.stringify(JSON.parse(summaryToJson(s)), ["metrics", "probabilities", ...METRIC_NAMES, "mean", "std", "min", "max", "p01", "p05", "p50", "p95", "p99", "es95", "es99", "ci95", "anyLiquidation", "insuranceDepleted", "badDebt", "adl", "bookExhausted"]);
  check("statistics", statistics(recomputed) === statistics(summary), `summary.json's metrics and probabilities recomputed from ${paths.file}`);

  if (inputs && contiguous && rows.count > 0) {
    const engine = createEngine(summary.engine as EngineKind, buildSetup(inputs), summary.seed);
    const out = new Float64Array(RECORD_STRIDE);
    const mismatches: string[] = [];
    const picked = samplePaths(first, rows.count, options.sample ?? 32);
    for (const path of picked) {
      engine.runPaths(path, 1, out);
      const row = path - first;
      for (let m = 0; m < RECORD_STRIDE; m++) {
        const published = rows.records[row * RECORD_STRIDE + m];
        if (!Object.is(out[m], published)) mismatches.push(`path ${path} ${METRIC_NAMES[m]}: the paths file has ${published}, rerun gives ${out[m]}`);
      }
    }
    check("rerun", mismatches.length === 0, mismatches.length === 0 ? `${picked.length} paths rerun on the ${summary.engine} engine, bit for bit equal` : mismatches.slice(0, 5).join("; "));
  }
  return { ok: checks.every((c) => c.ok), checks };
}
