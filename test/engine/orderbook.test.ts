import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import {
  BOOK_STATUS,
  BOOK_STATUS_TEXT,
  EVENT_KIND,
  EVENT_STRIDE,
  MAX_LOTS,
  NO_PRICE,
  ORDER_STATE,
  ORDER_STATE_TEXT,
  ORDER_TYPE,
  OrderBook,
  type OrderBookEngine,
  QUERY,
  RESULT,
  SIDE,
  STP,
  bookStatusText,
  readDepth,
  readEvents,
  readLevel,
  orderbookModule,
  type OrderBookBuild,
} from "../../src/engine/orderbook.js";
import { publicExamples } from "../helpers/fixtures.js";

// The per-order book (assembly/orderbook/, its own WASM module, and its TypeScript twin src/engine/orderbook.ts): goldens from
// exchange-core and liquibook, the defining behaviour of each order type and self-trade prevention mode,
// and random operation sequences on which the WASM builds and the TypeScript book give the same bytes and
// keep the book's invariants after every operation.

// ---- the WASM book (build/orderbook.wasm), instantiated here (the host's WasmEngine does not know it yet) ----

interface BookExports {
  memory: WebAssembly.Memory;
  obInit(capOrders: number, minPrice: number, maxPrice: number): number;
  obReset(): void;
  obPlace(side: number, type: number, price: number, size: number, owner: number, flags: number): number;
  obCancel(id: number): number;
  obAmend(id: number, newSize: number): number;
  obBestBid(): number;
  obBestAsk(): number;
  obDepth(side: number, maxLevels: number): number;
  obLevelOrders(price: number): number;
  obQueryOrder(id: number): number;
  obOrderRemaining(id: number): number;
  obSideLots(side: number): number;
  obRestingCount(): number;
  obResultPtr(): number;
  obEventsPtr(): number;
  obEventStride(): number;
  obDepthPtr(): number;
  obIdsPtr(): number;
  obQueryPtr(): number;
}

function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

function instantiate(build: OrderBookBuild): BookExports {
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(orderbookModule(build), {
    env: {
      abort(msg: number, file: number, line: number, col: number) {
        const text = memory ? `${readString(memory, msg)} at ${readString(memory, file)}:${line}:${col}` : `${line}:${col}`;
        throw new Error(`order book kernel assertion failed: ${text}`);
      },
    },
  });
  const e = instance.exports as unknown as BookExports;
  memory = e.memory;
  return e;
}

class WasmOrderBook implements OrderBookEngine {
  readonly e: BookExports;
  readonly result: Float64Array;
  readonly eventI32: Int32Array;
  readonly eventF64: Float64Array;
  readonly depthOut: Float64Array;
  readonly idsOut: Int32Array;
  readonly queryOut: Float64Array;

  constructor(build: OrderBookBuild, capOrders: number, minPrice: number, maxPrice: number) {
    this.e = instantiate(build);
    const status = this.e.obInit(capOrders, minPrice, maxPrice);
    if (status !== BOOK_STATUS.OK) throw new RangeError(bookStatusText(status));
    // views after init: it is the last call that grows memory
    const buf = this.e.memory.buffer;
    const events = (capOrders + 1) * EVENT_STRIDE;
    this.result = new Float64Array(buf, this.e.obResultPtr(), 9);
    this.eventI32 = new Int32Array(buf, this.e.obEventsPtr(), events >> 2);
    this.eventF64 = new Float64Array(buf, this.e.obEventsPtr(), events >> 3);
    this.depthOut = new Float64Array(buf, this.e.obDepthPtr(), capOrders * 3);
    this.idsOut = new Int32Array(buf, this.e.obIdsPtr(), capOrders);
    this.queryOut = new Float64Array(buf, this.e.obQueryPtr(), 6);
  }

  private live<T>(x: T): T {
    if (this.e.memory.buffer !== this.result.buffer) throw new Error("kernel memory grew after obInit: views detached");
    return x;
  }

  place(side: number, type: number, price: number, size: number, owner: number, flags: number): number {
    return this.live(this.e.obPlace(side, type, price, size, owner, flags));
  }
  cancel(id: number): number {
    return this.live(this.e.obCancel(id));
  }
  amend(id: number, newSize: number): number {
    return this.live(this.e.obAmend(id, newSize));
  }
  reset(): void {
    this.e.obReset();
  }
  bestBid(): number {
    return this.e.obBestBid();
  }
  bestAsk(): number {
    return this.e.obBestAsk();
  }
  depth(side: number, maxLevels: number): number {
    return this.e.obDepth(side, maxLevels);
  }
  levelOrders(price: number): number {
    return this.e.obLevelOrders(price);
  }
  queryOrder(id: number): number {
    return this.e.obQueryOrder(id);
  }
  orderRemaining(id: number): number {
    return this.e.obOrderRemaining(id);
  }
  sideLots(side: number): number {
    return this.e.obSideLots(side);
  }
  restingCount(): number {
    return this.e.obRestingCount();
  }
}

type Factory = (capOrders: number, minPrice: number, maxPrice: number) => OrderBookEngine;

const ENGINES: { engine: string; make: Factory }[] = [
  { engine: "TypeScript", make: (c, lo, hi) => new OrderBook(c, lo, hi) },
  { engine: "WASM debug", make: (c, lo, hi) => new WasmOrderBook("debug", c, lo, hi) },
  { engine: "WASM release", make: (c, lo, hi) => new WasmOrderBook("release", c, lo, hi) },
];

function eventBytes(book: OrderBookEngine): Uint8Array {
  const n = book.result[RESULT.events];
  return new Uint8Array(book.eventI32.buffer, book.eventI32.byteOffset, n * EVENT_STRIDE).slice();
}

const l2 = (book: OrderBookEngine, side: number) => readDepth(book, side).map(([p, s]) => [p, s]);
const trades = (book: OrderBookEngine) => readEvents(book).filter((e) => e.kind === EVENT_KIND.TRADE);

/** Everything observable about the book: both L2 sides and every level's queue. */
function snapshot(book: OrderBookEngine) {
  const side = (s: number) => readDepth(book, s).map(([p, size, n]) => ({ p, size, n, queue: readLevel(book, p) }));
  return { bids: side(SIDE.BID), asks: side(SIDE.ASK), resting: book.restingCount() };
}

// ---- goldens ----

const EX = JSON.parse(readFileSync(new URL("../fixtures/orderbook/public-examples.json", import.meta.url), "utf8"));
const CORE = EX.exchange_core_book as {
  initial_orders: [string, number, "ASK" | "BID", number, number][];
  expected_L2: { asks: number[][]; bids: number[][] };
  cases: { cmd: string; trades?: number[][]; trades_count?: number; rejected?: number; rests?: number[] }[];
};
const LIQUIBOOK = EX.liquibook_ioc_fok as {
  book: { asks: number[][]; bids: number[][] };
  cases: { cmd: string; filled: number; cost?: number; asks_left?: number[][] }[];
};

it("the order-book fixture is a verbatim copy of the public examples", () => {
  const shared = publicExamples();
  expect(EX.exchange_core_book).toEqual(shared.exchange_core_book);
  expect(EX.liquibook_ioc_fok).toEqual(shared.liquibook_ioc_fok);
});

const TYPES: Record<string, number> = { GTC: ORDER_TYPE.LIMIT, IOC: ORDER_TYPE.IOC, FOK: ORDER_TYPE.FOK };
const SIDES: Record<string, number> = { BID: SIDE.BID, BUY: SIDE.BID, ASK: SIDE.ASK, SELL: SIDE.ASK };

/** exchange-core's order ids → this book's ids. */
function buildCoreBook(book: OrderBookEngine): Map<number, number> {
  const ids = new Map<number, number>();
  for (const [type, coreId, side, price, size] of CORE.initial_orders) {
    expect(book.place(SIDES[side], TYPES[type], price, size, 1, STP.NONE), `place order ${coreId}`).toBe(BOOK_STATUS.OK);
    expect(book.result[RESULT.state]).toBe(ORDER_STATE.RESTING);
    ids.set(book.result[RESULT.orderId], coreId);
  }
  return ids;
}

const CORE_SPECS: Record<string, string> = {
  "IOC ASK size 41 price 1": "an IOC sell sweeps the bids best price first, and the oldest order first within a price",
  "IOC BID size 175 price 400000": "an IOC buy takes the 81599 queue in arrival order before 81600",
  "IOC BID size 270 price 400000": "an IOC buy larger than the ask side fills all of it in 6 trades and cancels the 25 lots left",
  "GTC BID size 77 price 81599": "a limit buy at the best ask takes that level and rests its remaining 2 lots there",
  "GTC BID size 1000 price 220000": "a limit buy through every ask level rests its remaining 755 lots at its own price",
};

describe.each(ENGINES)("exchange-core's book scenarios ($engine)", ({ make }) => {
  const fresh = () => make(64, 1, 400000);

  it("builds the book from its 13 orders into the expected L2", () => {
    const book = fresh();
    buildCoreBook(book);
    expect(l2(book, SIDE.ASK)).toEqual(CORE.expected_L2.asks);
    expect(l2(book, SIDE.BID)).toEqual(CORE.expected_L2.bids);
  });

  it.each(CORE.cases.map((c) => ({ ...c, spec: CORE_SPECS[c.cmd] ?? c.cmd })))("$spec ($cmd)", (c) => {
    const book = fresh();
    const ids = buildCoreBook(book);
    const [type, side, , size, , price] = c.cmd.split(" ");
    expect(book.place(SIDES[side], TYPES[type], Number(price), Number(size), 2, STP.NONE)).toBe(BOOK_STATUS.OK);
    const got = trades(book).map((t) => [ids.get(t.maker), t.price, t.size]);
    if (c.trades) expect(got, "trades [maker, price, size]").toEqual(c.trades);
    if (c.trades_count !== undefined) expect(got.length, "trade count").toBe(c.trades_count);
    if (c.rejected !== undefined) {
      expect(book.result[RESULT.cancelled], "lots cancelled").toBe(c.rejected);
      expect(book.result[RESULT.state]).toBe(ORDER_STATE.EXPIRED);
    }
    if (c.rests) {
      const [restPrice, restSize] = c.rests;
      expect(book.result[RESULT.state]).toBe(ORDER_STATE.RESTING);
      expect(book.result[RESULT.resting]).toBe(restSize);
      expect(book.bestBid()).toBe(restPrice);
      expect(readLevel(book, restPrice)).toEqual([book.result[RESULT.orderId]]);
      expect(book.orderRemaining(book.result[RESULT.orderId])).toBe(restSize);
    }
    const filled = got.reduce((s, t) => s + (t[2] as number), 0);
    expect(book.result[RESULT.filled]).toBe(filled);
    expect(filled + book.result[RESULT.resting] + book.result[RESULT.cancelled]).toBe(Number(size));
  });
});

describe.each(ENGINES)("liquibook's IOC and FOK scenarios ($engine)", ({ make }) => {
  function build(asks: number[][]): OrderBookEngine {
    const book = make(16, 1000, 1500);
    for (const [price, size] of asks) book.place(SIDE.ASK, ORDER_TYPE.LIMIT, price, size, 1, STP.NONE);
    for (const [price, size] of LIQUIBOOK.book.bids) book.place(SIDE.BID, ORDER_TYPE.LIMIT, price, size, 1, STP.NONE);
    return book;
  }
  const [iocPartial, fokNoFill, multi] = LIQUIBOOK.cases;

  it("an IOC buy of 300 at 1250 fills the 100 lots there for 125000 and cancels the other 200", () => {
    const book = build(LIQUIBOOK.book.asks);
    expect(book.place(SIDE.BID, ORDER_TYPE.IOC, 1250, 300, 2, STP.NONE)).toBe(BOOK_STATUS.OK);
    expect(book.result[RESULT.filled]).toBe(iocPartial.filled);
    expect(book.result[RESULT.notional]).toBe(iocPartial.cost);
    expect(book.result[RESULT.cancelled]).toBe(200);
    expect(book.result[RESULT.state]).toBe(ORDER_STATE.EXPIRED);
    expect(l2(book, SIDE.ASK)).toEqual([
      [1251, 100],
      [1252, 100],
    ]);
    expect(l2(book, SIDE.BID)).toEqual(LIQUIBOOK.book.bids);
  });

  it("a FOK order that cannot fill leaves the book unchanged", () => {
    const book = build(LIQUIBOOK.book.asks);
    const before = snapshot(book);
    expect(book.place(SIDE.BID, ORDER_TYPE.FOK, 1250, 300, 2, STP.NONE)).toBe(BOOK_STATUS.OK);
    expect(book.result[RESULT.filled]).toBe(fokNoFill.filled);
    expect(book.result[RESULT.state]).toBe(ORDER_STATE.FOK_KILLED);
    expect(book.result[RESULT.events]).toBe(0);
    expect(snapshot(book)).toEqual(before);
  });

  it.each([
    { type: ORDER_TYPE.IOC, name: "IOC" },
    { type: ORDER_TYPE.FOK, name: "FOK" },
  ])("an $name buy of 500 at 1251 fills 400@1250 and 100@1251 for 625100, leaving asks [[1252,100]]", ({ type }) => {
    const book = build([
      [1250, 400],
      [1251, 100],
      [1252, 100],
    ]);
    expect(book.place(SIDE.BID, type, 1251, 500, 2, STP.NONE)).toBe(BOOK_STATUS.OK);
    expect(book.result[RESULT.filled]).toBe(multi.filled);
    expect(book.result[RESULT.notional]).toBe(multi.cost);
    expect(book.result[RESULT.state]).toBe(ORDER_STATE.FILLED);
    expect(trades(book).map((t) => [t.price, t.size])).toEqual([
      [1250, 400],
      [1251, 100],
    ]);
    expect(l2(book, SIDE.ASK)).toEqual(multi.asks_left);
    expect(l2(book, SIDE.BID)).toEqual(LIQUIBOOK.book.bids);
  });
});

// ---- the defining behaviour of each order type, cancel and amend ----

describe.each(ENGINES)("order types, cancel and amend ($engine)", ({ make }) => {
  const A = 1;
  const B = 2;

  it("a post-only order that would take is rejected and the book is unchanged; one that would not rests", () => {
    const book = make(8, 90, 110);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 5, A, STP.NONE);
    const before = snapshot(book);
    expect(book.place(SIDE.BID, ORDER_TYPE.POST_ONLY, 100, 3, B, STP.NONE)).toBe(BOOK_STATUS.OK);
    expect(book.result[RESULT.state]).toBe(ORDER_STATE.POST_ONLY_REJECTED);
    expect(book.result[RESULT.cancelled]).toBe(3);
    expect(snapshot(book)).toEqual(before);
    expect(book.place(SIDE.BID, ORDER_TYPE.POST_ONLY, 99, 3, B, STP.NONE)).toBe(BOOK_STATUS.OK);
    expect(book.result[RESULT.state]).toBe(ORDER_STATE.RESTING);
    expect(l2(book, SIDE.BID)).toEqual([[99, 3]]);
  });

  it("a market order ignores its price, sweeps the other side and expires what it could not fill", () => {
    const book = make(8, 90, 110);
    book.place(SIDE.BID, ORDER_TYPE.LIMIT, 95, 5, A, STP.NONE);
    book.place(SIDE.BID, ORDER_TYPE.LIMIT, 91, 5, A, STP.NONE);
    expect(book.place(SIDE.ASK, ORDER_TYPE.MARKET, 1_000_000, 12, B, STP.NONE)).toBe(BOOK_STATUS.OK);
    expect(trades(book).map((t) => [t.price, t.size])).toEqual([
      [95, 5],
      [91, 5],
    ]);
    expect(book.result[RESULT.cancelled]).toBe(2);
    expect(book.result[RESULT.state]).toBe(ORDER_STATE.EXPIRED);
    expect(book.bestBid()).toBe(NO_PRICE);
    expect(book.place(SIDE.ASK, ORDER_TYPE.MARKET, 0, 4, B, STP.NONE)).toBe(BOOK_STATUS.OK);
    expect([book.result[RESULT.filled], book.result[RESULT.cancelled]]).toEqual([0, 4]);
  });

  it("trades print at the resting order's price, so a crossing limit order gets the price improvement", () => {
    const book = make(8, 90, 110);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 5, A, STP.NONE);
    book.place(SIDE.BID, ORDER_TYPE.LIMIT, 105, 5, B, STP.NONE);
    expect(trades(book)).toEqual([
      { kind: EVENT_KIND.TRADE, maker: 1, taker: 2, price: 100, size: 5, makerLeft: 0, makerOwner: A },
    ]);
  });

  it("cancel removes a resting order once; a filled or unknown order is not found", () => {
    const book = make(8, 90, 110);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 5, A, STP.NONE);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 101, 5, A, STP.NONE);
    expect(book.cancel(1)).toBe(BOOK_STATUS.OK);
    expect([book.result[RESULT.state], book.result[RESULT.cancelled]]).toEqual([ORDER_STATE.CANCELLED, 5]);
    expect(book.cancel(1)).toBe(BOOK_STATUS.ORDER_NOT_FOUND);
    book.place(SIDE.BID, ORDER_TYPE.IOC, 101, 5, B, STP.NONE);
    expect(book.cancel(2)).toBe(BOOK_STATUS.ORDER_NOT_FOUND);
    expect(book.cancel(99)).toBe(BOOK_STATUS.ORDER_NOT_FOUND);
    expect(book.cancel(0)).toBe(BOOK_STATUS.ORDER_NOT_FOUND);
    expect(book.bestAsk()).toBe(NO_PRICE);
  });

  it("amending down keeps the order's place in the queue; amending up sends it to the back; amending to 0 cancels", () => {
    const book = make(8, 90, 110);
    for (let i = 0; i < 3; i++) book.place(SIDE.BID, ORDER_TYPE.LIMIT, 100, 10, A, STP.NONE);
    expect(book.amend(1, 4)).toBe(BOOK_STATUS.OK);
    expect([book.result[RESULT.state], book.result[RESULT.resting], book.result[RESULT.cancelled]]).toEqual([
      ORDER_STATE.RESTING,
      4,
      6,
    ]);
    expect(readLevel(book, 100)).toEqual([1, 2, 3]);
    expect(book.amend(2, 12)).toBe(BOOK_STATUS.OK);
    expect(book.result[RESULT.added]).toBe(2);
    expect(readLevel(book, 100)).toEqual([1, 3, 2]);
    expect(l2(book, SIDE.BID)).toEqual([[100, 26]]);
    expect(book.queryOrder(2)).toBe(BOOK_STATUS.OK);
    expect(Array.from(book.queryOut)).toEqual([SIDE.BID, 100, A, 12, 14, 2]);
    expect(book.amend(3, 0)).toBe(BOOK_STATUS.OK);
    expect(book.result[RESULT.state]).toBe(ORDER_STATE.CANCELLED);
    expect(readLevel(book, 100)).toEqual([1, 2]);
    expect(book.amend(3, 5)).toBe(BOOK_STATUS.ORDER_NOT_FOUND);
    expect(book.amend(1, 2.5)).toBe(BOOK_STATUS.BAD_SIZE);
  });

  it("a full book rejects a resting order up front but still executes IOC, FOK and market orders", () => {
    const book = make(2, 90, 110);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 5, A, STP.NONE);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 101, 5, A, STP.NONE);
    const before = snapshot(book);
    expect(book.place(SIDE.BID, ORDER_TYPE.LIMIT, 100, 1, B, STP.NONE)).toBe(BOOK_STATUS.FULL);
    expect(book.place(SIDE.ASK, ORDER_TYPE.POST_ONLY, 105, 1, B, STP.NONE)).toBe(BOOK_STATUS.FULL);
    expect(book.result[RESULT.orderId]).toBe(0);
    expect(snapshot(book)).toEqual(before);
    expect(book.place(SIDE.BID, ORDER_TYPE.FOK, 100, 5, B, STP.NONE)).toBe(BOOK_STATUS.OK);
    expect(book.result[RESULT.state]).toBe(ORDER_STATE.FILLED);
    expect(book.place(SIDE.BID, ORDER_TYPE.LIMIT, 99, 1, B, STP.NONE)).toBe(BOOK_STATUS.OK);
  });

  it("reset empties the book and restarts ids at 1", () => {
    const book = make(4, 90, 110);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 5, A, STP.NONE);
    book.place(SIDE.BID, ORDER_TYPE.LIMIT, 95, 5, A, STP.NONE);
    book.reset();
    expect(snapshot(book)).toEqual({ bids: [], asks: [], resting: 0 });
    expect([book.bestBid(), book.bestAsk(), book.sideLots(SIDE.BID), book.sideLots(SIDE.ASK)]).toEqual([
      NO_PRICE,
      NO_PRICE,
      0,
      0,
    ]);
    book.place(SIDE.BID, ORDER_TYPE.LIMIT, 99, 5, A, STP.NONE);
    expect(book.result[RESULT.orderId]).toBe(1);
  });

  it("best prices are found across bitmap words far apart in a wide price range", () => {
    const book = make(8, 0, (1 << 22) - 1);
    const prices = [3, 70_000, 2_500_000, 4_194_300];
    for (const p of prices) book.place(SIDE.ASK, ORDER_TYPE.LIMIT, p, 1, A, STP.NONE);
    for (const p of prices) {
      expect(book.bestAsk()).toBe(p);
      book.place(SIDE.BID, ORDER_TYPE.IOC, p, 1, B, STP.NONE);
    }
    expect(book.bestAsk()).toBe(NO_PRICE);
    for (const p of prices) book.place(SIDE.BID, ORDER_TYPE.LIMIT, p, 1, A, STP.NONE);
    expect(readDepth(book, SIDE.BID).map(([p]) => p)).toEqual([...prices].reverse());
  });

  it.each([
    { call: "side 2", args: [2, ORDER_TYPE.LIMIT, 100, 1, A, 0], status: BOOK_STATUS.BAD_SIDE },
    { call: "type 5", args: [SIDE.BID, 5, 100, 1, A, 0], status: BOOK_STATUS.BAD_TYPE },
    { call: "STP mode 5", args: [SIDE.BID, ORDER_TYPE.LIMIT, 100, 1, A, 5], status: BOOK_STATUS.BAD_FLAGS },
    { call: "an unknown flag bit", args: [SIDE.BID, ORDER_TYPE.LIMIT, 100, 1, A, 8], status: BOOK_STATUS.BAD_FLAGS },
    { call: "size 0", args: [SIDE.BID, ORDER_TYPE.LIMIT, 100, 0, A, 0], status: BOOK_STATUS.BAD_SIZE },
    { call: "size 1.5", args: [SIDE.BID, ORDER_TYPE.LIMIT, 100, 1.5, A, 0], status: BOOK_STATUS.BAD_SIZE },
    { call: "size −3", args: [SIDE.BID, ORDER_TYPE.LIMIT, 100, -3, A, 0], status: BOOK_STATUS.BAD_SIZE },
    { call: "size NaN", args: [SIDE.BID, ORDER_TYPE.LIMIT, 100, NaN, A, 0], status: BOOK_STATUS.BAD_SIZE },
    { call: "size 2^53", args: [SIDE.BID, ORDER_TYPE.LIMIT, 100, 2 ** 53, A, 0], status: BOOK_STATUS.BAD_SIZE },
    {
      call: "a limit price below the range",
      args: [SIDE.BID, ORDER_TYPE.LIMIT, 89, 1, A, 0],
      status: BOOK_STATUS.PRICE_OUT_OF_RANGE,
    },
    {
      call: "a post-only price above the range",
      args: [SIDE.ASK, ORDER_TYPE.POST_ONLY, 111, 1, A, 0],
      status: BOOK_STATUS.PRICE_OUT_OF_RANGE,
    },
    { call: "an IOC price outside the range", args: [SIDE.BID, ORDER_TYPE.IOC, 5000, 1, A, 0], status: BOOK_STATUS.OK },
  ])("placing with $call returns status $status and leaves the book untouched", ({ args, status }) => {
    const book = make(4, 90, 110);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 105, 5, B, STP.NONE);
    const before = snapshot(book);
    const [side, type, price, size, owner, flags] = args;
    expect(book.place(side, type, price, size, owner, flags)).toBe(status);
    if (status !== BOOK_STATUS.OK) {
      expect(book.result[RESULT.orderId]).toBe(0);
      expect(snapshot(book)).toEqual(before);
    }
  });

  it("resting lots are capped at 2^53 − 1, so every size stays exact in f64", () => {
    const book = make(4, 90, 110);
    expect(book.place(SIDE.BID, ORDER_TYPE.LIMIT, 100, MAX_LOTS, A, 0)).toBe(BOOK_STATUS.OK);
    expect(book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 101, 1, A, 0)).toBe(BOOK_STATUS.SIZE_OVERFLOW);
    expect(book.amend(1, MAX_LOTS - 1)).toBe(BOOK_STATUS.OK);
    expect(book.place(SIDE.ASK, ORDER_TYPE.IOC, 100, MAX_LOTS, B, 0)).toBe(BOOK_STATUS.OK);
    expect([book.result[RESULT.filled], book.result[RESULT.cancelled]]).toEqual([MAX_LOTS - 1, 1]);
  });
});

// ---- self-trade prevention ----

// Owner A rests asks 10@100 (id 1) then 10@100 for owner B (id 2); A sends an IOC buy of 15 @100.
const STP_CASES = [
  {
    spec: "with STP off an owner trades with itself like with anyone",
    mode: STP.NONE,
    events: [
      [EVENT_KIND.TRADE, 1, 10, 0],
      [EVENT_KIND.TRADE, 2, 5, 5],
    ],
    state: ORDER_STATE.FILLED,
    filled: 15,
    cancelled: 0,
    asks: [[100, 5]],
  },
  {
    spec: "cancel-newest (Binance EXPIRE_TAKER, Coinbase cn) cancels the taker at its own resting order, which stays",
    mode: STP.CANCEL_NEWEST,
    events: [],
    state: ORDER_STATE.STP_CANCELLED,
    filled: 0,
    cancelled: 15,
    asks: [[100, 20]],
  },
  {
    spec: "cancel-oldest (Binance EXPIRE_MAKER, Coinbase co, OKX default) cancels the resting order and goes on matching",
    mode: STP.CANCEL_OLDEST,
    events: [
      [EVENT_KIND.STP_CANCEL_MAKER, 1, 10, 0],
      [EVENT_KIND.TRADE, 2, 10, 0],
    ],
    state: ORDER_STATE.EXPIRED,
    filled: 10,
    cancelled: 5,
    asks: [],
  },
  {
    spec: "cancel-both (Binance EXPIRE_BOTH, Coinbase cb) cancels the resting order and the taker",
    mode: STP.CANCEL_BOTH,
    events: [[EVENT_KIND.STP_CANCEL_MAKER, 1, 10, 0]],
    state: ORDER_STATE.STP_CANCELLED,
    filled: 0,
    cancelled: 15,
    asks: [[100, 10]],
  },
  {
    spec: "decrement-and-cancel (Coinbase dc, Binance spot DECREMENT) shrinks both by the smaller size without a trade",
    mode: STP.DECREMENT_AND_CANCEL,
    events: [
      [EVENT_KIND.STP_DECREMENT, 1, 10, 0],
      [EVENT_KIND.TRADE, 2, 5, 5],
    ],
    state: ORDER_STATE.STP_CANCELLED,
    filled: 5,
    cancelled: 10,
    asks: [[100, 5]],
  },
];

describe.each(ENGINES)("self-trade prevention ($engine)", ({ make }) => {
  const A = 7;
  const B = 8;

  it.each(STP_CASES)("$spec", (c) => {
    const book = make(8, 90, 110);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 10, A, STP.NONE);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 10, B, STP.NONE);
    expect(book.place(SIDE.BID, ORDER_TYPE.IOC, 100, 15, A, c.mode)).toBe(BOOK_STATUS.OK);
    expect(readEvents(book).map((e) => [e.kind, e.maker, e.size, e.makerLeft])).toEqual(c.events);
    expect(book.result[RESULT.state]).toBe(c.state);
    expect(book.result[RESULT.filled]).toBe(c.filled);
    expect(book.result[RESULT.cancelled]).toBe(c.cancelled);
    expect(l2(book, SIDE.ASK)).toEqual(c.asks);
  });

  it("decrement-and-cancel against a larger resting order of the same owner leaves it smaller, in its place", () => {
    const book = make(8, 90, 110);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 20, A, STP.NONE);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 10, B, STP.NONE);
    expect(book.place(SIDE.BID, ORDER_TYPE.LIMIT, 100, 5, A, STP.DECREMENT_AND_CANCEL)).toBe(BOOK_STATUS.OK);
    expect([book.result[RESULT.state], book.result[RESULT.filled], book.result[RESULT.cancelled]]).toEqual([
      ORDER_STATE.STP_CANCELLED,
      0,
      5,
    ]);
    expect(readLevel(book, 100)).toEqual([1, 2]);
    expect(book.orderRemaining(1)).toBe(15);
    expect(book.bestBid()).toBe(NO_PRICE);
  });

  it("a FOK blocked by its owner's own resting order is killed without cancelling anything", () => {
    const book = make(8, 90, 110);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 100, 10, A, STP.NONE);
    book.place(SIDE.ASK, ORDER_TYPE.LIMIT, 101, 10, B, STP.NONE);
    const before = snapshot(book);
    for (const mode of [STP.CANCEL_NEWEST, STP.CANCEL_BOTH, STP.DECREMENT_AND_CANCEL]) {
      expect(book.place(SIDE.BID, ORDER_TYPE.FOK, 101, 10, A, mode)).toBe(BOOK_STATUS.OK);
      expect(book.result[RESULT.state]).toBe(ORDER_STATE.FOK_KILLED);
      expect(snapshot(book)).toEqual(before);
    }
    // cancel-oldest skips its own order, so the FOK fills at 101 and cancels the order at 100
    expect(book.place(SIDE.BID, ORDER_TYPE.FOK, 101, 10, A, STP.CANCEL_OLDEST)).toBe(BOOK_STATUS.OK);
    expect(readEvents(book).map((e) => [e.kind, e.maker, e.price, e.size])).toEqual([
      [EVENT_KIND.STP_CANCEL_MAKER, 1, 100, 10],
      [EVENT_KIND.TRADE, 2, 101, 10],
    ]);
  });
});

// ---- status codes and the WASM-only lifecycle ----

describe("order book status codes", () => {
  it("every status code and every order state has host text", () => {
    for (const code of Object.values(BOOK_STATUS)) expect(BOOK_STATUS_TEXT[code], `status ${code}`).toBeTruthy();
    for (const code of Object.values(ORDER_STATE)) expect(ORDER_STATE_TEXT[code], `state ${code}`).toBeTruthy();
    expect(bookStatusText(99)).toBe("unknown order book status 99");
  });

  it.each(["debug", "release"] as const)(
    "the %s kernel answers NOT_INITIALISED before obInit and ALREADY_INITIALISED after it",
    (build) => {
      const e = instantiate(build);
      expect(e.obPlace(SIDE.BID, ORDER_TYPE.LIMIT, 1, 1, 0, 0)).toBe(BOOK_STATUS.NOT_INITIALISED);
      expect(e.obCancel(1)).toBe(BOOK_STATUS.NOT_INITIALISED);
      expect(e.obDepth(SIDE.BID, 10)).toBe(0);
      expect(e.obInit(0, 1, 10)).toBe(BOOK_STATUS.BAD_CAPACITY);
      expect(e.obInit(4, 10, 9)).toBe(BOOK_STATUS.BAD_CAPACITY);
      expect(e.obInit(4, 0, 1 << 22)).toBe(BOOK_STATUS.BAD_CAPACITY);
      expect(e.obInit(4, -2147483648, 0)).toBe(BOOK_STATUS.BAD_CAPACITY);
      expect(e.obInit(4, 1, 10)).toBe(BOOK_STATUS.OK);
      expect(e.obInit(4, 1, 10)).toBe(BOOK_STATUS.ALREADY_INITIALISED);
      expect(e.obEventStride()).toBe(EVENT_STRIDE);
    },
  );

  it("the TypeScript book rejects the same capacities with the host's text", () => {
    expect(() => new OrderBook(0, 1, 10)).toThrow(BOOK_STATUS_TEXT[BOOK_STATUS.BAD_CAPACITY]);
    expect(() => new OrderBook(4, 0, 1 << 22)).toThrow(RangeError);
  });
});

// ---- random operation sequences: WASM = TypeScript, and the invariants after every operation ----

type Op =
  | { op: "place"; side: number; type: number; price: number; size: number; owner: number; stp: number }
  | { op: "cancel"; pick: number }
  | { op: "amend"; pick: number; size: number };

interface Config {
  cap: number;
  lo: number;
  hi: number;
  mid: number;
}

const CONFIGS: Config[] = [
  { cap: 10, lo: 100, hi: 163, mid: 131 }, // 64 ticks: two bitmap words, a full book now and then
  { cap: 40, lo: 0, hi: 4095, mid: 2048 }, // 128 words, 4 summary words: the sparse-level search
];

function opArb(c: Config): fc.Arbitrary<Op> {
  const size = fc.oneof(
    { weight: 60, arbitrary: fc.integer({ min: 1, max: 40 }) },
    { weight: 1, arbitrary: fc.constantFrom(2 ** 52, MAX_LOTS) },
  );
  const price = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: c.mid - 6, max: c.mid + 6 }) },
    { weight: 2, arbitrary: fc.integer({ min: c.lo, max: c.hi }) },
    { weight: 1, arbitrary: fc.integer({ min: c.lo - 50, max: c.hi + 50 }) },
  );
  const place = fc.record({
    op: fc.constant("place" as const),
    side: fc.constantFrom(SIDE.BID, SIDE.ASK),
    type: fc.constantFrom(
      ORDER_TYPE.LIMIT,
      ORDER_TYPE.LIMIT,
      ORDER_TYPE.LIMIT,
      ORDER_TYPE.MARKET,
      ORDER_TYPE.IOC,
      ORDER_TYPE.FOK,
      ORDER_TYPE.POST_ONLY,
    ),
    price,
    size,
    owner: fc.integer({ min: 0, max: 3 }),
    stp: fc.integer({ min: 0, max: 4 }),
  });
  const pick = fc.nat({ max: 200 });
  return fc.oneof(
    { weight: 6, arbitrary: place },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("cancel" as const), pick }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("amend" as const),
        pick,
        size: fc.oneof(
          { weight: 30, arbitrary: fc.integer({ min: 0, max: 45 }) },
          { weight: 1, arbitrary: fc.constant(MAX_LOTS) },
        ),
      }),
    },
  );
}

/**
 * Per-order bookkeeping in BigInt (placed = filled + cancelled + resting must hold for every id) and the
 * step that gave the order its time priority (its placement, or its last amend up).
 */
interface Ledger {
  placed: bigint;
  filled: bigint;
  cancelled: bigint;
  stamp: number;
}

/** The id a cancel or amend aims at: mostly a resting order, one time in five any id ever issued (or none). */
function target(op: Extract<Op, { pick: number }>, issued: number[], resting: number[]): number {
  if (op.pick % 5 !== 0 && resting.length > 0) return resting[op.pick % resting.length];
  return issued.length > 0 ? issued[op.pick % issued.length] : op.pick;
}

function apply(book: OrderBookEngine, op: Op, id: number): number {
  if (op.op === "place") return book.place(op.side, op.type, op.price, op.size, op.owner, op.stp);
  return op.op === "cancel" ? book.cancel(id) : book.amend(id, op.size);
}

/** The opposite side's queues in priority order (best price first, arrival order within it). */
function priorityQueue(book: OrderBookEngine, side: number): { id: number; price: number; size: number; owner: number }[] {
  const out = [];
  for (const [price] of readDepth(book, side)) {
    for (const id of readLevel(book, price)) {
      book.queryOrder(id);
      out.push({ id, price, size: book.queryOut[QUERY.remaining], owner: book.queryOut[QUERY.owner] });
    }
  }
  return out;
}

function checkInvariants(book: OrderBookEngine, ledgers: Map<number, Ledger>, where: string): void {
  const bids = readDepth(book, SIDE.BID);
  const asks = readDepth(book, SIDE.ASK);
  const fail = (what: string) => {
    throw new Error(`${where}: ${what}\n bids ${JSON.stringify(bids)}\n asks ${JSON.stringify(asks)}`);
  };
  if (bids.length && asks.length && bids[0][0] >= asks[0][0]) fail("the book is crossed");
  if ((bids[0]?.[0] ?? NO_PRICE) !== book.bestBid() || (asks[0]?.[0] ?? NO_PRICE) !== book.bestAsk())
    fail("best prices disagree with L2");
  let orders = 0;
  for (const [side, levels, better] of [
    [SIDE.BID, bids, (a: number, b: number) => a > b],
    [SIDE.ASK, asks, (a: number, b: number) => a < b],
  ] as const) {
    let lots = 0;
    for (let i = 0; i < levels.length; i++) {
      const [price, size, count] = levels[i];
      if (i > 0 && !better(levels[i - 1][0], price)) fail(`side ${side} levels out of price order`);
      const queue = readLevel(book, price);
      if (queue.length !== count || count === 0) fail(`level ${price} counts ${count} orders, its queue ${queue.length}`);
      let sum = 0;
      for (let q = 0; q < queue.length; q++) {
        const id = queue[q];
        if (q > 0 && ledgers.get(id)!.stamp <= ledgers.get(queue[q - 1])!.stamp) fail(`queue at ${price} out of time priority`);
        if (book.queryOrder(id) !== BOOK_STATUS.OK) fail(`order ${id} in a queue but not found`);
        const remaining = book.queryOut[QUERY.remaining];
        if (!(remaining >= 1) || book.queryOut[QUERY.side] !== side || book.queryOut[QUERY.price] !== price)
          fail(`order ${id} is malformed`);
        if (book.queryOut[QUERY.ordersAhead] !== q || book.queryOut[QUERY.lotsAhead] !== sum)
          fail(`order ${id}'s queue position is wrong`);
        if (book.orderRemaining(id) !== remaining) fail(`order ${id}'s remaining disagrees`);
        sum += remaining;
      }
      if (sum !== size) fail(`level ${price} holds ${size} lots, its orders ${sum}`);
      lots += size;
      orders += count;
    }
    if (lots !== book.sideLots(side)) fail(`side ${side} lots ${book.sideLots(side)} ≠ Σ levels ${lots}`);
  }
  if (orders !== book.restingCount()) fail("resting count disagrees with the queues");
  for (const [id, l] of ledgers) {
    const resting = Math.max(0, book.orderRemaining(id));
    if (l.placed !== l.filled + l.cancelled + BigInt(resting)) {
      fail(`order ${id}: placed ${l.placed} ≠ filled ${l.filled} + cancelled ${l.cancelled} + resting ${resting}`);
    }
  }
}

/** Checks one place call's events against the priority queue it met. */
function checkWalk(
  op: Extract<Op, { op: "place" }>,
  before: ReturnType<typeof priorityQueue>,
  book: OrderBookEngine,
  where: string,
): void {
  const r = book.result;
  const events = readEvents(book);
  const fail = (what: string) => {
    throw new Error(
      `${where}: ${what}\n op ${JSON.stringify(op)}\n queue ${JSON.stringify(before)}\n events ${JSON.stringify(events)}`,
    );
  };
  // price-time priority: the makers touched are exactly the head of the priority queue, in order
  events.forEach((e, i) => {
    const m = before[i];
    if (!m || e.maker !== m.id || e.price !== m.price || e.taker !== r[RESULT.orderId])
      fail(`event ${i} skips the priority queue`);
    if (e.makerLeft !== m.size - e.size || (i < events.length - 1 && e.makerLeft !== 0))
      fail(`event ${i} left a maker partly filled mid-walk`);
    const self = op.stp !== STP.NONE && m.owner === op.owner;
    if (self !== (e.kind !== EVENT_KIND.TRADE)) fail(`event ${i} is the wrong kind`);
  });
  const limitOk = (p: number) => op.type === ORDER_TYPE.MARKET || (op.side === SIDE.BID ? p <= op.price : p >= op.price);
  if (events.some((e) => !limitOk(e.price))) fail("traded beyond the limit");
  const tradeLots = events.filter((e) => e.kind === EVENT_KIND.TRADE).reduce((s, e) => s + e.size, 0);
  if (r[RESULT.filled] !== tradeLots) fail("taker filled ≠ Σ trade sizes");
  if (r[RESULT.trades] !== events.filter((e) => e.kind === EVENT_KIND.TRADE).length) fail("trade count");
  let notional = 0;
  for (const e of events) if (e.kind === EVENT_KIND.TRADE) notional += e.price * e.size;
  if (!Object.is(r[RESULT.notional], notional)) fail("notional ≠ Σ price·size in event order");
  if (r[RESULT.filled] + r[RESULT.resting] + r[RESULT.cancelled] !== op.size) fail("filled + resting + cancelled ≠ size");
  // a walk stops only when the taker is done, the limit is reached, or self-trade prevention stops it
  const state = r[RESULT.state];
  if (state === ORDER_STATE.EXPIRED || state === ORDER_STATE.RESTING) {
    const next = before[events.length];
    if (next && limitOk(next.price)) fail("the walk stopped with a crossing order left");
  }
  if (state === ORDER_STATE.FOK_KILLED || state === ORDER_STATE.POST_ONLY_REJECTED) {
    if (events.length !== 0) fail("a killed or rejected order touched the book");
  }
  if (op.type === ORDER_TYPE.FOK && state === ORDER_STATE.FOK_KILLED) {
    // it truly could not fill: the lots it could reach before a blocking self order are short of its size
    let reach = 0;
    for (const m of before) {
      if (!limitOk(m.price)) break;
      if (op.stp !== STP.NONE && m.owner === op.owner) {
        if (op.stp === STP.CANCEL_OLDEST) continue;
        break;
      }
      reach += m.size;
    }
    if (reach >= op.size) fail("a FOK was killed although it could fill");
  }
  if (op.type === ORDER_TYPE.FOK && state !== ORDER_STATE.FOK_KILLED && r[RESULT.filled] !== op.size) fail("a FOK filled partly");
}

function runSequence(ops: Op[], books: { name: string; book: OrderBookEngine }[]): void {
  const ledgers = books.map(() => new Map<number, Ledger>());
  const ids: number[] = [];
  ops.forEach((op, step) => {
    const id =
      op.op === "place"
        ? 0
        : target(
            op,
            ids,
            ids.filter((i) => books[0].book.orderRemaining(i) >= 0),
          );
    const outs = books.map(({ name, book }, b) => {
      const where = `${name}, step ${step}`;
      const before = op.op === "place" ? priorityQueue(book, op.side ^ 1) : [];
      const status = apply(book, op, id);
      const r = book.result;
      const ledger = ledgers[b];
      if (status === BOOK_STATUS.OK) {
        const id = r[RESULT.orderId];
        if (op.op === "place") {
          ledger.set(id, {
            placed: BigInt(op.size),
            filled: BigInt(r[RESULT.filled]),
            cancelled: BigInt(r[RESULT.cancelled]),
            stamp: step,
          });
          checkWalk(op, before, book, where);
        } else {
          const l = ledger.get(id)!;
          l.placed += BigInt(r[RESULT.added]);
          l.cancelled += BigInt(r[RESULT.cancelled]);
          if (r[RESULT.added] > 0) l.stamp = step;
        }
        for (const e of readEvents(book)) {
          const maker = ledger.get(e.maker)!;
          if (e.kind === EVENT_KIND.TRADE) maker.filled += BigInt(e.size);
          else maker.cancelled += BigInt(e.size);
        }
      } else if (r[RESULT.orderId] !== 0 || r[RESULT.events] !== 0) {
        throw new Error(`${where}: a rejected call (status ${status}) reported an order or events`);
      }
      checkInvariants(book, ledger, where);
      return {
        status,
        result: Array.from(r),
        events: eventBytes(book),
        bids: readDepth(book, SIDE.BID),
        asks: readDepth(book, SIDE.ASK),
      };
    });
    for (let b = 1; b < outs.length; b++) {
      const [x, y] = [outs[0], outs[b]];
      const where = `step ${step} ${JSON.stringify(op)}: ${books[0].name} vs ${books[b].name}`;
      expect(y.status, `${where}: status`).toBe(x.status);
      expect(
        y.result.map((v, i) => Object.is(v, x.result[i])).every(Boolean),
        `${where}: result ${x.result} vs ${y.result}`,
      ).toBe(true);
      expect(Buffer.from(y.events).equals(Buffer.from(x.events)), `${where}: event bytes`).toBe(true);
      expect(y.bids, `${where}: bids`).toEqual(x.bids);
      expect(y.asks, `${where}: asks`).toEqual(x.asks);
    }
    if (op.op === "place" && outs[0].status === BOOK_STATUS.OK) ids.push(outs[0].result[RESULT.orderId]);
  });
}

describe.each(CONFIGS)("random operation sequences on $cap orders over prices $lo to $hi", (c) => {
  // one WASM instance per build, reset between runs (so reset is under test too); a fresh TS book per run
  const debug = new WasmOrderBook("debug", c.cap, c.lo, c.hi);
  const release = new WasmOrderBook("release", c.cap, c.lo, c.hi);

  it("give identical statuses, results, event bytes and L2 in the TypeScript book and both WASM builds, and keep every invariant after every operation", () => {
    fc.assert(
      fc.property(fc.array(opArb(c), { minLength: 1, maxLength: 150, size: "max" }), (ops) => {
        debug.reset();
        release.reset();
        runSequence(ops, [
          { name: "TypeScript", book: new OrderBook(c.cap, c.lo, c.hi) },
          { name: "WASM debug", book: debug },
          { name: "WASM release", book: release },
        ]);
      }),
      { numRuns: 300, seed: 20261126 },
    );
  });
});
