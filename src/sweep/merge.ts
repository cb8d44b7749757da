// `cascade merge` of sweep shards: checks that the shards belong together (one sweep: the same sweepHash,
// shard count, build, format) and cover every path of every point exactly once, then rebuilds each point
// from its segments (the run merge's checks on each point's path ranges, the records checked against their
// hashes), computes every statistic and paired difference from the merged columns, and writes sweep.csv,
// sweep.json (and sweep.parquet, point-NNN/) exactly as the unsharded sweep writes them.
//
// Memory: the baseline's columns plus one point's at a time (8 bytes × paths × RECORD_STRIDE each).
import { realpath, rm } from "node:fs/promises";
import { join } from "node:path";
import { InputError, formatValue } from "../config/errors.js";
import { checkShards, distinctDirs, mergeShards, readShardRows, type ShardDir } from "../mc/merge.js";
import { lockOutDir, prepareSweepDir, showValue } from "../mc/out-dir.js";
import { ensureDir, entryKind, removeEntry } from "../report/atomic.js";
import { buildSummary, type EngineName, type Summary } from "../report/summary-json.js";
import { MetricColumns } from "../stats/columns.js";
import { scenarioRecordNames } from "../engine/markets-setup.js";
import { SWEEP_CHECKPOINT } from "./checkpoint.js";
import { pointDirName } from "./load.js";
import { designJson, sweepIdentity, writeSweepOutputs } from "./report.js";
import { pointDifferences, pointResult, sweepResultOf, type SweepPointResult, type SweepResult } from "./run.js";
import { SHARD_MANIFEST, isShardDir, readShardManifest, shardSegments, shardWork, type ShardManifest } from "./shard.js";

export { isShardDir };

export interface SweepMergeOptions {
  /** Output directory: sweep.csv, sweep.json (sweep.parquet with the shards' --format parquet, point-NNN/ with their --keep-paths). */
  outDir: string;
  /** Replace the outputs of another run or sweep in `outDir` instead of refusing. */
  force?: boolean;
}

export interface SweepMergeResult {
  result: SweepResult;
  /** The shard directories, in shard order. */
  shards: string[];
  /** Whether sweep.parquet was written (the shards' --format parquet). */
  parquet: boolean;
  /** Whether point-NNN/ directories were written (the shards' --keep-paths). */
  keepPaths: boolean;
}

interface Shard {
  dir: string;
  file: string;
  m: ShardManifest;
  index: number;
  count: number;
}

/** Point-paths [first, end) in words: "every path of points 2 to 4", or "point 2 path 12 to point 4 path 23". */
const span = (first: number, end: number, paths: number) => {
  const p0 = Math.floor(first / paths);
  const p1 = Math.floor((end - 1) / paths);
  if (first % paths === 0 && end % paths === 0)
    return p0 === p1 ? `every path of point ${p0}` : `every path of points ${p0} to ${p1}`;
  const at = (u: number) => `point ${Math.floor(u / paths)} path ${u % paths}`;
  return `${at(first)} to ${at(end - 1)}`;
};

/** Reads the shards' manifests and checks they are the finished shards of one sweep that together cover it once. */
async function checkSweepShards(dirs: readonly string[]): Promise<Shard[]> {
  if (dirs.length === 0) throw new InputError("merge needs at least one shard directory (received none)");
  const problems: string[] = [];
  const shards: Shard[] = [];
  for (const dir of await distinctDirs(dirs, problems)) {
    const file = join(dir, SHARD_MANIFEST);
    try {
      const m = await readShardManifest(dir);
      if (!m) {
        problems.push(`${dir} must be a sweep shard's output directory (received no ${SHARD_MANIFEST})`);
        continue;
      }
      const [index, count] = m.shard.split("/").map(Number);
      if (!(count >= 1 && index >= 1 && index <= count)) {
        problems.push(`${file}: shard must be i/n with 1 <= i <= n (received ${formatValue(m.shard)})`);
        continue;
      }
      shards.push({ dir, file, m, index, count });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new InputError(problems);

  for (const s of shards) {
    if (!s.m.finished) {
      problems.push(
        `${s.file}: finished must be true (received false): shard ${s.m.shard} was interrupted; finish it with cascade sweep SWEEP --shard ${s.m.shard} --resume ${s.dir}`,
      );
    }
  }
  const ref = shards[0];
  const SAME: readonly { field: string; get: (s: Shard) => unknown }[] = [
    { field: "sweepHash", get: (s) => s.m.sweepHash },
    { field: "shard count", get: (s) => s.count },
    { field: "version", get: (s) => s.m.version },
    { field: "engineVersion", get: (s) => s.m.engineVersion },
    { field: "kernelSha256", get: (s) => s.m.kernelSha256 },
    { field: "format", get: (s) => s.m.format },
    { field: "keepPaths", get: (s) => s.m.keepPaths },
  ];
  for (const s of shards.slice(1)) {
    for (const { field, get } of SAME) {
      if (get(s) !== get(ref)) {
        const hint = field === "sweepHash" ? ": shards of another sweep (file, --set, --paths, --seed or --engine differ)" : "";
        problems.push(
          `${s.file}: ${field} must be ${showValue(get(ref))} as in ${ref.dir} (received ${showValue(get(s))})${hint}`,
        );
      }
    }
  }
  if (problems.length > 0) throw new InputError(problems);

  // each shard's slice is what its i/n gives, and its segments are that slice
  const pointCount = ref.m.sweep.points.length;
  const paths = ref.m.sweep.paths;
  for (const s of shards) {
    const w = shardWork(pointCount, paths, { index: s.index, count: s.count });
    if (s.m.work.first !== w.first || s.m.work.end !== w.end || s.m.work.total !== w.total) {
      problems.push(
        `${s.file}: work must be [${w.first}, ${w.end}) of ${w.total} for shard ${s.m.shard} (received [${s.m.work.first}, ${s.m.work.end}) of ${s.m.work.total})`,
      );
      continue;
    }
    const expected = JSON.stringify(shardSegments(pointCount, paths, w));
    if (JSON.stringify(s.m.segments) !== expected)
      problems.push(`${s.file}: segments must be the points and paths of shard ${s.m.shard}'s slice (received others)`);
  }
  if (problems.length > 0) throw new InputError(problems);

  // together: every unit once
  shards.sort((a, b) => a.m.work.first - b.m.work.first || a.m.work.end - b.m.work.end);
  const total = ref.m.work.total;
  const missing = (first: number, end: number) => {
    const names: string[] = [];
    for (let i = 1; i <= ref.count; i++) {
      const w = shardWork(pointCount, paths, { index: i, count: ref.count });
      if (w.end > w.first && w.first >= first && w.end <= end) names.push(`${i}/${ref.count}`);
    }
    return names.length > 0 ? ` (shard ${names.join(", ")} missing?)` : "";
  };
  let expected = 0;
  let prev: Shard | undefined;
  for (const s of shards) {
    const { first, end } = s.m.work;
    if (first === end) continue; // a shard with no paths (more shards than paths) covers nothing
    if (first > expected)
      problems.push(
        `${s.file}: the shards must cover every path of every point once: ${span(expected, first, paths)} are in no directory${missing(expected, first)}`,
      );
    else if (first < expected)
      problems.push(
        `${s.file}: shard ${s.m.shard} must not overlap ${prev!.dir} (shard ${prev!.m.shard}): both hold ${span(first, Math.min(end, expected), paths)}`,
      );
    expected = Math.max(expected, end);
    prev = s;
  }
  if (expected < total)
    problems.push(
      `the shards must cover every path of every point once: ${span(expected, total, paths)} are in no directory${missing(expected, total)}`,
    );
  if (problems.length > 0) throw new InputError(problems);
  return shards.sort((a, b) => a.index - b.index);
}

/**
 * Merges the directories of `cascade sweep SWEEP --shard i/n` (i = 1 … n, any order) into the unsharded
 * sweep's outputs in `options.outDir`: sweep.csv and sweep.parquet byte for byte, sweep.json but for its
 * threads, parallel and runtimes. Every problem is an InputError naming the directory and the field; nothing
 * is written unless every shard checks out (point directories written before a record fails its hash are removed).
 * @example
 * await mergeSweepShards(["shard-1", "shard-2", "shard-3"], { outDir: "sweep" });
 */
export async function mergeSweepShards(dirs: readonly string[], options: SweepMergeOptions): Promise<SweepMergeResult> {
  const shards = await checkSweepShards(dirs);
  const outReal = await realpath(options.outDir).catch(() => undefined);
  for (const s of shards) {
    if (outReal !== undefined && (await realpath(s.dir)) === outReal) {
      throw new InputError(`--out must not be one of the shard directories (received ${options.outDir})`);
    }
  }
  const ref = shards[0].m;
  const record = ref.sweep;
  const pointCount = record.points.length;

  // every point's segments, and the run merge's checks on them (each point's path ranges tile all its paths)
  const segments = new Map<number, string[]>();
  for (const s of shards) {
    for (const seg of s.m.segments) {
      const list = segments.get(seg.point) ?? [];
      list.push(join(s.dir, seg.dir));
      segments.set(seg.point, list);
    }
  }
  const problems: string[] = [];
  const checked = new Map<number, ShardDir[]>();
  for (let p = 0; p < pointCount; p++) {
    try {
      const parts = await checkShards(segments.get(p) ?? []);
      if (parts[0].seed !== record.seed || parts[0].scenario.paths !== record.paths || parts[0].engine !== record.engine) {
        problems.push(
          `${join(parts[0].dir, "summary.json")}: seed, scenario.paths and engine must be ${record.seed}, ${record.paths} and ${record.engine}, the sweep's (received ${parts[0].seed}, ${parts[0].scenario.paths} and ${parts[0].engine})`,
        );
      }
      checked.set(p, parts);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new InputError(problems);

  await ensureDir(options.outDir);
  const lock = await lockOutDir(options.outDir);
  const written: string[] = [];
  try {
    const force = options.force ?? false;
    const identity = sweepIdentity({
      design: designJson(record.design),
      base: record.base,
      seed: record.seed,
      paths: record.paths,
      engine: record.engine,
    });
    const pointNames = new Set(ref.keepPaths ? record.points.map((p) => pointDirName(p.index, pointCount)) : []);
    for (const name of [SHARD_MANIFEST, SWEEP_CHECKPOINT]) {
      if ((await entryKind(join(options.outDir, name))) === undefined) continue;
      if (!force)
        throw new InputError([
          `${options.outDir} holds the outputs of another run (${name}): choose another --out, remove them, or pass --force to replace them`,
        ]);
      await removeEntry(join(options.outDir, name));
    }
    await prepareSweepDir(options.outDir, identity, (recorded) => sweepIdentity(recorded), pointNames, { force });

    const merge = async (p: number): Promise<{ summary: Summary; columns: MetricColumns }> => {
      const parts = checked.get(p)!;
      const columns = new MetricColumns(record.paths, { names: scenarioRecordNames(parts[0].scenario) });
      for (const s of parts) {
        const rows = await readShardRows(s);
        columns.append(rows.records, rows.count, s.firstPath);
      }
      const summary = buildSummary({
        version: parts[0].version,
        scenario: parts[0].scenario,
        seed: record.seed,
        paths: record.paths,
        engine: record.engine as EngineName,
        threads: Math.max(...parts.map((s) => s.threads)),
        runtimeMs: parts.reduce((sum, s) => sum + s.runtimeMs, 0),
        columns,
      });
      if (ref.keepPaths) {
        const dir = join(options.outDir, pointDirName(p, pointCount));
        // (a refusal touches nothing there, and a failed run merge removes what it began: only finished points are undone)
        await mergeShards(
          parts.map((s) => s.dir),
          { outDir: dir, force },
        );
        written.push(dir);
      }
      return { summary, columns };
    };

    const results: SweepPointResult[] = [];
    const base = await merge(record.baseline);
    for (const point of record.points) {
      const { summary, columns } = point.index === record.baseline ? base : await merge(point.index);
      const r: SweepPointResult = {
        ...pointResult(record, point, summary),
        differences: pointDifferences(columns, base.columns, point.index === record.baseline, record.metrics, record.seed),
      };
      if (ref.keepPaths) r.dir = join(options.outDir, pointDirName(point.index, pointCount));
      results.push(r);
    }
    const result = sweepResultOf(record, results, {
      threads: Math.max(...shards.map((s) => s.m.threads)),
      parallel: ref.parallel as SweepResult["parallel"],
      interrupted: false,
      runtimeMs: shards.reduce((sum, s) => sum + s.m.runtimeMs, 0),
    });
    result.version = ref.version;
    await writeSweepOutputs(options.outDir, result, { parquet: ref.format === "parquet" });
    return { result, shards: shards.map((s) => s.dir), parquet: ref.format === "parquet", keepPaths: ref.keepPaths };
  } catch (err) {
    // nothing half-way: the point directories this merge wrote go with it
    for (const dir of written) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  } finally {
    await lock.release();
  }
}
