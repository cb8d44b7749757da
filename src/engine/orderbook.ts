// The per-order limit order book, in TypeScript: the twin of assembly/orderbook/book.ts, operation for operation
// (same slots, same ladder, same bitmaps, same id index), so both give the same ids, events, results and
// L2 bytes. Price-time priority; limit (GTC), market, IOC, FOK, post-only; cancel, amend; self-trade
// prevention. Prices are integer ticks in [minPrice, maxPrice], sizes integer lots (numbers, exact because
// every size, and every side's resting total, stays ≤ MAX_LOTS = 2^53 − 1).
//
// Conventions, with the venues they follow:
// - Time priority: arrival order within a price; a smaller amend keeps the place, a larger one goes to the
//   back of the level (CME, Binance, Coinbase: a size increase loses priority).
// - Trades print at the resting order's price (price improvement goes to the taker).
// - POST_ONLY that would take is rejected, book untouched (Coinbase post_only, Binance GTX). Sliding it to
//   one tick inside the spread (Deribit's default, reject_post_only=false) is not implemented.
// - FOK is all-or-nothing at once within its limit; if it cannot fill, nothing happens to the book — not
//   even a self-trade-prevention cancel (liquibook AON+IOC, Binance FOK → EXPIRED).
// - Self-trade prevention is the taker's mode (Binance and Coinbase: the resting order's mode is ignored);
//   two orders self-trade when their owner ids are equal:
//     CANCEL_NEWEST          Binance EXPIRE_TAKER, Coinbase `cn`, OKX cancel_taker, Deribit reject_taker
//     CANCEL_OLDEST          Binance EXPIRE_MAKER, Coinbase `co`, OKX cancel_maker (its default since 2024),
//                            Deribit cancel_maker
//     CANCEL_BOTH            Binance EXPIRE_BOTH, Coinbase `cb`, OKX cancel_both
//     DECREMENT_AND_CANCEL   Coinbase `dc` (its default), Binance spot DECREMENT: both orders shrink by
//                            the smaller one's size, no trade prints, an order at 0 is gone
//   A POST_ONLY order is rejected by any crossing order, its owner's own included.
// - LIMIT and POST_ONLY need their price in range and a free slot before anything happens (even if they
//   would fill at once: the check does not depend on the book); IOC, FOK and MARKET take any price.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SIDE = { BID: 0, ASK: 1 } as const;
export const ORDER_TYPE = { LIMIT: 0, MARKET: 1, IOC: 2, FOK: 3, POST_ONLY: 4 } as const;
export const STP = { NONE: 0, CANCEL_NEWEST: 1, CANCEL_OLDEST: 2, CANCEL_BOTH: 3, DECREMENT_AND_CANCEL: 4 } as const;
export const FLAGS_STP_MASK = 7;

/** The outcome of the last call (result[RESULT.state]). */
export const ORDER_STATE = {
  NONE: 0,
  RESTING: 1,
  FILLED: 2,
  EXPIRED: 3,
  FOK_KILLED: 4,
  POST_ONLY_REJECTED: 5,
  STP_CANCELLED: 6,
  CANCELLED: 7,
} as const;

export const ORDER_STATE_TEXT: Record<number, string> = {
  0: "none",
  1: "resting",
  2: "filled",
  3: "expired: the remainder of an IOC or market order was cancelled",
  4: "killed: the FOK order could not fill completely; the book is unchanged",
  5: "rejected: the post-only order would have taken liquidity; the book is unchanged",
  6: "cancelled by self-trade prevention",
  7: "cancelled",
};

/** Status codes of every call; the kernel returns the numbers, the host owns the words. */
export const BOOK_STATUS = {
  OK: 0,
  NOT_INITIALISED: 1,
  BAD_CAPACITY: 2,
  ALREADY_INITIALISED: 3,
  BAD_SIDE: 4,
  BAD_TYPE: 5,
  BAD_FLAGS: 6,
  BAD_SIZE: 7,
  PRICE_OUT_OF_RANGE: 8,
  FULL: 9,
  SIZE_OVERFLOW: 10,
  IDS_EXHAUSTED: 11,
  ORDER_NOT_FOUND: 12,
} as const;

export const BOOK_STATUS_TEXT: Record<number, string> = {
  0: "ok",
  1: "order book used before init()",
  2: "order book capacity must be 1..4194304 orders and a price range of 1..4194304 ticks above −2^31",
  3: "order book already initialised (init() carves its regions once per instance)",
  4: "order side must be 0 (bid) or 1 (ask)",
  5: "order type must be 0 (limit), 1 (market), 2 (IOC), 3 (FOK) or 4 (post-only)",
  6: "order flags must hold only a self-trade prevention mode 0..4",
  7: "order size must be a whole number of lots in 1..2^53−1 (amend: 0..2^53−1)",
  8: "a resting order's price must lie in the book's price range",
  9: "the order book is full: no free slot for a resting order",
  10: "resting lots would exceed 2^53−1",
  11: "the order book has issued 2^31−2 ids since its last reset",
  12: "no resting order has this id (filled, cancelled, or never placed)",
};

export function bookStatusText(code: number): string {
  return BOOK_STATUS_TEXT[code] ?? `unknown order book status ${code}`;
}

export const EVENT_KIND = { TRADE: 0, STP_CANCEL_MAKER: 1, STP_DECREMENT: 2 } as const;

/** Event records: EVENT_STRIDE bytes; i32 fields at byte/4, f64 fields at byte/8 (as in the kernel). */
export const EVENT_STRIDE = 40;
export const EVENT_I32 = { kind: 0, maker: 1, taker: 2, price: 3, makerOwner: 8 } as const;
export const EVENT_F64 = { size: 2, makerLeft: 3 } as const;

/** Result slots (f64). */
export const RESULT = {
  orderId: 0,
  state: 1,
  filled: 2,
  resting: 3,
  cancelled: 4,
  added: 5,
  notional: 6,
  events: 7,
  trades: 8,
} as const;
export const RESULT_SLOTS = 9;

/** Order query slots (f64). */
export const QUERY = { side: 0, price: 1, owner: 2, remaining: 3, lotsAhead: 4, ordersAhead: 5 } as const;
export const QUERY_SLOTS = 6;

export const MAX_LOTS = 2 ** 53 - 1;
export const MAX_ORDERS = 1 << 22;
export const MAX_RANGE = 1 << 22;
export const NO_PRICE = -2147483648;
const NIL = -1;
const I32_MAX = 2147483647;

/** One record of the event buffer. */
export interface BookEvent {
  kind: number;
  maker: number;
  taker: number;
  price: number;
  size: number;
  makerLeft: number;
  makerOwner: number;
}

/** What both engines expose: the same calls and the same output regions (typed-array views). */
export interface OrderBookEngine {
  place(side: number, type: number, price: number, size: number, owner: number, flags: number): number;
  cancel(id: number): number;
  amend(id: number, newSize: number): number;
  reset(): void;
  bestBid(): number;
  bestAsk(): number;
  depth(side: number, maxLevels: number): number;
  levelOrders(price: number): number;
  queryOrder(id: number): number;
  orderRemaining(id: number): number;
  sideLots(side: number): number;
  restingCount(): number;
  readonly result: Float64Array;
  readonly eventI32: Int32Array;
  readonly eventF64: Float64Array;
  readonly depthOut: Float64Array;
  readonly idsOut: Int32Array;
  readonly queryOut: Float64Array;
}

/** The last call's events as objects. */
export function readEvents(book: OrderBookEngine): BookEvent[] {
  const out: BookEvent[] = [];
  const n = book.result[RESULT.events];
  const i32 = book.eventI32;
  const f64 = book.eventF64;
  for (let e = 0; e < n; e++) {
    const a = e * (EVENT_STRIDE >> 2);
    const b = e * (EVENT_STRIDE >> 3);
    out.push({
      kind: i32[a + EVENT_I32.kind],
      maker: i32[a + EVENT_I32.maker],
      taker: i32[a + EVENT_I32.taker],
      price: i32[a + EVENT_I32.price],
      size: f64[b + EVENT_F64.size],
      makerLeft: f64[b + EVENT_F64.makerLeft],
      makerOwner: i32[a + EVENT_I32.makerOwner],
    });
  }
  return out;
}

/** L2 of one side, best first: [price, lots, orders] per level. */
export function readDepth(book: OrderBookEngine, side: number, maxLevels = Number.MAX_SAFE_INTEGER): [number, number, number][] {
  const n = book.depth(side, Math.min(maxLevels, 2147483647));
  const out: [number, number, number][] = [];
  for (let i = 0; i < n; i++) out.push([book.depthOut[3 * i], book.depthOut[3 * i + 1], book.depthOut[3 * i + 2]]);
  return out;
}

/** The ids resting at a price, in queue order. */
export function readLevel(book: OrderBookEngine, price: number): number[] {
  return Array.from(book.idsOut.subarray(0, book.levelOrders(price)));
}

/** Capacity check of init(): a status code. */
export function checkCapacity(capOrders: number, minPrice: number, maxPrice: number): number {
  const span = maxPrice - minPrice + 1;
  const ints = Number.isInteger(capOrders) && Number.isInteger(minPrice) && Number.isInteger(maxPrice);
  if (
    !ints ||
    capOrders < 1 ||
    capOrders > MAX_ORDERS ||
    minPrice <= NO_PRICE ||
    maxPrice > I32_MAX ||
    span < 1 ||
    span > MAX_RANGE
  ) {
    return BOOK_STATUS.BAD_CAPACITY;
  }
  return BOOK_STATUS.OK;
}

/** Lots from a host number, or −1 when it is not a whole number of lots in 0..MAX_LOTS. */
export function lots(x: number): number {
  if (!(x >= 0 && x <= MAX_LOTS) || x !== Math.floor(x)) return -1;
  return x;
}

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function hashHome(id: number, shift: number): number {
  return Math.imul(id, 0x9e3779b9 | 0) >>> shift;
}

export class OrderBook implements OrderBookEngine {
  readonly capOrders: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  private readonly range: number;
  private readonly words: number;
  private readonly summaryWords: number;
  private readonly indexMask: number;
  private readonly indexShift: number;
  // order slots (struct of arrays)
  private readonly oPrev: Int32Array;
  private readonly oNext: Int32Array;
  private readonly oId: Int32Array;
  private readonly oOwner: Int32Array;
  private readonly oLevel: Int32Array;
  private readonly oSide: Int32Array;
  private readonly oSize: Float64Array;
  // the ladder
  private readonly lHead: Int32Array;
  private readonly lTail: Int32Array;
  private readonly lCount: Int32Array;
  private readonly lSize: Float64Array;
  private readonly bidWords: Uint32Array;
  private readonly bidSummary: Uint32Array;
  private readonly askWords: Uint32Array;
  private readonly askSummary: Uint32Array;
  private readonly indexKeys: Int32Array;
  private readonly indexSlots: Int32Array;
  private readonly freeSlots: Int32Array;
  private freeTop = 0;
  private nextId = 1;
  private bestBidLevel = NIL;
  private bestAskLevel = NIL;
  private resting = 0;
  private restingLots = 0;
  private bidLots = 0;
  private askLots = 0;
  // the last call's outcome
  private resOrderId = 0;
  private resState = 0;
  private resFilled = 0;
  private resResting = 0;
  private resCancelled = 0;
  private resAdded = 0;
  private resNotional = 0;
  private eventCount = 0;
  private tradeCount = 0;
  private takerStopped = false;

  readonly result = new Float64Array(RESULT_SLOTS);
  readonly eventI32: Int32Array;
  readonly eventF64: Float64Array;
  readonly depthOut: Float64Array;
  readonly idsOut: Int32Array;
  readonly queryOut = new Float64Array(QUERY_SLOTS);

  /** A book for capOrders resting orders and prices minPrice..maxPrice ticks (throws RangeError otherwise). */
  constructor(capOrders: number, minPrice: number, maxPrice: number) {
    const status = checkCapacity(capOrders, minPrice, maxPrice);
    if (status !== BOOK_STATUS.OK) throw new RangeError(bookStatusText(status));
    this.capOrders = capOrders;
    this.minPrice = minPrice;
    this.maxPrice = maxPrice;
    this.range = maxPrice - minPrice + 1;
    this.words = (this.range + 31) >>> 5;
    this.summaryWords = (this.words + 31) >>> 5;
    let table = 2;
    while (table < 2 * capOrders) table *= 2;
    this.indexMask = table - 1;
    this.indexShift = 32 - ctz(table);
    this.oPrev = new Int32Array(capOrders);
    this.oNext = new Int32Array(capOrders);
    this.oId = new Int32Array(capOrders);
    this.oOwner = new Int32Array(capOrders);
    this.oLevel = new Int32Array(capOrders);
    this.oSide = new Int32Array(capOrders);
    this.oSize = new Float64Array(capOrders);
    this.lHead = new Int32Array(this.range).fill(NIL);
    this.lTail = new Int32Array(this.range).fill(NIL);
    this.lCount = new Int32Array(this.range);
    this.lSize = new Float64Array(this.range);
    this.bidWords = new Uint32Array(this.words);
    this.bidSummary = new Uint32Array(this.summaryWords);
    this.askWords = new Uint32Array(this.words);
    this.askSummary = new Uint32Array(this.summaryWords);
    this.indexKeys = new Int32Array(table);
    this.indexSlots = new Int32Array(table);
    this.freeSlots = new Int32Array(capOrders);
    const events = new ArrayBuffer((capOrders + 1) * EVENT_STRIDE);
    this.eventI32 = new Int32Array(events);
    this.eventF64 = new Float64Array(events);
    this.depthOut = new Float64Array(capOrders * 3);
    this.idsOut = new Int32Array(capOrders);
    this.reset();
  }

  // ---- bitmaps ----

  private setBit(w0: Uint32Array, w1: Uint32Array, i: number): void {
    const w = i >>> 5;
    w0[w] |= 1 << (i & 31);
    w1[w >>> 5] |= 1 << (w & 31);
  }

  private clearBit(w0: Uint32Array, w1: Uint32Array, i: number): void {
    const w = i >>> 5;
    const left = w0[w] & ~(1 << (i & 31));
    w0[w] = left;
    if (left === 0) w1[w >>> 5] &= ~(1 << (w & 31));
  }

  private nextAbove(w0: Uint32Array, w1: Uint32Array, i: number): number {
    if (i >= this.range) return NIL;
    if (i < 0) i = 0;
    let w = i >>> 5;
    const bits = w0[w] & (0xffffffff << (i & 31));
    if (bits !== 0) return (w << 5) + ctz(bits);
    const j = w + 1;
    if (j >= this.words) return NIL;
    let u = j >>> 5;
    let b = w1[u] & (0xffffffff << (j & 31));
    while (b === 0) {
      if (++u >= this.summaryWords) return NIL;
      b = w1[u];
    }
    w = (u << 5) + ctz(b);
    return (w << 5) + ctz(w0[w]);
  }

  private prevBelow(w0: Uint32Array, w1: Uint32Array, i: number): number {
    if (i < 0) return NIL;
    if (i >= this.range) i = this.range - 1;
    let w = i >>> 5;
    const bits = w0[w] & (0xffffffff >>> (31 - (i & 31)));
    if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits);
    const j = w - 1;
    if (j < 0) return NIL;
    let u = j >>> 5;
    let b = w1[u] & (0xffffffff >>> (31 - (j & 31)));
    while (b === 0) {
      if (--u < 0) return NIL;
      b = w1[u];
    }
    w = (u << 5) + 31 - Math.clz32(b);
    return (w << 5) + 31 - Math.clz32(w0[w]);
  }

  // ---- id → slot index ----

  private slotOf(id: number): number {
    if (id <= 0) return NIL;
    const keys = this.indexKeys;
    let h = hashHome(id, this.indexShift);
    for (;;) {
      const k = keys[h];
      if (k === id) return this.indexSlots[h];
      if (k === 0) return NIL;
      h = (h + 1) & this.indexMask;
    }
  }

  private indexInsert(id: number, slot: number): void {
    let h = hashHome(id, this.indexShift);
    while (this.indexKeys[h] !== 0) h = (h + 1) & this.indexMask;
    this.indexKeys[h] = id;
    this.indexSlots[h] = slot;
  }

  private indexRemove(id: number): void {
    const keys = this.indexKeys;
    const mask = this.indexMask;
    let i = hashHome(id, this.indexShift);
    while (keys[i] !== id) {
      if (keys[i] === 0) throw new Error(`order book index lost id ${id}`);
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === 0) break;
      if (((j - hashHome(k, this.indexShift)) & mask) >= ((j - i) & mask)) {
        keys[i] = k;
        this.indexSlots[i] = this.indexSlots[j];
        i = j;
      }
    }
    keys[i] = 0;
  }

  // ---- life cycle ----

  private clearSide(w0: Uint32Array, w1: Uint32Array): void {
    let l = this.nextAbove(w0, w1, 0);
    while (l !== NIL) {
      this.lHead[l] = NIL;
      this.lTail[l] = NIL;
      this.lCount[l] = 0;
      this.lSize[l] = 0;
      l = this.nextAbove(w0, w1, l + 1);
    }
    w0.fill(0);
    w1.fill(0);
  }

  /** Empties the book and restarts ids at 1. */
  reset(): void {
    this.clearSide(this.bidWords, this.bidSummary);
    this.clearSide(this.askWords, this.askSummary);
    this.indexKeys.fill(0);
    for (let s = 0; s < this.capOrders; s++) this.freeSlots[s] = this.capOrders - 1 - s;
    this.freeTop = this.capOrders;
    this.nextId = 1;
    this.bestBidLevel = NIL;
    this.bestAskLevel = NIL;
    this.resting = 0;
    this.restingLots = 0;
    this.bidLots = 0;
    this.askLots = 0;
    this.begin();
    this.publish();
  }

  private begin(): void {
    this.resOrderId = 0;
    this.resState = ORDER_STATE.NONE;
    this.resFilled = 0;
    this.resResting = 0;
    this.resCancelled = 0;
    this.resAdded = 0;
    this.resNotional = 0;
    this.eventCount = 0;
    this.tradeCount = 0;
  }

  private publish(): void {
    const r = this.result;
    r[RESULT.orderId] = this.resOrderId;
    r[RESULT.state] = this.resState;
    r[RESULT.filled] = this.resFilled;
    r[RESULT.resting] = this.resResting;
    r[RESULT.cancelled] = this.resCancelled;
    r[RESULT.added] = this.resAdded;
    r[RESULT.notional] = this.resNotional;
    r[RESULT.events] = this.eventCount;
    r[RESULT.trades] = this.tradeCount;
  }

  private emit(
    kind: number,
    maker: number,
    taker: number,
    price: number,
    size: number,
    makerLeft: number,
    makerOwner: number,
  ): void {
    if (this.eventCount > this.capOrders) throw new Error("order book event buffer overflow");
    const a = this.eventCount * (EVENT_STRIDE >> 2);
    const b = this.eventCount * (EVENT_STRIDE >> 3);
    this.eventI32[a + EVENT_I32.kind] = kind;
    this.eventI32[a + EVENT_I32.maker] = maker;
    this.eventI32[a + EVENT_I32.taker] = taker;
    this.eventI32[a + EVENT_I32.price] = price;
    this.eventF64[b + EVENT_F64.size] = size;
    this.eventF64[b + EVENT_F64.makerLeft] = makerLeft;
    this.eventI32[a + EVENT_I32.makerOwner] = makerOwner;
    this.eventI32[a + 9] = 0;
    this.eventCount++;
  }

  // ---- queue maintenance ----

  private rest(side: number, id: number, owner: number, level: number, size: number): void {
    const slot = this.freeSlots[--this.freeTop];
    const tail = this.lTail[level];
    const count = this.lCount[level];
    if (count !== 0 && this.oSide[this.lHead[level]] !== side) throw new Error("order book crossed: a level holds both sides");
    this.oPrev[slot] = tail;
    this.oNext[slot] = NIL;
    this.oId[slot] = id;
    this.oOwner[slot] = owner;
    this.oLevel[slot] = level;
    this.oSide[slot] = side;
    this.oSize[slot] = size;
    if (tail !== NIL) this.oNext[tail] = slot;
    else this.lHead[level] = slot;
    this.lTail[level] = slot;
    this.lCount[level] = count + 1;
    this.lSize[level] += size;
    if (side === SIDE.BID) {
      if (count === 0) this.setBit(this.bidWords, this.bidSummary, level);
      if (this.bestBidLevel === NIL || level > this.bestBidLevel) this.bestBidLevel = level;
      this.bidLots += size;
    } else {
      if (count === 0) this.setBit(this.askWords, this.askSummary, level);
      if (this.bestAskLevel === NIL || level < this.bestAskLevel) this.bestAskLevel = level;
      this.askLots += size;
    }
    this.resting++;
    this.restingLots += size;
    this.indexInsert(id, slot);
  }

  private shrink(slot: number, lotsOff: number): void {
    this.oSize[slot] -= lotsOff;
    this.lSize[this.oLevel[slot]] -= lotsOff;
    if (this.oSide[slot] === SIDE.BID) this.bidLots -= lotsOff;
    else this.askLots -= lotsOff;
    this.restingLots -= lotsOff;
  }

  private unlink(slot: number): void {
    const level = this.oLevel[slot];
    const side = this.oSide[slot];
    const size = this.oSize[slot];
    const prev = this.oPrev[slot];
    const next = this.oNext[slot];
    if (prev !== NIL) this.oNext[prev] = next;
    else this.lHead[level] = next;
    if (next !== NIL) this.oPrev[next] = prev;
    else this.lTail[level] = prev;
    const count = --this.lCount[level];
    this.lSize[level] -= size;
    if (side === SIDE.BID) {
      this.bidLots -= size;
      if (count === 0) {
        this.clearBit(this.bidWords, this.bidSummary, level);
        if (level === this.bestBidLevel) this.bestBidLevel = this.prevBelow(this.bidWords, this.bidSummary, level - 1);
      }
    } else {
      this.askLots -= size;
      if (count === 0) {
        this.clearBit(this.askWords, this.askSummary, level);
        if (level === this.bestAskLevel) this.bestAskLevel = this.nextAbove(this.askWords, this.askSummary, level + 1);
      }
    }
    this.resting--;
    this.restingLots -= size;
    this.indexRemove(this.oId[slot]);
    this.freeSlots[this.freeTop++] = slot;
  }

  // ---- matching ----

  private crossing(side: number, limit: number): number {
    if (side === SIDE.BID) return this.bestAskLevel !== NIL && this.bestAskLevel <= limit ? this.bestAskLevel : NIL;
    return this.bestBidLevel !== NIL && this.bestBidLevel >= limit ? this.bestBidLevel : NIL;
  }

  private fillable(side: number, limit: number, size: number, owner: number, stp: number): boolean {
    let need = size;
    let level = this.crossing(side, limit);
    while (level !== NIL && (side === SIDE.BID ? level <= limit : level >= limit)) {
      if (stp === STP.NONE) {
        need -= this.lSize[level];
        if (need <= 0) return true;
      } else {
        let s = this.lHead[level];
        while (s !== NIL) {
          if (this.oOwner[s] === owner) {
            if (stp !== STP.CANCEL_OLDEST) return false;
          } else {
            need -= this.oSize[s];
            if (need <= 0) return true;
          }
          s = this.oNext[s];
        }
      }
      level =
        side === SIDE.BID
          ? this.nextAbove(this.askWords, this.askSummary, level + 1)
          : this.prevBelow(this.bidWords, this.bidSummary, level - 1);
    }
    return false;
  }

  private take(side: number, id: number, owner: number, stp: number, limit: number, size: number): number {
    let rem = size;
    let filled = 0;
    let notional = 0;
    let stopped = false;
    while (rem > 0) {
      const level = this.crossing(side, limit);
      if (level === NIL) break;
      const price = this.minPrice + level;
      let s = this.lHead[level];
      while (s !== NIL && rem > 0) {
        const next = this.oNext[s];
        const m = this.oSize[s];
        const maker = this.oId[s];
        const makerOwner = this.oOwner[s];
        if (stp !== STP.NONE && makerOwner === owner) {
          if (stp === STP.CANCEL_NEWEST) {
            stopped = true;
            break;
          }
          if (stp === STP.DECREMENT_AND_CANCEL) {
            const d = rem < m ? rem : m;
            rem -= d;
            this.resCancelled += d;
            this.emit(EVENT_KIND.STP_DECREMENT, maker, id, price, d, m - d, makerOwner);
            if (d === m) this.unlink(s);
            else this.shrink(s, d);
          } else {
            this.emit(EVENT_KIND.STP_CANCEL_MAKER, maker, id, price, m, 0, makerOwner);
            this.unlink(s);
            if (stp === STP.CANCEL_BOTH) {
              stopped = true;
              break;
            }
          }
        } else {
          const q = rem < m ? rem : m;
          rem -= q;
          filled += q;
          notional += price * q;
          this.emit(EVENT_KIND.TRADE, maker, id, price, q, m - q, makerOwner);
          this.tradeCount++;
          if (q === m) this.unlink(s);
          else this.shrink(s, q);
        }
        s = next;
      }
      if (stopped) break;
    }
    this.resFilled = filled;
    this.resNotional = notional;
    this.takerStopped = stopped;
    return rem;
  }

  /**
   * Places an order; returns BOOK_STATUS.OK when it was accepted (id and outcome in `result`, what it did
   * in the event buffer) or a rejection status that left the book untouched. Sizes are whole lots, prices
   * ticks, owner any int32 (self-trade prevention compares owners), flags the STP mode.
   */
  place(side: number, type: number, price: number, size: number, owner: number, flags: number): number {
    this.begin();
    // int32 arguments convert as they do on the way into WASM (ToInt32)
    const status = this.placeOrder(side | 0, type | 0, price | 0, lots(size), owner | 0, flags | 0);
    this.publish();
    return status;
  }

  private placeOrder(side: number, type: number, price: number, size: number, owner: number, flags: number): number {
    if (side !== SIDE.BID && side !== SIDE.ASK) return BOOK_STATUS.BAD_SIDE;
    if (type < ORDER_TYPE.LIMIT || type > ORDER_TYPE.POST_ONLY) return BOOK_STATUS.BAD_TYPE;
    const stp = flags & FLAGS_STP_MASK;
    if ((flags & ~FLAGS_STP_MASK) !== 0 || stp > STP.DECREMENT_AND_CANCEL) return BOOK_STATUS.BAD_FLAGS;
    if (size < 1 || size > MAX_LOTS) return BOOK_STATUS.BAD_SIZE;
    const rests = type === ORDER_TYPE.LIMIT || type === ORDER_TYPE.POST_ONLY;
    if (rests) {
      if (price < this.minPrice || price > this.maxPrice) return BOOK_STATUS.PRICE_OUT_OF_RANGE;
      if (this.freeTop === 0) return BOOK_STATUS.FULL;
      if (size > MAX_LOTS - this.restingLots) return BOOK_STATUS.SIZE_OVERFLOW;
    }
    if (this.nextId === I32_MAX) return BOOK_STATUS.IDS_EXHAUSTED;
    const id = this.nextId++;
    this.resOrderId = id;
    let limit: number;
    if (side === SIDE.BID) {
      limit =
        type === ORDER_TYPE.MARKET || price > this.maxPrice
          ? this.range - 1
          : price < this.minPrice
            ? NIL
            : price - this.minPrice;
    } else {
      limit =
        type === ORDER_TYPE.MARKET || price < this.minPrice ? 0 : price > this.maxPrice ? this.range : price - this.minPrice;
    }
    if (type === ORDER_TYPE.POST_ONLY && this.crossing(side, limit) !== NIL) {
      this.resState = ORDER_STATE.POST_ONLY_REJECTED;
      this.resCancelled = size;
      return BOOK_STATUS.OK;
    }
    if (type === ORDER_TYPE.FOK && !this.fillable(side, limit, size, owner, stp)) {
      this.resState = ORDER_STATE.FOK_KILLED;
      this.resCancelled = size;
      return BOOK_STATUS.OK;
    }
    const rem = this.take(side, id, owner, stp, limit, size);
    if (this.takerStopped) {
      this.resCancelled += rem;
      this.resState = ORDER_STATE.STP_CANCELLED;
    } else if (rem === 0) {
      this.resState = this.resCancelled > 0 ? ORDER_STATE.STP_CANCELLED : ORDER_STATE.FILLED;
    } else if (rests) {
      this.rest(side, id, owner, price - this.minPrice, rem);
      this.resResting = rem;
      this.resState = ORDER_STATE.RESTING;
    } else {
      if (type === ORDER_TYPE.FOK) throw new Error("a FOK that passed its check left a remainder");
      this.resCancelled += rem;
      this.resState = ORDER_STATE.EXPIRED;
    }
    return BOOK_STATUS.OK;
  }

  /** Cancels a resting order. */
  cancel(id: number): number {
    this.begin();
    const slot = this.slotOf(id | 0);
    if (slot === NIL) {
      this.publish();
      return BOOK_STATUS.ORDER_NOT_FOUND;
    }
    this.resOrderId = id | 0;
    this.resCancelled = this.oSize[slot];
    this.resState = ORDER_STATE.CANCELLED;
    this.unlink(slot);
    this.publish();
    return BOOK_STATUS.OK;
  }

  /** Sets a resting order's open size: smaller keeps its place, larger goes to the back, 0 cancels. */
  amend(id: number, newSize: number): number {
    this.begin();
    const status = this.amendOrder(id | 0, lots(newSize));
    this.publish();
    return status;
  }

  private amendOrder(id: number, newSize: number): number {
    if (newSize < 0 || newSize > MAX_LOTS) return BOOK_STATUS.BAD_SIZE;
    const slot = this.slotOf(id);
    if (slot === NIL) return BOOK_STATUS.ORDER_NOT_FOUND;
    const size = this.oSize[slot];
    if (newSize > size && newSize - size > MAX_LOTS - this.restingLots) return BOOK_STATUS.SIZE_OVERFLOW;
    this.resOrderId = id;
    if (newSize === 0) {
      this.resCancelled = size;
      this.resState = ORDER_STATE.CANCELLED;
      this.unlink(slot);
      return BOOK_STATUS.OK;
    }
    this.resState = ORDER_STATE.RESTING;
    this.resResting = newSize;
    if (newSize < size) {
      this.resCancelled = size - newSize;
      this.shrink(slot, size - newSize);
    } else if (newSize > size) {
      const add = newSize - size;
      this.resAdded = add;
      const level = this.oLevel[slot];
      const next = this.oNext[slot];
      if (next !== NIL) {
        const prev = this.oPrev[slot];
        if (prev !== NIL) this.oNext[prev] = next;
        else this.lHead[level] = next;
        this.oPrev[next] = prev;
        const tail = this.lTail[level];
        this.oNext[tail] = slot;
        this.oPrev[slot] = tail;
        this.oNext[slot] = NIL;
        this.lTail[level] = slot;
      }
      this.oSize[slot] = newSize;
      this.lSize[level] += add;
      if (this.oSide[slot] === SIDE.BID) this.bidLots += add;
      else this.askLots += add;
      this.restingLots += add;
    }
    return BOOK_STATUS.OK;
  }

  // ---- queries ----

  bestBid(): number {
    return this.bestBidLevel === NIL ? NO_PRICE : this.minPrice + this.bestBidLevel;
  }

  bestAsk(): number {
    return this.bestAskLevel === NIL ? NO_PRICE : this.minPrice + this.bestAskLevel;
  }

  /** L2 of one side, best first: up to maxLevels (price, lots, orders) triples in depthOut; returns how many. */
  depth(side: number, maxLevels: number): number {
    side |= 0;
    maxLevels |= 0;
    if (side !== SIDE.BID && side !== SIDE.ASK) return 0;
    const cap = maxLevels < this.capOrders ? maxLevels : this.capOrders;
    let n = 0;
    let level = side === SIDE.BID ? this.bestBidLevel : this.bestAskLevel;
    while (level !== NIL && n < cap) {
      this.depthOut[n * 3] = this.minPrice + level;
      this.depthOut[n * 3 + 1] = this.lSize[level];
      this.depthOut[n * 3 + 2] = this.lCount[level];
      n++;
      level =
        side === SIDE.BID
          ? this.prevBelow(this.bidWords, this.bidSummary, level - 1)
          : this.nextAbove(this.askWords, this.askSummary, level + 1);
    }
    return n;
  }

  /** The ids resting at a price, in queue order, into idsOut; returns how many. */
  levelOrders(price: number): number {
    price |= 0;
    if (price < this.minPrice || price > this.maxPrice) return 0;
    let n = 0;
    let s = this.lHead[price - this.minPrice];
    while (s !== NIL) {
      this.idsOut[n++] = this.oId[s];
      s = this.oNext[s];
    }
    return n;
  }

  /** A resting order's open lots, or −1. */
  orderRemaining(id: number): number {
    const slot = this.slotOf(id | 0);
    return slot === NIL ? -1 : this.oSize[slot];
  }

  /** queryOut ← side, price, owner, remaining, lots and orders ahead of it in its queue. */
  queryOrder(id: number): number {
    const slot = this.slotOf(id | 0);
    if (slot === NIL) return BOOK_STATUS.ORDER_NOT_FOUND;
    let ahead = 0;
    let count = 0;
    for (let s = this.oPrev[slot]; s !== NIL; s = this.oPrev[s]) {
      ahead += this.oSize[s];
      count++;
    }
    const q = this.queryOut;
    q[QUERY.side] = this.oSide[slot];
    q[QUERY.price] = this.minPrice + this.oLevel[slot];
    q[QUERY.owner] = this.oOwner[slot];
    q[QUERY.remaining] = this.oSize[slot];
    q[QUERY.lotsAhead] = ahead;
    q[QUERY.ordersAhead] = count;
    return BOOK_STATUS.OK;
  }

  sideLots(side: number): number {
    side |= 0;
    return side === SIDE.BID ? this.bidLots : side === SIDE.ASK ? this.askLots : 0;
  }

  restingCount(): number {
    return this.resting;
  }
}

// ---- the WASM book: its own module (assembly/orderbook/, build/orderbook.wasm), not part of the production kernel ----

export type OrderBookBuild = "release" | "debug";

/** build/ sits at the package root; this file is at src/engine/ (vitest) or dist/engine/ (after tsc). */
export function orderbookPath(build: OrderBookBuild = "release"): string {
  const file = build === "release" ? "orderbook.wasm" : "orderbook.debug.wasm";
  return fileURLToPath(new URL(`../../build/${file}`, import.meta.url));
}

const compiled = new Map<OrderBookBuild, WebAssembly.Module>();

/** The compiled per-order book module (once per process and build). */
export function orderbookModule(build: OrderBookBuild = "release"): WebAssembly.Module {
  let mod = compiled.get(build);
  if (!mod) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(orderbookPath(build));
    } catch {
      throw new Error(`the WASM order book is not built (${orderbookPath(build)} is missing): run \`npm run build\``);
    }
    mod = new WebAssembly.Module(new Uint8Array(bytes));
    compiled.set(build, mod);
  }
  return mod;
}
