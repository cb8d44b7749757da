// What lets an interrupted run be finished: run.json, written when a run starts, says what the rows in
// the directory belong to; the rows themselves (in path order, every one complete) are the checkpoint.
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../config/errors.js";
import { PATHS_CSV, readPathsCsv, type PathsCsv } from "../report/csv.js";
import { PATHS_PARQUET, ParquetSink } from "../report/parquet.js";
import { CsvSink, type PathSink } from "../report/sink.js";
import type { MetricColumns } from "../stats/columns.js";

export const MANIFEST = "run.json";

export interface RunManifest {
  version: string;
  scenarioHash: string;
  seed: number;
  engine: string;
  format: string;
  firstPath: number;
  endPath: number;
  /** Where the scenario's file keys are relative to (for `cascade verify`). */
  baseDir?: string;
}

export async function writeManifest(dir: string, manifest: RunManifest): Promise<void> {
  const file = join(dir, MANIFEST);
  await writeFile(`${file}.partial`, JSON.stringify(manifest, null, 2) + "\n");
  await rename(`${file}.partial`, file);
}

/**
 * Checks that `dir` holds a run of exactly this manifest, appends its finished rows to `columns`, and
 * reopens its paths file to continue after them. Every mismatch is an input error naming what differs.
 */
export async function resumeRun(dir: string, expected: RunManifest, columns: MetricColumns): Promise<{ sink: PathSink; rows: number }> {
  const file = join(dir, MANIFEST);
  let found: RunManifest;
  try {
    found = JSON.parse(await readFile(file, "utf8")) as RunManifest;
  } catch {
    throw new InputError([`--resume ${dir}: no readable ${MANIFEST} there (not the directory of a cascade run?)`]);
  }
  const problems: string[] = [];
  const keys: (keyof RunManifest)[] = ["scenarioHash", "seed", "engine", "format", "firstPath", "endPath"];
  for (const key of keys) {
    if (found[key] !== expected[key]) {
      problems.push(`--resume ${dir}: ${key} of the interrupted run is ${JSON.stringify(found[key])}, this run's is ${JSON.stringify(expected[key])} (same scenario, --set, --seed, --paths, --engine, --shard and --format are needed)`);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  const name = expected.format === "csv" ? PATHS_CSV : PATHS_PARQUET;
  const partial = join(dir, `${name}.partial`);
  if (!existsSync(partial)) {
    // a finished run: reopen it as partial, so that the writer's close() renames it back
    if (!existsSync(join(dir, name))) throw new InputError([`--resume ${dir}: neither ${name}.partial nor ${name} is there`]);
    await rename(join(dir, name), partial);
  }
  let sink: PathSink;
  let rows: PathsCsv;
  if (expected.format === "csv") {
    rows = await readPathsCsv(partial, { dropIncompleteLastRow: true });
    sink = await CsvSink.resume(dir, expected.firstPath + rows.count);
  } else {
    ({ sink, rows } = await ParquetSink.resume(dir));
  }
  const fail = async (problem: string) => {
    await sink.abort();
    throw new InputError([`--resume ${dir}: ${problem}`]);
  };
  for (let i = 0; i < rows.count; i++) {
    if (rows.paths[i] !== expected.firstPath + i) await fail(`row ${i + 1} of ${partial} is path ${rows.paths[i]}, expected ${expected.firstPath + i}`);
  }
  if (rows.count > expected.endPath - expected.firstPath) await fail(`${partial} has more rows than the run has paths`);
  columns.append(rows.records, rows.count, 0);
  return { sink, rows: rows.count };
}
