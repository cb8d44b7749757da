// A piscina worker of a portfolio run: builds its engine once from workerData (the resolved scenario, and for
// the WASM engine the compiled module, so no worker compiles the kernel again), then runs batches and moves
// each one's packed records (and CSV rows) back to the host as a transferred ArrayBuffer.
import { Piscina } from "piscina";
import { workerData } from "node:worker_threads";
import {
  createPortfolioEngine,
  runPortfolioBatch,
  type PortfolioBatchTask,
  type PortfolioEngineName,
  type PortfolioPathEngine,
} from "./batch.js";
import type { PortfolioScenario } from "./schema.js";

export interface PortfolioWorkerData {
  kind: PortfolioEngineName;
  scenario: PortfolioScenario;
  module?: WebAssembly.Module;
}

export interface PortfolioWorkerTask extends PortfolioBatchTask {
  /** Test hook: the worker thread dies before running this task (fault injection). */
  crash?: boolean;
}

let engine: PortfolioPathEngine | undefined;

export default function run(task: PortfolioWorkerTask): unknown {
  if (task.crash) process.exit(70);
  if (!engine) {
    const data = workerData as PortfolioWorkerData;
    engine = createPortfolioEngine(data.kind, data.scenario, data.module);
  }
  return Piscina.move(runPortfolioBatch(engine, task));
}
