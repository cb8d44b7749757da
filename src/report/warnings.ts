// Results a user should not trust blindly, said once on stderr and kept in summary.json's `warnings`.
import type { ColumnSource } from "../stats/columns.js";
import type { Scenario } from "../config/scenario.js";

/** The warning lines of a run's statistics; empty when there is nothing to say. */
export function summaryWarnings(scenario: Scenario, columns: ColumnSource): string[] {
  const warnings: string[] = [];
  const exhausted = columns.column("bookExhausted");
  let ended = 0;
  for (let i = 0; i < columns.count; i++) if (exhausted[i] > 0) ended++;
  if (ended > 0) {
    const share = ((100 * ended) / columns.count).toPrecision(3);
    const where = scenario.market.book.snapshotFile !== undefined ? "the snapshot's last level" : "the profile's end or a price of one tick";
    warnings.push(
      `the book ended (${where}) in ${share}% of paths (${ended} of ${columns.count}): what was sold past it filled one tick beyond, so those paths' tails reflect where the book stops, not the market`,
    );
  }
  return warnings;
}
