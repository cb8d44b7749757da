// exp, log and the inverse normal CDF in plain f64 arithmetic: the same code as src/engine/mathfn.ts,
// so both engines agree bit for bit (the std Math functions differ in their last bits).

const INV_LN2: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const P1: f64 = 1.66666666666666019037e-1;
const P2: f64 = -2.77777777770155933842e-3;
const P3: f64 = 6.61375632143793436117e-5;
const P4: f64 = -1.65339022054652515390e-6;
const P5: f64 = 4.13813679705723846039e-8;

// @ts-ignore: decorator
@inline function pow2(k: i32): f64 {
  return reinterpret<f64>(<u64>(k + 1023) << 52);
}

/** 1.5·2^52: an integral f64 of magnitude < 2^51 plus this has that integer in its low mantissa bits. */
const ROUND_MAGIC: f64 = 6755399441055744.0;

export function exp(x: f64): f64 {
  if (x != x) return x;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019411) return 0;
  const kf = Math.floor(x * INV_LN2 + 0.5);
  const hi = x - kf * LN2_HI;
  const lo = kf * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  // k = kf as an integer, read from the bits (V8's f64→i32 conversion costs a saturation check and a
  // round trip through a scratch register with a false dependency)
  const k = <i32>reinterpret<u64>(kf + ROUND_MAGIC);
  if (k < -1021) return y * pow2(k + 1000) * pow2(-1000);
  if (k > 1023) return y * pow2(1023) * pow2(k - 1023);
  return y * pow2(k);
}

/** exp's constants at a fixed address (memory operands rather than constants rebuilt per use). */
const EXP_COEFFS = memory.data<f64>([INV_LN2, LN2_HI, LN2_LO, P1, P2, P3, P4, P5]);

/**
 * exp(x) for −708 ≤ x ≤ 709, inlined where it is hot: the same operations as exp() (whose k is then a normal
 * exponent), so the same bits; anything else goes to exp().
 */
// @ts-ignore: decorator
@inline export function expInline(x: f64): f64 {
  if (!(x >= -708 && x <= 709)) return exp(x);
  const k = EXP_COEFFS;
  const kf = Math.floor(x * load<f64>(k) + 0.5);
  const hi = x - kf * load<f64>(k, 8);
  const lo = kf * load<f64>(k, 16);
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (load<f64>(k, 24) + t * (load<f64>(k, 32) + t * (load<f64>(k, 40) + t * (load<f64>(k, 48) + t * load<f64>(k, 56)))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  // 2^k from the bits of kf + 1.5·2^52 (k + 1023 in the low bits; the shift drops the rest)
  return y * reinterpret<f64>((reinterpret<u64>(kf + ROUND_MAGIC) + 1023) << 52);
}

const TWO54: f64 = 1.8014398509481984e16;
const LG1: f64 = 6.666666666666735130e-1;
const LG2: f64 = 3.999999999940941908e-1;
const LG3: f64 = 2.857142874366239149e-1;
const LG4: f64 = 2.222219843214978396e-1;
const LG5: f64 = 1.818357216161805012e-1;
const LG6: f64 = 1.531383769920937332e-1;
const LG7: f64 = 1.479819860511658591e-1;

export function log(x: f64): f64 {
  if (!(x > 0)) return x == 0 ? -Infinity : NaN;
  if (x == Infinity) return x;
  let k: i32 = 0;
  let bits = reinterpret<u64>(x);
  let hx = <u32>(bits >> 32);
  if (hx < 0x00100000) {
    bits = reinterpret<u64>(x * TWO54);
    hx = <u32>(bits >> 32);
    k = -54;
  }
  k += <i32>(hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  const norm = reinterpret<f64>((<u64>(hx | (i ^ 0x3ff00000)) << 32) | (bits & 0xffffffff));
  k += <i32>(i >> 20);
  const f = norm - 1;
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const R = t2 + t1;
  const hfsq = 0.5 * f * f;
  const dk = <f64>k;
  return dk * LN2_HI - (hfsq - (s * (hfsq + R) + dk * LN2_LO) - f);
}

const A1: f64 = -3.969683028665376e1;
const A2: f64 = 2.209460984245205e2;
const A3: f64 = -2.759285104469687e2;
const A4: f64 = 1.38357751867269e2;
const A5: f64 = -3.066479806614716e1;
const A6: f64 = 2.506628277459239;
const B1: f64 = -5.447609879822406e1;
const B2: f64 = 1.615858368580409e2;
const B3: f64 = -1.556989798598866e2;
const B4: f64 = 6.680131188771972e1;
const B5: f64 = -1.328068155288572e1;
const C1: f64 = -7.784894002430293e-3;
const C2: f64 = -3.223964580411365e-1;
const C3: f64 = -2.400758277161838;
const C4: f64 = -2.549732539343734;
const C5: f64 = 4.374664141464968;
const C6: f64 = 2.938163982698783;
const D1: f64 = 7.784695709041462e-3;
const D2: f64 = 3.224671290700398e-1;
const D3: f64 = 2.445134137142996;
const D4: f64 = 3.754408661907416;
const P_LOW: f64 = 0.02425;
const P_HIGH: f64 = 1 - P_LOW;

/** The central coefficients at a fixed address: loaded as memory operands rather than rebuilt per use. */
const CENTRAL = memory.data<f64>([A1, A2, A3, A4, A5, A6, B1, B2, B3, B4, B5]);

/** normalInv inlined where it is hot: the central region here (same operations), the tails in normalInv(). */
// @ts-ignore: decorator
@inline export function normalInvInline(p: f64): f64 {
  if (!(p >= P_LOW && p <= P_HIGH)) return normalInv(p);
  const q = p - 0.5;
  const r = q * q;
  const c = CENTRAL;
  const num = (((((load<f64>(c) * r + load<f64>(c, 8)) * r + load<f64>(c, 16)) * r + load<f64>(c, 24)) * r + load<f64>(c, 32)) * r + load<f64>(c, 40)) * q;
  const den = ((((load<f64>(c, 48) * r + load<f64>(c, 56)) * r + load<f64>(c, 64)) * r + load<f64>(c, 72)) * r + load<f64>(c, 80)) * r + 1;
  return num / den;
}

/** Acklam's inverse normal CDF (relative error < 1.15e-9). */
export function normalInv(p: f64): f64 {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * log(p));
    return (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
  }
  if (p <= P_HIGH) {
    const q = p - 0.5;
    const r = q * q;
    return ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) / (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
  }
  const q = Math.sqrt(-2 * log(1 - p));
  return -(((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
}
