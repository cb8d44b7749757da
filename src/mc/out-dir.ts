// The output directory of a run, a merge or a sweep: taken with an exclusive lock for as long as the command
// writes there, and checked before anything is written so that it ends up holding one consistent result.
//
// - Lock: `DIR/.cascade.lock`, created with O_CREAT|O_EXCL|O_NOFOLLOW and holding the writer's pid. A lock
//   whose pid is alive refuses the second writer (bad input, exit 2); a lock whose process is gone (killed)
//   is taken over. Released (removed, if it is still ours) when the command ends, however it ends.
// - Another result: a directory holding the outputs of ANOTHER run (run.json, or summary.json without it, of a
//   different scenario hash, seed, engine or path range; a sweep's files) is refused unless `force`. Re-running
//   the same run, or `force`, first removes every cascade output file there (the other format's paths file,
//   stale .partial files, checkpoints), so the directory never mixes two results. Files cascade does not write
//   are left alone; an entry at one of cascade's names that is not a regular file (a planted symbolic link) is
//   not an output: it is removed (never followed) or replaced by the rename of the new file.
import { randomBytes } from "node:crypto";
import { link, open, readdir, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../config/errors.js";
import { CREATE_EXCLUSIVE, entryKind, outputError, readRegularFile, removeEntry, writeAllAt } from "../report/atomic.js";
import { PATHS_CSV } from "../report/csv.js";
import { PATHS_PARQUET } from "../report/parquet.js";

export const LOCK_FILE = ".cascade.lock";
/** The resume checkpoint of an unfinished run: rows in the `.partial` file vouched for by their records hash. */
export const CHECKPOINT = "checkpoint.json";
export const MANIFEST = "run.json";
export const SUMMARY = "summary.json";

/** A run's outputs under their final names (what tells that a directory holds a result). */
const RUN_OUTPUTS = [MANIFEST, SUMMARY, PATHS_CSV, PATHS_PARQUET, "fan.json"] as const;
/** A sweep's outputs (sweep.parquet with --format parquet; a shard's manifest; an interrupted sweep's checkpoint). */
const SWEEP_OUTPUTS = ["sweep.csv", "sweep.json", "sweep.parquet", "sweep-shard.json", "sweep-checkpoint.jsonl"] as const;
/** A run's traced paths (`run --trace`, src/trace): written after the run, so a fresh run removes another's. */
const TRACE_OUTPUTS = ["events.csv", "steps.csv", "events.parquet", "steps.parquet"] as const;
/** What a run leaves on its way: partial files, the checkpoint, run.json's old temp name. */
const RUN_TEMPS = [
  `${PATHS_CSV}.partial`,
  `${PATHS_PARQUET}.partial`,
  `${PATHS_PARQUET}.resuming`,
  CHECKPOINT,
  `${MANIFEST}.partial`,
] as const;

export interface OutLock {
  readonly file: string;
  /** Removes the lock file if it is still this process's. Never throws. */
  release(): Promise<void>;
}

/** A lock whose content cannot be read yet may be one being written: it counts as held for this long. */
const YOUNG_LOCK_MS = 10_000;

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

interface LockHolder {
  text?: string;
  pid?: number;
  live: boolean;
}

async function readLock(file: string): Promise<LockHolder> {
  const kind = await entryKind(file);
  if (kind === undefined) return { live: false };
  if (kind === "dir") throw new InputError([`${file} must be a lock file (received a directory): remove it`]);
  if (kind !== "file") return { live: false }; // a link or a special file: not a cascade lock, replace it
  let text: string | undefined;
  try {
    text = await readRegularFile(file, 4096);
  } catch {
    text = undefined;
  }
  const m = text !== undefined ? /^(\d+) [0-9a-f]+\n$/.exec(text) : null;
  if (!m) {
    const age = await stat(file).then(
      (s) => Date.now() - s.mtimeMs,
      () => Infinity,
    );
    return { text, live: age < YOUNG_LOCK_MS };
  }
  const pid = Number(m[1]);
  return { text, pid, live: pidAlive(pid) };
}

function inUse(dir: string, file: string, pid?: number): InputError {
  return new InputError([
    `${dir} is in use by another cascade process (${pid !== undefined ? `pid ${pid}` : "its lock is being written"}; lock file ${file}): ` +
      `wait for it to finish, or remove the lock file if no such process is running`,
  ]);
}

/**
 * Takes the exclusive lock of `dir` (which must exist). A live holder makes it an InputError naming the pid
 * and the lock file; a dead one's lock is taken over.
 */
export async function lockOutDir(dir: string): Promise<OutLock> {
  const file = join(dir, LOCK_FILE);
  const content = `${process.pid} ${randomBytes(8).toString("hex")}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fh: FileHandle;
    try {
      fh = await open(file, CREATE_EXCLUSIVE, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw outputError(err, file, "create the lock file");
      const holder = await readLock(file);
      if (holder.live) throw inUse(dir, file, holder.pid);
      // Stale: move it aside, then make sure what was moved is the lock judged stale (another process may
      // have taken it over in between: then its lock is put back and this one gives way).
      const aside = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.stale`;
      try {
        await rename(file, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw outputError(e, file, "take over the stale lock file");
      }
      const moved = await readRegularFile(aside, 4096).catch(() => undefined);
      if (moved !== holder.text) {
        await link(aside, file).catch(() => undefined);
        await rm(aside, { force: true });
        throw inUse(dir, file);
      }
      await rm(aside, { force: true });
      continue;
    }
    try {
      await writeAllAt(fh, Buffer.from(content, "latin1"), 0);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(file, { force: true });
      throw outputError(err, file, "write the lock file");
    }
    await fh.close();
    return {
      file,
      async release() {
        const now = await readRegularFile(file, 4096).catch(() => undefined);
        if (now === content) await rm(file, { force: true }).catch(() => undefined);
      },
    };
  }
  throw inUse(dir, file);
}

/** What identifies a run's result: what --resume must match, and what makes a directory "another run". */
export interface RunIdentity {
  scenarioHash: string;
  seed: number;
  engine: string;
  firstPath: number;
  endPath: number;
}

/** In the order a message names the first that differs (the seed is part of the scenario hash too). */
const IDENTITY_KEYS: readonly (keyof RunIdentity)[] = ["seed", "engine", "firstPath", "endPath", "scenarioHash"];

/** A value for a message: numbers and short tokens as they are, hashes shortened, anything else described. */
export function showValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "string" && /^[0-9a-f]{32,}$/.test(v)) return `${v.slice(0, 16)}…`;
  if (typeof v === "string" && /^[\w.+/-]{1,40}$/.test(v)) return JSON.stringify(v);
  if (v === undefined) return "nothing";
  return `a ${v === null ? "null" : typeof v} value`;
}

async function readJsonObject(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await readRegularFile(file).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The identity recorded in DIR: run.json's, else summary.json's; undefined when neither says. */
async function recordedIdentity(
  dir: string,
  kinds: Map<string, string | undefined>,
): Promise<{ from: string; id: Partial<Record<keyof RunIdentity, unknown>> } | undefined> {
  if (kinds.get(MANIFEST) === "file") {
    const m = await readJsonObject(join(dir, MANIFEST));
    if (!m) return { from: MANIFEST, id: {} };
    return { from: MANIFEST, id: Object.fromEntries(IDENTITY_KEYS.map((k) => [k, m[k]])) };
  }
  if (kinds.get(SUMMARY) === "file") {
    const s = await readJsonObject(join(dir, SUMMARY));
    if (!s) return { from: SUMMARY, id: {} };
    const first = s.firstPath;
    const requested = s.requestedPaths;
    const end = typeof first === "number" && typeof requested === "number" ? first + requested : undefined;
    return {
      from: SUMMARY,
      id: { scenarioHash: s.scenarioHash, seed: s.seed, engine: s.engine, firstPath: first, endPath: end },
    };
  }
  return undefined;
}

async function kindsOf(dir: string, names: readonly string[]): Promise<Map<string, string | undefined>> {
  const kinds = new Map<string, string | undefined>();
  for (const name of names) {
    try {
      kinds.set(name, await entryKind(join(dir, name)));
    } catch (err) {
      throw outputError(err, join(dir, name), "inspect");
    }
  }
  return kinds;
}

async function removeAll(dir: string, names: readonly string[], kinds: Map<string, string | undefined>): Promise<void> {
  for (const name of names) {
    const kind = kinds.get(name);
    if (kind === undefined) continue;
    if (kind === "dir")
      throw new InputError([`${join(dir, name)} must not be a directory (cascade writes a file there): remove it`]);
    await removeEntry(join(dir, name));
  }
}

export interface PrepareOptions {
  /** Replace another run's outputs instead of refusing. */
  force?: boolean;
  /** The command, for messages: "run", "merge". */
  what?: string;
}

/**
 * Before a fresh run (not a resume) or a merge writes into `dir`: refuses a directory that holds another
 * result unless `force`, and removes every cascade output file there (same run re-run, or forced), so that
 * the directory holds this run's files only. Returns true when another result was replaced.
 */
export async function prepareRunDir(dir: string, identity: RunIdentity, options: PrepareOptions = {}): Promise<boolean> {
  const names = [...RUN_OUTPUTS, ...SWEEP_OUTPUTS, ...RUN_TEMPS, ...TRACE_OUTPUTS];
  const kinds = await kindsOf(dir, names);
  const outputs = [...RUN_OUTPUTS, ...SWEEP_OUTPUTS].filter((n) => kinds.get(n) === "file");
  let other: string | undefined;
  if (outputs.length > 0) {
    const sweepFile = SWEEP_OUTPUTS.find((n) => kinds.get(n) === "file");
    const recorded = await recordedIdentity(dir, kinds);
    if (sweepFile) other = `a sweep's ${sweepFile}`;
    else if (!recorded) other = `${outputs.join(" and ")} without a run.json or summary.json saying whose`;
    else {
      const key = IDENTITY_KEYS.find((k) => recorded.id[k] !== identity[k]);
      if (key)
        other = `its ${recorded.from} has ${key} ${showValue(recorded.id[key])}, this ${options.what ?? "run"}'s is ${showValue(identity[key])}`;
    }
  }
  if (other !== undefined && !options.force) {
    throw new InputError([
      `${dir} holds the outputs of another run (${other}): choose another --out, remove them, or pass --force to replace them`,
    ]);
  }
  await removeAll(
    dir,
    [...RUN_OUTPUTS.filter((n) => n !== MANIFEST), ...RUN_TEMPS, ...TRACE_OUTPUTS, ...(other !== undefined ? SWEEP_OUTPUTS : [])],
    kinds,
  );
  return other !== undefined;
}

/**
 * Before a sweep writes into `dir`: refuses a directory holding another sweep's outputs (a different base
 * scenario, design, seed, path count or engine: `identity` compares them) or a run's, unless `force`; with
 * `force` those files are removed, and so are `point-*` directories that are not points of this sweep.
 */
export async function prepareSweepDir(
  dir: string,
  identity: string,
  identityOf: (recorded: Record<string, unknown>) => string,
  pointDirs: ReadonlySet<string>,
  options: PrepareOptions = {},
): Promise<void> {
  const names = [...RUN_OUTPUTS, ...SWEEP_OUTPUTS, ...RUN_TEMPS];
  const kinds = await kindsOf(dir, names);
  let other: string | undefined;
  const runFile = RUN_OUTPUTS.find((n) => kinds.get(n) === "file");
  if (runFile) other = `a run's ${runFile}`;
  else if (kinds.get("sweep.json") === "file") {
    const recorded = await readJsonObject(join(dir, "sweep.json"));
    if (!recorded || identityOf(recorded) !== identity)
      other = "its sweep.json is of another sweep: base scenario, design, seed, paths or engine differ";
  } else if (kinds.get("sweep.csv") === "file") other = "a sweep.csv without its sweep.json";
  if (other !== undefined && !options.force) {
    throw new InputError([
      `${dir} holds the outputs of another run (${other}): choose another --out, remove them, or pass --force to replace them`,
    ]);
  }
  if (other === undefined) return;
  await removeAll(dir, names, kinds);
  await removeOtherPointDirs(dir, pointDirs);
}

/** Removes the point-* directories of `dir` not in `keep`. */
export async function removeOtherPointDirs(dir: string, keep: ReadonlySet<string>): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw outputError(err, dir, "list");
  }
  for (const name of entries) {
    if (!/^point-\d+$/.test(name) || keep.has(name)) continue;
    await rm(join(dir, name), { recursive: true, force: true }).catch((err: unknown) => {
      throw outputError(err, join(dir, name), "remove");
    });
  }
}

/**
 * After a run that cannot be resumed (a sweep point) failed: removes what it left on its way (run.json, the
 * `.partial` files, the checkpoint), so that no half-written result stays behind. Never throws.
 */
export async function discardUnfinished(dir: string): Promise<void> {
  for (const name of [MANIFEST, ...RUN_TEMPS]) await removeEntry(join(dir, name)).catch(() => undefined);
}
