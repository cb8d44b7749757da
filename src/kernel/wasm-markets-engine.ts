// Placeholder until the several-market kernel engine is merged (phase B1 of #14): the integrator replaces this file
// with the real WasmMarketsEngine (same interface as WasmEngine).
import type { FanBinSink, FanSink } from "../engine/fan.js";
import type { MarketsSetup } from "../engine/markets-setup.js";

export class WasmMarketsEngine {
  constructor(_setup: MarketsSetup, _options: { module?: WebAssembly.Module; batch?: number } = {}) {
    throw new Error("several markets: engine not merged yet");
  }
  prepare(_seedLo: number, _seedHi: number): void {}
  enableFan(_on = true, _binned?: FanBinSink): void {}
  flushFan(_fan: FanBinSink): void {}
  runPaths(_first: number, _count: number, _out: Float64Array, _fan?: FanSink): void {}
}
