// The per-order book's module (build/orderbook.wasm, build/orderbook.debug.wasm): its ABI and nothing else. The
// production kernel (assembly/index.ts) does not include it: the cascade walks the aggregated book (assembly/book.ts);
// this one is for agents that queue (a backstop vault, a market maker), held to its TypeScript twin
// (src/engine/orderbook.ts) by test/engine/orderbook.test.ts.
// Prices cross as i32 ticks, sizes as f64 holding whole lots (≤ 2^53 − 1), ids as i32. Call obInit once, then take
// views of the regions (it grows memory); every call returns a status (src/engine/orderbook.ts owns the text) and
// leaves its outcome in the result region and its trades in the event region.
import * as ob from "./book";

export function obInit(capOrders: i32, minPrice: i32, maxPrice: i32): i32 { return ob.init(capOrders, minPrice, maxPrice); }
export function obReset(): void { ob.reset(); }
export function obPlace(side: i32, type: i32, price: i32, size: f64, owner: i32, flags: i32): i32 {
  return ob.place(side, type, price, ob.lots(size), owner, flags);
}
export function obCancel(id: i32): i32 { return ob.cancel(id); }
export function obAmend(id: i32, newSize: f64): i32 { return ob.amend(id, ob.lots(newSize)); }
export function obBestBid(): i32 { return ob.bestBidPrice(); }
export function obBestAsk(): i32 { return ob.bestAskPrice(); }
export function obDepth(side: i32, maxLevels: i32): i32 { return ob.depth(side, maxLevels); }
export function obLevelOrders(price: i32): i32 { return ob.levelOrders(price); }
export function obQueryOrder(id: i32): i32 { return ob.queryOrder(id); }
export function obOrderRemaining(id: i32): f64 { return <f64>ob.orderRemaining(id); }
export function obSideLots(side: i32): f64 { return <f64>ob.sideLots(side); }
export function obRestingCount(): i32 { return ob.restingOrders; }
export function obResultPtr(): usize { return changetype<usize>(ob.result); }
export function obEventsPtr(): usize { return changetype<usize>(ob.events); }
export function obEventStride(): i32 { return <i32>ob.EVENT_STRIDE; }
export function obDepthPtr(): usize { return changetype<usize>(ob.depthOut); }
export function obIdsPtr(): usize { return changetype<usize>(ob.idsOut); }
export function obQueryPtr(): usize { return changetype<usize>(ob.queryOut); }
