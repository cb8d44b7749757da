// Small hand-checkable scenarios for the venue-mechanism tests (test/engine/venue-mechanisms.test.ts): a flat book on a
// 1-unit tick, no price model, a few shocks, an explicit positions file, and a runner that collects every hook
// of the reference engine for one path.
import { expect } from "vitest";
import type { PositionRow, Scenario, ScenarioInputs, Shock } from "../../src/config/scenario.js";
import { RECORD_STRIDE } from "../../src/engine/metrics.js";
import {
  ReferenceEngine,
  type AuctionEvent,
  type Ledger,
  type LiquidationEvent,
  type SocializedLossEvent,
  type AdlEvent,
} from "../../src/engine/reference.js";
import { buildSetup } from "../../src/engine/setup.js";
import { firstDifference, runReference, runWasm, seedWords } from "./engines.js";
import { baseScenario } from "./scenario.js";

export const START = 1000;
export const TICK = 1;

/**
 * The book's geometry (SPEC: the best bid sits on the fundamental's tick, the best ask one tick above): with an
 * untouched book the mid is (⌊fundamental / tick⌋ + 0.5) × tick. The 1e-7 absorbs the representation error of
 * products like 1000 × 0.93.
 */
export function bestBid(fundamental: number, tick = TICK): number {
  return Math.floor(fundamental / tick + 1e-7) * tick;
}
export function midOf(fundamental: number, tick = TICK): number {
  return bestBid(fundamental, tick) + 0.5 * tick;
}

/** The fundamental after the shocks up to and including `step` (price.model none). */
export function fundamentalAt(step: number, shocks: Shock[], start = START): number {
  let f = start;
  for (let t = 1; t <= step; t++) for (const s of shocks) if (s.step === t) f = f * (1 + s.return);
  return f;
}

export interface FlatOptions {
  steps?: number;
  shocks: Shock[];
  /** Units per level on both sides. */
  depth?: number;
  levels?: number;
  /** Seconds for the displacement sales leave in the book to halve (Infinity: it stays), with no permanent share. */
  impactHalfLife?: number;
  mmr?: number;
  insurance?: number;
  positions: PositionRow[];
}

/** price.model none, a flat book of `depth` per level on a 1-unit tick, one maintenance tier, the positions given. */
export function flatScenario(o: FlatOptions): ScenarioInputs {
  const base = baseScenario();
  const scenario: Scenario = {
    ...base,
    paths: 1,
    steps: o.steps ?? 10,
    stepSeconds: 60,
    market: {
      ...base.market,
      initialPrice: START,
      tickSize: TICK,
      price: { model: "none", volatility: 0, drift: 0, jumps: { intensity: 0, meanLog: 0, stdLog: 0 }, shocks: o.shocks },
      book: {
        levels: o.levels ?? 400,
        depth: { profile: "flat", size: o.depth ?? 1000, decayTicks: 300, exponent: 0.5, saturationTicks: 1 },
      },
      impact: { halfLifeSeconds: o.impactHalfLife ?? 810.6, permanentShare: 0 },
      mark: { model: "last" },
    },
    margin: { mode: "isolated", tiers: [{ floor: 0, mmr: o.mmr ?? 0.05, maintenanceAmount: 0 }] },
    liquidation: { engine: "market", feeRate: 0, maxRoundsPerStep: 1000 },
    insurance: { initialBalance: o.insurance ?? 0 },
    adl: { ranking: "none" },
  };
  return { scenario, positions: o.positions };
}

export interface Observed {
  engine: ReferenceEngine;
  records: Float64Array;
  ledgers: Ledger[];
  liquidations: LiquidationEvent[];
  auctions: AuctionEvent[];
  socialized: SocializedLossEvent[];
  adl: AdlEvent[];
}

/** One path of the reference engine with every hook recorded. */
export function observe(inputs: ScenarioInputs): Observed {
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(...seedWords(inputs.scenario.seed));
  const o: Observed = {
    engine,
    records: new Float64Array(RECORD_STRIDE),
    ledgers: [],
    liquidations: [],
    auctions: [],
    socialized: [],
    adl: [],
  };
  engine.onStep = (l) => o.ledgers.push(l);
  engine.onLiquidation = (e) => o.liquidations.push(e);
  engine.onAuction = (e) => o.auctions.push(e);
  engine.onSocializedLoss = (e) => o.socialized.push(e);
  engine.onAdl = (e) => o.adl.push(e);
  engine.runPaths(0, 1, o.records);
  return o;
}

/** The WASM kernel (release and debug) gives the reference's records bit for bit. */
export function expectBitIdentical(inputs: ScenarioInputs, paths = 1): void {
  const ts = runReference(inputs, paths);
  for (const build of ["release", "debug"] as const)
    expect(firstDifference(ts, runWasm(inputs, paths, build)), `${build}: first differing slot`).toBe(-1);
}

/** |a − b| ≤ tol × max(1, |b|). */
export function expectClose(a: number, b: number, message?: string, tol = 1e-12): void {
  expect(Math.abs(a - b), `${message ?? ""} (${a} vs ${b})`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
}
