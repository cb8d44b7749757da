// The margin calculator of `cascade margin` (SPEC §5): maintenance margin, liquidation and bankruptcy price per
// position, isolated or cross, on top of the engine's isolated-margin primitives (src/engine/margin.ts).
import { InputError, formatValue } from "../config/errors.js";
import type { Tier } from "../config/scenario.js";
import { bankruptcyPrice, liquidationPrice, tierIndex, type TierTable } from "../engine/margin.js";
import { parseMarginRequest, presetTierProblems, type MaintenanceAt, type MarginPosition, type MarginRequest } from "./schema.js";
import { maintenanceMargin, toTierTable } from "./tiers.js";

export type { MaintenanceAt, MarginMode, MarginPosition, MarginRequest } from "./schema.js";

/** A preset as the calculator needs it: its tiers and, when the preset says, where it measures maintenance margin. */
export interface PresetTiers {
  tiers: Tier[];
  maintenanceAt?: MaintenanceAt;
}

/**
 * Looks up a venue preset by name: undefined for an unknown name (an InputError thrown by it is reported too).
 * A bare tier list means the preset states no convention: maintenance margin at the mark unless the position says.
 */
export type PresetResolver = (name: string) => Tier[] | PresetTiers | undefined;

export interface MarginOptions {
  /** Needed only when a position names a preset. */
  resolvePresetTiers?: PresetResolver;
}

export interface PositionMargin {
  symbol: string;
  /** At the mark (or at entry with maintenanceAt "entry"): notional × mmr − maintenanceAmount of its bracket. */
  maintenanceMargin: number;
  /**
   * Price at which equity = maintenance margin: a long is liquidated at or below it, a short at or above it.
   * 0 for a long that no positive price liquidates, and for a short that is below maintenance at every price.
   * null stands for +∞, a short that no price liquidates (JSON has no Infinity). It does not occur with validated
   * linear positions: a short's equity − MM falls with slope −q·(1 + mmr), so some finite price always reaches it.
   */
  liquidationPrice: number | null;
  /** Price at which equity = 0 (no maintenance); 0 when no positive price gets there (long) or every price does (short). */
  bankruptcyPrice: number;
}

export interface MarginResult {
  positions: PositionMargin[];
  /**
   * Binance's account margin ratio: total maintenance margin / margin balance, where margin balance = walletBalance
   * + every position's own collateral (isolated) + total unrealised PnL at the marks. walletBalance is counted
   * once even when it backs several isolated positions. null when the margin balance is ≤ 0 (no finite ratio).
   */
  marginRatio: number | null;
}

/** One position, ready for the formulas: s = +1 long / −1 short, q size, e entry. */
interface Leg {
  s: number;
  q: number;
  e: number;
  table: TierTable;
  /** Maintenance margin as reported (at mark, or at entry). */
  mm: number;
  /** With maintenanceAt "entry" the maintenance margin does not move with the price: this is it. */
  fixedMM: number | undefined;
  upnl: number;
}

/**
 * Maintenance margin, liquidation and bankruptcy price of every position, and the account's margin ratio.
 * Validates its argument whatever its static type; bad input (and unknown presets) throw InputError.
 *
 * Isolated: each position is backed by its own collateral, or by walletBalance alone when it has none.
 * Cross (Binance's formula, one pool): position i is backed by WB − TMM_others + UPNL_others, the other positions'
 * maintenance margin and unrealised PnL taken at their marks, so LP_i = (WB − TMM_others + UPNL_others + cum_i −
 * s·q·E) / (q·mmr_i − s·q); its bankruptcy price uses WB + UPNL_others (no maintenance).
 * Either way the engine's liquidationPrice solves it in the bracket that the notional at LP falls in.
 */
export function computeMargin(request: MarginRequest, options: MarginOptions = {}): MarginResult {
  const req = parseMarginRequest(request);
  const resolved = resolvePositions(req.positions, options.resolvePresetTiers);
  const legs = resolved.map((r, i) => toLeg(req.positions[i], r));
  const negative = legs.flatMap((leg, i) =>
    negativeMarginProblems(
      req.positions[i],
      resolved[i],
      leg,
      i,
      leg.q * (leg.fixedMM !== undefined ? leg.e : req.positions[i].markPrice),
    ),
  );
  if (negative.length > 0) throw new InputError(negative);

  // Cross: the others' sums are the totals less the position's own, the totals summed with Neumaier's compensation
  // so that taking one term out loses nothing worth a cent (one pass: a 32k-position account was quadratic)
  const upnlTotal = compensatedSum(legs.map((leg) => leg.upnl));
  const mmTotal = compensatedSum(legs.map((leg) => leg.mm));
  const positions = legs.map((leg, i): PositionMargin => {
    let liqBacking: number;
    let bankBacking: number;
    if (req.mode === "isolated") {
      liqBacking = bankBacking = req.positions[i].collateral ?? req.walletBalance;
    } else {
      const upnlOthers = upnlTotal.less(leg.upnl);
      const mmOthers = mmTotal.less(leg.mm);
      liqBacking = req.walletBalance - mmOthers + upnlOthers;
      bankBacking = req.walletBalance + upnlOthers;
    }
    const lp = liquidationPriceOf(leg, liqBacking);
    // at the liquidation price the notional may fall in a bracket whose maintenance margin is negative there
    if (leg.fixedMM === undefined && lp > 0 && lp < Infinity) {
      const problems = negativeMarginProblems(req.positions[i], resolved[i], leg, i, leg.q * lp);
      if (problems.length > 0)
        throw new InputError(
          problems.map((line) => line.replace("this position's notional", "the notional at its liquidation price")),
        );
    }
    return {
      symbol: req.positions[i].symbol,
      maintenanceMargin: leg.mm,
      liquidationPrice: Number.isFinite(lp) ? lp : null,
      bankruptcyPrice: Math.max(0, bankruptcyPrice(leg.s, leg.q, leg.e, bankBacking)),
    };
  });

  let totalMM = 0;
  let balance = req.walletBalance;
  legs.forEach((leg, i) => {
    totalMM += leg.mm;
    balance += (req.positions[i].collateral ?? 0) + leg.upnl;
  });
  return { positions, marginRatio: balance > 0 ? totalMM / balance : null };
}

/** Σ values with Neumaier's compensation; `less(x)` is the sum without one of its terms, compensated too. */
function compensatedSum(values: number[]): { less(x: number): number } {
  let sum = 0;
  let c = 0;
  for (const v of values) {
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return {
    less(x: number): number {
      const t = sum - x;
      const c2 = Math.abs(sum) >= Math.abs(x) ? sum - t - x : -x - t + sum;
      return t + (c + c2);
    },
  };
}

/**
 * Each position's tiers and convention (the position's maintenanceAt, else its preset's, else "mark"), presets
 * resolved; every unknown preset or bad preset table is one problem.
 */
function resolvePositions(positions: readonly MarginPosition[], resolve: PresetResolver | undefined): PresetTiers[] {
  const problems: string[] = [];
  const resolved = positions.map((p, i): PresetTiers => {
    if (p.preset === undefined) return { tiers: p.tiers ?? [], maintenanceAt: p.maintenanceAt };
    const where = `positions[${i}].preset`;
    let preset: Tier[] | PresetTiers | undefined;
    try {
      preset = resolve?.(p.preset);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems.map((line) => `${where}: ${line}`));
      return { tiers: [] };
    }
    if (resolve === undefined || preset === undefined) {
      const why = resolve === undefined ? "no preset catalogue was given" : "see `cascade presets`";
      problems.push(`${where} must name a known preset (${why}) (received ${formatValue(p.preset)})`);
      return { tiers: [] };
    }
    const { tiers, maintenanceAt } = Array.isArray(preset) ? { tiers: preset, maintenanceAt: undefined } : preset;
    problems.push(...presetTierProblems(tiers, `${where} ${formatValue(p.preset)}`));
    return { tiers, maintenanceAt: p.maintenanceAt ?? maintenanceAt };
  });
  if (problems.length > 0) throw new InputError(problems);
  return resolved;
}

function toLeg(p: MarginPosition, { tiers, maintenanceAt }: PresetTiers): Leg {
  const s = p.side === "long" ? 1 : -1;
  const table = toTierTable(tiers);
  const atEntry = maintenanceAt === "entry";
  const mm = maintenanceMargin(table, p.size * (atEntry ? p.entryPrice : p.markPrice));
  return {
    s,
    q: p.size,
    e: p.entryPrice,
    table,
    mm,
    fixedMM: atEntry ? mm : undefined,
    upnl: s * p.size * (p.markPrice - p.entryPrice),
  };
}

/**
 * A bracket's maintenanceAmount larger than notional × mmr at the notional the position is measured at gives a
 * negative maintenance margin (and a liquidation price below the bankruptcy price): refused, naming the tier.
 */
function negativeMarginProblems(p: MarginPosition, r: PresetTiers, leg: Leg, i: number, notional: number): string[] {
  const mm = maintenanceMargin(leg.table, notional);
  if (mm >= 0) return [];
  const j = tierIndex(leg.table, notional);
  const tier = r.tiers[j];
  const where =
    p.preset !== undefined ? `positions[${i}].preset ${formatValue(p.preset)}: tiers[${j}]` : `positions[${i}].tiers[${j}]`;
  const allowed = Number((notional * tier.mmr).toPrecision(12));
  return [
    `${where}.maintenanceAmount must be <= ${allowed}, this position's notional ${Number(notional.toPrecision(12))} × mmr ${tier.mmr}, ` +
      `so that its maintenance margin is not negative (received ${tier.maintenanceAmount})`,
  ];
}

function liquidationPriceOf(leg: Leg, backing: number): number {
  const { s, q, e, table } = leg;
  // A fixed maintenance margin is a bankruptcy with MM less collateral: equity = MM ⇔ equity(backing − MM) = 0.
  if (leg.fixedMM !== undefined) return Math.max(0, bankruptcyPrice(s, q, e, backing - leg.fixedMM));
  const lp = liquidationPrice(table, s, q, e, backing);
  if (lp > 0 && lp < Infinity) return lp;
  // No root at a positive price: a long is safe at every price, a short is below maintenance at every price
  // (the engine says +∞ for it); both are 0 under "long at or below, short at or above".
  return 0;
}
