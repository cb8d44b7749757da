import { describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/config/load.js";
import { buildSetup } from "../../src/engine/setup.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { BINANCE_DEPTH_SNAPSHOT } from "../helpers/fixtures.js";

// Market sells walked through the kernel's book loaded from a real Binance USDⓈ-M BTCUSDT depth snapshot
// (test/fixtures/public/binance-usdm-btcusdt-depth-snap-2022-11-01.csv, 100 bid levels, 176.960 BTC). Expected
// values: the table in test/fixtures/public/README.md (exact decimal arithmetic, no fees).
const SNAPSHOT = BINANCE_DEPTH_SNAPSHOT;

const WALKS = [
  { sell: 1, levels: 1, last: 20377.0, vwap: 20377.0, unfilled: 0 },
  { sell: 10, levels: 7, last: 20376.4, vwap: 20376.5477, unfilled: 0 },
  { sell: 50, levels: 41, last: 20372.5, vwap: 20374.9883, unfilled: 0 },
  { sell: 100, levels: 62, last: 20370.0, vwap: 20373.3822, unfilled: 0 },
  { sell: 200, levels: 100, last: 20365.9, vwap: 20370.8463, unfilled: 23.04 },
];

describe("the kernel's book loaded from the Binance BTCUSDT snapshot", () => {
  const inputs = resolveScenario({ market: { tickSize: 0.1, book: { levels: 200, snapshotFile: SNAPSHOT } } }, process.cwd());
  const setup = buildSetup(inputs);
  const freshKernel = () => {
    const engine = new WasmEngine(setup, { build: "debug" });
    engine.prepare(1, 0); // configures the book (levels, tick) from the parameter block
    return engine.exports;
  };
  const prices = inputs.book!.filter((l) => l.side === "bid").map((l) => l.price);

  it.each(WALKS)("a market sell of $sell BTC consumes $levels levels, last fill $last, VWAP $vwap", (walk) => {
    const kernel = freshKernel();
    kernel.bookReset();
    let notional = kernel.bookSell(walk.sell);
    let filled = walk.sell;
    if (kernel.bookExhausted()) {
      // the kernel fills what the book cannot take one tick beyond its edge (the venue's last resort);
      // the IOC answer is the part the snapshot's own levels filled
      notional -= walk.unfilled * kernel.bookLastPrice();
      filled -= walk.unfilled;
      kernel.bookReset();
      kernel.bookSell(filled - 1e-9); // the in-book part again, for its last fill price
    } else {
      expect(walk.unfilled).toBe(0);
    }
    const last = kernel.bookLastPrice();
    const levels = prices.filter((p) => p >= last - 1e-9).length;
    const vwap = notional / filled;
    const detail = `calculated last ${last} vwap ${vwap} levels ${levels}; expected ${walk.last} ${walk.vwap} ${walk.levels}`;
    expect(Math.abs(last - walk.last), detail).toBeLessThan(1e-6);
    expect(levels, detail).toBe(walk.levels);
    expect(Math.abs(vwap - walk.vwap), detail).toBeLessThan(5e-5); // the table rounds VWAP to 4 decimals
  });

  it("reports the 200 BTC sell as exhausting the book, with exactly 23.04 BTC beyond its last level", () => {
    const kernel = freshKernel();
    kernel.bookReset();
    kernel.bookSell(176.96 - 1e-9);
    expect(kernel.bookExhausted()).toBe(0);
    kernel.bookReset();
    kernel.bookSell(176.96 + 1e-6);
    expect(kernel.bookExhausted()).toBe(1);
  });
});
