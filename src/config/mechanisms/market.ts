// engine `market`: every account across its liquidation price is closed whole by a market order on the book (the
// default). It has no block of its own and no parameter slots beyond the engine's; with a flat fee, no ADL ranking
// and the ladder it keeps the batched rounds (src/engine/setup.ts decides P.perAccount).
import type { LiquidationMechanism } from "./mechanism.js";

export const market = {
  engine: "market",
  presetSections: [],
  writeParams() {},
  fromPreset: () => undefined,
} as const satisfies LiquidationMechanism;
