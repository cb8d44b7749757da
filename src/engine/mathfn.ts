// exp, log and the inverse normal CDF written out in plain f64 arithmetic, so that the TypeScript
// reference engine and the WASM kernel (assembly/mathfn.ts, the same code) agree bit for bit:
// Math.exp/Math.log differ in their last bits between V8, AssemblyScript's std and C's libm.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer); // little-endian: u32[0] low word, u32[1] high word

const INV_LN2 = 1.4426950408889634;
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.6533902205465251539e-6;
const P5 = 4.13813679705723846039e-8;

/** 2^k for −1022 ≤ k ≤ 1023, built from its bits. */
function pow2(k: number): number {
  u32[0] = 0;
  u32[1] = (k + 1023) << 20;
  return f64[0];
}

/** e^x (fdlibm's reduction and rational approximation; error < 1 ulp). */
export function exp(x: number): number {
  if (x !== x) return x;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019411) return 0;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const hi = x - k * LN2_HI;
  const lo = k * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  if (k < -1021) return y * pow2(k + 1000) * pow2(-1000);
  if (k > 1023) return y * pow2(1023) * pow2(k - 1023);
  return y * pow2(k);
}

const TWO54 = 1.8014398509481984e16;
const LG1 = 6.66666666666673513e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

/** Natural logarithm (fdlibm's e_log.c, one branch; error < 1 ulp). */
export function log(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return x;
  let k = 0;
  f64[0] = x;
  let hx = u32[1];
  if (hx < 0x00100000) {
    // subnormal: scale into the normal range first
    f64[0] = x * TWO54;
    hx = u32[1];
    k = -54;
  }
  k += (hx >>> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  u32[1] = hx | (i ^ 0x3ff00000); // normalise into [sqrt(2)/2, sqrt(2))
  k += i >>> 20;
  const f = f64[0] - 1;
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const R = t2 + t1;
  const hfsq = 0.5 * f * f;
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
}

// Acklam's rational approximation of the inverse normal CDF (relative error < 1.15e-9).
const A1 = -3.969683028665376e1,
  A2 = 2.209460984245205e2,
  A3 = -2.759285104469687e2;
const A4 = 1.38357751867269e2,
  A5 = -3.066479806614716e1,
  A6 = 2.506628277459239;
const B1 = -5.447609879822406e1,
  B2 = 1.615858368580409e2,
  B3 = -1.556989798598866e2;
const B4 = 6.680131188771972e1,
  B5 = -1.328068155288572e1;
const C1 = -7.784894002430293e-3,
  C2 = -3.223964580411365e-1,
  C3 = -2.400758277161838;
const C4 = -2.549732539343734,
  C5 = 4.374664141464968,
  C6 = 2.938163982698783;
const D1 = 7.784695709041462e-3,
  D2 = 3.224671290700398e-1,
  D3 = 2.445134137142996;
const D4 = 3.754408661907416;
const P_LOW = 0.02425;
const P_HIGH = 1 - P_LOW;

/** Standard normal quantile of p ∈ (0, 1). */
export function normalInv(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * log(p));
    return (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
  }
  if (p <= P_HIGH) {
    const q = p - 0.5;
    const r = q * q;
    return (
      ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) / (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1)
    );
  }
  const q = Math.sqrt(-2 * log(1 - p));
  return -(((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
}
