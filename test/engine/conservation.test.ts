import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { ReferenceEngine, type Ledger } from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { seedWords } from "../helpers/engines.js";
import type { ScenarioInputs } from "../../src/config/scenario.js";

// The identity (DESIGN.md §1): money lives in the traders' cash (collateral plus realised PnL), the
// insurance fund (fees included), the makers' account (the book's side of every fill and of every ADL
// close), the treasury (fees a capped fund could not hold) and bad debt (a loss nobody absorbed, counted
// negative) and the backstop vault's cash (engine backstop; its capital is money it brings). accounts.flow's arrivals
// bring their collateral: money that enters the venue during the path (a voluntary closer's cash stays in the
// traders' sum). At every step
//     Σ traders' cash + insurance + makers + treasury + vault − bad debt − arrivals' collateral so far
//       =  Σ initial collateral + initial insurance + vault capital.
function money(l: Pick<Ledger, "traders" | "insurance" | "makers" | "badDebt" | "treasury" | "vault" | "arrivals">): number {
  return l.traders + l.insurance + l.makers + l.treasury + l.vault - l.badDebt - l.arrivals;
}

/** The money a path starts with (the population drawn for it, the fund, the vault's capital). */
function initialMoney(inputs: ScenarioInputs, collateral: Float64Array): number {
  let initial = inputs.scenario.insurance.initialBalance;
  for (const c of collateral) initial += c;
  if (inputs.scenario.liquidation.engine === "backstop") initial += inputs.scenario.liquidation.backstop?.vaultCapital ?? 0;
  return initial;
}

describe("money is conserved", () => {
  it("at every step of every path of 500 random scenarios (reference engine), to 1e-9 relative", () => {
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const setup = buildSetup(inputs);
        const engine = new ReferenceEngine(setup);
        engine.prepare(...seedWords(inputs.scenario.seed));
        let initial = NaN;
        let checked = 0;
        engine.onStep = (ledger) => {
          if (Number.isNaN(initial)) {
            // the drawn collateral never changes during a path (a sliced account's is kept apart), so the population (redrawn per path with resample) gives it
            initial = initialMoney(inputs, engine.population.collateral);
          }
          const scale = Math.max(1, initial, Math.abs(ledger.makers), ledger.badDebt);
          const error = Math.abs(money(ledger) - initial) / scale;
          if (!(error <= 1e-9)) {
            throw new Error(
              `step ${ledger.step}: ledger ${JSON.stringify(ledger)} sums to ${money(ledger)}, expected ${initial} (relative error ${error})`,
            );
          }
          checked++;
        };
        const out = new Float64Array(RECORD_STRIDE);
        for (let path = 0; path < 3; path++) {
          initial = NaN;
          engine.runPaths(path, 1, out);
        }
        expect(checked).toBe(3 * inputs.scenario.steps);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it("at the end of every path in the WASM kernel (1e-9 relative), on 200 random scenarios", () => {
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const setup = buildSetup(inputs);
        const engine = new WasmEngine(setup, { build: "debug" });
        engine.prepare(...seedWords(inputs.scenario.seed));
        const reference = new ReferenceEngine(setup);
        reference.prepare(...seedWords(inputs.scenario.seed));
        const out = new Float64Array(RECORD_STRIDE);
        for (let path = 0; path < 3; path++) {
          engine.runPaths(path, 1, out);
          reference.runPaths(path, 1, out);
          const pop = reference.population; // the same population the kernel drew for this path
          const initial = initialMoney(inputs, pop.collateral.subarray(0, pop.count));
          const [traders, insurance, makers, badDebt, treasury, vault, arrivals] = engine.ledger();
          const total = money({ traders, insurance, makers, badDebt, treasury, vault, arrivals });
          const scale = Math.max(1, initial, Math.abs(makers), badDebt);
          expect(Math.abs(total - initial) / scale, `path ${path}`).toBeLessThanOrEqual(1e-9);
        }
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});

// The same identity as per-path metrics (SPEC §4 "who paid"): the parties' money changes at the mark sum to zero,
// and each row agrees with the balances the engine keeps apart (the traders' cash is summed account by account).
describe("who paid: the money rows of every path", () => {
  const rowSum = (r: Float64Array, at: number) =>
    r[at + METRIC.liquidatedPnl] -
    r[at + METRIC.adlTransfer] +
    r[at + METRIC.fundNet] +
    r[at + METRIC.vaultPnl] +
    r[at + METRIC.treasury] +
    r[at + METRIC.keepersPnl] +
    r[at + METRIC.makersPnl] +
    r[at + METRIC.flowPnl] -
    r[at + METRIC.badDebt];

  it("sum to zero and match the ledger's balances, both engines, on 300 random scenarios", () => {
    // how many paths exercised each row (the property must not pass on zeros alone)
    const seen = { shortfall: 0, adlTransfer: 0, keepersPnl: 0, vaultPnl: 0, treasury: 0, plainShortfall: 0, flowPnl: 0 };
    fc.assert(
      fc.property(scenarioArb, (inputs) => {
        const setup = buildSetup(inputs);
        const kernel = new WasmEngine(setup, { build: "debug" });
        kernel.prepare(...seedWords(inputs.scenario.seed));
        const reference = new ReferenceEngine(setup);
        reference.prepare(...seedWords(inputs.scenario.seed));
        const fromKernel = new Float64Array(RECORD_STRIDE);
        const r = new Float64Array(RECORD_STRIDE);
        let last: Ledger | undefined;
        reference.onStep = (l) => (last = l);
        for (let path = 0; path < 3; path++) {
          kernel.runPaths(path, 1, fromKernel);
          reference.runPaths(path, 1, r);
          expect(Array.from(fromKernel), `path ${path}: kernel = reference`).toEqual(Array.from(r));
          const pop = reference.population;
          const initial = initialMoney(inputs, pop.collateral.subarray(0, pop.count));
          const l = last!;
          const scale = Math.max(1, initial, Math.abs(l.makers), l.badDebt);
          const near = (a: number, b: number, what: string) =>
            expect(Math.abs(a - b) / scale, `path ${path}: ${what} (${a} vs ${b})`).toBeLessThanOrEqual(1e-9);
          near(rowSum(r, 0), 0, "the rows sum to zero");
          // the traders' cash, account by account: the liquidated's change plus the ADL'd's (their profit at the
          // mark, moved to the makers' row, less what they gave up) plus the voluntary closers'; and the collateral the
          // arrivals brought
          let collateral = 0;
          for (let i = 0; i < pop.count; i++) collateral += pop.collateral[i];
          const adlPnl = r[METRIC.makersPnl] - l.makers + r[METRIC.keepersPnl] - r[METRIC.adlTransfer];
          near(l.traders - collateral - l.arrivals, r[METRIC.liquidatedPnl] + adlPnl + r[METRIC.flowPnl], "traders' cash change");
          // the kernel's arrivals brought the same collateral
          near(kernel.ledger()[6], l.arrivals, "arrivals' collateral (kernel)");
          near(r[METRIC.treasury], l.treasury, "treasury");
          near(r[METRIC.fundNet], l.insurance - inputs.scenario.insurance.initialBalance, "fund");
          const capital =
            inputs.scenario.liquidation.engine === "backstop" ? (inputs.scenario.liquidation.backstop?.vaultCapital ?? 0) : 0;
          near(r[METRIC.vaultPnl], l.vault - capital, "vault");
          expect(r[METRIC.feesPaid]).toBeGreaterThanOrEqual(0);
          expect(r[METRIC.shortfall]).toBeGreaterThanOrEqual(0);
          expect(r[METRIC.adlTransfer] === 0 || r[METRIC.adlCount] > 0 || inputs.scenario.adl.ranking === "socialized").toBe(
            true,
          );
          // market orders, no ADL: what the liquidated could not pay is what the fund paid plus bad debt
          const plain =
            ["market", "partial"].includes(inputs.scenario.liquidation.engine) && inputs.scenario.adl.ranking === "none";
          if (plain)
            near(
              r[METRIC.shortfall],
              r[METRIC.feesPaid] - r[METRIC.treasury] - r[METRIC.fundNet] + r[METRIC.badDebt],
              "shortfall = fund paid + bad debt",
            );
          for (const k of ["shortfall", "adlTransfer", "keepersPnl", "vaultPnl", "treasury", "flowPnl"] as const)
            if (r[METRIC[k]] !== 0) seen[k]++;
          if (plain && r[METRIC.shortfall] > 0) seen.plainShortfall++;
        }
      }),
      { numRuns: 300, seed: 23 },
    );
    for (const [row, paths] of Object.entries(seen)) expect(paths, `paths with a non-zero ${row}`).toBeGreaterThan(5);
  });
});
