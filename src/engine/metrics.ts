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
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** f64 slots per path record. */
export const RECORD_STRIDE = METRIC_NAMES.length;

/** Index of each metric inside a record. */
export const METRIC = Object.fromEntries(METRIC_NAMES.map((name, i) => [name, i])) as Record<MetricName, number>;
