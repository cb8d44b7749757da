// paths.parquet (SPEC §4): the per-path table as Parquet for pandas, polars and DuckDB users: column `path`
// (INT64) then every column of the record (METRIC_NAMES, then each market's), typed by PATHS_COLUMN_TYPES (counts INT64, steps and rounds
// INT32, the 0/1 flag BOOLEAN, everything else DOUBLE), all REQUIRED, with the run's seed, scenario hash and
// engine version in the footer's key-value metadata. Streamed in row groups of a fixed row count, so memory
// stays bounded whatever the path count, plus a reader for tests, merge and resume. Every Parquet file the
// tool writes goes through here: `writeParquetTable` writes a whole table (sweep.parquet) the same way.
//
// Library: hyparquet-writer (pure JS, one dependency: hyparquet, its reader, used here for reading back).
// Its ParquetWriter appends one row group per call and awaits our writer's async flush, so rows go to disk
// as they come. Measured on this 2-core VM, 1M rows × 17 columns (64 Ki-row groups, Snappy, PLAIN doubles):
// hyparquet-writer 3.2–3.8 s and ~260 MB RSS with the 128 MB of input columns held (≈3.5 µs/row; paths.csv
// costs ≈10 µs/row); parquet-wasm 0.8 (Rust via WASM, fed Arrow record batches through apache-arrow IPC)
// 2.2 s but ~400 MB RSS (its WASM heap only grows) and two large dependencies; @dsnp/parquetjs requires
// Node ≥ 24 and builds one object per row. Reading back 1M rows with hyparquet: ~1.6 s.
//
// Encoding choices: doubles are PLAIN (never dictionary: hyparquet-writer dedupes dictionary values in a
// JS Map, which would merge −0 into 0 and break bit-exactness), the ascending `path` is DELTA_BINARY_PACKED,
// pages Snappy-compressed. Row groups are cut every `rowGroupRows` rows counted from the file's first row,
// whatever the batch sizes, so the same rows give the same bytes (a merged file equals an unsharded one).
//
// Interruption: rows go to `paths.parquet.partial`, renamed to `paths.parquet` by close(). abort() writes
// the buffered rows as a last row group and the footer, so after an abort `paths.parquet.partial` is a
// complete, readable Parquet file of exactly the rows written so far (in path order, from the first path).
// Only a hard kill mid-write (or an abort after a failed write) leaves a `.partial` without footer:
// readPathsParquet rejects it, or returns no rows with `truncatedAsEmpty` (resume then starts over).
// A Parquet file cannot be appended to (the footer is at its end), so ParquetSink.resume() copies the
// finished rows into `paths.parquet.resuming` and writes on there; the old `.partial` stays the checkpoint
// until close() (renamed to paths.parquet, `.partial` removed) or abort() (renamed over `.partial`).

import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  parquetMetadataAsync,
  parquetRead,
  type AsyncBuffer,
  type FileMetaData,
  type KeyValue,
  type SchemaElement,
} from "hyparquet";
import { ByteWriter, ParquetWriter, type ColumnSource } from "hyparquet-writer";
import { ABI_VERSION } from "../engine/layout.js";
import { METRIC_NAMES } from "../engine/metrics.js";
import { VERSION } from "../version.js";
import type { PathsCsv } from "./csv.js";
import type { PathRows, PathSink, SinkState } from "./sink.js";
import { READ_NOFOLLOW, createExclusive, ensureDir, outputError, readRegularFile, writeAtomic } from "./atomic.js";

export const PATHS_PARQUET = "paths.parquet";

/** Rows per row group: 64 Ki rows ≈ 9 MB of values, about one batch at most (plan.ts caps batches there). */
export const PARQUET_ROW_GROUP_ROWS = 65_536;

/** The physical types a column of ours can have. */
export type ParquetColumnType = "DOUBLE" | "INT32" | "INT64" | "BOOLEAN" | "STRING";

/**
 * Metrics that are not DOUBLE in paths.parquet, by name; every other metric (and any metric added later) is
 * DOUBLE. Counts of events are INT64 (they grow with accounts × steps; the `path` column is INT64 too), a step
 * index and a round count are INT32 (each is at most steps or maxRoundsPerStep, both ≤ 2^31 − 1), the 0/1 flag
 * is BOOLEAN. The records stay f64: a value is written in its column's type only if it converts back to the
 * same f64 bits (an integer, not −0; 0 or 1 for a flag), else writing fails (a bug of the engine, not data).
 */
export const PATHS_COLUMN_TYPES: Readonly<Partial<Record<string, Exclude<ParquetColumnType, "STRING">>>> = Object.freeze({
  liquidations: "INT64",
  adlCount: "INT64",
  maxRoundsInStep: "INT32",
  firstLiquidationStep: "INT32",
  bookExhausted: "BOOLEAN",
});

/** The Parquet type of a metric's column in paths.parquet (a market's `markets.NAME.METRIC` is typed as METRIC). */
export function metricColumnType(name: string): Exclude<ParquetColumnType, "STRING"> {
  const metric = name.startsWith("markets.") ? name.slice(name.lastIndexOf(".") + 1) : name;
  return PATHS_COLUMN_TYPES[metric] ?? "DOUBLE";
}

/**
 * A run's schema: `path` INT64 then one column per column of the record (typed by PATHS_COLUMN_TYPES), all REQUIRED
 * (non-null).
 */
export function pathsParquetSchema(names: readonly string[]): SchemaElement[] {
  return [
    { name: "schema", num_children: 1 + names.length },
    { name: "path", type: "INT64", repetition_type: "REQUIRED" },
    ...names.map((name): SchemaElement => ({ name, type: metricColumnType(name), repetition_type: "REQUIRED" })),
  ];
}

/** The schema of one market's run (METRIC_NAMES). */
export const PATHS_PARQUET_SCHEMA: readonly SchemaElement[] = pathsParquetSchema(METRIC_NAMES);

/** The engine's version as summary.json's engineVersion says it: the package version and the kernel ABI. */
export const ENGINE_VERSION = `${VERSION}+abi${ABI_VERSION}`;

/**
 * Key-value metadata of a Parquet file: what the rows belong to. Every file carries at least `engineVersion`;
 * a run's paths.parquet also `seed` and `scenarioHash` (from its run.json), sweep.parquet the sweep's as well.
 * Only what the rows depend on: nothing of the machine, the threads or the time, so the same rows always
 * give the same bytes.
 */
export type ParquetMetadata = Readonly<Record<string, string | number>>;

/** Metadata as the footer stores it: key order as given, values as text. */
export function kvMetadata(metadata: ParquetMetadata): KeyValue[] {
  return Object.entries({ engineVersion: ENGINE_VERSION, ...metadata }).map(([key, value]) => ({ key, value: String(value) }));
}

/**
 * The metadata of the run whose outputs `dir` holds: seed and scenario hash from its run.json (which a run,
 * a merge and a resume write before the per-path table); only the engine version when there is none.
 */
async function runMetadata(dir: string): Promise<ParquetMetadata> {
  let manifest: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse((await readRegularFile(join(dir, "run.json"), 1 << 20)) ?? "null");
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) manifest = parsed as Record<string, unknown>;
  } catch {
    manifest = undefined; // unreadable: the file gets what is known for sure
  }
  const out: Record<string, string | number> = {};
  if (typeof manifest?.seed === "number") out.seed = manifest.seed;
  if (typeof manifest?.scenarioHash === "string") out.scenarioHash = manifest.scenarioHash;
  return out;
}

/** The metadata in a Parquet file's footer, key → value. */
export async function readParquetMetadata(file: string): Promise<Record<string, string>> {
  const fh = await open(file, READ_NOFOLLOW);
  try {
    const { size } = await fh.stat();
    const metadata = await parquetMetadataAsync(handleBuffer(fh, size));
    return Object.fromEntries((metadata.key_value_metadata ?? []).map((kv) => [kv.key, kv.value ?? ""]));
  } finally {
    await fh.close().catch(() => undefined);
  }
}

const PARQUET_MAGIC = "PAR1";

/** hyparquet-writer's in-memory writer, flushed to a file after every row group (and at the end). */
class FileByteWriter extends ByteWriter {
  constructor(private readonly fh: FileHandle) {
    super(1 << 20);
  }

  async flush(): Promise<void> {
    if (this.index === 0) return;
    // The writer appends nothing while this is awaited, so the buffer can be written without a copy.
    let done = 0;
    while (done < this.index) {
      const { bytesWritten } = await this.fh.write(new Uint8Array(this.buffer, done, this.index - done));
      if (bytesWritten <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      done += bytesWritten;
    }
    this.index = 0;
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

export interface ParquetSinkOptions {
  /** File name inside the directory (default paths.parquet); data goes to `<name>.partial` until close(). */
  fileName?: string;
  /** Rows per row group (default PARQUET_ROW_GROUP_ROWS). */
  rowGroupRows?: number;
  /** The file's key-value metadata (the engine version is always added); default: from the directory's run.json. */
  metadata?: ParquetMetadata;
  /** The record's columns (default METRIC_NAMES: one market's record). */
  names?: readonly string[];
}

/**
 * Streams rows to `<dir>/paths.parquet.partial` and renames it to `paths.parquet` on close(), so a file
 * named paths.parquet is always complete. Rows must come in path order, each write continuing at the path
 * after the previous one (the first call fixes the first path). Holds at most one row group of values.
 */
export class ParquetSink implements PathSink {
  readonly wantsCsv = false;
  private readonly cols: Float64Array[];
  private readonly pathCol: BigInt64Array;
  private fill = 0;
  private next: number | undefined;
  private rows = 0;
  private failed: Error | undefined;
  private closed = false;
  private busy = false;
  private complete = false;

  private constructor(
    private readonly fh: FileHandle,
    private readonly writer: ParquetWriter,
    /** Final path (`…/paths.parquet`). */
    readonly path: string,
    /** Path being written (`…/paths.parquet.partial`, or `…/paths.parquet.resuming` when resumed). */
    readonly partialPath: string,
    private readonly groupRows: number,
    /** The record's columns. */
    private readonly names: readonly string[],
    /** The checkpoint a resumed sink replaces (`…/paths.parquet.partial`). */
    private readonly replaces?: string,
  ) {
    this.cols = names.map(() => new Float64Array(groupRows));
    this.pathCol = new BigInt64Array(groupRows);
  }

  /** Creates a new `<dir>/paths.parquet.partial` (replacing one there, never through a link) and writes the file header. */
  static async open(dir: string, options: ParquetSinkOptions = {}): Promise<ParquetSink> {
    await ensureDir(dir);
    const path = join(dir, options.fileName ?? PATHS_PARQUET);
    return ParquetSink.create(path, `${path}.partial`, options);
  }

  /**
   * Continues an interrupted run in `dir`: reads the rows of its `paths.parquet.partial` (none if that file
   * lost its footer to a kill), copies them into a new file and returns the sink, positioned after them,
   * with the rows (for the caller's statistics). The old `.partial` is replaced only by close() or abort().
   */
  static async resume(dir: string, options: ParquetSinkOptions = {}): Promise<{ sink: ParquetSink; rows: PathsCsv }> {
    const path = join(dir, options.fileName ?? PATHS_PARQUET);
    const checkpoint = `${path}.partial`;
    const rows = await readPathsParquet(checkpoint, {
      truncatedAsEmpty: true,
      ...(options.names ? { names: options.names } : {}),
    });
    for (let i = 1; i < rows.count; i++) {
      if (rows.paths[i] !== rows.paths[0] + i)
        throw new Error(`${checkpoint}: row ${i + 1} is path ${rows.paths[i]} (expected ${rows.paths[0] + i})`);
    }
    return { sink: await ParquetSink.resumeWith(dir, rows, options), rows };
  }

  /**
   * Continues an interrupted run in `dir` with `rows` (the checkpoint's rows its caller read and checked, in
   * path order): copies them into a new file (`.resuming`) and returns the sink positioned after them. The
   * old `.partial` is replaced only by close() or abort().
   */
  static async resumeWith(dir: string, rows: PathsCsv, options: ParquetSinkOptions = {}): Promise<ParquetSink> {
    const path = join(dir, options.fileName ?? PATHS_PARQUET);
    const checkpoint = `${path}.partial`;
    const sink = await ParquetSink.create(path, `${path}.resuming`, options, checkpoint);
    try {
      if (rows.count > 0) await sink.writeRecords(rows.paths[0], rows.records, rows.count);
    } catch (err) {
      await sink.discard();
      throw err;
    }
    return sink;
  }

  private static async create(
    path: string,
    writePath: string,
    options: ParquetSinkOptions,
    replaces?: string,
  ): Promise<ParquetSink> {
    const groupRows = options.rowGroupRows ?? PARQUET_ROW_GROUP_ROWS;
    if (!Number.isInteger(groupRows) || groupRows < 1) {
      throw new RangeError(`ParquetSink: rowGroupRows must be a positive integer (received ${groupRows})`);
    }
    const metadata = options.metadata ?? (await runMetadata(dirname(path)));
    const names = options.names ?? METRIC_NAMES;
    const fh = await createExclusive(writePath);
    const writer = new ParquetWriter({
      writer: new FileByteWriter(fh),
      schema: pathsParquetSchema(names),
      codec: "SNAPPY",
      createdBy: CREATED_BY,
      kvMetadata: kvMetadata(metadata),
    });
    return new ParquetSink(fh, writer, path, writePath, groupRows, names, replaces);
  }

  /** Rows accepted so far (buffered or written). */
  get rowsWritten(): number {
    return this.rows;
  }

  /** The path index the next write must start at (undefined before the first call). */
  get nextPath(): number | undefined {
    return this.next;
  }

  write(firstPath: number, count: number, batch: PathRows): Promise<void> {
    return this.writeRecords(firstPath, batch.records, count);
  }

  /** Appends paths `firstPath … firstPath + count − 1` from `count` path-major records. */
  async writeRecords(firstPath: number, records: Float64Array, count: number): Promise<void> {
    this.checkBatch(firstPath, count);
    const stride = this.names.length;
    if (records.length < count * stride) {
      throw new RangeError(`ParquetSink: ${count} records need ${count * stride} f64 (received ${records.length})`);
    }
    this.busy = true;
    try {
      for (let i = 0; i < count; ) {
        const n = Math.min(count - i, this.groupRows - this.fill);
        for (let m = 0; m < stride; m++) {
          const col = this.cols[m];
          for (let k = 0, j = i * stride + m; k < n; k++, j += stride) col[this.fill + k] = records[j];
        }
        for (let k = 0; k < n; k++) this.pathCol[this.fill + k] = BigInt(firstPath + i + k);
        this.fill += n;
        this.rows += n;
        i += n;
        this.next = firstPath + i;
        if (this.fill === this.groupRows) await this.writeGroup();
      }
      this.next = firstPath + count;
    } finally {
      this.busy = false;
    }
  }

  /** Writes the last row group and the footer, then renames `.partial` to the final name. */
  async close(): Promise<void> {
    this.check();
    if (this.busy) throw new Error("ParquetSink: await the last write before close()");
    this.closed = true;
    try {
      await this.finishFile();
      await this.fh.close();
    } catch (err) {
      this.failed ??= outputError(err, this.partialPath) as Error;
      await this.fh.close().catch(() => undefined);
      // a file without its footer is of no use to anyone (a resumed sink's checkpoint stays as it was)
      await rm(this.partialPath, { force: true }).catch(() => undefined);
      throw this.failed;
    }
    try {
      await rename(this.partialPath, this.path); // replaces a link at the final name, never follows it
      if (this.replaces) await rm(this.replaces, { force: true });
    } catch (err) {
      throw outputError(err, this.path);
    }
  }

  /** Parquet is unreadable until its footer is written: nothing to vouch for mid-run. */
  async checkpoint(): Promise<SinkState | undefined> {
    return undefined;
  }

  /** Whether abort() left a complete file of every row accepted (the checkpoint for --resume). */
  afterAbort(): SinkState {
    return this.complete ? { complete: true } : { complete: false, error: this.failed };
  }

  /**
   * Stops without renaming: the buffered rows and the footer are written, so `.partial` is a complete
   * Parquet file of every row accepted so far (for --resume). Safe to call after an error; if the file
   * itself failed, it is removed (a file without footer is unreadable), and a resumed sink's old
   * checkpoint stays as it was.
   */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let finished = false;
    try {
      if (!this.failed && !this.busy) {
        await this.finishFile();
        finished = true;
      }
    } catch (err) {
      this.failed ??= outputError(err, this.partialPath) as Error;
    } finally {
      await this.fh.close().catch(() => undefined);
    }
    try {
      if (this.replaces) {
        // A resumed sink: its file becomes the checkpoint only when complete; else the old one stays.
        if (finished) await rename(this.partialPath, this.replaces);
        else await rm(this.partialPath, { force: true });
      } else if (!finished) {
        await rm(this.partialPath, { force: true });
      }
      this.complete = finished;
    } catch {
      this.complete = false;
    }
  }

  /** Closes and deletes the file being written (e.g. a merge that failed half-way). */
  async discard(): Promise<void> {
    this.closed = true;
    await this.fh.close().catch(() => undefined);
    await rm(this.partialPath, { force: true });
  }

  private async finishFile(): Promise<void> {
    if (this.fill > 0) await this.writeGroup();
    try {
      await this.writer.finish();
      await this.fh.sync();
    } catch (err) {
      this.failed ??= outputError(err, this.partialPath) as Error;
      throw this.failed;
    }
  }

  private async writeGroup(): Promise<void> {
    const n = this.fill;
    const paths = this.pathCol.subarray(0, n);
    let columnData: ColumnSource[];
    try {
      columnData = [
        { name: "path", data: paths, encoding: "DELTA_BINARY_PACKED" },
        ...this.names.map(
          (name, m): ColumnSource => typedColumn(name, metricColumnType(name), this.cols[m].subarray(0, n), paths),
        ),
      ];
    } catch (err) {
      this.failed ??= err as Error;
      throw this.failed;
    }
    try {
      // The writer copies each column's slice before encoding, so the buffers can be refilled afterwards.
      await this.writer.write({ columnData, rowGroupSize: n });
    } catch (err) {
      this.failed ??= outputError(err, this.partialPath) as Error;
      throw this.failed;
    }
    this.fill = 0;
  }

  private checkBatch(firstPath: number, count: number): void {
    this.check();
    if (this.busy) throw new Error("ParquetSink: await the previous write before the next one (rows would interleave)");
    if (!Number.isInteger(firstPath) || firstPath < 0) {
      throw new RangeError(`ParquetSink: firstPath must be a non-negative integer (received ${firstPath})`);
    }
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`ParquetSink: count must be a non-negative integer (received ${count})`);
    }
    if (this.next !== undefined && firstPath !== this.next) {
      throw new RangeError(
        `ParquetSink: expected path ${this.next} next (received ${firstPath}); rows must be written in path order`,
      );
    }
  }

  private check(): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error(`ParquetSink: ${this.partialPath} is already closed`);
  }
}

const CREATED_BY = `margin-cascade ${VERSION} (hyparquet-writer)`;

/**
 * One metric's values of a row group as a column of its Parquet type. A value the type cannot give back as
 * the same f64 (a fraction or −0 in an integer column, anything but 0 or 1 in a flag) is an Error naming the
 * metric and the path: the engine wrote something it must not have, and the file would not hash to the records.
 */
function typedColumn(
  name: string,
  type: Exclude<ParquetColumnType, "STRING">,
  values: Float64Array,
  paths: BigInt64Array,
): ColumnSource {
  // DOUBLE stays PLAIN: a dictionary would merge −0 into 0 (see the header)
  if (type === "DOUBLE") return { name, data: values, encoding: "PLAIN" };
  const bad = (i: number, expected: string) =>
    new Error(
      `paths.parquet: ${name} of path ${paths[i]} is ${Object.is(values[i], -0) ? "-0" : values[i]}, not ${expected} (its column is ${type}): a bug, please report`,
    );
  if (type === "BOOLEAN") {
    const data = new Array<boolean>(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== 1 && !(v === 0 && !Object.is(v, -0))) throw bad(i, "0 or 1");
      data[i] = v === 1;
    }
    return { name, data };
  }
  if (type === "INT32") {
    const data = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647 || Object.is(v, -0)) throw bad(i, "a 32-bit integer");
      data[i] = v;
    }
    return { name, data, encoding: "DELTA_BINARY_PACKED" };
  }
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isSafeInteger(v) || Object.is(v, -0)) throw bad(i, "an integer");
    data[i] = BigInt(v);
  }
  return { name, data, encoding: "DELTA_BINARY_PACKED" };
}

/** One column of a whole table for writeParquetTable: its name, type and values (one per row). */
export type TableColumn =
  | { name: string; type: "DOUBLE"; data: Float64Array | readonly number[] }
  | { name: string; type: "INT32"; data: Int32Array | readonly number[] }
  | { name: string; type: "INT64"; data: BigInt64Array | readonly bigint[] }
  | { name: string; type: "BOOLEAN"; data: readonly boolean[] }
  | { name: string; type: "STRING"; data: readonly string[] };

/**
 * A whole table as Parquet bytes: every column REQUIRED and of its given type, DOUBLE columns PLAIN (bit for
 * bit, −0 and NaN included), Snappy pages, row groups of `rowGroupRows`, the key-value metadata given (plus
 * the engine version). The same columns always give the same bytes.
 */
export function parquetTableBytes(
  columns: readonly TableColumn[],
  metadata: ParquetMetadata,
  rowGroupRows = PARQUET_ROW_GROUP_ROWS,
): Uint8Array {
  const rows = columns[0]?.data.length ?? 0;
  for (const c of columns) {
    if (c.data.length !== rows)
      throw new RangeError(`parquetTableBytes: column ${c.name} has ${c.data.length} values (expected ${rows})`);
  }
  const schema: SchemaElement[] = [
    { name: "schema", num_children: columns.length },
    ...columns.map(
      (c): SchemaElement =>
        c.type === "STRING"
          ? { name: c.name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" }
          : { name: c.name, type: c.type, repetition_type: "REQUIRED" },
    ),
  ];
  const out = new ByteWriter();
  const writer = new ParquetWriter({
    writer: out,
    schema,
    codec: "SNAPPY",
    createdBy: CREATED_BY,
    kvMetadata: kvMetadata(metadata),
  });
  const columnData = columns.map(
    (c): ColumnSource => ({
      name: c.name,
      data: (c.data instanceof Float64Array || c.data instanceof Int32Array || c.data instanceof BigInt64Array
        ? c.data
        : [...c.data]) as ColumnSource["data"],
      ...(c.type === "DOUBLE" ? { encoding: "PLAIN" as const } : {}),
    }),
  );
  if (rows > 0) void writer.write({ columnData, rowGroupSize: rowGroupRows });
  void writer.finish();
  return new Uint8Array(out.getBuffer());
}

/** Writes a whole table (see parquetTableBytes) to `dir/name` atomically: a reader never sees half a file. */
export async function writeParquetTable(
  dir: string,
  name: string,
  columns: readonly TableColumn[],
  metadata: ParquetMetadata,
): Promise<string> {
  return writeAtomic(dir, name, parquetTableBytes(columns, metadata));
}

export interface ReadPathsParquetOptions {
  /**
   * A file without its footer (killed mid-write) reads as zero rows instead of failing; for resume.
   * Default false.
   */
  truncatedAsEmpty?: boolean;
  /** The record's columns the file must hold (default METRIC_NAMES: one market's record). */
  names?: readonly string[];
}

/** `file` ends with the Parquet footer magic (a file cut short by a kill does not). */
async function hasFooter(fh: FileHandle, size: number): Promise<boolean> {
  if (size < 12) return false;
  const head = Buffer.alloc(4);
  const tail = Buffer.alloc(4);
  await fh.read(head, 0, 4, 0);
  await fh.read(tail, 0, 4, size - 4);
  return head.toString("latin1") === PARQUET_MAGIC && tail.toString("latin1") === PARQUET_MAGIC;
}

/** hyparquet's view of an open file: slices read from the handle (opened without following a link). */
export function handleBuffer(fh: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const length = Math.max(0, Math.min(end, size) - start);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(out, done, length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return out.buffer;
    },
  };
}

/**
 * Checks that the file has exactly the columns ParquetSink writes (names, order, physical types). A metric
 * column may also be DOUBLE, as every metric was before the columns were typed (files of older runs).
 */
function checkSchema(file: string, metadata: FileMetaData, names: readonly string[]): void {
  const schema = metadata.schema;
  const leaves = schema.slice(1);
  const expected = pathsParquetSchema(names).slice(1);
  const describe = (e: SchemaElement | undefined) => (e ? `${e.name} ${e.type ?? "group"}` : "nothing");
  const nested = leaves.some((e) => (e.num_children ?? 0) > 0);
  if (nested || schema[0]?.num_children !== expected.length || leaves.length !== expected.length) {
    throw new Error(
      `${file}: columns must be ${expected.map(describe).join(", ")} (received ${leaves.map(describe).join(", ")})`,
    );
  }
  for (let i = 0; i < expected.length; i++) {
    const legacy = i > 0 && leaves[i].type === "DOUBLE";
    if (leaves[i].name !== expected[i].name || (leaves[i].type !== expected[i].type && !legacy)) {
      throw new Error(`${file}: column ${i + 1} must be ${describe(expected[i])} (received ${describe(leaves[i])})`);
    }
  }
}

/**
 * Reads a paths.parquet (or its `.partial` after an abort) into the same shape as readPathsCsv: path
 * indices, path-major records, row count. The schema is checked; a null or non-numeric value is an error.
 * Reads one row group at a time.
 */
export async function readPathsParquet(file: string, options: ReadPathsParquetOptions = {}): Promise<PathsCsv> {
  const fh = await open(file, READ_NOFOLLOW);
  try {
    return await readOpenParquet(fh, file, options);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function readOpenParquet(fh: FileHandle, file: string, options: ReadPathsParquetOptions): Promise<PathsCsv> {
  const { size } = await fh.stat();
  if (!(await hasFooter(fh, size))) {
    if (options.truncatedAsEmpty) return { paths: new Float64Array(0), records: new Float64Array(0), count: 0 };
    throw new Error(`${file}: not a complete Parquet file (no PAR1 footer: truncated or not Parquet)`);
  }
  const buffer = handleBuffer(fh, size);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new Error(`${file}: unreadable Parquet footer (${(err as Error).message})`);
  }
  const names = options.names ?? METRIC_NAMES;
  const stride = names.length;
  checkSchema(file, metadata, names);
  const count = Number(metadata.num_rows);
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`${file}: row count ${metadata.num_rows} is out of range`);
  const paths = new Float64Array(count);
  const records = new Float64Array(count * stride);
  const filled = new Float64Array(1 + stride); // values seen per column, to catch a short column
  const index = new Map<string, number>([["path", -1], ...names.map((n, m): [string, number] => [n, m])]);
  let problem: string | undefined;

  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    await parquetRead({
      file: buffer,
      metadata,
      rowStart: groupStart,
      rowEnd: groupEnd,
      onChunk: ({ columnName, columnData, rowStart }) => {
        const m = index.get(columnName);
        if (m === undefined) return;
        for (let k = 0; k < columnData.length; k++) {
          const row = rowStart + k;
          if (row < groupStart || row >= groupEnd) continue; // chunks may extend past the requested rows
          const v: unknown = columnData[k];
          if (m < 0) {
            if (typeof v !== "bigint" && typeof v !== "number") {
              problem ??= `${file}: row ${row + 1}: path must be an integer (received a value of type ${v === null ? "null" : typeof v})`;
              continue;
            }
            paths[row] = Number(v);
          } else {
            // typed columns give back the f64 the record held: INT64 as bigint, INT32 as number, BOOLEAN as 0/1
            const x =
              typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? (v ? 1 : 0) : undefined;
            if (x === undefined) {
              problem ??= `${file}: row ${row + 1}: ${columnName} must be a number (received a value of type ${v === null ? "null" : typeof v})`;
              continue;
            }
            records[row * stride + m] = x;
          }
          filled[m + 1]++;
        }
      },
    });
    groupStart = groupEnd;
  }
  if (problem) throw new Error(problem);
  for (let c = 0; c <= stride; c++) {
    if (filled[c] !== count) {
      const name = c === 0 ? "path" : names[c - 1];
      throw new Error(`${file}: column ${name} holds ${filled[c]} values (expected ${count}, the row count)`);
    }
  }
  return { paths, records, count };
}
