// Compensated summation in a fixed order, so a statistic depends only on the values and their order
// (path order for columns), never on how paths were split across threads or shards.

/**
 * Neumaier's improved Kahan–Babuška sum of `values[start..end)`, in index order.
 *
 * Error is O(ε)·Σ|x| independent of n (naive summation is O(n·ε)·Σ|x|), and unlike plain Kahan it stays
 * exact when a term is larger than the running sum: [1, 1e100, 1, −1e100] sums to 2.
 */
export function compensatedSum(values: ArrayLike<number>, start = 0, end = values.length): number {
  let sum = 0;
  let c = 0; // running compensation: the low-order bits lost so far
  for (let i = start; i < end; i++) {
    const x = values[i];
    const t = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) c += sum - t + x;
    else c += x - t + sum;
    sum = t;
  }
  return sum + c;
}

/** Neumaier sum of (values[i] − center)² over `[start, end)`, in index order (the second pass of a two-pass variance). */
export function compensatedSumSquaredDeviations(
  values: ArrayLike<number>,
  center: number,
  start = 0,
  end = values.length,
): number {
  let sum = 0;
  let c = 0;
  for (let i = start; i < end; i++) {
    const d = values[i] - center;
    const x = d * d;
    const t = sum + x;
    if (sum >= x)
      c += sum - t + x; // both terms are ≥ 0
    else c += x - t + sum;
    sum = t;
  }
  return sum + c;
}
