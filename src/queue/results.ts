// A batch's result in Redis, keyed by the batch: its records as raw little-endian f64 (what the hash of
// summary.json is computed over), then, for a run with fan charts, the batch's fan histograms (FanBatch.pack),
// written by a worker only while the run is registered, read once by the coordinator. A retried or duplicated job
// writes the same bytes again: results are idempotent.
import { endianness } from "node:os";
import type { Redis } from "ioredis";
import { RECORD_STRIDE } from "../engine/metrics.js";
import { keys } from "./names.js";

if (endianness() !== "LE")
  throw new Error("cascade's queue mode needs a little-endian machine (records travel as raw little-endian f64)");

/** SET the result only if the run is still registered (a late duplicate after the cleanup must leave nothing). */
const STORE_IF_REGISTERED = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('SET', KEYS[2], ARGV[2])
  return 1
end
return 0`;

/** `stride`: f64 per record (the run's recordNames length; RECORD_STRIDE for one market). */
export function recordBytes(records: Float64Array, count: number, fan?: Uint8Array, stride: number = RECORD_STRIDE): Buffer {
  const bytes = Buffer.from(records.buffer, records.byteOffset, count * stride * 8);
  return fan ? Buffer.concat([bytes, fan]) : bytes;
}

/** Stores a batch's records; false when the run is no longer registered (nothing is stored then). */
export async function storeResult(redis: Redis, prefix: string, queue: string, id: string, bytes: Buffer): Promise<boolean> {
  const stored = await redis.eval(STORE_IF_REGISTERED, 2, keys.registry(prefix), keys.result(prefix, queue, id), queue, bytes);
  return stored === 1;
}

export async function hasResult(redis: Redis, prefix: string, queue: string, id: string): Promise<boolean> {
  return (await redis.exists(keys.result(prefix, queue, id))) === 1;
}

/** Reads and deletes a batch's records: undefined when there are none (or not `count` paths' worth). */
export async function takeResult(
  redis: Redis,
  prefix: string,
  queue: string,
  id: string,
  count: number,
): Promise<Float64Array | undefined> {
  return (await takeBatchResult(redis, prefix, queue, id, count, false))?.records;
}

/**
 * Reads and deletes a batch's records and, when `fan`, its fan histograms after them: undefined when there are none
 * (or not `count` paths' worth, or no histograms after them when they are expected).
 */
export async function takeBatchResult(
  redis: Redis,
  prefix: string,
  queue: string,
  id: string,
  count: number,
  fan: boolean,
  stride: number = RECORD_STRIDE,
): Promise<{ records: Float64Array; fan?: Uint8Array } | undefined> {
  const key = keys.result(prefix, queue, id);
  const bytes = await redis.getBuffer(key);
  const size = count * stride * 8;
  if (!bytes || (fan ? bytes.length <= size || (bytes.length - size) % 8 !== 0 : bytes.length !== size)) return undefined;
  await redis.del(key);
  // copies into aligned buffers of their own (the client's Buffer may be a slice of a larger one)
  const records = new Float64Array(count * stride);
  new Uint8Array(records.buffer).set(bytes.subarray(0, size));
  return { records, ...(fan ? { fan: new Uint8Array(bytes.subarray(size)) } : {}) };
}
