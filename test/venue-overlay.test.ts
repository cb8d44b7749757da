// `venue: NAME`: a preset's whole design (tiers, engine and its parameters, fee, ADL ranking) as scenario keys,
// under the scenario's own keys. Expected values are read from the preset files themselves.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/config/errors.js";
import { resolveScenario } from "../src/config/load.js";
import { PRESETS_DIR } from "../src/config/presets.js";
import { loadSweep } from "../src/sweep/load.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const presetFile = (name: string): any => YAML.parse(readFileSync(join(PRESETS_DIR, `${name}.yaml`), "utf8"));
const resolve = (raw: object) => resolveScenario(raw, process.cwd()).scenario;

describe("venue: a preset's design as scenario keys", () => {
  it("hyperliquid-btc: slices of 20% above 100k on the book, the vault below 2/3 of maintenance, Hyperliquid's ADL ranking", () => {
    const file = presetFile("hyperliquid-btc");
    const s = resolve({ venue: "hyperliquid-btc", stepSeconds: 10 });
    expect(s.liquidation.engine).toBe("backstop");
    expect(s.liquidation.partial).toEqual({
      threshold: file.liquidation.partial.minNotional,
      fraction: file.liquidation.partial.fraction,
      cooldownSeconds: file.liquidation.partial.cooldownSeconds, // 30 s: 3 steps of 10 s in the engines
    });
    expect(s.liquidation.backstop?.equityFractionOfMaintenance).toBe(file.liquidation.backstop.equityFractionOfMaintenance);
    expect(s.adl.ranking).toBe("hyperliquid");
    expect(s.margin.preset).toBe("hyperliquid-btc");
    expect(s.margin.tiers).toEqual(file.tiers);
  });

  it("aave-v3-eth: close factor, bonus = liquidationBonus − 1, protocol fee, no separate liquidation fee", () => {
    const cf = presetFile("aave-v3-eth").liquidation.closeFactor;
    const s = resolve({ venue: "aave-v3-eth" });
    expect(s.liquidation.engine).toBe("close-factor");
    expect(s.liquidation.closeFactor).toEqual({
      closeFactor: cf.defaultCloseFactor,
      fullCloseHealthFactor: cf.fullCloseHealthFactor,
      bonus: cf.liquidationBonus - 1,
      protocolFeeOfBonus: cf.protocolFeeOfBonus,
      minDebtForCloseFactor: cf.minBaseForCloseFactor,
    });
    expect(s.liquidation.feeRate).toBe(0);
    expect(s.adl.ranking).toBe("none");
  });

  it("maker-eth-b: a stairstep Clipper auction with its buf, tail, cusp, tip and chip; chop − 1 as the fee", () => {
    const a = presetFile("maker-eth-b").liquidation.auction;
    const s = resolve({ venue: "maker-eth-b" });
    expect(s.liquidation.engine).toBe("dutch-auction");
    expect(s.liquidation.auction).toMatchObject({ curve: "stairstep", cut: a.curve.cut, stepSeconds: a.curve.step, buf: a.buf, tailSeconds: a.tail, cusp: a.cusp, tip: a.tip, chip: a.chip });
    expect(s.liquidation.feeRate).toBeCloseTo(a.chop - 1, 15);
  });

  it("dydx-v4-btc-usd: the market engine with its flat fee and random ADL", () => {
    const fee = presetFile("dydx-v4-btc-usd").liquidation.fee;
    const s = resolve({ venue: "dydx-v4-btc-usd" });
    expect(s.liquidation.engine).toBe("market");
    expect(s.liquidation.feeRate).toBe(fee.rate);
    expect(s.adl.ranking).toBe("random");
  });

  it("the scenario's own keys win: a named engine keeps its own blocks, explicit tiers replace the preset's", () => {
    const s = resolve({ venue: "hyperliquid-btc", liquidation: { engine: "market" }, adl: { ranking: "none" }, margin: { tiers: [{ floor: 0, mmr: 0.01, maintenanceAmount: 0 }] } });
    expect(s.liquidation.engine).toBe("market");
    expect(s.liquidation.partial).toBeUndefined();
    expect(s.liquidation.backstop).toBeUndefined();
    expect(s.adl.ranking).toBe("none");
    expect(s.margin.preset).toBeUndefined();
    expect(s.margin.tiers).toEqual([{ floor: 0, mmr: 0.01, maintenanceAmount: 0 }]);
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
