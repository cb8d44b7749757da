// Event timelines (`cascade run --trace`): in trace mode the kernel appends one fixed-size f64 record per event of
// a path into a bounded region, and one row per step into another; the host formats them (src/trace). The reference
// engine's recorder (src/engine/trace.ts) writes the same records with the same arithmetic, so the two traces are
// the same bytes. Off (the default), nothing here runs: the step loop tests one bit of its `extras` set per step and
// per round, and the batched rounds fold the trace into the branch they already take for the per-step caps.
//
// An event opened by open()/fill() is the one whose settlement may book other events (bad debt, a socialised loss,
// a keeper's incentive): those follow it, and close() writes its fund and vault after the whole settlement.
// The region is bounded: an event past it is dropped and `overflowed` set; runPaths then returns E_TRACE_OVERFLOW
// and the host names the path and the size (--trace-buffer). The path itself runs to its end: its record is the
// untraced one.
import { P_AUCTION_BUF, P_ORACLE_LAG } from "./abi";
import * as book from "./book";
import * as PS from "./path-state";
import { accIsLong, accSize, curSize, isClosed, oracleHist, params } from "./state";

// one event: f64 fields at these offsets (src/engine/trace.ts EVENT_FIELDS mirrors them)
export const EVENT_STRIDE = 12;
const E_KIND = 0;
const E_STEP = 1;
const E_ROUND = 2;
const E_ACCOUNT = 3;
const E_SIDE = 4;
const E_SIZE = 5;
const E_PRICE = 6;
const E_BANKRUPTCY = 7;
const E_NOTIONAL = 8;
const E_COUNTERPARTY = 9;
const E_FUND = 10;
const E_VAULT = 11;

// one step: f64 fields in this order (src/engine/trace.ts STEP_FIELDS)
export const STEP_STRIDE = 17;

// event kinds (src/engine/trace.ts KIND)
export const K_LIQUIDATION = 1;
export const K_SLICE = 2;
export const K_AUCTION_KICK = 3;
export const K_AUCTION_TAKE = 4;
export const K_BACKSTOP = 5;
export const K_ADL = 6;
export const K_SOCIALIZED = 7;
export const K_BAD_DEBT = 8;
export const K_KEEPER = 9;
export const K_CLOSE = 10;
export const K_ARRIVAL = 11;
export const K_UNWIND = 12;

/** Trace mode, set by the host (setTrace); read once per path into the step loop's flags. */
export let tracing = false;
/** An event did not fit in this path: the trace is incomplete. */
export let overflowed = false;
export let events = new StaticArray<f64>(0);
export let steps = new StaticArray<f64>(0);
export let eventCount: i32 = 0;
/** Events the path had, those past the region included (what the host's message asks the region to hold). */
export let eventsWanted: i32 = 0;
export let stepCount: i32 = 0;
let capEvents: i32 = 0;
let capStepRows: i32 = 0;
/** The event whose settlement is in progress (close() completes it), or −1. */
let openRow: i32 = -1;
/** The path's round counter when the step began: an event's round is counted within its step. */
let roundBase: i32 = 0;
// per-step sums of the step row, and the lowest mark of the step (the rounds' marks and its last)
let stepLiquidated: f64 = 0;
let stepAdl: f64 = 0;
let stepLow: f64 = Infinity;

/** Carves the regions: `cap` events per path, and a row per step (0..steps) of the capacity init() was given. */
export function carve(cap: i32, stepCap: i32): void {
  events = new StaticArray<f64>(cap * EVENT_STRIDE);
  steps = new StaticArray<f64>((stepCap + 1) * STEP_STRIDE);
  capEvents = cap;
  capStepRows = stepCap + 1;
}

export function setTracing(on: bool): void {
  tracing = on && capStepRows > 0;
  overflowed = false;
}

function append(kind: i32, account: f64, side: f64, size: f64, price: f64, bankruptcy: f64, notional: f64, counterparty: f64, fund: f64, vaultCash: f64): i32 {
  // the step's sums count every event, also past the region's end (the trace is then an error anyway)
  if (kind == K_LIQUIDATION || kind == K_SLICE || kind == K_AUCTION_TAKE || kind == K_BACKSTOP) stepLiquidated += notional;
  else if (kind == K_ADL) stepAdl += notional;
  eventsWanted++;
  if (eventCount >= capEvents) {
    overflowed = true;
    return -1;
  }
  const at = eventCount * EVENT_STRIDE;
  unchecked((events[at + E_KIND] = <f64>kind));
  unchecked((events[at + E_STEP] = <f64>book.step));
  unchecked((events[at + E_ROUND] = <f64>(PS.round - roundBase)));
  unchecked((events[at + E_ACCOUNT] = account));
  unchecked((events[at + E_SIDE] = side));
  unchecked((events[at + E_SIZE] = size));
  unchecked((events[at + E_PRICE] = price));
  unchecked((events[at + E_BANKRUPTCY] = bankruptcy));
  unchecked((events[at + E_NOTIONAL] = notional));
  unchecked((events[at + E_COUNTERPARTY] = counterparty));
  unchecked((events[at + E_FUND] = fund));
  unchecked((events[at + E_VAULT] = vaultCash));
  return eventCount++;
}

// The fund and the vault's cash an event carries are handed in by the caller (assembly/ledger.ts owns them: insurance,
// vaultShown()); this module reads no balance, so that the ledger can trace what it books.

/** A standalone event, with the fund and vault as they are now. */
export function event(kind: i32, account: i32, side: f64, size: f64, price: f64, bankruptcy: f64, notional: f64, counterparty: i32, fund: f64, vault: f64): void {
  append(kind, <f64>account, side, size, price, bankruptcy, notional, <f64>counterparty, fund, vault);
}

/** Opens the event of a settlement (its fund and vault are written by close()). */
export function open(kind: i32, account: i32, side: f64, size: f64, price: f64, bankruptcy: f64, notional: f64): void {
  openRow = append(kind, <f64>account, side, size, price, bankruptcy, notional, -1, NaN, NaN);
}

/**
 * Opens the event of a fill of `size` units of account i (side s) for `notional`, the account holding q units on
 * collateral c at entry e before it: the price is the fill's average, the bankruptcy price the account's.
 */
export function fill(kind: i32, i: i32, s: f64, size: f64, notional: f64, q: f64, c: f64, e: f64): void {
  open(kind, i, s, size, notional / size, e - (s * c) / q, notional);
}

/** Completes the open event with the fund and vault after its settlement. */
export function close(fund: f64, vault: f64): void {
  if (openRow >= 0) {
    const at = openRow * EVENT_STRIDE;
    unchecked((events[at + E_FUND] = fund));
    unchecked((events[at + E_VAULT] = vault));
  }
  openRow = -1;
}

/** Bad debt booked: an amount no one paid (account −1; side: the side of the position whose loss it is). */
export function badDebt(side: f64, amount: f64, fund: f64, vault: f64): void {
  append(K_BAD_DEBT, -1, side, NaN, NaN, NaN, amount, -1, fund, vault);
}

/** An auction kicked at this mark (its top: the mark times the buffer, as restart() sets it). */
export function kick(i: i32, s: f64, mark: f64, q: f64, c: f64, e: f64): void {
  const buf = unchecked(params[P_AUCTION_BUF]);
  open(K_AUCTION_KICK, i, s, q, s > 0 ? mark * buf : mark / buf, e - (s * c) / q, NaN);
}

/**
 * One account settled by a batched round (assembly/ledger.ts settleBatched): its rung still holds its size,
 * entry and collateral; `fund` is the round's running fund after it, `unpaid` the bad debt its deficit booked (0: none).
 */
export function batched(id: i32, s: f64, q: f64, c: f64, e: f64, notional: f64, fund: f64, unpaid: f64): void {
  append(K_LIQUIDATION, <f64>id, s, q, notional / q, e - (s * c) / q, notional, -1, fund, 0);
  if (unpaid > 0) append(K_BAD_DEBT, -1, s, NaN, NaN, NaN, unpaid, -1, fund, 0);
}

/** The path starts: the trace is emptied and step 0's row written (the opening mark). */
export function start(fundamental: f64, mark: f64, fund: f64, vault: f64, badDebt: f64): void {
  eventCount = 0;
  eventsWanted = 0;
  stepCount = 0;
  overflowed = false;
  openRow = -1;
  roundBase = 0;
  stepLiquidated = 0;
  stepAdl = 0;
  stepLow = Infinity;
  // the last trade of step 0 is the opening mark (the book's last price is the previous path's until step 1 opens)
  row(0, fundamental, mark, mark, fund, vault, badDebt);
}

/** A round of the cascade ended with this mark. */
export function round(mark: f64): void {
  if (mark < stepLow) stepLow = mark;
}

/** Step t ended with this mark: its row (with the fund, the vault's cash and the bad debt as they are). */
export function step(t: i32, fundamental: f64, mark: f64, fund: f64, vault: f64, badDebt: f64): void {
  row(t, fundamental, mark, book.lastPrice, fund, vault, badDebt);
}

function row(t: i32, fundamental: f64, mark: f64, last: f64, fund: f64, vault: f64, badDebt: f64): void {
  if (stepCount >= capStepRows) return;
  // the oracle's history, also when the model does not read it (the step loop stores it only then)
  unchecked((oracleHist[t] = fundamental));
  const lag = <i32>unchecked(params[P_ORACLE_LAG]);
  const low = mark < stepLow ? mark : stepLow;
  // open interest: the traders' open positions per side, in account order (the population, then the arrivals)
  const n = PS.active;
  const epoch = book.epoch;
  let oiLong: f64 = 0;
  let oiShort: f64 = 0;
  for (let i = 0; i < n; i++) {
    if (isClosed(i, epoch)) continue;
    const q = PS.perAccount ? unchecked(curSize[i]) : unchecked(accSize[i]);
    if (unchecked(accIsLong[i]) == 1) oiLong += q;
    else oiShort += q;
  }
  const at = stepCount * STEP_STRIDE;
  unchecked((steps[at] = <f64>t));
  unchecked((steps[at + 1] = fundamental));
  unchecked((steps[at + 2] = book.mid()));
  unchecked((steps[at + 3] = mark));
  unchecked((steps[at + 4] = low));
  unchecked((steps[at + 5] = unchecked(oracleHist[t >= lag ? t - lag : 0])));
  unchecked((steps[at + 6] = last));
  unchecked((steps[at + 7] = book.bidPrice()));
  unchecked((steps[at + 8] = book.askPrice()));
  unchecked((steps[at + 9] = book.depthWithin(0.01)));
  unchecked((steps[at + 10] = fund));
  unchecked((steps[at + 11] = vault));
  unchecked((steps[at + 12] = oiLong));
  unchecked((steps[at + 13] = oiShort));
  unchecked((steps[at + 14] = stepLiquidated));
  unchecked((steps[at + 15] = stepAdl));
  unchecked((steps[at + 16] = badDebt));
  stepCount++;
  roundBase = PS.round;
  stepLiquidated = 0;
  stepAdl = 0;
  stepLow = Infinity;
}
