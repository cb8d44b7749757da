// The aggregated book of one market, with no edge and with lasting impact (SPEC §3; mirrored by
// assembly/book.ts with the same arithmetic in the same order, so both engines agree bit for bit).
//
// Depth per tick is a profile of the distance from the book's centre: bid level k sits k−1 ticks below the
// centre tick, ask level k sits k ticks above it. The first `levels` levels are a stored table (a performance
// knob); past it the profile continues analytically (profileDepth), so a sale never runs out of book. Only a
// snapshot book really ends (nothing beyond its last level); then the rest fills one tick beyond it and the path
// is flagged bookExhausted, as is a sale that reaches a price of zero.
//
// The state of a side is its displacement x (ticks of consumed book from the centre): the touch is level
// ⌊x⌋ + 1 with (⌊x⌋ + 1 − x) of its depth left. Sales within a step walk from the touch (holes included, so
// consecutive sales feel each other's impact, and splitting an order changes nothing). Time moves the book in
// two ways, both exact in seconds whatever the step: x decays by 2^(−Δt/h) (consumed depth refills), and the
// centre follows the price by the permanent share θ of what has refilled: with S the displacement a side has
// taken in the path, the centre sits θ·(S − x) ticks from the fundamental's tick. A sale of impact J then leaves
// the touch J·(θ + (1 − θ)·2^(−t/h)) from where it was (the propagator), and the book's shape re-forms around
// the moved price at the rate the transient decays.
//
// Long runs of levels of one depth are walked in one stroke (run()): the ask side has no end (NO_END levels), so a
// book that is empty or nearly so (a stress depth of 0 or of 1e-178, a tail decayed to 0) once cost a single buy
// ~10^9 iterations, about a minute in this engine. Empty levels are skipped exactly; a run of LONG_RUN or more
// levels of one positive depth is summed as an arithmetic series (the same fills to rounding). A walk of fewer
// levels is the level-by-level walk, bit for bit.
import { exp, log } from "./mathfn.js";
import { P, PROFILE } from "./layout.js";

/** Depth per tick of level k ≥ 1 of an analytic profile (assembly/book.ts tailDepth does the same arithmetic). */
export function profileDepth(
  kind: number,
  size: number,
  decayTicks: number,
  exponent: number,
  saturation: number,
  k: number,
): number {
  if (kind === PROFILE.flat) return size;
  if (kind === PROFILE.exponential) return size * exp(-(k - 1) / decayTicks);
  if (kind === PROFILE.power) return size * exp(-exponent * log(k));
  if (kind === PROFILE.latent) return k < saturation ? (size * k) / saturation : size;
  return 0;
}

/**
 * walkWithin's share of a run of m levels of depth r (run()): level j costs the fund u0 + j·tick per unit when that
 * is positive, and the walk stops where the cost would pass `left`. All m when none of them costs; else the levels
 * before the first that costs, or (u0 > 0) all but the last the budget pays for whole, when LONG_RUN or more; else 0.
 */
function affordableRun(m: number, u0: number, left: number, r: number, tick: number): number {
  if (u0 + (m - 1) * tick <= 0) return m;
  let n: number;
  if (u0 <= 0) n = Math.floor(-u0 / tick);
  else {
    if (!(left > 0)) return 0;
    // the largest a with r·(a·u0 + tick·a(a − 1)/2) ≤ left, less one
    const h = u0 - tick / 2;
    n = Math.floor((Math.sqrt(h * h + (2 * tick * left) / r) - h) / tick) - 1;
  }
  if (n > m) n = m;
  return n >= LONG_RUN ? n : 0;
}

/** A side never walks past this many levels (it keeps the loops finite; the asks of an empty book end here: run()). */
const NO_END = 0x3fffffff;

/** A walk takes a run of levels of one positive depth in one stroke once it crosses this many of them. */
const LONG_RUN = 65536;

export class LatentBook {
  centre = 0;
  /** The permanent impact, in ticks (signed: sales push it down). */
  perm = 0;
  bidTop = 1;
  bidRem = 0;
  askTop = 1;
  askRem = 0;
  /** Each side's displacement when the step's trading began (after the decay). */
  private bidX0 = 0;
  private askX0 = 0;
  /** Each side's displacement taken in the path (Σ of what its sales walked). */
  private bidS = 0;
  private askS = 0;
  private bidTouched = false;
  private askTouched = false;
  lastPrice = 0;
  exhausted = false;
  /** market.book.stress: this step's depth is profile × depthScale (1 without stress). */
  depthScale = 1;
  /** market.book.stress.spreadWidening: ticks each side of the book steps back this step. */
  spreadGap = 0;
  private readonly levels: number;
  private readonly kind: number;
  private readonly size: number;
  private readonly decayTicks: number;
  private readonly exponent: number;
  private readonly saturation: number;
  private readonly bidEnd: number;
  private readonly askEnd: number;
  private readonly decay: number;
  private readonly permanent: number;

  constructor(
    private readonly bidProfile: Float64Array,
    private readonly askProfile: Float64Array,
    params: Float64Array,
    readonly tick: number,
  ) {
    this.levels = params[P.levels];
    this.kind = params[P.profileKind];
    this.size = params[P.profileSize];
    this.decayTicks = params[P.profileDecayTicks];
    this.exponent = params[P.profileExponent];
    this.saturation = params[P.profileSaturationTicks];
    this.bidEnd = params[P.bookEndBid];
    this.askEnd = params[P.bookEndAsk];
    this.decay = params[P.impactDecay];
    this.permanent = params[P.impactPermanent];
  }

  bidDepth(k: number): number {
    if (k <= this.levels) return this.bidProfile[k];
    return profileDepth(this.kind, this.size, this.decayTicks, this.exponent, this.saturation, k);
  }

  askDepth(k: number): number {
    if (k <= this.levels) return this.askProfile[k];
    return profileDepth(this.kind, this.size, this.decayTicks, this.exponent, this.saturation, k);
  }

  newPath(): void {
    this.perm = 0;
    this.bidX0 = 0;
    this.askX0 = 0;
    this.bidS = 0;
    this.askS = 0;
    this.bidTouched = false;
    this.askTouched = false;
    this.exhausted = false;
    this.depthScale = 1;
    this.spreadGap = 0;
    this.bidTop = 1;
    this.bidRem = this.bidDepth(1);
    this.askTop = 1;
    this.askRem = this.askDepth(1);
  }

  /**
   * The centre tick from the fundamental's tick and the permanent impact (rounded to the tick grid), kept at
   * one tick or above.
   */
  setCentre(fundamentalTick: number): void {
    const c = fundamentalTick + Math.floor(this.perm + 0.5);
    this.centre = c > 1 ? c : 1;
  }

  /**
   * Step boundary: what each side's sales walked in the last step is added to its total; the displacement decays
   * and the centre takes the permanent share of what refilled; the touch is placed again at this step's depth.
   */
  startStep(scale: number): void {
    // a book at rest (nothing traded, nothing displaced, the same depth) stays as it is: the common step
    if (!(this.bidTouched || this.askTouched) && this.bidX0 === 0 && this.askX0 === 0 && scale === this.depthScale) return;
    const theta = this.permanent;
    let xb = this.bidX0;
    if (this.bidTouched) {
      const d = this.bidDepth(this.bidTop) * this.depthScale;
      xb = d > 0 ? this.bidTop - this.bidRem / d : this.bidTop - 1;
      const j = xb - this.bidX0;
      if (j > 0) this.bidS += j;
    }
    let xa = this.askX0;
    if (this.askTouched) {
      const d = this.askDepth(this.askTop) * this.depthScale;
      xa = d > 0 ? this.askTop - this.askRem / d : this.askTop - 1;
      const j = xa - this.askX0;
      if (j > 0) this.askS += j;
    }
    xb *= this.decay;
    xa *= this.decay;
    this.perm = theta * (this.askS - xa - (this.bidS - xb));
    this.bidX0 = xb;
    this.askX0 = xa;
    this.bidTouched = false;
    this.askTouched = false;
    this.depthScale = scale;
    const kb = Math.floor(xb) + 1;
    this.bidTop = kb;
    this.bidRem = (kb - xb) * (this.bidDepth(kb) * scale);
    const ka = Math.floor(xa) + 1;
    this.askTop = ka;
    this.askRem = (ka - xa) * (this.askDepth(ka) * scale);
  }

  /** The last bid level that has a price of one tick or more (and that the book holds). */
  private bidLimit(): number {
    const floor = this.centre - this.spreadGap;
    return this.bidEnd > 0 && this.bidEnd < floor ? this.bidEnd : floor;
  }

  private askLimit(): number {
    return this.askEnd > 0 ? this.askEnd : NO_END;
  }

  /** The best bid's level (limit + 1 when the book holds none). */
  bidTouch(): number {
    const limit = this.bidLimit();
    let k = this.bidTop;
    let r = this.bidRem;
    while (!(r > 0) && k <= limit) {
      k++;
      r = this.bidDepth(k) * this.depthScale;
      // every level from here on empty: none is the touch
      if (r === 0 && this.run(k, 0, 0, limit) > 0) k = limit + 1;
    }
    return k;
  }

  askTouch(): number {
    const limit = this.askLimit();
    let k = this.askTop;
    let r = this.askRem;
    while (!(r > 0) && k <= limit) {
      k++;
      r = this.askDepth(k) * this.depthScale;
      if (r === 0 && this.run(k, 0, 0, limit) > 0) k = limit + 1;
    }
    return k;
  }

  mid(): number {
    return (this.centre + 1 - this.bidTouch() + (this.centre + this.askTouch())) * 0.5 * this.tick;
  }

  /** The best bid's price, or 0 when the book holds no bid. */
  bidPrice(): number {
    const k = this.bidTouch();
    return k <= this.bidLimit() ? (this.centre - this.spreadGap + 1 - k) * this.tick : 0;
  }

  /** The best ask's price, or Infinity when the book holds no ask. */
  askPrice(): number {
    const k = this.askTouch();
    return k <= this.askLimit() ? (this.centre + this.spreadGap + k) * this.tick : Infinity;
  }

  /**
   * How many levels from k on (k ≤ limit, its depth r the whole level's, rem units still to fill) a walk takes in
   * one stroke; 0: it goes on level by level. Every level from k to the edge empty (a depth of 0 this step, or a
   * tail that never grows past k and holds nothing): all of them, exactly what the walk level by level does (it
   * fills nothing there). A run of one positive depth to the edge (the tail of `flat`, of `latent` from
   * saturationTicks on) of LONG_RUN levels or more that rem crosses: up to the edge when rem is more than the run
   * holds, else all but the level where rem ends (the walk finishes it as before).
   */
  private run(k: number, r: number, rem: number, limit: number): number {
    const scale = this.depthScale;
    if (k > limit || !(scale === 0 || k > this.levels)) return 0;
    const latent = this.kind === PROFILE.latent;
    if (r === 0) return scale === 0 || !latent || k >= this.saturation ? limit - k + 1 : 0;
    if (!(this.kind === PROFILE.flat || (latent && k >= this.saturation))) return 0;
    const toEdge = limit - k + 1;
    if (toEdge < LONG_RUN || rem < (LONG_RUN + 1) * r) return 0;
    const whole = Math.floor(rem / r);
    return whole > toEdge ? toEdge : whole - 1;
  }

  /** A market sell of qty into the bids; returns the fill notional. */
  sell(qty: number): number {
    const c = this.centre - this.spreadGap;
    const tick = this.tick;
    const scale = this.depthScale;
    const limit = this.bidLimit();
    let rem = qty;
    let notional = 0;
    let k = this.bidTop;
    let r = this.bidRem;
    let last = this.lastPrice;
    while (rem > 0) {
      if (k > limit) {
        // the book really ends here (a snapshot's last level, or a price of zero)
        const edge = (c - limit) * tick;
        notional += rem * edge;
        last = edge;
        this.exhausted = true;
        r = 0;
        break;
      }
      if (r > 0) {
        const price = (c + 1 - k) * tick;
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
      r = this.bidDepth(k) * scale;
      if (k > this.levels || scale === 0) {
        const m = this.run(k, r, rem, limit);
        if (m > 0) {
          if (r > 0) {
            // m whole levels at (c + 1 − k − j)·tick, j = 0..m−1
            notional += r * ((m * (c + 1 - k) - (m * (m - 1)) / 2) * tick);
            rem -= m * r;
            last = (c + 2 - k - m) * tick;
          }
          k += m;
        }
      }
    }
    this.bidTop = k;
    this.bidRem = r;
    this.lastPrice = last;
    this.bidTouched = true;
    return notional;
  }

  /** A market buy of qty from the asks; mirror of sell. */
  buy(qty: number): number {
    const c = this.centre + this.spreadGap;
    const tick = this.tick;
    const scale = this.depthScale;
    const limit = this.askLimit();
    let rem = qty;
    let notional = 0;
    let k = this.askTop;
    let r = this.askRem;
    let last = this.lastPrice;
    while (rem > 0) {
      if (k > limit) {
        const edge = (c + limit + 1) * tick;
        notional += rem * edge;
        last = edge;
        this.exhausted = true;
        r = 0;
        break;
      }
      if (r > 0) {
        const price = (c + k) * tick;
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
      r = this.askDepth(k) * scale;
      if (k > this.levels || scale === 0) {
        const m = this.run(k, r, rem, limit);
        if (m > 0) {
          if (r > 0) {
            // m whole levels at (c + k + j)·tick, j = 0..m−1
            notional += r * ((m * (c + k) + (m * (m - 1)) / 2) * tick);
            rem -= m * r;
            last = (c + k + m - 1) * tick;
          }
          k += m;
        }
      }
    }
    this.askTop = k;
    this.askRem = r;
    this.lastPrice = last;
    this.askTouched = true;
    return notional;
  }

  /** What the last walkWithin could not fill within its budget: the bankrupt remainder. */
  unfilled = 0;

  /**
   * A liquidation's market order (s = 1 sells into the bids, −1 buys from the asks) of qty that the insurance
   * fund can afford: a fill beyond the bankruptcy price b costs the fund |b − price| per unit, and the walk stops
   * where that cost would pass `budget`. Returns the fill notional; what is left is `unfilled`, for ADL, and never
   * reaches the book.
   */
  walkWithin(s: number, qty: number, b: number, budget: number): number {
    const sells = s > 0;
    const c = sells ? this.centre - this.spreadGap : this.centre + this.spreadGap;
    const tick = this.tick;
    const scale = this.depthScale;
    const limit = sells ? this.bidLimit() : this.askLimit();
    let rem = qty;
    let notional = 0;
    let cost = 0;
    let k = sells ? this.bidTop : this.askTop;
    let r = sells ? this.bidRem : this.askRem;
    let last = this.lastPrice;
    while (rem > 0) {
      const ended = k > limit;
      // the book really ends at its edge (a snapshot's last level, or a price of zero): all that is left fills there
      const price = ended ? (sells ? (c - limit) * tick : (c + limit + 1) * tick) : sells ? (c + 1 - k) * tick : (c + k) * tick;
      if (ended) r = Infinity;
      if (r > 0) {
        let take = r < rem ? r : rem;
        const unitCost = s * (b - price);
        if (unitCost > 0) {
          const most = (budget - cost) / unitCost;
          if (most < take) {
            // the fund's budget ends inside this level
            take = most > 0 ? most : 0;
            if (take > 0) {
              notional += take * price;
              last = price;
              if (!ended) r -= take;
            }
            rem -= take;
            if (ended) {
              this.exhausted = true;
              r = 0;
            }
            break;
          }
          cost += take * unitCost;
        }
        last = price;
        notional += take * price;
        if (ended) {
          this.exhausted = true;
          r = 0;
          rem = 0;
          break;
        }
        if (r > rem) {
          r -= rem;
          rem = 0;
          break;
        }
        rem -= r;
      }
      k++;
      r = (sells ? this.bidDepth(k) : this.askDepth(k)) * scale;
      if (k > this.levels || scale === 0) {
        let m = this.run(k, r, rem, limit);
        if (m > 0 && r > 0) {
          // level k + j costs the fund u0 + j·tick per unit (when positive)
          const u0 = s * (b - (sells ? (c + 1 - k) * tick : (c + k) * tick));
          m = affordableRun(m, u0, budget - cost, r, tick);
          if (m > 0) {
            if (u0 > 0) cost += r * (m * u0 + (tick * (m * (m - 1))) / 2);
            notional += r * ((sells ? m * (c + 1 - k) - (m * (m - 1)) / 2 : m * (c + k) + (m * (m - 1)) / 2) * tick);
            rem -= m * r;
            last = (sells ? c + 2 - k - m : c + k + m - 1) * tick;
          }
        }
        if (m > 0) k += m;
      }
    }
    this.unfilled = rem;
    if (sells) {
      this.bidTop = k;
      this.bidRem = r;
      this.bidTouched = true;
    } else {
      this.askTop = k;
      this.askRem = r;
      this.askTouched = true;
    }
    this.lastPrice = last;
    return notional;
  }

  /**
   * The units resting within `frac` of the mid, both sides: bids priced at or above mid × (1 − frac), asks at or
   * below mid × (1 + frac), from each side's touch (the trace's depth within 1%; assembly/book.ts depthWithin).
   */
  depthWithin(frac: number): number {
    const m = this.mid();
    const lo = m * (1 - frac);
    const hi = m * (1 + frac);
    const scale = this.depthScale;
    let total = 0;
    const cb = this.centre - this.spreadGap;
    const bidLast = this.bidLimit();
    let k = this.bidTop;
    let r = this.bidRem;
    while (k <= bidLast && (cb + 1 - k) * this.tick >= lo) {
      if (r > 0) total += r;
      k++;
      r = this.bidDepth(k) * scale;
      if (r === 0 && this.run(k, 0, 0, bidLast) > 0) k = bidLast + 1;
    }
    const ca = this.centre + this.spreadGap;
    const askLast = this.askLimit();
    k = this.askTop;
    r = this.askRem;
    while (k <= askLast && (ca + k) * this.tick <= hi) {
      if (r > 0) total += r;
      k++;
      r = this.askDepth(k) * scale;
      if (r === 0 && this.run(k, 0, 0, askLast) > 0) k = askLast + 1;
    }
    return total;
  }
}
