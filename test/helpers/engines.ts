// Runs a scenario on the reference engine and on the WASM kernel (release and debug builds).
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import type { KernelBuild } from "../../src/kernel/module.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";

export function seedWords(seed: number): [number, number] {
  return [(seed % 4294967296) >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

export function runReference(inputs: ScenarioInputs, paths: number, first = 0): Float64Array {
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  const out = new Float64Array(paths * RECORD_STRIDE);
  engine.runPaths(first, paths, out);
  return out;
}

export function runWasm(inputs: ScenarioInputs, paths: number, build: KernelBuild = "release", first = 0): Float64Array {
  const engine = new WasmEngine(buildSetup(inputs), { build, batch: 7 });
  engine.prepare(...seedWords(inputs.scenario.seed));
  const out = new Float64Array(paths * RECORD_STRIDE);
  engine.runPaths(first, paths, out);
  return out;
}

/** Index of the first f64 whose bits differ (Object.is), or −1. */
export function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
