// Oracle manipulation (Mango Markets 2022-10-11): the attack gets through a venue that counts paper profit as
// collateral on a thin oracle, and is stopped (or bounded, analytically) by PnL haircuts, price bands and Mango v4's
// stable price. Limits and bounds are computed here from the inputs, not read back from src/.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import {
  geometricAskLadder,
  MANGO_2022_10_11,
  MANGO_2022_10_11_FIGURES as F,
  type ManipulationConfigInput,
  median,
  OracleFeed,
  simulateManipulation,
  SpotBook,
  StablePrice,
} from "../../src/oracle/index.js";

/** STYLE #9: on failure say what was calculated, what was expected, the error and the tolerance. */
function expectWithin(what: string, calculated: number, expected: number, tolerance: number): void {
  const error = Math.abs(calculated - expected);
  if (!(error <= tolerance)) {
    throw new Error(`${what}: calculated ${calculated}, expected ${expected}, error ${error}, tolerance ${tolerance}`);
  }
}

function expectAtMost(what: string, calculated: number, bound: number, slack = 1e-6): void {
  if (!(calculated <= bound + slack))
    throw new Error(`${what}: calculated ${calculated} exceeds bound ${bound} (slack ${slack})`);
}

/** The preset with some sections replaced (a shallow merge per top-level key). */
function mango(overrides: Partial<ManipulationConfigInput> = {}): ManipulationConfigInput {
  return { ...MANGO_2022_10_11, ...overrides };
}

const AMPLE_POOL = { liquidity: 1e12 };
const MARGIN_V3 = MANGO_2022_10_11.margin;
/** What the attacker can borrow on its own collateral: the collateral's initial value over the liability weight. */
const collateralLimit = (collateral: number, margin: { collateralWeight: number; liabilityWeight: number }) =>
  (collateral * margin.collateralWeight) / margin.liabilityWeight;
const OWN_LIMIT = collateralLimit(F.collateralPerAccount, MARGIN_V3);

describe("the attack on a venue that counts paper profit on a thin oracle (Mango v3, 2022)", () => {
  it("profits within 10% of size × (peak − entry) when the pools are ample", () => {
    const result = simulateManipulation(mango({ pool: AMPLE_POOL }));
    const expected = F.perpSize * (F.peakOraclePrice - F.entryPrice);
    expectWithin("profit", result.profit, expected, 0.1 * expected);
    expect(result.finalOracle).toBe(F.peakOraclePrice);
    expect(result.cappedByPool).toBe(false);
    // Borrowing stopped at health, not at the pool: collateral plus the whole paper profit.
    expectWithin("borrowed", result.borrowed, OWN_LIMIT + expected, 1e-6 * expected);
  });

  it("with the reported ~$115M pools, borrows exactly the pool: the real haul was capped by liquidity", () => {
    const result = simulateManipulation(mango());
    expect(result.borrowed).toBe(F.poolLiquidity);
    expect(result.poolRemaining).toBe(0);
    expect(result.cappedByPool).toBe(true);
  });

  it("leaves the counterparty short under water by about the attacker's paper profit", () => {
    const result = simulateManipulation(mango({ pool: AMPLE_POOL }));
    const expected = F.perpSize * (F.peakOraclePrice - F.entryPrice) - F.collateralPerAccount;
    expectWithin("counterparty shortfall", result.counterpartyShortfall, expected, 1e-9 * expected);
  });

  it("the oracle is the thin spot's last trade, step by step", () => {
    const result = simulateManipulation(mango({ steps: 5 }));
    for (const step of result.trace) expect(step.oracle).toBe(step.spotPrice);
  });
});

describe("blocked by a PnL haircut", () => {
  it("weight 0 on unsettled positive PnL: nothing borrowed beyond the collateral's own limit", () => {
    const margin = { ...MARGIN_V3, positivePnlWeight: 0 };
    const result = simulateManipulation(mango({ margin, pool: AMPLE_POOL }));
    expect(result.finalOracle).toBe(F.peakOraclePrice); // the oracle was moved all the same
    expectAtMost("borrowed", result.borrowed, collateralLimit(F.collateralPerAccount, margin));
    expect(result.borrowedBeyondHonestLimit).toBe(0);
    expect(result.profit).toBeLessThan(0); // the attacker loses the spot spend and both deposits
  });

  it("a haircut w < 1 lets through w × the paper profit, no more", () => {
    const w = 0.2;
    const result = simulateManipulation(mango({ margin: { ...MARGIN_V3, positivePnlWeight: w }, pool: AMPLE_POOL }));
    const bound = OWN_LIMIT + w * F.perpSize * (F.peakOraclePrice - F.entryPrice);
    expectWithin("borrowed", result.borrowed, bound, 1e-9 * bound);
  });
});

describe("oracle price bands", () => {
  it("reject mode: a one-step pump is ignored and nothing is borrowed beyond the collateral's limit", () => {
    const result = simulateManipulation(
      mango({ oracle: { lagSteps: 0, band: { fraction: 0.1, mode: "reject" } }, pool: AMPLE_POOL }),
    );
    expect(result.trace.every((s) => s.oracleStatus === "rejected")).toBe(true);
    expect(result.finalOracle).toBe(F.entryPrice);
    expectAtMost("borrowed", result.borrowed, OWN_LIMIT);
    expect(result.borrowedBeyondHonestLimit).toBe(0);
  });

  it("clamp mode over N steps: the oracle is at most p0·(1+b)^N, so the extra borrow is at most size·(p0·(1+b)^N − entry)", () => {
    const band = 0.1;
    const steps = 10;
    const result = simulateManipulation(
      mango({ steps, oracle: { lagSteps: 0, band: { fraction: band, mode: "clamp" } }, pool: AMPLE_POOL }),
    );
    const oracleCeiling = F.entryPrice * Math.pow(1 + band, steps);
    const extraBound = (MARGIN_V3.positivePnlWeight * F.perpSize * (oracleCeiling - F.entryPrice)) / MARGIN_V3.liabilityWeight;
    expectAtMost("final oracle", result.finalOracle, oracleCeiling, 1e-12);
    expectAtMost("borrowed beyond the collateral limit", result.borrowed - OWN_LIMIT, extraBound);
    // A clamped oracle does reach its ceiling when the spot stays above it: the bound is tight.
    expectWithin("final oracle", result.finalOracle, oracleCeiling, 1e-12);
    expectWithin("borrowed beyond the collateral limit", result.borrowed - OWN_LIMIT, extraBound, 1e-6 * extraBound);
  });

  it("a 10% clamp band over the whole 30-minute window (180 steps of 10 s) does not stop the attack: 1.1^34 > 0.91/0.0382", () => {
    const result = simulateManipulation(
      mango({ oracle: { lagSteps: 0, band: { fraction: 0.1, mode: "clamp" } }, pool: AMPLE_POOL }),
    );
    expect(result.finalOracle).toBe(F.peakOraclePrice);
    const expected = F.perpSize * (F.peakOraclePrice - F.entryPrice);
    expectWithin("profit", result.profit, expected, 0.1 * expected);
  });

  it("reject mode does not stop an attacker who walks the price up less than the band per step", () => {
    // Ramp 5% per step on a ladder with 3.3% between levels: every accepted move stays under 10%.
    const result = simulateManipulation(
      mango({
        steps: 80,
        attacker: { ...MANGO_2022_10_11.attacker, rampPerStep: 0.05 },
        oracle: { lagSteps: 0, band: { fraction: 0.1, mode: "reject" } },
        pool: AMPLE_POOL,
      }),
    );
    expect(result.trace.some((s) => s.oracleStatus === "rejected")).toBe(false);
    expect(result.finalOracle).toBe(F.peakOraclePrice);
    const expected = F.perpSize * (F.peakOraclePrice - F.entryPrice);
    expectWithin("profit", result.profit, expected, 0.1 * expected);
  });
});

describe("Mango v4's stable price in initial health", () => {
  const stablePrice = { growthLimitPerSecond: 0.0003, stepSeconds: 10 };

  it("over the 30-minute window the extra borrow is at most size·(p0·(1+g·dt)^N − entry), a few % of the uncapped haul", () => {
    const config = mango({ stablePrice, pool: AMPLE_POOL });
    const result = simulateManipulation(config);
    const steps = config.steps;
    const stableCeiling = F.entryPrice * Math.pow(1 + stablePrice.growthLimitPerSecond * stablePrice.stepSeconds, steps);
    const extraBound = F.perpSize * (stableCeiling - F.entryPrice);
    expect(result.finalOracle).toBe(F.peakOraclePrice); // the oracle itself was moved
    expectAtMost("final stable price", result.finalStablePrice, stableCeiling, 1e-12);
    expectAtMost("borrowed beyond the collateral limit", result.borrowed - OWN_LIMIT, extraBound);
    const uncapped = F.perpSize * (F.peakOraclePrice - F.entryPrice);
    expect(extraBound / uncapped).toBeLessThan(0.05);
    // What is left of a $400M+ profit: within a few $M of break-even after the spot spend and both deposits.
    expectAtMost("profit", result.profit, 0.01 * uncapped);
  });

  it("with a zero PnL weight as well, nothing is borrowed beyond the collateral's limit", () => {
    const result = simulateManipulation(mango({ stablePrice, margin: { ...MARGIN_V3, positivePnlWeight: 0 }, pool: AMPLE_POOL }));
    expect(result.borrowedBeyondHonestLimit).toBe(0);
  });

  it("follows Mango's rule: a 10x jump from 1 reaches about 1.8 after one hour of 60 s updates (stable_price.rs test)", () => {
    const model = new StablePrice(1, { growthLimitPerSecond: 0.0003, stepSeconds: 60 });
    for (let i = 0; i < 60; i++) model.update(10);
    expectWithin("stable price", model.price, 1.8, 0.1);
  });

  it("tracks a small move in full within a few updates", () => {
    const model = new StablePrice(1, { growthLimitPerSecond: 0.0003, stepSeconds: 10 });
    for (let i = 0; i < 20; i++) model.update(1.05);
    expect(model.price).toBe(1.05);
  });
});

describe("oracle construction", () => {
  it("median of venues: odd count takes the middle, even the mean of the middle two", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("a lag of k steps shows the spot median of k steps ago, the pre-attack price before that", () => {
    const feed = new OracleFeed(1, { lagSteps: 3 });
    const seen = [2, 3, 4, 5, 6].map((spot) => feed.update(spot).price);
    expect(seen).toEqual([1, 1, 1, 2, 3]);
  });

  it("pushing one thin venue among three does not move a median oracle when the other two are deep", () => {
    const deep = { lastTradePrice: F.entryPrice, asks: geometricAskLadder(F.entryPrice, F.peakOraclePrice, 100, 1e9) };
    const thin = MANGO_2022_10_11.spot.venues[0];
    const result = simulateManipulation(mango({ spot: { venues: [thin, deep, deep] }, pool: AMPLE_POOL }));
    expect(result.finalOracle).toBe(F.entryPrice);
    expect(result.borrowedBeyondHonestLimit).toBe(0);
  });

  it("a spot buy pays each level's seller and leaves the last trade at the highest price paid", () => {
    const book = new SpotBook(
      [
        { price: 1, size: 10 },
        { price: 2, size: 10 },
        { price: 4, size: 10 },
      ],
      1,
    );
    const fill = book.buyUpTo(3, 25); // 10 at 1, then 7.5 of the 10 at 2
    expect(fill).toEqual({ spent: 25, bought: 17.5, lastTradePrice: 2 });
    expect(book.sellersProceeds).toBe(25);
  });
});

describe("invariants (fast-check)", () => {
  const arbitraryConfig: fc.Arbitrary<ManipulationConfigInput> = fc
    .record({
      steps: fc.integer({ min: 1, max: 40 }),
      size: fc.double({ min: 1, max: 1e9, noNaN: true }),
      p0: fc.double({ min: 0.01, max: 100, noNaN: true }),
      entryFactor: fc.double({ min: 0.5, max: 1.5, noNaN: true }),
      targetFactor: fc.double({ min: 1, max: 50, noNaN: true }),
      levels: fc.integer({ min: 1, max: 60 }),
      notionalPerLevel: fc.double({ min: 1, max: 1e6, noNaN: true }),
      venues: fc.integer({ min: 1, max: 3 }),
      collateral: fc.double({ min: 0, max: 1e7, noNaN: true }),
      cpCollateral: fc.double({ min: 0, max: 1e7, noNaN: true }),
      spotBudget: fc.double({ min: 0, max: 1e7, noNaN: true }),
      ramp: fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { nil: undefined }),
      lagSteps: fc.integer({ min: 0, max: 5 }),
      band: fc.option(
        fc.record({
          fraction: fc.double({ min: 0.01, max: 0.9, noNaN: true }),
          mode: fc.constantFrom("clamp" as const, "reject" as const),
        }),
        { nil: undefined },
      ),
      stable: fc.boolean(),
      collateralWeight: fc.double({ min: 0.1, max: 1, noNaN: true }),
      positivePnlWeight: fc.double({ min: 0, max: 1, noNaN: true }),
      liabilityWeight: fc.double({ min: 1, max: 2, noNaN: true }),
      pool: fc.double({ min: 0, max: 1e9, noNaN: true }),
    })
    .map((r) => ({
      steps: r.steps,
      perp: { size: r.size, entryPrice: r.p0 * r.entryFactor },
      attacker: { collateral: r.collateral, spotBudget: r.spotBudget, targetPrice: r.p0 * r.targetFactor, rampPerStep: r.ramp },
      counterparty: { collateral: r.cpCollateral, ownedByAttacker: false },
      spot: {
        venues: Array.from({ length: r.venues }, () => ({
          lastTradePrice: r.p0,
          asks: geometricAskLadder(r.p0 * 1.001, r.p0 * r.targetFactor * 1.2, r.levels, r.notionalPerLevel),
        })),
      },
      oracle: { lagSteps: r.lagSteps, band: r.band },
      stablePrice: r.stable ? {} : undefined,
      margin: {
        collateralWeight: r.collateralWeight,
        positivePnlWeight: r.positivePnlWeight,
        liabilityWeight: r.liabilityWeight,
      },
      pool: { liquidity: r.pool },
    }));

  it("the attacker never borrows more than its initial health allows at the valuation price of the step", () => {
    fc.assert(
      fc.property(arbitraryConfig, (config) => {
        const result = simulateManipulation(config);
        const { size, entryPrice } = config.perp;
        const { collateralWeight, positivePnlWeight, liabilityWeight } = config.margin;
        for (const step of result.trace) {
          const pnl = size * (step.valuationPrice - entryPrice);
          const health =
            config.attacker.collateral * collateralWeight +
            (pnl > 0 ? pnl * positivePnlWeight : pnl) -
            step.borrowedTotal * liabilityWeight;
          const scale = config.attacker.collateral + Math.abs(pnl) + step.borrowedTotal;
          // Health after borrowing is ≥ 0 unless the account was already under water and borrowed nothing.
          if (step.borrowedThisStep > 0) expect(health).toBeGreaterThanOrEqual(-1e-9 * scale);
          expect(step.valuationPrice).toBeLessThanOrEqual(step.oracle);
        }
        expect(result.borrowed).toBeLessThanOrEqual(config.pool.liquidity);
      }),
      { numRuns: 300 },
    );
  });

  it("money is conserved: attacker wallet + pool + collateral on the venue + spot sellers is constant", () => {
    fc.assert(
      fc.property(arbitraryConfig, (config) => {
        const result = simulateManipulation(config);
        const m = result.money;
        const initial =
          config.attacker.spotBudget + config.pool.liquidity + config.attacker.collateral + config.counterparty.collateral;
        expectWithin(
          "total money",
          m.attackerWallet + m.pool + m.collateralOnVenue + m.spotSellers,
          initial,
          1e-9 * initial + 1e-9,
        );
        expectWithin("spot sellers' cash", m.spotSellers, result.spotCost, 1e-9 * result.spotCost + 1e-9);
        expectAtMost("spot spend", result.spotCost, config.attacker.spotBudget, 1e-9 * config.attacker.spotBudget + 1e-9);
        expect(m.attackerWallet).toBeGreaterThanOrEqual(-1e-9 * initial);
      }),
      { numRuns: 300 },
    );
  });
});

describe("bad config", () => {
  const cases: [string, ManipulationConfigInput, RegExp][] = [
    ["a negative pool", mango({ pool: { liquidity: -1 } }), /^pool\.liquidity must be >= 0 \(received -1\)$/m],
    [
      "a band of 150%",
      mango({ oracle: { lagSteps: 0, band: { fraction: 1.5, mode: "clamp" } } }),
      /^oracle\.band\.fraction must be < 1/m,
    ],
    [
      "an unknown band mode",
      mango({ oracle: { lagSteps: 0, band: { fraction: 0.1, mode: "snap" as "clamp" } } }),
      /^oracle\.band\.mode must be one of clamp, reject/m,
    ],
    [
      "a PnL weight above 1",
      mango({ margin: { ...MARGIN_V3, positivePnlWeight: 2 } }),
      /^margin\.positivePnlWeight must be <= 1/m,
    ],
    ["a misspelt key", { ...mango(), pol: {} } as ManipulationConfigInput, /^pol is not a known key \(did you mean pool\?\)$/m],
    [
      "asks out of order",
      mango({
        spot: {
          venues: [
            {
              lastTradePrice: 1,
              asks: [
                { price: 2, size: 1 },
                { price: 1, size: 1 },
              ],
            },
          ],
        },
      }),
      /^spot\.venues\[0\]\.asks\[1\]\.price must be > the previous level's price 2 \(received 1\)$/m,
    ],
    [
      "a stable-price window over 23 h",
      mango({ steps: 10_000, stablePrice: {} }),
      /^steps must keep steps × stablePrice\.stepSeconds/m,
    ],
  ];

  it.each(cases)("%s is an InputError naming the field", (_name, config, message) => {
    let thrown: unknown;
    try {
      simulateManipulation(config);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).message).toMatch(message);
  });

  it("lists every problem at once", () => {
    const config = mango({ steps: 0, pool: { liquidity: -1 } });
    let thrown: unknown;
    try {
      simulateManipulation(config);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as InputError).problems).toHaveLength(2);
  });
});
