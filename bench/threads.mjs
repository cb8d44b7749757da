// Paths per second of the embedded default scenario through the product's runner (src/mc/run.ts, piscina
// pool, statistics included, no files written) at 1 and 2 threads, run alternately in fresh processes;
// prints each pair and the median 2-thread efficiency = (paths/s at 2) / (2 × paths/s at 1).
//   npm run build && node bench/threads.mjs [paths=1000000] [pairs=3]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "./engines.mjs";

const paths = Number(process.argv[2] ?? 1_000_000);
const pairs = Number(process.argv[3] ?? 3);

if (process.env.CASCADE_BENCH_CHILD) {
  const { loadScenario } = await import("../dist/config/load.js");
  const { runScenario } = await import("../dist/mc/run.js");
  const threads = Number(process.env.CASCADE_BENCH_CHILD);
  const { summary } = await runScenario(loadScenario(undefined, [`paths=${paths}`]), { threads });
  console.log(JSON.stringify({ threads, runtimeMs: summary.runtimeMs, pathsPerSecond: paths / (summary.runtimeMs / 1000) }));
} else {
  const self = fileURLToPath(import.meta.url);
  const once = (threads) => {
    const r = spawnSync(process.execPath, [self, String(paths)], {
      env: { ...process.env, CASCADE_BENCH_CHILD: String(threads) },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };
  const efficiency = [];
  for (let i = 0; i < pairs; i++) {
    const one = once(1);
    const two = once(2);
    efficiency.push(two.pathsPerSecond / (2 * one.pathsPerSecond));
    console.error(
      `pair ${i + 1}: 1 thread ${Math.round(one.pathsPerSecond)} paths/s, 2 threads ${Math.round(two.pathsPerSecond)} paths/s`,
    );
  }
  console.log(
    JSON.stringify(
      { scenario: "btc-perp-crash (default)", paths, pairs, efficiencies: efficiency, medianEfficiency: median(efficiency) },
      null,
      2,
    ),
  );
}
