// Micro-benchmarks with Benchmark.js on the release kernel, reference scenario prepared: the normal draw,
// the SIMD margin scan, the book walk and one whole path-step. Each case calls a kernel probe that loops
// inside WASM (assembly/bench.ts), so the JS→WASM call is amortised; the figure is the median of
// Benchmark.js's samples divided by the work units per call.
import Benchmark from "benchmark";
import { buildSetup } from "../dist/engine/setup.js";
import { WasmEngine } from "../dist/kernel/wasm-engine.js";
import { median, RECORD_STRIDE, SEED } from "./engines.mjs";
import { referenceScenario } from "./scenario.mjs";

/**
 * Runs the micro-benchmarks; `maxTime` is Benchmark.js's time per case in seconds. Returns one row per case:
 * { name, unit, ns (Benchmark.js: median sample, wall time, per unit), cpuNs (CPU time, median of 9), rme
 * (Benchmark.js relative margin of error, %), samples, workload }.
 */
export function runMicro({ maxTime = 2 } = {}) {
  const scenario = referenceScenario();
  const setup = buildSetup({ scenario });
  const engine = new WasmEngine(setup, { batch: 64 });
  engine.prepare(...SEED);
  /**
   * The kernel's exports with its benchmark probes (assembly/bench.ts), which the host's type leaves out.
   * @typedef {{ benchNormal(n: number, seedLo: number, seedHi: number): number, benchScan(mark: number, reps: number): number, benchWalk(reps: number): number }} BenchProbes
   */
  const k = /** @type {typeof engine.exports & BenchProbes} */ (engine.exports);
  const accounts = scenario.accounts.count;
  // the stored window the walk sells through (a profile that ends is stored whole: 8,291 levels here)
  const levels = setup.bidProfile.length - 1;
  const mark = scenario.market.initialPrice * 0.92;
  const out = new Float64Array(64 * RECORD_STRIDE);
  let path = 0;

  const cases = [
    {
      name: "normal draw (Philox4x32-10 + inverse CDF)",
      unit: "draw",
      perCall: 10000,
      workload: "10,000 draws per call",
      fn: () => k.benchNormal(10000, 42, 0),
    },
    {
      name: "margin scan (SIMD, equity vs maintenance)",
      unit: "account",
      perCall: accounts * 10,
      workload: `${accounts.toLocaleString("en")} accounts × 10 scans per call, mark −8%`,
      fn: () => k.benchScan(mark, 10),
    },
    {
      name: "book walk (levels consumed)",
      unit: "level",
      perCall: levels * 20,
      workload: `${levels.toLocaleString("en")} bid levels sold through in one order × 20 per call`,
      fn: () => k.benchWalk(20),
    },
    {
      name: "path-step (reference scenario, whole model)",
      unit: "path-step",
      perCall: 64 * scenario.steps,
      workload: `64 paths × ${scenario.steps} steps per call`,
      fn: () => {
        engine.runPaths(path, 64, out);
        path += 64;
      },
    },
  ];

  const rows = [];
  for (const c of cases) {
    // warm-up: TurboFan tiers the probe up before Benchmark.js starts timing
    for (let i = 0; i < 5; i++) c.fn();
    const bench = new Benchmark(c.name, c.fn, { maxTime, minSamples: 10 });
    bench.run();
    const perUnitNs = (seconds) => (seconds * 1e9) / c.perCall;
    // the same case timed by CPU time (median of 9 × 20 calls), as the C port's probes are: being
    // descheduled on a shared machine does not count
    const cpu = [];
    for (let r = 0; r < 9; r++) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < 20; i++) c.fn();
      const d = process.cpuUsage(c0);
      cpu.push(((d.user + d.system) * 1000) / (20 * c.perCall));
    }
    rows.push({
      name: c.name,
      unit: c.unit,
      ns: perUnitNs(median(bench.stats.sample)),
      cpuNs: median(cpu),
      meanNs: perUnitNs(bench.stats.mean),
      rme: bench.stats.rme,
      samples: bench.stats.sample.length,
      workload: c.workload,
    });
  }
  return rows;
}
