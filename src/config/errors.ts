// The two kinds of failure the CLI tells apart (SPEC §1): bad input (exit 2) and bugs (exit 1).

/**
 * Bad input from the user: a config key, a file, an option. Carries every problem found, one line each,
 * `<field path> <what was expected> (received <value>)`, so the user can fix them all in one go.
 */
export class InputError extends Error {
  readonly problems: string[];

  constructor(problems: string | string[]) {
    const all = typeof problems === "string" ? [problems] : problems;
    // A hostile file can hold a million unknown keys: the first MAX_PROBLEMS lines show what is wrong.
    const list =
      all.length > MAX_PROBLEMS ? [...all.slice(0, MAX_PROBLEMS), `... and ${all.length - MAX_PROBLEMS} more problems`] : all;
    super(list.join("\n"));
    this.name = "InputError";
    this.problems = list;
  }
}

/** Most problem lines one InputError carries; the rest are counted in a last line. */
export const MAX_PROBLEMS = 200;

/** What a bug report needs to reproduce a failure (SPEC §1: seed, path index, scenario file). */
export interface ReproContext {
  seed?: number;
  pathIndex?: number;
  /** The scenario file as given on the command line; undefined means the embedded default. */
  scenarioFile?: string;
}

/** A bug caught with enough context to reproduce it, e.g. a `WebAssembly.RuntimeError` rethrown by the host. */
export class InternalError extends Error {
  readonly repro: ReproContext;

  constructor(message: string, repro: ReproContext, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InternalError";
    this.repro = repro;
  }
}

/** A received value as it appears at the end of a problem line: strings quoted, long values cut. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "bigint") return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Text from the user (a key, a name) as it may appear inside a one-line message: control characters escaped, so
 * the line stays one line, and cut to `max` characters.
 */
export function safeText(text: string, max = 60): string {
  // eslint-disable-next-line no-control-regex
  const escaped = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
  return escaped.length > max ? `${escaped.slice(0, max - 3)}...` : escaped;
}
