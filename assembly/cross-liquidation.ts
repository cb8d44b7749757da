// How a cross-margin owner under water is liquidated (plan-mech): its worst leg's market decides, by its
// liquidation.engine — a whole close or a slice by market order (market, partial, dutch-auction, and backstop when its
// vault does not take over), the backstop vault's takeover of the whole account, or a close-factor repayment. Every
// fill counts in its market's per-step caps, and a market whose caps are reached liquidates no more owners' legs in the
// step. The owners' state is assembly/cross-margin.ts's; mirrored by src/engine/cross-margin.ts: the same f64
// operations in the same order.
import {
  ENGINE_BACKSTOP, ENGINE_CLOSE_FACTOR, P_BACKSTOP_FRACTION, P_CF_BONUS, P_CF_DEFAULT, P_CF_FULL_HEALTH, P_CF_MIN_DEBT,
  P_CF_PROTOCOL_FEE, P_ENGINE, P_PARTIAL_COOLDOWN, P_PARTIAL_DURING_COOLDOWN, P_PARTIAL_FRACTION, P_PARTIAL_THRESHOLD,
} from "./abi";
import * as book from "./book";
import {
  assetMarket, assetPrice, cash, closeOwner, counts, depAsset, depStart, eq, hit, legEntry, legMarket, legOpen, legQ,
  legSide, legStart, measure, mm, openLegs, units,
} from "./cross-margin";
import * as L from "./ledger";
import { blockedStepOf, marketCount, paramsOf, select } from "./market-context";
import { followTrades, marks } from "./market-marks";
import { absorb } from "./mechanisms/backstop";
import * as PS from "./path-state";

/** liquidate()'s outcomes: nothing done (the owner waits for the next round); done for this round (or closed). */
export const WAITED: i32 = 0;
export const DONE: i32 = 1;
/** A leg closed whole and the owner still open: it is measured again and its next worst leg liquidated. */
export const LEG_CLOSED: i32 = 2;

// ---- per path (newPath) ----
/** Per owner: the step from which it may be sliced again (its cooldown after a slice). */
let nextSlice = new StaticArray<i32>(0);
/** Per owner: the step its liquidation began (−1: never), from which a time-ramped fee grows. */
let flagged = new StaticArray<i32>(0);
/** Per owner: 1 when a slice or a repayment changed a leg's size in this path; the list of them, resizedCount long. */
export let resized = new StaticArray<u8>(0);
export let resizedList = new StaticArray<i32>(0);
export let resizedCount: i32 = 0;
/** Per market: its L.blockedStep as last read (refreshBlocked) or written by an owner's fill (capCheck). */
export let blockedAt = new StaticArray<i32>(0);
export let collateralSold: f64 = 0;
export let collateralSales: i32 = 0;

/** The state for these counts; once per instance (cross-margin's carve). */
export function carve(owners: i32, markets: i32): void {
  nextSlice = new StaticArray<i32>(owners);
  flagged = new StaticArray<i32>(owners);
  resized = new StaticArray<u8>(owners);
  resizedList = new StaticArray<i32>(owners);
  blockedAt = new StaticArray<i32>(markets);
}

/** A path starts: no cooldown, nobody resized, nothing sold (blockedAt is refreshed before its first use). */
export function newPath(): void {
  memory.fill(changetype<usize>(nextSlice), 0, <usize>nextSlice.length << 2);
  // −1 in every byte is −1 in every i32
  memory.fill(changetype<usize>(flagged), 0xff, <usize>flagged.length << 2);
  memory.fill(changetype<usize>(resized), 0, <usize>resized.length);
  resizedCount = 0;
  collateralSold = 0;
  collateralSales = 0;
}

/**
 * Every market's L.blockedStep into blockedAt (a round's first owner under water: not on the quiet path), read from
 * the markets' blocks without switching context (what select(m) would load).
 */
export function refreshBlocked(): void {
  for (let m = 0; m < marketCount; m++) unchecked((blockedAt[m] = blockedStepOf(m)));
}

/** Owner o's worst leg j (market j's, open and not blocked) liquidated at step t by its market's mechanism. */
export function liquidate(o: i32, j: i32, t: i32): i32 {
  if (unchecked(flagged[o]) < 0) unchecked((flagged[o] = t));
  const m = unchecked(legMarket[j]);
  const p = paramsOf(m);
  const engine = <i32>unchecked(p[P_ENGINE]);
  if (engine == ENGINE_CLOSE_FACTOR) {
    repay(o, j, m);
    return DONE;
  }
  // eq, mm: the owner's last measure (the round's, or after its last whole close); the vault takes an owner whose open
  // legs are all in markets it backs (it unwinds only where it is the engine)
  if (engine == ENGINE_BACKSTOP && eq < unchecked(p[P_BACKSTOP_FRACTION]) * mm && L.vaultCash > 0 && L.vaultCash + eq >= 0 && vaultBacksAll(o)) {
    takeover(o);
    return DONE;
  }
  // the partial rules (f = 1 outside the partial and backstop engines: whole)
  if (unchecked(nextSlice[o]) > t) {
    // cooling down after a slice: whole only when the market says so
    if (unchecked(p[P_PARTIAL_DURING_COOLDOWN]) != 1) return WAITED;
  } else {
    const f = unchecked(p[P_PARTIAL_FRACTION]);
    if (f < 1 && unchecked(legQ[j]) * unchecked(marks[m]) > unchecked(p[P_PARTIAL_THRESHOLD])) {
      fill(o, j, m, f * unchecked(legQ[j]), false);
      // the cooldown: a whole number of steps (the config rounds it up)
      unchecked((nextSlice[o] = t + <i32>unchecked(p[P_PARTIAL_COOLDOWN])));
      return DONE;
    }
  }
  fill(o, j, m, unchecked(legQ[j]), true);
  if (unchecked(openLegs[o]) == 0) {
    closeOut(o, m, unchecked(legSide[j]));
    return DONE;
  }
  return LEG_CLOSED;
}

// ---- the actions ----

/** Owner o's leg j less qx units: closed when `whole`, else resized; the owner is hit. */
function reduceLeg(o: i32, j: i32, qx: f64, whole: bool): void {
  if (whole) {
    unchecked((legOpen[j] = 0));
    unchecked((openLegs[o] = unchecked(openLegs[o]) - 1));
  } else {
    unchecked((legQ[j] = unchecked(legQ[j]) - qx));
    markResized(o);
  }
  unchecked((hit[o] = 1));
}

/** Owner o's leg sizes changed: listed once (its form is recomputed every round from now on). */
export function markResized(o: i32): void {
  if (unchecked(resized[o]) != 0) return;
  unchecked((resized[o] = 1));
  unchecked((resizedList[resizedCount] = o));
  resizedCount++;
}

/** Market m's per-step caps after an owner's fill (market m selected): counted, and its blocked step kept. */
// @ts-ignore: decorator
@inline function capCheck(m: i32, notional: f64, paid: f64): void {
  if (L.capsOn) {
    L.capCheck(notional, paid);
    unchecked((blockedAt[m] = L.blockedStep));
  }
}

/**
 * qx units of owner o's leg j (market m) by market order in m's book: the whole leg (`whole`, qx = legQ[j]) or a
 * slice; the fee after it, at most the owner's equity then.
 */
function fill(o: i32, j: i32, m: i32, qx: f64, whole: bool): void {
  select(m);
  const s = unchecked(legSide[j]);
  const e = unchecked(legEntry[j]);
  const markBefore = unchecked(marks[m]);
  const notional = s > 0 ? book.sell(qx) : book.buy(qx);
  followTrades(m);
  const pnl = s * (notional - qx * e);
  unchecked((cash[o] = unchecked(cash[o]) + pnl));
  L.realise(pnl);
  L.addLiquidatedPnl(pnl);
  reduceLeg(o, j, qx, whole);
  PS.countLiquidation();
  PS.addFill(notional, s * (qx * markBefore - notional), qx * markBefore);
  measure(o);
  // the market's schedule (fill selected it), a time-ramped one from the step the owner's liquidation began
  let fee = L.feeRateFrom(unchecked(flagged[o]), notional) * notional;
  const room = eq > 0 ? eq : 0;
  if (fee > room) fee = room;
  unchecked((cash[o] = unchecked(cash[o]) - fee));
  L.addLiquidatedPnl(-fee);
  L.chargeFee(fee);
  capCheck(m, notional, 0);
}

/**
 * engine close-factor (Aave): a liquidator repays part of owner o's debt in leg j (market m) and takes its units at a
 * bonus, trading them on m's book at once; the protocol takes its share of the bonus. No liquidation fee.
 */
function repay(o: i32, j: i32, m: i32): void {
  const p = paramsOf(m);
  const s = unchecked(legSide[j]);
  const q = unchecked(legQ[j]);
  const e = unchecked(legEntry[j]);
  // the mark before the fill: the bonus price's, the protocol fee's and the slippage's
  const mark = unchecked(marks[m]);
  // the owner's debt: a long's at its entry, a short's at its market's mark (its open legs, in leg order)
  let debt: f64 = 0;
  const jEnd = unchecked(legStart[o + 1]);
  for (let k = unchecked(legStart[o]); k < jEnd; k++) {
    if (unchecked(legOpen[k]) == 0) continue;
    const qk = unchecked(legQ[k]);
    debt = debt + (unchecked(legSide[k]) > 0 ? qk * unchecked(legEntry[k]) : qk * unchecked(marks[unchecked(legMarket[k])]));
  }
  const legDebt = s > 0 ? q * e : q * mark;
  const health = debt > 0 ? 1 + (eq - mm) / debt : Infinity;
  const factor: f64 = health <= unchecked(p[P_CF_FULL_HEALTH]) || legDebt < unchecked(p[P_CF_MIN_DEBT]) ? 1 : unchecked(p[P_CF_DEFAULT]);
  const b = unchecked(p[P_CF_BONUS]);
  let qx = s > 0 ? (factor * legDebt * (1 + b)) / mark : factor * q;
  if (qx > q) qx = q;
  const price = s > 0 ? mark / (1 + b) : mark * (1 + b);
  select(m);
  const traded = s > 0 ? book.sell(qx) : book.buy(qx);
  followTrades(m);
  const protocolFee = unchecked(p[P_CF_PROTOCOL_FEE]) * (s * qx * (mark - price));
  L.realise(protocolFee);
  L.addKeepersPnl(s * (traded - qx * price) - protocolFee);
  L.addFee(protocolFee);
  // the owner sold (bought back) the units at the bonus price
  const notional = qx * price;
  const pnl = s * (notional - qx * e);
  unchecked((cash[o] = unchecked(cash[o]) + pnl));
  L.realise(pnl);
  L.addLiquidatedPnl(pnl);
  PS.countLiquidation();
  PS.addFill(notional, s * (qx * mark - notional), qx * mark);
  reduceLeg(o, j, qx, qx >= q);
  capCheck(m, notional, 0);
  if (unchecked(openLegs[o]) == 0) closeOut(o, m, s);
}

/** Whether every open leg of owner o is in a market whose engine is backstop (the vault's markets). */
function vaultBacksAll(o: i32): bool {
  const jEnd = unchecked(legStart[o + 1]);
  for (let j = unchecked(legStart[o]); j < jEnd; j++) {
    if (unchecked(legOpen[j]) != 0 && <i32>unchecked(paramsOf(unchecked(legMarket[j]))[P_ENGINE]) != ENGINE_BACKSTOP) return false;
  }
  return true;
}

/**
 * engine backstop (Hyperliquid): the liquidator vault takes owner o's whole account — every open leg at its market's
 * mark into that market's vault inventory (all of them, whatever the caps: the account changes hands at once), the
 * collateral sold as at a close-out, the cash as equity (a negative one a loss the vault absorbs). No fee.
 */
function takeover(o: i32): void {
  const jEnd = unchecked(legStart[o + 1]);
  for (let j = unchecked(legStart[o]); j < jEnd; j++) {
    if (unchecked(legOpen[j]) == 0) continue;
    const m = unchecked(legMarket[j]);
    const s = unchecked(legSide[j]);
    const q = unchecked(legQ[j]);
    const mk = unchecked(marks[m]);
    const upnl = s * q * (mk - unchecked(legEntry[j]));
    unchecked((cash[o] = unchecked(cash[o]) + upnl));
    L.realise(upnl);
    L.addLiquidatedPnl(upnl);
    select(m);
    absorb(s, q, mk);
    unchecked((legOpen[j] = 0));
    unchecked((openLegs[o] = unchecked(openLegs[o]) - 1));
    const notional = q * mk;
    PS.countLiquidation();
    PS.addMarkedFill(notional);
    capCheck(m, notional, 0);
  }
  sellDeposits(o);
  const c = unchecked(cash[o]);
  L.vaultTakes(c);
  L.addLiquidatedPnl(-c);
  if (c < 0) L.addShortfall(-c);
  unchecked((cash[o] = 0));
  unchecked((hit[o] = 1));
  closeOwner(o);
}

/** Owner o's arrived collateral sold: a market asset into its book, an external one at its price. */
function sellDeposits(o: i32): void {
  const dEnd = unchecked(depStart[o + 1]);
  for (let d = unchecked(depStart[o]); d < dEnd; d++) {
    if (!counts(d)) continue;
    const a = unchecked(depAsset[d]);
    const mk = unchecked(assetMarket[a]);
    const u = unchecked(units[d]);
    let proceeds: f64;
    if (mk >= 0) {
      select(mk);
      proceeds = book.sell(u);
      followTrades(mk);
    } else proceeds = u * unchecked(assetPrice[a]);
    unchecked((units[d] = 0));
    unchecked((cash[o] = unchecked(cash[o]) + proceeds));
    // money is counted at the asset's reference value: the sale's difference is the makers'
    const gain = proceeds - u * unchecked(assetPrice[a]);
    L.realise(gain);
    L.addLiquidatedPnl(gain);
    collateralSold += proceeds;
    collateralSales++;
  }
}

/**
 * Owner o's last leg (market m, side s) was just closed (or repaid): its collateral is sold, a deficit goes down market
 * m's waterfall (what the fund paid counting in m's caps), and the owner is closed.
 */
function closeOut(o: i32, m: i32, s: f64): void {
  sellDeposits(o);
  const c = unchecked(cash[o]);
  if (c < 0) {
    const deficit = -c;
    unchecked((cash[o] = 0));
    L.addLiquidatedPnl(deficit);
    L.addShortfall(deficit);
    select(m);
    const paid = L.cover(deficit, s, unchecked(marks[m]));
    // without a deficit the fund paid 0: capCheck(m, 0, 0) right after the last leg's own changes nothing
    capCheck(m, 0, paid);
  }
  closeOwner(o);
}
