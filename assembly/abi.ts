// The kernel's contract with the host: parameter slots, record layout, status codes.
// Mirrored in src/engine/layout.ts and src/engine/metrics.ts; the host checks ABI_VERSION at load.

export const ABI_VERSION: i32 = 15;

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
export const P_IMPACT_DECAY = 11;
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
export const P_PER_ACCOUNT = 38;
export const P_PARTIAL_THRESHOLD = 39;
export const P_PARTIAL_FRACTION = 40;
export const P_PARTIAL_COOLDOWN = 41;
export const P_ENGINE = 42;
export const P_FEE_KIND = 43;
export const P_FEE_TIER_COUNT = 44;
export const P_FEE_RAMP_MAX = 45;
export const P_FEE_RAMP_GRACE = 46;
export const P_FEE_RAMP_PER_SECOND = 47;
export const P_AUCTION_CURVE = 48;
export const P_AUCTION_TAU = 49;
export const P_AUCTION_CUT = 50;
export const P_AUCTION_STEP = 51;
export const P_AUCTION_BUF = 52;
export const P_AUCTION_TAIL = 53;
export const P_AUCTION_CUSP = 54;
export const P_KEEPER_CAPITAL = 55;
export const P_KEEPER_MIN_PROFIT = 56;
export const P_AUCTION_TIP = 57;
export const P_AUCTION_CHIP = 58;
export const P_BACKSTOP_FRACTION = 59;
export const P_VAULT_CAPITAL = 60;
export const P_VAULT_UNWIND = 61;
export const P_CF_DEFAULT = 62;
export const P_CF_FULL_HEALTH = 63;
export const P_CF_BONUS = 64;
export const P_CF_PROTOCOL_FEE = 65;
export const P_CF_MIN_DEBT = 66;
export const P_SPREAD_WIDENING = 67;
export const P_ORACLE_LAG = 68;
export const P_MARK_BAND = 69;
export const P_OI_LOWER_CAP = 70;
export const P_OI_UPPER_CAP = 71;
export const P_FEE_TIER_FLOOR = 72;
export const P_FEE_TIER_RATE = 80;
export const P_MARGIN_MODEL = 88;
export const P_VOL_LAMBDA = 89;
export const P_VOL_UPDATE_EVERY = 90;
export const P_VOL_FLOOR = 91;
export const P_VOL_CAP = 92;
export const P_RISK_SIGMAS = 93;
export const P_RISK_HORIZON = 94;
export const P_SIZE_IMF = 95;
export const P_MAINTENANCE_AT_ENTRY = 96;
export const P_IMPACT_PERMANENT = 97;
export const P_PROFILE_KIND = 98;
export const P_PROFILE_SIZE = 99;
export const P_PROFILE_DECAY_TICKS = 100;
export const P_PROFILE_EXPONENT = 101;
export const P_PROFILE_SATURATION = 102;
export const P_BOOK_END_BID = 103;
export const P_BOOK_END_ASK = 104;
/** liquidation.partial.duringCooldown: 1 full (closed whole while cooling down), 0 wait (src/engine/layout.ts) */
export const P_PARTIAL_DURING_COOLDOWN = 105;
/** liquidation.auction.hole: the most debt auctions in progress may hold (Infinity: no cap) */
export const P_AUCTION_HOLE = 106;
// the population's realism (src/engine/layout.ts documents them): entry dispersion, whale share, hedged pairs
export const P_ENTRY_VARIANCE = 107;
export const P_TOP10_SHARE = 108;
export const P_HEDGED_PAIRS = 109;
/** adl.price: 0 the bankrupt position's bankruptcy price (Binance, Bybit, OKX), 1 the mark (Hyperliquid). */
export const P_ADL_PRICE = 110;
// accounts.flow (src/engine/layout.ts documents them): close probability per step, arrivals per step, dormant slots
export const P_FLOW_CLOSE_PROB = 111;
export const P_FLOW_ARRIVAL_MEAN = 112;
export const P_FLOW_POOL = 113;
export const ADL_AT_MARK = 1;
export const PROFILE_FLAT = 0;
export const PROFILE_EXPONENTIAL = 1;
export const PROFILE_POWER = 2;
export const PROFILE_LATENT = 3;
export const PROFILE_SNAPSHOT = 4;
export const PARAM_SLOTS = 116;

export const PRICE_NONE = 0;
export const PRICE_GBM = 1;
export const PRICE_MERTON = 2;
export const PRICE_REPLAY = 3;
export const MARK_LAST = 0;
export const MARK_MID = 1;
export const MARK_EMA = 2;
export const MARK_ORACLE = 3;
export const ADL_NONE = 0;
export const ADL_PNL_LEVERAGE = 1;
export const ADL_RANDOM = 2;
export const ADL_HYPERLIQUID = 3;
export const ADL_SOCIALIZED = 4;
export const ENGINE_AUCTION = 2;
export const ENGINE_BACKSTOP = 3;
export const ENGINE_CLOSE_FACTOR = 4;
export const FEE_TIERED = 1;
export const FEE_RAMPED = 2;
export const CURVE_LINEAR = 0;
export const CURVE_STAIRSTEP = 1;
export const MARGIN_VOL_SCALED = 2;
export const MARGIN_RISK_BASED = 3;
export const DIST_FIXED = 1;

export const DOMAIN_MARKET: u32 = 0;
export const DOMAIN_POPULATION: u32 = 1;
export const DOMAIN_ADL: u32 = 2;
export const DOMAIN_FLOW: u32 = 3;
// accounts.flow's draws (src/engine/flow.ts FLOW_STREAM): the stream in counter word 0's top 3 bits, the draw index below
export const FLOW_CLOSE_COUNT: u32 = 0;
export const FLOW_ARRIVAL_COUNT: u32 = 1;
export const FLOW_CLOSE_PICK: u32 = 2;
export const FLOW_ARRIVAL_SIDE: u32 = 3;
export const FLOW_ARRIVAL_LEVERAGE: u32 = 4;

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
export const R_MARGIN_HELD = 16;
// who paid: each party's money change over the path (they sum to zero with −badDebt), then memos
export const R_LIQUIDATED_PNL = 17;
export const R_ADL_TRANSFER = 18;
export const R_FUND_NET = 19;
export const R_VAULT_PNL = 20;
export const R_TREASURY = 21;
export const R_KEEPERS_PNL = 22;
export const R_MAKERS_PNL = 23;
export const R_FEES_PAID = 24;
export const R_SHORTFALL = 25;
// the voluntary closers' realised P&L (accounts.flow): a who-paid row, after the memos to keep the older slots
export const R_FLOW_PNL = 26;
export const RECORD_STRIDE = 27;

// status codes; the host owns their text (src/kernel/status.ts)
export const OK = 0;
export const E_NOT_INITIALISED = 1;
export const E_CAPACITY = 2;
export const E_BAD_PARAMS = 3;
/** Trace mode: the path had more events than the trace region holds (assembly/trace.ts). */
export const E_TRACE_OVERFLOW = 4;
