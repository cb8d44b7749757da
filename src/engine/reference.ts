// The pure-TypeScript reference engine: the model of one cascade path, written plainly. It is the oracle
// of the differential tests (the WASM kernel must give the same records bit for bit) and the baseline of
// the speed ratios. Every f64 operation here has its twin, in the same order, in assembly/.

import { ADL_RANKING, DOMAIN, MARK_MODEL, P, PRICE_MODEL, SECONDS_PER_YEAR } from "./layout.js";
import { exp, log, normalInv } from "./mathfn.js";
import { METRIC, RECORD_STRIDE } from "./metrics.js";
import { philox, uniform52 } from "./philox.js";
import { liquidationPrice } from "./margin.js";
import { allocatePopulation, buildLadder, copyPopulation, drawPopulation, tierTable, type Population } from "./population.js";
import type { EngineSetup } from "./setup.js";

/** Where the money is at the end of a step (SPEC §3 conservation). */
export interface Ledger {
  step: number;
  traders: number;
  insurance: number;
  makers: number;
  badDebt: number;
  /** Fees the capped insurance fund could not hold (insurance.cap). */
  treasury: number;
  /** Cumulative notional liquidated in the path so far (the caps tests read it per step). */
  liquidatedNotional: number;
}

/** One liquidation as the reference engine settles it (the partial engine's tests read them). */
export interface LiquidationEvent {
  step: number;
  round: number;
  account: number;
  /** +1 long, −1 short */
  side: number;
  /** Quantity sold (bought): the whole current size, or a slice of it. */
  size: number;
  notional: number;
  whole: boolean;
}

/** The model in plain TypeScript: prepare() once per run and seed, then runPaths() into a record buffer. */
export class ReferenceEngine {
  private readonly s: EngineSetup;
  private readonly pop: Population;
  private readonly w = new Uint32Array(4);
  private seedLo = 0;
  private seedHi = 0;
  private readonly levels: number;
  private readonly tick: number;
  // per-path state
  private readonly cash: Float64Array;
  private readonly dead: Uint8Array;
  private readonly bidDepth: Float64Array;
  private readonly askDepth: Float64Array;
  private readonly bidSeen: Int32Array;
  private readonly askSeen: Int32Array;
  private readonly decay: Float64Array;
  private readonly adlOrder: Int32Array;
  private readonly adlScore: Float64Array;
  private adlLen = 0;
  /**
   * liquidation.engine partial: each account's current size and collateral (its drawn ones until it is sliced),
   * the liquidation price of a sliced account, the first step it may be sliced again and the round it was
   * last sliced in; the sliced accounts still open, per side (kept in order of first slice, taken in key order
   * each round).
   */
  private curSize: Float64Array;
  private curColl: Float64Array;
  /** Their own storage with `partial`; without it they are the population's arrays (never written). */
  private readonly sizeBuf: Float64Array;
  private readonly collBuf: Float64Array;
  private readonly curLiq: Float64Array;
  private readonly nextSlice: Int32Array;
  private readonly slicedRound: Int32Array;
  private longPend: number[] = [];
  private shortPend: number[] = [];
  private adlCursor = 0;
  private adlRound = -1;
  private adlSide = 0;
  private round = 0;
  private path = 0;
  private step = 0;
  private centre = 0;
  private bidTop = 1;
  private askTop = 1;
  private lastPrice = 0;
  private exhausted = false;
  /** market.book.stress: this step's target depth is profile × depthScale (1 without stress). */
  private depthScale = 1;
  private insurance = 0;
  private makers = 0;
  private badDebt = 0;
  private insuranceMin = 0;
  private treasury = 0;
  /** The fund's running peak in the path (updated lazily when it pays: between payouts it only grows). */
  private insurancePeak = 0;
  /** Per-step cap totals, reset lazily at the first liquidation of a step. */
  private capStep = 0;
  private stepNotional = 0;
  private stepLoss = 0;
  /** The step in which a cap was reached: no further liquidation in it. */
  private blockedStep = 0;
  private liquidations = 0;
  private liquidatedNotional = 0;
  private slipValue = 0;
  private markedValue = 0;
  private adlCount = 0;
  private adlNotional = 0;
  /** Called after every step when set: the conservation tests read the ledger here. */
  onStep?: (ledger: Ledger) => void;
  /** Called after every liquidation (whole or slice) when set. */
  onLiquidation?: (event: LiquidationEvent) => void;

  constructor(setup: EngineSetup) {
    this.s = setup;
    const p = setup.params;
    const n = p[P.accountCount];
    this.levels = p[P.levels];
    this.tick = p[P.tickSize];
    this.pop = allocatePopulation(n);
    this.cash = new Float64Array(n);
    this.dead = new Uint8Array(n);
    this.adlOrder = new Int32Array(n);
    this.adlScore = new Float64Array(n);
    this.sizeBuf = new Float64Array(n);
    this.collBuf = new Float64Array(n);
    this.curSize = this.sizeBuf;
    this.curColl = this.collBuf;
    this.curLiq = new Float64Array(n);
    this.nextSlice = new Int32Array(n);
    this.slicedRound = new Int32Array(n);
    this.bidDepth = new Float64Array(this.levels + 2);
    this.askDepth = new Float64Array(this.levels + 2);
    this.bidSeen = new Int32Array(this.levels + 2);
    this.askSeen = new Int32Array(this.levels + 2);
    const steps = p[P.steps];
    this.decay = new Float64Array(steps + 1);
    this.decay[0] = 1;
    const keep = 1 - p[P.resilience];
    for (let d = 1; d <= steps; d++) this.decay[d] = this.decay[d - 1] * keep;
  }

  /** Draws (or copies) the run's population and builds its ladder. Call once per run and seed. */
  prepare(seedLo: number, seedHi: number): void {
    this.seedLo = seedLo >>> 0;
    this.seedHi = seedHi >>> 0;
    if (this.s.params[P.resample] === 1) return;
    this.loadPopulation(0);
  }

  /** Whether account i was liquidated or deleveraged in the last path. */
  isClosed(i: number): boolean {
    return this.dead[i] === 1;
  }

  /** Account i's current size, collateral and (once sliced) liquidation price in the last path. */
  position(i: number): { size: number; collateral: number; liquidationPrice: number } {
    return { size: this.curSize[i], collateral: this.curColl[i], liquidationPrice: this.curLiq[i] };
  }

  get population(): Population {
    return this.pop;
  }

  private loadPopulation(population: number): void {
    if (this.s.accounts) copyPopulation(this.s.accounts, this.pop);
    else drawPopulation(this.s, this.pop, this.seedLo, this.seedHi, population);
    buildLadder(this.s, this.pop);
  }

  /** Simulates paths first..first+count−1 and writes one record each into out (RECORD_STRIDE f64 per path). */
  runPaths(first: number, count: number, out: Float64Array): void {
    for (let i = 0; i < count; i++) this.runPath(first + i, out, i * RECORD_STRIDE);
  }

  private runPath(path: number, out: Float64Array, at: number): void {
    const p = this.s.params;
    if (p[P.resample] === 1) this.loadPopulation(path + 1);
    const pop = this.pop;
    const tick = this.tick;
    const steps = p[P.steps];
    const model = p[P.priceModel];
    const markMid = p[P.markModel] === MARK_MODEL.mid;
    const markEma = p[P.markModel] === MARK_MODEL.ema;
    const alpha = p[P.emaAlpha];
    const withdrawal = p[P.stressWithdrawal];
    const stressFloor = p[P.stressFloor];
    const stressed = withdrawal > 0;
    const maxRounds = p[P.maxRounds];
    const dt = p[P.stepSeconds] / SECONDS_PER_YEAR;
    const vol = p[P.volatility];
    const muDt = (p[P.drift] - 0.5 * vol * vol) * dt;
    const sigDt = vol * Math.sqrt(dt);
    const lambdaDt = p[P.jumpIntensity] * dt;
    const noJumpProb = exp(-lambdaDt);
    const jumpMean = p[P.jumpMeanLog];
    const jumpStd = p[P.jumpStdLog];
    const nReturns = p[P.returnsCount];
    const returns = this.s.returns;
    const shocks = this.s.shocks;
    const levels = this.levels;
    const w = this.w;

    // reset the path's state
    this.path = path;
    // a live account's cash is its collateral; cash[i] is written when it dies, so nothing else resets
    this.dead.fill(0);
    const partial = p[P.partialOn] === 1;
    if (partial) {
      this.sizeBuf.set(pop.size);
      this.collBuf.set(pop.collateral);
      this.curSize = this.sizeBuf;
      this.curColl = this.collBuf;
      this.longPend = [];
      this.shortPend = [];
    } else {
      this.curSize = pop.size;
      this.curColl = pop.collateral;
    }
    this.bidSeen.fill(-1);
    this.askSeen.fill(-1);
    this.step = 0;
    this.round = 0;
    this.adlRound = -1;
    this.insurance = p[P.insurance];
    this.insuranceMin = this.insurance;
    this.insurancePeak = this.insurance;
    this.treasury = 0;
    this.capStep = 0;
    this.stepNotional = 0;
    this.stepLoss = 0;
    this.blockedStep = 0;
    this.makers = 0;
    this.badDebt = 0;
    this.liquidations = 0;
    this.liquidatedNotional = 0;
    this.slipValue = 0;
    this.markedValue = 0;
    this.adlCount = 0;
    this.adlNotional = 0;
    this.exhausted = false;
    this.depthScale = 1;
    let longCursor = 0;
    let shortCursor = 0;
    let firstLiquidationStep = -1;
    let maxRoundsInStep = 0;

    let fundamental = p[P.initialPrice];
    this.centre = this.centreOf(fundamental);
    this.bidTop = 1;
    this.askTop = 1;
    let mark = this.mid();
    let ema = mark;
    let minPrice = mark;
    let markPeak = mark;
    let maxDrawdown = 0;
    let exoPeak = (this.centre + 0.5) * tick;
    let exoDrawdown = 0;

    for (let t = 1; t <= steps; t++) {
      this.step = t;
      // (0) liquidity under stress: this step's target depth, from the mark's drawdown as the step starts
      if (stressed) {
        const keep = 1 - withdrawal * ((markPeak - mark) / markPeak);
        this.depthScale = keep > stressFloor ? keep : stressFloor;
      }
      // (1) the exogenous move shifts the fundamental and, with it, the whole book
      if (model !== PRICE_MODEL.none) {
        let r = 0;
        if (model === PRICE_MODEL.replay) {
          if (nReturns >= steps) r = returns[t - 1];
          else {
            philox(t, path, 0, DOMAIN.market, this.seedLo, this.seedHi, w);
            r = returns[Math.floor(uniform52(w[0], w[1]) * nReturns)];
          }
        } else {
          philox(t, path, 0, DOMAIN.market, this.seedLo, this.seedHi, w);
          r = muDt + sigDt * normalInv(uniform52(w[0], w[1]));
          if (model === PRICE_MODEL.merton) {
            const u = uniform52(w[2], w[3]);
            let jumps = 0;
            let prob = noJumpProb;
            let cdf = prob;
            while (u > cdf && jumps < 100) {
              jumps++;
              prob = (prob * lambdaDt) / jumps;
              cdf += prob;
            }
            if (jumps > 0) {
              philox(t, path, 1, DOMAIN.market, this.seedLo, this.seedHi, w);
              r += jumps * jumpMean + Math.sqrt(jumps) * jumpStd * normalInv(uniform52(w[0], w[1]));
            }
          }
        }
        fundamental = fundamental * exp(r);
      }
      if (shocks[t] !== 0) fundamental = fundamental * (1 + shocks[t]);
      this.centre = this.centreOf(fundamental);
      const exo = (this.centre + 0.5) * tick;
      if (exo > exoPeak) exoPeak = exo;
      const exoDd = (exoPeak - exo) / exoPeak;
      if (exoDd > exoDrawdown) exoDrawdown = exoDd;

      // (2) refill is lazy (applied when a level is next read); the touch is found again
      if (this.decay.length > 1 && this.decay[1] < 1) {
        this.bidTop = 1;
        this.askTop = 1;
      }
      this.bidTop = this.firstBid(this.bidTop);
      this.askTop = this.firstAsk(this.askTop);
      // (3) the mark: someone trades at the touch before anything else, so `last` restarts at the mid
      mark = this.mid();
      // the ema mark moves once per step, toward the mid, and holds through the step's rounds
      if (markEma) {
        ema = ema + alpha * (mark - ema);
        mark = ema;
      }

      // (4) cascade rounds at the current mark until nobody is under water
      let rounds = 0;
      while (rounds < maxRounds) {
        let n = 0;
        this.round++;
        // a step whose caps are reached liquidates nobody more: the cursor stays on the next account
        while (longCursor < pop.longCount && pop.longLiq[longCursor] >= mark && this.blockedStep !== t) {
          const i = pop.longOrder[longCursor++];
          if (this.dead[i] === 0) {
            if (partial) this.liquidatePartial(i, 1, mark);
            else this.liquidate(i, 1, mark);
            n++;
          }
        }
        while (shortCursor < pop.shortCount && pop.shortLiq[shortCursor] <= mark && this.blockedStep !== t) {
          const i = pop.shortOrder[shortCursor++];
          if (this.dead[i] === 0) {
            if (partial) this.liquidatePartial(i, -1, mark);
            else this.liquidate(i, -1, mark);
            n++;
          }
        }
        if (partial) n += this.slicedRound_(mark);
        if (n === 0) break;
        rounds++;
        if (firstLiquidationStep < 0) firstLiquidationStep = t;
        if (!markEma) mark = markMid ? this.mid() : this.lastPrice;
        if (mark < minPrice) minPrice = mark;
        if (mark > markPeak) markPeak = mark;
        const dd = (markPeak - mark) / markPeak;
        if (dd > maxDrawdown) maxDrawdown = dd;
      }
      if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
      if (mark < minPrice) minPrice = mark;
      if (mark > markPeak) markPeak = mark;
      const dd = (markPeak - mark) / markPeak;
      if (dd > maxDrawdown) maxDrawdown = dd;
      if (this.onStep) this.onStep(this.ledger());
    }

    out[at + METRIC.liquidations] = this.liquidations;
    out[at + METRIC.liquidatedNotional] = this.liquidatedNotional;
    out[at + METRIC.maxRoundsInStep] = maxRoundsInStep;
    out[at + METRIC.minPrice] = minPrice;
    out[at + METRIC.finalPrice] = mark;
    out[at + METRIC.maxDrawdown] = maxDrawdown;
    out[at + METRIC.exogenousDrawdown] = exoDrawdown;
    out[at + METRIC.amplification] = amplification(maxDrawdown, exoDrawdown, tick / p[P.initialPrice]);
    out[at + METRIC.insuranceMin] = this.insuranceMin;
    out[at + METRIC.insuranceFinal] = this.insurance;
    out[at + METRIC.badDebt] = this.badDebt;
    out[at + METRIC.adlCount] = this.adlCount;
    out[at + METRIC.adlNotional] = this.adlNotional;
    out[at + METRIC.avgSlippage] = this.markedValue > 0 ? this.slipValue / this.markedValue : 0;
    out[at + METRIC.bookExhausted] = this.exhausted ? 1 : 0;
    out[at + METRIC.firstLiquidationStep] = firstLiquidationStep;
  }

  /** The book's centre tick (the best bid's tick), kept far enough above zero for every level to have a price. */
  private centreOf(fundamental: number): number {
    const c = Math.floor(fundamental / this.tick + 1e-7);
    return c > this.levels + 1 ? c : this.levels + 1;
  }

  private mid(): number {
    return (this.centre + 1 - this.bidTop + (this.centre + this.askTop)) * 0.5 * this.tick;
  }

  /**
   * Depth of bid level k now: untouched this path → the target (profile × depthScale); else refilled toward
   * it lazily and capped at it (market.book.stress: depth above a shrunk target is withdrawn at once).
   */
  private bidAt(k: number): number {
    const seen = this.bidSeen[k];
    const target = this.s.bidProfile[k] * this.depthScale;
    if (seen < 0) {
      this.bidSeen[k] = this.step;
      this.bidDepth[k] = target;
      return target;
    }
    if (seen < this.step) {
      const d = target - (target - this.bidDepth[k]) * this.decay[this.step - seen];
      this.bidDepth[k] = d > target ? target : d;
      this.bidSeen[k] = this.step;
    }
    return this.bidDepth[k];
  }

  private askAt(k: number): number {
    const seen = this.askSeen[k];
    const target = this.s.askProfile[k] * this.depthScale;
    if (seen < 0) {
      this.askSeen[k] = this.step;
      this.askDepth[k] = target;
      return target;
    }
    if (seen < this.step) {
      const d = target - (target - this.askDepth[k]) * this.decay[this.step - seen];
      this.askDepth[k] = d > target ? target : d;
      this.askSeen[k] = this.step;
    }
    return this.askDepth[k];
  }

  private firstBid(from: number): number {
    let k = from;
    while (k <= this.levels && !(this.bidAt(k) > 0)) k++;
    return k;
  }

  private firstAsk(from: number): number {
    let k = from;
    while (k <= this.levels && !(this.askAt(k) > 0)) k++;
    return k;
  }

  /**
   * A market sell of qty into the bids; returns the fill notional. Past the last level the rest fills one
   * tick beyond the book's edge (the venue's last-resort price) and the path is flagged bookExhausted.
   */
  sell(qty: number): number {
    let rem = qty;
    let notional = 0;
    let k = this.bidTop;
    const levels = this.levels;
    while (rem > 0) {
      if (k > levels) {
        const edge = (this.centre - levels) * this.tick;
        notional += rem * edge;
        this.lastPrice = edge;
        this.exhausted = true;
        rem = 0;
        break;
      }
      const d = this.bidAt(k);
      if (d > 0) {
        const price = (this.centre + 1 - k) * this.tick;
        this.lastPrice = price;
        if (d > rem) {
          this.bidDepth[k] = d - rem;
          notional += rem * price;
          rem = 0;
          break;
        }
        this.bidDepth[k] = 0;
        notional += d * price;
        rem -= d;
      }
      k++;
    }
    this.bidTop = k;
    return notional;
  }

  /** A market buy of qty from the asks; mirror of sell. */
  buy(qty: number): number {
    let rem = qty;
    let notional = 0;
    let k = this.askTop;
    const levels = this.levels;
    while (rem > 0) {
      if (k > levels) {
        const edge = (this.centre + levels + 1) * this.tick;
        notional += rem * edge;
        this.lastPrice = edge;
        this.exhausted = true;
        rem = 0;
        break;
      }
      const d = this.askAt(k);
      if (d > 0) {
        const price = (this.centre + k) * this.tick;
        this.lastPrice = price;
        if (d > rem) {
          this.askDepth[k] = d - rem;
          notional += rem * price;
          rem = 0;
          break;
        }
        this.askDepth[k] = 0;
        notional += d * price;
        rem -= d;
      }
      k++;
    }
    this.askTop = k;
    return notional;
  }

  /**
   * The partial engine's second half of a round: the sliced accounts still open across the mark and not cooling
   * down, longs then shorts, each side in key order (longs by liquidation price descending, shorts ascending,
   * ties by account index ascending). An account sliced in this round waits for the next one.
   */
  private slicedRound_(mark: number): number {
    let n = 0;
    for (let side = 1; side >= -1; side -= 2) {
      const list = (side > 0 ? this.longPend : this.shortPend).filter((i) => this.dead[i] === 0);
      if (side > 0) this.longPend = list;
      else this.shortPend = list;
      const liq = this.curLiq;
      const due: number[] = [];
      for (const i of list) {
        const crosses = side > 0 ? liq[i] >= mark : liq[i] <= mark;
        if (crosses && this.nextSlice[i] <= this.step && this.slicedRound[i] !== this.round) due.push(i);
      }
      // insertion sort by key, then index (the kernel sorts the same way)
      for (let a = 1; a < due.length; a++) {
        const i = due[a];
        let b = a - 1;
        while (b >= 0 && before(side, liq[i], i, liq[due[b]], due[b])) {
          due[b + 1] = due[b];
          b--;
        }
        due[b + 1] = i;
      }
      for (const i of due) {
        if (this.blockedStep === this.step) break;
        if (this.dead[i] === 1) continue;
        this.liquidatePartial(i, side, mark);
        n++;
      }
    }
    return n;
  }

  /** market: closes account i whole at its initial size and collateral. */
  private liquidate(i: number, s: number, mark: number): void {
    this.close(i, s, mark, this.pop.size[i], this.pop.collateral[i]);
  }

  /** Closes account i (side s, size q, collateral c) by market order and settles it: fee, insurance draw, ADL, bad debt. */
  private close(i: number, s: number, mark: number, q: number, c: number): void {
    const notional = s > 0 ? this.sell(q) : this.buy(q);
    const pnl = s * (notional - q * this.pop.entry[i]);
    this.makers -= pnl;
    const remaining = c + pnl;
    this.liquidations++;
    this.liquidatedNotional += notional;
    this.slipValue += s * (q * mark - notional);
    this.markedValue += q * mark;
    this.dead[i] = 1;
    if (this.onLiquidation) this.onLiquidation({ step: this.step, round: this.round, account: i, side: s, size: q, notional, whole: true });
    let paid = 0;
    if (remaining >= 0) {
      const fee = Math.min(this.s.params[P.feeRate] * notional, remaining);
      this.cash[i] = remaining - fee;
      this.collectFee(fee);
    } else {
      // the fill was worse than the bankruptcy price: the fund pays down to its floor, then ADL, then bad debt
      this.cash[i] = 0;
      paid = this.cover(-remaining, s, mark);
    }
    this.capCheck(notional, paid);
  }

  /** A liquidation fee into the fund; a capped fund keeps its cap and the excess goes to the treasury. */
  private collectFee(fee: number): void {
    this.insurance += fee;
    const cap = this.s.params[P.insuranceCap];
    if (this.insurance > cap) {
      this.treasury += this.insurance - cap;
      this.insurance = cap;
    }
  }

  /**
   * partial: closes account i whole at its current size (the settlement of liquidate(), on the current size and
   * collateral), or slices it when its notional at the mark is above the threshold.
   */
  private liquidatePartial(i: number, s: number, mark: number): void {
    const p = this.s.params;
    const q = this.curSize[i];
    if (p[P.partialFraction] < 1 && q * mark > p[P.partialThreshold]) {
      this.slice(i, s, mark);
      return;
    }
    this.close(i, s, mark, q, this.curColl[i]);
  }

  /**
   * partial: sells (buys) fraction × the current size of account i by market order and settles the slice pro
   * rata; the account stays open with the rest, its liquidation price recomputed, and may be sliced again from
   * step + cooldownSteps (in a later round).
   */
  private slice(i: number, s: number, mark: number): void {
    const pop = this.pop;
    const p = this.s.params;
    const f = p[P.partialFraction];
    const q = this.curSize[i];
    const c = this.curColl[i];
    const qs = f * q;
    const notional = s > 0 ? this.sell(qs) : this.buy(qs);
    const pnl = s * (notional - qs * pop.entry[i]);
    this.makers -= pnl;
    const cs = f * c;
    const remaining = cs + pnl;
    this.liquidations++;
    this.liquidatedNotional += notional;
    this.slipValue += s * (qs * mark - notional);
    this.markedValue += qs * mark;
    this.curSize[i] = q - qs;
    if (this.onLiquidation) this.onLiquidation({ step: this.step, round: this.round, account: i, side: s, size: qs, notional, whole: false });
    let paid = 0;
    if (remaining >= 0) {
      const fee = Math.min(p[P.feeRate] * notional, remaining);
      this.curColl[i] = c - cs + (remaining - fee);
      this.collectFee(fee);
    } else {
      this.curColl[i] = c - cs;
      paid = this.cover(-remaining, s, mark);
    }
    this.curLiq[i] = liquidationPrice(tierTable(this.s), s, this.curSize[i], pop.entry[i], this.curColl[i]);
    this.nextSlice[i] = this.step + p[P.partialCooldown];
    if (!this.pending(i, s)) (s > 0 ? this.longPend : this.shortPend).push(i);
    this.slicedRound[i] = this.round;
    // the ADL ranking of this round saw the old size: the next deficit ranks again
    this.adlRound = -1;
    this.capCheck(notional, paid);
  }

  private pending(i: number, s: number): boolean {
    return (s > 0 ? this.longPend : this.shortPend).includes(i);
  }

  /** A deficit: the fund pays down to its floor, then ADL, then bad debt. Returns what the fund paid. */
  private cover(deficit0: number, s: number, mark: number): number {
    const p = this.s.params;
    let paid = 0;
    {
      let deficit = deficit0;
      if (this.insurance > this.insurancePeak) this.insurancePeak = this.insurance;
      const floor = this.insurancePeak * (1 - p[P.fundDrawdown]);
      const avail = this.insurance - floor;
      if (avail > 0) {
        if (deficit >= avail) {
          paid = avail;
          this.insurance = floor;
        } else {
          paid = deficit;
          this.insurance -= deficit;
        }
      }
      deficit -= paid;
      if (this.insurance < this.insuranceMin) this.insuranceMin = this.insurance;
      if (deficit > 0 && p[P.adlRanking] !== ADL_RANKING.none) deficit = this.autoDeleverage(-s, deficit, mark);
      if (deficit > 0) this.badDebt += deficit;
    }
    return paid;
  }

  /** The per-step caps after one settlement: the account that reaches a cap is settled whole; the next one waits. */
  private capCheck(notional: number, paid: number): void {
    const p = this.s.params;
    const capN = p[P.capNotional];
    const capL = p[P.capInsuranceLoss];
    if (capN < Infinity || capL < Infinity) {
      if (this.capStep !== this.step) {
        this.capStep = this.step;
        this.stepNotional = 0;
        this.stepLoss = 0;
      }
      this.stepNotional += notional;
      this.stepLoss += paid;
      if (this.stepNotional >= capN || this.stepLoss >= capL) this.blockedStep = this.step;
    }
  }

  /**
   * Closes profitable accounts of side `side` at the mark, best-ranked first, and takes the shortfall from
   * their realised profit (never their principal). The ranking is built once per cascade round, lazily.
   */
  private autoDeleverage(side: number, deficit: number, mark: number): number {
    if (this.adlRound !== this.round || this.adlSide !== side) this.rankForAdl(side, mark);
    const pop = this.pop;
    while (deficit > 0 && this.adlCursor < this.adlLen) {
      const j = this.adlOrder[this.adlCursor++];
      if (this.dead[j] === 1) continue;
      const q = this.curSize[j];
      const profit = side * q * (mark - pop.entry[j]);
      this.makers -= profit;
      const haircut = Math.min(deficit, profit);
      this.cash[j] = this.curColl[j] + profit - haircut;
      deficit -= haircut;
      this.dead[j] = 1;
      this.adlCount++;
      this.adlNotional += q * mark;
    }
    return deficit;
  }

  private rankForAdl(side: number, mark: number): void {
    const pop = this.pop;
    const random = this.s.params[P.adlRanking] === ADL_RANKING.random;
    let n = 0;
    for (let j = 0; j < pop.count; j++) {
      if (this.dead[j] === 1 || (pop.isLong[j] === 1 ? 1 : -1) !== side) continue;
      const profit = side * this.curSize[j] * (mark - pop.entry[j]);
      if (!(profit > 0)) continue;
      let score: number;
      if (random) {
        philox(j, this.path, this.step, DOMAIN.adl, this.seedLo, this.seedHi, this.w);
        score = uniform52(this.w[0], this.w[1]);
      } else {
        // Binance: PnL% × effective leverage
        const margin = this.curColl[j];
        score = (profit / margin) * ((this.curSize[j] * mark) / (margin + profit));
      }
      this.adlOrder[n] = j;
      this.adlScore[n] = score;
      n++;
    }
    const score = this.adlScore;
    const idx = Array.from({ length: n }, (_, r) => r).sort((a, b) => score[b] - score[a] || this.adlOrder[a] - this.adlOrder[b]);
    const order = idx.map((r) => this.adlOrder[r]);
    for (let r = 0; r < n; r++) this.adlOrder[r] = order[r];
    this.adlLen = n;
    this.adlCursor = 0;
    this.adlRound = this.round;
    this.adlSide = side;
  }

  private ledger(): Ledger {
    let traders = 0;
    for (let i = 0; i < this.pop.count; i++) traders += this.dead[i] === 1 ? this.cash[i] : this.curColl[i];
    return {
      step: this.step,
      traders,
      insurance: this.insurance,
      makers: this.makers,
      badDebt: this.badDebt,
      treasury: this.treasury,
      liquidatedNotional: this.liquidatedNotional,
    };
  }
}

/** Key order of the partial engine's sliced accounts: longs by liquidation price descending, shorts ascending, then index. */
function before(side: number, la: number, ia: number, lb: number, ib: number): boolean {
  if (la === lb) return ia < ib;
  return side > 0 ? la > lb : la < lb;
}

/** maxDrawdown / exogenousDrawdown, the denominator floored at one tick's share of the price; 1 when both are 0. */
export function amplification(maxDrawdown: number, exoDrawdown: number, oneTick: number): number {
  if (maxDrawdown === 0 && exoDrawdown === 0) return 1;
  return maxDrawdown / (exoDrawdown > oneTick ? exoDrawdown : oneTick);
}
