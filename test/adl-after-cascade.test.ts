// ADL as venues do it (SPEC §3): within a step every liquidation comes before any ADL; the ADL'd accounts are
// never the liquidated ones and are in profit at the ADL price; the ADL'd size is exactly the bankrupt size the
// book did not take; money is conserved after every step. Properties on random scenarios (the reference engine's
// hooks; test/differential.test.ts holds the kernel to the same records bit for bit).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RECORD_STRIDE } from "../src/engine/metrics.js";
import { ReferenceEngine, type AdlEvent, type LiquidationEvent } from "../src/engine/reference.js";
import { buildSetup } from "../src/engine/setup.js";
import { P } from "../src/engine/layout.js";
import { scenarioArb } from "./helpers/arbitrary.js";
import { seedWords } from "./helpers/engines.js";

describe("ADL after the cascade, on random scenarios", () => {
  it("orders, selects, sizes and conserves as venues do (300 scenarios)", () => {
    let withAdl = 0;
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const ranking = inputs.scenario.adl.ranking;
        if (ranking === "none" || ranking === "socialized") return;
        const engine = new ReferenceEngine(buildSetup(inputs));
        engine.prepare(...seedWords(inputs.scenario.seed));
        const paths = 3;
        for (let path = 0; path < paths; path++) {
          const liquidations: LiquidationEvent[] = [];
          const adl: AdlEvent[] = [];
          const order: ("liquidation" | "adl")[][] = [];
          const mark = (step: number, kind: "liquidation" | "adl") => ((order[step] ??= []).push(kind));
          engine.onLiquidation = (e) => {
            liquidations.push(e);
            mark(e.step, "liquidation");
          };
          engine.onAdl = (e) => {
            adl.push(e);
            mark(e.step, "adl");
          };
          // money: traders + fund + makers + treasury + vault − bad debt − arrivals' collateral stays what it was (a drawn population is
          // the run's, so its collateral is known before the path; a resampled one is not checked here)
          const setup = buildSetup(inputs);
          let initial = NaN;
          if (!inputs.scenario.accounts.resample) {
            initial = inputs.scenario.insurance.initialBalance + setup.params[P.vaultCapital];
            for (const c of engine.population.collateral) initial += c;
          }
          engine.onStep = (l) => {
            if (Number.isNaN(initial)) return;
            // accounts.flow's arrivals bring their collateral in: money that enters during the path
            const money = l.traders + l.insurance + l.makers + l.treasury + l.vault - l.badDebt - l.arrivals;
            expect(Math.abs(money - initial), `path ${path} step ${l.step}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(l.makers), l.badDebt, initial));
          };
          const out = new Float64Array(RECORD_STRIDE);
          engine.runPaths(path, 1, out);
          if (adl.length > 0) withAdl++;
          // 1. within a step, no liquidation follows an ADL
          for (const [step, kinds] of order.entries()) {
            if (!kinds) continue;
            const first = kinds.indexOf("adl");
            if (first >= 0) expect(kinds.slice(first).includes("liquidation"), `step ${step}`).toBe(false);
          }
          // 2. ADL'd accounts are never ones a liquidation closed, nor ones liquidated (sliced) in the same step, and
          // are in profit at the ADL price
          const liquidated = new Set(liquidations.filter((e) => e.whole).map((e) => e.account));
          const slicedIn = new Set(liquidations.filter((e) => !e.whole).map((e) => `${e.step}:${e.account}`));
          for (const e of adl) {
            expect(liquidated.has(e.account), `account ${e.account}`).toBe(false);
            expect(slicedIn.has(`${e.step}:${e.account}`), `account ${e.account} at step ${e.step}`).toBe(false);
            expect(e.side * (e.price - engine.population.entry[e.account])).toBeGreaterThan(0);
            expect(e.side).toBe(-(engine.population.isLong[e.bankrupt] === 1 ? 1 : -1));
          }
          // 3. the ADL'd size is the uncovered bankrupt size, or all the profitable size there was
          const remainder = new Map<number, number>();
          for (const e of liquidations) if (e.remainder !== undefined) remainder.set(e.account, e.remainder);
          const taken = new Map<number, number>();
          for (const e of adl) taken.set(e.bankrupt, (taken.get(e.bankrupt) ?? 0) + e.size);
          for (const [bankrupt, size] of taken) {
            const r = remainder.get(bankrupt);
            expect(r, `bankrupt ${bankrupt} has a remainder`).toBeDefined();
            expect(size).toBeLessThanOrEqual((r as number) * (1 + 1e-12));
          }
        }
      }),
      { numRuns: 300, seed: 20261206 },
    );
    expect(withAdl, "some scenarios deleverage").toBeGreaterThan(5);
  });
});
