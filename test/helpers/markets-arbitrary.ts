// fast-check generators of multi-market setups (src/engine/markets-setup.ts): 2–4 markets, each a whole scenario from
// the single-market generator (./arbitrary.ts) with the venue-wide parts (seed, steps, stepSeconds, insurance,
// maxRoundsPerStep, the fund's trigger) copied from market 0 into every market's block, and a random valid correlation
// (A·Aᵀ normalised, or the identity) as its Cholesky factor.
import fc from "fast-check";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import type { MarketsSetup } from "../../src/engine/markets-setup.js";
import { buildSetup } from "../../src/engine/setup.js";
import { type CrossAsset, type CrossOwner, buildCrossTables } from "../../src/engine/cross-setup.js";

export interface MarketsInputs {
  /** Each market's whole scenario (venue-wide parts equal to market 0's). */
  markets: ScenarioInputs[];
  correlation: number[][];
  /** Cross-margin owners over the markets (absent: none). */
  cross?: { owners: CrossOwner[]; assets: CrossAsset[] };
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
  // accounts.flow's rates are per hour: kept per step (as the generator drew them) under the venue's step length, or a
  // market drawn with 1-second steps would get ~10^6 arrivals a step under the venue's 15-minute ones (minutes a path)
  const flow = s.accounts.flow;
  if (flow) {
    const k = inputs.scenario.stepSeconds / v.stepSeconds;
    if (flow.arrivalsPerHour !== undefined) flow.arrivalsPerHour *= k;
    if (flow.closeRatePerHour !== undefined) flow.closeRatePerHour *= k;
  }
  return { ...inputs, scenario: s };
}

/** The engines' setup of these markets (names m0, m1, …). */
export function marketsSetupOf(inputs: MarketsInputs): MarketsSetup {
  const setups = inputs.markets.map((s) => buildSetup(s));
  return {
    names: inputs.markets.map((_, m) => `m${m}`),
    markets: setups,
    cholesky: cholesky(inputs.correlation),
    ...(inputs.cross ? { cross: buildCrossTables(setups, inputs.cross.owners, inputs.cross.assets) } : {}),
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

/**
 * Cross-margin owners over these markets: 1–3 collateral assets (external at a price in [0.5, 2], or marked at a
 * random market with a haircut up to 0.3), 0–30 owners with 0–M legs in distinct markets (entries within 3% of the
 * market's initial price, notional 100–50,000), 0–3 deposits worth the legs' gross notional over a leverage of 1–60,
 * some landing after the start (up to a step past the end).
 */
export function crossArb(markets: readonly ScenarioInputs[]): fc.Arbitrary<{ owners: CrossOwner[]; assets: CrossAsset[] }> {
  const M = markets.length;
  const steps = markets[0].scenario.steps;
  const price = (m: number) => markets[m].scenario.market.initialPrice;
  const assetArb: fc.Arbitrary<CrossAsset> = fc.oneof(
    fc.record({ market: fc.constant(-1), price: fc.double({ min: 0.5, max: 2, noNaN: true }), haircut: fc.constantFrom(0, 0.1) }),
    fc.record({
      market: fc.integer({ min: 0, max: M - 1 }),
      price: fc.constant(1),
      haircut: fc.double({ min: 0, max: 0.3, noNaN: true }),
    }),
  );
  return fc.array(assetArb, { minLength: 1, maxLength: 3 }).chain((assets) => {
    const legArb = fc.record({
      side: fc.constantFrom<1 | -1>(1, -1),
      notional: fc.double({ min: 100, max: 50_000, noNaN: true }),
      skew: fc.double({ min: -0.03, max: 0.03, noNaN: true }),
    });
    const ownerArb = fc
      .record({
        markets: fc.shuffledSubarray(
          Array.from({ length: M }, (_, m) => m),
          { minLength: 0, maxLength: M },
        ),
        legs: fc.array(legArb, { minLength: M, maxLength: M }),
        leverage: fc.double({ min: 1, max: 60, noNaN: true }),
        deposits: fc.array(
          fc.record({
            asset: fc.integer({ min: 0, max: assets.length - 1 }),
            share: fc.double({ min: 0.05, max: 1, noNaN: true }),
            arrives: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: steps + 1 })),
          }),
          { minLength: 0, maxLength: 3 },
        ),
      })
      .map(({ markets: picked, legs, leverage, deposits }): CrossOwner => {
        let gross = 0;
        const ownerLegs = picked.map((m, k) => {
          const entry = price(m) * (1 + legs[k].skew);
          gross += legs[k].notional;
          return { market: m, side: legs[k].side, size: legs[k].notional / entry, entry };
        });
        const value = gross > 0 ? gross / leverage : 1000;
        const unit = (a: number) => (assets[a].market >= 0 ? price(assets[a].market) : assets[a].price);
        return {
          legs: ownerLegs,
          deposits: deposits.map((d) => ({ asset: d.asset, amount: (value * d.share) / unit(d.asset), arrives: d.arrives })),
        };
      });
    return fc.array(ownerArb, { minLength: 0, maxLength: 30 }).map((owners) => ({ owners, assets }));
  });
}

/** marketsArb with cross-margin owners in about two cases of three. */
export function marketsWithCrossArb(scenarioArb: fc.Arbitrary<ScenarioInputs>): fc.Arbitrary<MarketsInputs> {
  return marketsArb(scenarioArb).chain((inputs) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(inputs) },
      { weight: 2, arbitrary: crossArb(inputs.markets).map((cross) => ({ ...inputs, cross })) },
    ),
  );
}
