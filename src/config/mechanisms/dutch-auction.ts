// engine `dutch-auction` (Maker Liquidations 2.0, the Clipper, on a perp position) and its block `liquidation.auction`.
import { z } from "zod";
import { AUCTION_CURVE, P } from "../../engine/layout.js";
import { MAX_MONEY, MAX_SECONDS, choice, removedKey } from "../schema-primitives.js";
import { withBlock } from "./mechanism.js";
import { decimal } from "./units.js";

/**
 * liquidation.auction (engine `dutch-auction`). An account across its liquidation price is kicked: liquidated once
 * (counted in `liquidations`), taken off the ladder, its whole position put up for auction at top = mark × buf (a
 * short's at mark / buf) and the keepers' incentive tip + chip × size × mark paid from the fund (what the fund cannot
 * pay is bad debt, as Maker's Vow mints it). The auction price after elapsed = (step − kick step) × stepSeconds
 * seconds is top × f(elapsed) for a long and top / f(elapsed) for a short, f = max(0, 1 − elapsed/tau) (linear),
 * cut^⌊elapsed/stepSeconds⌋ (stairstep), cut^elapsed (exponential). Once elapsed > tailSeconds or f < cusp the
 * auction is redone (reset to the current mark × buf, incentive paid again). In every cascade round, auctions in kick
 * order: keepers take a long's lot when price × (1 + minProfit) ≤ the best bid (a short's when the best ask × (1 +
 * minProfit) ≤ price), at most capitalPerSecond × stepSeconds / price units per step across all auctions; they sell
 * (buy) what they take on the book at once (price impact). A take realises the PnL of the units taken at the auction
 * price against the account's whole collateral, with the fee (feeRate or fee schedule, at most what is left) on their
 * auction notional; the account closes when its last unit is taken, and a negative balance then goes to the fund,
 * ADL, bad debt. Maker's early stop once the debt is raised is not modelled: the whole lot is sold.
 *
 * `hole` is Maker's Dog `hole` (absent: no cap): the most debt (a long's q·entry − c, a short's q·mark, at least 0,
 * summed over the auctions in progress in kick order as they stand) auctions may hold at once. A kick that would take
 * the sum past it waits, still under water, until the next step; a kick into an empty auction house always goes
 * ahead (Maker kicks a larger vault in parts, the room's worth at a time: not modelled).
 */
export const auctionSchema = z.strictObject({
  curve: choice(["linear", "stairstep", "exponential"] as const).default("linear"),
  /** linear: seconds for the price to fall from top to 0 */
  tau: z.number().gt(0).max(MAX_SECONDS).default(3600),
  /** stairstep: the price is multiplied by cut every stepSeconds; exponential: by cut every second */
  cut: z.number().gt(0).lt(1).default(0.99),
  stepSeconds: z.number().gt(0).max(MAX_SECONDS).default(90),
  /** top = mark × buf at kick and redo (a short's top is mark / buf, its price rises as top / curve) */
  buf: z.number().min(1).max(1000).default(1.2),
  /** redo once this many seconds have passed, or once the price has fallen to cusp × top */
  tailSeconds: z.number().gt(0).max(MAX_SECONDS).default(4800),
  cusp: z.number().gt(0).lt(1).default(0.4),
  /** keepers' incentive at kick and redo, paid by the insurance fund: tip + chip × the lot's notional at the mark */
  tip: z.number().min(0).max(MAX_MONEY).default(0),
  chip: z.number().min(0).lt(1).default(0),
  /** Maker's Dog hole: most debt in auctions at once; a kick beyond it waits for room (absent: no cap) */
  hole: z.number().gt(0).max(MAX_MONEY).optional().meta({ description: "absent: no cap" }),
  keepers: z
    .strictObject({
      // quote capital keepers put into takes per second (per step: × stepSeconds)
      capitalPerSecond: z.number().min(0).max(MAX_MONEY).default(20_000),
      capitalPerStep: removedKey("liquidation.auction.keepers.capitalPerSecond"),
      minProfit: z.number().min(0).max(1000).default(0.01),
    })
    .prefault({}),
});
export type AuctionSettings = z.output<typeof auctionSchema>;

export const dutchAuction = withBlock({
  engine: "dutch-auction",
  block: { key: "auction", schema: auctionSchema, readBy: ["dutch-auction"], defaultsWhenChosen: true },
  presetSections: ["auction"],
  writeParams(params, a, run) {
    if (run.engine !== "dutch-auction" || !a) return;
    params[P.auctionCurve] = AUCTION_CURVE[a.curve];
    params[P.auctionTau] = a.tau;
    params[P.auctionCut] = a.cut;
    params[P.auctionStep] = a.stepSeconds;
    params[P.auctionBuf] = a.buf;
    params[P.auctionTail] = a.tailSeconds;
    params[P.auctionCusp] = a.cusp;
    params[P.auctionTip] = a.tip;
    params[P.auctionChip] = a.chip;
    params[P.auctionHole] = a.hole ?? Infinity;
    params[P.keeperCapital] = a.keepers.capitalPerSecond * run.stepSeconds;
    params[P.keeperMinProfit] = a.keepers.minProfit;
  },
  fromPreset(preset) {
    const liq = preset.liquidation;
    if (liq?.engine !== "dutch-auction" || !liq.auction) return undefined;
    const a = liq.auction;
    const curve =
      a.curve.kind === "linear"
        ? { curve: "linear", tau: a.curve.tau }
        : a.curve.kind === "stairstep"
          ? { curve: "stairstep", cut: a.curve.cut, stepSeconds: a.curve.step }
          : { curve: "exponential", cut: a.curve.cut };
    // the Dog's limits are on tab = debt × chop, the ilk's `hole` within the global `Hole`; the engine caps the debt
    const hole = Math.min(a.hole, a.Hole) / a.chop;
    // Maker's chop is a penalty on the debt; the engine charges its fee on the auction notional
    return {
      block: { ...curve, buf: a.buf, tailSeconds: a.tail, cusp: a.cusp, tip: a.tip, chip: a.chip, hole },
      feeRate: decimal(a.chop - 1),
    };
  },
});
