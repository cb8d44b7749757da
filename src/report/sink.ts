// Where a run's per-path rows go, in path order: one implementation per output format.
import { PathsCsvWriter, type PathsCsvResumeOptions } from "./csv.js";

/** Rows for a sink: path-major records and, when a worker formatted them, their CSV text (UTF-8). */
export interface PathRows {
  records: Float64Array;
  csv?: Uint8Array;
}

/** What a resume checkpoint may record about the file: it holds every row accepted, and its length. */
export interface SinkState {
  /** True when the file holds every row accepted so far, complete and readable. */
  complete: boolean;
  /** The file's length in bytes, when the format can be continued in place (CSV). */
  bytes?: number;
  /** Why the file is not complete (the write that failed), when it is not. */
  error?: Error;
}

export interface PathSink {
  /** Appends paths firstPath…firstPath+count−1 (called strictly in path order). */
  write(firstPath: number, count: number, batch: PathRows): Promise<void>;
  /** Finishes the file under its final name. */
  close(): Promise<void>;
  /** Stops: rows written so far stay on disk, complete, for --resume. */
  abort(): Promise<void>;
  /**
   * Mid-run: puts every row accepted so far into the file and says so, for a checkpoint; undefined when the
   * format is not readable before it is finished (Parquet: its footer comes last).
   */
  checkpoint(): Promise<SinkState | undefined>;
  /** After abort(): whether the file holds every row accepted (a failed write leaves it short). */
  afterAbort(): SinkState;
  /** Whether workers should format CSV text for this sink. */
  readonly wantsCsv: boolean;
}

export class CsvSink implements PathSink {
  readonly wantsCsv = true;
  private constructor(private readonly writer: PathsCsvWriter) {}

  static async open(dir: string, names?: readonly string[]): Promise<CsvSink> {
    return new CsvSink(await PathsCsvWriter.open(dir, names ? { names } : {}));
  }

  static async resume(dir: string, nextPath: number, options: PathsCsvResumeOptions = {}): Promise<CsvSink> {
    return new CsvSink(await PathsCsvWriter.resume(dir, nextPath, options));
  }

  async write(firstPath: number, count: number, batch: PathRows): Promise<void> {
    if (batch.csv !== undefined) await this.writer.writeEncoded(firstPath, count, batch.csv);
    else await this.writer.writeRecords(firstPath, batch.records, count);
  }

  close(): Promise<void> {
    return this.writer.close().then(() => undefined);
  }

  abort(): Promise<void> {
    return this.writer.abort();
  }

  async checkpoint(): Promise<SinkState> {
    const { bytes } = await this.writer.checkpoint();
    return { complete: true, bytes };
  }

  afterAbort(): SinkState {
    const bytes = this.writer.bytesWritten;
    return bytes === undefined ? { complete: false, error: this.writer.failure } : { complete: true, bytes };
  }
}
