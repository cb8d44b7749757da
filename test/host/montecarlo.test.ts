import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { loadScenario } from "../../src/config/load.js";
import { runScenario } from "../../src/mc/run.js";

// These runs use the worker pool, which loads the compiled host from dist/ (built by `npm test`'s pretest).
const work = mkdtempSync(join(tmpdir(), "cascade-mc-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function scenario(paths: number, sets: string[] = []) {
  return loadScenario(undefined, [`paths=${paths}`, "accounts.count=3000", ...sets]);
}

const csv = (dir: string) => readFileSync(join(dir, "paths.csv"));

describe("Monte Carlo runs", () => {
  it("give byte-identical paths.csv for --threads 1, 2 and 4", async () => {
    const inputs = scenario(600);
    const files: Buffer[] = [];
    for (const threads of [1, 2, 4]) {
      const dir = join(work, `threads-${threads}`);
      await runScenario(inputs, { threads, outDir: dir });
      files.push(csv(dir));
    }
    expect(files[0].length).toBeGreaterThan(600 * 20);
    expect(files[1].equals(files[0])).toBe(true);
    expect(files[2].equals(files[0])).toBe(true);
  });

  it("give byte-identical paths.csv on the WASM and the TypeScript engine (the default scenario, 2,000 paths)", async () => {
    const inputs = loadScenario(undefined, []);
    const wasm = join(work, "default-wasm");
    const ts = join(work, "default-ts");
    await runScenario(inputs, { threads: 2, outDir: wasm, engine: "wasm" });
    await runScenario(inputs, { threads: 2, outDir: ts, engine: "ts" });
    expect(csv(wasm).toString().split("\n").length).toBe(2002); // header, 2,000 rows, final newline
    expect(csv(ts).equals(csv(wasm))).toBe(true);
  });

  it("lose no path when a worker dies: the batch is retried and the results match a clean run", async () => {
    const inputs = scenario(400);
    const clean = join(work, "clean");
    const crashed = join(work, "crashed");
    await runScenario(inputs, { threads: 2, outDir: clean });
    const result = await runScenario(inputs, { threads: 2, outDir: crashed, crashBatches: new Set([0, 2]) });
    expect(result.retries).toBe(2);
    expect(result.summary.paths).toBe(400);
    expect(csv(crashed).equals(csv(clean))).toBe(true);
  });

  it("interrupted halfway, then resumed, give the same paths.csv and summary as an uninterrupted run", async () => {
    const inputs = scenario(800);
    const whole = join(work, "whole");
    const parted = join(work, "parted");
    const reference = await runScenario(inputs, { threads: 2, outDir: whole });
    const abort = new AbortController();
    const first = await runScenario(inputs, {
      threads: 1,
      outDir: parted,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.done >= 200) abort.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.summary.paths).toBeGreaterThanOrEqual(200);
    expect(first.summary.paths).toBeLessThan(800);
    expect(existsSync(join(parted, "paths.csv"))).toBe(false);
    expect(existsSync(join(parted, "paths.csv.partial"))).toBe(true);
    const resumed = await runScenario(inputs, { threads: 2, outDir: parted, resume: true });
    expect(resumed.interrupted).toBe(false);
    expect(csv(parted).equals(csv(whole))).toBe(true);
    expect(resumed.summary.metrics).toEqual(reference.summary.metrics);
    expect(resumed.summary.probabilities).toEqual(reference.summary.probabilities);
  });

  it("resume a Parquet run too, to the same bytes as an uninterrupted one", async () => {
    const inputs = scenario(300);
    const whole = join(work, "pq-whole");
    const parted = join(work, "pq-parted");
    await runScenario(inputs, { inline: true, outDir: whole, format: "parquet" });
    const abort = new AbortController();
    const first = await runScenario(inputs, {
      inline: true,
      outDir: parted,
      format: "parquet",
      signal: abort.signal,
      onProgress: (p) => p.done >= 60 && abort.abort(),
    });
    expect(first.interrupted).toBe(true);
    await runScenario(inputs, { inline: true, outDir: parted, format: "parquet", resume: true });
    expect(readFileSync(join(parted, "paths.parquet")).equals(readFileSync(join(whole, "paths.parquet")))).toBe(true);
  });

  it("refuse to resume a directory of another scenario, naming what differs", async () => {
    const dir = join(work, "other");
    await runScenario(scenario(50), { inline: true, outDir: dir });
    await expect(runScenario(scenario(50, ["seed=7"]), { inline: true, outDir: dir, resume: true })).rejects.toThrow(
      /scenarioHash|seed/,
    );
  });

  it("stop cleanly on SIGINT: exit 130, finished rows kept, the summary says how many (resume: the test above)", async () => {
    const dir = join(work, "sigint");
    const args = ["run", "--paths", "200000", "--set", "accounts.count=20000", "--threads", "1", "--quiet"];
    const child = spawn(process.execPath, ["dist/cli/main.js", ...args, "--out", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // interrupt once some rows have reached the disk
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const partial = join(dir, "paths.csv.partial");
        if (existsSync(partial) && readFileSync(partial).length > 2_000_000) {
          clearInterval(poll);
          child.kill("SIGINT");
          resolve();
        }
      }, 50);
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted: \d+ of 200000 paths/);
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    expect(summary.interrupted).toBe(true);
    expect(summary.paths).toBeGreaterThan(0);
    const rows = readFileSync(join(dir, "paths.csv.partial"), "utf8").trimEnd().split("\n").length - 1;
    expect(rows).toBe(summary.paths);
  }, 120_000);
});
