// The settlement-side mechanisms of issue 6, each by its defining behaviour, in both engines:
// dYdX v4-style per-step caps, a capped insurance fund with a treasury, and a Bybit-style ADL trigger on the
// fund's drawdown from its running peak.
import { describe, expect, it } from "vitest";
import type { PositionRow, Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine, type Ledger } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { firstDifference, runReference, runWasm, seedWords } from "../helpers/engines.js";
import { baseScenario, crashMarket } from "../helpers/scenario.js";

/** Runs `paths` paths on the reference engine, collecting the ledger after every step of every path. */
function ledgers(inputs: ScenarioInputs, paths: number): { records: Float64Array; steps: Ledger[][] } {
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  const steps: Ledger[][] = [];
  let current: Ledger[] = [];
  engine.onStep = (l) => current.push(l);
  const records = new Float64Array(paths * RECORD_STRIDE);
  for (let p = 0; p < paths; p++) {
    current = [];
    engine.runPaths(p, 1, records.subarray(p * RECORD_STRIDE));
    steps.push(current);
  }
  return { records, steps };
}

function expectBitIdentical(inputs: ScenarioInputs, paths: number): void {
  const ts = runReference(inputs, paths);
  for (const build of ["release", "debug"] as const)
    expect(firstDifference(ts, runWasm(inputs, paths, build)), `${build}: first differing slot`).toBe(-1);
}

const UNIT = 1; // every account of the ladder test holds one unit, so no fill is worth more than one unit at the start price
const START = 30_000;

/** 40 one-unit longs whose liquidation prices are spread from 29,000 down to 25,100; a −20% crash at step 2. */
function ladderScenario(): ScenarioInputs {
  const scenario: Scenario = {
    ...baseScenario(),
    steps: 40,
    market: crashMarket(START),
    margin: { mode: "isolated", tiers: [{ floor: 0, mmr: 0, maintenanceAmount: 0 }] },
    insurance: { initialBalance: 50_000 },
  };
  const positions: PositionRow[] = [];
  for (let i = 0; i < 40; i++) {
    // with mmr 0 the liquidation price is the bankruptcy price, entry − collateral
    const liq = 29_000 - i * 100;
    positions.push({ account: `l${i}`, side: "long", size: UNIT, entryPrice: START, collateral: START - liq });
  }
  return { scenario, positions };
}

/** Notional liquidated in each step, from the cumulative ledger. */
function perStep(steps: Ledger[]): number[] {
  let before = 0;
  return steps.map((l) => {
    const d = l.liquidatedNotional - before;
    before = l.liquidatedNotional;
    return d;
  });
}

describe("per-step liquidation caps (dYdX v4)", () => {
  it("a dYdX-style cap bounds liquidated notional per step: at most the cap plus the one account that crosses it", () => {
    const uncapped = ladderScenario();
    const capped = ladderScenario();
    const cap = 2.5 * UNIT * START; // two and a half accounts' worth
    capped.scenario.liquidation = { ...capped.scenario.liquidation, caps: { notionalPerSecond: cap / 60 } }; // 60 s steps
    const oneAccount = UNIT * START; // a long sells below the start price: no single fill is worth more

    const free = ledgers(uncapped, 1);
    const bound = ledgers(capped, 1);
    const freeSteps = perStep(free.steps[0]);
    const capSteps = perStep(bound.steps[0]);
    for (const [t, notional] of capSteps.entries()) expect(notional, `step ${t + 1}`).toBeLessThanOrEqual(cap + oneAccount);
    // without the cap the crash liquidates more than the cap in one step; with it, the cap binds
    expect(Math.max(...freeSteps)).toBeGreaterThan(cap + oneAccount);
    expect(Math.max(...capSteps)).toBeGreaterThanOrEqual(cap);
    expect(capSteps.filter((n) => n > 0).length).toBeGreaterThan(freeSteps.filter((n) => n > 0).length);
    // nobody is skipped: every account under water waits and is liquidated in a later step
    expect(bound.records[METRIC.liquidations]).toBe(free.records[METRIC.liquidations]);
    expect(bound.records[METRIC.liquidations]).toBe(40);
    expectBitIdentical(capped, 1);
  });

  it("an insurance-loss cap bounds the fund's payout per step: at most the cap plus the one account that crosses it", () => {
    const thin = (inputs: ScenarioInputs): ScenarioInputs => {
      // a thin book: fills far below the bankruptcy prices, so every liquidation draws on the fund
      inputs.scenario.market.book = {
        ...inputs.scenario.market.book,
        depth: { profile: "flat", size: 0.05, decayTicks: 300, exponent: 0.5, saturationTicks: 600 },
      };
      return inputs;
    };
    const capL = 3000;
    // one account's deficit is its bankruptcy price (≤ 29,000, mmr 0) less its fill (> 0), times one unit
    const oneAccount = 29_000 * UNIT;
    const draws = (inputs: ScenarioInputs) => {
      const { steps, records } = ledgers(inputs, 1);
      let before = inputs.scenario.insurance.initialBalance;
      const out = steps[0].map((l) => {
        const d = before - l.insurance; // no fees: every liquidation here draws on the fund
        before = l.insurance;
        return d;
      });
      return { out, liquidations: records[METRIC.liquidations] };
    };
    const free = draws(thin(ladderScenario()));
    const inputs = thin(ladderScenario());
    inputs.scenario.liquidation = { ...inputs.scenario.liquidation, caps: { insuranceLossPerSecond: capL / 60 } };
    const capped = draws(inputs);
    expect(Math.max(...free.out)).toBeGreaterThan(capL + oneAccount);
    for (const [t, d] of capped.out.entries()) expect(d, `step ${t + 1}`).toBeLessThanOrEqual(capL + oneAccount);
    expect(Math.max(...capped.out)).toBeGreaterThanOrEqual(capL);
    expect(capped.out.filter((d) => d > 0).length).toBeGreaterThan(free.out.filter((d) => d > 0).length);
    expectBitIdentical(inputs, 1);
  });
});

describe("a capped insurance fund", () => {
  it("the insurance cap holds at every step and the excess is in the treasury", () => {
    // the ladder with a 2% maintenance margin, a deep book and a −3% drop: the accounts liquidated fill above
    // their bankruptcy price, settle with money left and pay their fee, which soon fills the fund to its cap
    const inputs = ladderScenario();
    const scenario = inputs.scenario;
    scenario.margin = { mode: "isolated", tiers: [{ floor: 0, mmr: 0.02, maintenanceAmount: 0 }] };
    scenario.market.price.shocks = [{ step: 2, return: -0.03 }];
    scenario.market.book = {
      ...scenario.market.book,
      depth: { profile: "flat", size: 50, decayTicks: 300, exponent: 0.5, saturationTicks: 600 },
    };
    scenario.liquidation = { ...scenario.liquidation, feeRate: 0.01 };
    scenario.insurance = { initialBalance: 100_000, cap: 100_500 };
    const paths = 2;
    const { records, steps } = ledgers(inputs, paths);
    let treasury = 0;
    for (const [p, path] of steps.entries()) {
      let previousTreasury = 0;
      for (const l of path) {
        expect(l.insurance, `path ${p} step ${l.step}`).toBeLessThanOrEqual(100_500);
        expect(l.treasury).toBeGreaterThanOrEqual(previousTreasury); // the treasury only receives
        previousTreasury = l.treasury;
      }
      treasury += path[path.length - 1].treasury;
      expect(records[p * RECORD_STRIDE + METRIC.insuranceFinal]).toBeLessThanOrEqual(100_500);
    }
    expect(treasury, "fees beyond the cap reached the treasury").toBeGreaterThan(0);

    // the kernel's ledger agrees, and its records are the reference's bit for bit
    const setup = buildSetup(inputs);
    const wasm = new WasmEngine(setup, { build: "debug" });
    wasm.prepare(...seedWords(scenario.seed));
    const out = new Float64Array(RECORD_STRIDE);
    wasm.runPaths(paths - 1, 1, out);
    const last = steps[paths - 1][steps[paths - 1].length - 1];
    const [, insurance, makers, badDebt, kernelTreasury] = wasm.ledger();
    expect([insurance, makers, badDebt, kernelTreasury]).toEqual([last.insurance, last.makers, last.badDebt, last.treasury]);
    expectBitIdentical(inputs, paths);
  });
});

describe("ADL on the fund's drawdown (Bybit)", () => {
  function crash(fundDrawdown?: number): Scenario {
    const scenario = baseScenario();
    scenario.accounts.count = 3000;
    scenario.market.price.shocks = [{ step: 2, return: -0.08 }];
    scenario.insurance = { initialBalance: 100_000 };
    if (fundDrawdown !== undefined) scenario.adl = { ranking: "pnl-leverage", trigger: { fundDrawdown } };
    return scenario;
  }

  it("with a fund-drawdown trigger, ADL fires while the fund is still above zero and the fund never falls below its floor", () => {
    const d = 0.3;
    const paths = 8;
    const { records, steps } = ledgers({ scenario: crash(d) }, paths);
    let adlAboveZero = 0;
    for (let p = 0; p < paths; p++) {
      const r = records.subarray(p * RECORD_STRIDE);
      // the running peak is at least the initial balance, so the floor is at least (1 − d) of it
      expect(r[METRIC.insuranceMin], `path ${p}`).toBeGreaterThanOrEqual((1 - d) * 100_000);
      if (r[METRIC.adlCount] > 0 && r[METRIC.insuranceMin] > 0) adlAboveZero++;
      let peak = 100_000;
      for (const l of steps[p]) {
        expect(l.insurance, `path ${p} step ${l.step}`).toBeGreaterThanOrEqual(peak * (1 - d));
        peak = Math.max(peak, l.insurance);
      }
    }
    expect(adlAboveZero, "paths that deleveraged with money left in the fund").toBeGreaterThan(0);
    // without the trigger the same crash drains the fund further before ADL starts
    const plain = runReference({ scenario: crash() }, paths);
    let lower = 0;
    for (let p = 0; p < paths; p++) if (plain[p * RECORD_STRIDE + METRIC.insuranceMin] < (1 - d) * 100_000) lower++;
    expect(lower).toBeGreaterThan(0);
    expectBitIdentical({ scenario: crash(d) }, paths);
  });

  it("a trigger of 1 is today's rule (ADL once the fund is empty), bit for bit", () => {
    const a = runReference({ scenario: crash(1) }, 4);
    const b = runReference({ scenario: crash() }, 4);
    expect(firstDifference(a, b)).toBe(-1);
  });

  it("with ranking none, the part below the floor becomes bad debt while the fund keeps its floor", () => {
    const scenario = crash(0.5);
    scenario.adl = { ranking: "none", trigger: { fundDrawdown: 0.5 } };
    const records = runReference({ scenario }, 4);
    let badDebt = 0;
    for (let p = 0; p < 4; p++) {
      const r = records.subarray(p * RECORD_STRIDE);
      expect(r[METRIC.insuranceMin]).toBeGreaterThanOrEqual(50_000);
      expect(r[METRIC.adlCount]).toBe(0);
      badDebt += r[METRIC.badDebt];
    }
    expect(badDebt).toBeGreaterThan(0);
    expectBitIdentical({ scenario }, 4);
  });
});
