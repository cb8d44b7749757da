// `cascade verify DIR`: lets a third party confirm a published run. It checks the paths file against the
// records hash in summary.json, the run's identity (run.json and summary.json field by field, the engine
// build against this one's, the scenario and its data files against the scenario hash), the statistics
// against the rows, and reruns a sample of paths to check them bit for bit.
//
// DIR is untrusted: every file is read as a regular file inside it (never through a symbolic link), data
// files the scenario names must be inside DIR too (nothing outside it is ever opened), no error quotes a
// file's contents, and the rerun happens only when the scenario hash checked out. Missing, unreadable or
// malformed files are bad input (InputError, exit 2); a run that does not check out is a failed check
// (exit 1).
import { lstat, realpath } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { resolveScenario } from "../config/load.js";
import { InputError } from "../config/errors.js";
import type { Scenario, ScenarioInputs } from "../config/scenario.js";
import { ABI_VERSION } from "../engine/layout.js";
import { METRIC_NAMES } from "../engine/metrics.js";
import { buildRunSetup, scenarioRecordNames } from "../engine/markets-setup.js";
import { readRegularFile } from "../report/atomic.js";
import type { PathsCsv } from "../report/csv.js";
import { buildSummary, summaryToJson, type Summary } from "../report/summary-json.js";
import { MetricColumns } from "../stats/columns.js";
import { PROBABILITY_NAMES } from "../stats/proportion.js";
import { SCALAR_STATISTICS } from "../stats/summary.js";
import { VERSION } from "../version.js";
import { createEngine, type EngineKind } from "./batch.js";
import { findPathsFile, readPathsFile } from "./merge.js";
import { shardRange } from "./plan.js";
import { FAN_JSON, readFanState } from "./fan-state.js";
import { hashRecords, kernelHash } from "./records-hash.js";
import { MANIFEST } from "./resume.js";
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

const HEX64 = /^[0-9a-f]{64}$/;
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** A value of a checked field for a message: only ever a number, a hash (shortened) or a short token. */
const show = (v: unknown): string => {
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "string" && HEX64.test(v)) return `${v.slice(0, 16)}…`;
  if (typeof v === "string" && /^[\w.+/-]{1,40}$/.test(v)) return JSON.stringify(v);
  return v === undefined ? "nothing" : "another value";
};

/** The keys run.json has (RunManifest): any other is a change to the file. */
const MANIFEST_KEYS = new Set(["version", "scenarioHash", "seed", "engine", "format", "firstPath", "endPath", "baseDir"]);

/** Reads a JSON object from a regular file of DIR; every problem is an InputError naming the file, never its text. */
async function readJsonObject(file: string, what: string): Promise<Record<string, unknown>> {
  const text = await readRegularFile(file, 64 << 20);
  if (text === undefined) throw new InputError([`${file} must be the ${what} of a finished run (received no such file)`]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError([`${file} must be the ${what} as cascade writes it (received text that is not JSON)`]);
  }
  if (!isObject(parsed))
    throw new InputError([
      `${file} must be a JSON object, the ${what} (received ${Array.isArray(parsed) ? "an array" : typeof parsed})`,
    ]);
  return parsed;
}

/** Problems with the shape of summary.json (bad input): every key verify relies on, with its type. */
function summaryShape(file: string, s: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const want = (key: string, ok: (v: unknown) => boolean, expected: string) => {
    if (!ok(s[key]))
      problems.push(`${file}: ${key} must be ${expected} (received ${s[key] === undefined ? "nothing" : "another value"})`);
  };
  want("version", (v) => typeof v === "string", "a version string");
  want("scenario", isObject, "the resolved scenario (an object)");
  want("seed", isCount, "a non-negative integer");
  want("paths", isCount, "a non-negative integer");
  want("engine", (v) => v === "wasm" || v === "ts", '"wasm" or "ts"');
  want("metrics", isObject, "an object");
  want("probabilities", isObject, "an object");
  want("requestedPaths", isCount, "a non-negative integer");
  want("firstPath", isCount, "a non-negative integer");
  want("interrupted", (v) => typeof v === "boolean", "true or false");
  want("scenarioHash", (v) => typeof v === "string" && HEX64.test(v), "a SHA-256 in hex");
  want("recordsHash", (v) => typeof v === "string" && HEX64.test(v), "a SHA-256 in hex");
  want("engineVersion", (v) => typeof v === "string", "a version string");
  want("recordStride", isCount, "a non-negative integer");
  if (s.engine === "wasm")
    want("kernelSha256", (v) => typeof v === "string" && HEX64.test(v), "a SHA-256 in hex (a wasm run records its kernel)");
  if (s.shard !== undefined) want("shard", (v) => typeof v === "string" && /^\d+\/\d+$/.test(v), "i/n");
  if (isObject(s.scenario) && !isCount(s.scenario.paths)) problems.push(`${file}: scenario.paths must be a non-negative integer`);
  return problems;
}

/** Problems with the shape of run.json (bad input). */
function manifestShape(file: string, m: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const want = (key: string, ok: (v: unknown) => boolean, expected: string) => {
    if (!ok(m[key]))
      problems.push(`${file}: ${key} must be ${expected} (received ${m[key] === undefined ? "nothing" : "another value"})`);
  };
  want("version", (v) => typeof v === "string", "a version string");
  want("scenarioHash", (v) => typeof v === "string", "the scenario's hash");
  want("seed", isCount, "a non-negative integer");
  want("engine", (v) => typeof v === "string", "the engine's name");
  want("format", (v) => v === "csv" || v === "parquet", '"csv" or "parquet"');
  want("firstPath", isCount, "a non-negative integer");
  want("endPath", isCount, "a non-negative integer");
  if (m.baseDir !== undefined) want("baseDir", (v) => typeof v === "string", "a directory path");
  return problems;
}

/** The data-file keys of a scenario: verify opens them only inside DIR. */
const FILE_KEYS: readonly (readonly string[])[] = [
  ["accounts", "positionsFile"],
  ["market", "book", "snapshotFile"],
  ["market", "price", "returnsFile"],
];

/** The data-file keys of the scenario (with `markets:`, each market's too: `markets.1.accounts.positionsFile`). */
function fileKeys(scenario: Record<string, unknown>): (readonly string[])[] {
  const markets = Array.isArray(scenario.markets) ? scenario.markets : [];
  return [...FILE_KEYS, ...markets.flatMap((_, i) => FILE_KEYS.map((path) => ["markets", String(i), ...path]))];
}

function at(obj: unknown, path: readonly string[]): unknown {
  let v = obj;
  for (const k of path) v = isObject(v) ? v[k] : undefined;
  return v;
}

/**
 * Problems with the data files the scenario names: each must be a regular file inside DIR (relative to it,
 * no link leading out). Nothing is opened here, and nothing outside DIR is ever opened.
 */
async function dataFilesOutside(scenario: Record<string, unknown>, dir: string): Promise<string[]> {
  const problems: string[] = [];
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    return [`${dir} cannot be resolved`];
  }
  for (const path of fileKeys(scenario)) {
    const file = at(scenario, path);
    if (file === undefined) continue;
    const key = path.join(".");
    if (typeof file !== "string" || file === "") {
      problems.push(`${key} must be a file name`);
      continue;
    }
    const named = JSON.stringify(file.length > 80 ? `${file.slice(0, 77)}...` : file);
    const outside = `the scenario's ${key} ${named} is not a file inside ${dir}: verify reads nothing outside the directory, so it cannot check that file against scenarioHash (copy it into ${dir} at that relative path)`;
    if (isAbsolute(file)) {
      problems.push(outside);
      continue;
    }
    const full = resolve(dir, file);
    let real: string;
    try {
      real = await realpath(full);
    } catch {
      problems.push(outside);
      continue;
    }
    const rel = relative(root, real);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      problems.push(outside);
      continue;
    }
    const st = await lstat(full).catch(() => undefined);
    if (!st?.isFile()) problems.push(outside);
  }
  return problems;
}

/** The scenario's inputs again, from DIR: validated and with its data files loaded, but the recorded object kept. */
function reloadInputs(scenario: Scenario, dir: string): ScenarioInputs {
  const { preset: _preset, ...margin } = scenario.margin; // the recorded tiers stand on their own
  // so does the recorded design: its venue was applied once already, and its warnings said so
  const { venue: _venue, venueWarnings: _warnings, inputWarnings: _inputWarnings, ...design } = scenario;
  // each market's blocks likewise; maxRoundsPerStep is the venue's (the top level's), listed in each for the record
  const markets = design.markets?.map(
    ({ margin: { preset: _p, ...own }, liquidation: { maxRoundsPerStep: _r, ...liq }, ...m }) => ({
      ...m,
      margin: own,
      liquidation: liq,
    }),
  );
  const inputs = resolveScenario({ ...design, margin, ...(markets ? { markets } : {}) }, dir);
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
 * Checks a finished run's directory: paths file against summary.json's recordsHash; run.json and
 * summary.json's identity (seed, engine, engineVersion and kernelSha256 against this build, recordStride,
 * paths, shard) and the scenario with its data files (inside DIR) against scenarioHash; statistics
 * recomputed from the rows; and, only when the scenario checked out, `sample` paths rerun bit for bit.
 * Bad input (a file missing, unreadable, a link, malformed) throws an InputError.
 */
export async function verifyRun(dir: string, options: { sample?: number } = {}): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => void checks.push({ name, ok, detail });
  const summaryFile = join(dir, "summary.json");
  const manifestFile = join(dir, MANIFEST);
  const raw = await readJsonObject(summaryFile, "summary");
  const manifest = await readJsonObject(manifestFile, "run manifest");
  const shape = [...summaryShape(summaryFile, raw), ...manifestShape(manifestFile, manifest)];
  if (shape.length > 0) throw new InputError(shape);
  const summary = raw as Summary & Record<string, unknown>;
  const scenario = summary.scenario as Scenario & Record<string, unknown>;
  const paths = await findPathsFile(dir);
  // the record's layout is the scenario's: its markets' columns after the venue's, or METRIC_NAMES
  const names = Array.isArray(scenario.markets) ? scenarioRecordNames(scenario) : [...METRIC_NAMES];
  const stride = names.length;
  let rows: PathsCsv;
  try {
    rows = await readPathsFile(paths.file, paths.format, names);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const why = (err as Error).message
      .split("\n")[0]
      .replace(paths.file, "")
      .replace(/^[:\s]+/, "");
    throw new InputError([`${paths.file} must be a per-path table as cascade writes it (${why})`]);
  }

  // rows: the paths file holds exactly the paths summary.json and run.json say, in order
  const first = summary.firstPath as number;
  const requested = summary.requestedPaths as number;
  const rowProblems: string[] = [];
  let contiguous = rows.count === summary.paths;
  for (let i = 0; contiguous && i < rows.count; i++) contiguous = rows.paths[i] === first + i;
  if (!contiguous)
    rowProblems.push(
      `${rows.count} rows for paths ${first}…${first + rows.count - 1}; summary says ${summary.paths} from ${first}`,
    );
  if (summary.interrupted !== false) rowProblems.push("summary.json says the run was interrupted");
  if (summary.paths !== requested) rowProblems.push(`summary.json has paths ${summary.paths} but requestedPaths ${requested}`);
  const shardText = summary.shard as string | undefined;
  const range = shardText
    ? (() => {
        const [i, n] = shardText.split("/").map(Number);
        return i >= 1 && i <= n ? shardRange(scenario.paths, { index: i, count: n }) : undefined;
      })()
    : { first: 0, end: scenario.paths };
  if (!range) rowProblems.push(`summary.json's shard ${show(shardText)} is not i/n with 1 <= i <= n`);
  else if (range.first !== first || range.end !== first + requested) {
    rowProblems.push(
      `${shardText ? `shard ${shardText}` : "an unsharded run"} of ${scenario.paths} paths covers paths ${range.first}…${range.end - 1}; summary.json says ${first}…${first + requested - 1}`,
    );
  }
  if (manifest.firstPath !== first || manifest.endPath !== first + requested) {
    rowProblems.push(
      `run.json says paths ${show(manifest.firstPath)}…${typeof manifest.endPath === "number" ? manifest.endPath - 1 : "?"}; summary.json says ${first}…${first + requested - 1}`,
    );
  }
  if (manifest.format !== paths.format)
    rowProblems.push(`run.json says format ${show(manifest.format)}; the paths file is ${paths.format}`);
  check(
    "rows",
    rowProblems.length === 0,
    rowProblems.length === 0
      ? `${rows.count} rows for paths ${first}…${first + rows.count - 1}, as summary.json and run.json say`
      : rowProblems.join("; "),
  );

  const recordsHash = hashRecords(rows.records, rows.count, stride);
  check(
    "records hash",
    recordsHash === summary.recordsHash,
    `${paths.file} hashes to ${recordsHash}; summary.json publishes ${show(summary.recordsHash)}`,
  );

  // scenario hash: the run's identity — run.json and summary.json field by field, this build's engine, and
  // the scenario with its data files (inside DIR) against scenarioHash
  const identity: string[] = [];
  for (const key of Object.keys(manifest))
    if (!MANIFEST_KEYS.has(key)) identity.push(`run.json has a key cascade does not write (${show(key)})`);
  for (const key of ["version", "scenarioHash", "seed", "engine"] as const) {
    if (manifest[key] !== summary[key])
      identity.push(`run.json's ${key} is ${show(manifest[key])}, summary.json's is ${show(summary[key])}`);
  }
  if (summary.seed !== scenario.seed)
    identity.push(`summary.json's seed is ${show(summary.seed)}, its scenario's is ${show(scenario.seed)}`);
  const engineVersion = `${VERSION}+abi${ABI_VERSION}`;
  if (summary.engineVersion !== engineVersion)
    identity.push(
      `engineVersion is ${show(summary.engineVersion)}, this build's is ${show(engineVersion)} (a rerun would not be bit for bit)`,
    );
  if (summary.engine === "wasm" && summary.kernelSha256 !== kernelHash())
    identity.push(`kernelSha256 is ${show(summary.kernelSha256)}, this build's kernel hashes to ${show(kernelHash())}`);
  if (summary.engine === "ts" && summary.kernelSha256 !== undefined)
    identity.push("kernelSha256 is set, but a ts run has no kernel");
  if (summary.recordStride !== stride)
    identity.push(`recordStride is ${show(summary.recordStride)}, this build's is ${stride} for this scenario`);
  let inputs: ScenarioInputs | undefined;
  const outside = await dataFilesOutside(scenario, dir);
  if (outside.length > 0) identity.push(...outside);
  else {
    try {
      inputs = reloadInputs(scenario, dir);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // the problems may quote the data files: name the keys only
      const keys = [...new Set(err.problems.map((p) => /^[\w.[\]]+/.exec(p)?.[0] ?? "?"))].slice(0, 5);
      identity.push(
        `the scenario in summary.json does not load (${err.problems.length} problem${err.problems.length === 1 ? "" : "s"}, at ${keys.join(", ")})`,
      );
    }
  }
  if (inputs) {
    const hash = scenarioHash(inputs);
    if (hash !== summary.scenarioHash)
      identity.push(`the scenario and its files hash to ${hash}; summary.json publishes ${show(summary.scenarioHash)}`);
  }
  const identityOk = identity.length === 0;
  check(
    "scenario hash",
    identityOk,
    identityOk
      ? `the scenario and its files hash to ${summary.scenarioHash as string}, as summary.json and run.json publish; seed, engine ${summary.engine as string} ${engineVersion} and record layout as this build's`
      : `${identity.join("; ")} (no rerun: the run's identity did not check out)`,
  );

  const columns = MetricColumns.fromRecords(rows.records, rows.count, names);
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
  const statistics = (s: Summary) =>
    JSON.stringify(JSON.parse(summaryToJson(s)), [
      "metrics",
      "probabilities",
      ...names,
      ...SCALAR_STATISTICS,
      "ci95",
      ...PROBABILITY_NAMES,
    ]);
  check(
    "statistics",
    statistics(recomputed) === statistics(summary),
    `summary.json's metrics and probabilities recomputed from ${paths.file}`,
  );

  // the fan charts: fan.json of these rows, and summary.json's fan computed from it
  const fanFile = await readFanState(dir);
  if (summary.fan !== undefined || fanFile) {
    const fanProblems: string[] = [];
    if (!fanFile) fanProblems.push(`summary.json has a fan but ${join(dir, FAN_JSON)} is missing`);
    else {
      if (fanFile.firstPath !== first || fanFile.state.paths !== rows.count || fanFile.recordsHash !== recordsHash)
        fanProblems.push(
          `${FAN_JSON} is not of these rows (firstPath ${fanFile.firstPath}, ${fanFile.state.paths} paths, records hash ${show(fanFile.recordsHash)})`,
        );
      if (JSON.stringify(fanFile.state.summary(scenario.stepSeconds)) !== JSON.stringify(summary.fan))
        fanProblems.push(`${FAN_JSON} does not give summary.json's fan`);
    }
    check(
      "fan",
      fanProblems.length === 0,
      fanProblems.length === 0
        ? `summary.json's fan recomputed from ${FAN_JSON}, whose records hash is the rows'`
        : fanProblems.join("; "),
    );
  }

  // The rerun only once the run's identity checked out: never on a scenario that is not the one hashed.
  if (identityOk && inputs && contiguous && rows.count > 0) {
    const engine = createEngine(summary.engine as EngineKind, buildRunSetup(inputs), summary.seed);
    const out = new Float64Array(stride);
    const mismatches: string[] = [];
    const picked = samplePaths(first, rows.count, options.sample ?? 32);
    for (const path of picked) {
      engine.runPaths(path, 1, out);
      const row = path - first;
      for (let m = 0; m < stride; m++) {
        const published = rows.records[row * stride + m];
        if (!Object.is(out[m], published))
          mismatches.push(`path ${path} ${names[m]}: the paths file has ${published}, rerun gives ${out[m]}`);
      }
    }
    check(
      "rerun",
      mismatches.length === 0,
      mismatches.length === 0
        ? `${picked.length} paths rerun on the ${summary.engine} engine, bit for bit equal`
        : mismatches.slice(0, 5).join("; "),
    );
  }
  return { ok: checks.every((c) => c.ok), checks };
}
