// The pure-TypeScript reference engine: the model of one cascade path, written plainly. It is the oracle
// of the differential tests (the WASM kernel must give the same records bit for bit) and the baseline of
// the speed ratios. Every f64 operation here has its twin, in the same order, in assembly/.

import { ADL_PRICE, ADL_RANKING, AUCTION_CURVE, DOMAIN, FEE_KIND, LIQUIDATION_ENGINE, MARK_MODEL, P, PRICE_MODEL, SECONDS_PER_YEAR } from "./layout.js";
import { exp, log, normalInv } from "./mathfn.js";
import { METRIC, RECORD_STRIDE } from "./metrics.js";
import { philox, uniform52 } from "./philox.js";
import { conventionLiquidationPrice, type TierTable } from "./margin.js";
import { MarginModel } from "./margin-model.js";
import { admitArrival, allocatePopulation, buildLadder, copyPopulation, drawArrival, drawPopulation, tierTable, type Population } from "./population.js";
import { FLOW_CHUNK, FLOW_CHUNK_MAX, FLOW_STREAM, flowCounter } from "./flow.js";
import type { EngineSetup } from "./setup.js";
import { LatentBook } from "./book.js";
import { KIND, TraceRecorder } from "./trace.js";
import { FanSampler, OpenInterest, type FanSink } from "./fan.js";

/** Where the money is at the end of a step (SPEC §3 conservation). */
export interface Ledger {
  step: number;
  traders: number;
  insurance: number;
  makers: number;
  badDebt: number;
  /** Fees the capped insurance fund could not hold (insurance.cap). */
  treasury: number;
  /** The collateral accounts.flow's arrivals brought in so far in the path: money that entered the venue. */
  arrivals: number;
  /** Open accounts at the end of the step (the population and the arrivals, less the closed). */
  open: number;
  /** Cumulative notional liquidated in the path so far (the caps tests read it per step). */
  liquidatedNotional: number;
  /** The backstop vault's cash (engine backstop; 0 otherwise). */
  vault: number;
  /** The mark the step ended on (its loss allocation's). */
  mark: number;
}

/**
 * One event of accounts.flow (src/engine/flow.ts): a voluntary close, a close drawn on an account the liquidation
 * engine holds (blocked: nothing happens), or an arrival (size, fill notional, entry and collateral).
 */
export interface FlowEvent {
  step: number;
  kind: "close" | "blocked" | "arrival";
  account: number;
  side: number;
  size: number;
  notional: number;
  /** Arrivals: the entry (the fill's average price) and the collateral brought in. */
  entry?: number;
  collateral?: number;
}

/** One step of accounts.flow: the open accounts as it starts, the Poisson means and the counts drawn. */
export interface FlowStepEvent {
  step: number;
  open: number;
  closeMean: number;
  /** Closes drawn (capped by the open accounts), blocked ones included. */
  closes: number;
  arrivalMean: number;
  /** Arrivals drawn (an arrival past the pool does not happen: see arrived). */
  arrivals: number;
  arrived: number;
}

/** One auction's price in one cascade round (engine dutch-auction; the auction tests read them). */
export interface AuctionEvent {
  step: number;
  round: number;
  account: number;
  side: number;
  /** Seconds since the kick or the last redo. */
  elapsed: number;
  top: number;
  price: number;
  /** Units the keepers took at this price (0 when they did not take). */
  taken: number;
}

/** One entry of a step's loss allocation: a bankrupt remainder (account ≥ 0) or a deficit no size carries (−1). */
interface LossEntry {
  account: number;
  side: number;
  size: number;
  collateral: number;
  price: number;
  deficit: number;
}

/** One ADL closure: account (side) closed `size` at `price` against bankrupt account `bankrupt`. */
export interface AdlEvent {
  step: number;
  account: number;
  side: number;
  size: number;
  price: number;
  whole: boolean;
  bankrupt: number;
}

/** What a deficit took from each profitable account under adl.ranking socialized. */
export interface SocializedLossEvent {
  step: number;
  deficit: number;
  haircuts: { account: number; profit: number; haircut: number }[];
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
  /** A bankruptcy: the size the book could not take within the fund's budget, left to ADL (whole closes only). */
  remainder?: number;
}

/** The model in plain TypeScript: prepare() once per run and seed, then runPaths() into a record buffer. */
export class ReferenceEngine {
  private readonly s: EngineSetup;
  /** The setup's brackets as one table (built once: the per-account engine prices accounts in its hot loops). */
  private readonly tiers: TierTable;
  private readonly pop: Population;
  private readonly w = new Uint32Array(4);
  private seedLo = 0;
  private seedHi = 0;
  private readonly tick: number;
  /** The book (src/engine/book.ts): no edge, lasting impact. */
  private readonly book: LatentBook;
  // per-path state
  private readonly cash: Float64Array;
  private readonly dead: Uint8Array;
  /** The fundamental after each step's move, 0..steps: the oracle, possibly lagged. */
  private readonly oracleHist: Float64Array;
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
  /** Per-account engine: the step each account was first liquidated in the path (−1: not yet), for fee ramps. */
  private readonly flagged: Int32Array;
  /** dutch-auction: whether the account is in auction, its top price and the step of its kick or last redo. */
  private readonly inAuction: Uint8Array;
  /** Whether the account has joined its side's list of accounts re-checked at their own liquidation price. */
  private readonly pended: Uint8Array;
  /** socialized: a haircut changed the collateral; the liquidation price is recomputed when next read. */
  private readonly staleLiq: Uint8Array;
  private readonly auctionTop: Float64Array;
  private readonly auctionStart: Int32Array;
  /** The accounts in auction, in kick order. */
  private auctions: number[] = [];
  /** The keepers' capital left in this step. */
  private keeperStep = 0;
  private keeperLeft = 0;
  /** backstop: the vault's cash and its inventory per side (units and their cost at the takeover marks). */
  private vaultCash = 0;
  private vaultLongQ = 0;
  private vaultLongCost = 0;
  private vaultShortQ = 0;
  private vaultShortCost = 0;
  /** margin.model: the requirement the scan engine checks (and the backstop and close-factor engines read). */
  private readonly model: MarginModel;
  private longPend: number[] = [];
  private shortPend: number[] = [];
  private adlCursor = 0;
  private round = 0;
  private path = 0;
  private step = 0;
  private insurance = 0;
  private makers = 0;
  private badDebt = 0;
  // who paid (assembly/cascade.ts says what each one holds)
  private liquidatedPnl = 0;
  private adlPnl = 0;
  private adlTransfer = 0;
  private keepersPnl = 0;
  private feesPaid = 0;
  private shortfall = 0;
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
  /** The step's loss allocation, in the order the bankruptcies happened (allocateLosses). */
  private lossQueue: LossEntry[] = [];
  /** Called after every step when set: the conservation tests read the ledger here. */
  onStep?: (ledger: Ledger) => void;
  /** Called after every liquidation (whole or slice) when set. */
  onLiquidation?: (event: LiquidationEvent) => void;
  /** Called for every auction in every round it is looked at (engine dutch-auction), when set. */
  onAuction?: (event: AuctionEvent) => void;
  /** Called for every ADL closure (whole or part of a position), when set. */
  onAdl?: (event: AdlEvent) => void;
  /** Called for every deficit shared under adl.ranking socialized, when set. */
  onSocializedLoss?: (event: SocializedLossEvent) => void;
  /** Called for every voluntary close, blocked close and arrival (accounts.flow), when set. */
  onFlow?: (event: FlowEvent) => void;
  /** Called once per step with flows (accounts.flow), when set. */
  onFlowStep?: (event: FlowStepEvent) => void;
  /** Trace mode (`cascade run --trace`; src/engine/trace.ts): the path's events and step rows, when enabled. */
  trace?: TraceRecorder;

  // accounts.flow (src/engine/flow.ts)
  /** Accounts the arrays hold: the population, then the dormant slots of the arrivals. */
  private readonly capacity: number;
  /** Active slots in this path: the population and the arrivals so far (a dormant slot is past it, seen by no loop). */
  private active = 0;
  /** Open accounts among the active ones (the closes' Poisson mean). */
  private openCount = 0;
  /** The draw list of the closes: the open accounts at 0..flowLen−1, and closed ones not yet dropped from it. */
  private readonly flowList: Int32Array;
  private flowLen = 0;
  /** The collateral arrivals brought in, and the voluntary closers' realised P&L, in this path. */
  private arrivalsIn = 0;
  private flowPnl = 0;

  /** Open interest per side, and the fan charts' samples of a path (src/engine/fan.ts). */
  readonly openInterest = new OpenInterest();
  private readonly fan: FanSampler;

  constructor(setup: EngineSetup) {
    this.s = setup;
    this.fan = new FanSampler(setup.params[P.steps]);
    this.tiers = tierTable(setup);
    const p = setup.params;
    const count = p[P.accountCount];
    // every per-account array holds the population and the dormant slots of accounts.flow's arrivals
    const n = count + p[P.flowPool];
    this.capacity = n;
    this.tick = p[P.tickSize];
    this.book = new LatentBook(setup.bidProfile, setup.askProfile, p, this.tick);
    this.pop = allocatePopulation(count, n);
    this.flowList = new Int32Array(p[P.flowCloseProb] > 0 ? n : 0);
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
    this.flagged = new Int32Array(n);
    this.inAuction = new Uint8Array(n);
    this.pended = new Uint8Array(n);
    this.staleLiq = new Uint8Array(n);
    this.auctionTop = new Float64Array(n);
    this.auctionStart = new Int32Array(n);
    const steps = p[P.steps];
    this.oracleHist = new Float64Array(steps + 1);
    this.model = new MarginModel(p, this.tiers, p[P.stepSeconds] / SECONDS_PER_YEAR);
  }

  /** Draws (or copies) the run's population and builds its ladder. Call once per run and seed. */
  prepare(seedLo: number, seedHi: number): void {
    this.seedLo = seedLo >>> 0;
    this.seedHi = seedHi >>> 0;
    if (this.s.params[P.resample] === 1) return;
    this.loadPopulation(0);
  }

  /** A position's liquidation price under the venue's maintenance convention (margin.maintenanceAt). */
  private liquidationPriceOf(s: number, q: number, e: number, c: number): number {
    return conventionLiquidationPrice(this.s.params[P.maintenanceAtEntry] === 1, this.tiers, s, q, e, c);
  }

  /** Whether account i was liquidated or deleveraged in the last path. */
  isClosed(i: number): boolean {
    return this.dead[i] === 1;
  }

  /** Account i's current size, collateral and (once sliced) liquidation price in the last path. */
  position(i: number): { size: number; collateral: number; liquidationPrice: number } {
    const side = this.pop.isLong[i] === 1 ? 1 : -1;
    const stale = this.staleLiq[i] === 1;
    const liq = stale ? this.liquidationPriceOf(side, this.curSize[i], this.pop.entry[i], this.curColl[i]) : this.curLiq[i];
    return { size: this.curSize[i], collateral: this.curColl[i], liquidationPrice: liq };
  }

  get population(): Population {
    return this.pop;
  }

  private loadPopulation(population: number): void {
    if (this.s.accounts) copyPopulation(this.s.accounts, this.pop);
    else drawPopulation(this.s, this.pop, this.seedLo, this.seedHi, population);
    buildLadder(this.s, this.pop);
    this.openInterest.population(this.pop.isLong, this.pop.size, this.pop.count);
  }

  /** Open sizes per side counted account by account (O(accounts): the fan tests check openInterest against it). */
  countOpenSizes(): { long: number; short: number; longs: number; shorts: number } {
    const open = { long: 0, short: 0, longs: 0, shorts: 0 };
    for (let i = 0; i < this.active; i++) {
      if (this.dead[i] === 1) continue;
      if (this.pop.isLong[i] === 1) {
        open.long += this.curSize[i];
        open.longs++;
      } else {
        open.short += this.curSize[i];
        open.shorts++;
      }
    }
    return open;
  }

  /** Fan charts: sample every path's series (src/engine/fan.ts) and hand them to runPaths' sink, or not. */
  enableFan(on = true): void {
    this.fan.configure(on, this.s.params[P.steps]);
  }

  /** Simulates paths first..first+count−1 and writes one record each into out (RECORD_STRIDE f64 per path). */
  runPaths(first: number, count: number, out: Float64Array, fan?: FanSink): void {
    for (let i = 0; i < count; i++) {
      this.runPath(first + i, out, i * RECORD_STRIDE);
      if (fan && this.fan.on) fan.add(this.fan.buffer, 1, first + i);
    }
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
    const markOracle = p[P.markModel] === MARK_MODEL.oracle;
    const oracleLag = p[P.oracleLag];
    const band = p[P.markBand];
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
    const w = this.w;
    const book = this.book;

    // reset the path's state
    this.path = path;
    // a live account's cash is its collateral; cash[i] is written when it dies, so nothing else resets
    this.dead.fill(0);
    const perAccount = p[P.perAccount] === 1;
    const engine = p[P.engine];
    const auctionOn = engine === LIQUIDATION_ENGINE["dutch-auction"];
    const backstopOn = engine === LIQUIDATION_ENGINE.backstop;
    const widening = p[P.spreadWidening];
    const scan = p[P.marginModel] !== 0;
    let marginSum = 0;
    if (perAccount) {
      this.sizeBuf.set(pop.size);
      this.collBuf.set(pop.collateral);
      this.curSize = this.sizeBuf;
      this.curColl = this.collBuf;
      this.longPend = [];
      this.shortPend = [];
      this.nextSlice.fill(0);
      this.slicedRound.fill(0);
      this.flagged.fill(-1);
      this.inAuction.fill(0);
      this.pended.fill(0);
      this.staleLiq.fill(0);
      this.auctions = [];
      this.keeperStep = 0;
      this.keeperLeft = 0;
      this.vaultCash = p[P.vaultCapital];
      this.vaultLongQ = 0;
      this.vaultLongCost = 0;
      this.vaultShortQ = 0;
      this.vaultShortCost = 0;
    } else {
      this.curSize = pop.size;
      this.curColl = pop.collateral;
    }
    this.step = 0;
    this.round = 0;
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
    this.liquidatedPnl = 0;
    this.adlPnl = 0;
    this.adlTransfer = 0;
    this.keepersPnl = 0;
    this.feesPaid = 0;
    this.shortfall = 0;
    this.liquidations = 0;
    this.liquidatedNotional = 0;
    this.slipValue = 0;
    this.markedValue = 0;
    this.adlCount = 0;
    this.adlNotional = 0;
    this.lossQueue = [];
    this.active = pop.count;
    this.openCount = pop.count;
    this.arrivalsIn = 0;
    this.flowPnl = 0;
    const flowOn = p[P.flowCloseProb] > 0 || p[P.flowArrivalMean] > 0;
    if (p[P.flowCloseProb] > 0) {
      for (let i = 0; i < pop.count; i++) this.flowList[i] = i;
      this.flowLen = pop.count;
    }
    book.newPath();
    this.openInterest.newPath();
    let nextSample = this.fan.newPath();
    let longCursor = 0;
    let shortCursor = 0;
    let firstLiquidationStep = -1;
    let maxRoundsInStep = 0;

    let fundamental = p[P.initialPrice];
    this.oracleHist[0] = fundamental;
    book.setCentre(this.fundamentalTick(fundamental));
    let mark = book.mid();
    let ema = mark;
    if (scan) this.model.startPath(mark);
    if (this.trace) {
      this.trace.start();
      // the last trade of step 0 is the opening mark (the book's last price is the previous path's until step 1 opens)
      this.traceRow(0, fundamental, mark, mark);
    }
    if (nextSample === 0) nextSample = this.sample(0, mark, fundamental);
    let minPrice = mark;
    let markPeak = mark;
    let maxDrawdown = 0;
    let exoPeak = (this.fundamentalTick(fundamental) + 0.5) * tick;
    let exoDrawdown = 0;

    for (let t = 1; t <= steps; t++) {
      this.step = t;
      // (0) liquidity under stress: this step's depth, from the mark's drawdown as the step starts
      let scale = 1;
      if (stressed) {
        const keep = 1 - withdrawal * ((markPeak - mark) / markPeak);
        scale = keep > stressFloor ? keep : stressFloor;
      }
      if (widening > 0) book.spreadGap = Math.floor(widening * ((markPeak - mark) / markPeak));
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
      this.oracleHist[t] = fundamental;
      // (2) the last step's impact: its permanent share moves the centre, the rest decays; the book is centred
      // on the fundamental plus the permanent impact
      book.startStep(scale);
      const fTick = this.fundamentalTick(fundamental);
      book.setCentre(fTick);
      const exo = (fTick + 0.5) * tick;
      if (exo > exoPeak) exoPeak = exo;
      const exoDd = (exoPeak - exo) / exoPeak;
      if (exoDd > exoDrawdown) exoDrawdown = exoDd;

      // the backstop vault works off its inventory before anyone else trades
      if (backstopOn) this.unwindVault();
      // (3) the mark: someone trades at the touch before anything else, so `last` restarts at the mid
      mark = book.mid();
      // a round that only starts auctions trades nothing: its `last` mark stays at this step's opening trade
      book.lastPrice = mark;
      // the ema mark moves once per step, toward the mid, and holds through the step's rounds
      if (markEma) {
        ema = ema + alpha * (mark - ema);
        mark = ema;
      }
      // the oracle: the fundamental lagSteps ago, held through the step's rounds; a band keeps any mark near it
      const oracle = this.oracleHist[t >= oracleLag ? t - oracleLag : 0];
      const bandLo = oracle * (1 - band);
      const bandHi = oracle * (1 + band);
      if (markOracle) mark = oracle;
      if (band > 0) mark = mark < bandLo ? bandLo : mark > bandHi ? bandHi : mark;
      // the scan engine's requirement follows the mark's realised volatility; what it holds is summed per step
      if (scan) {
        this.model.openStep(t, mark);
        marginSum += this.marginHeldAt(mark);
      }
      // (3b) accounts.flow: voluntary closes, then arrivals, by market order at this mark; the mark follows their trades
      // (like the opening mark, not a drawdown point by itself: the rounds' marks and the step's last one are)
      if (flowOn && this.flowStep(mark)) {
        if (!markEma && !markOracle) mark = markMid ? book.mid() : book.lastPrice;
        if (band > 0) mark = mark < bandLo ? bandLo : mark > bandHi ? bandHi : mark;
      }

      // (4) cascade rounds at the current mark until nobody is under water
      let rounds = 0;
      while (rounds < maxRounds) {
        let n = 0;
        this.round++;
        if (scan) n += this.scanRound(mark);
        // a step whose caps are reached liquidates nobody more: the cursor stays on the next account
        while (!scan && longCursor < pop.longCount && pop.longLiq[longCursor] >= mark && this.blockedStep !== t) {
          const i = pop.longOrder[longCursor++];
          if (this.dead[i] === 0 && this.inAuction[i] === 0) {
            if (perAccount) this.liquidateOne(i, 1, mark);
            else this.close(i, 1, mark);
            n++;
          }
        }
        while (!scan && shortCursor < pop.shortCount && pop.shortLiq[shortCursor] <= mark && this.blockedStep !== t) {
          const i = pop.shortOrder[shortCursor++];
          if (this.dead[i] === 0 && this.inAuction[i] === 0) {
            if (perAccount) this.liquidateOne(i, -1, mark);
            else this.close(i, -1, mark);
            n++;
          }
        }
        if (perAccount && !scan) n += this.slicedRound_(mark);
        if (auctionOn) n += this.takeAuctions(mark);
        if (n === 0) break;
        rounds++;
        if (firstLiquidationStep < 0) firstLiquidationStep = t;
        if (!markEma && !markOracle) mark = markMid ? book.mid() : book.lastPrice;
        if (band > 0) mark = mark < bandLo ? bandLo : mark > bandHi ? bandHi : mark;
        if (mark < minPrice) minPrice = mark;
        this.trace?.round(mark);
        if (mark > markPeak) markPeak = mark;
        const dd = (markPeak - mark) / markPeak;
        if (dd > maxDrawdown) maxDrawdown = dd;
      }
      if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
      // every liquidation of the step first, then who pays what the fund could not
      if (this.adlOn()) this.allocateLosses(mark);
      if (mark < minPrice) minPrice = mark;
      if (mark > markPeak) markPeak = mark;
      const dd = (markPeak - mark) / markPeak;
      if (dd > maxDrawdown) maxDrawdown = dd;
      if (this.onStep) this.onStep(this.ledger(mark));
      if (this.trace) this.traceRow(t, fundamental, mark, book.lastPrice);
      if (t === nextSample) nextSample = this.sample(t, mark, fundamental);
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
    out[at + METRIC.bookExhausted] = book.exhausted ? 1 : 0;
    out[at + METRIC.firstLiquidationStep] = firstLiquidationStep;
    out[at + METRIC.marginHeld] = scan ? marginSum / steps : NaN;
    this.writeWhoPaid(out, at, perAccount);
  }

  /** Who paid, at the mark: each party's money change over the path (assembly/cascade.ts writeWhoPaid says why). */
  private writeWhoPaid(out: Float64Array, at: number, perAccount: boolean): void {
    const p = this.s.params;
    out[at + METRIC.liquidatedPnl] = this.liquidatedPnl;
    out[at + METRIC.adlTransfer] = this.adlTransfer;
    out[at + METRIC.fundNet] = this.insurance - p[P.insurance];
    out[at + METRIC.vaultPnl] = perAccount ? this.vaultCash - p[P.vaultCapital] : 0;
    out[at + METRIC.treasury] = this.treasury;
    out[at + METRIC.keepersPnl] = this.keepersPnl;
    out[at + METRIC.makersPnl] = this.makers - this.keepersPnl + (this.adlPnl + this.adlTransfer);
    out[at + METRIC.feesPaid] = this.feesPaid;
    out[at + METRIC.shortfall] = this.shortfall;
    out[at + METRIC.flowPnl] = this.flowPnl;
  }

  /** The fundamental's tick (the epsilon absorbs the representation error of decimal ticks), one or more. */
  private fundamentalTick(fundamental: number): number {
    const c = Math.floor(fundamental / this.tick + 1e-7);
    return c > 1 ? c : 1;
  }

  sell(qty: number): number {
    return this.book.sell(qty);
  }

  buy(qty: number): number {
    return this.book.buy(qty);
  }

  /**
   * The partial engine's second half of a round: the sliced accounts still open across the mark and not cooling
   * down (with duringCooldown full, cooling down too: those go whole), longs then shorts, each side in key order (longs by liquidation price descending, shorts ascending,
   * ties by account index ascending). An account sliced in this round waits for the next one.
   */
  private slicedRound_(mark: number): number {
    const wholeInCooldown = this.s.params[P.partialDuringCooldown] === 1;
    let n = 0;
    for (let side = 1; side >= -1; side -= 2) {
      const list = (side > 0 ? this.longPend : this.shortPend).filter((i) => this.dead[i] === 0 && this.inAuction[i] === 0);
      if (side > 0) this.longPend = list;
      else this.shortPend = list;
      const liq = this.curLiq;
      const due: number[] = [];
      for (const i of list) {
        // a haircut left the liquidation price stale: computed now, from the same size and collateral
        if (this.staleLiq[i] === 1) {
          this.staleLiq[i] = 0;
          liq[i] = this.liquidationPriceOf(side, this.curSize[i], this.pop.entry[i], this.curColl[i]);
        }
        const crosses = side > 0 ? liq[i] >= mark : liq[i] <= mark;
        // cooling down after a slice: it waits, or with duringCooldown full it is due too (and goes whole, below)
        const ready = this.nextSlice[i] <= this.step || wholeInCooldown;
        if (crosses && ready && this.slicedRound[i] !== this.round) due.push(i);
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
        // Hyperliquid: during the cooldown the whole position goes (the vault still first, below its threshold)
        this.liquidateOne(i, side, mark, wholeInCooldown && this.nextSlice[i] > this.step);
        n++;
      }
    }
    return n;
  }

  /**
   * Hyperliquid: during the cooldown the whole position goes (the vault still first, below its threshold): the
   * engine's liquidation with no slice, as the kernel's pendingSide does it (the threshold lifted for this one call).
   */
  // ---- the per-account engine: one account at a time, every engine but the batched market one ----

  /** Liquidates account i (side s) by the scenario's engine; `whole`: never a slice. */
  private liquidateOne(i: number, s: number, mark: number, whole = false): void {
    if (this.flagged[i] < 0) this.flagged[i] = this.step;
    const engine = this.s.params[P.engine];
    if (engine === LIQUIDATION_ENGINE["dutch-auction"]) this.kick(i, s, mark);
    else if (engine === LIQUIDATION_ENGINE["close-factor"]) this.closeFactorStep(i, s, mark);
    else if (engine !== LIQUIDATION_ENGINE.backstop || !this.backstopTakes(i, s, mark)) this.liquidatePartial(i, s, mark, whole);
  }

  /** The fee rate on a liquidation fill of this notional for account i (liquidation.fee, else the flat feeRate). */
  private feeRate(i: number, notional: number): number {
    const p = this.s.params;
    const kind = p[P.feeKind];
    if (kind === FEE_KIND.tiered) {
      let j = 0;
      while (j + 1 < p[P.feeTierCount] && notional >= p[P.feeTierFloor + j + 1]) j++;
      return p[P.feeTierRate + j];
    }
    if (kind === FEE_KIND["time-ramped"]) {
      const over = (this.step - this.flagged[i]) * p[P.stepSeconds] - p[P.feeRampGrace];
      const rate = p[P.feeRate] + p[P.feeRampPerSecond] * (over > 0 ? over : 0);
      return rate < p[P.feeRampMax] ? rate : p[P.feeRampMax];
    }
    return p[P.feeRate];
  }

  /**
   * Settles qx units of account i (side s) closed at a fill notional (a whole close by market order, an auction
   * take, a close-factor repayment): PnL realised on them against the account's whole collateral; the last units
   * close the account. The fee (when `charged`) is on the fill notional, at most what is left; a deficit — the
   * fill worse than the bankruptcy price — goes to the fund (down to its floor), then ADL, then bad debt.
   */
  private settleUnits(i: number, s: number, mark: number, qx: number, notional: number, charged: boolean): void {
    const q = this.curSize[i];
    const c = this.curColl[i];
    const pnl = s * (notional - qx * this.pop.entry[i]);
    this.makers -= pnl;
    this.liquidatedNotional += notional;
    this.slipValue += s * (qx * mark - notional);
    this.markedValue += qx * mark;
    const whole = qx >= q;
    if (this.onLiquidation) this.onLiquidation({ step: this.step, round: this.round, account: i, side: s, size: qx, notional, whole });
    let paid = 0;
    if (whole) {
      const remaining = c + pnl;
      this.dead[i] = 1;
      this.openCount--;
      this.openInterest.closed(s, q);
      this.inAuction[i] = 0;
      if (remaining >= 0) {
        const fee = charged ? Math.min(this.feeRate(i, notional) * notional, remaining) : 0;
        this.cash[i] = remaining - fee;
        this.liquidatedPnl += pnl - fee;
        this.feesPaid += fee;
        this.collectFee(fee);
      } else {
        this.cash[i] = 0;
        this.liquidatedPnl -= c;
        this.shortfall += -remaining;
        paid = this.cover(-remaining, s, mark);
      }
    } else {
      // the account's whole collateral backs the units (a deficit is taken only when it closes): backed pro rata,
      // a repayment that costs more than its share would leave a scaled copy of the account, as far under water,
      // to be repaid again round after round while the fund paid the difference
      const remaining = c + pnl;
      this.curSize[i] = q - qx;
      this.openInterest.reduced(s, qx);
      const fee = charged && remaining > 0 ? Math.min(this.feeRate(i, notional) * notional, remaining) : 0;
      this.curColl[i] = remaining - fee;
      this.liquidatedPnl += pnl - fee;
      this.feesPaid += fee;
      this.collectFee(fee);
      this.curLiq[i] = this.liquidationPriceOf(s, this.curSize[i], this.pop.entry[i], this.curColl[i]);
      }
    this.capCheck(notional, paid);
  }

  /** Joins account i to its side's list of accounts re-checked at their own liquidation price (once). */
  private pend(i: number, s: number): void {
    // a flag, not a search of the list: socialised loss pends thousands of accounts per deficit
    if (this.pended[i] === 1) return;
    this.pended[i] = 1;
    (s > 0 ? this.longPend : this.shortPend).push(i);
  }

  // ---- margin.model: the scan engine ----

  /**
   * One round of the scan engine: every open account not in auction, not cooling down and not liquidated in this
   * round, longs then shorts in ladder order, whose equity at the mark is at or below its requirement.
   */
  private scanRound(mark: number): number {
    const pop = this.pop;
    let n = 0;
    for (let side = 1; side >= -1; side -= 2) {
      const order = side > 0 ? pop.longOrder : pop.shortOrder;
      const count = side > 0 ? pop.longCount : pop.shortCount;
      // the ladder's accounts, then accounts.flow's arrivals of this side in arrival order
      const end = count + this.active - pop.count;
      for (let r = 0; r < end; r++) {
        if (this.blockedStep === this.step) return n;
        const i = r < count ? order[r] : pop.count + (r - count);
        if (r >= count && (pop.isLong[i] === 1 ? 1 : -1) !== side) continue;
        if (this.dead[i] === 1 || this.inAuction[i] === 1 || this.nextSlice[i] > this.step || this.slicedRound[i] === this.round) continue;
        const q = this.curSize[i];
        const equity = this.curColl[i] + side * q * (mark - pop.entry[i]);
        if (equity > this.model.requirement(side, q, mark, pop.entry[i])) continue;
        this.liquidateOne(i, side, mark);
        n++;
      }
    }
    return n;
  }

  /** The requirement of every open position at this mark (longs then shorts in ladder order). */
  private marginHeldAt(mark: number): number {
    const pop = this.pop;
    let total = 0;
    for (let side = 1; side >= -1; side -= 2) {
      const order = side > 0 ? pop.longOrder : pop.shortOrder;
      const count = side > 0 ? pop.longCount : pop.shortCount;
      for (let r = 0; r < count; r++) {
        const i = order[r];
        if (this.dead[i] === 0) total += this.model.requirement(side, this.curSize[i], mark, pop.entry[i]);
      }
      for (let i = pop.count; i < this.active; i++) {
        if (this.dead[i] === 0 && (pop.isLong[i] === 1 ? 1 : -1) === side) total += this.model.requirement(side, this.curSize[i], mark, pop.entry[i]);
      }
    }
    return total;
  }

  // ---- engine close-factor (Aave v3, Compound) ----

  private closeFactorStep(i: number, s: number, mark: number): void {
    const p = this.s.params;
    const q = this.curSize[i];
    const c = this.curColl[i];
    const e = this.pop.entry[i];
    const equity = c + s * q * (mark - e);
    const mm = this.model.requirement(s, q, mark, e);
    const debt = s > 0 ? q * e - c : q * mark;
    const health = debt > 0 ? 1 + (equity - mm) / debt : Infinity;
    const factor = health <= p[P.cfFullHealth] || debt < p[P.cfMinDebt] ? 1 : p[P.cfDefault];
    const b = p[P.cfBonus];
    let qx = s > 0 ? (factor * debt * (1 + b)) / mark : factor * q;
    if (qx > q) qx = q;
    const price = s > 0 ? mark / (1 + b) : mark * (1 + b);
    // the liquidator takes the units at the bonus price and trades them on the book at once
    const traded = s > 0 ? this.sell(qx) : this.buy(qx);
    // and pays the protocol its share of the bonus
    const protocolFee = p[P.cfProtocolFee] * (s * qx * (mark - price));
    this.makers -= protocolFee;
    this.keepersPnl += s * (traded - qx * price) - protocolFee;
    this.collectFee(protocolFee);
    this.liquidations++;
    // a repayment that closes the position is a liquidation, one that leaves some of it a slice
    this.trace?.fill(qx >= q ? KIND.liquidation : KIND.slice, i, s, qx, qx * price, q, c, e);
    this.settleUnits(i, s, mark, qx, qx * price, false);
    this.trace?.close();
    if (this.dead[i] === 0) {
      this.nextSlice[i] = this.step;
      this.slicedRound[i] = this.round;
      this.pend(i, s);
    }
  }

  // ---- engine backstop (Hyperliquid's liquidator vault) ----

  /** Whether the vault takes account i over (equity below the threshold, and the vault can absorb it). */
  private backstopTakes(i: number, s: number, mark: number): boolean {
    const p = this.s.params;
    const q = this.curSize[i];
    const c = this.curColl[i];
    const upnl = s * q * (mark - this.pop.entry[i]);
    const equity = c + upnl;
    if (!(equity < p[P.backstopFraction] * this.model.requirement(s, q, mark, this.pop.entry[i]))) return false;
    if (!(this.vaultCash > 0 && this.vaultCash + equity >= 0)) return false;
    // the position changes hands at the mark: its PnL is realised against its counterparties, the vault gets the equity
    this.makers -= upnl;
    this.vaultCash += equity;
    this.cash[i] = 0;
    this.dead[i] = 1;
    this.openCount--;
    this.openInterest.closed(s, q);
    // the trader loses its collateral; a negative equity is a loss beyond it, which the vault absorbs
    this.liquidatedPnl -= c;
    if (equity < 0) this.shortfall += -equity;
    if (s > 0) {
      this.vaultLongQ += q;
      this.vaultLongCost += q * mark;
    } else {
      this.vaultShortQ += q;
      this.vaultShortCost += q * mark;
    }
    const notional = q * mark;
    this.liquidations++;
    this.liquidatedNotional += notional;
    this.markedValue += notional;
    if (this.onLiquidation) this.onLiquidation({ step: this.step, round: this.round, account: i, side: s, size: q, notional, whole: true });
    this.capCheck(notional, 0);
    // the vault took q units at the mark (fund unchanged, the vault after it)
    this.trace?.event(KIND.backstop, i, s, q, mark, this.pop.entry[i] - (s * c) / q, notional, -1);
    return true;
  }

  /** The vault sells (buys back) its unwind share per step of each side of its inventory on the book. */
  private unwindVault(): void {
    const u = this.s.params[P.vaultUnwind];
    if (this.vaultLongQ > 0) {
      const qx = u * this.vaultLongQ;
      const cost = u * this.vaultLongCost;
      const sold = this.sell(qx);
      const pnl = sold - cost;
      this.vaultCash += pnl;
      this.makers -= pnl;
      this.vaultLongQ -= qx;
      this.vaultLongCost -= cost;
      this.trace?.event(KIND["vault-unwind"], -1, 1, qx, sold / qx, NaN, sold, -1);
    }
    if (this.vaultShortQ > 0) {
      const qx = u * this.vaultShortQ;
      const cost = u * this.vaultShortCost;
      const bought = this.buy(qx);
      const pnl = cost - bought;
      this.vaultCash += pnl;
      this.makers -= pnl;
      this.vaultShortQ -= qx;
      this.vaultShortCost -= cost;
      this.trace?.event(KIND["vault-unwind"], -1, -1, qx, bought / qx, NaN, bought, -1);
    }
  }

  // ---- engine dutch-auction (Maker Liquidations 2.0) ----

  private kick(i: number, s: number, mark: number): void {
    if (this.holeFull(i, s, mark)) {
      // Maker's Dog: no room under the hole; the account waits, still under water, for the next step
      this.nextSlice[i] = this.step + 1;
      this.staleLiq[i] = 1;
      this.pend(i, s);
      return;
    }
    this.inAuction[i] = 1;
    this.auctions.push(i);
    this.liquidations++;
    this.trace?.kick(i, s, mark, this.s.params[P.auctionBuf], this.curSize[i], this.curColl[i], this.pop.entry[i]);
    this.restart(i, s, mark);
    this.trace?.close();
  }

  /** An auction's debt as it stands: a long's q·entry − c, a short's q·mark, at least 0. */
  private debtOf(j: number, s: number, mark: number): number {
    const q = this.curSize[j];
    const debt = s > 0 ? q * this.pop.entry[j] - this.curColl[j] : q * mark;
    return debt > 0 ? debt : 0;
  }

  /** Whether kicking account i would take the debt in auctions in progress past the hole (none in progress: never). */
  private holeFull(i: number, s: number, mark: number): boolean {
    const hole = this.s.params[P.auctionHole];
    if (!(hole < Infinity)) return false;
    let dirt = 0;
    let active = 0;
    for (const j of this.auctions) {
      if (this.inAuction[j] === 0) continue;
      dirt += this.debtOf(j, this.pop.isLong[j] === 1 ? 1 : -1, mark);
      active++;
    }
    return active > 0 && dirt + this.debtOf(i, s, mark) > hole;
  }

  /** Kick or redo: the top from the current mark, the clock from this step, the keepers' incentive from the fund. */
  private restart(i: number, s: number, mark: number): void {
    const p = this.s.params;
    const buf = p[P.auctionBuf];
    this.auctionTop[i] = s > 0 ? mark * buf : mark / buf;
    this.auctionStart[i] = this.step;
    const incentive = p[P.auctionTip] + p[P.auctionChip] * (this.curSize[i] * mark);
    if (incentive > 0) {
      // Maker's Vow pays it (suck): what the fund does not hold becomes system debt
      const paid = this.insurance < incentive ? (this.insurance > 0 ? this.insurance : 0) : incentive;
      this.insurance -= paid;
      if (this.insurance < this.insuranceMin) this.insuranceMin = this.insurance;
      this.makers += incentive;
      this.keepersPnl += incentive;
      this.badDebt += incentive - paid;
      if (this.trace) {
        this.trace.event(KIND.keeper, i, s, NaN, NaN, NaN, incentive, -1);
        if (incentive - paid > 0) this.trace.badDebt(s, incentive - paid);
      }
    }
  }

  /** The curve's share of the top after `elapsed` seconds. */
  private curveShare(elapsed: number): number {
    const p = this.s.params;
    const curve = p[P.auctionCurve];
    if (curve === AUCTION_CURVE.linear) {
      const f = 1 - elapsed / p[P.auctionTau];
      return f > 0 ? f : 0;
    }
    const cuts = curve === AUCTION_CURVE.stairstep ? Math.floor(elapsed / p[P.auctionStep]) : elapsed;
    return cuts > 0 ? exp(cuts * log(p[P.auctionCut])) : 1;
  }

  /** One round of the auctions, in kick order: redo the stale ones, let keepers take the profitable ones. */
  private takeAuctions(mark: number): number {
    const p = this.s.params;
    if (this.keeperStep !== this.step) {
      this.keeperStep = this.step;
      this.keeperLeft = p[P.keeperCapital];
    } else if (!(this.keeperLeft > 0)) {
      // the step's redos are done and the keepers are out of capital: nothing can happen before the next step
      return 0;
    }
    const margin = 1 + p[P.keeperMinProfit];
    this.auctions = this.auctions.filter((i) => this.inAuction[i] === 1);
    const list = this.auctions.slice();
    let n = 0;
    for (const i of list) {
      if (this.blockedStep === this.step) break;
      if (this.inAuction[i] === 0) continue;
      const s = this.pop.isLong[i] === 1 ? 1 : -1;
      let elapsed = (this.step - this.auctionStart[i]) * p[P.stepSeconds];
      let f = this.curveShare(elapsed);
      if (elapsed > p[P.auctionTail] || f < p[P.auctionCusp]) {
        this.restart(i, s, mark);
        elapsed = 0;
        f = 1;
      }
      const top = this.auctionTop[i];
      const price = s > 0 ? top * f : top / f;
      let taken = 0;
      // the touch the keeper would sell (buy) at: 0 (Infinity) when the book holds no bid (ask)
      const touch = s > 0 ? this.book.bidPrice() : this.book.askPrice();
      const profitable = s > 0 ? price * margin <= touch : touch * margin <= price;
      if (profitable && this.keeperLeft > 0 && price > 0) {
        const q = this.curSize[i];
        const affordable = this.keeperLeft / price;
        taken = affordable < q ? affordable : q;
        // capital that buys less than the lot is spent to the last unit (no rounding dust left for another take)
        this.keeperLeft = affordable < q ? 0 : this.keeperLeft - taken * price;
        // the keeper trades what it took on the book at once
        const traded = s > 0 ? this.sell(taken) : this.buy(taken);
        this.keepersPnl += s * (traded - taken * price);
        this.trace?.fill(KIND["auction-take"], i, s, taken, taken * price, q, this.curColl[i], this.pop.entry[i]);
        this.settleUnits(i, s, mark, taken, taken * price, true);
        this.trace?.close();
        n++;
      }
      if (this.onAuction) this.onAuction({ step: this.step, round: this.round, account: i, side: s, elapsed, top, price, taken });
    }
    return n;
  }

  // ---- adl.ranking socialized ----

  /** Shares the deficit across the profitable open accounts of `side`, pro rata to profit; returns what is left. */
  private socialize(side: number, deficit: number, mark: number): number {
    const pop = this.pop;
    // the profitable open accounts of that side, in account order, and their total profit
    const winners: number[] = [];
    const profits: number[] = [];
    let total = 0;
    for (let j = 0; j < this.active; j++) {
      if (this.dead[j] === 1 || this.inAuction[j] === 1 || (pop.isLong[j] === 1 ? 1 : -1) !== side) continue;
      const profit = side * this.curSize[j] * (mark - pop.entry[j]);
      if (!(profit > 0)) continue;
      total += profit;
      winners.push(j);
      profits.push(profit);
    }
    if (!(total > 0)) return deficit;
    const take = deficit < total ? deficit : total;
    let taken = 0;
    const haircuts: { account: number; profit: number; haircut: number }[] = [];
    for (let k = 0; k < winners.length; k++) {
      const j = winners[k];
      const profit = profits[k];
      const h = take * (profit / total);
      this.curColl[j] -= h;
      taken += h;
      // its liquidation price is computed when the pending list next reads it (one deficit after another would
      // otherwise recompute thousands of prices that only the last haircut decides)
      this.staleLiq[j] = 1;
      this.pend(j, side);
      if (this.onSocializedLoss) haircuts.push({ account: j, profit, haircut: h });
    }
    if (this.onSocializedLoss) this.onSocializedLoss({ step: this.step, deficit, haircuts });
    // the haircut traders pay it: what they give up of their profit
    this.adlPnl -= taken;
    this.adlTransfer += taken;
    this.trace?.event(KIND["socialized-loss"], -1, side, NaN, mark, NaN, taken, -1);
    // a shortfall below the profits is covered in full: the haircuts' sum differs from it by rounding only, which
    // must not show as bad debt (P(badDebt) counts paths with badDebt > 0)
    return deficit < total ? 0 : deficit - taken;
  }

  // ---- accounts.flow: voluntary closes and arrivals (src/engine/flow.ts documents the model) ----

  /** The step's flows at this mark: closes, then arrivals. Returns whether any traded (the mark is read again). */
  private flowStep(mark: number): boolean {
    const p = this.s.params;
    const prob = p[P.flowCloseProb];
    const lambda = p[P.flowArrivalMean];
    const open = this.openCount;
    let traded = false;
    let closes = 0;
    if (prob > 0 && open > 0) {
      const k = this.poisson(open * prob, FLOW_STREAM.closeCount);
      closes = k < open ? k : open;
      let draw = 0;
      for (let c = 0; c < closes; c++) {
        // uniform among the open accounts: a closed one drawn leaves the list, and another is drawn
        let i = -1;
        let at = 0;
        while (this.flowLen > 0) {
          philox(flowCounter(FLOW_STREAM.closePick, draw++), this.path, this.step, DOMAIN.flow, this.seedLo, this.seedHi, this.w);
          let r = Math.floor(uniform52(this.w[0], this.w[1]) * this.flowLen);
          if (r >= this.flowLen) r = this.flowLen - 1;
          const j = this.flowList[r];
          if (this.dead[j] === 0) {
            i = j;
            at = r;
            break;
          }
          this.flowList[r] = this.flowList[--this.flowLen];
        }
        if (i < 0) break;
        const s = this.pop.isLong[i] === 1 ? 1 : -1;
        if (this.flowBlocked(i, s, mark)) {
          if (this.onFlow) this.onFlow({ step: this.step, kind: "blocked", account: i, side: s, size: this.curSize[i], notional: 0 });
          continue;
        }
        this.flowList[at] = this.flowList[--this.flowLen];
        this.closeVoluntarily(i, s);
        traded = true;
      }
    }
    let arrivals = 0;
    let arrived = 0;
    if (lambda > 0) {
      arrivals = this.poisson(lambda, FLOW_STREAM.arrivalCount);
      for (let k = 0; k < arrivals; k++) {
        // the pool is full (probability < 1e-15 per path): the arrival does not happen
        if (this.active >= this.capacity) break;
        this.arrive(k, mark);
        arrived++;
        traded = true;
      }
    }
    if (this.onFlowStep) this.onFlowStep({ step: this.step, open, closeMean: open * prob, closes, arrivalMean: lambda, arrivals, arrived });
    return traded;
  }

  /** A Poisson draw of this mean for this step (stream: FLOW_STREAM), by inversion in chunks of mean ≤ FLOW_CHUNK. */
  private poisson(mean: number, stream: number): number {
    let n = 0;
    let left = mean;
    let chunk = 0;
    while (left > 0) {
      const m = left < FLOW_CHUNK ? left : FLOW_CHUNK;
      left -= m;
      philox(flowCounter(stream, chunk++), this.path, this.step, DOMAIN.flow, this.seedLo, this.seedHi, this.w);
      const u = uniform52(this.w[0], this.w[1]);
      let k = 0;
      let prob = exp(-m);
      let cdf = prob;
      while (u > cdf && k < FLOW_CHUNK_MAX) {
        k++;
        prob = (prob * m) / k;
        cdf += prob;
      }
      n += k;
    }
    return n;
  }

  /**
   * Whether the liquidation engine holds account i, so that its trader cannot close it: in auction, liquidated before in
   * this path (sliced, repaid), or across its liquidation price at the mark (with margin.model: equity at or below its
   * requirement).
   */
  private flowBlocked(i: number, s: number, mark: number): boolean {
    if (this.flagged[i] >= 0 || this.inAuction[i] === 1) return true;
    const q = this.curSize[i];
    const e = this.pop.entry[i];
    if (this.s.params[P.marginModel] !== 0) return this.curColl[i] + s * q * (mark - e) <= this.model.requirement(s, q, mark, e);
    // its current liquidation price: its own once re-priced (a haircut's computed from the same size and collateral)
    const l = this.pended[i] === 1 ? (this.staleLiq[i] === 1 ? this.liquidationPriceOf(s, q, e, this.curColl[i]) : this.curLiq[i]) : this.pop.liq[i];
    return s > 0 ? l >= mark : l <= mark;
  }

  /** Account i closes its whole position by market order: P&L into its cash, no fee; past bankruptcy, fund then bad debt. */
  private closeVoluntarily(i: number, s: number): void {
    const q = this.curSize[i];
    const c = this.curColl[i];
    const notional = s > 0 ? this.sell(q) : this.buy(q);
    const pnl = s * (notional - q * this.pop.entry[i]);
    this.makers -= pnl;
    const remaining = c + pnl;
    this.trace?.fill(KIND.close, i, s, q, notional, q, c, this.pop.entry[i]);
    this.dead[i] = 1;
    this.openCount--;
    this.openInterest.closed(s, q);
    if (remaining >= 0) {
      this.cash[i] = remaining;
      this.flowPnl += pnl;
    } else {
      this.cash[i] = 0;
      this.flowPnl -= c;
      this.shortfall += -remaining;
      const left = -remaining - this.payFromFund(-remaining);
      if (left > 0) {
        this.badDebt += left;
        this.trace?.badDebt(s, left);
      }
    }
    this.trace?.close();
    if (this.onFlow) this.onFlow({ step: this.step, kind: "close", account: i, side: s, size: q, notional });
  }

  /** Arrival k of this step opens at this mark by market order in the next dormant slot. */
  private arrive(k: number, mark: number): void {
    const pop = this.pop;
    const i = this.active;
    const a = drawArrival(this.s, k, this.path, this.step, this.seedLo, this.seedHi, this.w);
    const s = a.long ? 1 : -1;
    const q = a.notional / mark;
    const fill = s > 0 ? this.buy(q) : this.sell(q);
    const e = fill / q;
    const c = fill / admitArrival(this.s, this.tiers, pop.admitF, a.raw, fill, q);
    pop.isLong[i] = a.long ? 1 : 0;
    pop.entry[i] = e;
    this.curSize[i] = q;
    this.openInterest.opened(s, q);
    this.curColl[i] = c;
    this.curLiq[i] = this.liquidationPriceOf(s, q, e, c);
    this.dead[i] = 0;
    this.cash[i] = 0;
    this.nextSlice[i] = 0;
    this.slicedRound[i] = 0;
    this.flagged[i] = -1;
    this.inAuction[i] = 0;
    this.staleLiq[i] = 0;
    this.pended[i] = 0;
    // the ladder was sorted before it existed: it is re-checked at its own liquidation price every round
    this.pend(i, s);
    this.active++;
    this.openCount++;
    if (this.flowList.length > 0) this.flowList[this.flowLen++] = i;
    this.arrivalsIn += c;
    this.trace?.event(KIND.arrival, i, s, q, e, e - (s * c) / q, fill, -1);
    if (this.onFlow) this.onFlow({ step: this.step, kind: "arrival", account: i, side: s, size: q, notional: fill, entry: e, collateral: c });
  }

  /** Closes account i (side s) whole at its current size by market order and settles it (settleUnits). */
  private close(i: number, s: number, mark: number): void {
    const q = this.curSize[i];
    const adl = this.adlOn();
    if (adl && this.walkOrQueue(i, s, mark, q)) return;
    const notional = adl ? this.walked : s > 0 ? this.sell(q) : this.buy(q);
    this.liquidations++;
    this.trace?.fill(KIND.liquidation, i, s, q, notional, q, this.curColl[i], this.pop.entry[i]);
    this.settleUnits(i, s, mark, q, notional, true);
    this.trace?.close();
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
  private liquidatePartial(i: number, s: number, mark: number, whole = false): void {
    const p = this.s.params;
    const q = this.curSize[i];
    if (!whole && p[P.partialFraction] < 1 && q * mark > p[P.partialThreshold]) {
      this.slice(i, s, mark);
      return;
    }
    this.close(i, s, mark);
  }

  /**
   * partial: sells (buys) fraction × the current size of account i by market order and settles the slice pro
   * rata; the account stays open with the rest, its liquidation price recomputed, and may be sliced again from
   * step + the cooldown in whole steps (in a later round).
   */
  private slice(i: number, s: number, mark: number): void {
    const pop = this.pop;
    const p = this.s.params;
    const f = p[P.partialFraction];
    const q = this.curSize[i];
    const c = this.curColl[i];
    const qs = f * q;
    const adl = this.adlOn();
    if (adl && this.walkOrQueue(i, s, mark, qs)) return;
    const notional = adl ? this.walked : s > 0 ? this.sell(qs) : this.buy(qs);
    const pnl = s * (notional - qs * pop.entry[i]);
    this.makers -= pnl;
    const cs = f * c;
    const remaining = cs + pnl;
    this.liquidations++;
    this.liquidatedNotional += notional;
    this.slipValue += s * (qs * mark - notional);
    this.markedValue += qs * mark;
    this.trace?.fill(KIND.slice, i, s, qs, notional, q, c, pop.entry[i]);
    this.curSize[i] = q - qs;
    this.openInterest.reduced(s, qs);
    if (this.onLiquidation) this.onLiquidation({ step: this.step, round: this.round, account: i, side: s, size: qs, notional, whole: false });
    let paid = 0;
    if (remaining >= 0) {
      const fee = Math.min(this.feeRate(i, notional) * notional, remaining);
      this.curColl[i] = c - cs + (remaining - fee);
      this.liquidatedPnl += pnl - fee;
      this.feesPaid += fee;
      this.collectFee(fee);
    } else {
      this.curColl[i] = c - cs;
      this.liquidatedPnl -= cs;
      this.shortfall += -remaining;
      paid = this.cover(-remaining, s, mark);
    }
    this.curLiq[i] = this.liquidationPriceOf(s, this.curSize[i], pop.entry[i], this.curColl[i]);
    this.nextSlice[i] = this.step + p[P.partialCooldown];
    this.pend(i, s);
    this.slicedRound[i] = this.round;
    this.capCheck(notional, paid);
    this.trace?.close();
  }

  /** A deficit: the fund pays down to its floor, then ADL, then bad debt. Returns what the fund paid. */
  private cover(deficit0: number, s: number, mark: number): number {
    const paid = this.payFromFund(deficit0);
    let deficit = deficit0 - paid;
    const ranking = this.s.params[P.adlRanking];
    if (deficit > 0 && ranking === ADL_RANKING.socialized) deficit = this.socialize(-s, deficit, mark);
    else if (deficit > 0 && ranking !== ADL_RANKING.none) {
      // allocated after the step's cascade
      this.lossQueue.push({ account: -1, side: s, size: 0, collateral: 0, price: 0, deficit });
      deficit = 0;
    }
    if (deficit > 0) {
      this.badDebt += deficit;
      this.trace?.badDebt(s, deficit);
    }
    return paid;
  }

  /** The fund's floor: (1 − d) × its running peak, moved to the balance first; 0 without adl.trigger (d = 1). */
  private fundFloor(): number {
    const keep = 1 - this.s.params[P.fundDrawdown];
    if (keep === 0) return 0;
    if (this.insurance > this.insurancePeak) this.insurancePeak = this.insurance;
    return this.insurancePeak * keep;
  }

  /** The fund pays what it can of a deficit, down to its floor; returns what it paid. */
  private payFromFund(deficit: number): number {
    const floor = this.fundFloor();
    const avail = this.insurance - floor;
    let paid = 0;
    if (avail > 0) {
      if (deficit >= avail) {
        paid = avail;
        this.insurance = floor;
      } else {
        paid = deficit;
        this.insurance -= deficit;
      }
    }
    if (this.insurance < this.insuranceMin) this.insuranceMin = this.insurance;
    return paid;
  }

  /** ADL after the cascade: any ranking but none and socialized. */
  private adlOn(): boolean {
    const ranking = this.s.params[P.adlRanking];
    return ranking !== ADL_RANKING.none && ranking !== ADL_RANKING.socialized;
  }

  /** What the fund can pay now: its balance above its floor. */
  private fundAvailable(): number {
    return this.insurance - this.fundFloor();
  }

  /** The fill notional of walkOrQueue's order when it filled whole. */
  private walked = 0;

  /**
   * ADL on: account i's liquidation order of qty walks the book only as far as the fund can pay for fills past the
   * bankruptcy price (the fund's available balance, less a margin far above rounding so that the settled deficit
   * never passes it). Filled whole: false, the notional in `walked`. Stopped short: the account is bankrupt — its
   * filled part settles (the fund pays the deficit), the rest of the position (the unfilled order and, for a slice,
   * what the slice left) goes to the step's loss allocation with the collateral backing it, and true.
   */
  private walkOrQueue(i: number, s: number, mark: number, qty: number): boolean {
    const q = this.curSize[i];
    const c = this.curColl[i];
    const e = this.pop.entry[i];
    const b = e - (s * c) / q;
    const budget = this.fundAvailable() - 1e-9 * Math.abs(q * b);
    const notional = this.book.walkWithin(s, qty, b, budget > 0 ? budget : 0);
    const unfilled = this.book.unfilled;
    if (!(unfilled > 0)) {
      this.walked = notional;
      return false;
    }
    const x = qty - unfilled;
    const r = q - x;
    // the collateral backing the remainder: all but the filled part's share (an order that filled nothing keeps all)
    const cr = c - s * x * (e - b);
    const pnl = s * (notional - x * e);
    this.makers -= pnl;
    this.liquidations++;
    this.liquidatedNotional += notional;
    this.slipValue += s * (x * mark - notional);
    this.markedValue += x * mark;
    if (this.onLiquidation) this.onLiquidation({ step: this.step, round: this.round, account: i, side: s, size: x, notional, whole: true, remainder: r });
    // the account is closed: what its order filled, then (in the loss allocation) ADL for the rest
    this.trace?.fill(KIND.liquidation, i, s, x, notional, q, c, e);
    const backing = s * x * (e - b);
    const remaining = backing + pnl;
    let paid = 0;
    this.dead[i] = 1;
    this.openCount--;
    this.openInterest.closed(s, q);
    this.inAuction[i] = 0;
    if (remaining >= 0) {
      this.cash[i] = remaining;
      this.liquidatedPnl += pnl;
    } else {
      this.cash[i] = 0;
      this.liquidatedPnl -= backing;
      this.shortfall += -remaining;
      paid = this.cover(-remaining, s, mark);
    }
    this.lossQueue.push({ account: i, side: s, size: r, collateral: cr, price: b, deficit: 0 });
    this.capCheck(notional, paid);
    this.trace?.close();
    return true;
  }

  /**
   * Loss allocation after the cascade (SPEC §3), entry by entry in the order the bankruptcies happened: a bankrupt
   * remainder is closed against the ranked profitable positions of the other side, size for size, at the
   * bankruptcy price or the mark (adl.price), the last one partly, none of it on the book; a deficit no size
   * carries takes the ranked positions' profits at the mark, whole positions (assembly/loss-allocation.ts).
   */
  private allocateLosses(mark: number): void {
    const queue = this.lossQueue;
    if (queue.length === 0) return;
    const atMark = this.s.params[P.adlPrice] === ADL_PRICE.mark;
    let rankedSide = 0;
    for (const entry of queue) {
      const side = -entry.side;
      // one ranking of a side's positions serves its entries in a row (a partly closed position keeps its place)
      if (side !== rankedSide) {
        this.rankForAdl(side, mark);
        rankedSide = side;
      }
      if (entry.account < 0) {
        const owed = this.deleverageProfits(side, entry.deficit, mark);
        if (owed > 0) {
          this.badDebt += owed;
          this.trace?.badDebt(entry.side, owed);
        }
      } else this.transfer(entry, atMark ? mark : entry.price, mark);
    }
    this.lossQueue = [];
  }

  /**
   * Closes a bankrupt remainder against the ranking's positions at price P; what no profitable position takes is
   * closed at the mark against the venue, its shortfall paid by the fund, then bad debt.
   */
  private transfer(entry: LossEntry, P: number, mark: number): void {
    const pop = this.pop;
    const s = entry.side;
    const side = -s;
    const r = entry.size;
    let left = r;
    // the ranking in order from the cursor: a closed account is passed for good, one not in profit at this entry's
    // price only for this entry (another bankrupt's price may put it in profit: the kernel stashes and re-inserts it)
    let k = this.adlCursor;
    while (left > 0 && k < this.adlLen) {
      const j = this.adlOrder[k];
      if (this.dead[j] === 1) {
        if (k === this.adlCursor) this.adlCursor++;
        k++;
        continue;
      }
      const qj = this.curSize[j];
      const ej = pop.entry[j];
      // only a position in profit at the ADL price is deleveraged
      if (!(side * (P - ej) > 0)) {
        k++;
        continue;
      }
      const x = left < qj ? left : qj;
      const pnl = side * x * (P - ej);
      this.makers -= pnl;
      this.adlPnl += pnl;
      // what the ADL'd position gives up against the mark (0 when ADL is at the mark)
      this.adlTransfer += side * x * (mark - P);
      if (x === qj) {
        this.dead[j] = 1;
        this.openCount--;
        this.openInterest.closed(side, qj);
        this.cash[j] = this.curColl[j] + pnl;
        if (k === this.adlCursor) this.adlCursor++;
        k++;
      } else {
        const rest = qj - x;
        const cj = this.curColl[j] + pnl;
        this.curSize[j] = rest;
        this.openInterest.reduced(side, x);
        this.curColl[j] = cj;
        this.curLiq[j] = this.liquidationPriceOf(side, rest, ej, cj);
        this.pend(j, side);
      }
      if (this.onAdl) this.onAdl({ step: this.step, account: j, side, size: x, price: P, whole: x === qj, bankrupt: entry.account });
      this.adlCount++;
      this.adlNotional += x * P;
      // the ADL'd position (side, x at P) against the bankrupt account
      this.trace?.event(KIND.adl, j, side, x, P, entry.price, x * P, entry.account);
      left -= x;
    }
    const i = entry.account;
    const e = pop.entry[i];
    // closed whole at its bankruptcy price, the remainder's equity is exactly zero: its collateral is its loss
    let pnl = left === 0 && P === entry.price ? -entry.collateral : s * (r - left) * (P - e);
    if (left > 0) pnl += s * left * (mark - e);
    this.makers -= pnl;
    const rest = entry.collateral + pnl;
    if (rest >= 0) this.liquidatedPnl += pnl;
    else {
      this.liquidatedPnl -= entry.collateral;
      this.shortfall += -rest;
    }
    if (rest > 0) this.cash[i] += rest;
    else if (rest < 0) {
      const left = -rest - this.payFromFund(-rest);
      if (left > 0) {
        this.badDebt += left;
        this.trace?.badDebt(s, left);
      }
    }
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
   * Closes profitable accounts of side `side` at the mark, best-ranked first (the ranking rankForAdl last built),
   * and takes the shortfall from their realised profit (never their principal); returns what is still owed.
   */
  private deleverageProfits(side: number, deficit: number, mark: number): number {
    const pop = this.pop;
    // summed apart, then added (the kernel's adl.consume does the same)
    let kept = 0;
    let given = 0;
    while (deficit > 0 && this.adlCursor < this.adlLen) {
      const j = this.adlOrder[this.adlCursor++];
      if (this.dead[j] === 1) continue;
      const q = this.curSize[j];
      const profit = side * q * (mark - pop.entry[j]);
      this.makers -= profit;
      const haircut = Math.min(deficit, profit);
      this.cash[j] = this.curColl[j] + profit - haircut;
      kept += profit - haircut;
      given += haircut;
      deficit -= haircut;
      this.dead[j] = 1;
      this.openCount--;
      this.openInterest.closed(side, q);
      this.adlCount++;
      this.adlNotional += q * mark;
      // closed whole at the mark against a deficit no bankrupt size carries (no counterparty)
      this.trace?.event(KIND.adl, j, side, q, mark, NaN, q * mark, -1);
    }
    this.adlPnl += kept;
    this.adlTransfer += given;
    return deficit;
  }

  private rankForAdl(side: number, mark: number): void {
    const pop = this.pop;
    const random = this.s.params[P.adlRanking] === ADL_RANKING.random;
    const hyperliquid = this.s.params[P.adlRanking] === ADL_RANKING.hyperliquid;
    let n = 0;
    for (let j = 0; j < this.active; j++) {
      if (this.dead[j] === 1 || this.inAuction[j] === 1 || (pop.isLong[j] === 1 ? 1 : -1) !== side) continue;
      // nor one the liquidation engine has in hand (sliced, repaid): ADL takes the other side's healthy positions
      if (this.s.params[P.perAccount] === 1 && this.flagged[j] >= 0) continue;
      const profit = side * this.curSize[j] * (mark - pop.entry[j]);
      if (!(profit > 0)) continue;
      let score: number;
      if (random) {
        philox(j, this.path, this.step, DOMAIN.adl, this.seedLo, this.seedHi, this.w);
        score = uniform52(this.w[0], this.w[1]);
      } else if (hyperliquid) {
        // Hyperliquid: (mark / entry) × notional / account value (a short's price ratio inverted: its profit grows as the mark falls)
        const ratio = side > 0 ? mark / pop.entry[j] : pop.entry[j] / mark;
        score = ratio * ((this.curSize[j] * mark) / (this.curColl[j] + profit));
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
  }

  // ---- trace mode (src/engine/trace.ts; assembly/trace.ts is the kernel's twin) ----

  /** Records this path's events (at most `capEvents`) and step rows from the next path on. */
  enableTrace(capEvents: number): TraceRecorder {
    this.trace = new TraceRecorder(capEvents, this.s.params[P.steps], {
      step: () => this.step,
      round: () => this.round,
      fund: () => this.insurance,
      // the backstop engine's vault (0 without one)
      vault: () => (this.s.params[P.perAccount] === 1 ? this.vaultCash : 0),
    });
    return this.trace;
  }

  /** Step t's trace row (0: the opening), as the book and the accounts stand at its end. */
  private traceRow(t: number, fundamental: number, mark: number, last: number): void {
    const p = this.s.params;
    const lag = p[P.oracleLag];
    // open interest: the traders' open positions per side, in account order (the population, then the arrivals)
    let oiLong = 0;
    let oiShort = 0;
    for (let i = 0; i < this.active; i++) {
      if (this.dead[i] === 1) continue;
      if (this.pop.isLong[i] === 1) oiLong += this.curSize[i];
      else oiShort += this.curSize[i];
    }
    const book = this.book;
    this.trace!.row(t, {
      fundamental,
      mid: book.mid(),
      mark,
      oracle: this.oracleHist[t >= lag ? t - lag : 0],
      last,
      bestBid: book.bidPrice(),
      bestAsk: book.askPrice(),
      depth1pct: book.depthWithin(0.01),
      oiLong,
      oiShort,
      badDebt: this.badDebt,
    });
  }

  /** Fan charts: step t's values at its end (assembly/fan.ts sample()); the next step to sample. */
  private sample(t: number, mark: number, fundamental: number): number {
    return this.fan.sample(t, this.s.params[P.steps], mark, fundamental, this.insurance, this.openInterest, this.vaultLongQ, this.vaultShortQ, this.vaultCash);
  }

  private ledger(mark: number): Ledger {
    let traders = 0;
    for (let i = 0; i < this.active; i++) traders += this.dead[i] === 1 ? this.cash[i] : this.curColl[i];
    return {
      step: this.step,
      traders,
      insurance: this.insurance,
      makers: this.makers,
      badDebt: this.badDebt,
      treasury: this.treasury,
      arrivals: this.arrivalsIn,
      open: this.openCount,
      liquidatedNotional: this.liquidatedNotional,
      vault: this.vaultCash,
      mark,
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
