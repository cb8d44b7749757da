// The CLI fuzz suite at scale: N mutated scenarios and N/2 odd command lines (default N 2000), run in-process,
// counted by outcome. Every case must end "ok" (exit 0, finite results) or "input" (exit 2, each line naming a
// field); anything else is printed with its command line.
//   npm run build && node bench/fuzz.mjs [N] [seed]
import fc from "fast-check";
import { optionArgv, optionCase, runCase, scenarioArgv, scenarioCase, scratch } from "./fuzz-cases.mjs";

const n = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? 1);
const s = scratch();
const counts = { ok: 0, input: 0, other: 0 };
let index = 0;
let maxSeconds = 0;
let maxRss = 0;
async function one(argv) {
  if (process.env.FUZZ_TRACE) console.log(argv.join(" "));
  const started = performance.now();
  const outcome = await runCase(argv);
  maxSeconds = Math.max(maxSeconds, (performance.now() - started) / 1000);
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
  if (outcome === "ok" || outcome === "input") counts[outcome]++;
  else {
    counts.other++;
    console.log(`${outcome}\n  argv: ${argv.join(" ")}`);
  }
}
const cases = [
  ...fc.sample(scenarioCase, { numRuns: n, seed }).map((m) => () => scenarioArgv(s, m, index++)),
  ...fc.sample(optionCase, { numRuns: Math.ceil(n / 2), seed: seed + 1 }).map((o) => () => optionArgv(s, o, index++)),
];
for (const make of cases) await one(make());
s.remove();
console.log(
  `${cases.length} cases: ${counts.ok} exit 0 with finite results, ${counts.input} exit 2 naming a field, ${counts.other} other; slowest ${maxSeconds.toFixed(2)} s, peak RSS ${(maxRss / 1024 ** 2).toFixed(0)} MB`,
);
process.exitCode = counts.other > 0 ? 1 : 0;
