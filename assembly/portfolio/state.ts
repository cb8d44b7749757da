// Every region of the portfolio kernel, carved once in carve(): nothing is allocated after it, so the
// host's typed-array views never detach. Inputs first (filled by the host), then the path state.
import {
  LEDGER_SLOTS, PARAM_SLOTS, R_ASSET_BOOK, R_BOOK_PROCESS, R_CHOL, R_DECAY, R_DEP_AMOUNT, R_DEP_ARRIVES, R_DEP_ASSET,
  R_DEP_START, R_DIFFUSION, R_DRIFT, R_HAIRCUT, R_INITIAL_PRICE, R_LEDGER, R_LEG_ENTRY, R_LEG_MARKET, R_LEG_SIDE,
  R_LEG_SIZE, R_LEG_START, R_LEVELS, R_MARK_MID, R_OFFSET, R_PARAMS, R_PROFILE, R_RECORDS, R_SHOCK, R_TICK,
  R_TIER_AMOUNT, R_TIER_FLOOR, R_TIER_MMR, R_TIER_START, recordStrideFor,
} from "./abi";

// ---- inputs (src/portfolio/setup.ts PortfolioSetup, field by field) ----
export let params = new StaticArray<f64>(0);
export let chol = new StaticArray<f64>(0);
export let drift = new StaticArray<f64>(0);
export let diffusion = new StaticArray<f64>(0);
export let shock = new StaticArray<f64>(0);
export let initialPrice = new StaticArray<f64>(0);
export let tick = new StaticArray<f64>(0);
export let levels = new StaticArray<i32>(0);
export let offset = new StaticArray<i32>(0);
export let markMid = new StaticArray<i32>(0);
export let bookProcess = new StaticArray<i32>(0);
export let decay = new StaticArray<f64>(0);
export let profile = new StaticArray<f64>(0);
export let tierStart = new StaticArray<i32>(0);
export let tierFloor = new StaticArray<f64>(0);
export let tierMmr = new StaticArray<f64>(0);
export let tierAmount = new StaticArray<f64>(0);
export let haircut = new StaticArray<f64>(0);
export let assetBook = new StaticArray<i32>(0);
export let legStart = new StaticArray<i32>(0);
export let legMarket = new StaticArray<i32>(0);
export let legSide = new StaticArray<f64>(0);
export let legSize = new StaticArray<f64>(0);
export let legEntry = new StaticArray<f64>(0);
export let depStart = new StaticArray<i32>(0);
export let depAsset = new StaticArray<i32>(0);
export let depAmount = new StaticArray<f64>(0);
export let depArrives = new StaticArray<i32>(0);

// ---- outputs ----
export let records = new StaticArray<f64>(0);
export let ledger = new StaticArray<f64>(0);

// ---- path state ----
export let z = new StaticArray<f64>(0);
export let x = new StaticArray<f64>(0);
/** Books: per level (offset[b] + k) the depth and the step it was brought up to date (−1: untouched this path). */
export let bidDepth = new StaticArray<f64>(0);
export let askDepth = new StaticArray<f64>(0);
export let bidSeen = new StaticArray<i32>(0);
export let askSeen = new StaticArray<i32>(0);
/** Per book: centre tick, touch offsets, last trade, mark. */
export let centre = new StaticArray<f64>(0);
export let bidTop = new StaticArray<i32>(0);
export let askTop = new StaticArray<i32>(0);
export let last = new StaticArray<f64>(0);
export let mark = new StaticArray<f64>(0);
/** Per process (markets, then assets): fundamental and price metrics; per asset: the valuation price. */
export let fundamental = new StaticArray<f64>(0);
export let price = new StaticArray<f64>(0);
export let minPrice = new StaticArray<f64>(0);
export let peak = new StaticArray<f64>(0);
export let maxDd = new StaticArray<f64>(0);
export let exoPeak = new StaticArray<f64>(0);
export let exoDd = new StaticArray<f64>(0);
/** Accounts: cash, open legs (count per account, flag per leg), deposit units held, closed and hit flags. */
export let cash = new StaticArray<f64>(0);
export let legOpen = new StaticArray<i32>(0);
export let openLegs = new StaticArray<i32>(0);
export let units = new StaticArray<f64>(0);
export let closed = new StaticArray<i32>(0);
export let hit = new StaticArray<i32>(0);

// capacities
export let capMarkets: i32 = 0;
export let capAssets: i32 = 0;
export let capBooks: i32 = 0;
export let capCells: i32 = 0;
export let capSteps: i32 = 0;
export let capTiers: i32 = 0;
export let capAccounts: i32 = 0;
export let capLegs: i32 = 0;
export let capDeposits: i32 = 0;
export let capBatch: i32 = 0;
export let stride: i32 = 0;
export let initialised = false;

export function carve(markets: i32, assets: i32, books: i32, cells: i32, steps: i32, tiers: i32, accounts: i32, legs: i32, deposits: i32, batch: i32): void {
  const P = markets + assets;
  stride = recordStrideFor(markets, assets);
  params = new StaticArray<f64>(PARAM_SLOTS);
  chol = new StaticArray<f64>(markets * markets);
  drift = new StaticArray<f64>(P);
  diffusion = new StaticArray<f64>(P);
  shock = new StaticArray<f64>(P * (steps + 1));
  initialPrice = new StaticArray<f64>(P);
  tick = new StaticArray<f64>(books);
  levels = new StaticArray<i32>(books);
  offset = new StaticArray<i32>(books + 1);
  markMid = new StaticArray<i32>(books);
  bookProcess = new StaticArray<i32>(books);
  decay = new StaticArray<f64>(books * (steps + 1));
  profile = new StaticArray<f64>(cells);
  tierStart = new StaticArray<i32>(markets + 1);
  tierFloor = new StaticArray<f64>(tiers);
  tierMmr = new StaticArray<f64>(tiers);
  tierAmount = new StaticArray<f64>(tiers);
  haircut = new StaticArray<f64>(assets);
  assetBook = new StaticArray<i32>(assets);
  legStart = new StaticArray<i32>(accounts + 1);
  legMarket = new StaticArray<i32>(legs);
  legSide = new StaticArray<f64>(legs);
  legSize = new StaticArray<f64>(legs);
  legEntry = new StaticArray<f64>(legs);
  depStart = new StaticArray<i32>(accounts + 1);
  depAsset = new StaticArray<i32>(deposits);
  depAmount = new StaticArray<f64>(deposits);
  depArrives = new StaticArray<i32>(deposits);
  records = new StaticArray<f64>(batch * stride);
  ledger = new StaticArray<f64>(LEDGER_SLOTS);
  z = new StaticArray<f64>(markets);
  x = new StaticArray<f64>(markets);
  bidDepth = new StaticArray<f64>(cells);
  askDepth = new StaticArray<f64>(cells);
  bidSeen = new StaticArray<i32>(cells);
  askSeen = new StaticArray<i32>(cells);
  centre = new StaticArray<f64>(books);
  bidTop = new StaticArray<i32>(books);
  askTop = new StaticArray<i32>(books);
  last = new StaticArray<f64>(books);
  mark = new StaticArray<f64>(books);
  fundamental = new StaticArray<f64>(P);
  price = new StaticArray<f64>(assets);
  minPrice = new StaticArray<f64>(P);
  peak = new StaticArray<f64>(P);
  maxDd = new StaticArray<f64>(P);
  exoPeak = new StaticArray<f64>(P);
  exoDd = new StaticArray<f64>(P);
  cash = new StaticArray<f64>(accounts);
  legOpen = new StaticArray<i32>(legs);
  openLegs = new StaticArray<i32>(accounts);
  units = new StaticArray<f64>(deposits);
  closed = new StaticArray<i32>(accounts);
  hit = new StaticArray<i32>(accounts);
  capMarkets = markets;
  capAssets = assets;
  capBooks = books;
  capCells = cells;
  capSteps = steps;
  capTiers = tiers;
  capAccounts = accounts;
  capLegs = legs;
  capDeposits = deposits;
  capBatch = batch;
  initialised = true;
}

// @ts-ignore: decorator
@inline function f(a: StaticArray<f64>): usize { return changetype<usize>(a); }
// @ts-ignore: decorator
@inline function n(a: StaticArray<i32>): usize { return changetype<usize>(a); }

/** The address of region r (abi.ts R_*); 0 for an unknown id. */
export function regionAddress(r: i32): usize {
  switch (r) {
    case R_PARAMS: return f(params);
    case R_CHOL: return f(chol);
    case R_DRIFT: return f(drift);
    case R_DIFFUSION: return f(diffusion);
    case R_SHOCK: return f(shock);
    case R_INITIAL_PRICE: return f(initialPrice);
    case R_TICK: return f(tick);
    case R_LEVELS: return n(levels);
    case R_OFFSET: return n(offset);
    case R_MARK_MID: return n(markMid);
    case R_BOOK_PROCESS: return n(bookProcess);
    case R_DECAY: return f(decay);
    case R_PROFILE: return f(profile);
    case R_TIER_START: return n(tierStart);
    case R_TIER_FLOOR: return f(tierFloor);
    case R_TIER_MMR: return f(tierMmr);
    case R_TIER_AMOUNT: return f(tierAmount);
    case R_HAIRCUT: return f(haircut);
    case R_ASSET_BOOK: return n(assetBook);
    case R_LEG_START: return n(legStart);
    case R_LEG_MARKET: return n(legMarket);
    case R_LEG_SIDE: return f(legSide);
    case R_LEG_SIZE: return f(legSize);
    case R_LEG_ENTRY: return f(legEntry);
    case R_DEP_START: return n(depStart);
    case R_DEP_ASSET: return n(depAsset);
    case R_DEP_AMOUNT: return f(depAmount);
    case R_DEP_ARRIVES: return n(depArrives);
    case R_RECORDS: return f(records);
    case R_LEDGER: return f(ledger);
  }
  return 0;
}

/** The number of elements (f64 or i32) of region r; −1 for an unknown id. */
export function regionLength(r: i32): i32 {
  switch (r) {
    case R_PARAMS: return params.length;
    case R_CHOL: return chol.length;
    case R_DRIFT: return drift.length;
    case R_DIFFUSION: return diffusion.length;
    case R_SHOCK: return shock.length;
    case R_INITIAL_PRICE: return initialPrice.length;
    case R_TICK: return tick.length;
    case R_LEVELS: return levels.length;
    case R_OFFSET: return offset.length;
    case R_MARK_MID: return markMid.length;
    case R_BOOK_PROCESS: return bookProcess.length;
    case R_DECAY: return decay.length;
    case R_PROFILE: return profile.length;
    case R_TIER_START: return tierStart.length;
    case R_TIER_FLOOR: return tierFloor.length;
    case R_TIER_MMR: return tierMmr.length;
    case R_TIER_AMOUNT: return tierAmount.length;
    case R_HAIRCUT: return haircut.length;
    case R_ASSET_BOOK: return assetBook.length;
    case R_LEG_START: return legStart.length;
    case R_LEG_MARKET: return legMarket.length;
    case R_LEG_SIDE: return legSide.length;
    case R_LEG_SIZE: return legSize.length;
    case R_LEG_ENTRY: return legEntry.length;
    case R_DEP_START: return depStart.length;
    case R_DEP_ASSET: return depAsset.length;
    case R_DEP_AMOUNT: return depAmount.length;
    case R_DEP_ARRIVES: return depArrives.length;
    case R_RECORDS: return records.length;
    case R_LEDGER: return ledger.length;
  }
  return -1;
}
