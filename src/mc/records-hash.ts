// A SHA-256 over a run's records in path order (each path: its record's f64, little-endian): the fingerprint
// summary.json publishes so that anyone can check a paths file, in either format, against it.
import { createHash, type Hash } from "node:crypto";
import { readFileSync } from "node:fs";
import { RECORD_STRIDE } from "../engine/metrics.js";
import { kernelPath } from "../kernel/module.js";

export class RecordsHasher {
  private readonly hash: Hash = createHash("sha256");

  /** `stride`: f64 per record (recordNames(…).length; RECORD_STRIDE for one market). */
  constructor(private readonly stride: number = RECORD_STRIDE) {}

  update(records: Float64Array, count: number): void {
    this.hash.update(new Uint8Array(records.buffer, records.byteOffset, count * this.stride * 8));
  }

  /** The hash of the records so far, without ending the hash (more may be added). */
  peek(): string {
    return this.hash.copy().digest("hex");
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}

export function hashRecords(records: Float64Array, count: number, stride: number = RECORD_STRIDE): string {
  const h = new RecordsHasher(stride);
  h.update(records, count);
  return h.digest();
}

let kernelDigest: string | undefined;

/** SHA-256 of the release kernel binary: which compiled engine produced a run. */
export function kernelHash(): string {
  kernelDigest ??= createHash("sha256")
    .update(readFileSync(kernelPath("release")))
    .digest("hex");
  return kernelDigest;
}
