// Fan charts (summary.json's `fan`): at sampled steps of every path, the series whose distribution across paths the
// host reports per step — the mark, the fundamental, the insurance fund, open interest long and short (notional at
// the mark, the backstop vault's inventory included) and the vault's cash — written to a region sample-major (per
// sampled step, the batch's paths, each path's series side by side: one cache line per path and step to write, a
// stream per step to bin). Open interest is kept as running open sizes per side, changed where a position's size changes;
// src/engine/fan.ts is the reference engine's twin (same operations in the same order). When the kernel bins them
// (src/stats/fan.ts's rules bit for bit), it does so every CHUNK paths, which reuse the same CHUNK slots of the region
// (it stays in cache); after a batch the host reads per (step, series) the values that fell outside the window of
// counts, the zeros, the minimum, maximum and the sum of ⌊x / u⌋, and now and then the windows' counts (flush).
import { P_ACCOUNTS, P_STEPS, RECORD_STRIDE } from "./abi";
import { accIsLong, accLadderPos, accSize, curSize, longCount, params, shortCount } from "./state";

/** Values per sample: mark, fundamental, insurance, open interest long, short, vault cash (src/engine/fan.ts FAN_SERIES). */
export const FAN_SERIES = 6;
/**
 * f64 per sample: FAN_SERIES, then with several markets every market's mark (assembly/markets.ts; src/engine/fan.ts
 * fanStride). It bounds the series binned too: a series is one of a sample's values.
 */
let perSample: i32 = FAN_SERIES;
/** At most this many sampled steps besides step 0 and the last (src/engine/fan.ts FAN_MAX_SAMPLES). */
export const FAN_MAX_SAMPLES = 200;

export let samples = new StaticArray<f64>(0);
/** Samples a path can hold (the region's stride is the configured count, at most this). */
let capSamples: i32 = 0;
/** Sample every `every` steps (0: off), `count` samples per path. */
let every: i32 = 0;
let count: i32 = 0;
let at: usize = 0;
/** Bytes per sampled step: the batch's paths (CHUNK when binning), perSample f64 each. */
let row: usize = 0;
let capBatch: i32 = 0;
/** Paths binned at a time when binning: their samples (CHUNK × 606 f64 at 100 steps, 300 KB) stay in cache. */
const CHUNK = 64;

// binning (src/stats/fan.ts): 2^7 bins per octave over 2^-30 … 2^12 times each series' scale, both signs
const M = 7;
const SHIFT = 20 - M;
const N: i32 = (30 + 12) << M;
const NEG_OVER: i32 = 0;
const NEG_TINY: i32 = N + 1;
const ZERO: i32 = N + 2;
const POS_TINY: i32 = N + 3;
const POS0: i32 = N + 4;
const POS_OVER: i32 = 2 * N + 4;
const Q_MAX: f64 = 137438953472; // 2^37
/** Bins counted in place per (step, series): a window placed where its first value falls; the rest spill. */
export const FAN_WINDOW = 256;
/** The host's binning parameters: the series binned, then per series its slot in a sample, its first log bin's key, 1/u. */
export let binParams = new StaticArray<f64>(1 + 3 * FAN_SERIES);
let binning = false;
/**
 * Per histogram h = sample · series + k: the window's first bin (−2^30 until placed: no value passes the fast test
 * then) and its counts; flush() lists them.
 */
export let winLo = new StaticArray<i32>(0);
export let winCounts = new StaticArray<u32>(0);
/**
 * What the host reads after a batch — its values outside their windows as (histogram, bin, count) triples — or after
 * flush(): the windows' counts, as triples too. One region for both: the host reads each before the next call.
 */
export let out = new StaticArray<i32>(0);
/** Per histogram, of the last batch: zeros, minimum, maximum, Σ⌊x / u⌋ (exact: fewer than 2^16 values under 2^37 each). */
export let zeros = new StaticArray<u32>(0);
export let stats = new StaticArray<f64>(0);
/** Triples in `out` after a batch. */
export let spillLen: i32 = 0;

/**
 * The population's open sizes per side (summed in account order), and this path's, kept as sizes change; with the
 * open accounts per side, so that a side whose last position closes is exactly 0 (no rounding residue).
 */
let longStart: f64 = 0;
let shortStart: f64 = 0;
let longsStart: i32 = 0;
let shortsStart: i32 = 0;
export let longOpen: f64 = 0;
export let shortOpen: f64 = 0;
export let longs: i32 = 0;
export let shorts: i32 = 0;

/** The region for `batch` paths of at most `steps` steps, `values` f64 per sample (init, initMarkets). */
export function carve(steps: i32, batch: i32, values: i32 = FAN_SERIES): void {
  capSamples = (steps < FAN_MAX_SAMPLES ? steps : FAN_MAX_SAMPLES) + 2;
  perSample = values;
  const hists = capSamples * values;
  capBatch = batch;
  row = <usize>batch * values * 8;
  // several markets bin more series than one market's static parameters hold
  if (1 + 3 * values > binParams.length) binParams = new StaticArray<f64>(1 + 3 * values);
  // src/config/memory.ts wasmRegions() lists these sizes in this order (one market's)
  samples = new StaticArray<f64>(hists * batch);
  winLo = new StaticArray<i32>(hists);
  winCounts = new StaticArray<u32>(hists * FAN_WINDOW);
  out = new StaticArray<i32>(3 * hists * max(batch, FAN_WINDOW));
  zeros = new StaticArray<u32>(hists);
  stats = new StaticArray<f64>(3 * hists);
}

/** Samples per path at `every` for this many steps: 0, every, 2·every, …, and the last step. */
function samplesFor(e: i32, steps: i32): i32 {
  const n = steps / e + 1;
  return steps % e == 0 ? n : n + 1;
}

/**
 * Turns sampling on every `e` steps (0: off), binned after each batch (`bin`, with binParams filled) or left in the
 * samples region; returns the samples per path, or −1 when they do not fit the region.
 */
export function configure(e: i32, bin: bool): i32 {
  binning = false;
  if (e <= 0) {
    every = 0;
    count = 0;
    return 0;
  }
  const n = samplesFor(e, <i32>unchecked(params[P_STEPS]));
  if (n > capSamples) return -1;
  every = e;
  count = n;
  binning = bin;
  row = <usize>(bin && CHUNK < capBatch ? CHUNK : capBatch) * perSample * 8;
  const hists = n * perSample;
  for (let h = 0; h < hists; h++) unchecked((winLo[h] = -(1 << 30)));
  for (let i = 0, z = hists * FAN_WINDOW; i < z; i++) unchecked((winCounts[i] = 0));
  return n;
}

/** The population changed (drawn, loaded or redrawn for a path): its open sizes per side. */
export function populationChanged(): void {
  const n = <i32>unchecked(params[P_ACCOUNTS]);
  let l: f64 = 0;
  let s: f64 = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    if (unchecked(accIsLong[i]) == 1) {
      l += unchecked(accSize[i]);
      nl++;
    } else s += unchecked(accSize[i]);
  }
  longStart = l;
  shortStart = s;
  longsStart = nl;
  shortsStart = n - nl;
}

/** A path starts, its record at `record` of the batch: the first step to sample (0), or −1 when sampling is off. */
export function newPath(record: i32): i32 {
  const slot = binning ? (record / RECORD_STRIDE) % CHUNK : record / RECORD_STRIDE;
  longOpen = longStart;
  shortOpen = shortStart;
  longs = longsStart;
  shorts = shortsStart;
  at = changetype<usize>(samples) + <usize>slot * perSample * 8;
  return every > 0 ? 0 : -1;
}

/**
 * Step t's values at its end (the fund, and the backstop vault's inventory per side and cash, handed in by the step
 * loop); returns the next step to sample (−1: none).
 */
export function sample(t: i32, steps: i32, mark: f64, fundamental: f64, fund: f64, vaultLongQ: f64, vaultShortQ: f64, vaultCash: f64): i32 {
  const p = at;
  store<f64>(p, mark);
  store<f64>(p, fundamental, 8);
  store<f64>(p, fund, 16);
  store<f64>(p, (longOpen + vaultLongQ) * mark, 24);
  store<f64>(p, (shortOpen + vaultShortQ) * mark, 32);
  store<f64>(p, vaultCash, 40);
  at = p + row;
  const next = t + every;
  return next <= steps ? next : t < steps ? steps : -1;
}

/** Value k after FAN_SERIES of the sample sample() writes next (several markets: market k's mark). */
export function sampleExtra(k: i32, x: f64): void {
  store<f64>(at + <usize>(FAN_SERIES + k) * 8, x);
}

/**
 * Account i (per-account engine) closed whole at its current size. Its side from its ladder position, which the
 * caller (closeAccount's rungOf) has just read: a population account's side without touching another array; an
 * arrival of accounts.flow (past the ladders) by its flag.
 */
// @ts-ignore: decorator
@inline export function closedAccount(i: i32): void {
  const at = unchecked(accLadderPos[i]);
  const long = at < longCount || (at >= longCount + shortCount && unchecked(accIsLong[i]) == 1);
  closed(long ? 1 : -1, unchecked(curSize[i]));
}

/** A side-s position of q units closed whole. */
// @ts-ignore: decorator
@inline export function closed(s: f64, q: f64): void {
  if (s > 0) {
    longOpen -= q;
    if (--longs == 0) longOpen = 0;
  } else {
    shortOpen -= q;
    if (--shorts == 0) shortOpen = 0;
  }
}

/** The batched rounds closed `n` accounts of a side whole; `open` is that side's open size after them. */
export function closedLongs(n: i32, open: f64): void {
  longs -= n;
  longOpen = longs == 0 ? 0 : open;
}
export function closedShorts(n: i32, open: f64): void {
  shorts -= n;
  shortOpen = shorts == 0 ? 0 : open;
}

/** q units of a side-s position closed (a slice, a partial repayment or ADL). */
export function reduced(s: f64, q: f64): void {
  if (s > 0) longOpen -= q;
  else shortOpen -= q;
}

/** A side-s position of q units opened (an arrival of accounts.flow). */
export function opened(s: f64, q: f64): void {
  if (s > 0) {
    longOpen += q;
    longs++;
  } else {
    shortOpen += q;
    shorts++;
  }
}


/** A batch starts: its spills and statistics start empty. */
export function batchStart(): void {
  spillLen = 0;
  if (!binning) return;
  const hists = count * <i32>unchecked(binParams[0]);
  for (let h = 0; h < hists; h++) {
    unchecked((zeros[h] = 0));
    unchecked((stats[3 * h] = Infinity));
    unchecked((stats[3 * h + 1] = -Infinity));
    unchecked((stats[3 * h + 2] = 0));
  }
}

/** Path i of a batch of n is done: every CHUNK paths (and at the batch's end) their samples are binned. */
export function pathDone(i: i32, n: i32): void {
  if (binning && ((i + 1) % CHUNK == 0 || i == n - 1)) binChunk(i % CHUNK + 1);
}

/** Bins the samples of the `paths` paths in the region's first slots (the histograms' order: sample-major, then series). */
function binChunk(paths: i32): void {
  const K = <i32>unchecked(binParams[0]);
  const base = changetype<usize>(samples);
  const step = <usize>perSample * 8;
  for (let j = 0; j < count; j++) {
    for (let k = 0; k < K; k++) {
      const h = j * K + k;
      const slot = <usize>unchecked(binParams[1 + 3 * k]);
      const keyLo = <i32>unchecked(binParams[2 + 3 * k]);
      const inv = unchecked(binParams[3 + 3 * k]);
      // a positive value in the window: (its bits >>> SHIFT) − key − lo is its place there; anything else goes the slow way
      let lo = unchecked(winLo[h]);
      let key = keyLo - POS0 + lo;
      const win = changetype<usize>(winCounts) + ((<usize>h * FAN_WINDOW) << 2);
      let nz: u32 = 0;
      let mn: f64 = Infinity;
      let mx: f64 = -Infinity;
      let sum: f64 = 0;
      const from = base + <usize>j * row + (slot << 3);
      const end = from + <usize>paths * step;
      // runs of equal values (the start, a fund nobody touched, open interest before any liquidation: most values of
      // the early steps) are counted in a register and accounted once
      let v = load<f64>(from);
      let run: u32 = 1;
      for (let p = from + step; ; p += step) {
        const more = p < end;
        let x: f64 = 0;
        if (more) {
          x = load<f64>(p);
          if (x == v) {
            run++;
            continue;
          }
        }
        const r = <i32>(reinterpret<u64>(v) >>> (32 + SHIFT)) - key;
        if (v > 0 && <u32>r < <u32>FAN_WINDOW) {
          const c = win + (<usize>r << 2);
          store<u32>(c, load<u32>(c) + run);
        } else if (v == 0) nz += run;
        else {
          const b = binOf(v, keyLo);
          if (lo < 0) {
            // the window's place: where its first value falls (it stays there for the run)
            lo = b - FAN_WINDOW / 2;
            if (lo < 0) lo = 0;
            key = keyLo - POS0 + lo;
            unchecked((winLo[h] = lo));
          }
          const rb = b - lo;
          if (<u32>rb < <u32>FAN_WINDOW) {
            const c = win + (<usize>rb << 2);
            store<u32>(c, load<u32>(c) + run);
          } else spillOne(h, b, run);
        }
        if (v < mn) mn = v;
        if (v > mx) mx = v;
        // exact: ⌊v / u⌋ < 2^37 (else summed again below) times at most CHUNK; a NaN makes the sum NaN: the host refuses it
        sum += Math.floor(v * inv) * <f64>run;
        if (!more) break;
        v = x;
        run = 1;
      }
      // ⌊x / u⌋ beyond ±2^37 counts as ±2^37 (src/stats/fan.ts Q_MAX), so that the sum is exact: summed again so
      if (max(-mn, mx) * inv >= Q_MAX) sum = clampedSum(from, paths, inv, step);
      unchecked((zeros[h] += nz));
      if (mn < unchecked(stats[3 * h])) unchecked((stats[3 * h] = mn));
      if (mx > unchecked(stats[3 * h + 1])) unchecked((stats[3 * h + 1] = mx));
      unchecked((stats[3 * h + 2] += sum));
    }
  }
}

/** Σ max(−2^37, min(⌊x / u⌋, 2^37)) over a histogram's values (a batch with a value that far out: rare). */
function clampedSum(from: usize, paths: i32, inv: f64, step: usize): f64 {
  let sum: f64 = 0;
  const end = from + <usize>paths * step;
  for (let p = from; p < end; p += step) sum += min(max(Math.floor(load<f64>(p) * inv), -Q_MAX), Q_MAX);
  return sum;
}

/** The bin of a value (src/stats/fan.ts binOf): log bins of |x| from the series' key, both signs, zero, tiny, overflow. */
// @ts-ignore: decorator
@inline function binOf(x: f64, keyLo: i32): i32 {
  const hi = <i32>(reinterpret<u64>(x) >>> 32);
  if (x > 0) {
    const r = (hi >>> SHIFT) - keyLo;
    return r < 0 ? POS_TINY : r >= N ? POS_OVER : POS0 + r;
  }
  if (x < 0) {
    const r = ((hi & 0x7fffffff) >>> SHIFT) - keyLo;
    return r < 0 ? NEG_TINY : r >= N ? NEG_OVER : N - r;
  }
  return ZERO;
}

function spillOne(h: i32, b: i32, n: u32): void {
  const at = spillLen * 3;
  unchecked((out[at] = h));
  unchecked((out[at + 1] = b));
  unchecked((out[at + 2] = <i32>n));
  spillLen++;
}

/** The windows' non-zero counts as (histogram, bin, count) triples into `out`, emptied; returns how many. */
export function flush(): i32 {
  const hists = count * <i32>unchecked(binParams[0]);
  let n = 0;
  for (let h = 0; h < hists; h++) {
    const lo = unchecked(winLo[h]);
    if (lo < 0) continue;
    const win = changetype<usize>(winCounts) + ((<usize>h * FAN_WINDOW) << 2);
    for (let r = 0; r < FAN_WINDOW; r++) {
      const c = load<u32>(win + (<usize>r << 2));
      if (c == 0) continue;
      store<u32>(win + (<usize>r << 2), 0);
      unchecked((out[3 * n] = h));
      unchecked((out[3 * n + 1] = lo + r));
      unchecked((out[3 * n + 2] = <i32>c));
      n++;
    }
  }
  return n;
}

// ---- the ABI (re-exported by index.ts) ----
export function fanConfigure(e: i32, bin: i32): i32 {
  return configure(e, bin != 0);
}
export function fanSamplesPtr(): usize {
  return changetype<usize>(samples);
}
export function fanBinParamsPtr(): usize {
  return changetype<usize>(binParams);
}
export function fanWinLoPtr(): usize {
  return changetype<usize>(winLo);
}
export function fanWinCountsPtr(): usize {
  return changetype<usize>(winCounts);
}
export function fanFlush(): i32 {
  return flush();
}
export function fanOutPtr(): usize {
  return changetype<usize>(out);
}
export function fanZerosPtr(): usize {
  return changetype<usize>(zeros);
}
export function fanStatsPtr(): usize {
  return changetype<usize>(stats);
}
export function fanSpillLen(): i32 {
  return spillLen;
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<f64>(b, longStart, 0);
  store<f64>(b, shortStart, 8);
  store<i32>(b, longsStart, 16);
  store<i32>(b, shortsStart, 24);
  store<f64>(b, longOpen, 32);
  store<f64>(b, shortOpen, 40);
  store<i32>(b, longs, 48);
  store<i32>(b, shorts, 56);
}
export function loadContext(b: usize): void {
  longStart = load<f64>(b, 0);
  shortStart = load<f64>(b, 8);
  longsStart = load<i32>(b, 16);
  shortsStart = load<i32>(b, 24);
  longOpen = load<f64>(b, 32);
  shortOpen = load<f64>(b, 40);
  longs = load<i32>(b, 48);
  shorts = load<i32>(b, 56);
}
