// The kernel's ABI and nothing else: numbers in, numbers out, and the addresses of the regions the host
// fills and reads through typed-array views (no loader, no copies).
import { ABI_VERSION, E_BAD_PARAMS, E_CAPACITY, E_NOT_INITIALISED, E_TRACE_OVERFLOW, OK, P_ACCOUNTS, P_ACCOUNTS_FROM_FILE, P_FLOW_POOL, P_LEVELS, P_RESAMPLE, P_STEPS, P_TICK, P_INITIAL_PRICE, RECORD_STRIDE } from "./abi";
import * as book from "./book";
import { runPath } from "./cascade";
import { tradersCash } from "./ledger";
import * as context from "./market-context";
import * as cross from "./cross-margin";
import * as ownerAdl from "./owner-adl";
import * as markets_ from "./markets";
import { setMarketDomain, setSeed } from "./path-state";
import { buildLadder, drawPopulation, fileAdmission } from "./population";
import * as state from "./state";
import * as trace from "./trace";
import * as fan from "./fan";

let runSeedLo: u32 = 0;
let runSeedHi: u32 = 0;

export function abiVersion(): i32 {
  return ABI_VERSION;
}

/** Carves every region for these capacities (accounts: the population and accounts.flow's pool); call once per instance. */
export function init(accounts: i32, levels: i32, steps: i32, tiers: i32, nReturns: i32, batch: i32): i32 {
  if (accounts < 0 || levels < 1 || steps < 1 || tiers < 1 || nReturns < 0 || batch < 1) return E_CAPACITY;
  state.carve(accounts, levels, steps, tiers, nReturns, batch);
  fan.carve(steps, batch);
  return OK;
}

export function paramsPtr(): usize { return changetype<usize>(state.params); }
export function tierFloorPtr(): usize { return changetype<usize>(state.tierFloor); }
export function tierMmrPtr(): usize { return changetype<usize>(state.tierMmr); }
export function tierAmountPtr(): usize { return changetype<usize>(state.tierAmount); }
export function tierMaxLeveragePtr(): usize { return changetype<usize>(state.tierMaxLeverage); }
export function bidProfilePtr(): usize { return changetype<usize>(state.bidProfile); }
export function askProfilePtr(): usize { return changetype<usize>(state.askProfile); }
export function shocksPtr(): usize { return changetype<usize>(state.shocks); }
export function returnsPtr(): usize { return changetype<usize>(state.returns); }
export function accIsLongPtr(): usize { return changetype<usize>(state.accIsLong); }
export function accSizePtr(): usize { return changetype<usize>(state.accSize); }
export function accEntryPtr(): usize { return changetype<usize>(state.accEntry); }
export function accCollateralPtr(): usize { return changetype<usize>(state.accCollateral); }
export function accLiqPtr(): usize { return changetype<usize>(state.accLiq); }
export function recordsPtr(): usize { return changetype<usize>(state.records); }
export function ledgerPtr(): usize { return changetype<usize>(state.ledger); }
/** Fills ledger[0] with the traders' cash at the end of the last path (O(accounts): tests only). */
export function computeTradersCash(): void {
  state.ledger[0] = context.marketsLoop ? markets_.tradersCashAll() : tradersCash();
}
export function recordStride(): i32 { return RECORD_STRIDE; }

// ---- several markets under one venue (assembly/markets.ts): initMarkets(M, steps, batch) once per instance instead of
// init(), then initMarket(m, …) for each market; selectMarket(m) points every table pointer above at market m's regions
// (fill them per market), choleskyPtr() is the M × M factor; prepare() and runPaths() then run every market ----
/**
 * The venue's regions for M markets of at most `steps` steps: records of marketsRecordStride() f64 per path. M ≥ 1:
 * one market runs here only with cross margin (initCross); without, the host runs it through init().
 */
export function initMarkets(markets: i32, steps: i32, batch: i32): i32 {
  if (markets < 1 || steps < 1 || batch < 1 || state.initialised) return E_CAPACITY;
  context.carveContexts(markets);
  markets_.carve(markets);
  state.carveVenue(batch, markets_.recordStrideOf(markets));
  // every market's mark after market 0's series (src/engine/fan.ts fanStride)
  fan.carve(steps, batch, markets > 1 ? fan.FAN_SERIES + markets : fan.FAN_SERIES);
  return OK;
}
/** Market m's regions for these capacities (as init()'s), its draws on domain words + 16·m. */
export function initMarket(m: i32, accounts: i32, levels: i32, tiers: i32, nReturns: i32, steps: i32): i32 {
  if (m < 0 || m >= context.marketCount) return E_CAPACITY;
  if (accounts < 0 || levels < 1 || steps < 1 || tiers < 1 || nReturns < 0) return E_CAPACITY;
  context.select(m);
  state.carveMarket(accounts, levels, steps, tiers, nReturns);
  setMarketDomain(16 * <u32>m);
  return OK;
}
export function selectMarket(m: i32): i32 {
  if (m < 0 || m >= context.marketCount) return E_CAPACITY;
  context.select(m);
  return OK;
}
export function marketCount(): i32 { return context.marketCount; }
export function choleskyPtr(): usize { return changetype<usize>(markets_.cholesky); }
export function marketsRecordStride(): i32 { return markets_.recordStrideOf(context.marketCount); }

// ---- cross margin across markets (assembly/cross-margin.ts): after initMarkets and every initMarket, initCross once
// with the counts of a CrossSetup (src/engine/cross-setup.ts); fill its tables through the pointers below, then
// prepare() checks and indexes them. The records gain the CROSS_METRICS columns (marketsRecordStride() says so) ----
/** The cross-margin tables and per-path state for these counts (M: the markets carved), once per instance. */
export function initCross(owners: i32, legs: i32, deposits: i32, assets: i32, arrivals: i32, crit: i32): i32 {
  if (!context.marketsLoop || !state.initialised) return E_NOT_INITIALISED;
  if (cross.on || owners < 0 || legs < 0 || deposits < 0 || assets < 0 || arrivals < 0 || arrivals > deposits || crit < 0) {
    return E_CAPACITY;
  }
  cross.carve(owners, legs, deposits, assets, arrivals, crit);
  // one more loss-queue entry per owner in every market: an owner's deficit is queued once a path
  const back = context.current;
  for (let m = 0; m < context.marketCount; m++) {
    context.select(m);
    state.carveQueue(2 * state.capAccounts + 1 + owners);
  }
  context.select(back);
  // the records' stride now holds the cross columns
  state.carveVenue(state.capBatch, markets_.recordStrideOf(context.marketCount));
  return OK;
}
export function crossLegStartPtr(): usize { return changetype<usize>(cross.legStart); }
export function crossLegMarketPtr(): usize { return changetype<usize>(cross.legMarket); }
export function crossLegSidePtr(): usize { return changetype<usize>(cross.legSide); }
export function crossLegSizePtr(): usize { return changetype<usize>(cross.legSize); }
export function crossLegEntryPtr(): usize { return changetype<usize>(cross.legEntry); }
export function crossDepStartPtr(): usize { return changetype<usize>(cross.depStart); }
export function crossDepAssetPtr(): usize { return changetype<usize>(cross.depAsset); }
export function crossDepAmountPtr(): usize { return changetype<usize>(cross.depAmount); }
export function crossDepArrivesPtr(): usize { return changetype<usize>(cross.depArrives); }
export function crossArrivalOrderPtr(): usize { return changetype<usize>(cross.arrivalOrder); }
export function crossAssetMarketPtr(): usize { return changetype<usize>(cross.assetMarket); }
export function crossAssetPricePtr(): usize { return changetype<usize>(cross.assetPrice); }
export function crossAssetHaircutPtr(): usize { return changetype<usize>(cross.assetHaircut); }
export function crossCritStartPtr(): usize { return changetype<usize>(cross.critStart); }
export function crossCritMarkPtr(): usize { return changetype<usize>(cross.critMark); }
export function crossCritOwnerPtr(): usize { return changetype<usize>(cross.critOwner); }

/** Per run, after the host filled params and tables: the book's parameters, the population and its ladder. */
export function prepare(seedLo: u32, seedHi: u32): i32 {
  if (!state.initialised) return E_NOT_INITIALISED;
  if (!context.marketsLoop) return prepareMarket(seedLo, seedHi);
  for (let m = 0; m < context.marketCount; m++) {
    context.select(m);
    const code = prepareMarket(seedLo, seedHi);
    if (code != OK) return code;
  }
  if (cross.on && !cross.prepare()) return E_BAD_PARAMS;
  // ADL ranks the owners' legs too
  if (cross.on) ownerAdl.bind();
  return OK;
}

/** The current market's book, population and ladder. */
function prepareMarket(seedLo: u32, seedHi: u32): i32 {
  const p = state.params;
  const steps = <i32>p[P_STEPS];
  const levels = <i32>p[P_LEVELS];
  // the population and the dormant slots of accounts.flow's arrivals after it
  const accounts = <i32>p[P_ACCOUNTS] + <i32>p[P_FLOW_POOL];
  if (steps > state.capSteps || levels > state.capLevels || accounts > state.capAccounts) return E_CAPACITY;
  if (!(p[P_TICK] > 0) || !(p[P_INITIAL_PRICE] > 0)) return E_BAD_PARAMS;
  book.configureBook(levels, p[P_TICK]);
  setSeed(seedLo, seedHi);
  runSeedLo = seedLo;
  runSeedHi = seedHi;
  if (p[P_RESAMPLE] == 1) return OK;
  if (p[P_ACCOUNTS_FROM_FILE] != 1) drawPopulation(seedLo, seedHi, 0);
  else fileAdmission();
  buildLadder();
  fan.populationChanged();
  return OK;
}

/** Simulates paths first..first+count−1 into the records region (count ≤ batch capacity). */
export function runPaths(first: u32, count: i32): i32 {
  if (!state.initialised) return E_NOT_INITIALISED;
  if (count > state.capBatch) return E_CAPACITY;
  if (context.marketsLoop) return runMarketsPaths(first, count);
  const resample = state.params[P_RESAMPLE] == 1;
  fan.batchStart();
  for (let i = 0; i < count; i++) {
    const p = first + <u32>i;
    if (resample) {
      drawPopulation(runSeedLo, runSeedHi, p + 1);
      buildLadder();
      fan.populationChanged();
    }
    runPath(p, i * RECORD_STRIDE);
    if (trace.overflowed) return E_TRACE_OVERFLOW;
    fan.pathDone(i, count);
  }
  return OK;
}

function runMarketsPaths(first: u32, count: i32): i32 {
  // the kernel traces one market: several are traced by the reference engine (src/trace/engine.ts)
  if (trace.tracing) return E_BAD_PARAMS;
  if (cross.on && !cross.ready) return E_NOT_INITIALISED;
  const stride = markets_.recordStrideOf(context.marketCount);
  fan.batchStart();
  for (let i = 0; i < count; i++) {
    markets_.runMarketsPath(first + <u32>i, i, i * stride, runSeedLo, runSeedHi);
    fan.pathDone(i, count);
  }
  return OK;
}

// ---- event timelines (cascade run --trace; assembly/trace.ts): call traceInit once after init(), then
// setTrace(1) and run one path at a time; its events and step rows are in the trace regions ----
/** Carves the trace regions: `events` events per path, a row per step; after init() (it grows memory). */
export function traceInit(events: i32): i32 {
  if (!state.initialised) return E_NOT_INITIALISED;
  if (events < 1) return E_CAPACITY;
  trace.carve(events, state.capSteps);
  return OK;
}
export function setTrace(on: i32): void { trace.setTracing(on != 0); }
export function traceEventsPtr(): usize { return changetype<usize>(trace.events); }
export function traceEventCount(): i32 { return trace.eventCount; }
export function traceEventsWanted(): i32 { return trace.eventsWanted; }
export function traceEventStride(): i32 { return trace.EVENT_STRIDE; }
export function traceStepsPtr(): usize { return changetype<usize>(trace.steps); }
export function traceStepCount(): i32 { return trace.stepCount; }
export function traceStepStride(): i32 { return trace.STEP_STRIDE; }

/** 1 when account i was liquidated or deleveraged in the last path. */
export function accountClosed(i: i32): i32 { return state.isClosed(i, book.epoch) ? 1 : 0; }

// ---- book probes for the golden tests: walk a fresh book at the initial price ----
export function bookReset(): void {
  book.newPath();
  book.setCentre(Math.floor(state.params[P_INITIAL_PRICE] / book.tick + 1e-7));
}
/** A step boundary with no exogenous move: the impact decays and its permanent share stays (impact tests). */
export function bookNextStep(): void {
  book.startStep(book.depthScale);
  book.setCentre(Math.floor(state.params[P_INITIAL_PRICE] / book.tick + 1e-7));
}
export function bookMid(): f64 { return book.mid(); }
export function bookBidPrice(): f64 { return book.bidPrice(); }
export function bookSell(qty: f64): f64 { return book.sell(qty); }
export function bookBuy(qty: f64): f64 { return book.buy(qty); }
export function bookLastPrice(): f64 { return book.lastPrice; }
export function bookBidTop(): i32 { return book.bidTop; }
export function bookExhausted(): bool { return book.exhausted; }

// ---- fan charts (assembly/fan.ts): sampling on or off, the samples of the last batch ----
export {
  fanBinParamsPtr, fanConfigure, fanFlush, fanOutPtr, fanSamplesPtr, fanSpillLen, fanStatsPtr, fanZerosPtr,
} from "./fan";

// ---- benchmark probes (bench/run.mjs) ----
export { benchNormal, benchScan, benchWalk } from "./bench";
