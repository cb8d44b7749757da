// HTML text helpers of report.html: escaping, and a number cell that shows the console's formatting of a value
// while keeping the exact value in `data-value` (so a reader, or the browser test, can compare it with the JSON).
import { formatPercent, formatValue, type MetricKind } from "../table.js";

type Num = number | null | undefined;

/** Text safe inside an element or a double-quoted attribute. */
export function esc(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

/** The exact value as JSON spells it (null for NaN/±Infinity, which JSON cannot hold). */
export function dataValue(x: Num): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "null" : String(x);
}

/** Attributes naming where a shown number comes from: `data-metric`, `data-stat`, … (values escaped). */
export function dataAttrs(attrs: Record<string, string | number | undefined>): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join("");
}

/** `<td class="num" data-value=…>` showing `x` formatted as the console does for its kind. */
export function numCell(
  x: Num,
  kind: MetricKind | "percent",
  attrs: Record<string, string | number | undefined> = {},
  priceDecimals = 2,
): string {
  const text = kind === "percent" ? formatPercent(x) : formatValue(x, kind, priceDecimals);
  return `<td class="num"${dataAttrs({ value: dataValue(x), kind, ...attrs })}>${esc(text)}</td>`;
}

/** A 95% interval as text: `[lo, hi]`, an unbounded end as ∞ (JSON's null). */
export function intervalText(ci: readonly Num[] | null | undefined, kind: MetricKind | "percent", priceDecimals = 2): string {
  if (!ci) return "n/a";
  const f = (x: Num, side: -1 | 1) =>
    x === null || x === undefined || !Number.isFinite(x)
      ? side < 0
        ? "−∞"
        : "∞"
      : kind === "percent"
        ? formatPercent(x)
        : formatValue(x, kind, priceDecimals);
  return `[${f(ci[0], -1)}, ${f(ci[1], 1)}]`;
}

/** An interval cell with both ends in data attributes (`data-lo`, `data-hi`). */
export function intervalCell(
  ci: readonly Num[] | null | undefined,
  kind: MetricKind | "percent",
  attrs: Record<string, string | number | undefined> = {},
  priceDecimals = 2,
): string {
  return `<td class="num ci"${dataAttrs({ lo: dataValue(ci?.[0]), hi: dataValue(ci?.[1]), kind, ...attrs })}>${esc(intervalText(ci, kind, priceDecimals))}</td>`;
}

/** A finite number or undefined (JSON's null, NaN). */
export function finite(x: unknown): number | undefined {
  return typeof x === "number" && Number.isFinite(x) ? x : undefined;
}
