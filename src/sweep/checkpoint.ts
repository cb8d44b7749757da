// What lets an interrupted (unsharded) sweep be finished: `sweep-checkpoint.jsonl` in its output directory,
// one line per finished point in the order they finished, each the point's summary and its paired differences
// against the baseline in exact JSON (every f64 bit kept), after a header line saying which sweep it is.
// Lines are appended as points finish, so a kill loses at most the points in flight; a line cut by a kill is
// dropped on resume. The checkpoint is removed when the sweep finishes. Points are the unit: a point stopped
// half-way runs again from its first path (with --shard, a point's paths resume where they stopped).
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../config/errors.js";
import {
  READ_NOFOLLOW,
  RDWR_NOFOLLOW,
  createExclusive,
  entryKind,
  outputError,
  readRegularFile,
  removeEntry,
  writeAllAt,
  KIND_WORDS,
} from "../report/atomic.js";
import type { Summary } from "../report/summary-json.js";
import { showValue } from "../mc/out-dir.js";
import { fromExactJson, toExactJson } from "./exact-json.js";
import type { PointDifferences } from "./run.js";

export const SWEEP_CHECKPOINT = "sweep-checkpoint.jsonl";

const KIND = "cascade sweep checkpoint";

/** The first line: which sweep the points belong to, and how its outputs are written. */
export interface CheckpointHeader {
  kind?: string;
  version: string;
  sweepHash: string;
  engineVersion: string;
  kernelSha256?: string;
  format: string;
  keepPaths: boolean;
  points: number;
}

/** One finished point. */
export interface CheckpointEntry {
  index: number;
  summary: Summary;
  differences: PointDifferences;
}

/** Header fields a resume must match, in the order a message names the first that differs. */
const SAME: readonly (keyof CheckpointHeader)[] = ["sweepHash", "engineVersion", "kernelSha256", "format", "keepPaths", "points"];
const WHY: Partial<Record<keyof CheckpointHeader, string>> = {
  sweepHash: "the same sweep file, --set, --paths, --seed and --engine are needed",
  engineVersion: "resume with the build that started it",
  kernelSha256: "resume with the build that started it",
  format: "the same --format is needed",
  keepPaths: "the same --keep-paths is needed",
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The sweepHash in the header of DIR's checkpoint (read from its first line only); undefined when there is none or it is unreadable. */
export async function checkpointSweepHash(dir: string): Promise<string | undefined> {
  let fh: FileHandle | undefined;
  try {
    if ((await entryKind(join(dir, SWEEP_CHECKPOINT))) !== "file") return undefined;
    fh = await open(join(dir, SWEEP_CHECKPOINT), READ_NOFOLLOW);
    const buf = Buffer.alloc(1 << 16);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString("utf8");
    const header = fromExactJson(text.slice(0, text.indexOf("\n") >>> 0));
    return isRecord(header) && typeof header.sweepHash === "string" ? header.sweepHash : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

export class SweepCheckpoint {
  private constructor(
    private readonly fh: FileHandle,
    readonly file: string,
    private position: number,
  ) {}

  /** Starts a new checkpoint in `dir` (replacing one there, never through a link), header written. */
  static async create(dir: string, header: CheckpointHeader): Promise<SweepCheckpoint> {
    const file = join(dir, SWEEP_CHECKPOINT);
    const fh = await createExclusive(file);
    const cp = new SweepCheckpoint(fh, file, 0);
    try {
      await cp.put(toExactJson({ kind: KIND, ...header }) + "\n");
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
    return cp;
  }

  /**
   * Reopens the checkpoint of the interrupted sweep in `dir`: its header must match `expected` (every
   * mismatch an InputError line naming the field), its complete lines are the finished points, a line cut by
   * a kill is dropped. Returns undefined when there is no checkpoint.
   */
  static async reopen(
    dir: string,
    expected: CheckpointHeader,
  ): Promise<{ checkpoint: SweepCheckpoint; entries: Map<number, CheckpointEntry> } | undefined> {
    const file = join(dir, SWEEP_CHECKPOINT);
    const kind = await entryKind(file);
    if (kind === undefined) return undefined;
    if (kind !== "file") throw new InputError(`--resume ${dir}: ${file} must be a regular file (received ${KIND_WORDS[kind]})`);
    // at most MAX_POINTS lines of a few tens of kB: well below the longest string V8 holds (2^29 characters)
    const text = (await readRegularFile(file, 1 << 29)) ?? "";
    const refuse = (what: string) =>
      new InputError(`--resume ${dir}: ${file} ${what}; remove the directory to start the sweep over`);
    const end = text.lastIndexOf("\n") + 1; // what follows the last newline was cut by a kill
    const lines = text.slice(0, end).split("\n").slice(0, -1);
    if (lines.length === 0) throw refuse("has no header line");
    let header: unknown;
    try {
      header = fromExactJson(lines[0]);
    } catch {
      header = undefined;
    }
    if (!isRecord(header) || header.kind !== KIND) throw refuse("must start with the header cascade writes");
    const problems: string[] = [];
    for (const key of SAME) {
      if (header[key] !== expected[key]) {
        problems.push(
          `--resume ${dir}: ${key} of the interrupted sweep is ${showValue(header[key])}, this sweep's is ${showValue(expected[key])} (${WHY[key] ?? "the same sweep is needed"})`,
        );
      }
    }
    if (problems.length > 0) throw new InputError(problems);
    const entries = new Map<number, CheckpointEntry>();
    for (let i = 1; i < lines.length; i++) {
      let entry: unknown;
      try {
        entry = fromExactJson(lines[i]);
      } catch {
        throw refuse(`line ${i + 1} must be a finished point as cascade writes it (it does not parse)`);
      }
      const index = isRecord(entry) ? entry.index : undefined;
      if (
        !isRecord(entry) ||
        typeof index !== "number" ||
        !Number.isInteger(index) ||
        index < 0 ||
        index >= expected.points ||
        !isRecord(entry.summary) ||
        !isRecord(entry.differences)
      ) {
        throw refuse(`line ${i + 1} must be a finished point as cascade writes it`);
      }
      if (entries.has(index)) throw refuse(`line ${i + 1} repeats point ${index}`);
      entries.set(index, entry as unknown as CheckpointEntry);
    }
    let fh: FileHandle;
    try {
      fh = await open(file, RDWR_NOFOLLOW);
      await fh.truncate(Buffer.byteLength(text.slice(0, end), "utf8"));
    } catch (err) {
      throw outputError(err, file, "reopen");
    }
    return { checkpoint: new SweepCheckpoint(fh, file, Buffer.byteLength(text.slice(0, end), "utf8")), entries };
  }

  /** Appends a finished point (one write; synced by close()). */
  append(entry: CheckpointEntry): Promise<void> {
    return this.put(toExactJson(entry) + "\n");
  }

  /** Syncs and closes the file (kept for --resume). Never throws. */
  async close(): Promise<void> {
    await this.fh.sync().catch(() => undefined);
    await this.fh.close().catch(() => undefined);
  }

  /** Closes and removes the file: the sweep finished. */
  async remove(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await removeEntry(this.file);
  }

  /** Writes are chained: lines never interleave, whoever calls. */
  private queue: Promise<void> = Promise.resolve();

  private put(text: string): Promise<void> {
    const write = this.queue.then(async () => {
      try {
        this.position = await writeAllAt(this.fh, Buffer.from(text, "utf8"), this.position);
      } catch (err) {
        throw outputError(err, this.file);
      }
    });
    this.queue = write.catch(() => undefined);
    return write;
  }
}
