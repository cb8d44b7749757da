// Runs a scenario's Monte Carlo paths on the reference engine, records each (path-record.ts) and holds the crash's
// published figures (targets.ts) against the mean over the paths, with the 5th–95th percentile spread beside it.
import type { ScenarioInputs } from "../config/scenario.js";
import { ReferenceEngine } from "../engine/reference.js";
import { buildSetup } from "../engine/setup.js";
import { FIGURES } from "./figures.js";
import { recordPath, type PathRecord } from "./path-record.js";
import type { Check, Crash, Target } from "./targets.js";

/** Records paths first..first+count−1 of the scenario (the run's seed, as `cascade run --engine ts` draws them). */
export function recordPaths(inputs: ScenarioInputs, count: number, first = 0): PathRecord[] {
  const s = inputs.scenario;
  const engine = new ReferenceEngine(buildSetup(inputs));
  engine.prepare(s.seed % 4294967296, Math.floor(s.seed / 4294967296));
  const records: PathRecord[] = [];
  for (let path = first; path < first + count; path++) {
    records.push(recordPath(engine, path, s.stepSeconds, s.steps, s.insurance.initialBalance));
  }
  return records;
}

export interface Spread {
  mean: number;
  p05: number;
  p95: number;
  /** Paths that define the figure (a path without ADL has no ADL timing). */
  paths: number;
}

/** Mean and 5th/95th percentiles (nearest rank) over the paths that define the value; undefined when none does. */
export function spread(values: (number | undefined)[]): Spread | undefined {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (defined.length === 0) return undefined;
  let total = 0;
  for (const v of defined) total += v;
  const rank = (q: number) => defined[Math.min(defined.length - 1, Math.max(0, Math.ceil(q * defined.length) - 1))];
  return { mean: total / defined.length, p05: rank(0.05), p95: rank(0.95), paths: defined.length };
}

export interface CheckResult {
  check: Check;
  measured: Spread | undefined;
  hit: boolean;
}

export interface TargetResult {
  target: Target;
  checks: CheckResult[];
  hit: boolean;
}

export interface CrashResult {
  crash: Crash;
  paths: number;
  targets: TargetResult[];
  hits: number;
}

/**
 * A check holds when the mean lies in its band and at least half the paths define the figure (a crash whose ADL
 * fires on a few paths only does not reproduce an ADL timing).
 */
export function evaluateCheck(check: Check, records: PathRecord[]): CheckResult {
  const measured = spread(records.map((r) => FIGURES[check.figure].measure(r, check.param)));
  const hit =
    measured !== undefined &&
    2 * measured.paths >= records.length &&
    measured.mean >= check.band[0] &&
    measured.mean <= check.band[1];
  return { check, measured, hit };
}

export function evaluateCrash(crash: Crash, records: PathRecord[]): CrashResult {
  const targets = crash.targets.map((target) => {
    const checks = target.checks.map((c) => evaluateCheck(c, records));
    return { target, checks, hit: checks.every((c) => c.hit) };
  });
  return { crash, paths: records.length, targets, hits: targets.filter((t) => t.hit).length };
}
