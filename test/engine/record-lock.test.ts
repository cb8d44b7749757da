// The records of every single-market scenario stay bit-identical through the engine's restructuring (#14's
// first floor): test/fixtures/record-lock.json holds the SHA-256 of the kernel's records for the shipped
// scenarios, the examples' sweep points, every venue preset, the benchmark's cases and 250 random scenarios,
// captured before the change. The reference engine is held to the same records by test/engine/differential.test.ts.
// A change that moves the model on purpose rewrites the file with RECORD_LOCK_UPDATE=1 and says so in its commit.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScenario, resolveScenario } from "../../src/config/load.js";
import { listPresets } from "../../src/config/presets.js";
import type { Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { loadSweep } from "../../src/sweep/load.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { runReference, runWasm } from "../helpers/engines.js";

const ROOT = join(import.meta.dirname, "../..");
const LOCK_FILE = join(ROOT, "test/fixtures/record-lock.json");
const PATHS = 3;

type Case = () => ScenarioInputs;

function cases(): Map<string, Case> {
  const out = new Map<string, Case>();
  for (const file of readdirSync(join(ROOT, "scenarios"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    out.set(`scenarios/${file}`, () => loadScenario(join(ROOT, "scenarios", file), []));
  }
  for (const file of readdirSync(join(ROOT, "examples"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    const path = join(ROOT, "examples", file);
    if (!/^\s*axes:/m.test(readFileSync(path, "utf8"))) continue; // not a sweep: a multi-market file
    const sweep = loadSweep(path);
    sweep.points.forEach((point, i) =>
      out.set(`examples/${file}#${i}`, () => resolveScenario(point.raw, sweep.baseDir, { explicit: point.explicit })),
    );
  }
  // the lending presets hold longs only (a collateral-for-stablecoin loan), and say so when asked for shorts
  const longOnly = new Set(["aave-v3-eth", "maker-eth-b"]);
  for (const preset of listPresets()) {
    const sets = [`venue=${preset.name}`, ...(longOnly.has(preset.name) ? ["accounts.longShare=1"] : [])];
    out.set(`presets/${preset.name}`, () => loadScenario(undefined, sets));
  }
  return out;
}

async function benchCases(): Promise<Map<string, Case>> {
  const bench = await import("../../bench/scenario.mjs");
  const out = new Map<string, Case>();
  const named = { ...bench.CHECK_VARIANTS, ...bench.BENCH_VARIANTS } as Record<string, () => unknown>;
  // bench/scenario.mjs writes whole scenarios (defaults included) as the engines take them
  for (const [name, make] of Object.entries(named)) out.set(`bench/${name}`, () => ({ scenario: make() as Scenario }));
  return out;
}

function randomCases(): Map<string, Case> {
  const out = new Map<string, Case>();
  fc.sample(scenarioArb, { seed: 20261206, numRuns: 250 }).forEach((inputs, i) => out.set(`random/${i}`, () => inputs));
  return out;
}

function hashOf(records: Float64Array): string {
  return createHash("sha256")
    .update(new Uint8Array(records.buffer, records.byteOffset, records.byteLength))
    .digest("hex");
}

describe("records lock (single-market scenarios, captured before #14's restructuring)", async () => {
  const all = new Map([...cases(), ...(await benchCases()), ...randomCases()]);
  const hashes: Record<string, string> = {};
  const referenceMoved: string[] = [];
  for (const [name, make] of all) {
    const inputs = make();
    hashes[name] = hashOf(runWasm(inputs, PATHS));
    if (hashOf(runReference(inputs, PATHS)) !== hashes[name]) referenceMoved.push(name);
  }

  if (process.env.RECORD_LOCK_UPDATE === "1") {
    writeFileSync(LOCK_FILE, `${JSON.stringify({ paths: PATHS, hashes }, null, 1)}\n`);
  }
  const lock = JSON.parse(readFileSync(LOCK_FILE, "utf8")) as { paths: number; hashes: Record<string, string> };

  it("covers the same cases as when it was captured", () => {
    expect(Object.keys(hashes).sort()).toEqual(Object.keys(lock.hashes).sort());
    expect(Object.keys(hashes).length).toBeGreaterThan(280);
  });

  it("gives bit-identical records on every case", () => {
    const moved = Object.keys(lock.hashes).filter((name) => hashes[name] !== lock.hashes[name]);
    expect(moved, `records moved on ${moved.length} cases`).toEqual([]);
  });

  it("gives the same records from the reference engine on every case", () => {
    expect(referenceMoved).toEqual([]);
  });
});
