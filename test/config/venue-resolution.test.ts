// `venue: NAME` gives the venue's whole design: its keys win over the scenario file's (each replaced key a warning, on
// stderr and in summary.json), a key given with --set wins over the venue's, a lending venue refuses a population with
// shorts, and Hyperliquid's "whole position during the cooldown" is an engine option both engines run bit for bit.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/program.js";
import { formatValue } from "../../src/config/errors.js";
import { loadScenario, resolveScenario } from "../../src/config/load.js";
import { DEFAULT_SCENARIO_FILE, listPresets, type Preset } from "../../src/config/presets.js";
import type { PositionRow, Scenario, ScenarioInputs } from "../../src/config/scenario.js";
import { METRIC } from "../../src/engine/metrics.js";
import { P } from "../../src/engine/layout.js";
import { buildSetup } from "../../src/engine/setup.js";
import { verifyRun } from "../../src/mc/verify.js";
import { firstDifference, runReference, runWasm } from "../helpers/engines.js";
import { expectBitIdentical, flatScenario, observe, START } from "../helpers/mechanism-scenarios.js";
import { problemsOf } from "../helpers/problems.js";
import { baseScenario, crashMarket } from "../helpers/scenario.js";

const work = mkdtempSync(join(tmpdir(), "cascade-venue-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The default scenario file as written (its keys are what a venue overrides). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const crash: any = YAML.parse(readFileSync(DEFAULT_SCENARIO_FILE, "utf8"));

/** `--set venue=NAME` on the default scenario (a lending venue needs a population of longs). */
function withVenue(p: Preset, sets: string[] = []): Scenario {
  const longs = p.conventions.longOnly ? ["accounts.longShare=1"] : [];
  return loadScenario(undefined, [`venue=${p.name}`, ...longs, ...sets]).scenario;
}

/** What each preset says, read from the preset itself (not from the overlay under test). */
function designOf(p: Preset) {
  const liq = p.liquidation;
  const fee = liq?.fee;
  let feeRate: number | undefined;
  if (fee?.kind === "flat") feeRate = fee.rate;
  if (fee?.kind === "bankruptcy") feeRate = 0.999; // everything above bankruptcy: capped at the surplus by the engines
  if (liq?.engine === "dutch-auction") feeRate = liq.auction!.chop - 1;
  if (liq?.engine === "close-factor") feeRate = 0;
  return {
    engine: liq?.backstop ? "backstop" : (liq?.engine ?? "market"),
    feeRate,
    ranking: p.insurance?.adlRanking ?? "none",
    price: p.insurance?.adlPrice ?? "bankruptcy",
    trigger: p.insurance?.adlTrigger,
    mark: p.mark,
  };
}

describe("venue: NAME on the default scenario gives exactly the preset's design", () => {
  for (const p of listPresets()) {
    it(`${p.name}: tiers, maintenance convention, engine, fee, ADL ranking, price and trigger, mark`, () => {
      const d = designOf(p);
      const s = withVenue(p);
      expect(s.venue).toBe(p.name);
      expect(s.margin.preset).toBe(p.name);
      expect(s.margin.tiers).toEqual(p.tiers);
      expect(s.margin.maintenanceAt).toBe(p.conventions.maintenanceAt);
      expect(s.liquidation.engine).toBe(d.engine);
      expect(d.feeRate, "every preset states its liquidation fee").toBeDefined();
      expect(s.liquidation.feeRate).toBeCloseTo(d.feeRate!, 12);
      expect(s.liquidation.fee).toBeUndefined();
      expect(s.adl.ranking).toBe(d.ranking);
      expect(s.adl.price).toBe(d.price);
      expect(s.adl.trigger).toEqual(d.trigger);
      // a venue whose mark is an external oracle brings it; the exchanges' blended marks leave the scenario's
      expect(s.market.mark).toEqual(d.mark ?? crash.market.mark);
      // only the blocks of the venue's engine
      if (d.engine !== "partial" && d.engine !== "backstop") expect(s.liquidation.partial).toBeUndefined();
      if (d.engine !== "backstop") expect(s.liquidation.backstop).toBeUndefined();
      if (d.engine !== "dutch-auction") expect(s.liquidation.auction).toBeUndefined();
      if (d.engine !== "close-factor") expect(s.liquidation.closeFactor).toBeUndefined();
    });

    it(`${p.name}: a warning for each key of the scenario file it overrides, and none for the others`, () => {
      const d = designOf(p);
      const s = withVenue(p);
      const expected: string[] = [];
      const check = (path: string, scenario: unknown, venue: unknown) => {
        if (JSON.stringify(scenario) !== JSON.stringify(venue))
          expected.push(`venue ${p.name} overrides ${path} (scenario ${formatValue(scenario)}, venue ${formatValue(venue)})`);
      };
      check("margin.preset", crash.margin.preset, p.name);
      check("liquidation.engine", crash.liquidation.engine, d.engine);
      check("liquidation.feeRate", crash.liquidation.feeRate, s.liquidation.feeRate);
      check("adl.ranking", crash.adl.ranking, d.ranking);
      if (d.mark) check("market.mark.model", crash.market.mark.model, d.mark.model);
      expect(s.venueWarnings ?? []).toEqual(expected);
    });
  }

  it("a scenario that already states the venue's values gets no warning at all", () => {
    const file = { ...crash, venue: "binance-usdm-btcusdt", liquidation: { ...crash.liquidation, feeRate: 0.0125 } };
    const s = resolveScenario(file, process.cwd()).scenario;
    expect(s.liquidation.feeRate).toBe(0.0125);
    expect(s.venueWarnings).toBeUndefined();
  });

  it("a scenario key the venue has none of is dropped with a warning naming it", () => {
    const file = {
      ...crash,
      venue: "binance-usdm-btcusdt",
      liquidation: { ...crash.liquidation, engine: "partial", partial: { threshold: 5e4 } },
      adl: { ranking: "pnl-leverage", trigger: { fundDrawdown: 0.5 } },
    };
    const s = resolveScenario(file, process.cwd()).scenario;
    expect(s.liquidation.engine).toBe("market");
    expect(s.liquidation.partial).toBeUndefined();
    expect(s.adl.trigger).toBeUndefined();
    expect(s.venueWarnings).toEqual([
      'venue binance-usdm-btcusdt overrides liquidation.engine (scenario "partial", venue "market")',
      "venue binance-usdm-btcusdt overrides liquidation.feeRate (scenario 0.005, venue 0.0125)",
      'venue binance-usdm-btcusdt drops liquidation.partial (scenario {"threshold":50000}): engine market has none',
      'venue binance-usdm-btcusdt drops adl.trigger (scenario {"fundDrawdown":0.5}): the venue deleverages once its fund is empty',
    ]);
  });
});

describe("precedence: the scenario file < the venue < --set", () => {
  const hl = listPresets().find((p) => p.name === "hyperliquid-btc")!;

  it("a key given with --set wins over the venue's, and its warning is not raised", () => {
    const s = withVenue(hl, ["liquidation.feeRate=0.001", "liquidation.partial.duringCooldown=wait"]);
    expect(s.liquidation.feeRate).toBe(0.001);
    expect(s.liquidation.partial?.duringCooldown).toBe("wait");
    expect(s.liquidation.engine).toBe("backstop");
    expect((s.venueWarnings ?? []).filter((w) => w.includes("feeRate"))).toEqual([]);
  });

  it("--set KEY=null removes the file's key and the venue's value applies", () => {
    const s = withVenue(hl, ["liquidation.engine=null", "liquidation.feeRate=null"]);
    expect(s.liquidation.engine).toBe("backstop");
    expect(s.liquidation.feeRate).toBe(0);
    expect(s.venueWarnings).toEqual([
      'venue hyperliquid-btc overrides margin.preset (scenario "binance-usdm-btcusdt", venue "hyperliquid-btc")',
      'venue hyperliquid-btc overrides adl.ranking (scenario "pnl-leverage", venue "hyperliquid")',
    ]);
  });

  it("an engine given with --set drops the venue's engine blocks it cannot use, saying so", () => {
    const s = withVenue(hl, ["liquidation.engine=market"]);
    expect(s.liquidation.engine).toBe("market");
    expect(s.liquidation.partial).toBeUndefined();
    expect(s.liquidation.backstop).toBeUndefined();
    expect(s.venueWarnings).toContain(
      'venue hyperliquid-btc: liquidation.engine "market" was given for this run; the venue\'s liquidation.backstop does not apply to it and is dropped',
    );
  });

  it("the order of --set pairs does not matter: venue last still leaves the other keys given", () => {
    const a = loadScenario(undefined, ["liquidation.feeRate=0.002", "venue=hyperliquid-btc"]).scenario;
    const b = loadScenario(undefined, ["venue=hyperliquid-btc", "liquidation.feeRate=0.002"]).scenario;
    expect(a).toEqual(b);
    expect(a.liquidation.feeRate).toBe(0.002);
  });

  it("ADL's price reaches the engines' parameter block: 1 at the mark (Hyperliquid), 0 at bankruptcy (Binance)", () => {
    expect(buildSetup(loadScenario(undefined, ["venue=hyperliquid-btc"])).params[P.adlPrice]).toBe(1);
    expect(buildSetup(loadScenario(undefined, ["venue=binance-usdm-btcusdt"])).params[P.adlPrice]).toBe(0);
    expect(buildSetup(loadScenario(undefined, [])).params[P.adlPrice]).toBe(0);
  });
});

describe("the warnings reach stderr and summary.json, and the run records the design that ran", () => {
  it("cascade run --set venue=hyperliquid-btc", async () => {
    const out = join(work, "hl");
    let stdout = "";
    let stderr = "";
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
    const sets = ["--set", "venue=hyperliquid-btc", "--set", "accounts.count=500", "--set", "liquidation.maxRoundsPerStep=200"];
    const code = await main(["run", ...sets, "--paths", "30", "--threads", "1", "--quiet", "--json", "--out", out], io);
    expect(code, stderr).toBe(0);
    expect(stdout).not.toBe("");
    const line = "warning: venue hyperliquid-btc overrides liquidation.feeRate (scenario 0.005, venue 0)";
    expect(stderr.split("\n")).toContain(line);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.warnings).toContain(line.slice("warning: ".length));
    expect(summary.scenario.venue).toBe("hyperliquid-btc");
    expect(summary.scenario.liquidation.engine).toBe("backstop");
    expect(summary.scenario.liquidation.feeRate).toBe(0);
    expect(summary.scenario.adl).toEqual({ ranking: "hyperliquid", price: "mark" });
    expect(summary.scenario.margin.tiers).toHaveLength(2);
    // the recorded design stands on its own: verify reruns it without applying the venue again
    const report = await verifyRun(out, { sample: 3 });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });
});

describe("a venue that cannot apply to the population is refused", () => {
  it("Maker vaults are long collateral only: one line naming the key, exit 2", async () => {
    expect(problemsOf(() => loadScenario(undefined, ["venue=maker-eth-b"]))).toEqual([
      "venue maker-eth-b: vaults are long collateral only; set accounts.longShare: 1 (received 0.6)",
    ]);
    let stderr = "";
    const code = await main(["validate", DEFAULT_SCENARIO_FILE, "--set", "venue=maker-eth-b"], {
      stdout: { write: () => {} },
      stderr: { write: (t: string) => (stderr += t) },
    });
    expect(code).toBe(2);
    expect(stderr).toBe("error: venue maker-eth-b: vaults are long collateral only; set accounts.longShare: 1 (received 0.6)\n");
  });

  it("Aave too, and a positions file with shorts is refused by its count of shorts", () => {
    expect(problemsOf(() => loadScenario(undefined, ["venue=aave-v3-eth", "accounts.longShare=0.99"]))).toEqual([
      "venue aave-v3-eth: a WETH-collateral, stablecoin-debt position is a long; set accounts.longShare: 1 (received 0.99)",
    ]);
    const file = join(work, "positions.csv");
    const rows = [
      "account,side,size,entryPrice,collateral",
      "a,long,1,30000,6000",
      "b,short,1,30000,6000",
      "c,short,2,30000,6000",
    ];
    writeFileSync(file, `${rows.join("\n")}\n`);
    expect(problemsOf(() => loadScenario(undefined, ["venue=maker-eth-b", `accounts.positionsFile=${file}`]))).toEqual([
      "venue maker-eth-b: vaults are long collateral only; accounts.positionsFile must hold longs only (received 2 short positions)",
    ]);
  });

  it("Maker's OSM: the oracle mark, one hour behind", () => {
    const s = loadScenario(undefined, ["venue=maker-eth-b", "accounts.longShare=1"]).scenario;
    expect(s.market.mark).toEqual({ model: "oracle", oracleLagSeconds: 3600 });
    expect(buildSetup({ scenario: s }).params[P.oracleLag]).toBe(60);
  });
});

// ---- liquidation.partial.duringCooldown ----

/** Large longs (20+ units at 10× and more) into a −20% drop at step 2 that they stay under; a 3-step cooldown. */
function cooldownScenario(duringCooldown: "wait" | "full", engine: "partial" | "backstop" = "partial"): ScenarioInputs {
  const base = baseScenario();
  const scenario: Scenario = {
    ...base,
    paths: 1,
    steps: 20,
    market: crashMarket(30_000),
    margin: { mode: "isolated", tiers: [{ floor: 0, mmr: 0.005, maintenanceAmount: 0 }] },
    liquidation: {
      engine,
      feeRate: 0.005,
      maxRoundsPerStep: 1000,
      partial: { threshold: 100_000, fraction: 0.2, cooldownSeconds: 180, duringCooldown },
      ...(engine === "backstop"
        ? { backstop: { equityFractionOfMaintenance: 2 / 3, vaultCapital: 1e6, unwindHalfLifeSeconds: 400 } }
        : {}),
    },
    insurance: { initialBalance: 50_000 },
  };
  const positions: PositionRow[] = [];
  for (let i = 0; i < 4; i++)
    positions.push({
      account: `big${i}`,
      side: "long",
      size: 20 + i,
      entryPrice: 30_000,
      collateral: ((20 + i) * 30_000) / (10 + i),
    });
  for (let i = 0; i < 4; i++)
    positions.push({ account: `small${i}`, side: "long", size: 1, entryPrice: 30_000, collateral: 30_000 / (5 + i) });
  positions.push({ account: "short0", side: "short", size: 2, entryPrice: 30_000, collateral: 30_000 / 4 });
  return { scenario, positions };
}

describe("liquidation.partial.duringCooldown (Hyperliquid: the whole position while cooling down)", () => {
  it("wait: a sliced account under water is left alone until its cooldown ends; full: it goes whole in a later round", () => {
    const sliceThenWhole = (inputs: ScenarioInputs) => {
      const o = observe(inputs);
      const lastSlice = new Map<number, { step: number; round: number }>();
      let wholeInCooldown = 0;
      for (const e of o.liquidations) {
        const last = lastSlice.get(e.account);
        if (last !== undefined && e.step - last.step < 3) {
          // only the whole rest, and never in the round of the slice
          expect(e.whole, `account ${e.account} at step ${e.step}`).toBe(true);
          expect(e.step > last.step || e.round > last.round).toBe(true);
          wholeInCooldown++;
        }
        if (!e.whole) lastSlice.set(e.account, { step: e.step, round: e.round });
      }
      return { o, wholeInCooldown, slices: [...lastSlice.keys()].length };
    };
    const wait = sliceThenWhole(cooldownScenario("wait"));
    const full = sliceThenWhole(cooldownScenario("full"));
    expect(wait.slices).toBeGreaterThan(0);
    expect(wait.wholeInCooldown, "wait: nothing happens to a sliced account within its cooldown").toBe(0);
    expect(full.wholeInCooldown, "full: sliced accounts still under water go whole within the cooldown").toBeGreaterThan(0);
    expect(firstDifference(wait.o.records, full.o.records), "the two options run differently").not.toBe(-1);
  });

  for (const engine of ["partial", "backstop"] as const) {
    for (const mode of ["wait", "full"] as const) {
      it(`${engine}, ${mode}: the WASM kernel (release and debug) gives the reference's records bit for bit`, () => {
        expectBitIdentical(cooldownScenario(mode, engine));
      });
    }
  }

  it("the Hyperliquid venue on a population (backstop, tiers, Hyperliquid ADL): both engines agree, and full differs from wait", () => {
    // a drop shallow enough that large accounts cross between 2/3 of maintenance and maintenance: sliced, not vaulted
    const sets = [
      "venue=hyperliquid-btc",
      "paths=6",
      "accounts.count=10000",
      "market.price.shocks=[{step: 10, return: -0.03}]",
      "insurance.initialBalance=20000",
    ];
    const full = loadScenario(undefined, sets);
    const wait = loadScenario(undefined, [...sets, "liquidation.partial.duringCooldown=wait"]);
    for (const inputs of [full, wait]) {
      const ts = runReference(inputs, 6);
      for (const build of ["release", "debug"] as const) expect(firstDifference(ts, runWasm(inputs, 6, build)), build).toBe(-1);
    }
    expect(firstDifference(runReference(full, 6), runReference(wait, 6))).not.toBe(-1);
  });

  it("absent means wait, bit for bit", () => {
    const absent = cooldownScenario("wait");
    delete absent.scenario.liquidation.partial!.duringCooldown;
    expect(firstDifference(runReference(absent, 1), runReference(cooldownScenario("wait"), 1))).toBe(-1);
  });

  it("is refused with margin.model: the scan engine only waits", () => {
    expect(problemsOf(() => loadScenario(undefined, ["venue=hyperliquid-btc", "margin.model=tiers"]))).toEqual([
      'liquidation.partial.duringCooldown must be wait with margin.model (the scan engine) (received full with margin.model "tiers")',
    ]);
  });
});

// ---- liquidation.auction.hole ----

/** Three 1-unit longs at 1000 with 100 of collateral (a debt of 900 each), kicked together by a −20% drop at step 2. */
function holeScenario(hole: number | undefined, capitalPerSecond: number): ScenarioInputs {
  const long = (account: string): PositionRow => ({ account, side: "long", size: 1, entryPrice: START, collateral: 100 });
  const inputs = flatScenario({
    steps: 20,
    shocks: [{ step: 2, return: -0.2 }],
    positions: [long("a"), long("b"), long("c")],
    insurance: 1000,
  });
  inputs.scenario.liquidation = {
    ...inputs.scenario.liquidation,
    engine: "dutch-auction",
    auction: {
      curve: "linear",
      tau: 600,
      cut: 0.9,
      stepSeconds: 60,
      buf: 1.2,
      tailSeconds: 3000,
      cusp: 1e-9,
      tip: 0,
      chip: 0,
      keepers: { capitalPerSecond, minProfit: 0 },
      ...(hole !== undefined ? { hole } : {}),
    },
  };
  return inputs;
}

describe("liquidation.auction.hole (Maker's Dog: the most debt in auctions at once)", () => {
  it("without keepers, a hole of one vault's debt leaves one auction running and the others waiting", () => {
    const capped = observe(holeScenario(1000, 0));
    const free = observe(holeScenario(undefined, 0));
    expect(free.records[METRIC.liquidations]).toBe(3);
    expect(capped.records[METRIC.liquidations]).toBe(1);
    expect(new Set(capped.auctions.map((e) => e.account))).toEqual(new Set([0]));
    // two vaults' debt (1,800) fit under 2,000: the third waits
    expect(observe(holeScenario(2000, 0)).records[METRIC.liquidations]).toBe(2);
  });

  it("with keepers, the next vault is kicked once the first auction is done: one at a time, all three in the end", () => {
    const o = observe(holeScenario(1000, 1000));
    const steps = (j: number) => o.auctions.filter((e) => e.account === j).map((e) => e.step);
    expect(o.records[METRIC.liquidations]).toBe(3);
    for (const j of [1, 2])
      expect(Math.min(...steps(j)), `vault ${j} waits for vault ${j - 1}`).toBeGreaterThan(Math.max(...steps(j - 1)));
  });

  it("a debt larger than the hole is kicked into an empty auction house", () => {
    expect(observe(holeScenario(100, 0)).records[METRIC.liquidations]).toBe(1);
  });

  for (const [hole, capital] of [
    [1000, 0],
    [1000, 1000],
    [2000, 1000],
    [undefined, 1000],
  ] as const) {
    it(`hole ${hole ?? "absent"}, keepers ${capital}/s: both engines bit for bit`, () =>
      expectBitIdentical(holeScenario(hole, capital)));
  }

  it("the Maker venue maps the Dog's hole and Hole to a cap on debt: min(hole, Hole) / chop", () => {
    const maker = listPresets().find((p) => p.name === "maker-eth-b")!;
    const a = maker.liquidation!.auction!;
    const s = loadScenario(undefined, ["venue=maker-eth-b", "accounts.longShare=1"]).scenario;
    expect(s.liquidation.auction?.hole).toBe(Math.min(a.hole, a.Hole) / a.chop);
  });
});
