// Several markets under one venue (plan-14b, phase B1): every market-scoped module keeps its scalars as module globals,
// exactly as with one market (assembly/cascade.ts runs on them untouched); with M > 1 markets the step loop
// (assembly/markets.ts) switches context: select(m) saves the current market's scalars and region pointers into its
// block and loads market m's. What is the venue's is never switched: the ledger's balances and who-paid totals
// (assembly/ledger.ts saves only its per-market configuration and per-step caps), the seed and path, the record region,
// the fan charts' and the trace's regions.
import * as adl from "./adl";
import * as book from "./book";
import * as fan from "./fan";
import * as flow from "./flow";
import * as L from "./ledger";
import * as queue from "./loss-queue";
import * as margin from "./margin-model";
import * as backstop from "./mechanisms/backstop";
import * as auction from "./mechanisms/dutch-auction";
import * as mechanisms from "./mechanisms/index";
import * as partial from "./mechanisms/partial";
import * as PS from "./path-state";
import * as population from "./population";
import * as price from "./price";
import * as state from "./state";
import * as ladder from "./triggers/ladder";
import * as scan from "./triggers/scan";

/** Bytes of a market's block per module (the largest, state.ts's regions, takes state.REGION_BYTES). */
const SLOT: usize = 512;
const MODULES: usize = 17;
const BLOCK: usize = SLOT * MODULES;
/** The ledger's slot in a block (blockedStepOf reads it in place). */
const LEDGER_SLOT: usize = 4 * SLOT;
/** The margin model's slot in a block (marginModelOf). */
const MARGIN_SLOT: usize = 9 * SLOT;

/** Markets in this instance: 1 unless initMarkets() carved several. */
export let marketCount: i32 = 1;
/** initMarkets() carved the venue: the markets' step loop runs (M ≥ 2, or one market with cross margin). */
export let marketsLoop = false;
/** The market whose scalars and regions the globals hold. */
export let current: i32 = 0;
let blocks = new StaticArray<u8>(0);

/** M markets: a block each, every one starting from the modules' initial values (a fresh instance's globals). */
export function carveContexts(markets: i32): void {
  blocks = new StaticArray<u8>(<i32>(BLOCK * <usize>markets));
  marketCount = markets;
  marketsLoop = true;
  current = 0;
  for (let m = 0; m < markets; m++) saveMarket(m);
}

function blockOf(m: i32): usize {
  return changetype<usize>(blocks) + <usize>m * BLOCK;
}

function saveMarket(m: i32): void {
  const b = blockOf(m);
  state.saveContext(b);
  book.saveContext(b + SLOT);
  price.saveContext(b + 2 * SLOT);
  PS.saveContext(b + 3 * SLOT);
  L.saveContext(b + LEDGER_SLOT);
  adl.saveContext(b + 5 * SLOT);
  fan.saveContext(b + 6 * SLOT);
  flow.saveContext(b + 7 * SLOT);
  queue.saveContext(b + 8 * SLOT);
  margin.saveContext(b + MARGIN_SLOT);
  population.saveContext(b + 10 * SLOT);
  backstop.saveContext(b + 11 * SLOT);
  auction.saveContext(b + 12 * SLOT);
  mechanisms.saveContext(b + 13 * SLOT);
  partial.saveContext(b + 14 * SLOT);
  ladder.saveContext(b + 15 * SLOT);
  scan.saveContext(b + 16 * SLOT);
}

function loadMarket(m: i32): void {
  const b = blockOf(m);
  state.loadContext(b);
  book.loadContext(b + SLOT);
  price.loadContext(b + 2 * SLOT);
  PS.loadContext(b + 3 * SLOT);
  L.loadContext(b + LEDGER_SLOT);
  adl.loadContext(b + 5 * SLOT);
  fan.loadContext(b + 6 * SLOT);
  flow.loadContext(b + 7 * SLOT);
  queue.loadContext(b + 8 * SLOT);
  margin.loadContext(b + MARGIN_SLOT);
  population.loadContext(b + 10 * SLOT);
  backstop.loadContext(b + 11 * SLOT);
  auction.loadContext(b + 12 * SLOT);
  mechanisms.loadContext(b + 13 * SLOT);
  partial.loadContext(b + 14 * SLOT);
  ladder.loadContext(b + 15 * SLOT);
  scan.loadContext(b + 16 * SLOT);
}

/** Market m's scalars and regions into the globals (the current market's saved first). */
export function select(m: i32): void {
  if (m == current) return;
  saveMarket(current);
  loadMarket(m);
  current = m;
}

/** Market m's parameter block, read without switching to it. */
export function paramsOf(m: i32): StaticArray<f64> {
  if (m == current) return state.params;
  return changetype<StaticArray<f64>>(load<usize>(blockOf(m)));
}

/** Market m's L.blockedStep (the step its per-step caps were reached in), read without switching to it. */
export function blockedStepOf(m: i32): i32 {
  if (m == current) return L.blockedStep;
  return L.blockedStepIn(blockOf(m) + LEDGER_SLOT);
}

/**
 * Market m's margin model's saved scalars (margin-model.ts multiplierIn, …), read without switching to it: the current
 * market's are saved into its block first (select saves them again before it loads another).
 */
export function marginModelOf(m: i32): usize {
  const b = blockOf(m) + MARGIN_SLOT;
  if (m == current) margin.saveContext(b);
  return b;
}
