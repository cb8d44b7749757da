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

/** Several markets (assembly/markets.ts): the venue's record region, `stride` f64 per path, for `batch` paths. */
export function carveVenue(batch: i32, stride: i32): void {
  records = new StaticArray<f64>(batch * stride);
  capBatch = batch;
  initialised = true;
}

export function carve(accounts: i32, levels: i32, steps: i32, tiers: i32, nReturns: i32, batch: i32): void {
  carveMarket(accounts, levels, steps, tiers, nReturns);
  records = new StaticArray<f64>(batch * RECORD_STRIDE);
  capBatch = batch;
  initialised = true;
}

/** One market's regions (with several markets, each market's: assembly/market-context.ts switches between them). */
export function carveMarket(accounts: i32, levels: i32, steps: i32, tiers: i32, nReturns: i32): void {
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
  carveQueue(2 * accounts + 1);
  touchedIds = new StaticArray<i32>(accounts);
  touchStamp = new StaticArray<i32>(accounts);
  flowList = new StaticArray<i32>(accounts);
  flowStamp = new StaticArray<i32>(accounts);
  capAccounts = accounts;
  capLevels = levels;
  capSteps = steps;
  capTiers = tiers;
  capReturns = nReturns;
}

/**
 * The loss queue's regions for `entries` entries: a market's 2 × accounts + 1 (an account closes once, queueing a
 * remainder and a deficit at most), and one more per cross-margin owner (assembly/cross-margin.ts: closed once a path).
 */
/** The ADL ranking's arrays hold the market's accounts and `extra` more (its cross-margin owners' legs). */
export function reserveAdl(extra: i32): void {
  const n = socialIds.length + extra;
  if (adlOrder.length >= n) return;
  adlOrder = new StaticArray<i32>(n);
  adlScore = new StaticArray<f64>(n);
}

export function carveQueue(entries: i32): void {
  queueId = new StaticArray<i32>(entries);
  queueSide = new StaticArray<f64>(entries);
  queueSize = new StaticArray<f64>(entries);
  queueColl = new StaticArray<f64>(entries);
  queuePrice = new StaticArray<f64>(entries);
  queueDeficit = new StaticArray<f64>(entries);
}

// ---- several markets (assembly/market-context.ts): the current market's regions and capacities, into and out of its
// block (the records and the ledger are the venue's: never switched) ----
export const REGION_BYTES: usize = 488;
export function saveContext(b: usize): void {
  store<usize>(b, changetype<usize>(params), 0);
  store<usize>(b, changetype<usize>(tierFloor), 8);
  store<usize>(b, changetype<usize>(tierMmr), 16);
  store<usize>(b, changetype<usize>(tierAmount), 24);
  store<usize>(b, changetype<usize>(tierMaxLeverage), 32);
  store<usize>(b, changetype<usize>(bidProfile), 40);
  store<usize>(b, changetype<usize>(askProfile), 48);
  store<usize>(b, changetype<usize>(shocks), 56);
  store<usize>(b, changetype<usize>(returns), 64);
  store<usize>(b, changetype<usize>(oracleHist), 72);
  store<usize>(b, changetype<usize>(accIsLong), 80);
  store<usize>(b, changetype<usize>(accSize), 88);
  store<usize>(b, changetype<usize>(accEntry), 96);
  store<usize>(b, changetype<usize>(accCollateral), 104);
  store<usize>(b, changetype<usize>(accLiq), 112);
  store<usize>(b, changetype<usize>(accBankrupt), 120);
  store<usize>(b, changetype<usize>(longOrder), 128);
  store<usize>(b, changetype<usize>(longLiq), 136);
  store<usize>(b, changetype<usize>(shortOrder), 144);
  store<usize>(b, changetype<usize>(shortLiq), 152);
  store<usize>(b, changetype<usize>(ladder), 160);
  store<usize>(b, changetype<usize>(accLadderPos), 168);
  store<usize>(b, changetype<usize>(adlOrder), 176);
  store<usize>(b, changetype<usize>(adlScore), 184);
  store<usize>(b, changetype<usize>(scanSQ), 192);
  store<usize>(b, changetype<usize>(scanQMmr), 200);
  store<usize>(b, changetype<usize>(scanCum), 208);
  store<usize>(b, changetype<usize>(curSize), 216);
  store<usize>(b, changetype<usize>(curColl), 224);
  store<usize>(b, changetype<usize>(curLiq), 232);
  store<usize>(b, changetype<usize>(nextSlice), 240);
  store<usize>(b, changetype<usize>(slicedRound), 248);
  store<usize>(b, changetype<usize>(longPend), 256);
  store<usize>(b, changetype<usize>(shortPend), 264);
  store<usize>(b, changetype<usize>(duePend), 272);
  store<usize>(b, changetype<usize>(flagged), 280);
  store<usize>(b, changetype<usize>(inAuction), 288);
  store<usize>(b, changetype<usize>(auctionTop), 296);
  store<usize>(b, changetype<usize>(auctionStart), 304);
  store<usize>(b, changetype<usize>(auctionList), 312);
  store<usize>(b, changetype<usize>(pended), 320);
  store<usize>(b, changetype<usize>(staleLiq), 328);
  store<usize>(b, changetype<usize>(socialIds), 336);
  store<usize>(b, changetype<usize>(socialProfit), 344);
  store<usize>(b, changetype<usize>(queueId), 352);
  store<usize>(b, changetype<usize>(queueSide), 360);
  store<usize>(b, changetype<usize>(queueSize), 368);
  store<usize>(b, changetype<usize>(queueColl), 376);
  store<usize>(b, changetype<usize>(queuePrice), 384);
  store<usize>(b, changetype<usize>(queueDeficit), 392);
  store<usize>(b, changetype<usize>(touchedIds), 400);
  store<usize>(b, changetype<usize>(touchStamp), 408);
  store<usize>(b, changetype<usize>(flowList), 416);
  store<usize>(b, changetype<usize>(flowStamp), 424);
  store<i32>(b, longCount, 432);
  store<i32>(b, shortCount, 440);
  store<i32>(b, capAccounts, 448);
  store<i32>(b, capLevels, 456);
  store<i32>(b, capSteps, 464);
  store<i32>(b, capTiers, 472);
  store<i32>(b, capReturns, 480);
}
export function loadContext(b: usize): void {
  params = changetype<StaticArray<f64>>(load<usize>(b, 0));
  tierFloor = changetype<StaticArray<f64>>(load<usize>(b, 8));
  tierMmr = changetype<StaticArray<f64>>(load<usize>(b, 16));
  tierAmount = changetype<StaticArray<f64>>(load<usize>(b, 24));
  tierMaxLeverage = changetype<StaticArray<f64>>(load<usize>(b, 32));
  bidProfile = changetype<StaticArray<f64>>(load<usize>(b, 40));
  askProfile = changetype<StaticArray<f64>>(load<usize>(b, 48));
  shocks = changetype<StaticArray<f64>>(load<usize>(b, 56));
  returns = changetype<StaticArray<f64>>(load<usize>(b, 64));
  oracleHist = changetype<StaticArray<f64>>(load<usize>(b, 72));
  accIsLong = changetype<StaticArray<i32>>(load<usize>(b, 80));
  accSize = changetype<StaticArray<f64>>(load<usize>(b, 88));
  accEntry = changetype<StaticArray<f64>>(load<usize>(b, 96));
  accCollateral = changetype<StaticArray<f64>>(load<usize>(b, 104));
  accLiq = changetype<StaticArray<f64>>(load<usize>(b, 112));
  accBankrupt = changetype<StaticArray<f64>>(load<usize>(b, 120));
  longOrder = changetype<StaticArray<i32>>(load<usize>(b, 128));
  longLiq = changetype<StaticArray<f64>>(load<usize>(b, 136));
  shortOrder = changetype<StaticArray<i32>>(load<usize>(b, 144));
  shortLiq = changetype<StaticArray<f64>>(load<usize>(b, 152));
  ladder = changetype<StaticArray<f64>>(load<usize>(b, 160));
  accLadderPos = changetype<StaticArray<i32>>(load<usize>(b, 168));
  adlOrder = changetype<StaticArray<i32>>(load<usize>(b, 176));
  adlScore = changetype<StaticArray<f64>>(load<usize>(b, 184));
  scanSQ = changetype<StaticArray<f64>>(load<usize>(b, 192));
  scanQMmr = changetype<StaticArray<f64>>(load<usize>(b, 200));
  scanCum = changetype<StaticArray<f64>>(load<usize>(b, 208));
  curSize = changetype<StaticArray<f64>>(load<usize>(b, 216));
  curColl = changetype<StaticArray<f64>>(load<usize>(b, 224));
  curLiq = changetype<StaticArray<f64>>(load<usize>(b, 232));
  nextSlice = changetype<StaticArray<i32>>(load<usize>(b, 240));
  slicedRound = changetype<StaticArray<i32>>(load<usize>(b, 248));
  longPend = changetype<StaticArray<i32>>(load<usize>(b, 256));
  shortPend = changetype<StaticArray<i32>>(load<usize>(b, 264));
  duePend = changetype<StaticArray<i32>>(load<usize>(b, 272));
  flagged = changetype<StaticArray<i32>>(load<usize>(b, 280));
  inAuction = changetype<StaticArray<i32>>(load<usize>(b, 288));
  auctionTop = changetype<StaticArray<f64>>(load<usize>(b, 296));
  auctionStart = changetype<StaticArray<i32>>(load<usize>(b, 304));
  auctionList = changetype<StaticArray<i32>>(load<usize>(b, 312));
  pended = changetype<StaticArray<i32>>(load<usize>(b, 320));
  staleLiq = changetype<StaticArray<i32>>(load<usize>(b, 328));
  socialIds = changetype<StaticArray<i32>>(load<usize>(b, 336));
  socialProfit = changetype<StaticArray<f64>>(load<usize>(b, 344));
  queueId = changetype<StaticArray<i32>>(load<usize>(b, 352));
  queueSide = changetype<StaticArray<f64>>(load<usize>(b, 360));
  queueSize = changetype<StaticArray<f64>>(load<usize>(b, 368));
  queueColl = changetype<StaticArray<f64>>(load<usize>(b, 376));
  queuePrice = changetype<StaticArray<f64>>(load<usize>(b, 384));
  queueDeficit = changetype<StaticArray<f64>>(load<usize>(b, 392));
  touchedIds = changetype<StaticArray<i32>>(load<usize>(b, 400));
  touchStamp = changetype<StaticArray<i32>>(load<usize>(b, 408));
  flowList = changetype<StaticArray<i32>>(load<usize>(b, 416));
  flowStamp = changetype<StaticArray<i32>>(load<usize>(b, 424));
  longCount = load<i32>(b, 432);
  shortCount = load<i32>(b, 440);
  capAccounts = load<i32>(b, 448);
  capLevels = load<i32>(b, 456);
  capSteps = load<i32>(b, 464);
  capTiers = load<i32>(b, 472);
  capReturns = load<i32>(b, 480);
}
