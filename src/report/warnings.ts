// Results a user should not trust blindly, said once on stderr and kept in summary.json's `warnings`. Each is
// computed from the scenario and the per-path columns alone, so a merge or a verification recomputes it.
import type { ColumnSource } from "../stats/columns.js";
import type { Scenario } from "../config/scenario.js";
import { METRIC_NAMES } from "../engine/metrics.js";

/** Paths beyond a tail quantile below which its estimate is mostly noise. */
const TAIL_PATHS = 100;

/** The warning lines of a run: its venue's overrides (recorded in the scenario), then its statistics'; empty when there is nothing to say. */
export function summaryWarnings(scenario: Scenario, columns: ColumnSource): string[] {
  // what `venue:` changed in the scenario as written (src/venues/apply.ts), recorded with the resolved scenario
  // and what its data files made of it (a replay resampled), recorded the same way
  const warnings: string[] = [...(scenario.venueWarnings ?? []), ...(scenario.inputWarnings ?? [])];
  const markets = scenario.markets;
  if (markets && markets.length > 1) {
    warnings.push(
      `several markets: the venue's minPrice, finalPrice, maxDrawdown, exogenousDrawdown and amplification are market 0's (${markets[0].name}); each market's own metrics are markets.NAME.* (the fan charts and --trace's steps: market 0's series, then every market's mark as markets.NAME.mark)`,
    );
  }
  const n = columns.count;
  const exhausted = columns.column("bookExhausted");
  let ended = 0;
  for (let i = 0; i < n; i++) if (exhausted[i] > 0) ended++;
  if (ended > 0) {
    const share = ((100 * ended) / n).toPrecision(3);
    const where =
      scenario.market.book.snapshotFile !== undefined ? "the snapshot's last level" : "the profile's end or a price of one tick";
    warnings.push(
      `the book ended (${where}) in ${share}% of paths (${ended} of ${n}): what was sold past it filled one tick beyond, so those paths' tails reflect where the book stops, not the market`,
    );
  }
  if (n > 1 && everyPathTheSame(columns)) {
    const why =
      scenario.market.price.model === "replay"
        ? "a replay as long as the horizon draws nothing at random"
        : "nothing in the scenario draws at random";
    warnings.push(
      `all ${n} paths are the same (${why}): the distribution is a single point; bootstrap a shorter returns file, add volatility or resample the population to get one`,
    );
  }
  for (const [label, tail] of [
    ["p99 and es99", 0.01],
    ["p95 and es95", 0.05],
  ] as const) {
    const beyond = Math.floor(n * tail);
    if (beyond < TAIL_PATHS && n > 1) {
      warnings.push(
        `${label} rest on ${beyond} path${beyond === 1 ? "" : "s"} beyond them (of ${n}): fewer than ${TAIL_PATHS}, so read their intervals, not the point (${Math.ceil(TAIL_PATHS / tail).toLocaleString("en")} paths give ${TAIL_PATHS})`,
      );
      break;
    }
  }
  return warnings;
}

/** Whether every metric takes one value on every path (NaN equal to NaN). */
function everyPathTheSame(columns: ColumnSource): boolean {
  for (const metric of METRIC_NAMES) {
    const c = columns.column(metric);
    for (let i = 1; i < columns.count; i++) if (!Object.is(c[i], c[0])) return false;
  }
  return true;
}
