// Hyperliquid margin: maintenance margin as half the initial margin at max leverage, and the liquidation price formula
// of its docs. The partial-liquidation and backstop rules are in partial.ts (HYPERLIQUID_PARTIAL, HYPERLIQUID_BACKSTOP).
//
// Source: hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations: "The maintenance margin is half of the initial
// margin at max leverage"; "liq_price = price − side · margin_available / position_size / (1 − l · side), where
// l = 1 / MAINTENANCE_LEVERAGE, side = 1 for long and −1 for short, margin_available (cross) = account_value −
// maintenance_margin_required, margin_available (isolated) = isolated_margin − maintenance_margin_required".
// Liquidations use the mark price and charge no clearance fee. No public numeric example: the tests check that
// equity equals maintenance margin at the returned price.

/** Maintenance margin rate: half of the initial margin rate at max leverage, 1 / (2 · maxLeverage) (BTC at 40x: 1.25%). */
export function hyperliquidMaintenanceRate(maxLeverage: number): number {
  return 1 / (2 * maxLeverage);
}

export interface HyperliquidPosition {
  side: "long" | "short";
  /** Base units, > 0. */
  size: number;
  markPrice: number;
  maxLeverage: number;
  /** Cross: account value; isolated: the position's isolated margin (both at the current mark). */
  accountValue: number;
}

/** liq_price = price − side · margin_available / size / (1 − l · side), margin_available = value − size · price · l. */
export function hyperliquidLiquidationPrice(p: HyperliquidPosition): number {
  const side = p.side === "long" ? 1 : -1;
  const l = hyperliquidMaintenanceRate(p.maxLeverage);
  const marginAvailable = p.accountValue - p.size * p.markPrice * l;
  return p.markPrice - (side * marginAvailable) / p.size / (1 - l * side);
}
