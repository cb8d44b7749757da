// What the fan charts cost (summary.json's `fan`: every path sampled at every step, binned, merged): the default
// scenario (10,000 accounts, 100 one-minute steps, pnl-leverage ADL: the per-account engine) and the same with
// `adl.ranking: none` (the batched rounds, the fastest engine: the worst case in relative terms).
//   1. in-process, one core: the WASM kernel with fan charts off and on (on: the kernel samples and bins, the host
//      reads its windows and spills and adds the batch's histograms, as a worker and the main thread do), one batch
//      of 1,000 paths each in turn (the order alternating), CPU time per path; the ratio on/off of each round, its
//      median and quartiles (a shared machine's noise moves both of a round alike);
//   2. whole processes: `cascade run --paths N --threads 1 --no-report` with and without --no-fan, alternating,
//      the child's CPU time (user + system); the ratio of each pair, its median and quartiles.
// With --baseline DIR (another checkout, built), part 1 also times that build's kernel (e.g. the one before fans) and
// part 2 its `cascade run`.
//   npm run build && node bench/fan.mjs [--rounds 9] [--pairs 5] [--paths 20000] [--baseline ../main] [--only in|whole]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median } from "./engines.mjs";

const quartiles = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))];
  return [+at(0.25).toFixed(4), +median(s).toFixed(4), +at(0.75).toFixed(4)];
};

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg("rounds", 9));
const pairs = Number(arg("pairs", 5));
const paths = Number(arg("paths", 20_000));
const baseline = arg("baseline");
const here = fileURLToPath(new URL("..", import.meta.url));

const { loadScenario } = await import("../dist/config/load.js");
const { buildSetup } = await import("../dist/engine/setup.js");
const { WasmEngine } = await import("../dist/kernel/wasm-engine.js");
const { FanBatch, FanHistograms, fanLayout } = await import("../dist/stats/fan.js");
const other = baseline
  ? {
      load: await import(pathToFileURL(join(resolve(baseline), "dist/config/load.js")).href),
      setup: await import(pathToFileURL(join(resolve(baseline), "dist/engine/setup.js")).href),
      engine: await import(pathToFileURL(join(resolve(baseline), "dist/kernel/wasm-engine.js")).href),
    }
  : undefined;

const TASK = 1000; // paths per batch, as the planner cuts the default scenario (100,000 path-steps)

function inProcess(sets) {
  const inputs = loadScenario(undefined, sets);
  const make = () => {
    const e = new WasmEngine(buildSetup(inputs));
    e.prepare(42, 0);
    return e;
  };
  const off = make();
  const on = make();
  const layout = fanLayout(inputs);
  const batch = new FanBatch(layout);
  const total = new FanHistograms(layout);
  on.enableFan(true, batch);
  const engines = { off: (first, out) => off.runPaths(first, TASK, out) };
  engines.on = (first, out) => {
    on.runPaths(first, TASK, out, batch);
    on.flushFan(batch);
    total.addPacked(batch.pack());
  };
  if (other) {
    const b = new other.engine.WasmEngine(other.setup.buildSetup(other.load.loadScenario(undefined, sets)));
    b.prepare(42, 0);
    engines.baseline = (first, out) => b.runPaths(first, TASK, out);
  }
  const out = new Float64Array(TASK * 64);
  let first = 0;
  for (const run of Object.values(engines)) run((first += TASK), out); // warm-up
  const ns = Object.fromEntries(Object.keys(engines).map((k) => [k, []]));
  const order = Object.entries(engines);
  for (let r = 0; r < rounds; r++) {
    first += TASK;
    for (const [k, run] of r % 2 ? [...order].reverse() : order) {
      const c0 = process.cpuUsage();
      run(first, out);
      const c = process.cpuUsage(c0);
      ns[k].push(((c.user + c.system) * 1000) / TASK);
    }
  }
  const m = Object.fromEntries(Object.entries(ns).map(([k, v]) => [k, Math.round(median(v))]));
  const ratio = (a, b) => quartiles(ns[a].map((x, i) => x / ns[b][i]));
  return {
    sets,
    nsPerPath: m,
    onOverOff: ratio("on", "off"),
    ...(m.baseline ? { offOverBaseline: ratio("off", "baseline") } : {}),
  };
}

function wholeRuns(sets) {
  const tmp = mkdtempSync(join(tmpdir(), "cascade-fan-bench-"));
  const cli = (root) => join(root, "dist/cli/main.js");
  const variants = { on: [cli(here), []], off: [cli(here), ["--no-fan"]] };
  if (baseline) variants.baseline = [cli(resolve(baseline)), []];
  const cpu = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const order = Object.entries(variants);
  try {
    for (let i = 0; i < pairs; i++) {
      for (const [k, [main, extra]] of i % 2 ? [...order].reverse() : order) {
        const argv = [
          main,
          "run",
          "--paths",
          String(paths),
          "--threads",
          "1",
          "--quiet",
          "--no-report",
          "--out",
          join(tmp, k),
          ...extra,
          ...sets.flatMap((s) => ["--set", s]),
        ];
        const r = spawnSync("/usr/bin/time", ["-f", "%U %S", process.execPath, ...argv], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(r.stderr);
        const [u, s] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
        cpu[k].push(u + s);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const m = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, +median(v).toFixed(3)]));
  const ratio = (a, b) => quartiles(cpu[a].map((x, i) => x / cpu[b][i]));
  return {
    sets,
    paths,
    cpuSeconds: m,
    onOverOff: ratio("on", "off"),
    runs: cpu,
    ...(m.baseline ? { offOverBaseline: ratio("off", "baseline") } : {}),
  };
}

const scenarios = [[], ["adl.ranking=none"]];
// ratios are [lower quartile, median, upper quartile]
const only = arg("only");
const result = {
  rounds,
  pairs,
  inProcess: only === "whole" ? [] : scenarios.map(inProcess),
  wholeProcess: only === "in" ? [] : scenarios.map(wholeRuns),
};
console.log(JSON.stringify(result, null, 2));
