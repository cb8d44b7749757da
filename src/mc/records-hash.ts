// A SHA-256 over a run's records in path order (each path: RECORD_STRIDE little-endian f64): the fingerprint
// summary.json publishes so that anyone can check a paths file, in either format, against it.
import { createHash, type Hash } from "node:crypto";
import { readFileSync } from "node:fs";
import { RECORD_STRIDE } from "../engine/metrics.js";
import { kernelPath } from "../kernel/module.js";

export class RecordsHasher {
  private readonly hash: Hash = createHash("sha256");

  update(records: Float64Array, count: number): void {
    this.hash.update(new Uint8Array(records.buffer, records.byteOffset, count * RECORD_STRIDE * 8));
  }

  /** The hash of the records so far, without ending the hash (more may be added). */
  peek(): string {
    return this.hash.copy().digest("hex");
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}

export function hashRecords(records: Float64Array, count: number): string {
  const h = new RecordsHasher();
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
