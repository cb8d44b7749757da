// Finding 6: a metric that is NaN or ±Infinity where it must be finite (every metric but marginHeld, which is
// NaN by design without margin.model) fails the run as an internal error (exit 1) naming the seed, the path
// index and the metric, instead of being summarised (summary.json with Infinity in it). The check is where
// the host receives a batch's records (src/mc/run.ts), whichever engine and runner produced them.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { InternalError } from "../../src/config/errors.js";
import { errorLines, exitCodeFor } from "../../src/cli/exit.js";
import { METRIC_NAMES, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { runScenario } from "../../src/mc/run.js";
import { smallInputs } from "../helpers/hardening-output.js";

/** What the engine under test writes wrong: path → metric → value (none by default). */
const poison: { path?: number; metric?: string; value?: number } = {};

vi.mock("../../src/mc/batch.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/mc/batch.js")>();
  return {
    ...original,
    createEngine: (...args: Parameters<typeof original.createEngine>) => {
      const engine = original.createEngine(...args);
      return {
        fanBatch: engine.fanBatch,
        flushFan: engine.flushFan?.bind(engine),
        runPaths(first: number, count: number, out: Float64Array, fan?: Parameters<typeof engine.runPaths>[3]) {
          engine.runPaths(first, count, out, fan);
          const { path, metric, value } = poison;
          if (path !== undefined && path >= first && path < first + count)
            out[(path - first) * RECORD_STRIDE + METRIC_NAMES.indexOf(metric as never)] = value!;
        },
      };
    },
  };
});

const work = mkdtempSync(join(tmpdir(), "cascade-hardening-nonfinite-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeEach(() => {
  delete poison.path;
  delete poison.metric;
  delete poison.value;
});

describe("non-finite metrics", () => {
  const cases = [
    { metric: "amplification", value: Infinity },
    { metric: "badDebt", value: NaN },
    { metric: "minPrice", value: -Infinity },
  ];
  it.each(cases)(
    "$metric = $value on path 37 fails the run (exit 1) naming seed, path and metric; no summary written",
    async ({ metric, value }) => {
      Object.assign(poison, { path: 37, metric, value });
      const dir = join(work, `bad-${metric}`);
      const err = await runScenario(smallInputs(["seed=11"]), { inline: true, outDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalError);
      expect((err as InternalError).repro).toMatchObject({ seed: 11, pathIndex: 37 });
      expect((err as Error).message).toContain(metric);
      expect((err as Error).message).toContain("path 37");
      expect(exitCodeFor(err)).toBe(1);
      const lines = errorLines(err, { seed: 11, scenarioFile: undefined });
      expect(lines.join("\n")).toMatch(/seed 11, path index 37/);
      expect(existsSync(join(dir, "summary.json"))).toBe(false);
      expect(existsSync(join(dir, "paths.csv"))).toBe(false);
    },
  );

  it("the same without an output directory: the library never returns a summary with Infinity", async () => {
    Object.assign(poison, { path: 3, metric: "liquidatedNotional", value: Infinity });
    await expect(runScenario(smallInputs(), { inline: true })).rejects.toThrow(/path 3: liquidatedNotional is Infinity/);
  });

  it("marginHeld is NaN by design without margin.model: the run passes", async () => {
    const result = await runScenario(smallInputs(), { inline: true });
    expect(Number.isNaN(result.columns.column("marginHeld")[0])).toBe(true);
    expect(result.summary.paths).toBe(120);
  });

  it("with margin.model, a NaN marginHeld is a failure", async () => {
    Object.assign(poison, { path: 5, metric: "marginHeld", value: NaN });
    const inputs = smallInputs(["margin.model=tiers"], 20);
    await expect(runScenario(inputs, { inline: true })).rejects.toThrow(/path 5: marginHeld is NaN/);
  });
});
