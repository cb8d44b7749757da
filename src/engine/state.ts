// The reference engine's state object (assembly/state.ts holds the kernel's per-account regions): the setup, the
// population and its per-account arrays, the venue's money, the pending lists and the loss queue, and the observers
// (the tests' hooks, the trace). Plain functions in each concern's file take it as `st`; a mechanism's own state is
// in its class (src/engine/mechanisms/), the price process's in src/engine/price.ts. Each field says which module
// writes it; the others only read it.

import { LIQUIDATION_ENGINE, P, SECONDS_PER_YEAR } from "./layout.js";
import type { TierTable } from "./margin.js";
import { MarginModel } from "./margin-model.js";
import type { OwnerLegs } from "./owner-adl.js";
import { allocatePopulation, tierTable, type Population } from "./population.js";
import type { EngineSetup } from "./setup.js";
import { LatentBook } from "./book.js";
import type { TraceRecorder } from "./trace.js";
import { OpenInterest } from "./fan.js";
import { PathState } from "./path-state.js";
import { VenueLedger } from "./ledger.js";
import { MARKET_DOMAIN_STRIDE } from "./markets-setup.js";

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

/** The observers the engine calls when set (ReferenceEngine's public properties: the tests set them there). */
export interface EngineHooks {
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
}

/** One entry of a step's loss allocation: a bankrupt remainder (account ≥ 0) or a deficit no size carries (−1). */
export interface LossEntry {
  account: number;
  side: number;
  size: number;
  collateral: number;
  price: number;
  deficit: number;
}

/**
 * Liquidates one account by the scenario's engine (src/engine/mechanisms/index.ts implements it): the triggers call
 * it through this interface, so that they import no mechanism (the mechanisms import the triggers' pend()).
 */
export interface Liquidator {
  liquidateOne(i: number, s: number, mark: number, whole?: boolean): void;
}

export class RefState extends PathState {
  readonly s: EngineSetup;
  readonly p: Float64Array;
  /** The setup's brackets as one table (built once: the per-account engine prices accounts in its hot loops). */
  readonly tiers: TierTable;
  readonly pop: Population;
  /** Philox's output words (every draw writes them). */
  readonly w = new Uint32Array(4);
  readonly tick: number;
  /** The book (src/engine/book.ts): no edge, lasting impact. */
  readonly book: LatentBook;
  /** margin.model: the requirement the scan engine checks (and the backstop and close-factor engines read). */
  readonly model: MarginModel;
  /** The scenario's liquidation engine, and whether it runs account by account (every engine but the batched rounds). */
  readonly engine: number;
  readonly perAccount: boolean;
  /** margin.model's scan replaces the ladder and the pending lists (triggers/scan.ts). */
  readonly scan: boolean;

  // ---- per-account (cascade.ts resets them per path; the mechanisms, ledger.ts and adl.ts write them) ----
  /** A closed account's cash (written when it closes, so nothing else resets it). */
  readonly cash: Float64Array;
  readonly dead: Uint8Array;
  /**
   * Each account's current size and collateral (its drawn ones until it is changed in place), the liquidation price
   * of one changed in place, the first step it may be sliced again and the round it was last sliced in.
   */
  curSize: Float64Array;
  curColl: Float64Array;
  /** Their own storage in the per-account engine; in the batched one they are the population's arrays (never written). */
  readonly sizeBuf: Float64Array;
  readonly collBuf: Float64Array;
  readonly curLiq: Float64Array;
  readonly nextSlice: Int32Array;
  readonly slicedRound: Int32Array;
  /** Per-account engine: the step each account was first liquidated in the path (−1: not yet), for fee ramps. */
  readonly flagged: Int32Array;
  /** dutch-auction: whether the account is in auction (mechanisms/dutch-auction.ts; a close clears it). */
  readonly inAuction: Uint8Array;
  /** Whether the account has joined its side's pending list (triggers/ladder.ts pend()). */
  readonly pended: Uint8Array;
  /** socialized: a haircut changed the collateral; the liquidation price is recomputed when next read. */
  readonly staleLiq: Uint8Array;

  // ---- the ladder (triggers/ladder.ts) ----
  /** The next rung of each side's ladder (the batched rounds and the per-account rounds walk them). */
  longCursor = 0;
  shortCursor = 0;
  /**
   * The accounts re-checked at their own liquidation price, per side (sliced, repaid, haircut, arrived), in order of
   * first pend, taken in key order each round.
   */
  longPend: number[] = [];
  shortPend: number[] = [];

  // ---- money: the venue's (ledger.ts VenueLedger; one market owns it, several share it: markets.ts) ----
  readonly venue: VenueLedger;
  /**
   * The market's index in the venue (0 alone) and the shift of its Philox domain words (16 × index: market m's draws
   * are market 0's counters with DOMAIN.x + domainShift; src/engine/markets.ts lists them).
   */
  readonly market: number;
  readonly domainShift: number;
  /** Per-step cap totals, reset lazily at the first liquidation of a step (ledger.ts capCheck). */
  capStep = 0;
  stepNotional = 0;
  stepLoss = 0;

  /** The step's loss allocation, in the order the bankruptcies happened (ledger.ts cover and mechanisms/market.ts
   * queue; loss-allocation.ts allocates and empties it). */
  lossQueue: LossEntry[] = [];

  // ---- accounts.flow (flow-step.ts) ----
  /** Accounts the arrays hold: the population, then the dormant slots of the arrivals. */
  readonly capacity: number;
  /** Active slots in this path: the population and the arrivals so far (a dormant slot is past it, seen by no loop). */
  active = 0;
  /** Open accounts among the active ones (the closes' Poisson mean; every close counts it down: ledger.ts closeAccount). */
  openCount = 0;
  /** The draw list of the closes: the open accounts at 0..flowLen−1, and closed ones not yet dropped from it. */
  readonly flowList: Int32Array;
  flowLen = 0;

  /** Open interest per side (src/engine/fan.ts). */
  readonly openInterest = new OpenInterest();

  // ---- the observers (EngineHooks: ReferenceEngine's properties forward here; fields, not a hooks object, because
  // every settlement reads them) ----
  onLiquidation?: EngineHooks["onLiquidation"];
  onAuction?: EngineHooks["onAuction"];
  onAdl?: EngineHooks["onAdl"];
  onSocializedLoss?: EngineHooks["onSocializedLoss"];
  onFlow?: EngineHooks["onFlow"];
  onFlowStep?: EngineHooks["onFlowStep"];
  trace?: TraceRecorder;

  /** The cross-margin owners' legs in this market, ADL's counterparties too (owner-adl.ts; absent without owners). */
  owners?: OwnerLegs;

  /** Cross margin's owners have legs in this market (cross-margin.ts, once). */
  attachOwners(owners: OwnerLegs): void {
    this.owners = owners;
  }

  /** Market `market` of a venue (VenueLedger); alone, a market owns its venue. */
  constructor(setup: EngineSetup, venue?: VenueLedger, market = 0) {
    super();
    this.s = setup;
    this.venue = venue ?? new VenueLedger([setup.params]);
    this.market = market;
    this.domainShift = MARKET_DOMAIN_STRIDE * market;
    const p = setup.params;
    this.p = p;
    this.tiers = tierTable(setup);
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
    this.model = new MarginModel(p, this.tiers, p[P.stepSeconds] / SECONDS_PER_YEAR);
    this.engine = p[P.engine];
    this.perAccount = p[P.perAccount] === 1;
    this.scan = p[P.marginModel] !== 0;
  }

  /** The accounts as a path starts: all open at their drawn size and collateral (per-account arrays reset). */
  newPath(): void {
    const pop = this.pop;
    // a live account's cash is its collateral; cash[i] is written when it dies, so nothing else resets
    this.dead.fill(0);
    if (this.perAccount) {
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
    } else {
      this.curSize = pop.size;
      this.curColl = pop.collateral;
    }
    this.longCursor = 0;
    this.shortCursor = 0;
    this.lossQueue = [];
    this.active = pop.count;
    this.openCount = pop.count;
    if (this.p[P.flowCloseProb] > 0) {
      for (let i = 0; i < pop.count; i++) this.flowList[i] = i;
      this.flowLen = pop.count;
    }
  }

  /** Whether the engine is this one (LIQUIDATION_ENGINE). */
  isEngine(name: keyof typeof LIQUIDATION_ENGINE): boolean {
    return this.engine === LIQUIDATION_ENGINE[name];
  }
}
