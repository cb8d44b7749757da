// cascade merge: joins the output directories of `cascade run --shard i/n` into the result of one unsharded
// run (SPEC §1, §6). Checks that the shards belong together and cover every path exactly once, copies their
// rows in path order into one paths.csv or paths.parquet (the inputs' format), and recomputes summary.json
// from the merged metric columns, so the result equals a single run's except runtimeMs and threads. The fan charts'
// histograms (fan.json, exact counts and sums) are added up: the merged `fan` is a single run's to the byte.
//
// Memory: the metric columns of the whole run (8 bytes × paths × the record's stride, as a run holds them) plus
// one shard's rows at a time.

import { access, realpath, rm } from "node:fs/promises";
import { join } from "node:path";
import { InputError, formatValue } from "../config/errors.js";
import type { Scenario } from "../config/scenario.js";
import { scenarioRecordNames } from "../engine/markets-setup.js";
import { PATHS_CSV, readPathsCsv, type PathsCsv } from "../report/csv.js";
import { PATHS_PARQUET, ParquetSink, readPathsParquet } from "../report/parquet.js";
import { CsvSink, type PathSink } from "../report/sink.js";
import { SUMMARY_KEYS, buildSummary, writeSummaryJson, type EngineName, type Summary } from "../report/summary-json.js";
import { MetricColumns } from "../stats/columns.js";
import { shardRange } from "./plan.js";
import { RecordsHasher, hashRecords } from "./records-hash.js";
import { MANIFEST, writeManifest, type RunManifest } from "./resume.js";
import { KIND_WORDS, ensureDir, entryKind, readRegularFile } from "../report/atomic.js";
import { lockOutDir, prepareRunDir } from "./out-dir.js";
import type { OutputFormat } from "./run.js";
import { FanHistograms } from "../stats/fan.js";
import { FAN_JSON, readFanState, sameFanLayout, writeFanState, type FanFile } from "./fan-state.js";

/** The per-path table of a finished run directory. */
export interface PathsFile {
  format: OutputFormat;
  file: string;
}

const PATHS_FILES: readonly PathsFile[] = [
  { format: "csv", file: PATHS_CSV },
  { format: "parquet", file: PATHS_PARQUET },
];

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * The finished per-path table in `dir`: paths.csv or paths.parquet. An InputError when there is none, or
 * both (which one is current cannot be told).
 */
export async function findPathsFile(dir: string): Promise<PathsFile> {
  const found: PathsFile[] = [];
  for (const p of PATHS_FILES) {
    const file = join(dir, p.file);
    const kind = await entryKind(file).catch(() => "other" as const);
    if (kind === undefined) continue;
    // a link could point anywhere: a run directory's files are read only as regular files inside it
    if (kind !== "file") throw new InputError(`${file} must be a regular file (received ${KIND_WORDS[kind]})`);
    found.push({ format: p.format, file });
  }
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new InputError(`${dir} must hold one of paths.csv or paths.parquet (received both: remove the stale one)`);
  }
  const partial = [];
  for (const p of PATHS_FILES) if (await exists(join(dir, `${p.file}.partial`))) partial.push(`${p.file}.partial`);
  const why = partial.length > 0 ? `only ${partial.join(", ")}: the run was interrupted; finish it with --resume` : "neither";
  throw new InputError(`${dir} must hold paths.csv or paths.parquet of a finished run (received ${why})`);
}

/** The record's columns of a run of `scenario` (as summary.json holds it; unusable markets: one market's). */
function recordNamesOf(scenario: unknown): string[] {
  const { markets, crossMargin } = (scenario ?? {}) as { markets?: unknown; crossMargin?: unknown };
  const named = Array.isArray(markets) && markets.every((m) => typeof m?.name === "string");
  return scenarioRecordNames({
    markets: named ? markets : undefined,
    // the crossMargin columns follow the markets' (only with markets)
    crossMargin:
      named && typeof crossMargin === "object" && crossMargin !== null ? (crossMargin as Scenario["crossMargin"]) : undefined,
  });
}

/**
 * Reads a per-path table of either format: path indices, path-major records, row count. `names`: the record's
 * columns (scenarioRecordNames of the run's scenario; default METRIC_NAMES, one market's).
 */
export function readPathsFile(file: string, format: OutputFormat, names?: readonly string[]): Promise<PathsCsv> {
  const options = names ? { names } : {};
  return format === "csv" ? readPathsCsv(file, options) : readPathsParquet(file, options);
}

/** One shard directory as merge sees it: its summary.json fields and its per-path table. */
export interface ShardDir {
  dir: string;
  /** summary.json as parsed, for the keys merge copies through. */
  raw: Record<string, unknown>;
  version: string;
  scenario: Scenario;
  seed: number;
  engine: EngineName;
  threads: number;
  runtimeMs: number;
  paths: number;
  firstPath: number;
  requestedPaths: number;
  /** `--shard i/n` the directory was run with; undefined for an unsharded run. */
  shard?: { index: number; count: number };
  scenarioHash: string;
  /** SHA-256 of the shard's records: its paths file must hash to it. */
  recordsHash: string;
  recordStride: number;
  table: PathsFile;
  /** run.json, when the directory has one (runs since resume was added write it). */
  manifest?: RunManifest;
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Reads and checks one directory's summary.json and finds its table; problems go to `problems`. */
async function readShardDir(dir: string, problems: string[]): Promise<ShardDir | undefined> {
  const file = join(dir, "summary.json");
  const before = problems.length;
  let text: string | undefined;
  if (!(await exists(dir))) {
    problems.push(`${dir} must be a shard's output directory (received no such directory)`);
    return undefined;
  }
  if ((await entryKind(dir).catch(() => undefined)) === "file") {
    problems.push(`${dir} must be a shard's output directory (received a file)`);
    return undefined;
  }
  try {
    text = await readRegularFile(file);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
  if (text === undefined) {
    problems.push(`${file} must be a readable file (received no such file)`);
    return undefined;
  }
  let raw: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    raw = parsed as Record<string, unknown>;
  } catch (err) {
    problems.push(`${file} must be a JSON object written by cascade run (received ${(err as Error).message})`);
    return undefined;
  }
  const want = (key: string, ok: (v: unknown) => boolean, expected: string) => {
    if (!ok(raw[key])) problems.push(`${file}: ${key} must be ${expected} (received ${formatValue(raw[key])})`);
  };
  want("version", (v) => typeof v === "string", "a version string");
  want("seed", isCount, "a non-negative integer");
  want("engine", (v) => v === "wasm" || v === "ts", '"wasm" or "ts"');
  want("paths", isCount, "a non-negative integer");
  want("firstPath", isCount, "a non-negative integer");
  want("requestedPaths", isCount, "a non-negative integer");
  want("scenarioHash", (v) => typeof v === "string" && v.length > 0, "the scenario's hash");
  want(
    "recordsHash",
    (v) => typeof v === "string" && /^[0-9a-f]{64}$/.test(v),
    "the SHA-256 of its records, in hex (what its paths file is checked against)",
  );
  const stride = recordNamesOf(raw.scenario).length;
  want("recordStride", (v) => v === stride, `${stride} (this build's record layout for the scenario)`);
  const scenario = raw.scenario as Scenario | undefined;
  if (typeof scenario !== "object" || scenario === null || !isCount(scenario.paths) || scenario.paths < 1) {
    problems.push(
      `${file}: scenario.paths must be a positive integer (received ${formatValue((scenario as { paths?: unknown } | undefined)?.paths)})`,
    );
  }
  if (raw.interrupted !== false) {
    const detail =
      raw.interrupted === true
        ? `: it stopped after ${String(raw.paths)} of ${String(raw.requestedPaths)} paths; finish it with cascade run --resume ${dir}`
        : "";
    problems.push(`${file}: interrupted must be false${detail} (received ${formatValue(raw.interrupted)})`);
  }
  if (isCount(raw.paths) && isCount(raw.requestedPaths) && raw.interrupted === false && raw.paths !== raw.requestedPaths) {
    problems.push(`${file}: paths must equal requestedPaths ${raw.requestedPaths} (received ${raw.paths})`);
  }
  let shard: ShardDir["shard"];
  if (raw.shard !== undefined) {
    const m = typeof raw.shard === "string" ? /^(\d+)\/(\d+)$/.exec(raw.shard) : null;
    const index = m ? Number(m[1]) : NaN;
    const count = m ? Number(m[2]) : NaN;
    if (!(count >= 1 && index >= 1 && index <= count)) {
      problems.push(`${file}: shard must be i/n with 1 <= i <= n (received ${formatValue(raw.shard)})`);
    } else {
      shard = { index, count };
      if (problems.length === before) {
        const r = shardRange(scenario!.paths, shard);
        if (raw.firstPath !== r.first || raw.requestedPaths !== r.end - r.first) {
          problems.push(
            `${file}: firstPath and requestedPaths must be ${r.first} and ${r.end - r.first} for shard ${raw.shard} of ${scenario!.paths} paths ` +
              `(received ${String(raw.firstPath)} and ${String(raw.requestedPaths)})`,
          );
        }
      }
    }
  }
  let table: PathsFile | undefined;
  try {
    table = await findPathsFile(dir);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > before || !table) return undefined;
  return {
    dir,
    raw,
    version: raw.version as string,
    scenario: scenario!,
    seed: raw.seed as number,
    engine: raw.engine as EngineName,
    threads: typeof raw.threads === "number" ? raw.threads : 0,
    runtimeMs: typeof raw.runtimeMs === "number" ? raw.runtimeMs : 0,
    paths: raw.paths as number,
    firstPath: raw.firstPath as number,
    requestedPaths: raw.requestedPaths as number,
    shard,
    scenarioHash: raw.scenarioHash as string,
    recordsHash: raw.recordsHash as string,
    recordStride: raw.recordStride as number,
    table,
    manifest: await readManifest(dir),
  };
}

/**
 * What every shard must share with the first: the same scenario, seed, engine, build (engineVersion and
 * kernelSha256 when the summary has them; kernelAbi in older summaries) and record layout.
 */
const SAME: readonly { field: string; get: (s: ShardDir) => unknown }[] = [
  { field: "scenarioHash", get: (s) => s.scenarioHash },
  { field: "seed", get: (s) => s.seed },
  { field: "engine", get: (s) => s.engine },
  { field: "scenario.paths", get: (s) => s.scenario.paths },
  { field: "version", get: (s) => s.version },
  { field: "engineVersion", get: (s) => s.raw.engineVersion },
  { field: "kernelSha256", get: (s) => s.raw.kernelSha256 },
  { field: "kernelAbi", get: (s) => s.raw.kernelAbi },
  { field: "recordStride", get: (s) => s.recordStride },
];

/** The directory's run.json, or undefined when it has none or it does not parse. */
async function readManifest(dir: string): Promise<RunManifest | undefined> {
  try {
    const parsed: unknown = JSON.parse((await readRegularFile(join(dir, MANIFEST), 1 << 20)) ?? "null");
    return typeof parsed === "object" && parsed !== null ? (parsed as RunManifest) : undefined;
  } catch {
    return undefined;
  }
}

/** A value for a problem line; long hashes shortened to their first 16 digits, which tell them apart. */
const show = (v: unknown) => (typeof v === "string" && /^[0-9a-f]{32,}$/.test(v) ? `${v.slice(0, 16)}…` : formatValue(v));

const span = (first: number, end: number) => (end - first === 1 ? `path ${first}` : `paths ${first} to ${end - 1}`);

/** The shards (i/n, when every directory says the same n) whose paths fall in [first, end). */
function missingShards(shards: readonly ShardDir[], total: number, first: number, end: number): string {
  const n = shards[0].shard?.count;
  if (n === undefined || shards.some((s) => s.shard?.count !== n)) return "";
  const names: string[] = [];
  for (let i = 1; i <= n; i++) {
    const r = shardRange(total, { index: i, count: n });
    if (r.end > r.first && r.first >= first && r.end <= end) names.push(`${i}/${n}`);
  }
  return names.length > 0 ? ` (shard ${names.join(", ")} missing?)` : "";
}

/** Problems with how the shards' path ranges fit together: they must tile 0 … total−1 exactly once. */
function checkCoverage(shards: readonly ShardDir[], total: number): string[] {
  const problems: string[] = [];
  let expected = 0;
  let prev: ShardDir | undefined;
  for (const s of shards) {
    const file = join(s.dir, "summary.json");
    const end = s.firstPath + s.paths;
    const after = prev ? `to continue ${prev.dir}` : "for the first shard";
    if (s.firstPath > expected) {
      problems.push(
        `${file}: firstPath must be ${expected} ${after} (received ${s.firstPath}): ` +
          `${span(expected, s.firstPath)} are in no directory${missingShards(shards, total, expected, s.firstPath)}`,
      );
    } else if (s.firstPath < expected) {
      problems.push(
        `${file}: firstPath must be ${expected} ${after} (received ${s.firstPath}): ` +
          `its ${span(s.firstPath, Math.min(end, expected))} overlap ${prev!.dir}`,
      );
    }
    if (end > total) problems.push(`${file}: firstPath + paths must be at most scenario.paths ${total} (received ${end})`);
    expected = Math.max(expected, end);
    prev = s;
  }
  if (expected < total && prev) {
    problems.push(
      `${join(prev.dir, "summary.json")}: firstPath + paths must reach scenario.paths ${total} for the last shard (received ${expected}): ` +
        `${span(expected, total)} are in no directory${missingShards(shards, total, expected, total)}`,
    );
  }
  return problems;
}

/** The directories in order, each once: one named twice (also through another path to it) is a problem. */
export async function distinctDirs(dirs: readonly string[], problems: string[]): Promise<string[]> {
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const dir of dirs) {
    const real = await realpath(dir).catch(() => dir);
    const twice = seen.get(real);
    if (twice !== undefined) {
      problems.push(`${dir} must be given once (received it twice${twice === dir ? "" : `, also as ${twice}`})`);
      continue;
    }
    seen.set(real, dir);
    out.push(dir);
  }
  return out;
}

/** Reads the shard directories and checks that they belong together and tile every path once. */
export async function checkShards(dirs: readonly string[]): Promise<ShardDir[]> {
  if (dirs.length === 0) throw new InputError("merge needs at least one shard directory (received none)");
  const problems: string[] = [];
  const shards: ShardDir[] = [];
  for (const dir of await distinctDirs(dirs, problems)) {
    const shard = await readShardDir(dir, problems);
    if (shard) shards.push(shard);
  }
  if (problems.length > 0) throw new InputError(problems);

  const ref = shards[0];
  for (const s of shards.slice(1)) {
    for (const { field, get } of SAME) {
      if (get(s) !== get(ref)) {
        problems.push(
          `${join(s.dir, "summary.json")}: ${field} must be ${show(get(ref))} as in ${ref.dir} (received ${show(get(s))})`,
        );
      }
    }
    if (s.table.format !== ref.table.format) {
      problems.push(`${s.dir}: the per-path table must be ${ref.table.format} as in ${ref.dir} (received ${s.table.format})`);
    }
  }
  if (problems.length > 0) throw new InputError(problems);

  shards.sort((a, b) => a.firstPath - b.firstPath);
  problems.push(...checkCoverage(shards, ref.scenario.paths));
  if (problems.length > 0) throw new InputError(problems);
  return shards;
}

export interface MergeOptions {
  /** Output directory: gets paths.csv or paths.parquet (the shards' format) and summary.json. */
  outDir: string;
  /** Replace the outputs of another run in `outDir` instead of refusing. */
  force?: boolean;
}

export interface MergeResult {
  summary: Summary;
  /** The merged per-path table. */
  table: PathsFile;
  /** The shard directories, in path order. */
  shards: string[];
}

/** Reads a shard's rows and checks they are the paths its summary.json promises. */
export async function readShardRows(s: ShardDir): Promise<PathsCsv> {
  let rows: PathsCsv;
  try {
    rows = await readPathsFile(s.table.file, s.table.format, recordNamesOf(s.scenario));
  } catch (err) {
    throw new InputError(`${s.table.file} must be a readable per-path table (received ${(err as Error).message})`);
  }
  if (rows.count !== s.paths) {
    throw new InputError(
      `${s.table.file} must hold ${s.paths} rows, the paths of ${join(s.dir, "summary.json")} (received ${rows.count})`,
    );
  }
  for (let i = 0; i < rows.count; i++) {
    if (rows.paths[i] !== s.firstPath + i) {
      throw new InputError(`${s.table.file} row ${i + 1}: path must be ${s.firstPath + i} (received ${rows.paths[i]})`);
    }
  }
  // its own records hash: a value changed after the shard was written is refused, not merged
  const hash = hashRecords(rows.records, rows.count, rows.records.length / Math.max(1, rows.count));
  if (hash !== s.recordsHash) {
    throw new InputError(
      `${s.table.file} must hash to the recordsHash of ${join(s.dir, "summary.json")} (${s.recordsHash.slice(0, 16)}…; received ${hash.slice(0, 16)}…): the file was changed after the shard was written`,
    );
  }
  return rows;
}

/**
 * Merges shard output directories (any order) into `options.outDir`: the per-path table of all paths, in
 * path order and in the shards' format (byte-identical to an unsharded run's), and summary.json recomputed
 * from the merged columns. Every problem with the inputs is an InputError naming the directory and field.
 * @example
 * await mergeShards(["out-1", "out-2", "out-3"], { outDir: "out" });
 */
export async function mergeShards(dirs: readonly string[], options: MergeOptions): Promise<MergeResult> {
  const shards = await checkShards(dirs);
  const outReal = await realpath(options.outDir).catch(() => undefined);
  for (const s of shards) {
    if (outReal !== undefined && (await realpath(s.dir)) === outReal) {
      throw new InputError(`--out must not be one of the shard directories (received ${options.outDir})`);
    }
  }
  const fan = await mergeFans(shards);
  await ensureDir(options.outDir);
  const lock = await lockOutDir(options.outDir);
  try {
    return await mergeLocked(shards, options, fan);
  } finally {
    await lock.release();
  }
}

/**
 * The shards' fan states added up, or undefined when none has fan charts. Each shard's fan.json must be of its paths
 * (firstPath, paths and records hash as its summary.json says) and give its summary.json's `fan`; either every shard
 * has one or none has.
 */
async function mergeFans(shards: readonly ShardDir[]): Promise<FanHistograms | undefined> {
  const problems: string[] = [];
  const withFan = shards.filter((s) => s.raw.fan !== undefined);
  if (withFan.length === 0) return undefined;
  if (withFan.length < shards.length) {
    const without = shards.find((s) => s.raw.fan === undefined)!;
    throw new InputError(
      `${join(without.dir, "summary.json")} must have a fan as ${join(withFan[0].dir, "summary.json")} has (received none: run that shard again without --no-fan)`,
    );
  }
  let total: FanHistograms | undefined;
  for (const s of shards) {
    const file = join(s.dir, FAN_JSON);
    let saved: FanFile | undefined;
    try {
      saved = await readFanState(s.dir);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
      continue;
    }
    if (!saved) {
      problems.push(`${file} must be there: ${join(s.dir, "summary.json")} has a fan (received no such file)`);
      continue;
    }
    if (saved.firstPath !== s.firstPath || saved.state.paths !== s.paths || saved.recordsHash !== s.recordsHash) {
      problems.push(
        `${file} must be of the shard's paths (firstPath ${s.firstPath}, ${s.paths} paths, its recordsHash; received firstPath ${saved.firstPath}, ${saved.state.paths} paths${saved.recordsHash !== s.recordsHash ? ", another records hash" : ""})`,
      );
      continue;
    }
    if (JSON.stringify(saved.state.summary(s.scenario.stepSeconds)) !== JSON.stringify(s.raw.fan)) {
      problems.push(
        `${file} must give the fan of ${join(s.dir, "summary.json")} (received one that does not: a file was changed after the shard was written)`,
      );
      continue;
    }
    if (!total) total = new FanHistograms(saved.state.layout);
    else if (!sameFanLayout(total.layout, saved.state.layout)) {
      problems.push(`${file} must bin the same steps and series as ${join(shards[0].dir, FAN_JSON)} (received another layout)`);
      continue;
    }
    total.merge(saved.state);
  }
  if (problems.length > 0) throw new InputError(problems);
  return total;
}

async function mergeLocked(shards: ShardDir[], options: MergeOptions, fan: FanHistograms | undefined): Promise<MergeResult> {
  const ref = shards[0];
  const total = ref.scenario.paths;
  const format = ref.table.format;
  await prepareRunDir(
    options.outDir,
    { scenarioHash: ref.scenarioHash, seed: ref.seed, engine: ref.engine, firstPath: 0, endPath: total },
    { force: options.force, what: "merge" },
  );
  // run.json as an unsharded run writes it, so `cascade verify` (and --resume) see one whole run.
  await writeManifest(options.outDir, {
    version: ref.version,
    scenarioHash: ref.scenarioHash,
    seed: ref.seed,
    engine: ref.engine,
    format,
    firstPath: 0,
    endPath: total,
    ...(ref.manifest?.baseDir !== undefined ? { baseDir: ref.manifest.baseDir } : {}),
  });
  const names = recordNamesOf(ref.scenario);
  const sink: PathSink =
    format === "csv" ? await CsvSink.open(options.outDir, names) : await ParquetSink.open(options.outDir, { names });
  const fileName = format === "csv" ? PATHS_CSV : PATHS_PARQUET;
  const columns = new MetricColumns(total, { names });
  const recordsHash = new RecordsHasher(names.length);
  try {
    for (const s of shards) {
      const rows = await readShardRows(s);
      columns.append(rows.records, rows.count, s.firstPath);
      recordsHash.update(rows.records, rows.count);
      await sink.write(s.firstPath, rows.count, { records: rows.records });
    }
    await sink.close();
  } catch (err) {
    await sink.abort();
    await rm(join(options.outDir, `${fileName}.partial`), { force: true });
    await rm(join(options.outDir, MANIFEST), { force: true }); // the merge produced nothing
    throw err;
  }

  // The extra keys of an unsharded run, in the order the shards have them: no `shard`, all paths requested.
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ref.raw)) {
    if (
      (SUMMARY_KEYS as readonly string[]).includes(key) ||
      key === "probabilityIntervals" ||
      key === "shard" ||
      key === "warnings" ||
      key === "fan"
    )
      continue;
    extra[key] = value;
  }
  Object.assign(extra, { requestedPaths: total, firstPath: 0, interrupted: false });
  if ("recordsHash" in extra) extra.recordsHash = recordsHash.digest();
  const summary = buildSummary({
    version: ref.version,
    scenario: ref.scenario,
    seed: ref.seed,
    paths: total,
    engine: ref.engine,
    // A merged result has no single run's threads or wall time: the most threads any shard used, and the
    // shards' run times added up (the time the work took one after another).
    threads: Math.max(...shards.map((s) => s.threads)),
    runtimeMs: shards.reduce((sum, s) => sum + s.runtimeMs, 0),
    columns,
    extra,
    fan: fan?.summary(ref.scenario.stepSeconds),
  });
  if (fan) await writeFanState(options.outDir, fan, 0, summary.recordsHash as string);
  await writeSummaryJson(options.outDir, summary);
  return { summary, table: { format, file: join(options.outDir, fileName) }, shards: shards.map((s) => s.dir) };
}
