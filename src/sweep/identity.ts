// What a sweep's results are a function of, as a record that survives the trip through a file (a shard's
// manifest, a checkpoint) and as one hash: shards of one sweep, and an interrupted sweep and its resume, must
// agree on it, or their parts would not make the result of one uninterrupted, unsharded run.
import { createHash } from "node:crypto";
import type { Scenario } from "../config/scenario.js";
import type { MetricName } from "../engine/metrics.js";
import type { EngineKind } from "../mc/batch.js";
import { scenarioHash } from "../mc/run.js";
import { VERSION } from "../version.js";
import { toExactJson } from "./exact-json.js";
import type { ResolvedSweep } from "./load.js";

/** One point as the outputs name it. */
export interface PointRecord {
  index: number;
  label: string;
  /** Axis key → value. */
  values: Record<string, unknown>;
  extra: boolean;
}

/** Everything the sweep's outputs say about the sweep itself (not its statistics): built once, carried by every shard. */
export interface SweepRecord {
  name: string;
  file?: string;
  baseFile?: string;
  design: ResolvedSweep["design"];
  /** The base scenario (overrides and --set applied; defaults resolved). */
  base: Scenario;
  /** The base scenario's hash with the contents of the files it names (as a run's scenarioHash). */
  scenarioHash: string;
  seed: number;
  paths: number;
  engine: EngineKind;
  metrics: MetricName[];
  baseline: number;
  points: PointRecord[];
  /** SHA-256 of the above but file and baseFile, with every point's resolved scenario: see sweepHash. */
  sweepHash: string;
}

/**
 * SHA-256 of what a sweep's results are a function of: this build's version, the name, design, base scenario
 * (with the contents of its files), every point's values, label and resolved scenario, the baseline, the
 * reported metrics, the seed, the path count and the engine. Not the sweep file's path or its comments: two
 * nodes that run the same sweep from different directories agree. A data file named by an axis value is
 * checked by each point's own scenario hash (every path range of a point must have the same one).
 */
export function sweepHash(sweep: ResolvedSweep, engine: EngineKind, baseHash = scenarioHash(sweep.base)): string {
  const s = sweep.base.scenario;
  const identity = {
    version: VERSION,
    name: sweep.name,
    design: sweep.design,
    base: s,
    scenarioHash: baseHash,
    points: sweep.points.map((p) => ({ index: p.index, label: p.label, extra: p.extra, values: p.values, scenario: p.scenario })),
    baseline: sweep.baseline,
    metrics: sweep.metrics,
    seed: s.seed,
    paths: s.paths,
    engine,
  };
  return createHash("sha256").update(toExactJson(identity)).digest("hex");
}

/** The record of a resolved sweep run on `engine`. */
export function sweepRecord(sweep: ResolvedSweep, engine: EngineKind): SweepRecord {
  const s = sweep.base.scenario;
  const baseHash = scenarioHash(sweep.base);
  return {
    name: sweep.name,
    ...(sweep.file !== undefined ? { file: sweep.file } : {}),
    ...(sweep.baseFile !== undefined ? { baseFile: sweep.baseFile } : {}),
    design: sweep.design,
    base: s,
    scenarioHash: baseHash,
    seed: s.seed,
    paths: s.paths,
    engine,
    metrics: sweep.metrics,
    baseline: sweep.baseline,
    points: sweep.points.map((p) => ({ index: p.index, label: p.label, values: p.values, extra: p.extra })),
    sweepHash: sweepHash(sweep, engine, baseHash),
  };
}
