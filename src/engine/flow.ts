// accounts.flow: traders who close and traders who arrive during a path. The host's half (the parameters, the size of
// the pool of dormant account slots); the model runs in src/engine/reference.ts (flowStep) and assembly/flow.ts.
//
// The model, once per step, after the step's opening mark is set (SPEC §3 step 3) and before its cascade rounds:
// 1. Closes. K ~ Poisson(N·p): N the open accounts as the step starts (the population and the arrivals so far, less the
//    closed), p = 1 − e^(−closeRatePerHour·stepSeconds/3600) the chance that one trader closes within the step. Each
//    of the K closes is a uniform draw among the open accounts (a closed one drawn is dropped from the draw and drawn
//    again). A drawn account that the liquidation engine holds (in auction, sliced or repaid in this path, or across its
//    liquidation price at the opening mark — with margin.model, equity at or below its requirement) cannot trade: its
//    close does not happen. Otherwise the whole position is closed by a market order on the book (a long sells into
//    the bids, a short buys from the asks): its P&L against the entry is realised into the trader's cash, no fee, and
//    the account is closed. A fill past the bankruptcy price (a position large for the book) leaves the trader
//    nothing; the rest is a shortfall the fund pays, then bad debt (a voluntary close is not a liquidation: no ADL).
// 2. Arrivals. A ~ Poisson(arrivalsPerHour·stepSeconds/3600). Each arrival draws its side (long with accounts.longShare),
//    notional N (accounts.notional) and leverage (accounts.leverage) as a generated account does, takes size N / the
//    step's opening mark, and opens by a market order (a long buys from the asks, a short sells into the bids) at the
//    fill's average price, which is its entry; its leverage is admitted against the brackets at the entry notional
//    (and margin.sizePremium, margin.openInterestScaling as the population's), collateral = entry notional / leverage:
//    money that enters the venue. It takes the next dormant slot, joins the accounts re-checked at their own
//    liquidation price each round (the ladder was sorted before it existed), the scan, the ADL ranking and socialised
//    loss. Not applied to arrivals: accounts.entry, notional.top10Share, hedgedShare (they shape the initial book).
// 3. The mark, unless it holds through the step (ema, oracle), is read again: the mid, or the last flow trade's price
//    (within the band, if any). Like the opening mark it is not a drawdown point by itself (minPrice, maxDrawdown
//    follow the marks after the cascade rounds and at the step's end), so that the step loop of a scenario without
//    flow is unchanged. Then the cascade rounds, and the loss allocation, as without flow.
// Voluntary closers are not liquidated traders: their P&L is the metric flowPnl (a "who paid" row), their fills are not
// liquidations (liquidations, liquidatedNotional, avgSlippage and liquidatedPnl leave them out); a loss past their
// collateral counts in shortfall (losses beyond collateral) and is paid by the fund, then bad debt.
//
// Draws are Philox counters (DOMAIN.flow, keyed by step, path and draw index: flowCounter), so a path's flows depend
// only on (seed, path) and cost O(closes + arrivals) per step, never O(accounts). The counts are Poisson by inversion,
// in chunks of mean ≤ FLOW_CHUNK (e^(−mean) stays far from underflow at any rate).
//
// Why Poisson for the closes and not Binomial(N, p): Binomial(N, p) is the exact law of N independent exponential
// closing times over a step, and Poisson(N·p) has the same mean and a variance larger by 1/(1 − p), negligible at the
// rates of a step (p ≈ 0.8% at 0.5 an hour and 60 s; the count is capped at N). In exchange one sampler serves both
// counts, by inversion in chunks at O(count) whatever N, where a binomial inversion would start from (1 − p)^N, which
// underflows at large N·p, and a robust binomial sampler (BTPE) would need log-gamma in both engines bit for bit.
//
// The pool: dormant slots after the population, activated in arrival order, invisible to every loop until active
// (they are past the ladder and past the count of active accounts). Its size is the path's mean arrivals M plus 8
// standard deviations plus 16, ⌈M + 8√M⌉ + 16: a path needs more with probability below 1e-15 at any M (computed: the
// worst case is the Gaussian 8σ tail at large M; "at least 16" instead of "+ 16" would leave 6e-9 at M ≈ 2.7, where the
// Poisson tail is far heavier than the normal one). An arrival past the pool does not happen: a documented cap rather
// than an internal error, because a run of millions of paths should not die on a 1e-15 event, and a cap keeps every
// path's records well defined and reproducible.

/** Chunks of the Poisson inversion: e^(−64) ≈ 1.6e-28 is far from underflow. */
export const FLOW_CHUNK = 64;
/** The most draws of one Poisson chunk (its CDF reaches 1 − 2^-53 long before: a guard against rounding only). */
export const FLOW_CHUNK_MAX = 1000;
/** The most dormant slots a scenario may reserve (accounts.count's own maximum). */
export const MAX_FLOW_POOL = 50_000_000;
/** Dormant slots beyond M + 8√M (see the pool, above). */
export const FLOW_POOL_MARGIN = 16;

/** Philox counter word 0 of flow draw `k` of `stream` (word 1 the path, 2 the step, 3 DOMAIN.flow). */
export const FLOW_STREAM = { closeCount: 0, arrivalCount: 1, closePick: 2, arrivalSide: 3, arrivalLeverage: 4 } as const;
/** Streams are the counter's top 3 bits: a draw index stays below 2^29 (the pool and the count are at most 5·10^7). */
export function flowCounter(stream: number, k: number): number {
  return ((stream << 29) | k) >>> 0;
}

/** The chance that one open account's trader closes within a step (1 − e^(−rate·dt), without cancellation). */
export function flowCloseProb(closeRatePerHour: number, stepSeconds: number): number {
  return closeRatePerHour > 0 ? -Math.expm1((-closeRatePerHour * stepSeconds) / 3600) : 0;
}

/** Mean arrivals per step. */
export function flowArrivalMean(arrivalsPerHour: number, stepSeconds: number): number {
  return arrivalsPerHour > 0 ? (arrivalsPerHour * stepSeconds) / 3600 : 0;
}

/** The dormant slots a path's arrivals may take: ⌈M + 8√M⌉ + 16 for M mean arrivals over the path; 0 without. */
export function flowPool(arrivalMeanPerStep: number, steps: number): number {
  const m = arrivalMeanPerStep * steps;
  if (!(m > 0)) return 0;
  return Math.ceil(m + 8 * Math.sqrt(m)) + FLOW_POOL_MARGIN;
}

/** The pool of a scenario's accounts.flow (0 without arrivals). */
export function scenarioFlowPool(s: {
  steps: number;
  stepSeconds: number;
  accounts: { flow?: { arrivalsPerHour?: number } };
}): number {
  return flowPool(flowArrivalMean(s.accounts.flow?.arrivalsPerHour ?? 0, s.stepSeconds), s.steps);
}
