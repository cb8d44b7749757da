// What `--trace` costs (src/trace, assembly/trace.ts). Two questions, one core, CPU time, engines interleaved round by
// round, medians of the rounds:
//  1. Untraced runs: ns per path-step of this build's kernel against a base build's (the commit before the trace
//     mode, or any other), on the benchmark reference scenario (the batched rounds: 10,000 accounts, 1,000 levels,
//     100 steps, −8% shock; bench/README.md), its quiet variant (no shock: the cost of a step nobody crosses), the
//     default scenario (btc-perp-crash.yaml: per-account engine, ADL) and the partial engine. The kernels are
//     compiled once each; records are checked bit-identical between the builds first.
//  2. A traced path: its cost against the same path untraced (this build only).
//
//   npm run build && node bench/trace-overhead.mjs [--base DIR] [--rounds N] [--only TEXT]
// DIR holds a built checkout of the base (dist/ and build/kernel.wasm), e.g.
//   git worktree add /tmp/base d4d354f && (cd /tmp/base && npm ci && npm run build)
import { loadScenario } from "../dist/config/load.js";
import { buildSetup } from "../dist/engine/setup.js";
import { RECORD_STRIDE } from "../dist/engine/metrics.js";
import { WasmEngine } from "../dist/kernel/wasm-engine.js";
import { createTracer } from "../dist/trace/engine.js";
import { median } from "./engines.mjs";
import { referenceScenario, variant } from "./scenario.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg("--rounds", 7));
const baseDir = arg("--base", undefined);
const SEED = [42, 0];

const scenarios = {
  "reference (batched rounds, −8% shock)": { scenario: referenceScenario(), paths: 200 },
  "reference, quiet (no shock)": { scenario: variant((s) => { s.market.price.shocks = []; s.insurance.initialBalance = 1e12; }), paths: 2000 },
  "default btc-perp-crash (per-account, ADL)": { scenario: loadScenario(undefined, []).scenario, paths: 500 },
  "partial engine (per-account)": {
    scenario: variant((s) => {
      s.liquidation.engine = "partial";
      s.liquidation.partial = { threshold: 20000, fraction: 0.2, cooldownSeconds: 60 };
    }),
    paths: 200,
  },
};

function cpu(fn) {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) * 1000;
}

/** An engine of a build: `time(paths)` runs the next paths and returns CPU ns. */
function timed(Engine, setup) {
  const engine = new Engine(setup);
  engine.prepare(...SEED);
  let first = 0;
  return {
    engine,
    time(paths) {
      const out = new Float64Array(paths * RECORD_STRIDE);
      const ns = cpu(() => engine.runPaths(first, paths, out));
      first += paths;
      return ns;
    },
    records(first, paths) {
      const out = new Float64Array(paths * RECORD_STRIDE);
      engine.runPaths(first, paths, out);
      return out;
    },
  };
}

const base = baseDir ? (await import(`${baseDir.replace(/\/$/, "")}/dist/kernel/wasm-engine.js`)).WasmEngine : undefined;
const results = { rounds, base: baseDir ?? null, untraced: {}, traced: {} };

const only = arg("--only", undefined);
for (const [name, { scenario, paths }] of Object.entries(scenarios)) {
  if (only !== undefined && !name.includes(only)) continue;
  const setup = buildSetup({ scenario });
  const steps = scenario.steps;
  const now = timed(WasmEngine, setup);
  if (base) {
    const old = timed(base, buildSetup({ scenario }));
    // the same records from both builds, before any timing
    const a = now.records(0, 8);
    const b = old.records(0, 8);
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`${name}: records differ between the builds at slot ${i}`);
    now.time(paths);
    old.time(paths); // warm-up past the baseline compiler
    const n = [];
    const o = [];
    const ratio = [];
    for (let r = 0; r < rounds; r++) {
      // alternate which goes first: neither gets the warmer caches every round
      let x;
      let y;
      if (r % 2) {
        x = old.time(paths);
        y = now.time(paths);
      } else {
        y = now.time(paths);
        x = old.time(paths);
      }
      o.push(x / (paths * steps));
      n.push(y / (paths * steps));
      ratio.push(y / x);
    }
    results.untraced[name] = { paths, steps, baseNsPerPathStep: median(o), thisNsPerPathStep: median(n), thisOverBase: median(ratio) };
  }
  // a traced path against the same path untraced (this build)
  const tracer = createTracer("wasm", setup, scenario.seed ?? 42, 1_000_000);
  const one = timed(WasmEngine, setup);
  const tracedPaths = 20;
  for (let p = 0; p < 3; p++) tracer.trace(p);
  one.time(tracedPaths);
  const tr = [];
  const un = [];
  for (let r = 0; r < rounds; r++) {
    tr.push(cpu(() => { for (let p = 0; p < tracedPaths; p++) tracer.trace(p); }) / tracedPaths);
    const e = new Float64Array(RECORD_STRIDE);
    un.push(cpu(() => { for (let p = 0; p < tracedPaths; p++) one.engine.runPaths(p, 1, e); }) / tracedPaths);
  }
  let events = 0;
  for (let p = 0; p < tracedPaths; p++) events += tracer.trace(p).trace.eventCount;
  results.traced[name] = { untracedUsPerPath: median(un) / 1000, tracedUsPerPath: median(tr) / 1000, tracedOverUntraced: median(tr) / median(un), eventsPerPath: events / tracedPaths };
}
console.log(JSON.stringify(results, null, 2));
