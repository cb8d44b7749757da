// The cross-margin portfolio engine's public API: load a portfolio scenario, run its paths, read the records.
import { PortfolioEngine } from "./engine.js";
import type { PortfolioScenario } from "./schema.js";

export { loadPortfolioScenario, portfolioSchema } from "./schema.js";
export type { PortfolioScenario, PortfolioMarket, PortfolioAsset } from "./schema.js";
export { BASE_METRIC_NAMES, PortfolioEngine, portfolioMetricNames } from "./engine.js";
export type { PortfolioLedger, PortfolioLiquidationEvent } from "./engine.js";
export { cholesky } from "../config/cholesky.js";

export interface PortfolioResult {
  metricNames: string[];
  /** f64 per path record */
  stride: number;
  /** paths × stride, path-major, in path order */
  records: Float64Array;
  /** One metric's values, one per path. */
  column(name: string): Float64Array;
}

/** Runs paths 0..paths−1 (default: the scenario's `paths`) of a resolved scenario on the reference engine. */
export function simulatePortfolio(scenario: PortfolioScenario, paths: number = scenario.paths): PortfolioResult {
  const engine = new PortfolioEngine(scenario);
  const stride = engine.stride;
  const records = new Float64Array(paths * stride);
  engine.runPaths(0, paths, records);
  const metricNames = engine.metricNames;
  return {
    metricNames,
    stride,
    records,
    column(name: string): Float64Array {
      const k = metricNames.indexOf(name);
      if (k < 0) throw new Error(`no metric ${name} (metrics: ${metricNames.join(", ")})`);
      const col = new Float64Array(paths);
      for (let p = 0; p < paths; p++) col[p] = records[p * stride + k];
      return col;
    },
  };
}
