// The one dispatch on liquidation.engine (LIQUIDATION_ENGINE): which mechanism liquidates an account the per-account
// engine found due, what it does when a path starts, at a step's opening and after each round. A new mechanism is a
// file of this folder and a case in each switch below. The market engine's batched rounds (the fast path when no
// account changes in place, PS.perAccount false) are assembly/mechanisms/market.ts batchedRound, run by the step loop.
import { ENGINE_AUCTION, ENGINE_BACKSTOP, ENGINE_CLOSE_FACTOR, P_ENGINE } from "../abi";
import { sideChanged } from "../adl";
import * as book from "../book";
import * as PS from "../path-state";
import { flagged, params } from "../state";
import * as backstop from "./backstop";
import { closeFactorStep } from "./close-factor";
import * as auction from "./dutch-auction";
import * as partial from "./partial";

let engine: i32 = 0;

/** A path of the per-account engine starts: the chosen mechanism's state reset. */
export function newPath(): void {
  engine = <i32>unchecked(params[P_ENGINE]);
  switch (engine) {
    case ENGINE_AUCTION: auction.newPath(); break;
    case ENGINE_CLOSE_FACTOR: break;
    case ENGINE_BACKSTOP: {
      backstop.newPath();
      // its book liquidations (below the takeover threshold, or when the vault cannot absorb) are partial's
      partial.newPath();
      break;
    }
    // market, partial
    default: partial.newPath();
  }
}

/** Whether the engine acts at each step's opening, before anyone trades (the step loop keeps it as one flag). */
export function opensSteps(): bool {
  return <i32>unchecked(params[P_ENGINE]) == ENGINE_BACKSTOP;
}

/** A step opens: the backstop vault works off its inventory before anyone else trades. */
export function openStep(): void {
  if (engine == ENGINE_BACKSTOP) backstop.unwindVault();
}

/** Liquidates account i (side s) at this mark by the scenario's engine; `whole`: never a slice. */
export function liquidateOne(i: i32, s: f64, mark: f64, whole: bool = false): void {
  PS.touch(i);
  sideChanged(s);
  // the step it was first liquidated in (a ramped fee counts from it; ADL passes over it)
  if (unchecked(flagged[i]) < 0) unchecked((flagged[i] = book.step));
  switch (engine) {
    case ENGINE_AUCTION: {
      auction.kick(i, s, mark);
      return;
    }
    case ENGINE_CLOSE_FACTOR: {
      closeFactorStep(i, s, mark);
      return;
    }
    case ENGINE_BACKSTOP: {
      // the vault first, below its threshold; else a book liquidation, as the partial engine's
      if (backstop.backstopTakes(i, s, mark)) return;
      break;
    }
  }
  // market (a slice's fraction is 1: always whole), partial, and the backstop's book liquidations (one call site:
  // Binaryen inlines it here, as it did before the mechanisms had files of their own)
  partial.liquidatePartial(i, s, mark, whole);
}

/** After a round's liquidations: the auctions' round (redo the stale ones, keepers take); returns how many it settled. */
export function afterRound(mark: f64): i32 {
  return engine == ENGINE_AUCTION ? auction.takeAuctions(mark) : 0;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<i32>(b, engine, 0);
}
export function loadContext(b: usize): void {
  engine = load<i32>(b, 0);
}
