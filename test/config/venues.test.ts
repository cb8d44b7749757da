// Venue mechanisms (src/venues/): every public worked example they cover is a golden test at its stated precision,
// each mechanism without a public example is tested on its defining behaviour, and the venue presets load, agree
// with the examples and are listed by `cascade presets`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/program.js";
import { publicExamples } from "../helpers/fixtures.js";
import { findPreset, listPresets } from "../../src/config/presets.js";
import { formatIssues } from "../../src/config/schema.js";
import { computeMargin } from "../../src/margin/calculator.js";
import {
  AAVE_V3_3_RULES,
  HYPERLIQUID_BACKSTOP,
  HYPERLIQUID_PARTIAL,
  OKX_STEP_DOWN,
  adjustedBankruptcyRating,
  auctionStatus,
  backstopTakeover,
  backstopTriggered,
  bankruptcyQuote,
  bark,
  bybitInverseBankruptcyPrice,
  bybitInverseLiquidationPrice,
  closeFactor,
  collateralToLiquidate,
  curvePrice,
  driftLiquidationFee,
  driftMaxPctToLiquidate,
  exponentialDecrease,
  fillablePrice,
  healthFactor,
  hyperliquidLiquidationPrice,
  hyperliquidMaintenanceRate,
  insuranceFundDelta,
  keeperIncentive,
  linearDecrease,
  liquidationCall,
  liquidationFeeRate,
  liquidationOrderSize,
  liquidatorReceivePerRepaid,
  maxLiquidatableDebt,
  maxLiquidatableNotional,
  maxRepay,
  okxLiquidationAction,
  phemexAssignedPositionBalance,
  phemexBankruptcyPrice,
  phemexLiquidationPrice,
  powInt,
  seizeTokens,
  splitSeize,
  stairstepExponentialDecrease,
  startPrice,
  subaccountRisk,
  take,
  vaultMaintenanceRate,
  venueLiquidationSchema,
  withinInsuranceLimit,
  type AaveUserState,
  type BybitInverseCross,
  type DydxBlockLimits,
  type DydxPosition,
  type MakerClipperParams,
  type OkxTier,
  type PartialLiquidationRule,
  type PhemexIsolated,
} from "../../src/venues/index.js";

// Public fixtures: test/fixtures/public/ (its README names each source); every entry names its source.
const EX = publicExamples();

/** STYLE #9: on failure say what was calculated, what was expected, the error and the tolerance. */
function expectClose(what: string, calculated: number, expected: number, tolerance: number): void {
  const error = Math.abs(calculated - expected);
  if (!(error <= tolerance)) {
    throw new Error(`${what}: calculated ${calculated}, expected ${expected}, error ${error}, tolerance ${tolerance}`);
  }
}
/** Half a unit in the last stated decimal place: the precision a value printed with `decimals` decimals carries. */
const decimalsTol = (decimals: number) => 0.5 * 10 ** -decimals;
/** Half a unit in the n-th significant digit of `x`. */
const sigTol = (x: number, digits: number) => (x === 0 ? 0 : 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(x))) - digits + 1));

describe("dYdX v4 fillable price (liquidations_test.go TestGetFillablePrice)", () => {
  const ex = EX.dydx_v4_fillable_price; // BTC 20% IMF, 10% MMF, oracle 50000; ETH 3000, MMF 10%
  const btc = (size: number): DydxPosition => ({ size, oraclePrice: 50000, maintenanceFraction: 0.1 });
  const eth = (size: number): DydxPosition => ({ size, oraclePrice: 3000, maintenanceFraction: 0.1 });
  /** The subaccount each case describes, and the position it liquidates. */
  function caseSetup(pos: string): { positions: DydxPosition[]; liquidated: DydxPosition } {
    if (pos.includes("ETH")) {
      const positions = [btc(0.004), eth(0.1)];
      return { positions, liquidated: positions[1] };
    }
    const position = btc(pos.includes("short") ? -0.1 : 0.1);
    return { positions: [position], liquidated: position };
  }
  const cases = (ex.cases as { pos: string; quote: number; BA: number; SMMR: number; expected: number }[]).map((c, i) => ({
    ...c,
    name: `case ${i + 1}: ${c.pos}, quote ${c.quote}, BA ${c.BA}, SMMR ${c.SMMR} → ${c.expected}`,
  }));

  it.each(cases)("$name (exact)", (c) => {
    const { positions, liquidated } = caseSetup(c.pos);
    const risk = subaccountRisk(c.quote, positions);
    const fp = fillablePrice(liquidated, risk, { bankruptcyAdjustment: c.BA, spreadToMaintenanceMarginRatio: c.SMMR });
    expectClose(`fillable price (${ex.source})`, fp, c.expected, 0);
  });

  it("reads TNC, TMMR and ABR off the case descriptions as the formula needs them", () => {
    // 0.1 BTC long with −4501 quote: TNC = 5000 − 4501, TMMR = 10% of 5000, ABR = 1 − 499/500.
    const long = subaccountRisk(-4501, [btc(0.1)]);
    expect(long).toEqual({ netCollateral: 499, maintenance: 500 });
    expectClose("ABR", adjustedBankruptcyRating(long, 1), 0.002, 1e-15);
    // BTC 0.004 + ETH 0.1 with −490: TNC = 200 + 300 − 490 = 10, TMMR = 20 + 30 = 50, ABR = 0.8.
    const multi = subaccountRisk(-490, [btc(0.004), eth(0.1)]);
    expectClose("multi-asset TNC", multi.netCollateral, 10, 1e-12);
    expectClose("multi-asset TMMR", multi.maintenance, 50, 1e-12);
    expectClose("multi-asset ABR", adjustedBankruptcyRating(multi, 1), 0.8, 1e-12);
    // ABR is clamped to [0, 1]: underwater accounts (TNC < 0) get 1, healthy ones 0.
    expect(adjustedBankruptcyRating({ netCollateral: -500, maintenance: 500 }, 1)).toBe(1);
    expect(adjustedBankruptcyRating({ netCollateral: 600, maintenance: 500 }, 1)).toBe(0);
  });

  it("always fills against the liquidated account: at or below the oracle for longs, at or above it for shorts", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 100, noNaN: true }),
        fc.boolean(),
        fc.double({ min: -2, max: 1.5, noNaN: true }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        (absSize, isLong, tncOverTmmr, ba, smmr) => {
          const p = btc(isLong ? absSize : -absSize);
          const tmmr = Math.abs(p.size) * 50000 * 0.1;
          const fp = fillablePrice(
            p,
            { netCollateral: tncOverTmmr * tmmr, maintenance: tmmr },
            { bankruptcyAdjustment: ba, spreadToMaintenanceMarginRatio: smmr },
          );
          const slack = 1e-9 * 50000;
          return isLong ? fp <= 50000 + slack : fp >= 50000 - slack;
        },
      ),
    );
  });

  it("closing a lone position at its bankruptcy quote leaves nothing, and the fee comes only out of the surplus", () => {
    const p = btc(0.1);
    const risk = subaccountRisk(-4501, [p]);
    const bq = bankruptcyQuote(p, -0.1, risk);
    expectClose("bankruptcy quote = the debt", bq, 4501, 1e-9);
    // Filled at the fillable price 49,999: 4,999.9 received, 498.9 above bankruptcy; the fee is capped at 0.5%.
    expectClose("fee capped at 0.5% of the fill", insuranceFundDelta(4999.9, bq, 0.005), 24.9995, 1e-9);
    expectClose("a surplus below the cap is all taken", insuranceFundDelta(4510, bq, 0.005), 9, 1e-9);
    expectClose("a fill below bankruptcy costs the fund", insuranceFundDelta(4400, bq, 0.005), -101, 1e-9);
  });
});

describe("dYdX v4 per-block caps bound what one block liquidates", () => {
  const limits: DydxBlockLimits = {
    minPositionNotionalLiquidated: 1000,
    maxPositionPortionLiquidated: 0.25,
    maxNotionalLiquidatedPerSubaccount: 50_000,
    maxInsuranceLostPerSubaccount: 2_000,
  };

  it("a position is liquidated at most maxPositionPortion at a time, but at least minPositionNotional", () => {
    expect(maxLiquidatableNotional(100_000, limits, 0)).toBe(25_000);
    expect(maxLiquidatableNotional(-100_000, limits, 0)).toBe(25_000);
    expect(maxLiquidatableNotional(2_000, limits, 0)).toBe(1_000); // 25% = 500 < the 1,000 minimum
    expect(maxLiquidatableNotional(800, limits, 0)).toBe(800); // smaller than the minimum: the whole position
  });

  it("the liquidated notional of one subaccount in one block never exceeds the cap, however often it is liquidated", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }), (positions) => {
        let liquidated = 0;
        for (const notional of positions) {
          const allowed = maxLiquidatableNotional(notional, limits, liquidated);
          expect(allowed).toBeGreaterThanOrEqual(0);
          liquidated += allowed;
        }
        return liquidated <= limits.maxNotionalLiquidatedPerSubaccount * (1 + 1e-12);
      }),
    );
  });

  it("an insurance payout beyond what is left of the per-block limit is refused", () => {
    expect(withinInsuranceLimit(-1_500, limits, 0)).toBe(true);
    expect(withinInsuranceLimit(-1_500, limits, 600)).toBe(false);
    expect(withinInsuranceLimit(25, limits, 2_000)).toBe(true); // fees paid to the fund are never capped
  });
});

describe("Aave v3.3 liquidation (LiquidationLogic.sol)", () => {
  const ex = EX.aave_v3; // aave/aave-v3-origin LiquidationLogic.sol; aave.com/docs/developers/liquidations

  it(`health factor: 10,000 collateral at LT 0.8 against 6,000 debt is 1.3333 (${ex.source})`, () => {
    const hf = healthFactor(
      [{ valueBase: ex.hf_example.collateral_usd, liquidationThreshold: ex.hf_example.liq_threshold }],
      ex.hf_example.debt_usd,
    );
    expectClose("health factor", hf, ex.hf_example.expected_hf, decimalsTol(4));
  });

  it.each([
    { bonus: 1.1, expected: ex.liquidator_receive_per_repaid["bonus_1.10"] as number },
    { bonus: 1.15, expected: ex.liquidator_receive_per_repaid["bonus_1.15"] as number },
  ])(
    "with bonus $bonus and a 10% protocol fee on the bonus the liquidator keeps $expected per unit repaid",
    ({ bonus, expected }) => {
      const terms = { liquidationBonus: bonus, protocolFeeOfBonus: ex.liquidation_protocol_fee_of_bonus };
      expectClose(`collateral per unit repaid, bonus ${bonus}`, liquidatorReceivePerRepaid(terms), expected, 1e-12);
      const s = collateralToLiquidate(1000, { debtPrice: 1, collateralPrice: 1, userCollateralBalance: 1e9 }, terms);
      expectClose("protocol fee = 10% of the bonus", s.protocolFee, 1000 * (bonus - 1) * 0.1, 1e-9);
    },
  );

  it("the rules' constants are the example's: 50% close factor, full at HF 0.95, 2,000 and 1,000 USD thresholds", () => {
    expect(AAVE_V3_3_RULES).toEqual({
      defaultCloseFactor: ex.DEFAULT_LIQUIDATION_CLOSE_FACTOR,
      fullCloseHealthFactor: ex.CLOSE_FACTOR_HF_THRESHOLD,
      minBaseForCloseFactor: ex.MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_usd,
      minLeftoverBase: ex.MIN_LEFTOVER_BASE_usd,
    });
  });

  // One collateral (WETH at 2,000) and one debt reserve (USDC at 1); HF set directly.
  const user = (collateral: number, debt: number, hf: number): AaveUserState => ({
    userReserveDebt: debt,
    debtPrice: 1,
    userCollateralBalance: collateral / 2000,
    collateralPrice: 2000,
    totalDebtBase: debt,
    totalCollateralBase: collateral,
    healthFactor: hf,
  });
  const terms = { liquidationBonus: 1.05, protocolFeeOfBonus: 0.1 };

  it.each([
    { name: "a large position just under HF 1 may repay half its debt", u: user(20_000, 19_000, 0.97), factor: 0.5 },
    { name: "at HF 0.95 (inclusive) the whole debt", u: user(20_000, 19_000, 0.95), factor: 1 },
    { name: "below HF 0.95 the whole debt", u: user(20_000, 19_000, 0.9), factor: 1 },
    { name: "a debt under 2,000 USD the whole debt, whatever the HF", u: user(2_500, 1_999, 0.99), factor: 1 },
    { name: "a collateral under 2,000 USD the whole debt", u: user(1_999, 1_900, 0.99), factor: 1 },
  ])("close factor: $name", ({ u, factor }) => {
    expect(closeFactor(u)).toBe(factor);
    expectClose("max liquidatable debt", maxLiquidatableDebt(u), factor * u.userReserveDebt, 1e-9);
  });

  it("a repayment above the close factor is cut to it, and the seized collateral carries the bonus", () => {
    const u = user(20_000, 19_000, 0.97);
    const r = liquidationCall(1e9, u, terms);
    expect(r.status).toBe("ok");
    expectClose("debt repaid", r.debtRepaid, 9_500, 1e-9);
    expectClose("collateral seized (WETH)", r.collateralToLiquidator + r.protocolFee, (9_500 * 1.05) / 2000, 1e-12);
    expect(r.deficit).toBe(0);
  });

  it("a partial liquidation that would leave under 1,000 USD of debt reverts (MUST_NOT_LEAVE_DUST)", () => {
    const u = user(2_500, 1_900, 0.9); // under 2,000 USD debt: the close factor is 100%
    expect(liquidationCall(1_500, u, terms).status).toBe("must-not-leave-dust"); // 400 USD of debt left
    expect(liquidationCall(900, u, terms).status).toBe("ok"); // 1,000 USD left
    expect(liquidationCall(1_900, u, terms).status).toBe("ok"); // clears the debt
  });

  it("when the collateral runs out the repayment shrinks, and the debt left becomes a deficit", () => {
    const u = user(10_000, 11_000, 0.75);
    const r = liquidationCall(11_000, u, terms);
    expectClose("all collateral seized", r.collateralToLiquidator + r.protocolFee, 5, 1e-12);
    expectClose("debt repaid = collateral value / bonus", r.debtRepaid, 10_000 / 1.05, 1e-9);
    expectClose("deficit", r.deficit, 11_000 - 10_000 / 1.05, 1e-9);
  });
});

describe("Compound v2 seize amount (liquidateCalculateAmountSeizeTest.js)", () => {
  const ex = EX.compound_v2_seize;
  const rows = (ex.rows as number[][]).map(
    ([exchangeRate, priceBorrowed, priceCollateral, liquidationIncentive, repayAmount, expected]) => ({
      input: { exchangeRate, priceBorrowed, priceCollateral, liquidationIncentive, repayAmount },
      expected,
      name: `rate ${exchangeRate}, borrowed ${priceBorrowed}, collateral ${priceCollateral}, incentive ${liquidationIncentive}, repay ${repayAmount} → ${expected}`,
    }),
  );

  it.each(rows)("$name (9 significant digits)", ({ input, expected }) => {
    expectClose(`seizeTokens (${ex.source})`, seizeTokens(input), expected, sigTol(expected, 9));
  });

  it("with mainnet parameters the repayment is capped at half the borrow and 2.8% of the seize goes to reserves", () => {
    const { closeFactor: cf, liquidationIncentive, protocolSeizeShare } = ex.mainnet_params;
    const repay = maxRepay(1_000, cf);
    expect(repay).toBe(500);
    const tokens = seizeTokens({
      repayAmount: repay,
      liquidationIncentive,
      priceBorrowed: 1,
      priceCollateral: 1,
      exchangeRate: 0.02,
    });
    expectClose("seized cTokens = 500 × 1.08 / 0.02", tokens, 27_000, 1e-8);
    const split = splitSeize(tokens, protocolSeizeShare, 0.02);
    expectClose("protocol cTokens", split.protocolTokens, 756, 1e-9);
    expectClose("liquidator cTokens", split.liquidatorTokens, 26_244, 1e-8);
    expectClose("reserves added (underlying)", split.protocolUnderlying, 15.12, 1e-10);
  });
});

describe("Maker Liquidations 2.0 abaci and Clipper (abaci.sol, clip.sol, dog.sol)", () => {
  const ex = EX.maker_abaci;
  const ethB = ex.eth_b_stairstep;
  const clipper: MakerClipperParams = {
    curve: { kind: "stairstep", cut: ethB.cut, step: ethB.step_s },
    buf: ethB.buf,
    tail: ethB.tail_s,
    cusp: ethB.cusp,
    chip: ethB.chip,
    tip: ethB.tip_dai,
    chop: ethB.chop,
    hole: ethB.ilk_hole_dai,
    Hole: ethB.Hole_dai,
    dust: 0,
  };

  it(`LinearDecrease: top 1000, tau 3600 gives the 11 points of abaci.t.sol every 360 s, exactly (${ex.source})`, () => {
    const { tau, top, t_step } = ex.linear;
    const prices = (ex.linear.expected as number[]).map((_, k) => linearDecrease(top, k * t_step, tau));
    expect(prices).toEqual(ex.linear.expected);
  });

  it("a Dutch auction price falls linearly from top to 0 over tau, and stays 0 after", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (top, tau, frac) => {
          const dur = Math.floor(frac * tau);
          const price = linearDecrease(top, dur, tau);
          if (dur >= tau) return price === 0;
          const later = linearDecrease(top, dur + 1, tau);
          return (
            Math.abs(price - top * (1 - dur / tau)) <= 1e-12 * top &&
            later <= price &&
            Math.abs(linearDecrease(top, 0, tau) - top) <= 1e-12 * top
          );
        },
      ),
    );
  });

  it.each(Object.entries(ethB.derived_price_over_osm as Record<string, number>))(
    "ETH-B stairstep (buf 1.2, cut 0.99 per 60 s): price/OSM at %s is %s to 4 decimals",
    (at, expected) => {
      const minutes = Number(at.replace("min", ""));
      const top = startPrice(1, clipper); // OSM price 1: prices read as fractions of it
      expectClose(`price/OSM at ${at}`, curvePrice(clipper.curve, top, minutes * 60), expected, decimalsTol(4));
    },
  );

  it("ETH-B: the price first falls below the OSM price at 19 minutes, the forum's expected settlement", () => {
    const top = startPrice(1, clipper);
    const first = [...Array(120).keys()].find((m) => curvePrice(clipper.curve, top, m * 60) < 1);
    expect(first).toBe(ethB.forum_claims.expected_settlement_min);
  });

  it("ETH-B: the auction needs a reset after 90 minutes (tail 5,400 s), at about 48% of the OSM price", () => {
    const top = startPrice(1, clipper);
    expect(auctionStatus(clipper, top, 5_400).needsRedo).toBe(false); // tail is exceeded strictly: dur > tail
    const reset = auctionStatus(clipper, top, 5_401);
    expect(reset.needsRedo).toBe(true);
    expect(ethB.tail_s / 60).toBe(ethB.forum_claims.reset_after_min);
    expectClose("price/OSM at the reset vs the forum's 0.48", reset.price, ethB.forum_claims.osm_fraction_at_reset, 0.01);
    // The tail binds first: price/top would cross cusp 0.4 only at 92 minutes (0.99^92 < 0.4 <= 0.99^91).
    expect(auctionStatus({ ...clipper, tail: Infinity }, top, 91 * 60).needsRedo).toBe(false);
    expect(auctionStatus({ ...clipper, tail: Infinity }, top, 92 * 60).needsRedo).toBe(true);
  });

  it("stairstep holds its price within a step and drops by cut at each step; exponential is the per-second case", () => {
    expect(stairstepExponentialDecrease(100, 59, 0.99, 60)).toBe(100);
    expect(stairstepExponentialDecrease(100, 60, 0.99, 60)).toBe(99);
    expectClose(
      "exponential = stairstep with step 1",
      exponentialDecrease(100, 137, 0.999),
      stairstepExponentialDecrease(100, 137, 0.999, 1),
      0,
    );
    for (const n of [0, 1, 2, 7, 19, 90, 1000]) expectClose(`powInt(0.99, ${n})`, powInt(0.99, n), 0.99 ** n, 1e-14);
  });

  it("keepers earn tip + chip · tab on kick, and on redo only when tab and lot value reach chost", () => {
    expect(keeperIncentive(1_000_000, clipper)).toBe(300 + 1_000);
    const dusty = { ...clipper, dust: 10_000 }; // chost = 11,300
    expect(keeperIncentive(50_000, dusty, { lotValue: 60_000 })).toBe(300 + 50);
    expect(keeperIncentive(50_000, dusty, { lotValue: 10_000 })).toBe(0);
  });

  it("bark adds the chop penalty and liquidates only what fits under hole and Hole", () => {
    const vault = { ink: 10_000, art: 20_000_000, rate: 1 };
    const whole = bark({ ...vault, art: 1_000_000 }, clipper, 0, 0)!;
    expectClose("tab = debt × chop", whole.tab, 1_130_000, 1e-6);
    expect(whole.dink).toBe(10_000);
    const partial = bark(vault, clipper, 0, 0)!; // 20 M debt × 1.13 > the 15 M ilk hole
    expectClose("tab fills the room", partial.tab, ethB.ilk_hole_dai, 1e-6);
    expectClose("collateral in proportion", partial.dink, (10_000 * partial.dart) / vault.art, 1e-9);
    expect(bark(vault, clipper, ethB.ilk_hole_dai, 0)).toBeNull(); // no room left
  });

  it("a partial take leaves at least chost in the auction; at or below chost only the whole lot sells", () => {
    expect(take(10_000, 10, 4, 1_000, 3_000)).toEqual({ slice: 4, owe: 4_000, tab: 6_000, lot: 6 });
    expect(take(10_000, 10, 9, 1_000, 3_000)).toEqual({ slice: 7, owe: 7_000, tab: 3_000, lot: 3 });
    expect(take(10_000, 100, 50, 1_000, 3_000)).toEqual({ slice: 10, owe: 10_000, tab: 0, lot: 90 }); // never more than tab
    expect(take(3_000, 10, 2, 1_000, 3_000)).toBeNull();
    expect(take(3_000, 10, 20, 1_000, 3_000)).toEqual({ slice: 3, owe: 3_000, tab: 0, lot: 7 });
  });
});

describe("Bybit inverse cross long (help centre 360039261334)", () => {
  const ex = EX.bybit_inverse_cross_long;
  const p: BybitInverseCross = {
    side: "long",
    contracts: ex.contracts_usd,
    entryPrice: ex.entry,
    balance: ex.balance_btc,
    orderMargin: 0,
    mmr: ex.mmr,
    takerFee: ex.taker_fee,
  };

  it(`bankruptcy price 1.00075 × 10,000 / (10,000/8,000 + 0.5) = 5,718.57 (${ex.source})`, () => {
    expectClose("bankruptcy price", bybitInverseBankruptcyPrice(p), ex.expected_bankruptcy, decimalsTol(2));
  });

  it("liquidation price from the page's own equation is 5,739.08 (to 0.01)", () => {
    expectClose(
      "liquidation price vs the derived value",
      bybitInverseLiquidationPrice(p),
      ex.liq_from_printed_formula_derived,
      0.01,
    );
  });

  it("known discrepancy: the page states 5,739.50, 0.42 away from its own equation (within 0.5)", () => {
    const lp = bybitInverseLiquidationPrice(p);
    expectClose("liquidation price vs the page's 5,739.50", lp, ex.expected_liq_doc, 0.5);
    // The page's number does not satisfy the page's equation; ours does.
    const residual = (price: number) => {
      const bp = bybitInverseBankruptcyPrice(p);
      const lhs = p.contracts * (1 / p.entryPrice - 1 / price);
      const rhs = -(p.balance - (p.contracts / p.entryPrice) * p.mmr - (p.contracts * p.takerFee) / bp);
      return lhs - rhs;
    };
    expect(Math.abs(residual(lp))).toBeLessThan(1e-15);
    expect(Math.abs(residual(ex.expected_liq_doc))).toBeGreaterThan(1e-5);
  });

  it("a short mirrors the long: the liquidation price is above entry and below the bankruptcy price", () => {
    const s = { ...p, side: "short" as const };
    const lp = bybitInverseLiquidationPrice(s);
    expect(lp).toBeGreaterThan(s.entryPrice);
    expect(lp).toBeLessThan(bybitInverseBankruptcyPrice(s));
  });
});

describe("Phemex USDT-M isolated long (help centre liq-price-for-USDTM)", () => {
  const ex = EX.phemex_usdtm_isolated_long;
  const p: PhemexIsolated = {
    side: "long",
    contracts: ex.contracts,
    contractSize: ex.contract_size,
    entryPrice: ex.price,
    leverage: ex.leverage,
    mmr: ex.mmr,
    takerFee: ex.taker_fee,
  };

  it(`open value 200 and assigned position balance 40 + fee to close at bankruptcy 0.096 = 40.096 (${ex.source})`, () => {
    expectClose("open value", p.contracts * p.contractSize * p.entryPrice, ex.open_value, 1e-12);
    expectClose("bankruptcy price 0.4 × (1 − 1/5)", phemexBankruptcyPrice(p), 0.32, 1e-15);
    expectClose("assigned position balance", phemexAssignedPositionBalance(p), ex.assigned_pos_balance, 1e-12);
  });

  it("liquidation price ≈ 0.3232 (4 decimals), counting the fee to close in the maintenance requirement", () => {
    expectClose("liquidation price", phemexLiquidationPrice(p), ex.expected_liq_price_approx, decimalsTol(4));
    // Without the fee term the price would be 0.3230: the example's 0.3232 needs it.
    expectClose("MMR only", phemexLiquidationPrice({ ...p, takerFee: 0 }, ex.assigned_pos_balance), 0.323038, 1e-6);
  });
});

describe("partial liquidation and the backstop (Hyperliquid's rules; no public numeric example)", () => {
  it("Hyperliquid: a position over 100k USDC sends 20%; within 30 s of that, orders are for the whole position", () => {
    const r = HYPERLIQUID_PARTIAL;
    expect(liquidationOrderSize(r, 20, 1_000_000, 100, -Infinity)).toEqual({ size: 4, partial: true });
    expect(liquidationOrderSize(r, 16, 800_000, 110, 100)).toEqual({ size: 16, partial: false });
    expect(liquidationOrderSize(r, 16, 800_000, 130, 100)).toEqual({ size: 3.2, partial: true });
    expect(liquidationOrderSize(r, 1, 100_000, 100, -Infinity)).toEqual({ size: 1, partial: false }); // not larger than 100k
  });

  it("a slice-per-cooldown engine never sells more than its slice per cooldown window", () => {
    const rule: PartialLiquidationRule = { minNotional: 0, fraction: 0.2, cooldownSeconds: 30, duringCooldown: "wait" };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 60 }), (times) => {
        let size = 100;
        let last = -Infinity;
        const sells: { t: number; size: number; before: number }[] = [];
        for (const t of [...times].sort((a, b) => a - b)) {
          const order = liquidationOrderSize(rule, size, size * 50_000, t, last);
          if (order.size > 0) sells.push({ t, size: order.size, before: size });
          if (order.partial) last = t;
          size -= order.size;
        }
        for (const s of sells) {
          if (s.size > rule.fraction * s.before * (1 + 1e-12)) return false;
          const inWindow = sells.filter((o) => o.t >= s.t && o.t < s.t + rule.cooldownSeconds);
          if (inWindow.length !== 1) return false;
        }
        return true;
      }),
    );
  });

  it("the backstop takes over strictly below 2/3 of maintenance margin", () => {
    expect(HYPERLIQUID_BACKSTOP.equityFractionOfMaintenance).toBe(2 / 3);
    expect(backstopTriggered(66.6, 100, HYPERLIQUID_BACKSTOP)).toBe(true);
    expect(backstopTriggered(200 / 3, 100, HYPERLIQUID_BACKSTOP)).toBe(false);
    expect(backstopTriggered(80, 100, HYPERLIQUID_BACKSTOP)).toBe(false);
  });

  it("a backstop leaves no bad debt until the vault is spent", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.array(fc.double({ min: -1e5, max: 1e4, noNaN: true }), { maxLength: 40 }),
        (capital, equities) => {
          let vault = capital;
          let badDebt = 0;
          let taken = 0;
          for (const e of equities) {
            const r = backstopTakeover(e, vault);
            // Bad debt only when the account's loss is more than everything the vault has left.
            if (r.badDebt > 0 && !(vault + e < 0 && r.vaultCapital === 0)) return false;
            if (r.badDebt === 0 && vault + e < 0) return false;
            vault = r.vaultCapital;
            badDebt += r.badDebt;
            taken += e;
          }
          // Conservation: what the vault holds = its capital + what it took over + the losses it could not cover.
          return vault >= 0 && Math.abs(vault - (capital + taken + badDebt)) <= 1e-6 * (capital + 1e6);
        },
      ),
    );
    expect(backstopTakeover(-300, 1_000)).toEqual({ vaultCapital: 700, badDebt: 0 });
    expect(backstopTakeover(-1_300, 1_000)).toEqual({ vaultCapital: 0, badDebt: 300 });
    expect(backstopTakeover(50, 0)).toEqual({ vaultCapital: 50, badDebt: 0 }); // the lost maintenance buffer
  });

  it("Hyperliquid's liquidation price formula puts equity exactly at maintenance margin (mmr = 1/(2 × max leverage))", () => {
    expect(hyperliquidMaintenanceRate(40)).toBe(0.0125);
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 1_000, max: 200_000, noNaN: true }),
        fc.integer({ min: 2, max: 50 }),
        fc.double({ min: 0.03, max: 1, noNaN: true }),
        (isLong, size, mark, maxLeverage, marginShare) => {
          const accountValue = size * mark * marginShare;
          const lp = hyperliquidLiquidationPrice({
            side: isLong ? "long" : "short",
            size,
            markPrice: mark,
            maxLeverage,
            accountValue,
          });
          const equityAtLp = accountValue + (isLong ? 1 : -1) * size * (lp - mark);
          const mmAtLp = size * lp * hyperliquidMaintenanceRate(maxLeverage);
          return Math.abs(equityAtLp - mmAtLp) <= 1e-9 * size * mark;
        },
      ),
    );
  });
});

describe("liquidation fee schedules and Drift's pacing (no public numeric example)", () => {
  it("flat, tiered by notional, and time-ramped rates", () => {
    expect(liquidationFeeRate({ kind: "flat", rate: 0.005 }, 1e6, 100)).toBe(0.005);
    const tiered = {
      kind: "tiered" as const,
      tiers: [
        { floor: 0, rate: 0.01 },
        { floor: 100_000, rate: 0.0075 },
        { floor: 1e6, rate: 0.005 },
      ],
    };
    expect([5_000, 100_000, 999_999, 5e6].map((n) => liquidationFeeRate(tiered, n, 0))).toEqual([0.01, 0.0075, 0.0075, 0.005]);
    const ramp = { kind: "time-ramped" as const, base: 0.01, max: 0.05, graceSeconds: 600, increasePerSecond: 1e-5 };
    expect(liquidationFeeRate(ramp, 0, 599)).toBe(0.01);
    expectClose("after the grace period the ramp counts every elapsed second", liquidationFeeRate(ramp, 0, 600), 0.016, 1e-15);
    expect(liquidationFeeRate(ramp, 0, 1e6)).toBe(0.05);
  });

  it("Drift's liquidator fee holds the base fee through the grace slots, then rises to its cap and never falls", () => {
    const p = { baseFee: 0.01, maxFee: 0.03, graceSlots: 1_500, increasePerSlot: 1e-6 };
    expect(driftLiquidationFee(p, 1_499)).toBe(0.01);
    expectClose("at the end of grace", driftLiquidationFee(p, 1_500), 0.0115, 1e-15);
    let prev = 0;
    for (let slot = 0; slot <= 50_000; slot += 250) {
      const fee = driftLiquidationFee(p, slot);
      expect(fee).toBeGreaterThanOrEqual(prev);
      expect(fee).toBeLessThanOrEqual(p.maxFee);
      prev = fee;
    }
    expect(prev).toBe(p.maxFee);
  });

  it("Drift frees a growing share of the margin shortage over the liquidation window, never more than all of it", () => {
    expectClose("at once: the initial share", driftMaxPctToLiquidate(1_000, 0, 0, 0.1, 25), 0.1, 1e-15);
    expectClose("half-way", driftMaxPctToLiquidate(1_000, 0, 12.5, 0, 25), 0.5, 1e-15);
    expect(driftMaxPctToLiquidate(1_000, 0, 25, 0, 25)).toBe(1);
    // Having freed 300 of an original 1,000 (700 left), half-way allows 500 − 300 = 200 more: 200/700 of the rest.
    expectClose("after a partial", driftMaxPctToLiquidate(700, 300, 12.5, 0, 25), 200 / 700, 1e-15);
    expect(driftMaxPctToLiquidate(400, 600, 12.5, 0, 25)).toBe(0); // 600 of 1,000 freed: ahead of the schedule
  });
});

describe("OKX partial liquidation down the tiers (no public numeric example)", () => {
  const tiers: OkxTier[] = [
    { floor: 0, mmr: 0.004 },
    { floor: 1e6, mmr: 0.006 },
    { floor: 2e6, mmr: 0.008 },
    { floor: 4e6, mmr: 0.013 },
    { floor: 8e6, mmr: 0.018 },
  ];
  const rule = { ...OKX_STEP_DOWN, feeRate: 0.0005 };

  it.each([
    { name: "a healthy position: nothing", notional: 5e6, ratio: 0.02, action: { kind: "none" } },
    {
      name: "tier 4 below its requirement: cut to the top of tier 2",
      notional: 5e6,
      ratio: 0.01,
      action: { kind: "reduce", targetNotional: 2e6, fromTier: 4, toTier: 2 },
    },
    {
      name: "tier 5: cut to the top of tier 3",
      notional: 9e6,
      ratio: 0.01,
      action: { kind: "reduce", targetNotional: 4e6, fromTier: 5, toTier: 3 },
    },
    {
      name: "tier 3: cut to the top of tier 1",
      notional: 3e6,
      ratio: 0.006,
      action: { kind: "reduce", targetNotional: 1e6, fromTier: 3, toTier: 1 },
    },
    { name: "tier 2 (below tier 3): liquidated whole", notional: 1.5e6, ratio: 0.005, action: { kind: "full" } },
    { name: "below the lowest tier's requirement: liquidated whole", notional: 9e6, ratio: 0.004, action: { kind: "full" } },
  ])("$name", ({ notional, ratio, action }) => {
    expect(okxLiquidationAction(tiers, notional, ratio * notional, rule)).toEqual(action);
  });

  it("each step drops two tiers and the steps end in a tier-1 or tier-2 position or a full liquidation", () => {
    let notional = 9.5e6;
    const ratio = 0.0055; // above tier 1's 0.45%, below every higher tier's requirement
    const path: number[] = [];
    for (let k = 0; k < 10; k++) {
      const a = okxLiquidationAction(tiers, notional, ratio * notional, rule);
      if (a.kind !== "reduce") break;
      expect(a.fromTier - a.toTier).toBe(2);
      expect(a.targetNotional).toBeLessThan(notional);
      path.push(a.targetNotional);
      notional = a.targetNotional - 1; // strictly below the floor of the next tier: one unit under it
    }
    expect(path).toEqual([4e6, 1e6]);
    expect(okxLiquidationAction(tiers, notional, ratio * notional, rule)).toEqual({ kind: "none" });
  });
});

describe("venue presets (presets/*.yaml)", () => {
  const NAMES = [
    "aave-v3-eth",
    "binance-usdm-btcusdt",
    "bybit-linear-btcusdt",
    "dydx-v4-btc-usd",
    "hyperliquid-btc",
    "maker-eth-b",
    "okx-btc-usdt-swap",
  ];
  const get = (name: string) => {
    const p = findPreset(name);
    if (!p) throw new Error(`preset ${name} is missing`);
    return p;
  };

  it("every venue of the issue has a preset with a source, a date and its conventions", () => {
    expect(listPresets().map((p) => p.name)).toEqual(expect.arrayContaining(NAMES));
    for (const p of listPresets()) {
      expect(p.source.length, p.name).toBeGreaterThan(20);
      expect(p.date.length, p.name).toBeGreaterThan(0);
      expect(["mark", "entry"], p.name).toContain(p.conventions.maintenanceAt);
    }
  });

  it("`cascade presets` lists all of them, each with its source and date", async () => {
    let stdout = "";
    const code = await main(["presets"], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } });
    expect(code).toBe(0);
    for (const name of NAMES) {
      const block = stdout.slice(stdout.indexOf(`  ${name}  v`));
      expect(block, name).toMatch(/^ {2}\S+ {2}v\d+ .*\n {4}source: .+\n {4}date: .+\n/);
    }
  });

  it("every preset works in `cascade margin`: a 2x long is liquidated between its bankruptcy price and entry", () => {
    for (const p of listPresets()) {
      const r = computeMargin(
        {
          mode: "isolated",
          walletBalance: 0,
          positions: [{ symbol: "X", side: "long", size: 1, entryPrice: 1000, markPrice: 1000, preset: p.name, collateral: 500 }],
        },
        { resolvePresetTiers: () => ({ tiers: p.tiers, maintenanceAt: p.conventions.maintenanceAt }) },
      );
      const lp = r.positions[0].liquidationPrice!;
      expect(lp, p.name).toBeGreaterThan(500);
      expect(lp, p.name).toBeLessThan(1000);
    }
  });

  it("Bybit linear: the preset reproduces Bybit's isolated example, 19,700, with maintenance at entry", () => {
    const ex = EX.bybit_linear_isolated_long;
    const p = get("bybit-linear-btcusdt");
    expect(p.conventions.maintenanceAt).toBe("entry");
    expect(p.tiers[0].mmr).toBe(ex.mmr);
    const r = computeMargin(
      {
        mode: "isolated",
        walletBalance: 0,
        positions: [
          {
            symbol: "BTCUSDT",
            side: "long",
            size: ex.qty_btc,
            entryPrice: ex.entry,
            markPrice: ex.entry,
            preset: p.name,
            collateral: ex.IM,
          },
        ],
      },
      { resolvePresetTiers: () => ({ tiers: p.tiers, maintenanceAt: p.conventions.maintenanceAt }) },
    );
    expectClose(`liquidation price (${ex.source})`, r.positions[0].liquidationPrice!, ex.expected_liq_price, 0.01);
    expectClose("maintenance margin", r.positions[0].maintenanceMargin, ex.MM, 1e-9);
  });

  it("Hyperliquid: 40x up to 150M and 20x beyond, maintenance half the initial margin, 20% / 30 s / whole position, backstop at 2/3", () => {
    const p = get("hyperliquid-btc");
    // the docs' margin-tiers table for BTC, with the docs' maintenance_deduction
    const deduction = 150e6 * (hyperliquidMaintenanceRate(20) - hyperliquidMaintenanceRate(40));
    expect(p.tiers).toEqual([
      { floor: 0, mmr: hyperliquidMaintenanceRate(40), maintenanceAmount: 0, maxLeverage: 40 },
      { floor: 150e6, mmr: hyperliquidMaintenanceRate(20), maintenanceAmount: deduction, maxLeverage: 20 },
    ]);
    expect(p.liquidation?.fee).toEqual({ kind: "flat", rate: 0 });
    expect(p.liquidation?.partial).toEqual(HYPERLIQUID_PARTIAL);
    expect(p.liquidation?.backstop).toMatchObject(HYPERLIQUID_BACKSTOP);
    expect(p.conventions.maintenanceAt).toBe("mark");
  });

  it("dYdX v4: IMF 5% and MMF 3%, the launch genesis fillable-price config, and its per-block caps bind", () => {
    const p = get("dydx-v4-btc-usd");
    expect(p.tiers[0].mmr).toBe(0.03);
    expect(p.tiers[0].maxLeverage).toBe(1 / 0.05);
    expect(p.liquidation?.fillablePrice).toEqual({ bankruptcyAdjustment: 1, spreadToMaintenanceMarginRatio: 1.5 });
    const limits = p.liquidation!.blockLimits!;
    // A 2,000,000 USDC position: 10% per block = 200,000, cut to the subaccount's 100,000 per block.
    expect(maxLiquidatableNotional(2e6, limits, 0)).toBe(100_000);
    expect(maxLiquidatableNotional(2e6, limits, 100_000)).toBe(0);
    expect(maxLiquidatableNotional(5_000, limits, 0)).toBe(1_000); // 10% = 500, raised to the 1,000 USDC minimum
    expect(p.insurance?.adlRanking).toBe("random");
  });

  it("Aave v3 ETH: the v3.3 close-factor constants, and mmr = 1 − liquidation threshold", () => {
    const p = get("aave-v3-eth");
    const cf = p.liquidation!.closeFactor!;
    expect({
      defaultCloseFactor: cf.defaultCloseFactor,
      fullCloseHealthFactor: cf.fullCloseHealthFactor,
      minBaseForCloseFactor: cf.minBaseForCloseFactor,
      minLeftoverBase: cf.minLeftoverBase,
    }).toEqual(AAVE_V3_3_RULES);
    expect(cf.protocolFeeOfBonus).toBe(EX.aave_v3.liquidation_protocol_fee_of_bonus);
    expectClose("mmr", p.tiers[0].mmr, 1 - cf.liquidationThreshold, 1e-15);
    expect(p.illustrative?.some((i) => i.keys.includes("liquidationThreshold"))).toBe(true);
  });

  it("Maker ETH-B: the forum's auction parameters, and mmr = 1 − 1/mat", () => {
    const ethB = EX.maker_abaci.eth_b_stairstep;
    const a = get("maker-eth-b").liquidation!.auction!;
    expect(a).toMatchObject({
      curve: { kind: "stairstep", cut: ethB.cut, step: ethB.step_s },
      buf: ethB.buf,
      tail: ethB.tail_s,
      cusp: ethB.cusp,
      chip: ethB.chip,
      tip: ethB.tip_dai,
      chop: ethB.chop,
      hole: ethB.ilk_hole_dai,
      Hole: ethB.Hole_dai,
      mat: 1.3,
    });
    expectClose("mmr", get("maker-eth-b").tiers[0].mmr, vaultMaintenanceRate(a.mat), 1e-15);
  });

  it("OKX: the tier step-down rule is the sourced one, and the illustrative tiers say so", () => {
    const p = get("okx-btc-usdt-swap");
    expect(p.liquidation?.tierStepDown).toEqual(OKX_STEP_DOWN);
    expect(p.conventions.liquidationFeeInFormula).toBe(true);
    expect(p.illustrative?.map((i) => i.keys).join(" ")).toContain("tiers");
  });

  it("a liquidation section missing what its engine needs is one problem naming the field", () => {
    const bad = venueLiquidationSchema.safeParse({ engine: "dutch-auction" }, { reportInput: true });
    expect(bad.success).toBe(false);
    expect(formatIssues(bad.error!.issues, venueLiquidationSchema)).toEqual([
      "auction is required by engine dutch-auction (received nothing)",
    ]);
    const ltv = venueLiquidationSchema.safeParse({
      engine: "close-factor",
      closeFactor: {
        ltv: 0.9,
        liquidationThreshold: 0.8,
        liquidationBonus: 1.05,
        protocolFeeOfBonus: 0.1,
        defaultCloseFactor: 0.5,
        fullCloseHealthFactor: 0.95,
        minBaseForCloseFactor: 2000,
        minLeftoverBase: 1000,
      },
    });
    expect(ltv.success).toBe(false);
  });
});
