// ADL as venues do it (SPEC §3): within a step every liquidation comes before any ADL; the ADL'd accounts are
// never the liquidated ones and are in profit at the ADL price; the ADL'd size is exactly the bankrupt size the
// book did not take; money is conserved after every step. Properties on random scenarios (the reference engine's
// hooks; test/engine/differential.test.ts holds the kernel to the same records bit for bit).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine, type AdlEvent, type LiquidationEvent } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { P } from "../../src/engine/layout.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { seedWords } from "../helpers/engines.js";

describe("ADL after the cascade, on random scenarios", () => {
  it("orders, selects, sizes and conserves as venues do (300 scenarios)", () => {
    let withAdl = 0;
    let withPartialMatch = 0;
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
          const mark = (step: number, kind: "liquidation" | "adl") => (order[step] ??= []).push(kind);
          // accounts the liquidation engine has had in its hands (never ADL'd): liquidated, sliced, taken at auction
          const handled = new Set<number>();
          engine.onLiquidation = (e) => {
            liquidations.push(e);
            handled.add(e.account);
            mark(e.step, "liquidation");
          };
          engine.onAuction = (e) => void handled.add(e.account);
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
          let partlyMatched = 0;
          engine.onStep = (l) => {
            // 3b. a bankrupt remainder ADL'd only in part took every eligible position: none of the other side is
            // left open, unhandled and in profit both at the price it was ADL'd at and at the mark the ranking scored
            // (Maker's hole kicks no auction event, so the auction engine is left out of this check)
            if (inputs.scenario.liquidation.engine !== "dutch-auction") {
              const remainderOf = new Map(
                liquidations
                  .filter((e) => e.step === l.step && e.remainder !== undefined)
                  .map((e) => [e.account, e.remainder as number]),
              );
              const byBankrupt = new Map<number, { size: number; price: number; side: number }>();
              for (const e of adl.filter((x) => x.step === l.step)) {
                const t = byBankrupt.get(e.bankrupt) ?? { size: 0, price: e.price, side: e.side };
                t.size += e.size;
                byBankrupt.set(e.bankrupt, t);
              }
              for (const [bankrupt, t] of byBankrupt) {
                const r = remainderOf.get(bankrupt);
                if (r === undefined || t.size >= r * (1 - 1e-12)) continue;
                partlyMatched++;
                const pop = engine.population;
                for (let j = 0; j < pop.count; j++) {
                  if (
                    (pop.isLong[j] === 1 ? 1 : -1) !== t.side ||
                    engine.isClosed(j) ||
                    handled.has(j) ||
                    !(engine.position(j).size > 0)
                  )
                    continue;
                  // eligible: in profit at the ADL price and at the mark the ranking scored it at
                  const eligible = t.side * (t.price - pop.entry[j]) > 0 && t.side * (l.mark - pop.entry[j]) > 0;
                  expect(
                    eligible,
                    `step ${l.step}: account ${j} was left in profit at ${t.price} (mark ${l.mark}) while bankrupt ${bankrupt} kept ${r - t.size} unmatched`,
                  ).toBe(false);
                }
              }
            }
            if (Number.isNaN(initial)) return;
            // accounts.flow's arrivals bring their collateral in: money that enters during the path
            const money = l.traders + l.insurance + l.makers + l.treasury + l.vault - l.badDebt - l.arrivals;
            expect(Math.abs(money - initial), `path ${path} step ${l.step}`).toBeLessThanOrEqual(
              1e-9 * Math.max(1, Math.abs(l.makers), l.badDebt, initial),
            );
          };
          const out = new Float64Array(RECORD_STRIDE);
          engine.runPaths(path, 1, out);
          if (adl.length > 0) withAdl++;
          if (partlyMatched > 0) withPartialMatch++;
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
    expect(withPartialMatch, "some remainders outnumber the eligible winners").toBeGreaterThan(0);
  });
});
