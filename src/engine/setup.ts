// Turns a resolved scenario (and the files it named) into the flat numeric setup both engines load:
// the parameter block, the bracket table, the book profile per side, shocks per step, replay returns,
// and, for a positions file, the accounts. Everything here runs once per run, on the host.

import type { ScenarioInputs } from "../config/scenario.js";
import { MARGIN_MODEL_DEFAULTS } from "../config/schema.js";
import { writeAdlParams } from "../config/mechanisms/adl.js";
import { writeFeeParams } from "../config/mechanisms/fee.js";
import { writeMechanismParams } from "../config/mechanisms/index.js";
import { wholeSteps } from "../config/mechanisms/units.js";
import {
  LEVERAGE_DIST,
  LIQUIDATION_ENGINE,
  MARGIN_MODEL,
  MARK_MODEL,
  NOTIONAL_DIST,
  P,
  PARAM_SLOTS,
  PRICE_MODEL,
  PROFILE,
  SECONDS_PER_YEAR,
} from "./layout.js";
import { profileDepth } from "./book.js";
import { flowArrivalMean, flowCloseProb, flowPool } from "./flow.js";
import { normalInv } from "./mathfn.js";

export interface AccountArrays {
  isLong: Int32Array;
  size: Float64Array;
  entry: Float64Array;
  collateral: Float64Array;
}

export interface EngineSetup {
  params: Float64Array;
  tierFloor: Float64Array;
  tierMmr: Float64Array;
  tierAmount: Float64Array;
  tierMaxLeverage: Float64Array;
  /** Depth per level, index 1..levels (index 0 unused): level k of the bids is k−1 ticks below the best bid tick. */
  bidProfile: Float64Array;
  askProfile: Float64Array;
  /** Simple-return shock per step, index 1..steps (0 = none). */
  shocks: Float64Array;
  returns: Float64Array;
  accounts?: AccountArrays;
}

/** Tick index of a price: the epsilon absorbs the representation error of decimal ticks (20377.0 / 0.1). */
export function tickOf(price: number, tick: number): number {
  return Math.floor(price / tick + 1e-7);
}

/** The flat numeric setup both engines load, from a resolved scenario and the contents of its files. */
export function buildSetup(inputs: ScenarioInputs): EngineSetup {
  const s = inputs.scenario;
  const levels = s.market.book.levels;
  const params = new Float64Array(PARAM_SLOTS);
  const account = inputs.positions;

  params[P.steps] = s.steps;
  params[P.stepSeconds] = s.stepSeconds;
  params[P.initialPrice] = s.market.initialPrice;
  params[P.tickSize] = s.market.tickSize;
  params[P.priceModel] = PRICE_MODEL[s.market.price.model];
  params[P.volatility] = s.market.price.volatility;
  params[P.drift] = s.market.price.drift;
  params[P.jumpIntensity] = s.market.price.jumps.intensity;
  params[P.jumpMeanLog] = s.market.price.jumps.meanLog;
  params[P.jumpStdLog] = s.market.price.jumps.stdLog;
  params[P.levels] = levels;
  // lasting impact: the transient part's decay per step from its half-life in seconds (SPEC §3: time in seconds)
  params[P.impactDecay] = Math.pow(2, -s.stepSeconds / s.market.impact.halfLifeSeconds);
  params[P.impactPermanent] = s.market.impact.permanentShare;
  params[P.markModel] = MARK_MODEL[s.market.mark.model];
  params[P.accountCount] = account ? account.length : s.accounts.count;
  params[P.longShare] = s.accounts.longShare;
  params[P.leverageDist] = LEVERAGE_DIST[s.accounts.leverage.dist];
  params[P.leverageMedian] = s.accounts.leverage.median;
  params[P.leverageSigma] = s.accounts.leverage.sigma;
  params[P.leverageMax] = s.accounts.leverage.max;
  params[P.notionalDist] = NOTIONAL_DIST[s.accounts.notional.dist];
  params[P.notionalMin] = s.accounts.notional.min;
  params[P.notionalAlpha] = s.accounts.notional.alpha;
  params[P.notionalMax] = s.accounts.notional.max;
  params[P.resample] = s.accounts.resample && !account ? 1 : 0;
  params[P.accountsFromFile] = account ? 1 : 0;
  if (!account) setPopulationRealism(params, s);
  params[P.maxRounds] = s.liquidation.maxRoundsPerStep;
  params[P.insurance] = s.insurance.initialBalance;
  // the settlement mechanisms: absent keys give today's behaviour (no caps; ADL once the fund is empty)
  // the caps are rates per second, checked per step (SPEC §3: time in seconds)
  params[P.capNotional] = (s.liquidation.caps?.notionalPerSecond ?? Infinity) * s.stepSeconds;
  params[P.capInsuranceLoss] = (s.liquidation.caps?.insuranceLossPerSecond ?? Infinity) * s.stepSeconds;
  params[P.insuranceCap] = s.insurance.cap ?? Infinity;
  writeAdlParams(params, s.adl);
  setLiquidationEngine(params, s);
  // trading during a path (src/engine/flow.ts): absent, 0, 0, 0 and today's records; present, the per-account engine
  const flow = s.accounts.flow;
  params[P.flowCloseProb] = flowCloseProb(flow?.closeRatePerHour ?? 0, s.stepSeconds);
  params[P.flowArrivalMean] = flowArrivalMean(flow?.arrivalsPerHour ?? 0, s.stepSeconds);
  params[P.flowPool] = flowPool(params[P.flowArrivalMean], s.steps);
  if (params[P.flowCloseProb] > 0 || params[P.flowArrivalMean] > 0) params[P.perAccount] = 1;
  // liquidity under stress and the ema mark: absent keys give today's behaviour
  params[P.stressWithdrawal] = s.market.book.stress?.withdrawal ?? 0;
  params[P.stressFloor] = s.market.book.stress?.floor ?? 0;
  params[P.spreadWidening] = s.market.book.stress?.spreadWidening ?? 0;
  const halfLife = s.market.mark.halfLifeSeconds;
  params[P.emaAlpha] = s.market.mark.model === "ema" && halfLife !== undefined ? 1 - Math.pow(2, -s.stepSeconds / halfLife) : 0;
  params[P.oracleLag] = wholeSteps(s.market.mark.oracleLagSeconds ?? 0, s.stepSeconds, "round");
  params[P.markBand] = s.market.mark.band ?? 0;

  const tiers = s.margin.tiers;
  params[P.tierCount] = tiers.length;
  const tierFloor = Float64Array.from(tiers, (t) => t.floor);
  const tierMmr = Float64Array.from(tiers, (t) => t.mmr);
  const tierAmount = Float64Array.from(tiers, (t) => t.maintenanceAmount);
  const tierMaxLeverage = Float64Array.from(tiers, (t) => t.maxLeverage ?? (t.mmr > 0 ? 1 / (2 * t.mmr) : Infinity));
  // a risk-based venue admits positions at an initial margin of twice its requirement at the reference volatility
  // (the venues' usual IM = 2 × MM), whatever the brackets would allow: the generated accounts respect it too
  const riskCap = riskBasedMaxLeverage(s);
  for (let j = 0; j < tierMaxLeverage.length; j++) if (tierMaxLeverage[j] > riskCap) tierMaxLeverage[j] = riskCap;

  const { bidProfile, askProfile } = inputs.book ? snapshotProfiles(inputs, params) : analyticProfiles(inputs, params);

  const shocks = new Float64Array(s.steps + 1);
  for (const shock of s.market.price.shocks) {
    // several shocks at one step compound
    shocks[shock.step] = (1 + shocks[shock.step]) * (1 + shock.return) - 1;
  }

  const returns = inputs.returns ?? new Float64Array(0);
  params[P.returnsCount] = returns.length;

  const setup: EngineSetup = { params, tierFloor, tierMmr, tierAmount, tierMaxLeverage, bidProfile, askProfile, shocks, returns };
  if (account) {
    setup.accounts = {
      isLong: Int32Array.from(account, (p) => (p.side === "long" ? 1 : 0)),
      size: Float64Array.from(account, (p) => p.size),
      entry: Float64Array.from(account, (p) => p.entryPrice),
      collateral: Float64Array.from(account, (p) => p.collateral),
    };
  }
  return setup;
}

/**
 * The generated population's realism (src/engine/population.ts documents the model; absent keys: 0, today's
 * population bit for bit): the entries' log-price variance σ²·historySeconds in years (σ: entry.volatility, else the
 * price model's), the top-10 share, and the hedged share as whole pairs (the epsilon keeps 0.3 × 10000 / 2 whole).
 */
function setPopulationRealism(params: Float64Array, s: ScenarioInputs["scenario"]): void {
  const a = s.accounts;
  if (a.entry) {
    const sigma = a.entry.volatility ?? s.market.price.volatility;
    params[P.entryVariance] = (sigma * sigma * a.entry.historySeconds) / SECONDS_PER_YEAR;
  }
  params[P.top10Share] = a.notional.top10Share ?? 0;
  params[P.hedgedPairs] = Math.floor(((a.hedgedShare ?? 0) * a.count) / 2 + 1e-9);
}

/**
 * The liquidation engine and the mechanisms that act on one account at a time. A plain market engine (flat fee, no
 * loss allocation beyond the fund) keeps the batched rounds; everything else runs on the per-account engine — ADL
 * among them: its liquidations walk the book within the fund's budget and its partial closes change sizes. Each
 * engine's own slots are written by its descriptor (src/config/mechanisms/).
 */
function setLiquidationEngine(params: Float64Array, s: ScenarioInputs["scenario"]): void {
  const liq = s.liquidation;
  const engine = liq.engine;
  params[P.engine] = LIQUIDATION_ENGINE[engine];
  const feeSchedule = liq.fee !== undefined && liq.fee.kind !== "flat";
  const scan = s.margin.model !== undefined;
  const perAccount = engine !== "market" || feeSchedule || s.adl.ranking !== "none" || scan;
  params[P.perAccount] = perAccount ? 1 : 0;
  writeFeeParams(params, liq);
  writeMechanismParams(params, liq, { engine, stepSeconds: s.stepSeconds });
  setMarginModel(params, s);
}

/** The risk-based move in standard deviations: the normal quantile of the confidence (var), or scanSigmas (scan). */
function riskSigmas(risk: NonNullable<ScenarioInputs["scenario"]["margin"]["riskBased"]>): number {
  return risk.method === "var" ? normalInv(risk.confidence) : risk.scanSigmas;
}

/** The leverage a risk-based requirement admits: 1 / (2 × the short's loss ratio e^x − 1 at σ_ref); ∞ otherwise. */
function riskBasedMaxLeverage(s: ScenarioInputs["scenario"]): number {
  const risk = s.margin.riskBased;
  if (s.margin.model !== "risk-based" || !risk) return Infinity;
  const sigmas = riskSigmas(risk);
  const vol = s.market.price.volatility;
  const x = sigmas * vol * Math.sqrt(risk.horizonSeconds / SECONDS_PER_YEAR);
  const loss = Math.exp(x) - 1;
  return loss > 0 ? 1 / (2 * loss) : Infinity;
}

/** margin.model: the scan engine's requirement and the volatility estimate it follows; the dynamic initial margin. */
function setMarginModel(params: Float64Array, s: ScenarioInputs["scenario"]): void {
  const m = s.margin;
  params[P.maintenanceAtEntry] = m.maintenanceAt === "entry" ? 1 : 0;
  params[P.marginModel] = m.model ? MARGIN_MODEL[m.model] : MARGIN_MODEL.ladder;
  // dynamic initial margin (0: none). The size premium's maintenance term needs the scan engine (the schema requires
  // a model with it); the requirement ignores it under the ladder, whose static prices could not follow it
  params[P.sizeImf] = m.sizePremium?.imfFactor ?? 0;
  params[P.oiLowerCap] = m.openInterestScaling?.lowerCap ?? 0;
  params[P.oiUpperCap] = m.openInterestScaling?.upperCap ?? 0;
  if (!m.model) return;
  // the schema fills these in for the models that read them; a literal Scenario (tests, the library) may omit them
  const vol = m.volatility ?? MARGIN_MODEL_DEFAULTS.volatility;
  params[P.volLambda] = Math.pow(2, -s.stepSeconds / vol.halfLifeSeconds);
  params[P.volUpdateEvery] = Math.max(1, wholeSteps(vol.updateEverySeconds, s.stepSeconds, "round"));
  const volScaled = m.volScaled ?? MARGIN_MODEL_DEFAULTS.volScaled;
  params[P.volFloor] = volScaled.floor;
  params[P.volCap] = volScaled.cap;
  const risk = m.riskBased ?? MARGIN_MODEL_DEFAULTS.riskBased;
  params[P.riskSigmas] = riskSigmas(risk);
  params[P.riskHorizon] = risk.horizonSeconds / s.stepSeconds;
}

/** The last level of a profile with finite liquidity (0: flat and latent never end). */
export function profileEnd(kind: number, decayTicks: number): number {
  if (kind === PROFILE.exponential) return Math.min(POWER_END, 1 + Math.ceil(decayTicks * 12 * Math.LN10));
  if (kind === PROFILE.power) return POWER_END;
  return 0;
}
const POWER_END = 10_000_000;
/** The largest profile stored whole when it ends (2^20 levels, 8 MiB a side). */
export const STORE_WHOLE = 1 << 20;

/** A delay in seconds as whole steps (SPEC §3: time in seconds), shared with the mechanisms' parameter writers. */
export { wholeSteps };

/**
 * The analytic profile's parameters, which the engines continue the stored window with; returns the level where it
 * ends (0: never). A profile with finite liquidity really ends where its depth per tick is negligible: exponential
 * below 1e-12 of `size`, power past 10^7 ticks (its depth per tick never reaches zero); the window plays no part.
 */
function setProfileParams(depth: ScenarioInputs["scenario"]["market"]["book"]["depth"], params: Float64Array): number {
  params[P.profileKind] = PROFILE[depth.profile];
  params[P.profileSize] = depth.size;
  params[P.profileDecayTicks] = depth.decayTicks;
  params[P.profileExponent] = depth.exponent;
  params[P.profileSaturationTicks] = depth.saturationTicks;
  return profileEnd(PROFILE[depth.profile], depth.decayTicks);
}

/** The stored window of an analytic profile: the same function the engines continue it with past the window. */
function analyticProfiles(inputs: ScenarioInputs, params: Float64Array) {
  const { profile, size, decayTicks, exponent, saturationTicks } = inputs.scenario.market.book.depth;
  let levels = params[P.levels];
  const end = setProfileParams(inputs.scenario.market.book.depth, params);
  params[P.bookEndBid] = end;
  params[P.bookEndAsk] = end;
  // a profile that ends within reach is stored whole (a table read is cheaper than an exp per level past it)
  if (end > levels && end <= STORE_WHOLE) levels = params[P.levels] = end;
  const bidProfile = new Float64Array(levels + 1);
  for (let k = 1; k <= levels; k++)
    bidProfile[k] = profileDepth(PROFILE[profile], size, decayTicks, exponent, saturationTicks, k);
  return { bidProfile, askProfile: bidProfile.slice() };
}

/**
 * A real snapshot keeps its shape relative to the touch: the best bid sits on the fundamental's tick
 * (level 1) and every other level keeps its distance in ticks from it; asks likewise from the best ask.
 */
function snapshotProfiles(inputs: ScenarioInputs, params: Float64Array) {
  const tick = inputs.scenario.market.tickSize;
  const book = inputs.book!;
  const bids = book.filter((l) => l.side === "bid");
  const asks = book.filter((l) => l.side === "ask");
  const bestBid = bids.length > 0 ? Math.max(...bids.map((l) => tickOf(l.price, tick))) : 0;
  const bestAsk = asks.length > 0 ? Math.min(...asks.map((l) => tickOf(l.price, tick))) : 0;
  const bidEnd = bids.length > 0 ? bestBid - Math.min(...bids.map((l) => tickOf(l.price, tick))) + 1 : 0;
  const askEnd = asks.length > 0 ? Math.max(...asks.map((l) => tickOf(l.price, tick))) - bestAsk + 1 : 0;
  // the table holds the whole snapshot, whatever `levels` says (a performance knob never cuts a real book)
  const levels = Math.max(params[P.levels], bidEnd, askEnd);
  params[P.levels] = levels;
  params[P.profileKind] = PROFILE.snapshot;
  const bidProfile = new Float64Array(levels + 1);
  const askProfile = new Float64Array(levels + 1);
  for (const l of bids) bidProfile[bestBid - tickOf(l.price, tick) + 1] += l.qty;
  for (const l of asks) askProfile[tickOf(l.price, tick) - bestAsk + 1] += l.qty;
  // A one-sided snapshot mirrors its side, so that the other side of the book is not empty.
  if (bids.length === 0) bidProfile.set(askProfile);
  if (asks.length === 0) askProfile.set(bidProfile);
  if (inputs.scenario.market.book.snapshotEnds === false) {
    // the scenario says the book goes on: past the snapshot, the `depth` profile at the same distance from the touch
    const end = setProfileParams(inputs.scenario.market.book.depth, params);
    params[P.bookEndBid] = end > 0 ? Math.max(end, levels) : 0;
    params[P.bookEndAsk] = params[P.bookEndBid];
    return { bidProfile, askProfile };
  }
  // the snapshot says nothing beyond its last level: the book really ends there
  params[P.bookEndBid] = bids.length > 0 ? bidEnd : askEnd;
  params[P.bookEndAsk] = asks.length > 0 ? askEnd : bidEnd;
  return { bidProfile, askProfile };
}
