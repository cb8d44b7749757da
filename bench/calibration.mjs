// Target against measured for the calibrated historical crashes (issue #13 item 5): runs each crash's scenario on
// the reference engine and prints, per published figure, its band and the mean over the paths with their 5th–95th
// percentile spread. The sources of every target are in src/calibration/targets.ts; docs/calibration.md reads this.
//
//   npm run build:ts && node bench/calibration.mjs [--paths N] [--crash hyperliquid|bitmex] [--set key=value ...]
//
// --set overrides a scenario key for a tuning run (as `cascade run --set` does); the committed files are what counts.
import { fileURLToPath } from "node:url";
import { loadScenario } from "../dist/config/load.js";
import { evaluateCrash, recordPaths } from "../dist/calibration/evaluate.js";
import { calibrationTable } from "../dist/calibration/table.js";
import { BITMEX_2020_03_12, HYPERLIQUID_2025_10_10 } from "../dist/calibration/targets.js";

const args = process.argv.slice(2);
let paths = 20;
let only;
const sets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--paths") paths = Number(args[++i]);
  else if (args[i] === "--crash") only = args[++i];
  else if (args[i] === "--set") sets.push(args[++i]);
  else throw new Error(`unknown argument ${args[i]} (use --paths N, --crash hyperliquid|bitmex, --set key=value)`);
}
if (!(Number.isInteger(paths) && paths > 0)) throw new Error(`--paths must be a positive integer (received ${paths})`);

const crashes = { hyperliquid: HYPERLIQUID_2025_10_10, bitmex: BITMEX_2020_03_12 };
for (const [key, crash] of Object.entries(crashes)) {
  if (only && only !== key) continue;
  const file = fileURLToPath(new URL(`../${crash.scenario}`, import.meta.url));
  const started = Date.now();
  const result = evaluateCrash(crash, recordPaths(loadScenario(file, sets), paths));
  console.log(calibrationTable(result));
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s on the reference engine)\n`);
}
