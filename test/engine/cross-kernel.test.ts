// Cross margin across markets in the WASM kernel (assembly/cross-margin.ts, run by assembly/markets.ts): the
// hand-computed worst-leg table of the portfolio engine (test/portfolio.test.ts) reproduced as a `markets:` scenario;
// random owners over random markets (the venue's ledger closes at each path's end, release and debug builds agree); a
// venue without owners gives the plain markets run's record (one market: the one-market engine's).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/config/load.js";
import { buildCrossTables, type CrossAsset, type CrossOwner } from "../../src/engine/cross-setup.js";
import {
  CROSS_METRICS,
  MARKET_METRICS,
  buildMarketsSetup,
  type MarketsSetup,
  recordNames,
} from "../../src/engine/markets-setup.js";
import { P } from "../../src/engine/layout.js";
import { METRIC, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { buildSetup } from "../../src/engine/setup.js";
import { WasmMarketsEngine } from "../../src/kernel/wasm-markets-engine.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { firstDifference, seedWords } from "../helpers/engines.js";
import { identity, marketsArb, marketsSetupOf } from "../helpers/markets-arbitrary.js";

/**
 * A market without randomness whose fills land exactly at the touch (the flat-book worked examples' settings): price
 * model none, one shock at step 1, a deep flat book (1e6 per tick), impact that does not decay (in 2 steps) and leaves
 * nothing permanent, mark `last`, tick 1, one tier of MMR 1/16 (exact in binary), no population of its own.
 */
function quietMarket(name: string, initialPrice: number, shock: number) {
  return {
    name,
    market: {
      initialPrice,
      tickSize: 1,
      price: { model: "none", volatility: 0, shocks: [{ step: 1, return: shock }] },
      book: { levels: 400, depth: { profile: "flat", size: 1e6 } },
      impact: { halfLifeSeconds: 1e12, permanentShare: 0 },
      mark: { model: "last" },
    },
  };
}

function marketsOf(markets: ReturnType<typeof quietMarket>[]): MarketsSetup {
  const inputs = resolveScenario(
    {
      steps: 2,
      insurance: { initialBalance: 1_000_000 },
      accounts: { count: 0 },
      margin: { tiers: [{ floor: 0, mmr: 0.0625, maintenanceAmount: 0 }] },
      liquidation: { engine: "market", feeRate: 0 },
      markets,
    },
    ".",
  );
  return buildMarketsSetup(inputs);
}

/** Path 0 of the kernel: the record by name, and the venue's ledger after it. */
function run(setup: MarketsSetup, build: "release" | "debug" = "release") {
  const engine = new WasmMarketsEngine(setup, { build, batch: 1 });
  engine.prepare(...seedWords(1));
  const out = new Float64Array(engine.stride);
  engine.runPaths(0, 1, out);
  const names = recordNames(setup.names, setup.cross !== undefined);
  expect(engine.stride).toBe(names.length);
  const metric = (name: string) => {
    const k = names.indexOf(name);
    if (k < 0) throw new Error(`no metric ${name}`);
    return out[k];
  };
  return { out, metric, ledger: engine.ledger() };
}

describe("cross margin in the kernel", () => {
  // The portfolio test's table (test/portfolio.test.ts "cross margin closes the worst leg first"). Tick 1: the opening
  // mids (the legs' entries) are 1000.5, 500.5, 2000.5; step 1's shocks: A −10% (bid 900, mid 900.5), B +2% (ask 511,
  // mid 510.5), C −3% (bid 1940, mid 1940.5). MM = notional/16. Legs: long 10 A, short 20 B, long 5 C; USDT deposits.
  //   owner 0 (2400): equity 2400 − 1000 − 200 − 300 = 900 < 1807.34375 → A (loss 1000) 10 @ 900 = 9000, cash −1005;
  //     895 < 1244.53125 → C (loss 300 > 200) 5 @ 1940 = 9700, cash −1307.5; 892.5 ≥ 638.125: B stays open.
  //   owner 1 (1500), marks A 900, C 1940 (the last trades): A 9000, C 9700, B 20 @ 511 = 10220 (cash −1517.5), the
  //     last leg: 1500 USDT sold at 1 → −17.5, which the fund pays (1,000,000 → 999,982.5); no bad debt.
  const entries = [1000.5, 500.5, 2000.5];
  const owner = (usdt: number): CrossOwner => ({
    legs: [
      { market: 0, side: 1, size: 10, entry: entries[0] },
      { market: 1, side: -1, size: 20, entry: entries[1] },
      { market: 2, side: 1, size: 5, entry: entries[2] },
    ],
    deposits: [{ asset: 0, amount: usdt, arrives: 0 }],
  });
  const usdt: CrossAsset[] = [{ market: -1, price: 1, haircut: 0 }];

  it.each(["release", "debug"] as const)("closes the worst leg first, as the hand-computed table (%s)", (build) => {
    const setup = marketsOf([quietMarket("A", 1000, -0.1), quietMarket("B", 500, 0.02), quietMarket("C", 2000, -0.03)]);
    setup.cross = buildCrossTables(setup.markets, [owner(2400), owner(1500)], usdt);
    const { metric, ledger } = run(setup, build);
    expect(metric("liquidations")).toBe(5);
    expect(metric("liquidatedNotional")).toBe(9000 + 9700 + 9000 + 9700 + 10220);
    expect(metric("markets.A.liquidations")).toBe(2);
    expect(metric("markets.B.liquidations")).toBe(1);
    expect(metric("markets.C.liquidations")).toBe(2);
    expect(metric("markets.A.liquidatedNotional")).toBe(18000);
    expect(metric("markets.B.liquidatedNotional")).toBe(10220);
    expect(metric("markets.C.liquidatedNotional")).toBe(19400);
    // the marks followed the last trades (A 900, C 1940: the minima; B up to 511: its drawdown from 511 to the mid
    // 510.5 step 2 opens at), and the deep book did not move (step 2 opens at step 1's mids)
    expect(metric("markets.A.minPrice")).toBe(900);
    expect(metric("markets.C.minPrice")).toBe(1940);
    expect(metric("markets.B.maxDrawdown")).toBe((511 - 510.5) / 511);
    expect(metric("markets.A.finalPrice")).toBe(900.5);
    expect(metric("markets.B.finalPrice")).toBe(510.5);
    expect(metric("markets.C.finalPrice")).toBe(1940.5);
    expect(metric("insuranceFinal")).toBe(1_000_000 - 17.5);
    expect(metric("badDebt")).toBe(0);
    expect(metric("crossMargin.accountsLiquidated")).toBe(2);
    expect(metric("crossMargin.accountsClosed")).toBe(1);
    expect(metric("crossMargin.collateralSold")).toBe(1500);
    expect(metric("crossMargin.collateralSales")).toBe(1);
    expect(metric("firstLiquidationStep")).toBe(1);
    // who paid: the legs' P&L −1005 −302.5 (owner 0), −1005 −302.5 −210 (owner 1), the fund's 17.5 back to the trader
    expect(metric("liquidatedPnl")).toBe(-2825 + 17.5);
    expect(metric("shortfall")).toBe(17.5);
    expect(metric("fundNet")).toBe(-17.5);
    // the money: owner 0's cash −1307.5 and its 2400 USDT still held, owner 1's 0; the makers won the legs' 2825
    const [traders, insurance, makers, badDebt, treasury] = ledger;
    expect(traders).toBe(-1307.5 + 2400);
    expect(makers).toBe(2825);
    expect(traders + insurance + makers - badDebt + treasury).toBe(1_000_000 + 2400 + 1500);
  });

  // Ties on the loss: long 3 A and long 5 C both lose 300 (3·(900.5−1000.5) = 5·(1940.5−2000.5)); MM 168.84375 and
  // 606.40625. With 1000 USDT, equity 400 < 775.25 → C goes first (larger MM) whatever the leg order; after it
  // (5 @ 1940, P&L −302.5) equity 397.5 ≥ 168.84375: A stays. Equal loss and equal MM: long 3 A and long 3 D (D a copy
  // of A), 800 USDT: equity 200 < 337.6875 → the lower leg index goes first (3 @ 900, P&L −301.5); after it equity
  // 198.5 ≥ 168.84375: the other stays.
  it.each([
    ["larger MM first (A listed first)", ["A", "C"], [3, 5], 1000, "C", -302.5],
    ["larger MM first (C listed first)", ["C", "A"], [5, 3], 1000, "C", -302.5],
    ["then the lower leg index (A, D)", ["A", "D"], [3, 3], 800, "A", -301.5],
    ["then the lower leg index (D, A)", ["D", "A"], [3, 3], 800, "D", -301.5],
  ] as const)("breaks ties on the loss by %s", (_name, legs, sizes, usdtAmount, closedIn, pnl) => {
    const names = ["A", "C", "D"];
    const setup = marketsOf([quietMarket("A", 1000, -0.1), quietMarket("C", 2000, -0.03), quietMarket("D", 1000, -0.1)]);
    const entryOf = { A: 1000.5, C: 2000.5, D: 1000.5 };
    const one: CrossOwner = {
      legs: legs.map((name, j) => ({ market: names.indexOf(name), side: 1, size: sizes[j], entry: entryOf[name] })),
      deposits: [{ asset: 0, amount: usdtAmount, arrives: 0 }],
    };
    setup.cross = buildCrossTables(setup.markets, [one], usdt);
    const { metric } = run(setup);
    for (const name of names) expect(metric(`markets.${name}.liquidations`), name).toBe(name === closedIn ? 1 : 0);
    expect(metric("liquidatedPnl")).toBe(pnl);
    expect(metric("crossMargin.accountsLiquidated")).toBe(1);
    expect(metric("crossMargin.accountsClosed")).toBe(0);
  });

  it("on random owners over 1–4 random markets: the venue's ledger closes, the builds agree, the counts add up", () => {
    const seen = { liquidated: 0, closed: 0, sales: 0, survived: 0 };
    fc.assert(
      fc.property(
        fc
          .oneof(
            marketsArb(scenarioArb),
            scenarioArb.map((one) => ({ markets: [one], correlation: identity(1) })),
          )
          .chain((inputs) => ownersArb(inputs.markets.length).map((owners) => ({ inputs, owners }))),
        ({ inputs, owners }) => {
          const setup = marketsSetupOf(inputs);
          setup.cross = crossOf(setup, owners);
          const cross = setup.cross;
          const seed = inputs.markets[0].scenario.seed;
          const M = setup.markets.length;
          const engine = new WasmMarketsEngine(setup, { build: "debug", batch: 1 });
          engine.prepare(...seedWords(seed));
          const stride = engine.stride;
          const all = new Float64Array(3 * stride);
          const out = new Float64Array(stride);
          for (let path = 0; path < 3; path++) {
            engine.runPaths(path, 1, out);
            all.set(out, path * stride);
            let initial = inputs.markets[0].scenario.insurance.initialBalance;
            inputs.markets.forEach((market, m) => {
              for (const c of engine.collateral(m)) initial += c;
              if (market.scenario.liquidation.engine === "backstop")
                initial += market.scenario.liquidation.backstop?.vaultCapital ?? 0;
            });
            for (let d = 0; d < cross.depAmount.length; d++) initial += cross.depAmount[d] * cross.assetPrice[cross.depAsset[d]];
            const [traders, insurance, makers, badDebt, treasury, vault, arrivals] = engine.ledger();
            const total = traders + insurance + makers + treasury + vault - badDebt - arrivals;
            const scale = Math.max(1, initial, Math.abs(makers), badDebt);
            expect(Math.abs(total - initial) / scale, `path ${path}`).toBeLessThanOrEqual(1e-9);
            // the venue's liquidations are the markets' (the cross legs' fills included)
            let liquidations = 0;
            for (let m = 0; m < M; m++) liquidations += out[RECORD_STRIDE + m * MARKET_METRICS.length];
            expect(out[METRIC.liquidations]).toBe(liquidations);
            const at = RECORD_STRIDE + M * MARKET_METRICS.length;
            const [hit, closed, sold, sales] = out.subarray(at, at + CROSS_METRICS.length);
            expect(closed).toBeLessThanOrEqual(hit);
            expect(hit).toBeLessThanOrEqual(cross.owners);
            expect(sales).toBeLessThanOrEqual(2 * closed);
            if (hit > 0) seen.liquidated++;
            if (closed > 0) seen.closed++;
            if (hit > closed) seen.survived++;
            if (sales > 0 && sold > 0) seen.sales++;
          }
          const release = new WasmMarketsEngine(setup, { build: "release", batch: 2 });
          release.prepare(...seedWords(seed));
          const fast = new Float64Array(3 * stride);
          release.runPaths(0, 3, fast);
          const at = firstDifference(all, fast);
          expect(at, `release vs debug at ${at}: ${all[at]} vs ${fast[at]}`).toBe(-1);
        },
      ),
      { numRuns: 40, seed: 2028 },
    );
    // not vacuous
    expect(seen.liquidated).toBeGreaterThan(10);
    expect(seen.closed).toBeGreaterThan(5);
    expect(seen.sales).toBeGreaterThan(5);
    // an owner survives a leg's close only when the leg's MM exceeds its slippage and fee (random fees ≥ MMRs: rare)
    expect(seen.survived).toBeGreaterThan(0);
  }, 300_000);

  it("without owners gives the plain markets run's record, and zeros in the cross columns", () => {
    fc.assert(
      fc.property(marketsArb(scenarioArb), fc.integer({ min: 0, max: 1000 }), (inputs, first) => {
        const plain = marketsSetupOf(inputs);
        const withCross: MarketsSetup = { ...plain, cross: buildCrossTables(plain.markets, [], []) };
        const seed = inputs.markets[0].scenario.seed;
        const a = records(plain, seed, first);
        const b = records(withCross, seed, first);
        const V = recordNames(plain.names).length;
        const W = V + 4;
        for (let p = 0; p < 2; p++) {
          expect(firstDifference(a.subarray(p * V, (p + 1) * V), b.subarray(p * W, p * W + V)), `path ${p}`).toBe(-1);
          expect(Array.from(b.subarray(p * W + V, (p + 1) * W))).toEqual([0, 0, 0, 0]);
        }
      }),
      { numRuns: 15, seed: 2026 },
    );
  }, 120_000);

  it("one market without owners runs the markets' loop and gives the one-market engine's record", () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 1000 }), (inputs, first) => {
        const single = buildSetup(inputs);
        const setup: MarketsSetup = {
          names: ["only"],
          markets: [single],
          cholesky: Float64Array.of(1),
          cross: buildCrossTables([single], [], []),
        };
        const engine = new WasmEngine(single, { batch: 2 });
        engine.prepare(...seedWords(inputs.scenario.seed));
        const one = new Float64Array(2 * RECORD_STRIDE);
        engine.runPaths(first, 2, one);
        const venue = records(setup, inputs.scenario.seed, first);
        const W = recordNames(["only"], true).length;
        for (let p = 0; p < 2; p++) {
          const at = p * RECORD_STRIDE;
          expect(firstDifference(one.subarray(at, at + RECORD_STRIDE), venue.subarray(p * W, p * W + RECORD_STRIDE))).toBe(-1);
        }
      }),
      { numRuns: 15, seed: 2027 },
    );
  }, 120_000);
});

/**
 * Random owners over M markets: 1–4 legs each (a random side, notional 1e2–1e5 at the market's initial price, entry
 * within 1% of it), collateral of notional / leverage (2–30×), split between USDT (asset 0, external, haircut 5%)
 * and the asset of one market (asset 1 + m, haircut 10%) that may arrive late.
 */
function ownersArb(M: number) {
  return fc.array(
    fc.record({
      legs: fc.array(
        fc.record({
          market: fc.integer({ min: 0, max: M - 1 }),
          long: fc.boolean(),
          notional: fc.double({ min: 1e2, max: 1e5, noNaN: true }),
          shift: fc.double({ min: -0.01, max: 0.01, noNaN: true }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      leverage: fc.double({ min: 2, max: 30, noNaN: true }),
      usdtShare: fc.double({ min: 0, max: 1, noNaN: true }),
      assetMarket: fc.integer({ min: 0, max: M - 1 }),
      arrives: fc.integer({ min: 0, max: 4 }),
    }),
    { minLength: 1, maxLength: 40 },
  );
}

type RandomOwner = ReturnType<typeof ownersArb> extends fc.Arbitrary<(infer T)[]> ? T : never;

/** The cross tables of these random owners on these markets (a market's initial price from its parameter block). */
function crossOf(setup: MarketsSetup, owners: RandomOwner[]) {
  const price = (m: number) => setup.markets[m].params[P.initialPrice];
  const assets: CrossAsset[] = [
    { market: -1, price: 1, haircut: 0.05 },
    ...setup.markets.map((_, m) => ({ market: m, price: 0, haircut: 0.1 })),
  ];
  const list = owners.map((o): CrossOwner => {
    let notional = 0;
    const legs = o.legs.map((leg) => {
      notional += leg.notional;
      const p = price(leg.market);
      return { market: leg.market, side: leg.long ? 1 : -1, size: leg.notional / p, entry: p * (1 + leg.shift) } as const;
    });
    const collateral = notional / o.leverage;
    return {
      legs,
      deposits: [
        { asset: 0, amount: collateral * o.usdtShare, arrives: 0 },
        { asset: 1 + o.assetMarket, amount: (collateral * (1 - o.usdtShare)) / price(o.assetMarket), arrives: o.arrives },
      ],
    };
  });
  return buildCrossTables(setup.markets, list, assets);
}

/** Paths first, first + 1 of the kernel (batches of one: the batch boundary is crossed). */
function records(setup: MarketsSetup, seed: number, first: number): Float64Array {
  const engine = new WasmMarketsEngine(setup, { batch: 1 });
  engine.prepare(...seedWords(seed));
  const out = new Float64Array(2 * engine.stride);
  engine.runPaths(first, 2, out);
  return out;
}
