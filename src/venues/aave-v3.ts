// Aave v3 (v3.3) liquidations: health factor, how much debt one liquidationCall may repay (close factor), the collateral
// it seizes with the liquidation bonus, the protocol's fee on that bonus, the dust rule and the bad-debt deficit.
//
// Source: aave-dao/aave-v3-origin src/contracts/protocol/libraries/logic/LiquidationLogic.sol (executeLiquidationCall,
// _calculateAvailableCollateralToLiquidate, _burnDebtTokens; constants DEFAULT_LIQUIDATION_CLOSE_FACTOR = 0.5e4,
// CLOSE_FACTOR_HF_THRESHOLD = 0.95e18, MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD = 2000e8 (USD, 8 decimals),
// MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2); aave.com/docs/developers/liquidations.
// Golden values: ../shared/data/public-examples.json "aave_v3". Amounts are f64 token units, values in the base
// currency (USD); the contract's integer rounding (percentMul/percentDiv, 1 wei) is not reproduced.

export interface AaveCloseFactorRules {
  /** Share of the total debt one call may repay when the position is large and not deep underwater (0.5). */
  defaultCloseFactor: number;
  /** At or below this health factor the whole debt reserve may be repaid (0.95). */
  fullCloseHealthFactor: number;
  /** Below this collateral or debt value (base currency) the whole debt reserve may be repaid (2000 USD). */
  minBaseForCloseFactor: number;
  /** A partial liquidation must leave at least this much collateral and debt value behind (1000 USD). */
  minLeftoverBase: number;
}

/** The v3.3 constants of LiquidationLogic.sol, in USD. */
export const AAVE_V3_3_RULES: AaveCloseFactorRules = {
  defaultCloseFactor: 0.5,
  fullCloseHealthFactor: 0.95,
  minBaseForCloseFactor: 2000,
  minLeftoverBase: 1000,
};

/** A collateral reserve's value and liquidation threshold, for the health factor. */
export interface AaveCollateral {
  valueBase: number;
  liquidationThreshold: number;
}

/** HF = Σ collateral value · liquidation threshold / total debt value; +∞ without debt. Liquidatable when HF < 1. */
export function healthFactor(collaterals: readonly AaveCollateral[], totalDebtBase: number): number {
  if (!(totalDebtBase > 0)) return Infinity;
  let weighted = 0;
  for (const c of collaterals) weighted += c.valueBase * c.liquidationThreshold;
  return weighted / totalDebtBase;
}

/** What executeLiquidationCall reads about the liquidated user before repaying. */
export interface AaveUserState {
  /** Debt of the reserve being repaid, in its own units. */
  userReserveDebt: number;
  debtPrice: number;
  /** Collateral balance of the reserve being seized, in its own units. */
  userCollateralBalance: number;
  collateralPrice: number;
  /** The user's total debt over all reserves, base currency. */
  totalDebtBase: number;
  /** The user's total collateral over all reserves, base currency (to detect that nothing is left: a deficit). */
  totalCollateralBase: number;
  healthFactor: number;
}

/**
 * The most debt (debt-asset units) one call may repay: all of the reserve's debt, unless collateral and debt of the
 * reserves involved are both >= minBaseForCloseFactor and HF > fullCloseHealthFactor; then at most
 * defaultCloseFactor of the user's total debt (when the reserve's debt exceeds that).
 */
export function maxLiquidatableDebt(user: AaveUserState, rules: AaveCloseFactorRules = AAVE_V3_3_RULES): number {
  const debtBase = user.userReserveDebt * user.debtPrice;
  const collateralBase = user.userCollateralBalance * user.collateralPrice;
  if (
    collateralBase >= rules.minBaseForCloseFactor &&
    debtBase >= rules.minBaseForCloseFactor &&
    user.healthFactor > rules.fullCloseHealthFactor
  ) {
    const closeable = user.totalDebtBase * rules.defaultCloseFactor;
    if (debtBase > closeable) return closeable / user.debtPrice;
  }
  return user.userReserveDebt;
}

/** The close factor that applies: defaultCloseFactor or 1 (whole debt), by the same test as maxLiquidatableDebt. */
export function closeFactor(user: AaveUserState, rules: AaveCloseFactorRules = AAVE_V3_3_RULES): number {
  const debtBase = user.userReserveDebt * user.debtPrice;
  const collateralBase = user.userCollateralBalance * user.collateralPrice;
  const capped =
    collateralBase >= rules.minBaseForCloseFactor &&
    debtBase >= rules.minBaseForCloseFactor &&
    user.healthFactor > rules.fullCloseHealthFactor;
  return capped ? rules.defaultCloseFactor : 1;
}

export interface AaveCollateralTerms {
  /** Liquidation bonus as a multiplier, e.g. 1.05 for a 5% bonus. */
  liquidationBonus: number;
  /** Share of the bonus that goes to the protocol treasury, e.g. 0.1. */
  protocolFeeOfBonus: number;
}

export interface AaveSeizure {
  /** Collateral taken from the user: the liquidator's share plus the protocol fee. */
  collateralSeized: number;
  /** Collateral the liquidator receives (after the protocol fee). */
  collateralToLiquidator: number;
  /** Collateral sent to the treasury: protocolFeeOfBonus of the bonus part. */
  protocolFee: number;
  /** Debt actually repaid (less than asked when the collateral runs out). */
  debtRepaid: number;
}

/**
 * Collateral for `debtToCover`: base = debtToCover · debtPrice / collateralPrice, seized = base · bonus, capped at
 * the user's balance (then the debt repaid shrinks to match); the protocol takes protocolFee · (seized − seized/bonus).
 */
export function collateralToLiquidate(
  debtToCover: number,
  user: Pick<AaveUserState, "debtPrice" | "collateralPrice" | "userCollateralBalance">,
  terms: AaveCollateralTerms,
): AaveSeizure {
  const baseCollateral = (user.debtPrice * debtToCover) / user.collateralPrice;
  const maxCollateral = baseCollateral * terms.liquidationBonus;
  let collateral: number;
  let debtRepaid: number;
  if (maxCollateral > user.userCollateralBalance) {
    collateral = user.userCollateralBalance;
    debtRepaid = (user.collateralPrice * collateral) / user.debtPrice / terms.liquidationBonus;
  } else {
    collateral = maxCollateral;
    debtRepaid = debtToCover;
  }
  const bonusCollateral = collateral - collateral / terms.liquidationBonus;
  const protocolFee = bonusCollateral * terms.protocolFeeOfBonus;
  return { collateralSeized: collateral, collateralToLiquidator: collateral - protocolFee, protocolFee, debtRepaid };
}

/** Collateral value the liquidator keeps per unit of debt value repaid: bonus − (bonus − 1) · protocol fee. */
export function liquidatorReceivePerRepaid(terms: AaveCollateralTerms): number {
  return collateralToLiquidate(1, { debtPrice: 1, collateralPrice: 1, userCollateralBalance: Infinity }, terms)
    .collateralToLiquidator;
}

export type AaveLiquidationStatus = "ok" | "must-not-leave-dust";

export interface AaveLiquidation extends AaveSeizure {
  /** "must-not-leave-dust": the call reverts (MUST_NOT_LEAVE_DUST); the other fields then say what it would have done. */
  status: AaveLiquidationStatus;
  /** Debt written off as the reserve's deficit (v3.3) because the user has no collateral left; 0 otherwise. */
  deficit: number;
}

/**
 * One liquidationCall asking to repay `debtToCover`: capped by the close factor, then by the collateral balance;
 * reverts when it would leave less than minLeftoverBase of debt or of collateral without clearing either (the leftover
 * collateral is counted as in the contract: balance − collateral to the liquidator). When the seized collateral was
 * the user's last, the remaining debt of this reserve becomes a deficit (the contract also burns other reserves' debt).
 */
export function liquidationCall(
  debtToCover: number,
  user: AaveUserState,
  terms: AaveCollateralTerms,
  rules: AaveCloseFactorRules = AAVE_V3_3_RULES,
): AaveLiquidation {
  const cap = maxLiquidatableDebt(user, rules);
  const asked = debtToCover > cap ? cap : debtToCover;
  const seizure = collateralToLiquidate(asked, user, terms);
  let status: AaveLiquidationStatus = "ok";
  if (
    seizure.debtRepaid < user.userReserveDebt &&
    seizure.collateralToLiquidator + seizure.protocolFee < user.userCollateralBalance
  ) {
    const debtLeft = (user.userReserveDebt - seizure.debtRepaid) * user.debtPrice;
    const collateralLeft = (user.userCollateralBalance - seizure.collateralToLiquidator) * user.collateralPrice;
    if (!(debtLeft >= rules.minLeftoverBase && collateralLeft >= rules.minLeftoverBase)) status = "must-not-leave-dust";
  }
  const noCollateralLeft = seizure.collateralSeized * user.collateralPrice >= user.totalCollateralBase;
  const deficit = noCollateralLeft ? user.userReserveDebt - seizure.debtRepaid : 0;
  return { ...seizure, status, deficit };
}
