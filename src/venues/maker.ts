// Maker Liquidations 2.0: the Dutch-auction price curves (abaci), the Clipper's start price, reset rule, keeper
// incentives and partial purchases, and the Dog's liquidation limits (hole, Hole) with the chop penalty.
//
// Source: makerdao/dss src/abaci.sol (LinearDecrease, StairstepExponentialDecrease, ExponentialDecrease),
// src/clip.sol (kick: top = feedPrice · buf, coin = tip + tab · chip; status: done = dur > tail || price/top < cusp;
// redo; take with chost = dust · chop), src/dog.sol (bark: room = min(Hole − Dirt, hole − dirt),
// dart = min(art, room / rate / chop), tab = due · chop). Golden values: src/test/abaci.t.sol and
// forum.makerdao.com/t/adjusting-auction-parameters-for-eth-vault-types/8477, transcribed in
// ../shared/data/public-examples.json "maker_abaci". Amounts are f64 (the contracts use wad/ray/rad integers).
// Powers are taken by squaring (the contracts' rpow), never Math.pow, so the WASM kernel can match bit for bit.

/** x^n for an integer n >= 0 by binary exponentiation, in the order of dss's rpow (without its ray rounding). */
export function powInt(x: number, n: number): number {
  if (n === 0) return 1;
  if (x === 0) return 0;
  let z = n % 2 === 0 ? 1 : x;
  let base = x;
  for (let k = Math.floor(n / 2); k > 0; k = Math.floor(k / 2)) {
    base = base * base;
    if (k % 2 === 1) z = z * base;
  }
  return z;
}

/** LinearDecrease: top · (tau − dur) / tau, and 0 from tau on (the price reaches zero at tau seconds). */
export function linearDecrease(top: number, dur: number, tau: number): number {
  if (dur >= tau) return 0;
  return (top * (tau - dur)) / tau;
}

/** StairstepExponentialDecrease: top · cut^floor(dur / step); `cut` is the per-step factor (0.99 = −1% per step). */
export function stairstepExponentialDecrease(top: number, dur: number, cut: number, step: number): number {
  return top * powInt(cut, Math.floor(dur / step));
}

/** ExponentialDecrease: top · cut^dur with a per-second factor `cut` (dur in whole seconds). */
export function exponentialDecrease(top: number, dur: number, cut: number): number {
  return top * powInt(cut, Math.floor(dur));
}

/** An abacus (price curve) as the Clipper is configured with it. */
export type MakerCurve =
  | { kind: "linear"; tau: number }
  | { kind: "stairstep"; cut: number; step: number }
  | { kind: "exponential"; cut: number };

/** The curve's price `dur` seconds after the auction (re)started at `top`. */
export function curvePrice(curve: MakerCurve, top: number, dur: number): number {
  switch (curve.kind) {
    case "linear":
      return linearDecrease(top, dur, curve.tau);
    case "stairstep":
      return stairstepExponentialDecrease(top, dur, curve.cut, curve.step);
    case "exponential":
      return exponentialDecrease(top, dur, curve.cut);
  }
}

/** Clipper and Dog parameters of one collateral type (ilk). */
export interface MakerClipperParams {
  curve: MakerCurve;
  /** Start price over the oracle (OSM) price, e.g. 1.2. */
  buf: number;
  /** Seconds after which an auction must be reset. */
  tail: number;
  /** Price drop (price/top) below which an auction must be reset, e.g. 0.4. */
  cusp: number;
  /** Keeper reward as a share of tab, e.g. 0.001. */
  chip: number;
  /** Flat keeper reward in DAI, e.g. 300. */
  tip: number;
  /** Liquidation penalty multiplier, e.g. 1.13. */
  chop: number;
  /** Most DAI (incl. penalty) this ilk may have in auction at once. */
  hole: number;
  /** Most DAI (incl. penalty) all ilks may have in auction at once. */
  Hole: number;
  /** Smallest vault debt (DAI); 0 when not modelled. chost = dust · chop. */
  dust: number;
}

/** Auction start (and reset) price: top = OSM price · buf. */
export function startPrice(feedPrice: number, p: Pick<MakerClipperParams, "buf">): number {
  return feedPrice * p.buf;
}

export interface MakerAuctionStatus {
  price: number;
  /** The auction must be reset (redo) before anyone can take: dur > tail or price / top < cusp. */
  needsRedo: boolean;
}

/** The Clipper's status(): the current price and whether the auction has expired. */
export function auctionStatus(
  p: Pick<MakerClipperParams, "curve" | "tail" | "cusp">,
  top: number,
  dur: number,
): MakerAuctionStatus {
  const price = curvePrice(p.curve, top, dur);
  return { price, needsRedo: dur > p.tail || price / top < p.cusp };
}

/** chost: the least DAI a partial purchase may leave in an auction. */
export function chost(p: Pick<MakerClipperParams, "dust" | "chop">): number {
  return p.dust * p.chop;
}

/**
 * DAI paid to the keeper who kicks (or redoes) an auction: tip + tab · chip. On redo it is paid only when tab and the
 * lot's value at the feed price are both >= chost (pass `redo` with the lot value to apply that rule).
 */
export function keeperIncentive(
  tab: number,
  p: Pick<MakerClipperParams, "tip" | "chip" | "dust" | "chop">,
  redo?: { lotValue: number },
): number {
  if (redo !== undefined) {
    const c = chost(p);
    if (!(tab >= c && redo.lotValue >= c)) return 0;
  }
  return p.tip + tab * p.chip;
}

export interface MakerBark {
  /** Normalised debt taken from the vault (a partial liquidation when < art). */
  dart: number;
  /** Collateral moved into the auction: ink · dart / art. */
  dink: number;
  /** DAI the auction must raise: dart · rate · chop. */
  tab: number;
}

/**
 * The Dog's bark: how much of an unsafe vault goes to auction given the room left under the ilk and global limits.
 * dart = min(art, room / rate / chop); a dusty remainder is liquidated too; a dusty partial auction is refused (null).
 * `dirt`/`Dirt` are the DAI (incl. penalty) already in this ilk's / all auctions.
 */
export function bark(
  vault: { ink: number; art: number; rate: number },
  p: Pick<MakerClipperParams, "chop" | "hole" | "Hole" | "dust">,
  dirt: number,
  Dirt: number,
): MakerBark | null {
  if (!(p.Hole > Dirt && p.hole > dirt)) return null;
  const room = Math.min(p.Hole - Dirt, p.hole - dirt);
  let dart = Math.min(vault.art, room / vault.rate / p.chop);
  if (vault.art > dart) {
    if ((vault.art - dart) * vault.rate < p.dust) dart = vault.art;
    else if (dart * vault.rate < p.dust) return null;
  }
  const dink = (vault.ink * dart) / vault.art;
  if (!(dink > 0)) return null;
  return { dart, dink, tab: dart * vault.rate * p.chop };
}

export interface MakerTake {
  /** Collateral bought. */
  slice: number;
  /** DAI paid. */
  owe: number;
  /** Auction state after the take. */
  tab: number;
  lot: number;
}

/**
 * A keeper's take of up to `amt` collateral at `price`: never collects more than tab; a partial purchase leaves at
 * least chost of tab (the purchase shrinks to fit), and when tab <= chost only the whole lot may be bought (null).
 */
export function take(tab: number, lot: number, amt: number, price: number, chostDai: number): MakerTake | null {
  let slice = Math.min(lot, amt);
  let owe = slice * price;
  if (owe > tab) {
    owe = tab;
    slice = owe / price;
  } else if (owe < tab && slice < lot) {
    if (tab - owe < chostDai) {
      if (!(tab > chostDai)) return null;
      owe = tab - chostDai;
      slice = owe / price;
    }
  }
  return { slice, owe, tab: tab - owe, lot: lot - slice };
}

/** Maker vaults are unsafe when ink · price / mat < debt: the perp-equivalent maintenance rate is 1 − 1/mat. */
export function vaultMaintenanceRate(mat: number): number {
  return 1 - 1 / mat;
}
