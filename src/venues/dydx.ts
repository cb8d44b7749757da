// dYdX v4 liquidations: the fillable price a liquidation order may trade at, and the per-block caps on how much
// of a subaccount is liquidated and how much insurance it may cost. Pure functions in quote units (USDC), f64.
//
// Source: dydxprotocol/v4-chain protocol/x/clob/keeper/liquidations.go (GetFillablePrice,
// GetBankruptcyPriceInQuoteQuantums, GetLiquidationInsuranceFundDelta, GetMaxAndMinPositionNotionalLiquidatable,
// GetSubaccountMaxNotionalLiquidatable, GetSubaccountMaxInsuranceLost), golden cases from liquidations_test.go
// TestGetFillablePrice (transcribed in ../shared/data/public-examples.json "dydx_v4_fillable_price").
// The chain computes in big.Rat and rounds the price to a subtick afterwards; here everything is f64, so results
// agree with the chain to ~1e-12 relative before that rounding.

/** One perpetual position of a subaccount, valued at the oracle. */
export interface DydxPosition {
  /** Signed size in base units: > 0 long, < 0 short. */
  size: number;
  oraclePrice: number;
  /** Maintenance margin fraction of notional (initial margin fraction × maintenance fraction; BTC-USD: 5% × 60% = 3%). */
  maintenanceFraction: number;
}

/** The subaccount totals the formulas need: TNC (total net collateral) and TMMR (total maintenance requirement). */
export interface DydxSubaccountRisk {
  netCollateral: number;
  maintenance: number;
}

export interface DydxFillablePriceConfig {
  /** BA, `bankruptcy_adjustment_ppm` / 1e6; the chain requires BA >= 1. */
  bankruptcyAdjustment: number;
  /** SMMR, `spread_to_maintenance_margin_ratio_ppm` / 1e6; > 0. */
  spreadToMaintenanceMarginRatio: number;
}

/** PNNV: the position's net notional at the oracle (negative for a short). */
export function positionNetNotional(p: DydxPosition): number {
  return p.size * p.oraclePrice;
}

/** PMMR: the position's maintenance margin requirement (always >= 0). */
export function positionMaintenance(p: DydxPosition): number {
  return Math.abs(p.size) * p.oraclePrice * p.maintenanceFraction;
}

/** TNC = quote balance + Σ PNNV and TMMR = Σ PMMR, summed in the given order. */
export function subaccountRisk(quoteBalance: number, positions: readonly DydxPosition[]): DydxSubaccountRisk {
  let netCollateral = quoteBalance;
  let maintenance = 0;
  for (const p of positions) {
    netCollateral += positionNetNotional(p);
    maintenance += positionMaintenance(p);
  }
  return { netCollateral, maintenance };
}

/** A subaccount is liquidatable iff its maintenance requirement is non-zero and exceeds its net collateral. */
export function isLiquidatable(risk: DydxSubaccountRisk): boolean {
  return risk.maintenance > 0 && risk.netCollateral < risk.maintenance;
}

/** ABR = BA · (1 − TNC/TMMR), clamped to [0, 1]: 0 for a subaccount exactly at maintenance, 1 at or past bankruptcy (for BA = 1). */
export function adjustedBankruptcyRating(risk: DydxSubaccountRisk, bankruptcyAdjustment: number): number {
  const abr = (bankruptcyAdjustment * (risk.maintenance - risk.netCollateral)) / risk.maintenance;
  return abr < 0 ? 0 : abr > 1 ? 1 : abr;
}

/**
 * The worst price a liquidation order for `position` may fill at: FP = (PNNV − ABR · SMMR · PMMR) / PS.
 * The spread ABR·SMMR·PMMR always moves the price against the liquidated account: below the oracle for a long
 * (sold), above it for a short (bought), because PNNV and PS carry the position's sign and PMMR does not.
 * Evaluated as PNNV/PS − spread/PS and ABR as BA·(TMMR − TNC)/TMMR: the same rationals as the chain's, in the order
 * that reproduces all eight TestGetFillablePrice cases exactly in f64.
 */
export function fillablePrice(position: DydxPosition, risk: DydxSubaccountRisk, config: DydxFillablePriceConfig): number {
  const abr = adjustedBankruptcyRating(risk, config.bankruptcyAdjustment);
  const spread = abr * (config.spreadToMaintenanceMarginRatio * positionMaintenance(position));
  return positionNetNotional(position) / position.size - spread / position.size;
}

/**
 * Quote that closing `deltaSize` of the position must bring in so that the insurance fund pays nothing:
 * −DNNV − TNC · |DMMR| / TMMR (signed: > 0 when the close must receive quote, i.e. selling a long).
 * `deltaSize` has the opposite sign of the position and |deltaSize| <= |size|.
 */
export function bankruptcyQuote(position: DydxPosition, deltaSize: number, risk: DydxSubaccountRisk): number {
  const after: DydxPosition = { ...position, size: position.size + deltaSize };
  const deltaNetNotional = positionNetNotional(after) - positionNetNotional(position);
  const deltaMaintenance = positionMaintenance(after) - positionMaintenance(position);
  return -deltaNetNotional - (risk.netCollateral * Math.abs(deltaMaintenance)) / risk.maintenance;
}

/**
 * Insurance fund delta of a liquidation fill: fill quote − bankruptcy quote. A shortfall (<= 0) is paid by the fund;
 * a surplus is the liquidation fee, capped at `maxLiquidationFee` (`max_liquidation_fee_ppm` / 1e6) of |fill quote|.
 * `fillQuote` is signed like `bankruptcyQuote`: > 0 received when selling, < 0 paid when buying.
 */
export function insuranceFundDelta(fillQuote: number, bankruptcy: number, maxLiquidationFee: number): number {
  const delta = fillQuote - bankruptcy;
  if (delta <= 0) return delta;
  const cap = Math.abs(fillQuote) * maxLiquidationFee;
  return delta < cap ? delta : cap;
}

/** The liquidations config's per-block limits (`position_block_limits`, `subaccount_block_limits`), in quote units. */
export interface DydxBlockLimits {
  /** Smallest notional of a position liquidated at once (the whole position when it is smaller). */
  minPositionNotionalLiquidated: number;
  /** Largest fraction of a position liquidated in one block, in (0, 1]. */
  maxPositionPortionLiquidated: number;
  /** Largest notional liquidated from one subaccount per block. */
  maxNotionalLiquidatedPerSubaccount: number;
  /** Largest insurance fund payout for one subaccount per block. */
  maxInsuranceLostPerSubaccount: number;
}

/**
 * Notional of this position that may be liquidated now: min(position limit, what the subaccount has left this block),
 * where the position limit is max(min(minNotional, |PNNV|), |PNNV| · maxPortion).
 * `notionalLiquidatedThisBlock` is what the subaccount has already had liquidated in this block.
 */
export function maxLiquidatableNotional(
  positionNotional: number,
  limits: DydxBlockLimits,
  notionalLiquidatedThisBlock: number,
): number {
  const abs = Math.abs(positionNotional);
  const minPos = limits.minPositionNotionalLiquidated < abs ? limits.minPositionNotionalLiquidated : abs;
  const portion = abs * limits.maxPositionPortionLiquidated;
  const positionLimit = portion > minPos ? portion : minPos;
  const left = limits.maxNotionalLiquidatedPerSubaccount - notionalLiquidatedThisBlock;
  const subaccountLimit = left > 0 ? left : 0;
  return positionLimit < subaccountLimit ? positionLimit : subaccountLimit;
}

/** Whether a fill with this insurance fund delta keeps the subaccount within its per-block insurance loss limit. */
export function withinInsuranceLimit(delta: number, limits: DydxBlockLimits, insuranceLostThisBlock: number): boolean {
  return delta >= 0 || -delta <= limits.maxInsuranceLostPerSubaccount - insuranceLostThisBlock;
}
