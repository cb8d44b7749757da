// Timing helpers for the benchmarks: the WASM kernel and the TS reference engine in this process, the C port
// as a child process. Every timing is CPU time of the measuring process (process.cpuUsage, and
// CLOCK_PROCESS_CPUTIME_ID in C), so that being descheduled on a shared machine does not count; wall time is
// kept beside it. On an idle machine the two agree.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ReferenceEngine } from "../dist/engine/reference.js";
import { buildSetup } from "../dist/engine/setup.js";
import { WasmEngine } from "../dist/kernel/wasm-engine.js";
import { fnv1a64, writeSetupFile } from "./setup-file.mjs";

import { RECORD_STRIDE } from "../dist/engine/metrics.js";
export { RECORD_STRIDE };
/** @type {[number, number]} */
export const SEED = [42, 0];
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const C_SOURCE = here("./c/kernel.c");
export const C_BINARY = here("./c/kernel.out");
/** What the binary is built from: kernel.c and the header generated from src/contract/kernel.ts. */
const C_INPUTS = [C_SOURCE, here("./c/contract.h")];
const TMP = here("./results/.tmp");

export const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Builds bench/c/kernel.out with gcc -O2 when gcc exists; returns { ok, compiler, reason }. */
export function buildC() {
  const probe = spawnSync("gcc", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0)
    return { ok: false, reason: "gcc not found: the C port is skipped (install gcc to get the native yardstick)" };
  const compiler = probe.stdout.split("\n")[0];
  const fresh = existsSync(C_BINARY) && C_INPUTS.every((input) => statSync(C_BINARY).mtimeMs > statSync(input).mtimeMs);
  if (!fresh) {
    const r = spawnSync("gcc", ["-O2", "-ffp-contract=off", "-o", C_BINARY, C_SOURCE, "-lm"], { encoding: "utf8" });
    if (r.status !== 0) return { ok: false, compiler, reason: `gcc failed to build bench/c/kernel.c:\n${r.stderr}` };
  }
  return { ok: true, compiler, flags: "-O2 -ffp-contract=off" };
}

/** An engine timed in this process: `time(paths)` runs `paths` paths and returns { cpuNs, wallNs }. */
class InProcess {
  constructor(engine, scenario) {
    this.engine = engine;
    this.scenario = scenario;
    this.engine.prepare(...SEED);
    this.first = 0;
    this.out = new Float64Array(0);
  }
  time(paths) {
    if (this.out.length < paths * RECORD_STRIDE) this.out = new Float64Array(paths * RECORD_STRIDE);
    const c0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    this.engine.runPaths(this.first, paths, this.out);
    const wallNs = Number(process.hrtime.bigint() - w0);
    const c = process.cpuUsage(c0);
    // the next repetition runs the next paths: no engine gets to replay the same paths from warm caches
    this.first += paths;
    return { cpuNs: (c.user + c.system) * 1000, wallNs };
  }
  records(first, paths) {
    const out = new Float64Array(paths * RECORD_STRIDE);
    this.engine.runPaths(first, paths, out);
    return out;
  }
}

export function wasmEngine(scenario, options = {}) {
  return new InProcess(new WasmEngine(buildSetup({ scenario }), options), scenario);
}

export function tsEngine(scenario) {
  return new InProcess(new ReferenceEngine(buildSetup({ scenario })), scenario);
}

/** The C port on a scenario: the setup goes through a file, each `time` is one child process (`binary` may name
 * another build of it, to compare two). */
export class CEngine {
  constructor(scenario, name) {
    mkdirSync(TMP, { recursive: true });
    this.file = `${TMP}/${name.replace(/[^a-z0-9]+/gi, "-")}.bin`;
    writeSetupFile(buildSetup({ scenario }), this.file);
    this.first = 0;
    /** @type {string | undefined} another build of the C port, set by a caller comparing two */
    this.binary;
  }
  run(first, paths, reps) {
    const out = execFileSync(
      this.binary ?? C_BINARY,
      [this.file, String(SEED[0]), String(SEED[1]), String(first), String(paths), String(reps)],
      {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      },
    );
    return JSON.parse(out);
  }
  time(paths) {
    const r = this.run(this.first, paths, 1);
    this.first += paths;
    return { cpuNs: r.cpuNs[0], wallNs: r.wallNs[0] };
  }
  checksum(first, paths) {
    return this.run(first, paths, 0).checksum;
  }
}

export { fnv1a64 };
