// A path recomputed in trace mode by either engine: the WASM kernel with its trace regions (assembly/trace.ts,
// read through typed-array views like the records) or the reference engine with its recorder (src/engine/trace.ts).
// Several markets are traced by the reference engine whatever the run's engine (the kernel traces one market): its
// records are the kernel's bit for bit, so the check below holds for a run on either.
// A path's randomness depends only on (seed, path index), so any path of a finished run is recomputed alone, and
// its record is the run's row for it (the caller checks).
import { RECORD_STRIDE } from "../engine/metrics.js";
import { MarketsReferenceEngine } from "../engine/markets.js";
import { isMarketsSetup, type MarketsSetup, type RunSetup } from "../engine/markets-setup.js";
import { ReferenceEngine } from "../engine/reference.js";
import type { EngineSetup } from "../engine/setup.js";
import { EVENT_STRIDE, STEP_STRIDE, type PathTrace } from "../engine/trace.js";
import { KernelError, WasmEngine } from "../kernel/wasm-engine.js";
import { STATUS, statusText } from "../kernel/status.js";
import type { EngineKind } from "../mc/batch.js";
import { seedWords } from "../mc/seed.js";

/** The path had more events than the trace buffer holds: `wanted` of them, `capacity` kept. */
export class TraceOverflow extends Error {
  constructor(
    readonly path: number,
    readonly capacity: number,
    readonly wanted: number,
  ) {
    super(`path ${path} had ${wanted} events; the trace buffer holds ${capacity}`);
  }
}

export interface TracedPath {
  /** The path's record (the run's stride: RECORD_STRIDE f64 for one market): the untraced run's row, bit for bit. */
  record: Float64Array;
  trace: PathTrace;
}

export interface PathTracer {
  /** Recomputes `path` in trace mode; a TraceOverflow when its events do not fit. */
  trace(path: number): TracedPath;
}

/** The kernel's trace exports (assembly/index.ts), beside those WasmEngine uses. */
interface TraceExports {
  memory: WebAssembly.Memory;
  runPaths(first: number, count: number): number;
  recordsPtr(): number;
  traceInit(events: number): number;
  setTrace(on: number): void;
  traceEventsPtr(): number;
  traceEventCount(): number;
  traceEventsWanted(): number;
  traceEventStride(): number;
  traceStepsPtr(): number;
  traceStepCount(): number;
  traceStepStride(): number;
}

const TRACE_OVERFLOW = STATUS.traceOverflow.code;

class WasmTracer implements PathTracer {
  private readonly x: TraceExports;

  constructor(
    setup: EngineSetup,
    seed: number,
    private readonly capacity: number,
    module?: WebAssembly.Module,
  ) {
    const engine = new WasmEngine(setup, { batch: 1, ...(module ? { module } : {}) });
    engine.prepare(...seedWords(seed));
    this.x = engine.exports as unknown as TraceExports;
    if (this.x.traceEventStride() !== EVENT_STRIDE || this.x.traceStepStride() !== STEP_STRIDE) {
      throw new KernelError(
        `the kernel's trace records (${this.x.traceEventStride()}, ${this.x.traceStepStride()} f64) do not match the host's (${EVENT_STRIDE}, ${STEP_STRIDE}): rebuild with \`npm run build\``,
      );
    }
    const code = this.x.traceInit(capacity);
    if (code !== 0) throw new KernelError(statusText(code));
    this.x.setTrace(1);
  }

  trace(path: number): TracedPath {
    const x = this.x;
    const code = x.runPaths(path, 1);
    if (code === TRACE_OVERFLOW) throw new TraceOverflow(path, this.capacity, x.traceEventsWanted());
    if (code !== 0) throw new KernelError(statusText(code));
    // views made after the run: traceInit grew the memory, and a view never outlives a growth here
    const buffer = x.memory.buffer;
    const eventCount = x.traceEventCount();
    const stepCount = x.traceStepCount();
    return {
      record: new Float64Array(buffer, x.recordsPtr(), RECORD_STRIDE).slice(),
      trace: {
        path,
        events: new Float64Array(buffer, x.traceEventsPtr(), eventCount * EVENT_STRIDE).slice(),
        eventCount,
        steps: new Float64Array(buffer, x.traceStepsPtr(), stepCount * STEP_STRIDE).slice(),
        stepCount,
      },
    };
  }
}

class ReferenceTracer implements PathTracer {
  private readonly engine: ReferenceEngine;

  constructor(
    setup: EngineSetup,
    seed: number,
    private readonly capacity: number,
  ) {
    this.engine = new ReferenceEngine(setup);
    this.engine.prepare(...seedWords(seed));
    this.engine.enableTrace(capacity);
  }

  trace(path: number): TracedPath {
    const record = new Float64Array(RECORD_STRIDE);
    this.engine.runPaths(path, 1, record);
    const recorder = this.engine.trace!;
    if (recorder.overflowed) throw new TraceOverflow(path, this.capacity, recorder.eventsWanted);
    return { record, trace: recorder.take(path) };
  }
}

/** Several markets: the reference engine's markets loop with its recorder (every event naming its market). */
class MarketsTracer implements PathTracer {
  private readonly engine: MarketsReferenceEngine;

  constructor(
    setup: MarketsSetup,
    seed: number,
    private readonly capacity: number,
  ) {
    this.engine = new MarketsReferenceEngine(setup);
    this.engine.prepare(...seedWords(seed));
    this.engine.enableTrace(capacity);
  }

  trace(path: number): TracedPath {
    const record = new Float64Array(this.engine.stride);
    this.engine.runPaths(path, 1, record);
    const recorder = this.engine.trace!;
    if (recorder.overflowed) throw new TraceOverflow(path, this.capacity, recorder.eventsWanted);
    return { record, trace: recorder.take(path) };
  }
}

/**
 * A tracer of the run's engine, its population drawn from the run's seed; `capacity` events per path. Several
 * markets: the reference engine's, whatever `kind` (the kernel traces one market).
 */
export function createTracer(
  kind: EngineKind,
  setup: RunSetup,
  seed: number,
  capacity: number,
  module?: WebAssembly.Module,
): PathTracer {
  if (isMarketsSetup(setup)) return new MarketsTracer(setup, seed, capacity);
  return kind === "wasm" ? new WasmTracer(setup, seed, capacity, module) : new ReferenceTracer(setup, seed, capacity);
}
