// The numeric parameter block both engines read: one f64 per slot. assembly/abi.ts mirrors these indices.

export const ABI_VERSION = 4;

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
  resilience: 11,
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
  /** liquidation.caps.notionalPerStep (Infinity: no cap) */
  capNotional: 31,
  /** liquidation.caps.insuranceLossPerStep (Infinity: no cap) */
  capInsuranceLoss: 32,
  /** insurance.cap (Infinity: no cap) */
  insuranceCap: 33,
  /** adl.trigger.fundDrawdown (1: ADL once the fund is empty) */
  fundDrawdown: 34,
  /** market.book.stress.withdrawal (0: no stress) */
  stressWithdrawal: 35,
  /** market.book.stress.floor (0 when absent) */
  stressFloor: 36,
  /** market.mark.halfLifeSteps as the ema weight α = 1 − 2^(−1/h) (0 unless mark ema) */
  emaAlpha: 37,
  /** liquidation.engine: partial (1) or market (0) */
  partialOn: 38,
  /** liquidation.partial.threshold, fraction, cooldownSteps (read only when partialOn) */
  partialThreshold: 39,
  partialFraction: 40,
  partialCooldown: 41,
} as const;

export const PARAM_SLOTS = 48;

export const PRICE_MODEL = { none: 0, gbm: 1, merton: 2, replay: 3 } as const;
export const MARK_MODEL = { last: 0, mid: 1, ema: 2 } as const;
export const ADL_RANKING = { none: 0, "pnl-leverage": 1, random: 2 } as const;
export const LEVERAGE_DIST = { lognormal: 0, fixed: 1 } as const;
export const NOTIONAL_DIST = { pareto: 0, fixed: 1 } as const;

/** Seconds in the year that annualised volatility, drift and jump intensity refer to. */
export const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** Philox counter word 3: which family of draws. */
export const DOMAIN = { market: 0, population: 1, adl: 2 } as const;
