// Market physics (SPEC §3): liquidity with no edge, square-root impact on the default book, lasting impact that
// follows the propagator in seconds. Expected values come from the scenario's own parameters through the
// analytic formulas stated in each test, and both engines are held to them.
import { describe, expect, it } from "vitest";
import { loadScenario, readScenarioFile, resolveScenario } from "../../src/config/load.js";
import { runScenario } from "../../src/mc/run.js";
import { DEFAULT_SCENARIO_FILE } from "../../src/config/presets.js";
import type { Scenario } from "../../src/config/scenario.js";
import { LatentBook } from "../../src/engine/book.js";
import { P } from "../../src/engine/layout.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { buildSetup, type EngineSetup } from "../../src/engine/setup.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { runReference, runWasm } from "../helpers/engines.js";
import { BINANCE_DEPTH_SNAPSHOT } from "../helpers/fixtures.js";

function defaultScenario(overrides: (s: Scenario) => void = () => {}): Scenario {
  const scenario = resolveScenario(readScenarioFile(DEFAULT_SCENARIO_FILE), process.cwd()).scenario;
  overrides(scenario);
  return scenario;
}

/** Ordinary least squares slope of y on x. */
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** A fresh kernel with the book of `setup` at its initial price. */
function kernelBook(setup: EngineSetup) {
  const engine = new WasmEngine(setup, { build: "debug" });
  engine.prepare(1, 0);
  const k = engine.exports;
  k.bookReset();
  return k;
}

/** A fresh reference book of `setup` at its initial price. */
function referenceBook(setup: EngineSetup): LatentBook {
  const book = new LatentBook(setup.bidProfile, setup.askProfile, setup.params, setup.params[P.tickSize]);
  book.newPath();
  book.setCentre(Math.floor(setup.params[P.initialPrice] / setup.params[P.tickSize] + 1e-7));
  return book;
}

describe("liquidity has no edge: the stored window is a performance knob", () => {
  const crash = (s: Scenario) => {
    s.paths = 120;
    s.market.price.shocks = [{ step: 10, return: -0.08 }];
    s.accounts.leverage.median = 15;
  };
  const cases: [string, (s: Scenario) => void][] = [
    ["the default scenario", (s) => (s.paths = 120)],
    ["an 8% crash at median leverage 15 (it emptied the old book's window)", crash],
    [
      "the crash on an exponential profile",
      (s) => {
        crash(s);
        s.market.book.depth = { ...s.market.book.depth, profile: "exponential", size: 2, decayTicks: 1500 };
      },
    ],
  ];
  it.each(cases)("%s: windows of 20, L and 2L levels give bit-identical records", (_name, override) => {
    const records = [20, 2000, 4000].map((levels) =>
      runWasm(
        {
          scenario: defaultScenario((s) => {
            override(s);
            s.market.book.levels = levels;
          }),
        },
        120,
      ),
    );
    expect(records[1]).toEqual(records[0]);
    expect(records[2]).toEqual(records[0]);
    // the crash does go past the smallest window, and no path ran out of book
    const first = records[0];
    let exhausted = 0;
    for (let p = 0; p < 120; p++) exhausted += first[p * RECORD_STRIDE + METRIC.bookExhausted];
    expect(exhausted).toBe(0);
  });

  it("a snapshot book keeps all its levels whatever the window, and really ends past its last one", () => {
    const at = (levels: number) =>
      buildSetup(
        resolveScenario({ market: { tickSize: 0.1, book: { levels, snapshotFile: BINANCE_DEPTH_SNAPSHOT } } }, process.cwd()),
      );
    const small = at(10);
    const wide = at(500);
    expect(small.params[P.bookEndBid]).toBe(112);
    expect(Array.from(small.bidProfile.subarray(1, 113))).toEqual(Array.from(wide.bidProfile.subarray(1, 113)));
    const book = kernelBook(small);
    book.bookSell(176.96 - 1e-9);
    expect(book.bookExhausted()).toBe(0);
    book.bookReset();
    book.bookSell(177);
    expect(book.bookExhausted()).toBe(1);
  });
});

describe("impact is concave on the default book", () => {
  const setup = buildSetup({ scenario: defaultScenario() });
  const tick = setup.params[P.tickSize];
  // two decades of order size inside the V of the latent profile (its depth per tick grows up to 600 ticks)
  const sizes = Array.from({ length: 9 }, (_, i) => 2 * 10 ** (i / 4));

  function impacts(sell: (q: number) => { notional: number; last: number; touch: number }) {
    const last: number[] = [];
    const vwap: number[] = [];
    for (const q of sizes) {
      const r = sell(q);
      last.push(r.touch - r.last + tick); // the price levels walked, counting the touch's
      vwap.push(r.touch - r.notional / q + tick / 2);
    }
    return { last, vwap };
  }

  it.each(["wasm", "ts"])(
    "a market sell's impact (last fill and VWAP) has a log-log slope within 0.4–0.6 over two decades (%s)",
    (engine) => {
      const sell =
        engine === "wasm"
          ? (q: number) => {
              const k = kernelBook(setup);
              const touch = k.bookBidPrice();
              const notional = k.bookSell(q);
              return { notional, last: k.bookLastPrice(), touch };
            }
          : (q: number) => {
              const b = referenceBook(setup);
              const touch = b.bidPrice();
              const notional = b.sell(q);
              return { notional, last: b.lastPrice, touch };
            };
      const { last, vwap } = impacts(sell);
      const logQ = sizes.map(Math.log);
      const slopeLast = slope(logQ, last.map(Math.log));
      const slopeVwap = slope(logQ, vwap.map(Math.log));
      expect(slopeLast, `last-fill slope ${slopeLast}`).toBeGreaterThan(0.4);
      expect(slopeLast, `last-fill slope ${slopeLast}`).toBeLessThan(0.6);
      expect(slopeVwap, `VWAP slope ${slopeVwap}`).toBeGreaterThan(0.4);
      expect(slopeVwap, `VWAP slope ${slopeVwap}`).toBeLessThan(0.6);
    },
  );

  it("a flat profile gives linear impact instead (the measurement can tell them apart)", () => {
    const flat = buildSetup({
      scenario: defaultScenario((s) => (s.market.book.depth = { ...s.market.book.depth, profile: "flat", size: 2.2 })),
    });
    const { last } = impacts((q) => {
      const b = referenceBook(flat);
      const touch = b.bidPrice();
      const notional = b.sell(q);
      return { notional, last: b.lastPrice, touch };
    });
    expect(slope(sizes.map(Math.log), last.map(Math.log))).toBeGreaterThan(0.9);
  });
});

describe("impact lasts: after a forced sale the price follows the propagator J·(θ + (1 − θ)·2^(−t/h))", () => {
  const cases = [
    { h: 60, theta: 2 / 3, stepSeconds: 60 },
    { h: 300, theta: 0.5, stepSeconds: 15 },
    { h: 120, theta: 0, stepSeconds: 60 },
  ];
  it.each(cases)("half-life $h s, permanent share $theta, steps of $stepSeconds s", ({ h, theta, stepSeconds }) => {
    const scenario = defaultScenario((s) => {
      s.stepSeconds = stepSeconds;
      s.market.impact = { halfLifeSeconds: h, permanentShare: theta };
    });
    const setup = buildSetup({ scenario });
    const tick = setup.params[P.tickSize];
    const k = kernelBook(setup);
    const ref = referenceBook(setup);
    const bid0 = k.bookBidPrice();
    const mid0 = k.bookMid();
    k.bookSell(400);
    ref.sell(400);
    // J: the displacement the sale left, in ticks (continuous: the touch level and the share of it consumed)
    const depth = (lvl: number) => ref.bidDepth(lvl);
    const J = ref.bidTop - ref.bidRem / depth(ref.bidTop);
    expect(J).toBeGreaterThan(100);
    const steps = Math.ceil((12 * h) / stepSeconds);
    for (let n = 1; n <= steps; n++) {
      k.bookNextStep();
      ref.startStep(1);
      ref.setCentre(Math.floor(setup.params[P.initialPrice] / tick + 1e-7));
      const t = n * stepSeconds;
      const expected = bid0 - tick * J * (theta + (1 - theta) * 2 ** (-t / h));
      const bid = k.bookBidPrice();
      expect(bid).toBe(ref.bidPrice());
      // the grid: the permanent part is rounded to a tick and the touch to its level
      expect(Math.abs(bid - expected), `step ${n}: bid ${bid}, propagator ${expected}`).toBeLessThanOrEqual(1.5 * tick);
    }
    // long after (12 half-lives): the mid has settled at the permanent share of the peak impact
    expect(Math.abs(k.bookMid() - (mid0 - tick * theta * J))).toBeLessThanOrEqual(tick);
  });

  it("after a cascade with no exogenous move the mark does not snap back (permanent share 2/3)", () => {
    const scenario = defaultScenario((s) => {
      s.paths = 20;
      s.market.price = { ...s.market.price, model: "none", shocks: [{ step: 10, return: -0.08 }] };
      s.accounts.leverage.median = 15;
    });
    const records = runReference({ scenario }, 20);
    const wasm = runWasm({ scenario }, 20);
    expect(wasm).toEqual(records);
    const start = scenario.market.initialPrice;
    for (let p = 0; p < 20; p++) {
      const r = records.subarray(p * RECORD_STRIDE, (p + 1) * RECORD_STRIDE);
      const minPrice = r[METRIC.minPrice];
      const finalPrice = r[METRIC.finalPrice];
      const exo = start * 0.92;
      // the cascade took the price below the exogenous move; 90 minutes later two thirds of that are still there
      expect(minPrice).toBeLessThan(exo);
      const impact = exo - minPrice;
      expect(finalPrice).toBeLessThan(exo - 0.5 * impact);
    }
  });
});

describe("a book that really ends is reported", () => {
  const snapshotRun = (shock: number) =>
    runScenario(
      loadScenario(undefined, [
        "paths=40",
        "market.tickSize=0.1",
        `market.book.snapshotFile=${BINANCE_DEPTH_SNAPSHOT}`,
        `market.price.shocks=[{"step":10,"return":${shock}}]`,
      ]),
      { inline: true },
    );

  it("a crash that sells past the snapshot's last level warns with the share of such paths", async () => {
    const { summary } = await snapshotRun(-0.12);
    expect(summary.probabilities.bookExhausted).toBe(1);
    const book = (summary.warnings as string[]).filter((w) => w.startsWith("the book ended"));
    expect(book).toEqual([expect.stringMatching(/^the book ended \(the snapshot's last level\) in 100% of paths \(40 of 40\)/)]);
  });

  it("a snapshot that says the book goes on (snapshotEnds: false) continues with the depth profile: no end, no warning", async () => {
    const { summary } = await runScenario(
      loadScenario(undefined, [
        "paths=40",
        "market.tickSize=0.1",
        `market.book.snapshotFile=${BINANCE_DEPTH_SNAPSHOT}`,
        "market.book.snapshotEnds=false",
        `market.price.shocks=[{"step":10,"return":-0.12}]`,
      ]),
      { inline: true },
    );
    expect(summary.probabilities.bookExhausted).toBe(0);
    expect((summary.warnings as string[]).filter((w) => w.startsWith("the book ended"))).toEqual([]);
    // and the snapshot's own levels are still walked first: a sell of the snapshot's depth ends at its last level
    const setup = buildSetup(
      resolveScenario(
        { market: { tickSize: 0.1, book: { snapshotFile: BINANCE_DEPTH_SNAPSHOT, snapshotEnds: false } } },
        process.cwd(),
      ),
    );
    const book = referenceBook(setup);
    book.sell(176.96 - 1e-9);
    expect(book.lastPrice).toBeCloseTo(20365.9, 6);
    book.sell(10);
    expect(book.exhausted).toBe(false);
  });

  it("an analytic profile never ends, so the default crash has nothing to warn of", async () => {
    const { summary } = await runScenario(loadScenario(undefined, ["paths=40"]), { inline: true });
    expect(summary.probabilities.bookExhausted).toBe(0);
    expect((summary.warnings as string[]).filter((w) => w.startsWith("the book ended"))).toEqual([]);
  });
});

describe("time is in seconds: results converge as the step shrinks", () => {
  it("the default crash at 15 s and 5 s steps (same horizon, same shock in seconds): every headline mean moves less than its 95% CI", async () => {
    const at = (stepSeconds: number) =>
      runScenario(
        loadScenario(undefined, [
          "paths=2000",
          `stepSeconds=${stepSeconds}`,
          `steps=${6000 / stepSeconds}`,
          `market.price.shocks=[{"step":${600 / stepSeconds},"return":-0.04}]`,
        ]),
        { threads: 2 },
      );
    const [a, b] = [(await at(15)).summary, (await at(5)).summary];
    for (const m of ["amplification", "maxDrawdown", "liquidatedNotional", "liquidations", "insuranceMin", "minPrice"] as const) {
      const half = Math.max(a.metrics[m].ci95[1] - a.metrics[m].ci95[0], b.metrics[m].ci95[1] - b.metrics[m].ci95[0]) / 2;
      expect(
        Math.abs(a.metrics[m].mean - b.metrics[m].mean),
        `${m}: ${a.metrics[m].mean} at 15 s, ${b.metrics[m].mean} at 5 s`,
      ).toBeLessThan(half);
    }
  });
});
