// The CLI fuzz cases (test/engine/fuzz.test.ts runs a few hundred in CI, bench/fuzz.mjs as many as asked): the embedded
// default scenario mutated at random key paths with edge values, wrong types and unknown keys, or the command
// line given odd options, run in-process through the CLI's own entry point. What must hold for every case:
// exit 0 with finite results, or exit 2 with every error line naming a field, an option or a file; never exit 1,
// never a stack trace.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { main } from "../dist/cli/program.js";
import { readScenarioFile } from "../dist/config/load.js";
import { DEFAULT_SCENARIO_FILE } from "../dist/config/presets.js";
import { referenceRows } from "../dist/config/reference.js";

/** Every key path of the scenario schema (list items as `[]`, alternatives named), from the generated reference. */
const KEYS = referenceRows()
  .map((r) => r.key.replace(/ \(.*\)$/, ""))
  .filter((k) => !k.includes("[]"));
const NAMES = ["market", "accounts", "margin", "liquidation", "insurance", "adl", "price", "book", "depth", "impact", "mark"];

const edgeNumber = fc.constantFrom(
  0,
  -0,
  -1,
  1,
  0.5,
  2,
  3,
  1e-300,
  5e-324,
  1e15,
  1e308,
  -1e308,
  2147483647,
  2147483648,
  9007199254740993,
  1e9,
  37.5,
);
const value = fc.oneof(
  edgeNumber,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(
    "",
    "x",
    "-1",
    "1e308",
    "NaN",
    "Infinity",
    "__proto__",
    "../../etc/passwd",
    "/dev/zero",
    "latent",
    "market",
    "ema",
    "oracle",
    "partial",
  ),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(edgeNumber, { maxLength: 3 }),
);

/** Numeric keys with their defaults: scaled, they give plausible scenarios that should run (exit 0). */
const NUMERIC = referenceRows()
  .filter(
    (r) =>
      !r.key.includes("[]") &&
      !r.key.includes(" (") &&
      (r.type === "number" || r.type === "integer") &&
      r.default !== "" &&
      Number(r.default) !== 0,
  )
  .map((r) => ({ key: r.key, value: Number(r.default), integer: r.type === "integer" }));
const plausible = fc
  .record({ target: fc.constantFrom(...NUMERIC), factor: fc.constantFrom(0.25, 0.5, 0.9, 1.1, 2, 4) })
  .map(({ target, factor }) => ({
    op: "set",
    key: target.key,
    value: target.integer ? Math.max(1, Math.round(target.value * factor)) : target.value * factor,
  }));

/** One mutation of the scenario document: a key set to a value, a key removed, or an unknown key added. */
const mutation = fc.oneof(
  { weight: 6, arbitrary: plausible },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("set"), key: fc.constantFrom(...KEYS), value }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete"), key: fc.constantFrom(...KEYS) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("unknown"),
      key: fc.constantFrom(...KEYS),
      name: fc.constantFrom("levles", "extra", "Paths", "__proto__", "constructor"),
      value,
    }),
  },
);

/** Odd command-line options beside a valid scenario. */
const optionCase = fc.record({
  paths: fc.option(fc.constantFrom("0", "-1", "1.5", "abc", "", "1e3", "99999999999999999999", "3"), { nil: undefined }),
  seed: fc.option(fc.constantFrom("-1", "1.5", "x", "18446744073709551616", "7"), { nil: undefined }),
  threads: fc.option(fc.constantFrom("0", "-2", "1000000", "1.5", "2", "x"), { nil: undefined }),
  engine: fc.option(fc.constantFrom("wasm", "ts", "gpu", ""), { nil: undefined }),
  format: fc.option(fc.constantFrom("csv", "parquet", "xlsx", ""), { nil: undefined }),
  set: fc.array(
    fc.constantFrom(
      "paths=3",
      "steps=0",
      "steps=5",
      "__proto__.x=1",
      "constructor.prototype.y=2",
      "market.tickSize=-1",
      "nope=1",
      "market.price.volatility=abc",
      "=",
      "market",
      "accounts.count=5",
    ),
    { maxLength: 3 },
  ),
});

// half the cases only move keys within plausible ranges (they should mostly run), half mix in anything
export const scenarioCase = fc.oneof(
  fc.array(plausible, { minLength: 1, maxLength: 4 }),
  fc.array(mutation, { minLength: 1, maxLength: 4 }),
);
export { optionCase };

function setPath(doc, key, v) {
  const parts = key.split(".");
  let node = doc;
  for (const p of parts.slice(0, -1)) {
    if (node[p] === null || typeof node[p] !== "object" || Array.isArray(node[p]))
      Object.defineProperty(node, p, { value: {}, enumerable: true, writable: true, configurable: true });
    node = node[p];
  }
  Object.defineProperty(node, parts[parts.length - 1], { value: v, enumerable: true, writable: true, configurable: true });
}

function deletePath(doc, key) {
  const parts = key.split(".");
  let node = doc;
  for (const p of parts.slice(0, -1)) {
    if (node === null || typeof node !== "object") return;
    node = node[p];
  }
  if (node && typeof node === "object") delete node[parts[parts.length - 1]];
}

/** The scenario document of a case: the default scenario, small, with the mutations applied. */
export function mutatedScenario(mutations) {
  const doc = /** @type {any} */ (structuredClone(readScenarioFile(DEFAULT_SCENARIO_FILE)));
  doc.paths = 6;
  doc.steps = 30;
  doc.accounts.count = 300;
  for (const m of mutations) {
    if (m.op === "set") setPath(doc, m.key, m.value);
    else if (m.op === "delete") deletePath(doc, m.key);
    else setPath(doc, `${m.key}.${m.name}`, m.value);
  }
  return doc;
}

/** What a line of stderr may name: a key path, an option, a file, a sweep or shard word. */
const NAMES_A_FIELD = new RegExp(
  `(^\\S+ is not a known key|--[a-z]+|[A-Za-z]+(\\.[A-Za-z0-9_\\[\\]]+)+|[A-Za-z]+\\[\\d+\\]|\\b(${[...NAMES, "paths", "seed", "steps", "stepSeconds", "name", "venue", "scenario", "file", "markets", "correlation", "crossMargin"].join("|")})\\b)`,
);

/**
 * Runs one case through the CLI in-process; returns its outcome class: "ok" (exit 0, finite results), "input"
 * (exit 2, every line names a field), or a string saying what went wrong.
 */
export async function runCase(argv) {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (s) => (stdout += s) }, stderr: { write: (s) => (stderr += s) } };
  const code = await main(argv, io);
  if (/^\s+at /m.test(stdout + stderr)) return `stack trace (exit ${code}): ${stderr.slice(0, 300)}`;
  if (code === 2) {
    const lines = stderr.split("\n").filter((l) => l.startsWith("error: "));
    if (lines.length === 0) return `exit 2 without an error line: ${stderr.slice(0, 300)}`;
    const unnamed = lines.filter((l) => !NAMES_A_FIELD.test(l.slice(7)));
    if (unnamed.length > 0) return `exit 2 with a line naming no field: ${unnamed[0]}`;
    if (new Set(lines).size !== lines.length) return `a line printed twice: ${lines.find((l, i) => lines.indexOf(l) !== i)}`;
    return "input";
  }
  if (code !== 0) return `exit ${code}: ${stderr.slice(0, 400)}`;
  const summary = JSON.parse(stdout);
  for (const [metric, s] of Object.entries(summary.metrics)) {
    if (metric === "marginHeld" || metric === "firstLiquidationStep") continue;
    for (const stat of ["mean", "min", "max", "p50", "p99"]) {
      if (!Number.isFinite(s[stat])) return `exit 0 with ${metric}.${stat} = ${s[stat]}`;
    }
  }
  return "ok";
}

/** A scratch directory for a fuzz session's files; remove it with the returned function. */
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), "cascade-fuzz-"));
  return {
    dir,
    write: (name, doc) => (writeFileSync(join(dir, name), stringify(doc)), join(dir, name)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The argv of a scenario case (its file written into `dir`). */
export function scenarioArgv(s, mutations, index) {
  const file = s.write(`case-${index}.yaml`, mutatedScenario(mutations));
  // --paths keeps a mutated `paths` from asking for a long run (a valid request, not a bug, but not a test's time)
  return ["run", file, "--paths", "6", "--json", "--quiet", "--threads", "1", "--out", join(s.dir, `out-${index}`)];
}

/** The argv of an option case. */
export function optionArgv(s, o, index) {
  const argv = [
    "run",
    "--json",
    "--quiet",
    "--out",
    join(s.dir, `opt-${index}`),
    "--set",
    "steps=20",
    "--set",
    "accounts.count=200",
  ];
  argv.push("--paths", o.paths ?? "4");
  if (o.seed !== undefined) argv.push("--seed", o.seed);
  argv.push("--threads", o.threads ?? "1");
  if (o.engine !== undefined) argv.push("--engine", o.engine);
  if (o.format !== undefined) argv.push("--format", o.format);
  for (const set of o.set) argv.push("--set", set);
  return argv;
}
