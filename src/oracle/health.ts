// Initial health of a cross-margin account holding quote collateral, one perp position and quote borrows, in the
// shape of Mango's health (mango-docs mango-markets/health-overview.md): Σ assets · price · asset weight −
// Σ liabilities · price · liability weight, and an account may borrow only while this stays ≥ 0.

export interface MarginWeights {
  /** Initial asset weight of the deposited collateral (1 for USDC). */
  collateralWeight: number;
  /**
   * Weight of positive unrealised perp PnL. 1 counts paper profit like cash (Mango v3 in 2022, the hole the
   * attack went through); w < 1 is a haircut; 0 counts it only once settled into cash, which never happens here.
   */
  positivePnlWeight: number;
  /** Initial liability weight of what is borrowed (≥ 1; 1 for USDC). */
  liabilityWeight: number;
}

export interface MarginAccount {
  collateral: number;
  /** Signed perp position in units: > 0 long. */
  perpSize: number;
  perpEntryPrice: number;
  /** Quote borrowed and withdrawn: a liability that is no longer on the account. */
  borrowed: number;
}

/** Unrealised perp PnL at `price`. */
export function unrealisedPnl(account: MarginAccount, price: number): number {
  return account.perpSize * (price - account.perpEntryPrice);
}

/** Initial health at `price`: losses count in full, profits at `positivePnlWeight`. */
export function initHealth(account: MarginAccount, price: number, weights: MarginWeights): number {
  const pnl = unrealisedPnl(account, price);
  const pnlValue = pnl > 0 ? pnl * weights.positivePnlWeight : pnl;
  return account.collateral * weights.collateralWeight + pnlValue - account.borrowed * weights.liabilityWeight;
}

/** Quote that can still be borrowed at `price` with initial health staying ≥ 0. */
export function borrowCapacity(account: MarginAccount, price: number, weights: MarginWeights): number {
  return Math.max(0, initHealth(account, price, weights)) / weights.liabilityWeight;
}
