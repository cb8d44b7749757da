// Fuzzing the CLI (a few hundred cases here; `node bench/fuzz.mjs N` runs more and prints the counts): a mutated
// default scenario or odd options either run to finite results (exit 0) or are refused with exit 2 and lines that
// name the field; never exit 1, never a stack trace, never a line twice, never a hang or memory past a bound.
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { optionArgv, optionCase, runCase, scenarioArgv, scenarioCase, scratch } from "../../bench/fuzz-cases.mjs";

const s = scratch();
afterAll(() => s.remove());
const MEMORY_BOUND = 3 * 1024 ** 3;
let index = 0;

async function check(argv: string[]): Promise<boolean> {
  const started = performance.now();
  const outcome = await runCase(argv);
  const seconds = (performance.now() - started) / 1000;
  if (outcome !== "ok" && outcome !== "input") throw new Error(`${outcome}\n  argv: ${argv.join(" ")}`);
  if (seconds > 20) throw new Error(`took ${seconds.toFixed(1)} s: ${argv.join(" ")}`);
  if (process.memoryUsage().rss > MEMORY_BOUND) throw new Error(`rss ${process.memoryUsage().rss} after ${argv.join(" ")}`);
  return true;
}

describe("the CLI under fuzzing", () => {
  it("200 mutated scenarios: exit 0 with finite results or exit 2 naming the field", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioCase, async (mutations) => check(scenarioArgv(s, mutations, index++))),
      { numRuns: 200, seed: 20261206, endOnFailure: true },
    );
  }, 300_000);

  it("100 odd command lines: the same", async () => {
    await fc.assert(
      fc.asyncProperty(optionCase, async (o) => check(optionArgv(s, o, index++))),
      { numRuns: 100, seed: 20261207, endOnFailure: true },
    );
  }, 300_000);
});
