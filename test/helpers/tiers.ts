import type { Tier } from "../../src/config/scenario.js";

// Binance USDⓈ-M BTCUSDT legacy brackets (test/fixtures/public/public-examples.json binance_usdm_btc_brackets_legacy)
export const BINANCE_TIERS: Tier[] = [
  [0, 0.004, 0],
  [50000, 0.005, 50],
  [250000, 0.01, 1300],
  [1000000, 0.025, 16300],
  [5000000, 0.05, 141300],
  [20000000, 0.1, 1141300],
  [50000000, 0.125, 2391300],
  [100000000, 0.15, 4891300],
  [200000000, 0.25, 24891300],
].map(([floor, mmr, maintenanceAmount]) => ({ floor, mmr, maintenanceAmount }));
