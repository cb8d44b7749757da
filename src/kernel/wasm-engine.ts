// The WASM engine: instantiates the kernel, checks its ABI version, fills its regions from an EngineSetup
// through typed-array views (flat memory, no loader, no copies on the way out) and runs batches of paths.
import { ABI_VERSION, P } from "../engine/layout.js";
import { RECORD_STRIDE } from "../engine/metrics.js";
import type { EngineSetup } from "../engine/setup.js";
import { FAN_STRIDE, type FanBinSink, type FanSink } from "../engine/fan.js";
import { KernelFanCharts } from "./fan-bins.js";
import { kernelModule, type KernelBuild } from "./module.js";
import { statusText } from "./status.js";

export interface KernelExports {
  memory: WebAssembly.Memory;
  abiVersion(): number;
  init(accounts: number, levels: number, steps: number, tiers: number, returns: number, batch: number): number;
  paramsPtr(): number;
  tierFloorPtr(): number;
  tierMmrPtr(): number;
  tierAmountPtr(): number;
  tierMaxLeveragePtr(): number;
  bidProfilePtr(): number;
  askProfilePtr(): number;
  shocksPtr(): number;
  returnsPtr(): number;
  accIsLongPtr(): number;
  accSizePtr(): number;
  accEntryPtr(): number;
  accCollateralPtr(): number;
  accLiqPtr(): number;
  recordsPtr(): number;
  ledgerPtr(): number;
  computeTradersCash(): void;
  recordStride(): number;
  prepare(seedLo: number, seedHi: number): number;
  runPaths(first: number, count: number): number;
  accountClosed(i: number): number;
  bookReset(): void;
  bookSell(qty: number): number;
  bookNextStep(): void;
  bookMid(): number;
  bookBidPrice(): number;
  bookBuy(qty: number): number;
  bookLastPrice(): number;
  bookBidTop(): number;
  bookExhausted(): number;
  fanConfigure(every: number, bin: number): number;
  fanSamplesPtr(): number;
  fanBinParamsPtr(): number;
  fanFlush(): number;
  fanOutPtr(): number;
  fanZerosPtr(): number;
  fanStatsPtr(): number;
  fanSpillLen(): number;
}

/** Reads an AssemblyScript string (UTF-16, byte length stored just before it) out of memory. */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

/** A kernel status other than ok, or a trap, with the host's words for it. */
export class KernelError extends Error {}

/** An instance of the kernel (its ABI version checked), its exports with the host's `abort`. */
export function kernelInstance(mod: WebAssembly.Module): KernelExports {
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(mod, {
    env: {
      abort(msg: number, file: number, line: number, col: number) {
        const where = memory ? `${readString(memory, file)}:${line}:${col}` : `${line}:${col}`;
        throw new KernelError(`kernel assertion failed: ${memory ? readString(memory, msg) : msg} at ${where}`);
      },
    },
  });
  // a pointer past 2 GiB comes back from wasm32 as a negative i32: every *Ptr export is read unsigned
  const raw = instance.exports as Record<string, unknown>;
  const wrapped: Record<string, unknown> = { ...raw };
  for (const [name, fn] of Object.entries(raw)) {
    if (name.endsWith("Ptr") && typeof fn === "function") {
      const f = fn as (...a: number[]) => number;
      wrapped[name] = (...a: number[]) => f(...a) >>> 0;
    }
  }
  const exports = wrapped as unknown as KernelExports;
  memory = exports.memory;
  const version = exports.abiVersion();
  if (version !== ABI_VERSION) {
    throw new KernelError(
      `kernel ABI version ${version} does not match the host's ${ABI_VERSION}: rebuild with \`npm run build\``,
    );
  }
  return exports;
}

/** One market's tables into the kernel's regions (with several markets: the selected market's). */
export function fillMarket(e: KernelExports, s: EngineSetup): void {
  const f64 = (ptr: number, length: number) => new Float64Array(e.memory.buffer, ptr, length);
  f64(e.paramsPtr(), s.params.length).set(s.params);
  f64(e.tierFloorPtr(), s.tierFloor.length).set(s.tierFloor);
  f64(e.tierMmrPtr(), s.tierMmr.length).set(s.tierMmr);
  f64(e.tierAmountPtr(), s.tierAmount.length).set(s.tierAmount);
  f64(e.tierMaxLeveragePtr(), s.tierMaxLeverage.length).set(s.tierMaxLeverage);
  f64(e.bidProfilePtr(), s.bidProfile.length).set(s.bidProfile);
  f64(e.askProfilePtr(), s.askProfile.length).set(s.askProfile);
  f64(e.shocksPtr(), s.shocks.length).set(s.shocks);
  if (s.returns.length > 0) f64(e.returnsPtr(), s.returns.length).set(s.returns);
  if (s.accounts) {
    const n = s.accounts.size.length;
    new Int32Array(e.memory.buffer, e.accIsLongPtr(), n).set(s.accounts.isLong);
    f64(e.accSizePtr(), n).set(s.accounts.size);
    f64(e.accEntryPtr(), n).set(s.accounts.entry);
    f64(e.accCollateralPtr(), n).set(s.accounts.collateral);
  }
}

/** The compiled kernel behind the same prepare()/runPaths() interface as the reference engine. */
export class WasmEngine {
  readonly exports: KernelExports;
  private readonly batch: number;
  /** Fan charts: the kernel's samples or its binning (src/kernel/fan-bins.ts). */
  private readonly fan: KernelFanCharts;

  constructor(
    private readonly setup: EngineSetup,
    options: { build?: KernelBuild; batch?: number; module?: WebAssembly.Module } = {},
  ) {
    this.exports = kernelInstance(options.module ?? kernelModule(options.build ?? "release"));
    const p = setup.params;
    this.batch = options.batch ?? 256;
    this.check(
      this.exports.init(
        // the population and the dormant slots of accounts.flow's arrivals after it
        (p[P.accountCount] + p[P.flowPool]) | 0,
        setup.bidProfile.length - 1,
        setup.shocks.length - 1,
        setup.tierFloor.length,
        setup.returns.length,
        this.batch,
      ),
    );
    this.load();
    this.fan = new KernelFanCharts(this.exports, FAN_STRIDE, this.batch);
  }

  private check(code: number): void {
    if (code !== 0) throw new KernelError(statusText(code));
  }

  private f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.exports.memory.buffer, ptr, length);
  }

  private load(): void {
    fillMarket(this.exports, this.setup);
  }

  /** Draws the run's population and sorts its ladder. */
  prepare(seedLo: number, seedHi: number): void {
    this.check(this.exports.prepare(seedLo >>> 0, seedHi >>> 0));
  }

  /**
   * Fan charts: sample every path's series (src/engine/fan.ts) and hand them to runPaths' sink, or not; `binned`: the
   * kernel bins them (the sink a FanBinSink, its binParams() the kernel's), and flushFan() hands over what it holds.
   */
  enableFan(on = true, binned?: FanBinSink): void {
    if (!this.fan.enable(on, this.setup.params[P.steps], binned)) throw new KernelError(statusText(2));
  }

  /** The kernel's fan windows into the sink (binned mode; runBatch calls it before it packs the batch's fan). */
  flushFan(fan: FanBinSink): void {
    this.fan.flush(fan);
  }

  /** Simulates paths first..first+count−1 and copies their records into out (their fan samples to `fan`, when on). */
  runPaths(first: number, count: number, out: Float64Array, fan?: FanSink): void {
    for (let done = 0; done < count; done += this.batch) {
      const n = Math.min(this.batch, count - done);
      this.check(this.exports.runPaths(first + done, n));
      out.set(this.f64(this.exports.recordsPtr(), n * RECORD_STRIDE), done * RECORD_STRIDE);
      if (fan) this.fan.batch(fan, n, first + done);
    }
  }

  /**
   * The money ledger at the end of the last path: traders, insurance, makers, bad debt, treasury, backstop vault, and
   * the collateral accounts.flow's arrivals brought in (money that entered the venue during the path).
   */
  ledger(): Float64Array {
    this.exports.computeTradersCash();
    return this.f64(this.exports.ledgerPtr(), 7).slice();
  }

  /** Whether account i was liquidated or deleveraged in the last path. */
  isClosed(i: number): boolean {
    return this.exports.accountClosed(i) === 1;
  }

  /** Liquidation price of each account (after prepare). */
  liquidationPrices(): Float64Array {
    const n = this.setup.params[P.accountCount];
    return this.f64(this.exports.accLiqPtr(), n).slice();
  }
}
