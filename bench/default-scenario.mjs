// ns per path-step of the WASM kernel and the TypeScript reference engine on the embedded default scenario
// (scenarios/btc-perp-crash.yaml: 10,000 accounts, 6,000 levels, 100 one-minute steps, a 4% shock at step
// 10), one core, in this process, CPU time; the engines interleaved round by round, medians of the rounds.
//   npm run build && node bench/default-scenario.mjs [rounds]
import { loadScenario } from "../dist/config/load.js";
import { median, tsEngine, wasmEngine } from "./engines.mjs";

const rounds = Number(process.argv[2] ?? 5);
const { scenario } = loadScenario(undefined, []);
const wasm = wasmEngine(scenario);
const ts = tsEngine(scenario);
const perStep = (t, paths) => t.cpuNs / (paths * scenario.steps);
wasm.time(500); // warm-up: past V8's baseline tier
ts.time(50);
const w = [];
const t = [];
const ratio = [];
for (let r = 0; r < rounds; r++) {
  const a = perStep(wasm.time(2000), 2000);
  const b = perStep(ts.time(300), 300);
  w.push(a);
  t.push(b);
  ratio.push(b / a);
}
console.log(
  JSON.stringify(
    {
      scenario: "btc-perp-crash (default)",
      rounds,
      wasmNsPerPathStep: median(w),
      tsNsPerPathStep: median(t),
      tsOverWasm: median(ratio),
    },
    null,
    2,
  ),
);
