// Bybit inverse perpetual (coin-margined, e.g. BTCUSD: contracts are USD, margin in BTC), cross margin: bankruptcy and
// liquidation price with the fee to close counted in the margin, as Bybit's help centre prints them.
//
// Source: help.bybit.com/hc/en-us/articles/360039261334 "How to calculate Liquidation Price (Inverse Contract)",
// cross margin, buy/long:
//   Bankruptcy Price = 1.00075 · Qty / (Qty / Entry + (Balance − Order Margin))
//   Qty · (1/Entry − 1/LP) = −(Balance − Order Margin − (Qty/Entry) · MMR − Qty · 0.00075 / Bankruptcy Price)
// (0.00075 is the taker fee). Shorts mirror the signs. Worked example (../shared/data/public-examples.json
// "bybit_inverse_cross_long"): 0.5 BTC, long 10,000 contracts at 8,000, MMR 0.5% → bankruptcy 5,718.57, and the page
// states LP = 5,739.50; its own equation gives 5,739.08. This module implements the printed equation, so it returns
// 5,739.08; the 0.42 USD gap is the page's arithmetic, not the formula's (see test/config/venues.test.ts).

export interface BybitInverseCross {
  side: "long" | "short";
  /** Contracts (USD face value). */
  contracts: number;
  entryPrice: number;
  /** Account balance in the coin (BTC). */
  balance: number;
  /** Margin held by open orders, in the coin (0 when there are none). */
  orderMargin: number;
  mmr: number;
  takerFee: number;
}

/** Price at which the balance (less order margin) pays the loss and the taker fee to close at that price. */
export function bybitInverseBankruptcyPrice(p: BybitInverseCross): number {
  const free = p.balance - p.orderMargin;
  const value = p.contracts / p.entryPrice;
  return p.side === "long"
    ? ((1 + p.takerFee) * p.contracts) / (value + free)
    : ((1 - p.takerFee) * p.contracts) / (value - free);
}

/**
 * Liquidation price from the help-centre equation: the margin left equals maintenance margin at entry value
 * ((Qty/Entry) · MMR) plus the fee to close at the bankruptcy price (Qty · fee / BP).
 */
export function bybitInverseLiquidationPrice(p: BybitInverseCross): number {
  const value = p.contracts / p.entryPrice;
  const bankruptcy = bybitInverseBankruptcyPrice(p);
  const cushion = p.balance - p.orderMargin - value * p.mmr - (p.contracts * p.takerFee) / bankruptcy;
  return p.side === "long" ? p.contracts / (value + cushion) : p.contracts / (value - cushion);
}
