// A sweep split into shards (`cascade sweep SWEEP --shard i/n`): what a shard runs and what it leaves behind.
//
// The unit of work is one path of one point. A sweep of P points × N paths is the sequence of P·N units, point
// after point (point 0's paths 0 … N−1, then point 1's, …); shard i of n takes the contiguous slice
// [⌊P·N·(i−1)/n⌋, ⌊P·N·i/n⌋), as `run --shard` slices one run's paths. So every shard has the same number of
// paths (±1) whatever P and n (3 shards of 4 points: a point and a third each), a shard touches at most
// ⌈P/n⌉ + 1 points (each point's set-up is paid once per shard that touches it), and n may exceed P.
//
// A shard's slice is a list of segments, one per point it touches: paths [first, end) of that point. Each
// segment is an ordinary run directory, DIR/point-NNN/ (run.json, summary.json, paths.csv or paths.parquet:
// exactly what `cascade run` writes for that path range), so resume, Ctrl-C and the records hash work as for
// runs. DIR/sweep-shard.json, the shard's manifest, says which sweep (sweepHash, seed, paths, engine, build),
// which shard, which segments, and whether it finished; it carries the sweep's record, so that `cascade merge`
// can rebuild sweep.csv, sweep.json and sweep.parquet from the shards alone.
import { join } from "node:path";
import { InputError } from "../config/errors.js";
import { KIND_WORDS, entryKind, readRegularFile, writeAtomic } from "../report/atomic.js";
import { fromExactJson, toExactJson } from "./exact-json.js";
import type { SweepRecord } from "./identity.js";
import { pointDirName } from "./load.js";

export const SHARD_MANIFEST = "sweep-shard.json";
const KIND = "cascade sweep shard";

/** A contiguous range of the sweep's point-major path units: [first, end) of total = points × paths. */
export interface ShardWork {
  first: number;
  end: number;
  total: number;
}

/** Paths [firstPath, endPath) of one point, run by one shard into DIR/`dir`. */
export interface ShardSegment {
  point: number;
  dir: string;
  firstPath: number;
  endPath: number;
}

/** The units shard `index` of `count` takes (exact integer arithmetic: P·N·i can pass 2^53). */
export function shardWork(points: number, paths: number, shard: { index: number; count: number }): ShardWork {
  const total = BigInt(points) * BigInt(paths);
  const at = (i: number) => Number((total * BigInt(i)) / BigInt(shard.count));
  return { first: at(shard.index - 1), end: at(shard.index), total: Number(total) };
}

/** The segments of a range of units, in point order (a point's paths inside the range). */
export function shardSegments(points: number, paths: number, work: { first: number; end: number }): ShardSegment[] {
  const segments: ShardSegment[] = [];
  if (paths <= 0) return segments;
  for (let p = Math.floor(work.first / paths); p < points && p * paths < work.end; p++) {
    const firstPath = Math.max(work.first - p * paths, 0);
    const endPath = Math.min(work.end - p * paths, paths);
    if (endPath > firstPath) segments.push({ point: p, dir: pointDirName(p, points), firstPath, endPath });
  }
  return segments;
}

/** sweep-shard.json. */
export interface ShardManifest {
  kind: string;
  version: string;
  engineVersion: string;
  /** SHA-256 of the release kernel (wasm runs). */
  kernelSha256?: string;
  sweepHash: string;
  /** "i/n". */
  shard: string;
  work: ShardWork;
  /** Format of the segments' per-path tables (and, merged, whether sweep.parquet is written). */
  format: "csv" | "parquet";
  /** Whether the merge writes point-NNN/ directories of whole points (the shards' --keep-paths). */
  keepPaths: boolean;
  /** True once every segment is written; an interrupted shard says false until --resume finishes it. */
  finished: boolean;
  threads: number;
  parallel: string;
  /** Wall time of the shard (of every attempt, when resumed). */
  runtimeMs: number;
  segments: ShardSegment[];
  sweep: SweepRecord;
}

/** Writes DIR/sweep-shard.json whole or not at all (exact JSON: every number reads back as the same f64). */
export async function writeShardManifest(dir: string, manifest: ShardManifest): Promise<void> {
  await writeAtomic(dir, SHARD_MANIFEST, toExactJson(manifest, 2) + "\n");
}

/** Whether `dir` holds a sweep shard's manifest (a regular file at its name). */
export async function isShardDir(dir: string): Promise<boolean> {
  return (await entryKind(join(dir, SHARD_MANIFEST)).catch(() => undefined)) !== undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Reads DIR/sweep-shard.json; undefined when there is none. A file that is not a manifest cascade wrote is an
 * InputError naming the file and the first field that is wrong.
 */
export async function readShardManifest(dir: string): Promise<ShardManifest | undefined> {
  const file = join(dir, SHARD_MANIFEST);
  const kind = await entryKind(file).catch(() => "other" as const);
  if (kind === undefined) return undefined;
  if (kind !== "file") throw new InputError(`${file} must be a regular file (received ${KIND_WORDS[kind]})`);
  const text = await readRegularFile(file);
  let m: unknown;
  try {
    m = fromExactJson(text ?? "");
  } catch (err) {
    throw new InputError(`${file} must be the JSON manifest cascade sweep --shard writes (received ${(err as Error).message})`);
  }
  const bad = (field: string, expected: string) => new InputError(`${file}: ${field} must be ${expected}`);
  if (!isRecord(m) || m.kind !== KIND) throw bad("kind", `"${KIND}"`);
  if (typeof m.version !== "string") throw bad("version", "a version string");
  if (typeof m.engineVersion !== "string") throw bad("engineVersion", "a version string");
  if (typeof m.sweepHash !== "string" || !/^[0-9a-f]{64}$/.test(m.sweepHash)) throw bad("sweepHash", "a SHA-256 in hex");
  if (typeof m.shard !== "string" || !/^\d+\/\d+$/.test(m.shard)) throw bad("shard", "i/n");
  const w = m.work;
  if (!isRecord(w) || !isCount(w.first) || !isCount(w.end) || !isCount(w.total) || w.first > w.end || w.end > w.total)
    throw bad("work", "{ first, end, total } with first <= end <= total");
  if (m.format !== "csv" && m.format !== "parquet") throw bad("format", '"csv" or "parquet"');
  if (typeof m.keepPaths !== "boolean") throw bad("keepPaths", "true or false");
  if (typeof m.finished !== "boolean") throw bad("finished", "true or false");
  if (!Array.isArray(m.segments)) throw bad("segments", "a list");
  m.segments.forEach((s: unknown, i: number) => {
    if (
      !isRecord(s) ||
      !isCount(s.point) ||
      typeof s.dir !== "string" ||
      !/^point-\d+$/.test(s.dir) ||
      !isCount(s.firstPath) ||
      !isCount(s.endPath) ||
      s.firstPath >= s.endPath
    ) {
      throw bad(`segments[${i}]`, "{ point, dir: point-NNN, firstPath, endPath } with firstPath < endPath");
    }
  });
  const sw = m.sweep;
  if (
    !isRecord(sw) ||
    !Array.isArray(sw.points) ||
    !isCount(sw.paths) ||
    !isCount(sw.seed) ||
    !isCount(sw.baseline) ||
    !Array.isArray(sw.metrics) ||
    !isRecord(sw.design) ||
    !isRecord(sw.base)
  ) {
    throw bad("sweep", "the sweep's record (points, paths, seed, baseline, metrics, design, base)");
  }
  if (sw.sweepHash !== m.sweepHash) throw bad("sweep.sweepHash", "the manifest's sweepHash");
  if (typeof m.threads !== "number") m.threads = 0;
  if (typeof m.runtimeMs !== "number") m.runtimeMs = 0;
  if (typeof m.parallel !== "string") m.parallel = "points";
  return m as unknown as ShardManifest;
}
