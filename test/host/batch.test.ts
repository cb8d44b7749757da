import { describe, expect, it } from "vitest";
import { RECORD_STRIDE } from "../../src/engine/metrics.js";
import { InternalError } from "../../src/config/errors.js";
import { errorLines } from "../../src/cli/exit.js";
import { PATH_FAILURE, runBatch, type PathEngine } from "../../src/mc/batch.js";

// An engine that traps on one path, as a kernel bug would (WebAssembly.RuntimeError).
function trapsOn(bad: number): PathEngine {
  return {
    runPaths(first: number, count: number, out: Float64Array) {
      for (let p = first; p < first + count; p++) {
        if (p === bad) throw new WebAssembly.RuntimeError("unreachable");
        out.fill(p, (p - first) * RECORD_STRIDE, (p - first + 1) * RECORD_STRIDE);
      }
    },
  };
}

describe("a failure inside the engine", () => {
  it("is reported with the index of the path that fails, found by rerunning the batch path by path", () => {
    expect(() => runBatch(trapsOn(37), { first: 30, count: 16, csv: false })).toThrow(`${PATH_FAILURE}37: unreachable`);
  });

  it("reaches the user as one line and a 'please report' line with seed, path index and scenario", () => {
    const err = new InternalError(`${PATH_FAILURE}37: unreachable`, { pathIndex: 37 });
    const lines = errorLines(err, { seed: 42, scenarioFile: "crash.yaml" });
    expect(lines).toEqual([
      `error: ${PATH_FAILURE}37: unreachable`,
      "please report: seed 42, path index 37, scenario crash.yaml",
    ]);
  });
});
