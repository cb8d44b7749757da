// `cascade portfolio FILE`: runs a portfolio scenario on either engine, prints mean/p50/p95/p99 per metric,
// writes summary.json and paths.csv; bad input is one line per problem and exit code 2.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { portfolioCommand, type RawPortfolioOptions } from "../src/cli/portfolio.js";
import { loadPortfolioScenario, simulatePortfolio } from "../src/portfolio/index.js";
import { readScenarioFile } from "../src/config/load.js";
import { cascade } from "./helpers/cli.js";

const EXAMPLE = fileURLToPath(new URL("../examples/portfolio-usde-depeg.yaml", import.meta.url));
const USDE = fileURLToPath(new URL("./fixtures/portfolio/usde-depeg.json", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cascade-portfolio-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cascade portfolio", () => {
  it("runs the USDe fixture on both engines: the same paths.csv byte for byte, the summary's figures, the table", async () => {
    const outputs: Record<string, { csv: string; summary: Record<string, unknown>; stdout: string }> = {};
    for (const engine of ["wasm", "ts"]) {
      const out = join(dir, `usde-${engine}`);
      const { code, stdout, stderr } = await cascade("portfolio", USDE, "--paths", "3", "--engine", engine, "--out", out);
      expect(code, stderr).toBe(0);
      expect(stderr).toContain(`${out}/summary.json`);
      outputs[engine] = {
        csv: readFileSync(join(out, "paths.csv"), "utf8"),
        summary: JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Record<string, unknown>,
        stdout,
      };
    }
    expect(outputs.wasm.csv).toBe(outputs.ts.csv);
    const lines = outputs.wasm.csv.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(
      "path,liquidations,liquidatedNotional,maxRoundsInStep,minPrice,finalPrice,maxDrawdown,exogenousDrawdown,amplification," +
        "insuranceMin,insuranceFinal,badDebt,adlCount,adlNotional,avgSlippage,bookExhausted,firstLiquidationStep," +
        "collateralSold,collateralSales,accountsLiquidated,accountsClosed," +
        "markets.BTC.minPrice,markets.BTC.finalPrice,markets.BTC.maxDrawdown,markets.BTC.exogenousDrawdown,markets.BTC.amplification," +
        "assets.USDe.minPrice,assets.USDe.finalPrice",
    );
    // the records are those of the library call
    const lib = simulatePortfolio(loadPortfolioScenario(JSON.parse(readFileSync(USDE, "utf8"))), 3);
    const row1 = lines[2].split(",").slice(1).map(Number);
    expect(row1).toEqual(Array.from(lib.records.subarray(lib.stride, 2 * lib.stride)));
    const s = outputs.wasm.summary as {
      engine: string;
      threads: number;
      paths: number;
      metrics: Record<string, { mean: number; p50: number; p99: number }>;
      probabilities: Record<string, number>;
    };
    expect(s.engine).toBe("wasm");
    expect(s.threads).toBe(availableParallelism()); // the default: all cores
    expect(s.paths).toBe(3);
    // no randomness in the fixture: every path liquidates the same four accounts
    expect(s.metrics.liquidations).toMatchObject({ mean: 4, p50: 4, p99: 4 });
    expect(s.metrics["assets.USDe.minPrice"].p50).toBeCloseTo(0.65, 12);
    expect(s.probabilities.anyLiquidation).toBe(1);
    const threads = availableParallelism();
    expect(outputs.wasm.stdout).toMatch(new RegExp(`^usde-depeg-2025-10-10: 3 paths, seed 7, engine wasm, ${threads} threads?,`));
    expect(outputs.wasm.stdout).toMatch(/metric\s+│\s+worst\s+│\s+mean\s+│\s+p50\s+│\s+p95\s+│\s+p99/);
    expect(outputs.wasm.stdout).toContain("assets.USDe.minPrice");
  });

  it("runs the example file with --json, --seed overriding the file's", async () => {
    const out = join(dir, "example");
    const { code, stdout, stderr } = await cascade("portfolio", EXAMPLE, "--paths", "4", "--seed", "3", "--json", "--out", out);
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout) as { seed: number; paths: number; metrics: Record<string, { mean: number }> };
    expect(summary.seed).toBe(3);
    expect(summary.paths).toBe(4);
    expect(summary.metrics.liquidations.mean).toBeGreaterThan(0);
    expect(summary.metrics.collateralSold.mean).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toEqual(summary);
  });

  // Through portfolioCommand (what `main` calls for `portfolio`), with --threads given as commander passes it.
  async function command(raw: RawPortfolioOptions): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const code = await portfolioCommand(EXAMPLE, raw, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    });
    return { code, stdout, stderr };
  }

  it("--threads 1 (inline), --threads 2 (pool) and --engine ts: byte-identical paths.csv, summary.json equal but for threads and runtime", async () => {
    const runs: Record<string, { csv: string; summary: Record<string, unknown>; stdout: string }> = {};
    for (const [name, raw] of [
      ["wasm-1", { threads: "1" }],
      ["wasm-2", { threads: "2" }],
      ["ts-2", { threads: "2", engine: "ts" }],
    ] as const) {
      const out = join(dir, `threads-${name}`);
      const { code, stdout, stderr } = await command({ ...raw, paths: "24", out, json: true });
      expect(code, stderr).toBe(0);
      runs[name] = {
        csv: readFileSync(join(out, "paths.csv"), "utf8"),
        summary: JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Record<string, unknown>,
        stdout,
      };
      expect(JSON.parse(stdout)).toEqual(runs[name].summary);
    }
    expect(runs["wasm-2"].csv).toBe(runs["wasm-1"].csv);
    expect(runs["ts-2"].csv).toBe(runs["wasm-1"].csv);
    expect(runs["wasm-1"].csv.trimEnd().split("\n")).toHaveLength(25);
    // the library's records, row for row
    const scenario = loadPortfolioScenario({ ...(readScenarioFile(EXAMPLE) as object), paths: 24 });
    const lib = simulatePortfolio(scenario);
    const rows = runs["wasm-2"].csv
      .trimEnd()
      .split("\n")
      .slice(1)
      .map((line) => line.split(",").map(Number));
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 24 }, (_, p) => p));
    expect(new Float64Array(rows.flatMap((r) => r.slice(1)))).toEqual(lib.records);
    const strip = (s: Record<string, unknown>) => ({ ...s, threads: undefined, runtimeMs: undefined });
    expect(runs["wasm-1"].summary.threads).toBe(1);
    expect(runs["wasm-2"].summary.threads).toBe(2);
    expect(strip(runs["wasm-2"].summary)).toEqual(strip(runs["wasm-1"].summary));
    expect(strip(runs["ts-2"].summary)).toEqual({ ...strip(runs["wasm-1"].summary), engine: "ts" });
  });

  it("--threads must be a positive integer", async () => {
    await expect(command({ threads: "0" })).rejects.toThrow('--threads must be a positive integer (received "0")');
    await expect(command({ threads: "two" })).rejects.toThrow(/--threads must be a positive integer/);
  });

  it("bad input exits 2 with one line per problem, options and file together", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "markets: [ { name: X, tickSize: -1 } ]\nstepz: 3\n");
    const { code, stdout, stderr } = await cascade("portfolio", bad, "--paths", "0", "--engine", "gpu");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n")).toEqual(
      expect.arrayContaining([
        'error: --paths must be a positive integer (received "0")',
        'error: --engine must be one of wasm, ts (received "gpu")',
        "error: markets[0].tickSize must be > 0 (received -1)",
        "error: stepz is not a known key (did you mean steps?)",
      ]),
    );
    expect(
      stderr
        .trimEnd()
        .split("\n")
        .every((l) => l.startsWith("error: ")),
    ).toBe(true);
    const missing = await cascade("portfolio", join(dir, "no-such.yaml"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: scenario file .*no-such\.yaml must be a readable file/);
  });
});
