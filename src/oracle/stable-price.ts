// Mango v4's rate-limited "stable price", used in initial health: assets at min(oracle, stable), liabilities at
// max(oracle, stable), so a sudden oracle jump grants new borrowing only as fast as the stable price catches up.
//
// Source: blockworks-foundation/mango-v4 programs/mango-v4/src/state/stable_price.rs (StablePriceModel::update)
// and mango-docs mango-markets/stable-price.md. Per update, with dt seconds since the last one (min 10 s):
//   fraction = min(stable, delay) / max(stable, delay)
//   growth   = stable_growth_limit · fraction² · dt          (default stable_growth_limit 0.0003 per second)
//   stable   = clamp(oracle, stable · (1 − growth), stable · (1 + growth))
// `delay` is the oracle averaged per delay interval (1 h) and read 24 intervals later, itself growth-limited
// (6% per interval). Over an attack window shorter than 23 h it is still the pre-attack price, which is how it is
// held here (config.ts refuses longer windows rather than model the ring of 24 delay prices).

/** Mango v4's default `stable_growth_limit`: 0.03% per second. */
export const MANGO_V4_STABLE_GROWTH_PER_SECOND = 0.0003;
/** Mango v4's minimum time between stable price updates (`min_dt`), and the step length used with it. */
export const MANGO_V4_MIN_UPDATE_SECONDS = 10;

export interface StablePriceOptions {
  growthLimitPerSecond: number;
  stepSeconds: number;
}

export class StablePrice {
  private stable: number;
  private readonly delayPrice: number;

  constructor(
    initialPrice: number,
    private readonly options: StablePriceOptions,
  ) {
    this.stable = initialPrice;
    this.delayPrice = initialPrice;
  }

  get price(): number {
    return this.stable;
  }

  /** One update `stepSeconds` after the last, toward `oraclePrice`. */
  update(oraclePrice: number): number {
    const prev = this.stable;
    // The further the stable price is from the (pre-attack) delay price, the slower it may move.
    const fraction = prev <= this.delayPrice ? prev / this.delayPrice : this.delayPrice / prev;
    const growth = this.options.growthLimitPerSecond * fraction * fraction * this.options.stepSeconds;
    this.stable = Math.min(Math.max(oraclePrice, prev * (1 - growth)), prev * (1 + growth));
    return this.stable;
  }
}
