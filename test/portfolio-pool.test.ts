// The portfolio run on a worker pool (src/portfolio/pool.ts, dist/portfolio/worker.js; `npm run build:ts`
// first): records identical for any thread count and either engine, batches reordered into path order,
// paths.csv streamed (the same bytes as the one-string formatter), a dead worker costs a retry, not a path.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readScenarioFile } from "../src/config/load.js";
import { loadPortfolioScenario, simulatePortfolio } from "../src/portfolio/index.js";
import { PortfolioCsvWriter, formatPortfolioRows, portfolioCsvHeader } from "../src/portfolio/csv.js";
import { planPortfolioBatches, portfolioBatchSize } from "../src/portfolio/pool.js";
import { formatPortfolioCsv, runPortfolio, summarizePortfolio } from "../src/portfolio/report.js";

const EXAMPLE = fileURLToPath(new URL("../examples/portfolio-usde-depeg.yaml", import.meta.url));
const USDE = fileURLToPath(new URL("./fixtures/portfolio/usde-depeg.json", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cascade-portfolio-pool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const example = (paths: number) => loadPortfolioScenario({ ...(readScenarioFile(EXAMPLE) as object), paths });

describe("portfolio batches", () => {
  it("cover every path once, in order; about four per thread, fewer account-steps than the cost cap", () => {
    expect(portfolioBatchSize(2000, 60, 2000, 2)).toBe(34); // 4M account-steps / 120k per path
    expect(portfolioBatchSize(24, 60, 2000, 2)).toBe(3); // 24 paths over 2 threads × 4
    expect(portfolioBatchSize(5, 1, 1, 8)).toBe(1);
    for (const [paths, size] of [
      [1, 1],
      [10, 3],
      [24, 3],
      [100, 7],
    ]) {
      const batches = planPortfolioBatches(paths, size);
      expect(batches.map((b) => b.index)).toEqual(batches.map((_, i) => i));
      expect(batches.flatMap((b) => Array.from({ length: b.count }, (_, i) => b.first + i))).toEqual(
        Array.from({ length: paths }, (_, p) => p),
      );
    }
  });
});

describe("runPortfolio on threads", () => {
  it("1 thread inline, 2 and 3 on the pool, WASM and TypeScript: the library's records bit for bit, the same paths.csv bytes", async () => {
    const scenario = example(24);
    const lib = simulatePortfolio(scenario);
    let reference: string | undefined;
    for (const [engine, threads] of [
      ["wasm", 1],
      ["wasm", 2],
      ["wasm", 3],
      ["ts", 1],
      ["ts", 2],
    ] as const) {
      const out = join(dir, `${engine}-${threads}`);
      const run = await runPortfolio(scenario, { engine, threads, outDir: out });
      expect(run.threads).toBe(threads);
      expect(run.retries).toBe(0);
      expect(run.paths).toBe(24);
      expect(run.metricNames).toEqual(lib.metricNames);
      for (let i = 0; i < lib.records.length; i++)
        expect(Object.is(run.records[i], lib.records[i]), `${engine}/${threads}: slot ${i}`).toBe(true);
      const csv = readFileSync(join(out, "paths.csv"), "utf8");
      expect(csv).toBe(formatPortfolioCsv(run)); // streamed = one-string formatter
      reference ??= csv;
      expect(csv).toBe(reference);
      expect(readdirSync(out)).toEqual(["paths.csv"]); // the .partial renamed away
    }
  });

  it("summary: the same statistics for any thread count; only threads differs", async () => {
    const scenario = example(16);
    const one = summarizePortfolio(await runPortfolio(scenario, { threads: 1 }), "test");
    const two = summarizePortfolio(await runPortfolio(scenario, { threads: 2 }), "test");
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect({ ...two, threads: 1, runtimeMs: 0 }).toEqual({ ...one, runtimeMs: 0 });
  });

  it("a worker that dies costs a retry of its batch, never a path", async () => {
    const scenario = loadPortfolioScenario({ ...(JSON.parse(readFileSync(USDE, "utf8")) as object), paths: 12 });
    const clean = await runPortfolio(scenario, { threads: 2 });
    const out = join(dir, "crash");
    const run = await runPortfolio(scenario, { threads: 2, outDir: out, crashBatches: new Set([0, 2]) });
    expect(run.retries).toBe(2);
    expect(run.records).toEqual(clean.records);
    expect(readFileSync(join(out, "paths.csv"), "utf8")).toBe(formatPortfolioCsv(clean));
  });

  it("without outDir: records only, no paths.csv", async () => {
    const run = await runPortfolio(example(2), { threads: 2 });
    expect(run.csvPath).toBeUndefined();
    expect(run.records.length).toBe(2 * run.stride);
  });
});

describe("PortfolioCsvWriter", () => {
  it("streams the header and the batches in path order to .partial, renames it on close; refuses a batch out of order", async () => {
    const out = join(dir, "writer");
    const names = ["a", "markets.X,Y.minPrice", "b"];
    const w = await PortfolioCsvWriter.open(out, names);
    expect(existsSync(join(out, "paths.csv.partial"))).toBe(true);
    const records = new Float64Array([1, -0, 0.1, 2, NaN, -Infinity, 3, 1e21, 5e-324]);
    const enc = (first: number, from: number, count: number) =>
      new TextEncoder().encode(formatPortfolioRows(first, records.subarray(from * 3, (from + count) * 3), 3, count));
    await w.writeEncoded(0, 2, enc(0, 0, 2));
    await expect(w.writeEncoded(3, 1, enc(3, 2, 1))).rejects.toThrow(/expected path 2 next/);
    await w.writeEncoded(2, 1, enc(2, 2, 1));
    expect(existsSync(join(out, "paths.csv"))).toBe(false);
    expect(await w.close()).toBe(join(out, "paths.csv"));
    expect(readFileSync(join(out, "paths.csv"), "utf8")).toBe(
      `path,a,"markets.X,Y.minPrice",b\n0,1,-0,0.1\n1,2,NaN,-Infinity\n2,3,1e+21,5e-324\n`,
    );
    expect(portfolioCsvHeader(names)).toBe(`path,a,"markets.X,Y.minPrice",b`);
    expect(existsSync(join(out, "paths.csv.partial"))).toBe(false);
  });

  it("abort() removes the .partial file", async () => {
    const out = join(dir, "aborted");
    const w = await PortfolioCsvWriter.open(out, ["a"]);
    await w.writeEncoded(0, 1, new TextEncoder().encode("0,1\n"));
    await w.abort();
    expect(readdirSync(out)).toEqual([]);
  });
});
