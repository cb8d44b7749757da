// Several markets (phase B1 of #14): the kernel (assembly/markets.ts, switching market contexts) and the reference
// engine (src/engine/markets.ts, one state per market over one ledger) give bit-identical records on random
// multi-market setups: 2–4 markets, each a whole random scenario from the single-market generator (every liquidation
// engine, fee schedule, margin model, mark model, ADL ranking, book profile, stress, flow), correlated returns.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MarketsReferenceEngine } from "../../src/engine/markets.js";
import { type MarketsSetup, recordNames } from "../../src/engine/markets-setup.js";
import { LEG_ID_BASE } from "../../src/engine/owner-adl.js";
import type { KernelBuild } from "../../src/kernel/module.js";
import { WasmMarketsEngine } from "../../src/kernel/wasm-markets-engine.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { seedWords } from "../helpers/engines.js";
import { marketsSetupOf, marketsWithCrossArb } from "../helpers/markets-arbitrary.js";

const PATHS = 3;

/** The owners' legs ADL closed (onAdl events of an id ≥ LEG_ID_BASE) over the reference's runs, and socialized. */
let legsDeleveraged = 0;
let legsHaircut = 0;

function records(setup: MarketsSetup, seed: number, engine: "ts" | KernelBuild, first = 0): Float64Array {
  const out = new Float64Array(PATHS * recordNames(setup.names, setup.cross !== undefined).length);
  const e = engine === "ts" ? new MarketsReferenceEngine(setup) : new WasmMarketsEngine(setup, { build: engine, batch: 2 });
  if (e instanceof MarketsReferenceEngine)
    for (const market of e.markets) {
      market.st.onAdl = (event) => {
        if (event.account >= LEG_ID_BASE) legsDeleveraged++;
      };
      market.st.onSocializedLoss = (event) => {
        for (const h of event.haircuts) if (h.account >= LEG_ID_BASE) legsHaircut++;
      };
    }
  e.prepare(...seedWords(seed));
  e.runPaths(first, PATHS, out);
  return out;
}

describe("several markets: the kernel and the reference engine", () => {
  it("give bit-identical records on 200 random multi-market setups, cross-margin owners in about two of three (release and debug kernels)", () => {
    let crossCases = 0;
    let crossLiquidated = 0;
    fc.assert(
      fc.property(marketsWithCrossArb(scenarioArb), fc.integer({ min: 0, max: 1000 }), (inputs, first) => {
        const setup = marketsSetupOf(inputs);
        const names = recordNames(setup.names, setup.cross !== undefined);
        const seed = inputs.markets[0].scenario.seed;
        const ts = records(setup, seed, "ts", first);
        for (const build of ["release", "debug"] as const) {
          const wasm = records(setup, seed, build, first);
          const at = ts.findIndex((x, i) => !Object.is(x, wasm[i]));
          if (at >= 0) {
            const path = first + Math.floor(at / names.length);
            throw new Error(`${build}: path ${path} ${names[at % names.length]}: ts=${ts[at]} wasm=${wasm[at]}`);
          }
        }
        if (setup.cross) {
          crossCases++;
          const k = names.indexOf("crossMargin.accountsLiquidated");
          for (let p = 0; p < PATHS; p++) if (ts[p * names.length + k] > 0) crossLiquidated++;
        }
      }),
      { numRuns: 200, seed: 20261207 },
    );
    // the property must reach owners that are liquidated, not only quiet ones
    expect(crossCases).toBeGreaterThan(100);
    expect(crossLiquidated).toBeGreaterThan(50);
    // and owners' legs that ADL closed against a bankrupt remainder (issue #14)
    expect(legsDeleveraged).toBeGreaterThan(0);
    expect(legsHaircut).toBeGreaterThan(0);
  }, 600_000);
});
