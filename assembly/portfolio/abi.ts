// The portfolio kernel's contract with the host (src/kernel/portfolio-engine.ts mirrors it): ABI version,
// parameter slots, region ids, record layout, status codes. The host checks PF_ABI_VERSION at load.

export const PF_ABI_VERSION: i32 = 1;

// status codes (the host owns their text)
export const OK: i32 = 0;
export const E_NOT_INITIALISED: i32 = 1;
export const E_CAPACITY: i32 = 2;
export const E_BAD_PARAMS: i32 = 3;

/** Philox counter word 3 of the market and asset returns (src/portfolio/setup.ts PF_DOMAIN.returns). */
export const PF_DOMAIN_RETURNS: u32 = 0x50460001;

// parameter slots (f64 each): the run's sizes, then its scalars
export const P_MARKETS = 0;
export const P_ASSETS = 1;
export const P_BOOKS = 2;
export const P_CELLS = 3;
export const P_STEPS = 4;
export const P_TIERS = 5;
export const P_ACCOUNTS = 6;
export const P_LEGS = 7;
export const P_DEPOSITS = 8;
export const P_FEE_RATE = 9;
export const P_MAX_ROUNDS = 10;
export const P_INSURANCE = 11;
export const PARAM_SLOTS = 12;

// regions the host fills once per run (src/portfolio/setup.ts PortfolioSetup names them), then the outputs
export const R_PARAMS = 0;
export const R_CHOL = 1;
export const R_DRIFT = 2;
export const R_DIFFUSION = 3;
export const R_SHOCK = 4;
export const R_INITIAL_PRICE = 5;
export const R_TICK = 6;
export const R_LEVELS = 7; // i32
export const R_OFFSET = 8; // i32
export const R_MARK_MID = 9; // i32
export const R_BOOK_PROCESS = 10; // i32
export const R_DECAY = 11;
export const R_PROFILE = 12;
export const R_TIER_START = 13; // i32
export const R_TIER_FLOOR = 14;
export const R_TIER_MMR = 15;
export const R_TIER_AMOUNT = 16;
export const R_HAIRCUT = 17;
export const R_ASSET_BOOK = 18; // i32
export const R_LEG_START = 19; // i32
export const R_LEG_MARKET = 20; // i32
export const R_LEG_SIDE = 21;
export const R_LEG_SIZE = 22;
export const R_LEG_ENTRY = 23;
export const R_DEP_START = 24; // i32
export const R_DEP_ASSET = 25; // i32
export const R_DEP_AMOUNT = 26;
export const R_DEP_ARRIVES = 27; // i32
export const R_RECORDS = 28;
export const R_LEDGER = 29;
export const REGION_COUNT = 30;

/** Ledger slots (end of the last path): traders (Σ cash + Σ deposits held × initial price), insurance, makers, bad debt. */
export const LEDGER_SLOTS = 4;

// record layout: the 16 base metrics (SPEC §4 names), 4 portfolio metrics, 5 per market, 2 per asset
export const R_LIQUIDATIONS = 0;
export const R_LIQUIDATED_NOTIONAL = 1;
export const R_MAX_ROUNDS = 2;
export const R_MIN_PRICE = 3;
export const R_FINAL_PRICE = 4;
export const R_MAX_DRAWDOWN = 5;
export const R_EXO_DRAWDOWN = 6;
export const R_AMPLIFICATION = 7;
export const R_INSURANCE_MIN = 8;
export const R_INSURANCE_FINAL = 9;
export const R_BAD_DEBT = 10;
export const R_ADL_COUNT = 11;
export const R_ADL_NOTIONAL = 12;
export const R_AVG_SLIPPAGE = 13;
export const R_BOOK_EXHAUSTED = 14;
export const R_FIRST_LIQUIDATION_STEP = 15;
export const BASE_METRICS = 16;
export const FIXED_METRICS = 20;
export const MARKET_METRICS = 5;
export const ASSET_METRICS = 2;

export function recordStrideFor(markets: i32, assets: i32): i32 {
  return FIXED_METRICS + MARKET_METRICS * markets + ASSET_METRICS * assets;
}
