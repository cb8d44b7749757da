// The per-path record: one f64 per metric, in this order, in both engines and in paths.csv (SPEC §4).
export const METRIC_NAMES = [
  "liquidations",
  "liquidatedNotional",
  "maxRoundsInStep",
  "minPrice",
  "finalPrice",
  "maxDrawdown",
  "exogenousDrawdown",
  "amplification",
  "insuranceMin",
  "insuranceFinal",
  "badDebt",
  "adlCount",
  "adlNotional",
  "avgSlippage",
  "bookExhausted",
  "firstLiquidationStep",
  "marginHeld",
  // who paid (SPEC §4): each party's money change over the path, measured at the mark; with −badDebt they sum
  // to zero (liquidatedPnl − adlTransfer + fundNet + vaultPnl + treasury + keepersPnl + makersPnl + flowPnl − badDebt = 0)
  "liquidatedPnl",
  "adlTransfer",
  "fundNet",
  "vaultPnl",
  "treasury",
  "keepersPnl",
  "makersPnl",
  // memos, inside the rows above: fees the liquidated paid (fund, treasury), losses beyond their collateral
  "feesPaid",
  "shortfall",
  // who paid, continued (after the memos, so that the older columns keep their places): the realised P&L of the
  // traders who closed voluntarily (accounts.flow; 0 without it)
  "flowPnl",
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** f64 slots per path record. */
export const RECORD_STRIDE = METRIC_NAMES.length;

/** Index of each metric inside a record. */
export const METRIC = Object.fromEntries(METRIC_NAMES.map((name, i) => [name, i])) as Record<MetricName, number>;
