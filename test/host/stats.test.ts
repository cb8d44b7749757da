import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { METRIC_NAMES, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { MetricColumns } from "../../src/stats/columns.js";
import { probabilities, wilson } from "../../src/stats/proportion.js";
import { quantileCI, quantileCIIndices, quantileSorted } from "../../src/stats/quantile.js";
import { compensatedSum } from "../../src/stats/sum.js";
import { expectedShortfallSorted, summarize, summarizeColumns, tailCount, WORST_TAIL, Z95 } from "../../src/stats/summary.js";

/** Deterministic uniform(0,1) stream for tests (SplitMix64 → 53-bit fraction). */
function uniforms(seed: bigint): () => number {
  let s = seed;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    z ^= z >> 31n;
    return Number(z >> 11n) / 2 ** 53;
  };
}

function naiveSum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

describe("compensatedSum", () => {
  it("is exact where naive and plain Kahan summation lose everything: [1, 1e100, 1, -1e100] → 2", () => {
    const xs = [1, 1e100, 1, -1e100];
    expect(naiveSum(xs)).toBe(0);
    expect(compensatedSum(xs)).toBe(2);
  });

  it("sums a million 0.1s to the correctly rounded 100000, where the naive sum drifts", () => {
    const xs = new Float64Array(1_000_000).fill(0.1);
    expect(compensatedSum(xs)).toBe(100000);
    expect(Math.abs(naiveSum(xs) - 100000)).toBeGreaterThan(1e-6);
  });

  it("respects a sub-range", () => {
    expect(compensatedSum([5, 1, 2, 3, 7], 1, 4)).toBe(6);
  });
});

describe("quantileSorted (Hyndman–Fan type 7, numpy's default)", () => {
  // Expected values derived by hand from h = (n−1)p and checked against numpy 2.4:
  // np.quantile(x, [.01, .05, .5, .95, .99]) prints exactly these doubles.
  it.each([
    {
      name: "n=5: sorted [0,3,5,7,10]",
      x: [10, 0, 5, 7, 3],
      want: [0.12, 0.6000000000000001, 5, 9.399999999999999, 9.879999999999999],
    },
    { name: "n=4: [1,2,3,4]", x: [1, 2, 3, 4], want: [1.03, 1.15, 2.5, 3.8499999999999996, 3.9699999999999998] },
  ])("$name matches numpy to the last bit", ({ x, want }) => {
    const sorted = Float64Array.from(x).sort();
    const got = [0.01, 0.05, 0.5, 0.95, 0.99].map((p) => quantileSorted(sorted, p));
    expect(got).toEqual(want);
  });

  it("hand example: n=5, p=0.95 → h = 3.8, 7 + 0.8·(10 − 7) = 9.4", () => {
    expect(quantileSorted(Float64Array.of(0, 3, 5, 7, 10), 0.95)).toBeCloseTo(9.4, 12);
  });

  it("p=0 and p=1 are the min and max; one value is every quantile; empty is NaN", () => {
    const s = Float64Array.of(-2, 1, 8);
    expect(quantileSorted(s, 0)).toBe(-2);
    expect(quantileSorted(s, 1)).toBe(8);
    expect(quantileSorted(Float64Array.of(4), 0.37)).toBe(4);
    expect(quantileSorted(new Float64Array(0), 0.5)).toBeNaN();
  });

  it("on the grid (i + 0.5)/n, p99 = (0.5 + (n−1)·0.99)/n ≈ 0.99", () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const p99 = quantileSorted(x, 0.99);
    expect(p99).toBeCloseTo((0.5 + (n - 1) * 0.99) / n, 12);
    expect(Math.abs(p99 - 0.99)).toBeLessThan(1 / n);
    expect(p99).toBe(0.9899950999999999); // numpy: np.quantile((np.arange(n) + 0.5) / n, 0.99)
  });
});

describe("expected shortfall", () => {
  it("k = ⌈n(1 − a)⌉ without floating-point surprises: 100 paths at 99% average exactly one path", () => {
    expect(tailCount(100, 0.99)).toBe(1);
    expect(tailCount(101, 0.99)).toBe(2);
    expect(tailCount(100, 0.95)).toBe(5);
    expect(tailCount(1_000_000, 0.99)).toBe(10_000);
    expect(tailCount(7, 0.99)).toBe(1);
  });

  it("upper tail: mean of the largest k; lower tail: mean of the smallest k (values 1..100)", () => {
    const s = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(expectedShortfallSorted(s, 0.99, "upper")).toBe(100);
    expect(expectedShortfallSorted(s, 0.95, "upper")).toBe(98); // (96+97+98+99+100)/5
    expect(expectedShortfallSorted(s, 0.95, "lower")).toBe(3); // (1+2+3+4+5)/5
    const s101 = Float64Array.from({ length: 101 }, (_, i) => i + 1);
    expect(expectedShortfallSorted(s101, 0.99, "upper")).toBe(100.5); // k = 2
  });

  it("summarize uses the tail it is given; summarizeColumns uses WORST_TAIL (minPrice: lower, badDebt: upper)", () => {
    const rnd = uniforms(7n);
    const n = 200;
    const records = new Float64Array(n * RECORD_STRIDE);
    for (let i = 0; i < records.length; i++) records[i] = Math.floor(rnd() * 1000);
    const cols = MetricColumns.fromRecords(records, n);
    const all = summarizeColumns(cols);
    for (const name of METRIC_NAMES) {
      const sorted = Float64Array.from(cols.column(name)).sort();
      expect(all[name].es99).toBe(expectedShortfallSorted(sorted, 0.99, WORST_TAIL[name]));
    }
    expect(WORST_TAIL.minPrice).toBe("lower");
    expect(WORST_TAIL.badDebt).toBe("upper");
    expect(all.minPrice.es95).toBeLessThanOrEqual(all.minPrice.p05);
    expect(all.badDebt.es95).toBeGreaterThanOrEqual(all.badDebt.p95);
  });
});

describe("summarize", () => {
  it("computes the SPEC fields on a hand example", () => {
    const s = summarize(Float64Array.of(2, 4, 4, 4, 5, 5, 7, 9));
    expect(s.mean).toBe(5);
    expect(s.std).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(s.min).toBe(2);
    expect(s.max).toBe(9);
    expect(s.p50).toBe(4.5);
    const half = (Z95 * Math.sqrt(32 / 7)) / Math.sqrt(8);
    expect(s.ci95[0]).toBeCloseTo(5 - half, 14);
    expect(s.ci95[1]).toBeCloseTo(5 + half, 14);
    expect(s.es99).toBe(9);
    expect(s.nonFinite).toBeUndefined();
    expect(Object.keys(s)).toEqual([
      "mean",
      "std",
      "min",
      "max",
      "p01",
      "p05",
      "p50",
      "p95",
      "p99",
      "es95",
      "es99",
      "ci95",
      "ci95Quantiles",
    ]);
  });

  it("counts NaN and ±Infinity, excludes them from every statistic, and reports nonFinite only then", () => {
    const s = summarize(Float64Array.of(1, NaN, 3, Infinity, -Infinity, 5));
    expect(s.nonFinite).toBe(3);
    expect(s.mean).toBe(3);
    expect(s.min).toBe(1);
    expect(s.max).toBe(5);
    expect(s.es99).toBe(5);
  });

  it("n = 0 gives NaN everywhere; n = 1 gives NaN std and CI", () => {
    const e = summarize(new Float64Array(0));
    expect(e.mean).toBeNaN();
    expect(e.p50).toBeNaN();
    expect(e.es95).toBeNaN();
    const one = summarize(Float64Array.of(3));
    expect(one.mean).toBe(3);
    expect(one.p99).toBe(3);
    expect(one.std).toBeNaN();
    expect(one.ci95[0]).toBeNaN();
  });

  it("property: lo ≤ mean ≤ hi, min ≤ p01 ≤ … ≤ p99 ≤ max, quantile CIs contain their quantile", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 400 }), (xs) => {
        const s = summarize(Float64Array.from(xs));
        expect(s.ci95[0]).toBeLessThanOrEqual(s.ci95[1]);
        expect(s.ci95[0]).toBeLessThanOrEqual(s.mean);
        expect(s.mean).toBeLessThanOrEqual(s.ci95[1]);
        const qs = [s.min, s.p01, s.p05, s.p50, s.p95, s.p99, s.max];
        for (let i = 1; i < qs.length; i++) expect(qs[i - 1]).toBeLessThanOrEqual(qs[i]);
        for (const k of ["p01", "p05", "p50", "p95", "p99"] as const) {
          const [lo, hi] = s.ci95Quantiles[k];
          expect(lo).toBeLessThanOrEqual(s[k]);
          expect(s[k]).toBeLessThanOrEqual(hi);
        }
        // Upper tail: the worst 1% average at least as high as the worst 5%, which averages above the median.
        const tol = 1e-12 * Math.max(1, Math.abs(s.max), Math.abs(s.min));
        expect(s.es99).toBeLessThanOrEqual(s.max + tol);
        expect(s.es99).toBeGreaterThanOrEqual(s.es95 - tol);
        expect(s.es95).toBeGreaterThanOrEqual(s.p50 - tol);
      }),
      { numRuns: 300 },
    );
  });

  it("the mean CI and the median CI cover the truth at about their nominal rate (2000 samples of 50 uniforms)", () => {
    const rnd = uniforms(12345n);
    const reps = 2000;
    let meanHits = 0;
    let medianHits = 0;
    for (let r = 0; r < reps; r++) {
      const x = Float64Array.from({ length: 50 }, rnd);
      const s = summarize(x);
      if (s.ci95[0] <= 0.5 && 0.5 <= s.ci95[1]) meanHits++;
      const [lo, hi] = s.ci95Quantiles.p50;
      if (lo <= 0.5 && 0.5 <= hi) medianHits++;
    }
    // Binomial sd at 0.95 over 2000 reps is ~0.005: ±0.02 is 4 sd.
    expect(meanHits / reps).toBeGreaterThan(0.93);
    expect(meanHits / reps).toBeLessThan(0.97);
    expect(medianHits / reps).toBeGreaterThanOrEqual(0.94); // order-statistic CI is conservative (exact ≥ 0.95)
  });

  it("is bit-identical however the paths were split into record batches (thread/shard invariance)", () => {
    const rnd = uniforms(99n);
    const n = 5000;
    const records = new Float64Array(n * RECORD_STRIDE);
    for (let i = 0; i < records.length; i++) records[i] = (rnd() - 0.3) * 10 ** Math.floor(rnd() * 12);
    const whole = MetricColumns.fromRecords(records, n);
    const pieces = new MetricColumns(1); // forces many regrowths too
    let at = 0;
    while (at < n) {
      const c = Math.min(n - at, 1 + Math.floor(rnd() * 700));
      pieces.append(records.subarray(at * RECORD_STRIDE, (at + c) * RECORD_STRIDE), c, at);
      at += c;
    }
    expect(JSON.stringify(summarizeColumns(pieces))).toBe(JSON.stringify(summarizeColumns(whole)));
    expect(pieces.records()).toEqual(records);
  });
});

describe("quantileCI (order statistics, exact binomial)", () => {
  // 0-based indices checked against scipy.stats.binom.cdf with the same rule.
  it.each([
    { n: 100, p: 0.5, lo: 39, hi: 60 }, // the textbook x(40), x(61)
    { n: 10, p: 0.5, lo: 1, hi: 8 },
    { n: 1000, p: 0.99, lo: 982, hi: 996 },
    { n: 1000, p: 0.01, lo: 3, hi: 17 },
    { n: 300, p: 0.99, lo: 292, hi: 300 }, // upper bound beyond the sample max
    { n: 50, p: 0.05, lo: -1, hi: 6 }, // lower bound below the sample min
    { n: 100_000, p: 0.99, lo: 98937, hi: 99061 },
    { n: 1_000_000, p: 0.5, lo: 499019, hi: 500980 },
    { n: 20, p: 0.95, lo: 16, hi: 20 },
  ])("n=$n p=$p → indices [$lo, $hi]", ({ n, p, lo, hi }) => {
    expect(quantileCIIndices(n, p)).toEqual({ lo, hi });
  });

  it("unbounded ends are ±Infinity", () => {
    const s = Float64Array.from({ length: 50 }, (_, i) => i);
    expect(quantileCI(s, 0.05)).toEqual([-Infinity, 6]);
    expect(quantileCI(s, 0.99)[1]).toBe(Infinity);
  });

  it("agrees with the normal approximation np ± z√(np(1−p)) at large n", () => {
    const n = 1_000_000;
    for (const p of [0.01, 0.05, 0.5, 0.95, 0.99]) {
      const { lo, hi } = quantileCIIndices(n, p);
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(lo - (n * p - Z95 * sd))).toBeLessThan(3);
      expect(Math.abs(hi - (n * p + Z95 * sd))).toBeLessThan(3);
    }
  });
});

describe("wilson", () => {
  // Published values (Wilson 1927; Newcombe 1998 table I: 81/263 → 0.2553–0.3662).
  it.each([
    { x: 0, n: 10, lo: 0, hi: 0.2775 },
    { x: 5, n: 10, lo: 0.2366, hi: 0.7634 },
    { x: 81, n: 263, lo: 0.2553, hi: 0.3662 },
  ])("$x of $n → [$lo, $hi]", ({ x, n, lo, hi }) => {
    const [l, h] = wilson(x, n);
    expect(l).toBeCloseTo(lo, 4);
    expect(h).toBeCloseTo(hi, 4);
  });

  it("is exactly 0 at no successes and exactly 1 at all, [0, 1] with no trials", () => {
    expect(wilson(0, 7)[0]).toBe(0);
    expect(wilson(7, 7)[1]).toBe(1);
    expect(wilson(0, 0)).toEqual([0, 1]);
  });

  it("property: 0 ≤ lo ≤ p̂ ≤ hi ≤ 1", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const x = Math.round(f * n);
        const [lo, hi] = wilson(x, n);
        expect(0).toBeLessThanOrEqual(lo);
        expect(lo).toBeLessThanOrEqual(x / n + 1e-15);
        expect(x / n).toBeLessThanOrEqual(hi + 1e-15);
        expect(hi).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("rejects impossible counts", () => {
    expect(() => wilson(11, 10)).toThrow(/successes/);
    expect(() => wilson(1, -1)).toThrow(/n must/);
  });
});

describe("probabilities", () => {
  const n = 10;
  const records = new Float64Array(n * RECORD_STRIDE);
  const set = (path: number, metric: (typeof METRIC_NAMES)[number], v: number) => {
    records[path * RECORD_STRIDE + METRIC_NAMES.indexOf(metric)] = v;
  };
  for (let i = 0; i < n; i++) set(i, "insuranceMin", 1000);
  set(0, "liquidations", 3);
  set(1, "liquidations", 1);
  set(2, "insuranceMin", 0); // ≤ 0 counts as depleted
  set(3, "insuranceMin", -5);
  set(4, "badDebt", 12.5);
  set(5, "adlCount", 2);
  set(6, "bookExhausted", 1);
  const cols = MetricColumns.fromRecords(records, n);

  it("default is SPEC's flat shape: plain numbers, intervals in a sibling object", () => {
    const { probabilities: p, probabilityIntervals: iv } = probabilities(cols);
    expect(p).toEqual({ anyLiquidation: 0.2, insuranceDepleted: 0.2, badDebt: 0.1, adl: 0.1, bookExhausted: 0.1 });
    expect(Object.keys(p)).toEqual(["anyLiquidation", "insuranceDepleted", "badDebt", "adl", "bookExhausted"]);
    expect(iv.anyLiquidation.count).toBe(2);
    expect(iv.anyLiquidation.n).toBe(10);
    expect(iv.anyLiquidation.ci95).toEqual(wilson(2, 10));
  });

  it("flat: false gives { p, ci95, count, n } per event", () => {
    const est = probabilities(cols, { flat: false });
    expect(est.badDebt).toEqual({ p: 0.1, ci95: wilson(1, 10), count: 1, n: 10 });
  });
});

describe("MetricColumns", () => {
  it("transposes path-major records into columns and refuses out-of-order batches", () => {
    const records = Float64Array.from({ length: 3 * RECORD_STRIDE }, (_, i) => i);
    const c = new MetricColumns(2);
    c.append(records.subarray(0, RECORD_STRIDE), 1, 0);
    c.append(records.subarray(RECORD_STRIDE), 2, 1);
    expect(c.count).toBe(3);
    expect(Array.from(c.column("minPrice"))).toEqual([3, 3 + RECORD_STRIDE, 3 + 2 * RECORD_STRIDE]);
    expect(Array.from(c.column(0))).toEqual([0, RECORD_STRIDE, 2 * RECORD_STRIDE]);
    expect(() => c.append(records, 1, 7)).toThrow(/expected path 3/);
    expect(() => c.append(records, 4)).toThrow(/need/);
    expect(() => c.column("nope" as never)).toThrow(/unknown metric/);
  });
});

describe("firstLiquidationStep's statistics", () => {
  it("are over the paths that had a liquidation; −1 (none) is left out and counted", () => {
    const records = new Float64Array(4 * RECORD_STRIDE);
    const at = METRIC_NAMES.indexOf("firstLiquidationStep");
    [-1, 4, -1, 10].forEach((v, p) => (records[p * RECORD_STRIDE + at] = v));
    const s = summarizeColumns(MetricColumns.fromRecords(records, 4)).firstLiquidationStep;
    expect(s.mean).toBe(7);
    expect(s.min).toBe(4);
    expect(s.excluded).toBe(2);
  });
});
