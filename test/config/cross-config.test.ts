// `crossMargin:` (cross margin across markets): resolution (defaults, one line per problem naming the field), the
// owners as the engines load them (listed owners as written, generated ones drawn from the seed, isolated mode's
// split), the flat tables (tiers' critical marks, arrival steps) and the record's columns.
import { describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/config/load.js";
import { buildMarketsSetup, recordNames, scenarioRecordNames } from "../../src/engine/markets-setup.js";
import { arrivalStep } from "../../src/engine/cross-setup.js";
import { crossMemoryProblems } from "../../src/config/memory.js";
import { problemsOf } from "../helpers/problems.js";

const two = {
  steps: 10,
  accounts: { count: 0 },
  markets: [
    { name: "BTC", market: { initialPrice: 30000, tickSize: 0.5 } },
    { name: "ETH", market: { initialPrice: 2000, tickSize: 0.05 } },
  ],
};

describe("crossMargin: resolution", () => {
  it("defaults: mode cross, one asset USDT at price 1, no owners", () => {
    const { scenario } = resolveScenario({ ...two, crossMargin: {} }, ".");
    expect(scenario.crossMargin).toEqual({ mode: "cross", assets: [{ name: "USDT", haircut: 0 }], accounts: { list: [] } });
    expect(scenarioRecordNames(scenario).slice(-4)).toEqual([
      "crossMargin.accountsLiquidated",
      "crossMargin.accountsClosed",
      "crossMargin.collateralSold",
      "crossMargin.collateralSales",
    ]);
    expect(scenarioRecordNames(scenario)).toEqual(recordNames(["BTC", "ETH"], true));
  });

  it("is refused without markets, naming the key", () => {
    expect(problemsOf(() => resolveScenario({ crossMargin: {} }, "."))).toEqual([
      "crossMargin is only used with markets (its owners' legs name markets; one market under markets: is enough)",
    ]);
  });

  it("lists every problem at once: unknown markets and assets, duplicate names, price with market, too many legs", () => {
    const problems = problemsOf(() =>
      resolveScenario(
        {
          ...two,
          crossMargin: {
            assets: [{ name: "USDT" }, { name: "USDT" }, { name: "USDe", market: "XRP" }, { name: "X", market: "BTC", price: 2 }],
            accounts: {
              list: [{ legs: [{ market: "SOL", side: "long", size: 1 }], collateral: [{ asset: "DAI", amount: 1 }] }],
              generated: { legsPerAccount: 3 },
            },
          },
        },
        ".",
      ),
    );
    expect(problems).toEqual([
      "crossMargin.assets[3].price is not used with market (the market's mark values the asset) (received 2)",
    ]);
    const second = problemsOf(() =>
      resolveScenario(
        {
          ...two,
          crossMargin: {
            assets: [{ name: "USDT" }, { name: "USDT" }, { name: "USDe", market: "XRP" }],
            accounts: {
              list: [{ legs: [{ market: "SOL", side: "long", size: 1 }], collateral: [{ asset: "DAI", amount: 1 }] }],
              generated: { legsPerAccount: 3 },
            },
          },
        },
        ".",
      ),
    );
    expect(second).toEqual([
      "crossMargin.assets[1].name must differ from crossMargin.assets[0].name",
      "crossMargin.assets[2].market must name one of the markets (BTC, ETH)",
      "crossMargin.accounts.list[0].legs[0].market must name one of the markets (BTC, ETH)",
      "crossMargin.accounts.list[0].collateral[0].asset must name one of crossMargin.assets (USDT, USDe)",
      "crossMargin.accounts.generated.legsPerAccount must be <= the number of markets (2): legs are in distinct markets",
    ]);
  });
});

describe("crossMargin: the owners as the engines load them", () => {
  const listed = {
    ...two,
    stepSeconds: 60,
    crossMargin: {
      assets: [{ name: "USDT" }, { name: "ETHc", market: "ETH", haircut: 0.2 }],
      accounts: {
        list: [
          {
            legs: [
              { market: "BTC", side: "long", size: 2 },
              { market: "ETH", side: "short", size: 10, entryPrice: 1990 },
            ],
            collateral: [
              { asset: "USDT", amount: 5000 },
              { asset: "ETHc", amount: 3, arrivesAtSeconds: 150 },
            ],
          },
        ],
      },
    },
  };

  it("a listed owner as written: entries default to the initial mid, arrivals in steps, assets marked at their market", () => {
    const cross = buildMarketsSetup(resolveScenario(listed, ".")).cross!;
    expect(cross.owners).toBe(1);
    expect(Array.from(cross.legMarket)).toEqual([0, 1]);
    expect(Array.from(cross.legSide)).toEqual([1, -1]);
    expect(Array.from(cross.legEntry)).toEqual([30000.25, 1990]); // tick 0.5: centre 60000, mid (60000 + ½) × 0.5
    expect(Array.from(cross.depArrives)).toEqual([0, 3]); // 150 s of 60 s steps: from step 3 (180 s ≥ 150 s)
    expect(Array.from(cross.arrivalOrder)).toEqual([1]);
    expect(Array.from(cross.assetMarket)).toEqual([-1, 1]);
    expect(Array.from(cross.assetPrice)).toEqual([1, 2000]); // a market asset's reference value: its initialPrice
    expect(Array.from(cross.assetHaircut)).toEqual([0, 0.2]);
  });

  it("the critical marks: floor / size for every leg and tier above the first, ascending per market", () => {
    const tiers = [
      { floor: 0, mmr: 0.01, maintenanceAmount: 0 },
      { floor: 50_000, mmr: 0.02, maintenanceAmount: 500 },
      { floor: 200_000, mmr: 0.05, maintenanceAmount: 6500 },
    ];
    const cross = buildMarketsSetup(resolveScenario({ ...listed, margin: { tiers } }, ".")).cross!;
    expect(Array.from(cross.critStart)).toEqual([0, 2, 4]);
    expect(Array.from(cross.critMark)).toEqual([25_000, 100_000, 5_000, 20_000]);
    expect(Array.from(cross.critOwner)).toEqual([0, 0, 0, 0]);
  });

  it("isolated mode: one owner per leg, the deposits pro rata to the legs' entry notional", () => {
    const cross = buildMarketsSetup(resolveScenario({ ...listed, crossMargin: { ...listed.crossMargin, mode: "isolated" } }, "."))
      .cross!;
    expect(cross.owners).toBe(2);
    const btc = 2 * 30000.25;
    const eth = 10 * 1990;
    expect(Array.from(cross.depAmount)).toEqual([
      (5000 * btc) / (btc + eth),
      (3 * btc) / (btc + eth),
      (5000 * eth) / (btc + eth),
      (3 * eth) / (btc + eth),
    ]);
    expect(Array.from(cross.legStart)).toEqual([0, 1, 2]);
  });

  it("generated owners: legs in distinct markets, notional within its bounds, collateral = gross / leverage; the seed fixes them", () => {
    const scenario = {
      ...two,
      crossMargin: {
        accounts: {
          generated: {
            count: 400,
            legsPerAccount: 2,
            longShare: 0.5,
            leverage: { median: 5, sigma: 0.5, max: 20 },
            notional: { min: 1000, alpha: 1.5, max: 1e6 },
          },
        },
      },
    };
    const a = buildMarketsSetup(resolveScenario(scenario, ".")).cross!;
    const b = buildMarketsSetup(resolveScenario(scenario, ".")).cross!;
    const c = buildMarketsSetup(resolveScenario({ ...scenario, seed: 43 }, ".")).cross!;
    expect(a).toEqual(b);
    expect(Array.from(a.legSize)).not.toEqual(Array.from(c.legSize));
    let longs = 0;
    for (let o = 0; o < a.owners; o++) {
      const [j, k] = [a.legStart[o], a.legStart[o] + 1];
      expect(a.legMarket[j]).not.toBe(a.legMarket[k]);
      let gross = 0;
      for (const leg of [j, k]) {
        const notional = a.legSize[leg] * a.legEntry[leg];
        expect(notional).toBeGreaterThanOrEqual(1000 * (1 - 1e-12));
        expect(notional).toBeLessThanOrEqual(1e6 * (1 + 1e-12));
        gross += notional;
        if (a.legSide[leg] === 1) longs++;
      }
      const leverage = gross / a.depAmount[a.depStart[o]];
      expect(leverage).toBeGreaterThanOrEqual(1 - 1e-9);
      expect(leverage).toBeLessThanOrEqual(20 * (1 + 1e-9));
    }
    // 800 legs, longShare 0.5: within 4 standard errors (√(800/4) ≈ 14)
    expect(Math.abs(longs - 400)).toBeLessThan(57);
  });

  it("arrival steps: the first step whose end reaches the deposit's time", () => {
    expect([0, 1, 60, 61, 120, 0.3].map((s) => arrivalStep(s, 60))).toEqual([0, 1, 1, 2, 2, 1]);
    expect(arrivalStep(0.3, 0.1)).toBe(3);
  });
});

describe("market.impact.halfLifeSeconds", () => {
  it("accepts Infinity (YAML .inf: a consumed book never refills), as its comment says, and still refuses 0", () => {
    const { scenario } = resolveScenario({ market: { impact: { halfLifeSeconds: Number.POSITIVE_INFINITY } } }, ".");
    expect(scenario.market.impact.halfLifeSeconds).toBe(Number.POSITIVE_INFINITY);
    expect(problemsOf(() => resolveScenario({ market: { impact: { halfLifeSeconds: 0 } } }, "."))[0]).toMatch(
      /^market\.impact\.halfLifeSeconds must be > 0/,
    );
  });
});

describe("crossMargin: a large generated population", () => {
  it("builds 200,000 owners' tables (no argument-spread limit; the critical marks ascend per market)", () => {
    const cross = buildMarketsSetup(
      resolveScenario(
        {
          ...two,
          margin: {
            tiers: [
              { floor: 0, mmr: 0.01, maintenanceAmount: 0 },
              { floor: 50_000, mmr: 0.02, maintenanceAmount: 500 },
            ],
          },
          crossMargin: { accounts: { generated: { count: 200_000, legsPerAccount: 2 } } },
        },
        ".",
      ),
    ).cross!;
    expect(cross.owners).toBe(200_000);
    expect(cross.critMark.length).toBe(400_000);
    for (let m = 0; m < 2; m++)
      for (let c = cross.critStart[m] + 1; c < cross.critStart[m + 1]; c++)
        expect(cross.critMark[c] >= cross.critMark[c - 1]).toBe(true);
  });
});

describe("crossMargin: the memory check", () => {
  it("names the generated count past the budget (2 × 8 × (M + 1) + 56 B an owner, 84 + 12 × tiers a leg, 24 a deposit, per engine)", () => {
    const inputs = resolveScenario(
      { ...two, crossMargin: { accounts: { generated: { count: 100_000, legsPerAccount: 2 } } } },
      ".",
    );
    // T tiers (the default's): 100,000 × (16 × 3 + 56) + 200,000 × (84 + 12T) + 100,000 × 24 B per engine, for a
    // worker's and the host's
    const T = Math.max(...inputs.scenario.markets!.map((m) => m.margin.tiers.length));
    const bytes = 2 * (100_000 * 104 + 200_000 * (84 + 12 * T) + 100_000 * 24);
    expect(crossMemoryProblems(inputs, 1, { bytes, source: "test" })).toEqual([]);
    const over = crossMemoryProblems(inputs, 1, { bytes: bytes - 1, source: "test" });
    expect(over).toHaveLength(1);
    expect(over[0]).toMatch(
      /^crossMargin\.accounts\.generated\.count makes the run need about .* \(received 100000 owners, 200000 legs, 100000 deposits over 2 markets\)$/,
    );
  });
});
