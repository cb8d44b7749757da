// Scenario key paths for sweep axes and overrides: the grammar of `--set` (`market.price.shocks[0].step`
// or `market.price.shocks.0.step`), read from and written into a raw (unvalidated) scenario object.

import { safeText } from "./errors.js";

export type Segment = string | number;

const NAME = /^[A-Za-z_][\w-]*$/;

/**
 * Key names that reach an object's prototype when written through (`x.__proto__.polluted = 1` writes into
 * Object.prototype): no scenario, sweep or margin key has these names, so they are refused wherever a key
 * path or a document's key comes from the user.
 */
export const FORBIDDEN_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

export function isForbiddenKey(key: PropertyKey): boolean {
  return typeof key === "string" && FORBIDDEN_KEYS.includes(key);
}

/** The first forbidden segment of a dotted key path as written (`__proto__.x`, `a.constructor.prototype`), if any. */
export function forbiddenSegment(key: string): string | undefined {
  for (const part of key.split(".")) {
    const name = part.replace(/(\[\d+\])+$/, "");
    if (isForbiddenKey(name)) return name;
  }
  return undefined;
}

/** The problem line for a key path with a forbidden segment: `<what> must not contain … (received "<key>")`. */
export function forbiddenKeyProblem(what: string, key: string, segment: string): string {
  return `${what} must not contain the segment ${segment}: __proto__, constructor and prototype would reach the object's prototype (received ${JSON.stringify(key.length > 60 ? `${key.slice(0, 57)}...` : key)})`;
}

/**
 * `market.price.shocks[0].step` → ["market", "price", "shocks", 0, "step"]; undefined when malformed, and when a
 * segment is `__proto__`, `constructor` or `prototype` (see `forbiddenSegment` for the reason to give).
 */
export function parseKeyPath(key: string): Segment[] | undefined {
  if (forbiddenSegment(key) !== undefined) return undefined;
  const path: Segment[] = [];
  for (const part of key.split(".")) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    const [, name, indices] = m;
    if (/^\d+$/.test(name)) path.push(Number(name));
    else if (NAME.test(name)) path.push(name);
    else if (name !== "" || indices === "") return undefined;
    for (const idx of indices.matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  return path.length > 0 && typeof path[0] === "string" ? path : undefined;
}

/** The canonical spelling of a key path, as scenario problem lines print it: `market.price.shocks[0].step`. */
export function keyPathText(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  return Array.isArray(v) ? "a list" : v === null ? "null" : typeof v === "object" ? "a mapping" : `a ${typeof v}`;
}

/**
 * Writes `value` at `path` inside `root` (mutated), creating missing mappings and lists on the way.
 * `null` deletes the key instead, so that its default applies again (no scenario key takes null).
 * Returns a problem (without the key's name in front) when the path runs into a value that is not a
 * mapping or a list; nothing is written then.
 */
export function setAtPath(root: Record<string, unknown>, path: readonly Segment[], value: unknown): string | undefined {
  const bad = path.find(isForbiddenKey);
  if (bad !== undefined) return `must not contain the segment ${String(bad)}: it would reach the object's prototype`;
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const where = keyPathText(path.slice(0, i));
    if (typeof seg === "number") {
      if (!Array.isArray(node)) return `cannot index ${where}: it is ${describe(node)}, not a list`;
      if (seg > node.length) return `index must be <= ${node.length}, the length of ${where} (received ${seg})`;
    } else if (!isRecord(node)) {
      return `cannot set a key inside ${where}: it is ${describe(node)}, not a mapping`;
    }
    const container = node as Record<string | number, unknown>;
    if (i === path.length - 1) {
      if (value === null) {
        if (Array.isArray(container)) container.splice(seg as number, 1);
        else delete container[seg];
      } else container[seg] = structuredClone(value);
      return undefined;
    }
    // only own keys are walked: an inherited member (toString, a prototype's key) is "absent" here
    if (!Object.hasOwn(container, seg) || container[seg] === undefined || container[seg] === null) {
      if (value === null) return undefined; // deleting inside something absent: nothing to do
      container[seg] = typeof path[i + 1] === "number" ? [] : {};
    }
    node = container[seg];
  }
  return undefined;
}

/** The value at `path` in `root`, or undefined when any step is missing. */
export function getAtPath(root: unknown, path: readonly Segment[]): unknown {
  let node = root;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === "number") node = node[seg];
    else if (isRecord(node) && typeof seg === "string" && Object.hasOwn(node, seg)) node = node[seg];
    else return undefined;
  }
  return node;
}

/** Deepest nesting of mappings and lists a user's document may have (a scenario needs 6; JSON bombs go deeper). */
export const MAX_DOCUMENT_DEPTH = 64;

/** What is wrong with the shape of a parsed document, if anything: a forbidden key (where), or nesting too deep. */
export type DocumentProblem = { forbidden: Segment[] } | { tooDeep: number };

/**
 * Walks a parsed document (iteratively: a deep one must not overflow the stack here) for a key named
 * `__proto__`, `constructor` or `prototype` at any depth, and for nesting deeper than `maxDepth`. JSON.parse and
 * the YAML parser make such a key an own property, harmless by itself, but any later copy by assignment
 * (`out[key] = value`) would write through it into a prototype: refusing it at the door keeps every merge safe.
 */
export function documentProblem(doc: unknown, maxDepth = MAX_DOCUMENT_DEPTH): DocumentProblem | undefined {
  const stack: { node: unknown; path: Segment[] }[] = [{ node: doc, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (path.length >= maxDepth) return { tooDeep: maxDepth };
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(node);
    for (const key of keys) if (isForbiddenKey(key)) return { forbidden: [...path, key] };
    for (let i = keys.length - 1; i >= 0; i--)
      stack.push({ node: (node as Record<string, unknown>)[keys[i]], path: [...path, keys[i]] });
  }
  return undefined;
}

/** A document problem as a line about `what` (e.g. `scenario file a.yaml`), naming the key, never quoting content. */
export function documentProblemText(what: string, problem: DocumentProblem): string {
  if ("tooDeep" in problem)
    return `${what} must nest mappings and lists at most ${problem.tooDeep} deep (received deeper nesting)`;
  const key = String(problem.forbidden[problem.forbidden.length - 1]);
  return `${what}: ${safeText(keyPathText(problem.forbidden), 120)} must not be a key: __proto__, constructor and prototype would reach the object's prototype (received the key ${key})`;
}

/** True when one path is the other or lies inside it (`a.b` and `a.b.c`): two axes on them would collide. */
export function pathsOverlap(a: readonly Segment[], b: readonly Segment[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
