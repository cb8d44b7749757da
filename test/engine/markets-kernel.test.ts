// Several markets under one venue in the WASM kernel (assembly/markets.ts, src/kernel/wasm-markets-engine.ts): one
// market is the one-market engine; copies of a market whose fund never binds each give the one-market run's record;
// the venue's ledger closes on random multi-market setups; builds, batches and paths agree.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { P } from "../../src/engine/layout.js";
import { MARKET_METRICS, type MarketsSetup, recordNames } from "../../src/engine/markets-setup.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { buildSetup, type EngineSetup } from "../../src/engine/setup.js";
import { WasmMarketsEngine } from "../../src/kernel/wasm-markets-engine.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { firstDifference, seedWords } from "../helpers/engines.js";

const identity = (M: number) => Float64Array.from({ length: M * M }, (_, k) => (k % (M + 1) === 0 ? 1 : 0));

/** Markets from single-market scenarios, the venue-wide parts (seed, steps, stepSeconds, fund, rounds) of market 0's. */
function venueOf(all: ScenarioInputs[]): ScenarioInputs[] {
  const s0 = all[0].scenario;
  return all.map((inputs, m) => {
    if (m === 0) return inputs;
    const s = structuredClone(inputs.scenario);
    s.seed = s0.seed;
    s.steps = s0.steps;
    s.stepSeconds = s0.stepSeconds;
    s.insurance = structuredClone(s0.insurance);
    s.liquidation.maxRoundsPerStep = s0.liquidation.maxRoundsPerStep;
    if (s0.adl.trigger) s.adl.trigger = structuredClone(s0.adl.trigger);
    else delete s.adl.trigger;
    s.market.price.shocks = (s.market.price.shocks ?? []).filter((x) => x.step <= s.steps);
    return { ...inputs, scenario: s };
  });
}

const marketsArb = fc
  .array(scenarioArb, { minLength: 2, maxLength: 4 })
  .chain((all) =>
    fc
      .array(fc.double({ min: -0.95, max: 0.95, noNaN: true }), { minLength: all.length, maxLength: all.length })
      .map((rho) => ({ all: venueOf(all), rho })),
  );

/** A correlation with one common factor (positive definite), its Cholesky factor row-major. */
function cholesky(rho: number[]): Float64Array {
  const M = rho.length;
  const c = (i: number, j: number) => (i === j ? 1 : rho[i] * rho[j]);
  const L = new Float64Array(M * M);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = c(i, j);
      for (let k = 0; k < j; k++) sum -= L[i * M + k] * L[j * M + k];
      L[i * M + j] = i === j ? Math.sqrt(sum) : sum / L[j * M + j];
    }
  }
  return L;
}

function marketsSetup(all: ScenarioInputs[], L?: Float64Array): MarketsSetup {
  return {
    names: all.map((_, m) => `m${m}`),
    markets: all.map((inputs) => buildSetup(inputs)),
    cholesky: L ?? identity(all.length),
  };
}

function run(setup: MarketsSetup, seed: number, paths: number, build: "release" | "debug" = "release", batch = 5) {
  const engine = new WasmMarketsEngine(setup, { build, batch });
  engine.prepare(...seedWords(seed));
  const out = new Float64Array(paths * engine.stride);
  engine.runPaths(0, paths, out);
  return out;
}

function sameBits(a: Float64Array, b: Float64Array, what: string): void {
  const at = firstDifference(a, b);
  expect(at, `${what}: first difference at ${at} (${a[at]} vs ${b[at]})`).toBe(-1);
}

describe("one market", () => {
  it("through WasmMarketsEngine is WasmEngine's record, its market block the venue's own metrics", () => {
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const setup = buildSetup(inputs);
        const single = new WasmEngine(setup, { batch: 4 });
        single.prepare(...seedWords(inputs.scenario.seed));
        const expected = new Float64Array(3 * RECORD_STRIDE);
        single.runPaths(0, 3, expected);
        const out = run({ names: ["x"], markets: [setup], cholesky: identity(1) }, inputs.scenario.seed, 3);
        const stride = recordNames(["x"]).length;
        for (let p = 0; p < 3; p++) {
          sameBits(
            out.subarray(p * stride, p * stride + RECORD_STRIDE),
            expected.subarray(p * RECORD_STRIDE, (p + 1) * RECORD_STRIDE),
            `path ${p}`,
          );
          MARKET_METRICS.forEach((name, k) =>
            expect(Object.is(out[p * stride + RECORD_STRIDE + k], expected[p * RECORD_STRIDE + METRIC[name]])).toBe(true),
          );
        }
      }),
      { numRuns: 20, seed: 3 },
    );
  });
});

/** The setup with its population fixed as a positions file (the one the kernel drew for it), jumps and flows off. */
function asFile(inputs: ScenarioInputs): EngineSetup {
  const s = structuredClone(inputs.scenario);
  if (s.market.price.model !== "none") s.market.price.model = "gbm";
  delete s.accounts.flow;
  s.insurance = { initialBalance: 1e15 };
  delete s.adl.trigger;
  const setup = buildSetup({ ...inputs, scenario: s });
  setup.params[P.resample] = 0;
  if (!setup.accounts) {
    const drawn = new WasmEngine(setup, { batch: 1 });
    drawn.prepare(...seedWords(s.seed));
    const e = drawn.exports;
    const n = setup.params[P.accountCount];
    const f64 = (ptr: number) => new Float64Array(e.memory.buffer, ptr, n).slice();
    setup.accounts = {
      isLong: new Int32Array(e.memory.buffer, e.accIsLongPtr(), n).slice(),
      size: f64(e.accSizePtr()),
      entry: f64(e.accEntryPtr()),
      collateral: f64(e.accCollateralPtr()),
    };
    setup.params[P.accountsFromFile] = 1;
  }
  return setup;
}

describe("copies of a market", () => {
  it("with L = [[1,0],[1,0]] and a fund that never binds: each market block is the one-market run's", () => {
    let liquidated = 0;
    fc.assert(
      fc.property(
        scenarioArb.filter((i) => i.scenario.liquidation.engine !== "backstop"),
        (inputs) => {
          const setup = asFile(inputs);
          const seed = inputs.scenario.seed;
          const single = new WasmEngine(setup, { batch: 4 });
          single.prepare(...seedWords(seed));
          const expected = new Float64Array(3 * RECORD_STRIDE);
          single.runPaths(0, 3, expected);
          const out = run({ names: ["a", "b"], markets: [setup, setup], cholesky: Float64Array.of(1, 0, 1, 0) }, seed, 3);
          const stride = RECORD_STRIDE + 2 * MARKET_METRICS.length;
          for (let p = 0; p < 3; p++) {
            for (let m = 0; m < 2; m++) {
              MARKET_METRICS.forEach((name, k) => {
                const got = out[p * stride + RECORD_STRIDE + m * MARKET_METRICS.length + k];
                const want = expected[p * RECORD_STRIDE + METRIC[name]];
                expect(Object.is(got, want), `path ${p} market ${m} ${name}: ${got} vs ${want}`).toBe(true);
              });
            }
            expect(out[p * stride + METRIC.liquidations]).toBe(2 * expected[p * RECORD_STRIDE + METRIC.liquidations]);
            liquidated += expected[p * RECORD_STRIDE + METRIC.liquidations];
          }
        },
      ),
      { numRuns: 60, seed: 5 },
    );
    expect(liquidated).toBeGreaterThan(0);
  });
});

// The venue's identity (test/conservation.test.ts), over every market's traders and the one ledger.
describe("the venue's ledger closes", () => {
  it("at the end of every path of random 2–4-market setups (debug kernel), to 1e-9 relative", () => {
    fc.assert(
      fc.property(marketsArb, ({ all, rho }) => {
        const setup = marketsSetup(all, cholesky(rho));
        const engine = new WasmMarketsEngine(setup, { build: "debug", batch: 2 });
        engine.prepare(...seedWords(all[0].scenario.seed));
        const out = new Float64Array(engine.stride);
        for (let path = 0; path < 3; path++) {
          engine.runPaths(path, 1, out);
          let initial = all[0].scenario.insurance.initialBalance;
          all.forEach((inputs, m) => {
            for (const c of engine.collateral(m)) initial += c;
            if (inputs.scenario.liquidation.engine === "backstop")
              initial += inputs.scenario.liquidation.backstop?.vaultCapital ?? 0;
          });
          const [traders, insurance, makers, badDebt, treasury, vault, arrivals] = engine.ledger();
          const total = traders + insurance + makers + treasury + vault - badDebt - arrivals;
          const scale = Math.max(1, initial, Math.abs(makers), badDebt);
          expect(Math.abs(total - initial) / scale, `path ${path}`).toBeLessThanOrEqual(1e-9);
          // the venue's counts are the markets' sums
          let liquidations = 0;
          for (let m = 0; m < all.length; m++) liquidations += out[RECORD_STRIDE + m * MARKET_METRICS.length];
          expect(out[METRIC.liquidations]).toBe(liquidations);
        }
      }),
      { numRuns: 150, seed: 13 },
    );
  });
});

describe("several markets", () => {
  it("release and debug builds agree, bit for bit", () => {
    fc.assert(
      fc.property(marketsArb, ({ all, rho }) => {
        const setup = marketsSetup(all, cholesky(rho));
        sameBits(
          run(setup, all[0].scenario.seed, 3, "release"),
          run(setup, all[0].scenario.seed, 3, "debug"),
          "release vs debug",
        );
      }),
      { numRuns: 60, seed: 17 },
    );
  });

  it("a path's record is the same alone or in a batch", () => {
    fc.assert(
      fc.property(marketsArb, ({ all, rho }) => {
        const setup = marketsSetup(all, cholesky(rho));
        const seed = all[0].scenario.seed;
        const batched = run(setup, seed, 5, "release", 5);
        const engine = new WasmMarketsEngine(setup, { batch: 1 });
        engine.prepare(...seedWords(seed));
        const one = new Float64Array(engine.stride);
        for (const p of [4, 0, 2]) {
          engine.runPaths(p, 1, one);
          sameBits(one, batched.subarray(p * engine.stride, (p + 1) * engine.stride), `path ${p}`);
        }
      }),
      { numRuns: 40, seed: 19 },
    );
  });

  it("market 0 of a venue whose fund never binds is the one-market run (identity correlation, today's counters)", () => {
    const noVault = scenarioArb.filter((i) => i.scenario.liquidation.engine !== "backstop");
    fc.assert(
      fc.property(noVault, noVault, (a, b) => {
        const s0 = asFile(a);
        const other = structuredClone(b.scenario);
        other.seed = a.scenario.seed;
        other.steps = a.scenario.steps;
        other.stepSeconds = a.scenario.stepSeconds;
        other.liquidation.maxRoundsPerStep = a.scenario.liquidation.maxRoundsPerStep;
        other.insurance = { initialBalance: 1e15 };
        delete other.adl.trigger;
        other.market.price.shocks = (other.market.price.shocks ?? []).filter((x) => x.step <= other.steps);
        const s1 = buildSetup({ ...b, scenario: other });
        const single = new WasmEngine(s0, { batch: 2 });
        single.prepare(...seedWords(a.scenario.seed));
        const expected = new Float64Array(2 * RECORD_STRIDE);
        single.runPaths(0, 2, expected);
        const out = run({ names: ["a", "b"], markets: [s0, s1], cholesky: identity(2) }, a.scenario.seed, 2);
        const stride = RECORD_STRIDE + 2 * MARKET_METRICS.length;
        for (let p = 0; p < 2; p++)
          MARKET_METRICS.forEach((name, k) => {
            const got = out[p * stride + RECORD_STRIDE + k];
            const want = expected[p * RECORD_STRIDE + METRIC[name]];
            expect(Object.is(got, want), `path ${p} ${name}: ${got} vs ${want}`).toBe(true);
          });
      }),
      { numRuns: 30, seed: 23 },
    );
  });
});
