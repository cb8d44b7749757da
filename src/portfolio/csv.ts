// paths.csv of a portfolio run: `path`, then the record's metrics in order (their names depend on the
// scenario's markets and assets, so the single-market PathsCsvWriter, whose header is fixed, does not fit).
// Rows are formatted per batch (in the workers) and streamed to `paths.csv.partial` in path order, renamed to
// `paths.csv` when complete: the file is never held as one string. Numbers as src/report/csv.ts formatNumber
// (shortest round trip, −0 kept), so the bytes depend only on the records, never on how they were batched.
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { formatNumber } from "../report/csv.js";

/** A CSV header field: quoted when a market or asset name needs it. */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header line (without its newline). */
export function portfolioCsvHeader(metricNames: readonly string[]): string {
  return ["path", ...metricNames].map(csvField).join(",");
}

/** Rows (each ending in "\n") for paths firstPath…firstPath+count−1 from path-major records: a pure function. */
export function formatPortfolioRows(firstPath: number, records: Float64Array, stride: number, count: number): string {
  let out = "";
  for (let p = 0; p < count; p++) {
    let row = String(firstPath + p);
    const at = p * stride;
    for (let k = 0; k < stride; k++) row += "," + formatNumber(records[at + k]);
    out += row + "\n";
  }
  return out;
}

/**
 * Streams `<dir>/paths.csv.partial` (header first) and renames it to `paths.csv` on close(), so a file named
 * paths.csv is always complete. Batches must come in path order (checked); each write waits for the stream
 * to drain when it is full (backpressure).
 */
export class PortfolioCsvWriter {
  private next = 0;
  private failed: Error | undefined;
  private done = false;

  private constructor(
    private readonly stream: WriteStream,
    readonly path: string,
    readonly partialPath: string,
  ) {
    stream.on("error", (err) => {
      this.failed ??= err;
    });
  }

  static async open(dir: string, metricNames: readonly string[], fileName = "paths.csv"): Promise<PortfolioCsvWriter> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, fileName);
    const partialPath = `${path}.partial`;
    const stream = createWriteStream(partialPath, { flags: "w", flush: true });
    await once(stream, "open");
    const w = new PortfolioCsvWriter(stream, path, partialPath);
    await w.put(portfolioCsvHeader(metricNames) + "\n");
    return w;
  }

  /** The path the next batch must start at. */
  get nextPath(): number {
    return this.next;
  }

  /** Appends rows for paths firstPath…firstPath+count−1, already formatted and UTF-8 encoded. */
  async writeEncoded(firstPath: number, count: number, bytes: Uint8Array): Promise<void> {
    if (firstPath !== this.next)
      throw new RangeError(
        `PortfolioCsvWriter: expected path ${this.next} next (received ${firstPath}); rows must be written in path order`,
      );
    this.next = firstPath + count;
    await this.put(bytes);
  }

  private async put(chunk: string | Uint8Array): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.done) throw new Error(`PortfolioCsvWriter: ${this.partialPath} is already closed`);
    if (!this.stream.write(chunk)) await once(this.stream, "drain"); // `once` rejects on 'error'
    if (this.failed) throw this.failed;
  }

  /** Ends the stream (flushed to disk) and renames `.partial` to the final name; returns the final path. */
  async close(): Promise<string> {
    if (this.failed) throw this.failed;
    this.done = true;
    this.stream.end();
    await once(this.stream, "close");
    if (this.failed) throw this.failed;
    await rename(this.partialPath, this.path);
    return this.path;
  }

  /** Stops after an error: the stream is closed and `.partial` removed (there is no --resume for portfolios). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.stream.end();
    if (!this.stream.closed) await once(this.stream, "close").catch(() => undefined);
    await rm(this.partialPath, { force: true });
  }
}
