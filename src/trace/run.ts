// After a finished run: the selected paths recomputed in trace mode and written beside paths.csv as events.csv and
// steps.csv (events.parquet and steps.parquet with --format parquet). The run's engine recomputes them (a path
// depends only on seed and index), and each traced path's record must be the run's row for it, bit for bit:
// otherwise the trace would describe another path (a bug, reported with its seed and index).
//
// The CSV files are streamed path by path, a chunk of rows at a time (a path may hold millions of events: more text
// than one string can), into temp files renamed into place at the end, like every output (src/report/atomic.ts):
// a traced path that overflows the buffer leaves no file behind. The Parquet tables are built whole.
import { rename, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { ScenarioInputs } from "../config/scenario.js";
import { InputError, InternalError } from "../config/errors.js";
import { buildRunSetup, scenarioRecordNames } from "../engine/markets-setup.js";
import type { PathTrace } from "../engine/trace.js";
import type { EngineKind } from "../mc/batch.js";
import { lockOutDir } from "../mc/out-dir.js";
import type { PathRange } from "../mc/plan.js";
import type { OutputFormat } from "../mc/run.js";
import { createExclusive, outputError, removeEntry, tempName, writeAllAt } from "../report/atomic.js";
import type { ColumnSource } from "../stats/columns.js";
import { createTracer, TraceOverflow, type PathTracer, type TracedPath } from "./engine.js";
import { EVENTS_NAME, STEPS_NAME, csvHeader, eventsColumns, rowChunks, stepsColumns } from "./format.js";
import { selectPaths, type TraceRequest } from "./selection.js";

/** The trace files a run directory may hold (removed before a fresh run: they describe one run only). */
export const TRACE_FILES = [
  `${EVENTS_NAME}.csv`,
  `${STEPS_NAME}.csv`,
  `${EVENTS_NAME}.parquet`,
  `${STEPS_NAME}.parquet`,
] as const;

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

/** The paths a request selects, and a tracer of the run's engine for them (several markets: the reference engine's). */
function prepare(inputs: ScenarioInputs, request: TraceRequest, run: TraceRun): { paths: number[]; tracer: PathTracer } {
  const paths = selectPaths(request.selection, run.columns, run.range.first);
  return { paths, tracer: createTracer(run.kind, buildRunSetup(inputs), run.seed, request.buffer, run.module) };
}

/**
 * Recomputes one path in trace mode: an overflow is bad input naming the buffer to ask for, a record unlike the run's
 * row a bug. `names`: the record's columns (scenarioRecordNames).
 */
function traceOne(tracer: PathTracer, path: number, run: TraceRun, names: readonly string[]): PathTrace {
  let traced: TracedPath;
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
  for (let m = 0; m < names.length; m++) {
    const row = run.columns.column(m)[at];
    if (!Object.is(row, traced.record[m])) {
      throw new InternalError(
        `the traced recomputation of path ${path} differs from the run's row: ${names[m]} is ${traced.record[m]}, the run's ${row}`,
        {
          seed: run.seed,
          pathIndex: path,
        },
      );
    }
  }
  return traced.trace;
}

/** Recomputes the selected paths in trace mode, each one's record checked against the run's row. */
export function tracePaths(inputs: ScenarioInputs, request: TraceRequest, run: TraceRun): PathTrace[] {
  const { paths, tracer } = prepare(inputs, request, run);
  const names = scenarioRecordNames(inputs.scenario);
  return paths.map((p) => traceOne(tracer, p, run, names));
}

/** A file written a chunk at a time into a temp name, renamed into place by commit(). */
class StreamedFile {
  private position = 0;
  private readonly encoder = new TextEncoder();

  private constructor(
    private readonly fh: FileHandle,
    readonly target: string,
    private readonly tmp: string,
  ) {}

  static async open(dir: string, name: string): Promise<StreamedFile> {
    const tmp = tempName(dir, name);
    return new StreamedFile(await createExclusive(tmp), join(dir, name), tmp);
  }

  async write(text: string): Promise<void> {
    try {
      this.position = await writeAllAt(this.fh, this.encoder.encode(text), this.position);
    } catch (err) {
      throw outputError(err, this.target);
    }
  }

  async commit(): Promise<string> {
    try {
      await this.fh.sync();
      await this.fh.close();
      await rename(this.tmp, this.target);
    } catch (err) {
      throw outputError(err, this.target);
    }
    return this.target;
  }

  async discard(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true }).catch(() => undefined);
  }
}

/** Traces the selected paths of a finished run and writes the two files into `dir` (under its lock). */
export async function writeTraces(
  dir: string,
  inputs: ScenarioInputs,
  request: TraceRequest,
  run: TraceRun,
): Promise<TraceOutcome> {
  const stepSeconds = inputs.scenario.stepSeconds;
  const { paths, tracer } = prepare(inputs, request, run);
  const names = scenarioRecordNames(inputs.scenario);
  // several markets: steps gain every market's mark (markets.NAME.mark)
  const markets = inputs.scenario.markets?.map((m) => m.name);
  const lock = await lockOutDir(dir);
  try {
    const files: string[] = [];
    let events = 0;
    if (run.format === "parquet") {
      const traces = paths.map((p) => traceOne(tracer, p, run, names));
      events = traces.reduce((a, t) => a + t.eventCount, 0);
      const { writeParquetTable } = await import("../report/parquet.js");
      const metadata = { seed: run.seed, ...(run.scenarioHash ? { scenarioHash: run.scenarioHash } : {}), trace: request.text };
      files.push(await writeParquetTable(dir, `${EVENTS_NAME}.parquet`, eventsColumns(traces, stepSeconds), metadata));
      files.push(await writeParquetTable(dir, `${STEPS_NAME}.parquet`, stepsColumns(traces, stepSeconds, markets), metadata));
    } else {
      const ev = await StreamedFile.open(dir, `${EVENTS_NAME}.csv`);
      let st: StreamedFile | undefined;
      try {
        st = await StreamedFile.open(dir, `${STEPS_NAME}.csv`);
        await ev.write(csvHeader("events"));
        await st.write(csvHeader("steps", markets));
        // a path at a time: traced, written, dropped
        for (const p of paths) {
          const t = traceOne(tracer, p, run, names);
          events += t.eventCount;
          for (const chunk of rowChunks(t, stepSeconds, "events")) await ev.write(chunk);
          for (const chunk of rowChunks(t, stepSeconds, "steps", markets)) await st.write(chunk);
        }
        files.push(await ev.commit(), await st.commit());
      } catch (err) {
        await ev.discard();
        await st?.discard();
        throw err;
      }
    }
    // one format per directory: the other's files would be another trace
    for (const name of TRACE_FILES) if (!files.some((f) => f.endsWith(`/${name}`))) await removeEntry(join(dir, name));
    return { paths, events, files };
  } finally {
    await lock.release();
  }
}
