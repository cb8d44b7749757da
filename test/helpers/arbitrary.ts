// fast-check generators of whole scenarios: small enough to run hundreds, wide enough to reach every
// branch of the model (jumps, replay, resample, ADL of both kinds, exhausted books, positions files, accounts.flow).
import fc from "fast-check";
import type { PositionRow, Scenario, ScenarioInputs, Tier } from "../../src/config/scenario.js";
import { BINANCE_TIERS } from "./tiers.js";

const tiersArb: fc.Arbitrary<Tier[]> = fc.oneof(
  fc.constant(BINANCE_TIERS),
  fc.double({ min: 0, max: 0.2, noNaN: true }).map((mmr) => [{ floor: 0, mmr, maintenanceAmount: 0 }]),
);

export const scenarioArb: fc.Arbitrary<ScenarioInputs> = fc
  .record({
    seed: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    steps: fc.integer({ min: 1, max: 30 }),
    stepSeconds: fc.double({ min: 1, max: 86400, noNaN: true }),
    tickSize: fc.constantFrom(0.01, 0.1, 0.5, 1, 5),
    ticksAbove: fc.integer({ min: 400, max: 200000 }),
    model: fc.constantFrom("none", "gbm", "merton", "replay"),
    volatility: fc.double({ min: 0, max: 3, noNaN: true }),
    drift: fc.double({ min: -2, max: 2, noNaN: true }),
    intensity: fc.double({ min: 0, max: 200000, noNaN: true }),
    meanLog: fc.double({ min: -0.1, max: 0.05, noNaN: true }),
    stdLog: fc.double({ min: 0, max: 0.1, noNaN: true }),
    returns: fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: 1, maxLength: 40 }),
    shocks: fc.array(
      fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), ret: fc.double({ min: -0.3, max: 0.2, noNaN: true }) }),
      { maxLength: 3 },
    ),
    levels: fc.integer({ min: 1, max: 300 }),
    profile: fc.constantFrom("latent", "flat", "exponential", "power"),
    saturationTicks: fc.oneof(fc.constant(1), fc.double({ min: 0.5, max: 2000, noNaN: true })),
    size: fc.double({ min: 0.001, max: 5, noNaN: true }),
    decayTicks: fc.double({ min: 0.5, max: 200, noNaN: true }),
    exponent: fc.double({ min: 0, max: 2, noNaN: true }),
    // lasting impact: a half-life in seconds (Infinity: the displacement never decays) and a permanent share
    impactHalfLife: fc.oneof(fc.constant(Infinity), fc.double({ min: 0.5, max: 1e5, noNaN: true })),
    permanentShare: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    mark: fc.constantFrom("last", "mid", "ema", "oracle"),
    oracleLagSteps: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 2 }),
    band: fc.option(fc.double({ min: 0.0001, max: 0.5, noNaN: true }), { freq: 2 }),
    halfLifeSteps: fc.oneof(fc.constant(1), fc.double({ min: 0.1, max: 50, noNaN: true })),
    // liquidity under stress, absent half the time (absent = today's behaviour)
    stress: fc.option(
      fc.record({
        withdrawal: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 20, noNaN: true })),
        floor: fc.option(fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })), { freq: 2 }),
        spreadWidening: fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { freq: 2 }),
      }),
      { freq: 2 },
    ),
    count: fc.integer({ min: 0, max: 300 }),
    longShare: fc.double({ min: 0, max: 1, noNaN: true }),
    levDist: fc.constantFrom("lognormal", "fixed"),
    median: fc.double({ min: 1, max: 80, noNaN: true }),
    sigma: fc.double({ min: 0, max: 1.2, noNaN: true }),
    levMax: fc.double({ min: 1, max: 125, noNaN: true }),
    notDist: fc.constantFrom("pareto", "fixed"),
    notMin: fc.double({ min: 10, max: 10000, noNaN: true }),
    alpha: fc.double({ min: 0.8, max: 3, noNaN: true }),
    tiers: tiersArb,
    feeRate: fc.double({ min: 0, max: 0.05, noNaN: true }),
    maxRounds: fc.integer({ min: 1, max: 50 }),
    insurance: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })),
    adl: fc.constantFrom("none", "pnl-leverage", "random", "hyperliquid", "socialized"),
    // the liquidation engine; partial and backstop also take the `partial` block below
    engine: fc.constantFrom("market", "partial", "partial", "dutch-auction", "backstop", "close-factor"),
    auction: fc.record({
      curve: fc.constantFrom("linear", "stairstep", "exponential"),
      tau: fc.double({ min: 1, max: 1e5, noNaN: true }),
      cut: fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
      stepSeconds: fc.double({ min: 1, max: 1e4, noNaN: true }),
      buf: fc.double({ min: 1, max: 1.5, noNaN: true }),
      tailSeconds: fc.double({ min: 1, max: 1e5, noNaN: true }),
      cusp: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      tip: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1000, noNaN: true })),
      chip: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.01, noNaN: true })),
      capital: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e7, noNaN: true })),
      minProfit: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.05, noNaN: true })),
    }),
    backstop: fc.record({
      fraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
      capital: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e7, noNaN: true })),
      unwind: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
    }),
    closeFactor: fc.record({
      factor: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
      fullHealth: fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 1, noNaN: true })),
      bonus: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.2, noNaN: true })),
      protocolFee: fc.double({ min: 0, max: 1, noNaN: true }),
      minDebt: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e5, noNaN: true })),
    }),
    maintenanceAt: fc.constantFrom(null, "mark", "entry"),
    // margin.model (the scan engine), absent half the time
    marginModel: fc.option(
      fc.record({
        model: fc.constantFrom("tiers", "vol-scaled", "risk-based"),
        halfLifeSteps: fc.double({ min: 0.1, max: 100, noNaN: true }),
        updateEverySteps: fc.integer({ min: 1, max: 10 }),
        floor: fc.double({ min: 0.1, max: 2, noNaN: true }),
        capOver: fc.double({ min: 0, max: 5, noNaN: true }),
        method: fc.constantFrom("var", "scan"),
        confidence: fc.double({ min: 0.51, max: 0.999, noNaN: true }),
        scanSigmas: fc.double({ min: 0.1, max: 6, noNaN: true }),
        horizonSteps: fc.double({ min: 0.1, max: 500, noNaN: true }),
      }),
      { freq: 2 },
    ),
    // dynamic initial margin, each absent half the time: the size premium (only with a model: the schema requires
    // one), its factor relative to the smallest position's size so that it binds on some accounts and not others;
    // open-interest scaling, its caps relative to the smallest notional times the count
    sizePremium: fc.option(fc.double({ min: 0.01, max: 30, noNaN: true }), { freq: 2 }),
    openInterest: fc.option(
      fc.record({
        lowerRel: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1.5, noNaN: true })),
        spanRel: fc.double({ min: 0.01, max: 5, noNaN: true }),
      }),
      { freq: 2 },
    ),
    // a fee schedule, absent half the time
    fee: fc.option(
      fc.oneof(
        fc.record({ kind: fc.constant("flat" as const) }),
        fc.record({
          kind: fc.constant("tiered" as const),
          rates: fc.array(fc.double({ min: 0, max: 0.05, noNaN: true }), { minLength: 1, maxLength: 8 }),
          floorStep: fc.double({ min: 1, max: 1e5, noNaN: true }),
        }),
        fc.record({
          kind: fc.constant("time-ramped" as const),
          max: fc.double({ min: 0, max: 0.2, noNaN: true }),
          graceSeconds: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e4, noNaN: true })),
          increasePerSecond: fc.double({ min: 0, max: 1e-3, noNaN: true }),
        }),
      ),
      { freq: 2 },
    ),
    // the settlement mechanisms, each absent half the time (absent = today's behaviour)
    capNotional: fc.option(fc.double({ min: 1, max: 1e5, noNaN: true }), { freq: 2 }),
    capLoss: fc.option(fc.double({ min: 1, max: 1e4, noNaN: true }), { freq: 2 }),
    insuranceHeadroom: fc.option(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 50, noNaN: true })), { freq: 2 }),
    fundDrawdown: fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { freq: 2 }),
    // the partial engine (Hyperliquid), two times in three; the threshold relative to the smallest notional
    partial: fc.option(
      fc.record({
        thresholdRel: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 30, noNaN: true })),
        fraction: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
        cooldownSteps: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 })),
      }),
      { freq: 3 },
    ),
    // trading during a path (accounts.flow), present one time in three: a close probability per step (1: nearly
    // certain) and a mean of arrivals per step, each absent a third of the time (converted to rates per hour below);
    // drawn as integers, which spread over the range (fast-check's doubles crowd near 0: rates of 1e-300)
    flow: fc.oneof(
      { arbitrary: fc.constant(null), weight: 2 },
      {
        arbitrary: fc.record({
          closeProb: fc.option(
            fc.oneof(
              fc.constant(1),
              fc.integer({ min: 1, max: 500 }).map((i) => i / 1000),
            ),
            { freq: 3 },
          ),
          arrivalsPerStep: fc.option(
            fc.oneof(
              fc.constant(0),
              fc.integer({ min: 1, max: 2000 }).map((i) => i / 100),
            ),
            { freq: 3 },
          ),
        }),
        weight: 1,
      },
    ),
    resample: fc.boolean(),
    useFile: fc.boolean(),
    filePositions: fc.array(
      fc.record({
        long: fc.boolean(),
        size: fc.double({ min: 0.001, max: 50, noNaN: true }),
        entryRel: fc.double({ min: 0.8, max: 1.2, noNaN: true }),
        lev: fc.double({ min: 1, max: 100, noNaN: true }),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  })
  .map((g): ScenarioInputs => {
    const initialPrice = g.tickSize * (g.ticksAbove + g.levels);
    const scenario: Scenario = {
      name: "generated",
      seed: g.seed,
      paths: 4,
      steps: g.steps,
      stepSeconds: g.stepSeconds,
      market: {
        initialPrice,
        tickSize: g.tickSize,
        price: {
          model: g.model as Scenario["market"]["price"]["model"],
          volatility: g.volatility,
          drift: g.drift,
          jumps: { intensity: g.intensity, meanLog: g.meanLog, stdLog: g.stdLog },
          shocks: g.shocks.map((s) => ({ step: 1 + Math.floor(s.at * (g.steps - 1)), return: s.ret })),
        },
        book: {
          levels: g.levels,
          depth: {
            profile: g.profile as "flat",
            size: g.size,
            decayTicks: g.decayTicks,
            exponent: g.exponent,
            saturationTicks: g.saturationTicks,
          },
        },
        impact: { halfLifeSeconds: g.impactHalfLife, permanentShare: g.permanentShare },
        mark: { model: g.mark as "last" },
      },
      accounts: {
        count: g.count,
        longShare: g.longShare,
        leverage: { dist: g.levDist as "fixed", median: g.median, sigma: g.sigma, max: Math.max(g.levMax, g.median) },
        notional: { dist: g.notDist as "fixed", min: g.notMin, alpha: g.alpha, max: g.notMin * 1000 },
        resample: g.resample,
      },
      margin: { mode: "isolated", tiers: g.tiers },
      liquidation: { engine: "market", feeRate: g.feeRate, maxRoundsPerStep: g.maxRounds },
      insurance: { initialBalance: g.insurance },
      adl: { ranking: g.adl as "none" },
    };
    if (g.capNotional !== null || g.capLoss !== null) {
      scenario.liquidation.caps = {};
      if (g.capNotional !== null) scenario.liquidation.caps.notionalPerSecond = g.capNotional / g.stepSeconds;
      if (g.capLoss !== null) scenario.liquidation.caps.insuranceLossPerSecond = g.capLoss / g.stepSeconds;
    }
    // a cap at or a few fees above the initial balance, so that fees do reach it
    if (g.insuranceHeadroom !== null) scenario.insurance.cap = g.insurance + g.insuranceHeadroom;
    if (g.fundDrawdown !== null) scenario.adl.trigger = { fundDrawdown: g.fundDrawdown };
    const engine = g.engine as Scenario["liquidation"]["engine"];
    scenario.liquidation.engine = engine;
    if (g.partial !== null && (engine === "partial" || engine === "backstop")) {
      scenario.liquidation.partial = {
        threshold: g.notMin * g.partial.thresholdRel,
        fraction: g.partial.fraction,
        cooldownSeconds: g.partial.cooldownSteps * g.stepSeconds,
      };
    }
    if (engine === "dutch-auction") {
      const a = g.auction;
      scenario.liquidation.auction = {
        curve: a.curve as "linear",
        tau: a.tau,
        cut: a.cut,
        stepSeconds: a.stepSeconds,
        buf: a.buf,
        tailSeconds: a.tailSeconds,
        cusp: a.cusp,
        tip: a.tip,
        chip: a.chip,
        keepers: { capitalPerSecond: a.capital / g.stepSeconds, minProfit: a.minProfit },
      };
    }
    if (engine === "backstop") {
      scenario.liquidation.backstop = {
        equityFractionOfMaintenance: g.backstop.fraction,
        vaultCapital: g.backstop.capital,
        unwindHalfLifeSeconds: g.backstop.unwind >= 1 ? 1e-9 : -g.stepSeconds / Math.log2(1 - g.backstop.unwind),
      };
    }
    if (engine === "close-factor") {
      const c = g.closeFactor;
      scenario.liquidation.closeFactor = {
        closeFactor: c.factor,
        fullCloseHealthFactor: c.fullHealth,
        bonus: c.bonus,
        protocolFeeOfBonus: c.protocolFee,
        minDebtForCloseFactor: c.minDebt,
      };
    }
    if (g.maintenanceAt !== null) scenario.margin.maintenanceAt = g.maintenanceAt as "entry";
    if (g.marginModel !== null) {
      const m = g.marginModel;
      scenario.margin.model = m.model as "tiers";
      if (m.model !== "tiers")
        scenario.margin.volatility = {
          halfLifeSeconds: m.halfLifeSteps * g.stepSeconds,
          updateEverySeconds: m.updateEverySteps * g.stepSeconds,
        };
      if (m.model === "vol-scaled") scenario.margin.volScaled = { floor: m.floor, cap: m.floor + m.capOver };
      if (m.model === "risk-based")
        scenario.margin.riskBased = {
          method: m.method as "var",
          confidence: m.confidence,
          scanSigmas: m.scanSigmas,
          horizonSeconds: m.horizonSteps * g.stepSeconds,
        };
    }
    if (g.sizePremium !== null && scenario.margin.model !== undefined) {
      scenario.margin.sizePremium = { imfFactor: (0.01 * g.sizePremium) / Math.sqrt(g.notMin / initialPrice) };
    }
    if (g.openInterest !== null) {
      const unit = g.notMin * Math.max(g.count, 1);
      const lowerCap = unit * g.openInterest.lowerRel;
      scenario.margin.openInterestScaling = { lowerCap, upperCap: lowerCap + unit * g.openInterest.spanRel };
    }
    if (g.fee !== null) {
      const f = g.fee;
      if (f.kind === "flat") scenario.liquidation.fee = { kind: "flat" };
      else if (f.kind === "tiered")
        scenario.liquidation.fee = { kind: "tiered", tiers: f.rates.map((rate, j) => ({ floor: j * f.floorStep, rate })) };
      else
        scenario.liquidation.fee = {
          kind: "time-ramped",
          max: f.max,
          graceSeconds: f.graceSeconds,
          increasePerSecond: f.increasePerSecond,
        };
    }
    if (g.flow !== null) {
      // with flow every account may trade, not only the liquidated, and the engines walk a book level by level: a
      // whale on a book a thousandth of a unit deep walks 10^7 levels (to a power law's end), seconds a path in the
      // reference engine. Flow's scenarios keep whales to 20 × min, the depth per level to at least a 2000th of the
      // largest position, and power laws (whose end is 10^7 levels away) to exponential books
      scenario.accounts.notional.max = g.notMin * 20;
      const depth = scenario.market.book.depth;
      depth.size = Math.max(depth.size, Math.max((g.notMin * 20) / initialPrice, g.useFile ? 50 : 0) / 2000);
      if (depth.profile === "power") depth.profile = "exponential";
      scenario.accounts.flow = {};
      // p = 1 − e^(−rate·stepSeconds/3600): a probability of 1 as a rate of 40 per step
      const p = g.flow.closeProb;
      if (p !== null) scenario.accounts.flow.closeRatePerHour = ((p >= 1 ? 40 : -Math.log1p(-p)) * 3600) / g.stepSeconds;
      if (g.flow.arrivalsPerStep !== null)
        scenario.accounts.flow.arrivalsPerHour = (g.flow.arrivalsPerStep * 3600) / g.stepSeconds;
    }
    if (g.mark === "ema") scenario.market.mark.halfLifeSeconds = g.halfLifeSteps * g.stepSeconds;
    if (g.oracleLagSteps !== null) scenario.market.mark.oracleLagSeconds = g.oracleLagSteps * g.stepSeconds;
    if (g.band !== null) scenario.market.mark.band = g.band;
    if (g.stress !== null) {
      scenario.market.book.stress = { withdrawal: g.stress.withdrawal };
      if (g.stress.floor !== null) scenario.market.book.stress.floor = g.stress.floor;
      if (g.stress.spreadWidening !== null) scenario.market.book.stress.spreadWidening = g.stress.spreadWidening;
    }
    const inputs: ScenarioInputs = { scenario };
    if (g.model === "replay") inputs.returns = Float64Array.from(g.returns);
    if (g.useFile) {
      inputs.positions = g.filePositions.map((p, i): PositionRow => {
        const entryPrice = initialPrice * p.entryRel;
        return {
          account: `a${i}`,
          side: p.long ? "long" : "short",
          size: p.size,
          entryPrice,
          collateral: (p.size * entryPrice) / p.lev,
        };
      });
    }
    return inputs;
  });
