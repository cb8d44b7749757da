// The --queue option: a redis:// or rediss:// URL. Its user, password, database number and query options (TLS
// settings among them) go to the Redis client as they are; messages show it without the password.
import { formatValue } from "../config/errors.js";

export interface QueueUrl {
  /** The URL as given: what the Redis client connects with. */
  url: string;
  /** The URL for messages: the password replaced by `***`. */
  shown: string;
  /** TLS (`rediss://`). */
  tls: boolean;
}

/** `text` with the password of a URL's credentials replaced by `***` (also when the URL does not parse). */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][\w+.-]*:\/\/[^/@:]*):[^@/]*@/i, "$1:***@");
}

/**
 * Checks a --queue value (or a worker's): a redis:// or rediss:// URL with a host. Returns undefined and pushes
 * one problem naming the option otherwise.
 */
export function parseQueueUrl(text: string | undefined, problems: string[], option = "--queue"): QueueUrl | undefined {
  if (text === undefined) return undefined;
  const shown = redactUrl(text.trim());
  const bad = (why: string) => {
    problems.push(
      `${option} must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379${why} (received ${formatValue(shown)})`,
    );
    return undefined;
  };
  let parsed: URL;
  try {
    parsed = new URL(text.trim());
  } catch {
    return bad("");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") return bad("");
  if (parsed.hostname === "") return bad(", with a host");
  if (parsed.pathname !== "" && parsed.pathname !== "/" && !/^\/\d+$/.test(parsed.pathname))
    return bad(", whose path is a database number");
  return { url: text.trim(), shown, tls: parsed.protocol === "rediss:" };
}
