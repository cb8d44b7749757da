// `venue: NAME`: a preset's whole design (tiers, engine and its parameters, fee, ADL ranking) as scenario keys, over
// the scenario's own keys (test/config/venue-resolution.test.ts: precedence and warnings). Expected values are read from the
// preset files themselves.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { resolveScenario } from "../../src/config/load.js";
import { PRESETS_DIR } from "../../src/config/presets.js";
import { loadSweep } from "../../src/sweep/load.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const presetFile = (name: string): any => YAML.parse(readFileSync(join(PRESETS_DIR, `${name}.yaml`), "utf8"));
const resolve = (raw: object) => resolveScenario(raw, process.cwd()).scenario;
// the lending venues apply to longs only
const LONGS = { accounts: { longShare: 1 } };

describe("venue: a preset's design as scenario keys", () => {
  it("hyperliquid-btc: slices of 20% above 100k on the book, the vault below 2/3 of maintenance, Hyperliquid's ADL ranking", () => {
    const file = presetFile("hyperliquid-btc");
    const s = resolve({ venue: "hyperliquid-btc", stepSeconds: 10 });
    expect(s.liquidation.engine).toBe("backstop");
    expect(s.liquidation.partial).toEqual({
      threshold: file.liquidation.partial.minNotional,
      fraction: file.liquidation.partial.fraction,
      cooldownSeconds: file.liquidation.partial.cooldownSeconds, // 30 s: 3 steps of 10 s in the engines
      duringCooldown: "full",
    });
    expect(s.liquidation.backstop?.equityFractionOfMaintenance).toBe(file.liquidation.backstop.equityFractionOfMaintenance);
    expect(s.liquidation.backstop?.vaultCapital).toBe(file.liquidation.backstop.vaultCapital);
    expect(s.liquidation.feeRate).toBe(0);
    expect(s.adl.price).toBe("mark");
    expect(s.adl.ranking).toBe("hyperliquid");
    expect(s.margin.preset).toBe("hyperliquid-btc");
    expect(s.margin.tiers).toEqual(file.tiers);
  });

  it("aave-v3-eth: close factor, bonus = liquidationBonus − 1, protocol fee, no separate liquidation fee", () => {
    const cf = presetFile("aave-v3-eth").liquidation.closeFactor;
    const s = resolve({ venue: "aave-v3-eth", ...LONGS });
    expect(s.liquidation.engine).toBe("close-factor");
    expect(s.liquidation.closeFactor).toEqual({
      closeFactor: cf.defaultCloseFactor,
      fullCloseHealthFactor: cf.fullCloseHealthFactor,
      bonus: Number((cf.liquidationBonus - 1).toPrecision(12)),
      protocolFeeOfBonus: cf.protocolFeeOfBonus,
      minDebtForCloseFactor: cf.minBaseForCloseFactor,
    });
    expect(s.liquidation.feeRate).toBe(0);
    expect(s.adl.ranking).toBe("none");
  });

  it("maker-eth-b: a stairstep Clipper auction with its buf, tail, cusp, tip and chip; chop − 1 as the fee", () => {
    const a = presetFile("maker-eth-b").liquidation.auction;
    const s = resolve({ venue: "maker-eth-b", ...LONGS });
    expect(s.liquidation.engine).toBe("dutch-auction");
    expect(s.liquidation.auction).toMatchObject({
      curve: "stairstep",
      cut: a.curve.cut,
      stepSeconds: a.curve.step,
      buf: a.buf,
      tailSeconds: a.tail,
      cusp: a.cusp,
      tip: a.tip,
      chip: a.chip,
    });
    expect(s.liquidation.feeRate).toBeCloseTo(a.chop - 1, 15);
  });

  it("dydx-v4-btc-usd: the market engine with its flat fee and random ADL", () => {
    const fee = presetFile("dydx-v4-btc-usd").liquidation.fee;
    const s = resolve({ venue: "dydx-v4-btc-usd" });
    expect(s.liquidation.engine).toBe("market");
    expect(s.liquidation.feeRate).toBe(fee.rate);
    expect(s.adl.ranking).toBe("random");
  });

  it("the venue's keys win over the scenario's; a named engine's blocks give way to the venue's", () => {
    const s = resolve({
      venue: "hyperliquid-btc",
      liquidation: { engine: "market" },
      adl: { ranking: "none" },
      margin: { tiers: [{ floor: 0, mmr: 0.01, maintenanceAmount: 0 }] },
    });
    expect(s.liquidation.engine).toBe("backstop");
    expect(s.liquidation.partial?.duringCooldown).toBe("full");
    expect(s.adl.ranking).toBe("hyperliquid");
    expect(s.margin.preset).toBe("hyperliquid-btc");
    expect(s.margin.tiers).toEqual(presetFile("hyperliquid-btc").tiers);
    expect(s.venueWarnings).toEqual([
      'venue hyperliquid-btc drops margin.tiers (scenario [{"floor":0,"mmr":0.01,"maintenanceAmount":0}]): the venue\'s tiers replace them',
      'venue hyperliquid-btc overrides liquidation.engine (scenario "market", venue "backstop")',
      'venue hyperliquid-btc overrides adl.ranking (scenario "none", venue "hyperliquid")',
    ]);
  });

  it("an unknown venue is one problem line naming the key and the presets", () => {
    let problems: string[] = [];
    try {
      resolve({ venue: "ftx" });
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      problems = (err as InputError).problems;
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^venue must be one of .*hyperliquid-btc.* \(received "ftx"\)$/);
  });

  it("examples/venue-comparison.yaml resolves every point to its venue's engine on the same crash", () => {
    const sweep = loadSweep("examples/venue-comparison.yaml", []);
    const engines = sweep.points.map((p) => resolveScenario(p.raw, sweep.baseDir).scenario.liquidation.engine);
    expect(engines).toEqual(["market", "market", "partial", "backstop", "market"]);
  });
});
