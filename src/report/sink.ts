// Where a run's per-path rows go, in path order: one implementation per output format.
import { PathsCsvWriter } from "./csv.js";

/** Rows for a sink: path-major records and, when a worker formatted them, their CSV text (UTF-8). */
export interface PathRows {
  records: Float64Array;
  csv?: Uint8Array;
}

export interface PathSink {
  /** Appends paths firstPath…firstPath+count−1 (called strictly in path order). */
  write(firstPath: number, count: number, batch: PathRows): Promise<void>;
  /** Finishes the file under its final name. */
  close(): Promise<void>;
  /** Stops: rows written so far stay on disk, complete, for --resume. */
  abort(): Promise<void>;
  /** Whether workers should format CSV text for this sink. */
  readonly wantsCsv: boolean;
}

export class CsvSink implements PathSink {
  readonly wantsCsv = true;
  private constructor(private readonly writer: PathsCsvWriter) {}

  static async open(dir: string): Promise<CsvSink> {
    return new CsvSink(await PathsCsvWriter.open(dir));
  }

  static async resume(dir: string, nextPath: number): Promise<CsvSink> {
    return new CsvSink(await PathsCsvWriter.resume(dir, nextPath));
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
}
