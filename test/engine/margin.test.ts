// The margin calculator (SPEC §5): published worked examples as golden values, hand-computed cases for bracket
// recompute, shorts and cross margin, input problems, and fast-check properties of the liquidation price.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { marginCommand } from "../../src/cli/margin.js";
import { InputError } from "../../src/config/errors.js";
import type { Tier } from "../../src/config/scenario.js";
import { computeMargin, type MarginPosition, type MarginRequest } from "../../src/margin/calculator.js";

// Verbatim subset of test/fixtures/public/public-examples.json; each entry names its source.
const EX = JSON.parse(readFileSync(new URL("../fixtures/margin/public-examples.json", import.meta.url), "utf8"));
const LEGACY: Tier[] = (EX.binance_usdm_btc_brackets_legacy.tiers as number[][]).map(([floor, , mmr, maintenanceAmount]) => ({
  floor,
  mmr,
  maintenanceAmount,
}));
const flat = (mmr: number): Tier[] => [{ floor: 0, mmr, maintenanceAmount: 0 }];

/** STYLE #9: on failure say what was calculated, what was expected, the error and the tolerance. */
function expectClose(what: string, calculated: number | null, expected: number, tolerance: number): void {
  const error = calculated === null ? Infinity : Math.abs(calculated - expected);
  if (!(error <= tolerance)) {
    throw new Error(`${what}: calculated ${calculated}, expected ${expected}, error ${error}, tolerance ${tolerance}`);
  }
}
const relTol = (x: number, rel = 1e-12) => rel * Math.abs(x);

// Independent of src/: the bracket a notional falls in (last floor ≤ notional) and its maintenance margin.
function bracketOf(tiers: Tier[], notional: number): number {
  let j = 0;
  tiers.forEach((t, k) => {
    if (notional >= t.floor) j = k;
  });
  return j;
}
function mmAt(tiers: Tier[], notional: number): number {
  const t = tiers[bracketOf(tiers, notional)];
  return notional * t.mmr - t.maintenanceAmount;
}
/** Equity − maintenance margin at `price`, maintenance margin at that price's notional. */
function surplus(tiers: Tier[], side: "long" | "short", q: number, e: number, backing: number, price: number): number {
  const s = side === "long" ? 1 : -1;
  return backing + s * q * (price - e) - mmAt(tiers, q * price);
}

function position(p: Partial<MarginPosition> & Pick<MarginPosition, "side" | "size" | "entryPrice">): MarginPosition {
  return { symbol: "BTCUSDT", markPrice: p.entryPrice, ...p };
}
function one(mode: MarginRequest["mode"], walletBalance: number, p: MarginPosition) {
  const result = computeMargin({ mode, walletBalance, positions: [p] });
  return { ...result.positions[0], marginRatio: result.marginRatio };
}

describe("golden values from published examples", () => {
  const bn = EX.binance_usdm_simple; // binance.com/en/support/faq/25edcd7fe0e544839d0847b8cbb2e400
  const bnRequest: MarginRequest = {
    mode: "cross",
    walletBalance: bn.wallet_balance,
    // The example gives no mark: the mark moves only the reported maintenance margin, not a lone position's LP.
    positions: [
      { symbol: "BTCUSDT", side: "long", size: bn.qty_btc, entryPrice: bn.entry, markPrice: bn.entry, tiers: flat(bn.mmr) },
    ],
  };

  it(`Binance cross long: wallet 500, 0.02 BTC @ 50,000, mmr 0.4% is liquidated at 25,100.40 (${bn.source})`, () => {
    const r = computeMargin(bnRequest);
    expectClose("liquidationPrice vs published", r.positions[0].liquidationPrice, bn.expected_liq_price, 0.01);
    // The formula itself: (500 + 0 − 0.02·50000) / (0.02·0.004 − 0.02), derived.
    expectClose("liquidationPrice vs formula", r.positions[0].liquidationPrice, 500 / 0.01992, relTol(25100.4, 1e-14));
    expectClose("maintenanceMargin = 1000 × 0.4%", r.positions[0].maintenanceMargin, 4, 1e-12);
    expectClose("bankruptcyPrice = 50000 − 500/0.02", r.positions[0].bankruptcyPrice, 25000, 1e-9);
    expectClose("marginRatio = 4 / 500", r.marginRatio, 0.008, 1e-15);
  });

  it(`the same through \`cascade margin\`, in SPEC §5's JSON shape (${bn.source})`, () => {
    const out = marginCommand(JSON.parse(JSON.stringify(bnRequest)));
    const json = JSON.parse(JSON.stringify(out));
    expect(Object.keys(json)).toEqual(["positions", "marginRatio"]);
    expect(Object.keys(json.positions[0])).toEqual(["symbol", "maintenanceMargin", "liquidationPrice", "bankruptcyPrice"]);
    expect(json.positions[0].symbol).toBe("BTCUSDT");
    expectClose("liquidationPrice", json.positions[0].liquidationPrice, bn.expected_liq_price, 0.01);
  });

  it(`the whole legacy bracket table gives the same price: the notional at 25,100.40 (502 USDT) is in the first bracket (${bn.source})`, () => {
    const r = one("cross", 500, position({ side: "long", size: 0.02, entryPrice: 50000, tiers: LEGACY }));
    expectClose("liquidationPrice", r.liquidationPrice, bn.expected_liq_price, 0.01);
  });

  const karen = EX.bitmex_cross_karen; // bitmex.com/app/isolatedMarginExamples
  // Model that reproduces 510 / 500: cross margin (the whole 10,000 USDT wallet backs the position) with the
  // maintenance margin fixed at 1% of the entry value, 200 USDT (BitMEX margins on entry value, like Bybit):
  // LP = 1000 − (10000 − 200)/20 = 510, bankruptcy = 1000 − 10000/20 = 500.
  const karenPosition = position({
    symbol: karen.contract,
    side: "long",
    size: karen.contracts,
    entryPrice: karen.entry,
    tiers: flat(karen.maintenance_margin / karen.notional),
    maintenanceAt: "entry",
  });

  it(`BitMEX Karen, cross, 20 ETHUSDT @ 1000 on a 10,000 wallet: liquidation 510, bankruptcy 500 (${karen.source})`, () => {
    const r = one("cross", karen.wallet_usdt, karenPosition);
    expectClose("maintenanceMargin", r.maintenanceMargin, karen.maintenance_margin, 1e-9);
    expectClose("liquidationPrice", r.liquidationPrice, karen.expected.liq_price, 1e-9);
    expectClose("bankruptcyPrice", r.bankruptcyPrice, karen.expected.bankruptcy_price, 1e-9);
  });

  it(`BitMEX Karen measured at the mark instead would be liquidated at 505.05, not the published 510 (${karen.source})`, () => {
    const r = one("cross", karen.wallet_usdt, { ...karenPosition, maintenanceAt: "mark" });
    expectClose("liquidationPrice, MM at LP", r.liquidationPrice, 10000 / 19.8, relTol(505));
  });

  const bybit = EX.bybit_linear_isolated_long; // testnet.bybit.com/.../Liquidation-Price-USDT-Contract
  it(`Bybit isolated long 1 BTC @ 20,000 at 50x, mmr 0.5% at entry: liquidation 19,700 (${bybit.source})`, () => {
    const r = one(
      "isolated",
      1_000_000, // not used: the position's own collateral (IM = 20,000 / 50) backs it alone
      position({
        side: "long",
        size: bybit.qty_btc,
        entryPrice: bybit.entry,
        collateral: bybit.IM,
        tiers: flat(bybit.mmr),
        maintenanceAt: "entry",
      }),
    );
    expectClose("maintenanceMargin", r.maintenanceMargin, bybit.MM, 1e-9);
    expectClose("liquidationPrice", r.liquidationPrice, bybit.expected_liq_price, 1e-9);
    expectClose("bankruptcyPrice (derived: 20000 − 400)", r.bankruptcyPrice, 19600, 1e-9);
  });
});

describe("Binance bracket rule (legacy BTCUSDT table)", () => {
  const legacy = EX.binance_usdm_btc_brackets_legacy;
  const faq = legacy.source.split(" (")[0]; // Binance FAQ b3c689c1f50a44cabb3a84e663b81d93

  it(`a position of 264,000 USDT is in the 1% bracket (${faq})`, () => {
    expect(LEGACY[bracketOf(LEGACY, 264_000)].mmr).toBe(legacy.rule_examples.notional_264000_mmr);
    // and the calculator charges it: 264,000 × 1% − 1,300
    const r = one("cross", 1e6, position({ side: "long", size: 1, entryPrice: 264_000, tiers: LEGACY }));
    expectClose("maintenanceMargin", r.maintenanceMargin, 1340, 1e-9);
  });

  it(`a position of 500,000 USDT has maintenance amount 1,300 (${faq})`, () => {
    expect(LEGACY[bracketOf(LEGACY, 500_000)].maintenanceAmount).toBe(legacy.rule_examples.notional_500000_cum);
    const r = one("cross", 1e6, position({ side: "long", size: 1, entryPrice: 500_000, tiers: LEGACY }));
    expectClose("maintenanceMargin = 500,000 × 1% − 1,300", r.maintenanceMargin, 3700, 1e-9);
  });

  it(`every maintenance amount of the table re-derives from cum_0 = 0 and cum_n = cum_{n−1} + floor_n·(mmr_n − mmr_{n−1}) (${faq})`, () => {
    let cum = 0;
    LEGACY.forEach((tier, n) => {
      if (n > 0) cum += tier.floor * (tier.mmr - LEGACY[n - 1].mmr);
      expectClose(`maintenanceAmount of bracket ${n} (floor ${tier.floor})`, cum, tier.maintenanceAmount, 1e-6);
    });
  });
});

describe("the bracket is recomputed at the liquidation price", () => {
  // Legacy brackets, collateral 60,000, hand-computed:
  // - long 10 @ 30,000: entry notional 300,000 is in bracket 2 (1%, cum 1,300), whose formula gives
  //   238,700 / 9.9 = 24,111.11, notional 241,111: bracket 1. Bracket 1's: (60,000 + 50 − 300,000) / (10·0.005 − 10)
  //   = 239,950 / 9.95 = 24,115.58, notional 241,156: in bracket 1, so that is the price.
  // - short 8 @ 30,000: entry notional 240,000 is in bracket 1, whose formula gives 300,050 / 8.04 = 37,319.65,
  //   notional 298,557: bracket 2. Bracket 2's: (60,000 + 1,300 + 240,000) / (8·1.01) = 37,289.60, in bracket 2.
  it.each([
    [
      "a long whose liquidation notional falls below its entry bracket",
      { side: "long", q: 10, entryBracket: 2, lpBracket: 1, lp: 239_950 / 9.95, entryBracketLp: 238_700 / 9.9 },
    ],
    [
      "a short whose liquidation notional rises above its entry bracket",
      { side: "short", q: 8, entryBracket: 1, lpBracket: 2, lp: 301_300 / 8.08, entryBracketLp: 300_050 / 8.04 },
    ],
  ] as const)(
    "%s is priced in the bracket of its liquidation notional",
    (_name, { side, q, entryBracket, lpBracket, lp: expected, entryBracketLp }) => {
      const e = 30_000,
        c = 60_000;
      const lp = one("isolated", c, position({ side, size: q, entryPrice: e, tiers: LEGACY })).liquidationPrice!;
      expect(bracketOf(LEGACY, q * e)).toBe(entryBracket);
      expect(bracketOf(LEGACY, q * lp)).toBe(lpBracket);
      expectClose("liquidationPrice (hand-computed)", lp, expected, relTol(expected));
      expectClose("equity − MM at LP, relative to entry notional", surplus(LEGACY, side, q, e, c, lp) / (q * e), 0, 1e-9);
      expect(Math.abs(lp - entryBracketLp)).toBeGreaterThan(1); // the entry bracket's price would be wrong
    },
  );

  // Collateral chosen so that equity = MM exactly where the notional is a floor: there both neighbouring brackets
  // give the same MM, and their formulas can each land a rounding error on the wrong side of the floor. The first
  // three are cases the engine's liquidationPrice alone reports as never liquidated (0 / +∞).
  it.each([
    ["long", 11, 30_000, 50_000],
    ["long", 11, 30_000, 250_000],
    ["short", 33, 30_000, 1_000_000],
    ["long", 7, 99_999, 250_000],
    ["short", 13, 31_000, 1_000_000],
  ] as const)("a %s of %d @ %d whose liquidation notional is exactly the floor %d is liquidated there", (side, q, e, floor) => {
    const s = side === "long" ? 1 : -1;
    const lpExact = floor / q;
    const c = mmAt(LEGACY, floor) - s * q * (lpExact - e);
    const r = one("isolated", c, position({ side, size: q, entryPrice: e, tiers: LEGACY }));
    expectClose("liquidationPrice", r.liquidationPrice, lpExact, relTol(lpExact, 1e-12));
  });
});

describe("short positions mirror longs", () => {
  it("Binance's example as a short: (500 + 1,000) / (0.02·0.004 + 0.02) = 74,701.20, bankruptcy 75,000", () => {
    const r = one("cross", 500, position({ side: "short", size: 0.02, entryPrice: 50_000, tiers: flat(0.004) }));
    expectClose("liquidationPrice", r.liquidationPrice, 1500 / 0.02008, relTol(74701.2));
    expectClose("bankruptcyPrice", r.bankruptcyPrice, 75_000, 1e-9);
  });

  it("Bybit's example as a short: liquidation 20,300 and bankruptcy 20,400", () => {
    const r = one(
      "isolated",
      0,
      position({ side: "short", size: 1, entryPrice: 20_000, collateral: 400, tiers: flat(0.005), maintenanceAt: "entry" }),
    );
    expectClose("liquidationPrice", r.liquidationPrice, 20_300, 1e-9);
    expectClose("bankruptcyPrice", r.bankruptcyPrice, 20_400, 1e-9);
  });
});

describe("cross margin", () => {
  // Wallet 10,000. BTC long 1 @ 30,000, mark 29,000 (legacy brackets): MM 29,000 × 0.4% = 116, UPNL −1,000.
  // ETH short 10 @ 2,000, mark 2,100 (0.5% flat): MM 21,000 × 0.5% = 105, UPNL −1,000.
  //   BTC: backing 10,000 − 105 − 1,000 = 8,895;  LP = (8,895 − 30,000)/(0.004 − 1) = 21,105/0.996 = 21,189.759
  //        bankruptcy: 30,000 − (10,000 − 1,000) = 21,000
  //   ETH: backing 10,000 − 116 − 1,000 = 8,884;  LP = (8,884 + 20,000)/(10·1.005) = 28,884/10.05 = 2,874.030
  //        bankruptcy: 2,000 + 9,000/10 = 2,900
  //   marginRatio = (116 + 105) / (10,000 − 2,000) = 0.027625
  const request: MarginRequest = {
    mode: "cross",
    walletBalance: 10_000,
    positions: [
      { symbol: "BTCUSDT", side: "long", size: 1, entryPrice: 30_000, markPrice: 29_000, tiers: LEGACY },
      { symbol: "ETHUSDT", side: "short", size: 10, entryPrice: 2_000, markPrice: 2_100, tiers: flat(0.005) },
    ],
  };
  const expected = [
    { symbol: "BTCUSDT", maintenanceMargin: 116, liquidationPrice: 21_105 / 0.996, bankruptcyPrice: 21_000 },
    { symbol: "ETHUSDT", maintenanceMargin: 105, liquidationPrice: 28_884 / 10.05, bankruptcyPrice: 2_900 },
  ];

  it("two positions share one pool: each is priced with the other's MM and PnL at its mark (hand-computed table)", () => {
    const r = computeMargin(request);
    r.positions.forEach((p, i) => {
      const x = expected[i];
      expect(p.symbol).toBe(x.symbol);
      expectClose(`${x.symbol} maintenanceMargin`, p.maintenanceMargin, x.maintenanceMargin, 1e-9);
      expectClose(`${x.symbol} liquidationPrice`, p.liquidationPrice, x.liquidationPrice, relTol(x.liquidationPrice));
      expectClose(`${x.symbol} bankruptcyPrice`, p.bankruptcyPrice, x.bankruptcyPrice, 1e-9);
    });
    expectClose("marginRatio", r.marginRatio, 221 / 8000, 1e-15);
  });

  it("at each position's liquidation price the whole account's equity equals its whole maintenance margin", () => {
    const r = computeMargin(request);
    r.positions.forEach((p, i) => {
      const marks = request.positions.map((q, k) => (k === i ? p.liquidationPrice! : q.markPrice));
      let equity = request.walletBalance;
      let mm = 0;
      request.positions.forEach((q, k) => {
        equity += (q.side === "long" ? 1 : -1) * q.size * (marks[k] - q.entryPrice);
        mm += mmAt(q.tiers!, q.size * marks[k]);
      });
      expectClose(`${p.symbol}: equity − MM`, equity - mm, 0, 1e-9 * request.walletBalance);
    });
  });

  it("SPEC §5's example (no published result) is accepted and its liquidation price solves equity = MM", () => {
    const spec = {
      mode: "cross",
      walletBalance: 1535443.01,
      positions: [
        {
          symbol: "BTCUSDT",
          side: "long",
          size: 109.488,
          entryPrice: 32481.98,
          markPrice: 31967.27,
          tiers: [{ floor: 0, mmr: 0.025, maintenanceAmount: 16300 }],
        },
      ],
    }; // prettier-ignore
    const out = marginCommand(spec) as ReturnType<typeof computeMargin>;
    const lp = out.positions[0].liquidationPrice!;
    const p = spec.positions[0];
    expectClose(
      "equity − MM at LP / notional",
      surplus(p.tiers, "long", p.size, p.entryPrice, spec.walletBalance, lp) / (p.size * p.entryPrice),
      0,
      1e-9,
    );
  });

  it("a short already below maintenance at every price (the other position's loss exceeds the wallet) reports 0", () => {
    const r = computeMargin({
      mode: "cross",
      walletBalance: 1_000,
      positions: [
        { symbol: "BTCUSDT", side: "long", size: 1, entryPrice: 30_000, markPrice: 10_000, tiers: flat(0.004) },
        { symbol: "ETHUSDT", side: "short", size: 0.1, entryPrice: 2_000, markPrice: 2_000, tiers: flat(0.005) },
      ],
    });
    expect(r.positions[1].liquidationPrice).toBe(0);
    expect(r.positions[1].bankruptcyPrice).toBe(0);
    expect(r.marginRatio).toBeNull(); // margin balance 1,000 − 20,000 < 0: no finite ratio
  });
});

describe("limits and the margin ratio", () => {
  it("a long backed by more than its notional is never liquidated nor bankrupt: both prices 0", () => {
    const r = one("isolated", 0, position({ side: "long", size: 1, entryPrice: 30_000, collateral: 40_000, tiers: LEGACY }));
    expect(r.liquidationPrice).toBe(0);
    expect(r.bankruptcyPrice).toBe(0);
  });

  it("isolated margin ratio = total MM / (walletBalance + every collateral + total UPNL), walletBalance counted once", () => {
    const r = computeMargin({
      mode: "isolated",
      walletBalance: 1_000,
      positions: [
        { symbol: "A", side: "long", size: 1, entryPrice: 100, markPrice: 110, tiers: flat(0.01) }, // MM 1.1, UPNL 10
        { symbol: "B", side: "short", size: 2, entryPrice: 50, markPrice: 55, tiers: flat(0.02), collateral: 20 }, // MM 2.2, UPNL −10
        { symbol: "C", side: "long", size: 1, entryPrice: 10, markPrice: 10, tiers: flat(0.1) }, // MM 1, UPNL 0
      ],
    });
    expectClose("marginRatio", r.marginRatio, 4.3 / (1_000 + 20), 1e-15);
    // each position without collateral is backed by the whole wallet on its own
    expectClose("A bankruptcy = 100 − 1000", r.positions[0].bankruptcyPrice, 0, 0);
    expectClose("B bankruptcy = 50 + 20/2", r.positions[1].bankruptcyPrice, 60, 1e-12);
  });
});

describe("presets", () => {
  const base = (p: Partial<MarginPosition>) => ({
    mode: "isolated" as const,
    walletBalance: 60_000,
    positions: [{ symbol: "BTCUSDT", side: "long" as const, size: 10, entryPrice: 30_000, markPrice: 30_000, ...p }],
  });

  it("a built-in preset gives the same prices as its tiers written out (binance-usdm-btcusdt)", () => {
    expect(marginCommand(base({ preset: "binance-usdm-btcusdt" }))).toEqual(marginCommand(base({ tiers: LEGACY })));
  });

  it("an injected resolver supplies the tiers, and a preset's convention sets where MM is measured", () => {
    const bybitLike = { tiers: flat(0.005), maintenanceAt: "entry" as const };
    const req = {
      mode: "isolated" as const,
      walletBalance: 400,
      positions: [position({ side: "long", size: 1, entryPrice: 20_000, markPrice: 19_000, preset: "x" })],
    };
    expectClose(
      "entry convention from the preset",
      computeMargin(req, { resolvePresetTiers: () => bybitLike }).positions[0].liquidationPrice,
      19_700,
      1e-9,
    );
    // a bare tier list states no convention: the mark; the position's own maintenanceAt wins over the preset's
    const atMark = computeMargin(req, { resolvePresetTiers: () => flat(0.005) }).positions[0].liquidationPrice!;
    expectClose("mark convention for a bare tier list", atMark, (400 - 20_000) / (0.005 - 1), relTol(19_698));
    req.positions[0].maintenanceAt = "mark";
    expect(computeMargin(req, { resolvePresetTiers: () => bybitLike }).positions[0].liquidationPrice).toBe(atMark);
  });

  it("an unknown preset is one problem naming the field", () => {
    expect(problemsOf(() => marginCommand(base({ preset: "nope" })))).toEqual([
      'positions[0].preset must name a known preset (see `cascade presets`) (received "nope")',
    ]);
    expect(problemsOf(() => computeMargin(base({ preset: "nope" })))).toEqual([
      'positions[0].preset must name a known preset (no preset catalogue was given) (received "nope")',
    ]);
  });

  it("a preset whose tiers are not continuous is reported under the position's preset", () => {
    const broken = [LEGACY[0], { ...LEGACY[1], maintenanceAmount: 60 }];
    expect(problemsOf(() => computeMargin(base({ preset: "p" }), { resolvePresetTiers: () => broken }))).toEqual([
      'positions[0].preset "p": tiers[1].maintenanceAmount must be 50 so that maintenance margin is continuous at floor 50000 (each amount = the one below + floor × (mmr − the mmr below), starting from the first tier) (received 60)',
    ]);
  });
});

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
  throw new Error("expected an InputError, got a result");
}

describe("input problems: one line each, naming the field", () => {
  const good = () => ({
    mode: "isolated",
    walletBalance: 500,
    positions: [
      { symbol: "BTCUSDT", side: "long", size: 0.02, entryPrice: 50_000, markPrice: 50_000, tiers: flat(0.004) },
    ] as Record<string, unknown>[],
  });
  type Req = ReturnType<typeof good> & Record<string, unknown>;
  const cases: [string, (r: Req) => void, string][] = [
    ["a negative size", (r) => (r.positions[0].size = -1), "positions[0].size must be > 0 (received -1)"],
    ["a zero entry price", (r) => (r.positions[0].entryPrice = 0), "positions[0].entryPrice must be > 0 (received 0)"],
    [
      "a mark price as text",
      (r) => (r.positions[0].markPrice = "50000"),
      'positions[0].markPrice must be a number (received "50000")',
    ],
    ["a missing side", (r) => delete r.positions[0].side, "positions[0].side must be one of long, short (received nothing)"],
    ["an unknown mode", (r) => (r.mode = "portfolio"), 'mode must be one of cross, isolated (received "portfolio")'],
    ["a negative wallet", (r) => (r.walletBalance = -5), "walletBalance must be >= 0 (received -5)"],
    ["no positions", (r) => (r.positions = []), "positions must have at least 1 item(s) (received [])"],
    [
      "a misspelt key",
      (r) => (r.positions[0].colateral = 1),
      "positions[0].colateral is not a known key (did you mean collateral?)",
    ],
    [
      "an unknown maintenanceAt",
      (r) => (r.positions[0].maintenanceAt = "index"),
      'positions[0].maintenanceAt must be one of mark, entry (received "index")',
    ],
    ["mmr of 1", (r) => (r.positions[0].tiers = flat(1)), "positions[0].tiers[0].mmr must be < 1 (received 1)"],
    [
      "neither tiers nor preset",
      (r) => delete r.positions[0].tiers,
      "positions[0].tiers or preset is required (received nothing)",
    ],
    [
      "both tiers and preset",
      (r) => (r.positions[0].preset = "binance-usdm-btcusdt"),
      'positions[0].preset must not be given together with tiers (received "binance-usdm-btcusdt")',
    ],
    [
      "collateral in cross mode",
      (r) => ((r.mode = "cross"), (r.positions[0].collateral = 100)),
      "positions[0].collateral is only allowed in isolated mode (in cross mode walletBalance backs every position) (received 100)",
    ],
    [
      "two cross positions on one symbol",
      (r) => ((r.mode = "cross"), r.positions.push({ ...r.positions[0], side: "short" })),
      'positions[1].symbol must differ from positions[0].symbol (cross margin holds one position per symbol) (received "BTCUSDT")',
    ],
    [
      "a bracket floor out of order",
      (r) => (r.positions[0].tiers = [LEGACY[0], LEGACY[2], LEGACY[1]]),
      "positions[0].tiers[2].floor must be > the previous tier's floor 250000 (tiers sorted by strictly increasing floor) (received 50000)",
    ],
    [
      "a maintenance amount that makes MM jump at a floor",
      (r) => (r.positions[0].tiers = LEGACY.map((t, i) => (i === 2 ? { ...t, maintenanceAmount: 1_000 } : t))),
      "positions[0].tiers[2].maintenanceAmount must be 1300 so that maintenance margin is continuous at floor 250000 (each amount = the one below + floor × (mmr − the mmr below), starting from the first tier) (received 1000)",
    ],
  ];

  it.each(cases)("%s", (_name, spoil, line) => {
    const r = good() as Req;
    spoil(r);
    expect(problemsOf(() => computeMargin(r as unknown as MarginRequest))).toEqual([line]);
  });

  it("lists every problem at once, cross-field ones included", () => {
    const r = good() as Req;
    r.mode = "cross";
    r.walletBalance = -1;
    r.positions[0].size = -1;
    r.positions[0].collateral = 5;
    expect(problemsOf(() => marginCommand(r))).toEqual([
      "walletBalance must be >= 0 (received -1)",
      "positions[0].size must be > 0 (received -1)",
      "positions[0].collateral is only allowed in isolated mode (in cross mode walletBalance backs every position) (received 5)",
    ]);
  });

  it("a request that is not an object is one problem", () => {
    expect(problemsOf(() => marginCommand([]))).toEqual([
      "the margin request must be an object with mode, walletBalance and positions (received [])",
    ]);
  });
});

describe("properties of isolated positions", () => {
  /** A continuous bracket table: first floor 0, cum derived by the Binance rule. */
  const tables = fc.oneof(
    fc.constant(LEGACY),
    fc
      .array(fc.tuple(fc.double({ min: 1, max: 1e7, noNaN: true }), fc.double({ min: 0, max: 0.2, noNaN: true })), {
        minLength: 0,
        maxLength: 6,
      })
      .chain((steps) =>
        fc.double({ min: 0.001, max: 0.05, noNaN: true }).map((mmr0) => {
          const tiers: Tier[] = [{ floor: 0, mmr: mmr0, maintenanceAmount: 0 }];
          for (const [width, dmmr] of steps) {
            const prev = tiers[tiers.length - 1];
            const floor = Math.round(prev.floor + width);
            const mmr = Math.min(0.9, prev.mmr + dmmr);
            tiers.push({ floor, mmr, maintenanceAmount: prev.maintenanceAmount + floor * (mmr - prev.mmr) });
          }
          return tiers;
        }),
      ),
  );
  const positions = fc.record({
    tiers: tables,
    side: fc.constantFrom("long" as const, "short" as const),
    q: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
    e: fc.double({ min: 1, max: 1e5, noNaN: true }),
    // collateral between the entry maintenance margin and the entry notional (leverage > 1, not yet liquidatable)
    u: fc.double({ min: 1e-3, max: 0.999, noNaN: true }),
    atEntry: fc.boolean(),
  });

  it("equity − MM is 0 at the liquidation price (1e-9 of the notional), in the bracket LP falls in, on the losing side of entry", () => {
    fc.assert(
      fc.property(positions, ({ tiers, side, q, e, u, atEntry }) => {
        const notional = q * e;
        const mmEntry = mmAt(tiers, notional);
        const c = mmEntry + u * (notional - mmEntry);
        const r = one(
          "isolated",
          c,
          position({ side, size: q, entryPrice: e, tiers, maintenanceAt: atEntry ? "entry" : "mark" }),
        );
        const lp = r.liquidationPrice!;
        const s = side === "long" ? 1 : -1;
        const mm = atEntry ? mmEntry : mmAt(tiers, q * lp); // mmAt takes the bracket that q·LP falls in
        expectClose("(equity − MM) / notional at LP", (c + s * q * (lp - e) - mm) / notional, 0, 1e-9);
        if (side === "long") expect(lp > 0 && lp < e).toBe(true);
        else expect(lp > e && Number.isFinite(lp)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("equity is 0 at the bankruptcy price, which lies beyond the liquidation price", () => {
    fc.assert(
      fc.property(positions, ({ tiers, side, q, e, u }) => {
        const notional = q * e;
        const mmEntry = mmAt(tiers, notional);
        const c = mmEntry + u * (notional - mmEntry);
        const r = one("isolated", c, position({ side, size: q, entryPrice: e, tiers }));
        const s = side === "long" ? 1 : -1;
        expectClose("equity / notional at BP", (c + s * q * (r.bankruptcyPrice - e)) / notional, 0, 1e-12);
        expect(s * (r.liquidationPrice! - r.bankruptcyPrice)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1000 },
    );
  });
});
