// margin-cascade's library API: load a scenario, run its Monte Carlo, read the distribution.
export { loadScenario, resolveScenario, readScenarioFile, applySets } from "./config/load.js";
export { InputError, InternalError } from "./config/errors.js";
export type { Scenario, ScenarioInputs, Tier, PositionRow, BookLevel } from "./config/scenario.js";
export { listPresets, findPreset, listScenarios } from "./config/presets.js";
export { runScenario, scenarioHash } from "./mc/run.js";
export type { RunScenarioOptions, RunResult, Progress, OutputFormat } from "./mc/run.js";
export { computeMargin } from "./margin/calculator.js";
export type { MarginResult } from "./margin/calculator.js";
export { METRIC_NAMES, RECORD_STRIDE } from "./engine/metrics.js";
export type { MetricName } from "./engine/metrics.js";
export type { Summary } from "./report/summary-json.js";
export type { MetricSummary } from "./stats/summary.js";
export { ReferenceEngine } from "./engine/reference.js";
export { WasmEngine } from "./kernel/wasm-engine.js";
export { buildSetup } from "./engine/setup.js";
export {
  MARKET_METRICS,
  buildMarketsSetup,
  recordNames,
  scenarioRecordNames,
  type MarketsSetup,
} from "./engine/markets-setup.js";
export { marketScenarios } from "./config/markets.js";
export type { EngineSetup } from "./engine/setup.js";
export { VERSION } from "./version.js";
export { runSweep } from "./sweep/run.js";
export type { SweepOptions, SweepProgress, SweepResult } from "./sweep/run.js";
export { loadSweep, resolveSweep } from "./sweep/load.js";
export type { ResolvedSweep } from "./sweep/load.js";
export { mergeShards } from "./mc/merge.js";
export { verifyRun } from "./mc/verify.js";
export type { VerifyReport } from "./mc/verify.js";
// several markets and cross margin across them (a scenario's markets: and crossMargin: blocks): the engines and tables
export { MarketsReferenceEngine } from "./engine/markets.js";
export { WasmMarketsEngine } from "./kernel/wasm-markets-engine.js";
export { CROSS_METRICS, buildRunSetup } from "./engine/markets-setup.js";
export { buildCrossTables, type CrossSetup } from "./engine/cross-setup.js";
// oracle manipulation (Mango Markets 2022-10-11): one deterministic attack, and the defences that stop it
export {
  simulateManipulation,
  MANGO_2022_10_11,
  MANGO_2022_10_11_FIGURES,
  parseManipulationConfig,
  OracleFeed,
  StablePrice,
  SpotBook,
} from "./oracle/index.js";
export type { ManipulationConfig, ManipulationConfigInput, ManipulationResult, ManipulationStep } from "./oracle/index.js";
