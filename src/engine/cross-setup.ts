// Cross margin across markets (`crossMargin:` in a scenario with `markets:`): the flat tables both engines load.
// An owner holds legs in several markets and deposits in several collateral assets; one equity backs all its legs.
// The host builds these tables once per run (the owners are the same in every path, as a venue's book of positions);
// the kernel (assembly/cross-margin.ts) and the reference (src/engine/cross-margin.ts) run the same arithmetic on them.
import { P } from "./layout.js";
import type { EngineSetup } from "./setup.js";

/** The venue's cross-margin owners, legs, deposits and collateral assets, flat. */
export interface CrossSetup {
  /** O owners; owner o's legs are legStart[o]..legStart[o+1]−1, its deposits depStart[o]..depStart[o+1]−1. */
  owners: number;
  legStart: Int32Array;
  /** Per leg: its market's index, side (+1 long, −1 short), size (base units, > 0) and entry price. */
  legMarket: Int32Array;
  legSide: Float64Array;
  legSize: Float64Array;
  legEntry: Float64Array;
  depStart: Int32Array;
  /** Per deposit: its asset, amount (units of the asset, ≥ 0) and the first step it counts in (0: from the start). */
  depAsset: Int32Array;
  depAmount: Float64Array;
  depArrives: Int32Array;
  /** The deposits with depArrives > 0, ordered by (depArrives, index): the engines walk it with a cursor per path. */
  arrivalOrder: Int32Array;
  /** Per asset: the market it is marked at and sold into (−1: external, at the constant assetPrice). */
  assetMarket: Int32Array;
  /**
   * Per asset: an external asset's price; a market asset's reference value (its market's initialPrice). The ledger
   * values deposits at it (money is counted at a constant value; a sale books proceeds − units × value to the makers).
   */
  assetPrice: Float64Array;
  /** Per asset: the share of its value not counted toward equity, in [0, 1). */
  assetHaircut: Float64Array;
  /**
   * Per market m, crit[critStart[m]..critStart[m+1]−1]: for every leg j in market m and every tier k ≥ 1 of market
   * m, the mark floor_k / size_j at which the leg's notional crosses into tier k, ascending, with the leg's owner in
   * critOwner. A mark move from a to b can change the tier of exactly the legs whose crit lies between them.
   */
  critStart: Int32Array;
  critMark: Float64Array;
  critOwner: Int32Array;
}

export interface CrossLeg {
  market: number;
  side: 1 | -1;
  size: number;
  entry: number;
}
export interface CrossDeposit {
  asset: number;
  amount: number;
  /** The first step the deposit counts in (0: from the start). */
  arrives: number;
}
export interface CrossOwner {
  legs: CrossLeg[];
  deposits: CrossDeposit[];
}
export interface CrossAsset {
  /** The market it is marked at and sold into, or −1 (external). */
  market: number;
  /** External: its price; market asset: ignored (the market's initialPrice is used). */
  price: number;
  haircut: number;
}

/**
 * The step a deposit arriving `arrivesAtSeconds` after the start first counts in: the first t with
 * t × stepSeconds ≥ arrivesAtSeconds (the slack absorbs decimal seconds, 0.3 / 0.1).
 */
export function arrivalStep(arrivesAtSeconds: number, stepSeconds: number): number {
  if (!(arrivesAtSeconds > 0)) return 0;
  return Math.ceil(arrivesAtSeconds / stepSeconds - 1e-9);
}

/** The flat tables of these owners on these markets (their setups give the tiers and initial prices). */
export function buildCrossTables(
  markets: readonly EngineSetup[],
  owners: readonly CrossOwner[],
  assets: readonly CrossAsset[],
): CrossSetup {
  const O = owners.length;
  const M = markets.length;
  let J = 0;
  let D = 0;
  for (const o of owners) {
    J += o.legs.length;
    D += o.deposits.length;
  }
  const t: CrossSetup = {
    owners: O,
    legStart: new Int32Array(O + 1),
    legMarket: new Int32Array(J),
    legSide: new Float64Array(J),
    legSize: new Float64Array(J),
    legEntry: new Float64Array(J),
    depStart: new Int32Array(O + 1),
    depAsset: new Int32Array(D),
    depAmount: new Float64Array(D),
    depArrives: new Int32Array(D),
    arrivalOrder: new Int32Array(0),
    assetMarket: Int32Array.from(assets, (a) => a.market),
    assetPrice: Float64Array.from(assets, (a) => (a.market >= 0 ? markets[a.market].params[P.initialPrice] : a.price)),
    assetHaircut: Float64Array.from(assets, (a) => a.haircut),
    critStart: new Int32Array(M + 1),
    critMark: new Float64Array(0),
    critOwner: new Int32Array(0),
  };
  for (const a of assets) {
    if (a.market >= M) throw new RangeError(`a collateral asset names market ${a.market} of ${M}`);
  }
  let j = 0;
  let d = 0;
  owners.forEach((o, i) => {
    t.legStart[i] = j;
    t.depStart[i] = d;
    for (const leg of o.legs) {
      if (leg.market < 0 || leg.market >= M) throw new RangeError(`owner ${i}: a leg names market ${leg.market} of ${M}`);
      if (!(leg.size > 0)) throw new RangeError(`owner ${i}: a leg's size must be > 0`);
      t.legMarket[j] = leg.market;
      t.legSide[j] = leg.side;
      t.legSize[j] = leg.size;
      t.legEntry[j] = leg.entry;
      j++;
    }
    for (const dep of o.deposits) {
      if (dep.asset < 0 || dep.asset >= assets.length) throw new RangeError(`owner ${i}: a deposit names asset ${dep.asset}`);
      t.depAsset[d] = dep.asset;
      t.depAmount[d] = dep.amount;
      t.depArrives[d] = dep.arrives;
      d++;
    }
  });
  t.legStart[O] = j;
  t.depStart[O] = d;
  const arrivals: number[] = [];
  for (let k = 0; k < D; k++) if (t.depArrives[k] > 0) arrivals.push(k);
  arrivals.sort((a, b) => t.depArrives[a] - t.depArrives[b] || a - b);
  t.arrivalOrder = Int32Array.from(arrivals);
  critTables(t, markets);
  return t;
}

/**
 * The critical marks of every market (CrossSetup.critMark): floor_k / size for each leg and tier k ≥ 1, ascending per
 * market. For one tier they ascend as the sizes descend, so the legs are sorted once by size and the tiers' runs
 * merged (typed arrays throughout: millions of owners' legs times a preset's tiers). Equal marks may come in any
 * order: an entry only flags its owner.
 */
function critTables(t: CrossSetup, markets: readonly EngineSetup[]): void {
  const M = markets.length;
  const J = t.legMarket.length;
  const perMarket = new Int32Array(M);
  let n = 0;
  for (let j = 0; j < J; j++) {
    const m = t.legMarket[j];
    perMarket[m]++;
    n += markets[m].tierFloor.length - 1;
  }
  t.critMark = new Float64Array(n);
  t.critOwner = new Int32Array(n);
  const ownerOf = new Int32Array(J);
  for (let o = 0; o < t.owners; o++) for (let j = t.legStart[o]; j < t.legStart[o + 1]; j++) ownerOf[j] = o;
  let c = 0;
  for (let m = 0; m < M; m++) {
    t.critStart[m] = c;
    const floors = markets[m].tierFloor;
    const T = floors.length - 1;
    if (T === 0 || perMarket[m] === 0) continue;
    // the market's legs by size, largest first (then by index): each tier's marks ascend along this order
    const legs = new Int32Array(perMarket[m]);
    for (let j = 0, i = 0; j < J; j++) if (t.legMarket[j] === m) legs[i++] = j;
    legs.sort((a, b) => t.legSize[b] - t.legSize[a] || a - b);
    // merge the T runs: head[k] is tier k + 1's next leg, headMark[k] its mark
    const head = new Int32Array(T);
    const headMark = new Float64Array(T);
    for (let k = 0; k < T; k++) headMark[k] = floors[k + 1] / t.legSize[legs[0]];
    for (let left = legs.length * T; left > 0; left--) {
      let best = -1;
      for (let k = 0; k < T; k++) if (head[k] < legs.length && (best < 0 || headMark[k] < headMark[best])) best = k;
      t.critMark[c] = headMark[best];
      t.critOwner[c] = ownerOf[legs[head[best]]];
      c++;
      const next = ++head[best];
      if (next < legs.length) headMark[best] = floors[best + 1] / t.legSize[legs[next]];
    }
  }
  t.critStart[M] = c;
}
