// Scenario key paths for sweep axes and overrides: the grammar of `--set` (`market.price.shocks[0].step`
// or `market.price.shocks.0.step`), read from and written into a raw (unvalidated) scenario object.

export type Segment = string | number;

const NAME = /^[A-Za-z_][\w-]*$/;

/** `market.price.shocks[0].step` → ["market", "price", "shocks", 0, "step"]; undefined when malformed. */
export function parseKeyPath(key: string): Segment[] | undefined {
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
    if (container[seg] === undefined || container[seg] === null) {
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
    else if (isRecord(node) && typeof seg === "string") node = node[seg];
    else return undefined;
  }
  return node;
}

/** True when one path is the other or lies inside it (`a.b` and `a.b.c`): two axes on them would collide. */
export function pathsOverlap(a: readonly Segment[], b: readonly Segment[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
