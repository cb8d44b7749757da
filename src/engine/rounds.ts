// One cascade round of the per-account engine (assembly/rounds.ts is the kernel's twin): every engine but the batched
// market rounds (mechanisms/market.ts), one account at a time on its current size and collateral. A round: the
// ladder's longs across the mark, its shorts, then the pending lists (accounts re-checked at their own liquidation
// price), longs then shorts; with margin.model the scan replaces the ladder and the lists; then the auctions.

import { LIQUIDATION_ENGINE } from "./layout.js";
import type { RefState } from "./state.js";
import type { Mechanisms } from "./mechanisms/index.js";
import { pendingRound, walkLongs, walkShorts } from "./triggers/ladder.js";
import { scanRound } from "./triggers/scan.js";

/** One round at this mark in step t; returns the accounts it liquidated (kicked, took, repaid). */
export function perAccountRound(st: RefState, mech: Mechanisms, mark: number, t: number): number {
  let n = 0;
  if (st.scan) n = scanRound(st, mech, mark);
  else {
    n = walkLongs(st, mech, mark, t);
    n += walkShorts(st, mech, mark, t);
    n += pendingRound(st, mech, mark);
  }
  // the auctions run every round (a cap-blocked step only stops their takes)
  if (st.engine === LIQUIDATION_ENGINE["dutch-auction"]) n += mech.auction.takeAuctions(mark);
  return n;
}
