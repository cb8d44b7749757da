// What a run will hold in memory, estimated from the resolved scenario before anything is allocated, and refused
// over a budget with one line naming the fields that drive it. The sizes follow the allocations they estimate:
// src/engine/setup.ts (the setup every engine loads: book profiles, shocks, returns, file positions),
// assembly/state.ts and assembly/fan.ts carve() (the WASM kernel's regions), src/engine/reference.ts and src/engine/population.ts (the
// TypeScript engine's arrays), src/stats/columns.ts (the run's metric columns) and src/mc (one engine per worker,
// each with its own copy of the setup). Small fixed costs are rounded up, so the estimate errs on the high side.
import { availableParallelism, totalmem } from "node:os";
import { byteText } from "./input-file.js";
import { InputError } from "./errors.js";
import type { ScenarioInputs } from "./scenario.js";
import { PARAM_SLOTS, PROFILE } from "../engine/layout.js";
import { RECORD_STRIDE } from "../engine/metrics.js";
import { marketScenarios } from "./markets.js";
import { STORE_WHOLE, profileEnd, tickOf } from "../engine/setup.js";
import { scenarioFlowPool } from "../engine/flow.js";
import { FAN_MAX_SAMPLES, FAN_STRIDE } from "../engine/fan.js";
import { FAN_WINDOW } from "../kernel/fan-bins.js";

export const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The default budget: 8 GiB, or 80% of the machine's memory when it has less than 10 GiB. */
export const DEFAULT_BUDGET_BYTES = 8 * GiB;
export const BUDGET_SHARE_OF_RAM = 0.8;
/** `CASCADE_MEMORY_BUDGET=16GiB` (or a byte count, or MiB/GiB/TiB) replaces the default budget. */
export const BUDGET_ENV = "CASCADE_MEMORY_BUDGET";

/**
 * Bytes per account in one WASM kernel instance: assembly/state.ts carve() makes 16 f64 arrays, the ADL queue (5 f64 and 1 i32 of twice the accounts), the
 * ladder record (48 B) and 21 i32 arrays of `accounts` entries each (accounts.flow's draw list and its stamps among them).
 * An account here is a slot: the population's and accounts.flow's dormant ones (RunShape.accounts counts both).
 */
export const WASM_BYTES_PER_ACCOUNT = 26 * 8 + 48 + 23 * 4;
/**
 * Bytes per account in one TypeScript reference engine: the population (src/engine/population.ts, 68 B), the
 * engine's own typed arrays (src/engine/reference.ts, 85 B with accounts.flow's draw list) and its work lists (due,
 * pending, auctions, winners, the ADL queue, profits), which can each reach the account count (≈ 8 B an entry).
 */
export const TS_BYTES_PER_ACCOUNT = 68 + 85 + 9 * 8;
/** A positions-file row held by the host as a JS object (`{ account, side, size, entryPrice, collateral }`) and in the setup. */
const POSITION_ROW_BYTES = 160 + 28;
/** A snapshot level held by the host as a JS object. */
const BOOK_LEVEL_BYTES = 64;
/** Per path on the host: the metric columns (RECORD_STRIDE f64) and the transient copies statistics sort. */
export const HOST_BYTES_PER_PATH = RECORD_STRIDE * 8 + 2 * 8;
/** What a worker thread costs before its engine: a V8 isolate and Node's environment. */
export const WORKER_BASE_BYTES = 8 * MiB;
/** The WASM kernel's batch of records (src/kernel/wasm-engine.ts: 256 paths). */
const WASM_BATCH = 256;

export type EngineKind = "wasm" | "ts";

/** The sizes a run's memory follows, derived from the resolved scenario as src/engine/setup.ts derives them. */
export interface RunShape {
  /** Account slots: the population (count or positions file) and accounts.flow's dormant slots for its arrivals. */
  accounts: number;
  /** Of which accounts.flow's dormant slots. */
  flowPool: number;
  /** Stored book levels per side (a snapshot's span in ticks, or an ending profile stored whole). */
  levels: number;
  /** Which field sets `levels`. */
  levelsKey: string;
  steps: number;
  returns: number;
  tiers: number;
  paths: number;
  fromFile: boolean;
}

export function runShape(inputs: ScenarioInputs): RunShape {
  const s = inputs.scenario;
  let levels = s.market.book.levels;
  let levelsKey = "market.book.levels";
  if (inputs.book && inputs.book.length > 0) {
    const tick = s.market.tickSize;
    let bidHi = -Infinity;
    let bidLo = Infinity;
    let askHi = -Infinity;
    let askLo = Infinity;
    for (const l of inputs.book) {
      const t = tickOf(l.price, tick);
      if (l.side === "bid") {
        if (t > bidHi) bidHi = t;
        if (t < bidLo) bidLo = t;
      } else {
        if (t > askHi) askHi = t;
        if (t < askLo) askLo = t;
      }
    }
    const bidSpan = bidHi >= bidLo ? bidHi - bidLo + 1 : 0;
    const askSpan = askHi >= askLo ? askHi - askLo + 1 : 0;
    if (Math.max(bidSpan, askSpan) > levels) {
      levels = Math.max(bidSpan, askSpan);
      levelsKey = "market.book.snapshotFile";
    }
  } else {
    const d = s.market.book.depth;
    const end = profileEnd(PROFILE[d.profile], d.decayTicks);
    if (end > levels && end <= STORE_WHOLE) {
      levels = end;
      levelsKey = "market.book.depth.decayTicks";
    }
  }
  const flowPool = scenarioFlowPool(s);
  return {
    accounts: (inputs.positions ? inputs.positions.length : s.accounts.count) + flowPool,
    flowPool,
    levels,
    levelsKey,
    steps: s.steps,
    returns: inputs.returns?.length ?? 0,
    tiers: s.margin.tiers.length,
    paths: s.paths,
    fromFile: inputs.positions !== undefined,
  };
}

/** The field behind the account slots: the population's, or accounts.flow's pool when it is the larger part. */
function accountsKeyOf(r: RunShape): string {
  if (r.flowPool > r.accounts - r.flowPool) return "accounts.flow.arrivalsPerHour";
  return r.fromFile ? "accounts.positionsFile" : "accounts.count";
}

/** The setup every engine loads (src/engine/setup.ts), once on the host and once more in every worker. */
function setupBytes(r: RunShape): number {
  return (
    PARAM_SLOTS * 8 +
    r.tiers * 5 * 8 +
    2 * (r.levels + 1) * 8 +
    (r.steps + 1) * 8 +
    r.returns * 8 +
    (r.fromFile ? (r.accounts - r.flowPool) * 28 : 0)
  );
}

/** The sizes, in bytes and in order, of the regions assembly/state.ts carve() allocates for a run of this shape. */
export function wasmRegions(r: RunShape): number[] {
  const a = r.accounts;
  const fanHists = (Math.min(r.steps, FAN_MAX_SAMPLES) + 2) * FAN_STRIDE;
  const f64 = (n: number) => n * 8;
  const i32 = (n: number) => n * 4;
  return [
    f64(PARAM_SLOTS),
    ...Array<number>(4).fill(f64(r.tiers)),
    f64(r.levels + 2),
    f64(r.levels + 2),
    f64(r.steps + 1),
    f64(Math.max(r.returns, 1)),
    f64(r.steps + 1),
    i32(a),
    ...Array<number>(5).fill(f64(a)),
    i32(a),
    f64(a),
    i32(a),
    f64(a),
    f64(a * 6),
    i32(a),
    i32(a),
    f64(a),
    ...Array<number>(6).fill(f64(a)),
    ...Array<number>(7).fill(i32(a)),
    f64(a),
    ...Array<number>(5).fill(i32(a)),
    f64(a),
    // the loss-allocation queue (2 × accounts + 1 entries) and the touched accounts
    i32(2 * a + 1),
    ...Array<number>(5).fill(f64(2 * a + 1)),
    i32(a),
    i32(a),
    // accounts.flow's draw list and its stamps
    i32(a),
    i32(a),
    f64(WASM_BATCH * RECORD_STRIDE),
    // the fan charts (assembly/fan.ts carve): samples, windows' places and counts, spills or flushed counts, zeros, statistics
    f64(fanHists * WASM_BATCH),
    i32(fanHists),
    i32(fanHists * FAN_WINDOW),
    i32(3 * fanHists * Math.max(WASM_BATCH, FAN_WINDOW)),
    i32(fanHists),
    f64(3 * fanHists),
  ];
}

/** The AssemblyScript stub runtime's limits (std/assembly/rt/common.ts, stub.ts). */
const AS_BLOCK_OVERHEAD = 4;
const AS_OBJECT_OVERHEAD = 16;
const AS_AL_MASK = 15;
/** The largest object the stub runtime allocates: BLOCK_MAXSIZE − OBJECT_OVERHEAD. */
export const WASM_MAX_REGION = (1 << 30) - AS_BLOCK_OVERHEAD - AS_OBJECT_OVERHEAD;
const WASM_MAX_PAGES = 65536;
/** Where the heap starts: past the kernel's static data (about 4 KiB: the first region, params, starts at 4,080). */
const WASM_HEAP_BASE = 4 * 1024;

/**
 * One WASM kernel instance: the bytes its regions use, the size its memory grows to (the stub runtime doubles the
 * memory when it grows, falling back to the exact need near the limit, as std/assembly/rt/stub.ts does), its largest
 * region, and whether it can be carved at all (no region over 1 GiB, the memory within 4 GiB).
 */
export function wasmInstance(r: RunShape): { used: number; memory: number; largest: number; fits: boolean } {
  let offset = WASM_HEAP_BASE;
  let pages = 1;
  let used = 0;
  let largest = 0;
  let fits = true;
  for (const size of wasmRegions(r)) {
    used += size;
    largest = Math.max(largest, size);
    if (size > WASM_MAX_REGION) fits = false;
    // computeSize() of __alloc(OBJECT_OVERHEAD + size), in arithmetic that holds past 2^31
    const payload =
      Math.ceil((AS_OBJECT_OVERHEAD + size + AS_BLOCK_OVERHEAD) / (AS_AL_MASK + 1)) * (AS_AL_MASK + 1) - AS_BLOCK_OVERHEAD;
    const end = offset + AS_BLOCK_OVERHEAD + payload;
    const max = pages * 65536;
    if (end > max) {
      const needed = Math.ceil((end - max) / 65536);
      const wanted = Math.max(pages, needed);
      if (pages + wanted <= WASM_MAX_PAGES) pages += wanted;
      else if (pages + needed <= WASM_MAX_PAGES) pages += needed;
      else {
        fits = false;
        pages += needed;
      }
    }
    offset = end;
  }
  return { used, memory: pages * 65536, largest, fits };
}

/** Every region of one WASM kernel instance (assembly/state.ts carve()), in bytes used. */
export function wasmInstanceBytes(r: RunShape): number {
  return wasmInstance(r).used + WASM_HEAP_BASE;
}

/** One TypeScript reference engine: its arrays; the book reads the setup's profiles in place. */
function tsEngineBytes(r: RunShape): number {
  return r.accounts * TS_BYTES_PER_ACCOUNT + (r.steps + 1) * 8 + MiB;
}

export interface MemoryEstimate {
  /** Everything: the host plus every worker. */
  bytes: number;
  /** One WASM kernel instance (0 with the TypeScript engine). */
  wasmInstance: number;
  /** The largest parts first: the field that drives each, and its bytes. */
  parts: { key: string; what: string; bytes: number }[];
}

/**
 * What a run of `inputs` holds at its peak: the host (the files' rows, the setup, the metric columns of every path)
 * plus, per worker, its copy of the setup and its engine (inline: one engine on the host).
 */
export function estimateRunMemory(
  inputs: ScenarioInputs,
  options: { threads?: number; engine?: EngineKind; inline?: boolean } = {},
): MemoryEstimate {
  const r = runShape(inputs);
  const engine = options.engine ?? "wasm";
  const inline = options.inline ?? false;
  const workers = inline ? 1 : Math.max(1, options.threads ?? availableParallelism());
  const copies = inline ? 0 : workers; // setup copies beside the host's
  const perAccount = engine === "wasm" ? WASM_BYTES_PER_ACCOUNT : TS_BYTES_PER_ACCOUNT;
  const accountsKey = accountsKeyOf(r);
  const rows = r.accounts - r.flowPool;
  const kernelBytes = engine === "wasm" ? wasmInstanceBytes(r) : 0;
  const engineBytes = engine === "wasm" ? kernelBytes : tsEngineBytes(r);
  const setup = setupBytes(r);

  const accountsBytes = workers * r.accounts * perAccount + (r.fromFile ? rows * (POSITION_ROW_BYTES + copies * 28) : 0);
  const levelsBytes =
    (1 + copies) * 2 * (r.levels + 1) * 8 +
    (engine === "wasm" ? workers * 2 * (r.levels + 2) * 8 : 0) +
    (inputs.book ? inputs.book.length * BOOK_LEVEL_BYTES : 0);
  const stepsBytes = (1 + copies) * (r.steps + 1) * 8 + workers * (r.steps + 1) * (engine === "wasm" ? 16 : 8);
  const pathsBytes = r.paths * HOST_BYTES_PER_PATH;
  const returnsBytes = (1 + copies + (engine === "wasm" ? workers : 0)) * r.returns * 8;
  const workerBytes = inline ? 0 : workers * WORKER_BASE_BYTES;
  const total =
    (1 + copies) * setup +
    workers * engineBytes +
    pathsBytes +
    workerBytes +
    (r.fromFile ? rows * POSITION_ROW_BYTES : 0) +
    (inputs.book ? inputs.book.length * BOOK_LEVEL_BYTES : 0);

  const parts = [
    {
      key: accountsKey,
      what: `${r.accounts} accounts × ${perAccount} B per engine${workers > 1 ? ` × ${workers} engines` : ""}`,
      bytes: accountsBytes,
    },
    { key: r.levelsKey, what: `${r.levels} book levels per side`, bytes: levelsBytes },
    { key: "steps", what: `${r.steps} steps`, bytes: stepsBytes },
    { key: "paths", what: `${r.paths} paths × ${HOST_BYTES_PER_PATH} B of metrics`, bytes: pathsBytes },
    { key: "market.price.returnsFile", what: `${r.returns} returns`, bytes: returnsBytes },
    { key: "--threads", what: `${workers} worker threads`, bytes: workerBytes },
  ]
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return { bytes: Math.max(total, 0), wasmInstance: kernelBytes, parts };
}

/** The budget a run must fit in, and where it comes from (for the message). */
export function memoryBudget(env: NodeJS.ProcessEnv = process.env): { bytes: number; source: string } {
  const text = env[BUDGET_ENV];
  if (text !== undefined && text.trim() !== "") {
    const bytes = parseByteSize(text);
    if (bytes === undefined) {
      throw new InputError(
        `${BUDGET_ENV} must be a size such as 16GiB, 512MiB or a number of bytes (received ${JSON.stringify(text.slice(0, 40))})`,
      );
    }
    return { bytes, source: `${BUDGET_ENV}=${text.trim()}` };
  }
  const ram = totalmem();
  const share = Math.floor(ram * BUDGET_SHARE_OF_RAM);
  return share < DEFAULT_BUDGET_BYTES
    ? { bytes: share, source: `80% of this machine's ${byteText(ram)}; set ${BUDGET_ENV} to change it` }
    : { bytes: DEFAULT_BUDGET_BYTES, source: `the default; set ${BUDGET_ENV} to change it` };
}

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(b|bytes?|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?\s*$/i;

/** `16GiB`, `16G`, `512 MiB`, `1e9`-free plain byte counts: binary units (a K, M, G, T alone is 1024-based too). */
export function parseByteSize(text: string): number | undefined {
  const m = SIZE.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? "b").toLowerCase()[0];
  const scale = unit === "k" ? 1024 : unit === "m" ? MiB : unit === "g" ? GiB : unit === "t" ? 1024 * GiB : 1;
  const bytes = Math.floor(Number(m[1]) * scale);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

function partsText(estimate: MemoryEstimate): string {
  return estimate.parts
    .slice(0, 3)
    .map((p) => `${p.key}: ${p.what}, ${byteText(p.bytes)}`)
    .join("; ");
}

/**
 * The problems of running `inputs` with these options: over the memory budget, or one WASM kernel instance over
 * WebAssembly's 4 GiB. Each is one line that starts with the field driving it most, so a sweep can name its axis.
 */
export function runMemoryProblems(
  inputs: ScenarioInputs,
  options: { threads?: number; engine?: EngineKind; inline?: boolean } = {},
  budget = memoryBudget(),
): string[] {
  const estimate = estimateRunMemory(inputs, options);
  const problems: string[] = [];
  const lead = estimate.parts[0];
  if (options.engine !== "ts") {
    const r = runShape(inputs);
    const kernel = wasmInstance(r);
    if (!kernel.fits) {
      // the field behind the largest region, or behind most of the memory
      const accountsKey = accountsKeyOf(r);
      const byAccounts = r.accounts * WASM_BYTES_PER_ACCOUNT;
      const byLevels = 2 * (r.levels + 2) * 8;
      const bySteps = 2 * (r.steps + 1) * 8;
      const key = byAccounts >= byLevels && byAccounts >= bySteps ? accountsKey : byLevels >= bySteps ? r.levelsKey : "steps";
      const why =
        kernel.largest > WASM_MAX_REGION
          ? `one of its regions would need ${byteText(kernel.largest)}, more than the 1 GiB the kernel's allocator gives one region`
          : `it would need about ${byteText(kernel.used)}, more than the 4 GiB a WebAssembly memory can hold`;
      problems.push(
        `${key} is too large for one WASM kernel: ${why} (received ${r.accounts} accounts, ${r.levels} book levels per side, ${r.steps} steps; use fewer, or --engine ts)`,
      );
    }
  }
  if (estimate.bytes > budget.bytes) {
    problems.push(
      `${lead?.key ?? "accounts.count"} makes the run need about ${byteText(estimate.bytes)} of memory, more than its budget of ` +
        `${byteText(budget.bytes)} (${budget.source}) (received ${partsText(estimate)})`,
    );
  }
  return problems;
}

/** Throws InputError when the run does not fit (see runMemoryProblems): call it before building the setup. */
export function assertRunFits(
  inputs: ScenarioInputs,
  options: { threads?: number; engine?: EngineKind; inline?: boolean } = {},
): void {
  // several markets: each market's run is checked (an approximation: the engine holds them all at once)
  const problems = inputs.scenario.markets
    ? [
        ...marketScenarios(inputs).flatMap((market, i) =>
          runMemoryProblems(market, options).map((line) => `markets[${i}]: ${line}`),
        ),
        ...crossMemoryProblems(inputs, options.threads),
      ]
    : runMemoryProblems(inputs, options);
  if (problems.length > 0) throw new InputError(problems);
}

/**
 * The check a scenario gets when it is loaded (run, sweep points, validate), before the engine and thread count are
 * known: it must fit the budget on one worker thread with at least one of the engines. `assertRunFits` with the
 * run's real --threads and --engine is the full check.
 */
export function scenarioMemoryProblems(inputs: ScenarioInputs, budget = memoryBudget()): string[] {
  const wasm = runMemoryProblems(inputs, { threads: 1, engine: "wasm" }, budget);
  if (wasm.length === 0) return [];
  const ts = runMemoryProblems(inputs, { threads: 1, engine: "ts" }, budget);
  return ts.length === 0 ? [] : ts.length < wasm.length ? ts : wasm;
}

/**
 * crossMargin's owners (src/engine/cross-setup.ts and the engines' per-path state): per owner its form over the
 * markets and its scalars, per leg its columns and critical marks, per deposit its columns; one copy per engine
 * (a worker's, and the host's setup).
 */
export function crossMemoryProblems(inputs: ScenarioInputs, threads = 1, budget = memoryBudget()): string[] {
  const s = inputs.scenario;
  const cross = s.crossMargin;
  if (!cross || !s.markets) return [];
  const M = s.markets.length;
  const g = cross.accounts.generated;
  const split = cross.mode === "isolated";
  const listedLegs = cross.accounts.list.reduce((n, o) => n + o.legs.length, 0);
  const legs = listedLegs + (g ? g.count * g.legsPerAccount : 0);
  const owners = split ? legs : cross.accounts.list.length + (g?.count ?? 0);
  const deposits =
    cross.accounts.list.reduce((n, o) => n + o.collateral.length * (split ? Math.max(1, o.legs.length) : 1), 0) +
    (g ? g.count * (g.collateralMix?.length ?? 1) * (split ? g.legsPerAccount : 1) : 0);
  const tiers = Math.max(...s.markets.map((m) => m.margin.tiers.length));
  // per owner: its form and the opening form's copy (K and W: 2 × 8 × (M + 1)), its scalars and flags (cash, counts,
  // the cooldown, the screen's, the resized and the size-premium flags and lists: 56); per leg its columns and current
  // size (48), its entry in its modelled market's owners (4), its room in its market's ADL ranking, its owner and
  // market index and socialize's copy (owner-adl.ts: 32) and its critical marks (12 per tier); per deposit 24
  const perEngine = owners * (16 * (M + 1) + 56) + legs * (84 + 12 * tiers) + deposits * 24;
  const bytes = perEngine * (Math.max(1, threads) + 1);
  if (bytes <= budget.bytes) return [];
  const key =
    g && g.count * g.legsPerAccount >= listedLegs ? "crossMargin.accounts.generated.count" : "crossMargin.accounts.list";
  return [
    `${key} makes the run need about ${byteText(bytes)} of memory, more than its budget of ${byteText(budget.bytes)} ` +
      `(${budget.source}) (received ${owners} owners, ${legs} legs, ${deposits} deposits over ${M} markets)`,
  ];
}
