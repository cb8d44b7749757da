// paths.csv (SPEC §4): one row per path, `path` then the metrics in METRIC_NAMES order, written as a
// stream in path order and byte-deterministic (the same records give the same bytes however they were
// batched), plus a reader for tests, merge and resume.
//
// Why hand-written: every field is a number, so nothing needs quoting or escaping and a row is `String(x)`
// joined by commas. No speed claim against a CSV library: measured on this (loaded, 2-core) VM, writing
// costs ~10 µs per 17-field row and is dominated by number→string conversion, which any writer pays; the
// reader is ~1.5× faster than csv-parse + Number() (200k rows: 1.3–1.8 s vs 2.1–2.4 s), and ~20× faster
// than csv-parse's own `cast` option. Since formatting is the cost, `formatRecordsCsv` is exported so
// worker threads can format their batch and the main thread only appends text (`writeFormatted`).

import { open as openFile, rename, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { METRIC_NAMES, RECORD_STRIDE } from "../engine/metrics.js";
import { READ_NOFOLLOW, RDWR_NOFOLLOW, createExclusive, ensureDir, outputError, writeAllAt } from "./atomic.js";

export const PATHS_CSV = "paths.csv";
export const PATHS_CSV_HEADER = pathsCsvHeader(METRIC_NAMES);

/** The header of a run's paths.csv: `path`, then the record's columns (recordNames: METRIC_NAMES for one market). */
export function pathsCsvHeader(names: readonly string[]): string {
  return ["path", ...names].join(",");
}

/**
 * One CSV field: JavaScript's shortest round-trip decimal (`String(x)`), so `Number(field)` gives back the
 * same bits; integers print without ".0" (3, −1), large/small magnitudes in exponent form (1e+21, 1e-300).
 * −0 prints as "-0" (String(−0) would lose the sign); NaN and ±Infinity print as NaN, Infinity, -Infinity.
 */
export function formatNumber(x: number): string {
  return x === 0 && 1 / x < 0 ? "-0" : String(x);
}

/**
 * CSV rows (each ending in "\n") for paths `firstPath … firstPath + count − 1`: a pure function of its
 * inputs, so batches formatted anywhere (e.g. in workers) and concatenated in path order give the same
 * bytes as one call.
 */
export function formatRecordsCsv(
  firstPath: number,
  records: Float64Array,
  count: number,
  stride: number = RECORD_STRIDE,
): string {
  let out = "";
  for (let i = 0; i < count; i++) {
    let row = String(firstPath + i);
    const base = i * stride;
    for (let m = 0; m < stride; m++) row += "," + formatNumber(records[base + m]);
    out += row + "\n";
  }
  return out;
}

export interface PathsCsvWriterOptions {
  /** File name inside the directory (default paths.csv); data goes to `<name>.partial` until `close()`. */
  fileName?: string;
  /** Buffered text size that triggers a write (default 1 MiB). */
  chunkChars?: number;
  /** The record's columns (default METRIC_NAMES: one market's record). */
  names?: readonly string[];
}

export interface PathsCsvResumeOptions extends PathsCsvWriterOptions {
  /**
   * Byte length of the part of `.partial` to keep (the rows a checkpoint vouches for); what follows is cut.
   * Default: everything up to the last newline (a row cut by a crash mid-write is dropped).
   */
  truncateTo?: number;
}

/**
 * Streams rows to `<dir>/paths.csv.partial` and renames it to `paths.csv` on `close()`, so a file named
 * paths.csv is always complete. Rows must come in path order: each `writeRecords` continues at the path
 * after the previous one (the first call fixes the first path: 0 for a full run, the shard start for a shard).
 * Rows are built into ~1 MiB strings before each write; a write resolves once its text is buffered or, when
 * a chunk was due, once the chunk is in the file. `.partial` is created exclusively, never through a link
 * planted at its name (see atomic.ts); every OS error is an OutputError naming the file.
 */
export class PathsCsvWriter {
  private buf = "";
  private next: number | undefined;
  private rows = 0;
  private failed: Error | undefined;
  private closed = false;
  private busy = false; // a write is awaiting the file: another call now would interleave rows
  private flushedRows = 0; // rows whose bytes are in the file (not in `buf`)

  private constructor(
    private readonly fh: FileHandle,
    /** Final path (`…/paths.csv`). */
    readonly path: string,
    /** Path being written (`…/paths.csv.partial`). */
    readonly partialPath: string,
    private readonly chunkChars: number,
    /** Bytes in the file so far: where the next write goes. */
    private position: number,
    /** f64 per record. */
    private readonly stride: number,
  ) {}

  /** Creates the directory if needed and a new `<dir>/paths.csv.partial` (replacing one there), header written. */
  static async open(dir: string, options: PathsCsvWriterOptions = {}): Promise<PathsCsvWriter> {
    await ensureDir(dir);
    const path = join(dir, options.fileName ?? PATHS_CSV);
    const partialPath = `${path}.partial`;
    const fh = await createExclusive(partialPath);
    const names = options.names ?? METRIC_NAMES;
    const w = new PathsCsvWriter(fh, path, partialPath, options.chunkChars ?? 1 << 20, 0, names.length);
    w.buf = pathsCsvHeader(names) + "\n";
    return w;
  }

  /**
   * Reopens an interrupted run's `<dir>/paths.csv.partial` (never through a link) to append after its last
   * complete row, or after `truncateTo` bytes; the next row written must be `nextPath`.
   */
  static async resume(dir: string, nextPath: number, options: PathsCsvResumeOptions = {}): Promise<PathsCsvWriter> {
    const path = join(dir, options.fileName ?? PATHS_CSV);
    const partialPath = `${path}.partial`;
    let fh: FileHandle;
    try {
      fh = await openFile(partialPath, RDWR_NOFOLLOW);
    } catch (err) {
      throw outputError(err, partialPath, "reopen");
    }
    try {
      const end = options.truncateTo ?? (await endOfLastLine(fh));
      await fh.truncate(end);
      const stride = (options.names ?? METRIC_NAMES).length;
      const w = new PathsCsvWriter(fh, path, partialPath, options.chunkChars ?? 1 << 20, end, stride);
      w.next = nextPath;
      return w;
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw outputError(err, partialPath);
    }
  }

  /** Rows written (buffered or flushed) so far. */
  get rowsWritten(): number {
    return this.rows;
  }

  /** The path index the next `writeRecords` must start at (undefined before the first call). */
  get nextPath(): number | undefined {
    return this.next;
  }

  /**
   * Writes what is buffered, so that every row accepted so far is in the file; says how many rows were
   * written since open() or resume() and the file's length in bytes (what a resume checkpoint records).
   */
  async checkpoint(): Promise<{ rows: number; bytes: number }> {
    this.check();
    if (this.busy) throw new Error("PathsCsvWriter: await the last write before checkpoint()");
    this.busy = true;
    try {
      await this.flush();
    } finally {
      this.busy = false;
    }
    return { rows: this.flushedRows, bytes: this.position };
  }

  /** The write that failed, if one did. */
  get failure(): Error | undefined {
    return this.failed;
  }

  /** Byte length of the file after an abort() or close() (undefined when writing failed). */
  get bytesWritten(): number | undefined {
    return this.failed ? undefined : this.position;
  }

  /** Appends rows for paths `firstPath … firstPath + count − 1` from `count` path-major records. */
  async writeRecords(firstPath: number, records: Float64Array, count: number): Promise<void> {
    this.checkBatch(firstPath, count);
    const stride = this.stride;
    if (records.length < count * stride) {
      throw new RangeError(`PathsCsvWriter: ${count} records need ${count * stride} f64 (received ${records.length})`);
    }
    // Format in slices so the buffer stays near chunkChars whatever the batch size.
    const rowsPerSlice = Math.max(1, Math.floor(this.chunkChars / 256));
    this.busy = true;
    try {
      for (let i = 0; i < count; i += rowsPerSlice) {
        const c = Math.min(rowsPerSlice, count - i);
        this.buf += formatRecordsCsv(firstPath + i, records.subarray(i * stride, (i + c) * stride), c, stride);
        this.rows += c;
        this.next = firstPath + i + c;
        if (this.buf.length >= this.chunkChars) await this.flush();
      }
      this.next = firstPath + count;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Appends rows already formatted by `formatRecordsCsv(firstPath, records, count)` (e.g. in a worker).
   * The text is trusted to be exactly that: `count` rows for paths `firstPath…`.
   */
  async writeFormatted(firstPath: number, count: number, text: string): Promise<void> {
    this.checkBatch(firstPath, count);
    this.buf += text;
    this.rows += count;
    this.next = firstPath + count;
    if (this.buf.length < this.chunkChars) return;
    this.busy = true;
    try {
      await this.flush();
    } finally {
      this.busy = false;
    }
  }

  /**
   * Appends rows already formatted and UTF-8 encoded (by a worker): written as they are, no decoding and
   * re-encoding on this thread. The bytes are trusted to be exactly `count` rows for paths `firstPath…`.
   */
  async writeEncoded(firstPath: number, count: number, bytes: Uint8Array): Promise<void> {
    this.checkBatch(firstPath, count);
    this.rows += count;
    this.next = firstPath + count;
    this.busy = true;
    try {
      await this.flush(); // text buffered before these rows goes first
      await this.put(bytes, this.rows);
    } finally {
      this.busy = false;
    }
  }

  /** Writes what is buffered, syncs, renames `.partial` to the final name, and returns the final path. */
  async close(): Promise<string> {
    this.check();
    if (this.busy) throw new Error("PathsCsvWriter: await the last write before close()");
    await this.flush();
    this.closed = true;
    try {
      await this.fh.sync();
      await this.fh.close();
    } catch (err) {
      this.failed ??= outputError(err, this.partialPath) as Error;
      await this.fh.close().catch(() => undefined);
      throw this.failed;
    }
    try {
      await rename(this.partialPath, this.path); // replaces a link at the final name, never follows it
    } catch (err) {
      throw outputError(err, this.path);
    }
    return this.path;
  }

  /**
   * Stops without renaming: what was buffered is written and `.partial` is left for `--resume` (every row
   * in it is complete, since rows are only ever written whole). Safe to call after an error.
   */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.failed && !this.busy && this.buf.length > 0) {
        const chunk = this.buf;
        this.buf = "";
        await this.put(Buffer.from(chunk, "utf8"), this.rows);
      }
      if (!this.failed) await this.fh.sync();
    } catch (err) {
      this.failed ??= outputError(err, this.partialPath) as Error;
    } finally {
      await this.fh.close().catch(() => undefined);
    }
  }

  private async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf;
    this.buf = "";
    await this.put(Buffer.from(chunk, "utf8"), this.rows);
  }

  /** Writes bytes at the end of the file; `rowsAfter` rows are then in the file. */
  private async put(bytes: Uint8Array, rowsAfter: number): Promise<void> {
    try {
      this.position = await writeAllAt(this.fh, bytes, this.position);
    } catch (err) {
      this.failed ??= outputError(err, this.partialPath) as Error;
      throw this.failed;
    }
    this.flushedRows = rowsAfter;
  }

  private checkBatch(firstPath: number, count: number): void {
    this.check();
    if (this.busy) throw new Error("PathsCsvWriter: await the previous write before the next one (rows would interleave)");
    if (!Number.isInteger(firstPath) || firstPath < 0) {
      throw new RangeError(`PathsCsvWriter: firstPath must be a non-negative integer (received ${firstPath})`);
    }
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`PathsCsvWriter: count must be a non-negative integer (received ${count})`);
    }
    if (this.next !== undefined && firstPath !== this.next) {
      throw new RangeError(
        `PathsCsvWriter: expected path ${this.next} next (received ${firstPath}); rows must be written in path order`,
      );
    }
  }

  private check(): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error(`PathsCsvWriter: ${this.partialPath} is already closed`);
  }
}

/** Byte offset just past the file's last newline (0 if it has none), reading backwards from its end. */
async function endOfLastLine(handle: FileHandle): Promise<number> {
  const { size } = await handle.stat();
  const chunk = Buffer.alloc(1 << 16);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

export interface PathsCsv {
  /** Path index of each row. */
  paths: Float64Array;
  /** Path-major records, one f64 per column of the header per row. */
  records: Float64Array;
  /** Rows read. */
  count: number;
  /** Byte offset just past the last row read (its newline), from the start of the file. */
  end?: number;
}

export interface ReadPathsCsvOptions {
  /**
   * Ignore a last line without its newline (a crash mid-write of a `.partial` file) instead of failing;
   * for resume. Default false: a paths.csv written by PathsCsvWriter always ends with a newline.
   */
  dropIncompleteLastRow?: boolean;
  /** Stop after this many rows (the rest of the file is not read). */
  maxRows?: number;
  /** The record's columns the header must name (default METRIC_NAMES: one market's record). */
  names?: readonly string[];
}

/**
 * Reads a paths.csv written by PathsCsvWriter (header checked; every field must be a number). The file is
 * opened without following a symbolic link at its name, and an error never quotes the file's contents.
 */
export async function readPathsCsv(file: string, options: ReadPathsCsvOptions = {}): Promise<PathsCsv> {
  const names = options.names ?? METRIC_NAMES;
  const header = pathsCsvHeader(names);
  const stride = names.length;
  const cols = stride + 1;
  const maxRows = options.maxRows ?? Infinity;
  let cap = 1024;
  let paths = new Float64Array(cap);
  let records = new Float64Array(cap * stride);
  let count = 0;
  let line = 0; // 1-based line number of the line being parsed
  let rest = "";
  let headerSeen = false;
  let consumed = 0; // bytes (latin1: one char each) before `rest`
  let end = 0;

  const parseLine = (text: string) => {
    line++;
    if (!headerSeen) {
      if (text !== header) {
        throw new Error(
          `${file}:1: header must be "${header}" (received a first line of ${text.length} characters that differs)`,
        );
      }
      headerSeen = true;
      return;
    }
    const fields = text.split(",");
    if (fields.length !== cols) throw new Error(`${file}:${line}: expected ${cols} fields (received ${fields.length})`);
    if (count === cap) {
      cap *= 2;
      const p = new Float64Array(cap);
      p.set(paths);
      paths = p;
      const r = new Float64Array(cap * stride);
      r.set(records);
      records = r;
    }
    for (let f = 0; f < cols; f++) {
      const s = fields[f];
      const x = Number(s);
      // Number("") is 0 and Number(" 1") is 1: accept only what formatNumber writes.
      if (s.length === 0 || s.trim() !== s || (Number.isNaN(x) && s !== "NaN")) {
        throw new Error(
          `${file}:${line}: field ${f + 1} (${f === 0 ? "path" : names[f - 1]}) is not a number (received ${s.length === 0 ? "an empty field" : `${s.length} characters that do not parse`})`,
        );
      }
      if (f === 0) paths[count] = x;
      else records[count * stride + f - 1] = x;
    }
    count++;
  };

  const fh = await openFile(file, READ_NOFOLLOW);
  const stream = fh.createReadStream({ encoding: "latin1", highWaterMark: 1 << 20 });
  let stopped = false;
  try {
    reading: for await (const chunk of stream as AsyncIterable<string>) {
      const text = rest + chunk;
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf("\n", start)) !== -1) {
        if (headerSeen && count >= maxRows) {
          stopped = true;
          break reading;
        }
        parseLine(text.slice(start, nl));
        start = nl + 1;
        end = consumed + start;
      }
      consumed += start;
      rest = text.slice(start);
    }
  } finally {
    stream.destroy();
    await fh.close().catch(() => undefined);
  }
  if (!stopped && rest.length > 0 && !options.dropIncompleteLastRow && !(headerSeen && count >= maxRows)) {
    throw new Error(`${file}:${line + 1}: last line has no newline (truncated file?)`);
  }
  if (!headerSeen) throw new Error(`${file}: empty file (expected header "${header}")`);
  return { paths: paths.slice(0, count), records: records.slice(0, count * stride), count, end };
}
