// Names in Redis. A run's queue is named after its identity (what its results depend on, and how they are cut
// into batches), so two runs never share a queue and a restarted coordinator finds its own; a job is named after
// its batch's path range, so adding it again (a restart, a duplicate) is a no-op. Every key of a run lies under
// `PREFIX:QUEUE:`, where BullMQ keeps its own, so that cleaning up a run is deleting that namespace.
import { createHash } from "node:crypto";
import { formatValue } from "../config/errors.js";
import type { RunIdentity as DirRunIdentity } from "../mc/out-dir.js";
import type { Batch } from "../mc/plan.js";

/** The key prefix of BullMQ's keys and ours (`--queue-prefix`). */
export const DEFAULT_PREFIX = "cascade";

const PREFIX_FORM = /^[A-Za-z0-9_.-]{1,64}$/;

/** `--queue-prefix`: letters, digits, `_`, `.`, `-` (no `:`, no glob characters: it is part of key patterns). */
export function parsePrefix(text: string | undefined, problems: string[]): string {
  if (text === undefined) return DEFAULT_PREFIX;
  if (PREFIX_FORM.test(text)) return text;
  problems.push(`--queue-prefix must be 1 to 64 letters, digits, "_", "." or "-" (received ${formatValue(text)})`);
  return DEFAULT_PREFIX;
}

/**
 * What a run's results depend on (its output directory's identity), and how they are cut into batches and by which
 * build: two runs share a queue only if all agree.
 */
export interface RunIdentity extends DirRunIdentity {
  batchSize: number;
  /** cascade's version and the kernel's ABI; and the kernel binary's SHA-256 for the wasm engine. */
  engineVersion: string;
  kernelSha256?: string;
  /** The batches' results carry their fan histograms (src/stats/fan.ts). */
  fan?: boolean;
}

/** The run's queue: `run-` and 24 hex digits of the SHA-256 of its identity. */
export function runQueueName(id: RunIdentity): string {
  const fields = [
    id.scenarioHash,
    id.seed,
    id.engine,
    id.firstPath,
    id.endPath,
    id.batchSize,
    id.engineVersion,
    id.kernelSha256 ?? "",
    ...(id.fan ? ["fan"] : []),
  ];
  return `run-${createHash("sha256").update(JSON.stringify(fields)).digest("hex").slice(0, 24)}`;
}

/** A batch's job id: its path range (never an integer, never a `:`, as BullMQ requires). */
export function jobId(batch: Pick<Batch, "first" | "count">): string {
  return `paths-${batch.first}-${batch.count}`;
}

/** Every key this program keeps in Redis, by what it holds. */
export const keys = {
  /** Hash: queue name → the run's spec (JSON), for every run whose batches workers may take. */
  registry: (prefix: string) => `${prefix}:cascade-runs`,
  /** Pub/sub channel: a run was registered or removed (workers look at the registry again at once). */
  registryChannel: (prefix: string) => `${prefix}:cascade-runs-changed`,
  /** String: the run's scenario inputs (v8-serialised), which workers rebuild the engine from. */
  inputs: (prefix: string, queue: string) => `${prefix}:${queue}:cascade-inputs`,
  /** String: a finished batch's records, raw little-endian f64, until the coordinator has read them. */
  result: (prefix: string, queue: string, id: string) => `${prefix}:${queue}:cascade-result:${id}`,
  /** String with a TTL: the coordinator holding the run (host, pid); workers serve a run only while it exists. */
  lease: (prefix: string, queue: string) => `${prefix}:${queue}:cascade-coordinator`,
  /** Pattern of every key of a run, BullMQ's included. */
  runPattern: (prefix: string, queue: string) => `${prefix}:${queue}:*`,
};
