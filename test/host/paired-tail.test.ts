// The paired tail-difference intervals of sweeps (src/stats/paired-tail.ts): coverage of a known difference, the
// multinomial bootstrap they approximate, the mirror of a lower tail, determinism.
import { describe, expect, it } from "vitest";
import { pairedTailDifference } from "../../src/stats/paired-tail.js";
import { quantileSorted } from "../../src/stats/quantile.js";

/** A small seeded generator for the test data (not the engine's: any good one will do). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
}
const exponential = (u: () => number, scale: number, n: number) => Float64Array.from({ length: n }, () => -scale * Math.log(u()));

describe("paired tail differences (p99 and ES99 of the bad tail, Poisson bootstrap over paths)", () => {
  // Exp(scale): p99 = scale·ln 100, ES99 = scale·(ln 100 + 1) (memoryless), so the differences are known exactly
  const L = Math.log(100);
  for (const [label, pair] of [
    ["a scaled copy (x = 1.5·y, fully paired)", (y: Float64Array) => y.map((v) => 1.5 * v)],
    ["an independent column with scale 1.5", (_y: Float64Array, u: () => number) => exponential(u, 1.5, _y.length)],
  ] as const) {
    it(`${label}: the 95% intervals cover the true differences in 88–99% of 200 samples of 2,000 paths`, () => {
      const u = rng(label.length);
      let coverQ = 0;
      let coverE = 0;
      for (let s = 0; s < 200; s++) {
        const y = exponential(u, 1, 2000);
        const x = pair(y, u);
        const r = pairedTailDifference(x, y, "upper", s, 400)!;
        if (r.q99.ci95[0] <= 0.5 * L && 0.5 * L <= r.q99.ci95[1]) coverQ++;
        if (r.es99.ci95[0] <= 0.5 * (L + 1) && 0.5 * (L + 1) <= r.es99.ci95[1]) coverE++;
        expect(r.q99.ci95[0]).toBeLessThanOrEqual(r.q99.ci95[1]);
      }
      expect(coverQ / 200).toBeGreaterThanOrEqual(0.88);
      expect(coverQ / 200).toBeLessThanOrEqual(0.99);
      expect(coverE / 200).toBeGreaterThanOrEqual(0.88);
      expect(coverE / 200).toBeLessThanOrEqual(0.99);
    });
  }

  it("agrees with the multinomial bootstrap (n draws with replacement, sorted) within a tenth of the interval", () => {
    const u = rng(99);
    const n = 3000;
    const y = exponential(u, 1, n);
    const x = Float64Array.from(y, (v) => 1.3 * v + 0.5 * -Math.log(u()));
    const B = 4000;
    const dq = new Float64Array(B);
    const de = new Float64Array(B);
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < n; k++) {
        const i = Math.floor(u() * n);
        xs[k] = x[i];
        ys[k] = y[i];
      }
      const sx = xs.slice().sort();
      const sy = ys.slice().sort();
      const es = (s: Float64Array) => s.subarray(n - 30).reduce((a, v) => a + v, 0) / 30;
      dq[b] = quantileSorted(sx, 0.99) - quantileSorted(sy, 0.99);
      de[b] = es(sx) - es(sy);
    }
    dq.sort();
    de.sort();
    const r = pairedTailDifference(x, y, "upper", 7, B)!;
    for (const [mine, brute] of [
      [r.q99.ci95, [quantileSorted(dq, 0.025), quantileSorted(dq, 0.975)]],
      [r.es99.ci95, [quantileSorted(de, 0.025), quantileSorted(de, 0.975)]],
    ] as const) {
      const width = brute[1] - brute[0];
      expect(Math.abs(mine[0] - brute[0])).toBeLessThan(0.1 * width);
      expect(Math.abs(mine[1] - brute[1])).toBeLessThan(0.1 * width);
    }
  });

  it("a lower tail is the mirror of the upper one: negated columns give the negated difference and interval, exactly", () => {
    const u = rng(5);
    const y = exponential(u, 1, 1500);
    const x = exponential(u, 2, 1500);
    const up = pairedTailDifference(x, y, "upper", 3, 300)!;
    const down = pairedTailDifference(
      x.map((v) => -v),
      y.map((v) => -v),
      "lower",
      3,
      300,
    )!;
    // equal up to the last bit of type 7's position ((n − 1)·0.01 against (n − 1)·0.99 from the other end)
    const same = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
    same(down.q99.diff, -up.q99.diff);
    same(down.q99.ci95[0], -up.q99.ci95[1]);
    same(down.q99.ci95[1], -up.q99.ci95[0]);
    same(down.es99.diff, -up.es99.diff);
    same(down.es99.ci95[0], -up.es99.ci95[1]);
    same(down.es99.ci95[1], -up.es99.ci95[0]);
  });

  it("is deterministic, pairs by path index, and refuses what it cannot estimate", () => {
    const u = rng(11);
    const y = exponential(u, 1, 500);
    const x = exponential(u, 1.2, 500);
    expect(pairedTailDifference(x, y, "upper", 1)).toEqual(pairedTailDifference(x, y, "upper", 1));
    // identical columns: every resample's difference is 0
    expect(pairedTailDifference(y, y, "upper", 1)!.es99).toEqual({ diff: 0, ci95: [0, 0] });
    expect(pairedTailDifference(x.subarray(0, 99), y.subarray(0, 99), "upper", 1)).toBeNull();
    expect(() => pairedTailDifference(x, y.subarray(1), "upper", 1)).toThrow(/499 baseline paths/);
  });
});

describe("in a sweep: sweep.json, sweep.csv and sweep.parquet carry each metric's tail differences", () => {
  it("q99 and ES99 differences equal the summaries' tail statistics' differences; 2 shards merged give the same files", async () => {
    const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { loadSweep } = await import("../../src/sweep/load.js");
    const { runSweep, runSweepShard } = await import("../../src/sweep/run.js");
    const { mergeSweepShards } = await import("../../src/sweep/merge.js");
    const work = mkdtempSync(join(tmpdir(), "cascade-tails-"));
    try {
      const file = join(work, "s.yaml");
      writeFileSync(
        file,
        "overrides: { paths: 160, accounts.count: 300, steps: 30 }\naxes:\n  - { key: market.book.depth.size, values: [0.01, 0.03] }\nbaseline: { market.book.depth.size: 0.03 }\nmetrics: [liquidatedNotional, insuranceMin, firstLiquidationStep]\n",
      );
      const single = join(work, "single");
      const result = await runSweep(loadSweep(file), { outDir: single, inline: true, format: "parquet" });
      const [point, base] = [result.points.find((p) => !p.baseline)!, result.points.find((p) => p.baseline)!];
      const up = point.differences!.tails.liquidatedNotional!;
      expect(up.q99.diff).toBe(point.summary.metrics.liquidatedNotional.p99 - base.summary.metrics.liquidatedNotional.p99);
      expect(up.es99.diff).toBe(point.summary.metrics.liquidatedNotional.es99 - base.summary.metrics.liquidatedNotional.es99);
      // insuranceMin: smaller is worse, so its bad tail's 99% quantile is the p01
      const down = point.differences!.tails.insuranceMin!;
      expect(down.q99.diff).toBe(point.summary.metrics.insuranceMin.p01 - base.summary.metrics.insuranceMin.p01);
      for (const t of [up, down]) for (const d of [t.q99, t.es99]) expect(d.ci95[0]).toBeLessThanOrEqual(d.ci95[1]);
      expect(up.q99.ci95[1] - up.q99.ci95[0], "the thin book's tail moves, with a real interval").toBeGreaterThan(0);
      expect(point.differences!.tails.firstLiquidationStep).toBeUndefined();
      expect(base.differences!.tails.liquidatedNotional!.es99).toEqual({ diff: 0, ci95: [0, 0] });
      const shards = [1, 2].map((k) => join(work, `shard-${k}`));
      for (const [k, d] of shards.entries())
        await runSweepShard(loadSweep(file), { shard: { index: k + 1, count: 2 }, outDir: d, inline: true, format: "parquet" });
      const merged = join(work, "merged");
      await mergeSweepShards(shards, { outDir: merged });
      for (const name of ["sweep.csv", "sweep.parquet"])
        expect(readFileSync(join(merged, name)).equals(readFileSync(join(single, name))), name).toBe(true);
      expect(readFileSync(join(single, "sweep.csv"), "utf8").split("\n")[0]).toContain("liquidatedNotional_q99_diff_ci95_lo");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
