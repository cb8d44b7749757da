// A piscina worker for sweeps whose points are many or small: it runs one whole point (all its paths, or a
// shard's range of them) on its own thread and moves the point's records back, so a sweep pays for starting
// workers once, not per point.
import { Piscina } from "piscina";
import { resolveScenario } from "../config/load.js";
import type { Segment } from "../config/keypath.js";
import { runScenario, type OutputFormat } from "../mc/run.js";
import type { EngineKind } from "../mc/batch.js";
import type { PathRange } from "../mc/plan.js";
import type { Summary } from "../report/summary-json.js";

export interface PointTask {
  /** The point's raw scenario (validated by the host). */
  raw: Record<string, unknown>;
  /** The keys given on top of its base file, which win over a venue's design (SweepPoint.explicit). */
  explicit: Segment[][];
  /** Directory the files it names are relative to. */
  baseDir: string;
  engine: EngineKind;
  /** Where to write the point's summary.json and per-path table (--keep-paths); nothing written when absent. */
  outDir?: string;
  format?: OutputFormat;
  /** Only these paths of the point (a sweep shard's segment); all of them when absent. */
  range?: PathRange;
}

export interface PointTaskResult {
  summary: Summary;
  /** Path-major records of every path, the record's f64 each (recordNames of its scenario). */
  records: Float64Array;
}

/** Runs one point inline on this worker thread; moves its records back without a copy. */
export default async function runPoint(task: PointTask): Promise<unknown> {
  const inputs = resolveScenario(task.raw, task.baseDir, { explicit: task.explicit });
  const result = await runScenario(inputs, {
    inline: true,
    engine: task.engine,
    outDir: task.outDir,
    format: task.format,
    fan: false,
    ...(task.range ? { range: task.range } : {}),
  });
  const records = result.columns.records();
  const value: PointTaskResult = { summary: result.summary, records };
  return Piscina.move({ [Piscina.transferableSymbol]: records.buffer, [Piscina.valueSymbol]: value } as never);
}
