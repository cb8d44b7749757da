// The per-path record: one f64 per metric, in this order, in both engines and in paths.csv (SPEC §4).
// Declared once in src/contract/kernel.ts (METRICS: the host's and the kernel's names); assembly/abi.ts is generated.
import { METRICS } from "../contract/kernel.js";

export { RECORD_STRIDE } from "../contract/kernel.js";

/** The first of each pair, keeping the tuple (a mapped type maps a tuple only through a type parameter). */
type FirstOfEach<T extends readonly (readonly [string, string])[]> = { readonly [I in keyof T]: T[I][0] };

/** The metrics' names in record order (the columns of paths.csv). */
export const METRIC_NAMES = METRICS.map(([name]) => name) as unknown as FirstOfEach<typeof METRICS>;

export type MetricName = (typeof METRIC_NAMES)[number];

/** Index of each metric inside a record. */
export const METRIC = Object.fromEntries(METRIC_NAMES.map((name, i) => [name, i])) as Record<MetricName, number>;
