// After a finished run: the selected paths recomputed in trace mode and written beside paths.csv as events.csv and
// steps.csv (events.parquet and steps.parquet with --format parquet). The run's engine recomputes them (a path
// depends only on seed and index), and each traced path's record must be the run's row for it, bit for bit:
// otherwise the trace would describe another path (a bug, reported with its seed and index).
import type { ScenarioInputs } from "../config/scenario.js";
import { InputError, InternalError } from "../config/errors.js";
import { METRIC_NAMES, RECORD_STRIDE } from "../engine/metrics.js";
import { buildSetup } from "../engine/setup.js";
import type { PathTrace } from "../engine/trace.js";
import type { EngineKind } from "../mc/batch.js";
import { lockOutDir } from "../mc/out-dir.js";
import type { PathRange } from "../mc/plan.js";
import type { OutputFormat } from "../mc/run.js";
import { removeEntry, writeAtomic } from "../report/atomic.js";
import type { ColumnSource } from "../stats/columns.js";
import { join } from "node:path";
import { createTracer, TraceOverflow } from "./engine.js";
import { EVENTS_NAME, STEPS_NAME, eventsColumns, eventsCsv, stepsColumns, stepsCsv } from "./format.js";
import { selectPaths, type TraceRequest } from "./selection.js";

/** The trace files a run directory may hold (removed before a fresh run: they describe one run only). */
export const TRACE_FILES = [`${EVENTS_NAME}.csv`, `${STEPS_NAME}.csv`, `${EVENTS_NAME}.parquet`, `${STEPS_NAME}.parquet`] as const;

export interface TraceRun {
  kind: EngineKind;
  format: OutputFormat;
  /** The run's metric columns, in path order from range.first. */
  columns: ColumnSource;
  range: PathRange;
  seed: number;
  /** summary.json's scenario hash (the Parquet files carry it, as paths.parquet does). */
  scenarioHash?: string;
  /** The compiled kernel, when the caller has it. */
  module?: WebAssembly.Module;
}

export interface TraceOutcome {
  /** Traced paths, ascending. */
  paths: number[];
  events: number;
  files: string[];
}

/** Recomputes the selected paths in trace mode; each one's record checked against the run's row. */
export function tracePaths(inputs: ScenarioInputs, request: TraceRequest, run: TraceRun): PathTrace[] {
  const paths = selectPaths(request.selection, run.columns, run.range.first);
  const tracer = createTracer(run.kind, buildSetup(inputs), run.seed, request.buffer, run.module);
  const out: PathTrace[] = [];
  for (const path of paths) {
    let traced;
    try {
      traced = tracer.trace(path);
    } catch (err) {
      if (err instanceof TraceOverflow) {
        throw new InputError([
          `--trace: path ${path} had ${err.wanted} events, more than the trace buffer holds (${err.capacity} per path): raise it with --trace-buffer ${err.wanted}`,
        ]);
      }
      throw err;
    }
    const at = path - run.range.first;
    for (let m = 0; m < RECORD_STRIDE; m++) {
      const row = run.columns.column(m)[at];
      if (!Object.is(row, traced.record[m])) {
        throw new InternalError(
          `the traced recomputation of path ${path} differs from the run's row: ${METRIC_NAMES[m]} is ${traced.record[m]}, the run's ${row}`,
          { seed: run.seed, pathIndex: path },
        );
      }
    }
    out.push(traced.trace);
  }
  return out;
}

/** Traces the selected paths of a finished run and writes the two files into `dir` (under its lock). */
export async function writeTraces(dir: string, inputs: ScenarioInputs, request: TraceRequest, run: TraceRun): Promise<TraceOutcome> {
  const traces = tracePaths(inputs, request, run);
  const stepSeconds = inputs.scenario.stepSeconds;
  const lock = await lockOutDir(dir);
  try {
    const files: string[] = [];
    if (run.format === "parquet") {
      const { writeParquetTable } = await import("../report/parquet.js");
      const metadata = { seed: run.seed, ...(run.scenarioHash ? { scenarioHash: run.scenarioHash } : {}), trace: request.text };
      files.push(await writeParquetTable(dir, `${EVENTS_NAME}.parquet`, eventsColumns(traces, stepSeconds), metadata));
      files.push(await writeParquetTable(dir, `${STEPS_NAME}.parquet`, stepsColumns(traces, stepSeconds), metadata));
    } else {
      files.push(await writeAtomic(dir, `${EVENTS_NAME}.csv`, eventsCsv(traces, stepSeconds)));
      files.push(await writeAtomic(dir, `${STEPS_NAME}.csv`, stepsCsv(traces, stepSeconds)));
    }
    // one format per directory: the other's files would be another trace
    for (const name of TRACE_FILES) if (!files.some((f) => f.endsWith(`/${name}`))) await removeEntry(join(dir, name));
    return { paths: traces.map((t) => t.path), events: traces.reduce((a, t) => a + t.eventCount, 0), files };
  } finally {
    await lock.release();
  }
}
