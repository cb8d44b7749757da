// Convergence in time (SPEC §3: every rate and delay is in seconds): the embedded default scenario at steps of
// 60, 30, 15 and 5 seconds, the same 100-minute horizon and the same −4% shock at the 10th minute, on the worker
// pool. Prints each headline metric's mean with its 95% CI per step length, and whether the change between the
// two finest steps is within their CIs.
//   npm run build && node bench/step-convergence.mjs [paths]
import { loadScenario } from "../dist/config/load.js";
import { runScenario } from "../dist/mc/run.js";

const paths = Number(process.argv[2] ?? 4000);
const HORIZON = 6000;
const SHOCK_AT = 600;
const METRICS = ["amplification", "maxDrawdown", "liquidatedNotional", "liquidations", "insuranceMin", "minPrice"];
const rows = [];
for (const stepSeconds of [60, 30, 15, 5]) {
  const steps = HORIZON / stepSeconds;
  const inputs = loadScenario(undefined, [
    `paths=${paths}`,
    `stepSeconds=${stepSeconds}`,
    `steps=${steps}`,
    `market.price.shocks=[{"step":${SHOCK_AT / stepSeconds},"return":-0.04}]`,
  ]);
  const started = performance.now();
  const { summary } = await runScenario(inputs, {});
  rows.push({ stepSeconds, seconds: (performance.now() - started) / 1000, metrics: summary.metrics });
}
const fmt = (x) => (Math.abs(x) >= 1000 ? x.toExponential(4) : x.toPrecision(5));
console.log(`default scenario, ${paths} paths per step length, horizon ${HORIZON} s, −4% at ${SHOCK_AT} s`);
console.log(["metric", ...rows.map((r) => `${r.stepSeconds} s: mean ± CI half-width`)].join(" | "));
for (const m of METRICS) {
  const cells = rows.map((r) => {
    const s = r.metrics[m];
    return `${fmt(s.mean)} ± ${fmt((s.ci95[1] - s.ci95[0]) / 2)}`;
  });
  const [a, b] = rows.slice(-2).map((r) => r.metrics[m]);
  const diff = Math.abs(a.mean - b.mean);
  const half = Math.max((a.ci95[1] - a.ci95[0]) / 2, (b.ci95[1] - b.ci95[0]) / 2);
  console.log(
    [
      m,
      ...cells,
      `15 s → 5 s: |Δ| ${fmt(diff)} ${diff <= half ? "within" : diff <= 2 * half ? "within the CI width, not the half-width" : "OUTSIDE"} the 95% CI`,
    ].join(" | "),
  );
}
console.log(rows.map((r) => `${r.stepSeconds} s steps: ${r.seconds.toFixed(1)} s`).join(", "));
