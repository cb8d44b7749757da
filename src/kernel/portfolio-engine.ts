// The portfolio kernel (assembly/portfolio/, build/portfolio.wasm) behind the reference engine's interface:
// instantiates it, checks its ABI version, writes the run's tables (src/portfolio/setup.ts) into its regions
// through typed-array views and runs batches of paths. A separate module from the single-market kernel.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InternalError } from "../config/errors.js";
import { buildPortfolioSetup, seedWords, type PortfolioSetup } from "../portfolio/setup.js";
import { portfolioMetricNames } from "../portfolio/engine.js";
import type { PortfolioScenario } from "../portfolio/schema.js";
import type { KernelBuild } from "./module.js";
import { KernelError } from "./wasm-engine.js";

/** assembly/portfolio/abi.ts PF_ABI_VERSION. */
export const PORTFOLIO_ABI_VERSION = 1;

/** The kernel's status codes (assembly/portfolio/abi.ts); the host owns the words. */
export const PORTFOLIO_STATUS: Record<number, string> = {
  0: "ok",
  1: "portfolio kernel used before init() and prepare()",
  2: "portfolio scenario exceeds the capacities the kernel was initialised with",
  3: "portfolio kernel rejected the run's tables (an index out of range or an inconsistent book layout)",
};

/** Parameter slots (assembly/portfolio/abi.ts P_*). */
const P = {
  markets: 0,
  assets: 1,
  books: 2,
  cells: 3,
  steps: 4,
  tiers: 5,
  accounts: 6,
  legs: 7,
  deposits: 8,
  feeRate: 9,
  maxRounds: 10,
  insurance: 11,
} as const;
const PARAM_SLOTS = 12;

/** Region ids (assembly/portfolio/abi.ts R_*), in order, with the setup array each is filled from. */
const REGIONS = [
  "params",
  "chol",
  "drift",
  "diffusion",
  "shock",
  "initialPrice",
  "tick",
  "levels",
  "offset",
  "markMid",
  "bookProcess",
  "decay",
  "profile",
  "tierStart",
  "tierFloor",
  "tierMmr",
  "tierAmount",
  "haircut",
  "assetBook",
  "legStart",
  "legMarket",
  "legSide",
  "legSize",
  "legEntry",
  "depStart",
  "depAsset",
  "depAmount",
  "depArrives",
  "records",
  "ledger",
] as const;
type RegionName = (typeof REGIONS)[number];
const region = (name: RegionName) => REGIONS.indexOf(name);
const INT_REGIONS = new Set<RegionName>([
  "levels",
  "offset",
  "markMid",
  "bookProcess",
  "tierStart",
  "assetBook",
  "legStart",
  "legMarket",
  "depStart",
  "depAsset",
  "depArrives",
]);
type TableName = Exclude<RegionName, "params" | "records" | "ledger">;

interface PortfolioExports {
  memory: WebAssembly.Memory;
  abiVersion(): number;
  init(
    markets: number,
    assets: number,
    books: number,
    cells: number,
    steps: number,
    tiers: number,
    accounts: number,
    legs: number,
    deposits: number,
    batch: number,
  ): number;
  regionPtr(r: number): number;
  regionLength(r: number): number;
  recordStride(): number;
  batchCapacity(): number;
  prepare(seedLo: number, seedHi: number): number;
  runPaths(first: number, count: number): number;
  ledger(): void;
}

export function portfolioKernelPath(build: KernelBuild = "release"): string {
  const file = build === "release" ? "portfolio.wasm" : "portfolio.debug.wasm";
  return fileURLToPath(new URL(`../../build/${file}`, import.meta.url));
}

const compiled = new Map<KernelBuild, WebAssembly.Module>();

/** The compiled portfolio kernel, once per process and build. */
export function portfolioKernelModule(build: KernelBuild = "release"): WebAssembly.Module {
  let mod = compiled.get(build);
  if (!mod) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(portfolioKernelPath(build));
    } catch {
      throw new Error(`the portfolio WASM kernel is not built (${portfolioKernelPath(build)} is missing): run \`npm run build\``);
    }
    mod = new WebAssembly.Module(new Uint8Array(bytes));
    compiled.set(build, mod);
  }
  return mod;
}

function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

/** The kernel's abort(): a failed assertion or, in the debug build, an index out of its region (a trap). */
class KernelAbort extends KernelError {}

export interface PortfolioWasmOptions {
  build?: KernelBuild;
  /** Paths per kernel call (the records region holds this many). */
  batch?: number;
  module?: WebAssembly.Module;
}

/** The portfolio kernel with the reference engine's runPaths(first, count, out). */
export class PortfolioWasmEngine {
  readonly setup: PortfolioSetup;
  readonly metricNames: string[];
  /** f64 slots per path record. */
  readonly stride: number;
  private readonly exports: PortfolioExports;
  private readonly batch: number;

  constructor(
    readonly scenario: PortfolioScenario,
    options: PortfolioWasmOptions = {},
  ) {
    const s = (this.setup = buildPortfolioSetup(scenario));
    this.metricNames = portfolioMetricNames(scenario);
    const mod = options.module ?? portfolioKernelModule(options.build ?? "release");
    let memory: WebAssembly.Memory | undefined;
    const instance = new WebAssembly.Instance(mod, {
      env: {
        abort(msg: number, file: number, line: number, col: number) {
          const where = memory ? `${readString(memory, file)}:${line}:${col}` : `${line}:${col}`;
          throw new KernelAbort(`assertion failed: ${memory ? readString(memory, msg) : msg} at ${where}`);
        },
      },
    });
    const e = (this.exports = instance.exports as unknown as PortfolioExports);
    memory = e.memory;
    const version = e.abiVersion();
    if (version !== PORTFOLIO_ABI_VERSION) {
      throw new KernelError(
        `portfolio kernel ABI version ${version} does not match the host's ${PORTFOLIO_ABI_VERSION}: rebuild with \`npm run build\``,
      );
    }
    this.batch = Math.max(1, options.batch ?? 64);
    const cells = s.offset[s.bookCount];
    this.check(
      e.init(
        s.marketCount,
        s.assetCount,
        s.bookCount,
        cells,
        s.steps,
        s.tierFloor.length,
        s.accountCount,
        s.legMarket.length,
        s.depAmount.length,
        this.batch,
      ),
    );
    this.stride = e.recordStride();
    if (this.stride !== this.metricNames.length) {
      throw new KernelError(
        `portfolio kernel record stride ${this.stride} does not match the host's ${this.metricNames.length} metrics`,
      );
    }
    const params = new Float64Array(PARAM_SLOTS);
    params[P.markets] = s.marketCount;
    params[P.assets] = s.assetCount;
    params[P.books] = s.bookCount;
    params[P.cells] = cells;
    params[P.steps] = s.steps;
    params[P.tiers] = s.tierFloor.length;
    params[P.accounts] = s.accountCount;
    params[P.legs] = s.legMarket.length;
    params[P.deposits] = s.depAmount.length;
    params[P.feeRate] = s.feeRate;
    params[P.maxRounds] = s.maxRounds;
    params[P.insurance] = s.insurance;
    this.write("params", params);
    for (const name of REGIONS) {
      if (name === "params" || name === "records" || name === "ledger") continue;
      this.write(name, s[name as TableName]);
    }
    const [seedLo, seedHi] = seedWords(scenario.seed);
    this.check(e.prepare(seedLo, seedHi));
  }

  private check(code: number): void {
    if (code !== 0) throw new KernelError(PORTFOLIO_STATUS[code] ?? `unknown portfolio kernel status ${code}`);
  }

  /** Copies a setup table into its region, checking the region has exactly its length. */
  private write(name: RegionName, values: ArrayLike<number>): void {
    const r = region(name);
    const length = this.exports.regionLength(r);
    if (length !== values.length)
      throw new KernelError(`portfolio kernel region ${name} holds ${length} values, the run has ${values.length}`);
    if (length === 0) return;
    const ptr = this.exports.regionPtr(r);
    const buffer = this.exports.memory.buffer;
    if (INT_REGIONS.has(name)) new Int32Array(buffer, ptr, length).set(values);
    else new Float64Array(buffer, ptr, length).set(values);
  }

  /**
   * Simulates paths first..first+count−1, one record of `stride` f64 each into out. A trap (a bug) is rethrown
   * as an InternalError naming the seed and the path that traps (found by rerunning the batch path by path:
   * every path starts from a reset state).
   */
  runPaths(first: number, count: number, out: Float64Array): void {
    const e = this.exports;
    for (let done = 0; done < count; done += this.batch) {
      const n = Math.min(this.batch, count - done);
      try {
        this.check(e.runPaths(first + done, n));
      } catch (err) {
        if (!(err instanceof WebAssembly.RuntimeError || err instanceof KernelAbort)) throw err;
        throw this.locateTrap(first + done, n, err);
      }
      out.set(new Float64Array(e.memory.buffer, e.regionPtr(region("records")), n * this.stride), done * this.stride);
    }
  }

  private locateTrap(first: number, count: number, err: Error): InternalError {
    let path = first;
    for (let p = first; p < first + count; p++) {
      try {
        this.exports.runPaths(p, 1);
      } catch {
        path = p;
        break;
      }
    }
    return new InternalError(
      `the portfolio kernel trapped (${err.message}) in path ${path}`,
      { seed: this.scenario.seed, pathIndex: path },
      { cause: err },
    );
  }

  /** Money at the end of the last path: traders (Σ cash + deposits held × initial price), insurance, makers, bad debt. */
  ledger(): { traders: number; insurance: number; makers: number; badDebt: number } {
    this.exports.ledger();
    const l = new Float64Array(this.exports.memory.buffer, this.exports.regionPtr(region("ledger")), 4);
    return { traders: l[0], insurance: l[1], makers: l[2], badDebt: l[3] };
  }
}
