// The venue mechanisms of the per-account engine, each by its DEFINING behaviour on a small hand-checkable
// scenario (flat book on a 1-unit tick, price.model none, shocks, an explicit positions file): Maker's Dutch auction
// (curves, redo, keepers of finite capital), Hyperliquid's backstop vault, Aave's close factor, Hyperliquid's ADL
// ranking, socialised loss, tiered and time-ramped fees, and spread widening under stress. Every expected value is
// derived here from the semantics in src/config/scenario.ts (formula or hand computation in a comment), never
// copied from an engine run; each block also checks that the WASM kernel gives the reference's records bit for bit.
import { describe, expect, it } from "vitest";
import type { AuctionSettings, PositionRow, Shock } from "../../src/config/scenario.js";
import { METRIC } from "../../src/engine/metrics.js";
import { firstDifference, runReference, runWasm } from "../helpers/engines.js";
import {
  bestBid,
  expectBitIdentical,
  expectClose,
  flatScenario,
  fundamentalAt,
  midOf,
  observe,
  START,
  TICK,
} from "../helpers/mechanism-scenarios.js";
import { baseScenario } from "../helpers/scenario.js";

const STEP_SECONDS = 60;

const long = (account: string, size: number, entryPrice: number, collateral: number): PositionRow => ({
  account,
  side: "long",
  size,
  entryPrice,
  collateral,
});
const short = (account: string, size: number, entryPrice: number, collateral: number): PositionRow => ({
  account,
  side: "short",
  size,
  entryPrice,
  collateral,
});

// ---------------------------------------------------------------------------------------------------------------
// 1. Dutch auction: the price curves and the redo
// ---------------------------------------------------------------------------------------------------------------

describe("dutch-auction price curves (Maker Clipper abaci) and the redo", () => {
  // One long, 1 unit at 1000 with 100 collateral, mmr 5%: liquidation price (1000 − 100)/0.95 = 947.37. A −20% shock
  // at step 2 (mid 800.5) kicks it; a −5% shock at step 6 (fundamental 760, mid 760.5) moves the mark a redo reads.
  // Keepers have no capital: nothing is ever taken, the book is never touched, so the mark at the start of every
  // step is the untouched book's mid.
  const shocks: Shock[] = [
    { step: 2, return: -0.2 },
    { step: 6, return: -0.05 },
  ];
  const markAt = (t: number) => midOf(fundamentalAt(t, shocks));
  const TIP = 10;
  const CHIP = 0.001;

  function auctionInputs(a: Partial<AuctionSettings>) {
    const inputs = flatScenario({ steps: 30, shocks, positions: [long("a", 1, START, 100)], insurance: 1000 });
    inputs.scenario.liquidation = {
      ...inputs.scenario.liquidation,
      engine: "dutch-auction",
      auction: {
        curve: "linear",
        tau: 600,
        cut: 0.9,
        stepSeconds: 120,
        buf: 1.2,
        tailSeconds: 900,
        cusp: 1e-9,
        tip: TIP,
        chip: CHIP,
        keepers: { capitalPerSecond: 0, minProfit: 0 },
        ...a,
      },
    };
    return inputs;
  }

  /** The curve's share f(elapsed) as scenario.ts defines it. */
  function share(a: AuctionSettings, elapsed: number): number {
    if (a.curve === "linear") return Math.max(0, 1 - elapsed / a.tau);
    if (a.curve === "stairstep") return Math.pow(a.cut, Math.floor(elapsed / a.stepSeconds));
    return Math.pow(a.cut, elapsed);
  }

  /**
   * Replays the auction of account 0 from the kick, event by event, with the contract's rules: elapsed = (step −
   * start) × stepSeconds; a redo (top = mark × buf, elapsed 0, incentive again) once elapsed > tail or f < cusp;
   * price = top × f. Returns the raw elapsed at which each redo fired and the total incentive paid.
   */
  function checkCurve(a: AuctionSettings) {
    const inputs = auctionInputs(a);
    const o = observe(inputs);
    expect(o.auctions.length).toBeGreaterThan(20);
    let start = -1;
    let top = 0;
    const redos: number[] = [];
    let incentive = 0;
    for (const e of o.auctions) {
      expect(e.account).toBe(0);
      expect(e.taken).toBe(0);
      if (start < 0) {
        // the kick: at step 2, in its first round, at the mark of that round
        expect(e.step).toBe(2);
        start = e.step;
        top = markAt(e.step) * a.buf;
        incentive += TIP + CHIP * 1 * markAt(e.step);
      } else {
        const raw = (e.step - start) * STEP_SECONDS;
        if (raw > a.tailSeconds || share(a, raw) < a.cusp) {
          redos.push(raw);
          start = e.step;
          top = markAt(e.step) * a.buf;
          incentive += TIP + CHIP * 1 * markAt(e.step);
        }
      }
      const elapsed = (e.step - start) * STEP_SECONDS;
      expect(e.elapsed, `step ${e.step}`).toBe(elapsed);
      expectClose(e.top, top, `top at step ${e.step}`);
      expectClose(e.price, top * share(a, elapsed), `price at step ${e.step}`);
    }
    // kicked once (counted once), never taken: still open
    expect(o.records[METRIC.liquidations]).toBe(1);
    expect(o.engine.isClosed(0)).toBe(false);
    // the keepers' incentive (tip + chip × size × mark) is paid from the fund at the kick and at every redo
    expectClose(o.records[METRIC.insuranceFinal], 1000 - incentive, "fund after the incentives", 1e-12);
    return { o, redos, inputs };
  }

  it("linear: price = top × max(0, 1 − elapsed/tau) from top = mark × buf, reaching 0 at tau, where f < cusp redoes it", () => {
    const a = auctionInputs({}).scenario.liquidation.auction!;
    const { o, redos } = checkCurve(a);
    // kick at step 2: top = 800.5 × 1.2 = 960.6; at elapsed 540 the price is 960.6 × 0.1; at elapsed 600 = tau the
    // share is exactly 0 < cusp 1e-9, so that round redoes the auction (step 12) at the mark then, 760.5 × 1.2
    const kick = o.auctions[0];
    expectClose(kick.top, 800.5 * 1.2);
    expectClose(kick.price, 960.6);
    const last = o.auctions.filter((e) => e.step === 11)[0];
    expect(last.elapsed).toBe(540);
    expectClose(last.price, 960.6 * (1 - 540 / 600));
    expect(redos[0]).toBe(600);
    const redo = o.auctions.filter((e) => e.step === 12)[0];
    expect(redo.elapsed).toBe(0);
    expectClose(redo.top, 760.5 * 1.2);
    // redone every tau after that: 12, 22
    expect(redos).toEqual([600, 600]);
    // the price falls linearly between redos: equal decrements of top × 60/600 per step
    const between = o.auctions.filter((e) => e.step >= 12 && e.step <= 21);
    for (let k = 1; k < between.length; k++)
      expectClose(between[k - 1].price - between[k].price, 912.6 * 0.1, `drop at ${between[k].step}`, 1e-9);
    expectBitIdentical(auctionInputs(a));
  });

  it("linear, tau just past a step boundary: the price falls to ~0 (top × 0.6/600.6) at the last step before tau", () => {
    const a = { ...auctionInputs({}).scenario.liquidation.auction!, tau: 600.6 };
    const { o, redos } = checkCurve(a);
    // at elapsed 600 (step 12) f = 0.6/600.6 ≈ 0.001: price 960.6 × 0.001 = 0.96; at 660 f = 0 < cusp: redo (step 13)
    const low = o.auctions.find((e) => e.step === 12)!;
    expect(low.elapsed).toBe(600);
    expectClose(low.price, (960.6 * 0.6) / 600.6);
    expect(low.price).toBeLessThan(1);
    expect(redos).toEqual([660, 660]);
    expectBitIdentical(auctionInputs(a));
  });

  it("linear with a long tau: the tail (elapsed > tailSeconds) redoes the auction at the current mark", () => {
    const a = { ...auctionInputs({}).scenario.liquidation.auction!, tau: 6000, tailSeconds: 300 };
    const { redos } = checkCurve(a);
    // elapsed 360 > 300 first: every 6 steps (steps 8, 14, 20, 26)
    expect(redos).toEqual([360, 360, 360, 360]);
    expectBitIdentical(auctionInputs(a));
  });

  it("stairstep: price = top × cut^⌊elapsed/stepSeconds⌋, and f < cusp redoes it", () => {
    const a = {
      ...auctionInputs({}).scenario.liquidation.auction!,
      curve: "stairstep" as const,
      cut: 0.9,
      stepSeconds: 120,
      tailSeconds: 1e6,
      cusp: 0.5,
    };
    const { o, redos } = checkCurve(a);
    // the price holds for two 60 s steps, then drops by cut
    const kick = o.auctions[0];
    const s3 = o.auctions.find((e) => e.step === 3)!;
    const s4 = o.auctions.find((e) => e.step === 4)!;
    expectClose(s3.price, kick.price);
    expectClose(s4.price, kick.price * 0.9);
    // 0.9^6 = 0.531 ≥ 0.5 > 0.9^7 = 0.478: redo at ⌊elapsed/120⌋ = 7, elapsed 840
    expect(redos[0]).toBe(840);
    expectBitIdentical(auctionInputs(a));
  });

  it("exponential: price = top × cut^elapsed (per second); 0.999^e < 0.5 first at e = 720", () => {
    const a = {
      ...auctionInputs({}).scenario.liquidation.auction!,
      curve: "exponential" as const,
      cut: 0.999,
      tailSeconds: 1e6,
      cusp: 0.5,
    };
    const { redos } = checkCurve(a);
    // ln 0.5 / ln 0.999 = 692.8 s: the first multiple of 60 past it is 720
    expect(redos[0]).toBe(720);
    expectBitIdentical(auctionInputs(a));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. Dutch auction: keepers
// ---------------------------------------------------------------------------------------------------------------

describe("dutch-auction keepers (finite capital, minProfit, price impact)", () => {
  const shocks: Shock[] = [{ step: 2, return: -0.2 }];

  function keeperInputs(positions: PositionRow[], capitalPerStep: number, minProfit: number, depth: number, buf: number) {
    const inputs = flatScenario({ steps: 30, shocks, positions, depth, impactHalfLife: Infinity, insurance: 1000 });
    inputs.scenario.liquidation = {
      ...inputs.scenario.liquidation,
      engine: "dutch-auction",
      feeRate: 0.005,
      auction: {
        curve: "linear",
        tau: 3000,
        cut: 0.9,
        stepSeconds: 60,
        buf,
        tailSeconds: 1e6,
        cusp: 1e-9,
        tip: 0,
        chip: 0,
        keepers: { capitalPerSecond: capitalPerStep / 60, minProfit },
      }, // 60 s steps
    };
    return inputs;
  }

  it("finite capital: Σ taken × price in a step never exceeds capitalPerStep; each account closes with its last unit taken", () => {
    // three longs (2, 3, 4 units at 1000, 100 collateral per unit: liquidation price 947.37) all kicked at step 2;
    // the keepers have 1000 a step, about 1.27 units at ~785: nine units take several steps
    const sizes = [2, 3, 4];
    const positions = sizes.map((q, i) => long(`l${i}`, q, START, 100 * q));
    const capital = 1000;
    const inputs = keeperInputs(positions, capital, 0, 1000, 1);
    const o = observe(inputs);
    const spent = new Map<number, number>();
    const taken = [0, 0, 0];
    for (const e of o.auctions) {
      if (e.taken === 0) continue;
      spent.set(e.step, (spent.get(e.step) ?? 0) + e.taken * e.price);
      taken[e.account] += e.taken;
    }
    expect(spent.size, "takes over several steps").toBeGreaterThan(3);
    for (const [step, s] of spent) expect(s, `step ${step}`).toBeLessThanOrEqual(capital * (1 + 1e-9));
    // the capital binds: every step but the last spends all of it
    const steps = [...spent.keys()].sort((x, y) => x - y);
    for (const step of steps.slice(0, -1)) expectClose(spent.get(step)!, capital, `capital spent at step ${step}`, 1e-9);
    // every unit is taken, each take is one liquidation fill at the auction price, and the last closes the account
    for (const [i, q] of sizes.entries()) {
      expectClose(taken[i], q, `units taken from ${i}`);
      expect(o.engine.isClosed(i)).toBe(true);
      const fills = o.liquidations.filter((l) => l.account === i);
      for (const f of fills.slice(0, -1)) expect(f.whole).toBe(false);
      expect(fills[fills.length - 1].whole).toBe(true);
    }
    const takes = o.auctions.filter((e) => e.taken > 0);
    expect(o.liquidations.length).toBe(takes.length);
    for (const [k, e] of takes.entries()) {
      expect(o.liquidations[k].size).toBe(e.taken);
      expectClose(o.liquidations[k].notional, e.taken * e.price);
    }
    // kicked once each
    expect(o.records[METRIC.liquidations]).toBe(3);
    expectBitIdentical(inputs);
  });

  it("ample capital: a lot is taken whole as soon as the keeper's margin allows, and the keeper's trade moves the book", () => {
    for (const minProfit of [0, 0.02]) {
      // long: 5 units at 1000 with 500 collateral (liquidation price 947.4), a −20% shock; the book holds 1 unit
      // a level (tick 1), no decay of impact. Kicked at step 2 at the mark 800.5: top = 800.5 × 1.05 = 840.525, price
      // after k steps top × (1 − 60k/3000), taken once price × (1 + minProfit) ≤ the best bid 800:
      // minProfit 0: k = 3 (806.90 > 800 ≥ 790.09); 2%: k = 4 (790.09 × 1.02 = 805.9 > 800 ≥ 773.28 × 1.02 = 788.7)
      {
        const inputs = keeperInputs([long("a", 5, START, 500)], 1e9, minProfit, 1, 1.05);
        const o = observe(inputs);
        const top = 800.5 * 1.05;
        const bid = bestBid(fundamentalAt(2, shocks)); // 800, untouched until the take
        let k = 0;
        while (top * (1 - (60 * k) / 3000) * (1 + minProfit) > bid) k++;
        expect(k).toBe(minProfit === 0 ? 3 : 4);
        const takes = o.auctions.filter((e) => e.taken > 0);
        expect(takes.length).toBe(1);
        expect(takes[0].elapsed).toBe(60 * k);
        expect(takes[0].step).toBe(2 + k);
        expect(takes[0].taken).toBe(5);
        for (const e of o.auctions.filter((e) => e.step < 2 + k)) expect(e.price * (1 + minProfit)).toBeGreaterThan(bid);
        expect(o.engine.isClosed(0)).toBe(true);
        // the keeper sells 5 units into 1 unit a level: fills at 800 … 796, so the mark (last) falls to 796; the five
        // bid levels stay empty (impact never decays): the mid of the later steps is (795 + 801)/2 = 798
        expect(o.records[METRIC.minPrice]).toBe(796);
        expect(o.records[METRIC.finalPrice]).toBe(798);
        expectBitIdentical(inputs);
      }
      // short (the mirror): 5 units at 1000 with 500 collateral (liquidation price 5500/5.25 = 1047.6), a +10% shock
      // (mid 1100.5): top = 1100.5 / 1.05 = 1048.10, price top / (1 − 60k/3000), taken once the best ask 1101 ×
      // (1 + minProfit) ≤ price: minProfit 0: k = 3 (1091.77 < 1101 ≤ 1115.00); 2%: k = 4 (1115.00 < 1123.02 ≤ 1139.23)
      {
        const up: Shock[] = [{ step: 2, return: 0.1 }];
        const inputs = keeperInputs([short("s", 5, START, 500)], 1e9, minProfit, 1, 1.05);
        inputs.scenario.market.price.shocks = up;
        const o = observe(inputs);
        const top = 1100.5 / 1.05;
        const ask = bestBid(fundamentalAt(2, up)) + TICK; // 1101
        let k = 0;
        while (ask * (1 + minProfit) > top / (1 - (60 * k) / 3000)) k++;
        expect(k).toBe(minProfit === 0 ? 3 : 4);
        const takes = o.auctions.filter((e) => e.taken > 0);
        expect(takes.length).toBe(1);
        expect(takes[0].step).toBe(2 + k);
        expectClose(takes[0].price, top / (1 - (60 * k) / 3000));
        expect(takes[0].taken).toBe(5);
        expect(o.engine.isClosed(0)).toBe(true);
        // the keeper buys 5 units from 1101 … 1105: the later mid is (1100 + 1106)/2 = 1103
        expect(o.records[METRIC.finalPrice]).toBe(1103);
        expectBitIdentical(inputs);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3 & 4. The backstop vault
// ---------------------------------------------------------------------------------------------------------------

describe("backstop vault (Hyperliquid)", () => {
  const FRACTION = 2 / 3;
  const MMR = 0.05;
  // ten one-unit longs at 1000 with collateral 60, 70, …, 150: liquidation price (1000 − c)/0.95, so the −8% shock
  // of step 2 (fundamental 920, mid 920.5) crosses c ≤ 120 (926.3) but not c = 130 (915.8)
  const collaterals = [60, 70, 80, 90, 100, 110, 120, 130, 140, 150];
  const shocks: Shock[] = [{ step: 2, return: -0.08 }];

  function backstopInputs(engine: "backstop" | "market", vaultCapital: number) {
    const inputs = flatScenario({
      steps: 8,
      shocks,
      mmr: MMR,
      positions: collaterals.map((c, i) => long(`l${i}`, 1, START, c)),
      insurance: 0,
    });
    inputs.scenario.liquidation = { ...inputs.scenario.liquidation, engine, feeRate: 0.005 };
    if (engine === "backstop")
      inputs.scenario.liquidation.backstop = { equityFractionOfMaintenance: FRACTION, vaultCapital, unwindHalfLifeSeconds: 60 }; // half a step's inventory per 60 s step
    return inputs;
  }

  it("a vault large enough leaves no bad debt and the fund never pays, where the market engine books bad debt", () => {
    const inputs = backstopInputs("backstop", 1e6);
    const o = observe(inputs);
    const mark = 920.5;
    // at the mark: E = c − 79.5, MM = 0.05 × 920.5 = 46.025, 2/3 of it 30.68: the vault takes c ≤ 110 (six
    // accounts), the book gets c = 120 (E = 40.5 < MM)
    const crossed = collaterals.map((c, i) => ({ c, i })).filter(({ c }) => (START - c) / (1 - MMR) >= mark);
    expect(crossed.map(({ c }) => c)).toEqual([60, 70, 80, 90, 100, 110, 120]);
    const toVault = crossed.filter(({ c }) => c + (mark - START) < FRACTION * MMR * mark).map(({ i }) => i);
    expect(toVault.length).toBe(6);
    for (const e of o.liquidations) {
      expect(e.step).toBe(2);
      const c = collaterals[e.account];
      const equity = c + e.size * (mark - START);
      if (equity < FRACTION * MMR * e.size * mark) {
        // taken over at the mark: the position changes hands at size × mark
        expect(e.notional).toBe(e.size * mark);
      } else {
        // to the book: a market sell into the flat bids at 920
        expect(e.notional).toBe(e.size * 920);
      }
    }
    expect(
      o.liquidations
        .filter((e) => e.notional === e.size * mark)
        .map((e) => e.account)
        .sort(),
    ).toEqual(toVault);
    expect(o.liquidations.length).toBe(7);
    // no bad debt, and the fund only ever receives (the book liquidation's fee 0.005 × 920 = 4.6)
    let before = 0;
    for (const l of o.ledgers) {
      expect(l.badDebt, `step ${l.step}`).toBe(0);
      expect(l.insurance, `step ${l.step}`).toBeGreaterThanOrEqual(before);
      before = l.insurance;
    }
    expectClose(o.records[METRIC.insuranceFinal], 0.005 * 920);
    expect(o.records[METRIC.insuranceMin]).toBe(0);
    // the vault received Σ E = Σ (c − 79.5) over the six, and sold half its 6 units at 920 a step later
    const received = toVault.reduce((s, i) => s + collaterals[i] - 79.5, 0);
    expectClose(o.ledgers[1].vault, 1e6 + received, "vault after the takeovers");

    // who paid (SPEC §4): the two accounts under water at the mark (E = −19.5, −9.5) leave 29 beyond their
    // collateral, and the vault absorbs it — its row shows it, where bad debt stays 0. The vault received Σ E = 33
    // and sells half its 6 units (cost 920.5) at the bid 920 each step from step 3 to 8: 6 × (1 − 2⁻⁶) units, 0.5
    // each below cost. The liquidated lose their collateral (60 + … + 110 = 510) and c = 120 its 80 plus the fee 4.6.
    const r = o.records;
    expectClose(r[METRIC.shortfall], 19.5 + 9.5, "shortfall");
    const unwindLoss = 0.5 * 6 * (1 - 2 ** -6);
    expectClose(r[METRIC.vaultPnl], received - unwindLoss, "vault");
    expectClose(r[METRIC.liquidatedPnl], -510 - 80 - 4.6, "liquidated traders");
    expectClose(r[METRIC.feesPaid], 4.6, "fees");
    expectClose(r[METRIC.fundNet], 4.6, "fund");
    // the makers: the other side of every position closed, at the mark (6 × 79.5 and 80) and the vault's sales
    expectClose(r[METRIC.makersPnl], 6 * 79.5 + 80 + unwindLoss, "makers");
    for (const k of ["adlTransfer", "keepersPnl", "treasury", "badDebt"] as const) expect(r[METRIC[k]], k).toBe(0);

    // the same crash on engine market: c = 60 and 70 fill at 920 below their bankruptcy prices 940 and 930
    const market = observe(backstopInputs("market", 0));
    expectClose(market.records[METRIC.badDebt], 20 + 10, "market bad debt");
    expectBitIdentical(inputs);
  });

  it("with vaultCapital 0 the vault is spent from the start: records bit-identical to engine market", () => {
    const a = runReference(backstopInputs("backstop", 0), 1);
    const b = runReference(backstopInputs("market", 0), 1);
    expect(a[METRIC.badDebt]).toBeGreaterThan(0);
    expect(firstDifference(a, b)).toBe(-1);
    // and on a generated crash with fees and ADL
    const scenario = baseScenario();
    scenario.accounts.count = 1500;
    scenario.market.price.shocks = [{ step: 2, return: -0.08 }];
    scenario.insurance.initialBalance = 1000;
    const market = runReference({ scenario }, 4);
    const backstop = {
      scenario: {
        ...scenario,
        liquidation: {
          ...scenario.liquidation,
          engine: "backstop" as const,
          backstop: { equityFractionOfMaintenance: FRACTION, vaultCapital: 0, unwindHalfLifeSeconds: 186.4 },
        },
      },
    };
    expect(market[METRIC.liquidations]).toBeGreaterThan(0);
    expect(firstDifference(market, runReference(backstop, 4))).toBe(-1);
    for (const build of ["release", "debug"] as const)
      expect(firstDifference(market, runWasm(backstop, 4, build)), build).toBe(-1);
  });

  it("money is conserved with the vault as a bucket: traders + fund + makers + treasury + vault − bad debt", () => {
    const inputs = backstopInputs("backstop", 1e6);
    const o = observe(inputs);
    const initial = collaterals.reduce((s, c) => s + c, 0) + 0 + 1e6;
    for (const l of o.ledgers) {
      const money = l.traders + l.insurance + l.makers + l.treasury + l.vault - l.badDebt;
      expectClose(money, initial, `step ${l.step}`, 1e-12);
    }
    expect(o.ledgers[o.ledgers.length - 1].vault).not.toBe(1e6);
  });

  it("with liquidation.partial, the accounts the vault does not take are sliced: at most fraction × size per cooldown", () => {
    // one big long, 100 units at 1000 with 12,000 collateral (liquidation price 926.3), a −8% shock and then −1%
    // a step: at 920.5 E = 4050, between 2/3 × MM = 3068 and MM = 4602.5, so the book gets it, in slices
    const stepShocks: Shock[] = [
      { step: 2, return: -0.08 },
      ...[3, 4, 5, 6, 7, 8, 9, 10].map((step) => ({ step, return: -0.01 })),
    ];
    const inputs = flatScenario({
      steps: 14,
      shocks: stepShocks,
      mmr: MMR,
      positions: [long("big", 100, START, 12_000)],
      insurance: 10_000,
    });
    const fraction = 0.2;
    const cooldownSteps = 2;
    inputs.scenario.liquidation = {
      ...inputs.scenario.liquidation,
      engine: "backstop",
      feeRate: 0.005,
      partial: { threshold: 10_000, fraction, cooldownSeconds: cooldownSteps * 60 },
      backstop: { equityFractionOfMaintenance: FRACTION, vaultCapital: 1e6, unwindHalfLifeSeconds: Infinity },
    };
    const o = observe(inputs);
    let size = 100;
    let lastSlice = -Infinity;
    let slices = 0;
    for (const e of o.liquidations) {
      if (!e.whole) {
        expect(e.size, `slice at step ${e.step}`).toBe(fraction * size);
        expect(e.step - lastSlice, `slice at step ${e.step}`).toBeGreaterThanOrEqual(cooldownSteps);
        lastSlice = e.step;
        slices++;
      }
      size -= e.size;
    }
    expect(slices, "sliced more than once").toBeGreaterThanOrEqual(2);
    // the cooldown binds: the first slice (20 units at 920, fee 0.005 × 18,400 = 92) leaves 80 units and
    // 12,000 − 1,600 − 92 = 10,308, liquidation price (80,000 − 10,308)/76 = 917.0, across the mark of step 3
    // (fundamental 910.8, mid 910.5), yet nothing is sold in step 3
    expect(o.liquidations[0].step).toBe(2);
    expect((80_000 - 10_308) / 76).toBeGreaterThan(midOf(fundamentalAt(3, stepShocks)));
    expect(o.liquidations.filter((e) => e.step === 3)).toHaveLength(0);
    expectBitIdentical(inputs);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 5. Close factor (Aave v3)
// ---------------------------------------------------------------------------------------------------------------

describe("close-factor (Aave v3)", () => {
  // One long: q = 1 at entry 1000 with c = 250, one tier mmr 0.2: debt = q·e − c = 750, liquidation price
  // (1000 − 250)/0.8 = 937.5. bonus 5%, protocol fee 10% of the bonus, full close at HF ≤ 0.95.
  const Q = 1;
  const E0 = START;
  const C = 250;
  const MMR = 0.2;
  const BONUS = 0.05;
  const PROTOCOL = 0.1;

  function cfInputs(shock: number) {
    const inputs = flatScenario({
      steps: 4,
      shocks: [{ step: 2, return: shock }],
      mmr: MMR,
      positions: [long("a", Q, E0, C)],
      insurance: 1000,
    });
    inputs.scenario.liquidation = {
      ...inputs.scenario.liquidation,
      engine: "close-factor",
      feeRate: 0.005, // not charged: "No other fee"
      closeFactor: {
        closeFactor: 0.5,
        fullCloseHealthFactor: 0.95,
        bonus: BONUS,
        protocolFeeOfBonus: PROTOCOL,
        minDebtForCloseFactor: 0,
      },
    };
    return inputs;
  }

  function expected(mark: number) {
    const debt = Q * E0 - C;
    const equity = C + Q * (mark - E0);
    const mm = Q * mark * MMR;
    const hf = 1 + (equity - mm) / debt;
    const cf = hf > 0.95 ? 0.5 : 1;
    const units = Math.min(Q, (cf * debt * (1 + BONUS)) / mark);
    const price = mark / (1 + BONUS);
    return { debt, hf, cf, units, price, fee: PROTOCOL * units * (mark - price) };
  }

  it("HF > 0.95: half the debt is repaid, the liquidator takes its worth × (1 + bonus) at the mark, the fund gets its share of the bonus", () => {
    // −7%: mark 930.5. E = 250 − 69.5 = 180.5, MM = 186.1, HF = 1 − 5.6/750 = 0.99253 → close factor 0.5;
    // units = 0.5 × 750 × 1.05 / 930.5 = 0.42316 at 930.5/1.05; notional = 375 (the repaid half);
    // protocol fee = 0.1 × units × (mark − price) = 0.1 × 375 × 0.05 = 1.875
    const inputs = cfInputs(-0.07);
    const mark = midOf(fundamentalAt(2, [{ step: 2, return: -0.07 }]));
    expect(mark).toBe(930.5);
    const x = expected(mark);
    expectClose(x.hf, 1 - 5.6 / 750, "HF", 1e-12);
    expect(x.cf).toBe(0.5);
    const o = observe(inputs);
    expect(o.liquidations.length).toBe(1);
    const ev = o.liquidations[0];
    expect(ev.step).toBe(2);
    expectClose(ev.size, x.units, "units");
    expectClose(ev.notional, 375, "notional = repaid debt");
    expectClose(ev.notional, x.units * x.price, "notional = units × mark/(1 + bonus)");
    expect(ev.whole).toBe(false);
    // the fund's only income is the protocol's share of the bonus (no liquidation fee)
    expectClose(o.ledgers[1].insurance - o.ledgers[0].insurance, 1.875, "protocol fee", 1e-12);
    expectClose(o.ledgers[1].insurance - 1000, x.fee, "protocol fee = 0.1 × units × (mark − price)", 1e-12);
    // it stays open with the rest; the debt left is half: (q − units)·e − (c + pnl) = 375
    expect(o.engine.isClosed(0)).toBe(false);
    const pos = o.engine.position(0);
    expectClose(pos.size, Q - x.units, "size left");
    expectClose(pos.size * E0 - pos.collateral, 375, "debt left", 1e-12);
    expectBitIdentical(inputs);
  });

  it("HF ≤ 0.95: the whole debt is repaid in one liquidation", () => {
    // −12%: mark 880.5. E = 130.5, MM = 176.1, HF = 1 − 45.6/750 = 0.9392 ≤ 0.95 → close factor 1;
    // units = 750 × 1.05 / 880.5 = 0.89438 < 1; notional = 750; protocol fee = 0.1 × 750 × 0.05 = 3.75
    const shocks: Shock[] = [{ step: 2, return: -0.12 }];
    const inputs = cfInputs(-0.12);
    const mark = midOf(fundamentalAt(2, shocks));
    expect(mark).toBe(880.5);
    const x = expected(mark);
    expect(x.hf).toBeLessThanOrEqual(0.95);
    expect(x.cf).toBe(1);
    expect(x.units).toBeLessThan(Q);
    const o = observe(inputs);
    expect(o.liquidations.length).toBe(1);
    const ev = o.liquidations[0];
    expectClose(ev.size, x.units, "units");
    expectClose(ev.notional, 750, "the whole debt");
    expectClose(o.ledgers[1].insurance - 1000, 3.75, "protocol fee", 1e-12);
    const pos = o.engine.position(0);
    expect(o.engine.isClosed(0)).toBe(false);
    expect(Math.abs(pos.size * E0 - pos.collateral), "no debt left").toBeLessThan(1e-9);
    expectBitIdentical(inputs);
  });

  it("a short (debt = q·mark): closeFactor × q units bought back at mark × (1 + bonus), the fund gets its share of the bonus", () => {
    // 1 unit short at 1000 with c = 260, mmr 0.2: liquidation price (260 + 1000)/1.2 = 1050. +7%: mark 1070.5.
    // E = 260 − 70.5 = 189.5, MM = 214.1, debt = 1070.5, HF = 1 − 24.6/1070.5 = 0.97702 → close factor 0.5.
    // Aave's reading for a borrowed asset: the liquidator repays half the debt, 0.5 units, and seizes its value
    // × (1 + bonus): the account closes 0.5 units at 1070.5 × 1.05 = 1124.025 (notional 562.0125 = 0.5 × debt ×
    // 1.05); protocol fee = 0.1 × 0.5 × (1124.025 − 1070.5) = 2.67625 = 0.1 × 0.5 × debt × bonus.
    const shocks: Shock[] = [{ step: 2, return: 0.07 }];
    const inputs = flatScenario({ steps: 4, shocks, mmr: MMR, positions: [short("s", 1, E0, 260)], insurance: 1000 });
    inputs.scenario.liquidation = { ...cfInputs(0.07).scenario.liquidation };
    const mark = midOf(fundamentalAt(2, shocks));
    expect(mark).toBe(1070.5);
    const debt = 1 * mark;
    const equity = 260 + 1 * (E0 - mark);
    const hf = 1 + (equity - mark * MMR) / debt;
    expect(hf).toBeGreaterThan(0.95);
    const o = observe(inputs);
    expect(o.liquidations.length).toBe(1);
    const ev = o.liquidations[0];
    expect(ev.side).toBe(-1);
    expectClose(ev.size, 0.5, "units = closeFactor × q");
    expectClose(ev.notional, 0.5 * mark * (1 + BONUS), "notional = units × mark × (1 + bonus)");
    expectClose(o.ledgers[1].insurance - 1000, PROTOCOL * 0.5 * debt * BONUS, "protocol fee", 1e-12);
    expect(o.engine.isClosed(0)).toBe(false);
    // the rest: 0.5 units, collateral 260 − (562.0125 − 500) = 197.9875, liquidation price (197.9875 + 500)/0.6 = 1163.3
    expectClose(o.engine.position(0).collateral, 197.9875, "collateral left");
    expectClose(o.engine.position(0).liquidationPrice, (197.9875 + 500) / 0.6, "liquidation price recomputed", 1e-9);
    expectBitIdentical(inputs);
  });
  it("the account's whole collateral backs its repayments: each costs it the bonus, and it is closed whole within a few rounds", () => {
    // A 10x long (q = 1 at 1000, c = 100, mmr 0.004) just under maintenance after a −9.7% shock: mark 903.5,
    // E = 3.5, MM = 3.614, debt 900, HF = 0.99987 → half the debt repaid at a 5% bonus. Each repayment costs the
    // account bonus × repaid of equity while the debt halves, so HF falls round after round until it is ≤ 0.95
    // and the rest is repaid whole. The recurrence below computes it (the first round at the step's mid, the later
    // ones at the last trade, the best bid 903: the liquidator's sales of < 1 unit do not empty a 1000-unit level).
    // Backed only pro rata, the first repayment would have left a copy at the same HF, repaid every round up to
    // maxRoundsPerStep.
    const shocks: Shock[] = [{ step: 2, return: -0.097 }];
    const inputs = flatScenario({ steps: 3, shocks, mmr: 0.004, positions: [long("a", 1, E0, 100)], insurance: 1000 });
    inputs.scenario.liquidation = { ...cfInputs(-0.097).scenario.liquidation, maxRoundsPerStep: 1000 };
    expect(midOf(fundamentalAt(2, shocks))).toBe(903.5);
    const expectedNotionals: number[] = [];
    let q = 1;
    let c = 100;
    for (let round = 0; round < 10 && q > 0; round++) {
      const mark = round === 0 ? 903.5 : 903;
      const debt = q * E0 - c;
      const hf = 1 + (c + q * (mark - E0) - q * mark * 0.004) / debt;
      const cf = hf <= 0.95 ? 1 : 0.5;
      const units = Math.min(q, (cf * debt * (1 + BONUS)) / mark);
      const price = mark / (1 + BONUS);
      expectedNotionals.push(units * price);
      c += units * (price - E0);
      q -= units;
      if (units === 0 || q <= 0) break;
    }
    expect(expectedNotionals.length).toBe(3); // half, half of the rest, then the rest whole
    const o = observe(inputs);
    expect(o.liquidations.map((l) => l.whole)).toEqual([false, false, true]);
    o.liquidations.forEach((l, k) => expectClose(l.notional, expectedNotionals[k], `repayment ${k + 1}`, 1e-9));
    expect(o.engine.isClosed(0)).toBe(true);
    expectBitIdentical(inputs);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 6 & 7. ADL rankings and socialised loss
// ---------------------------------------------------------------------------------------------------------------

/**
 * One losing account of side −s (30 units at 1000) liquidated on a ±20% shock at step 2 into a deep flat book, mmr 0,
 * fee 0, fund 0: its collateral is set so that its deficit is `deficit` = 30 × |fill − 1000| − c; and profitable
 * accounts of side s with distinct entries and collaterals, none of them across its liquidation price (entry ∓ c/q
 * with mmr 0) at any mark of the path. Returns the inputs, the mark the deficit is shared at (the mid of step 2,
 * 800.5 or 1200.5) and the winners with their profits at that mark.
 */
function deficitScenario(side: "short" | "long", deficit: number, ranking: "hyperliquid" | "pnl-leverage" | "socialized") {
  const up = side === "long"; // profitable longs need a rise: the loser is a short
  const shocks: Shock[] = [{ step: 2, return: up ? 0.2 : -0.2 }];
  const f = fundamentalAt(2, shocks);
  const mark = midOf(f);
  const fill = up ? bestBid(f) + TICK : bestBid(f); // the best ask (1201) or the best bid (800), never exhausted
  const LOSER = 30;
  const loserCollateral = LOSER * Math.abs(fill - START) - deficit;
  // [size, entry, collateral]
  const rows: [number, number, number][] = up
    ? [
        [1, 1000, 100],
        [2, 1050, 500],
        [0.5, 900, 50],
        [3, 1100, 1000],
        [1, 950, 30],
        [4, 1150, 800],
        [1.5, 1020, 120],
        [2, 980, 900],
      ]
    : [
        [1, 1000, 100],
        [2, 950, 500],
        [0.5, 1100, 50],
        [3, 900, 1000],
        [1, 1050, 30],
        [4, 850, 800],
        [1.5, 980, 120],
        [2, 1020, 900],
      ];
  const positions: PositionRow[] = [
    up ? short("loser", LOSER, START, loserCollateral) : long("loser", LOSER, START, loserCollateral),
  ];
  for (const [k, [q, e, c]] of rows.entries()) positions.push(up ? long(`w${k}`, q, e, c) : short(`w${k}`, q, e, c));
  const inputs = flatScenario({ steps: 4, shocks, mmr: 0, positions, insurance: 0 });
  inputs.scenario.adl = { ranking };
  const s = up ? 1 : -1;
  const winners = rows.map(([q, e, c], k) => ({ account: k + 1, q, e, c, profit: s * q * (mark - e) }));
  return { inputs, mark, winners };
}

describe("ADL rankings: hyperliquid and pnl-leverage close exactly the top k", () => {
  type Winner = ReturnType<typeof deficitScenario>["winners"][number];
  /** Hyperliquid: (mark/entry) × notional / account value for longs, (entry/mark) × … for shorts. */
  const hyperliquid = (w: Winner, mark: number, s: number) =>
    (s > 0 ? mark / w.e : w.e / mark) * ((w.q * mark) / (w.c + w.profit));
  /** Binance: PnL% × effective leverage. */
  const pnlLeverage = (w: Winner, mark: number) => (w.profit / w.c) * ((w.q * mark) / (w.c + w.profit));

  /** The ranking order: best score first, ties by account index. */
  const ranked = (winners: Winner[], score: (w: Winner) => number) =>
    [...winners].sort((a, b) => score(b) - score(a) || a.account - b.account);

  for (const side of ["short", "long"] as const) {
    it(`${side}s: ADL closes the bankrupt remainder size for size down each ranking's order, the last one partly`, () => {
      const DEFICIT = 800;
      const s = side === "long" ? 1 : -1;
      const closed: Record<string, number[]> = {};
      for (const ranking of ["hyperliquid", "pnl-leverage"] as const) {
        const { inputs, mark, winners } = deficitScenario(side, DEFICIT, ranking);
        for (const w of winners) expect(w.profit, `winner ${w.account}`).toBeGreaterThan(0);
        const order = ranked(winners, (w) => (ranking === "hyperliquid" ? hyperliquid(w, mark, s) : pnlLeverage(w, mark)));
        const o = observe(inputs);
        expect(
          o.liquidations.map((e) => [e.account, e.step]),
          "only the loser is liquidated, at step 2",
        ).toEqual([[0, 2]]);
        const remainder = o.liquidations[0].remainder ?? 0;
        expect(remainder, "the fund is empty: the book takes only what fills at or better than bankruptcy").toBeGreaterThan(0);
        // the ADL'd accounts are a prefix of the ranking, each closed whole but the last
        const hit = o.adl.map((e) => e.account);
        expect(hit, ranking).toEqual(order.slice(0, hit.length).map((w) => w.account));
        for (const [k, e] of o.adl.entries())
          expect(e.whole, `closure ${k}`).toBe(k < o.adl.length - 1 || e.size === winners[e.account - 1].q);
        // size for size: exactly the uncovered bankrupt size, at the bankruptcy price
        // (the winners hold less than the remainder here: what none of them takes is closed at the mark, its shortfall bad debt)
        const matched = Math.min(
          remainder,
          winners.reduce((a, w) => a + w.q, 0),
        );
        expect(o.adl.reduce((a, e) => a + e.size, 0)).toBeCloseTo(matched, 12);
        for (const e of o.adl) expect(e.bankrupt).toBe(0);
        expect(hit.length, "several accounts take the remainder").toBeGreaterThanOrEqual(2);
        expect(o.records[METRIC.adlCount]).toBe(o.adl.length);
        expect(o.records[METRIC.badDebt] > 0, "bad debt only for what ADL could not place").toBe(matched < remainder);
        closed[ranking] = hit;
        expectBitIdentical(inputs);
      }
      expect(closed.hyperliquid, "the two rankings pick different accounts here").not.toEqual(closed["pnl-leverage"]);
    });
  }
});

describe("socialised loss (adl.ranking socialized)", () => {
  for (const [label, deficit] of [
    ["a deficit below Σ profits", 800],
    ["a deficit above Σ profits", 3000],
  ] as const) {
    it(`${label}: Σ haircuts = min(deficit, Σ profits), each pro rata to profit; accounts stay open, no ADL`, () => {
      const { inputs, mark, winners } = deficitScenario("short", deficit, "socialized");
      const o = observe(inputs);
      expect(o.socialized.length).toBe(1);
      const ev = o.socialized[0];
      expect(ev.step).toBe(2);
      // the loser's 30 units fill at 800: deficit = 30 × 200 − c
      expectClose(ev.deficit, deficit, "deficit");
      const total = winners.reduce((a, w) => a + w.profit, 0); // q (e − 800.5) each
      const take = Math.min(deficit, total);
      expect(ev.haircuts.map((h) => h.account)).toEqual(winners.map((w) => w.account));
      expectClose(
        ev.haircuts.reduce((a, h) => a + h.haircut, 0),
        take,
        "Σ haircuts",
      );
      for (const w of winners) {
        const h = ev.haircuts.find((x) => x.account === w.account)!;
        expectClose(h.profit, w.profit, `profit of ${w.account}`);
        expectClose(h.haircut, take * (w.profit / total), `haircut of ${w.account}`);
        expect(o.engine.isClosed(w.account)).toBe(false);
        expectClose(o.engine.position(w.account).collateral, w.c - h.haircut, `collateral of ${w.account}`);
      }
      expect(mark).toBe(800.5);
      expect(o.records[METRIC.adlCount]).toBe(0);
      expectClose(o.records[METRIC.badDebt], deficit - take, "bad debt: what the profits could not cover", 1e-12);
      // covered in full means no bad debt at all: not the rounding of the haircuts' sum (P(badDebt) counts > 0)
      if (deficit < total) expect(o.records[METRIC.badDebt]).toBe(0);
      // who paid: the loser loses its whole collateral, the haircut traders pay `take` of what is beyond it, bad debt the rest
      const loserCollateral = inputs.positions![0].collateral;
      expectClose(o.records[METRIC.liquidatedPnl], -loserCollateral, "liquidated traders");
      expectClose(o.records[METRIC.shortfall], deficit, "shortfall", 1e-12);
      expectClose(o.records[METRIC.adlTransfer], take, "what the haircut traders gave up", 1e-12);
      expectBitIdentical(inputs);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// 8. Fee schedules
// ---------------------------------------------------------------------------------------------------------------

describe("liquidation fee schedules", () => {
  it("tiered: the fund gains Σ rate(tier of notional) × notional over whole liquidations with known fills", () => {
    // longs at 1000 with 250 collateral a unit, mmr 0.1: liquidation price 750/0.9 = 833.3, crossed by the −20%
    // shock (mid 800.5); all sell in the first round into a book of 1000 a level at 800. Notionals 800 q:
    // 800 (tier 0: 1%), 2000 (exactly the 2000 floor: 0.5%), 2400 (0.5%), 5000 (exactly 5000: 0.2%), 8000 (0.2%).
    // Each keeps 50 a unit after the fill, more than its fee.
    const sizes = [1, 2.5, 3, 6.25, 10];
    const tiers = [
      { floor: 0, rate: 0.01 },
      { floor: 2000, rate: 0.005 },
      { floor: 5000, rate: 0.002 },
    ];
    const inputs = flatScenario({
      steps: 3,
      shocks: [{ step: 2, return: -0.2 }],
      mmr: 0.1,
      positions: sizes.map((q, i) => long(`l${i}`, q, START, 250 * q)),
      insurance: 100,
    });
    inputs.scenario.liquidation = { ...inputs.scenario.liquidation, feeRate: 0.05, fee: { kind: "tiered", tiers } };
    const o = observe(inputs);
    const rate = (n: number) => [...tiers].reverse().find((t) => t.floor <= n)!.rate;
    const fees = sizes.map((q) => rate(800 * q) * 800 * q);
    for (const [i, f] of [8, 10, 12, 10, 16].entries()) expectClose(fees[i], f, `fee ${i}`);
    // 0.01 × 800 + 0.005 × 2000 + 0.005 × 2400 + 0.002 × 5000 + 0.002 × 8000 = 8 + 10 + 12 + 10 + 16 = 56
    expectClose(
      fees.reduce((a, b) => a + b, 0),
      56,
    );
    // (accounts with equal liquidation prices up to rounding: compare the fills as a set)
    expect(o.liquidations.map((e) => e.notional).sort((a, b) => a - b)).toEqual(sizes.map((q) => 800 * q));
    for (const e of o.liquidations) expect(e.step).toBe(2);
    expectClose(o.records[METRIC.insuranceFinal] - 100, 56, "fund gain");
    expectBitIdentical(inputs);
  });

  it("time-ramped (Drift) with the partial engine: the k-th slice pays min(max, feeRate + increasePerSecond × max(0, k·stepSeconds − grace))", () => {
    // one long of 100 units at 1000 with 21,150 collateral, mmr 0.1 (liquidation price 876.1), a −20% shock: sliced
    // 20% a step (cooldown 1) into a book of 1000 a level at 800, while it stays across its liquidation price
    const feeRate = 0.001;
    const ramp = { kind: "time-ramped" as const, max: 0.004, graceSeconds: 90, increasePerSecond: 1e-5 };
    const inputs = flatScenario({
      steps: 30,
      shocks: [{ step: 2, return: -0.2 }],
      mmr: 0.1,
      positions: [long("big", 100, START, 21_150)],
      insurance: 100,
    });
    inputs.scenario.liquidation = {
      ...inputs.scenario.liquidation,
      engine: "partial",
      feeRate,
      fee: ramp,
      partial: { threshold: 1000, fraction: 0.2, cooldownSeconds: 60 },
    };
    const o = observe(inputs);
    const mark = 800.5;
    const fill = 800;
    // the model, slice by slice: fee = min(rate_k × notional, what the slice leaves above bankruptcy)
    let q = 100;
    let c = 21_150;
    const expectedFees: number[] = [];
    for (let k = 0; (q * START - c) / (0.9 * q) >= mark && q * mark > 1000; k++) {
      const rate = Math.min(ramp.max, feeRate + ramp.increasePerSecond * Math.max(0, k * STEP_SECONDS - ramp.graceSeconds));
      const qs = 0.2 * q;
      const notional = qs * fill;
      const pnl = notional - qs * START;
      const remaining = 0.2 * c + pnl;
      expect(remaining).toBeGreaterThan(rate * notional); // the fee is not capped by the slice's margin here
      expectedFees.push(rate * notional);
      c = c + pnl - rate * notional;
      q = q - qs;
    }
    // rates 0.001, 0.001, 0.0013, 0.0019, 0.0025, 0.0031, 0.0037, then the 0.004 cap
    expect(expectedFees.length).toBeGreaterThanOrEqual(8);
    const slices = o.liquidations;
    expect(slices.length).toBe(expectedFees.length);
    for (const [k, e] of slices.entries()) {
      expect(e.step).toBe(2 + k);
      expect(e.whole).toBe(false);
      const gain = o.ledgers[e.step - 1].insurance - o.ledgers[e.step - 2].insurance;
      expectClose(gain, expectedFees[k], `fee of slice ${k}`, 1e-9);
    }
    expectClose(o.engine.position(0).collateral, c, "collateral left", 1e-9);
    expectBitIdentical(inputs);
  });
});

describe("liquidation fee schedules on auction takes", () => {
  it("time-ramped on a dutch auction: each take pays the rate of its elapsed time since the kick, on its auction notional", () => {
    // one long, 10 units at 1000 with 2,390 collateral (liquidation price 761/0.95 = 801.1 ≥ 800.5): kicked at step 2,
    // top 800.5 (buf 1), tau 30,000 s: from step 3 the price (≤ 798.9) is under the bid 800 and the keepers buy
    // 1000 of it a step. Every take leaves > 20 a unit above bankruptcy, more than its fee (≤ 0.004 × 1000).
    const feeRate = 0.001;
    const ramp = { kind: "time-ramped" as const, max: 0.004, graceSeconds: 90, increasePerSecond: 1e-5 };
    const inputs = flatScenario({
      steps: 20,
      shocks: [{ step: 2, return: -0.2 }],
      positions: [long("a", 10, START, 2390)],
      impactHalfLife: Infinity,
      insurance: 1000,
    });
    inputs.scenario.liquidation = {
      ...inputs.scenario.liquidation,
      engine: "dutch-auction",
      feeRate,
      fee: ramp,
      auction: {
        curve: "linear",
        tau: 30_000,
        cut: 0.9,
        stepSeconds: 60,
        buf: 1,
        tailSeconds: 1e6,
        cusp: 1e-9,
        tip: 0,
        chip: 0,
        keepers: { capitalPerSecond: 1000 / 60, minProfit: 0 },
      },
    };
    const o = observe(inputs);
    expect(o.liquidations.length).toBeGreaterThanOrEqual(8);
    for (const e of o.liquidations) {
      // elapsed since the first liquidation (the kick at step 2)
      const rate = Math.min(
        ramp.max,
        feeRate + ramp.increasePerSecond * Math.max(0, (e.step - 2) * STEP_SECONDS - ramp.graceSeconds),
      );
      const gain = o.ledgers[e.step - 1].insurance - o.ledgers[e.step - 2].insurance;
      expect(Math.abs(gain - rate * e.notional), `step ${e.step}: ${gain} vs ${rate * e.notional}`).toBeLessThan(1e-9);
    }
    // the ramp reaches its cap: rates 0.001, 0.0013, 0.0019, 0.0025, 0.0031, 0.0037, then 0.004
    expect(o.liquidations.some((e) => e.step - 2 >= 7)).toBe(true);
    expect(o.engine.isClosed(0)).toBe(true);
    expectBitIdentical(inputs);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 9. Spread widening under stress
// ---------------------------------------------------------------------------------------------------------------

describe("spread widening (market.book.stress.spreadWidening)", () => {
  // A −10% shock at step 2 (mark 900.5, peak 1000.5: drawdown D = 100/1000.5 = 0.09995 as step 3 starts), then a
  // second move at step 3 liquidates one account. With w = 50 the sides step back ⌊50 × 0.09995⌋ = 4 ticks.
  const W = 50;
  const D = (1000.5 - 900.5) / 1000.5;
  const G = Math.floor(W * D);

  function stressInputs(side: "long" | "short", widening: number | undefined) {
    // long: −5% at step 3 (fundamental 855, mid 855.5), 1 unit at 1000 with 180 collateral: liquidation price
    //   820/0.95 = 863.2, crossed at step 3 only; it sells 1 unit at the best bid 855 (− g).
    // short: +15% at step 3 (fundamental 1035, mid 1035.5), 1 unit at 1000 with 80 collateral: liquidation price
    //   1080/1.05 = 1028.6, crossed at step 3 only; it buys 1 unit at the best ask 1036 (+ g).
    const shocks: Shock[] = [
      { step: 2, return: -0.1 },
      { step: 3, return: side === "long" ? -0.05 : 0.15 },
    ];
    const positions = [side === "long" ? long("a", 1, START, 180) : short("a", 1, START, 80)];
    const inputs = flatScenario({ steps: 5, shocks, positions, insurance: 100 });
    if (widening !== undefined) inputs.scenario.market.book.stress = { withdrawal: 0, spreadWidening: widening };
    return { inputs, shocks };
  }

  for (const side of ["long", "short"] as const) {
    it(`a ${side}'s liquidation fill is ⌊w·D⌋ = ${G} ticks worse with widening; the mid at step start is unchanged`, () => {
      expect(G).toBe(4);
      const plain = observe(stressInputs(side, undefined).inputs);
      const { inputs, shocks } = stressInputs(side, W);
      const wide = observe(inputs);
      expect(plain.liquidations.length).toBe(1);
      expect(wide.liquidations.length).toBe(1);
      const f = fundamentalAt(3, shocks);
      const touch = side === "long" ? bestBid(f) : bestBid(f) + TICK;
      const s = side === "long" ? -1 : 1;
      for (const o of [plain, wide]) expect(o.liquidations[0].step).toBe(3);
      // one unit into a level of 1000: the whole fill is the first fill
      expect(plain.liquidations[0].notional).toBe(touch);
      expect(wide.liquidations[0].notional).toBe(touch + s * G * TICK);
      // the mid (the `last` mark as every step starts) is the untouched book's: the last step has no rounds, so its
      // mark is that mid, the same with and without widening
      const mid = midOf(fundamentalAt(5, shocks));
      expect(plain.records[METRIC.finalPrice]).toBe(mid);
      expect(wide.records[METRIC.finalPrice]).toBe(mid);
      // with w = 0 the key changes nothing
      expect(firstDifference(runReference(stressInputs(side, 0).inputs, 1), plain.records)).toBe(-1);
      expectBitIdentical(inputs);
    });
  }
});
