// Several markets in one kernel (assembly/market-context.ts): each market-scoped module saves and loads its globals
// when the step loop switches market. A global added to such a module and left out of its saveContext would leak
// one market's state into the next without any record test noticing at once; this test reads the kernel's sources
// and fails naming it. What is deliberately not switched is listed here with the reason.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ASSEMBLY = join(import.meta.dirname, "../../assembly");

/** Globals of switched modules that belong to the venue or the run, not to a market, or that live within one call. */
const NOT_SWITCHED: Record<string, { names: string[]; why: string }> = {
  state: { names: ["records", "ledger", "capBatch", "initialised"], why: "the run's record and ledger regions" },
  "path-state": { names: ["seedLo", "seedHi", "path"], why: "the run's seed and the path being run" },
  ledger: {
    names: [
      "insuranceCap",
      "floorKeep",
      "insurance",
      "insuranceMin",
      "insurancePeak",
      "treasury",
      "makers",
      "badDebt",
      "vaultCash",
      "liquidatedPnl",
      "adlPnl",
      "adlTransfer",
      "keepersPnl",
      "feesPaid",
      "shortfall",
      "flowPnl",
      "arrivalsIn",
    ],
    why: "the venue's one fund and ledger",
  },
  fan: {
    names: [
      "samples",
      "perSample",
      "capSamples",
      "every",
      "count",
      "at",
      "row",
      "capBatch",
      "binParams",
      "binning",
      "winLo",
      "winCounts",
      "out",
      "zeros",
      "stats",
      "spillLen",
    ],
    why: "the fan charts' regions and batch (one sample per path: market 0's series, every market's mark)",
  },
  population: { names: ["arrivalLong", "arrivalNotional", "arrivalRaw"], why: "one arrival's draw, within one call" },
  adl: {
    names: ["legsOn", "rankLegs", "legLive", "legSize", "legEntry", "legTaken", "legsInProfit", "legsHaircut"],
    why: "the cross-margin owners' hooks (owner-adl.ts binds them once per run): one set for the venue, each reading the market selected",
  },
};

/** Kernel modules with globals that are never switched. */
const UNSWITCHED_MODULES: Record<string, string> = {
  "mechanisms/market": "`walked`: one walk's fill, within one call",
  trace: "--trace runs one market (several markets are traced by the reference engine)",
  index: "the run's seed",
  rng: "one draw's words, within one call",
  "market-context": "the switch itself",
  markets: "the several-market step loop",
  "cross-margin": "the venue's owners: one set across every market",
  "cross-liquidation":
    "the venue's owners' cooldowns, resized list and collateral sales; its per-market blocked steps are copies",
  "market-marks": "every market's mark in one array, the venue's",
  "cross-requirement": "every market's model constants, tiers and state in per-market arrays, read without switching",
  "owner-adl": "the venue's owners' legs indexed by market (bound once per run) and socialize's legs within one call",
  bench: "benchmark probes",
};

function moduleName(file: string): string {
  return relative(ASSEMBLY, file).replace(/\.ts$/, "");
}

function kernelFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "orderbook" ? [] : kernelFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

const globalsOf = (source: string): string[] => [...source.matchAll(/^(?:export )?let (\w+)/gm)].map((m) => m[1]);
const bodyOf = (source: string, fn: string): string =>
  source.match(new RegExp(`export function ${fn}\\(b: usize\\): void \\{([\\s\\S]*?)\\n\\}`))?.[1] ?? "";

describe("the kernel's market contexts", () => {
  const context = readFileSync(join(ASSEMBLY, "market-context.ts"), "utf8");
  const switched = [...context.matchAll(/^import \* as \w+ from "\.\/([\w/-]+)";/gm)].map((m) => m[1]);

  it("switches every module that holds a market's globals, and only those", () => {
    expect(switched.length).toBeGreaterThan(10);
    for (const file of kernelFiles(ASSEMBLY)) {
      const name = moduleName(file);
      if (globalsOf(readFileSync(file, "utf8")).length === 0 || name === "abi") continue;
      expect(switched.includes(name) || name in UNSWITCHED_MODULES, `${name} has globals: switch it or say why not`).toBe(true);
    }
  });

  it.each(switchedModules())("%s saves and loads every global a market owns", (name) => {
    const source = readFileSync(join(ASSEMBLY, `${name}.ts`), "utf8");
    const save = bodyOf(source, "saveContext");
    const load = bodyOf(source, "loadContext");
    expect(save, "saveContext").not.toBe("");
    const kept = NOT_SWITCHED[name]?.names ?? [];
    for (const global of globalsOf(source)) {
      if (kept.includes(global)) continue;
      const word = new RegExp(`\\b${global}\\b`);
      expect(word.test(save), `${name}.${global} is not saved`).toBe(true);
      expect(word.test(load), `${name}.${global} is not loaded`).toBe(true);
    }
    // the venue-wide names listed above still exist (a stale list hides nothing)
    for (const global of kept) expect(globalsOf(source), `${name}: ${global} is listed but gone`).toContain(global);
  });

  function switchedModules(): string[] {
    const text = readFileSync(join(ASSEMBLY, "market-context.ts"), "utf8");
    return [...text.matchAll(/^import \* as \w+ from "\.\/([\w/-]+)";/gm)].map((m) => m[1]);
  }
});
