// One cascade path: the step loop and nothing else. Per path, every concern resets; per step the exogenous price
// moves (assembly/price.ts), the book refills and re-centres (book.ts), the mark opens, the backstop vault unwinds,
// accounts.flow trades, the cascade's rounds run to their fixed point (the market engine's batched rounds,
// assembly/mechanisms/market.ts, or the per-account engine's, assembly/rounds.ts), then the step's loss allocation,
// the fan charts' samples, the trace's rows; at the end the record. Same model and arithmetic as
// src/engine/reference.ts. Nothing imports this module but index.ts (and assembly/markets.ts, its two helpers).
import {
  P_INITIAL_PRICE, P_MAX_ROUNDS, P_SPREAD_WIDENING, P_STEPS, P_STRESS_FLOOR, P_STRESS_WITHDRAWAL, P_TICK,
  R_ADL_COUNT, R_ADL_NOTIONAL, R_AMPLIFICATION, R_AVG_SLIPPAGE, R_BAD_DEBT, R_BOOK_EXHAUSTED, R_EXO_DRAWDOWN,
  R_FINAL_PRICE, R_FIRST_LIQUIDATION_STEP, R_INSURANCE_FINAL, R_INSURANCE_MIN, R_LIQUIDATED_NOTIONAL, R_LIQUIDATIONS,
  R_MARGIN_HELD, R_MAX_DRAWDOWN, R_MAX_ROUNDS, R_MIN_PRICE,
} from "./abi";
import * as adl from "./adl";
import * as book from "./book";
import { mid, setCentre, setStep, startStep } from "./book";
import * as fan from "./fan";
import * as flow from "./flow";
import * as L from "./ledger";
import * as losses from "./loss-allocation";
import * as margin from "./margin-model";
import * as mechanisms from "./mechanisms/index";
import * as backstop from "./mechanisms/backstop";
import { batchedRound } from "./mechanisms/market";
import * as price from "./price";
import * as PS from "./path-state";
import {
  X_BAND, X_FLOW, X_LAST, X_OPEN, X_ORACLE, X_SCAN, X_TRACE, X_WIDEN, openingExtras, resetConcerns,
} from "./path-opening";
import { perAccountRound } from "./rounds";
import { params, records } from "./state";
import * as T from "./trace";
import * as scan from "./triggers/scan";

export function runPath(p: u32, at: i32): void {
  const steps = <i32>unchecked(params[P_STEPS]);
  const tick = unchecked(params[P_TICK]);
  const withdrawal = unchecked(params[P_STRESS_WITHDRAWAL]);
  const stressFloor = unchecked(params[P_STRESS_FLOOR]);
  const stressed = withdrawal > 0;
  const maxRounds = <i32>unchecked(params[P_MAX_ROUNDS]);

  // ---- every concern's per-path reset, and the step's optional mechanisms (path-opening.ts) ----
  let fundamental = resetConcerns(p, true);
  // the engine's mode, as PS.startAccounts set it
  const perAccount = PS.perAccount;
  let extras = openingExtras();
  // --trace: the path's events and step rows (assembly/trace.ts); the opening `last` is reset as the reference does
  if (T.tracing) extras |= X_TRACE | X_LAST;
  const markMid = price.markMid;
  const markEma = price.markEma;
  const markHeld = price.markHeld;

  // fan charts: the next step whose values are sampled (−1: none)
  let nextSample = fan.newPath(at);
  let firstLiquidationStep = -1;
  let maxRoundsInStep = 0;

  const fTick0 = price.firstTick(fundamental);
  setCentre(fTick0);
  let mark = mid();
  price.startMark(mark);
  margin.startPath(mark);
  if (extras & X_TRACE) T.start(fundamental, mark, L.insurance, L.vaultShown(), L.badDebt);
  if (nextSample == 0) nextSample = sample(0, steps, mark, fundamental);
  let minPrice = mark;
  let markPeak = mark;
  let maxDrawdown: f64 = 0;
  let exoPeak = (fTick0 + 0.5) * tick;
  let exoDrawdown: f64 = 0;
  // The drawdowns (peak − x)/peak: division by a fixed positive peak is monotone, so a numerator no larger
  // than one already divided under the same peak cannot beat the running maximum; only a deeper one is divided.
  let exoBestNum: f64 = 0;
  let markBestNum: f64 = 0;

  for (let t = 1; t <= steps; t++) {
    setStep(t);
    // liquidity under stress: this step's depth, from the mark's drawdown as the step starts
    let scale: f64 = 1;
    if (stressed) {
      const keep = 1 - withdrawal * ((markPeak - mark) / markPeak);
      scale = keep > stressFloor ? keep : stressFloor;
    }
    if (extras & X_WIDEN) book.setSpreadGap(Math.floor(unchecked(params[P_SPREAD_WIDENING]) * ((markPeak - mark) / markPeak)));
    fundamental = price.move(t, fundamental);
    if (extras & X_ORACLE) price.recordOracle(t, fundamental);
    // the last step's impact: its permanent share moves the centre, the rest decays; the book is centred on the
    // fundamental's tick plus the permanent impact
    startStep(scale);
    const fTick = price.tickOf(fundamental);
    setCentre(fTick);
    const exo = (fTick + 0.5) * tick;
    if (exo > exoPeak) {
      exoPeak = exo;
      exoBestNum = 0;
    }
    const exoNum = exoPeak - exo;
    if (exoNum > exoBestNum) {
      exoBestNum = exoNum;
      const exoDd = exoNum / exoPeak;
      if (exoDd > exoDrawdown) exoDrawdown = exoDd;
    }

    // the backstop vault works off its inventory before anyone else trades
    if (extras & X_OPEN) mechanisms.openStep();
    mark = mid();
    // a round that only starts auctions (or hands accounts to the vault) trades nothing: its `last` mark stays at
    // this step's opening trade. Only the per-account engine has such rounds (a batched round always fills), and
    // the store costs the batched step loop 5%, so it is made there only (the reference makes it always: same records)
    if (extras & X_LAST) book.setLastPrice(mark);
    // the ema mark moves once per step, toward the mid, and holds through the step's rounds
    if (markEma) mark = price.emaMark(mark);
    // the oracle: the fundamental lagSteps ago, held through the step's rounds; a band keeps any mark near it
    // (out of line: most scenarios have neither, and the step loop stays as tight as without them)
    if (extras & X_ORACLE) mark = price.oracleMark(t, mark);
    // the scan engine's requirement follows the mark's realised volatility; what it holds is summed per step
    if (extras & X_SCAN) scan.openScanStep(t, mark);
    // accounts.flow: voluntary closes, then arrivals, by market order at this mark; the mark follows their trades
    // (out of line: most scenarios have none)
    if (extras & X_FLOW) mark = flowOpen(mark, (extras & X_BAND) != 0);

    let rounds = 0;
    while (rounds < maxRounds) {
      PS.nextRound();
      const n = perAccount ? perAccountRound(mark, t) : batchedRound(mark, t, (extras & X_TRACE) != 0);
      if (n == 0) break;
      rounds++;
      if (firstLiquidationStep < 0) firstLiquidationStep = t;
      if (!markHeld) mark = markMid ? mid() : book.lastPrice;
      if (extras & X_BAND) mark = price.banded(mark);
      if (mark < minPrice) minPrice = mark;
      if (extras & X_TRACE) T.round(mark);
      if (mark > markPeak) {
        markPeak = mark;
        markBestNum = 0;
      }
      const num = markPeak - mark;
      if (num > markBestNum) {
        markBestNum = num;
        const dd = num / markPeak;
        if (dd > maxDrawdown) maxDrawdown = dd;
      }
    }
    if (rounds > maxRoundsInStep) maxRoundsInStep = rounds;
    // every liquidation of the step first, then who pays what the fund could not
    if (L.adlOn) losses.allocate(mark);
    if (mark < minPrice) minPrice = mark;
    if (mark > markPeak) {
      markPeak = mark;
      markBestNum = 0;
    }
    const num = markPeak - mark;
    if (num > markBestNum) {
      markBestNum = num;
      const dd = num / markPeak;
      if (dd > maxDrawdown) maxDrawdown = dd;
    }
    if (extras & X_TRACE) T.step(t, fundamental, mark, L.insurance, L.vaultShown(), L.badDebt);
    if (t == nextSample) nextSample = sample(t, steps, mark, fundamental);
  }

  unchecked((records[at + R_LIQUIDATIONS] = <f64>PS.liquidations));
  unchecked((records[at + R_LIQUIDATED_NOTIONAL] = PS.liquidatedNotional));
  unchecked((records[at + R_MAX_ROUNDS] = <f64>maxRoundsInStep));
  unchecked((records[at + R_MIN_PRICE] = minPrice));
  unchecked((records[at + R_FINAL_PRICE] = mark));
  unchecked((records[at + R_MAX_DRAWDOWN] = maxDrawdown));
  unchecked((records[at + R_EXO_DRAWDOWN] = exoDrawdown));
  unchecked((records[at + R_AMPLIFICATION] = amplification(maxDrawdown, exoDrawdown, tick / unchecked(params[P_INITIAL_PRICE]))));
  unchecked((records[at + R_INSURANCE_MIN] = L.insuranceMin));
  unchecked((records[at + R_INSURANCE_FINAL] = L.insurance));
  unchecked((records[at + R_BAD_DEBT] = L.badDebt));
  unchecked((records[at + R_ADL_COUNT] = <f64>adl.adlCount));
  unchecked((records[at + R_ADL_NOTIONAL] = adl.adlNotional));
  unchecked((records[at + R_AVG_SLIPPAGE] = PS.markedValue > 0 ? PS.slipValue / PS.markedValue : 0));
  unchecked((records[at + R_BOOK_EXHAUSTED] = book.exhausted ? 1 : 0));
  unchecked((records[at + R_FIRST_LIQUIDATION_STEP] = <f64>firstLiquidationStep));
  unchecked((records[at + R_MARGIN_HELD] = scan.scan ? scan.marginSum / <f64>steps : NaN));
  L.writeWhoPaid(at);
  L.writeLedger();
}

/** The fan charts' values at step t's end (out of line: a few steps per path). */
function sample(t: i32, steps: i32, mark: f64, fundamental: f64): i32 {
  return fan.sample(t, steps, mark, fundamental, L.insurance, backstop.vaultLongQ, backstop.vaultShortQ, L.vaultCash);
}

/**
 * accounts.flow at the step's opening mark: the closes and arrivals trade, then the mark that does not hold through the
 * step is read again (the mid, or the last flow trade), within the band. Like the opening mark, it is not a drawdown
 * point by itself: the rounds' marks and the step's last one are.
 */
export function flowOpen(mark0: f64, banded: bool): f64 {
  if (!flow.flowStep(mark0)) return mark0;
  let mark = price.traded(mark0);
  if (banded) mark = price.banded(mark);
  return mark;
}

export function amplification(maxDrawdown: f64, exoDrawdown: f64, oneTick: f64): f64 {
  if (maxDrawdown == 0 && exoDrawdown == 0) return 1;
  return maxDrawdown / (exoDrawdown > oneTick ? exoDrawdown : oneTick);
}
