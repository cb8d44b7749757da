// The target search of `cascade solve`: the value of one scenario key at which a target starts (or stops) being met.
// Every evaluation runs the same seed and the same path indices (common random numbers), so neighbouring values
// differ by the key alone. A run whose interval straddles the threshold is rerun with twice the paths, up to the
// most allowed; the search then bisects between the nearest value that meets the target and the nearest that misses
// it, until that bracket is narrower than the tolerance or no run between them can decide.
import { InputError } from "../config/errors.js";
import type { Estimate, Target, Verdict } from "./target.js";
import { verdict } from "./target.js";

export interface SearchOptions {
  lo: number;
  hi: number;
  /** Bisect geometrically (both ends > 0): for keys spanning orders of magnitude, such as a fund's size. */
  log: boolean;
  /** Stop when the bracket is narrower than tol × (hi − lo) (geometric: tol × ln(hi/lo) in log units). */
  tol: number;
  paths: number;
  maxPaths: number;
  /** Interior values checked before bisecting: a target they show not to be monotone is refused. */
  probes: number;
}

export interface Evaluation {
  value: number;
  paths: number;
  estimate: Estimate;
  verdict: Verdict;
}

export interface SearchResult {
  /** The boundary's estimate: the middle of the final bracket. */
  value: number;
  /** The bracket: one end meets the target, the other misses it (or could not be decided at the most paths). */
  interval: [number, number];
  /** Which side of the boundary meets the target. */
  metBelow: boolean;
  /** False when bisection stopped on a value it could not decide at maxPaths (the boundary is within noise there). */
  converged: boolean;
  evaluations: Evaluation[];
}

export type Evaluate = (value: number, paths: number) => Promise<Estimate>;

const fmt = (x: number) => String(Number(x.toPrecision(6)));

export async function searchTarget(target: Target, o: SearchOptions, evaluate: Evaluate): Promise<SearchResult> {
  const evaluations: Evaluation[] = [];
  /** One value, with twice the paths while its interval straddles the threshold. */
  const decide = async (value: number): Promise<Evaluation> => {
    let paths = o.paths;
    for (;;) {
      const estimate = await evaluate(value, paths);
      const e = { value, paths, estimate, verdict: verdict(target, estimate) };
      if (e.verdict !== "undecided" || paths * 2 > o.maxPaths) {
        evaluations.push(e);
        return e;
      }
      paths *= 2;
    }
  };
  const mid = (a: number, b: number) => (o.log ? Math.sqrt(a * b) : (a + b) / 2);
  const width = (a: number, b: number) =>
    o.log ? Math.abs(Math.log(b / a)) / Math.log(o.hi / o.lo) : Math.abs(b - a) / (o.hi - o.lo);

  const atLo = await decide(o.lo);
  const atHi = await decide(o.hi);
  for (const end of [atLo, atHi]) {
    if (end.verdict === "undecided") {
      throw new InputError([
        `--range: ${target.text} is undecided at ${fmt(end.value)} even with ${end.paths} paths (${describe(end)}): widen the range or raise --max-paths`,
      ]);
    }
  }
  if (atLo.verdict === atHi.verdict) {
    throw new InputError([
      `--range: ${target.text} is ${atLo.verdict} at both ends (${fmt(o.lo)}: ${describe(atLo)}; ${fmt(o.hi)}: ${describe(atHi)}): the range does not bracket the answer`,
    ]);
  }
  const metBelow = atLo.verdict === "met";
  // probes: a monotone target meets on one side of the boundary and misses on the other
  for (let k = 1; k <= o.probes; k++) {
    const t = k / (o.probes + 1);
    await decide(o.log ? o.lo * Math.pow(o.hi / o.lo, t) : o.lo + t * (o.hi - o.lo));
  }
  checkMonotone(target, evaluations, metBelow);

  // the bracket: the nearest decided values on each side
  const bracket = (): [number, number] => {
    const met = evaluations.filter((e) => e.verdict === "met").map((e) => e.value);
    const missed = evaluations.filter((e) => e.verdict === "missed").map((e) => e.value);
    return metBelow ? [Math.max(...met), Math.min(...missed)] : [Math.max(...missed), Math.min(...met)];
  };
  let [a, b] = bracket();
  let converged = true;
  while (width(a, b) > o.tol) {
    const e = await decide(mid(a, b));
    if (e.verdict === "undecided") {
      converged = false;
      break;
    }
    [a, b] = bracket();
  }
  return { value: mid(a, b), interval: [a, b], metBelow, converged, evaluations };
}

function describe(e: Evaluation): string {
  const [lo, hi] = e.estimate.ci95;
  return `${fmt(e.estimate.value)}, 95% CI [${fmt(lo)}, ${fmt(hi)}], ${e.paths} paths`;
}

/** The decided evaluations, in value order, must meet on one side and miss on the other. */
function checkMonotone(target: Target, evaluations: readonly Evaluation[], metBelow: boolean): void {
  const decided = evaluations.filter((e) => e.verdict !== "undecided").sort((x, y) => x.value - y.value);
  const want: Verdict = metBelow ? "met" : "missed";
  let switched = false;
  for (let k = 0; k < decided.length; k++) {
    const e = decided[k];
    if (e.verdict !== want) switched = true;
    else if (switched) {
      const before = decided[k - 1];
      throw new InputError([
        `--target ${target.text} is not monotone in the key over the range: ${before.verdict} at ${fmt(before.value)} (${describe(before)}) but ${e.verdict} at ${fmt(e.value)} (${describe(e)})`,
      ]);
    }
  }
}
