// Event timelines (`cascade run --trace`): the layout of a traced path's records, which both engines write, and the
// reference engine's recorder. assembly/trace.ts is the kernel's twin: the same fields, the same arithmetic in the
// same order (a fill's average price, an account's bankruptcy price, the step's sums), so that a path traced by
// either engine gives the same f64 records and the host (src/trace) formats them into the same bytes.
//
// An event is 12 f64 (EVENT_FIELDS); a step row 17 (STEP_FIELDS). NaN marks a field that does not apply (a bad
// debt has no price). The recorder's region is bounded like the kernel's: an event past it is dropped and
// `overflowed` set, and the host turns that into an error naming the path and the buffer size.
//
// Several markets (src/engine/markets.ts, the reference engine only: the kernel traces one market) share one
// recorder: each market's state records through its view (marketView), so that every event carries its market's
// index beside its fields; a step row is market 0's (as the record's prices are) with the venue's fund, vault and
// step sums, and every market's mark after it. The cross-margin owners' trades are events of their own kinds.

/** What happened, as the `type` column names it (the code is the index + 1). */
export const KIND_NAMES = [
  "liquidation",
  "slice",
  "auction-kick",
  "auction-take",
  "backstop",
  "adl",
  "socialized-loss",
  "bad-debt",
  "keeper",
  "close",
  "arrival",
  "vault-unwind",
  // several markets with crossMargin (the reference engine; account: the owner): an owner's leg closed whole, a deposit
  // sold; a leg sliced (partial), repaid (close-factor), taken over by the vault (backstop)
  "cross-leg",
  "cross-collateral",
  "cross-slice",
  "cross-repayment",
  "cross-takeover",
] as const;

export type KindName = (typeof KIND_NAMES)[number];

import type { PriceProcess } from "./price.js";
import type { RefState } from "./state.js";

/** Kind codes (assembly/trace.ts K_*). */
export const KIND = Object.fromEntries(KIND_NAMES.map((name, i) => [name, i + 1])) as Record<KindName, number>;

/** The kinds whose notional the path's liquidatedNotional sums (their count, with auction-kick, is `liquidations`). */
export const LIQUIDATED_KINDS: readonly KindName[] = [
  "liquidation",
  "slice",
  "auction-take",
  "backstop",
  "cross-leg",
  "cross-slice",
  "cross-repayment",
  "cross-takeover",
];
/** The kinds the record's `liquidations` counts: one per liquidation, slice, auction kicked, vault takeover, owner's leg. */
export const COUNTED_KINDS: readonly KindName[] = [
  "liquidation",
  "slice",
  "auction-kick",
  "backstop",
  "cross-leg",
  "cross-slice",
  "cross-repayment",
  "cross-takeover",
];

const LIQUIDATED_CODES: ReadonlySet<number> = new Set(LIQUIDATED_KINDS.map((k) => KIND[k]));

/** An event's fields, in record order. */
export const EVENT_FIELDS = [
  "kind",
  "step",
  "round",
  "account",
  "side",
  "size",
  "price",
  "bankruptcyPrice",
  "notional",
  "counterparty",
  "fundAfter",
  "vaultAfter",
] as const;
export const EVENT_STRIDE = EVENT_FIELDS.length;
export const EV = Object.fromEntries(EVENT_FIELDS.map((name, i) => [name, i])) as Record<(typeof EVENT_FIELDS)[number], number>;

/** A step row's fields, in record order (steps.csv's columns after path and time). */
export const STEP_FIELDS = [
  "step",
  "fundamental",
  "mid",
  "mark",
  "markLow",
  "oracle",
  "last",
  "bestBid",
  "bestAsk",
  "depth1pct",
  "fund",
  "vault",
  "oiLong",
  "oiShort",
  "liquidatedNotional",
  "adlNotional",
  "badDebt",
] as const;
export const STEP_STRIDE = STEP_FIELDS.length;
export const ST = Object.fromEntries(STEP_FIELDS.map((name, i) => [name, i])) as Record<(typeof STEP_FIELDS)[number], number>;

/** Events a traced path may hold unless --trace-buffer says otherwise (12 f64 each: 19 MB). */
export const DEFAULT_TRACE_EVENTS = 200_000;

/** What a step row reads of the engine at step t's end (TraceRecorder.row's values). */
export interface StepValues {
  fundamental: number;
  mid: number;
  mark: number;
  oracle: number;
  last: number;
  bestBid: number;
  bestAsk: number;
  depth1pct: number;
  oiLong: number;
  oiShort: number;
  badDebt: number;
}

/** Step t's row values of one market's state (0: the opening), as its book and accounts stand at the step's end. */
export function stepValues(
  st: RefState,
  price: PriceProcess,
  t: number,
  fundamental: number,
  mark: number,
  last: number,
): StepValues {
  // open interest: the traders' open positions per side, in account order (the population, then the arrivals)
  let oiLong = 0;
  let oiShort = 0;
  for (let i = 0; i < st.active; i++) {
    if (st.dead[i] === 1) continue;
    if (st.pop.isLong[i] === 1) oiLong += st.curSize[i];
    else oiShort += st.curSize[i];
  }
  const book = st.book;
  return {
    fundamental,
    mid: book.mid(),
    mark,
    oracle: price.oracleAt(t),
    last,
    bestBid: book.bidPrice(),
    bestAsk: book.askPrice(),
    depth1pct: book.depthWithin(0.01),
    oiLong,
    oiShort,
    badDebt: st.venue.badDebt,
  };
}

/** One traced path's records: `eventCount` events and `stepCount` step rows (steps + 1: step 0 is the opening). */
export interface PathTrace {
  path: number;
  events: Float64Array;
  eventCount: number;
  steps: Float64Array;
  stepCount: number;
  /** Several markets: each event's market (its index in `markets:`; −1: a deposit of an asset outside the venue). */
  market?: Int32Array;
  /** Several markets: each step row's marks, every market's in market order (stepCount × markets). */
  marks?: Float64Array;
}

/** What the recorder reads of the engine: the step, the path's round counter, the fund, the vault. */
export interface TraceSource {
  step(): number;
  round(): number;
  fund(): number;
  vault(): number;
}

/** The reference engine's recorder (src/engine/reference.ts calls it where the kernel calls assembly/trace.ts). */
export class TraceRecorder {
  readonly events: Float64Array;
  readonly steps: Float64Array;
  eventCount = 0;
  /** Events the path had, those past the region included. */
  eventsWanted = 0;
  stepCount = 0;
  overflowed = false;
  private readonly capEvents: number;
  private readonly capSteps: number;
  private openRow = -1;
  private roundBase = 0;
  private stepLiquidated = 0;
  private stepAdl = 0;
  private stepLow = Infinity;
  /** Several markets: the market recording (set by its view), each event's market and each step's marks. */
  market = 0;
  readonly eventMarket?: Int32Array;
  readonly marks?: Float64Array;

  /** `markets`: the markets of a several-market venue (0: one market; its trace keeps no market per event). */
  constructor(
    capEvents: number,
    steps: number,
    private readonly source: TraceSource,
    private readonly markets = 0,
  ) {
    this.capEvents = capEvents;
    this.capSteps = steps + 1;
    this.events = new Float64Array(capEvents * EVENT_STRIDE);
    this.steps = new Float64Array(this.capSteps * STEP_STRIDE);
    if (markets > 0) {
      this.eventMarket = new Int32Array(capEvents);
      this.marks = new Float64Array(this.capSteps * markets);
    }
  }

  private append(
    kind: number,
    account: number,
    side: number,
    size: number,
    price: number,
    bankruptcy: number,
    notional: number,
    counterparty: number,
    fund: number,
    vault: number,
  ): number {
    if (LIQUIDATED_CODES.has(kind)) this.stepLiquidated += notional;
    else if (kind === KIND.adl) this.stepAdl += notional;
    this.eventsWanted++;
    if (this.eventCount >= this.capEvents) {
      this.overflowed = true;
      return -1;
    }
    const e = this.events;
    const at = this.eventCount * EVENT_STRIDE;
    e[at + EV.kind] = kind;
    e[at + EV.step] = this.source.step();
    e[at + EV.round] = this.source.round() - this.roundBase;
    e[at + EV.account] = account;
    e[at + EV.side] = side;
    e[at + EV.size] = size;
    e[at + EV.price] = price;
    e[at + EV.bankruptcyPrice] = bankruptcy;
    e[at + EV.notional] = notional;
    e[at + EV.counterparty] = counterparty;
    e[at + EV.fundAfter] = fund;
    e[at + EV.vaultAfter] = vault;
    if (this.eventMarket) this.eventMarket[this.eventCount] = this.market;
    return this.eventCount++;
  }

  /** A standalone event, with the fund and vault as they are now. */
  event(
    kind: number,
    account: number,
    side: number,
    size: number,
    price: number,
    bankruptcy: number,
    notional: number,
    counterparty: number,
  ): void {
    this.append(kind, account, side, size, price, bankruptcy, notional, counterparty, this.source.fund(), this.source.vault());
  }

  /** Opens the event of a settlement (its fund and vault are written by close()). */
  open(kind: number, account: number, side: number, size: number, price: number, bankruptcy: number, notional: number): void {
    this.openRow = this.append(kind, account, side, size, price, bankruptcy, notional, -1, NaN, NaN);
  }

  /** Opens the event of a fill of `size` units of account i (side s) for `notional`; q, c, e: the account before it. */
  fill(kind: number, i: number, s: number, size: number, notional: number, q: number, c: number, e: number): void {
    this.open(kind, i, s, size, notional / size, e - (s * c) / q, notional);
  }

  /** Completes the open event with the fund and vault after its settlement. */
  close(): void {
    if (this.openRow >= 0) {
      const at = this.openRow * EVENT_STRIDE;
      this.events[at + EV.fundAfter] = this.source.fund();
      this.events[at + EV.vaultAfter] = this.source.vault();
    }
    this.openRow = -1;
  }

  /** Bad debt booked: an amount no one paid (account −1; side: the side of the position whose loss it is). */
  badDebt(side: number, amount: number): void {
    this.append(KIND["bad-debt"], -1, side, NaN, NaN, NaN, amount, -1, this.source.fund(), this.source.vault());
  }

  /** An auction kicked at this mark (its top: the mark times the buffer `buf`). */
  kick(i: number, s: number, mark: number, buf: number, q: number, c: number, e: number): void {
    this.open(KIND["auction-kick"], i, s, q, s > 0 ? mark * buf : mark / buf, e - (s * c) / q, NaN);
  }

  /** The path starts: the trace is emptied. */
  start(): void {
    this.eventCount = 0;
    this.eventsWanted = 0;
    this.stepCount = 0;
    this.overflowed = false;
    this.openRow = -1;
    this.roundBase = 0;
    this.stepLiquidated = 0;
    this.stepAdl = 0;
    this.stepLow = Infinity;
  }

  /** A round of the cascade ended with this mark (several markets: market 0's, whose mark the step row holds). */
  round(mark: number): void {
    if (this.market === 0 && mark < this.stepLow) this.stepLow = mark;
  }

  /**
   * Step t's row (0: the opening), the values the engine read at its end; the recorder adds the lowest mark, the
   * step's liquidated and ADL notional, the fund and the vault.
   */
  row(
    t: number,
    v: StepValues,
    /** Several markets: every market's mark. */
    marks?: ArrayLike<number>,
  ): void {
    if (this.stepCount >= this.capSteps) return;
    if (this.marks && marks) for (let m = 0; m < this.markets; m++) this.marks[this.stepCount * this.markets + m] = marks[m];
    const low = v.mark < this.stepLow ? v.mark : this.stepLow;
    const r = this.steps;
    const at = this.stepCount * STEP_STRIDE;
    r[at + ST.step] = t;
    r[at + ST.fundamental] = v.fundamental;
    r[at + ST.mid] = v.mid;
    r[at + ST.mark] = v.mark;
    r[at + ST.markLow] = low;
    r[at + ST.oracle] = v.oracle;
    r[at + ST.last] = v.last;
    r[at + ST.bestBid] = v.bestBid;
    r[at + ST.bestAsk] = v.bestAsk;
    r[at + ST.depth1pct] = v.depth1pct;
    r[at + ST.fund] = this.source.fund();
    r[at + ST.vault] = this.source.vault();
    r[at + ST.oiLong] = v.oiLong;
    r[at + ST.oiShort] = v.oiShort;
    r[at + ST.liquidatedNotional] = this.stepLiquidated;
    r[at + ST.adlNotional] = this.stepAdl;
    r[at + ST.badDebt] = v.badDebt;
    this.stepCount++;
    this.roundBase = this.source.round();
    this.stepLiquidated = 0;
    this.stepAdl = 0;
    this.stepLow = Infinity;
  }

  /** A copy of the path's records. */
  take(path: number): PathTrace {
    return {
      path,
      events: this.events.slice(0, this.eventCount * EVENT_STRIDE),
      eventCount: this.eventCount,
      steps: this.steps.slice(0, this.stepCount * STEP_STRIDE),
      stepCount: this.stepCount,
      ...(this.eventMarket ? { market: this.eventMarket.slice(0, this.eventCount) } : {}),
      ...(this.marks ? { marks: this.marks.slice(0, this.stepCount * this.markets) } : {}),
    };
  }
}

/**
 * Market m's view of a recorder several markets share (src/engine/markets.ts): the same recorder, whose every call
 * through the view first says it is market m's — so each event names the market whose state recorded it, wherever
 * in the step it happens (its round, its loss allocation, a cross owner's deficit covered in its ledger).
 */
export function marketView(recorder: TraceRecorder, m: number): TraceRecorder {
  return new Proxy(recorder, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        target.market = m;
        return value.apply(target, args);
      };
    },
  });
}
