// fast-check generators of multi-market setups (src/engine/markets-setup.ts): 2–4 markets, each a whole scenario from
// the single-market generator (./arbitrary.ts) with the venue-wide parts (seed, steps, stepSeconds, insurance,
// maxRoundsPerStep, the fund's trigger) copied from market 0 into every market's block, and a random valid correlation
// (A·Aᵀ normalised, or the identity) as its Cholesky factor.
import fc from "fast-check";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import type { MarketsSetup } from "../../src/engine/markets-setup.js";
import { buildSetup } from "../../src/engine/setup.js";

export interface MarketsInputs {
  /** Each market's whole scenario (venue-wide parts equal to market 0's). */
  markets: ScenarioInputs[];
  correlation: number[][];
}

/** The lower Cholesky factor of a symmetric positive definite matrix, row-major. */
export function cholesky(c: number[][]): Float64Array {
  const n = c.length;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = c[i][j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) throw new Error("the correlation is not positive definite");
        l[i * n + i] = Math.sqrt(sum);
      } else l[i * n + j] = sum / l[j * n + j];
    }
  }
  return l;
}

export function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/** A·Aᵀ (plus a little of the identity, so that it is definite) normalised to a unit diagonal. */
export function correlationOf(a: number[][]): number[][] {
  const n = a.length;
  const c = identity(n).map((row) => row.map((x) => 0.05 * x));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) c[i][j] += a[i][k] * a[j][k];
  const d = c.map((row, i) => Math.sqrt(row[i]));
  return c.map((row, i) => row.map((x, j) => (i === j ? 1 : x / (d[i] * d[j]))));
}

/** Market m's scenario with market 0's venue-wide parts (its shocks kept within the venue's steps). */
export function withVenueOf(first: ScenarioInputs, inputs: ScenarioInputs): ScenarioInputs {
  const v = first.scenario;
  const s = structuredClone(inputs.scenario);
  s.seed = v.seed;
  s.steps = v.steps;
  s.stepSeconds = v.stepSeconds;
  s.insurance = structuredClone(v.insurance);
  s.liquidation.maxRoundsPerStep = v.liquidation.maxRoundsPerStep;
  if (v.adl.trigger) s.adl.trigger = structuredClone(v.adl.trigger);
  else delete s.adl.trigger;
  s.market.price.shocks = s.market.price.shocks.map((shock) => ({ ...shock, step: Math.min(shock.step, v.steps) }));
  return { ...inputs, scenario: s };
}

/** The engines' setup of these markets (names m0, m1, …). */
export function marketsSetupOf(inputs: MarketsInputs): MarketsSetup {
  return {
    names: inputs.markets.map((_, m) => `m${m}`),
    markets: inputs.markets.map((s) => buildSetup(s)),
    cholesky: cholesky(inputs.correlation),
  };
}

const matrixArb = (n: number) =>
  fc.array(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }), {
    minLength: n,
    maxLength: n,
  });

export function marketsArb(scenarioArb: fc.Arbitrary<ScenarioInputs>): fc.Arbitrary<MarketsInputs> {
  return fc.integer({ min: 2, max: 4 }).chain((n) =>
    fc
      .record({
        markets: fc.array(scenarioArb, { minLength: n, maxLength: n }),
        correlation: fc.oneof(fc.constant(identity(n)), matrixArb(n).map(correlationOf)),
      })
      .map(({ markets, correlation }) => ({ markets: markets.map((s) => withVenueOf(markets[0], s)), correlation })),
  );
}
