// `cascade solve`: the target search (src/solve) on a case whose answer is known exactly, against a dense grid on
// the default crash, and its refusals.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/program.js";
import { loadScenario } from "../../src/config/load.js";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { runScenario } from "../../src/mc/run.js";
import { searchTarget, type SearchOptions } from "../../src/solve/search.js";
import { estimateOf, parseTarget } from "../../src/solve/target.js";
import { flatScenario } from "../helpers/mechanism-scenarios.js";

const work = mkdtempSync(join(tmpdir(), "cascade-solve-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) } };
  const code = await main(argv, io as never);
  return { code, stdout, stderr };
}

const options = (o: Partial<SearchOptions>): SearchOptions => ({
  lo: 0,
  hi: 1,
  log: false,
  tol: 0.01,
  paths: 400,
  maxPaths: 1600,
  probes: 3,
  ...o,
});

describe("cascade solve", () => {
  it("finds the fund that just avoids ADL on a flat book, where the answer is known exactly", async () => {
    // one long of 10 at 1000 with 50 of collateral (bankruptcy price 995) sold on a −10% step into a flat book of
    // 1000 a level: all 10 fill at the best bid 900, 95 each below 995. The fund must pay 950 for the order to fill,
    // plus the margin the budget keeps (1e-9 × |q·B|); one unit less and the remainder is ADL'd against the short.
    const inputs = (fund: number, paths: number): ScenarioInputs => {
      const s = flatScenario({
        steps: 4,
        shocks: [{ step: 2, return: -0.1 }],
        positions: [
          { account: "loser", side: "long", size: 10, entryPrice: 1000, collateral: 50 },
          { account: "winner", side: "short", size: 5, entryPrice: 1000, collateral: 500 },
        ],
        insurance: fund,
        mmr: 0, // liquidated at its bankruptcy price 995, not before the drop
      });
      s.scenario.paths = paths;
      s.scenario.adl = { ranking: "pnl-leverage" };
      return s;
    };
    const answer = 10 * (995 - 900) + 1e-9 * 10 * 995;
    const target = parseTarget("P(adl) <= 0.01");
    const evaluate = async (fund: number, paths: number) =>
      estimateOf((await runScenario(inputs(fund, paths), { inline: true })).summary, target.statistic);
    const r = await searchTarget(target, options({ lo: 0, hi: 2000, tol: 0.0005 }), evaluate);
    expect(r.metBelow).toBe(false);
    expect(r.converged).toBe(true);
    expect(r.interval[0]).toBeLessThan(answer);
    expect(r.interval[1]).toBeGreaterThanOrEqual(answer);
    expect(r.interval[1] - r.interval[0]).toBeLessThanOrEqual(1);
    // every path is the same here: each run is P = 0 or 1, decided at 400 paths (Wilson's upper bound at 0/400 is 0.0095)
    for (const e of r.evaluations) expect([0, 1]).toContain(e.estimate.value);
  });

  it("on the default crash, agrees with a dense grid of runs on the same paths", async () => {
    const sets = ["market.price.shocks=[{step: 10, return: -0.08}]", "accounts.count=2000", "steps=30"];
    const target = parseTarget("P(adl) <= 0.1");
    const evaluate = async (fund: number, paths: number) =>
      estimateOf(
        (
          await runScenario(loadScenario(undefined, [...sets, `insurance.initialBalance=${fund}`, `paths=${paths}`]), {
            threads: 2,
          })
        ).summary,
        target.statistic,
      );
    const r = await searchTarget(
      target,
      options({ lo: 1e3, hi: 2e5, log: true, tol: 0.02, paths: 300, maxPaths: 2400, probes: 2 }),
      evaluate,
    );
    // the grid: 12 values spanning the bracket's neighbourhood, 300 paths each; where its estimate first meets the target
    const [a, b] = r.interval;
    const grid = Array.from({ length: 12 }, (_, k) => a / 2 + ((2 * b - a / 2) * k) / 11);
    const estimates: number[] = [];
    for (const fund of grid) estimates.push((await evaluate(fund, 300)).value);
    const first = grid.findIndex((_, k) => estimates.slice(k).every((p) => p <= 0.1));
    expect(first, `grid ${grid.map((g, k) => `${Math.round(g)}:${estimates[k]}`).join(" ")}`).toBeGreaterThan(0);
    // the grid's crossing lies between its last value missing and its first meeting: that cell overlaps the bracket
    expect(grid[first]).toBeGreaterThanOrEqual(a);
    expect(grid[first - 1]).toBeLessThanOrEqual(b);
  });

  it("refuses an unbracketed target, a bad target, and a non-monotone one, in one line each (exit 2)", async () => {
    const base = [
      "solve",
      "--vary",
      "insurance.initialBalance",
      "--paths",
      "50",
      "--set",
      "accounts.count=300",
      "--set",
      "steps=12",
      "--threads",
      "1",
      "--quiet",
    ];
    const both = await cli(...base, "--range", "1e9:2e9", "--target", "P(adl) <= 0.5");
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: --range: P\(adl\) <= 0\.5 is met at both ends .*does not bracket the answer\n$/);
    const bad = await cli(...base, "--range", "1:2", "--target", "q99(badDebt) < 3");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --target "q99\(badDebt\) < 3": expected /);
    const unknown = await cli(...base, "--range", "1:2", "--target", "p99(nope) <= 3");
    expect(unknown.stderr).toMatch(/unknown metric nope/);
    const range = await cli(...base, "--range", "5:1", "--target", "P(adl) <= 0.5");
    expect(range.stderr).toMatch(/--range must be LO:HI with finite LO < HI/);
    // non-monotone: met at the ends' one side, missed inside (a fabricated statistic, the search alone)
    const target = parseTarget("mean(badDebt) <= 1");
    const statistic = (v: number) => ((v > 0.2 && v < 0.4) || v > 0.6 ? 5 : 0);
    const bumpy = async (v: number) => ({ value: statistic(v), ci95: [statistic(v), statistic(v)] as [number, number] });
    await expect(searchTarget(target, options({}), bumpy)).rejects.toThrow(
      /not monotone in the key over the range: missed at 0\.25 .* but met at 0\.5/,
    );
  });

  it("writes solve.json with every run it made", async () => {
    const out = join(work, "solve-out");
    const r = await cli(
      "solve",
      "--vary",
      "insurance.initialBalance",
      "--range",
      "0:1e6",
      "--target",
      "P(badDebt) <= 0.5",
      "--paths",
      "60",
      "--set",
      "accounts.count=300",
      "--set",
      "steps=12",
      "--set",
      "market.price.shocks=[{step: 3, return: -0.2}]",
      "--set",
      "adl.ranking=none",
      "--threads",
      "1",
      "--quiet",
      "--tol",
      "0.05",
      "--out",
      out,
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout);
    expect(record.key).toBe("insurance.initialBalance");
    expect(record.evaluations.length).toBeGreaterThanOrEqual(5);
    writeFileSync(join(work, "ok"), "");
  });
});
