// The portfolio kernel's ABI and nothing else (a separate WebAssembly module from assembly/index.ts):
// numbers in, numbers out, and the addresses of the regions the host fills and reads through typed-array
// views. init() carves every region once; the host writes the run's tables (src/portfolio/setup.ts) and
// the parameter block; prepare() checks them; runPaths() writes one record per path.
import {
  E_BAD_PARAMS, E_CAPACITY, E_NOT_INITIALISED, OK, PF_ABI_VERSION, P_ACCOUNTS, P_ASSETS, P_BOOKS, P_CELLS, P_DEPOSITS,
  P_LEGS, P_MARKETS, P_MAX_ROUNDS, P_STEPS, P_TIERS, recordStrideFor,
} from "./abi";
import { computeLedger, configure, runPath } from "./engine";
import * as state from "./state";

let prepared = false;
const MAX_REGION: f64 = 268435456;

export function abiVersion(): i32 {
  return PF_ABI_VERSION;
}

/** Carves every region for these capacities; call once per instance. */
export function init(markets: i32, assets: i32, books: i32, cells: i32, steps: i32, tiers: i32, accounts: i32, legs: i32, deposits: i32, batch: i32): i32 {
  if (state.initialised) return E_CAPACITY;
  if (markets < 1 || assets < 0 || books < markets || cells < 0 || steps < 1 || tiers < markets) return E_CAPACITY;
  if (accounts < 0 || legs < 0 || deposits < 0 || batch < 1) return E_CAPACITY;
  // no region past 2^28 elements (2 GiB of f64), computed in f64 so that no product wraps
  const perStep = <f64>steps + 1;
  const largest = Math.max(Math.max(<f64>(markets + assets) * perStep, <f64>books * perStep), <f64>batch * <f64>recordStrideFor(markets, assets));
  if (largest > MAX_REGION || <f64>cells > MAX_REGION || <f64>legs > MAX_REGION || <f64>deposits > MAX_REGION) return E_CAPACITY;
  state.carve(markets, assets, books, cells, steps, tiers, accounts, legs, deposits, batch);
  return OK;
}

/** The address of region r (abi.ts R_*), 0 when unknown; its length in elements, −1 when unknown. */
export function regionPtr(r: i32): usize { return state.regionAddress(r); }
export function regionLength(r: i32): i32 { return state.regionLength(r); }
/** f64 slots per record (20 + 5 per market + 2 per asset). */
export function recordStride(): i32 { return state.stride; }
export function batchCapacity(): i32 { return state.capBatch; }

/** An integer parameter in [lo, hi], or −1. */
function count(slot: i32, lo: i32, hi: i32): i32 {
  const v = state.params[slot];
  if (!(v >= <f64>lo && v <= <f64>hi) || v != Math.floor(v)) return -1;
  return <i32>v;
}

/**
 * Per run, after the host filled the parameter block and the tables: checks every size against the
 * capacities and every index the path follows (book offsets, tier, leg and deposit rows, market, asset and
 * book references), so that the path's unchecked() accesses stay in their regions.
 */
export function prepare(seedLo: u32, seedHi: u32): i32 {
  prepared = false;
  if (!state.initialised) return E_NOT_INITIALISED;
  const M = count(P_MARKETS, 1, state.capMarkets);
  const A = count(P_ASSETS, 0, state.capAssets);
  const B = count(P_BOOKS, 1, state.capBooks);
  const cells = count(P_CELLS, 0, state.capCells);
  const steps = count(P_STEPS, 1, state.capSteps);
  const T = count(P_TIERS, 1, state.capTiers);
  const N = count(P_ACCOUNTS, 0, state.capAccounts);
  const L = count(P_LEGS, 0, state.capLegs);
  const D = count(P_DEPOSITS, 0, state.capDeposits);
  if (M < 0 || A < 0 || B < 0 || cells < 0 || steps < 0 || T < 0 || N < 0 || L < 0 || D < 0) return E_CAPACITY;
  // the record layout is fixed at init()
  if (M != state.capMarkets || A != state.capAssets || B < M) return E_CAPACITY;
  if (count(P_MAX_ROUNDS, 1, i32.MAX_VALUE) < 0) return E_BAD_PARAMS;
  const P = M + A;

  const offset = state.offset;
  if (offset[0] != 0) return E_BAD_PARAMS;
  for (let b = 0; b < B; b++) {
    const levels = state.levels[b];
    if (levels < 1 || offset[b + 1] != offset[b] + levels + 2 || offset[b + 1] > cells) return E_BAD_PARAMS;
    if (!(state.tick[b] > 0)) return E_BAD_PARAMS;
    const process = state.bookProcess[b];
    if (process < 0 || process >= P) return E_BAD_PARAMS;
    const mid = state.markMid[b];
    if (mid != 0 && mid != 1) return E_BAD_PARAMS;
  }
  for (let m = 0; m < M; m++) if (state.bookProcess[m] != m) return E_BAD_PARAMS;
  const tierStart = state.tierStart;
  if (tierStart[0] != 0 || tierStart[M] > T) return E_BAD_PARAMS;
  for (let m = 0; m < M; m++) if (tierStart[m + 1] <= tierStart[m]) return E_BAD_PARAMS;
  for (let a = 0; a < A; a++) {
    const b = state.assetBook[a];
    if (b < -1 || b >= B || (b >= 0 && (b < M || state.bookProcess[b] != M + a))) return E_BAD_PARAMS;
  }
  const legStart = state.legStart;
  const depStart = state.depStart;
  if (legStart[0] != 0 || legStart[N] != L || depStart[0] != 0 || depStart[N] != D) return E_BAD_PARAMS;
  for (let i = 0; i < N; i++) {
    if (legStart[i + 1] < legStart[i] || depStart[i + 1] < depStart[i]) return E_BAD_PARAMS;
  }
  for (let j = 0; j < L; j++) {
    const m = state.legMarket[j];
    if (m < 0 || m >= M) return E_BAD_PARAMS;
  }
  for (let d = 0; d < D; d++) {
    const a = state.depAsset[d];
    if (a < 0 || a >= A) return E_BAD_PARAMS;
  }
  configure(seedLo, seedHi);
  prepared = true;
  return OK;
}

/** Simulates paths first..first+count−1 into the records region (count ≤ the batch capacity). */
export function runPaths(first: u32, count: i32): i32 {
  if (!prepared) return E_NOT_INITIALISED;
  if (count < 0 || count > state.capBatch) return E_CAPACITY;
  const stride = state.stride;
  for (let i = 0; i < count; i++) runPath(first + <u32>i, i * stride);
  return OK;
}

/** Fills the ledger region with the money at the end of the last path (tests). */
export function ledger(): void {
  computeLedger();
}
