// Connections to the Redis server behind --queue: a first connection that must succeed quickly (a wrong host,
// port or password is bad input, exit 2, one line naming the option), then the long-lived ones the run uses,
// which reconnect on their own when the server goes away for a while.
import { Redis } from "ioredis";
import { InputError } from "../config/errors.js";
import type { QueueUrl } from "./url.js";

/** How long the first connection may take before the server counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/** Options BullMQ's own connections are built from: the URL (credentials, TLS and all) passed through. */
export function bullConnection(q: QueueUrl): { url: string; maxRetriesPerRequest: null } {
  return { url: q.url, maxRetriesPerRequest: null };
}

/** Why a first connection failed, in words (the client's error codes kept: ECONNREFUSED, WRONGPASS, …). */
function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const text = (e?.message ?? String(err)).split("\n")[0];
  return e?.code && !text.includes(e.code) ? `${e.code}: ${text}` : text;
}

/**
 * Connects to the server and checks it answers (PING), within CONNECT_TIMEOUT_MS; every failure is an
 * InputError naming `option` and the URL (without its password). The client returned reconnects by itself from
 * then on; `quit()` it when done.
 */
export async function connectRedis(q: QueueUrl, option = "--queue"): Promise<Redis> {
  let lastError: unknown;
  let connected = false;
  const client = new Redis(q.url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    // no retries until the first connection has worked: an unreachable server is bad input, reported at once
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
  });
  client.on("error", (err) => {
    lastError = err;
  });
  try {
    await client.connect();
    const pong = await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer to PING within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS).unref(),
      ),
    ]);
    if (pong !== "PONG") throw new Error(`PING answered ${JSON.stringify(pong)}`);
    connected = true;
    return client;
  } catch (err) {
    client.disconnect();
    const cause = lastError ?? err;
    throw new InputError([`${option} ${q.shown}: cannot use the Redis server there (${reason(cause)})`]);
  }
}
