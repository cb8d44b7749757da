// Every region the kernel uses, carved once in init(): nothing is allocated after it, so the host's
// typed-array views over these regions never detach.
import { PARAM_SLOTS, RECORD_STRIDE } from "./abi";

export let params = new StaticArray<f64>(0);
export let tierFloor = new StaticArray<f64>(0);
export let tierMmr = new StaticArray<f64>(0);
export let tierAmount = new StaticArray<f64>(0);
export let tierMaxLeverage = new StaticArray<f64>(0);
export let bidProfile = new StaticArray<f64>(0);
export let askProfile = new StaticArray<f64>(0);
export let shocks = new StaticArray<f64>(0);
export let returns = new StaticArray<f64>(0);
/** The fundamental at the end of each step's move, 0..steps (the oracle reads it, possibly lagged). */
export let oracleHist = new StaticArray<f64>(0);

// accounts (struct of arrays) and their ladder
export let accIsLong = new StaticArray<i32>(0);
export let accSize = new StaticArray<f64>(0);
export let accEntry = new StaticArray<f64>(0);
export let accCollateral = new StaticArray<f64>(0);
export let accLiq = new StaticArray<f64>(0);
export let accBankrupt = new StaticArray<f64>(0);
export let longOrder = new StaticArray<i32>(0);
export let longLiq = new StaticArray<f64>(0);
export let shortOrder = new StaticArray<i32>(0);
export let shortLiq = new StaticArray<f64>(0);
export let longCount: i32 = 0;
export let shortCount: i32 = 0;

// Hot regions are arrays of small records (one base pointer per loop instead of one per field), read
// with load/store at constant offsets.

/**
 * The ladders in ladder order, longs at 0..longCount−1 then shorts: liquidation price, size, entry,
 * collateral, cash once closed, account index and the path epoch it was closed in: everything a round reads or
 * writes about an account sits in its record.
 */
export const LADDER_STRIDE: usize = 48;
export const L_LIQ: usize = 0;
export const L_SIZE: usize = 8;
export const L_ENTRY: usize = 16;
export const L_COLL: usize = 24;
export const L_CASH: usize = 32;
export const L_ID: usize = 40;
export const L_DEAD: usize = 44;
export let ladder = new StaticArray<f64>(0);
/** Each account's position in the ladder region. */
export let accLadderPos = new StaticArray<i32>(0);


/** ADL (assembly/adl.ts): one side's ranking as a heap of account indices and their scores. */
export let adlOrder = new StaticArray<i32>(0);
export let adlScore = new StaticArray<f64>(0);

// @ts-ignore: decorator
@inline export function base(a: StaticArray<f64>): usize {
  return changetype<usize>(a);
}

/** The ladder record of account i. */
// @ts-ignore: decorator
@inline export function rungOf(i: i32): usize {
  return base(ladder) + <usize>unchecked(accLadderPos[i]) * LADDER_STRIDE;
}

/** Whether account i was closed in the path of this epoch. */
export function isClosed(i: i32, epoch: i32): bool {
  return load<i32>(rungOf(i), L_DEAD) == epoch;
}

/** The cash of account i once closed. */
export function cashOf(i: i32): f64 {
  return load<f64>(rungOf(i), L_CASH);
}

/**
 * Margin-scan inputs (the full scan cross margin needs; assembly/bench.ts times it): per account s·q, q·mmr
 * and cum of its bracket at entry, so that equity c + s·q·(m − e) and maintenance q·mmr·m − cum are a few
 * lane operations.
 */
export let scanSQ = new StaticArray<f64>(0);
export let scanQMmr = new StaticArray<f64>(0);
export let scanCum = new StaticArray<f64>(0);

/**
 * liquidation.engine partial (assembly/cascade.ts): each account's current size and collateral, the liquidation
 * price of a sliced account, the first step it may be sliced again, the round it was last sliced in; the sliced
 * accounts still open per side, and a scratch list for a round's due accounts.
 */
export let curSize = new StaticArray<f64>(0);
export let curColl = new StaticArray<f64>(0);
export let curLiq = new StaticArray<f64>(0);
export let nextSlice = new StaticArray<i32>(0);
export let slicedRound = new StaticArray<i32>(0);
export let longPend = new StaticArray<i32>(0);
export let shortPend = new StaticArray<i32>(0);
export let duePend = new StaticArray<i32>(0);
/**
 * The per-account engine's mechanisms: the step each account was first liquidated in the path (−1: not yet);
 * dutch-auction: whether it is in auction (1), its top price and the step of its kick or last redo, and the
 * accounts in auction in kick order.
 */
export let flagged = new StaticArray<i32>(0);
export let inAuction = new StaticArray<i32>(0);
export let auctionTop = new StaticArray<f64>(0);
export let auctionStart = new StaticArray<i32>(0);
export let auctionList = new StaticArray<i32>(0);
/** 1 once the account has joined its side's list of accounts re-checked at their own liquidation price (in this path). */
export let pended = new StaticArray<i32>(0);
/** socialized: a haircut changed the account's collateral; its liquidation price is recomputed when next read. */
export let staleLiq = new StaticArray<i32>(0);
/** socialized: the profitable open accounts of one side at one mark, and their profits (assembly/per-account.ts). */
export let socialIds = new StaticArray<i32>(0);
export let socialProfit = new StaticArray<f64>(0);

/**
 * ADL after the cascade (assembly/adl.ts): the step's loss-allocation queue — per entry the account (or −1), its
 * side, the bankrupt remainder's size, the collateral backing it and the bankruptcy price, or a deficit no size
 * carries — and the accounts whose per-account state changed in this path (reset at the next path: only those).
 */
export let queueId = new StaticArray<i32>(0);
export let queueSide = new StaticArray<f64>(0);
export let queueSize = new StaticArray<f64>(0);
export let queueColl = new StaticArray<f64>(0);
export let queuePrice = new StaticArray<f64>(0);
export let queueDeficit = new StaticArray<f64>(0);
export let touchedIds = new StaticArray<i32>(0);
export let touchStamp = new StaticArray<i32>(0);
/**
 * accounts.flow (assembly/flow.ts): the closes' draw list, position r holding an account index, stamped with the path
 * epoch that wrote it (an unstamped position r holds account r: the list starts as the population at no cost).
 */
export let flowList = new StaticArray<i32>(0);
export let flowStamp = new StaticArray<i32>(0);

export let records = new StaticArray<f64>(0);
/** The money ledger of the last path: traders, insurance, makers, bad debt, treasury, vault, arrivals' collateral. */
export let ledger = new StaticArray<f64>(7);

export function setLadderCounts(longs: i32, shorts: i32): void {
  longCount = longs;
  shortCount = shorts;
}

export let capAccounts: i32 = 0;
export let capLevels: i32 = 0;
export let capSteps: i32 = 0;
export let capTiers: i32 = 0;
export let capReturns: i32 = 0;
export let capBatch: i32 = 0;
export let initialised = false;

export function carve(accounts: i32, levels: i32, steps: i32, tiers: i32, nReturns: i32, batch: i32): void {
  params = new StaticArray<f64>(PARAM_SLOTS);
  tierFloor = new StaticArray<f64>(tiers);
  tierMmr = new StaticArray<f64>(tiers);
  tierAmount = new StaticArray<f64>(tiers);
  tierMaxLeverage = new StaticArray<f64>(tiers);
  bidProfile = new StaticArray<f64>(levels + 2);
  askProfile = new StaticArray<f64>(levels + 2);
  shocks = new StaticArray<f64>(steps + 1);
  returns = new StaticArray<f64>(nReturns > 0 ? nReturns : 1);
  oracleHist = new StaticArray<f64>(steps + 1);
  accIsLong = new StaticArray<i32>(accounts);
  accSize = new StaticArray<f64>(accounts);
  accEntry = new StaticArray<f64>(accounts);
  accCollateral = new StaticArray<f64>(accounts);
  accLiq = new StaticArray<f64>(accounts);
  accBankrupt = new StaticArray<f64>(accounts);
  longOrder = new StaticArray<i32>(accounts);
  longLiq = new StaticArray<f64>(accounts);
  shortOrder = new StaticArray<i32>(accounts);
  shortLiq = new StaticArray<f64>(accounts);
  ladder = new StaticArray<f64>(accounts * 6);
  accLadderPos = new StaticArray<i32>(accounts);
  adlOrder = new StaticArray<i32>(accounts);
  adlScore = new StaticArray<f64>(accounts);
  scanSQ = new StaticArray<f64>(accounts);
  scanQMmr = new StaticArray<f64>(accounts);
  scanCum = new StaticArray<f64>(accounts);
  curSize = new StaticArray<f64>(accounts);
  curColl = new StaticArray<f64>(accounts);
  curLiq = new StaticArray<f64>(accounts);
  nextSlice = new StaticArray<i32>(accounts);
  slicedRound = new StaticArray<i32>(accounts);
  longPend = new StaticArray<i32>(accounts);
  shortPend = new StaticArray<i32>(accounts);
  duePend = new StaticArray<i32>(accounts);
  flagged = new StaticArray<i32>(accounts);
  inAuction = new StaticArray<i32>(accounts);
  auctionTop = new StaticArray<f64>(accounts);
  auctionStart = new StaticArray<i32>(accounts);
  auctionList = new StaticArray<i32>(accounts);
  pended = new StaticArray<i32>(accounts);
  staleLiq = new StaticArray<i32>(accounts);
  socialIds = new StaticArray<i32>(accounts);
  socialProfit = new StaticArray<f64>(accounts);
  queueId = new StaticArray<i32>(2 * accounts + 1);
  queueSide = new StaticArray<f64>(2 * accounts + 1);
  queueSize = new StaticArray<f64>(2 * accounts + 1);
  queueColl = new StaticArray<f64>(2 * accounts + 1);
  queuePrice = new StaticArray<f64>(2 * accounts + 1);
  queueDeficit = new StaticArray<f64>(2 * accounts + 1);
  touchedIds = new StaticArray<i32>(accounts);
  touchStamp = new StaticArray<i32>(accounts);
  flowList = new StaticArray<i32>(accounts);
  flowStamp = new StaticArray<i32>(accounts);
  records = new StaticArray<f64>(batch * RECORD_STRIDE);
  capAccounts = accounts;
  capLevels = levels;
  capSteps = steps;
  capTiers = tiers;
  capReturns = nReturns;
  capBatch = batch;
  initialised = true;
}
