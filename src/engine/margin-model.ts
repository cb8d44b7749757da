// margin.model: the maintenance requirement the scan engine checks every account against, every round.
// `tiers`: the bracket table (as the ladder); `vol-scaled`: the table times a multiplier that follows realised
// volatility; `risk-based`: the loss of the position over a price move of `sigmas` standard deviations of the
// horizon (a VaR, or a SPAN-like scan whose worst scenario for a linear position is its extreme move).
// The WASM kernel (assembly/margin-model.ts) does the same arithmetic in the same order.
import { MARGIN_MODEL, P } from "./layout.js";
import { exp, log } from "./mathfn.js";
import { maintenanceAt, type TierTable } from "./margin.js";

export class MarginModel {
  readonly kind: number;
  private readonly atEntry: boolean;
  private readonly tiers: TierTable;
  private readonly lambda: number;
  private readonly updateEvery: number;
  private readonly floor: number;
  private readonly cap: number;
  private readonly sigmas: number;
  private readonly horizon: number;
  /** margin.sizePremium: imfFactor with a model (0: none, and always under the ladder) */
  private readonly sizeImf: number;
  /** The reference variance per step (market.price.volatility² × dt), the estimate's start and the multiplier's 1. */
  private readonly refVariance: number;
  /** EWMA of the squared step log-returns of the mark at step openings. */
  private variance = 0;
  private lastOpen = 0;
  /** What the requirement reads, refreshed every updateEverySeconds (whole steps); the cross layer reads it too. */
  multiplier = 1;
  lossLong = 0;
  lossShort = 0;

  constructor(params: Float64Array, tiers: TierTable, dt: number) {
    this.kind = params[P.marginModel];
    this.atEntry = params[P.maintenanceAtEntry] === 1;
    this.tiers = tiers;
    this.lambda = params[P.volLambda];
    this.updateEvery = params[P.volUpdateEvery];
    this.floor = params[P.volFloor];
    this.cap = params[P.volCap];
    this.sigmas = params[P.riskSigmas];
    this.horizon = params[P.riskHorizon];
    this.sizeImf = this.kind !== MARGIN_MODEL.ladder ? params[P.sizeImf] : 0;
    const vol = params[P.volatility];
    this.refVariance = vol * vol * dt;
  }

  /** A path starts at this mark: the estimate at the reference variance. */
  startPath(mark: number): void {
    this.variance = this.refVariance;
    this.lastOpen = mark;
    this.refresh();
  }

  /** Step t opens at this mark: the estimate takes the step's return; the requirement follows every updateEvery steps. */
  openStep(t: number, mark: number): void {
    const r = log(mark / this.lastOpen);
    this.lastOpen = mark;
    this.variance = this.lambda * this.variance + (1 - this.lambda) * (r * r);
    if (t % this.updateEvery === 0) this.refresh();
  }

  private refresh(): void {
    const sigma = Math.sqrt(this.variance);
    if (this.kind === MARGIN_MODEL["vol-scaled"]) {
      const ratio = this.refVariance > 0 ? sigma / Math.sqrt(this.refVariance) : 1;
      this.multiplier = ratio < this.floor ? this.floor : ratio > this.cap ? this.cap : ratio;
    } else if (this.kind === MARGIN_MODEL["risk-based"]) {
      const move = this.sigmas * sigma * Math.sqrt(this.horizon);
      this.lossLong = 1 - exp(-move);
      this.lossShort = exp(move) - 1;
    }
  }

  /** Maintenance margin of a position of side s, size q at mark m: the model's, at least the size premium's. */
  requirement(s: number, q: number, m: number, e: number): number {
    const notional = q * m;
    let r: number;
    if (this.kind === MARGIN_MODEL["risk-based"]) r = notional * (s > 0 ? this.lossLong : this.lossShort);
    else {
      // the brackets at the mark, or fixed at the entry notional (margin.maintenanceAt entry)
      const mm = maintenanceAt(this.tiers, this.atEntry ? q * e : notional);
      r = this.kind === MARGIN_MODEL["vol-scaled"] ? this.multiplier * mm : mm;
    }
    if (this.sizeImf > 0) {
      // maintenance = half the size-based initial margin fraction imfFactor × √q
      const premium = notional * 0.5 * this.sizeImf * Math.sqrt(q);
      if (premium > r) r = premium;
    }
    return r;
  }

  /** The multiplier on the tiers (vol-scaled) and the loss per unit notional of a long and a short (risk-based). */
  state(): { multiplier: number; lossLong: number; lossShort: number; sigma: number } {
    return { multiplier: this.multiplier, lossLong: this.lossLong, lossShort: this.lossShort, sigma: Math.sqrt(this.variance) };
  }
}
