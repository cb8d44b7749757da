// A cross-margin leg's maintenance under its market's margin.model (src/engine/cross-requirement.ts is its twin): the
// requirement the scan engine holds an isolated position of that side, size, entry and mark to (margin-model.ts
// requirement, its arithmetic in its order, with the market's tiers and model state read without switching to it),
// and the same requirement as a linear function of the mark, b × mark − c, exact while neither the leg's tier, the
// model's state, nor which of the model and the size premium is larger changes (cross-margin.ts's forms):
//   - the model's state (the vol-scaled multiplier, the risk-based losses) changes at most once a step: the owners with
//     a leg in a market whose state moved are made dirty before the round (markDirty);
//   - the premium against the model crosses at marks no table holds: the owners with a leg in a market with a size
//     premium are recomputed every round and never screened out (fresh), as the resized ones.
// A market without a model (the ladder) is not modelled here: the cross layer keeps its tiers' arithmetic.
import { MARGIN_RISK_BASED, MARGIN_VOL_SCALED, P_MAINTENANCE_AT_ENTRY, P_MARGIN_MODEL, P_SIZE_IMF } from "./abi";
import { lossLongIn, lossShortIn, multiplierIn } from "./margin-model";
import { marginModelOf } from "./market-context";
import * as state from "./state";

let markets: i32 = 0;
/** Per market: its model's kind (0: none), maintenance at entry, size premium's imfFactor (0: none). */
let kindOf = new StaticArray<i32>(0);
let atEntryOf = new StaticArray<u8>(0);
let sizeImfOf = new StaticArray<f64>(0);
/** Per market: its tiers (the market context's regions) and their count. */
let floorAt = new StaticArray<usize>(0);
let mmrAt = new StaticArray<usize>(0);
let amountAt = new StaticArray<usize>(0);
let countOf = new StaticArray<i32>(0);
/** Per market: the model's state the forms were made with. */
let multiplierOf = new StaticArray<f64>(0);
let lossLongOf = new StaticArray<f64>(0);
let lossShortOf = new StaticArray<f64>(0);
/** Per modelled market, the owners with a leg in it: modelOwner[modelOwnerStart[m]..modelOwnerStart[m+1]−1]. */
let modelOwnerStart = new StaticArray<i32>(0);
let modelOwner = new StaticArray<i32>(0);
/** Per owner: 1 when one of its legs is in a market with a size premium (its form is made every round). */
export let fresh = new StaticArray<u8>(0);
export let freshList = new StaticArray<i32>(0);
export let freshCount: i32 = 0;
/** formOf's result: the leg's requirement is formB × mark − formC. */
export let formB: f64 = 0;
export let formC: f64 = 0;

/** M markets, O owners (cross-margin.ts carve). */
export function carve(M: i32, O: i32): void {
  markets = M;
  kindOf = new StaticArray<i32>(M);
  atEntryOf = new StaticArray<u8>(M);
  sizeImfOf = new StaticArray<f64>(M);
  floorAt = new StaticArray<usize>(M);
  mmrAt = new StaticArray<usize>(M);
  amountAt = new StaticArray<usize>(M);
  countOf = new StaticArray<i32>(M);
  multiplierOf = new StaticArray<f64>(M);
  lossLongOf = new StaticArray<f64>(M);
  lossShortOf = new StaticArray<f64>(M);
  modelOwnerStart = new StaticArray<i32>(M + 1);
  fresh = new StaticArray<u8>(O);
  freshList = new StaticArray<i32>(O);
  freshCount = 0;
}

/** Market m, selected (cross-margin.ts prepare): its model's constants and its tiers. */
export function prepareMarket(m: i32): void {
  const p = state.params;
  const kind = <i32>unchecked(p[P_MARGIN_MODEL]);
  unchecked((kindOf[m] = kind));
  unchecked((atEntryOf[m] = unchecked(p[P_MAINTENANCE_AT_ENTRY]) == 1 ? 1 : 0));
  unchecked((sizeImfOf[m] = kind != 0 ? unchecked(p[P_SIZE_IMF]) : 0));
  unchecked((floorAt[m] = changetype<usize>(state.tierFloor)));
  unchecked((mmrAt[m] = changetype<usize>(state.tierMmr)));
  unchecked((amountAt[m] = changetype<usize>(state.tierAmount)));
  unchecked((countOf[m] = state.tierFloor.length));
}

/** After every market's prepareMarket: who has a leg in each modelled market, and who is fresh. */
export function prepareOwners(O: i32, legStart: StaticArray<i32>, legMarket: StaticArray<i32>): void {
  const M = markets;
  // an owner counts once per market: the last owner added to each market
  const last = new StaticArray<i32>(M);
  for (let m = 0; m < M; m++) unchecked((last[m] = -1));
  const count = new StaticArray<i32>(M);
  for (let o = 0; o < O; o++) {
    for (let j = unchecked(legStart[o]); j < unchecked(legStart[o + 1]); j++) {
      const m = unchecked(legMarket[j]);
      if (unchecked(kindOf[m]) == 0 || unchecked(last[m]) == o) continue;
      unchecked((last[m] = o));
      unchecked((count[m] = unchecked(count[m]) + 1));
    }
  }
  let c = 0;
  for (let m = 0; m < M; m++) {
    unchecked((modelOwnerStart[m] = c));
    c += unchecked(count[m]);
    unchecked((last[m] = -1));
  }
  unchecked((modelOwnerStart[M] = c));
  modelOwner = new StaticArray<i32>(c);
  freshCount = 0;
  for (let o = 0; o < O; o++) {
    let isFresh = false;
    for (let j = unchecked(legStart[o]); j < unchecked(legStart[o + 1]); j++) {
      const m = unchecked(legMarket[j]);
      if (unchecked(kindOf[m]) == 0 || unchecked(last[m]) == o) continue;
      unchecked((last[m] = o));
      const at = unchecked(modelOwnerStart[m + 1]) - unchecked(count[m]);
      unchecked((modelOwner[at] = o));
      unchecked((count[m] = unchecked(count[m]) - 1));
      if (unchecked(sizeImfOf[m]) > 0) isFresh = true;
    }
    unchecked((fresh[o] = isFresh ? 1 : 0));
    if (isFresh) {
      unchecked((freshList[freshCount] = o));
      freshCount++;
    }
  }
}

/** Market m has a margin model (its legs' requirement is here). */
// @ts-ignore: decorator
@inline export function modelled(m: i32): bool {
  return unchecked(kindOf[m]) != 0;
}

/** A path starts (after every market's startPath): the models' states the opening forms are made with. */
export function startPath(): void {
  for (let m = 0; m < markets; m++) {
    if (unchecked(kindOf[m]) == 0) continue;
    const b = marginModelOf(m);
    unchecked((multiplierOf[m] = multiplierIn(b)));
    unchecked((lossLongOf[m] = lossLongIn(b)));
    unchecked((lossShortOf[m] = lossShortIn(b)));
  }
}

/** Before a round: the owners with a leg in a market whose model's state moved since their forms are dirty. */
export function markDirty(dirty: StaticArray<u8>): void {
  for (let m = 0; m < markets; m++) {
    if (unchecked(kindOf[m]) == 0) continue;
    const b = marginModelOf(m);
    const mult = multiplierIn(b);
    const lossLong = lossLongIn(b);
    const lossShort = lossShortIn(b);
    if (mult == unchecked(multiplierOf[m]) && lossLong == unchecked(lossLongOf[m]) && lossShort == unchecked(lossShortOf[m]))
      continue;
    unchecked((multiplierOf[m] = mult));
    unchecked((lossLongOf[m] = lossLong));
    unchecked((lossShortOf[m] = lossShort));
    const end = unchecked(modelOwnerStart[m + 1]);
    for (let k = unchecked(modelOwnerStart[m]); k < end; k++) unchecked((dirty[unchecked(modelOwner[k])] = 1));
  }
}

// @ts-ignore: decorator
@inline function tierOf(m: i32, notional: f64): i32 {
  const n = unchecked(countOf[m]);
  const floor = unchecked(floorAt[m]);
  let k = 0;
  while (k + 1 < n && notional >= load<f64>(floor + (<usize>(k + 1) << 3))) k++;
  return k;
}
// @ts-ignore: decorator
@inline function mmrOf(m: i32, k: i32): f64 {
  return load<f64>(unchecked(mmrAt[m]) + (<usize>k << 3));
}
// @ts-ignore: decorator
@inline function amountOf(m: i32, k: i32): f64 {
  return load<f64>(unchecked(amountAt[m]) + (<usize>k << 3));
}

/** The model's requirement before the size premium (margin-model.ts requirement's first part). */
function modelRequirement(m: i32, s: f64, q: f64, mark: f64, e: f64): f64 {
  const notional = q * mark;
  const kind = unchecked(kindOf[m]);
  if (kind == MARGIN_RISK_BASED) return notional * (s > 0 ? unchecked(lossLongOf[m]) : unchecked(lossShortOf[m]));
  const n = unchecked(atEntryOf[m]) != 0 ? q * e : notional;
  const k = tierOf(m, n);
  const mm = n * mmrOf(m, k) - amountOf(m, k);
  return kind == MARGIN_VOL_SCALED ? unchecked(multiplierOf[m]) * mm : mm;
}

/** The maintenance of a leg of side s, size q, entry e at this mark in modelled market m (margin-model.ts requirement). */
export function requirementOf(m: i32, s: f64, q: f64, mark: f64, e: f64): f64 {
  let r = modelRequirement(m, s, q, mark, e);
  const sizeImf = unchecked(sizeImfOf[m]);
  if (sizeImf > 0) {
    const premium = q * mark * 0.5 * sizeImf * Math.sqrt(q);
    if (premium > r) r = premium;
  }
  return r;
}

/** The same requirement as formB × mark − formC, the branch (tier, model or premium) taken at this mark. */
export function formOf(m: i32, s: f64, q: f64, mark: f64, e: f64): void {
  const sizeImf = unchecked(sizeImfOf[m]);
  if (sizeImf > 0) {
    const premium = q * mark * 0.5 * sizeImf * Math.sqrt(q);
    if (premium > modelRequirement(m, s, q, mark, e)) {
      formB = q * 0.5 * sizeImf * Math.sqrt(q);
      formC = 0;
      return;
    }
  }
  const kind = unchecked(kindOf[m]);
  if (kind == MARGIN_RISK_BASED) {
    formB = q * (s > 0 ? unchecked(lossLongOf[m]) : unchecked(lossShortOf[m]));
    formC = 0;
    return;
  }
  if (unchecked(atEntryOf[m]) != 0) {
    // fixed at the entry notional: a constant
    formB = 0;
    formC = -modelRequirement(m, s, q, mark, e);
    return;
  }
  const k = tierOf(m, q * mark);
  if (kind == MARGIN_VOL_SCALED) {
    const mult = unchecked(multiplierOf[m]);
    formB = mult * (q * mmrOf(m, k));
    formC = mult * amountOf(m, k);
  } else {
    formB = q * mmrOf(m, k);
    formC = amountOf(m, k);
  }
}
