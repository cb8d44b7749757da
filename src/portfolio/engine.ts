// The multi-market, multi-collateral cross-margin cascade: the pure-TypeScript reference engine, written
// plainly on flat typed arrays so that a WASM port can do the same f64 operations in the same order.
//
// Model decisions (the README section "Cross margin over several markets" is the user's version):
// - Markets: each has a fundamental F following GBM, with the markets' standard normals correlated through
//   the Cholesky factor L of `correlation` (x = L·z, summed in index order), z_k = normalInv(uniform52) of
//   philox(counter = step, path, k, PF_DOMAIN.returns); plus deterministic shocks (simple returns). Each
//   market has a book stored relative to F (level k of the bids k−1 ticks below F's tick, asks k ticks
//   above), refilled lazily at its resilience, exactly as the single-market reference engine's book.
//   The mark is the last trade (restarted at the mid at the start of each step) or the mid.
// - Collateral assets: `external` ones follow their own GBM (independent draws, counter index M + a) plus
//   shocks, nothing on the venue moves them; `venue-book` ones have a book on the venue whose fundamental
//   follows that process (a depeg is a shock on it) and are marked at that book: liquidations sell the
//   collateral into it, which moves the mark every other account's collateral is valued at.
// - A deposit counts toward equity from its step `arrivesAtStep` on (0: from the start). A closed account's
//   deposits still in transit stay the trader's: they are never seized.
// - Equity of an account = cash + Σ arrived deposits × price × (1 − haircut) + Σ open legs s·q·(mark − entry);
//   maintenance = Σ open legs' tiered MM at the mark (notional × mmr − maintenanceAmount, bracket of the
//   notional). Cash starts at 0 and holds realised PnL, fees and the proceeds of collateral sales.
// - Cascade round: accounts in index order; an account with equity < maintenance has its worst leg closed
//   by a market order walking that leg's book, is re-checked at the moved marks, and so on until it is
//   healthy or has no leg left. The worst leg is the one with the smallest unrealised PnL (the largest loss)
//   at the current marks; ties go to the larger maintenance margin, then to the lower leg index.
//   A liquidation fee feeRate × fill notional goes to the insurance fund, capped at the equity left after
//   the fill (a fee never creates a shortfall). Rounds repeat until one liquidates nothing (or maxRoundsPerStep).
// - Close-out: when an account's last leg is closed, its arrived collateral is converted: venue-book assets
//   sold by market order into their own book, external ones at their external price. A negative cash balance
//   left is paid by the insurance fund, and what the fund cannot pay is bad debt. There is no ADL here.
// - Money (quote units) is conserved: Σ traders' cash + Σ deposits (arrived or not) × their initial price
//   + insurance + makers − bad debt is constant. The makers' account is the other side of every fill: it
//   pays a leg's realised PnL and, for a converted deposit, gains its initial value less the proceeds.
// - Records: the project's 16 metric names (price metrics of market 0; adlCount and adlNotional are 0),
//   then collateral metrics, then per-market and per-asset price metrics (see portfolioMetricNames).
//   Price extremes are taken at the start of each step (after the mark restarts) and after every fill.
import { amplification } from "../engine/reference.js";
import { exp, normalInv } from "../engine/mathfn.js";
import { philox, uniform52 } from "../engine/philox.js";
import type { PortfolioScenario } from "./schema.js";
import { PF_DOMAIN, buildPortfolioSetup, centreTick, seedWords, type PortfolioSetup } from "./setup.js";

/** Where the money is at the end of a step. */
export interface PortfolioLedger {
  step: number;
  /** Σ cash + Σ deposits still held (arrived or in transit) × the asset's initial price. */
  traders: number;
  insurance: number;
  makers: number;
  badDebt: number;
  liquidatedNotional: number;
  collateralSold: number;
}

/** One forced trade: a leg closed, or a deposit converted at the close-out. */
export interface PortfolioLiquidationEvent {
  step: number;
  round: number;
  account: number;
  kind: "leg" | "collateral";
  /** Leg index within the account, or deposit index within the account. */
  index: number;
  /** Market index (leg) or asset index (collateral). */
  instrument: number;
  /** +1 long closed by a sale, −1 short closed by a purchase; +1 for a collateral sale. */
  side: number;
  size: number;
  notional: number;
  /** The account's equity and maintenance right after this trade (fee paid). */
  equity: number;
  maintenance: number;
}

/**
 * The single-market record's 16 names (SPEC §4), kept here rather than imported so that a metric added to
 * the single-market record does not shift this one (a test checks they are still the project's names).
 */
export const BASE_METRIC_NAMES = [
  "liquidations",
  "liquidatedNotional",
  "maxRoundsInStep",
  "minPrice",
  "finalPrice",
  "maxDrawdown",
  "exogenousDrawdown",
  "amplification",
  "insuranceMin",
  "insuranceFinal",
  "badDebt",
  "adlCount",
  "adlNotional",
  "avgSlippage",
  "bookExhausted",
  "firstLiquidationStep",
] as const;
const METRIC_NAMES = BASE_METRIC_NAMES;

/** Record layout: the 16 names of SPEC §4, the portfolio's own, then per market and per asset. */
export function portfolioMetricNames(s: PortfolioScenario): string[] {
  const names: string[] = [...METRIC_NAMES, "collateralSold", "collateralSales", "accountsLiquidated", "accountsClosed"];
  for (const m of s.markets) for (const k of MARKET_METRICS) names.push(`markets.${m.name}.${k}`);
  for (const a of s.collateral.assets) for (const k of ASSET_METRICS) names.push(`assets.${a.name}.${k}`);
  return names;
}

const MARKET_METRICS = ["minPrice", "finalPrice", "maxDrawdown", "exogenousDrawdown", "amplification"] as const;
const ASSET_METRICS = ["minPrice", "finalPrice"] as const;
const FIXED = METRIC_NAMES.length + 4;
const M_ = Object.fromEntries(METRIC_NAMES.map((n, i) => [n, i])) as Record<(typeof METRIC_NAMES)[number], number>;

export class PortfolioEngine {
  readonly setup: PortfolioSetup;
  readonly metricNames: string[];
  /** f64 slots per path record. */
  readonly stride: number;
  private readonly seedLo: number;
  private readonly seedHi: number;
  private readonly w = new Uint32Array(4);
  private readonly z: Float64Array;
  private readonly x: Float64Array;
  // books
  private readonly bidDepth: Float64Array;
  private readonly askDepth: Float64Array;
  private readonly bidSeen: Int32Array;
  private readonly askSeen: Int32Array;
  private readonly centre: Float64Array;
  private readonly bidTop: Int32Array;
  private readonly askTop: Int32Array;
  private readonly last: Float64Array;
  private readonly mark: Float64Array;
  /** Per process (market, then asset): its fundamental (for an external asset, its price). */
  private readonly fundamental: Float64Array;
  /** Per asset: the price its deposits are valued at now. */
  private readonly price: Float64Array;
  // per-process price metrics (markets and assets)
  private readonly minPrice: Float64Array;
  private readonly peak: Float64Array;
  private readonly maxDd: Float64Array;
  private readonly exoPeak: Float64Array;
  private readonly exoDd: Float64Array;
  // accounts
  private readonly cash: Float64Array;
  private readonly legOpen: Uint8Array;
  private readonly openLegs: Int32Array;
  private readonly units: Float64Array;
  private readonly closed: Uint8Array;
  private readonly hit: Uint8Array;
  private eq = 0;
  private mm = 0;
  // path state
  private step = 0;
  private round = 0;
  private exhausted = false;
  private insurance = 0;
  private insuranceMin = 0;
  private makers = 0;
  private badDebt = 0;
  private liquidations = 0;
  private liquidatedNotional = 0;
  private collateralSold = 0;
  private collateralSales = 0;
  private slipValue = 0;
  private markedValue = 0;
  /** Called after every step when set. */
  onStep?: (ledger: PortfolioLedger) => void;
  /** Called after every forced trade when set. */
  onLiquidation?: (event: PortfolioLiquidationEvent) => void;

  constructor(readonly scenario: PortfolioScenario) {
    const s = (this.setup = buildPortfolioSetup(scenario));
    this.metricNames = portfolioMetricNames(scenario);
    this.stride = this.metricNames.length;
    [this.seedLo, this.seedHi] = seedWords(scenario.seed);
    const M = s.marketCount;
    const P = M + s.assetCount;
    const B = s.bookCount;
    this.z = new Float64Array(M);
    this.x = new Float64Array(M);
    const cells = s.offset[B];
    this.bidDepth = new Float64Array(cells);
    this.askDepth = new Float64Array(cells);
    this.bidSeen = new Int32Array(cells);
    this.askSeen = new Int32Array(cells);
    this.centre = new Float64Array(B);
    this.bidTop = new Int32Array(B);
    this.askTop = new Int32Array(B);
    this.last = new Float64Array(B);
    this.mark = new Float64Array(B);
    this.fundamental = new Float64Array(P);
    this.price = new Float64Array(s.assetCount);
    this.minPrice = new Float64Array(P);
    this.peak = new Float64Array(P);
    this.maxDd = new Float64Array(P);
    this.exoPeak = new Float64Array(P);
    this.exoDd = new Float64Array(P);
    this.cash = new Float64Array(s.accountCount);
    this.legOpen = new Uint8Array(s.legMarket.length);
    this.openLegs = new Int32Array(s.accountCount);
    this.units = new Float64Array(s.depAmount.length);
    this.closed = new Uint8Array(s.accountCount);
    this.hit = new Uint8Array(s.accountCount);
  }

  /** Money at the start of every path: Σ deposits × initial price + the insurance fund. */
  initialMoney(): number {
    const s = this.setup;
    let total = 0;
    for (let d = 0; d < s.depAmount.length; d++) total += s.depAmount[d] * s.initialPrice[s.marketCount + s.depAsset[d]];
    return total + s.insurance;
  }

  /** Account i at the end of the last path: closed, cash, open leg indices, equity and maintenance at the last marks. */
  account(i: number): { closed: boolean; cash: number; openLegs: number[]; equity: number; maintenance: number } {
    const s = this.setup;
    const open: number[] = [];
    for (let j = s.legStart[i]; j < s.legStart[i + 1]; j++) if (this.legOpen[j] === 1) open.push(j - s.legStart[i]);
    this.measure(i);
    return { closed: this.closed[i] === 1, cash: this.cash[i], openLegs: open, equity: this.eq, maintenance: this.mm };
  }

  /** The fundamental of process p now (market p, or asset p − M): the tests read the generated returns here. */
  fundamentalOf(p: number): number {
    return this.fundamental[p];
  }

  /**
   * The markets' correlated standard normals of (step, path) into out[0..M−1]: x = L·z, z independent.
   * The engine's returns are drift + diffusion·x (the correlation tests read this directly).
   */
  correlatedNormals(step: number, path: number, out: Float64Array): void {
    const s = this.setup;
    const M = s.marketCount;
    const z = this.z;
    const w = this.w;
    for (let k = 0; k < M; k++) {
      philox(step, path, k, PF_DOMAIN.returns, this.seedLo, this.seedHi, w);
      z[k] = normalInv(uniform52(w[0], w[1]));
    }
    const L = s.chol;
    for (let m = 0; m < M; m++) {
      let sum = 0;
      for (let k = 0; k <= m; k++) sum += L[m * M + k] * z[k];
      out[m] = sum;
    }
  }

  /** Simulates paths first..first+count−1, one record of `stride` f64 each into out. */
  runPaths(first: number, count: number, out: Float64Array): void {
    for (let i = 0; i < count; i++) this.runPath(first + i, out, i * this.stride);
  }

  private runPath(path: number, out: Float64Array, at: number): void {
    const s = this.setup;
    const M = s.marketCount;
    const A = s.assetCount;
    const B = s.bookCount;
    const steps = s.steps;
    const N = s.accountCount;
    const x = this.x;
    const w = this.w;

    // reset
    this.bidSeen.fill(-1);
    this.askSeen.fill(-1);
    this.cash.fill(0);
    this.closed.fill(0);
    this.hit.fill(0);
    this.legOpen.fill(1);
    this.units.set(s.depAmount);
    for (let i = 0; i < N; i++) this.openLegs[i] = s.legStart[i + 1] - s.legStart[i];
    this.step = 0;
    this.round = 0;
    this.exhausted = false;
    this.insurance = s.insurance;
    this.insuranceMin = s.insurance;
    this.makers = 0;
    this.badDebt = 0;
    this.liquidations = 0;
    this.liquidatedNotional = 0;
    this.collateralSold = 0;
    this.collateralSales = 0;
    this.slipValue = 0;
    this.markedValue = 0;
    let firstLiquidationStep = -1;
    let maxRoundsInStep = 0;

    for (let p = 0; p < M + A; p++) this.fundamental[p] = s.initialPrice[p];
    for (let b = 0; b < B; b++) {
      this.centre[b] = this.centreOf(b, this.fundamental[s.bookProcess[b]]);
      this.bidTop[b] = 1;
      this.askTop[b] = 1;
      this.mark[b] = this.mid(b);
      this.last[b] = this.mark[b];
    }
    this.refreshPrices();
    for (let p = 0; p < M + A; p++) {
      const v = this.processPrice(p);
      this.minPrice[p] = v;
      this.peak[p] = v;
      this.maxDd[p] = 0;
      this.exoPeak[p] = this.exoPrice(p);
      this.exoDd[p] = 0;
    }

    for (let t = 1; t <= steps; t++) {
      this.step = t;
      // (1) the exogenous moves: correlated across markets, independent for the assets
      const shockAt = steps + 1;
      this.correlatedNormals(t, path, x);
      for (let m = 0; m < M; m++) {
        let f = this.fundamental[m];
        if (s.diffusion[m] > 0) f = f * exp(s.drift[m] + s.diffusion[m] * x[m]);
        const sh = s.shock[m * shockAt + t];
        if (sh !== 0) f = f * (1 + sh);
        this.fundamental[m] = f;
      }
      for (let a = 0; a < A; a++) {
        const p = M + a;
        let f = this.fundamental[p];
        if (s.diffusion[p] > 0) {
          philox(t, path, p, PF_DOMAIN.returns, this.seedLo, this.seedHi, w);
          f = f * exp(s.drift[p] + s.diffusion[p] * normalInv(uniform52(w[0], w[1])));
        }
        const sh = s.shock[p * shockAt + t];
        if (sh !== 0) f = f * (1 + sh);
        this.fundamental[p] = f;
      }
      // (2) every book follows its fundamental; refill is lazy; the touch is found again; (3) marks restart
      for (let b = 0; b < B; b++) {
        this.centre[b] = this.centreOf(b, this.fundamental[s.bookProcess[b]]);
        if (s.decay[b * shockAt + 1] < 1) {
          this.bidTop[b] = 1;
          this.askTop[b] = 1;
        }
        this.bidTop[b] = this.firstBid(b, this.bidTop[b]);
        this.askTop[b] = this.firstAsk(b, this.askTop[b]);
        this.mark[b] = this.mid(b);
      }
      this.refreshPrices();
      for (let p = 0; p < M + A; p++) {
        this.trackPrice(p);
        const exo = this.exoPrice(p);
        if (exo > this.exoPeak[p]) this.exoPeak[p] = exo;
        const dd = (this.exoPeak[p] - exo) / this.exoPeak[p];
        if (dd > this.exoDd[p]) this.exoDd[p] = dd;
      }

      // (4) cascade rounds
      let rounds = 0;
      while (rounds < s.maxRounds) {
        this.round++;
        let n = 0;
        for (let i = 0; i < N; i++) {
          if (this.closed[i] === 1) continue;
          this.measure(i);
          while (this.eq < this.mm) {
            const j = this.worstLeg(i);
            if (j < 0) break;
            this.closeLeg(i, j);
            n++;
            if (this.openLegs[i] === 0) {
              this.closeOut(i);
              break;
            }
            this.measure(i);
          }
        }
        if (n === 0) break;
        rounds++;
        if (firstLiquidationStep < 0) firstLiquidationStep = t;
      }
      if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
      if (this.onStep) this.onStep(this.ledger());
    }

    let accountsLiquidated = 0;
    let accountsClosed = 0;
    for (let i = 0; i < N; i++) {
      accountsLiquidated += this.hit[i];
      accountsClosed += this.closed[i];
    }
    out[at + M_.liquidations] = this.liquidations;
    out[at + M_.liquidatedNotional] = this.liquidatedNotional;
    out[at + M_.maxRoundsInStep] = maxRoundsInStep;
    out[at + M_.minPrice] = this.minPrice[0];
    out[at + M_.finalPrice] = this.processPrice(0);
    out[at + M_.maxDrawdown] = this.maxDd[0];
    out[at + M_.exogenousDrawdown] = this.exoDd[0];
    out[at + M_.amplification] = this.amplificationOf(0);
    out[at + M_.insuranceMin] = this.insuranceMin;
    out[at + M_.insuranceFinal] = this.insurance;
    out[at + M_.badDebt] = this.badDebt;
    out[at + M_.adlCount] = 0;
    out[at + M_.adlNotional] = 0;
    out[at + M_.avgSlippage] = this.markedValue > 0 ? this.slipValue / this.markedValue : 0;
    out[at + M_.bookExhausted] = this.exhausted ? 1 : 0;
    out[at + M_.firstLiquidationStep] = firstLiquidationStep;
    let o = at + METRIC_NAMES.length;
    out[o++] = this.collateralSold;
    out[o++] = this.collateralSales;
    out[o++] = accountsLiquidated;
    out[o++] = accountsClosed;
    for (let m = 0; m < M; m++) {
      out[o++] = this.minPrice[m];
      out[o++] = this.processPrice(m);
      out[o++] = this.maxDd[m];
      out[o++] = this.exoDd[m];
      out[o++] = this.amplificationOf(m);
    }
    for (let a = 0; a < A; a++) {
      out[o++] = this.minPrice[M + a];
      out[o++] = this.processPrice(M + a);
    }
    if (o !== at + this.stride || FIXED + MARKET_METRICS.length * M + ASSET_METRICS.length * A !== this.stride) {
      throw new Error("portfolio record layout mismatch");
    }
  }

  // ---- prices ----------------------------------------------------------------------------------------

  /** The asset prices deposits are valued at: the book's mark for venue-book assets, the process for external ones. */
  private refreshPrices(): void {
    const s = this.setup;
    for (let a = 0; a < s.assetCount; a++) {
      const b = s.assetBook[a];
      this.price[a] = b >= 0 ? this.mark[b] : this.fundamental[s.marketCount + a];
    }
  }

  /** The observed price of process p: a market's mark, an asset's valuation price. */
  private processPrice(p: number): number {
    const M = this.setup.marketCount;
    return p < M ? this.mark[p] : this.price[p - M];
  }

  /** The exogenous price of process p: its book's centre (as the single-market engine), or an external asset's price. */
  private exoPrice(p: number): number {
    const s = this.setup;
    const b = p < s.marketCount ? p : s.assetBook[p - s.marketCount];
    return b >= 0 ? (this.centre[b] + 0.5) * s.tick[b] : this.fundamental[p];
  }

  private trackPrice(p: number): void {
    const v = this.processPrice(p);
    if (v < this.minPrice[p]) this.minPrice[p] = v;
    if (v > this.peak[p]) this.peak[p] = v;
    const dd = (this.peak[p] - v) / this.peak[p];
    if (dd > this.maxDd[p]) this.maxDd[p] = dd;
  }

  private amplificationOf(p: number): number {
    const s = this.setup;
    const b = p < s.marketCount ? p : s.assetBook[p - s.marketCount];
    const oneTick = b >= 0 ? s.tick[b] / s.initialPrice[p] : 0;
    return amplification(this.maxDd[p], this.exoDd[p], oneTick);
  }

  /** After a fill on book b: its mark (last trade or mid), the asset price it values, the price metrics. */
  private afterFill(b: number): void {
    const s = this.setup;
    this.mark[b] = s.markMid[b] === 1 ? this.mid(b) : this.last[b];
    this.refreshPrices();
    this.trackPrice(s.bookProcess[b]);
  }

  // ---- books (the single-market engine's book, one per market and venue-book asset) ------------------

  private centreOf(b: number, fundamental: number): number {
    const c = centreTick(fundamental, this.setup.tick[b]);
    const min = this.setup.levels[b] + 1;
    return c > min ? c : min;
  }

  private mid(b: number): number {
    return (this.centre[b] + 1 - this.bidTop[b] + (this.centre[b] + this.askTop[b])) * 0.5 * this.setup.tick[b];
  }

  private bidAt(b: number, k: number): number {
    const s = this.setup;
    const at = s.offset[b] + k;
    const seen = this.bidSeen[at];
    const target = s.profile[at];
    if (seen < 0) {
      this.bidSeen[at] = this.step;
      this.bidDepth[at] = target;
      return target;
    }
    if (seen < this.step) {
      this.bidDepth[at] = target - (target - this.bidDepth[at]) * s.decay[b * (s.steps + 1) + this.step - seen];
      this.bidSeen[at] = this.step;
    }
    return this.bidDepth[at];
  }

  private askAt(b: number, k: number): number {
    const s = this.setup;
    const at = s.offset[b] + k;
    const seen = this.askSeen[at];
    const target = s.profile[at];
    if (seen < 0) {
      this.askSeen[at] = this.step;
      this.askDepth[at] = target;
      return target;
    }
    if (seen < this.step) {
      this.askDepth[at] = target - (target - this.askDepth[at]) * s.decay[b * (s.steps + 1) + this.step - seen];
      this.askSeen[at] = this.step;
    }
    return this.askDepth[at];
  }

  private firstBid(b: number, from: number): number {
    let k = from;
    const levels = this.setup.levels[b];
    while (k <= levels && !(this.bidAt(b, k) > 0)) k++;
    return k;
  }

  private firstAsk(b: number, from: number): number {
    let k = from;
    const levels = this.setup.levels[b];
    while (k <= levels && !(this.askAt(b, k) > 0)) k++;
    return k;
  }

  /** A market sell of qty into book b's bids; the fill notional. Past the last level the rest fills one tick beyond the edge. */
  private sell(b: number, qty: number): number {
    const s = this.setup;
    const tick = s.tick[b];
    const levels = s.levels[b];
    const base = s.offset[b];
    let rem = qty;
    let notional = 0;
    let k = this.bidTop[b];
    while (rem > 0) {
      if (k > levels) {
        const edge = (this.centre[b] - levels) * tick;
        notional += rem * edge;
        this.last[b] = edge;
        this.exhausted = true;
        break;
      }
      const d = this.bidAt(b, k);
      if (d > 0) {
        const price = (this.centre[b] + 1 - k) * tick;
        this.last[b] = price;
        if (d > rem) {
          this.bidDepth[base + k] = d - rem;
          notional += rem * price;
          break;
        }
        this.bidDepth[base + k] = 0;
        notional += d * price;
        rem -= d;
      }
      k++;
    }
    this.bidTop[b] = k;
    return notional;
  }

  /** A market buy of qty from book b's asks; mirror of sell. */
  private buy(b: number, qty: number): number {
    const s = this.setup;
    const tick = s.tick[b];
    const levels = s.levels[b];
    const base = s.offset[b];
    let rem = qty;
    let notional = 0;
    let k = this.askTop[b];
    while (rem > 0) {
      if (k > levels) {
        const edge = (this.centre[b] + levels + 1) * tick;
        notional += rem * edge;
        this.last[b] = edge;
        this.exhausted = true;
        break;
      }
      const d = this.askAt(b, k);
      if (d > 0) {
        const price = (this.centre[b] + k) * tick;
        this.last[b] = price;
        if (d > rem) {
          this.askDepth[base + k] = d - rem;
          notional += rem * price;
          break;
        }
        this.askDepth[base + k] = 0;
        notional += d * price;
        rem -= d;
      }
      k++;
    }
    this.askTop[b] = k;
    return notional;
  }

  // ---- accounts --------------------------------------------------------------------------------------

  /** Equity and maintenance of account i at the current marks and step, into this.eq and this.mm. */
  private measure(i: number): void {
    const s = this.setup;
    let eq = this.cash[i];
    for (let d = s.depStart[i]; d < s.depStart[i + 1]; d++) {
      const u = this.units[d];
      if (u > 0 && s.depArrives[d] <= this.step) {
        const a = s.depAsset[d];
        eq += u * this.price[a] * (1 - s.haircut[a]);
      }
    }
    let mm = 0;
    for (let j = s.legStart[i]; j < s.legStart[i + 1]; j++) {
      if (this.legOpen[j] === 0) continue;
      const m = s.legMarket[j];
      const mk = this.mark[m];
      eq += s.legSide[j] * s.legSize[j] * (mk - s.legEntry[j]);
      mm += this.maintenance(m, s.legSize[j] * mk);
    }
    this.eq = eq;
    this.mm = mm;
  }

  /** Tiered maintenance margin of a position of this notional in market m. */
  private maintenance(m: number, notional: number): number {
    const s = this.setup;
    let j = s.tierStart[m];
    const end = s.tierStart[m + 1];
    while (j + 1 < end && notional >= s.tierFloor[j + 1]) j++;
    return notional * s.tierMmr[j] - s.tierAmount[j];
  }

  /** The open leg with the smallest unrealised PnL; ties: the larger maintenance margin, then the lower index. −1: none. */
  private worstLeg(i: number): number {
    const s = this.setup;
    let best = -1;
    let bestPnl = 0;
    let bestMm = 0;
    for (let j = s.legStart[i]; j < s.legStart[i + 1]; j++) {
      if (this.legOpen[j] === 0) continue;
      const m = s.legMarket[j];
      const mk = this.mark[m];
      const pnl = s.legSide[j] * s.legSize[j] * (mk - s.legEntry[j]);
      const mm = this.maintenance(m, s.legSize[j] * mk);
      if (best < 0 || pnl < bestPnl || (pnl === bestPnl && mm > bestMm)) {
        best = j;
        bestPnl = pnl;
        bestMm = mm;
      }
    }
    return best;
  }

  /** Closes leg j of account i by market order; realises its PnL; charges the fee (capped at the equity left). */
  private closeLeg(i: number, j: number): void {
    const s = this.setup;
    const m = s.legMarket[j];
    const side = s.legSide[j];
    const q = s.legSize[j];
    const markBefore = this.mark[m];
    const notional = side > 0 ? this.sell(m, q) : this.buy(m, q);
    this.afterFill(m);
    const pnl = side * (notional - q * s.legEntry[j]);
    this.cash[i] += pnl;
    this.makers -= pnl;
    this.legOpen[j] = 0;
    this.openLegs[i]--;
    this.hit[i] = 1;
    this.liquidations++;
    this.liquidatedNotional += notional;
    this.slipValue += side * (q * markBefore - notional);
    this.markedValue += q * markBefore;
    this.measure(i);
    let fee = s.feeRate * notional;
    const room = this.eq > 0 ? this.eq : 0;
    if (fee > room) fee = room;
    this.cash[i] -= fee;
    this.insurance += fee;
    if (this.onLiquidation) {
      this.onLiquidation({
        step: this.step,
        round: this.round,
        account: i,
        kind: "leg",
        index: j - s.legStart[i],
        instrument: m,
        side,
        size: q,
        notional,
        equity: this.eq - fee,
        maintenance: this.mm,
      });
    }
  }

  /** The account has no leg left: convert its arrived deposits, then cover a negative balance (fund, then bad debt). */
  private closeOut(i: number): void {
    const s = this.setup;
    const M = s.marketCount;
    for (let d = s.depStart[i]; d < s.depStart[i + 1]; d++) {
      const u = this.units[d];
      if (!(u > 0) || s.depArrives[d] > this.step) continue;
      const a = s.depAsset[d];
      const b = s.assetBook[a];
      let proceeds: number;
      if (b >= 0) {
        proceeds = this.sell(b, u);
        this.afterFill(b);
      } else {
        proceeds = u * this.price[a];
      }
      this.units[d] = 0;
      this.cash[i] += proceeds;
      this.makers -= proceeds - u * s.initialPrice[M + a];
      this.collateralSold += proceeds;
      this.collateralSales++;
      if (this.onLiquidation) {
        this.measure(i);
        this.onLiquidation({
          step: this.step,
          round: this.round,
          account: i,
          kind: "collateral",
          index: d - s.depStart[i],
          instrument: a,
          side: 1,
          size: u,
          notional: proceeds,
          equity: this.eq,
          maintenance: this.mm,
        });
      }
    }
    const c = this.cash[i];
    if (c < 0) {
      const deficit = -c;
      const paid = deficit < this.insurance ? deficit : this.insurance;
      this.insurance -= paid;
      if (this.insurance < this.insuranceMin) this.insuranceMin = this.insurance;
      this.badDebt += deficit - paid;
      this.cash[i] = 0;
    }
    this.closed[i] = 1;
  }

  private ledger(): PortfolioLedger {
    const s = this.setup;
    let traders = 0;
    for (let i = 0; i < s.accountCount; i++) traders += this.cash[i];
    for (let d = 0; d < s.depAmount.length; d++) traders += this.units[d] * s.initialPrice[s.marketCount + s.depAsset[d]];
    return {
      step: this.step,
      traders,
      insurance: this.insurance,
      makers: this.makers,
      badDebt: this.badDebt,
      liquidatedNotional: this.liquidatedNotional,
      collateralSold: this.collateralSold,
    };
  }
}
