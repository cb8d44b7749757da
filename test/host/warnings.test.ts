// Warnings (summary.json `warnings`, and stderr): each said when its condition holds and only then, computed
// from the per-path columns so that a merge or a verification says the same.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/config/load.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { runScenario } from "../../src/mc/run.js";
import { summaryWarnings } from "../../src/report/warnings.js";
import { MetricColumns } from "../../src/stats/columns.js";

/** Columns of `n` paths whose metrics vary from path to path (or not), for the warning rules alone. */
function columns(n: number, varying = true): MetricColumns {
  const records = new Float64Array(n * RECORD_STRIDE);
  for (let p = 0; p < n; p++) for (let m = 0; m < RECORD_STRIDE; m++) records[p * RECORD_STRIDE + m] = varying ? p + m : m;
  for (let p = 0; p < n; p++) records[p * RECORD_STRIDE + METRIC.bookExhausted] = 0;
  return MetricColumns.fromRecords(records, n);
}
const scenario = loadScenario(undefined, []).scenario;

describe("warnings", () => {
  it("a tail quantile with fewer than 100 paths beyond it: p99 below 10,000 paths, p95 below 2,000", () => {
    expect(summaryWarnings(scenario, columns(9_999)).filter((w) => w.startsWith("p99"))).toHaveLength(1);
    expect(summaryWarnings(scenario, columns(10_000))).toEqual([]);
    expect(summaryWarnings(scenario, columns(1_999)).some((w) => w.startsWith("p99 and es99 rest on 19 paths"))).toBe(true);
  });

  it("every path the same: said, with why", () => {
    expect(summaryWarnings(scenario, columns(10_000, false))).toEqual([
      expect.stringMatching(/^all 10000 paths are the same \(nothing in the scenario draws at random\)/),
    ]);
    expect(summaryWarnings(scenario, columns(1, false))).toEqual([]);
  });

  it("a run with no randomness warns through the CLI's runner, and a varied one of 10,000 paths says nothing", async () => {
    const flat = await runScenario(loadScenario(undefined, ["paths=12", "market.price.model=none"]), { inline: true });
    expect(flat.summary.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^all 12 paths are the same/)]));
    const many = await runScenario(
      loadScenario(undefined, ["paths=10000", "steps=12", "accounts.count=100", "market.price.shocks=[]"]),
      { threads: 2 },
    );
    expect(many.summary.warnings).toEqual([]);
  });
});

describe("a replay with fewer returns than steps", () => {
  const returns = fileURLToPath(new URL("../fixtures/config/returns.csv", import.meta.url)); // 3 returns
  const sets = (steps: number) => [
    "market.price.model=replay",
    `market.price.returnsFile=${returns}`,
    `steps=${steps}`,
    "paths=40",
    "accounts.count=100",
    "market.price.shocks=[]",
  ];

  it("resamples them, and says so: in summary.json's warnings, naming the file key and both counts", async () => {
    const inputs = loadScenario(undefined, sets(12));
    expect(inputs.returns?.length).toBe(3);
    const run = await runScenario(inputs, { inline: true });
    expect(run.summary.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^market\.price\.returnsFile holds 3 returns for 12 steps: each step draws one of them at random/),
      ]),
    );
  });

  it("plays them in order when there are as many as steps: no warning about them", async () => {
    const inputs = loadScenario(undefined, sets(3));
    expect(inputs.scenario.inputWarnings).toBeUndefined();
    const run = await runScenario(inputs, { inline: true });
    expect((run.summary.warnings as string[]).filter((w) => w.includes("returnsFile"))).toEqual([]);
  });
});
