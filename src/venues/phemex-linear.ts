// Phemex USDT-M (linear) perpetual, isolated margin: the position balance assigned at open (initial margin plus the
// fee to close at the bankruptcy price) and the liquidation price.
//
// Source: phemex.com/help-center/liq-price-for-USDTM (worked example transcribed in
// ../shared/data/public-examples.json "phemex_usdtm_isolated_long": 500 contracts × 1 at 0.4, 5x, MMR 1%,
// taker 0.06% → open value 200, assigned position balance 40.096, liquidation price ≈ 0.3232) and
// phemex.com/help-center/Order-Cost-USDT-Contract (fee to close = qty · bankruptcy price · taker fee,
// bankruptcy price = price · (1 ∓ 1/leverage)).
// The liquidation condition used here, position balance + PnL = value at LP · (MMR + taker fee) — maintenance
// margin plus the fee to close at the liquidation price — is the one that reproduces the example: with MMR alone
// the price would be 0.3230. It is an inference from the example's numbers, not a formula the page prints.

export interface PhemexIsolated {
  side: "long" | "short";
  contracts: number;
  contractSize: number;
  entryPrice: number;
  leverage: number;
  mmr: number;
  takerFee: number;
}

/** Bankruptcy price of the initial margin alone: entry · (1 ∓ 1/leverage). */
export function phemexBankruptcyPrice(p: PhemexIsolated): number {
  return p.side === "long" ? p.entryPrice * (1 - 1 / p.leverage) : p.entryPrice * (1 + 1 / p.leverage);
}

/** Assigned position balance: open value / leverage + qty · bankruptcy price · taker fee. */
export function phemexAssignedPositionBalance(p: PhemexIsolated): number {
  const qty = p.contracts * p.contractSize;
  return (qty * p.entryPrice) / p.leverage + qty * phemexBankruptcyPrice(p) * p.takerFee;
}

/** LP (long) = (open value − balance) / (qty · (1 − MMR − fee)); LP (short) = (open value + balance) / (qty · (1 + MMR + fee)). */
export function phemexLiquidationPrice(p: PhemexIsolated, positionBalance: number = phemexAssignedPositionBalance(p)): number {
  const qty = p.contracts * p.contractSize;
  const openValue = qty * p.entryPrice;
  const k = p.mmr + p.takerFee;
  return p.side === "long" ? (openValue - positionBalance) / (qty * (1 - k)) : (openValue + positionBalance) / (qty * (1 + k));
}
