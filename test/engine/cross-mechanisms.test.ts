// Cross-margin owners' legs through their markets' mechanisms (src/engine/cross-liquidation.ts, the reference
// engine): hand-computed worked examples of a partial market's slices and cooldown, the backstop vault's takeover of a
// whole owner (and the partial rules when it cannot absorb it), a close-factor repayment of the worst leg, and the
// per-step caps an owner's fill counts in and obeys, a leg held to its market's vol-scaled margin.model. Money is
// conserved at every step of each.
//
// The conventions of cross-reference.test.ts: markets without randomness, a deep flat book of 1e6 per tick (every
// fill at the touch: a sale at the bid, a purchase at the ask), no refill, mark model last (after a fill the mark is
// the fill's last price; a step opens at the book's mid again), legs entered at the initial mid. With tick 1 the mid
// of a fundamental F is F + 0.5 (bid F, ask F + 1): market A at 1000 opens at 1000.5; a −10% shock at step 1 puts
// it at 900.5 (bid 900), a +10% one at 1100.5 (ask 1101); B at 500 stays at 500.5 (bid 500, ask 501).
import { describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/config/load.js";
import type { PositionRow } from "../../src/config/scenario.js";
import { type CrossAsset, type CrossOwner, buildCrossTables } from "../../src/engine/cross-setup.js";
import type { CrossLiquidationEvent } from "../../src/engine/cross-margin.js";
import { MarketsReferenceEngine, type MarketsLedger } from "../../src/engine/markets.js";
import { buildMarketsSetup, type MarketsSetup, recordNames } from "../../src/engine/markets-setup.js";
import { LEG_ID_BASE } from "../../src/engine/owner-adl.js";
import { WasmMarketsEngine } from "../../src/kernel/wasm-markets-engine.js";
import { seedWords } from "../helpers/engines.js";

type Raw = Record<string, unknown>;

/** A market without randomness, a deep flat book, no refill, one tier; its liquidation block as given. */
function market(
  name: string,
  initialPrice: number,
  shocks: { step: number; return: number }[],
  liquidation: Raw,
  mmr = 0.0625,
): Raw {
  return {
    name,
    market: {
      initialPrice,
      tickSize: 1,
      price: { model: "none", volatility: 0, shocks },
      book: { levels: 400, depth: { profile: "flat", size: 1e6 } },
      impact: { halfLifeSeconds: 1e300, permanentShare: 0 },
      mark: { model: "last" },
    },
    margin: { tiers: [{ floor: 0, mmr, maintenanceAmount: 0 }] },
    liquidation,
  };
}

/** A venue of these markets, no accounts of their own, a fund of 1,000,000, 60-second steps unless given. */
function venue(steps: number, markets: Raw[], stepSeconds = 60): Raw {
  return {
    seed: 1,
    paths: 1,
    steps,
    stepSeconds,
    accounts: { count: 0 },
    liquidation: { engine: "market", feeRate: 0 },
    insurance: { initialBalance: 1_000_000 },
    markets,
  };
}

const USDT: CrossAsset = { market: -1, price: 1, haircut: 0 };

/** The setup with these owners (USDT collateral), and market m's isolated positions when given. */
function crossSetup(raw: Raw, owners: CrossOwner[], positions: (PositionRow[] | undefined)[] = []): MarketsSetup {
  const inputs = resolveScenario(raw, ".");
  if (positions.length > 0) inputs.markets = positions.map((p) => (p ? { positions: p } : {}));
  const setup = buildMarketsSetup(inputs);
  return { ...setup, cross: buildCrossTables(setup.markets, owners, [USDT]) };
}

const owner = (usdt: number, legs: CrossOwner["legs"]): CrossOwner => ({
  legs,
  deposits: [{ asset: 0, amount: usdt, arrives: 0 }],
});

/** traders + fund + makers (keepers included) + treasury + vault − bad debt − arrivals: what the path started with. */
function money(l: MarketsLedger): number {
  return l.traders + l.insurance + l.makers + l.treasury + l.vault - l.badDebt - l.arrivals;
}

/**
 * Runs path 0: the cross layer's trades in order, the ledgers, the record; money checked at every step against what
 * the path started with, and the record's who-paid rows against its bad debt.
 */
function run(setup: MarketsSetup) {
  const engine = new MarketsReferenceEngine(setup);
  const events: CrossLiquidationEvent[] = [];
  const ledgers: MarketsLedger[] = [];
  engine.cross!.onLiquidation = (e) => events.push(e);
  let initial = NaN;
  engine.onStep = (l) => {
    if (Number.isNaN(initial)) {
      initial = engine.venue.initialInsurance + engine.venue.vaultCapital + engine.initialCrossMoney();
      for (const m of engine.markets) for (let i = 0; i < m.st.pop.count; i++) initial += m.st.pop.collateral[i];
    }
    expect(Math.abs(money(l) - initial) / initial, `money at step ${l.step}`).toBeLessThanOrEqual(1e-12);
    ledgers.push(l);
  };
  engine.prepare(...seedWords(1));
  const out = new Float64Array(engine.stride);
  engine.runPaths(0, 1, out);
  const names = recordNames(setup.names, true);
  const metric = (name: string) => {
    const k = names.indexOf(name);
    if (k < 0) throw new Error(`no metric ${name}`);
    return out[k];
  };
  const rows =
    metric("liquidatedPnl") -
    metric("adlTransfer") +
    metric("fundNet") +
    metric("vaultPnl") +
    metric("treasury") +
    metric("keepersPnl") +
    metric("makersPnl") +
    metric("flowPnl");
  expect(rows).toBeCloseTo(metric("badDebt"), 9);
  return { engine, events, ledgers, metric };
}

/** Path 0's record by the kernel (release build), for the bit-for-bit comparisons with the reference's. */
function kernelRecord(setup: MarketsSetup): number[] {
  const kernel = new WasmMarketsEngine(setup, { build: "release", batch: 1 });
  kernel.prepare(...seedWords(1));
  const out = new Float64Array(kernel.stride);
  kernel.runPaths(0, 1, out);
  return Array.from(out);
}

const row = (e: CrossLiquidationEvent) => [
  e.step,
  e.round,
  e.owner,
  e.kind,
  e.index,
  e.size,
  e.notional,
  e.equity,
  e.maintenance,
];

describe("a partial market slices an owner's worst leg", () => {
  // A (partial: fraction 0.5, threshold as given, cooldown 120 s = 2 steps of 60 s) −10% at step 1; B (market) flat.
  // MM = notional / 16. The owner: leg 0 long 10 A, leg 1 long 20 B (both at the initial mids), 1800 USDT.
  // Step 1, round 1, marks A 900.5, B 500.5: uPnL A −1000, B 0; E = 800 < MM 562.8125 + 625.625 = 1188.4375.
  //   Worst leg A (loss 1000 > 0), notional 9005 > the threshold: sliced, 0.5 × 10 = 5 @ 900 = 4500;
  //   P&L 4500 − 5 × 1000.5 = −502.5 → cash −502.5; A's mark 900 (last); legQ 5; next slice from step 1 + 2 = 3.
  //   E = 1800 − 502.5 + 5 × (900 − 1000.5) = 795 < MM 5 × 900/16 + 625.625 = 906.875 (fee 0). One slice a round.
  const markets = (partial: Raw) => [
    market("A", 1000, [{ step: 1, return: -0.1 }], { engine: "partial", partial }),
    market("B", 500, [], { engine: "market" }),
  ];
  const owners = [
    owner(1800, [
      { market: 0, side: 1, size: 10, entry: 1000.5 },
      { market: 1, side: 1, size: 20, entry: 500.5 },
    ]),
  ];
  const firstSlice = [1, 1, 0, "slice", 0, 5, 4500, 795, 906.875];

  it("cooling down (duringCooldown wait), the owner waits under water until the cooldown ends, then is sliced again", () => {
    // Round 2 of step 1: still under water (795 < 906.875), cooling down (3 > 1): it waits, nothing else trades.
    // Step 2 (A at its mid 900.5 again): E = 1800 − 502.5 − 500 = 797.5 < 281.40625 + 625.625 = 907.03125: waits (3 > 2).
    // Step 3 (cooldown over): sliced, 2.5 @ 900 = 2250, P&L 2250 − 2501.25 = −251.25 → cash −753.75;
    //   E = 1800 − 753.75 + 2.5 × (900 − 1000.5) = 795 ≥ MM 2.5 × 900/16 + 625.625 = 766.25: healthy.
    const { engine, events, metric } = run(
      crossSetup(venue(3, markets({ fraction: 0.5, threshold: 0, cooldownSeconds: 120, duringCooldown: "wait" })), owners),
    );
    expect(events.map(row)).toEqual([firstSlice, [3, 1, 0, "slice", 0, 2.5, 2250, 795, 766.25]]);
    expect(engine.cross!.owner(0)).toMatchObject({ closed: false, cash: -753.75, openLegs: [0, 1], sizes: [2.5, 20] });
    expect(metric("markets.A.liquidations")).toBe(2);
    expect(metric("markets.A.liquidatedNotional")).toBe(6750);
    expect(metric("markets.B.liquidations")).toBe(0);
    expect(metric("crossMargin.accountsLiquidated")).toBe(1);
    expect(metric("crossMargin.accountsClosed")).toBe(0);
    // the step-1 wait is a round that liquidated nothing: step 1 had one liquidating round, as step 3
    expect(metric("maxRoundsInStep")).toBe(1);
  });

  it("a time-ramped fee grows from the step the owner's liquidation began (1% + 0.01% a second past 30 s, at most 5%)", () => {
    // The case above with A's fee time-ramped. Step 1: 0 s since the owner was flagged, rate 1%: fee 45 of 4500 →
    //   E 795 − 45 = 750. Steps 1 (round 2) and 2: under water, cooling down: waits.
    // Step 3: 120 s since step 1, 90 s past the grace: rate 0.01 + 0.0001 × 90 = 1.9%, fee 42.75 of 2250;
    //   E = 1800 − 502.5 − 45 − 251.25 + 2.5 × (900 − 1000.5) − 42.75 = 707.25 < 766.25: waits again (cooling down to 5).
    const fee = { kind: "time-ramped", max: 0.05, graceSeconds: 30, increasePerSecond: 0.0001 };
    const rampedMarkets = [
      market("A", 1000, [{ step: 1, return: -0.1 }], {
        engine: "partial",
        feeRate: 0.01,
        fee,
        partial: { fraction: 0.5, threshold: 0, cooldownSeconds: 120, duringCooldown: "wait" },
      }),
      market("B", 500, [], { engine: "market" }),
    ];
    const { events, metric } = run(crossSetup(venue(3, rampedMarkets), owners));
    expect(events.map((e) => [e.step, e.kind, e.size, e.notional])).toEqual([
      [1, "slice", 5, 4500],
      [3, "slice", 2.5, 2250],
    ]);
    expect(events[0].equity).toBe(750);
    expect(events[1].equity).toBeCloseTo(707.25, 9);
    expect(metric("feesPaid")).toBeCloseTo(87.75, 9);
  });

  // Round 2 of step 1, the rest of leg A goes whole: 5 @ 900 = 4500, P&L −502.5 → cash −1005;
  //   E = 1800 − 1005 = 795 ≥ MM 625.625 (B alone): healthy, B stays.
  // (cooling down with duringCooldown full; or no cooldown, and 5 × 900 = 4500 at most the threshold 5000 while the
  // first slice's 9005 was above it)
  it.each([
    ["cooling down with duringCooldown full", { fraction: 0.5, threshold: 0, cooldownSeconds: 120, duringCooldown: "full" }],
    ["below the threshold after the slice", { fraction: 0.5, threshold: 5000, cooldownSeconds: 0 }],
  ])("%s, the owner's leg is closed whole in the next round", (_name, partial) => {
    const { engine, events, metric } = run(crossSetup(venue(3, markets(partial)), owners));
    expect(events.map(row)).toEqual([firstSlice, [1, 2, 0, "leg", 0, 5, 4500, 795, 625.625]]);
    expect(engine.cross!.owner(0)).toMatchObject({ closed: false, cash: -1005, openLegs: [1], sizes: [20] });
    expect(metric("markets.A.liquidations")).toBe(2);
    expect(metric("maxRoundsInStep")).toBe(2);
  });

  it("a sliced leg's tier crossings are not in the crit table: its owner's form is made again every round", () => {
    // A (partial: fraction 0.5, threshold 0, no cooldown; tiers 1% below 12,000 and 5% − 480 above) and B (market,
    // 1%), both at 1000 (mid 1000.5) and both +25% at step 2 (mid 1250.5, ask 1251). The owner: leg 0 short 20 A,
    // leg 1 long 10 B, 265 USDT. The crit table holds leg 0's floor at its size 20: mark 600.
    // Step 1: E = 265, MM 0.05 × 20,010 − 480 + 0.01 × 10,005 = 520.5 + 100.05: sliced, 10 @ 1001 = 10,010, P&L −5;
    //   E = 265 − 5 − 10 × 0.5 = 255 ≥ MM 100.1 + 100.05 (10 units: 10,010 < 12,000, the 1% tier).
    // Step 2: A's mark 1001 → 1250.5 crosses no crit of the table, but 10 × 1250.5 = 12,505 crosses the sliced leg's
    //   floor (mark 1200): E = 265 − 5 − 2500 + 2500 = 260 < MM 625.25 − 480 + 125.05 = 270.3 (a form left at the
    //   1% tier would give 125.05 + 125.05 = 250.1: healthy). Sliced again, 5 @ 1251 = 6255, P&L −1252.5 → cash
    //   −1257.5; E = 265 − 1257.5 − 5 × 250.5 + 10 × 250 = 255 ≥ MM 62.55 + 125.05.
    const tiers = [
      { floor: 0, mmr: 0.01, maintenanceAmount: 0 },
      { floor: 12_000, mmr: 0.05, maintenanceAmount: 480 },
    ];
    const up = [{ step: 2, return: 0.25 }];
    const a = market("A", 1000, up, { engine: "partial", partial: { fraction: 0.5, threshold: 0, cooldownSeconds: 0 } });
    const b = market("B", 1000, up, { engine: "market" }, 0.01);
    const setup = crossSetup(venue(2, [{ ...a, margin: { tiers } }, b]), [
      owner(265, [
        { market: 0, side: -1, size: 20, entry: 1000.5 },
        { market: 1, side: 1, size: 10, entry: 1000.5 },
      ]),
    ]);
    const { engine, events } = run(setup);
    expect(events.map((e) => [e.step, e.round, e.kind, e.size, e.notional, e.equity])).toEqual([
      [1, 1, "slice", 10, 10_010, 255],
      [2, 1, "slice", 5, 6255, 255],
    ]);
    expect(events[0].maintenance).toBeCloseTo(200.15, 9);
    expect(events[1].maintenance).toBeCloseTo(187.6, 9);
    expect(engine.cross!.owner(0)).toMatchObject({ closed: false, cash: -1257.5, sizes: [5, 10] });
  });
});

describe("a backstop market's vault takes the whole owner over", () => {
  // A (backstop: equityFractionOfMaintenance 0.5, vault 1e6, its inventory halving per 60-s step) −10% at step 1;
  // B (backstop, vault 1e6) flat. Fee 1% (a takeover pays none). The owner: leg 0 long 10 A, leg 1 short 20 B, 1200 USDT.
  // Step 1: E = 1200 − 1000 + 0 = 200 < 0.5 × (562.8125 + 625.625) = 594.21875; the vault (2,000,000) > 0 and
  //   2,000,000 + 200 ≥ 0: the worst leg (A) is a backstop market's, the vault takes everything at the marks:
  //   A: uPnL 10 × (900.5 − 1000.5) = −1000 → cash −1000; A's vault long 10 at cost 9005 (notional 9005)
  //   B: uPnL −20 × 0 = 0; B's vault short 20 at cost 10,010 (notional 10,010)
  //   the 1200 USDT sold at 1200 → cash 200: the vault's (vault cash 2,000,200), the owner's cash 0, closed.
  // The unwind at each step's opening (half of each side): step 2, A sells 5 @ 900 = 4500 against a cost of 4502.5
  //   (−2.5), B buys 10 @ 501 = 5010 against 5005 (−5); step 3, A 2.5 @ 900 = 2250 against 2251.25 (−1.25), B 5 @ 501
  //   = 2505 against 2502.5 (−2.5). The vault's P&L: 200 − 2.5 − 5 − 1.25 − 2.5 = 188.75; left: A long 2.5, B short 5.
  const backstop = (vaultCapital: number) => ({
    engine: "backstop",
    feeRate: 0.01,
    backstop: { equityFractionOfMaintenance: 0.5, vaultCapital, unwindHalfLifeSeconds: 60 },
  });

  it("every leg at the marks, its collateral's proceeds and its equity; the inventory then unwinds", () => {
    const setup = crossSetup(
      venue(3, [market("A", 1000, [{ step: 1, return: -0.1 }], backstop(1e6)), market("B", 500, [], backstop(1e6))]),
      [
        owner(1200, [
          { market: 0, side: 1, size: 10, entry: 1000.5 },
          { market: 1, side: -1, size: 20, entry: 500.5 },
        ]),
      ],
    );
    const { engine, events, metric, ledgers } = run(setup);
    expect(events.map(row)).toEqual([
      // equity after A's: −1000 + 1200 + 0; maintenance B's 625.625; after B's: none left
      [1, 1, 0, "takeover", 0, 10, 9005, 200, 625.625],
      [1, 1, 0, "takeover", 1, 20, 10_010, 200, 0],
      [1, 1, 0, "collateral", 0, 1200, 1200, 200, 0],
    ]);
    expect(engine.cross!.owner(0)).toMatchObject({ closed: true, cash: 0, openLegs: [] });
    expect(ledgers[0].vault).toBe(2_000_200);
    expect(metric("vaultPnl")).toBe(188.75);
    expect(metric("liquidations")).toBe(2);
    expect(metric("liquidatedNotional")).toBe(19_015);
    expect(metric("feesPaid")).toBe(0);
    expect(metric("insuranceFinal")).toBe(1_000_000);
    // the owner lost its 1200: −1000 on A, then the 200 left to the vault
    expect(metric("liquidatedPnl")).toBe(-1200);
    expect(metric("crossMargin.accountsLiquidated")).toBe(1);
    expect(metric("crossMargin.accountsClosed")).toBe(1);
    expect(metric("crossMargin.collateralSold")).toBe(1200);
    expect(engine.markets[0].mech.backstop.vaultLongQ).toBe(2.5);
    expect(engine.markets[1].mech.backstop.vaultShortQ).toBe(5);
    // the takeover fills nothing: A's mark is its mid until the unwind's sales (which leave the mid where it was)
    expect(metric("markets.A.minPrice")).toBe(900.5);
  });

  it("an owner with a leg in a market the vault does not back (engine market) is not taken over", () => {
    // A as in the first case; B's engine is market (fee 1%). E = 200 < 594.21875 and the vault could absorb it, but
    // it unwinds only in its markets: A's partial rules (no partial block: whole) close A, sell 10 @ 900 = 9000,
    //   P&L −1005 → cash −1005; E = 1200 − 1005 + 0 = 195, MM B's 625.625; fee min(90, 195) = 90 → E 105;
    //   still under: B closed whole, buy 20 @ 501 = 10,020, P&L −10 → cash −1105; E = 95; fee min(100.2, 95) = 95 → 0;
    //   the 1200 USDT close out → cash 0: nothing for the fund, nothing for the vault.
    const setup = crossSetup(
      venue(1, [
        market("A", 1000, [{ step: 1, return: -0.1 }], backstop(1e6)),
        market("B", 500, [], { engine: "market", feeRate: 0.01 }),
      ]),
      [
        owner(1200, [
          { market: 0, side: 1, size: 10, entry: 1000.5 },
          { market: 1, side: -1, size: 20, entry: 500.5 },
        ]),
      ],
    );
    const { events, metric } = run(setup);
    expect(events.map(row)).toEqual([
      [1, 1, 0, "leg", 0, 10, 9000, 105, 625.625],
      [1, 1, 0, "leg", 1, 20, 10_020, 0, 0],
      [1, 1, 0, "collateral", 0, 1200, 1200, 0, 0],
    ]);
    expect(metric("vaultPnl")).toBe(0);
    expect(metric("feesPaid")).toBe(185);
    expect(metric("insuranceFinal")).toBe(1_000_000 + 185);
    expect(metric("liquidatedPnl")).toBe(-1200);
  });

  it("a vault that cannot absorb the owner leaves it to the partial rules", () => {
    // A as above with a vault of 100 and liquidation.partial (fraction 0.5, threshold 5000, no cooldown); the owner:
    // long 10 A alone, 800 USDT. Step 1: E = 800 − 1000 = −200 < 0.5 × 562.8125, but 100 − 200 < 0: no takeover.
    //   Round 1: 9005 > 5000: sliced, 5 @ 900 = 4500, P&L −502.5; E = 800 − 502.5 + 5 × (900 − 1000.5) = −205, MM
    //   281.25; the fee min(1% × 4500, max(−205, 0)) = 0.
    //   Round 2: −205 < 140.625 and 100 − 205 < 0 again: 5 × 900 = 4500 ≤ 5000, closed whole @ 900, P&L −502.5 →
    //   cash −1005, E = −205, fee 0; the 800 USDT close out → cash −205, which the fund pays.
    const liquidation = { ...backstop(100), partial: { fraction: 0.5, threshold: 5000, cooldownSeconds: 0 } };
    const setup = crossSetup(venue(2, [market("A", 1000, [{ step: 1, return: -0.1 }], liquidation)]), [
      owner(800, [{ market: 0, side: 1, size: 10, entry: 1000.5 }]),
    ]);
    const { events, metric } = run(setup);
    expect(events.map(row)).toEqual([
      [1, 1, 0, "slice", 0, 5, 4500, -205, 281.25],
      [1, 2, 0, "leg", 0, 5, 4500, -205, 0],
      [1, 2, 0, "collateral", 0, 800, 800, -205, 0],
    ]);
    expect(metric("vaultPnl")).toBe(0);
    expect(metric("insuranceFinal")).toBe(1_000_000 - 205);
    expect(metric("shortfall")).toBe(205);
    expect(metric("feesPaid")).toBe(0);
    expect(metric("crossMargin.accountsClosed")).toBe(1);
  });
});

describe("a close-factor market repays the owner's worst leg", () => {
  // A (close-factor: closeFactor 0.5, fullCloseHealthFactor 0.95, bonus 0.0625, protocolFeeOfBonus 0.5; MM 25% of the
  // notional) +10% at step 1: mark 1100.5, ask 1101. B (market, MM 1/16) flat. The owner: leg 0 short 10 A, leg 1
  // long 20 B, both at the initial mids. At step 1: uPnL A −10 × 100 = −1000, B 0; MM 2751.25 + 625.625 = 3376.875;
  // the debt D = 10 × 1100.5 (a short's: q × mark) + 20 × 500.5 (a long's: q × entry) = 11,005 + 10,010 = 21,015;
  // the leg's debt 11,005; the bonus price 1100.5 × 1.0625 = 1169.28125 (mark − price = −68.78125 per unit).
  const markets = (closeFactor: Raw, shock = 0.1) => [
    market("A", 1000, [{ step: 1, return: shock }], { engine: "close-factor", closeFactor }, 0.25),
    market("B", 500, [], { engine: "market" }),
  ];
  const rules = { closeFactor: 0.5, fullCloseHealthFactor: 0.95, bonus: 0.0625, protocolFeeOfBonus: 0.5 };
  const owners = (usdt: number) => [
    owner(usdt, [
      { market: 0, side: -1, size: 10, entry: 1000.5 },
      { market: 1, side: 1, size: 20, entry: 500.5 },
    ]),
  ];

  it("by health above the full-close factor: closeFactor × the leg's size", () => {
    // 4000 USDT: E = 3000, health 1 + (3000 − 3376.875) / 21,015 = 0.982 > 0.95 → factor 0.5: 5 units.
    //   The liquidator buys 5 @ 1101 = 5505 on the book; the owner pays 5 × 1169.28125 = 5846.40625:
    //   protocol fee 0.5 × (−5 × −68.78125) = 171.953125 (to the fund); keepers −(5505 − 5846.40625) − 171.953125 =
    //   169.453125; the owner's P&L −(5846.40625 − 5 × 1000.5) = −843.90625.
    //   After (A's mark 1101): E = 4000 − 843.90625 − 5 × (1101 − 1000.5) = 2653.59375 ≥ MM 5 × 1101/4 + 625.625 =
    //   2001.875: healthy (and at step 2's mid 1100.5: 2656.09375 ≥ 2001.25).
    const { engine, events, metric } = run(crossSetup(venue(2, markets(rules)), owners(4000)));
    expect(events.map(row)).toEqual([[1, 1, 0, "repayment", 0, 5, 5846.40625, 2653.59375, 2001.875]]);
    expect(engine.cross!.owner(0)).toMatchObject({ closed: false, cash: -843.90625, openLegs: [0, 1], sizes: [5, 20] });
    expect(metric("keepersPnl")).toBe(169.453125);
    expect(metric("insuranceFinal")).toBe(1_000_000 + 171.953125);
    expect(metric("feesPaid")).toBe(0);
    expect(metric("liquidatedNotional")).toBe(5846.40625);
    expect(metric("liquidatedPnl")).toBe(-843.90625);
    // slippage against the mark before: −(5 × 1100.5 − 5846.40625) = 343.90625 on 5502.5
    expect(metric("avgSlippage")).toBe(343.90625 / 5502.5);
    expect(metric("markets.A.finalPrice")).toBe(1100.5);
  });

  // The whole leg (factor 1): the liquidator buys 10 @ 1101 = 11,010; the owner pays 11,692.8125: protocol fee 0.5 ×
  // 687.8125 = 343.90625, keepers −(11,010 − 11,692.8125) − 343.90625 = 338.90625, P&L −(11,692.8125 − 10,005) =
  // −1687.8125; leg A closed, B left: E = usdt − 1000 − 687.8125 ≥ MM 625.625.
  it.each([
    // 3000 USDT: E = 2000, health 1 − 1376.875 / 21,015 = 0.934 ≤ 0.95
    ["by health at most the full-close factor", 3000, rules],
    // 4000 USDT (health 0.982) but the leg's debt 11,005 < minDebtForCloseFactor 20,000
    ["by the leg's debt below the minimum", 4000, { ...rules, minDebtForCloseFactor: 20_000 }],
  ] as const)("%s: the whole leg", (_name, usdt, closeFactor) => {
    const { engine, events, metric } = run(crossSetup(venue(2, markets(closeFactor)), owners(usdt)));
    expect(events.map(row)).toEqual([[1, 1, 0, "repayment", 0, 10, 11_692.8125, usdt - 1687.8125, 625.625]]);
    expect(engine.cross!.owner(0)).toMatchObject({ closed: false, cash: -1687.8125, openLegs: [1], sizes: [20] });
    expect(metric("keepersPnl")).toBe(338.90625);
    expect(metric("insuranceFinal")).toBe(1_000_000 + 343.90625);
    expect(metric("crossMargin.accountsClosed")).toBe(0);
  });

  it("a long leg: closeFactor × debt × (1 + bonus) / mark units, capped at its size, at mark / (1 + bonus)", () => {
    // A −10% (mark 900.5, bid 900); leg 0 long 10 A, leg 1 short 20 B; 2500 USDT: E = 1500, MM 2251.25 + 625.625 =
    // 2876.875, D = 10 × 1000.5 + 20 × 500.5 = 20,015, health 1 − 1376.875 / 20,015 = 0.931 → factor 1:
    // 10,005 × 1.0625 / 900.5 = 11.8 units > 10 → 10, at 900.5 / 1.0625 = 847.529…; sold 10 @ 900 = 9000.
    const price = 900.5 / 1.0625;
    const fee = 0.5 * (10 * (900.5 - price));
    const setup = crossSetup(venue(1, markets(rules, -0.1)), [
      owner(2500, [
        { market: 0, side: 1, size: 10, entry: 1000.5 },
        { market: 1, side: -1, size: 20, entry: 500.5 },
      ]),
    ]);
    const { engine, events, metric } = run(setup);
    expect(events.map((e) => [e.kind, e.size])).toEqual([["repayment", 10]]);
    expect(events[0].notional).toBeCloseTo(10 * price, 9);
    expect(events[0].equity).toBeCloseTo(2500 + (10 * price - 10_005), 9);
    expect(metric("keepersPnl")).toBeCloseTo(9000 - 10 * price - fee, 9);
    expect(metric("insuranceFinal")).toBeCloseTo(1_000_000 + fee, 9);
    expect(engine.cross!.owner(0).openLegs).toEqual([1]);
  });
});

describe("an owner's fill counts in its market's per-step caps and obeys them", () => {
  // A (market, the cap given) −10% at step 1 and −2% at step 2 (fundamental 882: mid 882.5, bid 882); B (market) flat;
  // 10-s steps. A's isolated account: long 1 at 1000.5 on 156.5, liquidated below (1000.5 − 156.5) × 16/15 = 900.27.
  // Owners (USDT): 0: long 10 A, 600; 1: long 5 A, 300; 2: long 5 A and long 4 B, 900.
  // Step 1, round 1: A's own round at 900.5 (above 900.27): nobody. The cross round:
  //   owner 0: E = −400: A closed whole, 10 @ 900 = 9000, P&L −1005; the 600 USDT close out → −405, paid by the fund.
  //     notional cap 5000: 9000 ≥ 5000 blocks A for the step; loss cap 400: the fund's 405 ≥ 400 blocks it.
  //   owner 1 (A at 900): E = 300 − 502.5 < 281.25, its only leg in A, blocked: it waits.
  //   owner 2: E = 900 − 502.5 = 397.5 < 281.25 + 125.125: the worst leg it may close is B's (A's blocked): 4 @ 500
  //     = 2000, P&L −2 → E = 395.5 ≥ MM 281.25.
  // Round 2: A's isolated account is across (900 ≤ 900.27) but A is blocked; owner 1 still waits. Nothing trades.
  // Step 2 (A 882.5, the caps' totals from 0): A's round liquidates the isolated account, 1 @ 882 (cash 38); the
  //   cross round closes owner 1, 5 @ 882 = 4410, P&L −592.5, its 300 out → −292.5 paid by the fund (882 + 4410 ≥
  //   5000 blocks A again, 292.5 < 400 does not); owner 2: E = 900 − 2 − 592.5 = 305.5 ≥ 275.625.
  const owners = [
    owner(600, [{ market: 0, side: 1, size: 10, entry: 1000.5 }]),
    owner(300, [{ market: 0, side: 1, size: 5, entry: 1000.5 }]),
    owner(900, [
      { market: 0, side: 1, size: 5, entry: 1000.5 },
      { market: 1, side: 1, size: 4, entry: 500.5 },
    ]),
  ];
  const isolated: PositionRow[] = [{ account: "iso", side: "long", size: 1, entryPrice: 1000.5, collateral: 156.5 }];
  const setup = (caps?: Raw) =>
    crossSetup(
      venue(
        2,
        [
          market(
            "A",
            1000,
            [
              { step: 1, return: -0.1 },
              { step: 2, return: -0.02 },
            ],
            { engine: "market", ...(caps ? { caps } : {}) },
          ),
          market("B", 500, [], { engine: "market" }),
        ],
        10,
      ),
      owners,
      [isolated, undefined],
    );

  it.each([
    ["a notional cap reached by the fill", { notionalPerSecond: 500 }],
    ["an insurance-loss cap reached by the close-out's cover", { insuranceLossPerSecond: 40 }],
  ])("%s blocks the market's isolated accounts and the other owners' legs in it for the rest of the step", (_n, caps) => {
    const { engine, events, ledgers, metric } = run(setup(caps));
    expect(events.map((e) => [e.step, e.round, e.owner, e.kind, e.index, e.notional, e.equity, e.maintenance])).toEqual([
      [1, 1, 0, "leg", 0, 9000, -405, 0],
      [1, 1, 0, "collateral", 0, 600, -405, 0],
      [1, 1, 2, "leg", 1, 2000, 395.5, 281.25],
      [2, 1, 1, "leg", 0, 4410, -292.5, 0],
      [2, 1, 1, "collateral", 0, 300, -292.5, 0],
    ]);
    // A's isolated account is still open after step 1, liquidated at step 2
    expect(ledgers.map((l) => l.markets[0].open)).toEqual([1, 0]);
    expect(ledgers.map((l) => l.markets[0].liquidatedNotional)).toEqual([9000, 9000 + 882 + 4410]);
    expect(engine.markets[0].st.cash[0]).toBe(38);
    expect(engine.cross!.owner(2)).toMatchObject({ closed: false, cash: -2, openLegs: [0] });
    expect(metric("insuranceFinal")).toBe(1_000_000 - 405 - 292.5);
    expect(metric("markets.A.liquidations")).toBe(3);
    expect(metric("markets.B.liquidations")).toBe(1);
  });

  it("without caps the same step liquidates them all (the control)", () => {
    // Step 1, round 1: owner 0 as above; owner 1: 5 @ 900 = 4500, P&L −502.5, its 300 out → −202.5 paid; owner 2: its
    // worst leg A (−502.5 < 0), 5 @ 900 → E = 397.5 ≥ 125.125. Round 2: A's isolated account at 900: 1 @ 900.
    const { events, ledgers, metric } = run(setup());
    expect(events.map((e) => [e.step, e.owner, e.kind, e.index, e.notional])).toEqual([
      [1, 0, "leg", 0, 9000],
      [1, 0, "collateral", 0, 600],
      [1, 1, "leg", 0, 4500],
      [1, 1, "collateral", 0, 300],
      [1, 2, "leg", 0, 4500],
    ]);
    expect(ledgers.map((l) => l.markets[0].open)).toEqual([0, 0]);
    expect(ledgers[0].markets[0].liquidatedNotional).toBe(9000 + 4500 + 4500 + 900);
    expect(metric("insuranceFinal")).toBe(1_000_000 - 405 - 202.5);
  });
});

describe("an owner's leg is held to its market's margin.model", () => {
  // A (market) −5% at step 1, margin.model vol-scaled: price volatility 0.5 a year (the reference variance per
  // 60-s step v = 0.25 × 60 / year), the estimate's half-life one step (λ = 0.5), refreshed every step, multiplier
  // in [1, 2]; B (market, the tiers) flat. MM = notional / 16 (× the multiplier in A).
  // The owner: long 10 A and long 20 B at the initial mids, 2000 USDT.
  // Opening: the estimate at v, multiplier 1: E = 2000 ≥ 10 × 1000.5 / 16 + 20 × 500.5 / 16 = 1250.9375.
  // Step 1, marks A 950.5, B 500.5: r = ln(950.5 / 1000.5) ≈ −0.0513, the variance 0.5 v + 0.5 r² ≈ 1.3e-3 ≫ 4v
  //   (v ≈ 4.75e-7): σ / √v far above 2, the multiplier capped at 2: A's requirement doubles.
  //   E = 2000 + 10 × (950.5 − 1000.5) = 1500; the tiers alone: 10 × 950.5 / 16 + 625.625 = 594.0625 + 625.625 =
  //   1219.6875 ≤ 1500 (healthy); the model: 2 × 594.0625 + 625.625 = 1813.75 > 1500: under water.
  //   Worst leg A (P&L −500 < 0): closed whole, 10 @ 950 = 9500, P&L −505 → cash −505; E = 1495 ≥ MM 625.625 (B's).
  const setup = (model: boolean) => {
    const a = market("A", 1000, [{ step: 1, return: -0.05 }], { engine: "market" });
    if (model) {
      (a.market as { price: Raw }).price.volatility = 0.5;
      a.margin = {
        ...(a.margin as Raw),
        model: "vol-scaled",
        volatility: { halfLifeSeconds: 60, updateEverySeconds: 60 },
        volScaled: { floor: 1, cap: 2 },
      };
    }
    return crossSetup(venue(1, [a, market("B", 500, [], { engine: "market" })]), [
      owner(2000, [
        { market: 0, side: 1, size: 10, entry: 1000.5 },
        { market: 1, side: 1, size: 20, entry: 500.5 },
      ]),
    ]);
  };

  it("a volatile step doubles the requirement of the leg in the vol-scaled market: liquidated where the tiers are not", () => {
    const { engine, events, metric } = run(setup(true));
    expect(engine.markets[0].st.model.state().multiplier).toBe(2);
    expect(events.map(row)).toEqual([[1, 1, 0, "leg", 0, 10, 9500, 1495, 625.625]]);
    expect(engine.cross!.owner(0)).toMatchObject({ closed: false, cash: -505, openLegs: [1] });
    expect(metric("crossMargin.accountsLiquidated")).toBe(1);
    expect(metric("markets.A.liquidations")).toBe(1);
  });

  it("the tiers alone (no model) leave the owner open (the control)", () => {
    const { events, metric } = run(setup(false));
    expect(events).toEqual([]);
    expect(metric("crossMargin.accountsLiquidated")).toBe(0);
  });

  it("the kernel gives the same record, bit for bit", () => {
    const s = setup(true);
    const reference = new MarketsReferenceEngine(s);
    reference.prepare(...seedWords(1));
    const expected = new Float64Array(reference.stride);
    reference.runPaths(0, 1, expected);
    expect(kernelRecord(s)).toEqual(Array.from(expected));
  });
});

describe("ADL closes an isolated bankrupt remainder against a profitable owner's leg, socialized shares with it (issue #14)", () => {
  // A (market engine, ADL hyperliquid at the bankruptcy price, an empty fund) −10% at step 1: mark 900.5, bid 900.
  // The isolated long: 1 A at 1000.5, collateral 100: bankruptcy price b = 1000.5 − 100 / 1 = 900.5; its liquidation
  // price (1000.5 − 100) × 16/15 = 960.53 is crossed at step 1. The fund is empty: its order may fill nothing below b
  // (the bid 900 is), so its whole size 1 is a bankrupt remainder at 900.5, backed by its 100.
  // The owner: 1000 USDT, leg 0 short 2 A at 1000.5. At the mark: profit −1 × 2 × (900.5 − 1000.5) = 200, V = 1200 > 0,
  // MM 2 × 900.5 / 16 = 112.5625: healthy, so ADL's. Its score: (1000.5 / 900.5) × (2 × 900.5 / 1200) = 1.6675.
  const markets = [
    market("A", 1000, [{ step: 1, return: -0.1 }], { engine: "market" }),
    market("B", 500, [], { engine: "market" }),
  ];
  const raw = { ...venue(1, markets), insurance: { initialBalance: 0 }, adl: { ranking: "hyperliquid" } };
  const owners = [owner(1000, [{ market: 0, side: -1, size: 2, entry: 1000.5 }])];
  const long: PositionRow = { account: "L", side: "long", size: 1, entryPrice: 1000.5, collateral: 100 };
  const short = (collateral: number): PositionRow => ({ account: "S", side: "short", size: 1, entryPrice: 1000.5, collateral });

  function adlRun(positions: PositionRow[]) {
    const setup = crossSetup(raw, owners, [positions, undefined]);
    const adl: [string, number, number, number, boolean][] = [];
    const engine = new MarketsReferenceEngine(setup);
    for (const m of engine.markets)
      m.st.onAdl = (e) =>
        adl.push([e.account >= LEG_ID_BASE ? `leg ${e.account - LEG_ID_BASE}` : "isolated", e.side, e.size, e.price, e.whole]);
    engine.prepare(...seedWords(1));
    const out = new Float64Array(engine.stride);
    engine.runPaths(0, 1, out);
    // the kernel gives the same record, bit for bit
    expect(kernelRecord(setup)).toEqual(Array.from(out));
    const names = recordNames(setup.names, true);
    const metric = (name: string) => out[names.indexOf(name)];
    return { adl, owner: engine.cross!.owner(0), metric, run: run(setup) };
  }

  it("the leg takes the remainder at b: x = min(1, 2) = 1, P&L −1 × 1 × (900.5 − 1000.5) = 100 to the owner's cash", () => {
    const { adl, owner: o, metric } = adlRun([long]);
    expect(adl).toEqual([["leg 0", -1, 1, 900.5, false]]);
    // the leg is resized to 2 − 1 = 1; the owner keeps its cash (100) and deposit: E = 100 + 1000 + 100 = 1200
    expect(o.closed).toBe(false);
    expect(o.openLegs).toEqual([0]);
    expect(o.sizes).toEqual([1]);
    expect(o.cash).toBe(100);
    expect(o.equity).toBe(1200);
    expect(o.maintenance).toBe(900.5 / 16);
    // adlCount 1, adlNotional 1 × 900.5, at the bankruptcy price = the mark: nothing given up against the mark
    expect(metric("adlCount")).toBe(1);
    expect(metric("adlNotional")).toBe(900.5);
    expect(metric("adlTransfer")).toBe(0);
    // the bankrupt long's collateral is its loss (closed whole at b): no bad debt; no owner liquidated
    expect(metric("badDebt")).toBe(0);
    expect(metric("crossMargin.accountsLiquidated")).toBe(0);
  });

  it("socialized: the long's deficit shared with the isolated short and the owner's leg pro rata to profit", () => {
    // No ADL queue: the long closes by market order at the bid 900: P&L 900 − 1000.5 = −100.5 on collateral 100, a
    // deficit of 0.5 the empty fund cannot pay, shared at the mark 900.5 among the shorts in profit: the isolated
    // short (profit 100, first) and the owner's leg (profit 200): total 300, each takes 0.5 × profit / 300
    const setup = crossSetup({ ...raw, adl: { ranking: "socialized" } }, owners, [[long, short(1000)], undefined]);
    const haircuts: [number, number, number][] = [];
    const engine = new MarketsReferenceEngine(setup);
    engine.markets[0].st.onSocializedLoss = (e) => {
      for (const h of e.haircuts) haircuts.push([h.account, h.profit, h.haircut]);
    };
    engine.prepare(...seedWords(1));
    const out = new Float64Array(engine.stride);
    engine.runPaths(0, 1, out);
    const shortIndex = engine.markets[0].st.pop.isLong[0] === 1 ? 1 : 0;
    expect(haircuts).toEqual([
      [shortIndex, 100, 0.5 * (100 / 300)],
      [LEG_ID_BASE, 200, 0.5 * (200 / 300)],
    ]);
    // the owner pays its haircut out of its cash; its leg stays open, whole
    const o = engine.cross!.owner(0);
    expect(o.cash).toBe(-(0.5 * (200 / 300)));
    expect(o.sizes).toEqual([2]);
    expect(kernelRecord(setup)).toEqual(Array.from(out));
    run(setup);
  });

  it("a deficit no size carries (an owner's close-out) takes the leg's whole profit at the mark, the leg closed", () => {
    // A second owner: 50 USDT, long 10 A at 1000.5. Step 1 at the mark 900.5: E = 50 − 1000 < MM: its leg closes at the
    // bid 900 (mark 900 after it): P&L 10 × (900 − 1000.5) = −1005; its 50 USDT sold: cash −955, the empty fund pays
    // nothing, a deficit of 955 queued (side +1). The allocation ranks the shorts at the mark 900: the first owner's leg
    // (profit −1 × 2 × (900 − 1000.5) = 201, V = 1201): closed whole, its profit all given (min(955, 201) = 201):
    // cash 0 + 201 − 201 = 0; 955 − 201 = 754 is bad debt. The owner is left with its 1000 USDT, open.
    const setup = crossSetup(raw, [owners[0], owner(50, [{ market: 0, side: 1, size: 10, entry: 1000.5 }])]);
    const engine = new MarketsReferenceEngine(setup);
    engine.prepare(...seedWords(1));
    const out = new Float64Array(engine.stride);
    engine.runPaths(0, 1, out);
    const names = recordNames(setup.names, true);
    const metric = (name: string) => out[names.indexOf(name)];
    expect(metric("adlCount")).toBe(1);
    expect(metric("adlNotional")).toBe(2 * 900);
    expect(metric("adlTransfer")).toBe(201);
    expect(metric("badDebt")).toBe(754);
    const o = engine.cross!.owner(0);
    expect([o.closed, o.openLegs, o.cash, o.equity]).toEqual([false, [], 0, 1000]);
    expect(engine.cross!.owner(1).closed).toBe(true);
    expect(kernelRecord(setup)).toEqual(Array.from(out));
    run(setup);
  });

  it("ranked by score against an isolated short: (1000.5/900.5) × 900.5 / (C + 100) vs the leg's 1.6675", () => {
    // C = 200: the short's score (1000.5/900.5) × 900.5/300 = 3.335 is first; it takes the whole remainder (its size 1)
    // and is closed with 200 + 100 = 300; the owner's leg is left as it was
    const first = adlRun([long, short(200)]);
    expect(first.adl).toEqual([["isolated", -1, 1, 900.5, true]]);
    expect(first.owner.sizes).toEqual([2]);
    expect(first.owner.cash).toBe(0);
    // C = 1000: the short's (1000.5/900.5) × 900.5/1100 = 0.9095 is below the leg's: the leg takes it, as above
    const second = adlRun([long, short(1000)]);
    expect(second.adl).toEqual([["leg 0", -1, 1, 900.5, false]]);
    expect(second.owner.sizes).toEqual([1]);
    expect(second.owner.cash).toBe(100);
  });
});
