// What `--trace` costs (src/trace, assembly/trace.ts). Two questions, one core, CPU time, engines interleaved round by
// round, medians of the rounds:
//  1. Untraced runs: ns per path-step of this build's kernel against a base build's (the commit before the trace
//     mode, or any other), on the benchmark reference scenario (the batched rounds: 10,000 accounts, 1,000 levels,
//     100 steps, −8% shock; bench/README.md), its quiet variant (no shock: the cost of a step nobody crosses), the
//     default scenario (btc-perp-crash.yaml: per-account engine, ADL) and the partial engine. The kernels are
//     compiled once each; records are checked bit-identical between the builds first.
//  2. A traced path: its cost against the same path untraced (this build only).
//
//   npm run build && node bench/trace-overhead.mjs [--base DIR] [--rounds N] [--copies K] [--only TEXT] [--untraced-only]
// DIR holds a built checkout of the base (dist/ and build/kernel.wasm), e.g.
//   git worktree add /tmp/base d4d354f && (cd /tmp/base && npm ci && npm run build)
import { readFileSync } from "node:fs";
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
  "reference, quiet (no shock)": {
    scenario: variant((s) => {
      s.market.price.shocks = [];
      s.insurance.initialBalance = 1e12;
    }),
    paths: 2000,
  },
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

/** An engine of a build (its kernel compiled from `module`): `time(paths)` runs the next paths and returns CPU ns. */
function timed(Engine, setup, module) {
  const engine = new Engine(setup, module ? { module } : {});
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
// Each build's kernel compiled `copies` times, its engines taking turns: where V8 places a module's code moves its
// speed by a few percent from one compilation to the next (two compilations of the same bytes differ by up to ±4%
// on this VM), so one compilation per build would measure where the code landed, not the code.
const copies = Number(arg("--copies", 4));
const compile = (file) => Array.from({ length: copies }, () => new WebAssembly.Module(readFileSync(file)));
const thisModules = compile(new URL("../build/kernel.wasm", import.meta.url));
const baseModules = baseDir ? compile(`${baseDir.replace(/\/$/, "")}/build/kernel.wasm`) : [];
const results = { rounds, base: baseDir ?? null, untraced: {}, traced: {} };

const only = arg("--only", undefined);
for (const [name, { scenario, paths }] of Object.entries(scenarios)) {
  if (only !== undefined && !name.includes(only)) continue;
  const setup = buildSetup({ scenario });
  const steps = scenario.steps;
  if (base) {
    const nows = thisModules.map((m) => timed(WasmEngine, setup, m));
    const olds = baseModules.map((m) => timed(base, buildSetup({ scenario }), m));
    // the same records from both builds, before any timing
    const a = nows[0].records(0, 8);
    const b = olds[0].records(0, 8);
    for (let i = 0; i < a.length; i++)
      if (!Object.is(a[i], b[i])) throw new Error(`${name}: records differ between the builds at slot ${i}`);
    const chunk = Math.max(1, Math.round(paths / (2 * copies)));
    for (const e of [...nows, ...olds]) e.time(chunk); // warm-up past the baseline compiler
    const n = [];
    const o = [];
    const ratio = [];
    for (let r = 0; r < rounds; r++) {
      // the builds take turns in small chunks, which goes first alternating, each chunk on the next copy: a shared
      // machine's load changes over seconds, and both builds then see the same
      let x = 0;
      let y = 0;
      for (let done = 0, c = 0; done < paths; done += chunk, c++) {
        const k = Math.min(chunk, paths - done);
        const now = nows[c % copies];
        const old = olds[c % copies];
        if ((r + c) % 2) {
          x += old.time(k);
          y += now.time(k);
        } else {
          y += now.time(k);
          x += old.time(k);
        }
      }
      o.push(x / (paths * steps));
      n.push(y / (paths * steps));
      ratio.push(y / x);
    }
    results.untraced[name] = {
      paths,
      steps,
      baseNsPerPathStep: median(o),
      thisNsPerPathStep: median(n),
      thisOverBase: median(ratio),
    };
  }
  if (process.argv.includes("--untraced-only")) continue;
  // a traced path against the same path untraced (this build)
  const tracer = createTracer("wasm", setup, scenario.seed ?? 42, 1_000_000, thisModules[0]);
  const one = timed(WasmEngine, setup, thisModules[0]);
  const tracedPaths = 20;
  for (let p = 0; p < 3; p++) tracer.trace(p);
  one.time(tracedPaths);
  const tr = [];
  const un = [];
  for (let r = 0; r < rounds; r++) {
    tr.push(
      cpu(() => {
        for (let p = 0; p < tracedPaths; p++) tracer.trace(p);
      }) / tracedPaths,
    );
    const e = new Float64Array(RECORD_STRIDE);
    un.push(
      cpu(() => {
        for (let p = 0; p < tracedPaths; p++) one.engine.runPaths(p, 1, e);
      }) / tracedPaths,
    );
  }
  let events = 0;
  for (let p = 0; p < tracedPaths; p++) events += tracer.trace(p).trace.eventCount;
  results.traced[name] = {
    untracedUsPerPath: median(un) / 1000,
    tracedUsPerPath: median(tr) / 1000,
    tracedOverUntraced: median(tr) / median(un),
    eventsPerPath: events / tracedPaths,
  };
}
console.log(JSON.stringify(results, null, 2));
