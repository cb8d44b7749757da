// The WASM engine for several markets under one venue (plan-14b, phase B1): one kernel instance runs M markets
// (assembly/markets.ts), each filled through the same typed-array views as one market's (selectMarket(m) points the
// table pointers at market m's regions). One market runs the one-market engine (WasmEngine) untouched, its record
// extended with the market's block (copied from the venue's metrics it equals) — unless the venue has cross-margin
// owners (`setup.cross`): then the markets' loop runs it, with the cross tables (assembly/cross-margin.ts) filled
// through their own views.
import { fanStride, type FanBinSink, type FanSink } from "../engine/fan.js";
import { P } from "../engine/layout.js";
import type { CrossSetup } from "../engine/cross-setup.js";
import { MARKET_METRICS, type MarketsSetup, recordNames } from "../engine/markets-setup.js";
import { METRIC, RECORD_STRIDE } from "../engine/metrics.js";
import { KernelFanCharts } from "./fan-bins.js";
import type { KernelBuild } from "./module.js";
import { kernelModule } from "./module.js";
import { statusText } from "./status.js";
import { fillMarket, KernelError, kernelInstance, type KernelExports, WasmEngine } from "./wasm-engine.js";

interface MarketsKernelExports extends KernelExports {
  initMarkets(markets: number, steps: number, batch: number): number;
  initMarket(m: number, accounts: number, levels: number, tiers: number, returns: number, steps: number): number;
  selectMarket(m: number): number;
  choleskyPtr(): number;
  marketsRecordStride(): number;
  initCross(owners: number, legs: number, deposits: number, assets: number, arrivals: number, crit: number): number;
  crossLegStartPtr(): number;
  crossLegMarketPtr(): number;
  crossLegSidePtr(): number;
  crossLegSizePtr(): number;
  crossLegEntryPtr(): number;
  crossDepStartPtr(): number;
  crossDepAssetPtr(): number;
  crossDepAmountPtr(): number;
  crossDepArrivesPtr(): number;
  crossArrivalOrderPtr(): number;
  crossAssetMarketPtr(): number;
  crossAssetPricePtr(): number;
  crossAssetHaircutPtr(): number;
  crossCritStartPtr(): number;
  crossCritMarkPtr(): number;
  crossCritOwnerPtr(): number;
}

/** The cross-margin tables into the kernel's regions (initCross carved them for these lengths). */
function fillCross(e: MarketsKernelExports, c: CrossSetup): void {
  const i32 = (ptr: number, from: Int32Array) => new Int32Array(e.memory.buffer, ptr, from.length).set(from);
  const f64 = (ptr: number, from: Float64Array) => new Float64Array(e.memory.buffer, ptr, from.length).set(from);
  i32(e.crossLegStartPtr(), c.legStart);
  i32(e.crossLegMarketPtr(), c.legMarket);
  f64(e.crossLegSidePtr(), c.legSide);
  f64(e.crossLegSizePtr(), c.legSize);
  f64(e.crossLegEntryPtr(), c.legEntry);
  i32(e.crossDepStartPtr(), c.depStart);
  i32(e.crossDepAssetPtr(), c.depAsset);
  f64(e.crossDepAmountPtr(), c.depAmount);
  i32(e.crossDepArrivesPtr(), c.depArrives);
  i32(e.crossArrivalOrderPtr(), c.arrivalOrder);
  i32(e.crossAssetMarketPtr(), c.assetMarket);
  f64(e.crossAssetPricePtr(), c.assetPrice);
  f64(e.crossAssetHaircutPtr(), c.assetHaircut);
  i32(e.crossCritStartPtr(), c.critStart);
  f64(e.crossCritMarkPtr(), c.critMark);
  i32(e.crossCritOwnerPtr(), c.critOwner);
}

/** Where each per-market metric sits in the one-market record (the venue's metrics of a one-market run are its own). */
const FROM_VENUE = MARKET_METRICS.map((name) => METRIC[name]);

export class WasmMarketsEngine {
  /** f64 per path in the records runPaths writes: recordNames(setup.names, cross).length. */
  readonly stride: number;
  private readonly single?: WasmEngine;
  private readonly exports?: MarketsKernelExports;
  private readonly batch: number;
  private scratch = new Float64Array(0);
  /** Fan charts of the markets' loop (src/kernel/fan-bins.ts; one market: the one-market engine's). */
  private fan?: KernelFanCharts;

  constructor(
    private readonly setup: MarketsSetup,
    options: { build?: KernelBuild; batch?: number; module?: WebAssembly.Module } = {},
  ) {
    const M = setup.markets.length;
    if (M < 1 || setup.names.length !== M) throw new KernelError("a markets setup needs one name per market");
    if (setup.cholesky.length !== M * M) throw new KernelError(`the Cholesky factor needs ${M * M} entries`);
    const cross = setup.cross;
    this.stride = recordNames(setup.names, cross !== undefined).length;
    this.batch = options.batch ?? 256;
    if (M === 1 && !cross) {
      this.single = new WasmEngine(setup.markets[0], options);
      return;
    }
    const e = kernelInstance(options.module ?? kernelModule(options.build ?? "release")) as MarketsKernelExports;
    if (typeof e.initMarkets !== "function") {
      throw new KernelError("the WASM kernel runs one market only: rebuild with `npm run build`");
    }
    if (cross && typeof e.initCross !== "function") {
      throw new KernelError("the WASM kernel has no cross margin: rebuild with `npm run build`");
    }
    this.exports = e;
    const steps = Math.max(...setup.markets.map((s) => s.shocks.length - 1));
    this.check(e.initMarkets(M, steps, this.batch));
    setup.markets.forEach((s, m) => {
      const p = s.params;
      this.check(
        e.initMarket(
          m,
          // the population and the dormant slots of accounts.flow's arrivals after it
          (p[P.accountCount] + p[P.flowPool]) | 0,
          s.bidProfile.length - 1,
          s.tierFloor.length,
          s.returns.length,
          s.shocks.length - 1,
        ),
      );
      fillMarket(e, s);
    });
    new Float64Array(e.memory.buffer, e.choleskyPtr(), M * M).set(setup.cholesky);
    if (cross) {
      this.check(
        e.initCross(
          cross.owners,
          cross.legMarket.length,
          cross.depAsset.length,
          cross.assetMarket.length,
          cross.arrivalOrder.length,
          cross.critMark.length,
        ),
      );
      fillCross(e, cross);
    }
    if (e.marketsRecordStride() !== this.stride) throw new KernelError("the kernel's record of several markets differs");
    this.check(e.selectMarket(0));
    this.fan = new KernelFanCharts(e, fanStride(M), this.batch);
  }

  private check(code: number): void {
    if (code !== 0) throw new KernelError(statusText(code));
  }

  /** Every market's population and ladder (market m's draws on its own counters). */
  prepare(seedLo: number, seedHi: number): void {
    if (this.single) this.single.prepare(seedLo, seedHi);
    else this.check(this.exports!.prepare(seedLo >>> 0, seedHi >>> 0));
  }

  /**
   * Fan charts (src/engine/fan.ts fanStride: market 0's series, then with two markets or more every market's mark):
   * sample every path and hand the samples to runPaths' sink, or not; `binned`: the kernel bins them (WasmEngine's).
   */
  enableFan(on = true, binned?: FanBinSink): void {
    if (this.single) this.single.enableFan(on, binned);
    else if (!this.fan!.enable(on, this.setup.markets[0].params[P.steps], binned)) throw new KernelError(statusText(2));
  }

  /** The kernel's fan windows into the sink (binned mode; runBatch calls it before it packs the batch's fan). */
  flushFan(fan: FanBinSink): void {
    if (this.single) this.single.flushFan(fan);
    else this.fan!.flush(fan);
  }

  /** Simulates paths first..first+count−1 and writes their records (this.stride f64 each) into out; their fan to `fan`. */
  runPaths(first: number, count: number, out: Float64Array, fan?: FanSink): void {
    if (this.single) {
      if (this.scratch.length < count * RECORD_STRIDE) this.scratch = new Float64Array(count * RECORD_STRIDE);
      this.single.runPaths(first, count, this.scratch, fan);
      for (let i = 0; i < count; i++) {
        const from = i * RECORD_STRIDE;
        const to = i * this.stride;
        out.set(this.scratch.subarray(from, from + RECORD_STRIDE), to);
        for (let k = 0; k < FROM_VENUE.length; k++) out[to + RECORD_STRIDE + k] = this.scratch[from + FROM_VENUE[k]];
      }
      return;
    }
    const e = this.exports!;
    for (let done = 0; done < count; done += this.batch) {
      const n = Math.min(this.batch, count - done);
      this.check(e.runPaths(first + done, n));
      out.set(new Float64Array(e.memory.buffer, e.recordsPtr(), n * this.stride), done * this.stride);
      if (fan) this.fan!.batch(fan, n, first + done);
    }
  }

  /**
   * The venue's money ledger at the end of the last path: the traders (every market's), insurance, makers, bad debt,
   * treasury, the vaults' cash, accounts.flow's arrivals' collateral (src/kernel/wasm-engine.ts ledger()).
   */
  ledger(): Float64Array {
    if (this.single) return this.single.ledger();
    const e = this.exports!;
    e.computeTradersCash();
    return new Float64Array(e.memory.buffer, e.ledgerPtr(), 7).slice();
  }

  /** Market m's population collateral as the kernel holds it (drawn, loaded, or redrawn for the last path). */
  collateral(m: number): Float64Array {
    const n = this.setup.markets[m].params[P.accountCount];
    if (this.single)
      return new Float64Array(this.single.exports.memory.buffer, this.single.exports.accCollateralPtr(), n).slice();
    const e = this.exports!;
    this.check(e.selectMarket(m));
    return new Float64Array(e.memory.buffer, e.accCollateralPtr(), n).slice();
  }
}
