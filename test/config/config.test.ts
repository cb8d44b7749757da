// The scenario loader: every bad input names its field; good input resolves to the documented defaults.
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { applySets, loadScenario, readScenarioFile, resolveScenario } from "../../src/config/load.js";
import { DEFAULT_SCENARIO_FILE, findPreset, listPresets, listScenarios } from "../../src/config/presets.js";
import type { Scenario } from "../../src/config/scenario.js";
import { BINANCE_DEPTH_SNAPSHOT, publicExamples } from "../helpers/fixtures.js";
import { problemsOf } from "../helpers/problems.js";

const PRESET_NAMES = listPresets()
  .map((p) => p.name)
  .join(", ");

const FIXTURES = fileURLToPath(new URL("../fixtures/config/", import.meta.url));
const fixture = (name: string) => `${FIXTURES}${name}`;
// Public fixtures: test/fixtures/public/ (its README names each source).
const BINANCE_DEPTH = BINANCE_DEPTH_SNAPSHOT;

/** Asserts one problem line names `field` (starts with it) and, when given, contains `says`. */
function expectProblem(problems: string[], field: string, says?: string): void {
  const hit = problems.find((p) => p.startsWith(`${field} `) && (says === undefined || p.includes(says)));
  expect(hit, `no problem naming ${field}${says ? ` saying "${says}"` : ""} in:\n  ${problems.join("\n  ")}`).toBeDefined();
}

describe("a broken scenario is rejected with a problem naming the field", () => {
  const cases: { name: string; raw: unknown; field: string; says?: string }[] = [
    { name: "an unknown top-level key", raw: { sed: 1 }, field: "sed", says: "is not a known key" },
    {
      name: "a typo in a nested key, with a suggestion",
      raw: { accounts: { levrage: { median: 5 } } },
      field: "accounts.levrage",
      says: "did you mean leverage?",
    },
    {
      name: "a string where a number belongs",
      raw: { paths: "many" },
      field: "paths",
      says: 'must be a number (received "many")',
    },
    { name: "a fractional step count", raw: { steps: 2.5 }, field: "steps", says: "must be an integer" },
    { name: "zero paths", raw: { paths: 0 }, field: "paths", says: "must be >= 1 (received 0)" },
    {
      name: "a negative leverage median",
      raw: { accounts: { leverage: { median: -2 } } },
      field: "accounts.leverage.median",
      says: "must be > 0 (received -2)",
    },
    {
      name: "a misspelt price model",
      raw: { market: { price: { model: "gmb" } } },
      field: "market.price.model",
      says: 'must be one of gbm, merton, none, replay (received "gmb")',
    },
    { name: "a tick size of zero", raw: { market: { tickSize: 0 } }, field: "market.tickSize", says: "must be > 0" },
    {
      name: "per-step resilience (time is in seconds now)",
      raw: { market: { book: { resilience: 0.05 } } },
      field: "market.book.resilience",
      says: "use market.impact.halfLifeSeconds",
    },
    {
      name: "permanent share above 1",
      raw: { market: { impact: { permanentShare: 1.5 } } },
      field: "market.impact.permanentShare",
      says: "must be <= 1",
    },
    {
      name: "impact half-life not positive",
      raw: { market: { impact: { halfLifeSeconds: 0 } } },
      field: "market.impact.halfLifeSeconds",
      says: "must be > 0",
    },
    {
      name: "unknown depth profile",
      raw: { market: { book: { depth: { profile: "v-shape" } } } },
      field: "market.book.depth.profile",
      says: "latent",
    },
    { name: "zero book levels", raw: { market: { book: { levels: 0 } } }, field: "market.book.levels" },
    {
      name: "the ema mark without a half-life",
      raw: { market: { mark: { model: "ema" } } },
      field: "market.mark.halfLifeSeconds",
      says: "is required with model ema",
    },
    {
      name: "an ema half-life of zero",
      raw: { market: { mark: { model: "ema", halfLifeSeconds: 0 } } },
      field: "market.mark.halfLifeSeconds",
      says: "must be > 0",
    },
    {
      name: "an ema half-life in steps (time is in seconds now)",
      raw: { market: { mark: { model: "ema", halfLifeSteps: 5 } } },
      field: "market.mark.halfLifeSteps",
      says: "use market.mark.halfLifeSeconds",
    },
    {
      name: "an oracle lag in steps",
      raw: { market: { mark: { model: "oracle", oracleLagSteps: 2 } } },
      field: "market.mark.oracleLagSteps",
      says: "use market.mark.oracleLagSeconds",
    },
    {
      name: "a partial cooldown in steps",
      raw: { liquidation: { engine: "partial", partial: { cooldownSteps: 2 } } },
      field: "liquidation.partial.cooldownSteps",
      says: "use liquidation.partial.cooldownSeconds",
    },
    {
      name: "a volatility half-life in steps",
      raw: { margin: { model: "vol-scaled", volatility: { halfLifeSteps: 30 } } },
      field: "margin.volatility.halfLifeSteps",
      says: "use margin.volatility.halfLifeSeconds",
    },
    {
      name: "a half-life with the last mark",
      raw: { market: { mark: { model: "last", halfLifeSeconds: 5 } } },
      field: "market.mark.halfLifeSeconds",
      says: "is only used with model ema",
    },
    {
      name: "an unknown mark model",
      raw: { market: { mark: { model: "index" } } },
      field: "market.mark.model",
      says: "must be one of last, mid, ema",
    },
    {
      name: "a negative depth withdrawal",
      raw: { market: { book: { stress: { withdrawal: -0.5 } } } },
      field: "market.book.stress.withdrawal",
      says: "must be >= 0",
    },
    {
      name: "a stress block without a withdrawal",
      raw: { market: { book: { stress: { floor: 0.2 } } } },
      field: "market.book.stress.withdrawal",
    },
    {
      name: "a depth floor above 1",
      raw: { market: { book: { stress: { withdrawal: 2, floor: 1.5 } } } },
      field: "market.book.stress.floor",
      says: "must be <= 1",
    },
    {
      name: "an unknown stress key",
      raw: { market: { book: { stress: { withdrawal: 2, spreadTicks: 3 } } } },
      field: "market.book.stress.spreadTicks",
      says: "not a known key",
    },
    {
      name: "an unknown liquidation engine",
      raw: { liquidation: { engine: "auction" } },
      field: "liquidation.engine",
      says: "must be one of market, partial, dutch-auction, backstop, close-factor",
    },
    {
      name: "an engine's block under another engine",
      raw: { liquidation: { engine: "market", auction: {} } },
      field: "liquidation.auction",
      says: "is only used with engine dutch-auction",
    },
    {
      name: "fee tiers out of order",
      raw: {
        liquidation: {
          fee: {
            kind: "tiered",
            tiers: [
              { floor: 0, rate: 0.01 },
              { floor: 0, rate: 0.02 },
            ],
          },
        },
      },
      field: "liquidation.fee.tiers[1].floor",
      says: "must be > the previous fee tier's floor 0",
    },
    {
      name: "an unknown ADL ranking",
      raw: { adl: { ranking: "socialised" } },
      field: "adl.ranking",
      says: "must be one of pnl-leverage, hyperliquid, random, socialized, none",
    },
    {
      name: "an auction cusp of 1",
      raw: { liquidation: { engine: "dutch-auction", auction: { cusp: 1 } } },
      field: "liquidation.auction.cusp",
      says: "must be < 1",
    },
    {
      name: "an unknown auction curve",
      raw: { liquidation: { engine: "dutch-auction", auction: { curve: "parabolic" } } },
      field: "liquidation.auction.curve",
      says: "must be one of linear, stairstep, exponential",
    },
    {
      name: "keepers with negative capital",
      raw: { liquidation: { engine: "dutch-auction", auction: { keepers: { capitalPerSecond: -1 } } } },
      field: "liquidation.auction.keepers.capitalPerSecond",
      says: "must be >= 0",
    },
    {
      name: "a backstop threshold above maintenance",
      raw: { liquidation: { engine: "backstop", backstop: { equityFractionOfMaintenance: 1.5 } } },
      field: "liquidation.backstop.equityFractionOfMaintenance",
      says: "must be <= 1",
    },
    {
      name: "a close-factor bonus of 100%",
      raw: { liquidation: { engine: "close-factor", closeFactor: { bonus: 1 } } },
      field: "liquidation.closeFactor.bonus",
      says: "must be < 1",
    },
    {
      name: "nine fee tiers",
      raw: {
        liquidation: { fee: { kind: "tiered", tiers: Array.from({ length: 9 }, (_, i) => ({ floor: i * 1000, rate: 0.01 })) } },
      },
      field: "liquidation.fee.tiers",
      says: "at most 8",
    },
    {
      name: "a time-ramped fee without its cap",
      raw: { liquidation: { fee: { kind: "time-ramped", increasePerSecond: 0.0001 } } },
      field: "liquidation.fee.max",
    },
    {
      name: "a mark band of 100%",
      raw: { market: { mark: { model: "last", band: 1 } } },
      field: "market.mark.band",
      says: "must be < 1",
    },
    {
      name: "a negative oracle lag",
      raw: { market: { mark: { model: "oracle", oracleLagSeconds: -1 } } },
      field: "market.mark.oracleLagSeconds",
      says: "must be >= 0",
    },
    {
      name: "a negative spread widening",
      raw: { market: { book: { stress: { withdrawal: 0, spreadWidening: -5 } } } },
      field: "market.book.stress.spreadWidening",
      says: "must be >= 0",
    },
    {
      name: "risk-based settings under the tiers model",
      raw: { margin: { model: "tiers", riskBased: { confidence: 0.99 } } },
      field: "margin.riskBased",
      says: "is only used with model risk-based",
    },
    {
      name: "a VaR confidence of 1",
      raw: { margin: { model: "risk-based", riskBased: { confidence: 1 } } },
      field: "margin.riskBased.confidence",
      says: "must be < 1",
    },
    {
      name: "a volatility multiplier cap below its floor",
      raw: { margin: { model: "vol-scaled", volScaled: { floor: 2, cap: 1 } } },
      field: "margin.volScaled.cap",
      says: "must be >= floor (2)",
    },
    {
      name: "a shock that wipes out the price",
      raw: { market: { price: { shocks: [{ step: 1, return: -1 }] } } },
      field: "market.price.shocks[0].return",
      says: "must be > -1",
    },
    {
      name: "a shock after the last step",
      raw: { steps: 50, market: { price: { shocks: [{ step: 60, return: -0.1 }] } } },
      field: "market.price.shocks[0].step",
      says: "must be <= steps (50)",
    },
    {
      name: "two shocks at one step",
      raw: {
        market: {
          price: {
            shocks: [
              { step: 3, return: -0.1 },
              { step: 3, return: 0.1 },
            ],
          },
        },
      },
      field: "market.price.shocks[1].step",
    },
    {
      name: "replay without a returns file",
      raw: { market: { price: { model: "replay" } } },
      field: "market.price.returnsFile",
      says: "is required when model is replay",
    },
    {
      name: "a returns file without replay",
      raw: { market: { price: { returnsFile: "r.csv" } } },
      field: "market.price.returnsFile",
      says: "only used with model replay",
    },
    {
      name: "a leverage cap below the median",
      raw: { accounts: { leverage: { median: 150 } } },
      field: "accounts.leverage.max",
      says: "must be >= median (150)",
    },
    {
      name: "a notional cap below the minimum",
      raw: { accounts: { notional: { min: 10_000, max: 5_000 } } },
      field: "accounts.notional.max",
    },
    {
      name: "an account count above 50 million",
      raw: { accounts: { count: 60_000_000 } },
      field: "accounts.count",
      says: "must be <= 50000000",
    },
    { name: "a long share above 1", raw: { accounts: { longShare: 1.2 } }, field: "accounts.longShare" },
    {
      name: "resampling loaded positions",
      raw: { accounts: { positionsFile: "positions.csv", resample: true } },
      field: "accounts.resample",
    },
    {
      name: "tiers out of order",
      raw: {
        margin: {
          tiers: [
            { floor: 0, mmr: 0.004, maintenanceAmount: 0 },
            { floor: 50_000, mmr: 0.005, maintenanceAmount: 50 },
            { floor: 10_000, mmr: 0.01, maintenanceAmount: 0 },
          ],
        },
      },
      field: "margin.tiers[2].floor",
      says: "strictly increasing",
    },
    {
      name: "tiers that do not start at 0",
      raw: { margin: { tiers: [{ floor: 100, mmr: 0.004, maintenanceAmount: 0 }] } },
      field: "margin.tiers[0].floor",
      says: "must be 0",
    },
    {
      name: "a maintenance rate of 100%",
      raw: { margin: { tiers: [{ floor: 0, mmr: 1, maintenanceAmount: 0 }] } },
      field: "margin.tiers[0].mmr",
      says: "must be < 1",
    },
    { name: "an empty tier list", raw: { margin: { tiers: [] } }, field: "margin.tiers", says: "at least 1" },
    {
      name: "both a preset and tiers",
      raw: { margin: { preset: "binance-usdm-btcusdt", tiers: [{ floor: 0, mmr: 0.004, maintenanceAmount: 0 }] } },
      field: "margin.tiers",
      says: "margin.preset",
    },
    {
      name: "an unknown preset",
      raw: { margin: { preset: "binance-coinm" } },
      field: "margin.preset",
      says: `must be one of ${PRESET_NAMES}`,
    },
    { name: "a bad margin mode", raw: { margin: { mode: "portfolio" } }, field: "margin.mode" },
    {
      name: "a size premium without a margin model",
      raw: { margin: { sizePremium: { imfFactor: 0.001 } } },
      field: "margin.sizePremium",
      says: "needs margin.model",
    },
    {
      name: "a size premium factor of zero",
      raw: { margin: { model: "tiers", sizePremium: { imfFactor: 0 } } },
      field: "margin.sizePremium.imfFactor",
      says: "must be > 0",
    },
    {
      name: "a size premium without its factor",
      raw: { margin: { model: "tiers", sizePremium: {} } },
      field: "margin.sizePremium.imfFactor",
    },
    {
      name: "an unknown size premium key",
      raw: { margin: { model: "tiers", sizePremium: { imf: 0.001 } } },
      field: "margin.sizePremium.imf",
      says: "is not a known key",
    },
    {
      name: "an open-interest upper cap at the lower cap",
      raw: { margin: { openInterestScaling: { lowerCap: 1e6, upperCap: 1e6 } } },
      field: "margin.openInterestScaling.upperCap",
      says: "must be > lowerCap (1000000)",
    },
    {
      name: "a negative open-interest lower cap",
      raw: { margin: { openInterestScaling: { lowerCap: -1, upperCap: 1e6 } } },
      field: "margin.openInterestScaling.lowerCap",
      says: "must be >= 0",
    },
    {
      name: "an open-interest scaling without its upper cap",
      raw: { margin: { openInterestScaling: { lowerCap: 0 } } },
      field: "margin.openInterestScaling.upperCap",
    },
    {
      name: "a liquidation fee of 100%",
      raw: { liquidation: { feeRate: 1 } },
      field: "liquidation.feeRate",
      says: "must be < 1",
    },
    {
      name: "zero cascade rounds per step",
      raw: { liquidation: { maxRoundsPerStep: 0 } },
      field: "liquidation.maxRoundsPerStep",
    },
    { name: "a negative insurance fund", raw: { insurance: { initialBalance: -1 } }, field: "insurance.initialBalance" },
    { name: "an unknown ADL ranking", raw: { adl: { ranking: "size" } }, field: "adl.ranking" },
    {
      name: "a notional cap of zero",
      raw: { liquidation: { caps: { notionalPerSecond: 0 } } },
      field: "liquidation.caps.notionalPerSecond",
      says: "must be > 0",
    },
    {
      name: "a per-step notional cap (time is in seconds now)",
      raw: { liquidation: { caps: { notionalPerStep: 1e6 } } },
      field: "liquidation.caps.notionalPerStep",
      says: "use liquidation.caps.notionalPerSecond",
    },
    {
      name: "a per-step vault unwind",
      raw: { liquidation: { engine: "backstop", backstop: { unwindPerStep: 0.1 } } },
      field: "liquidation.backstop.unwindPerStep",
      says: "use liquidation.backstop.unwindHalfLifeSeconds",
    },
    {
      name: "a negative insurance loss cap",
      raw: { liquidation: { caps: { insuranceLossPerSecond: -5 } } },
      field: "liquidation.caps.insuranceLossPerSecond",
      says: "must be > 0",
    },
    {
      name: "a partial slice fraction of zero",
      raw: { liquidation: { engine: "partial", partial: { fraction: 0 } } },
      field: "liquidation.partial.fraction",
      says: "must be > 0",
    },
    {
      name: "a partial slice fraction above 1",
      raw: { liquidation: { engine: "partial", partial: { fraction: 1.5 } } },
      field: "liquidation.partial.fraction",
      says: "must be <= 1",
    },
    {
      name: "a negative partial threshold",
      raw: { liquidation: { engine: "partial", partial: { threshold: -1 } } },
      field: "liquidation.partial.threshold",
      says: "must be >= 0",
    },
    {
      name: "a negative partial cooldown",
      raw: { liquidation: { engine: "partial", partial: { cooldownSeconds: -1 } } },
      field: "liquidation.partial.cooldownSeconds",
      says: "must be >= 0",
    },
    {
      name: "partial parameters with the market engine",
      raw: { liquidation: { partial: { fraction: 0.5 } } },
      field: "liquidation.partial",
      says: "only used with engine partial",
    },
    {
      name: "an unknown partial key",
      raw: { liquidation: { engine: "partial", partial: { slice: 0.2 } } },
      field: "liquidation.partial.slice",
    },
    {
      name: "an insurance cap below the initial balance",
      raw: { insurance: { initialBalance: 1000, cap: 500 } },
      field: "insurance.cap",
      says: "must be >= initialBalance (1000)",
    },
    {
      name: "a fund drawdown trigger above 100%",
      raw: { adl: { trigger: { fundDrawdown: 1.5 } } },
      field: "adl.trigger.fundDrawdown",
      says: "must be <= 1",
    },
    { name: "a negative seed", raw: { seed: -1 }, field: "seed" },
    { name: "a section that is not a mapping", raw: { market: 5 }, field: "market", says: "must be a mapping of keys" },
  ];
  it.each(cases)("$name", ({ raw, field, says }) => {
    expectProblem(
      problemsOf(() => resolveScenario(raw, FIXTURES)),
      field,
      says,
    );
  });

  it("every problem is reported at once, one line each", () => {
    const problems = problemsOf(() =>
      resolveScenario(
        {
          paths: 0,
          accounts: { levrage: 1, leverage: { median: -2 } },
          market: { price: { model: "gmb" } },
          steps: 10,
          margin: { preset: "nope" },
        },
        FIXTURES,
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        "paths must be >= 1 (received 0)",
        "accounts.levrage is not a known key (did you mean leverage?)",
        "accounts.leverage.median must be > 0 (received -2)",
        'market.price.model must be one of gbm, merton, none, replay (received "gmb")',
        `margin.preset must be one of ${PRESET_NAMES} (received "nope")`,
      ]),
    );
    for (const p of problems) expect(p).not.toContain("\n");
  });
});

describe("a broken file named by a scenario is rejected with a problem naming the key and the file", () => {
  const cases: { name: string; raw: unknown; field: string; says: string }[] = [
    {
      name: "a missing positions file",
      raw: { accounts: { positionsFile: "no-such.csv" } },
      field: "accounts.positionsFile",
      says: '"no-such.csv": no such file',
    },
    {
      name: "a negative size on row 3",
      raw: { accounts: { positionsFile: "positions-negative-size.csv" } },
      field: "accounts.positionsFile",
      says: '"positions-negative-size.csv" row 3 (line 4): size must be > 0 (received a negative number)',
    },
    {
      name: "a positions file without a collateral column",
      raw: { accounts: { positionsFile: "positions-missing-column.csv" } },
      field: "accounts.positionsFile",
      says: "missing collateral",
    },
    {
      name: "a snapshot with a non-numeric price",
      raw: { market: { book: { snapshotFile: "book-bad-price.csv" } } },
      field: "market.book.snapshotFile",
      says: "row 2 (line 3): price must be a number (received text of 3 characters)",
    },
    {
      name: "a crossed snapshot",
      raw: { market: { book: { snapshotFile: "book-crossed.csv" } } },
      field: "market.book.snapshotFile",
      says: "must not be crossed",
    },
    {
      name: "a snapshot off the tick grid",
      raw: { market: { book: { snapshotFile: BINANCE_DEPTH } } },
      field: "market.book.snapshotFile",
      says: "multiples of market.tickSize 0.5",
    },
    {
      name: "a returns file with a word in it",
      raw: { market: { price: { model: "replay", returnsFile: "returns-bad.csv" } } },
      field: "market.price.returnsFile",
      says: "row 3 (line 3): must be a number (received text of 4 characters)",
    },
  ];
  it.each(cases)("$name", ({ raw, field, says }) => {
    expectProblem(
      problemsOf(() => resolveScenario(raw, FIXTURES)),
      field,
      says,
    );
  });

  it("malformed YAML is one problem with the file and the line", () => {
    const problems = problemsOf(() => readScenarioFile(fixture("malformed.yaml")));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^scenario file .*malformed\.yaml line \d+ must be valid YAML \(.+\)$/);
  });

  it("malformed JSON is one problem with the file and the line", () => {
    const problems = problemsOf(() => readScenarioFile(fixture("malformed.json")));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^scenario file .*malformed\.json line 4 must be valid JSON/);
  });

  it("a missing scenario file is one problem naming it", () => {
    expect(problemsOf(() => readScenarioFile(fixture("nope.yaml")))).toEqual([
      expect.stringMatching(/^scenario file .*nope\.yaml must be a readable file \(received no such file\)$/),
    ]);
  });
});

describe("--set overrides", () => {
  const cases: { name: string; sets: string[]; field: string; says?: string }[] = [
    { name: "a pair without =", sets: ["paths"], field: "--set", says: 'must be key.path=value (received "paths")' },
    { name: "an empty key segment", sets: ["market..tickSize=1"], field: "--set", says: "dot-separated key path" },
    { name: "a key inside a number", sets: ["seed.low=1"], field: "--set seed.low", says: "not a mapping" },
    { name: "an index into a mapping", sets: ["market[0]=1"], field: "--set market[0]", says: "not a list" },
    {
      name: "a value that is not YAML",
      sets: ["market.price.shocks=[{step: 1"],
      field: "--set market.price.shocks",
      says: "must be a YAML value",
    },
  ];
  it.each(cases)("reject $name", ({ sets, field, says }) => {
    expectProblem(
      problemsOf(() => applySets({ seed: 1, market: {} }, sets)),
      field,
      says,
    );
  });

  it("reject an unknown key through the schema, naming it", () => {
    expectProblem(
      problemsOf(() => loadScenario(undefined, ["accounts.levrage=3"])),
      "accounts.levrage",
      "is not a known key",
    );
  });

  it("report bad pairs together with the scenario's own problems", () => {
    const problems = problemsOf(() => loadScenario(undefined, ["foo", "paths=-1"]));
    expectProblem(problems, "--set");
    expectProblem(problems, "paths", "must be >= 1");
  });

  it("set scalars, flow collections and list items, creating missing sections", () => {
    const { scenario } = loadScenario(undefined, [
      "market.price.volatility=1.2",
      "market.price.shocks=[{step: 1, return: -0.1}, {step: 5, return: 0.02}]",
      "market.price.shocks[1].return=0.03",
      "accounts.leverage.dist=fixed",
      "name=overridden",
      "paths=10",
    ]);
    expect(scenario.market.price.volatility).toBe(1.2);
    expect(scenario.market.price.shocks).toEqual([
      { step: 1, return: -0.1 },
      { step: 5, return: 0.03 },
    ]);
    expect(scenario.accounts.leverage.dist).toBe("fixed");
    expect(scenario.name).toBe("overridden");
    expect(scenario.paths).toBe(10);
    expect(applySets({}, ["market.book.depth.size=3"])).toEqual({ market: { book: { depth: { size: 3 } } } });
  });

  it("do not touch the input object", () => {
    const raw = { market: { tickSize: 1 } };
    applySets(raw, ["market.tickSize=2"]);
    expect(raw.market.tickSize).toBe(1);
  });
});

describe("resolving good input", () => {
  const binanceTiers = findPreset("binance-usdm-btcusdt")!.tiers;

  it("{} resolves to every documented default, with the default preset's tiers", () => {
    const expected: Scenario = {
      name: "scenario",
      seed: 42,
      paths: 2000,
      steps: 100,
      stepSeconds: 60,
      market: {
        initialPrice: 30000,
        tickSize: 0.5,
        price: { model: "gbm", volatility: 0.8, drift: 0, jumps: { intensity: 4, meanLog: -0.03, stdLog: 0.04 }, shocks: [] },
        book: { levels: 1000, depth: { profile: "latent", size: 2, decayTicks: 200, exponent: 0.5, saturationTicks: 600 } },
        impact: { halfLifeSeconds: 60, permanentShare: 2 / 3 },
        mark: { model: "last" },
      },
      accounts: {
        count: 10000,
        longShare: 0.6,
        leverage: { dist: "lognormal", median: 10, sigma: 0.6, max: 100 },
        notional: { dist: "pareto", min: 1000, alpha: 1.5, max: 5000000 },
        resample: false,
      },
      margin: { mode: "isolated", preset: "binance-usdm-btcusdt", tiers: binanceTiers },
      liquidation: { engine: "market", feeRate: 0.005, maxRoundsPerStep: 1000 },
      insurance: { initialBalance: 1000000 },
      adl: { ranking: "pnl-leverage" },
    };
    expect(resolveScenario({}, FIXTURES)).toEqual({ scenario: expected, baseDir: resolve(FIXTURES) });
  });

  it("explicit tiers replace the preset, and no preset is recorded", () => {
    const tiers = [{ floor: 0, mmr: 0.01, maintenanceAmount: 0 }];
    expect(resolveScenario({ margin: { mode: "cross", tiers } }, FIXTURES).scenario.margin).toEqual({ mode: "cross", tiers });
  });

  it("the dynamic initial margin keys reach the resolved scenario as given, and are absent when not given", () => {
    const tiers = [{ floor: 0, mmr: 0.01, maintenanceAmount: 0 }];
    const margin = { model: "tiers", sizePremium: { imfFactor: 0.0005 }, openInterestScaling: { lowerCap: 0, upperCap: 5e7 } };
    expect(resolveScenario({ margin: { tiers, ...margin } }, FIXTURES).scenario.margin).toEqual({
      mode: "isolated",
      tiers,
      ...margin,
    });
    const plain = resolveScenario({ margin: { tiers } }, FIXTURES).scenario.margin;
    expect("sizePremium" in plain || "openInterestScaling" in plain).toBe(false);
  });

  it("shocks come out sorted by step", () => {
    const { scenario } = resolveScenario(
      {
        market: {
          price: {
            shocks: [
              { step: 9, return: 0.01 },
              { step: 2, return: -0.05 },
            ],
          },
        },
      },
      FIXTURES,
    );
    expect(scenario.market.price.shocks.map((s) => s.step)).toEqual([2, 9]);
  });

  it("the embedded default scenario is the documented BTC-perp crash", () => {
    const { scenario } = loadScenario(undefined, []);
    expect(scenario.name).toBe("btc-perp-crash");
    expect(scenario.market.price.shocks).toEqual([{ step: 10, return: -0.04 }]);
    expect(scenario.market.book.depth).toEqual({
      profile: "latent",
      size: 2.2,
      saturationTicks: 600,
      decayTicks: 200,
      exponent: 0.5,
    });
    expect(scenario.market.impact).toEqual({ halfLifeSeconds: 60, permanentShare: 0.6667 });
    expect(scenario.margin.preset).toBe("binance-usdm-btcusdt");
    expect(scenario.margin.tiers).toHaveLength(9);
    expect(loadScenario(DEFAULT_SCENARIO_FILE, []).scenario).toEqual(scenario);
  });

  it("a JSON scenario file reads like YAML", () => {
    const { scenario } = loadScenario(fixture("scenario.json"), []);
    expect([scenario.name, scenario.paths, scenario.market.price.model]).toEqual(["from-json", 10, "none"]);
  });

  it("files are loaded relative to the scenario file", () => {
    const inputs = loadScenario(fixture("with-files.yaml"), []);
    expect(inputs.positions).toEqual([
      { account: "a1", side: "long", size: 0.5, entryPrice: 30000, collateral: 1500 },
      { account: "a2", side: "short", size: 1.2, entryPrice: 30100, collateral: 3600 },
      { account: "a1", side: "long", size: 0.1, entryPrice: 29900, collateral: 300 },
    ]);
    expect(inputs.book).toEqual([
      { side: "bid", price: 30000, qty: 2 },
      { side: "bid", price: 29999.5, qty: 1.5 },
      { side: "ask", price: 30000.5, qty: 1 },
      { side: "ask", price: 30001, qty: 3 },
    ]);
    expect(Array.from(inputs.returns!)).toEqual([0.001, -0.002, 0.0005]);
    // No explicit initialPrice: the snapshot's best bid.
    expect(inputs.scenario.market.initialPrice).toBe(30000);
  });

  it("the Binance depth snapshot loads as 100 bid levels, 176.960 BTC, best bid 20377.00", () => {
    const { scenario, book } = resolveScenario({ market: { tickSize: 0.1, book: { snapshotFile: BINANCE_DEPTH } } }, FIXTURES);
    expect(book).toHaveLength(100);
    expect(book!.every((l) => l.side === "bid")).toBe(true);
    const total = book!.reduce((sum, l) => sum + Math.round(l.qty * 1000), 0) / 1000; // qty has 3 decimals
    expect(total).toBe(176.96);
    expect(book![0].price).toBe(20377);
    expect(book![99].price).toBe(20365.9);
    expect(scenario.market.initialPrice).toBe(20377);
  });

  it("an explicit initialPrice wins over the snapshot's best bid", () => {
    const { scenario } = resolveScenario(
      { market: { tickSize: 0.1, initialPrice: 20400, book: { snapshotFile: BINANCE_DEPTH } } },
      FIXTURES,
    );
    expect(scenario.market.initialPrice).toBe(20400);
  });
});

describe("built-in presets and scenarios", () => {
  it("the Binance preset holds the 9 legacy brackets of the public examples", () => {
    const examples = publicExamples() as {
      binance_usdm_btc_brackets_legacy: { tiers: [number, number, number, number][] };
    };
    const expected = examples.binance_usdm_btc_brackets_legacy.tiers.map(([floor, , mmr, maintenanceAmount]) => ({
      floor,
      mmr,
      maintenanceAmount,
    }));
    const preset = findPreset("binance-usdm-btcusdt")!;
    expect(preset.tiers).toEqual(expected);
    expect(preset.conventions).toEqual({ maintenanceAt: "mark", liquidationFeeInFormula: false });
  });

  it("every preset and scenario says where it comes from and when", () => {
    expect(listPresets().map((p) => p.name)).toContain("binance-usdm-btcusdt");
    for (const p of listPresets()) expect([p.source, p.date].every((s) => s.length > 0)).toBe(true);
    const scenarios = listScenarios();
    expect(scenarios.find((s) => s.isDefault)?.name).toBe("btc-perp-crash");
    for (const s of scenarios) {
      expect(s.source).not.toBe("unknown");
      expect(s.date).not.toBe("unknown");
      expect(() => loadScenario(s.file, [])).not.toThrow();
    }
  });
});
