// The calibrated historical crashes (issue #13 item 5): each scenario file, run on the reference engine, reproduces
// the published shape figures within the bands src/calibration/targets.ts states with their sources — 2025-10-10
// on Hyperliquid at least 6 of its 8, 2020-03-12 on BitMEX all of its own — and runs through the CLI as it is.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../src/config/load.js";
import { evaluateCrash, recordPaths, type CrashResult } from "../../src/calibration/evaluate.js";
import { calibrationTable } from "../../src/calibration/table.js";
import { BITMEX_2020_03_12, HYPERLIQUID_2025_10_10, type Crash } from "../../src/calibration/targets.js";
import {
  busiestWindowShare,
  firstAdlDelaySeconds,
  fillsBeforeFirstAdl,
  adlShareOfLiquidatedNotional,
} from "../../src/calibration/figures.js";
import type { PathRecord } from "../../src/calibration/path-record.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Few paths keep the file fast; the engine is deterministic, so the same paths give the same means every run. */
const PATHS = 16;

function measure(crash: Crash): CrashResult {
  return evaluateCrash(crash, recordPaths(loadScenario(join(ROOT, crash.scenario), []), PATHS));
}

describe("the 2025-10-10 Hyperliquid crash", () => {
  const result = measure(HYPERLIQUID_2025_10_10);

  it(`hits at least ${HYPERLIQUID_2025_10_10.minimumHits} of its ${HYPERLIQUID_2025_10_10.targets.length} published figures`, () => {
    expect(result.hits, calibrationTable(result)).toBeGreaterThanOrEqual(HYPERLIQUID_2025_10_10.minimumHits);
  });

  it("hits the figures the calibration is for: ADL share, first-ADL timing, busiest five minutes, ADL'd in profit, liquidations before ADL", () => {
    const hit = new Set(result.targets.filter((t) => t.hit).map((t) => t.target.id));
    for (const id of ["adl-notional", "first-adl", "busiest-five-minutes", "adl-in-profit", "no-liquidation-after-adl"]) {
      expect(hit.has(id), `${id}\n${calibrationTable(result)}`).toBe(true);
    }
  });
});

describe("the 2020-03-12 BitMEX crash", () => {
  it("hits every one of its published figures", () => {
    const result = measure(BITMEX_2020_03_12);
    expect(result.hits, calibrationTable(result)).toBe(BITMEX_2020_03_12.targets.length);
  });
});

describe("the shape figures, on a hand-made path", () => {
  // 2 s steps: liquidations at steps 1 (long, 100), 31 (long, 200; short, 100) and 200 (long, 100); ADL 300 at step 31
  const record: PathRecord = {
    stepSeconds: 2,
    steps: 360,
    liquidations: [
      { step: 1, side: 1, notional: 100 },
      { step: 31, side: 1, notional: 200 },
      { step: 31, side: -1, notional: 100 },
      { step: 200, side: 1, notional: 100 },
    ],
    adl: [
      { step: 31, side: -1, notional: 200, whole: true, inProfit: true },
      { step: 31, side: -1, notional: 100, whole: false, inProfit: true },
    ],
    liquidationsAfterAdl: 0,
    insurance: new Float64Array(361),
  };

  it("counts an ADL'd remainder as a liquidation fill of the bankrupt side", () => {
    expect(adlShareOfLiquidatedNotional(record)).toBeCloseTo(300 / 800, 12);
    expect(fillsBeforeFirstAdl(record)).toBeCloseTo(1 / 6, 12);
  });

  it("times the first ADL from the first liquidation, in seconds", () => {
    expect(firstAdlDelaySeconds(record)).toBe(60);
  });

  it("finds the busiest 300 s (150 steps of 2 s)", () => {
    // steps 1..150 hold 5 of the 6 fills (step 1 and the four of step 31); no 150-step window holds steps 31 and 200
    expect(busiestWindowShare(record, 300)).toBeCloseTo(5 / 6, 12);
  });
});

describe("the scenario files run through the CLI", () => {
  const out = mkdtempSync(join(tmpdir(), "crash-calibration-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const run = promisify(execFile);

  for (const crash of [HYPERLIQUID_2025_10_10, BITMEX_2020_03_12]) {
    it(`cascade run ${crash.scenario} --paths 200`, async () => {
      const dir = join(out, crash.scenario.replace(/\W+/g, "-"));
      const args = ["dist/cli/main.js", "run", crash.scenario, "--paths", "200", "--threads", "1", "--quiet", "--out", dir];
      await run(process.execPath, args, { cwd: ROOT });
      const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as {
        paths: number;
        probabilities: { anyLiquidation: number };
      };
      expect(summary.paths).toBe(200);
      expect(summary.probabilities.anyLiquidation).toBe(1);
    });
  }
});
