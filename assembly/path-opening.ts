// What both step loops do as a path starts (cascade.ts for one market, markets.ts for each of several): every
// concern's reset, and the step's optional mechanisms as one set of flags, read at each step's opening. The step loop
// keeps no extra f64 live for them (the default scenario's loop already holds more values than there are registers),
// reading their parameters when on. Both functions are inlined into the loops.
import { P_FLOW_ARRIVAL_MEAN, P_FLOW_CLOSE_PROB, P_SPREAD_WIDENING } from "./abi";
import * as adl from "./adl";
import * as book from "./book";
import * as flow from "./flow";
import * as L from "./ledger";
import * as queue from "./loss-queue";
import * as mechanisms from "./mechanisms/index";
import * as PS from "./path-state";
import * as price from "./price";
import { params } from "./state";
import * as ladder from "./triggers/ladder";
import * as scan from "./triggers/scan";

export const X_WIDEN = 1;
/** The liquidation engine acts at each step's opening (the backstop vault's unwinding). */
export const X_OPEN = 2;
export const X_ORACLE = 4;
export const X_BAND = 8;
export const X_SCAN = 16;
export const X_FLOW = 32;
/** Trace mode (assembly/trace.ts): step rows, the rounds' marks (one market only). */
export const X_TRACE = 64;
/** `last` restarts at the opening mid (the per-account engine, and trace mode: see the step loop). */
export const X_LAST = 128;

/**
 * Every concern's per-path reset (the accounts the last path changed first: before the new epoch); returns the
 * path's opening fundamental. `ownsVenue`: one market resets the venue's money with its ledger; several markets reset
 * it once and configure each market's ledger only.
 */
// @ts-ignore: decorator
@inline export function resetConcerns(p: u32, ownsVenue: bool): f64 {
  PS.startAccounts();
  if (PS.perAccount) mechanisms.newPath();
  if (ownsVenue) L.newPath();
  else L.configure();
  scan.newPath();
  book.newPath();
  PS.newPath(p);
  ladder.newPath();
  adl.newPath();
  queue.newPath();
  flow.newPath();
  return price.newPath();
}

/** The current market's optional opening mechanisms as flags (trace mode aside: the one-market loop adds it). */
// @ts-ignore: decorator
@inline export function openingExtras(): i32 {
  let extras = 0;
  if (unchecked(params[P_SPREAD_WIDENING]) > 0) extras |= X_WIDEN;
  if (mechanisms.opensSteps()) extras |= X_OPEN;
  if (price.hasOracle()) extras |= X_ORACLE;
  if (price.hasBand()) extras |= X_BAND;
  if (scan.scan) extras |= X_SCAN;
  if (unchecked(params[P_FLOW_CLOSE_PROB]) > 0 || unchecked(params[P_FLOW_ARRIVAL_MEAN]) > 0) extras |= X_FLOW;
  if (PS.perAccount) extras |= X_LAST;
  return extras;
}
