// `run`/`sweep` options: commander hands over strings, this checks them all and reports every bad one.
import { availableParallelism } from "node:os";
import { formatValue } from "../config/errors.js";
import type { RunOptions } from "./run.js";
import { parsePrefix } from "../queue/names.js";
import { parseQueueUrl } from "../queue/url.js";

/** The options as commander collects them (every value a string). */
export interface RawRunOptions {
  paths?: string;
  seed?: string;
  threads?: string;
  force?: boolean;
  out?: string;
  engine?: string;
  shard?: string;
  format?: string;
  quiet?: boolean;
  json?: boolean;
  /** Commander's `--no-report` (true unless given); absent when the options do not come from the CLI (no report then). */
  report?: boolean;
  /** Commander's `--no-fan` (`run` only: false when given). */
  fan?: boolean;
  set?: string[];
  resume?: string;
  queue?: string;
  queuePrefix?: string;
  batchSize?: string;
}

const DIGITS = /^\d+$/;

/**
 * Most worker threads a run may ask for: 64, or every core on a machine with more. Each thread holds a copy of the
 * setup and its own engine (a WASM kernel's memory), so `--threads 1000` would allocate gigabytes before any work.
 */
export const MAX_THREADS = Math.max(64, availableParallelism());

/** `--threads`: an integer from 1 to MAX_THREADS; undefined when not given (or bad: a problem is pushed). */
export function parseThreads(text: string | undefined, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  const value = DIGITS.test(text.trim()) ? Number(text) : NaN;
  if (Number.isSafeInteger(value) && value >= 1 && value <= MAX_THREADS) return value;
  problems.push(
    Number.isSafeInteger(value) && value > MAX_THREADS
      ? `--threads must be at most ${MAX_THREADS} (received ${formatValue(text)})`
      : `--threads must be a positive integer (received ${formatValue(text)})`,
  );
  return undefined;
}

function integer(name: string, text: string | undefined, min: number, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  const value = DIGITS.test(text.trim()) ? Number(text) : NaN;
  if (Number.isSafeInteger(value) && value >= min) return value;
  const expected = min === 0 ? "a non-negative integer" : "a positive integer";
  problems.push(`--${name} must be ${expected} (received ${formatValue(text)})`);
  return undefined;
}

function oneOf<T extends string>(
  name: string,
  text: string | undefined,
  allowed: readonly T[],
  fallback: T,
  problems: string[],
): T {
  if (text === undefined) return fallback;
  if ((allowed as readonly string[]).includes(text)) return text as T;
  problems.push(`--${name} must be one of ${allowed.join(", ")} (received ${formatValue(text)})`);
  return fallback;
}

function shard(text: string | undefined, problems: string[]): RunOptions["shard"] {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (count >= 1 && index >= 1 && index <= count && Number.isSafeInteger(count)) return { index, count };
  problems.push(`--shard must be i/n with 1 <= i <= n, e.g. 2/4 (received ${formatValue(text)})`);
  return undefined;
}

/**
 * Checks the options; `sets` are the --set overrides followed by --paths/--seed as `paths=`/`seed=`,
 * so the explicit options win over a --set of the same key.
 */
export function parseRunOptions(raw: RawRunOptions, scenarioFile: string | undefined, problems: string[]): RunOptions {
  const paths = integer("paths", raw.paths, 1, problems);
  const seed = integer("seed", raw.seed, 0, problems);
  const sets = [...(raw.set ?? [])];
  if (paths !== undefined) sets.push(`paths=${paths}`);
  if (seed !== undefined) sets.push(`seed=${seed}`);
  if (raw.out !== undefined && raw.out.trim() === "") problems.push(`--out must be a directory path (received "")`);
  if (raw.resume !== undefined && raw.resume.trim() === "") problems.push(`--resume must be a directory path (received "")`);
  const queue = queueOptions(raw, problems);
  return {
    threads: parseThreads(raw.threads, problems) ?? Math.min(availableParallelism(), MAX_THREADS),
    out: raw.out ?? "./cascade-out",
    engine: oneOf("engine", raw.engine, ["wasm", "ts"] as const, "wasm", problems),
    shard: shard(raw.shard, problems),
    format: oneOf("format", raw.format, ["csv", "parquet"] as const, "csv", problems),
    quiet: raw.quiet ?? false,
    json: raw.json ?? false,
    force: raw.force ?? false,
    ...(raw.fan === false ? { fan: false } : {}),
    ...(raw.resume !== undefined ? { resume: raw.resume } : {}),
    ...(scenarioFile !== undefined ? { scenarioFile } : {}),
    ...(queue ? { queue } : {}),
    sets,
  };
}

/** `--queue URL` with `--queue-prefix` and `--batch-size`, which mean nothing without it. */
export function queueOptions(
  raw: Pick<RawRunOptions, "queue" | "queuePrefix" | "batchSize">,
  problems: string[],
): RunOptions["queue"] {
  const url = parseQueueUrl(raw.queue, problems);
  const prefix = parsePrefix(raw.queuePrefix, problems);
  const batchSize = integer("batch-size", raw.batchSize, 1, problems);
  if (raw.queue === undefined) {
    for (const [name, given] of [
      ["--queue-prefix", raw.queuePrefix],
      ["--batch-size", raw.batchSize],
    ] as const) {
      if (given !== undefined) problems.push(`${name} needs --queue (it sets how a queue run is cut into jobs)`);
    }
    return undefined;
  }
  return url ? { url, prefix, ...(batchSize !== undefined ? { batchSize } : {}) } : undefined;
}
