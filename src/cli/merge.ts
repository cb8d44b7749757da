// `cascade merge DIR… [--out DIR]`: joins shard outputs into one result (SPEC §1), printed like `run`'s.
import { resolve } from "node:path";
import { InputError } from "../config/errors.js";
import { mergeShards } from "../mc/merge.js";
import { summaryToJson } from "../report/summary-json.js";
import { formatSummaryTable } from "../report/table.js";
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
  const result = await mergeShards(dirs, { outDir: out, force: raw.force ?? false });
  if (raw.json) io.stdout.write(summaryToJson(result.summary) + "\n");
  else io.stdout.write(formatSummaryTable(result.summary) + "\n");
  if (!raw.quiet) {
    const where = resolve(out);
    io.stderr.write(`merged ${result.shards.length} shards (${result.summary.paths} paths): wrote ${where}/summary.json and ${resolve(result.table.file)}\n`);
  }
  return 0;
}
