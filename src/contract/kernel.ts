// The kernel's contract, declared once: the parameter slots, the enums, the record's metrics, the status codes and
// the constants that the host, the WASM kernel, the reference engine and the C port of the benchmarks must agree on.
//
// Who reads it:
// - the host and the reference engine, through src/engine/layout.ts (P, PARAM_SLOTS, the enum objects, ABI_VERSION),
//   src/engine/metrics.ts (METRIC_NAMES, METRIC, RECORD_STRIDE) and src/kernel/status.ts (the status texts);
// - the WASM kernel, through assembly/abi.ts, and the C port, through bench/c/contract.h: both GENERATED from this
//   file by scripts/generate-contract.mjs (`npm run build:contract`, the first step of `npm run build`).
//
// Rules:
// - Edit this file, never the generated ones; then `npm run build` (or `npm run build:contract`). The generated files
//   are committed (the C port is compiled from bench/c/ as it is, and assembly/ must compile before any tsc build);
//   test/engine/contract.test.ts regenerates them in memory and fails, naming the file, when a committed one is stale.
// - This file is plain data with no imports and nothing but `as const` beyond JavaScript: the generator transpiles it
//   with TypeScript's transpileModule and evaluates it, so it runs on a fresh clone before tsc (Node 20 has no
//   type stripping). The doc comment before an entry is copied into the generated files.
// - Every kernel name is spelled out (`kernel:`) or derived from an enum's `kernelPrefix` and the value's name in
//   UPPER_SNAKE (`kernelNames` overrides it); two enums may share a kernel name only with the same value (DIST_FIXED).
//   The kernel's names are what assembly/*.ts and bench/c/kernel.c import: renaming one means editing them.
// - A change to the layout (a slot moved, a metric added, a code renumbered) bumps ABI_VERSION: the host refuses a
//   kernel built from another version. Adding a slot in the spare room below PARAM_SLOTS changes no record, but bump
//   it anyway, so that a stale build/kernel.wasm is refused instead of ignoring the new slot.
// - The trace's event and step records are not here: their fields live in src/engine/trace.ts and assembly/trace.ts,
//   and the host compares the strides with the kernel's at load (src/trace/engine.ts).

/** The host refuses a kernel whose abiVersion() differs (src/kernel/wasm-engine.ts). */
export const ABI_VERSION = 15;

/** f64 slots in the parameter block (slots 114 and 115 are spare). */
export const PARAM_SLOTS = 116;

/** The most liquidation.fee tiers: the tiered fee's floors and rates take this many slots each. */
export const MAX_FEE_TIERS = 8;

/** Seconds in the year that annualised volatility, drift and jump intensity refer to. */
export const SECONDS_PER_YEAR = 365 * 24 * 3600;

/**
 * The parameter block both engines read: one f64 per slot (`count` slots from `slot` for the fee tiers), written by
 * src/engine/setup.ts. The key is the host's name (P.key), `kernel` the kernel's (assembly/abi.ts, bench/c/contract.h).
 */
export const PARAMS = {
  steps: { slot: 0, kernel: "P_STEPS" },
  stepSeconds: { slot: 1, kernel: "P_STEP_SECONDS" },
  initialPrice: { slot: 2, kernel: "P_INITIAL_PRICE" },
  tickSize: { slot: 3, kernel: "P_TICK" },
  /** market.price.model (PRICE_MODEL) */
  priceModel: { slot: 4, kernel: "P_PRICE_MODEL" },
  volatility: { slot: 5, kernel: "P_VOLATILITY" },
  drift: { slot: 6, kernel: "P_DRIFT" },
  jumpIntensity: { slot: 7, kernel: "P_JUMP_INTENSITY" },
  jumpMeanLog: { slot: 8, kernel: "P_JUMP_MEAN" },
  jumpStdLog: { slot: 9, kernel: "P_JUMP_STD" },
  levels: { slot: 10, kernel: "P_LEVELS" },
  /** the transient impact's decay per step, 2^(−stepSeconds / market.impact.halfLifeSeconds) (1: none) */
  impactDecay: { slot: 11, kernel: "P_IMPACT_DECAY" },
  /** market.mark.model (MARK_MODEL) */
  markModel: { slot: 12, kernel: "P_MARK_MODEL" },
  accountCount: { slot: 13, kernel: "P_ACCOUNTS" },
  longShare: { slot: 14, kernel: "P_LONG_SHARE" },
  /** accounts.leverage: distribution (LEVERAGE_DIST), median, sigma, max */
  leverageDist: { slot: 15, kernel: "P_LEVERAGE_DIST" },
  leverageMedian: { slot: 16, kernel: "P_LEVERAGE_MEDIAN" },
  leverageSigma: { slot: 17, kernel: "P_LEVERAGE_SIGMA" },
  leverageMax: { slot: 18, kernel: "P_LEVERAGE_MAX" },
  /** accounts.notional: distribution (NOTIONAL_DIST), min, alpha, max */
  notionalDist: { slot: 19, kernel: "P_NOTIONAL_DIST" },
  notionalMin: { slot: 20, kernel: "P_NOTIONAL_MIN" },
  notionalAlpha: { slot: 21, kernel: "P_NOTIONAL_ALPHA" },
  notionalMax: { slot: 22, kernel: "P_NOTIONAL_MAX" },
  resample: { slot: 23, kernel: "P_RESAMPLE" },
  accountsFromFile: { slot: 24, kernel: "P_ACCOUNTS_FROM_FILE" },
  feeRate: { slot: 25, kernel: "P_FEE_RATE" },
  maxRounds: { slot: 26, kernel: "P_MAX_ROUNDS" },
  insurance: { slot: 27, kernel: "P_INSURANCE" },
  /** adl.ranking (ADL_RANKING) */
  adlRanking: { slot: 28, kernel: "P_ADL_RANKING" },
  tierCount: { slot: 29, kernel: "P_TIER_COUNT" },
  returnsCount: { slot: 30, kernel: "P_RETURNS_COUNT" },
  /** liquidation.caps.notionalPerSecond × stepSeconds (Infinity: no cap) */
  capNotional: { slot: 31, kernel: "P_CAP_NOTIONAL" },
  /** liquidation.caps.insuranceLossPerSecond × stepSeconds (Infinity: no cap) */
  capInsuranceLoss: { slot: 32, kernel: "P_CAP_INSURANCE_LOSS" },
  /** insurance.cap (Infinity: no cap) */
  insuranceCap: { slot: 33, kernel: "P_INSURANCE_CAP" },
  /** adl.trigger.fundDrawdown (1: ADL once the fund is empty) */
  fundDrawdown: { slot: 34, kernel: "P_FUND_DRAWDOWN" },
  /** market.book.stress.withdrawal (0: no stress) */
  stressWithdrawal: { slot: 35, kernel: "P_STRESS_WITHDRAWAL" },
  /** market.book.stress.floor (0 when absent) */
  stressFloor: { slot: 36, kernel: "P_STRESS_FLOOR" },
  /** market.mark.halfLifeSeconds as the ema weight α = 1 − 2^(−stepSeconds/h) (0 unless mark ema) */
  emaAlpha: { slot: 37, kernel: "P_EMA_ALPHA" },
  /**
   * 1: the per-account engine (every liquidation engine but a plain market one, and any mechanism that changes an
   * account in place: fee schedules, socialised loss, Hyperliquid's ADL ranking; accounts.flow); 0: the market engine's
   * batched rounds
   */
  perAccount: { slot: 38, kernel: "P_PER_ACCOUNT" },
  /** liquidation.partial.threshold, fraction, cooldown in whole steps (fraction 1 outside the partial and backstop engines) */
  partialThreshold: { slot: 39, kernel: "P_PARTIAL_THRESHOLD" },
  partialFraction: { slot: 40, kernel: "P_PARTIAL_FRACTION" },
  partialCooldown: { slot: 41, kernel: "P_PARTIAL_COOLDOWN" },
  /** liquidation.engine (LIQUIDATION_ENGINE) */
  engine: { slot: 42, kernel: "P_ENGINE" },
  /** liquidation.fee: kind (FEE_KIND), tier count; time-ramped: max rate, grace seconds, increase per second */
  feeKind: { slot: 43, kernel: "P_FEE_KIND" },
  feeTierCount: { slot: 44, kernel: "P_FEE_TIER_COUNT" },
  feeRampMax: { slot: 45, kernel: "P_FEE_RAMP_MAX" },
  feeRampGrace: { slot: 46, kernel: "P_FEE_RAMP_GRACE" },
  feeRampPerSecond: { slot: 47, kernel: "P_FEE_RAMP_PER_SECOND" },
  /** liquidation.auction (dutch-auction): curve (AUCTION_CURVE), tau, cut, step seconds, buf, tail seconds, cusp */
  auctionCurve: { slot: 48, kernel: "P_AUCTION_CURVE" },
  auctionTau: { slot: 49, kernel: "P_AUCTION_TAU" },
  auctionCut: { slot: 50, kernel: "P_AUCTION_CUT" },
  auctionStep: { slot: 51, kernel: "P_AUCTION_STEP" },
  auctionBuf: { slot: 52, kernel: "P_AUCTION_BUF" },
  auctionTail: { slot: 53, kernel: "P_AUCTION_TAIL" },
  auctionCusp: { slot: 54, kernel: "P_AUCTION_CUSP" },
  /** keepers: quote capital they can put into takes per step, and the margin below the touch they need */
  keeperCapital: { slot: 55, kernel: "P_KEEPER_CAPITAL" },
  keeperMinProfit: { slot: 56, kernel: "P_KEEPER_MIN_PROFIT" },
  /** Maker's keeper incentives at kick and redo: flat tip plus chip × the lot's notional, paid by the fund */
  auctionTip: { slot: 57, kernel: "P_AUCTION_TIP" },
  auctionChip: { slot: 58, kernel: "P_AUCTION_CHIP" },
  /** liquidation.backstop: equity fraction of maintenance below which the vault takes over, its capital, unwind share per step */
  backstopFraction: { slot: 59, kernel: "P_BACKSTOP_FRACTION" },
  vaultCapital: { slot: 60, kernel: "P_VAULT_CAPITAL" },
  vaultUnwind: { slot: 61, kernel: "P_VAULT_UNWIND" },
  /** liquidation.closeFactor: default close factor, health factor for a full close, bonus, protocol share of the bonus, debt below which the close is full */
  cfDefault: { slot: 62, kernel: "P_CF_DEFAULT" },
  cfFullHealth: { slot: 63, kernel: "P_CF_FULL_HEALTH" },
  cfBonus: { slot: 64, kernel: "P_CF_BONUS" },
  cfProtocolFee: { slot: 65, kernel: "P_CF_PROTOCOL_FEE" },
  cfMinDebt: { slot: 66, kernel: "P_CF_MIN_DEBT" },
  /** market.book.stress.spreadWidening: ticks each side steps back per unit of mark drawdown (0: none) */
  spreadWidening: { slot: 67, kernel: "P_SPREAD_WIDENING" },
  /** market.mark.oracleLagSeconds in whole steps: the oracle is the fundamental this many steps ago */
  oracleLag: { slot: 68, kernel: "P_ORACLE_LAG" },
  /** market.mark.band b: every mark is kept within oracle × (1 ± b) (0: no band) */
  markBand: { slot: 69, kernel: "P_MARK_BAND" },
  /**
   * margin.openInterestScaling (dYdX v4 liquidity tiers): the open interest (Σ notional of the generated population)
   * at which the initial margin fraction starts rising from the bracket's, and where it reaches 1 (0, 0: no scaling)
   */
  oiLowerCap: { slot: 70, kernel: "P_OI_LOWER_CAP" },
  oiUpperCap: { slot: 71, kernel: "P_OI_UPPER_CAP" },
  /** liquidation.fee tiers (kind tiered): floors at feeTierFloor + j, rates at feeTierRate + j, j < MAX_FEE_TIERS */
  feeTierFloor: { slot: 72, count: MAX_FEE_TIERS, kernel: "P_FEE_TIER_FLOOR" },
  feeTierRate: { slot: 80, count: MAX_FEE_TIERS, kernel: "P_FEE_TIER_RATE" },
  /** margin.model (MARGIN_MODEL; 0: the ladder of static liquidation prices, no scan) */
  marginModel: { slot: 88, kernel: "P_MARGIN_MODEL" },
  /** the realised-volatility estimate: EWMA weight on the old variance 2^(−stepSeconds/halfLifeSeconds), refresh cadence in whole steps */
  volLambda: { slot: 89, kernel: "P_VOL_LAMBDA" },
  volUpdateEvery: { slot: 90, kernel: "P_VOL_UPDATE_EVERY" },
  /** vol-scaled: the multiplier's floor and cap */
  volFloor: { slot: 91, kernel: "P_VOL_FLOOR" },
  volCap: { slot: 92, kernel: "P_VOL_CAP" },
  /** risk-based: the move in standard deviations (VaR: the normal quantile of the confidence) and the horizon in steps */
  riskSigmas: { slot: 93, kernel: "P_RISK_SIGMAS" },
  riskHorizon: { slot: 94, kernel: "P_RISK_HORIZON" },
  /**
   * margin.sizePremium.imfFactor (FTX/Drift; 0: none): a generated account's initial margin fraction is at least
   * imfFactor × √size, and with a model the requirement at least notional × ½ × imfFactor × √size
   */
  sizeImf: { slot: 95, kernel: "P_SIZE_IMF" },
  /** margin.maintenanceAt: 1 entry (Bybit, BitMEX: maintenance margin fixed at the entry notional), 0 mark */
  maintenanceAtEntry: { slot: 96, kernel: "P_MAINTENANCE_AT_ENTRY" },
  /** market.impact.permanentShare: the share of a step's impact that never decays */
  impactPermanent: { slot: 97, kernel: "P_IMPACT_PERMANENT" },
  /** the depth profile (PROFILE) and its parameters, for the analytic continuation past the stored window */
  profileKind: { slot: 98, kernel: "P_PROFILE_KIND" },
  profileSize: { slot: 99, kernel: "P_PROFILE_SIZE" },
  profileDecayTicks: { slot: 100, kernel: "P_PROFILE_DECAY_TICKS" },
  profileExponent: { slot: 101, kernel: "P_PROFILE_EXPONENT" },
  profileSaturationTicks: { slot: 102, kernel: "P_PROFILE_SATURATION" },
  /** a snapshot book's last level per side (it really ends there); 0: the profile never ends */
  bookEndBid: { slot: 103, kernel: "P_BOOK_END_BID" },
  bookEndAsk: { slot: 104, kernel: "P_BOOK_END_ASK" },
  /** liquidation.partial.duringCooldown: 1 full (a cooling-down account still under water is closed whole), 0 wait */
  partialDuringCooldown: { slot: 105, kernel: "P_PARTIAL_DURING_COOLDOWN" },
  /** liquidation.auction.hole: the most debt auctions in progress may hold (Infinity: no cap) */
  auctionHole: { slot: 106, kernel: "P_AUCTION_HOLE" },
  /**
   * accounts.entry: the variance of log price over the history the entries are drawn from, σ²·historySeconds / year
   * (0: every account enters at the initial price); src/engine/population.ts documents the model
   */
  entryVariance: { slot: 107, kernel: "P_ENTRY_VARIANCE" },
  /** accounts.notional.top10Share: the share of open interest the ten largest accounts hold (0: the draws as they are) */
  top10Share: { slot: 108, kernel: "P_TOP10_SHARE" },
  /** accounts.hedgedShare as a count of hedged pairs, ⌊hedgedShare × count / 2⌋ (0: none) */
  hedgedPairs: { slot: 109, kernel: "P_HEDGED_PAIRS" },
  /** adl.price: 0 the bankruptcy price, 1 the mark (ADL_PRICE) */
  adlPrice: { slot: 110, kernel: "P_ADL_PRICE" },
  /**
   * accounts.flow (src/engine/flow.ts documents the model; 0, 0, 0: no flow, today's records bit for bit): the
   * probability that an open account's trader closes in one step, 1 − e^(−closeRatePerHour · stepSeconds / 3600);
   * the mean number of arrivals per step, arrivalsPerHour · stepSeconds / 3600; the dormant account slots reserved
   * after the population for the arrivals of one path (flowPool in src/engine/setup.ts)
   */
  flowCloseProb: { slot: 111, kernel: "P_FLOW_CLOSE_PROB" },
  flowArrivalMean: { slot: 112, kernel: "P_FLOW_ARRIVAL_MEAN" },
  flowPool: { slot: 113, kernel: "P_FLOW_POOL" },
} as const;

/**
 * The enums the parameter block and the random streams use: the host's object is `values` (name → number, the
 * scenario's spelling); the kernel's constants are kernelPrefix + UPPER_SNAKE(name) unless `kernelNames` says
 * otherwise, of type `kernelType` (i32 unless given).
 */
export const ENUMS = {
  /** market.price.model */
  PRICE_MODEL: { kernelPrefix: "PRICE_", values: { none: 0, gbm: 1, merton: 2, replay: 3 } },
  /** market.mark.model */
  MARK_MODEL: { kernelPrefix: "MARK_", values: { last: 0, mid: 1, ema: 2, oracle: 3 } },
  /** market.book.depth.profile; snapshot: the table only, nothing beyond it */
  PROFILE: { kernelPrefix: "PROFILE_", values: { flat: 0, exponential: 1, power: 2, latent: 3, snapshot: 4 } },
  /** accounts.leverage.distribution */
  LEVERAGE_DIST: { kernelPrefix: "DIST_", values: { lognormal: 0, fixed: 1 } },
  /** accounts.notional.distribution */
  NOTIONAL_DIST: { kernelPrefix: "DIST_", values: { pareto: 0, fixed: 1 } },
  /** adl.ranking */
  ADL_RANKING: {
    kernelPrefix: "ADL_",
    values: { none: 0, "pnl-leverage": 1, random: 2, hyperliquid: 3, socialized: 4 },
  },
  /** adl.price: the price ADL'd positions close at (the bankrupt position's bankruptcy price: Binance, Bybit, OKX; the mark: Hyperliquid) */
  ADL_PRICE: { kernelPrefix: "ADL_AT_", values: { bankruptcy: 0, mark: 1 } },
  /** liquidation.engine */
  LIQUIDATION_ENGINE: {
    kernelPrefix: "ENGINE_",
    values: { market: 0, partial: 1, "dutch-auction": 2, backstop: 3, "close-factor": 4 },
    kernelNames: { "dutch-auction": "ENGINE_AUCTION" },
  },
  /** liquidation.fee.kind */
  FEE_KIND: {
    kernelPrefix: "FEE_",
    values: { flat: 0, tiered: 1, "time-ramped": 2 },
    kernelNames: { "time-ramped": "FEE_RAMPED" },
  },
  /** liquidation.auction.curve */
  AUCTION_CURVE: { kernelPrefix: "CURVE_", values: { linear: 0, stairstep: 1, exponential: 2 } },
  /** margin.model */
  MARGIN_MODEL: { kernelPrefix: "MARGIN_", values: { ladder: 0, tiers: 1, "vol-scaled": 2, "risk-based": 3 } },
  /** Philox counter word 3: which family of draws */
  DOMAIN: { kernelPrefix: "DOMAIN_", kernelType: "u32", values: { market: 0, population: 1, adl: 2, flow: 3 } },
  /**
   * accounts.flow's draws (src/engine/flow.ts): the stream in counter word 0's top 3 bits, the draw index below.
   * The reference engine's copy (FLOW_STREAM in src/engine/flow.ts) is checked against this by test/engine/contract.test.ts.
   */
  FLOW_STREAM: {
    kernelPrefix: "FLOW_",
    kernelType: "u32",
    values: { closeCount: 0, arrivalCount: 1, closePick: 2, arrivalSide: 3, arrivalLeverage: 4 },
  },
} as const;

/**
 * The per-path record: one f64 per metric, in this order, in both engines and in paths.csv (SPEC §4).
 * Each entry is [the host's name (METRIC_NAMES, the CSV column), the kernel's slot name].
 */
export const METRICS = [
  ["liquidations", "R_LIQUIDATIONS"],
  ["liquidatedNotional", "R_LIQUIDATED_NOTIONAL"],
  ["maxRoundsInStep", "R_MAX_ROUNDS"],
  ["minPrice", "R_MIN_PRICE"],
  ["finalPrice", "R_FINAL_PRICE"],
  ["maxDrawdown", "R_MAX_DRAWDOWN"],
  ["exogenousDrawdown", "R_EXO_DRAWDOWN"],
  ["amplification", "R_AMPLIFICATION"],
  ["insuranceMin", "R_INSURANCE_MIN"],
  ["insuranceFinal", "R_INSURANCE_FINAL"],
  ["badDebt", "R_BAD_DEBT"],
  ["adlCount", "R_ADL_COUNT"],
  ["adlNotional", "R_ADL_NOTIONAL"],
  ["avgSlippage", "R_AVG_SLIPPAGE"],
  ["bookExhausted", "R_BOOK_EXHAUSTED"],
  ["firstLiquidationStep", "R_FIRST_LIQUIDATION_STEP"],
  ["marginHeld", "R_MARGIN_HELD"],
  // who paid (SPEC §4): each party's money change over the path, measured at the mark; with −badDebt they sum
  // to zero (liquidatedPnl − adlTransfer + fundNet + vaultPnl + treasury + keepersPnl + makersPnl + flowPnl − badDebt = 0)
  ["liquidatedPnl", "R_LIQUIDATED_PNL"],
  ["adlTransfer", "R_ADL_TRANSFER"],
  ["fundNet", "R_FUND_NET"],
  ["vaultPnl", "R_VAULT_PNL"],
  ["treasury", "R_TREASURY"],
  ["keepersPnl", "R_KEEPERS_PNL"],
  ["makersPnl", "R_MAKERS_PNL"],
  // memos, inside the rows above: fees the liquidated paid (fund, treasury), losses beyond their collateral
  ["feesPaid", "R_FEES_PAID"],
  ["shortfall", "R_SHORTFALL"],
  // who paid, continued (after the memos, so that the older columns keep their places): the realised P&L of the
  // traders who closed voluntarily (accounts.flow; 0 without it)
  ["flowPnl", "R_FLOW_PNL"],
] as const;

/** f64 slots per path record. */
export const RECORD_STRIDE = METRICS.length;

/** What the kernel's entry points return: the kernel returns the code, the host shows the text (src/kernel/status.ts). */
export const STATUS = {
  ok: { code: 0, kernel: "OK", text: "ok" },
  notInitialised: { code: 1, kernel: "E_NOT_INITIALISED", text: "kernel used before init()" },
  capacity: {
    code: 2,
    kernel: "E_CAPACITY",
    text: "scenario exceeds the capacities the kernel was initialised with",
  },
  badParams: {
    code: 3,
    kernel: "E_BAD_PARAMS",
    text: "kernel rejected the parameter block (tick size and initial price must be > 0)",
  },
  /** trace mode: the path had more events than the trace region holds (assembly/trace.ts) */
  traceOverflow: { code: 4, kernel: "E_TRACE_OVERFLOW", text: "the path had more events than the trace buffer holds" },
} as const;
