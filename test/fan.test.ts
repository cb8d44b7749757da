import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { ScenarioInputs } from "../src/config/scenario.js";
import { FAN_SERIES, FAN_STRIDE, fanSteps, type FanSink } from "../src/engine/fan.js";
import { RECORD_STRIDE } from "../src/engine/metrics.js";
import { ReferenceEngine } from "../src/engine/reference.js";
import { buildSetup } from "../src/engine/setup.js";
import type { KernelBuild } from "../src/kernel/module.js";
import { WasmEngine } from "../src/kernel/wasm-engine.js";
import { FanBatch, FanHistograms, fanLayout } from "../src/stats/fan.js";
import { scenarioArb } from "./helpers/arbitrary.js";
import { firstDifference, seedWords } from "./helpers/engines.js";
import { baseScenario } from "./helpers/scenario.js";

/** Collects the samples an engine hands over, path after path. */
class Collect implements FanSink {
  readonly chunks: Float64Array[] = [];
  next = -1;
  add(samples: Float64Array, paths: number, firstPath: number): void {
    if (this.next >= 0 && firstPath !== this.next) throw new Error(`samples of path ${firstPath} after path ${this.next - 1}`);
    this.next = firstPath + paths;
    this.chunks.push(samples.slice());
  }
  all(): Float64Array {
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Float64Array(n);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function referenceSamples(inputs: ScenarioInputs, paths: number): { records: Float64Array; samples: Float64Array } {
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  engine.enableFan();
  const records = new Float64Array(paths * RECORD_STRIDE);
  const sink = new Collect();
  engine.runPaths(0, paths, records, sink);
  return { records, samples: sink.all() };
}

function wasmSamples(inputs: ScenarioInputs, paths: number, build: KernelBuild = "release"): { records: Float64Array; samples: Float64Array } {
  const engine = new WasmEngine(buildSetup(inputs), { build, batch: 3 });
  engine.prepare(...seedWords(inputs.scenario.seed));
  engine.enableFan();
  const records = new Float64Array(paths * RECORD_STRIDE);
  const sink = new Collect();
  engine.runPaths(0, paths, records, sink);
  return { records, samples: sink.all() };
}

function explainSample(a: Float64Array, b: Float64Array, i: number, steps: number): string {
  const n = fanSteps(steps).length;
  const path = Math.floor(i / (n * FAN_STRIDE));
  const sample = Math.floor(i / FAN_STRIDE) % n;
  return `path ${path} step ${fanSteps(steps)[sample]} ${FAN_SERIES[i % FAN_STRIDE]}: ts=${a[i]} wasm=${b[i]}`;
}

/** The fan state of paths 0..paths−1 binned by the kernel itself (chunks of `batch`, flushed every `flushEvery` paths). */
function kernelBinned(inputs: ScenarioInputs, paths: number, batch = 3, flushEvery = 5): FanHistograms {
  const layout = fanLayout(inputs);
  const engine = new WasmEngine(buildSetup(inputs), { batch });
  engine.prepare(...seedWords(inputs.scenario.seed));
  const fb = new FanBatch(layout);
  engine.enableFan(true, fb);
  const total = new FanHistograms(layout);
  const records = new Float64Array(flushEvery * RECORD_STRIDE);
  for (let first = 0; first < paths; first += flushEvery) {
    const n = Math.min(flushEvery, paths - first);
    engine.runPaths(first, n, records, fb);
    engine.flushFan(fb);
    total.addPacked(fb.pack());
  }
  return total;
}

/** The same from the reference engine's samples, binned in TypeScript. */
function referenceBinned(inputs: ScenarioInputs, paths: number): FanHistograms {
  const layout = fanLayout(inputs);
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  engine.enableFan();
  const fb = new FanBatch(layout);
  engine.runPaths(0, paths, new Float64Array(paths * RECORD_STRIDE), fb);
  const total = new FanHistograms(layout);
  total.addPacked(fb.pack());
  return total;
}

describe("fan charts: the engines' per-step samples", () => {
  it("are binned by the kernel exactly as src/stats/fan.ts bins the reference engine's samples (60 random scenarios)", () => {
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const a = JSON.stringify(kernelBinned(inputs, 11).toJSON());
        const b = JSON.stringify(referenceBinned(inputs, 11).toJSON());
        expect(a).toBe(b);
      }),
      { numRuns: 60, seed: 6122026 },
    );
  });

  it("are bit-identical between the WASM kernel (release and debug) and the reference engine on 150 random scenarios", () => {
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const ts = referenceSamples(inputs, 4);
        expect(ts.samples.length).toBe(4 * fanSteps(inputs.scenario.steps).length * FAN_STRIDE);
        for (const build of ["release", "debug"] as const) {
          const wasm = wasmSamples(inputs, 4, build);
          expect(firstDifference(ts.records, wasm.records), `${build}: records`).toBe(-1);
          const at = firstDifference(ts.samples, wasm.samples);
          if (at >= 0) throw new Error(`${build}: ${explainSample(ts.samples, wasm.samples, at, inputs.scenario.steps)}`);
        }
      }),
      { numRuns: 150, seed: 20261206 },
    );
  });

  it("leave the records unchanged (sampling on or off)", () => {
    const scenario = baseScenario();
    const off = new WasmEngine(buildSetup({ scenario }));
    off.prepare(...seedWords(scenario.seed));
    const a = new Float64Array(6 * RECORD_STRIDE);
    off.runPaths(0, 6, a);
    const b = wasmSamples({ scenario }, 6).records;
    expect(firstDifference(a, b)).toBe(-1);
  });

  it("keep open interest equal to the open positions counted account by account, at every step of 300 random scenarios", () => {
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const engine = new ReferenceEngine(buildSetup(inputs));
        engine.prepare(...seedWords(inputs.scenario.seed));
        // rounding residue is relative to the sizes the side ever held: the population's and the arrivals'
        const held = { long: 0, short: 0 };
        let lastStep = Infinity;
        engine.onFlow = (e) => {
          if (e.kind === "arrival") held[e.side > 0 ? "long" : "short"] += e.size;
        };
        engine.onStep = (ledger) => {
          const counted = engine.countOpenSizes();
          if (ledger.step < lastStep) {
            const pop = engine.population;
            for (let i = 0; i < pop.count; i++) held[pop.isLong[i] === 1 ? "long" : "short"] += pop.size[i];
          }
          lastStep = ledger.step;
          for (const side of ["long", "short"] as const) {
            const kept = engine.openInterest[side];
            const none = counted[side === "long" ? "longs" : "shorts"] === 0;
            if (none ? kept !== 0 : !(Math.abs(kept - counted[side]) <= 1e-12 * held[side])) {
              throw new Error(`step ${ledger.step}: open ${side} kept ${kept}, counted ${counted[side]}`);
            }
          }
        };
        const out = new Float64Array(3 * RECORD_STRIDE);
        engine.runPaths(0, 3, out);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
