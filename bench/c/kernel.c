// A C port of the WASM kernel (assembly/*.ts): the same algorithm, the same f64 operations in the same order,
// the same exp/log/normalInv/Philox, so it writes the same records bit for bit. It is the native yardstick of
// the benchmarks (bench/README.md), nothing else: the product runs the WASM kernel.
//
//   gcc -O2 -ffp-contract=off -o kernel.out kernel.c -lm
//   ./kernel.out SETUP.bin SEED_LO SEED_HI FIRST COUNT REPS [RECORDS.bin]
//   ./kernel.out SETUP.bin SEED_LO SEED_HI 0 0 micro      (the micro-benchmark probes of assembly/bench.ts)
//
// contract.h (beside this file) holds the parameter slots, enums, record slots and status codes: it is generated from
// src/contract/kernel.ts with assembly/abi.ts (`npm run build:contract`), never edited by hand.
// SETUP.bin is written by bench/setup-file.mjs from an EngineSetup. Runs paths FIRST..FIRST+COUNT−1 once
// (their records are checksummed, and written to RECORDS.bin if given), then REPS timed repetitions, each on
// the next COUNT paths. Prints one JSON line: the FNV-1a 64 checksum of the first pass's record bytes and the
// CPU and wall time of each repetition.
// -ffp-contract=off: no fused multiply-add (x86-64 without -march has none anyway; this keeps it so).
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef double f64;
typedef int32_t i32;
typedef uint32_t u32;
typedef uint64_t u64;

// ---- abi.ts: the contract's names and values, generated from src/contract/kernel.ts ----
#include "contract.h"

/** JavaScript's (and WebAssembly's f64.min) Math.min: NaN wins, −0 < +0. */
static inline f64 jsmin(f64 a, f64 b) {
  if (a != a) return a;
  if (b != b) return b;
  if (a == b) return signbit(a) ? a : b;
  return a < b ? a : b;
}

static inline u64 bitsOf(f64 x) {
  u64 b;
  memcpy(&b, &x, 8);
  return b;
}

static inline f64 fromBits(u64 b) {
  f64 x;
  memcpy(&x, &b, 8);
  return x;
}

// ---- state.ts ----
static f64 params[PARAM_SLOTS];
static f64 *tierFloor, *tierMmr, *tierAmount, *tierMaxLeverage;
static f64 *bidProfile, *askProfile, *shocks, *returns_;
static i32 *accIsLong;
static f64 *accSize, *accEntry, *accCollateral, *accLiq, *accBankrupt;
static f64 *scanSQ, *scanQMmr, *scanCum;
static i32 *longOrder, *shortOrder;
static f64 *longLiq, *shortLiq;
static i32 longCount, shortCount;
static i32 *adlOrder;
static f64 *adlScore;
static f64 *records;

// Hot regions are arrays of small records, read at constant offsets (as assembly/state.ts lays them out).
enum { LADDER_STRIDE = 56, L_LIQ = 0, L_SIZE = 8, L_ENTRY = 16, L_COLL = 24, L_CASH = 32, L_ID = 40, L_DEAD = 44, L_HINT = 48 };
enum { HINT_STRIDE = 56, H_X = 0, H_EMAX = 8, H_Q = 16, H_E = 24, H_C = 32, H_ID = 40, H_DEAD = 44, H_RUNG = 48 };
static unsigned char *ladder, *adlHint;
static i32 *accLadderPos;

#define LD(T, p, off) (*(T *)((p) + (off)))
static inline unsigned char *rungOf(i32 i) { return ladder + (size_t)accLadderPos[i] * LADDER_STRIDE; }

static void *alloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return p;
}

// ---- rng.ts: Philox4x32-10 ----
static u32 rng0, rng1, rng2, rng3;

static inline void philox(u32 c0, u32 c1, u32 c2, u32 c3, u32 k0, u32 k1) {
  u32 x0 = c0, x1 = c1, x2 = c2, x3 = c3, key0 = k0, key1 = k1;
  for (int round = 0; round < 10; round++) {
    u64 p0 = (u64)0xd2511f53 * (u64)x0;
    u64 p1 = (u64)0xcd9e8d57 * (u64)x2;
    x0 = (u32)(p1 >> 32) ^ (x1 ^ key0);
    x1 = (u32)p1;
    x2 = (u32)(p0 >> 32) ^ (x3 ^ key1);
    x3 = (u32)p0;
    key0 += 0x9e3779b9u;
    key1 += 0xbb67ae85u;
  }
  rng0 = x0;
  rng1 = x1;
  rng2 = x2;
  rng3 = x3;
}

static inline f64 uniform52(u32 a, u32 b) {
  // ((a >> 6)·2^26 + (b >> 6) + 0.5)·2^-52 exactly, from the bits (as assembly/rng.ts)
  const u64 m = ((u64)(a >> 6) << 26) | (u64)(b >> 6);
  return (fromBits(0x3ff0000000000000ull | m) - 1) + 1.1102230246251565e-16;
}

#define PHILOX_ROUND                                     \
  p0 = (u64)0xd2511f53 * (u64)x0;                        \
  p1 = (u64)0xcd9e8d57 * (u64)x2;                        \
  x0 = (u32)(p1 >> 32) ^ (x1 ^ key0);                    \
  x1 = (u32)p1;                                          \
  x2 = (u32)(p0 >> 32) ^ (x3 ^ key1);                    \
  x3 = (u32)p0;                                          \
  key0 += 0x9e3779b9u;                                   \
  key1 += 0xbb67ae85u;

/** Philox4x32-10 unrolled: uniform52 of words 0 and 1; words 2 and 3 land in rng2, rng3. */
static inline f64 philoxUniform(u32 c0, u32 c1, u32 c2, u32 c3, u32 k0, u32 k1) {
  u32 x0 = c0, x1 = c1, x2 = c2, x3 = c3, key0 = k0, key1 = k1;
  u64 p0, p1;
  PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND
  PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND
  rng2 = x2;
  rng3 = x3;
  return uniform52(x0, x1);
}

static inline f64 uniform32(u32 a) { return (f64)a * 2.3283064365386963e-10; }

// ---- mathfn.ts ----
static inline f64 pow2(i32 k) {
  u64 bits = (u64)(k + 1023) << 52;
  f64 r;
  memcpy(&r, &bits, 8);
  return r;
}

static f64 exp_(f64 x) {
  if (x != x) return x;
  if (x > 709.782712893384) return INFINITY;
  if (x < -745.1332191019411) return 0;
  const f64 kf = floor(x * 1.4426950408889634 + 0.5);
  const f64 hi = x - kf * 6.93147180369123816490e-1;
  const f64 lo = kf * 1.90821492927058770002e-10;
  const f64 r = hi - lo;
  const f64 t = r * r;
  const f64 c = r - t * (1.66666666666666019037e-1 +
                         t * (-2.77777777770155933842e-3 +
                              t * (6.61375632143793436117e-5 +
                                   t * (-1.65339022054652515390e-6 + t * 4.13813679705723846039e-8))));
  const f64 y = 1 - (lo - (r * c) / (2 - c) - hi);
  const i32 k = (i32)(u32)bitsOf(kf + 6755399441055744.0);  // kf's integer from the bits (as assembly/mathfn.ts)
  if (k < -1021) return y * pow2(k + 1000) * pow2(-1000);
  if (k > 1023) return y * pow2(1023) * pow2(k - 1023);
  return y * pow2(k);
}

/** exp for −708 ≤ x ≤ 709, inline (same operations as exp_); anything else goes to exp_. */
static inline f64 expInline(f64 x) {
  if (!(x >= -708 && x <= 709)) return exp_(x);
  const f64 kf = floor(x * 1.4426950408889634 + 0.5);
  const f64 hi = x - kf * 6.93147180369123816490e-1;
  const f64 lo = kf * 1.90821492927058770002e-10;
  const f64 r = hi - lo;
  const f64 t = r * r;
  const f64 c = r - t * (1.66666666666666019037e-1 +
                         t * (-2.77777777770155933842e-3 +
                              t * (6.61375632143793436117e-5 +
                                   t * (-1.65339022054652515390e-6 + t * 4.13813679705723846039e-8))));
  const f64 y = 1 - (lo - (r * c) / (2 - c) - hi);
  return y * fromBits((bitsOf(kf + 6755399441055744.0) + 1023) << 52);
}

static f64 log_(f64 x) {
  if (!(x > 0)) return x == 0 ? -INFINITY : NAN;
  if (x == INFINITY) return x;
  i32 k = 0;
  u64 bits;
  memcpy(&bits, &x, 8);
  u32 hx = (u32)(bits >> 32);
  if (hx < 0x00100000) {
    f64 y = x * 1.8014398509481984e16;
    memcpy(&bits, &y, 8);
    hx = (u32)(bits >> 32);
    k = -54;
  }
  k += (i32)(hx >> 20) - 1023;
  hx &= 0x000fffff;
  const u32 i = (hx + 0x95f64) & 0x100000;
  u64 nbits = ((u64)(hx | (i ^ 0x3ff00000)) << 32) | (bits & 0xffffffffu);
  f64 norm;
  memcpy(&norm, &nbits, 8);
  k += (i32)(i >> 20);
  const f64 f = norm - 1;
  const f64 s = f / (2 + f);
  const f64 z = s * s;
  const f64 w = z * z;
  const f64 t1 = w * (3.999999999940941908e-1 + w * (2.222219843214978396e-1 + w * 1.531383769920937332e-1));
  const f64 t2 = z * (6.666666666666735130e-1 +
                      w * (2.857142874366239149e-1 + w * (1.818357216161805012e-1 + w * 1.479819860511658591e-1)));
  const f64 R = t2 + t1;
  const f64 hfsq = 0.5 * f * f;
  const f64 dk = (f64)k;
  return dk * 6.93147180369123816490e-1 - (hfsq - (s * (hfsq + R) + dk * 1.90821492927058770002e-10) - f);
}

static f64 normalInv(f64 p) {
  const f64 A1 = -3.969683028665376e1, A2 = 2.209460984245205e2, A3 = -2.759285104469687e2,
            A4 = 1.38357751867269e2, A5 = -3.066479806614716e1, A6 = 2.506628277459239;
  const f64 B1 = -5.447609879822406e1, B2 = 1.615858368580409e2, B3 = -1.556989798598866e2,
            B4 = 6.680131188771972e1, B5 = -1.328068155288572e1;
  const f64 C1 = -7.784894002430293e-3, C2 = -3.223964580411365e-1, C3 = -2.400758277161838,
            C4 = -2.549732539343734, C5 = 4.374664141464968, C6 = 2.938163982698783;
  const f64 D1 = 7.784695709041462e-3, D2 = 3.224671290700398e-1, D3 = 2.445134137142996,
            D4 = 3.754408661907416;
  const f64 P_LOW = 0.02425, P_HIGH = 1 - 0.02425;
  if (p < P_LOW) {
    const f64 q = sqrt(-2 * log_(p));
    return (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
  }
  if (p <= P_HIGH) {
    const f64 q = p - 0.5;
    const f64 r = q * q;
    return ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) /
           (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
  }
  const f64 q = sqrt(-2 * log_(1 - p));
  return -(((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
}

/** normalInv inline: the central region here (same operations), the tails in normalInv. */
static inline f64 normalInvInline(f64 p) {
  if (!(p >= 0.02425 && p <= 1 - 0.02425)) return normalInv(p);
  const f64 q = p - 0.5;
  const f64 r = q * q;
  return ((((((-3.969683028665376e1 * r + 2.209460984245205e2) * r + -2.759285104469687e2) * r + 1.38357751867269e2) * r +
            -3.066479806614716e1) * r + 2.506628277459239) * q) /
         (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r + -1.556989798598866e2) * r + 6.680131188771972e1) * r +
           -1.328068155288572e1) * r + 1);
}

// ---- sort.ts: heapsort of (key, id) pairs, ties by id ascending ----
static inline int after(const f64 *keys, const i32 *ids, i32 a, i32 b, int descending) {
  const f64 ka = keys[a], kb = keys[b];
  if (ka == kb) return ids[a] > ids[b];
  return descending ? ka < kb : ka > kb;
}

static inline void swap_(f64 *keys, i32 *ids, i32 a, i32 b) {
  const f64 k = keys[a];
  keys[a] = keys[b];
  keys[b] = k;
  const i32 i = ids[a];
  ids[a] = ids[b];
  ids[b] = i;
}

static void siftDownSort(f64 *keys, i32 *ids, i32 root, i32 end, int descending) {
  i32 r = root;
  for (;;) {
    i32 child = 2 * r + 1;
    if (child >= end) return;
    if (child + 1 < end && after(keys, ids, child + 1, child, descending)) child++;
    if (!after(keys, ids, child, r, descending)) return;
    swap_(keys, ids, r, child);
    r = child;
  }
}

static void sortPairs(f64 *keys, i32 *ids, i32 n, int descending) {
  for (i32 i = (n >> 1) - 1; i >= 0; i--) siftDownSort(keys, ids, i, n, descending);
  for (i32 end = n - 1; end > 0; end--) {
    swap_(keys, ids, 0, end);
    siftDownSort(keys, ids, 0, end, descending);
  }
}

// ---- margin.ts ----
static i32 tierIndex(i32 n, f64 notional) {
  i32 j = 0;
  while (j + 1 < n && notional >= tierFloor[j + 1]) j++;
  return j;
}

static f64 liquidationPrice(i32 n, f64 s, f64 q, f64 e, f64 c) {
  for (i32 j = 0; j < n; j++) {
    const f64 lp = (c + tierAmount[j] - s * q * e) / (q * tierMmr[j] - s * q);
    if (!(lp > 0)) continue;
    const f64 notional = q * lp;
    const int above = j + 1 < n ? notional < tierFloor[j + 1] : 1;
    if (notional >= tierFloor[j] && above) return lp;
  }
  return s > 0 ? 0 : INFINITY;
}

static f64 bankruptcyPrice(f64 s, f64 q, f64 e, f64 c) { return e - (s * c) / q; }

// ---- book.ts ----
// No edge, lasting impact (src/engine/book.ts explains the model). This port has no book stress: the depth scale
// is 1 and there is no spread gap, and x·1 and x − 0 are exact, so leaving them out changes no bit (main refuses
// a setup that has either).
static const i32 NO_END = 0x3fffffff;  // a side never walks past this level: keeps the loops finite
static f64 centre = 0;
static f64 perm = 0;  // the permanent impact in ticks (signed: sales push it down)
static i32 bidTop = 1, askTop = 1;
static f64 bidRem = 0, askRem = 0;
static f64 bidX0 = 0, askX0 = 0;
static f64 bidS = 0, askS = 0;  // each side's displacement taken in the path
static int bidTouched = 0, askTouched = 0;
static f64 lastPrice = 0;
static int exhausted = 0;
static i32 step = 0, epoch = 0, levels = 0;
static f64 tick = 0;
static i32 kind = 0, bidEnd = 0, askEnd = 0;
static f64 size_ = 0, decayTicks = 0, exponent = 0, saturation = 0, impactDecay = 1, permanent = 0;

static void configureBook(i32 nLevels, f64 tickSize) {
  levels = nLevels;
  tick = tickSize;
  kind = (i32)params[P_PROFILE_KIND];
  size_ = params[P_PROFILE_SIZE];
  decayTicks = params[P_PROFILE_DECAY_TICKS];
  exponent = params[P_PROFILE_EXPONENT];
  saturation = params[P_PROFILE_SATURATION];
  bidEnd = (i32)params[P_BOOK_END_BID];
  askEnd = (i32)params[P_BOOK_END_ASK];
  impactDecay = params[P_IMPACT_DECAY];
  permanent = params[P_IMPACT_PERMANENT];
}

/** Depth per tick of level k past the stored window (out of line: the window holds what most walks read). */
static __attribute__((noinline)) f64 tailDepth(i32 k) {
  const f64 x = (f64)k;
  if (kind == PROFILE_FLAT) return size_;
  if (kind == PROFILE_EXPONENTIAL) return size_ * exp_(-(x - 1) / decayTicks);
  if (kind == PROFILE_POWER) return size_ * exp_(-exponent * log_(x));
  if (kind == PROFILE_LATENT) return x < saturation ? (size_ * x) / saturation : size_;
  return 0;
}

static inline f64 bidDepth(i32 k) { return k <= levels ? bidProfile[k] : tailDepth(k); }
static inline f64 askDepth(i32 k) { return k <= levels ? askProfile[k] : tailDepth(k); }

static void newPathBook(void) {
  epoch++;
  step = 0;
  perm = 0;
  bidX0 = 0;
  askX0 = 0;
  bidS = 0;
  askS = 0;
  bidTouched = 0;
  askTouched = 0;
  exhausted = 0;
  bidTop = 1;
  bidRem = bidDepth(1);
  askTop = 1;
  askRem = askDepth(1);
}

/** The centre tick: the fundamental's tick plus the permanent impact on the tick grid, one tick or above. */
static void setCentre(f64 fundamentalTick) {
  const f64 c = fundamentalTick + floor(perm + 0.5);
  centre = c > 1 ? c : 1;
}

/** Step boundary: the permanent share of each side's impact moves into the centre, the rest decays. */
static void startStep(void) {
  const f64 theta = permanent;
  f64 xb = bidX0;
  if (bidTouched) {
    const f64 d = bidDepth(bidTop);
    xb = d > 0 ? (f64)bidTop - bidRem / d : (f64)(bidTop - 1);
    const f64 j = xb - bidX0;
    if (j > 0) bidS += j;
  }
  f64 xa = askX0;
  if (askTouched) {
    const f64 d = askDepth(askTop);
    xa = d > 0 ? (f64)askTop - askRem / d : (f64)(askTop - 1);
    const f64 j = xa - askX0;
    if (j > 0) askS += j;
  }
  xb *= impactDecay;
  xa *= impactDecay;
  perm = theta * (askS - xa - (bidS - xb));
  bidX0 = xb;
  askX0 = xa;
  bidTouched = 0;
  askTouched = 0;
  const f64 kb = floor(xb) + 1;
  bidTop = (i32)kb;
  bidRem = (kb - xb) * bidDepth(bidTop);
  const f64 ka = floor(xa) + 1;
  askTop = (i32)ka;
  askRem = (ka - xa) * askDepth(askTop);
}

/** AssemblyScript's <i32> of an f64 (wasm i32.trunc_sat_f64_s): out of range saturates, where C's cast is undefined. */
static inline i32 truncSat(f64 x) {
  if (!(x == x)) return 0;
  if (x >= 2147483647.0) return INT32_MAX;
  if (x <= -2147483648.0) return INT32_MIN;
  return (i32)x;
}

/** The last bid level with a price of one tick or more (and that the book holds). */
static inline i32 bidLimit(void) {
  const i32 fl = truncSat(centre);
  return bidEnd > 0 && bidEnd < fl ? bidEnd : fl;
}

static inline i32 askLimit(void) { return askEnd > 0 ? askEnd : NO_END; }

/** The best bid's level (limit + 1 when the book holds none). */
static i32 bidTouch(void) {
  const i32 limit = bidLimit();
  i32 k = bidTop;
  f64 r = bidRem;
  while (!(r > 0) && k <= limit) {
    k++;
    r = bidDepth(k);
  }
  return k;
}

static i32 askTouch(void) {
  const i32 limit = askLimit();
  i32 k = askTop;
  f64 r = askRem;
  while (!(r > 0) && k <= limit) {
    k++;
    r = askDepth(k);
  }
  return k;
}

static f64 mid(void) { return (centre + 1 - (f64)bidTouch() + (centre + (f64)askTouch())) * 0.5 * tick; }

/** A market sell of qty into the bids; returns the fill notional. */
static inline f64 sellBids(f64 qty) {
  const f64 c = centre, tk = tick;
  const i32 limit = bidLimit();
  f64 rem = qty, notional = 0, last = lastPrice;
  i32 k = bidTop;
  f64 r = bidRem;
  while (rem > 0) {
    if (k > limit) {
      // the book really ends here (a snapshot's last level, or a price of zero)
      const f64 edge = (c - (f64)limit) * tk;
      notional += rem * edge;
      last = edge;
      exhausted = 1;
      r = 0;
      break;
    }
    if (r > 0) {
      const f64 price = (c + 1 - (f64)k) * tk;
      last = price;
      if (r > rem) {
        r -= rem;
        notional += rem * price;
        break;
      }
      notional += r * price;
      rem -= r;
    }
    k++;
    r = bidDepth(k);
  }
  bidTop = k;
  bidRem = r;
  lastPrice = last;
  bidTouched = 1;
  return notional;
}

/** A market buy of qty from the asks; mirror of sellBids. */
static inline f64 buyAsks(f64 qty) {
  const f64 c = centre, tk = tick;
  const i32 limit = askLimit();
  f64 rem = qty, notional = 0, last = lastPrice;
  i32 k = askTop;
  f64 r = askRem;
  while (rem > 0) {
    if (k > limit) {
      const f64 edge = (c + (f64)limit + 1) * tk;
      notional += rem * edge;
      last = edge;
      exhausted = 1;
      r = 0;
      break;
    }
    if (r > 0) {
      const f64 price = (c + (f64)k) * tk;
      last = price;
      if (r > rem) {
        r -= rem;
        notional += rem * price;
        break;
      }
      notional += r * price;
      rem -= r;
    }
    k++;
    r = askDepth(k);
  }
  askTop = k;
  askRem = r;
  lastPrice = last;
  askTouched = 1;
  return notional;
}

// ---- population.ts ----
static void drawPopulation(u32 seedLo, u32 seedHi, u32 population) {
  const i32 n = (i32)params[P_ACCOUNTS];
  const f64 price = params[P_INITIAL_PRICE];
  const f64 longShare = params[P_LONG_SHARE];
  const int levFixed = params[P_LEVERAGE_DIST] == DIST_FIXED;
  const f64 median = params[P_LEVERAGE_MEDIAN];
  const f64 sigma = params[P_LEVERAGE_SIGMA];
  const f64 levMax = params[P_LEVERAGE_MAX];
  const int notFixed = params[P_NOTIONAL_DIST] == DIST_FIXED;
  const f64 nMin = params[P_NOTIONAL_MIN];
  const f64 invAlpha = 1 / params[P_NOTIONAL_ALPHA];
  const f64 nMax = params[P_NOTIONAL_MAX];
  const i32 tiers = (i32)params[P_TIER_COUNT];
  for (i32 i = 0; i < n; i++) {
    philox((u32)i, population, 0, DOMAIN_POPULATION, seedLo, seedHi);
    accIsLong[i] = uniform32(rng0) < longShare ? 1 : 0;
    f64 notional = notFixed ? nMin : nMin * exp_(-log_(uniform52(rng1, rng2)) * invAlpha);
    if (notional > nMax) notional = nMax;
    philox((u32)i, population, 1, DOMAIN_POPULATION, seedLo, seedHi);
    f64 leverage = levFixed ? median : median * exp_(sigma * normalInv(uniform52(rng0, rng1)));
    if (leverage > levMax) leverage = levMax;
    const f64 bracketMax = tierMaxLeverage[tierIndex(tiers, notional)];
    if (leverage > bracketMax) leverage = bracketMax;
    accSize[i] = notional / price;
    accEntry[i] = price;
    accCollateral[i] = notional / leverage;
  }
}

static int hintsBuilt = 0;

static void fillLadder(const i32 *order, const f64 *liq, i32 n, i32 first) {
  unsigned char *at = ladder + (size_t)first * LADDER_STRIDE;
  for (i32 r = 0; r < n; r++) {
    const i32 i = order[r];
    LD(f64, at, L_LIQ) = liq[r];
    LD(f64, at, L_SIZE) = accSize[i];
    LD(f64, at, L_ENTRY) = accEntry[i];
    LD(f64, at, L_COLL) = accCollateral[i];
    LD(i32, at, L_ID) = i;
    LD(i32, at, L_DEAD) = 0;
    LD(i32, at, L_HINT) = 0;
    accLadderPos[i] = first + r;
    at += LADDER_STRIDE;
  }
}

static void buildLadder(void) {
  const i32 n = (i32)params[P_ACCOUNTS];
  const i32 tiers = (i32)params[P_TIER_COUNT];
  i32 nl = 0, ns = 0;
  for (i32 i = 0; i < n; i++) {
    const f64 s = accIsLong[i] == 1 ? 1 : -1;
    const f64 q = accSize[i], e = accEntry[i], c = accCollateral[i];
    const f64 lp = liquidationPrice(tiers, s, q, e, c);
    accLiq[i] = lp;
    accBankrupt[i] = bankruptcyPrice(s, q, e, c);
    if (s > 0) {
      longOrder[nl] = i;
      longLiq[nl] = lp;
      nl++;
    } else {
      shortOrder[ns] = i;
      shortLiq[ns] = lp;
      ns++;
    }
  }
  sortPairs(longLiq, longOrder, nl, 1);
  sortPairs(shortLiq, shortOrder, ns, 0);
  fillLadder(longOrder, longLiq, nl, 0);
  fillLadder(shortOrder, shortLiq, ns, nl);
  longCount = nl;
  shortCount = ns;
  hintsBuilt = 0;
}

// ---- adl.ts ----
static const f64 SLACK = 1 + 1e-9;
static const f64 TINY = 1e-300;
static int hintsUsable = 0;
static int lazy = 0;
static i32 heapLen = 0, hintPos = 0, hintEnd = 0;
static f64 rankSide = 0, rankMark = 0;
static i32 adlCount = 0;
static f64 adlNotional = 0, adlOwed = 0;

static inline int before(f64 sa, i32 ia, f64 sb, i32 ib) { return sa > sb || (sa == sb && ia < ib); }

static void siftDownHeap(i32 root, i32 n) {
  i32 *ids = adlOrder;
  f64 *scores = adlScore;
  const i32 id = ids[root];
  const f64 score = scores[root];
  i32 r = root;
  for (;;) {
    i32 child = 2 * r + 1;
    if (child >= n) break;
    f64 cs = scores[child];
    i32 ci = ids[child];
    if (child + 1 < n) {
      const f64 s2 = scores[child + 1];
      const i32 i2 = ids[child + 1];
      if (before(s2, i2, cs, ci)) {
        child++;
        cs = s2;
        ci = i2;
      }
    }
    if (!before(cs, ci, score, id)) break;
    ids[r] = ci;
    scores[r] = cs;
    r = child;
  }
  ids[r] = id;
  scores[r] = score;
}

static void push(i32 id, f64 score, i32 len) {
  i32 *ids = adlOrder;
  f64 *scores = adlScore;
  i32 r = len;
  while (r > 0) {
    const i32 parent = (r - 1) >> 1;
    const f64 ps = scores[parent];
    const i32 pi = ids[parent];
    if (!before(score, id, ps, pi)) break;
    ids[r] = pi;
    scores[r] = ps;
    r = parent;
  }
  ids[r] = id;
  scores[r] = score;
}

static void popTop(i32 len) {
  const i32 n = len - 1;
  if (n > 0) {
    adlOrder[0] = adlOrder[n];
    adlScore[0] = adlScore[n];
    siftDownHeap(0, n);
  }
}

static i32 prefixLong = 0, prefixShort = 0, hintEpoch = 0;

static void buildHints(i32 nAccounts) {
  hintsBuilt = 1;
  hintEpoch = epoch;
  int usable = 1;
  for (int side = 1; side >= -1; side -= 2) {
    i32 len = 0;
    for (i32 j = 0; j < nAccounts; j++) {
      if ((accIsLong[j] == 1 ? 1 : -1) != side) continue;
      const f64 q = accSize[j], c = accCollateral[j], e = accEntry[j];
      const f64 x = q / c;
      if (!(q > 0 && c > 0 && x > 0 && x < INFINITY && fabs(e) < INFINITY && fabs(q * e) < INFINITY)) usable = 0;
      adlOrder[len] = j;
      adlScore[len] = x;
      len++;
    }
    sortPairs(adlScore, adlOrder, len, 1);
    const i32 first = side > 0 ? 0 : longCount;
    f64 emax = -INFINITY;
    for (i32 r = len - 1; r >= 0; r--) {
      const i32 j = adlOrder[r];
      const f64 e = accEntry[j];
      const f64 v = -(f64)side * e;
      if (v > emax) emax = v;
      unsigned char *at = adlHint + (size_t)(first + r) * HINT_STRIDE;
      LD(f64, at, H_X) = adlScore[r];
      LD(f64, at, H_EMAX) = emax;
      LD(f64, at, H_Q) = accSize[j];
      LD(f64, at, H_E) = e;
      LD(f64, at, H_C) = accCollateral[j];
      LD(i32, at, H_ID) = j;
      unsigned char *rung = rungOf(j);
      LD(i32, at, H_DEAD) = LD(i32, rung, L_DEAD);
      LD(i32, at, H_RUNG) = accLadderPos[j];
      LD(i32, rung, L_HINT) = first + r;
    }
  }
  hintsUsable = usable;
  prefixLong = 0;
  prefixShort = longCount;
}

static void adlRank(f64 side, f64 mark, i32 ranking, i32 nAccounts, u32 path, u32 seedLo, u32 seedHi) {
  heapLen = 0;
  rankSide = side;
  rankMark = mark;
  if (ranking == ADL_PNL_LEVERAGE && mark > 0 && mark < INFINITY) {
    if (!hintsBuilt) buildHints(nAccounts);
    if (hintsUsable) {
      lazy = 1;
      if (hintEpoch != epoch) {
        hintEpoch = epoch;
        prefixLong = 0;
        prefixShort = longCount;
      }
      const i32 end = side > 0 ? longCount : nAccounts;
      i32 pos = side > 0 ? prefixLong : prefixShort;
      unsigned char *h = adlHint + (size_t)pos * HINT_STRIDE;
      while (pos < end && LD(i32, h, H_DEAD) == epoch) {
        pos++;
        h += HINT_STRIDE;
      }
      if (side > 0)
        prefixLong = pos;
      else
        prefixShort = pos;
      hintPos = pos;
      hintEnd = end;
      return;
    }
  }
  lazy = 0;
  const i32 ep = epoch;
  const int random = ranking == ADL_RANDOM;
  i32 len = 0;
  for (i32 j = 0; j < nAccounts; j++) {
    const f64 sj = accIsLong[j] == 1 ? 1 : -1;
    if (sj != side || LD(i32, rungOf(j), L_DEAD) == ep) continue;
    const f64 q = accSize[j];
    const f64 profit = side * q * (mark - accEntry[j]);
    if (!(profit > 0)) continue;
    f64 score;
    if (random) {
      philox((u32)j, path, (u32)step, DOMAIN_ADL, seedLo, seedHi);
      score = uniform52(rng0, rng1);
    } else {
      const f64 margin = accCollateral[j];
      score = (profit / margin) * ((q * mark) / (margin + profit));
    }
    adlOrder[len] = j;
    adlScore[len] = score;
    len++;
  }
  heapLen = len;
  for (i32 r = (len >> 1) - 1; r >= 0; r--) siftDownHeap(r, len);
}

/* adl.ts consume(): the WASM kernel inlines its common case (lazy ranking, nothing queued) into the round and
   keeps the rest out of line (consumeQueued), which V8 compiles better; gcc does better with this one function
   inlined whole. Same operations in the same order either way. */
static inline f64 adlConsume(f64 deficit, f64 makersIn) {
  const f64 side = rankSide, mark = rankMark;
  const i32 ep = epoch;
  unsigned char *rungs = ladder, *hints = adlHint;
  f64 mk = makersIn, notional = adlNotional, d = deficit;
  i32 count = 0;
  i32 len = heapLen;
  if (lazy) {
    const f64 sm = side * mark;
    const i32 end = hintEnd;
    i32 pos = hintPos;
    while (d > 0) {
      unsigned char *h;
      if (len == 0) {
        if (pos >= end) break;
        h = hints + (size_t)pos * HINT_STRIDE;
        pos++;
        if (LD(i32, h, H_DEAD) == ep) continue;
        const f64 q = LD(f64, h, H_Q), c = LD(f64, h, H_C);
        const f64 profit = side * q * (mark - LD(f64, h, H_E));
        if (!(profit > 0)) continue;
        if (pos < end) {
          const f64 u = sm + LD(f64, h, HINT_STRIDE + H_EMAX);
          if (u > 0) {
            const f64 x = LD(f64, h, HINT_STRIDE + H_X);
            const f64 lhs = profit * (q * mark) * (1 + x * u);
            const f64 rhs = mark * x * x * u * (c * (c + profit));
            if (!(rhs > 1e-200 && lhs < 1e200 && lhs > rhs * SLACK)) {
              push(LD(i32, h, H_ID), (profit / c) * ((q * mark) / (c + profit)), len);
              len++;
              continue;
            }
          } else
            pos = end;
        }
      } else {
        if (pos < end) {
          unsigned char *hp = hints + (size_t)pos * HINT_STRIDE;
          const f64 u = sm + LD(f64, hp, H_EMAX);
          if (u > 0) {
            const f64 x = LD(f64, hp, H_X);
            if (!(adlScore[0] * (1 + x * u) > mark * x * x * u * SLACK + TINY)) {
              pos++;
              if (LD(i32, hp, H_DEAD) == ep) continue;
              const f64 q = LD(f64, hp, H_Q), c = LD(f64, hp, H_C);
              const f64 profit = side * q * (mark - LD(f64, hp, H_E));
              if (!(profit > 0)) continue;
              push(LD(i32, hp, H_ID), (profit / c) * ((q * mark) / (c + profit)), len);
              len++;
              continue;
            }
          } else
            pos = end;
        }
        const i32 j = adlOrder[0];
        popTop(len);
        len--;
        h = hints + (size_t)LD(i32, rungOf(j), L_HINT) * HINT_STRIDE;
        if (LD(i32, h, H_DEAD) == ep) continue;
      }
      const f64 q = LD(f64, h, H_Q);
      const f64 profit = side * q * (mark - LD(f64, h, H_E));
      mk -= profit;
      const f64 haircut = jsmin(d, profit);
      unsigned char *rung = rungs + (size_t)LD(i32, h, H_RUNG) * LADDER_STRIDE;
      LD(f64, rung, L_CASH) = LD(f64, h, H_C) + profit - haircut;
      LD(i32, rung, L_DEAD) = ep;
      LD(i32, h, H_DEAD) = ep;
      d -= haircut;
      count++;
      notional += q * mark;
    }
    hintPos = pos;
  } else {
    while (d > 0 && len > 0) {
      const i32 j = adlOrder[0];
      popTop(len);
      len--;
      unsigned char *rung = rungOf(j);
      if (LD(i32, rung, L_DEAD) == ep) continue;
      const f64 q = accSize[j];
      const f64 profit = side * q * (mark - accEntry[j]);
      mk -= profit;
      const f64 haircut = jsmin(d, profit);
      LD(f64, rung, L_CASH) = accCollateral[j] + profit - haircut;
      LD(i32, rung, L_DEAD) = ep;
      LD(i32, hints + (size_t)LD(i32, rung, L_HINT) * HINT_STRIDE, H_DEAD) = ep;
      d -= haircut;
      count++;
      notional += q * mark;
    }
  }
  heapLen = len;
  adlCount += count;
  adlNotional = notional;
  adlOwed = d;
  return mk;
}

// ---- cascade.ts ----
static u32 seedLo_ = 0, seedHi_ = 0, path_ = 0;
static i32 round_ = 0, adlRound = -1;
static f64 adlSide = 0;
static f64 insurance = 0, insuranceMin = 0, makers = 0, badDebt = 0, liquidatedNotional = 0;
static i32 liquidations = 0;
static f64 slipValue = 0, markedValue = 0, feeRate = 0;
/* who paid (assembly/cascade.ts): the liquidated traders' money change, the fees they paid, losses beyond collateral */
static f64 liquidatedPnl = 0, feesPaid = 0, shortfall = 0;
static i32 adlRanking = 0, longCursor = 0, shortCursor = 0;

static inline f64 autoDeleverage(f64 side, f64 deficit, f64 mark, f64 mk) {
  if (adlRound != round_ || adlSide != side) {
    adlRank(side, mark, adlRanking, (i32)params[P_ACCOUNTS], path_, seedLo_, seedHi_);
    adlRound = round_;
    adlSide = side;
  }
  return adlConsume(deficit, mk);
}

/* One cascade round on one side (assembly/cascade.ts liquidateLongs / liquidateShorts). The WASM kernel fills
   every crossing account first and settles them after, in two loops (V8 allocates registers better for two
   small loops); gcc does better with the single loop below. Same operations in the same order either way:
   settlement never touches the book or this side's accounts. */
#define LIQUIDATE_SIDE(NAME, RUNGS, COUNT, CURSOR, CROSS, FILL, PNL, SLIP, ADL_SIDE)                               \
  static i32 NAME(f64 mark) {                                                                                        \
    unsigned char *rungs = RUNGS, *hints = adlHint;                                                                  \
    const i32 count = COUNT, ep = epoch;                                                                             \
    const f64 fee = feeRate;                                                                                         \
    const int withAdl = adlRanking != ADL_NONE;                                                                      \
    i32 cursor = CURSOR;                                                                                             \
    f64 mk = makers, ins = insurance, liqNotional = liquidatedNotional, slip = slipValue, marked = markedValue;      \
    f64 lost = liquidatedPnl, fees = feesPaid, shortf = shortfall;                                                   \
    i32 done = 0;                                                                                                    \
    unsigned char *rung = rungs + (size_t)cursor * LADDER_STRIDE;                                                    \
    while (cursor < count && LD(f64, rung, L_LIQ) CROSS mark) {                                                      \
      unsigned char *r = rung;                                                                                       \
      cursor++;                                                                                                      \
      rung += LADDER_STRIDE;                                                                                         \
      if (LD(i32, r, L_DEAD) == ep) continue;                                                                        \
      const f64 q = LD(f64, r, L_SIZE);                                                                              \
      const f64 notional = FILL(q);                                                                                  \
      const f64 pnl = PNL;                                                                                           \
      mk -= pnl;                                                                                                     \
      const f64 coll = LD(f64, r, L_COLL);                                                                           \
      const f64 remaining = coll + pnl;                                                                              \
      liqNotional += notional;                                                                                       \
      slip += SLIP;                                                                                                  \
      marked += q * mark;                                                                                            \
      LD(i32, r, L_DEAD) = ep;                                                                                       \
      LD(i32, hints + (size_t)LD(i32, r, L_HINT) * HINT_STRIDE, H_DEAD) = ep;                                        \
      done++;                                                                                                        \
      if (remaining >= 0) {                                                                                          \
        const f64 f = jsmin(fee * notional, remaining);                                                              \
        LD(f64, r, L_CASH) = remaining - f;                                                                          \
        lost += pnl - f;                                                                                             \
        fees += f;                                                                                                   \
        ins += f;                                                                                                    \
        continue;                                                                                                    \
      }                                                                                                              \
      LD(f64, r, L_CASH) = 0;                                                                                        \
      lost -= coll;                                                                                                  \
      f64 deficit = -remaining;                                                                                      \
      shortf += deficit;                                                                                             \
      const f64 paid = jsmin(deficit, ins);                                                                          \
      ins -= paid;                                                                                                   \
      deficit -= paid;                                                                                               \
      if (ins < insuranceMin) insuranceMin = ins;                                                                    \
      if (deficit > 0 && withAdl) {                                                                                  \
        mk = autoDeleverage(ADL_SIDE, deficit, mark, mk);                                                            \
        deficit = adlOwed;                                                                                           \
      }                                                                                                              \
      if (deficit > 0) badDebt += deficit;                                                                           \
    }                                                                                                                \
    CURSOR = cursor;                                                                                                 \
    makers = mk;                                                                                                     \
    insurance = ins;                                                                                                 \
    liquidations += done;                                                                                            \
    liquidatedNotional = liqNotional;                                                                                \
    slipValue = slip;                                                                                                \
    markedValue = marked;                                                                                            \
    liquidatedPnl = lost;                                                                                            \
    feesPaid = fees;                                                                                                 \
    shortfall = shortf;                                                                                              \
    return done;                                                                                                     \
  }


LIQUIDATE_SIDE(liquidateLongs, ladder, longCount, longCursor, >=, sellBids, notional - q * LD(f64, r, L_ENTRY),
               q * mark - notional, -1)
LIQUIDATE_SIDE(liquidateShorts, ladder + (size_t)longCount * LADDER_STRIDE, shortCount, shortCursor, <=, buyAsks,
               -(notional - q * LD(f64, r, L_ENTRY)), -(q * mark - notional), 1)

static f64 amplification(f64 maxDrawdown, f64 exoDrawdown, f64 oneTick) {
  if (maxDrawdown == 0 && exoDrawdown == 0) return 1;
  return maxDrawdown / (exoDrawdown > oneTick ? exoDrawdown : oneTick);
}

/** The Merton jump part of step t's log-return (out of line). */
static __attribute__((noinline)) f64 mertonJumps(f64 r0, i32 t, u32 p, f64 noJumpProb, f64 lambdaDt, f64 jumpMean,
                                                 f64 jumpStd) {
  f64 r = r0;
  const f64 u = uniform52(rng2, rng3);
  i32 jumps = 0;
  f64 prob = noJumpProb;
  f64 cdf = prob;
  while (u > cdf && jumps < 100) {
    jumps++;
    prob = (prob * lambdaDt) / (f64)jumps;
    cdf += prob;
  }
  if (jumps > 0) {
    philox((u32)t, p, 1, DOMAIN_MARKET, seedLo_, seedHi_);
    const f64 nj = (f64)jumps;
    r += nj * jumpMean + sqrt(nj) * jumpStd * normalInv(uniform52(rng0, rng1));
  }
  return r;
}

static void runPath(u32 p, i32 at) {
  const i32 steps = (i32)params[P_STEPS];
  const f64 tk = params[P_TICK];
  const i32 model = (i32)params[P_PRICE_MODEL];
  const int markMid = (i32)params[P_MARK_MODEL] == MARK_MID;
  const i32 maxRounds = (i32)params[P_MAX_ROUNDS];
  const f64 dt = params[P_STEP_SECONDS] / SECONDS_PER_YEAR;
  const f64 vol = params[P_VOLATILITY];
  const f64 muDt = (params[P_DRIFT] - 0.5 * vol * vol) * dt;
  const f64 sigDt = vol * sqrt(dt);
  const f64 lambdaDt = params[P_JUMP_INTENSITY] * dt;
  const f64 noJumpProb = exp_(-lambdaDt);
  const f64 jumpMean = params[P_JUMP_MEAN];
  const f64 jumpStd = params[P_JUMP_STD];
  const i32 nReturns = (i32)params[P_RETURNS_COUNT];
  feeRate = params[P_FEE_RATE];
  adlRanking = (i32)params[P_ADL_RANKING];

  path_ = p;
  newPathBook();
  round_ = 0;
  adlRound = -1;
  insurance = params[P_INSURANCE];
  insuranceMin = insurance;
  makers = 0;
  badDebt = 0;
  liquidatedPnl = 0;
  feesPaid = 0;
  shortfall = 0;
  liquidations = 0;
  liquidatedNotional = 0;
  slipValue = 0;
  markedValue = 0;
  adlCount = 0;
  adlNotional = 0;
  longCursor = 0;
  shortCursor = 0;
  i32 firstLiquidationStep = -1;
  i32 maxRoundsInStep = 0;

  const u32 sLo = seedLo_, sHi = seedHi_;
  f64 fundamental = params[P_INITIAL_PRICE];
  const f64 c0 = floor(fundamental / tk + 1e-7);
  const f64 fTick0 = c0 > 1 ? c0 : 1;
  setCentre(fTick0);
  f64 mark = mid();
  f64 minPrice = mark;
  f64 markPeak = mark;
  f64 maxDrawdown = 0;
  f64 exoPeak = (fTick0 + 0.5) * tk;
  f64 exoDrawdown = 0;
  f64 exoBestNum = 0, markBestNum = 0;
  const u64 tickBits = bitsOf(tk);
  const i32 tickExp = (i32)(tickBits >> 52) & 0x7ff;
  const int tickPow2 = (tickBits & 0x000fffffffffffffull) == 0 && tickExp > 0 && tickExp < 0x7ff;
  const f64 invTick = 1 / tk;

  for (i32 t = 1; t <= steps; t++) {
    step = t;
    if (model != PRICE_NONE) {
      f64 r = 0;
      if (model == PRICE_REPLAY) {
        if (nReturns >= steps)
          r = returns_[t - 1];
        else {
          philox((u32)t, p, 0, DOMAIN_MARKET, sLo, sHi);
          r = returns_[(i32)floor(uniform52(rng0, rng1) * (f64)nReturns)];
        }
      } else {
        r = muDt + sigDt * normalInvInline(philoxUniform((u32)t, p, 0, DOMAIN_MARKET, sLo, sHi));
        if (model == PRICE_MERTON) r = mertonJumps(r, t, p, noJumpProb, lambdaDt, jumpMean, jumpStd);
      }
      fundamental = fundamental * expInline(r);
    }
    const f64 shock = shocks[t];
    if (shock != 0) fundamental = fundamental * (1 + shock);
    // the last step's impact: its permanent share moves the centre, the rest decays; the book is centred on the
    // fundamental's tick plus the permanent impact
    startStep();
    const f64 c = floor((tickPow2 ? fundamental * invTick : fundamental / tk) + 1e-7);
    const f64 fTick = c > 1 ? c : 1;
    setCentre(fTick);
    const f64 exo = (fTick + 0.5) * tk;
    if (exo > exoPeak) {
      exoPeak = exo;
      exoBestNum = 0;
    }
    const f64 exoNum = exoPeak - exo;
    if (exoNum > exoBestNum) {
      exoBestNum = exoNum;
      const f64 exoDd = exoNum / exoPeak;
      if (exoDd > exoDrawdown) exoDrawdown = exoDd;
    }

    mark = mid();

    i32 rounds = 0;
    while (rounds < maxRounds) {
      i32 n = 0;
      round_++;
      if (longCursor < longCount && longLiq[longCursor] >= mark) n += liquidateLongs(mark);
      if (shortCursor < shortCount && shortLiq[shortCursor] <= mark) n += liquidateShorts(mark);
      if (n == 0) break;
      rounds++;
      if (firstLiquidationStep < 0) firstLiquidationStep = t;
      mark = markMid ? mid() : lastPrice;
      if (mark < minPrice) minPrice = mark;
      if (mark > markPeak) {
        markPeak = mark;
        markBestNum = 0;
      }
      const f64 num = markPeak - mark;
      if (num > markBestNum) {
        markBestNum = num;
        const f64 dd = num / markPeak;
        if (dd > maxDrawdown) maxDrawdown = dd;
      }
    }
    if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
    if (mark < minPrice) minPrice = mark;
    if (mark > markPeak) {
      markPeak = mark;
      markBestNum = 0;
    }
    const f64 num = markPeak - mark;
    if (num > markBestNum) {
      markBestNum = num;
      const f64 dd = num / markPeak;
      if (dd > maxDrawdown) maxDrawdown = dd;
    }
  }

  f64 *rec = records + at;
  rec[R_LIQUIDATIONS] = (f64)liquidations;
  rec[R_LIQUIDATED_NOTIONAL] = liquidatedNotional;
  rec[R_MAX_ROUNDS] = (f64)maxRoundsInStep;
  rec[R_MIN_PRICE] = minPrice;
  rec[R_FINAL_PRICE] = mark;
  rec[R_MAX_DRAWDOWN] = maxDrawdown;
  rec[R_EXO_DRAWDOWN] = exoDrawdown;
  rec[R_AMPLIFICATION] = amplification(maxDrawdown, exoDrawdown, tk / params[P_INITIAL_PRICE]);
  rec[R_INSURANCE_MIN] = insuranceMin;
  rec[R_INSURANCE_FINAL] = insurance;
  rec[R_BAD_DEBT] = badDebt;
  rec[R_ADL_COUNT] = (f64)adlCount;
  rec[R_ADL_NOTIONAL] = adlNotional;
  rec[R_AVG_SLIPPAGE] = markedValue > 0 ? slipValue / markedValue : 0;
  rec[R_BOOK_EXHAUSTED] = exhausted ? 1 : 0;
  rec[R_FIRST_LIQUIDATION_STEP] = (f64)firstLiquidationStep;
  rec[R_MARGIN_HELD] = NAN; /* the ladder computes no requirement totals (margin.model is the scan engine's) */
  /* who paid: the port has no vault, keepers, treasury or ADL after the cascade (the bench runs adl none) */
  rec[R_LIQUIDATED_PNL] = liquidatedPnl;
  rec[R_ADL_TRANSFER] = 0;
  rec[R_FUND_NET] = insurance - params[P_INSURANCE];
  rec[R_VAULT_PNL] = 0;
  rec[R_TREASURY] = 0;
  rec[R_KEEPERS_PNL] = 0;
  rec[R_MAKERS_PNL] = makers - 0 + (0 + 0); /* the kernel's makers − keepers + (adlPnl + adlTransfer), all 0 here */
  rec[R_FEES_PAID] = feesPaid;
  rec[R_SHORTFALL] = shortfall;
  rec[R_FLOW_PNL] = 0; /* accounts.flow is not ported (refused at load) */
}

// ---- index.ts: prepare and runPaths ----
static u32 runSeedLo = 0, runSeedHi = 0;

static void prepare(u32 seedLo, u32 seedHi) {
  configureBook((i32)params[P_LEVELS], params[P_TICK]);
  seedLo_ = seedLo;
  seedHi_ = seedHi;
  runSeedLo = seedLo;
  runSeedHi = seedHi;
  if (params[P_RESAMPLE] == 1) return;
  if (params[P_ACCOUNTS_FROM_FILE] != 1) drawPopulation(seedLo, seedHi, 0);
  buildLadder();
}

static void runPaths(u32 first, i32 count) {
  const int resample = params[P_RESAMPLE] == 1;
  for (i32 i = 0; i < count; i++) {
    const u32 p = first + (u32)i;
    if (resample) {
      drawPopulation(runSeedLo, runSeedHi, p + 1);
      buildLadder();
    }
    runPath(p, i * RECORD_STRIDE);
  }
}

static f64 now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (f64)ts.tv_sec * 1e9 + (f64)ts.tv_nsec;
}

// ---- bench.ts: the micro-benchmark probes, same loops ----
static f64 benchNormal(i32 n, u32 seedLo, u32 seedHi) {
  f64 sum = 0;
  for (i32 i = 0; i < n; i++) sum += normalInvInline(philoxUniform((u32)i, 7, 0, DOMAIN_MARKET, seedLo, seedHi));
  return sum;
}

/* The WASM probe uses f64x2 lanes; gcc -O2 (no -march) vectorises this loop with SSE2 itself or not at all. */
static void scanInputs(i32 n) {
  const i32 tiers = (i32)params[P_TIER_COUNT];
  for (i32 i = 0; i < n; i++) {
    const f64 s = accIsLong[i] == 1 ? 1 : -1;
    const f64 q = accSize[i];
    const i32 tier = tierIndex(tiers, q * accEntry[i]);
    scanSQ[i] = s * q;
    scanQMmr[i] = q * tierMmr[tier];
    scanCum[i] = tierAmount[tier];
  }
}

static i32 benchScan(f64 mark, i32 reps) {
  const i32 n = (i32)params[P_ACCOUNTS];
  i32 count = 0;
  for (i32 r = 0; r < reps; r++) {
    count = 0;
    for (i32 i = 0; i < n; i++) {
      const f64 equity = accCollateral[i] + scanSQ[i] * (mark - accEntry[i]);
      count += equity < scanQMmr[i] * mark - scanCum[i];
    }
  }
  return count;
}

static f64 benchWalk(i32 reps) {
  const i32 n = levels;
  f64 total = 0;
  for (i32 k = 1; k <= n; k++) total += bidProfile[k];
  f64 walked = 0;
  for (i32 r = 0; r < reps; r++) {
    newPathBook();
    setCentre(floor(params[P_INITIAL_PRICE] / tick + 1e-7));
    step = 1;
    sellBids(total);
    walked += (f64)n;
  }
  return walked;
}

/** `micro` mode: the probes timed (median of 9 repetitions of CPU time), one JSON line. */
static int micro(void) {
  f64 t[9], sink = 0;
  const i32 nDraws = 1000000, nScan = 200, nWalk = 200;
  const i32 accounts = (i32)params[P_ACCOUNTS];
  scanInputs(accounts);
  f64 res[3];
  for (int which = 0; which < 3; which++) {
    for (int r = 0; r < 9; r++) {
      const f64 c0 = now(CLOCK_PROCESS_CPUTIME_ID);
      f64 units;
      if (which == 0) {
        sink += benchNormal(nDraws, 42, 0);
        units = nDraws;
      } else if (which == 1) {
        sink += benchScan(params[P_INITIAL_PRICE] * 0.92, nScan);
        units = (f64)accounts * nScan;
      } else {
        units = benchWalk(nWalk);
      }
      t[r] = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / units;
    }
    for (int a = 1; a < 9; a++)
      for (int b = a; b > 0 && t[b] < t[b - 1]; b--) {
        const f64 x = t[b];
        t[b] = t[b - 1];
        t[b - 1] = x;
      }
    res[which] = t[4];
  }
  printf("{\"normalDrawNs\":%.3f,\"marginScanNsPerAccount\":%.4f,\"bookWalkNsPerLevel\":%.3f,\"sink\":%.1f}\n", res[0], res[1],
         res[2], sink);
  return 0;
}

// ---- the setup file and the driver ----
static FILE *setupFile;

static void readInto(void *dst, size_t size, size_t n) {
  if (n && fread(dst, size, n, setupFile) != n) {
    fprintf(stderr, "kernel: the setup file is truncated\n");
    exit(2);
  }
}

static f64 *readF64(size_t n) {
  f64 *a = alloc(n, sizeof(f64));
  readInto(a, sizeof(f64), n);
  return a;
}


int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: kernel SETUP.bin SEED_LO SEED_HI FIRST COUNT REPS [RECORDS.bin]\n");
    return 2;
  }
  setupFile = fopen(argv[1], "rb");
  if (!setupFile) {
    fprintf(stderr, "kernel: cannot open %s\n", argv[1]);
    return 2;
  }
  char magic[4];
  readInto(magic, 1, 4);
  if (memcmp(magic, "MCS2", 4) != 0) {
    fprintf(stderr, "kernel: %s is not a setup file (magic MCS2)\n", argv[1]);
    return 2;
  }
  // tiers, profile length (levels + 1), shocks length (steps + 1), returns, accounts in file, parameter slots
  u32 counts[6];
  readInto(counts, 4, 6);
  if (counts[5] != PARAM_SLOTS) {
    fprintf(stderr, "kernel: the setup has %u parameter slots, this build reads %d (bench/c/contract.h is stale: npm run build)\n",
            counts[5], PARAM_SLOTS);
    return 2;
  }
  readInto(params, sizeof(f64), PARAM_SLOTS);
  // this port has none of the settlement mechanisms (per-step caps, fund cap, drawdown ADL trigger)
  if (params[P_CAP_NOTIONAL] != INFINITY || params[P_CAP_INSURANCE_LOSS] != INFINITY || params[P_INSURANCE_CAP] != INFINITY ||
      params[P_FUND_DRAWDOWN] != 1) {
    fprintf(stderr, "kernel: liquidation.caps, insurance.cap and adl.trigger are not ported to C\n");
    return 2;
  }
  // nor accounts.flow (voluntary closes and arrivals run on the per-account engine, which this port does not have)
  if (params[P_FLOW_CLOSE_PROB] > 0 || params[P_FLOW_ARRIVAL_MEAN] > 0) {
    fprintf(stderr, "kernel: accounts.flow is not ported to C\n");
    return 2;
  }
  // nor liquidity under stress (the book port keeps depth scale 1 and no spread gap)
  if (params[P_STRESS_WITHDRAWAL] > 0 || params[P_SPREAD_WIDENING] > 0) {
    fprintf(stderr, "kernel: market.book.stress is not ported to C\n");
    return 2;
  }
  const u32 tiers = counts[0], profileLen = counts[1], shocksLen = counts[2], nReturns = counts[3];
  const u32 fileAccounts = counts[4];
  tierFloor = readF64(tiers);
  tierMmr = readF64(tiers);
  tierAmount = readF64(tiers);
  tierMaxLeverage = readF64(tiers);
  // levels 0..levels: the stored window (past it the book reads tailDepth)
  bidProfile = readF64(profileLen);
  askProfile = readF64(profileLen);
  shocks = readF64(shocksLen);
  returns_ = readF64(nReturns > 0 ? nReturns : 1);
  const i32 n = (i32)params[P_ACCOUNTS];
  const i32 steps = (i32)params[P_STEPS];
  accIsLong = alloc(n, sizeof(i32));
  accSize = alloc(n, sizeof(f64));
  accEntry = alloc(n, sizeof(f64));
  accCollateral = alloc(n, sizeof(f64));
  if (fileAccounts) {
    readInto(accIsLong, sizeof(i32), n);
    readInto(accSize, sizeof(f64), n);
    readInto(accEntry, sizeof(f64), n);
    readInto(accCollateral, sizeof(f64), n);
  }
  fclose(setupFile);
  accLiq = alloc(n, sizeof(f64));
  scanSQ = alloc(n, sizeof(f64));
  scanQMmr = alloc(n, sizeof(f64));
  scanCum = alloc(n, sizeof(f64));
  accBankrupt = alloc(n, sizeof(f64));
  longOrder = alloc(n, sizeof(i32));
  shortOrder = alloc(n, sizeof(i32));
  longLiq = alloc(n, sizeof(f64));
  shortLiq = alloc(n, sizeof(f64));
  ladder = alloc(n, LADDER_STRIDE);
  accLadderPos = alloc(n, sizeof(i32));
  adlOrder = alloc(n, sizeof(i32));
  adlScore = alloc(n, sizeof(f64));
  adlHint = alloc(n, HINT_STRIDE);

  const u32 seedLo = (u32)strtoul(argv[2], 0, 10), seedHi = (u32)strtoul(argv[3], 0, 10);
  const u32 first = (u32)strtoul(argv[4], 0, 10);
  const i32 count = atoi(argv[5]), reps = atoi(argv[6]);
  records = alloc((size_t)(count > 0 ? count : 1) * RECORD_STRIDE, sizeof(f64));
  prepare(seedLo, seedHi);
  if (argc > 6 && strcmp(argv[6], "micro") == 0) return micro();

  // first pass: paths first..first+count−1, whose records are checksummed (and warms caches and pages);
  // then each timed repetition runs the next `count` paths
  runPaths(first, count);
  u64 checksum = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
  const unsigned char *bytes = (const unsigned char *)records;
  for (size_t b = 0; b < (size_t)count * RECORD_STRIDE * sizeof(f64); b++) {
    checksum ^= bytes[b];
    checksum *= 0x100000001b3ull;  // FNV-1a 64 prime
  }
  if (argc > 7) {
    FILE *out = fopen(argv[7], "wb");
    if (!out || fwrite(records, sizeof(f64), (size_t)count * RECORD_STRIDE, out) != (size_t)count * RECORD_STRIDE) {
      fprintf(stderr, "kernel: cannot write %s\n", argv[7]);
      return 2;
    }
    fclose(out);
  }
  printf("{\"checksum\":\"%016llx\",\"paths\":%d,\"steps\":%d,\"cpuNs\":[", (unsigned long long)checksum, count, steps);
  f64 *wall = alloc(reps > 0 ? reps : 1, sizeof(f64));
  for (int r = 0; r < reps; r++) {
    const f64 c0 = now(CLOCK_PROCESS_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
    runPaths(first + (u32)(r + 1) * (u32)count, count);
    const f64 c1 = now(CLOCK_PROCESS_CPUTIME_ID), w1 = now(CLOCK_MONOTONIC);
    wall[r] = w1 - w0;
    printf("%s%.0f", r ? "," : "", c1 - c0);
  }
  printf("],\"wallNs\":[");
  for (int r = 0; r < reps; r++) printf("%s%.0f", r ? "," : "", wall[r]);
  printf("]}\n");
  return 0;
}
