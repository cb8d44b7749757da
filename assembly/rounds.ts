// One cascade round of the per-account engine: every liquidation engine but the market engine's batched rounds, and
// any mechanism that changes an account in place, one account at a time on its current size and collateral — the
// reference engine's plain loop (src/engine/reference.ts), same arithmetic in the same order. A round: the ladder's
// longs across the mark, its shorts, then the accounts re-checked at their own liquidation price (sliced, partly
// repaid, haircut) still open across the mark and not cooling down, longs then shorts, each side in key order (longs
// by liquidation price descending, shorts ascending, ties by account index ascending); one liquidated in this round
// waits for the next; then the mechanism's own round (the auctions). With margin.model the scan replaces the ladder
// and the lists: every open account is checked against the model's requirement every round. The triggers
// (assembly/triggers/) say who is due; the mechanism (assembly/mechanisms/index.ts) liquidates each.
import * as book from "./book";
import * as L from "./ledger";
import { afterRound, liquidateOne } from "./mechanisms/index";
import { duePend, inAuction, isClosed, nextSlice } from "./state";
import * as ladder from "./triggers/ladder";
import * as scan from "./triggers/scan";

export function perAccountRound(mark: f64, t: i32): i32 {
  if (scan.scan) {
    const n = scanSide(1, mark, t) + (L.blocked(t) ? 0 : scanSide(-1, mark, t));
    return n + afterRound(mark);
  }
  const epoch = book.epoch;
  let n = 0;
  while (ladder.longDue(mark) && !L.blocked(t)) {
    const i = ladder.takeLong();
    if (!isClosed(i, epoch) && unchecked(inAuction[i]) == 0) {
      liquidateOne(i, 1, mark);
      n++;
    }
  }
  while (ladder.shortDue(mark) && !L.blocked(t)) {
    const i = ladder.takeShort();
    if (!isClosed(i, epoch) && unchecked(inAuction[i]) == 0) {
      liquidateOne(i, -1, mark);
      n++;
    }
  }
  n += pendingSide(1, mark, t);
  n += pendingSide(-1, mark, t);
  return n + afterRound(mark);
}

/** The pending accounts of one side due at this mark, in key order (triggers/ladder.ts duePending), liquidated. */
function pendingSide(side: f64, mark: f64, t: i32): i32 {
  const due = ladder.duePending(side, mark, t);
  const whole = ladder.wholeInCooldown();
  const epoch = book.epoch;
  let n = 0;
  for (let r = 0; r < due; r++) {
    if (L.blocked(t)) break;
    const i = unchecked(duePend[r]);
    if (isClosed(i, epoch)) continue;
    // Hyperliquid: during the cooldown the whole position goes (the vault still first, below its threshold)
    liquidateOne(i, side, mark, whole && unchecked(nextSlice[i]) > t);
    n++;
  }
  return n;
}

/** One side of a scan round: every position due at the mark (triggers/scan.ts dueAt), in scan order, liquidated. */
function scanSide(side: f64, mark: f64, t: i32): i32 {
  const end = scan.scanLength(side);
  let n = 0;
  for (let r = 0; r < end; r++) {
    if (L.blocked(t)) return n;
    const i = scan.dueAt(side, r, mark, t);
    if (i < 0) continue;
    liquidateOne(i, side, mark);
    n++;
  }
  return n;
}
