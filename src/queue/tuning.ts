// Timings of the queue mode, from the environment (the defaults suit real runs; tests shorten them):
//   CASCADE_QUEUE_LOCK_MS     BullMQ lockDuration: a job whose worker stops renewing its lock this long is stalled
//   CASCADE_QUEUE_STALLED_MS  BullMQ stalledInterval: how often workers look for stalled jobs (and retry them)
//   CASCADE_QUEUE_LEASE_MS    the coordinator's lease: how long workers go on after a coordinator vanished
//   CASCADE_QUEUE_POLL_MS     how often a worker looks at the registry, and a coordinator at a job's state
import { InputError } from "../config/errors.js";

export interface QueueTuning {
  lockMs: number;
  stalledMs: number;
  leaseMs: number;
  pollMs: number;
  /** Times a job may stall (its worker killed) and be retried before it fails. */
  maxStalledCount: number;
  /** Times a job whose processor threw is tried. */
  attempts: number;
}

const DEFAULTS = { lockMs: 30_000, stalledMs: 15_000, leaseMs: 15_000, pollMs: 2_000 };

function fromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv, problems: string[]): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (Number.isSafeInteger(value) && value >= 50 && value <= 86_400_000) return value;
  problems.push(`${name} must be a number of milliseconds from 50 to 86400000 (received ${JSON.stringify(text.slice(0, 40))})`);
  return fallback;
}

export function queueTuning(env: NodeJS.ProcessEnv = process.env): QueueTuning {
  const problems: string[] = [];
  const tuning: QueueTuning = {
    lockMs: fromEnv("CASCADE_QUEUE_LOCK_MS", DEFAULTS.lockMs, env, problems),
    stalledMs: fromEnv("CASCADE_QUEUE_STALLED_MS", DEFAULTS.stalledMs, env, problems),
    leaseMs: fromEnv("CASCADE_QUEUE_LEASE_MS", DEFAULTS.leaseMs, env, problems),
    pollMs: fromEnv("CASCADE_QUEUE_POLL_MS", DEFAULTS.pollMs, env, problems),
    maxStalledCount: 5,
    attempts: 3,
  };
  if (problems.length > 0) throw new InputError(problems);
  return tuning;
}
