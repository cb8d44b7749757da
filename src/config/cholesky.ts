// The Cholesky factor of the markets' correlation matrix: correlated normals are x = L·z for independent z.
// Plain f64 arithmetic in a fixed order (and sqrt, which IEEE-754 rounds correctly everywhere), so a port
// gives the same factor bit for bit. It runs once per run, on the host.

/** Smallest pivot accepted: below it the matrix is treated as not positive definite (singular within rounding). */
export const MIN_PIVOT = 1e-12;

/**
 * Lower-triangular L (row-major n×n, zeros above the diagonal) with L·Lᵀ = a, for a symmetric n×n matrix a
 * (row-major); or, when a is not positive definite, the index of the row whose pivot is ≤ MIN_PIVOT.
 */
export function cholesky(a: Float64Array, n: number): Float64Array | number {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > MIN_PIVOT)) return i;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}
