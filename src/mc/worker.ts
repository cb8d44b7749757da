// A piscina worker: builds its engine once from workerData (the compiled WebAssembly.Module travels in it,
// so no worker compiles the kernel again), then runs batches and moves their packed results back.
import { Piscina } from "piscina";
import { workerData } from "node:worker_threads";
import { createEngine, runBatch, type BatchTask, type ColumnTarget, type EngineKind, type PathEngine } from "./batch.js";
import type { RunSetup } from "../engine/markets-setup.js";
import type { FanLayout } from "../stats/fan.js";

export interface WorkerData {
  kind: EngineKind;
  /** One market's setup, or several markets' (createEngine picks the engine). */
  setup: RunSetup;
  seed: number;
  module?: WebAssembly.Module;
  /** The run's metric columns (SharedArrayBuffers, in the record's order) and the path at their start. */
  columns?: { buffers: SharedArrayBuffer[]; firstPath: number };
  /** The run's fan charts (src/stats/fan.ts): each batch's histograms come back with its records. */
  fan?: FanLayout;
}

export interface WorkerTask extends BatchTask {
  /** Test hook: the worker thread dies before running this task (fault injection). */
  crash?: boolean;
}

let engine: PathEngine | undefined;
let target: ColumnTarget | undefined;

export default function run(task: WorkerTask): unknown {
  if (task.crash) process.exit(70);
  if (!engine) {
    const data = workerData as WorkerData;
    engine = createEngine(data.kind, data.setup, data.seed, data.module, data.fan);
    if (data.columns)
      target = { columns: data.columns.buffers.map((b) => new Float64Array(b)), firstPath: data.columns.firstPath };
  }
  return Piscina.move(runBatch(engine, task, target));
}
