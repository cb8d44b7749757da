// What cross margin across markets costs (#14): path-steps per second of the WASM kernel and of the TypeScript
// reference on owners holding a leg in each of 3 markets (the markets' own isolated populations off), one core, in
// this process, CPU time; the engines interleaved round by round, medians.
//   - quiet: 10,000 owners × 3 markets, GBM volatility, no shock: every step scans every owner's linear health once
//     (the vector pass) and liquidates a few — the per-account-step cost of cross margin itself;
//   - crash: the same with a −10% shock in market A at step 5 (contagion to B and C through the owners' legs).
// An account-step is one owner at one step. The goal (#14): ≥ 120,000 path-steps/s at 10,000 owners and 3 markets.
//   npm run build && node bench/cross-margin.mjs [rounds] [steps]
import { resolveScenario } from "../dist/config/load.js";
import { buildMarketsSetup } from "../dist/engine/markets-setup.js";
import { MarketsReferenceEngine } from "../dist/engine/markets.js";
import { WasmMarketsEngine } from "../dist/kernel/wasm-markets-engine.js";
import { seedWords } from "../dist/mc/seed.js";

const rounds = Number(process.argv[2] ?? 5);
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const OWNERS = 10_000;
const STEPS = Number(process.argv[3] ?? 20);
function scenario(shock) {
  return {
    seed: 42,
    steps: STEPS,
    accounts: { count: 0 },
    markets: [
      { name: "A", market: { price: { volatility: 0.8, shocks: shock ? [{ step: 5, return: -0.1 }] : [] } } },
      {
        name: "B",
        market: { initialPrice: 3000, tickSize: 0.05, price: { volatility: 0.9, shocks: [] }, book: { depth: { size: 22 } } },
      },
      {
        name: "C",
        market: { initialPrice: 150, tickSize: 0.0025, price: { volatility: 1.2, shocks: [] }, book: { depth: { size: 440 } } },
      },
    ],
    correlation: [
      [1, 0.8, 0.7],
      [0.8, 1, 0.75],
      [0.7, 0.75, 1],
    ],
    crossMargin: {
      accounts: {
        generated: {
          count: OWNERS,
          legsPerAccount: 3,
          longShare: 0.6,
          leverage: { median: 5, sigma: 0.5, max: 30 },
          notional: { min: 1000, alpha: 1.5, max: 1_000_000 },
        },
      },
    },
  };
}

function timed(engine, first, paths, stride) {
  const out = new Float64Array(paths * stride);
  const before = process.cpuUsage();
  engine.runPaths(first, paths, out);
  const c = process.cpuUsage(before);
  return { cpuNs: (c.user + c.system) * 1000, out };
}

const results = [];
for (const [name, shock, wasmPaths, tsPaths] of /** @type {[string, boolean, number, number][]} */ ([
  ["quiet", false, 40, 4],
  ["crash", true, 40, 4],
])) {
  const setup = buildMarketsSetup(resolveScenario(scenario(shock), "."));
  const wasm = new WasmMarketsEngine(setup, { batch: 16 });
  const ts = new MarketsReferenceEngine(setup);
  const [lo, hi] = seedWords(42);
  wasm.prepare(lo, hi);
  ts.prepare(lo, hi);
  const stride = wasm.stride;
  // the same records (the differential tests check this on random setups; here on the workload itself)
  const a = timed(wasm, 0, 2, stride).out;
  const b = timed(ts, 0, 2, stride).out;
  if (!a.every((v, i) => Object.is(v, b[i]))) throw new Error(`${name}: the engines' records differ`);
  timed(wasm, 0, 10, stride); // warm-up
  timed(ts, 0, 2, stride);
  const w = [];
  const t = [];
  const ratio = [];
  for (let r = 0; r < rounds; r++) {
    const x = timed(wasm, 100, wasmPaths, stride).cpuNs / (wasmPaths * STEPS);
    const y = timed(ts, 100, tsPaths, stride).cpuNs / (tsPaths * STEPS);
    w.push(x);
    t.push(y);
    ratio.push(y / x);
  }
  const liquidations = a[0]; // the record starts with liquidations (path 0)
  results.push({
    workload: name,
    owners: OWNERS,
    markets: 3,
    steps: STEPS,
    rounds,
    liquidationsPerPath: liquidations,
    wasmPathStepsPerSecond: Math.round(1e9 / median(w)),
    wasmNsPerAccountStep: Number((median(w) / OWNERS).toFixed(2)),
    tsPathStepsPerSecond: Math.round(1e9 / median(t)),
    tsOverWasm: Number(median(ratio).toFixed(2)),
    wasmPathStepsRange: [Math.round(1e9 / Math.max(...w)), Math.round(1e9 / Math.min(...w))],
  });
}
console.log(JSON.stringify({ node: process.version, goalPathStepsPerSecond: 120_000, results }, null, 2));
