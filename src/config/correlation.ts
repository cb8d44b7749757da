// `correlation` (with `markets:`): the correlation of the markets' Brownian increments, M × M. Checked for shape,
// range, symmetry, unit diagonal, then positive definiteness (its Cholesky factorisation must succeed); the engines
// take the factor L (row-major), so that market m's normal is Σ_{k≤m} L[m·M+k]·ε_k.
import { formatValue } from "./errors.js";
import { cholesky } from "./cholesky.js";

/** The identity: the default correlation of M markets (independent returns). */
export function identityCorrelation(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/** Problem lines for a correlation given for `n` markets (none when it is a valid correlation matrix). */
export function correlationProblems(c: unknown, n: number): string[] {
  const square =
    Array.isArray(c) &&
    c.length === n &&
    c.every((row) => Array.isArray(row) && row.length === n && row.every((x) => typeof x === "number"));
  if (!square) {
    return [`correlation must be a ${n}×${n} matrix of numbers, one row and column per market (received ${formatValue(c)})`];
  }
  const m = c as number[][];
  const problems: string[] = [];
  for (let i = 0; i < n; i++) {
    if (m[i][i] !== 1) problems.push(`correlation[${i}][${i}] must be 1 (received ${formatValue(m[i][i])})`);
    for (let j = 0; j < n; j++) {
      if (!(m[i][j] >= -1 && m[i][j] <= 1))
        problems.push(`correlation[${i}][${j}] must be in [-1, 1] (received ${formatValue(m[i][j])})`);
      else if (j > i && m[i][j] !== m[j][i])
        problems.push(
          `correlation[${i}][${j}] must equal correlation[${j}][${i}] (${m[j][i]}): the matrix is symmetric (received ${m[i][j]})`,
        );
    }
  }
  if (problems.length > 0) return problems;
  const result = cholesky(flatten(m), n);
  if (typeof result === "number") {
    return [
      `correlation must be positive definite (its Cholesky factorisation fails at row ${result}: a market's returns cannot be that combination of the others')`,
    ];
  }
  return [];
}

/** The lower Cholesky factor of a valid correlation matrix, row-major M × M. */
export function correlationFactor(c: readonly (readonly number[])[]): Float64Array {
  const n = c.length;
  const result = cholesky(flatten(c), n);
  if (typeof result === "number") throw new RangeError(`correlationFactor: not positive definite (row ${result})`);
  return result;
}

function flatten(c: readonly (readonly number[])[]): Float64Array {
  const n = c.length;
  const flat = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) flat[i * n + j] = c[i][j];
  return flat;
}
