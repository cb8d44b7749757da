// Philox4x32-10, counter-based: the draws for (seed, path, step, stream) are a pure function of them.
// Same algorithm as src/engine/philox.ts. The four output words land in rng0..rng3.

const M0: u64 = 0xd2511f53;
const M1: u64 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

export let rng0: u32 = 0;
export let rng1: u32 = 0;
export let rng2: u32 = 0;
export let rng3: u32 = 0;

export function philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  let x0 = c0, x1 = c1, x2 = c2, x3 = c3;
  let key0 = k0, key1 = k1;
  for (let round = 0; round < 10; round++) {
    const p0 = M0 * <u64>x0;
    const p1 = M1 * <u64>x2;
    x0 = <u32>(p1 >> 32) ^ (x1 ^ key0);
    x1 = <u32>p1;
    x2 = <u32>(p0 >> 32) ^ (x3 ^ key1);
    x3 = <u32>p0;
    key0 += W0;
    key1 += W1;
  }
  rng0 = x0;
  rng1 = x1;
  rng2 = x2;
  rng3 = x3;
}

/** A uniform in (0, 1): 52 random bits from two words, centred in its cell. */
// @ts-ignore: decorator
@inline export function uniform52(a: u32, b: u32): f64 {
  // = ((a >> 6)·2^26 + (b >> 6) + 0.5)·2^-52 exactly (the reference's expression), built from the bits:
  // 1 + m·2^-52 has m in its mantissa, and every step is exact (no int→f64 conversion, whose false
  // dependency V8 does not break)
  const m = (<u64>(a >> 6) << 26) | <u64>(b >> 6);
  return (reinterpret<f64>(0x3ff0000000000000 | m) - 1) + 1.1102230246251565e-16;
}

/** Philox4x32-10 unrolled in the caller: returns uniform52 of words 0 and 1; words 2 and 3 land in rng2, rng3. */
// @ts-ignore: decorator
@inline export function philoxUniform(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): f64 {
  let x0 = c0, x1 = c1, x2 = c2, x3 = c3;
  let key0 = k0, key1 = k1;
  let p0: u64, p1: u64;
  // 10 rounds, written out: no loop counter, no spill of the state across a back edge; x1 ^ key0 is ready
  // before the product, so xoring it first leaves one xor after the multiply on the dependency chain
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0; key0 += W0; key1 += W1;
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0; key0 += W0; key1 += W1;
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0; key0 += W0; key1 += W1;
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0; key0 += W0; key1 += W1;
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0; key0 += W0; key1 += W1;
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0; key0 += W0; key1 += W1;
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0; key0 += W0; key1 += W1;
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0; key0 += W0; key1 += W1;
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0; key0 += W0; key1 += W1;
  p0 = M0 * <u64>x0; p1 = M1 * <u64>x2; x0 = <u32>(p1 >> 32) ^ (x1 ^ key0); x1 = <u32>p1; x2 = <u32>(p0 >> 32) ^ (x3 ^ key1); x3 = <u32>p0;
  rng2 = x2;
  rng3 = x3;
  return uniform52(x0, x1);
}

/** Philox counter word 0 of accounts.flow's draw k of a stream (src/engine/flow.ts flowCounter). */
// @ts-ignore: decorator
@inline export function flowCounter(stream: u32, k: u32): u32 {
  return (stream << 29) | k;
}

/** A uniform in [0, 1) with 32 random bits. */
// @ts-ignore: decorator
@inline export function uniform32(a: u32): f64 {
  return <f64>a * 2.3283064365386963e-10;
}
