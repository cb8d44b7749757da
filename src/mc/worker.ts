// A piscina worker: builds its engine once from workerData (the compiled WebAssembly.Module travels in it,
// so no worker compiles the kernel again), then runs batches and moves their packed results back.
import { Piscina } from "piscina";
import { workerData } from "node:worker_threads";
import { createEngine, runBatch, type BatchTask, type EngineKind, type PathEngine } from "./batch.js";
import type { EngineSetup } from "../engine/setup.js";

export interface WorkerData {
  kind: EngineKind;
  setup: EngineSetup;
  seed: number;
  module?: WebAssembly.Module;
}

export interface WorkerTask extends BatchTask {
  /** Test hook: the worker thread dies before running this task (fault injection). */
  crash?: boolean;
}

let engine: PathEngine | undefined;

export default function run(task: WorkerTask): unknown {
  if (task.crash) process.exit(70);
  if (!engine) {
    const data = workerData as WorkerData;
    engine = createEngine(data.kind, data.setup, data.seed, data.module);
  }
  return Piscina.move(runBatch(engine, task));
}
