// One whole Monte Carlo run in this process, through the product's own runner (src/mc/run.ts: worker pool,
// reorder buffer, statistics, and paths.csv + summary.json when --out is given). Prints one JSON line:
// paths, threads, wall time and this process's peak RSS. bench/run.mjs spawns it, so every measurement starts
// from a fresh process.
//
//   node bench/e2e.mjs --scenario reference|default --paths N --threads T [--out DIR]
import { parseArgs } from "node:util";
import { loadScenario } from "../dist/config/load.js";
import { runScenario } from "../dist/mc/run.js";
import { referenceScenario } from "./scenario.mjs";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "reference" },
    paths: { type: "string", default: "2000" },
    threads: { type: "string", default: "1" },
    out: { type: "string" },
  },
});
const paths = Number(values.paths);
const inputs =
  values.scenario === "default" ? loadScenario(undefined, [`paths=${paths}`]) : { scenario: { ...referenceScenario(), paths } };
const started = performance.now();
const result = await runScenario(inputs, { threads: Number(values.threads), outDir: values.out });
const wallMs = performance.now() - started;
console.log(
  JSON.stringify({
    scenario: values.scenario,
    paths: result.range.end - result.range.first,
    threads: Number(values.threads),
    wallMs,
    maxRssKB: process.resourceUsage().maxRSS,
  }),
);
