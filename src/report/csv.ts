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

import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdir, open as openFile, rename, truncate } from "node:fs/promises";
import { join } from "node:path";
import { METRIC_NAMES, RECORD_STRIDE } from "../engine/metrics.js";

export const PATHS_CSV = "paths.csv";
export const PATHS_CSV_HEADER = ["path", ...METRIC_NAMES].join(",");

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
export function formatRecordsCsv(firstPath: number, records: Float64Array, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) {
    let row = String(firstPath + i);
    const base = i * RECORD_STRIDE;
    for (let m = 0; m < RECORD_STRIDE; m++) row += "," + formatNumber(records[base + m]);
    out += row + "\n";
  }
  return out;
}

export interface PathsCsvWriterOptions {
  /** File name inside the directory (default paths.csv); data goes to `<name>.partial` until `close()`. */
  fileName?: string;
  /** Buffered text size that triggers a write (default 1 MiB). */
  chunkChars?: number;
}

/**
 * Streams rows to `<dir>/paths.csv.partial` and renames it to `paths.csv` on `close()`, so a file named
 * paths.csv is always complete. Rows must come in path order: each `writeRecords` continues at the path
 * after the previous one (the first call fixes the first path: 0 for a full run, the shard start for a shard).
 * Rows are built into ~1 MiB strings before each write; `writeRecords` resolves once its text is buffered
 * or, when a chunk was handed to the stream and the stream is full, once it drains (backpressure).
 */
export class PathsCsvWriter {
  private buf = "";
  private next: number | undefined;
  private rows = 0;
  private failed: Error | undefined;
  private closed = false;
  private busy = false; // a write is awaiting the stream: another call now would interleave rows

  private constructor(
    private readonly stream: WriteStream,
    /** Final path (`…/paths.csv`). */
    readonly path: string,
    /** Path being written (`…/paths.csv.partial`). */
    readonly partialPath: string,
    private readonly chunkChars: number,
  ) {
    stream.on("error", (err) => {
      this.failed ??= err;
    });
  }

  /** Creates the directory if needed and opens `<dir>/paths.csv.partial` (truncating it), header written. */
  static async open(dir: string, options: PathsCsvWriterOptions = {}): Promise<PathsCsvWriter> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, options.fileName ?? PATHS_CSV);
    const partialPath = `${path}.partial`;
    const stream = createWriteStream(partialPath, { flags: "w", flush: true });
    await once(stream, "open");
    const w = new PathsCsvWriter(stream, path, partialPath, options.chunkChars ?? 1 << 20);
    w.buf = PATHS_CSV_HEADER + "\n";
    return w;
  }

  /**
   * Reopens an interrupted run's `<dir>/paths.csv.partial` to append after its last complete row (a row
   * cut by a crash mid-write is dropped); the next row written must be `nextPath`.
   */
  static async resume(dir: string, nextPath: number, options: PathsCsvWriterOptions = {}): Promise<PathsCsvWriter> {
    const path = join(dir, options.fileName ?? PATHS_CSV);
    const partialPath = `${path}.partial`;
    await truncate(partialPath, await endOfLastLine(partialPath));
    const stream = createWriteStream(partialPath, { flags: "a", flush: true });
    await once(stream, "open");
    const w = new PathsCsvWriter(stream, path, partialPath, options.chunkChars ?? 1 << 20);
    w.next = nextPath;
    return w;
  }

  /** Rows written (buffered or flushed) so far. */
  get rowsWritten(): number {
    return this.rows;
  }

  /** The path index the next `writeRecords` must start at (undefined before the first call). */
  get nextPath(): number | undefined {
    return this.next;
  }

  /** Appends rows for paths `firstPath … firstPath + count − 1` from `count` path-major records. */
  async writeRecords(firstPath: number, records: Float64Array, count: number): Promise<void> {
    this.checkBatch(firstPath, count);
    if (records.length < count * RECORD_STRIDE) {
      throw new RangeError(`PathsCsvWriter: ${count} records need ${count * RECORD_STRIDE} f64 (received ${records.length})`);
    }
    // Format in slices so the buffer stays near chunkChars whatever the batch size.
    const rowsPerSlice = Math.max(1, Math.floor(this.chunkChars / 256));
    this.busy = true;
    try {
      for (let i = 0; i < count; i += rowsPerSlice) {
        const c = Math.min(rowsPerSlice, count - i);
        this.buf += formatRecordsCsv(firstPath + i, records.subarray(i * RECORD_STRIDE, (i + c) * RECORD_STRIDE), c);
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
      if (!this.stream.write(bytes)) await once(this.stream, "drain");
      this.check();
    } finally {
      this.busy = false;
    }
  }

  /** Writes what is buffered, renames `.partial` to the final name, and returns the final path. */
  async close(): Promise<string> {
    this.check();
    if (this.busy) throw new Error("PathsCsvWriter: await the last write before close()");
    await this.flush();
    this.closed = true;
    this.stream.end();
    await once(this.stream, "close"); // rejects if the stream errors (e.g. flush/fsync failure)
    if (this.failed) throw this.failed;
    await rename(this.partialPath, this.path);
    return this.path;
  }

  /**
   * Stops without renaming: what was buffered is written and `.partial` is left for `--resume` (every row
   * in it is complete, since rows are only ever written whole). Safe to call after an error.
   */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.failed && this.buf.length > 0) {
      this.stream.write(this.buf);
      this.buf = "";
    }
    this.stream.end();
    if (!this.stream.closed) await once(this.stream, "close").catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf;
    this.buf = "";
    if (!this.stream.write(chunk)) await once(this.stream, "drain"); // `once` rejects on 'error'
    this.check();
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
      throw new RangeError(`PathsCsvWriter: expected path ${this.next} next (received ${firstPath}); rows must be written in path order`);
    }
  }

  private check(): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error(`PathsCsvWriter: ${this.partialPath} is already closed`);
  }
}

/** Byte offset just past the file's last newline (0 if it has none), reading backwards from its end. */
async function endOfLastLine(file: string): Promise<number> {
  const handle = await openFile(file, "r");
  try {
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
  } finally {
    await handle.close();
  }
}

export interface PathsCsv {
  /** Path index of each row. */
  paths: Float64Array;
  /** Path-major records, RECORD_STRIDE per row. */
  records: Float64Array;
  /** Rows read. */
  count: number;
}

export interface ReadPathsCsvOptions {
  /**
   * Ignore a last line without its newline (a crash mid-write of a `.partial` file) instead of failing;
   * for resume. Default false: a paths.csv written by PathsCsvWriter always ends with a newline.
   */
  dropIncompleteLastRow?: boolean;
}

/** Reads a paths.csv written by PathsCsvWriter (header checked; every field must be a number). */
export async function readPathsCsv(file: string, options: ReadPathsCsvOptions = {}): Promise<PathsCsv> {
  const cols = RECORD_STRIDE + 1;
  let cap = 1024;
  let paths = new Float64Array(cap);
  let records = new Float64Array(cap * RECORD_STRIDE);
  let count = 0;
  let line = 0; // 1-based line number of the line being parsed
  let rest = "";
  let headerSeen = false;

  const parseLine = (text: string) => {
    line++;
    if (!headerSeen) {
      if (text !== PATHS_CSV_HEADER) {
        throw new Error(`${file}:1: header must be "${PATHS_CSV_HEADER}" (received "${text.slice(0, 200)}")`);
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
      const r = new Float64Array(cap * RECORD_STRIDE);
      r.set(records);
      records = r;
    }
    for (let f = 0; f < cols; f++) {
      const s = fields[f];
      const x = Number(s);
      // Number("") is 0 and Number(" 1") is 1: accept only what formatNumber writes.
      if (s.length === 0 || s.trim() !== s || (Number.isNaN(x) && s !== "NaN")) {
        throw new Error(`${file}:${line}: field ${f + 1} (${f === 0 ? "path" : METRIC_NAMES[f - 1]}) is not a number (received "${s}")`);
      }
      if (f === 0) paths[count] = x;
      else records[count * RECORD_STRIDE + f - 1] = x;
    }
    count++;
  };

  const stream = createReadStream(file, { encoding: "latin1", highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf("\n", start)) !== -1) {
      parseLine(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest.length > 0 && !options.dropIncompleteLastRow) {
    throw new Error(`${file}:${line + 1}: last line has no newline (truncated file?)`);
  }
  if (!headerSeen) throw new Error(`${file}: empty file (expected header "${PATHS_CSV_HEADER}")`);
  return { paths: paths.slice(0, count), records: records.slice(0, count * RECORD_STRIDE), count };
}
