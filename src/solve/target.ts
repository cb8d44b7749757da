// `cascade solve --target`: a condition on one statistic of a run, e.g. `P(adl) <= 0.01`, `p99(badDebt) <= 1e6`,
// `mean(liquidatedNotional) <= 5e6`. Each statistic comes with the 95% interval summary.json gives it (Wilson for an
// event's probability, the order-statistic interval for a quantile, the normal interval for a mean), which decides
// whether a run meets the target or needs more paths.
import { InputError } from "../config/errors.js";
import { METRIC_NAMES, type MetricName } from "../engine/metrics.js";
import type { Summary } from "../report/summary-json.js";
import { PROBABILITY_NAMES } from "../stats/proportion.js";
import { QUANTILE_KEYS, type QuantileKey } from "../stats/summary.js";

export type Statistic =
  | { kind: "probability"; event: (typeof PROBABILITY_NAMES)[number] }
  | { kind: "mean"; metric: MetricName }
  | { kind: "quantile"; metric: MetricName; key: QuantileKey };

export interface Target {
  statistic: Statistic;
  op: "<=" | ">=";
  threshold: number;
  /** As the user wrote it, normalised: `P(adl) <= 0.01`. */
  text: string;
}

/** A statistic's value in one run and its 95% interval. */
export interface Estimate {
  value: number;
  ci95: [number, number];
}

const FORM = "STAT(NAME) <= X or >= X, STAT one of P, mean, p01, p05, p50, p95, p99";

/** Parses `--target`; a bad one is a one-line InputError naming the option. */
export function parseTarget(text: string): Target {
  const m = /^\s*([A-Za-z0-9]+)\s*\(\s*([A-Za-z]+)\s*\)\s*(<=|>=)\s*(\S+)\s*$/.exec(text);
  const bad = (why: string) => new InputError([`--target ${JSON.stringify(text)}: ${why}`]);
  if (!m) throw bad(`expected ${FORM}`);
  const [, stat, name, op, number] = m;
  const threshold = Number(number);
  if (!Number.isFinite(threshold)) throw bad(`${number} is not a finite number`);
  let statistic: Statistic;
  if (stat === "P") {
    if (!(PROBABILITY_NAMES as readonly string[]).includes(name))
      throw bad(`P() takes one of ${PROBABILITY_NAMES.join(", ")} (received ${name})`);
    if (threshold < 0 || threshold > 1) throw bad(`a probability's threshold is within [0, 1] (received ${number})`);
    statistic = { kind: "probability", event: name as (typeof PROBABILITY_NAMES)[number] };
  } else {
    if (!(METRIC_NAMES as readonly string[]).includes(name))
      throw bad(`unknown metric ${name} (one of ${METRIC_NAMES.join(", ")})`);
    if (stat === "mean") statistic = { kind: "mean", metric: name as MetricName };
    else if ((QUANTILE_KEYS as readonly string[]).includes(stat))
      statistic = { kind: "quantile", metric: name as MetricName, key: stat as QuantileKey };
    else throw bad(`unknown statistic ${stat} (expected ${FORM})`);
  }
  return { statistic, op: op as Target["op"], threshold, text: `${stat}(${name}) ${op} ${number}` };
}

/** The target's statistic in a run's summary, with its 95% interval. */
export function estimateOf(summary: Summary, s: Statistic): Estimate {
  if (s.kind === "probability") {
    const value = summary.probabilities[s.event] as number;
    const ci = summary.probabilityIntervals?.[s.event]?.ci95;
    return { value, ci95: ci ? [ci[0], ci[1]] : [value, value] };
  }
  const m = summary.metrics[s.metric];
  if (s.kind === "mean") return { value: m.mean, ci95: [m.ci95[0], m.ci95[1]] };
  const ci = m.ci95Quantiles[s.key];
  return { value: m[s.key], ci95: [ci[0], ci[1]] };
}

export type Verdict = "met" | "missed" | "undecided";

/** Whether the whole interval meets the target, misses it, or straddles the threshold. */
export function verdict(target: Target, e: Estimate): Verdict {
  const [lo, hi] = e.ci95;
  if (target.op === "<=") return hi <= target.threshold ? "met" : lo > target.threshold ? "missed" : "undecided";
  return lo >= target.threshold ? "met" : hi < target.threshold ? "missed" : "undecided";
}
