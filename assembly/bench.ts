// Benchmark probes (bench/run.mjs): the kernel's inner pieces timed alone, on the regions prepare() filled.
// A run never calls them.
import { DOMAIN_MARKET, P_ACCOUNTS, P_INITIAL_PRICE, P_TIER_COUNT } from "./abi";
import * as book from "./book";
import { tierIndex } from "./margin";
import { normalInvInline } from "./mathfn";
import { philoxUniform } from "./rng";
import {
  accCollateral, accEntry, accIsLong, accSize, bidProfile, params, scanCum, scanQMmr, scanSQ, tierAmount, tierMmr,
} from "./state";

let scanReady = false;

/** The population changed: the scan's inputs are derived again at the next scan. */
export function scanInputsStale(): void {
  scanReady = false;
}

/** Per account s·q, q·mmr and cum of its bracket at entry (a cross-margin engine would keep them current). */
function scanInputs(n: i32): void {
  const tiers = <i32>unchecked(params[P_TIER_COUNT]);
  for (let i = 0; i < n; i++) {
    const s: f64 = unchecked(accIsLong[i]) == 1 ? 1 : -1;
    const q = unchecked(accSize[i]);
    const tier = tierIndex(tiers, q * unchecked(accEntry[i]));
    unchecked((scanSQ[i] = s * q));
    unchecked((scanQMmr[i] = q * unchecked(tierMmr[tier])));
    unchecked((scanCum[i] = unchecked(tierAmount[tier])));
  }
  scanReady = true;
}

/** n normal draws (Philox + inverse CDF, as a GBM step draws them); returns their sum. */
export function benchNormal(n: i32, seedLo: u32, seedHi: u32): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) sum += normalInvInline(philoxUniform(<u32>i, 7, 0, DOMAIN_MARKET, seedLo, seedHi));
  return sum;
}

/**
 * The full margin scan a cross-margin model needs, SIMD and branch-free: every account's equity
 * c + s·q·(mark − e) against its maintenance margin q·mmr·mark − cum, four accounts per iteration in f64x2
 * lanes. Returns how many are under water (in the last of `reps` scans).
 */
export function benchScan(mark: f64, reps: i32): i32 {
  const n = <i32>unchecked(params[P_ACCOUNTS]);
  if (!scanReady) scanInputs(n);
  const cs = changetype<usize>(accCollateral);
  const es = changetype<usize>(accEntry);
  const sqs = changetype<usize>(scanSQ);
  const qmmrs = changetype<usize>(scanQMmr);
  const cums = changetype<usize>(scanCum);
  const m = f64x2.splat(mark);
  let count = 0;
  for (let r = 0; r < reps; r++) {
    let under = i64x2.splat(0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 3;
      const eq0 = f64x2.add(v128.load(cs + at), f64x2.mul(v128.load(sqs + at), f64x2.sub(m, v128.load(es + at))));
      const eq1 = f64x2.add(v128.load(cs + at, 16), f64x2.mul(v128.load(sqs + at, 16), f64x2.sub(m, v128.load(es + at, 16))));
      const mm0 = f64x2.sub(f64x2.mul(v128.load(qmmrs + at), m), v128.load(cums + at));
      const mm1 = f64x2.sub(f64x2.mul(v128.load(qmmrs + at, 16), m), v128.load(cums + at, 16));
      under = i64x2.add(under, i64x2.add(f64x2.lt(eq0, mm0), f64x2.lt(eq1, mm1)));
    }
    // lanes hold −(count): a true comparison is all ones
    count = -<i32>(i64x2.extract_lane(under, 0) + i64x2.extract_lane(under, 1));
    for (; i < n; i++) {
      const equity = unchecked(accCollateral[i]) + unchecked(scanSQ[i]) * (mark - unchecked(accEntry[i]));
      if (equity < unchecked(scanQMmr[i]) * mark - unchecked(scanCum[i])) count++;
    }
  }
  return count;
}

/**
 * The book walk: per rep, a fresh path's stored window of bids is sold through in one order. Returns the levels
 * walked.
 */
export function benchWalk(reps: i32): f64 {
  const n = book.levels;
  let total: f64 = 0;
  for (let k = 1; k <= n; k++) total += unchecked(bidProfile[k]);
  let walked: f64 = 0;
  for (let r = 0; r < reps; r++) {
    book.newPath();
    book.setCentre(Math.floor(unchecked(params[P_INITIAL_PRICE]) / book.tick + 1e-7));
    book.setStep(1);
    book.sell(total);
    walked += <f64>n;
  }
  return walked;
}
