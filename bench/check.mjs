// Bit-identity check: WasmEngine vs ReferenceEngine, every record field compared with Object.is.
// `node bench/check.mjs [paths]` after `npm run build`. Exit code 1 on any difference.
import { buildSetup } from "../dist/engine/setup.js";
import { ReferenceEngine } from "../dist/engine/reference.js";
import { WasmEngine } from "../dist/kernel/wasm-engine.js";
import { RECORD_STRIDE } from "../dist/engine/metrics.js";
import { CHECK_VARIANTS, referenceScenario, variant } from "./scenario.mjs";

const paths = Number(process.argv[2] ?? 12);

/** The reference population with entries spread ±6% (a positions file): the ADL bound's general case. */
function spreadEntries(scenario) {
  const setup = buildSetup({ scenario });
  const ref = new ReferenceEngine(setup);
  ref.prepare(42, 0);
  const pop = ref.population;
  const entry = Float64Array.from(pop.entry, (e, i) => e * (1 + 0.06 * Math.sin(i * 12.9898)));
  setup.accounts = { isLong: pop.isLong.slice(), size: pop.size.slice(), entry, collateral: pop.collateral.slice() };
  setup.params[24] = 1; // accountsFromFile
  return setup;
}

/** @type {[string, () => import("../dist/engine/setup.js").EngineSetup][]} */
const cases = Object.entries(CHECK_VARIANTS).map(([name, make]) => [name, () => buildSetup({ scenario: make() })]);
cases.push(["positions with spread entries (ADL bound, general case)", () => spreadEntries(referenceScenario())]);
/** A case's setup: the reference scenario with `edit` applied (bench/scenario.mjs's variant). */
const edited = (edit) => () => buildSetup({ scenario: variant(edit) });
cases.push([
  "positions with spread entries, small fund, mark mid",
  () =>
    spreadEntries(
      variant((s) => {
        s.insurance = { initialBalance: 10 };
        s.market.mark = { model: "mid" };
      }),
    ),
]);
// the settlement mechanisms (not in CHECK_VARIANTS: the C port has none of them)
cases.push([
  "ADL after the cascade (pnl-leverage, bankruptcy price)",
  edited((s) => {
    s.adl = { ranking: "pnl-leverage" };
  }),
]);
cases.push([
  "ADL after the cascade at the mark, spread entries",
  () =>
    spreadEntries(
      variant((s) => {
        s.insurance = { initialBalance: 10 };
        s.adl = { ranking: "pnl-leverage", price: "mark" };
      }),
    ),
]);
cases.push([
  "per-step caps, fund cap, drawdown ADL trigger",
  edited((s) => {
    s.liquidation.caps = { notionalPerSecond: 2e6 / 60, insuranceLossPerSecond: 5e4 / 60 };
    s.insurance = { initialBalance: 100000, cap: 101000 };
    s.adl = { ranking: "pnl-leverage", trigger: { fundDrawdown: 0.25 } };
  }),
]);
// liquidity under stress and the ema mark (not in CHECK_VARIANTS: the C port has neither)
cases.push([
  "book stress (withdrawal 5, floor 0.2)",
  edited((s) => {
    s.market.book.stress = { withdrawal: 5, floor: 0.2 };
  }),
]);
// the partial liquidation engine (not in CHECK_VARIANTS: the C port has none)
cases.push([
  "partial engine (threshold 50k, 20%, cooldown 2)",
  edited((s) => {
    s.liquidation.engine = "partial";
    s.liquidation.partial = { threshold: 50000, fraction: 0.2, cooldownSeconds: 120 };
  }),
]);
cases.push([
  "partial engine (threshold 10k, 30%, cooldown 0), small fund, random ADL",
  edited((s) => {
    s.liquidation.engine = "partial";
    s.liquidation.partial = { threshold: 10000, fraction: 0.3, cooldownSeconds: 0 };
    s.insurance = { initialBalance: 10 };
    s.adl = { ranking: "random" };
  }),
]);
cases.push([
  "mark ema (half-life 3 steps), book stress",
  edited((s) => {
    s.market.mark = { model: "ema", halfLifeSeconds: 180 };
    s.market.book.stress = { withdrawal: 2 };
  }),
]);
const withLiquidation = (liquidation) =>
  edited((s) => {
    Object.assign(s.liquidation, liquidation);
    s.insurance = { initialBalance: 1e5 };
  });
cases.push([
  "dutch-auction (stairstep, keepers 2M per step)",
  withLiquidation({
    engine: "dutch-auction",
    auction: {
      curve: "stairstep",
      tau: 3600,
      cut: 0.99,
      stepSeconds: 60,
      buf: 1.2,
      tailSeconds: 5400,
      cusp: 0.4,
      tip: 300,
      chip: 0.001,
      keepers: { capitalPerSecond: 2e6 / 60, minProfit: 0.01 },
    },
  }),
]);
cases.push([
  "backstop vault (5M, 2/3 of maintenance), 20% slices",
  withLiquidation({
    engine: "backstop",
    backstop: { equityFractionOfMaintenance: 2 / 3, vaultCapital: 5e6, unwindHalfLifeSeconds: 394.7 },
    partial: { threshold: 100000, fraction: 0.2, cooldownSeconds: 60 },
  }),
]);
cases.push([
  "close-factor (Aave v3)",
  withLiquidation({
    engine: "close-factor",
    closeFactor: {
      closeFactor: 0.5,
      fullCloseHealthFactor: 0.95,
      bonus: 0.05,
      protocolFeeOfBonus: 0.1,
      minDebtForCloseFactor: 2000,
    },
  }),
]);
cases.push([
  "risk-based margin (99% VaR, 1 h), socialised loss",
  edited((s) => {
    s.margin.model = "risk-based";
    s.margin.volatility = { halfLifeSeconds: 1800, updateEverySeconds: 300 };
    s.margin.riskBased = { method: "var", confidence: 0.99, scanSigmas: 3, horizonSeconds: 3600 };
    s.insurance = { initialBalance: 1e4 };
    s.adl = { ranking: "socialized" };
  }),
]);

let bad = 0;
for (const [name, make] of cases) {
  const setup = make();
  const ref = new ReferenceEngine(setup);
  const wasm = new WasmEngine(setup, { batch: 16 });
  const stride = RECORD_STRIDE;
  let diffs = 0;
  let adl = 0,
    liq = 0;
  for (const [lo, hi] of [
    [42, 0],
    [7, 3],
  ]) {
    ref.prepare(lo, hi);
    wasm.prepare(lo, hi);
    const a = new Float64Array(paths * stride);
    const b = new Float64Array(paths * stride);
    ref.runPaths(0, paths, a);
    wasm.runPaths(0, paths, b);
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[i], b[i])) {
        if (diffs < 3) console.log(`  ${name}: path ${Math.floor(i / stride)} field ${i % stride}: ref ${a[i]} wasm ${b[i]}`);
        diffs++;
      }
    }
    for (let p = 0; p < paths; p++) {
      liq += a[p * stride];
      adl += a[p * stride + 11];
    }
  }
  console.log(`${diffs === 0 ? "ok  " : "FAIL"} ${name}: ${diffs} differences (liquidations ${liq}, adl ${adl})`);
  if (diffs) bad++;
}
process.exit(bad ? 1 : 0);
