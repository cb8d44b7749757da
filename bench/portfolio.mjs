// ns per account-step of the portfolio engines (src/portfolio reference vs the WASM kernel build/portfolio.wasm)
// on two workloads, one core, in this process, CPU time; the engines interleaved round by round, medians.
//   - usde-depeg: examples/portfolio-usde-depeg.yaml (2 markets, 2,000 accounts of 2 legs and 2 deposits,
//     60 steps, crashes at steps 20–22: ~850 accounts closed out per path, USDe sold into the venue's book);
//   - quiet: the same population and books without the shocks (the cross-margin scan of every account every
//     step, a few liquidations from volatility alone).
// An account-step is one account at one step: cross margin re-measures every open account each round.
//   npm run build && node bench/portfolio.mjs [rounds]
import { readScenarioFile } from "../dist/config/load.js";
import { loadPortfolioScenario, PortfolioEngine } from "../dist/portfolio/index.js";
import { PortfolioWasmEngine } from "../dist/kernel/portfolio-engine.js";

const rounds = Number(process.argv[2] ?? 5);
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function timed(engine, paths) {
  const out = new Float64Array(paths * engine.stride);
  const before = process.cpuUsage();
  engine.runPaths(0, paths, out);
  const c = process.cpuUsage(before);
  return { cpuNs: (c.user + c.system) * 1000, out };
}

const raw = readScenarioFile(new URL("../examples/portfolio-usde-depeg.yaml", import.meta.url).pathname);
const quietRaw = /** @type {any} */ (structuredClone(raw));
for (const m of quietRaw.markets) m.shocks = [];
for (const a of quietRaw.collateral.assets) if (a.price) a.price.shocks = [];

const results = [];
for (const [name, doc, wasmPaths, tsPaths] of /** @type {[string, unknown, number, number][]} */ ([
  ["usde-depeg", raw, 100, 20],
  ["quiet", quietRaw, 100, 20],
])) {
  const scenario = loadPortfolioScenario(doc);
  const wasm = new PortfolioWasmEngine(scenario, { batch: 64 });
  const ts = new PortfolioEngine(scenario);
  const accountSteps = wasm.setup.accountCount * scenario.steps;
  // same records (the differential test checks this on random scenarios; here on the workload itself)
  const a = timed(wasm, 2).out;
  const b = timed(ts, 2).out;
  if (!a.every((v, i) => Object.is(v, b[i]))) throw new Error(`${name}: the engines' records differ`);
  timed(wasm, 50); // warm-up: past V8's baseline tier
  timed(ts, 10);
  const w = [];
  const t = [];
  const ratio = [];
  for (let r = 0; r < rounds; r++) {
    const x = timed(wasm, wasmPaths).cpuNs / (wasmPaths * accountSteps);
    const y = timed(ts, tsPaths).cpuNs / (tsPaths * accountSteps);
    w.push(x);
    t.push(y);
    ratio.push(y / x);
  }
  results.push({
    workload: name,
    accounts: wasm.setup.accountCount,
    steps: scenario.steps,
    rounds,
    wasmNsPerAccountStep: Number(median(w).toFixed(2)),
    tsNsPerAccountStep: Number(median(t).toFixed(2)),
    tsOverWasm: Number(median(ratio).toFixed(2)),
    wasmRange: [Math.min(...w), Math.max(...w)].map((v) => Number(v.toFixed(2))),
  });
}
console.log(JSON.stringify({ node: process.version, results }, null, 2));
