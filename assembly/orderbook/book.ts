// A per-order limit order book with price-time priority, for agents that need queues (a backstop vault, a
// market maker): limit (GTC), market, IOC, FOK and post-only orders, cancel, amend, and self-trade
// prevention. It is separate from assembly/book.ts (the aggregated depth ladder the cascade walks, relative to the
// fundamental): prices here are absolute integer ticks in [minPrice, maxPrice], sizes integer lots (i64,
// at most MAX_LOTS = 2^53 − 1, so the host and the TypeScript twin see every size exactly). Mirrored
// operation for operation by src/engine/orderbook.ts; test/engine/orderbook.test.ts holds the two to the same bytes.
//
// Regions, carved once in init() (nothing is allocated after it):
//   orders   fixed slots, records of ORDER_STRIDE bytes: the level's intrusive FIFO links (prev/next),
//            id, owner, level (price − minPrice), side, remaining lots
//   levels   a dense ladder, one record per tick of the range, shared by both sides (a book that is never
//            crossed never holds bids and asks at one price): head/tail slot, order count, total lots
//   bitmaps  per side, bit i = level i is not empty, plus one bit per non-empty word: the next best level
//            is at most range/1024 words away
//   index    open-addressing table order id → slot (ids are a per-book sequence, never reused until reset)
//   free     stack of free slots
//   events   what the last call did, one record per trade or self-trade-prevention action; a call emits at
//            most capOrders + 1 of them (each but the last removes a resting order), so it never overflows
//
// Expected failures are status codes (BOOK_* below); the host owns their text. Broken invariants trap
// (assert) in the debug build.

export const SIDE_BID: i32 = 0;
export const SIDE_ASK: i32 = 1;

export const TYPE_LIMIT: i32 = 0; // good till cancelled: takes what crosses, rests the remainder
export const TYPE_MARKET: i32 = 1; // no price limit; the remainder expires
export const TYPE_IOC: i32 = 2; // immediate or cancel: takes what crosses its limit, the remainder expires
export const TYPE_FOK: i32 = 3; // fill or kill: all of it now within its limit, or nothing (book untouched)
export const TYPE_POST_ONLY: i32 = 4; // rests, or is rejected (book untouched) if it would take: no slide

// flags bits 0..2: the taker's self-trade prevention mode (the resting order's mode never matters)
export const STP_NONE: i32 = 0; // self-trades happen
export const STP_CANCEL_NEWEST: i32 = 1; // the taker's remainder is cancelled, the resting order stays
export const STP_CANCEL_OLDEST: i32 = 2; // the resting order is cancelled, the taker goes on matching
export const STP_CANCEL_BOTH: i32 = 3; // both are cancelled
export const STP_DECREMENT_AND_CANCEL: i32 = 4; // both shrink by the smaller size; whichever reaches 0 is gone
export const FLAGS_STP_MASK: i32 = 7;

// the outcome of the last call (result slot RES_STATE)
export const STATE_NONE: i32 = 0;
export const STATE_RESTING: i32 = 1;
export const STATE_FILLED: i32 = 2;
export const STATE_EXPIRED: i32 = 3; // IOC/market remainder cancelled
export const STATE_FOK_KILLED: i32 = 4;
export const STATE_POST_ONLY_REJECTED: i32 = 5;
export const STATE_STP_CANCELLED: i32 = 6; // the taker's remainder was cancelled by self-trade prevention
export const STATE_CANCELLED: i32 = 7; // by cancel() or amend(id, 0)

// status codes; the host owns their text (src/engine/orderbook.ts BOOK_STATUS_TEXT)
export const BOOK_OK: i32 = 0;
export const BOOK_NOT_INITIALISED: i32 = 1;
export const BOOK_BAD_CAPACITY: i32 = 2;
export const BOOK_ALREADY_INITIALISED: i32 = 3;
export const BOOK_BAD_SIDE: i32 = 4;
export const BOOK_BAD_TYPE: i32 = 5;
export const BOOK_BAD_FLAGS: i32 = 6;
export const BOOK_BAD_SIZE: i32 = 7;
export const BOOK_PRICE_OUT_OF_RANGE: i32 = 8;
export const BOOK_FULL: i32 = 9;
export const BOOK_SIZE_OVERFLOW: i32 = 10;
export const BOOK_IDS_EXHAUSTED: i32 = 11;
export const BOOK_ORDER_NOT_FOUND: i32 = 12;

export const EVENT_TRADE: i32 = 0;
export const EVENT_STP_CANCEL_MAKER: i32 = 1; // size = the resting order's cancelled lots
export const EVENT_STP_DECREMENT: i32 = 2; // size = lots taken off both orders, no trade

export const MAX_LOTS: i64 = 9007199254740991;
export const MAX_ORDERS: i32 = 1 << 22;
export const MAX_RANGE: i32 = 1 << 22;
export const NO_PRICE: i32 = i32.MIN_VALUE;
const NIL: i32 = -1;

/** Order records: links, id, owner, level, side, remaining lots. */
export const ORDER_STRIDE: usize = 32;
const O_PREV: usize = 0;
const O_NEXT: usize = 4;
const O_ID: usize = 8;
const O_OWNER: usize = 12;
const O_LEVEL: usize = 16;
const O_SIDE: usize = 20;
const O_SIZE: usize = 24;

/** Level records: FIFO head and tail slots, order count, total lots. */
export const LEVEL_STRIDE: usize = 24;
const L_HEAD: usize = 0;
const L_TAIL: usize = 4;
const L_COUNT: usize = 8;
const L_SIZE: usize = 16;

/** Event records, read by the host through Int32Array/Float64Array views (i32 index = byte/4, f64 = byte/8). */
export const EVENT_STRIDE: usize = 40;
export const E_KIND: usize = 0;
export const E_MAKER: usize = 4;
export const E_TAKER: usize = 8;
export const E_PRICE: usize = 12;
export const E_SIZE: usize = 16;
export const E_MAKER_LEFT: usize = 24;
export const E_MAKER_OWNER: usize = 32;
const E_PAD: usize = 36;

/** Result slots (f64): order id, state, filled, resting, cancelled, added, notional (Σ price·size), events, trades. */
export const RES_ORDER_ID = 0;
export const RES_STATE = 1;
export const RES_FILLED = 2;
export const RES_RESTING = 3;
export const RES_CANCELLED = 4;
export const RES_ADDED = 5;
export const RES_NOTIONAL = 6;
export const RES_EVENTS = 7;
export const RES_TRADES = 8;
export const RESULT_SLOTS = 9;

/** Order query slots (f64): side, price, owner, remaining, lots ahead in its queue, orders ahead. */
export const Q_SIDE = 0;
export const Q_PRICE = 1;
export const Q_OWNER = 2;
export const Q_REMAINING = 3;
export const Q_LOTS_AHEAD = 4;
export const Q_ORDERS_AHEAD = 5;
export const QUERY_SLOTS = 6;

let orders = new StaticArray<i64>(0);
let levels = new StaticArray<i64>(0);
let bidWords = new StaticArray<u32>(0);
let bidSummary = new StaticArray<u32>(0);
let askWords = new StaticArray<u32>(0);
let askSummary = new StaticArray<u32>(0);
let indexKeys = new StaticArray<i32>(0);
let indexSlots = new StaticArray<i32>(0);
let freeSlots = new StaticArray<i32>(0);
export let events = new StaticArray<f64>(0);
export let result = new StaticArray<f64>(RESULT_SLOTS);
export let depthOut = new StaticArray<f64>(0);
export let idsOut = new StaticArray<i32>(0);
export let queryOut = new StaticArray<f64>(QUERY_SLOTS);

export let initialised = false;
export let capOrders: i32 = 0;
export let minPrice: i32 = 0;
export let maxPrice: i32 = 0;
let range: i32 = 0;
let words: i32 = 0;
let summaryWords: i32 = 0;
let indexMask: i32 = 0;
let indexShift: i32 = 0;
let freeTop: i32 = 0;
let nextId: i32 = 1;
/** Best levels (price − minPrice), NIL when the side is empty. */
let bestBid: i32 = NIL;
let bestAsk: i32 = NIL;
export let restingOrders: i32 = 0;
export let restingLots: i64 = 0;
export let bidLots: i64 = 0;
export let askLots: i64 = 0;

// the last call's outcome (published to `result` at its end)
export let resOrderId: i32 = 0;
export let resState: i32 = STATE_NONE;
export let resFilled: i64 = 0;
export let resResting: i64 = 0;
export let resCancelled: i64 = 0;
export let resAdded: i64 = 0;
export let resNotional: f64 = 0;
export let eventCount: i32 = 0;
export let tradeCount: i32 = 0;

// ---- records ----

// @ts-ignore: decorator
@inline function orderAt(slot: i32): usize {
  assert(<u32>slot < <u32>capOrders);
  return changetype<usize>(orders) + (<usize>slot << 5);
}

// @ts-ignore: decorator
@inline function levelAt(level: i32): usize {
  assert(<u32>level < <u32>range);
  return changetype<usize>(levels) + <usize>level * LEVEL_STRIDE;
}

// ---- bitmaps: one bit per level, one summary bit per word ----

function setBit(w0: StaticArray<u32>, w1: StaticArray<u32>, i: i32): void {
  const w = i >>> 5;
  unchecked((w0[w] = w0[w] | (<u32>1 << (i & 31))));
  unchecked((w1[w >>> 5] = w1[w >>> 5] | (<u32>1 << (w & 31))));
}

function clearBit(w0: StaticArray<u32>, w1: StaticArray<u32>, i: i32): void {
  const w = i >>> 5;
  const left = unchecked(w0[w]) & ~(<u32>1 << (i & 31));
  unchecked((w0[w] = left));
  if (left == 0) unchecked((w1[w >>> 5] = w1[w >>> 5] & ~(<u32>1 << (w & 31))));
}

/** The lowest set level ≥ i, or NIL. */
function nextAbove(w0: StaticArray<u32>, w1: StaticArray<u32>, i: i32): i32 {
  if (i >= range) return NIL;
  if (i < 0) i = 0;
  let w = i >>> 5;
  const bits = unchecked(w0[w]) & (<u32>0xffffffff << (i & 31));
  if (bits != 0) return (w << 5) + <i32>ctz(bits);
  const j = w + 1;
  if (j >= words) return NIL;
  let u = j >>> 5;
  let b = unchecked(w1[u]) & (<u32>0xffffffff << (j & 31));
  while (b == 0) {
    if (++u >= summaryWords) return NIL;
    b = unchecked(w1[u]);
  }
  w = (u << 5) + <i32>ctz(b);
  return (w << 5) + <i32>ctz(unchecked(w0[w]));
}

/** The highest set level ≤ i, or NIL. */
function prevBelow(w0: StaticArray<u32>, w1: StaticArray<u32>, i: i32): i32 {
  if (i < 0) return NIL;
  if (i >= range) i = range - 1;
  let w = i >>> 5;
  const bits = unchecked(w0[w]) & (<u32>0xffffffff >>> (31 - (i & 31)));
  if (bits != 0) return (w << 5) + 31 - <i32>clz(bits);
  const j = w - 1;
  if (j < 0) return NIL;
  let u = j >>> 5;
  let b = unchecked(w1[u]) & (<u32>0xffffffff >>> (31 - (j & 31)));
  while (b == 0) {
    if (--u < 0) return NIL;
    b = unchecked(w1[u]);
  }
  w = (u << 5) + 31 - <i32>clz(b);
  return (w << 5) + 31 - <i32>clz(unchecked(w0[w]));
}

// ---- id → slot index: linear probing, Fibonacci hashing, backward-shift deletion ----

// @ts-ignore: decorator
@inline function home(id: i32): i32 {
  return <i32>((<u32>id * <u32>0x9e3779b9) >>> <u32>indexShift);
}

function slotOf(id: i32): i32 {
  if (id <= 0) return NIL;
  let h = home(id);
  while (true) {
    const k = unchecked(indexKeys[h]);
    if (k == id) return unchecked(indexSlots[h]);
    if (k == 0) return NIL;
    h = (h + 1) & indexMask;
  }
  return NIL;
}

function indexInsert(id: i32, slot: i32): void {
  let h = home(id);
  while (unchecked(indexKeys[h]) != 0) h = (h + 1) & indexMask;
  unchecked((indexKeys[h] = id));
  unchecked((indexSlots[h] = slot));
}

function indexRemove(id: i32): void {
  let i = home(id);
  while (unchecked(indexKeys[i]) != id) {
    assert(unchecked(indexKeys[i]) != 0);
    i = (i + 1) & indexMask;
  }
  let j = i;
  while (true) {
    j = (j + 1) & indexMask;
    const k = unchecked(indexKeys[j]);
    if (k == 0) break;
    // the entry at j may fill the hole at i unless its home lies cyclically in (i, j]
    if (((j - home(k)) & indexMask) >= ((j - i) & indexMask)) {
      unchecked((indexKeys[i] = k));
      unchecked((indexSlots[i] = indexSlots[j]));
      i = j;
    }
  }
  unchecked((indexKeys[i] = 0));
}

// ---- life cycle ----

/** Carves every region for capOrders resting orders and prices minPrice..maxPrice ticks; once per instance. */
export function init(cap: i32, lo: i32, hi: i32): i32 {
  if (initialised) return BOOK_ALREADY_INITIALISED;
  const span = <i64>hi - <i64>lo + 1;
  if (cap < 1 || cap > MAX_ORDERS || lo == i32.MIN_VALUE || span < 1 || span > <i64>MAX_RANGE) return BOOK_BAD_CAPACITY;
  capOrders = cap;
  minPrice = lo;
  maxPrice = hi;
  range = <i32>span;
  words = (range + 31) >>> 5;
  summaryWords = (words + 31) >>> 5;
  let table = 2;
  while (table < 2 * cap) table <<= 1;
  indexMask = table - 1;
  indexShift = 32 - <i32>ctz(<u32>table);
  orders = new StaticArray<i64>(cap * 4);
  levels = new StaticArray<i64>(range * 3);
  bidWords = new StaticArray<u32>(words);
  bidSummary = new StaticArray<u32>(summaryWords);
  askWords = new StaticArray<u32>(words);
  askSummary = new StaticArray<u32>(summaryWords);
  indexKeys = new StaticArray<i32>(table);
  indexSlots = new StaticArray<i32>(table);
  freeSlots = new StaticArray<i32>(cap);
  events = new StaticArray<f64>((cap + 1) * <i32>(EVENT_STRIDE >>> 3));
  depthOut = new StaticArray<f64>(cap * 3);
  idsOut = new StaticArray<i32>(cap);
  for (let l = 0; l < range; l++) {
    const at = levelAt(l);
    store<i32>(at, NIL, L_HEAD);
    store<i32>(at, NIL, L_TAIL);
  }
  initialised = true;
  freeTop = 0; // reset() walks the (empty) bitmaps and rebuilds the free stack
  reset();
  return BOOK_OK;
}

function clearSide(w0: StaticArray<u32>, w1: StaticArray<u32>): void {
  let l = nextAbove(w0, w1, 0);
  while (l != NIL) {
    const at = levelAt(l);
    store<i32>(at, NIL, L_HEAD);
    store<i32>(at, NIL, L_TAIL);
    store<i32>(at, 0, L_COUNT);
    store<i64>(at, 0, L_SIZE);
    l = nextAbove(w0, w1, l + 1);
  }
  memory.fill(changetype<usize>(w0), 0, <usize>words << 2);
  memory.fill(changetype<usize>(w1), 0, <usize>summaryWords << 2);
}

/** Empties the book and restarts ids at 1: O(non-empty levels + range/32 + capOrders). */
export function reset(): void {
  if (!initialised) return;
  clearSide(bidWords, bidSummary);
  clearSide(askWords, askSummary);
  memory.fill(changetype<usize>(indexKeys), 0, <usize>(indexMask + 1) << 2);
  // the free stack pops slots 0, 1, 2, … first
  for (let s = 0; s < capOrders; s++) unchecked((freeSlots[s] = capOrders - 1 - s));
  freeTop = capOrders;
  nextId = 1;
  bestBid = NIL;
  bestAsk = NIL;
  restingOrders = 0;
  restingLots = 0;
  bidLots = 0;
  askLots = 0;
  begin();
  publish();
}

function begin(): void {
  resOrderId = 0;
  resState = STATE_NONE;
  resFilled = 0;
  resResting = 0;
  resCancelled = 0;
  resAdded = 0;
  resNotional = 0;
  eventCount = 0;
  tradeCount = 0;
}

function publish(): void {
  unchecked((result[RES_ORDER_ID] = <f64>resOrderId));
  unchecked((result[RES_STATE] = <f64>resState));
  unchecked((result[RES_FILLED] = <f64>resFilled));
  unchecked((result[RES_RESTING] = <f64>resResting));
  unchecked((result[RES_CANCELLED] = <f64>resCancelled));
  unchecked((result[RES_ADDED] = <f64>resAdded));
  unchecked((result[RES_NOTIONAL] = resNotional));
  unchecked((result[RES_EVENTS] = <f64>eventCount));
  unchecked((result[RES_TRADES] = <f64>tradeCount));
}

function emit(kind: i32, maker: i32, taker: i32, price: i32, size: i64, makerLeft: i64, makerOwner: i32): void {
  assert(eventCount <= capOrders);
  const at = changetype<usize>(events) + <usize>eventCount * EVENT_STRIDE;
  store<i32>(at, kind, E_KIND);
  store<i32>(at, maker, E_MAKER);
  store<i32>(at, taker, E_TAKER);
  store<i32>(at, price, E_PRICE);
  store<f64>(at, <f64>size, E_SIZE);
  store<f64>(at, <f64>makerLeft, E_MAKER_LEFT);
  store<i32>(at, makerOwner, E_MAKER_OWNER);
  store<i32>(at, 0, E_PAD);
  eventCount++;
}

// ---- queue maintenance ----

/** Appends a new order at the tail of its level. */
function rest(side: i32, id: i32, owner: i32, level: i32, size: i64): void {
  assert(freeTop > 0);
  const slot = unchecked(freeSlots[--freeTop]);
  const o = orderAt(slot);
  const l = levelAt(level);
  const tail = load<i32>(l, L_TAIL);
  const count = load<i32>(l, L_COUNT);
  // a level holds one side only: the book is never crossed when an order rests
  assert(count == 0 || load<i32>(orderAt(load<i32>(l, L_HEAD)), O_SIDE) == side);
  store<i32>(o, tail, O_PREV);
  store<i32>(o, NIL, O_NEXT);
  store<i32>(o, id, O_ID);
  store<i32>(o, owner, O_OWNER);
  store<i32>(o, level, O_LEVEL);
  store<i32>(o, side, O_SIDE);
  store<i64>(o, size, O_SIZE);
  if (tail != NIL) store<i32>(orderAt(tail), slot, O_NEXT);
  else store<i32>(l, slot, L_HEAD);
  store<i32>(l, slot, L_TAIL);
  store<i32>(l, count + 1, L_COUNT);
  store<i64>(l, load<i64>(l, L_SIZE) + size, L_SIZE);
  if (side == SIDE_BID) {
    if (count == 0) setBit(bidWords, bidSummary, level);
    if (bestBid == NIL || level > bestBid) bestBid = level;
    bidLots += size;
  } else {
    if (count == 0) setBit(askWords, askSummary, level);
    if (bestAsk == NIL || level < bestAsk) bestAsk = level;
    askLots += size;
  }
  restingOrders++;
  restingLots += size;
  indexInsert(id, slot);
}

/** Takes lots off a resting order that stays in its place. */
function shrink(slot: i32, lots: i64): void {
  const o = orderAt(slot);
  const left = load<i64>(o, O_SIZE) - lots;
  assert(left > 0);
  store<i64>(o, left, O_SIZE);
  const l = levelAt(load<i32>(o, O_LEVEL));
  store<i64>(l, load<i64>(l, L_SIZE) - lots, L_SIZE);
  if (load<i32>(o, O_SIDE) == SIDE_BID) bidLots -= lots;
  else askLots -= lots;
  restingLots -= lots;
}

/** Removes a resting order (filled, cancelled) and, if its level empties, finds that side's next best. */
function unlink(slot: i32): void {
  const o = orderAt(slot);
  const level = load<i32>(o, O_LEVEL);
  const side = load<i32>(o, O_SIDE);
  const size = load<i64>(o, O_SIZE);
  const prev = load<i32>(o, O_PREV);
  const next = load<i32>(o, O_NEXT);
  const l = levelAt(level);
  if (prev != NIL) store<i32>(orderAt(prev), next, O_NEXT);
  else store<i32>(l, next, L_HEAD);
  if (next != NIL) store<i32>(orderAt(next), prev, O_PREV);
  else store<i32>(l, prev, L_TAIL);
  const count = load<i32>(l, L_COUNT) - 1;
  store<i32>(l, count, L_COUNT);
  store<i64>(l, load<i64>(l, L_SIZE) - size, L_SIZE);
  if (side == SIDE_BID) {
    bidLots -= size;
    if (count == 0) {
      clearBit(bidWords, bidSummary, level);
      if (level == bestBid) bestBid = prevBelow(bidWords, bidSummary, level - 1);
    }
  } else {
    askLots -= size;
    if (count == 0) {
      clearBit(askWords, askSummary, level);
      if (level == bestAsk) bestAsk = nextAbove(askWords, askSummary, level + 1);
    }
  }
  restingOrders--;
  restingLots -= size;
  indexRemove(load<i32>(o, O_ID));
  unchecked((freeSlots[freeTop++] = slot));
}

// ---- matching ----

/** The best opposite level a taker on `side` may still take, or NIL. */
// @ts-ignore: decorator
@inline function crossing(side: i32, limit: i32): i32 {
  if (side == SIDE_BID) return bestAsk != NIL && bestAsk <= limit ? bestAsk : NIL;
  return bestBid != NIL && bestBid >= limit ? bestBid : NIL;
}

/** Whether a FOK would fill `size` completely: the walk take() would do, without touching anything. */
function fillable(side: i32, limit: i32, size: i64, owner: i32, stp: i32): bool {
  let need = size;
  let level = crossing(side, limit);
  while (level != NIL && (side == SIDE_BID ? level <= limit : level >= limit)) {
    const l = levelAt(level);
    if (stp == STP_NONE) {
      need -= load<i64>(l, L_SIZE);
      if (need <= 0) return true;
    } else {
      let s = load<i32>(l, L_HEAD);
      while (s != NIL) {
        const o = orderAt(s);
        if (load<i32>(o, O_OWNER) == owner) {
          // a self-trade before the order is complete either ends it or takes lots without a fill
          if (stp != STP_CANCEL_OLDEST) return false;
        } else {
          need -= load<i64>(o, O_SIZE);
          if (need <= 0) return true;
        }
        s = load<i32>(o, O_NEXT);
      }
    }
    level = side == SIDE_BID ? nextAbove(askWords, askSummary, level + 1) : prevBelow(bidWords, bidSummary, level - 1);
  }
  return false;
}

/** Set by take() when self-trade prevention cancelled the taker's remainder. */
let takerStopped = false;

/** Walks the opposite side from its best level while it crosses `limit`; returns the lots not taken. */
function take(side: i32, id: i32, owner: i32, stp: i32, limit: i32, size: i64): i64 {
  let rem = size;
  let filled: i64 = 0;
  let notional: f64 = 0;
  let stopped = false;
  while (rem > 0) {
    const level = crossing(side, limit);
    if (level == NIL) break;
    const price = minPrice + level;
    let s = load<i32>(levelAt(level), L_HEAD);
    while (s != NIL && rem > 0) {
      const o = orderAt(s);
      const next = load<i32>(o, O_NEXT);
      const m = load<i64>(o, O_SIZE);
      const maker = load<i32>(o, O_ID);
      const makerOwner = load<i32>(o, O_OWNER);
      if (stp != STP_NONE && makerOwner == owner) {
        if (stp == STP_CANCEL_NEWEST) {
          stopped = true;
          break;
        }
        if (stp == STP_DECREMENT_AND_CANCEL) {
          const d = rem < m ? rem : m;
          rem -= d;
          resCancelled += d;
          emit(EVENT_STP_DECREMENT, maker, id, price, d, m - d, makerOwner);
          if (d == m) unlink(s);
          else shrink(s, d);
        } else {
          emit(EVENT_STP_CANCEL_MAKER, maker, id, price, m, 0, makerOwner);
          unlink(s);
          if (stp == STP_CANCEL_BOTH) {
            stopped = true;
            break;
          }
        }
      } else {
        const q = rem < m ? rem : m;
        rem -= q;
        filled += q;
        notional += <f64>price * <f64>q;
        emit(EVENT_TRADE, maker, id, price, q, m - q, makerOwner);
        tradeCount++;
        if (q == m) unlink(s);
        else shrink(s, q);
      }
      s = next;
    }
    if (stopped) break;
  }
  resFilled = filled;
  resNotional = notional;
  takerStopped = stopped;
  return rem;
}

/** Lots as i64 from the host's f64, or −1 when it is not a whole number of lots in 0..MAX_LOTS. */
export function lots(x: f64): i64 {
  if (!(x >= 0 && x <= <f64>MAX_LOTS) || x != Math.floor(x)) return -1;
  return <i64>x;
}

/**
 * Places an order. Returns BOOK_OK when the order was accepted (its id and outcome are in the result:
 * resting, filled, expired, FOK-killed, post-only-rejected or STP-cancelled, with the events it caused),
 * or a rejection status that left the book untouched. LIMIT and POST_ONLY need a price in range and a free
 * slot up front (even if they would fill at once); IOC, FOK and MARKET take any price (MARKET ignores it).
 */
export function place(side: i32, type: i32, price: i32, size: i64, owner: i32, flags: i32): i32 {
  if (!initialised) return BOOK_NOT_INITIALISED;
  begin();
  const status = placeOrder(side, type, price, size, owner, flags);
  publish();
  return status;
}

function placeOrder(side: i32, type: i32, price: i32, size: i64, owner: i32, flags: i32): i32 {
  if (side != SIDE_BID && side != SIDE_ASK) return BOOK_BAD_SIDE;
  if (type < TYPE_LIMIT || type > TYPE_POST_ONLY) return BOOK_BAD_TYPE;
  const stp = flags & FLAGS_STP_MASK;
  if ((flags & ~FLAGS_STP_MASK) != 0 || stp > STP_DECREMENT_AND_CANCEL) return BOOK_BAD_FLAGS;
  if (size < 1 || size > MAX_LOTS) return BOOK_BAD_SIZE;
  const rests = type == TYPE_LIMIT || type == TYPE_POST_ONLY;
  if (rests) {
    if (price < minPrice || price > maxPrice) return BOOK_PRICE_OUT_OF_RANGE;
    if (freeTop == 0) return BOOK_FULL;
    if (size > MAX_LOTS - restingLots) return BOOK_SIZE_OVERFLOW;
  }
  if (nextId == i32.MAX_VALUE) return BOOK_IDS_EXHAUSTED;
  const id = nextId++;
  resOrderId = id;
  // the limit as a level: a buy takes asks at levels ≤ limit, a sell bids at levels ≥ limit
  let limit: i32;
  if (side == SIDE_BID) {
    limit = type == TYPE_MARKET || price > maxPrice ? range - 1 : price < minPrice ? NIL : price - minPrice;
  } else {
    limit = type == TYPE_MARKET || price < minPrice ? 0 : price > maxPrice ? range : price - minPrice;
  }
  if (type == TYPE_POST_ONLY && crossing(side, limit) != NIL) {
    resState = STATE_POST_ONLY_REJECTED;
    resCancelled = size;
    return BOOK_OK;
  }
  if (type == TYPE_FOK && !fillable(side, limit, size, owner, stp)) {
    resState = STATE_FOK_KILLED;
    resCancelled = size;
    return BOOK_OK;
  }
  const rem = take(side, id, owner, stp, limit, size);
  if (takerStopped) {
    resCancelled += rem;
    resState = STATE_STP_CANCELLED;
  } else if (rem == 0) {
    resState = resCancelled > 0 ? STATE_STP_CANCELLED : STATE_FILLED;
  } else if (rests) {
    rest(side, id, owner, price - minPrice, rem);
    resResting = rem;
    resState = STATE_RESTING;
  } else {
    assert(type != TYPE_FOK);
    resCancelled += rem;
    resState = STATE_EXPIRED;
  }
  return BOOK_OK;
}

/** Cancels a resting order (BOOK_ORDER_NOT_FOUND if it is not resting: filled, cancelled, unknown). */
export function cancel(id: i32): i32 {
  if (!initialised) return BOOK_NOT_INITIALISED;
  begin();
  const slot = slotOf(id);
  if (slot == NIL) {
    publish();
    return BOOK_ORDER_NOT_FOUND;
  }
  resOrderId = id;
  resCancelled = load<i64>(orderAt(slot), O_SIZE);
  resState = STATE_CANCELLED;
  unlink(slot);
  publish();
  return BOOK_OK;
}

/**
 * Sets a resting order's open size. Smaller keeps its place in the queue; larger moves it to the back of
 * its level (it loses time priority, as on most venues); 0 cancels it.
 */
export function amend(id: i32, newSize: i64): i32 {
  if (!initialised) return BOOK_NOT_INITIALISED;
  begin();
  const status = amendOrder(id, newSize);
  publish();
  return status;
}

function amendOrder(id: i32, newSize: i64): i32 {
  if (newSize < 0 || newSize > MAX_LOTS) return BOOK_BAD_SIZE;
  const slot = slotOf(id);
  if (slot == NIL) return BOOK_ORDER_NOT_FOUND;
  const o = orderAt(slot);
  const size = load<i64>(o, O_SIZE);
  if (newSize > size && newSize - size > MAX_LOTS - restingLots) return BOOK_SIZE_OVERFLOW;
  resOrderId = id;
  if (newSize == 0) {
    resCancelled = size;
    resState = STATE_CANCELLED;
    unlink(slot);
    return BOOK_OK;
  }
  resState = STATE_RESTING;
  resResting = newSize;
  if (newSize < size) {
    resCancelled = size - newSize;
    shrink(slot, size - newSize);
  } else if (newSize > size) {
    const add = newSize - size;
    resAdded = add;
    const l = levelAt(load<i32>(o, O_LEVEL));
    const next = load<i32>(o, O_NEXT);
    if (next != NIL) {
      // to the back of the queue
      const prev = load<i32>(o, O_PREV);
      if (prev != NIL) store<i32>(orderAt(prev), next, O_NEXT);
      else store<i32>(l, next, L_HEAD);
      store<i32>(orderAt(next), prev, O_PREV);
      const tail = load<i32>(l, L_TAIL);
      store<i32>(orderAt(tail), slot, O_NEXT);
      store<i32>(o, tail, O_PREV);
      store<i32>(o, NIL, O_NEXT);
      store<i32>(l, slot, L_TAIL);
    }
    store<i64>(o, newSize, O_SIZE);
    store<i64>(l, load<i64>(l, L_SIZE) + add, L_SIZE);
    if (load<i32>(o, O_SIDE) == SIDE_BID) bidLots += add;
    else askLots += add;
    restingLots += add;
  }
  return BOOK_OK;
}

// ---- queries ----

export function bestBidPrice(): i32 {
  return bestBid == NIL ? NO_PRICE : minPrice + bestBid;
}

export function bestAskPrice(): i32 {
  return bestAsk == NIL ? NO_PRICE : minPrice + bestAsk;
}

/** L2 of one side from its best level outward: up to maxLevels (price, lots, orders) triples in depthOut. */
export function depth(side: i32, maxLevels: i32): i32 {
  if (!initialised || (side != SIDE_BID && side != SIDE_ASK)) return 0;
  const cap = maxLevels < capOrders ? maxLevels : capOrders;
  let n = 0;
  let level = side == SIDE_BID ? bestBid : bestAsk;
  while (level != NIL && n < cap) {
    const l = levelAt(level);
    unchecked((depthOut[n * 3] = <f64>(minPrice + level)));
    unchecked((depthOut[n * 3 + 1] = <f64>load<i64>(l, L_SIZE)));
    unchecked((depthOut[n * 3 + 2] = <f64>load<i32>(l, L_COUNT)));
    n++;
    level = side == SIDE_BID ? prevBelow(bidWords, bidSummary, level - 1) : nextAbove(askWords, askSummary, level + 1);
  }
  return n;
}

/** The ids resting at a price, in queue (time-priority) order, into idsOut; returns how many. */
export function levelOrders(price: i32): i32 {
  if (!initialised || price < minPrice || price > maxPrice) return 0;
  let n = 0;
  let s = load<i32>(levelAt(price - minPrice), L_HEAD);
  while (s != NIL) {
    const o = orderAt(s);
    unchecked((idsOut[n++] = load<i32>(o, O_ID)));
    s = load<i32>(o, O_NEXT);
  }
  return n;
}

/** A resting order's open lots, or −1 when it is not resting. */
export function orderRemaining(id: i32): i64 {
  if (!initialised) return -1;
  const slot = slotOf(id);
  return slot == NIL ? -1 : load<i64>(orderAt(slot), O_SIZE);
}

/** Fills queryOut with a resting order's side, price, owner, remaining and the queue ahead of it. */
export function queryOrder(id: i32): i32 {
  if (!initialised) return BOOK_NOT_INITIALISED;
  const slot = slotOf(id);
  if (slot == NIL) return BOOK_ORDER_NOT_FOUND;
  const o = orderAt(slot);
  let ahead: i64 = 0;
  let count = 0;
  let s = load<i32>(o, O_PREV);
  while (s != NIL) {
    const p = orderAt(s);
    ahead += load<i64>(p, O_SIZE);
    count++;
    s = load<i32>(p, O_PREV);
  }
  unchecked((queryOut[Q_SIDE] = <f64>load<i32>(o, O_SIDE)));
  unchecked((queryOut[Q_PRICE] = <f64>(minPrice + load<i32>(o, O_LEVEL))));
  unchecked((queryOut[Q_OWNER] = <f64>load<i32>(o, O_OWNER)));
  unchecked((queryOut[Q_REMAINING] = <f64>load<i64>(o, O_SIZE)));
  unchecked((queryOut[Q_LOTS_AHEAD] = <f64>ahead));
  unchecked((queryOut[Q_ORDERS_AHEAD] = <f64>count));
  return BOOK_OK;
}

export function sideLots(side: i32): i64 {
  return side == SIDE_BID ? bidLots : side == SIDE_ASK ? askLots : 0;
}

// event accessors for kernel callers (a liquidation mechanism reads its fills here)
export function eventKind(i: i32): i32 { return load<i32>(changetype<usize>(events) + <usize>i * EVENT_STRIDE, E_KIND); }
export function eventMaker(i: i32): i32 { return load<i32>(changetype<usize>(events) + <usize>i * EVENT_STRIDE, E_MAKER); }
export function eventPrice(i: i32): i32 { return load<i32>(changetype<usize>(events) + <usize>i * EVENT_STRIDE, E_PRICE); }
export function eventSize(i: i32): i64 { return <i64>load<f64>(changetype<usize>(events) + <usize>i * EVENT_STRIDE, E_SIZE); }
export function eventMakerOwner(i: i32): i32 { return load<i32>(changetype<usize>(events) + <usize>i * EVENT_STRIDE, E_MAKER_OWNER); }
