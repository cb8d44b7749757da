// The coordinator's lease on a run: one key with a TTL, renewed while the coordinator lives. It keeps a second
// coordinator of the same run away (they would take each other's results), lets a restarted one take over
// (at once when the holder was a dead process on this host, else once the TTL has run out), and tells the
// workers that someone still waits for the run: they serve a run only while its lease exists.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import { InputError } from "../config/errors.js";
import { keys } from "./names.js";

/** Renew the key if it is ours (or take it back if it lapsed); 1 when held, 0 when someone else holds it. */
const RENEW = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/** Replace the holder `ARGV[3]` (a dead process) by us, if it still holds the key. */
const TAKE_OVER = `
if redis.call('GET', KEYS[1]) == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/** Delete the key if it is ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** "HOST PID NONCE" of a holder, parsed. */
function holderOf(value: string): { host: string; pid: number } | undefined {
  const m = /^(\S+) (\d+) [0-9a-f]+$/.exec(value);
  return m ? { host: m[1], pid: Number(m[2]) } : undefined;
}

export class CoordinatorLease {
  private timer?: NodeJS.Timeout;
  private lost?: string;

  private constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly value: string,
    private readonly ttlMs: number,
  ) {}

  /**
   * Takes the lease of `queue`, waiting up to one TTL for a holder that does not renew it. A holder that keeps
   * renewing is another live coordinator of the same run: an InputError naming it.
   */
  static async acquire(
    redis: Redis,
    prefix: string,
    queue: string,
    ttlMs: number,
    onWait?: (holder: string) => void,
  ): Promise<CoordinatorLease> {
    const key = keys.lease(prefix, queue);
    const value = `${hostname()} ${process.pid} ${randomBytes(6).toString("hex")}`;
    const deadline = Date.now() + ttlMs + 1000;
    let told = false;
    for (;;) {
      if ((await redis.set(key, value, "PX", ttlMs, "NX")) === "OK") break;
      const current = await redis.get(key);
      if (current === null) continue;
      const holder = holderOf(current);
      if (holder && holder.host === hostname() && !pidAlive(holder.pid)) {
        if ((await redis.eval(TAKE_OVER, 1, key, value, ttlMs, current)) === 1) break;
        continue;
      }
      if (Date.now() > deadline) {
        const who = holder ? `${holder.host} pid ${holder.pid}` : current;
        throw new InputError([
          `--queue: run ${queue} is being coordinated by another cascade process (${who}): wait for it to finish, or stop it`,
        ]);
      }
      if (!told) onWait?.(holder ? `${holder.host} pid ${holder.pid}` : current);
      told = true;
      await new Promise((r) => setTimeout(r, Math.min(500, ttlMs / 4)));
    }
    const lease = new CoordinatorLease(redis, key, value, ttlMs);
    lease.timer = setInterval(() => void lease.renew(), Math.max(50, Math.floor(ttlMs / 3)));
    lease.timer.unref();
    return lease;
  }

  private async renew(): Promise<void> {
    try {
      if ((await this.redis.eval(RENEW, 1, this.key, this.value, this.ttlMs)) !== 1) {
        this.lost = `another cascade process took over the run (${(await this.redis.get(this.key)) ?? "?"})`;
      }
    } catch {
      // Redis away for a moment: the client reconnects, the next renewal tries again
    }
  }

  /** Why the lease was lost to another coordinator, if it was. */
  get lostReason(): string | undefined {
    return this.lost;
  }

  /** No more renewals (before the run's keys are deleted: a renewal must not put the key back). */
  stopRenewing(): void {
    clearInterval(this.timer);
  }

  async release(): Promise<void> {
    this.stopRenewing();
    await this.redis.eval(RELEASE, 1, this.key, this.value).catch(() => undefined);
  }
}
