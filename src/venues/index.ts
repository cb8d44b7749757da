// Venue liquidation mechanisms as pure TypeScript: one module per venue formula, each citing its source. The WASM
// kernel mirrors these (same arithmetic, same order); the presets in presets/*.yaml carry their parameters.
export * from "./aave-v3.js";
export * from "./bybit-inverse.js";
export * from "./compound-v2.js";
export * from "./drift.js";
export * from "./dydx.js";
export * from "./hyperliquid.js";
export * from "./liquidation-fee.js";
export * from "./maker.js";
export * from "./okx.js";
export * from "./partial.js";
export * from "./phemex-linear.js";
export * from "./schema.js";
