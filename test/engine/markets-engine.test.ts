// The multi-market reference engine (src/engine/markets.ts, phase B1: isolated margin, one venue).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { MarketsReferenceEngine, type MarketsLedger } from "../../src/engine/markets.js";
import { MARKET_METRICS, recordNames } from "../../src/engine/markets-setup.js";
import { METRIC, METRIC_NAMES, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { firstDifference, seedWords } from "../helpers/engines.js";
import {
  cholesky,
  correlationOf,
  identity,
  marketsArb,
  marketsSetupOf,
  marketsWithCrossArb,
  withVenueOf,
} from "../helpers/markets-arbitrary.js";
import { loadScenario } from "../../src/config/load.js";

const V = METRIC_NAMES.length;
const K = MARKET_METRICS.length;
const MM = Object.fromEntries(MARKET_METRICS.map((name, i) => [name, i])) as Record<(typeof MARKET_METRICS)[number], number>;

function runSingle(inputs: ScenarioInputs, first: number, paths: number): Float64Array {
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  const out = new Float64Array(paths * RECORD_STRIDE);
  engine.runPaths(first, paths, out);
  return out;
}

function runMarkets(engine: MarketsReferenceEngine, seed: number, first: number, paths: number): Float64Array {
  engine.prepare(...seedWords(seed));
  const out = new Float64Array(paths * engine.stride);
  engine.runPaths(first, paths, out);
  return out;
}

/** The per-market block's values of a single-market record (MARKET_METRICS are venue metrics by the same name). */
function marketBlockOf(record: Float64Array, at: number): number[] {
  return MARKET_METRICS.map((name) => record[at + METRIC[name]]);
}

describe("MarketsReferenceEngine", () => {
  it("writes recordNames(names).length values per path", () => {
    const { scenario } = loadScenario(undefined, []);
    scenario.accounts.count = 200;
    const inputs: ScenarioInputs = { scenario };
    const engine = new MarketsReferenceEngine(marketsSetupOf({ markets: [inputs, inputs], correlation: identity(2) }));
    expect(engine.stride).toBe(recordNames(["m0", "m1"]).length);
    const out = runMarkets(engine, 1, 0, 2);
    // every value a number (marginHeld: NaN, no market scans)
    for (let i = 0; i < out.length; i++)
      if (i % engine.stride !== METRIC.marginHeld) expect(Number.isFinite(out[i]), `value ${i}`).toBe(true);
    expect(out[METRIC.marginHeld]).toBeNaN();
  });

  it("one market as a MarketsSetup gives ReferenceEngine's records (200 random scenarios)", () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 1000 }), (inputs, first) => {
        const single = runSingle(inputs, first, 3);
        const setup = { names: ["only"], markets: [buildSetup(inputs)], cholesky: Float64Array.of(1) };
        const multi = runMarkets(new MarketsReferenceEngine(setup), inputs.scenario.seed, first, 3);
        for (let p = 0; p < 3; p++) {
          const a = single.subarray(p * RECORD_STRIDE, (p + 1) * RECORD_STRIDE);
          const b = multi.subarray(p * (V + K), p * (V + K) + V);
          expect(firstDifference(a, b), `path ${first + p}`).toBe(-1);
          expect(Array.from(multi.subarray(p * (V + K) + V, (p + 1) * (V + K)))).toEqual(
            marketBlockOf(single, p * RECORD_STRIDE),
          );
        }
      }),
      { numRuns: 200, seed: 14 },
    );
  });

  it("two copies of a market with z₁ = ε₀ and a fund that never binds: each block is the single market's", () => {
    // what makes market 1 repeat market 0: the same accounts (a positions file), the same fundamental (L's second row
    // [1, 0], no jumps, no bootstrap), no draws of its own (no flow, no random ADL ranking), a fund and a vault that
    // never bind (the venue's money is shared: the budgets of the book walks, the vault's takeovers)
    const copyArb = scenarioArb
      .filter((inputs) => inputs.positions !== undefined)
      .map((inputs) => {
        const s = structuredClone(inputs.scenario);
        if (s.market.price.model === "merton") s.market.price.jumps.intensity = 0;
        if (s.market.price.model === "replay" && (inputs.returns?.length ?? 0) < s.steps) s.market.price.model = "gbm";
        delete s.accounts.flow;
        if (s.adl.ranking === "random") s.adl.ranking = "pnl-leverage";
        s.insurance = { initialBalance: 1e15 };
        if (s.liquidation.backstop) s.liquidation.backstop.vaultCapital = 1e15;
        return { ...inputs, scenario: s };
      });
    const L = Float64Array.of(1, 0, 1, 0);
    let liquidated = 0;
    fc.assert(
      fc.property(copyArb, (inputs) => {
        const single = runSingle(inputs, 0, 3);
        const setup = { names: ["a", "b"], markets: [buildSetup(inputs), buildSetup(inputs)], cholesky: L };
        const multi = runMarkets(new MarketsReferenceEngine(setup), inputs.scenario.seed, 0, 3);
        const stride = V + 2 * K;
        for (let p = 0; p < 3; p++) {
          const expected = marketBlockOf(single, p * RECORD_STRIDE);
          for (let m = 0; m < 2; m++) {
            const block = Array.from(multi.subarray(p * stride + V + m * K, p * stride + V + (m + 1) * K));
            expect(block, `path ${p} market ${m}`).toEqual(expected);
          }
          expect(multi[p * stride + METRIC.liquidations]).toBe(2 * single[p * RECORD_STRIDE + METRIC.liquidations]);
          expect(multi[p * stride + METRIC.maxRoundsInStep]).toBe(single[p * RECORD_STRIDE + METRIC.maxRoundsInStep]);
          expect(multi[p * stride + METRIC.firstLiquidationStep]).toBe(single[p * RECORD_STRIDE + METRIC.firstLiquidationStep]);
          if (single[p * RECORD_STRIDE + METRIC.liquidations] > 0) liquidated++;
        }
      }),
      { numRuns: 20, seed: 15 },
    );
    // the property is not vacuous
    expect(liquidated).toBeGreaterThan(20);
  });

  it("a path's record is the same alone or in a batch, from any first path", () => {
    fc.assert(
      fc.property(marketsArb(scenarioArb), fc.integer({ min: 0, max: 10_000 }), (inputs, first) => {
        const seed = inputs.markets[0].scenario.seed;
        const engine = new MarketsReferenceEngine(marketsSetupOf(inputs));
        const batch = runMarkets(engine, seed, first, 3);
        const stride = engine.stride;
        for (let p = 0; p < 3; p++) {
          const alone = runMarkets(new MarketsReferenceEngine(marketsSetupOf(inputs)), seed, first + p, 1);
          expect(firstDifference(alone, batch.subarray(p * stride, (p + 1) * stride)), `path ${first + p}`).toBe(-1);
        }
      }),
      { numRuns: 40, seed: 16 },
    );
  });

  it("isolated margin has no contagion: a shock in market 0 leaves a still market 1 unliquidated", () => {
    const { scenario } = loadScenario(undefined, []);
    scenario.accounts.count = 2000;
    scenario.steps = 30;
    const crash = structuredClone(scenario);
    crash.market.price.shocks = [{ step: 5, return: -0.25 }];
    const still = structuredClone(scenario);
    still.market.price.volatility = 0;
    still.market.price.shocks = [];
    // a fund that empties in market 0's crash (bad debt, ADL) must not reach market 1's accounts
    crash.insurance.initialBalance = 0;
    still.insurance.initialBalance = 0;
    crash.adl.ranking = "pnl-leverage";
    still.adl.ranking = "pnl-leverage";
    const inputs = {
      markets: [{ scenario: crash }, withVenueOf({ scenario: crash }, { scenario: still })],
      correlation: identity(2),
    };
    const engine = new MarketsReferenceEngine(marketsSetupOf(inputs));
    const out = runMarkets(engine, 3, 0, 8);
    const stride = engine.stride;
    let crashed = 0;
    for (let p = 0; p < 8; p++) {
      const r = out.subarray(p * stride, (p + 1) * stride);
      crashed += r[V + MM.liquidations];
      expect(r[V + K + MM.liquidations]).toBe(0);
      expect(r[V + K + MM.adlNotional]).toBe(0);
      expect(r[V + K + MM.minPrice]).toBe(r[V + K + MM.finalPrice]);
    }
    expect(crashed).toBeGreaterThan(0);
  });

  it("the markets' exogenous log-returns have the asked correlation (within 5 standard errors)", () => {
    const { scenario } = loadScenario(undefined, []);
    // no accounts, no shocks: the fundamentals alone (a market's exogenous move is its fundamental's)
    scenario.accounts.count = 0;
    scenario.steps = 50;
    scenario.market.price.shocks = [];
    scenario.market.price.volatility = 0.8;
    const rho = [
      [1, 0.8, -0.3],
      [0.8, 1, 0.1],
      [-0.3, 0.1, 1],
    ];
    const inputs = { markets: [0, 1, 2].map(() => ({ scenario: structuredClone(scenario) })), correlation: rho };
    const engine = new MarketsReferenceEngine(marketsSetupOf(inputs));
    engine.prepare(...seedWords(42));
    const M = 3;
    const returns: number[][] = [[], [], []];
    const last = [0, 0, 0];
    engine.onStep = () => {
      engine.markets.forEach((market, m) => {
        const f = Math.log(market.fundamental);
        returns[m].push(f - last[m]);
        last[m] = f;
      });
    };
    const out = new Float64Array(engine.stride);
    for (let path = 0; path < 60; path++) {
      for (let m = 0; m < M; m++) last[m] = Math.log(scenario.market.initialPrice);
      engine.runPaths(path, 1, out);
    }
    const n = returns[0].length;
    expect(n).toBe(60 * 50);
    const corr = (a: number[], b: number[]) => {
      const ma = a.reduce((x, y) => x + y) / n;
      const mb = b.reduce((x, y) => x + y) / n;
      let sab = 0;
      let saa = 0;
      let sbb = 0;
      for (let i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) ** 2;
        sbb += (b[i] - mb) ** 2;
      }
      return sab / Math.sqrt(saa * sbb);
    };
    for (let i = 0; i < M; i++)
      for (let j = i + 1; j < M; j++) {
        // the sample correlation's standard error (normal returns): (1 − ρ²) / √n
        const se = (1 - rho[i][j] ** 2) / Math.sqrt(n);
        expect(Math.abs(corr(returns[i], returns[j]) - rho[i][j]), `markets ${i}, ${j}`).toBeLessThan(5 * se);
      }
  });

  it("the correlation helper gives a valid Cholesky factor", () => {
    const c = correlationOf([
      [0.3, -0.2, 0.9],
      [1, 0.5, 0],
      [-0.4, 0.4, 0.4],
    ]);
    const l = cholesky(c);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += l[i * 3 + k] * l[j * 3 + k];
        expect(s).toBeCloseTo(c[i][j], 12);
      }
  });
});

describe("MarketsReferenceEngine's money", () => {
  // src/engine/ledger.ts: traders (every market's) + fund + makers (every market's fills) + treasury + vault − bad debt −
  // arrivals' collateral is what the path started with
  function money(l: MarketsLedger): number {
    return l.traders + l.insurance + l.makers + l.treasury + l.vault - l.badDebt - l.arrivals;
  }

  it("is conserved at every step of 500 random multi-market scenarios (cross-margin owners in about two of three), and the who-paid rows close per path", () => {
    fc.assert(
      fc.property(marketsWithCrossArb(scenarioArb), (inputs) => {
        const setup = marketsSetupOf(inputs);
        const engine = new MarketsReferenceEngine(setup);
        engine.prepare(...seedWords(inputs.markets[0].scenario.seed));
        let initial = NaN;
        let checked = 0;
        engine.onStep = (ledger) => {
          if (Number.isNaN(initial)) {
            initial = engine.venue.initialInsurance + engine.venue.vaultCapital + engine.initialCrossMoney();
            for (const market of engine.markets) {
              const pop = market.st.pop;
              for (let i = 0; i < pop.count; i++) initial += pop.collateral[i];
            }
          }
          // arrivals bring collateral in: the sums' rounding grows with that flow as well as with the opening money
          const scale = Math.max(1, initial, Math.abs(ledger.makers), ledger.badDebt, ledger.arrivals);
          const error = Math.abs(money(ledger) - initial) / scale;
          if (!(error <= 1e-9))
            throw new Error(
              `step ${ledger.step}: ledger sums to ${money(ledger)}, expected ${initial} (relative error ${error})`,
            );
          checked++;
        };
        const out = new Float64Array(engine.stride);
        for (let path = 0; path < 2; path++) {
          initial = NaN;
          engine.runPaths(path, 1, out);
          // who paid: the rows less bad debt sum to zero (conservation.test.ts's identity on the venue's rows)
          const rows =
            out[METRIC.liquidatedPnl] -
            out[METRIC.adlTransfer] +
            out[METRIC.fundNet] +
            out[METRIC.vaultPnl] +
            out[METRIC.treasury] +
            out[METRIC.keepersPnl] +
            out[METRIC.makersPnl] +
            out[METRIC.flowPnl];
          const scale = Math.max(1, Math.abs(out[METRIC.makersPnl]), out[METRIC.badDebt], Math.abs(out[METRIC.liquidatedPnl]));
          expect(Math.abs(rows - out[METRIC.badDebt]) / scale).toBeLessThanOrEqual(1e-9);
          // the venue's sums of the markets' blocks
          let liquidations = 0;
          for (let m = 0; m < setup.markets.length; m++) liquidations += out[V + m * K + MM.liquidations];
          expect(out[METRIC.liquidations]).toBe(liquidations);
        }
        expect(checked).toBe(2 * inputs.markets[0].scenario.steps);
      }),
      { numRuns: 500, seed: 17 },
    );
  }, 240_000); // 30–45 s alone; a machine busy with the rest of the suite takes longer
});
