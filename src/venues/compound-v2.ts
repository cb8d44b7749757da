// Compound v2 liquidations: how many cTokens a repayment seizes, the close factor that caps the repayment, and the
// protocol's share of the seized cTokens.
//
// Source: compound-finance/compound-protocol contracts/Comptroller.sol (liquidateCalculateSeizeTokens:
// seizeTokens = repay · (incentive · priceBorrowed) / (priceCollateral · exchangeRate); liquidateBorrowAllowed:
// repay <= closeFactor · borrowBalance) and contracts/CToken.sol (seizeInternal: protocolSeizeTokens =
// seizeTokens · protocolSeizeShare, added to reserves as exchangeRate · protocolSeizeTokens underlying).
// Golden rows: tests/Comptroller/liquidateCalculateAmountSeizeTest.js, transcribed in
// ../shared/data/public-examples.json "compound_v2_seize" with mainnet closeFactor 0.5, incentive 1.08,
// protocolSeizeShare 0.028. Mantissa truncation (1e-18) is not reproduced.

export interface CompoundSeizeInput {
  /** Underlying units of the borrowed asset repaid. */
  repayAmount: number;
  /** liquidationIncentive as a multiplier, e.g. 1.08. */
  liquidationIncentive: number;
  priceBorrowed: number;
  priceCollateral: number;
  /** Underlying per cToken of the collateral market. */
  exchangeRate: number;
}

/** cTokens seized: repay · (incentive · priceBorrowed) / (priceCollateral · exchangeRate), in the Comptroller's order. */
export function seizeTokens(x: CompoundSeizeInput): number {
  const numerator = x.liquidationIncentive * x.priceBorrowed;
  const denominator = x.priceCollateral * x.exchangeRate;
  return (numerator / denominator) * x.repayAmount;
}

/** The most one liquidateBorrow may repay: closeFactor · the borrower's borrow balance (else TOO_MUCH_REPAY). */
export function maxRepay(borrowBalance: number, closeFactor: number): number {
  return closeFactor * borrowBalance;
}

export interface CompoundSeizeSplit {
  /** cTokens credited to the liquidator. */
  liquidatorTokens: number;
  /** cTokens taken by the protocol (burned from supply). */
  protocolTokens: number;
  /** Underlying added to the market's reserves: exchangeRate · protocolTokens. */
  protocolUnderlying: number;
}

/** Splits seized cTokens between liquidator and protocol by protocolSeizeShare (e.g. 0.028). */
export function splitSeize(tokens: number, protocolSeizeShare: number, exchangeRate: number): CompoundSeizeSplit {
  const protocolTokens = tokens * protocolSeizeShare;
  return { liquidatorTokens: tokens - protocolTokens, protocolTokens, protocolUnderlying: exchangeRate * protocolTokens };
}
