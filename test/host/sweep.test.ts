// `cascade sweep`: sweep files, designs (grid, LHS, Sobol), common random numbers and paired differences,
// outputs, and the CLI end to end.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../src/config/load.js";
import { runScenario } from "../../src/mc/run.js";
import { designPoints, gridPoints, latinHypercube, type Axis, type RangeAxis } from "../../src/sweep/design.js";
import { loadSweep, resolveSweep, type ResolvedSweep } from "../../src/sweep/load.js";
import { compact, sweepCsv, sweepCsvHeader } from "../../src/sweep/report.js";
import { runSweep, type SweepProgress } from "../../src/sweep/run.js";
import { SOBOL_MAX_DIMENSIONS, sobolPoints } from "../../src/sweep/sobol.js";
import {
  newcombePaired,
  pairedDifference,
  pairedProportionDifference,
  tCritical95,
  welchDifference,
} from "../../src/sweep/stats.js";
import { problemsOf } from "../helpers/problems.js";
import { cascade } from "../helpers/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE = join(ROOT, "examples/sweep-margin-design.yaml");
const work = mkdtempSync(join(tmpdir(), "cascade-sweep-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fileCount = 0;
function sweepFile(text: string): string {
  const file = join(work, `sweep-${fileCount++}.yaml`);
  writeFileSync(file, text);
  return file;
}

const range = (over: Partial<RangeAxis>): RangeAxis => ({
  kind: "range",
  key: "k",
  path: ["k"],
  min: 0,
  max: 1,
  scale: "linear",
  integer: false,
  ...over,
});

// ---- designs -------------------------------------------------------------------------------------------

describe("a grid is the cartesian product of its axes", () => {
  it("has one point per combination, the last axis varying fastest", () => {
    const axes: Axis[] = [
      { kind: "values", key: "a", path: ["a"], values: [1, 2] },
      { kind: "values", key: "b", path: ["b"], values: ["x", "y", "z"] },
    ];
    const points = gridPoints(axes);
    expect(points.map((p) => p.values)).toEqual([
      [1, "x"],
      [1, "y"],
      [1, "z"],
      [2, "x"],
      [2, "y"],
      [2, "z"],
    ]);
    expect(points[4].levels).toEqual([1, 1]);
  });

  it("a range axis takes count values from min to max, both included; log spacing is geometric", () => {
    expect(gridPoints([range({ min: 0.1, max: 0.4, count: 4 })]).map((p) => p.values[0])).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(gridPoints([range({ min: 250_000, max: 2_000_000, count: 4, scale: "log" })]).map((p) => p.values[0])).toEqual([
      250_000, 500_000, 1_000_000, 2_000_000,
    ]);
    expect(gridPoints([range({ min: 1, max: 10, count: 4, integer: true })]).map((p) => p.values[0])).toEqual([1, 4, 7, 10]);
  });
});

describe("a Latin hypercube puts exactly one point in each stratum of each axis", () => {
  it("for any size, dimension and seed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (n, d, seed) => {
          const points = latinHypercube(n, d, seed);
          expect(points).toHaveLength(n);
          for (let j = 0; j < d; j++) {
            const strata = points.map((p) => Math.floor(p[j] * n)).sort((a, b) => a - b);
            expect(strata).toEqual(Array.from({ length: n }, (_, k) => k));
            for (const p of points) expect(p[j] >= 0 && p[j] < 1).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("is a pure function of its seed", () => {
    expect(latinHypercube(20, 3, 7)).toEqual(latinHypercube(20, 3, 7));
    expect(latinHypercube(20, 3, 7)).not.toEqual(latinHypercube(20, 3, 8));
  });

  it("mapped onto a range, each of the count equal slices of [min, max] holds one value", () => {
    const points = designPoints({
      kind: "lhs",
      axes: [range({ min: 5, max: 25 }), range({ min: 0.1, max: 0.5 })],
      count: 10,
      seed: 3,
    });
    const slices = points.map((p) => Math.floor(((p.values[0] as number) - 5) / 2)).sort((a, b) => a - b);
    expect(slices).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

// The first 32 points of the 16-dimensional unscrambled Sobol sequence with the Joe–Kuo (new-joe-kuo-6.21201)
// direction numbers, times 32 (every coordinate is a multiple of 1/32); identical to scipy.stats.qmc.Sobol(d=16,
// scramble=False).random(32).
const SOBOL_32x16 = [
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  [16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16],
  [24, 8, 8, 8, 24, 24, 8, 24, 24, 24, 24, 24, 8, 8, 24, 8],
  [8, 24, 24, 24, 8, 8, 24, 8, 8, 8, 8, 8, 24, 24, 8, 24],
  [12, 12, 20, 28, 12, 4, 12, 28, 28, 20, 28, 12, 12, 20, 12, 28],
  [28, 28, 4, 12, 28, 20, 28, 12, 12, 4, 12, 28, 28, 4, 28, 12],
  [20, 4, 28, 20, 20, 28, 4, 4, 4, 12, 4, 20, 4, 28, 20, 20],
  [4, 20, 12, 4, 4, 12, 20, 20, 20, 28, 20, 4, 20, 12, 4, 4],
  [6, 10, 30, 14, 18, 10, 14, 30, 30, 10, 22, 2, 30, 30, 26, 30],
  [22, 26, 14, 30, 2, 26, 30, 14, 14, 26, 6, 18, 14, 14, 10, 14],
  [30, 2, 22, 6, 10, 18, 6, 6, 6, 18, 14, 26, 22, 22, 2, 22],
  [14, 18, 6, 22, 26, 2, 22, 22, 22, 2, 30, 10, 6, 6, 18, 6],
  [10, 6, 10, 18, 30, 14, 2, 2, 2, 30, 10, 14, 18, 10, 22, 2],
  [26, 22, 26, 2, 14, 30, 18, 18, 18, 14, 26, 30, 2, 26, 6, 18],
  [18, 14, 2, 26, 6, 22, 10, 26, 26, 6, 18, 22, 26, 2, 14, 10],
  [2, 30, 18, 10, 22, 6, 26, 10, 10, 22, 2, 6, 10, 18, 30, 26],
  [3, 15, 15, 21, 9, 31, 17, 27, 15, 5, 3, 13, 21, 21, 11, 1],
  [19, 31, 31, 5, 25, 15, 1, 11, 31, 21, 19, 29, 5, 5, 27, 17],
  [27, 7, 7, 29, 17, 7, 25, 3, 23, 29, 27, 21, 29, 29, 19, 9],
  [11, 23, 23, 13, 1, 23, 9, 19, 7, 13, 11, 5, 13, 13, 3, 25],
  [15, 3, 27, 9, 5, 27, 29, 7, 19, 17, 31, 1, 25, 1, 7, 29],
  [31, 19, 11, 25, 21, 11, 13, 23, 3, 1, 15, 17, 9, 17, 23, 13],
  [23, 11, 19, 1, 29, 3, 21, 31, 11, 9, 7, 25, 17, 9, 31, 21],
  [7, 27, 3, 17, 13, 19, 5, 15, 27, 25, 23, 9, 1, 25, 15, 5],
  [5, 5, 17, 27, 27, 21, 31, 5, 17, 15, 21, 15, 11, 11, 17, 31],
  [21, 21, 1, 11, 11, 5, 15, 21, 1, 31, 5, 31, 27, 27, 1, 15],
  [29, 13, 25, 19, 3, 13, 23, 29, 9, 23, 13, 23, 3, 3, 9, 23],
  [13, 29, 9, 3, 19, 29, 7, 13, 25, 7, 29, 7, 19, 19, 25, 7],
  [9, 9, 5, 7, 23, 17, 19, 25, 13, 27, 9, 3, 7, 31, 29, 3],
  [25, 25, 21, 23, 7, 1, 3, 9, 29, 11, 25, 19, 23, 15, 13, 19],
  [17, 1, 13, 15, 15, 9, 27, 1, 21, 3, 17, 27, 15, 23, 5, 11],
  [1, 17, 29, 31, 31, 25, 11, 17, 5, 19, 1, 11, 31, 7, 21, 27],
];

describe("Sobol points are the published Joe–Kuo sequence", () => {
  it("the first 32 points in 16 dimensions match it exactly", () => {
    expect(SOBOL_MAX_DIMENSIONS).toBe(16);
    expect(sobolPoints(32, 16).map((p) => p.map((x) => x * 32))).toEqual(SOBOL_32x16);
  });

  it("a prefix of dimensions is the same sequence (dimension d does not depend on how many there are)", () => {
    expect(sobolPoints(64, 3)).toEqual(sobolPoints(64, 16).map((p) => p.slice(0, 3)));
  });

  it("points 1000 and 1023 match scipy exactly (deep Gray-code steps)", () => {
    const points = sobolPoints(1024, 4);
    expect(points[1000].map((x) => x * 1024)).toEqual([225, 99, 531, 693]);
    expect(points[1023].map((x) => x * 1024)).toEqual([1, 771, 627, 149]);
  });

  it("the first 2^m points put one point in each of the 2^m slices of every axis", () => {
    for (const m of [1, 3, 6, 9]) {
      const n = 2 ** m;
      const points = sobolPoints(n, 16);
      for (let d = 0; d < 16; d++) {
        expect(points.map((p) => Math.floor(p[d] * n)).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, k) => k));
      }
    }
  });
});

// ---- statistics ----------------------------------------------------------------------------------------

describe("paired and unpaired difference intervals", () => {
  it("the t critical value matches scipy.stats.t.ppf(0.975, df) to 1e-9", () => {
    const scipy: [number, number][] = [
      [1, 12.706204736174694],
      [2, 4.302652729749462],
      [5, 2.5705818356363146],
      [10, 2.228138851986274],
      [30, 2.0422724563012378],
      [99, 1.9842169515864174],
      [299, 1.9679296690656698],
      [1000, 1.9623390808264083],
    ];
    for (const [df, t] of scipy) expect(Math.abs(tCritical95(df) - t), `df ${df}: ${tCritical95(df)} vs ${t}`).toBeLessThan(1e-9);
    expect(Math.abs(tCritical95(1e9) - 1.959963984540054)).toBeLessThan(1e-8);
  });

  it("a paired difference is mean(x − y) ± t·sd/√n, and exactly 0 [0, 0] for identical columns", () => {
    const x = Float64Array.from([3, 5, 4, 9]);
    const y = Float64Array.from([1, 2, 2, 5]);
    const d = pairedDifference(x, y); // differences 2, 3, 2, 4: mean 2.75, sd 0.9574
    expect(d.mean).toBe(2.75);
    expect(d.std).toBeCloseTo(Math.sqrt(11 / 12), 14);
    expect(d.ci95[1] - d.mean).toBeCloseTo((3.182446305284263 * Math.sqrt(11 / 12)) / 2, 9);
    expect(pairedDifference(x, x)).toMatchObject({ mean: 0, ci95: [0, 0], n: 4 });
  });

  it("a path with a non-finite value on either side is left out and counted", () => {
    const d = pairedDifference([1, NaN, 3, 4], [0, 1, Infinity, 2]);
    expect(d).toMatchObject({ n: 2, nonFinite: 2, mean: 1.5 });
  });

  it("Welch's interval uses the Welch–Satterthwaite degrees of freedom", () => {
    const w = welchDifference({ mean: 10, std: 2, n: 10 }, { mean: 8, std: 4, n: 20 });
    const va = 0.4;
    const vb = 0.8;
    expect(w.df).toBeCloseTo((va + vb) ** 2 / (va ** 2 / 9 + vb ** 2 / 19), 12);
    expect(w.ci95[1] - 2).toBeCloseTo(tCritical95(w.df) * Math.sqrt(1.2), 12);
  });

  it("Newcombe's paired interval holds the estimate, stays in [−1, 1] and flips sign with the table", () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(60), fc.nat(60), fc.nat(60), (a, b, c, d) => {
        fc.pre(a + b + c + d > 0);
        const n = a + b + c + d;
        const [lo, hi] = newcombePaired(a, b, c, d);
        const diff = (b - c) / n;
        expect(lo).toBeLessThanOrEqual(diff + 1e-12);
        expect(hi).toBeGreaterThanOrEqual(diff - 1e-12);
        expect(lo >= -1 && hi <= 1).toBe(true);
        const [lo2, hi2] = newcombePaired(a, c, b, d);
        expect(lo2).toBeCloseTo(-hi, 12);
        expect(hi2).toBeCloseTo(-lo, 12);
      }),
    );
  });

  it("an event's paired difference counts the paths it appears and disappears on", () => {
    const d = pairedProportionDifference([1, 1, 0, 0, 1], [1, 0, 1, 0, 0], (v) => v > 0);
    expect(d).toMatchObject({ gained: 2, lost: 1, n: 5, diff: 0.2 });
    expect(pairedProportionDifference([1, 0], [1, 0], (v) => v > 0, true)).toMatchObject({ diff: 0, ci95: [0, 0] });
  });
});

// ---- sweep files ---------------------------------------------------------------------------------------

describe("a sweep file resolves to validated points", () => {
  it("the example is a 4 × 4 × 4 grid on the default crash, with the base scenario's values as baseline", () => {
    const sweep = loadSweep(EXAMPLE);
    expect(sweep.design.kind).toBe("grid");
    expect(sweep.design.axes).toHaveLength(3);
    expect(sweep.points).toHaveLength(64);
    expect(sweep.points[sweep.baseline].values).toEqual({
      "market.book.depth.size": 2.2,
      "accounts.leverage.median": 10,
      "insurance.initialBalance": 1_000_000,
    });
    expect(sweep.points.every((p) => p.scenario.seed === 42 && p.scenario.paths === 1000)).toBe(true);
    expect(sweep.points[63].scenario.accounts.leverage.median).toBe(20);
    expect(sweep.points[63].scenario.insurance.initialBalance).toBe(2_000_000);
  });

  it("--set (and --paths, --seed) apply to the base, before the axes", () => {
    const sweep = loadSweep(EXAMPLE, ["paths=33", "seed=7", "market.book.depth.size=9"]);
    expect(sweep.points.every((p) => p.scenario.paths === 33 && p.scenario.seed === 7)).toBe(true);
    expect(sweep.points[0].scenario.market.book.depth.size).toBe(1.1); // the axis wins over --set
  });

  it("a baseline that is not a design point is added as an extra last point", () => {
    const sweep = resolveSweep(
      {
        design: "lhs",
        count: 5,
        seed: 3,
        axes: [{ key: "market.book.depth.size", min: 0.2, max: 0.3 }],
        baseline: { "market.book.depth.size": 0.25 },
      },
      { dir: ROOT },
    );
    expect(sweep.points).toHaveLength(6);
    expect(sweep.baseline).toBe(5);
    expect(sweep.points[5]).toMatchObject({ extra: true, values: { "market.book.depth.size": 0.25 } });
  });

  it("a baseline given by index, or by axis values matching a point, is that point", () => {
    const axes = [{ key: "market.book.depth.size", values: [1.5, 2.2, 3] }];
    expect(resolveSweep({ axes, baseline: 2 }, { dir: ROOT }).baseline).toBe(2);
    expect(resolveSweep({ axes, baseline: { "market.book.depth.size": 3 } }, { dir: ROOT }).baseline).toBe(2);
    // Not given: the base scenario's value (2.2 in the default scenario)
    expect(resolveSweep({ axes, baseline: {} }, { dir: ROOT }).baseline).toBe(1);
  });

  it("an inline base and overrides by key path, with null removing a key", () => {
    const sweep = resolveSweep(
      {
        base: { name: "inline", paths: 10, steps: 5, accounts: { count: 50 }, margin: { preset: "binance-usdm-btcusdt" } },
        overrides: { "margin.preset": null, "margin.tiers": [{ floor: 0, mmr: 0.01, maintenanceAmount: 0 }] },
        axes: [{ key: "margin.tiers[0].mmr", values: [0.005, 0.01] }],
      },
      { dir: ROOT },
    );
    expect(sweep.points.map((p) => p.scenario.margin.tiers[0].mmr)).toEqual([0.005, 0.01]);
    expect(sweep.points[0].scenario.margin.preset).toBeUndefined();
  });
});

describe("a broken sweep file is an InputError naming each field", () => {
  const axis = { key: "market.book.depth.size", values: [0.2, 0.3] };
  const cases: { name: string; sweep: Record<string, unknown>; says: string[] }[] = [
    { name: "an unknown key", sweep: { axis: [axis], axes: [axis] }, says: ["axis is not a known key (did you mean axes?)"] },
    { name: "no axes", sweep: {}, says: ["axes must be a list (received nothing)"] },
    {
      name: "an unknown design",
      sweep: { design: "random", axes: [axis] },
      says: ['design must be one of grid, lhs, sobol (received "random")'],
    },
    {
      name: "lhs without count",
      sweep: { design: "lhs", axes: [{ key: "steps", min: 10, max: 20 }] },
      says: ["count is required with design lhs"],
    },
    { name: "count in a grid", sweep: { count: 8, axes: [axis] }, says: ["count is only used with design lhs or sobol"] },
    {
      name: "seed with sobol",
      sweep: { design: "sobol", count: 4, seed: 1, axes: [{ key: "steps", min: 10, max: 20 }] },
      says: ["seed is only used with design lhs"],
    },
    {
      name: "an axis with neither values nor a range",
      sweep: { axes: [{ key: "steps" }] },
      says: ["axes[0] must give either values (a list) or min and max (a range)"],
    },
    {
      name: "an axis with both",
      sweep: { axes: [{ key: "steps", values: [1], min: 1, max: 2 }] },
      says: ["axes[0] must give either values or min and max, not both"],
    },
    {
      name: "a range axis of a grid without count",
      sweep: { axes: [{ key: "steps", min: 1, max: 2 }] },
      says: ["axes[0].count is required for a range axis of a grid"],
    },
    {
      name: "max below min",
      sweep: { design: "lhs", count: 4, axes: [{ key: "steps", min: 20, max: 10 }] },
      says: ["axes[0].max must be > min (20) (received 10)"],
    },
    {
      name: "log scale from 0",
      sweep: { design: "lhs", count: 4, axes: [{ key: "market.book.depth.size", min: 0, max: 1, scale: "log" }] },
      says: ["axes[0].min must be > 0 with scale log (received 0)"],
    },
    {
      name: "an axis on the seed",
      sweep: { axes: [{ key: "seed", values: [1, 2] }] },
      says: ["axes[0].key must not be seed: every point runs on the base's seed (common random numbers)"],
    },
    { name: "an axis on paths", sweep: { axes: [{ key: "paths", values: [10, 20] }] }, says: ["axes[0].key must not be paths"] },
    {
      name: "two axes on one key",
      sweep: { axes: [axis, { key: "market.book.depth", values: [{}] }] },
      says: ["axes[1].key must not overlap axes[0].key (market.book.depth.size)"],
    },
    {
      name: "a malformed key",
      sweep: { axes: [{ key: "market..book", values: [1] }] },
      says: ['axes[0].key must be a scenario key path such as market.book.depth.size (received "market..book")'],
    },
    {
      name: "an unknown metric",
      sweep: { axes: [axis], metrics: ["badDept"] },
      says: ["metrics[0] must be one of liquidations,"],
    },
    {
      name: "a baseline key that is no axis",
      sweep: { axes: [axis], baseline: { "market.book.levels": 5 } },
      says: ["baseline.market.book.levels is not an axis key (axes: market.book.depth.size)"],
    },
    {
      name: "a baseline index past the points",
      sweep: { axes: [axis], baseline: 2 },
      says: ["baseline must be a point index below 2, the number of points (received 2)"],
    },
    {
      name: "too many Sobol axes",
      sweep: {
        design: "sobol",
        count: 8,
        axes: Array.from({ length: 17 }, (_, i) => ({ key: `market.price.shocks[${i}].return`, min: -0.1, max: 0 })),
      },
      says: ["axes must have at most 16 axes with design sobol"],
    },
    {
      name: "a misspelt axis key, at every point",
      sweep: { axes: [{ key: "market.book.depht.size", values: [0.2, 0.3] }] },
      says: ["axes[0].key at every point: market.book.depht is not a known key"],
    },
    {
      name: "a bad axis value, at its points",
      sweep: {
        axes: [
          { key: "steps", values: [10, 20] },
          { key: "market.book.depth.size", values: [0.2, -1] },
        ],
      },
      says: ["axes[1].values[1] at points 1, 3: market.book.depth.size must be > 0 (received -1)"],
    },
    {
      name: "a bad sampled value",
      sweep: { design: "sobol", count: 4, axes: [{ key: "market.impact.permanentShare", min: 0.5, max: 1.5 }] },
      says: [
        "axes[0] (market.impact.permanentShare = 1.25) at point 2: market.impact.permanentShare must be <= 1 (received 1.25)",
      ],
    },
    {
      name: "an axis value that breaks a cross-section rule",
      sweep: { axes: [{ key: "steps", values: [100, 5] }] },
      says: ["point 1 (steps = 5): market.price.shocks[0].step must be <= steps (5) (received 10)"],
    },
    {
      name: "a bad inline base",
      sweep: { base: { market: { tickSize: 0 } }, axes: [axis] },
      says: ["base: market.tickSize must be > 0 (received 0)"],
    },
    {
      name: "a missing base file",
      sweep: { base: "no-such.yaml", axes: [axis] },
      says: ["base no-such.yaml: scenario file", "must be a readable file"],
    },
    {
      name: "a bad override",
      sweep: { overrides: { "accounts.count": -1 }, axes: [axis] },
      says: ["overrides: accounts.count must be >= 0 (received -1)"],
    },
  ];
  it.each(cases)("$name", ({ sweep, says }) => {
    const problems = problemsOf(() => resolveSweep(sweep, { dir: ROOT }));
    for (const text of says) expect(problems.join("\n"), problems.join("\n")).toContain(text);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf(() =>
      resolveSweep(
        { design: "lhs", axes: [{ key: "seed", min: 1, max: 2 }], metrics: ["nope"], baseline: "first" },
        { dir: ROOT },
      ),
    );
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(["axes[0].key", "baseline", "count", "metrics[0]"]);
  });

  it("a file that is not a mapping", () => {
    expect(problemsOf(() => loadSweep(sweepFile("- a\n- b\n")))[0]).toMatch(
      /^sweep file .* must be a mapping of keys with base, design and axes \(received a list\)$/,
    );
    expect(problemsOf(() => loadSweep(sweepFile("axes: [\n")))[0]).toMatch(/^sweep file .* line \d+ must be valid YAML/);
  });

  it("exits 2 through the CLI, one line per problem, nothing run", async () => {
    const file = sweepFile("axes:\n  - { key: market.book.depth.size, values: [0.2, -1] }\nmetrics: [nope]\n");
    const out = join(work, "never");
    const { code, stderr } = await cascade("sweep", file, "--out", out, "--quiet");
    expect(code).toBe(2);
    // The points are checked once the file itself is valid: here only the metric is reported.
    expect(stderr).toMatch(/^error: metrics\[0\] must be one of liquidations, .* \(received "nope"\)\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it("a bad --shard or --resume is refused, one line each (shards and resume: test/host/sweep-shard.test.ts)", async () => {
    const { code, stderr } = await cascade("sweep", EXAMPLE, "--shard", "3/2", "--resume", " ", "--quiet");
    expect(code).toBe(2);
    expect(stderr).toContain('error: --shard must be i/n with 1 <= i <= n, e.g. 2/4 (received "3/2")');
    expect(stderr).toContain('error: --resume must be a directory path (received "")');
  });
});

// ---- running -------------------------------------------------------------------------------------------

/** A small, fast sweep on the default crash: 2 × 2 points of `paths` paths and 300 accounts. */
function smallSweep(paths: number, extra: Record<string, unknown> = {}): ResolvedSweep {
  return resolveSweep(
    {
      overrides: { paths, "accounts.count": 300, steps: 40 },
      axes: [
        { key: "market.book.depth.size", values: [0.01, 0.02] },
        { key: "accounts.leverage.median", values: [10, 20] },
      ],
      ...extra,
    },
    { dir: ROOT },
  );
}

describe("runSweep", () => {
  it("every point runs the same seed and paths, and the baseline's differences are exactly zero", async () => {
    const result = await runSweep(smallSweep(50), { inline: true });
    expect(result.points).toHaveLength(4);
    expect(result.points.map((p) => [p.summary.seed, p.summary.paths])).toEqual(Array(4).fill([42, 50]));
    const base = result.points[0];
    expect(base.baseline).toBe(true);
    // (a metric the engine did not compute — marginHeld without margin.model — has no pairs: n 0)
    for (const d of Object.values(base.differences!.metrics)) if (d.n > 0) expect(d.ci95).toEqual([0, 0]);
    // Every other point's difference is the difference of the means (the same paths on both sides).
    const p = result.points[3];
    const m = p.differences!.metrics.liquidatedNotional.mean;
    expect(m).toBeCloseTo(p.summary.metrics.liquidatedNotional.mean - base.summary.metrics.liquidatedNotional.mean, 6);
  });

  it("a point equals a plain run of its scenario (the sweep adds nothing to a point's paths)", async () => {
    const sweep = smallSweep(40);
    const result = await runSweep(sweep, { inline: true });
    const alone = await runScenario(
      loadScenario(undefined, [
        "paths=40",
        "accounts.count=300",
        "steps=40",
        "market.book.depth.size=0.02",
        "accounts.leverage.median=10",
      ]),
      { inline: true },
    );
    expect(result.points[2].values).toEqual({ "market.book.depth.size": 0.02, "accounts.leverage.median": 10 });
    expect(result.points[2].summary.metrics).toEqual(alone.summary.metrics);
  });

  it("reports progress up to every path of every point, and each finished point", async () => {
    const seen: SweepProgress[] = [];
    const finished: number[] = [];
    await runSweep(smallSweep(30), { inline: true, onProgress: (p) => seen.push(p), onPoint: (pt) => finished.push(pt.index) });
    expect(seen.at(-1)).toMatchObject({ done: 120, total: 120, pointsDone: 4, points: 4 });
    expect(seen.map((p) => p.done)).toEqual([...seen.map((p) => p.done)].sort((a, b) => a - b));
    expect(finished.sort()).toEqual([0, 1, 2, 3]);
  });

  it("an aborted sweep keeps the points that finished and says it was interrupted", async () => {
    const abort = new AbortController();
    const result = await runSweep(smallSweep(30), {
      inline: true,
      signal: abort.signal,
      onPoint: (p) => p.index === 1 && abort.abort(),
    });
    expect(result.interrupted).toBe(true);
    expect(result.points.map((p) => p.index)).toEqual([0, 1]);
  });

  it("sweep.csv is byte-identical inline, with points in parallel and with paths in parallel", async () => {
    const csv: string[] = [];
    for (const options of [
      { inline: true },
      { threads: 2, parallel: "points" as const },
      { threads: 2, parallel: "paths" as const },
    ]) {
      const result = await runSweep(smallSweep(60), options);
      csv.push(sweepCsv(result));
    }
    expect(csv[1]).toBe(csv[0]);
    expect(csv[2]).toBe(csv[0]);
  });

  it("common random numbers give a paired-difference interval several times narrower than independent seeds", async () => {
    // The design change: book depth 2.2 → 2.6 BTC per tick on the default crash, 300 paths per design.
    const sweep = resolveSweep(
      { overrides: { paths: 300 }, axes: [{ key: "market.book.depth.size", values: [2.2, 2.6] }] },
      { dir: ROOT },
    );
    const result = await runSweep(sweep, { inline: true });
    const [base, deeper] = result.points;
    // The same change measured without CRN: the deeper book on another seed, compared unpaired (Welch).
    const independent = await runScenario(loadScenario(undefined, ["paths=300", "seed=43", "market.book.depth.size=2.6"]), {
      inline: true,
    });
    const rows: string[] = [];
    for (const metric of ["liquidatedNotional", "liquidations", "maxDrawdown"] as const) {
      const paired = deeper.differences!.metrics[metric];
      const a = independent.summary.metrics[metric];
      const b = base.summary.metrics[metric];
      const welch = welchDifference({ mean: a.mean, std: a.std, n: 300 }, { mean: b.mean, std: b.std, n: 300 });
      const ratio = (welch.ci95[1] - welch.ci95[0]) / (paired.ci95[1] - paired.ci95[0]);
      rows.push(
        `${metric}: paired ${paired.mean.toPrecision(4)} [${paired.ci95.map((x) => x.toPrecision(4))}], welch ${welch.mean.toPrecision(4)} [${welch.ci95.map((x) => x.toPrecision(4))}], width ratio ${ratio.toFixed(2)}`,
      );
      expect(ratio, rows.join("\n")).toBeGreaterThan(3);
      // Deeper books liquidate less, and CRN resolves it: the paired interval excludes 0.
      expect(paired.ci95[1], rows.join("\n")).toBeLessThan(0);
    }
  });
});

// ---- outputs and the CLI -------------------------------------------------------------------------------

describe("cascade sweep end to end", () => {
  it("runs the example through the CLI and writes one sweep.csv row per point", async () => {
    const out = join(work, "example");
    const { code, stdout, stderr } = await cascade("sweep", EXAMPLE, "--out", out, "--quiet", "--paths", "24");
    expect(code, stderr).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain("sweep-margin-design: grid of 64 points, 24 paths each, seed 42 (common random numbers)");
    const lines = readFileSync(join(out, "sweep.csv"), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(65);
    const sweep = loadSweep(EXAMPLE, ["paths=24"]);
    expect(lines[0]).toBe(sweepCsvHeader(sweep.design.axes, sweep.metrics).join(","));
    expect(lines[0]).toMatch(
      /^point,baseline,market\.book\.depth\.size,accounts\.leverage\.median,insurance\.initialBalance,paths,badDebt_mean,/,
    );
    expect(lines[0]).toContain("liquidatedNotional_diff,liquidatedNotional_diff_ci95_lo,liquidatedNotional_diff_ci95_hi");
    expect(lines[0]).toContain("p_badDebt,p_badDebt_ci95_lo,p_badDebt_ci95_hi,p_badDebt_diff");
    expect(lines.filter((l) => l.split(",")[1] === "1").map((l) => l.split(",").slice(2, 5))).toEqual([["2.2", "10", "1000000"]]);
    const json = JSON.parse(readFileSync(join(out, "sweep.json"), "utf8"));
    expect(json).toMatchObject({
      name: "sweep-margin-design",
      seed: 42,
      paths: 24,
      pointCount: 64,
      baseline: 38,
      interrupted: false,
    });
    expect(json.base.market.book.depth.size).toBe(2.2);
    expect(json.points).toHaveLength(64);
    expect(Object.keys(json.points[0].metrics)).toEqual([
      "badDebt",
      "liquidatedNotional",
      "amplification",
      "maxDrawdown",
      "insuranceMin",
      "adlNotional",
    ]);
    expect(readdirSync(out).sort()).toEqual(["report.html", "sweep.csv", "sweep.json"]); // no per-point directories by default; the CLI writes the report
  });

  it("--keep-paths writes each point's summary.json and paths.csv; --json prints sweep.json", async () => {
    const file = sweepFile(
      "overrides: { accounts.count: 200, steps: 30 }\naxes:\n  - { key: market.book.depth.size, values: [0.02, 0.04] }\n",
    );
    const out = join(work, "keep");
    const { code, stdout, stderr } = await cascade(
      "sweep",
      file,
      "--out",
      out,
      "--paths",
      "20",
      "--keep-paths",
      "--json",
      "--threads",
      "1",
    );
    expect(code, stderr).toBe(0);
    expect(stderr).toContain("point 0 (baseline) done, 1/2");
    expect(JSON.parse(stdout).points).toHaveLength(2);
    expect(readdirSync(out).sort()).toEqual(["point-000", "point-001", "report.html", "sweep.csv", "sweep.json"]);
    const summary = JSON.parse(readFileSync(join(out, "point-001", "summary.json"), "utf8"));
    expect(summary.scenario.market.book.depth.size).toBe(0.04);
    expect(
      readFileSync(join(out, "point-001", "paths.csv"), "utf8")
        .trimEnd()
        .split("\n"),
    ).toHaveLength(21);
  });
});

describe("console numbers", () => {
  it.each([
    [2_747_795.4, "2.75M"],
    [999_990, "1M"],
    [989_387, "989k"],
    [12_345, "12.3k"],
    [941, "941"],
    [1.05243, "1.052"],
    [0, "0"],
    [-3.2e9, "-3.2B"],
    [NaN, "n/a"],
  ])("%d prints as %s", (x, text) => expect(compact(x)).toBe(text));
});
