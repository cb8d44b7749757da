import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { METRIC_NAMES, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { firstDifference, runReference, runWasm } from "../helpers/engines.js";
import { baseScenario } from "../helpers/scenario.js";

function explain(a: Float64Array, b: Float64Array, i: number): string {
  return `path ${Math.floor(i / RECORD_STRIDE)} ${METRIC_NAMES[i % RECORD_STRIDE]}: ts=${a[i]} wasm=${b[i]}`;
}

describe("the WASM kernel and the TypeScript reference engine", () => {
  it("give bit-identical records on 250 random scenarios (release and bounds-checked debug builds)", () => {
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const ts = runReference(inputs, 4);
        for (const build of ["release", "debug"] as const) {
          const wasm = runWasm(inputs, 4, build);
          const at = firstDifference(ts, wasm);
          if (at >= 0) throw new Error(`${build}: ${explain(ts, wasm, at)}`);
        }
      }),
      { numRuns: 250, seed: 20261126 },
    );
  });

  it("give bit-identical records on a heavy crash that empties the fund and deleverages", () => {
    const scenario = baseScenario();
    scenario.accounts.count = 3000;
    scenario.market.price.shocks = [{ step: 2, return: -0.08 }];
    scenario.insurance.initialBalance = 1000;
    for (const ranking of ["pnl-leverage", "random"] as const) {
      scenario.adl.ranking = ranking;
      const ts = runReference({ scenario }, 12);
      const wasm = runWasm({ scenario }, 12);
      expect(firstDifference(ts, wasm), "first differing slot").toBe(-1);
      let adl = 0;
      for (let p = 0; p < 12; p++) adl += ts[p * RECORD_STRIDE + METRIC_NAMES.indexOf("adlCount")];
      expect(adl, "the scenario must exercise ADL").toBeGreaterThan(0);
    }
  });

  it("give the same record for a path whatever batch it runs in (a path depends only on seed and index)", () => {
    const scenario = baseScenario();
    const all = runWasm({ scenario }, 10);
    const tail = runWasm({ scenario }, 4, "release", 6);
    expect(Array.from(tail)).toEqual(Array.from(all.subarray(6 * RECORD_STRIDE)));
  });
});
