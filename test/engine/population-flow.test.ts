// accounts.flow: voluntary closes and arrivals during a path (src/engine/flow.ts has the model). The counts follow
// their Poisson laws, closes are uniform among the open accounts and trade on the book as a flat book implies, an
// arrival lives the life of any account (it can be liquidated in the path it arrived in), money stays conserved with
// what arrivals bring, and without the keys the records are the ones the engines wrote before flow existed.
import { describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/config/load.js";
import type { PositionRow, Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { flowPool } from "../../src/engine/flow.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { P } from "../../src/engine/layout.js";
import { ReferenceEngine, type FlowEvent, type FlowStepEvent, type LiquidationEvent } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { firstDifference, runReference, runWasm, seedWords } from "../helpers/engines.js";
import { expectBitIdentical, expectClose, flatScenario, observe } from "../helpers/mechanism-scenarios.js";
import { problemsOf } from "../helpers/problems.js";
import { baseScenario } from "../helpers/scenario.js";

/** FNV-1a 64 over the bytes of a Float64Array (as bench/setup-file.mjs computes it). */
function fnv1a64(values: Float64Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, "0");
}

/** The records' first `slots` metrics of every path (the columns that existed before flowPnl). */
function leading(records: Float64Array, slots: number): Float64Array {
  const paths = records.length / RECORD_STRIDE;
  const out = new Float64Array(paths * slots);
  for (let p = 0; p < paths; p++) out.set(records.subarray(p * RECORD_STRIDE, p * RECORD_STRIDE + slots), p * slots);
  return out;
}

interface FlowRun {
  engine: ReferenceEngine;
  steps: FlowStepEvent[];
  events: FlowEvent[];
  liquidations: LiquidationEvent[];
  records: Float64Array;
}

/** Paths first..first+paths−1 of the reference engine, every flow hook recorded (path by path in `byPath`). */
function runFlows(inputs: ScenarioInputs, paths: number): FlowRun[] {
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  const runs: FlowRun[] = [];
  for (let path = 0; path < paths; path++) {
    const run: FlowRun = { engine, steps: [], events: [], liquidations: [], records: new Float64Array(RECORD_STRIDE) };
    engine.onFlowStep = (e) => run.steps.push(e);
    engine.onFlow = (e) => run.events.push(e);
    engine.onLiquidation = (e) => run.liquidations.push(e);
    engine.runPaths(path, 1, run.records);
    runs.push(run);
  }
  return runs;
}

/** A quiet market (no price move, leverage 1: nobody is ever liquidated) with these flow rates. */
function quietScenario(flow: NonNullable<Scenario["accounts"]["flow"]>, count = 200, steps = 50): ScenarioInputs {
  const s = baseScenario();
  s.steps = steps;
  s.market.price = { model: "none", volatility: 0, drift: 0, jumps: { intensity: 0, meanLog: 0, stdLog: 0 }, shocks: [] };
  // small positions (1,000 each): the flows barely move the book
  s.accounts = {
    ...s.accounts,
    count,
    leverage: { dist: "fixed", median: 1, sigma: 0, max: 1 },
    notional: { dist: "fixed", min: 1000, alpha: 1.5, max: 1000 },
    flow,
  };
  return { scenario: s };
}

describe("accounts.flow absent: the records of before, bit for bit", () => {
  // FNV-1a 64 of the first 26 metrics of 4 paths (the columns before flowPnl), written by both engines before
  // accounts.flow existed: the batched market rounds, and the per-account engine with ADL after a heavy crash
  const cases: [string, () => Scenario, string][] = [
    ["the batched market engine (adl none)", () => ({ ...baseScenario(), adl: { ranking: "none" } }), "5cbe8b7cb87a7763"],
    [
      "the per-account engine (ADL after a crash that empties the fund)",
      () => {
        const s = baseScenario();
        s.accounts.count = 3000;
        s.market.price.shocks = [{ step: 2, return: -0.08 }];
        s.insurance.initialBalance = 1000;
        return s;
      },
      "a5517ed74c0a8da1",
    ],
  ];
  it.each(cases)("%s", (_name, make, hash) => {
    const scenario = make();
    const ts = runReference({ scenario }, 4);
    expect(fnv1a64(leading(ts, 26)), "reference").toBe(hash);
    expect(fnv1a64(leading(runWasm({ scenario }, 4), 26)), "kernel").toBe(hash);
    for (let p = 0; p < 4; p++) expect(ts[p * RECORD_STRIDE + METRIC.flowPnl]).toBe(0);
  });

  it("rates of 0 (or an empty block) are the absent keys: same parameters, same records", () => {
    const base = baseScenario();
    const without = runReference({ scenario: base }, 3);
    for (const flow of [{}, { closeRatePerHour: 0, arrivalsPerHour: 0 }]) {
      const scenario = { ...base, accounts: { ...base.accounts, flow } };
      const setup = buildSetup({ scenario });
      expect([setup.params[P.flowCloseProb], setup.params[P.flowArrivalMean], setup.params[P.flowPool]]).toEqual([0, 0, 0]);
      expect(setup.params[P.perAccount]).toBe(buildSetup({ scenario: base }).params[P.perAccount]);
      expect(firstDifference(runReference({ scenario }, 3), without)).toBe(-1);
    }
  });
});

describe("the counts follow their Poisson laws", () => {
  // p = 1 − e^(−0.9 · 60 / 3600) = 1.49% a step; 0.6 arrivals per step
  const inputs = quietScenario({ closeRatePerHour: 0.9, arrivalsPerHour: 36 });
  const runs = runFlows(inputs, 300);

  it("closes per step: Poisson with mean (open accounts as the step starts) × (1 − e^(−rate·dt)), within 4 standard errors", () => {
    const p = -Math.expm1((-0.9 * 60) / 3600);
    let drawn = 0;
    let mean = 0;
    let open = 0;
    for (const run of runs) {
      let expectedOpen = 200;
      for (const s of run.steps) {
        expect(s.open, "the open accounts as the step starts").toBe(expectedOpen);
        expectClose(s.closeMean, s.open * p, "closeMean");
        drawn += s.closes;
        mean += s.closeMean;
        open += s.open;
        // leverage 1 and no move: nobody is blocked or liquidated, so every close drawn happens
        expectedOpen = s.open - s.closes + s.arrived;
      }
      expect(run.liquidations).toHaveLength(0);
    }
    const z = (drawn - mean) / Math.sqrt(mean);
    expect(Math.abs(z), `closes ${drawn} vs mean ${mean} (z = ${z})`).toBeLessThan(4);
    expect(drawn).toBeGreaterThan(1000);
    expect(open).toBeGreaterThan(0);
  });

  it("arrivals per path: Poisson with mean arrivalsPerHour × the path's hours (mean and dispersion within 4 standard errors)", () => {
    const lambda = (36 * (50 * 60)) / 3600; // 30 per path
    const counts = runs.map((run) => run.events.filter((e) => e.kind === "arrival").length);
    const n = counts.length;
    const mean = counts.reduce((a, b) => a + b, 0) / n;
    const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean - lambda) / Math.sqrt(lambda / n), `mean ${mean} vs ${lambda}`).toBeLessThan(4);
    // the variance of a sample variance of a Poisson(λ): (λ + 2λ²(n/(n−1))) / n ≈ (λ + 2λ²) / n
    expect(
      Math.abs(variance - lambda) / Math.sqrt((lambda + 2 * lambda * lambda) / n),
      `variance ${variance} vs ${lambda}`,
    ).toBeLessThan(4);
    for (const run of runs) for (const s of run.steps) expect(s.arrived).toBe(s.arrivals);
  });

  it("closes are uniform among the open accounts (χ² over ten bins of the population, step 1)", () => {
    const bins = new Array<number>(10).fill(0);
    let total = 0;
    for (const run of runFlows(quietScenario({ closeRatePerHour: (3600 * 0.05) / 60 }, 200, 1), 2000)) {
      for (const e of run.events) {
        expect(e.kind).toBe("close");
        bins[Math.floor(e.account / 20)]++;
        total++;
      }
    }
    const expected = total / 10;
    const chi2 = bins.reduce((a, b) => a + (b - expected) ** 2 / expected, 0);
    // χ²(9): P(> 27.9) = 0.001
    expect(chi2, `bins ${bins.join(", ")}`).toBeLessThan(27.9);
    expect(total).toBeGreaterThan(10_000);
  });

  it("an account closes once, never a dormant slot, and every arrival takes the next slot", () => {
    for (const run of runs.slice(0, 50)) {
      const closed = new Set<number>();
      let next = 200;
      for (const e of run.events) {
        if (e.kind === "arrival") {
          expect(e.account).toBe(next++);
          continue;
        }
        expect(closed.has(e.account), `account ${e.account} closed twice`).toBe(false);
        expect(e.account).toBeLessThan(next);
        closed.add(e.account);
      }
    }
  });

  it("the kernel writes the reference's records bit for bit", () => {
    expectBitIdentical(inputs, 12);
  });
});

/** One position of `size` at 1,000 with this leverage. */
function position(side: "long" | "short", size: number, leverage: number, i = 0): PositionRow {
  return { account: `a${i}`, side, size, entryPrice: 1000, collateral: (size * 1000) / leverage };
}

/** A flat book of 10 a tick on a 1-unit tick (best bid 1000, best ask 1001), no move, a trader sure to close. */
function closing(rows: PositionRow[], extra: Partial<Scenario["accounts"]["flow"]> = {}): ScenarioInputs {
  const inputs = flatScenario({ shocks: [], depth: 10, positions: rows, steps: 10 });
  // p = 1 − e^(−1000 · 60 / 3600) = 1 in f64: each step the close count is Poisson(open accounts)
  inputs.scenario.accounts = { ...inputs.scenario.accounts, flow: { closeRatePerHour: 1000, ...extra } };
  return inputs;
}

describe("a voluntary close is a market order on the book", () => {
  it("a closing long sells into the bids: 25 units on 10 a tick fill 10 at 1000, 10 at 999, 5 at 998", () => {
    const inputs = closing([position("long", 25, 2)]);
    const o = observe(inputs);
    const runs = runFlows(inputs, 1);
    const close = runs[0].events.find((e) => e.kind === "close");
    expect(close, "the long closed within 10 steps").toBeDefined();
    const notional = 10 * 1000 + 10 * 999 + 5 * 998;
    expect(close!.notional).toBe(notional);
    const r = o.records;
    expect(r[METRIC.flowPnl]).toBe(notional - 25 * 1000);
    expect(r[METRIC.makersPnl]).toBe(25 * 1000 - notional);
    // the mark (last) is the close's last fill: the best bid moved down 25 / 10 = 2.5 ticks
    expect(r[METRIC.minPrice]).toBe(998);
    expect(r[METRIC.liquidations]).toBe(0);
    expect(r[METRIC.liquidatedPnl]).toBe(0);
    // the trader's cash is its collateral plus the realised P&L
    expect(o.ledgers.at(-1)!.traders).toBe(12_500 + notional - 25_000);
    expectBitIdentical(inputs);
  });

  it("a closing short buys from the asks: 25 units fill 10 at 1001, 10 at 1002, 5 at 1003", () => {
    const inputs = closing([position("short", 25, 2)]);
    const r = observe(inputs).records;
    const notional = 10 * 1001 + 10 * 1002 + 5 * 1003;
    expect(r[METRIC.flowPnl]).toBe(25 * 1000 - notional);
    expect(r[METRIC.minPrice]).toBe(1000.5);
    expect(r[METRIC.finalPrice]).toBeGreaterThanOrEqual(1000.5);
    expectBitIdentical(inputs);
  });

  it("an account across its liquidation price at the mark cannot close: the liquidation engine has it", () => {
    // twenty longs at 10x, a 15% fall at step 1: every close drawn in step 1 is blocked; all are liquidated
    const rows = Array.from({ length: 20 }, (_, i) => position("long", 1, 10, i));
    const inputs = closing(rows);
    inputs.scenario.market.price.shocks = [{ step: 1, return: -0.15 }];
    const [run] = runFlows(inputs, 1);
    const step1 = run.events.filter((e) => e.step === 1);
    expect(step1.length, "closes drawn in step 1").toBeGreaterThan(0);
    expect(step1.every((e) => e.kind === "blocked")).toBe(true);
    expect(new Set(run.liquidations.filter((e) => e.step === 1).map((e) => e.account)).size).toBe(20);
    expectBitIdentical(inputs);
  });

  it("a close that walks past the bankruptcy price: the trader loses its collateral, the fund then bad debt pay the rest", () => {
    // 100 units at 50x (collateral 2,000) on a book of 1 a tick: fills 1000 … 901, 4,950 below entry
    const inputs = flatScenario({
      shocks: [],
      depth: 1,
      positions: [position("long", 100, 50)],
      steps: 10,
      insurance: 1000,
      mmr: 0.005,
    });
    inputs.scenario.accounts = { ...inputs.scenario.accounts, flow: { closeRatePerHour: 1000 } };
    const r = observe(inputs).records;
    expect(r[METRIC.flowPnl]).toBe(-2000);
    expect(r[METRIC.shortfall]).toBe(2950);
    expect(r[METRIC.fundNet]).toBe(-1000);
    expect(r[METRIC.badDebt]).toBe(1950);
    expect(r[METRIC.liquidatedPnl]).toBe(0);
    expect(r[METRIC.flowPnl] + r[METRIC.fundNet] + r[METRIC.makersPnl] - r[METRIC.badDebt]).toBe(0);
    expectBitIdentical(inputs);
  });
});

describe("arrivals", () => {
  /** Longs at 20x arriving at 2 a step (1 unit each at 1,000), a 10% fall at step 6. */
  function arriving(): ScenarioInputs {
    const inputs = flatScenario({
      shocks: [{ step: 6, return: -0.1 }],
      depth: 10,
      positions: [position("short", 1, 1)],
      steps: 10,
      mmr: 0.01,
    });
    const s = inputs.scenario;
    s.accounts = {
      ...s.accounts,
      longShare: 1,
      leverage: { dist: "fixed", median: 20, sigma: 0, max: 20 },
      notional: { dist: "fixed", min: 1000, alpha: 1.5, max: 1000 },
      flow: { arrivalsPerHour: 120 },
    };
    return inputs;
  }

  it("open by market order at the fill's average price, with collateral = entry notional / leverage", () => {
    const [run] = runFlows(arriving(), 1);
    const arrivals = run.events.filter((e) => e.kind === "arrival");
    expect(arrivals.length).toBeGreaterThan(5);
    for (const a of arrivals) {
      expect(a.side).toBe(1);
      expect(a.entry).toBe(a.notional / a.size);
      expect(a.collateral).toBe(a.notional / 20);
      // a long buys from the asks: before the fall, at or above the best ask of an untouched book
      if (a.step < 6) expect(a.entry!).toBeGreaterThanOrEqual(1001);
    }
    // the first arrival of the path buys 1000 / 1000.5 units at 1001 (the book at rest)
    expect(arrivals[0].notional).toBe((1000 / 1000.5) * 1001);
  });

  it("an arrival is liquidated later in the same path (it joined the accounts re-checked each round)", () => {
    const inputs = arriving();
    const [run] = runFlows(inputs, 1);
    const arrivedAt = new Map(run.events.filter((e) => e.kind === "arrival").map((e) => [e.account, e.step]));
    const liquidated = run.liquidations.filter((e) => arrivedAt.has(e.account));
    expect(liquidated.length, "arrivals liquidated").toBeGreaterThan(0);
    for (const e of liquidated) expect(e.step).toBeGreaterThan(arrivedAt.get(e.account)!);
    expect(liquidated.every((e) => e.step === 6)).toBe(true);
    expectBitIdentical(inputs, 3);
  });

  it("bring their collateral in: the ledger's money less the arrivals' is the initial money at every step", () => {
    const inputs = arriving();
    const o = observe(inputs);
    const initial = 1000 + 0; // the short's collateral (1x), no fund
    let arrivals = 0;
    for (const l of o.ledgers) {
      expect(l.arrivals).toBeGreaterThanOrEqual(arrivals);
      arrivals = l.arrivals;
      expectClose(
        l.traders + l.insurance + l.makers + l.treasury + l.vault - l.badDebt - l.arrivals,
        initial,
        `step ${l.step}`,
        1e-12,
      );
    }
    expect(arrivals).toBeGreaterThan(0);
  });

  it("reserve ⌈M + 8√M⌉ + 16 dormant slots for a mean of M arrivals over the path", () => {
    expect(flowPool(0, 100)).toBe(0);
    expect(flowPool(0.01, 100)).toBe(1 + 8 + 16);
    expect(flowPool(2, 50)).toBe(100 + 80 + 16);
    const inputs = arriving();
    expect(buildSetup(inputs).params[P.flowPool]).toBe(Math.ceil(20 + 8 * Math.sqrt(20)) + 16);
  });
});

describe("the keys are checked", () => {
  it.each([
    ["accounts.flow.closeRatePerHour", { closeRatePerHour: -1 }, "accounts.flow.closeRatePerHour must be >= 0 (received -1)"],
    ["accounts.flow.arrivalsPerHour", { arrivalsPerHour: "many" }, "accounts.flow.arrivalsPerHour must be a number"],
    [
      "accounts.flow.typo",
      { arrivalPerHour: 1 },
      "accounts.flow.arrivalPerHour is not a known key (did you mean arrivalsPerHour?)",
    ],
    [
      "accounts.flow.arrivalsPerHour (pool)",
      { arrivalsPerHour: 1e6 },
      "accounts.flow.arrivalsPerHour must keep a path's arrivals within 50000000 account slots",
    ],
  ])("%s", (_name, flow, says) => {
    const raw = { steps: 3000, accounts: { flow } };
    const problems = problemsOf(() => resolveScenario(raw, process.cwd()));
    expect(problems.join("\n")).toContain(says);
  });

  it("a flow block puts the scenario on the per-account engine, and its defaults resolve to nothing", () => {
    const inputs = resolveScenario({ adl: { ranking: "none" }, accounts: { flow: { closeRatePerHour: 0.5 } } }, process.cwd());
    expect(inputs.scenario.accounts.flow).toEqual({ closeRatePerHour: 0.5 });
    expect(buildSetup(inputs).params[P.perAccount]).toBe(1);
    const none = resolveScenario({ adl: { ranking: "none" } }, process.cwd());
    expect(none.scenario.accounts.flow).toBeUndefined();
    expect(buildSetup(none).params[P.perAccount]).toBe(0);
  });
});
