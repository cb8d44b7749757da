// Several markets under one venue (phase B1: isolated margin), in plain TypeScript: the reference of the kernel's
// assembly/markets.ts. Each market is a whole single-market state (RefState: its setup, book, population and accounts,
// ladder cursors, pending lists, loss queue, per-step caps; its PriceProcess, its mechanisms, its ADL ranking) and
// they share one VenueLedger (the fund, bad debt, the treasury, the makers, the vault's cash, the who-paid totals).
// A single market never comes here: it runs cascade.ts (ReferenceEngine), whose step is this one with M = 1.
//
// Randomness (market m of M; L the lower Cholesky factor, row-major; market 0's counters are the single market's):
//   - per step t of path p, for k = 0..M−1 (all markets, whatever their price model): Philox (t, p, 0, DOMAIN.market +
//     16k) → u_k = uniform52(w0, w1), uJump_k = uniform52(w2, w3), ε_k = normalInv(u_k);
//   - market m's diffusion normal z_m = 0; for k = 0..m: z_m += L[m·M + k] · ε_k (in k order);
//   - its GBM/Merton return μdt + σ√dt · z_m; its Merton jump count from uJump_m, its jump sizes Philox
//     (t, p, 1, DOMAIN.market + 16m); replay's bootstrap index from u_m; its shocks and replayed returns its own;
//   - its generated population: the single market's counters (index 0, or path + 1 with resample) in DOMAIN.population
//     + 16m; its accounts.flow DOMAIN.flow + 16m; its random ADL ranking DOMAIN.adl + 16m.
//
// A step (t = 1..steps; steps and maxRoundsPerStep are market 0's):
//   (1) for m = 0..M−1: market m's opening, exactly as cascade.ts: its stress scale and spread from its own mark's
//       drawdown, its price move (above), book step and centre, exogenous drawdown, backstop unwind, opening mark
//       (ema, oracle, band), scan open (its marginSum), accounts.flow;
//   then, with cross margin (setup.cross, cross-margin.ts), the deposits that land at t;
//   (2) rounds = 0; while rounds < maxRounds: for m = 0..M−1 market m's round at its mark (its st.round + 1; per
//       account or batched); a market that liquidated (n > 0) then follows its mark and updates its min price, peak
//       and drawdown (one that did not leaves them); then the cross-margin round (its owners' worst legs closed into
//       the markets' books, each fill followed by the market's mark); when nothing liquidated, stop; else rounds++
//       and the venue's firstLiquidationStep is t if unset;
//   (3) for m = 0..M−1: market m's loss allocation at its mark (ADL rankings of its own side/accounts), then its
//       min price, peak and drawdown at that mark; then the onStep hook (the venue's ledger);
//   (4) the fan sample (also at step 0, after the path's reset): market 0's series (its mark, fundamental, open
//       interest and vault inventory; the venue's fund and vault cash), then with M ≥ 2 every market's mark.
// The record: recordNames(names, cross) (markets-setup.ts); sums run from 0 over the markets in order; the cross
// layer's legs count in their markets' liquidations, notional and slippage.

import { DOMAIN, P } from "./layout.js";
import { normalInv } from "./mathfn.js";
import { METRIC, METRIC_NAMES } from "./metrics.js";
import { type MarketsSetup, recordNames } from "./markets-setup.js";
import { philox, uniform52 } from "./philox.js";
import { buildLadder, copyPopulation, drawPopulation } from "./population.js";
import type { EngineSetup } from "./setup.js";
import { RefState } from "./state.js";
import { PriceProcess } from "./price.js";
import { type Ledger, VenueLedger, ledgerAt, newPath as newCapsPath, writeWhoPaid } from "./ledger.js";
import { AdlRanking } from "./adl.js";
import { adlOn, allocate } from "./loss-allocation.js";
import { Mechanisms } from "./mechanisms/index.js";
import { perAccountRound } from "./rounds.js";
import { flowStep } from "./flow-step.js";
import { openScanStep } from "./triggers/scan.js";
import { amplification } from "./cascade.js";
import { CrossMargin, type CrossLiquidationEvent } from "./cross-margin.js";
import { FanSampler, fanStride, type FanSink } from "./fan.js";
import { KIND, type KindName, TraceRecorder, marketView, stepValues } from "./trace.js";

/** The trace's event type of each cross-margin trade. */
const CROSS_KINDS = {
  leg: "cross-leg",
  collateral: "cross-collateral",
  slice: "cross-slice",
  repayment: "cross-repayment",
  takeover: "cross-takeover",
} as const satisfies Record<CrossLiquidationEvent["kind"], KindName>;

/** The venue's ledger at the end of a step: the sums over the markets, and each market's own (its traders, open, mark). */
export interface MarketsLedger extends Ledger {
  markets: Ledger[];
}

/** One market of the venue: its state and concerns, and the path's totals cascade.ts keeps in locals. */
export class Market {
  readonly st: RefState;
  readonly price: PriceProcess;
  readonly mech: Mechanisms;
  readonly adl: AdlRanking;
  private readonly tick: number;
  private readonly withdrawal: number;
  private readonly stressFloor: number;
  private readonly widening: number;
  private readonly backstopOn: boolean;
  private readonly flowOn: boolean;
  private readonly adlOn: boolean;

  // ---- the path's totals (cascade.ts's locals) ----
  mark = 0;
  fundamental = 0;
  minPrice = 0;
  markPeak = 0;
  maxDrawdown = 0;
  private exoPeak = 0;
  exoDrawdown = 0;
  /** What the scan engine's positions required, summed over the steps. */
  marginSum = 0;

  constructor(setup: EngineSetup, venue: VenueLedger, m: number) {
    const st = new RefState(setup, venue, m);
    this.st = st;
    const p = st.p;
    this.price = new PriceProcess(setup, st.tick, st.domainShift);
    this.mech = new Mechanisms(st);
    this.adl = new AdlRanking(st);
    this.tick = st.tick;
    this.withdrawal = p[P.stressWithdrawal];
    this.stressFloor = p[P.stressFloor];
    this.widening = p[P.spreadWidening];
    this.backstopOn = st.isEngine("backstop");
    this.flowOn = p[P.flowCloseProb] > 0 || p[P.flowArrivalMean] > 0;
    this.adlOn = adlOn(st);
  }

  /** Draws (or copies) its population for this population index (its own Philox domain) and builds its ladder. */
  loadPopulation(population: number): void {
    const st = this.st;
    if (st.s.accounts) copyPopulation(st.s.accounts, st.pop);
    else drawPopulation(st.s, st.pop, st.seedLo, st.seedHi, population, DOMAIN.population + st.domainShift);
    buildLadder(st.s, st.pop);
    st.openInterest.population(st.pop.isLong, st.pop.size, st.pop.count);
  }

  /** Path `path` starts (cascade.ts's reset; the venue's money is reset apart, once). */
  startPath(path: number): void {
    const st = this.st;
    st.startPath(path);
    st.newPath();
    this.mech.newPath();
    newCapsPath(st);
    st.book.newPath();
    st.openInterest.newPath();
    this.marginSum = 0;
    const fundamental = st.p[P.initialPrice];
    this.fundamental = fundamental;
    const price = this.price;
    price.newPath(fundamental);
    st.book.setCentre(price.fundamentalTick(fundamental));
    const mark = st.book.mid();
    price.openPath(mark);
    if (st.scan) st.model.startPath(mark);
    this.mark = mark;
    this.minPrice = mark;
    this.markPeak = mark;
    this.maxDrawdown = 0;
    this.exoPeak = (price.fundamentalTick(fundamental) + 0.5) * this.tick;
    this.exoDrawdown = 0;
  }

  /** Step t's opening (cascade.ts (0)–(3b)); z, u, uJump: this market's draws (the header). */
  open(t: number, z: number, u: number, uJump: number): void {
    const st = this.st;
    const book = st.book;
    const price = this.price;
    st.step = t;
    let mark = this.mark;
    const markPeak = this.markPeak;
    let scale = 1;
    if (this.withdrawal > 0) {
      const keep = 1 - this.withdrawal * ((markPeak - mark) / markPeak);
      scale = keep > this.stressFloor ? keep : this.stressFloor;
    }
    if (this.widening > 0) book.spreadGap = Math.floor(this.widening * ((markPeak - mark) / markPeak));
    price.moveCorrelated(t, st.path, st.seedLo, st.seedHi, st.w, z, u, uJump);
    this.fundamental = price.fundamental;
    book.startStep(scale);
    const fTick = price.fundamentalTick(this.fundamental);
    book.setCentre(fTick);
    const exo = (fTick + 0.5) * this.tick;
    if (exo > this.exoPeak) this.exoPeak = exo;
    const exoDd = (this.exoPeak - exo) / this.exoPeak;
    if (exoDd > this.exoDrawdown) this.exoDrawdown = exoDd;
    if (this.backstopOn) this.mech.backstop.unwind();
    const mid = book.mid();
    book.lastPrice = mid;
    mark = price.openMark(t, mid);
    if (st.scan) this.marginSum += openScanStep(st, t, mark);
    if (this.flowOn && flowStep(st, mark)) mark = price.follow(mark, book);
    this.mark = mark;
  }

  /** One cascade round of step t at its mark; a market that liquidated follows its mark. Returns what it liquidated. */
  round(t: number): number {
    const st = this.st;
    st.round++;
    const n = st.perAccount ? perAccountRound(st, this.mech, this.mark, t) : this.mech.market.batchedRound(this.mark, t);
    if (n === 0) return 0;
    this.afterFill();
    return n;
  }

  /**
   * After fills in its book (a round that liquidated, a cross-margin trade): the mark follows, its low and drawdown
   * (and the trace's low of the step).
   */
  afterFill(): void {
    const mark = this.price.follow(this.mark, this.st.book);
    this.mark = mark;
    if (mark < this.minPrice) this.minPrice = mark;
    this.drawdownAt(mark);
    this.st.trace?.round(mark);
  }

  /** The step's loss allocation at its mark, then the mark's drawdown bookkeeping (cascade.ts after the rounds). */
  close(): void {
    const mark = this.mark;
    if (this.adlOn) allocate(this.st, this.adl, mark);
    if (mark < this.minPrice) this.minPrice = mark;
    this.drawdownAt(mark);
  }

  private drawdownAt(mark: number): void {
    if (mark > this.markPeak) this.markPeak = mark;
    const dd = (this.markPeak - mark) / this.markPeak;
    if (dd > this.maxDrawdown) this.maxDrawdown = dd;
  }

  /** Step t's trace row values (0: the opening, whose last trade is the opening mark). */
  traceValues(t: number): ReturnType<typeof stepValues> {
    return stepValues(this.st, this.price, t, this.fundamental, this.mark, t === 0 ? this.mark : this.st.book.lastPrice);
  }

  /** The mark's drawdown against the exogenous one (the record's amplification). */
  amplification(): number {
    return amplification(this.maxDrawdown, this.exoDrawdown, this.tick / this.st.p[P.initialPrice]);
  }
}

/** Several markets in plain TypeScript: prepare() once per run and seed, then runPaths() into a record buffer. */
export class MarketsReferenceEngine {
  readonly venue: VenueLedger;
  readonly markets: Market[];
  /** Cross-margin owners over the markets (setup.cross), absent without. */
  readonly cross?: CrossMargin;
  /** Each collateral asset's market (−1: priced outside the venue), for the trace's cross-collateral events. */
  private readonly crossAssetMarket?: Int32Array;
  /** The record's length per path: recordNames(setup.names, cross).length. */
  readonly stride: number;
  /** Called after every step when set: the conservation tests read the venue's ledger here. */
  onStep?: (ledger: MarketsLedger) => void;
  private readonly cholesky: Float64Array;
  private readonly steps: number;
  private readonly maxRounds: number;
  private readonly eps: Float64Array;
  private readonly u: Float64Array;
  private readonly uJump: Float64Array;
  private readonly w = new Uint32Array(4);
  private seedLo = 0;
  private seedHi = 0;
  /** The fan charts' samples of a path (src/engine/fan.ts; assembly/markets.ts sample()). */
  private readonly fan: FanSampler;
  /** Trace mode (`cascade run --trace`; src/engine/trace.ts): one recorder, every market's events through its view. */
  trace?: TraceRecorder;
  private readonly marksNow: Float64Array;

  constructor(setup: MarketsSetup) {
    const M = setup.markets.length;
    if (M === 0 || setup.names.length !== M) throw new Error("a MarketsSetup needs one name per market, and a market");
    if (setup.cholesky.length !== M * M) throw new Error(`the Cholesky factor of ${M} markets has ${M * M} entries`);
    this.venue = new VenueLedger(setup.markets.map((s) => s.params));
    this.markets = setup.markets.map((s, m) => new Market(s, this.venue, m));
    this.cholesky = setup.cholesky;
    const p0 = setup.markets[0].params;
    this.steps = p0[P.steps];
    this.maxRounds = p0[P.maxRounds];
    if (setup.cross) this.cross = new CrossMargin(setup.cross, this.markets, this.venue);
    this.crossAssetMarket = setup.cross?.assetMarket;
    this.stride = recordNames(setup.names, setup.cross !== undefined).length;
    this.eps = new Float64Array(M);
    this.u = new Float64Array(M);
    this.uJump = new Float64Array(M);
    this.fan = new FanSampler(this.steps, fanStride(M));
    this.marksNow = new Float64Array(M);
  }

  /**
   * Records this path's events (at most `capEvents`) and step rows from the next path on: every market's events
   * through its view (marketView), each naming its market; the cross owners' trades as cross-leg and cross-collateral
   * events (their account: the owner); a step row of market 0's values, the venue's money and every market's mark.
   */
  enableTrace(capEvents: number): TraceRecorder {
    const markets = this.markets;
    const venue = this.venue;
    const st0 = markets[0].st;
    const vaultOn = markets.some((m) => m.st.perAccount);
    const recorder = new TraceRecorder(
      capEvents,
      this.steps,
      {
        step: () => st0.step,
        // every market counts the joint rounds alike
        round: () => st0.round,
        fund: () => venue.insurance,
        vault: () => (vaultOn ? venue.vaultCash : 0),
      },
      markets.length,
    );
    markets.forEach((market, m) => {
      market.st.trace = marketView(recorder, m);
    });
    const cross = this.cross;
    const assetMarket = this.crossAssetMarket;
    if (cross && assetMarket) {
      const before = cross.onLiquidation;
      cross.onLiquidation = (e) => {
        before?.(e);
        const leg = e.kind !== "collateral";
        recorder.market = leg ? e.instrument : assetMarket[e.instrument];
        recorder.event(KIND[CROSS_KINDS[e.kind]], e.owner, e.side, e.size, e.notional / e.size, NaN, e.notional, -1);
      };
    }
    this.trace = recorder;
    return recorder;
  }

  /** Step t's trace row: market 0's values, every market's mark. */
  private traceRow(t: number): void {
    const markets = this.markets;
    for (let m = 0; m < markets.length; m++) this.marksNow[m] = markets[m].mark;
    this.trace!.row(t, markets[0].traceValues(t), this.marksNow);
  }

  /** Fan charts: sample every path's series (src/engine/fan.ts fanStride) and hand them to runPaths' sink, or not. */
  enableFan(on = true): void {
    this.fan.configure(on, this.steps);
  }

  /** Draws (or copies) every market's population and builds its ladder. Call once per run and seed. */
  prepare(seedLo: number, seedHi: number): void {
    this.seedLo = seedLo >>> 0;
    this.seedHi = seedHi >>> 0;
    for (const market of this.markets) {
      market.st.seedLo = this.seedLo;
      market.st.seedHi = this.seedHi;
      // resample is a per-market slot: a market that resamples draws per path
      if (market.st.p[P.resample] !== 1) market.loadPopulation(0);
    }
  }

  /** Simulates paths first..first+count−1 and writes one record each into out (stride f64 per path); their fan to `fan`. */
  runPaths(first: number, count: number, out: Float64Array, fan?: FanSink): void {
    for (let i = 0; i < count; i++) {
      this.runPath(first + i, out, i * this.stride);
      if (fan && this.fan.on) fan.add(this.fan.buffer, 1, first + i);
    }
  }

  private runPath(path: number, out: Float64Array, at: number): void {
    const markets = this.markets;
    const M = markets.length;
    const L = this.cholesky;
    const steps = this.steps;
    const maxRounds = this.maxRounds;
    const venue = this.venue;

    venue.newPath();
    for (const market of markets) {
      if (market.st.p[P.resample] === 1) market.loadPopulation(path + 1);
      market.startPath(path);
    }
    const cross = this.cross;
    cross?.startPath();
    if (this.trace) {
      this.trace.start();
      this.traceRow(0);
    }
    let nextSample = this.fan.newPath();
    if (nextSample === 0) nextSample = this.sample(0);
    let firstLiquidationStep = -1;
    let maxRoundsInStep = 0;

    for (let t = 1; t <= steps; t++) {
      // every market's own draw, then the correlated normals (the header)
      for (let k = 0; k < M; k++) {
        philox(t, path, 0, DOMAIN.market + markets[k].st.domainShift, this.seedLo, this.seedHi, this.w);
        const u = uniform52(this.w[0], this.w[1]);
        this.u[k] = u;
        this.uJump[k] = uniform52(this.w[2], this.w[3]);
        this.eps[k] = normalInv(u);
      }
      // (1) the openings
      for (let m = 0; m < M; m++) {
        let z = 0;
        for (let k = 0; k <= m; k++) z += L[m * M + k] * this.eps[k];
        markets[m].open(t, z, this.u[m], this.uJump[m]);
      }
      cross?.arrivals(t);
      // (2) the joint rounds, until nothing liquidates
      let rounds = 0;
      while (rounds < maxRounds) {
        let any = false;
        for (let m = 0; m < M; m++) if (markets[m].round(t) > 0) any = true;
        if (cross && cross.round(t) > 0) any = true;
        if (!any) break;
        rounds++;
        if (firstLiquidationStep < 0) firstLiquidationStep = t;
      }
      if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
      // (3) every market's loss allocation
      for (let m = 0; m < M; m++) markets[m].close();
      if (this.onStep) this.onStep(this.ledger());
      if (this.trace) this.traceRow(t);
      if (t === nextSample) nextSample = this.sample(t);
    }
    this.writeRecord(out, at, maxRoundsInStep, firstLiquidationStep);
  }

  /** Step t's fan sample at its end (assembly/markets.ts sample()); the next step to sample. */
  private sample(t: number): number {
    const markets = this.markets;
    const M = markets.length;
    if (M > 1) for (let m = 0; m < M; m++) this.fan.sampleExtra(m, markets[m].mark);
    const m0 = markets[0];
    const vault = m0.mech.backstop;
    return this.fan.sample(
      t,
      this.steps,
      m0.mark,
      m0.fundamental,
      this.venue.insurance,
      m0.st.openInterest,
      vault.vaultLongQ,
      vault.vaultShortQ,
      this.venue.vaultCash,
    );
  }

  private writeRecord(out: Float64Array, at: number, maxRoundsInStep: number, firstLiquidationStep: number): void {
    const markets = this.markets;
    const venue = this.venue;
    let liquidations = 0;
    let liquidatedNotional = 0;
    let adlCount = 0;
    let adlNotional = 0;
    let slipValue = 0;
    let markedValue = 0;
    let exhausted = false;
    let scans = false;
    let marginHeld = 0;
    for (const market of markets) {
      const st = market.st;
      liquidations += st.liquidations;
      liquidatedNotional += st.liquidatedNotional;
      adlCount += st.adlCount;
      adlNotional += st.adlNotional;
      slipValue += st.slipValue;
      markedValue += st.markedValue;
      if (st.book.exhausted) exhausted = true;
      if (st.scan) {
        scans = true;
        marginHeld += market.marginSum / this.steps;
      }
    }
    const m0 = markets[0];
    out[at + METRIC.liquidations] = liquidations;
    out[at + METRIC.liquidatedNotional] = liquidatedNotional;
    out[at + METRIC.maxRoundsInStep] = maxRoundsInStep;
    out[at + METRIC.minPrice] = m0.minPrice;
    out[at + METRIC.finalPrice] = m0.mark;
    out[at + METRIC.maxDrawdown] = m0.maxDrawdown;
    out[at + METRIC.exogenousDrawdown] = m0.exoDrawdown;
    out[at + METRIC.amplification] = m0.amplification();
    out[at + METRIC.insuranceMin] = venue.insuranceMin;
    out[at + METRIC.insuranceFinal] = venue.insurance;
    out[at + METRIC.badDebt] = venue.badDebt;
    out[at + METRIC.adlCount] = adlCount;
    out[at + METRIC.adlNotional] = adlNotional;
    out[at + METRIC.avgSlippage] = markedValue > 0 ? slipValue / markedValue : 0;
    out[at + METRIC.bookExhausted] = exhausted ? 1 : 0;
    out[at + METRIC.firstLiquidationStep] = firstLiquidationStep;
    out[at + METRIC.marginHeld] = scans ? marginHeld : NaN;
    writeWhoPaid(venue, out, at);
    let k = at + METRIC_NAMES.length;
    for (const market of markets) {
      const st = market.st;
      // MARKET_METRICS' order
      out[k++] = st.liquidations;
      out[k++] = st.liquidatedNotional;
      out[k++] = market.minPrice;
      out[k++] = market.mark;
      out[k++] = market.maxDrawdown;
      out[k++] = market.exoDrawdown;
      out[k++] = market.amplification();
      out[k++] = st.adlNotional;
    }
    // CROSS_METRICS
    this.cross?.writeRecord(out, k);
  }

  /** The money the cross-margin owners bring into every path (0 without): Σ_d depAmount[d] × assetPrice[depAsset[d]]. */
  initialCrossMoney(): number {
    return this.cross ? this.cross.initialMoney() : 0;
  }

  /** The venue's ledger as the step ends: the traders, open accounts and notional summed, the money the venue's. */
  ledger(): MarketsLedger {
    const each = this.markets.map((market) => ledgerAt(market.st, market.mark));
    let traders = 0;
    let open = 0;
    let liquidatedNotional = 0;
    for (const l of each) {
      traders += l.traders;
      open += l.open;
      liquidatedNotional += l.liquidatedNotional;
    }
    // the owners' cash and the deposits they still hold, arrived or not
    if (this.cross) traders += this.cross.tradersMoney();
    return { ...each[0], traders, open, liquidatedNotional, markets: each };
  }
}
