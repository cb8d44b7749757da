// Philox4x32-10 (Salmon et al., SC'11): a counter-based generator. The four output words are a pure
// function of (counter, key), so a path's draws depend only on (seed, path, step, stream), never on
// which worker ran it or in what order. Mirrored in assembly/rng.ts.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32, exactly, in f64 arithmetic. */
function mulhi(a: number, b: number): number {
  const lo = (a & 0xffff) * b; // < 2^48, exact
  const mid = (a >>> 16) * b + Math.floor(lo / 65536); // < 2^49, exact
  return Math.floor(mid / 65536) >>> 0;
}

/** Writes philox4x32-10(counter c0..c3, key k0,k1) into out[0..3]. */
export function philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  let x0 = c0 >>> 0,
    x1 = c1 >>> 0,
    x2 = c2 >>> 0,
    x3 = c3 >>> 0;
  let key0 = k0 >>> 0,
    key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/** A uniform in the open interval (0, 1): 52 random bits from two words, centred in its cell. */
export function uniform52(a: number, b: number): number {
  return ((a >>> 6) * 67108864 + (b >>> 6) + 0.5) * 2.220446049250313e-16;
}

/** A uniform in [0, 1) with 32 random bits, from one word. */
export function uniform32(a: number): number {
  return (a >>> 0) * 2.3283064365386963e-10;
}
