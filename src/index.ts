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
export type { EngineSetup } from "./engine/setup.js";
export { VERSION } from "./version.js";
