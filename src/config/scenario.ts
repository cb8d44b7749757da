// The resolved scenario: every key of SPEC §2 with its default applied. This is what the engines consume,
// what summary.json echoes, and what the scenario hash covers.

/** One maintenance-margin bracket (Binance rule: MM = notional × mmr − maintenanceAmount). */
export interface Tier {
  /** Lowest position notional (quote units) this bracket applies to. */
  floor: number;
  /** Maintenance margin rate, 0 ≤ mmr < 1. */
  mmr: number;
  /** Binance "cum": makes MM continuous across brackets. */
  maintenanceAmount: number;
  /** Largest leverage a generated account may open at in this bracket (default 1 / (2·mmr), Binance's IMR = 2×MMR). */
  maxLeverage?: number;
}

export type PriceModel = "gbm" | "merton" | "none" | "replay";
export type DepthProfile = "flat" | "exponential" | "power";
export type MarkModel = "last" | "mid" | "ema";
export type LiquidationEngine = "market" | "partial";
export type AdlRanking = "pnl-leverage" | "random" | "none";

export interface Shock {
  step: number;
  /** Simple return applied to the fundamental at that step, > −1. */
  return: number;
}

export interface Scenario {
  name: string;
  seed: number;
  paths: number;
  steps: number;
  stepSeconds: number;
  market: {
    initialPrice: number;
    tickSize: number;
    price: {
      model: PriceModel;
      volatility: number;
      drift: number;
      jumps: { intensity: number; meanLog: number; stdLog: number };
      returnsFile?: string;
      shocks: Shock[];
    };
    book: {
      levels: number;
      depth: { profile: DepthProfile; size: number; decayTicks: number; exponent: number };
      snapshotFile?: string;
      resilience: number;
      /**
       * Liquidity under stress (absent: none). At the start of each step, with D the mark's drawdown from its
       * running peak in the path at that moment (D = (peak − mark) / peak, the quantity maxDrawdown tracks; 0
       * in step 1), every level's target depth is profile × max(floor, 1 − withdrawal × D) (floor absent: 0),
       * fixed for the whole step. A level read in a step is refilled toward that step's target as usual,
       * target − (target − depth) × (1 − resilience)^elapsed, and then capped at the target: makers pull
       * quotes at once (depth above a shrunk target is cut to it), they return at the resilience rate. A level
       * untouched in the path reads as its target. withdrawal 0 gives exactly the book without the key.
       * The book's depth is not money: conservation is unaffected.
       */
      stress?: { withdrawal: number; floor?: number };
    };
    /**
     * `last`: the last fill price (the mid at the start of each step); `mid`: the book's mid after every round;
     * `ema` (halfLifeSteps h required): an index-like mark that lags the book. It starts at the initial mid; at
     * the start of each step, after the move and the refill, ema ← ema + α·(mid − ema) with α = 1 − 2^(−1/h)
     * (computed on the host), and the cascade rounds of that step all use it: liquidations do not move it.
     */
    mark: { model: MarkModel; halfLifeSteps?: number };
  };
  accounts: {
    count: number;
    longShare: number;
    leverage: { dist: "lognormal" | "fixed"; median: number; sigma: number; max: number };
    notional: { dist: "pareto" | "fixed"; min: number; alpha: number; max: number };
    positionsFile?: string;
    resample: boolean;
  };
  margin: { mode: "isolated" | "cross"; preset?: string; tiers: Tier[] };
  liquidation: {
    engine: LiquidationEngine;
    feeRate: number;
    maxRoundsPerStep: number;
    /**
     * dYdX v4-style per-step caps (absent: none). Before each liquidation the step's totals are checked: once the
     * notional liquidated in the step has reached `notionalPerStep`, or the fund has paid out
     * `insuranceLossPerStep` in the step, no further account is liquidated in that step; it waits, still
     * under water, for the next step. The account that crosses a cap is liquidated and settled whole.
     */
    caps?: { notionalPerStep?: number; insuranceLossPerStep?: number };
    /**
     * engine `partial` (Hyperliquid-style; defaults threshold 100000, fraction 0.2, cooldownSteps 0). An account
     * across its liquidation price whose notional at the mark is ≤ threshold is closed whole, as by `market`;
     * otherwise fraction × its current size is sold (bought) by market order and settled pro rata: PnL realised
     * on the slice, fee on the slice's notional, the slice's share of the collateral (fraction × collateral)
     * backs it, any deficit goes to the fund, ADL, bad debt as for a whole liquidation. The account stays open
     * with the rest of the size and collateral c + pnl − fee (or (1 − fraction) × c after a deficit); its
     * liquidation price is recomputed in its bracket. It may be sliced again once cooldownSteps steps have
     * passed (0: in the next cascade round of the same step).
     */
    partial?: { threshold: number; fraction: number; cooldownSteps: number };
  };
  /** `cap` (absent: none): the fund never holds more; fees that would push it over go to the treasury. */
  insurance: { initialBalance: number; cap?: number };
  /**
   * `trigger.fundDrawdown` d (absent: 1, ADL once the fund is empty): the fund pays deficits only down to
   * (1 − d) × its running peak in the path; the rest goes to ADL (bad debt with ranking none).
   */
  adl: { ranking: AdlRanking; trigger?: { fundDrawdown?: number } };
}

/** A position loaded from `accounts.positionsFile`. */
export interface PositionRow {
  account: string;
  side: "long" | "short";
  size: number;
  entryPrice: number;
  collateral: number;
}

/** One resting level of a book snapshot. */
export interface BookLevel {
  side: "bid" | "ask";
  price: number;
  qty: number;
}

/** Everything a run needs: the scenario plus the contents of the files it names, loaded once by the host. */
export interface ScenarioInputs {
  scenario: Scenario;
  /** The directory the scenario's file keys are relative to (set by resolveScenario). */
  baseDir?: string;
  positions?: PositionRow[];
  book?: BookLevel[];
  returns?: Float64Array;
}
