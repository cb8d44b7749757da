// JSON that gives back every f64 bit for bit: a sweep's checkpoint and a shard's manifest are read back to
// produce outputs byte-identical to an uninterrupted, unsharded run, and plain JSON turns NaN and ±Infinity
// into null and −0 into 0. Those four numbers are written as { "$f64": "NaN" } (and "Infinity",
// "-Infinity", "-0"); every other number is a plain JSON number, whose shortest round-trip text is exact.

const TAG = "$f64";
const SPECIAL: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };

function encode(_key: string, value: unknown): unknown {
  if (typeof value !== "number") return value;
  if (Number.isNaN(value)) return { [TAG]: "NaN" };
  if (value === Infinity) return { [TAG]: "Infinity" };
  if (value === -Infinity) return { [TAG]: "-Infinity" };
  if (Object.is(value, -0)) return { [TAG]: "-0" };
  return value;
}

function decode(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== TAG) return value;
  const text = (value as Record<string, unknown>)[TAG];
  return typeof text === "string" && text in SPECIAL ? SPECIAL[text] : value;
}

/** `value` as JSON text in which every number reads back as the same f64 (see the header). */
export function toExactJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, encode, indent);
}

/** Parses text written by toExactJson (plain JSON too); throws a SyntaxError when it is not JSON. */
export function fromExactJson(text: string): unknown {
  return JSON.parse(text, decode);
}
