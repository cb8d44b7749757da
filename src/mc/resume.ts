// What lets an interrupted run be finished: run.json, written when a run starts, says what the rows in
// the directory belong to; the rows themselves (in path order, every one complete) are the checkpoint.
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../config/errors.js";
import { PATHS_CSV, readPathsCsv } from "../report/csv.js";
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
 * Checks that `dir` holds a run of exactly this manifest, appends its finished rows to `columns` and
 * returns how many there were. Every mismatch is an input error naming what differs.
 */
export async function loadFinishedRows(dir: string, expected: RunManifest, columns: MetricColumns): Promise<number> {
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
  if (expected.format !== "csv") problems.push(`--resume supports runs written as paths.csv (received --format ${expected.format})`);
  if (problems.length > 0) throw new InputError(problems);
  const partial = join(dir, `${PATHS_CSV}.partial`);
  const source = existsSync(partial) ? partial : join(dir, PATHS_CSV);
  if (!existsSync(source)) throw new InputError([`--resume ${dir}: neither ${PATHS_CSV}.partial nor ${PATHS_CSV} is there`]);
  const rows = await readPathsCsv(source, { dropIncompleteLastRow: true });
  for (let i = 0; i < rows.count; i++) {
    if (rows.paths[i] !== expected.firstPath + i) {
      throw new InputError([`--resume ${dir}: row ${i + 1} of ${source} is path ${rows.paths[i]}, expected ${expected.firstPath + i}`]);
    }
  }
  if (rows.count > expected.endPath - expected.firstPath) throw new InputError([`--resume ${dir}: ${source} has more rows than the run has paths`]);
  if (source !== partial) {
    // a finished run: reopen it as partial so the writer's close() renames it back
    await rename(source, partial);
  }
  columns.append(rows.records, rows.count, expected.firstPath);
  return rows.count;
}
