// `cascade merge DIR… [--out DIR]`: joins shard outputs into one result (SPEC §1), printed like `run`'s, or,
// for the shards of a sweep (each DIR holding sweep-shard.json), into the sweep's outputs, printed like `sweep`'s.
import { resolve } from "node:path";
import { InputError } from "../config/errors.js";
import { mergeShards } from "../mc/merge.js";
import { summaryToJson } from "../report/summary-json.js";
import { formatSummaryTable } from "../report/table.js";
import { isShardDir, mergeSweepShards } from "../sweep/merge.js";
import { formatSweepTable, sweepJson } from "../sweep/report.js";
import { SHARD_MANIFEST } from "../sweep/shard.js";
import { processIo, type CliIo } from "./io.js";

/** The options as commander collects them. */
export interface RawMergeOptions {
  out?: string;
  json?: boolean;
  quiet?: boolean;
  /** Replace the outputs of another run in --out instead of refusing (exit 2). */
  force?: boolean;
}

/** Merges the shard directories; resolves to the exit code (0). Bad input throws an InputError (exit 2). */
export async function mergeCommand(dirs: readonly string[], raw: RawMergeOptions, io: CliIo = processIo): Promise<number> {
  const out = raw.out ?? "./cascade-out";
  if (out.trim() === "") throw new InputError(`--out must be a directory path (received "")`);
  const sweepShards: string[] = [];
  for (const dir of dirs) if (await isShardDir(dir)) sweepShards.push(dir);
  if (sweepShards.length > 0) {
    if (sweepShards.length < dirs.length) {
      const run = dirs.find((d) => !sweepShards.includes(d))!;
      throw new InputError(
        `${run} must be a sweep shard like ${sweepShards[0]} (received no ${SHARD_MANIFEST}): merge the shards of one sweep, or of one run, at a time`,
      );
    }
    const { result, shards, parquet, keepPaths } = await mergeSweepShards(dirs, { outDir: out, force: raw.force ?? false });
    io.stdout.write(raw.json ? sweepJson(result) : formatSweepTable(result));
    if (!raw.quiet) {
      const where = resolve(out);
      const more = `${parquet ? ` and ${where}/sweep.parquet` : ""}${keepPaths ? ` and ${where}/point-*/` : ""}`;
      io.stderr.write(
        `merged ${shards.length} sweep shards (${result.pointCount} points, ${result.paths} paths each): wrote ${where}/sweep.csv and ${where}/sweep.json${more}\n`,
      );
    }
    return 0;
  }
  const result = await mergeShards(dirs, { outDir: out, force: raw.force ?? false });
  if (raw.json) io.stdout.write(summaryToJson(result.summary) + "\n");
  else io.stdout.write(formatSummaryTable(result.summary) + "\n");
  if (!raw.quiet) {
    const where = resolve(out);
    io.stderr.write(
      `merged ${result.shards.length} shards (${result.summary.paths} paths): wrote ${where}/summary.json and ${resolve(result.table.file)}\n`,
    );
  }
  return 0;
}
