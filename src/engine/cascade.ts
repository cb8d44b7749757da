// The pure-TypeScript reference engine: the model of one cascade path, written plainly. It is the oracle of the
// differential tests (the WASM kernel must give the same records bit for bit) and the baseline of the speed ratios.
// Every f64 operation has its twin, in the same order, in assembly/. This file (assembly/cascade.ts's twin) is the step
// loop only: per path the reset, per step the price, the book, the mark, the cascade rounds, the loss allocation, the
// samples, and the record. The concerns are in the files beside it, file for file as in assembly/:
// state.ts and path-state.ts (the state object), price.ts, ledger.ts, loss-allocation.ts, adl.ts, rounds.ts, triggers/,
// mechanisms/, flow-step.ts.

import { P } from "./layout.js";
import { METRIC, RECORD_STRIDE } from "./metrics.js";
import { buildLadder, copyPopulation, drawPopulation, type Population } from "./population.js";
import type { EngineSetup } from "./setup.js";
import { TraceRecorder, stepValues } from "./trace.js";
import { FanSampler, type FanSink, type OpenInterest } from "./fan.js";
import { RefState, type EngineHooks } from "./state.js";
import { PriceProcess } from "./price.js";
import { ledgerAt, newPath as newLedgerPath, writeWhoPaid, type Ledger } from "./ledger.js";
import { AdlRanking } from "./adl.js";
import { adlOn, allocate } from "./loss-allocation.js";
import { Mechanisms } from "./mechanisms/index.js";
import { perAccountRound } from "./rounds.js";
import { flowStep } from "./flow-step.js";
import { liquidationPriceOf, openScanStep } from "./triggers/scan.js";

/** The model in plain TypeScript: prepare() once per run and seed, then runPaths() into a record buffer. */
export class ReferenceEngine implements EngineHooks {
  private readonly st: RefState;
  private readonly price: PriceProcess;
  private readonly mech: Mechanisms;
  private readonly adl: AdlRanking;
  /** Called after every step when set: the conservation tests read the ledger here. */
  onStep?: (ledger: Ledger) => void;
  // the observers the concerns call live on the state (they read them at every settlement); these forward to it

  /** Called after every liquidation (whole or slice) when set. */
  get onLiquidation(): EngineHooks["onLiquidation"] {
    return this.st.onLiquidation;
  }
  set onLiquidation(f: EngineHooks["onLiquidation"]) {
    this.st.onLiquidation = f;
  }
  /** Called for every auction in every round it is looked at (engine dutch-auction), when set. */
  get onAuction(): EngineHooks["onAuction"] {
    return this.st.onAuction;
  }
  set onAuction(f: EngineHooks["onAuction"]) {
    this.st.onAuction = f;
  }
  /** Called for every ADL closure (whole or part of a position), when set. */
  get onAdl(): EngineHooks["onAdl"] {
    return this.st.onAdl;
  }
  set onAdl(f: EngineHooks["onAdl"]) {
    this.st.onAdl = f;
  }
  /** Called for every deficit shared under adl.ranking socialized, when set. */
  get onSocializedLoss(): EngineHooks["onSocializedLoss"] {
    return this.st.onSocializedLoss;
  }
  set onSocializedLoss(f: EngineHooks["onSocializedLoss"]) {
    this.st.onSocializedLoss = f;
  }
  /** Called for every voluntary close, blocked close and arrival (accounts.flow), when set. */
  get onFlow(): EngineHooks["onFlow"] {
    return this.st.onFlow;
  }
  set onFlow(f: EngineHooks["onFlow"]) {
    this.st.onFlow = f;
  }
  /** Called once per step with flows (accounts.flow), when set. */
  get onFlowStep(): EngineHooks["onFlowStep"] {
    return this.st.onFlowStep;
  }
  set onFlowStep(f: EngineHooks["onFlowStep"]) {
    this.st.onFlowStep = f;
  }
  /** Trace mode (`cascade run --trace`; src/engine/trace.ts): the path's events and step rows, when enabled. */
  get trace(): TraceRecorder | undefined {
    return this.st.trace;
  }
  set trace(recorder: TraceRecorder | undefined) {
    this.st.trace = recorder;
  }

  /** Open interest per side, and the fan charts' samples of a path (src/engine/fan.ts). */
  readonly openInterest: OpenInterest;
  private readonly fan: FanSampler;

  constructor(setup: EngineSetup) {
    this.st = new RefState(setup);
    this.openInterest = this.st.openInterest;
    this.fan = new FanSampler(setup.params[P.steps]);
    this.price = new PriceProcess(setup, this.st.tick);
    this.mech = new Mechanisms(this.st);
    this.adl = new AdlRanking(this.st);
  }

  /** Draws (or copies) the run's population and builds its ladder. Call once per run and seed. */
  prepare(seedLo: number, seedHi: number): void {
    this.st.seedLo = seedLo >>> 0;
    this.st.seedHi = seedHi >>> 0;
    if (this.st.p[P.resample] === 1) return;
    this.loadPopulation(0);
  }

  /** Whether account i was liquidated or deleveraged in the last path. */
  isClosed(i: number): boolean {
    return this.st.dead[i] === 1;
  }

  /** Account i's current size, collateral and (once sliced) liquidation price in the last path. */
  position(i: number): { size: number; collateral: number; liquidationPrice: number } {
    const st = this.st;
    const side = st.pop.isLong[i] === 1 ? 1 : -1;
    const stale = st.staleLiq[i] === 1;
    const liq = stale ? liquidationPriceOf(st, side, st.curSize[i], st.pop.entry[i], st.curColl[i]) : st.curLiq[i];
    return { size: st.curSize[i], collateral: st.curColl[i], liquidationPrice: liq };
  }

  get population(): Population {
    return this.st.pop;
  }

  private loadPopulation(population: number): void {
    const st = this.st;
    if (st.s.accounts) copyPopulation(st.s.accounts, st.pop);
    else drawPopulation(st.s, st.pop, st.seedLo, st.seedHi, population);
    buildLadder(st.s, st.pop);
    st.openInterest.population(st.pop.isLong, st.pop.size, st.pop.count);
  }

  /** Open sizes per side counted account by account (O(accounts): the fan tests check openInterest against it). */
  countOpenSizes(): { long: number; short: number; longs: number; shorts: number } {
    const st = this.st;
    const open = { long: 0, short: 0, longs: 0, shorts: 0 };
    for (let i = 0; i < st.active; i++) {
      if (st.dead[i] === 1) continue;
      if (st.pop.isLong[i] === 1) {
        open.long += st.curSize[i];
        open.longs++;
      } else {
        open.short += st.curSize[i];
        open.shorts++;
      }
    }
    return open;
  }

  /** Fan charts: sample every path's series (src/engine/fan.ts) and hand them to runPaths' sink, or not. */
  enableFan(on = true): void {
    this.fan.configure(on, this.st.p[P.steps]);
  }

  /** Simulates paths first..first+count−1 and writes one record each into out (RECORD_STRIDE f64 per path). */
  runPaths(first: number, count: number, out: Float64Array, fan?: FanSink): void {
    for (let i = 0; i < count; i++) {
      this.runPath(first + i, out, i * RECORD_STRIDE);
      if (fan && this.fan.on) fan.add(this.fan.buffer, 1, first + i);
    }
  }

  private runPath(path: number, out: Float64Array, at: number): void {
    const st = this.st;
    const p = st.p;
    if (p[P.resample] === 1) this.loadPopulation(path + 1);
    const tick = st.tick;
    const steps = p[P.steps];
    const withdrawal = p[P.stressWithdrawal];
    const stressFloor = p[P.stressFloor];
    const stressed = withdrawal > 0;
    const maxRounds = p[P.maxRounds];
    const book = st.book;
    const price = this.price;
    const mech = this.mech;
    const perAccount = st.perAccount;
    const backstopOn = st.isEngine("backstop");
    const widening = p[P.spreadWidening];
    const scan = st.scan;
    const flowOn = p[P.flowCloseProb] > 0 || p[P.flowArrivalMean] > 0;
    const adl = adlOn(st);

    // reset the path's state
    st.startPath(path);
    st.newPath();
    mech.newPath();
    st.venue.newPath();
    newLedgerPath(st);
    book.newPath();
    st.openInterest.newPath();
    let marginSum = 0;
    let nextSample = this.fan.newPath();
    let firstLiquidationStep = -1;
    let maxRoundsInStep = 0;

    let fundamental = p[P.initialPrice];
    price.newPath(fundamental);
    book.setCentre(price.fundamentalTick(fundamental));
    let mark = book.mid();
    price.openPath(mark);
    if (scan) st.model.startPath(mark);
    if (st.trace) {
      st.trace.start();
      // the last trade of step 0 is the opening mark (the book's last price is the previous path's until step 1 opens)
      this.traceRow(0, fundamental, mark, mark);
    }
    if (nextSample === 0) nextSample = this.sample(0, mark, fundamental);
    let minPrice = mark;
    let markPeak = mark;
    let maxDrawdown = 0;
    let exoPeak = (price.fundamentalTick(fundamental) + 0.5) * tick;
    let exoDrawdown = 0;

    for (let t = 1; t <= steps; t++) {
      st.step = t;
      // (0) liquidity under stress: this step's depth, from the mark's drawdown as the step starts
      let scale = 1;
      if (stressed) {
        const keep = 1 - withdrawal * ((markPeak - mark) / markPeak);
        scale = keep > stressFloor ? keep : stressFloor;
      }
      if (widening > 0) book.spreadGap = Math.floor(widening * ((markPeak - mark) / markPeak));
      // (1) the exogenous move shifts the fundamental and, with it, the whole book
      price.move(t, path, st.seedLo, st.seedHi, st.w);
      fundamental = price.fundamental;
      // (2) the last step's impact: its permanent share moves the centre, the rest decays; the book is centred
      // on the fundamental plus the permanent impact
      book.startStep(scale);
      const fTick = price.fundamentalTick(fundamental);
      book.setCentre(fTick);
      const exo = (fTick + 0.5) * tick;
      if (exo > exoPeak) exoPeak = exo;
      const exoDd = (exoPeak - exo) / exoPeak;
      if (exoDd > exoDrawdown) exoDrawdown = exoDd;

      // the backstop vault works off its inventory before anyone else trades
      if (backstopOn) mech.backstop.unwind();
      // (3) the mark: someone trades at the touch before anything else, so `last` restarts at the mid
      const mid = book.mid();
      // a round that only starts auctions trades nothing: its `last` mark stays at this step's opening trade
      book.lastPrice = mid;
      // the ema mark moves once per step toward the mid, the oracle replaces it; either holds through the step's rounds
      mark = price.openMark(t, mid);
      // the scan engine's requirement follows the mark's realised volatility; what it holds is summed per step
      if (scan) marginSum += openScanStep(st, t, mark);
      // (3b) accounts.flow: voluntary closes, then arrivals, by market order at this mark; the mark follows their trades
      // (like the opening mark, not a drawdown point by itself: the rounds' marks and the step's last one are)
      if (flowOn && flowStep(st, mark)) mark = price.follow(mark, book);

      // (4) cascade rounds at the current mark until nobody is under water
      let rounds = 0;
      while (rounds < maxRounds) {
        st.round++;
        const n = perAccount ? perAccountRound(st, mech, mark, t) : mech.market.batchedRound(mark, t);
        if (n === 0) break;
        rounds++;
        if (firstLiquidationStep < 0) firstLiquidationStep = t;
        mark = price.follow(mark, book);
        if (mark < minPrice) minPrice = mark;
        st.trace?.round(mark);
        if (mark > markPeak) markPeak = mark;
        const dd = (markPeak - mark) / markPeak;
        if (dd > maxDrawdown) maxDrawdown = dd;
      }
      if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
      // every liquidation of the step first, then who pays what the fund could not
      if (adl) allocate(st, this.adl, mark);
      if (mark < minPrice) minPrice = mark;
      if (mark > markPeak) markPeak = mark;
      const dd = (markPeak - mark) / markPeak;
      if (dd > maxDrawdown) maxDrawdown = dd;
      if (this.onStep) this.onStep(ledgerAt(st, mark));
      if (st.trace) this.traceRow(t, fundamental, mark, book.lastPrice);
      if (t === nextSample) nextSample = this.sample(t, mark, fundamental);
    }

    out[at + METRIC.liquidations] = st.liquidations;
    out[at + METRIC.liquidatedNotional] = st.liquidatedNotional;
    out[at + METRIC.maxRoundsInStep] = maxRoundsInStep;
    out[at + METRIC.minPrice] = minPrice;
    out[at + METRIC.finalPrice] = mark;
    out[at + METRIC.maxDrawdown] = maxDrawdown;
    out[at + METRIC.exogenousDrawdown] = exoDrawdown;
    out[at + METRIC.amplification] = amplification(maxDrawdown, exoDrawdown, tick / p[P.initialPrice]);
    out[at + METRIC.insuranceMin] = st.venue.insuranceMin;
    out[at + METRIC.insuranceFinal] = st.venue.insurance;
    out[at + METRIC.badDebt] = st.venue.badDebt;
    out[at + METRIC.adlCount] = st.adlCount;
    out[at + METRIC.adlNotional] = st.adlNotional;
    out[at + METRIC.avgSlippage] = st.markedValue > 0 ? st.slipValue / st.markedValue : 0;
    out[at + METRIC.bookExhausted] = book.exhausted ? 1 : 0;
    out[at + METRIC.firstLiquidationStep] = firstLiquidationStep;
    out[at + METRIC.marginHeld] = scan ? marginSum / steps : NaN;
    writeWhoPaid(st.venue, out, at);
  }

  sell(qty: number): number {
    return this.st.book.sell(qty);
  }

  buy(qty: number): number {
    return this.st.book.buy(qty);
  }

  // ---- trace mode (src/engine/trace.ts; assembly/trace.ts is the kernel's twin) ----

  /** Records this path's events (at most `capEvents`) and step rows from the next path on. */
  enableTrace(capEvents: number): TraceRecorder {
    const st = this.st;
    const recorder = new TraceRecorder(capEvents, st.p[P.steps], {
      step: () => st.step,
      round: () => st.round,
      fund: () => st.venue.insurance,
      // the backstop engine's vault (0 without one)
      vault: () => (st.perAccount ? st.venue.vaultCash : 0),
    });
    st.trace = recorder;
    return recorder;
  }

  /** Step t's trace row (0: the opening), as the book and the accounts stand at its end. */
  private traceRow(t: number, fundamental: number, mark: number, last: number): void {
    this.st.trace!.row(t, stepValues(this.st, this.price, t, fundamental, mark, last));
  }

  /** Fan charts: step t's values at its end (assembly/fan.ts sample()); the next step to sample. */
  private sample(t: number, mark: number, fundamental: number): number {
    const v = this.mech.backstop;
    return this.fan.sample(
      t,
      this.st.p[P.steps],
      mark,
      fundamental,
      this.st.venue.insurance,
      this.st.openInterest,
      v.vaultLongQ,
      v.vaultShortQ,
      this.st.venue.vaultCash,
    );
  }
}

/** maxDrawdown / exogenousDrawdown, the denominator floored at one tick's share of the price; 1 when both are 0. */
export function amplification(maxDrawdown: number, exoDrawdown: number, oneTick: number): number {
  if (maxDrawdown === 0 && exoDrawdown === 0) return 1;
  return maxDrawdown / (exoDrawdown > oneTick ? exoDrawdown : oneTick);
}
