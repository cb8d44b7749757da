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

/** A side never walks past this many levels (a bound no book reaches: it keeps the loops finite). */
const NO_END = 0x3fffffff;

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
    }
    const ca = this.centre + this.spreadGap;
    const askLast = this.askLimit();
    k = this.askTop;
    r = this.askRem;
    while (k <= askLast && (ca + k) * this.tick <= hi) {
      if (r > 0) total += r;
      k++;
      r = this.askDepth(k) * scale;
    }
    return total;
  }
}
