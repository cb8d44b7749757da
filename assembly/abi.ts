// The kernel's contract with the host: parameter slots, record layout, status codes.
// Mirrored in src/engine/layout.ts and src/engine/metrics.ts; the host checks ABI_VERSION at load.

export const ABI_VERSION: i32 = 4;

// parameter slots (f64 each)
export const P_STEPS = 0;
export const P_STEP_SECONDS = 1;
export const P_INITIAL_PRICE = 2;
export const P_TICK = 3;
export const P_PRICE_MODEL = 4;
export const P_VOLATILITY = 5;
export const P_DRIFT = 6;
export const P_JUMP_INTENSITY = 7;
export const P_JUMP_MEAN = 8;
export const P_JUMP_STD = 9;
export const P_LEVELS = 10;
export const P_RESILIENCE = 11;
export const P_MARK_MODEL = 12;
export const P_ACCOUNTS = 13;
export const P_LONG_SHARE = 14;
export const P_LEVERAGE_DIST = 15;
export const P_LEVERAGE_MEDIAN = 16;
export const P_LEVERAGE_SIGMA = 17;
export const P_LEVERAGE_MAX = 18;
export const P_NOTIONAL_DIST = 19;
export const P_NOTIONAL_MIN = 20;
export const P_NOTIONAL_ALPHA = 21;
export const P_NOTIONAL_MAX = 22;
export const P_RESAMPLE = 23;
export const P_ACCOUNTS_FROM_FILE = 24;
export const P_FEE_RATE = 25;
export const P_MAX_ROUNDS = 26;
export const P_INSURANCE = 27;
export const P_ADL_RANKING = 28;
export const P_TIER_COUNT = 29;
export const P_RETURNS_COUNT = 30;
export const P_CAP_NOTIONAL = 31;
export const P_CAP_INSURANCE_LOSS = 32;
export const P_INSURANCE_CAP = 33;
export const P_FUND_DRAWDOWN = 34;
export const P_STRESS_WITHDRAWAL = 35;
export const P_STRESS_FLOOR = 36;
export const P_EMA_ALPHA = 37;
export const P_PARTIAL_ON = 38;
export const P_PARTIAL_THRESHOLD = 39;
export const P_PARTIAL_FRACTION = 40;
export const P_PARTIAL_COOLDOWN = 41;
export const PARAM_SLOTS = 48;

export const PRICE_NONE = 0;
export const PRICE_GBM = 1;
export const PRICE_MERTON = 2;
export const PRICE_REPLAY = 3;
export const MARK_LAST = 0;
export const MARK_MID = 1;
export const MARK_EMA = 2;
export const ADL_NONE = 0;
export const ADL_PNL_LEVERAGE = 1;
export const ADL_RANDOM = 2;
export const DIST_FIXED = 1;

export const DOMAIN_MARKET: u32 = 0;
export const DOMAIN_POPULATION: u32 = 1;
export const DOMAIN_ADL: u32 = 2;

export const SECONDS_PER_YEAR: f64 = 31536000;

// record layout: one f64 per metric, SPEC §4 order
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
export const RECORD_STRIDE = 16;

// status codes; the host owns their text (src/kernel/status.ts)
export const OK = 0;
export const E_NOT_INITIALISED = 1;
export const E_CAPACITY = 2;
export const E_BAD_PARAMS = 3;
