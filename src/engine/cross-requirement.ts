// A cross-margin leg's maintenance under its market's margin.model (the reference of assembly/cross-requirement.ts):
// the requirement the scan engine holds an isolated position of that side, size, entry and mark to (margin-model.ts
// requirement, its arithmetic in its order, with the market's tiers and the model's state), and the same requirement
// as a linear function of the mark, b × mark − c, exact while neither the leg's tier, the model's state, nor which of
// the model and the size premium is larger changes (cross-margin.ts's forms):
//   - the model's state (the vol-scaled multiplier, the risk-based losses) changes at most once a step: the owners with
//     a leg in a market whose state moved are made dirty before the round (markDirty);
//   - the premium against the model crosses at marks no table holds: the owners with a leg in a market with a size
//     premium are recomputed every round (fresh), as the resized ones.
// A market without a model (the ladder) is not modelled here: the cross layer keeps its tiers' arithmetic.
import type { CrossSetup } from "./cross-setup.js";
import { MARGIN_MODEL, P } from "./layout.js";
import type { MarginModel } from "./margin-model.js";
import { type TierTable, tierIndex } from "./margin.js";
import type { RefState } from "./state.js";

const RISK = MARGIN_MODEL["risk-based"];
const VOL = MARGIN_MODEL["vol-scaled"];

export class CrossRequirement {
  /** Per market: its model's kind (0: none), maintenance at entry, size premium's imfFactor (0: none). */
  private readonly kind: Int32Array;
  private readonly atEntry: Uint8Array;
  private readonly sizeImf: Float64Array;
  private readonly tiers: TierTable[];
  private readonly models: MarginModel[];
  /** Per market: the model's state the forms were made with. */
  private readonly multiplier: Float64Array;
  private readonly lossLong: Float64Array;
  private readonly lossShort: Float64Array;
  /** Per modelled market, the owners with a leg in it. */
  private readonly modelOwners: Int32Array[];
  /** Per owner: 1 when one of its legs is in a market with a size premium (its form is made every round). */
  readonly fresh: Uint8Array;
  readonly freshList: Int32Array;
  readonly freshCount: number;
  /** formOf's result: the leg's requirement is formB × mark − formC. */
  formB = 0;
  formC = 0;

  constructor(setup: CrossSetup, markets: readonly { readonly st: RefState }[]) {
    const M = markets.length;
    const O = setup.owners;
    this.kind = new Int32Array(M);
    this.atEntry = new Uint8Array(M);
    this.sizeImf = new Float64Array(M);
    this.tiers = markets.map((mk) => mk.st.tiers);
    this.models = markets.map((mk) => mk.st.model);
    for (let m = 0; m < M; m++) {
      const p = markets[m].st.p;
      const kind = p[P.marginModel];
      this.kind[m] = kind;
      this.atEntry[m] = p[P.maintenanceAtEntry] === 1 ? 1 : 0;
      this.sizeImf[m] = kind !== 0 ? p[P.sizeImf] : 0;
    }
    this.multiplier = new Float64Array(M);
    this.lossLong = new Float64Array(M);
    this.lossShort = new Float64Array(M);
    const owners: number[][] = Array.from({ length: M }, () => []);
    this.fresh = new Uint8Array(O);
    this.freshList = new Int32Array(O);
    let fresh = 0;
    for (let o = 0; o < O; o++) {
      let isFresh = false;
      for (let j = setup.legStart[o]; j < setup.legStart[o + 1]; j++) {
        const m = setup.legMarket[j];
        const list = owners[m];
        if (this.kind[m] === 0 || list[list.length - 1] === o) continue;
        list.push(o);
        if (this.sizeImf[m] > 0) isFresh = true;
      }
      this.fresh[o] = isFresh ? 1 : 0;
      if (isFresh) this.freshList[fresh++] = o;
    }
    this.freshCount = fresh;
    this.modelOwners = owners.map((list) => Int32Array.from(list));
  }

  /** Market m has a margin model (its legs' requirement is here). */
  modelled(m: number): boolean {
    return this.kind[m] !== 0;
  }

  /** A path starts (after every market's startPath): the models' states the opening forms are made with. */
  startPath(): void {
    for (let m = 0; m < this.kind.length; m++) {
      if (this.kind[m] === 0) continue;
      const model = this.models[m];
      this.multiplier[m] = model.multiplier;
      this.lossLong[m] = model.lossLong;
      this.lossShort[m] = model.lossShort;
    }
  }

  /** Before a round: the owners with a leg in a market whose model's state moved since their forms are dirty. */
  markDirty(dirty: Uint8Array): void {
    for (let m = 0; m < this.kind.length; m++) {
      if (this.kind[m] === 0) continue;
      const model = this.models[m];
      const mult = model.multiplier;
      const lossLong = model.lossLong;
      const lossShort = model.lossShort;
      if (mult === this.multiplier[m] && lossLong === this.lossLong[m] && lossShort === this.lossShort[m]) continue;
      this.multiplier[m] = mult;
      this.lossLong[m] = lossLong;
      this.lossShort[m] = lossShort;
      for (const o of this.modelOwners[m]) dirty[o] = 1;
    }
  }

  /** The model's requirement before the size premium (margin-model.ts requirement's first part). */
  private modelRequirement(m: number, s: number, q: number, mark: number, e: number): number {
    const notional = q * mark;
    const kind = this.kind[m];
    if (kind === RISK) return notional * (s > 0 ? this.lossLong[m] : this.lossShort[m]);
    const n = this.atEntry[m] !== 0 ? q * e : notional;
    const tiers = this.tiers[m];
    const k = tierIndex(tiers, n);
    const mm = n * tiers.mmr[k] - tiers.amount[k];
    return kind === VOL ? this.multiplier[m] * mm : mm;
  }

  /** The maintenance of a leg of side s, size q, entry e at this mark in modelled market m (margin-model.ts requirement). */
  requirementOf(m: number, s: number, q: number, mark: number, e: number): number {
    return this.models[m].requirement(s, q, mark, e);
  }

  /** The same requirement as formB × mark − formC, the branch (tier, model or premium) taken at this mark. */
  formOf(m: number, s: number, q: number, mark: number, e: number): void {
    const sizeImf = this.sizeImf[m];
    if (sizeImf > 0) {
      const premium = q * mark * 0.5 * sizeImf * Math.sqrt(q);
      if (premium > this.modelRequirement(m, s, q, mark, e)) {
        this.formB = q * 0.5 * sizeImf * Math.sqrt(q);
        this.formC = 0;
        return;
      }
    }
    const kind = this.kind[m];
    if (kind === RISK) {
      this.formB = q * (s > 0 ? this.lossLong[m] : this.lossShort[m]);
      this.formC = 0;
      return;
    }
    if (this.atEntry[m] !== 0) {
      // fixed at the entry notional: a constant
      this.formB = 0;
      this.formC = -this.modelRequirement(m, s, q, mark, e);
      return;
    }
    const tiers = this.tiers[m];
    const k = tierIndex(tiers, q * mark);
    if (kind === VOL) {
      const mult = this.multiplier[m];
      this.formB = mult * (q * tiers.mmr[k]);
      this.formC = mult * tiers.amount[k];
    } else {
      this.formB = q * tiers.mmr[k];
      this.formC = tiers.amount[k];
    }
  }
}
