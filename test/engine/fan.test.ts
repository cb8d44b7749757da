import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "../../src/config/load.js";
import { mergeShards } from "../../src/mc/merge.js";
import { verifyRun } from "../../src/mc/verify.js";
import { runScenario } from "../../src/mc/run.js";
import { quantileSorted } from "../../src/stats/quantile.js";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { FAN_SERIES, FAN_STRIDE, fanSteps, type FanSink } from "../../src/engine/fan.js";
import { RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import type { KernelBuild } from "../../src/kernel/module.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { FAN_QUANTILES, FAN_RELATIVE_ERROR, FanBatch, FanHistograms, fanLayout, type FanSummary } from "../../src/stats/fan.js";
import { CLI } from "../helpers/hardening-output.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { firstDifference, seedWords } from "../helpers/engines.js";
import { baseScenario } from "../helpers/scenario.js";

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

function wasmSamples(
  inputs: ScenarioInputs,
  paths: number,
  build: KernelBuild = "release",
): { records: Float64Array; samples: Float64Array } {
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

  it("are binned the same by the kernel in batches of 256 paths (chunks of 64), of 7, and by TypeScript", () => {
    for (const sets of [[], ["adl.ranking=none", "market.price.volatility=4"], ["liquidation.engine=backstop"]]) {
      const inputs = loadScenario(undefined, ["accounts.count=500", ...sets]);
      const a = JSON.stringify(kernelBinned(inputs, 150, 256, 150).toJSON());
      expect(JSON.stringify(kernelBinned(inputs, 150, 7, 40).toJSON())).toBe(a);
      expect(JSON.stringify(referenceBinned(inputs, 150).toJSON())).toBe(a);
    }
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

// ---- the run's fan: determinism, merge, resume, accuracy, the report ----

const work = mkdtempSync(join(tmpdir(), "cascade-fan-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A crash that empties the fund on part of the paths and liquidates on both sides: zeros, spread, every series moving. */
function crash(paths: number, sets: string[] = []): ScenarioInputs {
  return loadScenario(undefined, [
    `paths=${paths}`,
    "accounts.count=2000",
    "insurance.initialBalance=20000",
    "market.price.volatility=3",
    ...sets,
  ]);
}

const fanOf = (dir: string) => JSON.stringify(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")).fan);
const fanFile = (dir: string) => readFileSync(join(dir, "fan.json"), "utf8");

describe("fan charts in summary.json", () => {
  it("are byte-identical for --threads 1 and 2, and for a 3-way shard split merged (summary.json's fan and fan.json)", async () => {
    const inputs = crash(900);
    const one = join(work, "t1");
    const two = join(work, "t2");
    await runScenario(inputs, { threads: 1, outDir: one });
    await runScenario(inputs, { threads: 2, outDir: two });
    const shards: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const dir = join(work, `shard-${i}`);
      await runScenario(inputs, { threads: 2, outDir: dir, shard: { index: i, count: 3 } });
      shards.push(dir);
    }
    const merged = join(work, "merged");
    await mergeShards(shards, { outDir: merged });
    const fan = JSON.parse(fanOf(one));
    expect(fan.paths).toBe(900);
    expect(fan.steps).toEqual(fanSteps(inputs.scenario.steps));
    expect(Object.keys(fan.series)).toEqual(["mark", "fundamental", "insurance", "openInterestLong", "openInterestShort"]);
    expect(fanOf(two)).toBe(fanOf(one));
    expect(fanOf(merged)).toBe(fanOf(one));
    expect(fanFile(two)).toBe(fanFile(one));
    expect(fanFile(merged)).toBe(fanFile(one));
    // the shards' fans are their own paths', not the whole run's
    expect(fanOf(shards[0])).not.toBe(fanOf(one));
  });

  it("interrupted and resumed, give the uninterrupted run's fan: from fan.json, from an older one and the rows after it computed again, or all computed again", async () => {
    const inputs = crash(12_000, ["accounts.count=500"]);
    const whole = join(work, "whole");
    await runScenario(inputs, { threads: 2, outDir: whole });
    // an older fan.json (of the first 700 paths, as a hard kill between two of its updates leaves it)
    const older = join(work, "older");
    await runScenario(inputs, { inline: true, outDir: older, range: { first: 0, end: 700 } });
    for (const fanJson of ["kept", "older", "lost"] as const) {
      const dir = join(work, `resumed-${fanJson}`);
      const stop = new AbortController();
      const cut = await runScenario(inputs, {
        threads: 2,
        outDir: dir,
        signal: stop.signal,
        onProgress: (p) => p.done > 0 && stop.abort(),
      });
      expect(cut.interrupted).toBe(true);
      expect(cut.summary.paths).toBeGreaterThan(700);
      expect(JSON.parse(fanOf(dir)).paths).toBe(cut.summary.paths);
      if (fanJson === "older") writeFileSync(join(dir, "fan.json"), fanFile(older));
      if (fanJson === "lost") rmSync(join(dir, "fan.json"));
      await runScenario(inputs, { threads: 2, outDir: dir, resume: true });
      expect(fanOf(dir)).toBe(fanOf(whole));
      expect(fanFile(dir)).toBe(fanFile(whole));
    }
  });

  it("give quantiles within one bin (2^-7 of the value) of the exact quantiles of all paths' values, and the exact mean within u", () => {
    // no fees to refill the fund, high leverage and a 15% shock: the fund empties on some paths (exact zeros)
    const inputs = crash(400, [
      "accounts.count=600",
      "liquidation.feeRate=0",
      "accounts.leverage.median=30",
      "insurance.initialBalance=3000",
      "market.price.shocks=[{step: 10, return: -0.15}]",
      "adl.ranking=none",
    ]);
    const paths = 400;
    const { samples } = referenceSamples(inputs, paths);
    const fb = new FanBatch(fanLayout(inputs));
    fb.add(samples, paths, 0);
    const state = new FanHistograms(fb.layout);
    state.addPacked(fb.pack());
    const fan = state.summary(inputs.scenario.stepSeconds);
    const S = fanSteps(inputs.scenario.steps).length;
    let worst = 0;
    let inexact = 0;
    const zeros = { seen: 0 };
    for (let k = 0; k < fb.layout.series.length; k++) {
      const name = fb.layout.series[k];
      const slot = fb.layout.slots[k];
      const tiny = 2 ** (fb.layout.scales[k] - 30);
      for (let j = 0; j < S; j++) {
        const values = Float64Array.from({ length: paths }, (_, p) => samples[(p * S + j) * FAN_STRIDE + slot]).sort();
        zeros.seen += values.filter((v) => v === 0).length;
        for (const [band, p] of FAN_QUANTILES) {
          const exact = quantileSorted(values, p);
          const h = (paths - 1) * p;
          const near = Math.max(Math.abs(values[Math.floor(h)]), Math.abs(values[Math.min(Math.floor(h) + 1, paths - 1)]));
          const got = fan.series[name][band][j] as number;
          const error = Math.abs(got - exact);
          const bound = FAN_RELATIVE_ERROR * near + tiny;
          if (!(error <= bound))
            throw new Error(
              `${name} step ${fan.steps[j]} ${band}: histogram ${got}, exact ${exact}, error ${error}, bound ${bound}`,
            );
          worst = Math.max(worst, error / (near || 1));
          if (error > 0) inexact++;
        }
        let sum = 0;
        for (const v of values) sum += v;
        const mean = fan.series[name].mean[j] as number;
        const u = 2 ** (fb.layout.scales[k] - 20);
        expect(Math.abs(mean - sum / paths), `${name} step ${fan.steps[j]} mean`).toBeLessThanOrEqual(
          u + 1e-12 * Math.abs(sum / paths),
        );
      }
    }
    // the test is not vacuous: values spread over bins (some quantiles inexact) and the fund empties on some paths
    expect(inexact).toBeGreaterThan(0);
    expect(zeros.seen).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(FAN_RELATIVE_ERROR);
  });

  it("are left out with fan: false (--no-fan): no fan in summary.json, no fan.json", async () => {
    const dir = join(work, "no-fan");
    const r = await runScenario(crash(50), { inline: true, outDir: dir, fan: false });
    expect(r.summary.fan).toBeUndefined();
    expect(existsSync(join(dir, "fan.json"))).toBe(false);
    expect(readFileSync(join(dir, "summary.json"), "utf8")).not.toContain('"fan"');
  });

  it("have the vault's cash as a series when the backstop engine runs", async () => {
    const r = await runScenario(crash(30, ["liquidation.engine=backstop"]), { inline: true });
    expect(Object.keys((r.summary.fan as FanSummary).series)).toContain("vault");
  });

  it("a merge refuses a shard whose fan.json is missing, changed, or that has no fan while the others do", async () => {
    const inputs = crash(90);
    const dirs: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const dir = join(work, `m-${i}`);
      await runScenario(inputs, { inline: true, outDir: dir, shard: { index: i, count: 3 }, fan: i !== 3 });
      dirs.push(dir);
    }
    const refusal = async (ds: string[]) =>
      await mergeShards(ds, { outDir: join(work, "m-out"), force: true }).then(
        () => "merged",
        (e: Error) => e.message,
      );
    expect(await refusal(dirs)).toMatch(/m-3\/summary\.json must have a fan/);
    await runScenario(inputs, { inline: true, outDir: dirs[2], shard: { index: 3, count: 3 } });
    expect(await refusal(dirs)).toBe("merged");
    const file = join(dirs[1], "fan.json");
    const text = readFileSync(file, "utf8");
    writeFileSync(
      file,
      text.replace(/"sumLo":\[(\d+)/, (_m, a: string) => `"sumLo":[${Number(a) + 12345}`),
    );
    expect(await refusal(dirs)).toMatch(/m-2\/fan\.json must give the fan of/);
    rmSync(file);
    expect(await refusal(dirs)).toMatch(/m-2\/fan\.json must be there/);
  });

  it("are checked by `cascade verify`: fan.json must be of the rows and give summary.json's fan", async () => {
    const dir = join(work, "verified");
    await runScenario(crash(60), { inline: true, outDir: dir });
    const ok = await verifyRun(dir, { sample: 2 });
    expect(ok.checks.find((c) => c.name === "fan")?.ok).toBe(true);
    expect(ok.ok).toBe(true);
    const file = join(dir, "fan.json");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(/"max":\[(\d+)/, (_m, a: string) => `"max":[${Number(a) + 1}`),
    );
    const bad = await verifyRun(dir, { sample: 2 });
    expect(bad.ok).toBe(false);
    expect(bad.checks.find((c) => c.name === "fan")?.detail).toMatch(/does not give summary\.json's fan/);
  });

  it("are drawn in report.html by `cascade run` (the fan panel, one chart per series)", () => {
    const out = join(work, "cli");
    const r = spawnSync(process.execPath, [CLI, "run", "--paths", "200", "--out", out, "--quiet"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain('id="fan"');
    for (const name of ["mark", "fundamental", "insurance", "openInterestLong", "openInterestShort"])
      expect(html).toContain(`fan:${name}`);
  });
});
