// Cross margin across markets in the reference engine (src/engine/cross-margin.ts through MarketsReferenceEngine):
// the portfolio engine's hand-computed goldens (test/portfolio.test.ts) as `markets:` scenarios with cross-margin
// owners (buildCrossTables), money conserved at every step of random cross setups, and no owners ⇒ the records of
// the setup without `cross`.
//
// The markets engine's conventions, against the old portfolio engine's: a step opens at the book's mid (mark last),
// a leg's entry is given (here the initial mid, the portfolio's default), a market with price.model none moves only
// by its shocks, and impact { halfLifeSeconds: 1e300 (no decay), permanentShare: 0 } keeps a consumed book consumed (no
// refill, no drift of the centre) — with books of 1e6 per tick every fill below lands at the touch, as there.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { resolveScenario } from "../../src/config/load.js";
import { type CrossAsset, type CrossOwner, buildCrossTables } from "../../src/engine/cross-setup.js";
import type { CrossLiquidationEvent } from "../../src/engine/cross-margin.js";
import { MarketsReferenceEngine, type MarketsLedger } from "../../src/engine/markets.js";
import { buildMarketsSetup, CROSS_METRICS, type MarketsSetup, recordNames } from "../../src/engine/markets-setup.js";
import { seedWords } from "../helpers/engines.js";

type Raw = Record<string, unknown>;

/** A market without randomness, a deep flat book (every fill at the touch), no refill, one tier (mmr 1/16 by default). */
function quietMarket(name: string, initialPrice: number, shock: number, extra: { tick?: number; mmr?: number; size?: number; shockStep?: number } = {}) {
  return {
    name,
    market: {
      initialPrice,
      tickSize: extra.tick ?? 1,
      price: { model: "none", volatility: 0, shocks: shock === 0 ? [] : [{ step: extra.shockStep ?? 1, return: shock }] },
      book: { levels: 400, depth: { profile: "flat", size: extra.size ?? 1e6 } },
      // no refill: the schema takes finite numbers only, and 2^(−60 / 1e300) is 1 in f64 (the decay of Infinity)
      impact: { halfLifeSeconds: 1e300, permanentShare: 0 },
      mark: { model: "last" },
    },
    margin: { tiers: [{ floor: 0, mmr: extra.mmr ?? 0.0625, maintenanceAmount: 0 }] },
  };
}

/** A venue of these markets with no accounts of their own, no liquidation fee (unless given), a fund of 1,000,000. */
function venue(steps: number, markets: Raw[], feeRate = 0): Raw {
  return {
    seed: 1,
    paths: 1,
    steps,
    accounts: { count: 0 },
    liquidation: { engine: "market", feeRate },
    insurance: { initialBalance: 1_000_000 },
    markets,
  };
}

function crossSetup(raw: Raw, owners: CrossOwner[], assets: CrossAsset[]): MarketsSetup {
  const setup = buildMarketsSetup(resolveScenario(raw, "."));
  return { ...setup, cross: buildCrossTables(setup.markets, owners, assets) };
}

/** Runs path 0 and returns the forced trades in order, the engine (for the owners' end state), ledgers and the record. */
function trace(setup: MarketsSetup) {
  const engine = new MarketsReferenceEngine(setup);
  const events: CrossLiquidationEvent[] = [];
  const ledgers: MarketsLedger[] = [];
  engine.cross!.onLiquidation = (e) => events.push(e);
  engine.onStep = (l) => ledgers.push(l);
  engine.prepare(...seedWords(1));
  const out = new Float64Array(engine.stride);
  engine.runPaths(0, 1, out);
  const names = recordNames(setup.names, setup.cross !== undefined);
  const metric = (name: string) => {
    const k = names.indexOf(name);
    if (k < 0) throw new Error(`no metric ${name}`);
    return out[k];
  };
  return { engine, events, ledgers, metric, out };
}

const USDT: CrossAsset = { market: -1, price: 1, haircut: 0 };
const legRow = (e: CrossLiquidationEvent) => [e.owner, e.kind, e.index, e.notional, e.equity, e.maintenance];

describe("cross margin closes the worst leg first", () => {
  // Three markets, tick 1: the initial mids (the legs' entries) are 1000.5, 500.5 and 2000.5.
  // Step 1 shocks: A −10% (mid 900.5, bid 900), B +2% (mid 510.5, ask 511), C −3% (mid 1940.5, bid 1940).
  // MM = notional / 16. Every owner: leg 0 long 10 A, leg 1 short 20 B, leg 2 long 5 C; USDT collateral.
  //
  // Owner 0 (2400 USDT), marks A 900.5, B 510.5, C 1940.5:
  //   uPnL A = 10·(900.5−1000.5) = −1000   B = −20·(510.5−500.5) = −200   C = 5·(1940.5−2000.5) = −300
  //   MM   A = 10·900.5/16 = 562.8125      B = 20·510.5/16 = 638.125     C = 5·1940.5/16 = 606.40625
  //   equity 2400 − 1500 = 900 < 1807.34375 → worst leg A (loss 1000)
  //   | closed | fill            | cash     | equity after                     | MM after              |
  //   | A (0)  | 10 @ 900 = 9000 | −1005    | 2400 − 1005 − 200 − 300 = 895    | 638.125 + 606.40625   |
  //   |        |                 |          |   895 < 1244.53125 → next worst C (loss 300 > 200)        |
  //   | C (2)  | 5 @ 1940 = 9700 | −1307.5  | 2400 − 1307.5 − 200 = 892.5      | 638.125: healthy, B stays open |
  // Owner 1 (1500 USDT), in the same round, marks now A 900 and C 1940 (mark last: the fills), B 510.5:
  //   uPnL A −1005, B −200, C −302.5; equity −7.5 < 562.5 + 638.125 + 606.25
  //   | A (0)  | 10 @ 900 = 9000  | −1005   | 1500 − 1005 − 200 − 302.5 = −7.5  | 638.125 + 606.25 = 1244.375 |
  //   | C (2)  | 5 @ 1940 = 9700  | −1307.5 | −7.5                              | 638.125 |
  //   | B (1)  | 20 @ 511 = 10220 | −1517.5 | 1500 − 1517.5 = −17.5             | 0 |
  //   close-out: 1500 USDT → cash −17.5, paid by the fund (1,000,000 → 999,982.5); no bad debt.
  // Step 2 opens every market at its mid again (900.5, 510.5, 1940.5: 20 and 10 units of 1e6 leave the touches
  // where they were), where owner 0 (B alone: equity 892.5 ≥ 638.125) stays.
  const owner = (usdt: number): CrossOwner => ({
    legs: [
      { market: 0, side: 1, size: 10, entry: 1000.5 },
      { market: 1, side: -1, size: 20, entry: 500.5 },
      { market: 2, side: 1, size: 5, entry: 2000.5 },
    ],
    deposits: [{ asset: 0, amount: usdt, arrives: 0 }],
  });
  const markets = [quietMarket("A", 1000, -0.1), quietMarket("B", 500, 0.02), quietMarket("C", 2000, -0.03)];

  it("in the order of a hand-computed table, re-checking the owner after each leg", () => {
    const { engine, events, metric } = trace(crossSetup(venue(2, markets), [owner(2400), owner(1500)], [USDT]));
    expect(events.map(legRow)).toEqual([
      [0, "leg", 0, 9000, 895, 1244.53125],
      [0, "leg", 2, 9700, 892.5, 638.125],
      [1, "leg", 0, 9000, -7.5, 1244.375],
      [1, "leg", 2, 9700, -7.5, 638.125],
      [1, "leg", 1, 10220, -17.5, 0],
      [1, "collateral", 0, 1500, -17.5, 0],
    ]);
    expect(events.every((e) => e.step === 1 && e.round === 1)).toBe(true);
    const cross = engine.cross!;
    expect(cross.owner(0)).toMatchObject({ closed: false, cash: -1307.5, openLegs: [1], equity: 892.5, maintenance: 638.125 });
    expect(cross.owner(1)).toMatchObject({ closed: true, cash: 0, openLegs: [] });
    expect(metric("liquidations")).toBe(5);
    expect(metric("liquidatedNotional")).toBe(9000 + 9700 + 9000 + 9700 + 10220);
    expect(metric("markets.A.liquidations")).toBe(2);
    expect(metric("markets.B.liquidatedNotional")).toBe(10220);
    expect(metric("insuranceFinal")).toBe(1_000_000 - 17.5);
    expect(metric("badDebt")).toBe(0);
    expect(metric("crossMargin.accountsLiquidated")).toBe(2);
    expect(metric("crossMargin.accountsClosed")).toBe(1);
    expect(metric("crossMargin.collateralSold")).toBe(1500);
    expect(metric("crossMargin.collateralSales")).toBe(1);
    expect(metric("firstLiquidationStep")).toBe(1);
    // the fills' slippage against the marks before them: 0.5 per unit for owner 0's A and C (sold at the bid under
    // the mid) and owner 1's B (bought at the ask above the mid); owner 1's A and C fill at their marks (the last
    // trades 900 and 1940): 0; against the notional at those marks
    const slip = 0.5 * (10 + 5) + 0 + 0 + 0.5 * 20;
    const marked = 10 * 900.5 + 5 * 1940.5 + 10 * 900 + 5 * 1940 + 20 * 510.5;
    expect(metric("avgSlippage")).toBeCloseTo(slip / marked, 15);
    expect(metric("markets.A.minPrice")).toBe(900);
    expect(metric("markets.A.finalPrice")).toBe(900.5);
  });

  // Ties on the loss: long 3 A and long 5 C both lose 300 (3·(900.5−1000.5) = 5·(1940.5−2000.5)); MM 168.84375
  // and 606.40625. With 1000 USDT, equity 400 < 775.25 → C goes first (larger MM) whatever the leg order;
  // after it (5 @ 1940, −302.5) equity 397.5 ≥ 168.84375: A stays.
  // Equal loss and equal MM: long 3 A and long 3 D (D a copy of A), 800 USDT: equity 200 < 337.6875 → leg 0
  // goes first; after it (3 @ 900, −301.5) equity 198.5 ≥ 168.84375: leg 1 stays.
  const tieMarkets = [quietMarket("A", 1000, -0.1), quietMarket("C", 2000, -0.03), quietMarket("D", 1000, -0.1)];
  const index = { A: 0, C: 1, D: 2 } as const;
  const entry = { A: 1000.5, C: 2000.5, D: 1000.5 } as const;
  it.each([
    ["larger MM first (A listed first)", ["A", "C"], [3, 5], 1000, [[1, 397.5, 168.84375]]],
    ["larger MM first (C listed first)", ["C", "A"], [5, 3], 1000, [[0, 397.5, 168.84375]]],
    ["then the lower leg index (A, D)", ["A", "D"], [3, 3], 800, [[0, 198.5, 168.84375]]],
    ["then the lower leg index (D, A)", ["D", "A"], [3, 3], 800, [[0, 198.5, 168.84375]]],
  ] as const)("breaks ties on the loss by %s", (_name, names, sizes, usdt, expected) => {
    const o: CrossOwner = {
      legs: names.map((m, j) => ({ market: index[m], side: 1 as const, size: sizes[j], entry: entry[m] })),
      deposits: [{ asset: 0, amount: usdt, arrives: 0 }],
    };
    const { events } = trace(crossSetup(venue(1, tieMarkets), [o], [USDT]));
    expect(events.map((e) => [e.index, e.equity, e.maintenance])).toEqual(expected);
  });
});
