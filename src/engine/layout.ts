// The numeric parameter block both engines read: one f64 per slot. assembly/abi.ts mirrors these indices.

export const ABI_VERSION = 15;

export const P = {
  steps: 0,
  stepSeconds: 1,
  initialPrice: 2,
  tickSize: 3,
  priceModel: 4,
  volatility: 5,
  drift: 6,
  jumpIntensity: 7,
  jumpMeanLog: 8,
  jumpStdLog: 9,
  levels: 10,
  /** the transient impact's decay per step, 2^(−stepSeconds / market.impact.halfLifeSeconds) (1: none) */
  impactDecay: 11,
  markModel: 12,
  accountCount: 13,
  longShare: 14,
  leverageDist: 15,
  leverageMedian: 16,
  leverageSigma: 17,
  leverageMax: 18,
  notionalDist: 19,
  notionalMin: 20,
  notionalAlpha: 21,
  notionalMax: 22,
  resample: 23,
  accountsFromFile: 24,
  feeRate: 25,
  maxRounds: 26,
  insurance: 27,
  adlRanking: 28,
  tierCount: 29,
  returnsCount: 30,
  /** liquidation.caps.notionalPerSecond × stepSeconds (Infinity: no cap) */
  capNotional: 31,
  /** liquidation.caps.insuranceLossPerSecond × stepSeconds (Infinity: no cap) */
  capInsuranceLoss: 32,
  /** insurance.cap (Infinity: no cap) */
  insuranceCap: 33,
  /** adl.trigger.fundDrawdown (1: ADL once the fund is empty) */
  fundDrawdown: 34,
  /** market.book.stress.withdrawal (0: no stress) */
  stressWithdrawal: 35,
  /** market.book.stress.floor (0 when absent) */
  stressFloor: 36,
  /** market.mark.halfLifeSeconds as the ema weight α = 1 − 2^(−stepSeconds/h) (0 unless mark ema) */
  emaAlpha: 37,
  /**
   * 1: the per-account engine (every liquidation engine but a plain market one, and any mechanism that changes an
   * account in place: fee schedules, socialised loss, Hyperliquid's ADL ranking; accounts.flow); 0: the market engine's
   * batched rounds
   */
  perAccount: 38,
  /** liquidation.partial.threshold, fraction, cooldown in whole steps (fraction 1 outside the partial and backstop engines) */
  partialThreshold: 39,
  partialFraction: 40,
  partialCooldown: 41,
  /** liquidation.engine (LIQUIDATION_ENGINE) */
  engine: 42,
  /** liquidation.fee: kind (FEE_KIND), tier count; time-ramped: max rate, grace seconds, increase per second */
  feeKind: 43,
  feeTierCount: 44,
  feeRampMax: 45,
  feeRampGrace: 46,
  feeRampPerSecond: 47,
  /** liquidation.auction (dutch-auction): curve (AUCTION_CURVE), tau, cut, step seconds, buf, tail seconds, cusp */
  auctionCurve: 48,
  auctionTau: 49,
  auctionCut: 50,
  auctionStep: 51,
  auctionBuf: 52,
  auctionTail: 53,
  auctionCusp: 54,
  /** keepers: quote capital they can put into takes per step, and the margin below the touch they need */
  keeperCapital: 55,
  keeperMinProfit: 56,
  /** Maker's keeper incentives at kick and redo: flat tip plus chip × the lot's notional, paid by the fund */
  auctionTip: 57,
  auctionChip: 58,
  /** liquidation.backstop: equity fraction of maintenance below which the vault takes over, its capital, unwind share per step */
  backstopFraction: 59,
  vaultCapital: 60,
  vaultUnwind: 61,
  /** liquidation.closeFactor: default close factor, health factor for a full close, bonus, protocol share of the bonus, debt below which the close is full */
  cfDefault: 62,
  cfFullHealth: 63,
  cfBonus: 64,
  cfProtocolFee: 65,
  cfMinDebt: 66,
  /** market.book.stress.spreadWidening: ticks each side steps back per unit of mark drawdown (0: none) */
  spreadWidening: 67,
  /** market.mark.oracleLagSeconds in whole steps: the oracle is the fundamental this many steps ago */
  oracleLag: 68,
  /** market.mark.band b: every mark is kept within oracle × (1 ± b) (0: no band) */
  markBand: 69,
  /**
   * margin.openInterestScaling (dYdX v4 liquidity tiers): the open interest (Σ notional of the generated population)
   * at which the initial margin fraction starts rising from the bracket's, and where it reaches 1 (0, 0: no scaling)
   */
  oiLowerCap: 70,
  oiUpperCap: 71,
  /** liquidation.fee tiers (kind tiered): floors at feeTierFloor + j, rates at feeTierRate + j, j < MAX_FEE_TIERS */
  feeTierFloor: 72,
  feeTierRate: 80,
  /** margin.model (MARGIN_MODEL; 0: the ladder of static liquidation prices, no scan) */
  marginModel: 88,
  /** the realised-volatility estimate: EWMA weight on the old variance 2^(−stepSeconds/halfLifeSeconds), refresh cadence in whole steps */
  volLambda: 89,
  volUpdateEvery: 90,
  /** vol-scaled: the multiplier's floor and cap */
  volFloor: 91,
  volCap: 92,
  /** risk-based: the move in standard deviations (VaR: the normal quantile of the confidence) and the horizon in steps */
  riskSigmas: 93,
  riskHorizon: 94,
  /**
   * margin.sizePremium.imfFactor (FTX/Drift; 0: none): a generated account's initial margin fraction is at least
   * imfFactor × √size, and with a model the requirement at least notional × ½ × imfFactor × √size
   */
  sizeImf: 95,
  /** margin.maintenanceAt: 1 entry (Bybit, BitMEX: maintenance margin fixed at the entry notional), 0 mark */
  maintenanceAtEntry: 96,
  /** market.impact.permanentShare: the share of a step's impact that never decays */
  impactPermanent: 97,
  /** the depth profile (PROFILE) and its parameters, for the analytic continuation past the stored window */
  profileKind: 98,
  profileSize: 99,
  profileDecayTicks: 100,
  profileExponent: 101,
  profileSaturationTicks: 102,
  /** a snapshot book's last level per side (it really ends there); 0: the profile never ends */
  bookEndBid: 103,
  bookEndAsk: 104,
  /** liquidation.partial.duringCooldown: 1 full (a cooling-down account still under water is closed whole), 0 wait */
  partialDuringCooldown: 105,
  /** liquidation.auction.hole: the most debt auctions in progress may hold (Infinity: no cap) */
  auctionHole: 106,
  /**
   * accounts.entry: the variance of log price over the history the entries are drawn from, σ²·historySeconds / year
   * (0: every account enters at the initial price); src/engine/population.ts documents the model
   */
  entryVariance: 107,
  /** accounts.notional.top10Share: the share of open interest the ten largest accounts hold (0: the draws as they are) */
  top10Share: 108,
  /** accounts.hedgedShare as a count of hedged pairs, ⌊hedgedShare × count / 2⌋ (0: none) */
  hedgedPairs: 109,
  /** adl.price: 0 the bankruptcy price, 1 the mark (ADL_PRICE) */
  adlPrice: 110,
  /**
   * accounts.flow (src/engine/flow.ts documents the model; 0, 0, 0: no flow, today's records bit for bit): the
   * probability that an open account's trader closes in one step, 1 − e^(−closeRatePerHour · stepSeconds / 3600);
   * the mean number of arrivals per step, arrivalsPerHour · stepSeconds / 3600; the dormant account slots reserved
   * after the population for the arrivals of one path (flowPool in src/engine/setup.ts)
   */
  flowCloseProb: 111,
  flowArrivalMean: 112,
  flowPool: 113,
} as const;

/** adl.price: the price ADL'd positions close at. */
export const ADL_PRICE = { bankruptcy: 0, mark: 1 } as const;

export const MAX_FEE_TIERS = 8;
export const PARAM_SLOTS = 116;

/** market.book.depth.profile; snapshot: the table only, nothing beyond it. */
export const PROFILE = { flat: 0, exponential: 1, power: 2, latent: 3, snapshot: 4 } as const;
export const PRICE_MODEL = { none: 0, gbm: 1, merton: 2, replay: 3 } as const;
export const MARK_MODEL = { last: 0, mid: 1, ema: 2, oracle: 3 } as const;
export const ADL_RANKING = { none: 0, "pnl-leverage": 1, random: 2, hyperliquid: 3, socialized: 4 } as const;
export const LIQUIDATION_ENGINE = { market: 0, partial: 1, "dutch-auction": 2, backstop: 3, "close-factor": 4 } as const;
export const FEE_KIND = { flat: 0, tiered: 1, "time-ramped": 2 } as const;
export const AUCTION_CURVE = { linear: 0, stairstep: 1, exponential: 2 } as const;
export const MARGIN_MODEL = { ladder: 0, tiers: 1, "vol-scaled": 2, "risk-based": 3 } as const;
export const LEVERAGE_DIST = { lognormal: 0, fixed: 1 } as const;
export const NOTIONAL_DIST = { pareto: 0, fixed: 1 } as const;

/** Seconds in the year that annualised volatility, drift and jump intensity refer to. */
export const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** Philox counter word 3: which family of draws. */
export const DOMAIN = { market: 0, population: 1, adl: 2, flow: 3 } as const;
