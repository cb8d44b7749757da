// The Sobol low-discrepancy sequence (unscrambled, Gray-code order) with the Joe–Kuo direction numbers
// (new-joe-kuo-6.21201, S. Joe and F. Y. Kuo, SIAM J. Sci. Comput. 30, 2635–2654, 2008) for up to 16
// dimensions. Point 0 is the origin, as in the published sequence and scipy's `qmc.Sobol(scramble=False)`.
// No npm package for this is maintained, and 16 rows of a table are less code to trust than a dependency.

/** Bits of each coordinate: points are exact multiples of 2^−32, and at most 2^32 − 1 of them exist. */
const BITS = 32;

/**
 * Joe–Kuo rows for dimensions 2…16: degree s of the primitive polynomial, its coefficients a (the s − 1
 * inner bits), and the initial direction numbers m₁…mₛ. Dimension 1 is the van der Corput sequence (all m = 1).
 */
const JOE_KUO: readonly { s: number; a: number; m: readonly number[] }[] = [
  { s: 1, a: 0, m: [1] },
  { s: 2, a: 1, m: [1, 3] },
  { s: 3, a: 1, m: [1, 3, 1] },
  { s: 3, a: 2, m: [1, 1, 1] },
  { s: 4, a: 1, m: [1, 1, 3, 3] },
  { s: 4, a: 4, m: [1, 3, 5, 13] },
  { s: 5, a: 2, m: [1, 1, 5, 5, 17] },
  { s: 5, a: 4, m: [1, 1, 5, 5, 5] },
  { s: 5, a: 7, m: [1, 1, 7, 11, 19] },
  { s: 5, a: 11, m: [1, 1, 5, 1, 1] },
  { s: 5, a: 13, m: [1, 1, 1, 3, 11] },
  { s: 5, a: 14, m: [1, 3, 5, 5, 31] },
  { s: 6, a: 1, m: [1, 3, 3, 9, 7, 49] },
  { s: 6, a: 13, m: [1, 1, 1, 15, 21, 21] },
  { s: 6, a: 16, m: [1, 3, 1, 13, 27, 49] },
];

/** Dimensions the embedded direction numbers cover. */
export const SOBOL_MAX_DIMENSIONS = JOE_KUO.length + 1;

/** Largest point count: coordinates have 32 bits. */
export const SOBOL_MAX_POINTS = 2 ** BITS - 1;

/** Direction numbers V[k] (as u32, already shifted to the top bits) of one dimension (0-based). */
function directionNumbers(dim: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dim === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    return v;
  }
  const { s, a, m } = JOE_KUO[dim - 1];
  for (let k = 0; k < s && k < BITS; k++) v[k] = (m[k] * 2 ** (BITS - 1 - k)) >>> 0;
  for (let k = s; k < BITS; k++) {
    let x = (v[k - s] ^ (v[k - s] >>> s)) >>> 0;
    for (let i = 1; i < s; i++) if ((a >>> (s - 1 - i)) & 1) x = (x ^ v[k - i]) >>> 0;
    v[k] = x;
  }
  return v;
}

/** Index of the lowest zero bit of a non-negative integer below 2^32. */
function lowestZeroBit(i: number): number {
  let c = 0;
  while (Math.floor(i / 2 ** c) % 2 === 1) c++;
  return c;
}

/**
 * The first `count` points of the `dimensions`-dimensional Sobol sequence, each coordinate in [0, 1).
 * Balance properties hold for counts that are powers of 2 (every dyadic interval gets its share).
 */
export function sobolPoints(count: number, dimensions: number): number[][] {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > SOBOL_MAX_DIMENSIONS) {
    throw new RangeError(`sobolPoints: dimensions must be an integer in [1, ${SOBOL_MAX_DIMENSIONS}] (received ${dimensions})`);
  }
  if (!Number.isInteger(count) || count < 0 || count > SOBOL_MAX_POINTS) {
    throw new RangeError(`sobolPoints: count must be an integer in [0, ${SOBOL_MAX_POINTS}] (received ${count})`);
  }
  const v = Array.from({ length: dimensions }, (_, d) => directionNumbers(d));
  const x = new Uint32Array(dimensions);
  const points: number[][] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      const c = lowestZeroBit(i - 1); // Gray code: point i differs from point i − 1 in one direction number
      for (let d = 0; d < dimensions; d++) x[d] = (x[d] ^ v[d][c]) >>> 0;
    }
    points.push(Array.from(x, (w) => w / 2 ** BITS));
  }
  return points;
}
