// `npm run bench` (after `npm run build`): the benchmarks of bench/README.md. Prints a table and writes
// bench/results/<date>.json. `--quick` for a ~1-minute run; `--no-c` skips the C port.
//
// Every speed figure is a median of repeated runs; the engines being compared run interleaved, round by round,
// in the same process run, so that the ratios see the same machine state.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
for (const f of ["../dist/kernel/wasm-engine.js", "../dist/engine/reference.js", "../build/kernel.wasm"]) {
  if (!existsSync(here(f))) {
    console.error(`bench: ${f.replace("../", "")} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
}

const { default: Table } = await import("cli-table3");
const { buildC, CEngine, fnv1a64, median, RECORD_STRIDE, tsEngine, wasmEngine } = await import("./engines.mjs");
const { runMicro } = await import("./micro.mjs");
const { BENCH_VARIANTS, referenceScenario, variant } = await import("./scenario.mjs");

const { values: args } = parseArgs({
  options: { quick: { type: "boolean", default: false }, "no-c": { type: "boolean", default: false } },
});
const quick = args.quick;
const ROUNDS = quick ? 3 : 7;
const TARGET_MS = quick ? 120 : 300;
const started = performance.now();
const log = (s) => process.stderr.write(`${s}\n`);
const fmt = (x, d = 1) =>
  x === undefined || x === null || Number.isNaN(x)
    ? "–"
    : x.toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d });
const rate = (nsPerUnit) => 1e9 / nsPerUnit;

// ---------------------------------------------------------------------------------------------- machine
const cBuild = args["no-c"] ? { ok: false, reason: "--no-c: the C port is skipped" } : buildC();
if (!cBuild.ok) log(`bench: ${cBuild.reason}`);
const machine = {
  cpu: os.cpus()[0]?.model ?? "unknown",
  logicalCpus: os.cpus().length,
  memoryGB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  v8: process.versions.v8,
  gcc: cBuild.compiler ?? null,
  gccFlags: cBuild.ok ? cBuild.flags : null,
  loadAverageAtStart: os.loadavg(),
};

const reference = referenceScenario();
const STEPS = reference.steps;
const scenarios = {
  reference: reference,
  "no-adl": variant((s) => {
    s.insurance.initialBalance = 1e12;
  }),
  quiet: BENCH_VARIANTS["quiet (no shock, no ADL)"](),
  "shock-step": BENCH_VARIANTS["shock, step 1 only, no ADL"](),
};

/** Paths per timed repetition so that one takes about TARGET_MS of CPU. */
function calibrate(engine, floor = 4) {
  let paths = 8;
  for (;;) {
    const { cpuNs } = engine.time(paths);
    if (cpuNs > 20e6 || paths >= 1 << 16) return Math.max(floor, Math.round((paths * TARGET_MS * 1e6) / Math.max(cpuNs, 1)));
    paths *= 4;
  }
}

/** Interleaved rounds over { name: engine }: returns { name: { cpu: [ns/path-step], wall: [...] } }. */
function interleave(engines, steps, rounds) {
  const paths = {};
  for (const [name, e] of Object.entries(engines)) {
    e.time(4); // warm-up: page-in and JIT tier-up
    paths[name] = calibrate(e);
  }
  const samples = Object.fromEntries(Object.keys(engines).map((n) => [n, { cpu: [], wall: [], paths: paths[n] }]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, e] of Object.entries(engines)) {
      const { cpuNs, wallNs } = e.time(paths[name]);
      samples[name].cpu.push(cpuNs / (paths[name] * steps));
      samples[name].wall.push(wallNs / (paths[name] * steps));
    }
  }
  return samples;
}

function recordsOf(scenario, paths) {
  const e = wasmEngine(scenario);
  return e.records(0, paths);
}

function perPath(records, slot) {
  let sum = 0;
  const n = records.length / RECORD_STRIDE;
  for (let p = 0; p < n; p++) sum += records[p * RECORD_STRIDE + slot];
  return sum / n;
}

// -------------------------------------------------------------------------------------- 1. identity
log("bench: bit-identity (WASM vs TS reference records, WASM vs C checksum)");
const identity = {};
{
  const paths = quick ? 8 : 24;
  const a = wasmEngine(reference).records(0, paths);
  const b = tsEngine(reference).records(0, paths);
  let diffs = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) diffs++;
  identity.wasmVsTs = { paths, differingSlots: diffs };
  identity.wasmChecksum = fnv1a64(a);
  if (cBuild.ok) {
    identity.cChecksum = new CEngine(reference, "identity").checksum(0, paths);
    identity.checksumsEqual = identity.cChecksum === identity.wasmChecksum;
  }
  if (diffs || identity.checksumsEqual === false)
    log("bench: WARNING: the engines disagree; speed figures below compare different computations");
}

// ---------------------------------------------------------------------------- 2. throughput per core
log(`bench: path-steps per second per core (${ROUNDS} interleaved rounds of ~${TARGET_MS} ms)`);
const throughput = {};
for (const name of ["reference", "no-adl"]) {
  const s = scenarios[name];
  const engines = { wasm: wasmEngine(s), ts: tsEngine(s) };
  if (cBuild.ok) engines.c = new CEngine(s, name);
  const t = interleave(engines, s.steps, ROUNDS);
  const row = {};
  for (const [engine, v] of Object.entries(t)) {
    const ns = median(v.cpu);
    row[engine] = {
      nsPerPathStep: ns,
      pathStepsPerSecond: rate(ns),
      wallNsPerPathStep: median(v.wall),
      pathsPerRepetition: v.paths,
      cpuSamples: v.cpu,
    };
  }
  const ratio = (x, y) => median(t[x].cpu.map((v, i) => v / t[y].cpu[i]));
  row.tsOverWasm = ratio("ts", "wasm");
  if (cBuild.ok) row.wasmOverC = ratio("wasm", "c");
  throughput[name] = row;
}

// ------------------------------------------------------------------------- 3. where a path's time goes
log("bench: cost decomposition (quiet step, liquidation, ADL closure)");
const decomposition = {};
{
  const counts = {
    shockLiquidations: perPath(recordsOf(scenarios["shock-step"], 32), 0),
    referenceAdl: perPath(recordsOf(reference, 32), 11),
  };
  const engines = {};
  for (const name of ["quiet", "shock-step"]) {
    engines[`wasm:${name}`] = wasmEngine(scenarios[name]);
    if (cBuild.ok) engines[`c:${name}`] = new CEngine(scenarios[name], name);
  }
  const t = interleave(engines, 1, ROUNDS); // per path
  for (const kind of cBuild.ok ? ["wasm", "c"] : ["wasm"]) {
    const quietPath = median(t[`${kind}:quiet`].cpu);
    const quietStep = quietPath / scenarios.quiet.steps;
    const shockPath = median(t[`${kind}:shock-step`].cpu);
    const th = (name) => throughput[name][kind].nsPerPathStep * STEPS;
    decomposition[kind] = {
      quietStepNs: quietStep,
      perLiquidationNs: (shockPath - quietStep) / counts.shockLiquidations,
      perAdlClosureNs: (th("reference") - th("no-adl")) / counts.referenceAdl,
    };
  }
  decomposition.counts = { liquidationsPerShockStep: counts.shockLiquidations, adlClosuresPerReferencePath: counts.referenceAdl };
}

// -------------------------------------------------------------------------------- 4. micro-benchmarks
log("bench: micro-benchmarks (Benchmark.js; the C port's probes beside them)");
/** @type {(ReturnType<typeof runMicro>[number] & { cNs?: number | null })[]} */
const micro = runMicro({ maxTime: quick ? 0.5 : 2 });
let cMicro = null;
if (cBuild.ok) {
  const c = new CEngine(reference, "micro");
  cMicro = JSON.parse(execFileSync(here("./c/kernel.out"), [c.file, "42", "0", "0", "0", "micro"], { encoding: "utf8" }));
  const byUnit = { draw: cMicro.normalDrawNs, account: cMicro.marginScanNsPerAccount, level: cMicro.bookWalkNsPerLevel };
  for (const m of micro) m.cNs = byUnit[m.unit] ?? null;
}

// ----------------------------------------------------------------------------- 5. cost vs accounts
log("bench: cost per path-step at 1k, 10k, 100k, 1M accounts");
const accounts = [];
for (const n of [1000, 10000, 100000, 1000000]) {
  const s = variant((x) => {
    x.accounts.count = n;
  });
  const engines = { wasm: wasmEngine(s) };
  if (cBuild.ok) engines.c = new CEngine(s, `accounts-${n}`);
  const t = interleave(engines, s.steps, quick ? 2 : 3);
  const recs = engines.wasm.records(0, n >= 1e6 ? 2 : 8);
  accounts.push({
    accounts: n,
    liquidationsPerPath: perPath(recs, 0),
    adlClosuresPerPath: perPath(recs, 11),
    wasmNsPerPathStep: median(t.wasm.cpu),
    cNsPerPathStep: cBuild.ok ? median(t.c.cpu) : null,
  });
}

// ------------------------------------------------------------ 6. threads, processes, end to end, RSS
function child(cmd, argv) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${argv.join(" ")} exited with ${code}`))));
  });
}
const e2eScript = here("./e2e.mjs");
const e2e = async (argv) => JSON.parse(await child(process.execPath, [e2eScript, ...argv]));

log("bench: worker pool at 1 and 2 threads (src/mc, reference scenario)");
const scaling = {};
try {
  const paths = quick ? 6000 : 60000;
  const one = [];
  const two = [];
  for (let r = 0; r < (quick ? 1 : 2); r++) {
    one.push(await e2e(["--scenario", "reference", "--paths", String(paths), "--threads", "1"]));
    two.push(await e2e(["--scenario", "reference", "--paths", String(paths), "--threads", "2"]));
  }
  const pps = (runs) => median(runs.map((r) => (r.paths * 1000) / r.wallMs));
  scaling.pool = {
    paths,
    threads1PathsPerSecond: pps(one),
    threads2PathsPerSecond: pps(two),
    threads2PathStepsPerSecond: pps(two) * STEPS,
    efficiency: pps(two) / (2 * pps(one)),
    note: "wall time of whole runs through runScenario (worker start-up and WASM compile included)",
  };
} catch (err) {
  scaling.pool = { skipped: `the worker pool could not run (${err.message}); is dist/mc built?` };
}
if (cBuild.ok) {
  // the machine's own yardstick: two native processes at once against one alone
  const c = new CEngine(reference, "scaling");
  const paths = Math.max(8, Math.round(throughput.reference.c.pathsPerRepetition * 2));
  const reps = quick ? 2 : 3;
  const argv = [c.file, "42", "0", "0", String(paths), String(reps)];
  const single = JSON.parse(await child(here("./c/kernel.out"), argv));
  const pair = await Promise.all([child(here("./c/kernel.out"), argv), child(here("./c/kernel.out"), argv)]);
  const wall = (r) => median(r.wallNs);
  const singleRate = paths / wall(single);
  const pairRate = pair.map((o) => paths / wall(JSON.parse(o))).reduce((a, b) => a + b, 0);
  scaling.cTwoProcesses = { efficiency: pairRate / (2 * singleRate), note: "two C processes at once vs one alone (wall time)" };
}

log("bench: end to end, default scenario, 2 threads, paths.csv + summary.json written");
let endToEnd;
try {
  const out = here("./results/.tmp/e2e-out");
  rmSync(out, { recursive: true, force: true });
  const paths = quick ? 20000 : 100000;
  const r = await e2e(["--scenario", "default", "--paths", String(paths), "--threads", "2", "--out", out]);
  rmSync(out, { recursive: true, force: true });
  endToEnd = {
    scenario: "scenarios/btc-perp-crash.yaml (the embedded default)",
    paths: r.paths,
    threads: 2,
    seconds: r.wallMs / 1000,
    pathsPerSecond: (r.paths * 1000) / r.wallMs,
    secondsPerMillionPaths: (r.wallMs / 1000) * (1e6 / r.paths),
    peakRssMB: r.maxRssKB / 1024,
  };
} catch (err) {
  endToEnd = { skipped: err.message };
}

// ------------------------------------------------------------------------------------------ output
const result = {
  date: new Date().toISOString(),
  quick,
  machine: { ...machine, loadAverageAtEnd: os.loadavg() },
  referenceScenario: reference,
  method:
    "CPU time of the measuring process per path-step, median of interleaved repetitions; ratios are medians of per-round ratios",
  identity,
  throughput,
  decomposition,
  micro,
  cMicro,
  accounts,
  scaling,
  endToEnd,
  benchProcessPeakRssMB: process.resourceUsage().maxRSS / 1024,
  seconds: (performance.now() - started) / 1000,
};
mkdirSync(here("./results"), { recursive: true });
const file = here(`./results/${result.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
rmSync(here("./results/.tmp"), { recursive: true, force: true });

const t1 = new Table({ head: ["reference scenario, 1 core", "ns / path-step", "path-steps / s", "WASM/C", "TS/WASM"] });
for (const [name, row] of Object.entries(throughput)) {
  for (const engine of ["wasm", "c", "ts"]) {
    if (!row[engine]) continue;
    t1.push([
      `${name === "reference" ? "full model (ADL)" : "no ADL (fund 1e12)"}: ${engine.toUpperCase()}`,
      fmt(row[engine].nsPerPathStep),
      fmt(row[engine].pathStepsPerSecond / 1e6, 2) + "M",
      engine === "wasm" && row.wasmOverC ? fmt(row.wasmOverC, 2) : "",
      engine === "wasm" ? fmt(row.tsOverWasm, 1) : "",
    ]);
  }
}
const t2 = new Table({
  head: [
    "micro-benchmark",
    "WASM ns / unit\n(Benchmark.js)",
    "WASM ns / unit\n(CPU time)",
    "C ns / unit\n(CPU time)",
    "unit",
    "workload",
  ],
});
for (const m of micro)
  t2.push([
    m.name,
    `${fmt(m.ns, 2)} ±${fmt(m.rme, 0)}%`,
    fmt(m.cpuNs, 2),
    m.cNs != null ? fmt(m.cNs, 2) : "",
    m.unit,
    m.workload,
  ]);
if (decomposition.wasm) {
  const c = decomposition.c ?? {};
  t2.push([
    "step, nobody crosses (ladder check O(1))",
    "",
    fmt(decomposition.wasm.quietStepNs, 1),
    fmt(c.quietStepNs, 1),
    "step",
    "no shock, fund 1e12, 100 steps",
  ]);
  t2.push([
    "liquidation settled (fill + settlement)",
    "",
    fmt(decomposition.wasm.perLiquidationNs, 2),
    fmt(c.perLiquidationNs, 2),
    "liquidation",
    `${fmt(decomposition.counts.liquidationsPerShockStep, 0)} in the −8% step`,
  ]);
  t2.push([
    "ADL closure (ranking included)",
    "",
    fmt(decomposition.wasm.perAdlClosureNs, 2),
    fmt(c.perAdlClosureNs, 2),
    "closure",
    `${fmt(decomposition.counts.adlClosuresPerReferencePath, 0)} per reference path`,
  ]);
}
const t3 = new Table({ head: ["accounts", "liquidations / path", "ADL / path", "WASM ns / path-step", "C ns / path-step"] });
for (const a of accounts)
  t3.push([
    a.accounts.toLocaleString("en"),
    fmt(a.liquidationsPerPath, 0),
    fmt(a.adlClosuresPerPath, 0),
    fmt(a.wasmNsPerPathStep),
    fmt(a.cNsPerPathStep),
  ]);
const t4 = new Table({ head: ["whole runs", "figure"] });
if (scaling.pool?.threads1PathsPerSecond) {
  t4.push(["pool, 1 thread (reference)", `${fmt(scaling.pool.threads1PathsPerSecond, 0)} paths/s`]);
  t4.push([
    "pool, 2 threads (reference)",
    `${fmt(scaling.pool.threads2PathsPerSecond, 0)} paths/s = ${fmt(scaling.pool.threads2PathStepsPerSecond / 1e6, 2)}M path-steps/s`,
  ]);
  t4.push(["2-thread scaling", `${fmt(scaling.pool.efficiency * 100, 0)}%`]);
} else t4.push(["pool", scaling.pool?.skipped ?? "–"]);
if (scaling.cTwoProcesses)
  t4.push(["2 C processes vs 1 (machine yardstick)", `${fmt(scaling.cTwoProcesses.efficiency * 100, 0)}%`]);
if (endToEnd?.paths) {
  t4.push([
    `default scenario end to end, ${endToEnd.paths.toLocaleString("en")} paths, 2 threads`,
    `${fmt(endToEnd.seconds, 2)} s (${fmt(endToEnd.secondsPerMillionPaths, 1)} s per 1M paths)`,
  ]);
  t4.push(["peak RSS of that run", `${fmt(endToEnd.peakRssMB, 0)} MB`]);
} else t4.push(["end to end", endToEnd?.skipped ?? "–"]);

console.log(`margin-cascade benchmarks, ${result.date}${quick ? " (--quick)" : ""}`);
console.log(
  `${machine.cpu}, ${machine.logicalCpus} logical CPUs, Node ${machine.node}, ${cBuild.ok ? machine.gcc : "C port skipped"}; load average ${machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(" ")} at start`,
);
console.log(
  `identity: WASM vs TS ${identity.wasmVsTs.differingSlots === 0 ? "bit-identical" : `${identity.wasmVsTs.differingSlots} slots differ`} (${identity.wasmVsTs.paths} paths); checksum WASM ${identity.wasmChecksum}${cBuild.ok ? ` C ${identity.cChecksum} ${identity.checksumsEqual ? "(equal)" : "(DIFFERENT)"}` : ` (C skipped: ${cBuild.reason})`}`,
);
console.log(t1.toString());
console.log(t2.toString());
console.log(t3.toString());
console.log(t4.toString());
console.log(`written ${file.replace(here("../"), "")} in ${fmt(result.seconds, 0)} s`);
