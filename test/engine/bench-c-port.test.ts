// The benchmarks' native yardstick, bench/c/kernel.c, must compute exactly what the WASM kernel computes:
// otherwise WASM/C compares two different computations. Skipped when gcc is absent (as `npm run bench` skips it).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSetup } from "../../src/engine/setup.js";
import { RECORD_STRIDE } from "../../src/engine/metrics.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { fnv1a64, writeSetupFile } from "../../bench/setup-file.mjs";
import { CHECK_VARIANTS } from "../../bench/scenario.mjs";

const source = fileURLToPath(new URL("../../bench/c/kernel.c", import.meta.url));
const hasGcc = !spawnSync("gcc", ["--version"]).error;
const PATHS = 6;
const FIRST = 5;

describe.skipIf(!hasGcc)("the C port of the kernel (bench/c/kernel.c)", () => {
  let dir = "";
  let binary = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cascade-cport-"));
    binary = join(dir, "kernel.out");
    execFileSync("gcc", ["-O2", "-ffp-contract=off", "-o", binary, source, "-lm"]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const names = Object.keys(CHECK_VARIANTS as Record<string, unknown>);
  it.each(names)("writes the WASM kernel's records bit for bit: %s", (name) => {
    const scenario = (CHECK_VARIANTS as Record<string, () => Parameters<typeof buildSetup>[0]["scenario"]>)[name]();
    const setup = buildSetup({ scenario });
    const engine = new WasmEngine(setup, { batch: 4 });
    engine.prepare(42, 0);
    const records = new Float64Array(PATHS * RECORD_STRIDE);
    engine.runPaths(FIRST, PATHS, records);
    const file = join(dir, "setup.bin");
    writeSetupFile(setup, file);
    const out = JSON.parse(execFileSync(binary, [file, "42", "0", String(FIRST), String(PATHS), "0"], { encoding: "utf8" }));
    expect(out.checksum, "FNV-1a 64 of the C records vs the WASM records").toBe(fnv1a64(records));
  });

  it("checksums like a plain FNV-1a 64 over the record bytes", () => {
    const records = Float64Array.from([1, -0, Math.PI, 1e300, Number.MIN_VALUE]);
    let h = 0xcbf29ce484222325n;
    for (const b of new Uint8Array(records.buffer)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
    expect(fnv1a64(records)).toBe(h.toString(16).padStart(16, "0"));
  });
});
