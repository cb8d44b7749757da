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
function quietMarket(
  name: string,
  initialPrice: number,
  shock: number,
  extra: { tick?: number; mmr?: number; size?: number; shockStep?: number } = {},
) {
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

describe("a leg's tier changes with its mark (the health forms' crit marks)", () => {
  // One market X: 1000, tick 1 (initial mid 1000.5), tiers mmr 1% below a notional of 10,000 and 5% − 400 above
  // (continuous at the floor), a +2% shock at step 2 (mid 1020.5, ask 1021). A short's notional crosses the floor
  // when the mark crosses 10,000 / size: its owner's linear form, made at the old tier, must be made again.
  const tiers = [
    { floor: 0, mmr: 0.01, maintenanceAmount: 0 },
    { floor: 10_000, mmr: 0.05, maintenanceAmount: 400 },
  ];
  const market = (size: number) => {
    const m = quietMarket("X", 1000, 0.02, { size, shockStep: 2 });
    return { ...m, margin: { tiers } };
  };

  it("between steps: the shock moves a short across its floor and into liquidation", () => {
    // short 9.9 at 1000.5, 301 USDT. Step 2: mark 1020.5, notional 10,102.95 (tier 1: MM 105.1475; at tier 0 it
    // would be 101.0295), loss 9.9 × 20 = 198: equity 103 < 105.1475 (the old tier's form: 301 − 198 − 101.0295 =
    // 1.9705 ≥ 0). Bought back 9.9 @ 1021 = 10,107.9: cash −202.95, equity 98.05; the 301 USDT close out.
    const { events, engine } = trace(
      crossSetup(
        venue(3, [market(1e6)]),
        [{ legs: [{ market: 0, side: -1, size: 9.9, entry: 1000.5 }], deposits: [{ asset: 0, amount: 301, arrives: 0 }] }],
        [USDT],
      ),
    );
    expect(events.map((e) => [e.step, e.kind])).toEqual([
      [2, "leg"],
      [2, "collateral"],
    ]);
    expect(events[0].notional).toBeCloseTo(10_107.9, 9);
    expect(events[0].equity).toBeCloseTo(98.05, 9);
    expect(engine.cross!.owner(0).cash).toBeCloseTo(98.05, 9);
  });

  it("within a round: one owner's fill lifts the mark across another's floor", () => {
    // A book of 1 per tick. Owner 0: short 5 at 1000.5 on 60 USDT (≥ MM 50.025 at step 1), under water at step 2
    // (equity −40): bought back at 1021…1025 = 5115, mark 1025 (last); cash −112.5, the 60 USDT close out, the fund
    // pays 52.5.
    // Owner 1: short 9.775 at 1000.5 on 340 USDT. At the round's start (1020.5) notional 9975.39 (tier 0), equity
    // 340 − 195.5 = 144.5 ≥ 99.75: its form is made at tier 0. At 1025: notional 10,019.375 ≥ 10,000 (crit
    // 1023.02 crossed), MM 500.96875 − 400 = 100.96875 (tier 0's form: 100.19375), equity 340 − 239.4875 =
    // 100.5125: under water (the stale form's health would be +0.31875). Bought back 9 @ 1026…1034 + 0.775 @ 1035 =
    // 10,072.125 in the same round: cash −292.2375, equity 47.7625; the 340 USDT close out.
    const { events, engine, metric } = trace(
      crossSetup(
        venue(2, [market(1)]),
        [
          { legs: [{ market: 0, side: -1, size: 5, entry: 1000.5 }], deposits: [{ asset: 0, amount: 60, arrives: 0 }] },
          { legs: [{ market: 0, side: -1, size: 9.775, entry: 1000.5 }], deposits: [{ asset: 0, amount: 340, arrives: 0 }] },
        ],
        [USDT],
      ),
    );
    expect(events.map((e) => [e.step, e.round, e.owner, e.kind])).toEqual([
      [2, 1, 0, "leg"],
      [2, 1, 0, "collateral"],
      [2, 1, 1, "leg"],
      [2, 1, 1, "collateral"],
    ]);
    expect(events[0].notional).toBe(5115);
    expect(events[2].notional).toBeCloseTo(10_072.125, 9);
    expect(engine.cross!.owner(1).cash).toBeCloseTo(47.7625, 9);
    expect(metric("insuranceFinal")).toBe(1_000_000 - 52.5);
    expect(metric("markets.X.finalPrice")).toBe(1035);
  });
});

describe("collateral marked at the venue's own book (the 2025-10-10 USDe case)", () => {
  // Markets BTC (30,000, tick 0.5, 1000 per tick, MM 1%) and USDe (1, tick 0.0001, 10 million per tick, a −35% shock
  // at step 2). Ten owners long 1 BTC at the initial mid 30,000.25, MM 1% (300.0025 at that mark), USDe collateral
  // 350, 400, …, 800 with a 10% haircut, counted at the USDe market's mark (its reference value: initialPrice 1).
  // External price 1: the poorest owner has 350 × 1 × 0.9 = 315 ≥ 300.0025 → nobody is liquidated.
  // Venue book: at step 2 USDe's mark is the book's mid 0.65005, equity A × 0.585045 < 300.0025 ⇔ A < 512.79.
  // The first liquidation sells 1 BTC at 30,000 (mark −0.25 for the others, MM 300) and 350 USDe at the bid
  // 0.65, so the others' threshold becomes A × 0.65 × 0.9 − 0.25 < 300 ⇔ A < 513.25: still 350…500, and the
  // 550 owner has 550 × 0.585 − 0.25 = 321.5 ≥ 300. Liquidated: owners 0–3; USDe sold 1700 × 0.65 = 1105.
  // Step 3 opens both markets at their mids again (30,000.25 and 0.65005: the fills took a sliver of the touches),
  // where the 550 owner has 550 × 0.585045 = 321.77 ≥ 300.0025.
  const markets = (usdeDepth: number) => [
    quietMarket("BTC", 30_000, 0, { tick: 0.5, mmr: 0.01, size: 1000 }),
    quietMarket("USDe", 1, -0.35, { tick: 0.0001, mmr: 0.01, size: usdeDepth, shockStep: 2 }),
  ];
  const owners: CrossOwner[] = Array.from({ length: 10 }, (_, k) => ({
    legs: [{ market: 0, side: 1, size: 1, entry: 30_000.25 }],
    deposits: [{ asset: 0, amount: 350 + 50 * k, arrives: 0 }],
  }));
  const onVenue: CrossAsset = { market: 1, price: 0, haircut: 0.1 };
  const external: CrossAsset = { market: -1, price: 1, haircut: 0.1 };

  it("liquidates owners that an external price of ~1 leaves alone, exactly those below the hand-computed threshold", () => {
    const venueRun = trace(crossSetup(venue(3, markets(1e7)), owners, [onVenue]));
    const outside = trace(crossSetup(venue(3, markets(1e7)), owners, [external]));
    expect(outside.events).toEqual([]);
    expect(outside.metric("liquidations")).toBe(0);
    expect(outside.metric("crossMargin.accountsLiquidated")).toBe(0);
    const liquidated = [...new Set(venueRun.events.map((e) => e.owner))];
    expect(liquidated).toEqual([0, 1, 2, 3]);
    expect(venueRun.events.every((e) => e.step === 2)).toBe(true);
    // each owner: its leg, then its deposit
    expect(venueRun.events.map((e) => e.kind)).toEqual([
      "leg",
      "collateral",
      "leg",
      "collateral",
      "leg",
      "collateral",
      "leg",
      "collateral",
    ]);
    const threshold = (300 + 0.25) / (0.65 * 0.9);
    for (let k = 0; k < 10; k++) expect(venueRun.engine.cross!.owner(k).closed).toBe(350 + 50 * k < threshold);
    expect(venueRun.metric("crossMargin.collateralSold")).toBeCloseTo(1105, 9);
    expect(venueRun.metric("crossMargin.collateralSales")).toBe(4);
    expect(venueRun.metric("crossMargin.accountsClosed")).toBe(4);
    expect(venueRun.metric("markets.USDe.minPrice")).toBeCloseTo(0.65, 12);
    expect(venueRun.metric("markets.BTC.minPrice")).toBe(30_000);
    expect(venueRun.metric("liquidations")).toBe(4);
    expect(venueRun.metric("badDebt")).toBe(0);
    // the closed owners keep what is left: 350 × 0.65 − 0.25 for the first, and so on
    expect(venueRun.engine.cross!.owner(0).cash).toBeCloseTo(350 * 0.65 - 0.25, 9);
  });

  it("a thinner venue book turns the collateral sales into a cascade that reaches richer owners", () => {
    // 2 USDe per tick instead of 10 million: each close-out walks the USDe book down (350 USDe take 175 ticks) and
    // the lower mark takes the next, richer owner under.
    const t = trace(crossSetup(venue(3, markets(2)), owners, [onVenue]));
    expect(t.metric("crossMargin.accountsClosed")).toBeGreaterThan(4);
    expect(t.metric("markets.USDe.minPrice")).toBeLessThan(0.65);
    // the first close-out alone: 350 USDe from the bid 0.65 down, 2 per tick: 175 ticks, the last fill at 0.6326
    const first = t.events.find((e) => e.kind === "collateral")!;
    let proceeds = 0;
    for (let k = 0; k < 175; k++) proceeds += 2 * (0.65 - 0.0001 * k);
    expect(first.notional).toBeCloseTo(proceeds, 6);
  });
});

describe("deposits that land late (bridged collateral)", () => {
  // One market: BTC long 1 at 30,000.25, MM 1%, fee 0.5%; 400 USDT now and 600 USDT bridged. Step 2: −1% shock,
  // mark 29,700.25 (bid 29,700), uPnL −300, MM 297.0025.
  //   deposit counted (arrives ≤ step 2): equity 1000 − 300 = 700 ≥ 297.0025 → survives.
  //   deposit not yet landed (arrives at 3 or 5): equity 400 − 300 = 100 < 297.0025 → liquidated at step 2:
  //   sell 1 @ 29,700 → cash −300.25, equity 99.75; fee min(148.5, 99.75) = 99.75 → cash −400; the 400 USDT
  //   close out → cash 0; the fund gains 99.75. The 600 in transit stays the trader's.
  const setup = (arrives: number) =>
    crossSetup(
      venue(6, [quietMarket("BTC", 30_000, -0.01, { tick: 0.5, mmr: 0.01, size: 1000, shockStep: 2 })], 0.005),
      [
        {
          legs: [{ market: 0, side: 1, size: 1, entry: 30_000.25 }],
          deposits: [
            { asset: 0, amount: 400, arrives: 0 },
            { asset: 0, amount: 600, arrives },
          ],
        },
      ],
      [USDT],
    );

  it.each([0, 1, 2])("an owner whose deposit lands at step %i (by the shock) survives", (arrives) => {
    const t = trace(setup(arrives));
    expect(t.events).toEqual([]);
    expect(t.engine.cross!.owner(0)).toMatchObject({ closed: false, equity: 1000 - 300, maintenance: 297.0025 });
    expect(t.metric("liquidations")).toBe(0);
    expect(t.metric("firstLiquidationStep")).toBe(-1);
  });

  it.each([3, 5])("the same owner is liquidated at step 2 when the deposit lands at step %i", (arrives) => {
    const t = trace(setup(arrives));
    expect(t.events.map(legRow)).toEqual([
      [0, "leg", 0, 29_700, 0, 0],
      [0, "collateral", 0, 400, 0, 0],
    ]);
    expect(t.events[0].step).toBe(2);
    expect(t.metric("firstLiquidationStep")).toBe(2);
    expect(t.metric("insuranceFinal")).toBe(1_000_000 + 99.75);
    expect(t.metric("feesPaid")).toBe(99.75);
    expect(t.metric("crossMargin.accountsClosed")).toBe(1);
    expect(t.engine.cross!.owner(0)).toMatchObject({ closed: true, cash: 0 });
    // the deposit in transit is not seized: it is still the trader's money at the end (and at every step after 2)
    expect(t.ledgers.at(-1)!.traders).toBe(600);
    expect(t.ledgers.map((l) => l.traders)).toEqual([1000, 600, 600, 600, 600, 600]);
  });
});

describe("no cross owners", () => {
  it("leaves the records of the setup without cross (the cross columns 0)", () => {
    const raw = venue(20, [
      { name: "A", market: { price: { shocks: [{ step: 5, return: -0.08 }] } }, accounts: { count: 300 } },
      { name: "B", market: { initialPrice: 2000, tickSize: 0.1 }, accounts: { count: 200 } },
    ]);
    const plain = buildMarketsSetup(resolveScenario({ ...raw, paths: 3 }, "."));
    const withCross = { ...plain, cross: buildCrossTables(plain.markets, [], [USDT]) };
    const a = new MarketsReferenceEngine(plain);
    const b = new MarketsReferenceEngine(withCross);
    a.prepare(...seedWords(5));
    b.prepare(...seedWords(5));
    const outA = new Float64Array(3 * a.stride);
    const outB = new Float64Array(3 * b.stride);
    a.runPaths(0, 3, outA);
    b.runPaths(0, 3, outB);
    expect(b.stride).toBe(a.stride + CROSS_METRICS.length);
    let liquidated = 0;
    for (let p = 0; p < 3; p++) {
      const ra = Array.from(outA.subarray(p * a.stride, (p + 1) * a.stride));
      const rb = Array.from(outB.subarray(p * b.stride, (p + 1) * b.stride));
      expect(rb.slice(0, a.stride)).toEqual(ra);
      expect(rb.slice(a.stride)).toEqual([0, 0, 0, 0]);
      liquidated += ra[0];
    }
    expect(liquidated).toBeGreaterThan(0);
  });
});

/**
 * Small random cross setups: 2–3 markets (the last one a stablecoin-like market, collateral in it), each with its
 * own small population, thin books, lasting impact, two margin tiers (so that legs cross tiers and forms go dirty),
 * fees flat or tiered, ADL none, ranked or socialized, a small fund; random owners with legs in several markets,
 * USDT and venue-asset deposits, some landing late.
 */
const crossArb = fc
  .record({
    M: fc.integer({ min: 2, max: 3 }),
    seed: fc.integer({ min: 0, max: 1e6 }),
    steps: fc.integer({ min: 3, max: 25 }),
    gbm: fc.boolean(),
    vol: fc.integer({ min: 0, max: 30 }).map((v) => v / 10),
    shocks: fc.array(
      fc.integer({ min: -35, max: 10 }).map((v) => v / 100),
      { minLength: 3, maxLength: 3 },
    ),
    shockSteps: fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 3, maxLength: 3 }),
    depth: fc.array(fc.double({ min: 0.05, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }),
    halfLife: fc.integer({ min: 10, max: 1000 }),
    permanent: fc.integer({ min: 0, max: 100 }).map((v) => v / 100),
    mark: fc.constantFrom("last", "mid"),
    feeRate: fc.integer({ min: 0, max: 50 }).map((v) => v / 10_000),
    tieredFee: fc.boolean(),
    ranking: fc.constantFrom("none", "pnl-leverage", "socialized"),
    insurance: fc.integer({ min: 0, max: 5000 }),
    accounts: fc.integer({ min: 0, max: 40 }),
    haircut: fc.integer({ min: 0, max: 30 }).map((v) => v / 100),
    owners: fc.array(
      fc.record({
        legs: fc.array(
          fc.record({
            market: fc.integer({ min: 0, max: 2 }),
            long: fc.boolean(),
            notional: fc.integer({ min: 1000, max: 60_000 }),
            entryOff: fc.integer({ min: -150, max: 150 }).map((v) => v / 1000),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        leverage: fc.integer({ min: 2, max: 25 }),
        venueShare: fc.integer({ min: 0, max: 100 }).map((v) => v / 100),
        late: fc.integer({ min: 0, max: 30 }),
      }),
      { minLength: 1, maxLength: 12 },
    ),
  })
  .map((g) => {
    const prices = [30_000, 2000, 1];
    const markets = Array.from({ length: g.M }, (_, i) => {
      const price = i === g.M - 1 ? 1 : prices[i];
      return {
        name: `M${i}`,
        market: {
          initialPrice: price,
          tickSize: price / 2000,
          price: {
            model: g.gbm ? "gbm" : "none",
            volatility: g.vol,
            shocks: [{ step: Math.min(g.shockSteps[i], g.steps), return: g.shocks[i] }],
          },
          book: { levels: 200, depth: { profile: i === 1 ? "exponential" : "flat", size: (g.depth[i] * 30_000) / price } },
          impact: { halfLifeSeconds: g.halfLife, permanentShare: g.permanent },
          mark: { model: g.mark },
        },
        accounts: { count: g.accounts },
        margin: {
          tiers: [
            { floor: 0, mmr: 0.01, maintenanceAmount: 0 },
            { floor: 20_000, mmr: 0.025, maintenanceAmount: 300 },
          ],
        },
        liquidation: {
          engine: "market",
          feeRate: g.feeRate,
          ...(g.tieredFee && i === 0
            ? {
                fee: {
                  kind: "tiered",
                  tiers: [
                    { floor: 0, rate: 0.004 },
                    { floor: 10_000, rate: 0.002 },
                  ],
                },
              }
            : {}),
        },
        adl: { ranking: g.ranking },
      };
    });
    const raw: Raw = {
      seed: g.seed,
      paths: 2,
      steps: g.steps,
      insurance: { initialBalance: g.insurance },
      markets,
    };
    const venueAsset = g.M - 1;
    const owners: CrossOwner[] = g.owners.map((o) => {
      let notional = 0;
      const used = new Set<number>();
      const legs = o.legs
        .map((l) => ({ ...l, market: l.market % g.M }))
        .filter((l) => !used.has(l.market) && used.add(l.market))
        .map((l) => {
          const price = l.market === venueAsset ? 1 : prices[l.market];
          notional += l.notional;
          return {
            market: l.market,
            side: l.long ? (1 as const) : (-1 as const),
            size: l.notional / price,
            entry: price * (1 + l.entryOff),
          };
        });
      const collateral = notional / o.leverage;
      return {
        legs,
        deposits: [
          { asset: 0, amount: collateral * (1 - o.venueShare), arrives: 0 },
          { asset: 1, amount: collateral * o.venueShare, arrives: o.late < g.steps ? o.late : 0 },
          { asset: 0, amount: collateral / 2, arrives: o.late % 7 },
        ],
      };
    });
    const assets: CrossAsset[] = [USDT, { market: venueAsset, price: 0, haircut: g.haircut }];
    return { raw, owners, assets, steps: g.steps };
  });

describe("MarketsReferenceEngine's money with cross margin", () => {
  // the identity of markets-engine.test.ts, the owners' deposits at their reference values added to what the path
  // started with: every leg's fill is double-entry against the makers, a deposit sale books proceeds − value to
  // the makers, fees move to the fund (its excess to the treasury), a close-out's deficit to the fund, ADL or bad debt
  function money(l: MarketsLedger): number {
    return l.traders + l.insurance + l.makers + l.treasury + l.vault - l.badDebt - l.arrivals;
  }

  it("is conserved at every step of 30 random cross setups, and the who-paid rows close per path", () => {
    let unhealthy = 0;
    let legsClosed = 0;
    let partly = 0;
    let closedOut = 0;
    let covered = 0;
    let paths = 0;
    fc.assert(
      fc.property(crossArb, ({ raw, owners, assets, steps }) => {
        const setup = crossSetup(raw, owners, assets);
        const engine = new MarketsReferenceEngine(setup);
        engine.prepare(...seedWords(raw.seed as number));
        const names = recordNames(setup.names, true);
        const col = (name: string) => names.indexOf(name);
        let initial = NaN;
        let checked = 0;
        // the close-outs that left a deficit to cover: an owner's last deposit sale leaves equity = cash < 0
        const lastSale = new Map<number, number>();
        engine.cross!.onLiquidation = (e) => {
          if (e.kind === "collateral") lastSale.set(e.owner, e.equity);
        };
        engine.onStep = (ledger) => {
          if (Number.isNaN(initial)) {
            initial = engine.venue.initialInsurance + engine.venue.vaultCapital + engine.initialCrossMoney();
            for (const market of engine.markets) {
              const pop = market.st.pop;
              for (let i = 0; i < pop.count; i++) initial += pop.collateral[i];
            }
          }
          const scale = Math.max(1, initial, Math.abs(ledger.makers), ledger.badDebt);
          const error = Math.abs(money(ledger) - initial) / scale;
          if (!(error <= 1e-9))
            throw new Error(
              `step ${ledger.step}: ledger sums to ${money(ledger)}, expected ${initial} (relative error ${error})`,
            );
          // the screening by the linear forms misses nobody: when the rounds stop, every open owner is healthy
          const cross = engine.cross!;
          for (let o = 0; o < owners.length; o++) {
            const state = cross.owner(o);
            if (state.closed) continue;
            if (state.equity < state.maintenance - 1e-9 * Math.max(1, state.maintenance)) unhealthy++;
          }
          checked++;
        };
        const out = new Float64Array(engine.stride);
        for (let path = 0; path < 2; path++) {
          initial = NaN;
          lastSale.clear();
          engine.runPaths(path, 1, out);
          if ([...lastSale.values()].some((equity) => equity < 0)) covered++;
          const v = (name: string) => out[col(name)];
          const rows =
            v("liquidatedPnl") -
            v("adlTransfer") +
            v("fundNet") +
            v("vaultPnl") +
            v("treasury") +
            v("keepersPnl") +
            v("makersPnl") +
            v("flowPnl");
          const scale = Math.max(1, Math.abs(v("makersPnl")), v("badDebt"), Math.abs(v("liquidatedPnl")));
          expect(Math.abs(rows - v("badDebt")) / scale).toBeLessThanOrEqual(1e-9);
          // the venue's sums of the markets' blocks (the cross legs count in their markets)
          let liquidations = 0;
          for (const name of setup.names) liquidations += v(`markets.${name}.liquidations`);
          expect(v("liquidations")).toBe(liquidations);
          expect(v("crossMargin.accountsClosed")).toBeLessThanOrEqual(v("crossMargin.accountsLiquidated"));
          paths++;
          if (v("crossMargin.accountsLiquidated") > 0) legsClosed++;
          if (v("crossMargin.collateralSales") > 0) closedOut++;
          if (v("crossMargin.accountsLiquidated") > v("crossMargin.accountsClosed")) partly++;
        }
        expect(checked).toBe(2 * steps);
      }),
      { numRuns: 30, seed: 20251010 },
    );
    // the property is only worth something if the paths exercise the cross layer's settlement
    // measured with this seed: 52 of 60 paths close legs, 52 close an owner out, 50 cover a close-out's deficit, 7
    // leave an owner with a leg closed and the rest open
    expect(unhealthy).toBe(0);
    expect(paths).toBe(60);
    expect(legsClosed).toBeGreaterThan(20);
    expect(closedOut).toBeGreaterThan(10);
    expect(covered).toBeGreaterThan(10);
    expect(partly).toBeGreaterThan(2);
  });
});
