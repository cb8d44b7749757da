// What lets an interrupted run be finished: run.json, written when a run starts, says what the rows in
// the directory belong to; the rows themselves (in path order, every one complete) are the checkpoint, and
// checkpoint.json vouches for them: how many rows, the file's length, and the SHA-256 of their records (as
// summary.json's recordsHash). --resume keeps only rows whose hash checks out: a value changed in the
// `.partial` file is refused (exit 2, naming the file), never carried into the result.
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../config/errors.js";
import { KIND_WORDS, entryKind, outputError, readRegularFile, writeAtomic } from "../report/atomic.js";
import { PATHS_CSV, readPathsCsv, type PathsCsv } from "../report/csv.js";
import { PATHS_PARQUET, ParquetSink, readPathsParquet } from "../report/parquet.js";
import { CsvSink, type PathSink } from "../report/sink.js";
import type { MetricColumns } from "../stats/columns.js";
import { CHECKPOINT, MANIFEST, SUMMARY, showValue } from "./out-dir.js";
import { hashRecords } from "./records-hash.js";

export { MANIFEST };

export interface RunManifest {
  version: string;
  scenarioHash: string;
  seed: number;
  engine: string;
  format: string;
  firstPath: number;
  endPath: number;
  /** Where the scenario's file keys are relative to (informational: `cascade verify` reads nothing outside its DIR). */
  baseDir?: string;
}

/** run.json, written whole or not at all (never through a link planted at its name or its temp name). */
export async function writeManifest(dir: string, manifest: RunManifest): Promise<void> {
  await writeAtomic(dir, MANIFEST, JSON.stringify(manifest, null, 2) + "\n");
}

/** checkpoint.json: the rows of the `.partial` file a resume may keep. */
export interface Checkpoint {
  format: string;
  firstPath: number;
  /** Rows from firstPath, in path order. */
  rows: number;
  /** Length of the CSV `.partial` file holding exactly those rows (with its header). */
  bytes?: number;
  /** SHA-256 of the rows' records, as summary.json's recordsHash. */
  recordsHash: string;
}

export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  await writeAtomic(dir, CHECKPOINT, JSON.stringify(checkpoint) + "\n");
}

const HEX64 = /^[0-9a-f]{64}$/;
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** What vouches for the rows of the `.partial` file: checkpoint.json, else a summary.json of this run. */
interface Claim {
  rows: number;
  recordsHash?: string;
  bytes?: number;
  /** The file that says so (for messages); undefined when nothing does (then no row is kept). */
  source?: string;
}

async function readClaim(dir: string, expected: RunManifest): Promise<Claim> {
  const problem = (file: string, what: string) =>
    new InputError([`--resume ${dir}: ${file} ${what}; remove the directory to start the run over`]);
  const checkpointFile = join(dir, CHECKPOINT);
  const text = await readRegularFile(checkpointFile, 1 << 16);
  if (text !== undefined) {
    let c: Partial<Checkpoint>;
    try {
      c = JSON.parse(text) as Partial<Checkpoint>;
    } catch {
      throw problem(checkpointFile, "must be the JSON checkpoint cascade writes (it does not parse)");
    }
    if (c === null || typeof c !== "object") throw problem(checkpointFile, "must be a JSON object");
    if (c.format !== expected.format)
      throw problem(checkpointFile, `must be of format ${expected.format} (received ${showValue(c.format)})`);
    if (c.firstPath !== expected.firstPath)
      throw problem(checkpointFile, `must start at path ${expected.firstPath} (received ${showValue(c.firstPath)})`);
    if (!isCount(c.rows) || c.rows > expected.endPath - expected.firstPath)
      throw problem(
        checkpointFile,
        `rows must be a count of at most ${expected.endPath - expected.firstPath} (received ${showValue(c.rows)})`,
      );
    if (typeof c.recordsHash !== "string" || !HEX64.test(c.recordsHash))
      throw problem(checkpointFile, "recordsHash must be a SHA-256 in hex");
    if (c.bytes !== undefined && !isCount(c.bytes))
      throw problem(checkpointFile, `bytes must be a count (received ${showValue(c.bytes)})`);
    return { rows: c.rows, recordsHash: c.recordsHash, bytes: c.bytes, source: checkpointFile };
  }
  // A run interrupted by Ctrl-C (or finished) before checkpoints existed: its summary.json, if it is this run's.
  const summaryFile = join(dir, SUMMARY);
  const summaryText = await readRegularFile(summaryFile).catch(() => undefined);
  if (summaryText !== undefined) {
    let s: Record<string, unknown> | undefined;
    try {
      s = JSON.parse(summaryText) as Record<string, unknown>;
    } catch {
      s = undefined;
    }
    if (
      s &&
      s.scenarioHash === expected.scenarioHash &&
      s.seed === expected.seed &&
      s.engine === expected.engine &&
      s.firstPath === expected.firstPath &&
      isCount(s.paths) &&
      s.paths <= expected.endPath - expected.firstPath &&
      typeof s.recordsHash === "string" &&
      HEX64.test(s.recordsHash)
    ) {
      return { rows: s.paths, recordsHash: s.recordsHash, source: summaryFile };
    }
  }
  return { rows: 0 };
}

/**
 * Checks that `dir` holds a run of exactly this manifest, keeps the rows of its `.partial` file that its
 * checkpoint vouches for (their records hash must match: a changed file is an InputError naming it), appends
 * them to `columns`, and reopens the paths file to continue after them. Rows nothing vouches for (written
 * after the last checkpoint, before a hard kill) are dropped and computed again. Every mismatch is an input
 * error naming what differs.
 */
export async function resumeRun(
  dir: string,
  expected: RunManifest,
  columns: MetricColumns,
): Promise<{ sink: PathSink; rows: number; recordsHash?: string }> {
  const file = join(dir, MANIFEST);
  let found: RunManifest;
  try {
    const text = await readRegularFile(file, 1 << 20);
    if (text === undefined) throw new Error("missing");
    found = JSON.parse(text) as RunManifest;
    if (found === null || typeof found !== "object") throw new Error("not an object");
  } catch {
    throw new InputError([`--resume ${dir}: no readable ${MANIFEST} there (not the directory of a cascade run?)`]);
  }
  const problems: string[] = [];
  const keys: (keyof RunManifest)[] = ["scenarioHash", "seed", "engine", "format", "firstPath", "endPath"];
  for (const key of keys) {
    if (found[key] !== expected[key]) {
      problems.push(
        `--resume ${dir}: ${key} of the interrupted run is ${showValue(found[key])}, this run's is ${showValue(expected[key])} (same scenario, --set, --seed, --paths, --engine, --shard and --format are needed)`,
      );
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  const name = expected.format === "csv" ? PATHS_CSV : PATHS_PARQUET;
  const partial = join(dir, `${name}.partial`);
  const partialKind = await entryKind(partial);
  if (partialKind !== undefined && partialKind !== "file") {
    throw new InputError([`--resume ${dir}: ${partial} must be a regular file (received ${KIND_WORDS[partialKind]})`]);
  }
  if (partialKind === undefined) {
    // a finished run: reopen it as partial, so that the writer's close() renames it back
    const finalKind = await entryKind(join(dir, name));
    if (finalKind === undefined) throw new InputError([`--resume ${dir}: neither ${name}.partial nor ${name} is there`]);
    if (finalKind !== "file")
      throw new InputError([`--resume ${dir}: ${join(dir, name)} must be a regular file (received ${KIND_WORDS[finalKind]})`]);
    try {
      await rename(join(dir, name), partial);
    } catch (err) {
      throw outputError(err, partial, "reopen");
    }
  }
  const claim = await readClaim(dir, expected);
  const total = expected.endPath - expected.firstPath;
  // the record's layout: the run's (columns.names), several markets or one
  const names = columns.names;
  const stride = columns.stride;
  const refuse = (why: string) =>
    new InputError([`--resume ${dir}: ${partial} ${why}; remove the directory to start the run over`]);

  if (claim.rows === 0) {
    // nothing vouches for any row: start the file over
    const sink = expected.format === "csv" ? await CsvSink.open(dir, names) : await ParquetSink.open(dir, { names });
    return { sink, rows: 0 };
  }

  let rows: PathsCsv;
  try {
    rows =
      expected.format === "csv"
        ? await readPathsCsv(partial, { dropIncompleteLastRow: true, maxRows: claim.rows, names })
        : await readPathsParquet(partial, { truncatedAsEmpty: true, names });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw refuse(
      `must be a readable per-path table (${(err as Error).message.replace(`${partial}`, "").replace(/^[:\s]+/, "")})`,
    );
  }
  if (rows.count < claim.rows) {
    throw refuse(
      `has ${rows.count} complete rows, fewer than the ${claim.rows} that ${claim.source} records (the file was changed or cut)`,
    );
  }
  if (rows.count > total) throw refuse("has more rows than the run has paths");
  if (claim.bytes !== undefined && rows.end !== undefined && rows.end !== claim.bytes) {
    throw refuse(
      `does not match ${claim.source}: its first ${claim.rows} rows take ${rows.end} bytes, the checkpoint says ${claim.bytes} (the file was changed)`,
    );
  }
  const n = claim.rows;
  for (let i = 0; i < n; i++) {
    if (rows.paths[i] !== expected.firstPath + i)
      throw refuse(`row ${i + 1} is path ${rows.paths[i]}, expected ${expected.firstPath + i}`);
  }
  const kept: PathsCsv =
    n === rows.count ? rows : { paths: rows.paths.subarray(0, n), records: rows.records.subarray(0, n * stride), count: n };
  const hash = hashRecords(kept.records, n, stride);
  if (hash !== claim.recordsHash) {
    throw refuse(
      `does not match the records hash in ${claim.source}: a value in its first ${n} rows was changed after it was written`,
    );
  }
  const sink =
    expected.format === "csv"
      ? await CsvSink.resume(dir, expected.firstPath + n, { truncateTo: rows.end, names })
      : await ParquetSink.resumeWith(dir, kept, { names });
  columns.append(kept.records, n, 0);
  return { sink, rows: n, recordsHash: hash };
}
