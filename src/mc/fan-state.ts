// fan.json: the exact fan-chart state of a run directory's paths (src/stats/fan.ts: per step and series the histogram,
// minimum, maximum and the sum's limbs), tied to those paths by their records hash. A run writes it at the end (and,
// for --resume, now and then while it runs and when interrupted), `merge` adds the shards' states, and summary.json's
// `fan` is computed from it — so a merged or resumed run's fan is the same bytes as one uninterrupted run's.
import { join } from "node:path";
import { InputError, InternalError } from "../config/errors.js";
import type { RunSetup } from "../engine/markets-setup.js";
import { readRegularFile, writeAtomic } from "../report/atomic.js";
import { FanHistograms, type FanLayout } from "../stats/fan.js";
import type { MetricColumns } from "../stats/columns.js";
import { createEngine, runBatch, unpackBatch, type EngineKind } from "./batch.js";
import { hashRecords } from "./records-hash.js";

export const FAN_JSON = "fan.json";

/** fan.json as read back: the state, the paths it covers (from firstPath) and their records hash. */
export interface FanFile {
  state: FanHistograms;
  firstPath: number;
  recordsHash: string;
}

/** fan.json's text: the state of the paths firstPath … firstPath + state.paths − 1, whose records hash to `recordsHash`. */
export function fanStateText(state: FanHistograms, firstPath: number, recordsHash: string): string {
  return JSON.stringify(state.toJSON({ firstPath, recordsHash })) + "\n";
}

export async function writeFanState(dir: string, state: FanHistograms, firstPath: number, recordsHash: string): Promise<void> {
  await writeAtomic(dir, FAN_JSON, fanStateText(state, firstPath, recordsHash));
}

/** DIR/fan.json, or undefined when there is none; an InputError naming the file when it is not one cascade wrote. */
export async function readFanState(dir: string): Promise<FanFile | undefined> {
  const file = join(dir, FAN_JSON);
  const text = await readRegularFile(file);
  if (text === undefined) return undefined;
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const state = FanHistograms.fromJSON(doc);
    if (!Number.isSafeInteger(doc.firstPath) || (doc.firstPath as number) < 0)
      throw new RangeError("firstPath must be a path index");
    if (typeof doc.recordsHash !== "string" || !/^[0-9a-f]{64}$/.test(doc.recordsHash))
      throw new RangeError("recordsHash must be a SHA-256 in hex");
    return { state, firstPath: doc.firstPath as number, recordsHash: doc.recordsHash };
  } catch (err) {
    throw new InputError([
      `${file} must be the fan state cascade writes (received one that does not read: ${(err as Error).message})`,
    ]);
  }
}

/** Whether two layouts bin the same steps and series at the same scales. */
export function sameFanLayout(a: FanLayout, b: FanLayout): boolean {
  return JSON.stringify([a.steps, a.series, a.scales]) === JSON.stringify([b.steps, b.series, b.scales]);
}

/**
 * The fan state of the `rows` paths from `firstPath` a resumed run keeps (their records in `columns`): fan.json's when
 * it is of these paths (its records hash that of the first rows it covers), and the rest computed again here — the
 * kept rows after it (a hard kill between two of its updates), or all of them (no usable fan.json). The paths computed
 * again must give the kept records (else an InternalError).
 */
export async function resumeFan(
  dir: string,
  layout: FanLayout,
  columns: MetricColumns,
  firstPath: number,
  rows: number,
  kind: EngineKind,
  setup: RunSetup,
  seed: number,
): Promise<FanHistograms> {
  const stride = columns.stride;
  let state = new FanHistograms(layout);
  let from = 0;
  const saved = await readFanState(dir).catch(() => undefined);
  if (saved && saved.firstPath === firstPath && sameFanLayout(saved.state.layout, layout) && saved.state.paths <= rows) {
    const n = saved.state.paths;
    if (n === 0 || hashRecords(columns.records(0, n), n, stride) === saved.recordsHash) {
      state = saved.state;
      from = n;
    }
  }
  if (from < rows) {
    const engine = createEngine(kind, setup, seed, undefined, layout);
    const chunk = 4096;
    for (let at = from; at < rows; at += chunk) {
      const count = Math.min(chunk, rows - at);
      const result = unpackBatch(runBatch(engine, { first: firstPath + at, count, csv: false }), count, false, true, stride);
      const kept = columns.records(at, count);
      for (let i = 0; i < count * stride; i++) {
        if (!Object.is(kept[i], result.records[i])) {
          const path = firstPath + at + Math.floor(i / stride);
          throw new InternalError(`--resume: path ${path} computed again for its fan chart does not give its kept record`, {
            seed,
            pathIndex: path,
          });
        }
      }
      state.addPacked(result.fan!);
    }
  }
  return state;
}
