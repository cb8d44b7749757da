// The partial liquidation engine (Hyperliquid-style, issue 6): positions above a notional threshold are
// liquidated in slices of `fraction` × their current size, at most one slice per cooldown (`cooldownSeconds`, in whole steps), each
// settled pro rata; the rest of the position stays open with its liquidation price recomputed.
import { describe, expect, it } from "vitest";
import type { PositionRow, Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine, type LiquidationEvent } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { firstDifference, runReference, runWasm, seedWords } from "../helpers/engines.js";
import { baseScenario, crashMarket } from "../helpers/scenario.js";

const START = 30_000;

/** A small positions file: `big` large longs (20 units, 10× leverage) and a few small ones; a −20% crash at step 2. */
function crashScenario(partial: { threshold: number; fraction: number; cooldownSeconds: number }, big = 4): ScenarioInputs {
  const scenario: Scenario = {
    ...baseScenario(),
    steps: 60,
    market: crashMarket(START),
    margin: { mode: "isolated", tiers: [{ floor: 0, mmr: 0.005, maintenanceAmount: 0 }] },
    liquidation: { engine: "partial", feeRate: 0.005, maxRoundsPerStep: 1000, partial },
    insurance: { initialBalance: 50_000 },
  };
  const positions: PositionRow[] = [];
  for (let i = 0; i < big; i++)
    positions.push({
      account: `big${i}`,
      side: "long",
      size: 20 + i,
      entryPrice: START,
      collateral: ((20 + i) * START) / (10 + i),
    });
  for (let i = 0; i < 6; i++)
    positions.push({ account: `small${i}`, side: "long", size: 1, entryPrice: START, collateral: START / (5 + i) });
  positions.push({ account: "short0", side: "short", size: 2, entryPrice: START, collateral: START / 4 });
  return { scenario, positions };
}

/** The reference engine's liquidations of one path, in order, and the engine (for the accounts' end state). */
function events(inputs: ScenarioInputs): { events: LiquidationEvent[]; engine: ReferenceEngine; sizes: Float64Array } {
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  const seen: LiquidationEvent[] = [];
  engine.onLiquidation = (e) => seen.push(e);
  const sizes = Float64Array.from(engine.population.size);
  engine.runPaths(0, 1, new Float64Array(RECORD_STRIDE));
  return { events: seen, engine, sizes };
}

function expectBitIdentical(inputs: ScenarioInputs, paths: number): void {
  const ts = runReference(inputs, paths);
  for (const build of ["release", "debug"] as const)
    expect(firstDifference(ts, runWasm(inputs, paths, build)), `${build}: first differing slot`).toBe(-1);
}

/** Σ traders' cash (a sliced account's: its remaining collateral) + fund + makers + treasury − bad debt is constant. */
function expectConserved(inputs: ScenarioInputs, paths: number): void {
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  let initial = inputs.scenario.insurance.initialBalance;
  for (const c of engine.population.collateral) initial += c;
  let slices = 0;
  engine.onLiquidation = (e) => {
    if (!e.whole) slices++;
  };
  engine.onStep = (l) => {
    const money = l.traders + l.insurance + l.makers + l.treasury - l.badDebt;
    expect(Math.abs(money - initial) / Math.max(1, initial, Math.abs(l.makers), l.badDebt), `step ${l.step}`).toBeLessThanOrEqual(
      1e-9,
    );
  };
  engine.runPaths(0, paths, new Float64Array(paths * RECORD_STRIDE));
  expect(slices, "the scenario must slice").toBeGreaterThan(0);
}

describe("the partial liquidation engine (Hyperliquid)", () => {
  it("a partial engine never sells more than its slice per cooldown (per account, per step, from a small positions file)", () => {
    const fraction = 0.2;
    for (const cooldownSteps of [1, 3, 7]) {
      const inputs = crashScenario({ threshold: 100_000, fraction, cooldownSeconds: cooldownSteps * 60 });
      // slices only: with ADL a slice the fund cannot afford closes the account (test/engine/venue-mechanisms.test.ts)
      inputs.scenario.adl = { ranking: "none" };
      const { events: seen, sizes } = events(inputs);
      const size = Float64Array.from(sizes);
      const lastSlice = new Map<number, number>();
      const soldInStep = new Map<string, number>();
      let slices = 0;
      let resliced = 0;
      for (const e of seen) {
        const last = lastSlice.get(e.account);
        // nothing is sold from an account before its cooldown has run out
        if (last !== undefined)
          expect(e.step - last, `account ${e.account} at step ${e.step}`).toBeGreaterThanOrEqual(cooldownSteps);
        if (e.whole) {
          // a bankrupt account's remainder goes to ADL, not to the book
          if (e.remainder === undefined) expect(e.size).toBe(size[e.account]);
          else expect(e.size + e.remainder).toBeCloseTo(size[e.account], 9);
          // closed whole only at or below the threshold (notional at the mark ≤ threshold)
          if (last !== undefined) expect(e.size * START * 0.8).toBeLessThanOrEqual(100_000 * 1.05);
        } else {
          // a slice is exactly fraction × the current size
          expect(e.size).toBe(fraction * size[e.account]);
          if (last !== undefined) resliced++;
          lastSlice.set(e.account, e.step);
          slices++;
        }
        const key = `${e.account}@${e.step}`;
        const sold = (soldInStep.get(key) ?? 0) + e.size;
        soldInStep.set(key, sold);
        // per account and step: at most one slice (a cooldown ≥ 1 step)
        if (!e.whole) expect(sold, key).toBe(e.size);
        size[e.account] -= e.size;
      }
      expect(slices, "the scenario must slice").toBeGreaterThan(0);
      expect(resliced, "some account must be sliced again after its cooldown").toBeGreaterThan(0);
      expectBitIdentical(inputs, 1);
    }
  });

  it("a position below the threshold is closed whole exactly as the market engine would (bit-identical records)", () => {
    const scenario = baseScenario();
    scenario.accounts.count = 3000;
    scenario.market.price.shocks = [{ step: 2, return: -0.08 }];
    scenario.insurance.initialBalance = 1000;
    const market: ScenarioInputs = { scenario };
    // notional min 1000, max 5,000,000: every position is far below a threshold of 1e12
    const partial: ScenarioInputs = {
      scenario: {
        ...scenario,
        liquidation: {
          ...scenario.liquidation,
          engine: "partial",
          partial: { threshold: 1e12, fraction: 0.2, cooldownSeconds: 120 },
        },
      },
    };
    for (const ranking of ["pnl-leverage", "random", "none"] as const) {
      scenario.adl.ranking = ranking;
      partial.scenario.adl = { ranking };
      const ts = runReference(market, 8);
      expect(ts[0], "the scenario must liquidate").toBeGreaterThan(0);
      expect(firstDifference(ts, runReference(partial, 8)), `${ranking}: reference partial vs market`).toBe(-1);
      for (const build of ["release", "debug"] as const) {
        expect(firstDifference(ts, runWasm(partial, 8, build)), `${ranking}: ${build} partial vs market`).toBe(-1);
      }
    }
  });

  it("with cooldownSeconds = 0 and a deep drop the position is sliced repeatedly within one step until healthy or closed", () => {
    const inputs = crashScenario({ threshold: 100_000, fraction: 0.2, cooldownSeconds: 0 }, 1);
    const { events: seen, engine } = events(inputs);
    const big = seen.filter((e) => e.account === 0);
    expect(big.length, "sliced several times").toBeGreaterThanOrEqual(3);
    // all in the crash step, one liquidation per cascade round, slices first
    for (const e of big) expect(e.step).toBe(2);
    for (let k = 1; k < big.length; k++) expect(big[k].round).toBeGreaterThan(big[k - 1].round);
    for (const e of big.slice(0, -1)) expect(e.whole).toBe(false);
    // it ends closed (the last, at or below the threshold, whole) or healthy (its liquidation price below the mark)
    const last = big[big.length - 1];
    if (engine.isClosed(0)) expect(last.whole).toBe(true);
    else expect(engine.position(0).liquidationPrice).toBeLessThan(START * 0.8);
    expectBitIdentical(inputs, 1);
  });

  it("keeps both engines bit-identical and money conserved on a heavy crash with slices, ADL and caps", () => {
    const scenario = baseScenario();
    scenario.accounts.count = 3000;
    scenario.market.price.shocks = [{ step: 2, return: -0.08 }];
    scenario.insurance.initialBalance = 1000;
    scenario.liquidation = {
      ...scenario.liquidation,
      engine: "partial",
      partial: { threshold: 20_000, fraction: 0.3, cooldownSeconds: 60 },
    };
    for (const ranking of ["pnl-leverage", "random"] as const) {
      scenario.adl.ranking = ranking;
      expectBitIdentical({ scenario }, 8);
      expectConserved({ scenario }, 8);
      scenario.liquidation.caps = { notionalPerSecond: 500_000 / 60 };
      expectBitIdentical({ scenario }, 8);
      delete scenario.liquidation.caps;
    }
  });
});
