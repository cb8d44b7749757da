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
export type DepthProfile = "latent" | "flat" | "exponential" | "power";
export type MarkModel = "last" | "mid" | "ema" | "oracle";
export type LiquidationEngine = "market" | "partial" | "dutch-auction" | "backstop" | "close-factor";
export type AdlRanking = "pnl-leverage" | "hyperliquid" | "random" | "socialized" | "none";

/**
 * liquidation.fee (absent: flat at feeRate). The fee is charged on the notional of each liquidation fill (a whole
 * close, a slice, an auction take) and never exceeds what the account has left above bankruptcy on that fill.
 * `tiered`: the rate of the fee tier whose floor is the largest ≤ the fill's notional. `time-ramped` (Drift): rate
 * = min(max, feeRate + increasePerSecond × max(0, elapsed − graceSeconds)), elapsed = (step − the step the account
 * was first liquidated in the path) × stepSeconds: 0 for a whole close by market order, growing across the slices of
 * the partial engine and the takes of an auction.
 */
export type FeeSchedule =
  | { kind: "flat" }
  | { kind: "tiered"; tiers: { floor: number; rate: number }[] }
  | { kind: "time-ramped"; max: number; graceSeconds: number; increasePerSecond: number };

/**
 * engine `dutch-auction` (Maker Liquidations 2.0, the Clipper, on a perp position). An account across its
 * liquidation price is kicked: liquidated once (counted in `liquidations`), taken off the ladder, its whole position
 * put up for auction at top = mark × buf (a short's at mark / buf) and the keepers' incentive tip + chip × size ×
 * mark paid from the fund (what the fund cannot pay is bad debt, as Maker's Vow mints it). The auction price after
 * elapsed = (step − kick step) × stepSeconds seconds is top × f(elapsed) for a long and top / f(elapsed) for a
 * short, f = max(0, 1 − elapsed/tau) (linear), cut^⌊elapsed/stepSeconds⌋ (stairstep), cut^elapsed (exponential).
 * Once elapsed > tailSeconds or f < cusp the auction is redone (reset to the current mark × buf, incentive paid
 * again). In every cascade round, auctions in kick order: keepers take a long's lot when price × (1 + minProfit)
 * ≤ the best bid (a short's when the best ask × (1 + minProfit) ≤ price), at most capitalPerSecond × stepSeconds / price
 * units per step across all auctions; they sell (buy) what they take on the book at once (price impact). A take realises the
 * PnL of the units taken at the auction price against the account's whole collateral, with the fee (feeRate or fee
 * schedule, at most what is left) on their auction notional; the account closes when its last unit is taken, and a
 * negative balance then goes to the fund, ADL, bad debt. Maker's early stop once the debt is raised is not modelled:
 * the whole lot is sold.
 */
export interface AuctionSettings {
  curve: "linear" | "stairstep" | "exponential";
  tau: number;
  cut: number;
  stepSeconds: number;
  buf: number;
  tailSeconds: number;
  cusp: number;
  tip: number;
  chip: number;
  keepers: { capitalPerSecond: number; minProfit: number };
  /**
   * Maker's Dog `hole` (absent: no cap): the most debt (a long's q·entry − c, a short's q·mark, at least 0, summed
   * over the auctions in progress in kick order as they stand) auctions may hold at once. A kick that would take the
   * sum past it waits, still under water, until the next step; a kick into an empty auction house always goes ahead
   * (Maker kicks a larger vault in parts, the room's worth at a time: not modelled).
   */
  hole?: number;
}

/**
 * engine `backstop` (Hyperliquid's liquidator vault). An account across its liquidation price whose equity at the
 * mark E = c + s·q·(mark − entry) is below equityFractionOfMaintenance × its maintenance margin at the mark is taken
 * over by the vault, if the vault's cash is > 0 and stays ≥ 0 after absorbing E (else the vault is spent, and the
 * account goes to the book: vaultCapital 0 is the engine without a vault): the trader keeps nothing, the vault receives E and the position at the mark. Otherwise the
 * account is liquidated by market order as by `partial` (with `liquidation.partial`) or `market`. At the start of
 * each step, after the move and before the mark is read, the vault sells (buys back) 1 − 2^(−stepSeconds/unwindHalfLifeSeconds)
 * of each side of its inventory on the book. The vault's cash starts at vaultCapital and is a ledger bucket of its own.
 */
export interface BackstopSettings {
  equityFractionOfMaintenance: number;
  vaultCapital: number;
  unwindHalfLifeSeconds: number;
}

/**
 * engine `close-factor` (Aave v3 / Compound, on a perp position: a long's debt is q·entry − c, a short's is q·mark).
 * An account across its liquidation price has health factor HF = 1 + (E − MM)/debt (< 1 exactly when E < MM). A
 * liquidator repays closeFactor × debt (the whole debt when HF ≤ fullCloseHealthFactor or debt <
 * minDebtForCloseFactor). A long's liquidator takes units worth that × (1 + bonus) at the mark, which the account
 * closes at mark/(1 + bonus); a short's repays closeFactor × its size in units (the debt is the borrowed units),
 * which the account buys back at mark × (1 + bonus); either capped at the account's size; the account's whole
 * collateral backs the repayment (a deficit is taken when it closes); the liquidator sells (buys) them on the book
 * at once and pays protocolFeeOfBonus of its bonus to the fund. No other fee. The account stays open with the rest,
 * its liquidation price recomputed, and may be liquidated again in the next round.
 */
export interface CloseFactorSettings {
  closeFactor: number;
  fullCloseHealthFactor: number;
  bonus: number;
  protocolFeeOfBonus: number;
  minDebtForCloseFactor: number;
}

export interface Shock {
  step: number;
  /** Simple return applied to the fundamental at that step, > −1. */
  return: number;
}

export interface Scenario {
  name: string;
  /**
   * A venue preset (`cascade presets`) whose whole design applies over this scenario's own keys: its tiers (as
   * margin.preset) and maintenance convention, liquidation engine with all its blocks, fee, ADL ranking, price and
   * trigger, and the mark model and vault where the preset states them (src/venues/apply.ts). The resolved scenario
   * holds the design that ran; the venue's name is a record of where it came from. Absent: none.
   */
  venue?: string;
  /**
   * What applying `venue` changed in the scenario as written (a key it overrode, a block it dropped), one line each;
   * summary.json's `warnings` and stderr carry them. Absent when there was nothing to say.
   */
  venueWarnings?: string[];
  /**
   * What the scenario's data files make of it that its keys do not show (a replay with fewer returns than steps
   * resamples them), one line each; summary.json's `warnings` and stderr carry them. Absent when there is none.
   */
  inputWarnings?: string[];
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
      /**
       * Depth per tick at level k (k = 1 at the touch): `latent` size × min(k, saturationTicks) / saturationTicks
       * (the locally linear order book of Donier et al. 2015 near the price, so impact grows like √size, flat
       * beyond); `flat` size; `exponential` size × e^(−(k−1)/decayTicks); `power` size × k^(−exponent). Defined at
       * every distance: `levels` only says how much of it is stored in a table (a performance knob).
       */
      depth: { profile: DepthProfile; size: number; decayTicks: number; exponent: number; saturationTicks: number };
      /** A real book near the price; it ends past its last level (a sale beyond it is flagged bookExhausted). */
      snapshotFile?: string;
      /** false: past the snapshot's last level the `depth` profile continues (the book has no edge); default true. */
      snapshotEnds?: boolean;
      /**
       * Liquidity under stress (absent: none). At the start of each step, with D the mark's drawdown from its
       * running peak in the path at that moment (D = (peak − mark) / peak, the quantity maxDrawdown tracks; 0
       * in step 1), every level's depth is profile × max(floor, 1 − withdrawal × D) (floor absent: 0),
       * fixed for the whole step; the book's displacement (what sales consumed, in ticks) is kept, so makers pull
       * and return quotes at once with the drawdown and the price does not jump. withdrawal 0 gives exactly the
       * book without the key.
       * The book's depth is not money: conservation is unaffected. spreadWidening w (absent: 0): with D as above,
       * both sides of the book step back g = ⌊w × D⌋ ticks from the fundamental for the step (the bids g ticks
       * lower, the asks g higher, shapes and depths kept): the spread widens by 2g ticks, the mid is unchanged.
       */
      stress?: { withdrawal: number; floor?: number; spreadWidening?: number };
    };
    /**
     * `last`: the last fill price (the mid at the start of each step); `mid`: the book's mid after every round;
     * `ema` (halfLifeSeconds h required): an index-like mark that lags the book. It starts at the initial mid; at
     * the start of each step, after the move and the refill, ema ← ema + α·(mid − ema) with α = 1 − 2^(−stepSeconds/h)
     * (computed on the host), and the cascade rounds of that step all use it: liquidations do not move it.
     * `oracle`: an external index, the fundamental (after the step's move) `oracleLagSeconds` ago, rounded to whole steps (absent: 0),
     * held through the step's rounds: the book's own trades never move it. `band` b (any model): every mark, at
     * the step's opening and after every round, is clamped to [oracle × (1 − b), oracle × (1 + b)], the oracle
     * lagged as above: the liquidation engine cannot push its own mark further than b from the index.
     */
    mark: { model: MarkModel; halfLifeSeconds?: number; oracleLagSeconds?: number; band?: number };
    /**
     * Lasting impact (a propagator): the displacement of the book that a step's sales and buys leave moves, for
     * `permanentShare` θ, into the book's centre for good; the rest decays with `halfLifeSeconds` h: a sale of
     * impact J leaves the price J·(θ + (1 − θ)·2^(−t/h)) away t seconds later, whatever the step length.
     */
    impact: { halfLifeSeconds: number; permanentShare: number };
  };
  /**
   * The generated population (src/engine/population.ts has the formulas). Each account: side ~ Bernoulli(longShare)
   * (its value at initialPrice), notional N ~ Pareto(min, alpha) capped at max, leverage ~ lognormal(median, sigma)
   * capped at max and at what its bracket admits; size = N / initialPrice, collateral = size × entry / leverage.
   * The realism keys, each optional (absent: today's population bit for bit):
   * - `entry` { historySeconds H, volatility σ (absent: market.price.volatility) }: positions opened over the past H
   *   seconds, so liquidation prices spread out. Each account's entry is the price at τ ~ U(0, H) before the path
   *   starts under the history GBM that ends at initialPrice P0 with no drift in price: log(entry / P0) = σ√τ·Z −
   *   σ²τ/2, Z ~ N(0, 1) (its standard deviation is √(σ²H/2 + σ⁴H²/48), H and σ in years); drawn independently per
   *   account. The bracket and leverage caps apply at the entry notional. Survivorship: a position is kept only if
   *   the price did not cross its liquidation price L (the ladder's) between entry and P0 — given both ends, with
   *   probability 1 − exp(−2·|log(entry/L)|·|log(P0/L)| / (σ²τ)) (a Brownian bridge's barrier formula) — and is
   *   redrawn otherwise (up to 64 times, then it enters at P0), so no position starts at its liquidation price.
   * - `notional.top10Share` s (≤ 0.9): the ten largest accounts are scaled by one factor so that they hold exactly s
   *   of the open interest (Σ size × initialPrice); the others keep their draws (so the open interest becomes R / (1 −
   *   s), R theirs: a third more at s = 0.3 and the defaults), the whales may exceed notional.max.
   *   A share below what the draws already give is only lowered until the whales reach the eleventh account's size.
   * - `hedgedShare` h: ⌊h × count / 2⌋ hedged pairs (hedge mode), the first accounts: a long and a short leg of equal
   *   size and one entry, each isolated with its own collateral and leverage draw, each counted as an account;
   *   longShare applies to the rest.
   * Not with positionsFile.
   *
   * `flow` (absent: nobody opens or closes during a path but by liquidation and ADL; src/engine/flow.ts has the model):
   * once per step, after the opening mark and before the cascade rounds,
   * - `closeRatePerHour` r: K ~ Poisson(N·(1 − e^(−r·stepSeconds/3600))) of the N open accounts, drawn uniformly,
   *   close their whole position by market order on the book (a long sells into the bids: de-risking in a crash adds
   *   to the selling); the P&L is realised into the trader's cash (the metric flowPnl), no fee. An account the
   *   liquidation engine holds (in auction, sliced or repaid, or across its liquidation price at the mark) cannot;
   * - `arrivalsPerHour` a: Poisson(a·stepSeconds/3600) new accounts, drawn as generated accounts are (longShare,
   *   notional, leverage; admitted against the brackets at the entry notional), sized at the step's mark and opened by
   *   market order (a long buys from the asks) at the fill's average price; the collateral they bring is money that
   *   enters the venue. They can be liquidated, deleveraged or close like any account. A path holds at most
   *   ⌈M + 8√M⌉ + 16 arrivals, M its mean: past that (probability < 1e-15) an arrival does not happen.
   * With a positions file, arrivals draw from the (default) notional and leverage keys.
   */
  accounts: {
    count: number;
    longShare: number;
    leverage: { dist: "lognormal" | "fixed"; median: number; sigma: number; max: number };
    notional: { dist: "pareto" | "fixed"; min: number; alpha: number; max: number; top10Share?: number };
    positionsFile?: string;
    resample: boolean;
    entry?: { historySeconds: number; volatility?: number };
    hedgedShare?: number;
    flow?: { closeRatePerHour?: number; arrivalsPerHour?: number };
  };
  /**
   * `model` (absent: the ladder — every account's liquidation price is computed once from the tiers and the cascade
   * walks them in order). With a model, the scan engine checks every open account every round: it is liquidated
   * (by the liquidation engine) when its equity c + s·q·(mark − entry) is ≤ its requirement at the mark:
   * - `tiers`: notional × mmr − maintenanceAmount of its bracket (what the ladder encodes, evaluated every round);
   * - `vol-scaled`: that times k = min(cap, max(floor, σ̂/σ_ref)), σ_ref = market.price.volatility per step;
   * - `risk-based`: notional × (1 − e^(−x)) for a long, notional × (e^x − 1) for a short, x = z·σ̂·√(horizonSeconds / stepSeconds),
   *   z = the normal quantile of `confidence` (method var) or `scanSigmas` (method scan: the worst of a SPAN-like
   *   grid of moves, which for a linear position is its extreme move).
   * σ̂ is an EWMA of the squared log-returns of the mark from step opening to step opening (weight on the old
   * variance 2^(−stepSeconds/halfLifeSeconds)), starting at σ_ref; the requirement reads it as refreshed every
   * updateEverySeconds (rounded to whole steps, at least one: a lag). The backstop and close-factor engines read the same requirement. The metric
   * marginHeld is the mean over steps of the requirement of every open position at the step's opening mark (NaN
   * without a model). `sizePremium` and `openInterestScaling`: dynamic initial margin (below); sizePremium also
   * raises the model's requirement.
   */
  margin: {
    mode: "isolated" | "cross";
    preset?: string;
    tiers: Tier[];
    /**
     * Where maintenance margin is measured (absent: mark): `entry` fixes it at the entry notional's bracket
     * (Bybit, BitMEX), so the liquidation price is e − s·(c − MM(q·e))/q, and the scan engine's tiers requirement
     * (plain or vol-scaled) is that MM too.
     */
    maintenanceAt?: "mark" | "entry";
    model?: "tiers" | "vol-scaled" | "risk-based";
    volatility?: { halfLifeSeconds: number; updateEverySeconds: number };
    volScaled?: { floor: number; cap: number };
    riskBased?: { method: "var" | "scan"; confidence: number; scanSigmas: number; horizonSeconds: number };
    /**
     * Position-size premium (FTX / Drift: "position IMF = max(base IMF, imfFactor × √size)"; absent: none; requires
     * `model`). Admission: a generated account's leverage is also capped at 1 / max(baseIMF, imfFactor × √q), q its
     * size in base units (notional / initialPrice), baseIMF = 1 / its bracket's max leverage (as capped by a
     * risk-based model). Maintenance: the scan engine's requirement (and so the backstop and close-factor engines')
     * becomes max(model requirement, notional × ½ × imfFactor × √q) on the current size at the mark — half the
     * size-based initial fraction, the IM = 2 × MM convention. The ladder's static prices cannot follow it: hence
     * the model. A positions file is not admitted (its accounts keep their collateral) but is held to the maintenance.
     */
    sizePremium?: { imfFactor: number };
    /**
     * Open-interest-scaled initial margin (dYdX v4 liquidity tiers; absent: none). With OI the generated population's
     * total open interest Σ notional (every account, both sides, drawn before any leverage), f = clamp((OI −
     * lowerCap) / (upperCap − lowerCap), 0, 1) and each account's initial margin fraction base + (1 − base) × f, base
     * = 1 / its bracket's max leverage: its leverage is capped at 1 / that (f = 0: the population is unchanged bit
     * for bit). Per population: once per run, or per path with accounts.resample. A positions file is not affected;
     * maintenance is unchanged. With sizePremium both caps apply.
     */
    openInterestScaling?: { lowerCap: number; upperCap: number };
  };
  liquidation: {
    engine: LiquidationEngine;
    feeRate: number;
    fee?: FeeSchedule;
    maxRoundsPerStep: number;
    /**
     * dYdX v4-style caps (absent: none), rates per second checked per step. Before each liquidation the step's
     * totals are checked: once the notional liquidated in the step has reached `notionalPerSecond` × stepSeconds, or
     * the fund has paid out `insuranceLossPerSecond` × stepSeconds in the step, no further account is liquidated in that step; it waits, still
     * under water, for the next step. The account that crosses a cap is liquidated and settled whole.
     */
    caps?: { notionalPerSecond?: number; insuranceLossPerSecond?: number };
    /**
     * engine `partial` (Hyperliquid-style; defaults threshold 100000, fraction 0.2, cooldownSeconds 0). An account
     * across its liquidation price whose notional at the mark is ≤ threshold is closed whole, as by `market`;
     * otherwise fraction × its current size is sold (bought) by market order and settled pro rata: PnL realised
     * on the slice, fee on the slice's notional, the slice's share of the collateral (fraction × collateral)
     * backs it, any deficit goes to the fund, ADL, bad debt as for a whole liquidation. The account stays open
     * with the rest of the size and collateral c + pnl − fee (or (1 − fraction) × c after a deficit); its
     * liquidation price is recomputed in its bracket. It may be sliced again once cooldownSeconds (rounded up to whole steps) have
     * passed (0: in the next cascade round of the same step). `duringCooldown` (absent: wait): `wait` leaves a
     * cooling-down account alone, still under water, until the cooldown ends; `full` (Hyperliquid: "during this
     * cooldown period, all market liquidation orders for that user will be for the entire position") closes it whole
     * in a later round (the backstop vault first, below its threshold). The scan engine (margin.model) has only `wait`.
     */
    partial?: { threshold: number; fraction: number; cooldownSeconds: number; duringCooldown?: "wait" | "full" };
    auction?: AuctionSettings;
    backstop?: BackstopSettings;
    closeFactor?: CloseFactorSettings;
  };
  /** `cap` (absent: none): the fund never holds more; fees that would push it over go to the treasury. */
  insurance: { initialBalance: number; cap?: number };
  /**
   * `trigger.fundDrawdown` d (absent: 1, ADL once the fund is empty): the fund pays deficits only down to
   * (1 − d) × its running peak in the path; the rest goes to ADL (bad debt with ranking none).
   * Rankings: `pnl-leverage` (Binance: PnL% × effective leverage), `hyperliquid` ((mark/entry) × notional/account
   * value for longs, (entry/mark) × notional/account value for shorts), `random` (dYdX), `none` (bad debt), and
   * `socialized`: no ADL; what the fund cannot pay is taken from every profitable open account of the other side
   * pro rata to its unrealised profit at the mark (at most all of it; the rest is bad debt), out of its collateral;
   * those accounts stay open with their liquidation prices recomputed. `price` (absent: bankruptcy): the price ADL'd
   * counterparties close at, the bankrupt account's bankruptcy price (Binance, Bybit, dYdX) or the mark (Hyperliquid,
   * OKX).
   */
  adl: { ranking: AdlRanking; trigger?: { fundDrawdown?: number }; price?: "bankruptcy" | "mark" };
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
