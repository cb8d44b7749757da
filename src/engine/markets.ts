// Placeholder until the several-market reference engine is merged (phase B1 of #14): the integrator replaces this
// file with the real MarketsReferenceEngine (same interface as ReferenceEngine).
import type { FanSink } from "./fan.js";
import type { MarketsSetup } from "./markets-setup.js";

export class MarketsReferenceEngine {
  constructor(_setup: MarketsSetup) {
    throw new Error("several markets: engine not merged yet");
  }
  prepare(_seedLo: number, _seedHi: number): void {}
  enableFan(_on = true): void {}
  runPaths(_first: number, _count: number, _out: Float64Array, _fan?: FanSink): void {}
}
