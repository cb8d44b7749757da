// The exogenous price process and the mark (assembly/price.ts is the kernel's twin): the fundamental's move per step
// (GBM, Merton jumps, replayed returns, scripted shocks), the oracle (the fundamental, possibly lagged), and the mark
// models (mid, last, ema, oracle) with the band that keeps any mark near the oracle. Market-scoped: one per market.

import { DOMAIN, MARK_MODEL, P, PRICE_MODEL, SECONDS_PER_YEAR } from "./layout.js";
import { exp, normalInv } from "./mathfn.js";
import { philox, uniform52 } from "./philox.js";
import type { EngineSetup } from "./setup.js";
import type { LatentBook } from "./book.js";

export class PriceProcess {
  private readonly model: number;
  private readonly steps: number;
  private readonly muDt: number;
  private readonly sigDt: number;
  private readonly lambdaDt: number;
  private readonly noJumpProb: number;
  private readonly jumpMean: number;
  private readonly jumpStd: number;
  private readonly nReturns: number;
  private readonly returns: Float64Array;
  private readonly shocks: Float64Array;
  private readonly tick: number;
  /** The Philox domain word of this market's draws (DOMAIN.market, shifted per market: markets-setup.ts). */
  private readonly domain: number;
  /** The mark models: the mid (else the last trade), the ema of the mid, the oracle; held marks ignore the rounds. */
  readonly markMid: boolean;
  readonly markEma: boolean;
  readonly markOracle: boolean;
  private readonly oracleLag: number;
  private readonly band: number;
  private readonly alpha: number;
  /** The fundamental after each step's move, 0..steps: the oracle, possibly lagged. */
  private readonly oracleHist: Float64Array;
  /** The fundamental: the initial price, moved each step (a field, not a return value: no number boxed per step). */
  fundamental = 0;
  /** The ema mark (it moves once per step, toward the mid). */
  private ema = 0;
  /** The step's band around its oracle (band > 0). */
  private bandLo = 0;
  private bandHi = 0;

  constructor(setup: EngineSetup, tick: number, domainShift = 0) {
    const p = setup.params;
    this.domain = DOMAIN.market + domainShift;
    this.model = p[P.priceModel];
    this.steps = p[P.steps];
    const dt = p[P.stepSeconds] / SECONDS_PER_YEAR;
    const vol = p[P.volatility];
    this.muDt = (p[P.drift] - 0.5 * vol * vol) * dt;
    this.sigDt = vol * Math.sqrt(dt);
    this.lambdaDt = p[P.jumpIntensity] * dt;
    this.noJumpProb = exp(-this.lambdaDt);
    this.jumpMean = p[P.jumpMeanLog];
    this.jumpStd = p[P.jumpStdLog];
    this.nReturns = p[P.returnsCount];
    this.returns = setup.returns;
    this.shocks = setup.shocks;
    this.tick = tick;
    this.markMid = p[P.markModel] === MARK_MODEL.mid;
    this.markEma = p[P.markModel] === MARK_MODEL.ema;
    this.markOracle = p[P.markModel] === MARK_MODEL.oracle;
    this.oracleLag = p[P.oracleLag];
    this.band = p[P.markBand];
    this.alpha = p[P.emaAlpha];
    this.oracleHist = new Float64Array(this.steps + 1);
  }

  /** The path starts at this fundamental (the oracle's step 0). */
  newPath(fundamental: number): void {
    this.fundamental = fundamental;
    this.oracleHist[0] = fundamental;
  }

  /** The path's opening mark (the ema starts there). */
  openPath(mark: number): void {
    this.ema = mark;
  }

  /** Step t's fundamental: the exogenous move of path `path` (seed lo, hi; w: Philox's words), then its shock. */
  move(t: number, path: number, seedLo: number, seedHi: number, w: Uint32Array): void {
    const model = this.model;
    let fundamental = this.fundamental;
    if (model !== PRICE_MODEL.none) {
      let r = 0;
      if (model === PRICE_MODEL.replay) {
        if (this.nReturns >= this.steps) r = this.returns[t - 1];
        else {
          philox(t, path, 0, this.domain, seedLo, seedHi, w);
          r = this.returns[Math.floor(uniform52(w[0], w[1]) * this.nReturns)];
        }
      } else {
        philox(t, path, 0, this.domain, seedLo, seedHi, w);
        r = this.muDt + this.sigDt * normalInv(uniform52(w[0], w[1]));
        if (model === PRICE_MODEL.merton) {
          const jumps = this.jumpCount(uniform52(w[2], w[3]));
          if (jumps > 0) r += this.jumpSizes(jumps, t, path, seedLo, seedHi, w);
        }
      }
      fundamental = fundamental * exp(r);
    }
    this.settle(t, fundamental);
  }

  /**
   * Step t's fundamental among several markets (src/engine/markets.ts): move()'s model, its diffusion normal z the
   * correlated one, u and uJump the uniforms of this market's own (t, path, 0, domain) draw (replay's bootstrap
   * index, Merton's jump count); the jump sizes from (t, path, 1, domain) as in move().
   */
  moveCorrelated(
    t: number,
    path: number,
    seedLo: number,
    seedHi: number,
    w: Uint32Array,
    z: number,
    u: number,
    uJump: number,
  ): void {
    const model = this.model;
    let fundamental = this.fundamental;
    if (model !== PRICE_MODEL.none) {
      let r = 0;
      if (model === PRICE_MODEL.replay)
        r = this.nReturns >= this.steps ? this.returns[t - 1] : this.returns[Math.floor(u * this.nReturns)];
      else {
        r = this.muDt + this.sigDt * z;
        if (model === PRICE_MODEL.merton) {
          const jumps = this.jumpCount(uJump);
          if (jumps > 0) r += this.jumpSizes(jumps, t, path, seedLo, seedHi, w);
        }
      }
      fundamental = fundamental * exp(r);
    }
    this.settle(t, fundamental);
  }

  /** Merton's jump count in a step: the Poisson(λ·dt) quantile of the uniform u (at most 100). */
  private jumpCount(u: number): number {
    let jumps = 0;
    let prob = this.noJumpProb;
    let cdf = prob;
    while (u > cdf && jumps < 100) {
      jumps++;
      prob = (prob * this.lambdaDt) / jumps;
      cdf += prob;
    }
    return jumps;
  }

  /** The log-return of `jumps` jumps at step t: their summed normal sizes, from the (t, path, 1, domain) draw. */
  private jumpSizes(jumps: number, t: number, path: number, seedLo: number, seedHi: number, w: Uint32Array): number {
    philox(t, path, 1, this.domain, seedLo, seedHi, w);
    return jumps * this.jumpMean + Math.sqrt(jumps) * this.jumpStd * normalInv(uniform52(w[0], w[1]));
  }

  /** Step t's shock on the moved fundamental, which the oracle's history and the market then hold. */
  private settle(t: number, moved: number): void {
    const fundamental = this.shocks[t] !== 0 ? moved * (1 + this.shocks[t]) : moved;
    this.oracleHist[t] = fundamental;
    this.fundamental = fundamental;
  }

  /** The fundamental's tick (the epsilon absorbs the representation error of decimal ticks), one or more. */
  fundamentalTick(fundamental: number): number {
    const c = Math.floor(fundamental / this.tick + 1e-7);
    return c > 1 ? c : 1;
  }

  /** The oracle of step t: the fundamental lagSteps ago. */
  oracleAt(t: number): number {
    return this.oracleHist[t >= this.oracleLag ? t - this.oracleLag : 0];
  }

  /**
   * Step t's opening mark from the book's mid: the ema moves once toward it, or the oracle replaces it; the step's
   * band is set around its oracle and holds every mark of the step.
   */
  openMark(t: number, mid: number): number {
    let mark = mid;
    if (this.markEma) {
      this.ema = this.ema + this.alpha * (mark - this.ema);
      mark = this.ema;
    }
    const oracle = this.oracleAt(t);
    this.bandLo = oracle * (1 - this.band);
    this.bandHi = oracle * (1 + this.band);
    if (this.markOracle) mark = oracle;
    return this.banded(mark);
  }

  /** The mark after trades (flows, a cascade round): unless it holds through the step, the mid or the last trade. */
  follow(mark: number, book: LatentBook): number {
    if (!this.markEma && !this.markOracle) mark = this.markMid ? book.mid() : book.lastPrice;
    return this.banded(mark);
  }

  /** The mark within the step's band, if any. */
  private banded(mark: number): number {
    if (this.band > 0) mark = mark < this.bandLo ? this.bandLo : mark > this.bandHi ? this.bandHi : mark;
    return mark;
  }
}
