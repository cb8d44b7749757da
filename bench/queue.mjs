// The queue mode (src/queue) against the local pool: whole-process wall times (spawn to exit, so Node's start,
// the Redis connection and the workers' pool start-up are in) of `cascade run` on the embedded default scenario
// (btc-perp-crash: 10,000 accounts, 100 steps), medians of repeated runs:
//   - local: `cascade run --threads 1` and `--threads 2` (the piscina pool of this machine);
//   - queue: `cascade run --queue redis://… --threads 1` with 1, 2 and 3 `cascade worker --threads 1` processes
//     on this same machine (2 cores: a third worker has no core of its own), batches of the default size;
//   - every configuration once per round, the rounds repeated, so that a load that comes and goes on a shared
//     machine falls on all of them alike (the 1-minute load average is recorded);
//   - coordination overhead per batch: one worker, batch sizes from 25 paths up; the wall time against the number
//     of batches is fitted by least squares: the slope is what a batch costs on top of its paths (enqueue, lock,
//     result through Redis, events, reorder), the intercept what a run costs once. The smallest batch whose
//     overhead stays under 2% of its compute time follows from the slope and the local time per path.
// Needs Redis (CASCADE_BENCH_REDIS, default redis://127.0.0.1:6379); keys under a prefix of its own, all removed.
//   npm run build && node bench/queue.mjs [paths=20000] [rounds=3]    (~10 s a configuration and round)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const paths = Number(process.argv[2] ?? 20_000);
const reps = Number(process.argv[3] ?? 3);
const REDIS = process.env.CASCADE_BENCH_REDIS ?? "redis://127.0.0.1:6379";
const PREFIX = `bench-queue-${process.pid}`;
const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "cascade-bench-queue-"));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const TICK_MS = 10; // /proc/PID/stat counts CPU time in clock ticks (USER_HZ = 100 on Linux)

/** CPU time (ms, user + system, every thread) a live process has used, from /proc; 0 where there is no /proc. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime (fields 14 and 15 of the line)
  } catch {
    return 0;
  }
}

/**
 * Runs the CLI to its end; resolves to its wall time (ms), its CPU time plus that of `workers` during the run
 * (ms; under /usr/bin/time), and its summary.json.
 */
function timed(args, workers = []) {
  return new Promise((resolve, reject) => {
    const out = join(work, `run-${Math.random().toString(36).slice(2)}`);
    const timeFile = `${out}.time`;
    const cli = [CLI, ...args, "--out", out, "--quiet", "--json"];
    const before = workers.reduce((s, w) => s + cpuMs(w.pid), 0);
    const t0 = performance.now();
    const child = TIME
      ? spawn(TIME, ["-f", "%U %S", "-o", timeFile, process.execPath, ...cli], { stdio: ["ignore", "ignore", "pipe"] })
      : spawn(process.execPath, cli, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      const ms = performance.now() - t0;
      const workersCpu = workers.reduce((s, w) => s + cpuMs(w.pid), 0) - before;
      if (code !== 0) return reject(new Error(`cascade ${args.join(" ")} exited ${code}: ${err}`));
      let cpu = NaN;
      if (TIME) {
        const [user, system] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1).split(" ").map(Number);
        cpu = (user + system) * 1000 + workersCpu;
      }
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      rmSync(out, { recursive: true, force: true });
      rmSync(timeFile, { force: true });
      resolve({ ms, cpu, summary });
    });
  });
}

function startWorkers(n, prefix) {
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      const child = spawn(
        process.execPath,
        [CLI, "worker", "--queue", REDIS, "--queue-prefix", prefix, "--threads", "1", "--name", `${prefix}-${i + 1}`],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      return new Promise((resolve, reject) => {
        let err = "";
        child.stderr.on("data", (d) => {
          err += d;
          if (err.includes("taking the batches")) resolve(child);
        });
        child.on("exit", (code) => reject(new Error(`worker exited ${code}: ${err}`)));
      });
    }),
  );
}

async function stopWorkers(children) {
  await Promise.all(
    children.map((c) => new Promise((resolve) => (c.removeAllListeners("exit"), c.on("exit", resolve), c.kill("SIGTERM")))),
  );
}

const base = ["run", "--paths", String(paths)];
// each worker count has a key prefix of its own, so that only its workers take its runs
const queueArgs = (workers, batch) => [
  "--queue",
  REDIS,
  "--queue-prefix",
  `${PREFIX}-w${workers}`,
  "--threads",
  "1",
  ...(batch ? ["--batch-size", String(batch)] : []),
];
/** @type {{ label: string, args: string[], workers?: number, batch?: number }[]} */
const configs = [
  { label: "local pool, --threads 1", args: [...base, "--threads", "1"] },
  { label: "local pool, --threads 2", args: [...base, "--threads", "2"] },
  ...[1, 2, 3].map((w) => ({
    label: `queue, ${w} worker${w > 1 ? "s" : ""} × 1 thread`,
    args: [...base, ...queueArgs(w)],
    workers: w,
  })),
  ...[25, 100, 400, 1600].map((b) => ({
    label: `queue, 1 worker, batches of ${b}`,
    args: [...base, ...queueArgs(1, b)],
    workers: 1,
    batch: b,
  })),
];

const groups = [];
try {
  console.error(
    `cascade run, default scenario, ${paths} paths, ${reps} rounds, whole-process wall time (${cpus().length} cores: ${cpus()[0]?.model ?? "?"})`,
  );
  for (const w of [1, 2, 3]) groups.push(await startWorkers(w, `${PREFIX}-w${w}`));
  for (const w of [1, 2, 3]) await timed(["run", "--paths", "200", ...queueArgs(w)]); // warm the workers' processes
  const times = configs.map(() => []);
  const cpus_ = configs.map(() => []);
  const runtimes = configs.map(() => []);
  const loads = [];
  for (let round = 0; round < reps; round++) {
    for (let c = 0; c < configs.length; c++) {
      const { ms, cpu, summary } = await timed(configs[c].args, configs[c].workers ? groups[configs[c].workers - 1] : []);
      times[c].push(ms);
      cpus_[c].push(cpu);
      runtimes[c].push(summary.runtimeMs);
      loads.push(loadavg()[0]);
    }
    console.error(
      `round ${round + 1}: ${configs.map((c, i) => `${c.label} ${(times[i][round] / 1000).toFixed(2)} s`).join("; ")}`,
    );
  }
  const rows = configs.map((c, i) => {
    const m = median(times[i]);
    const row = {
      label: c.label,
      ...(c.batch ? { batch: c.batch } : {}),
      wallMs: times[i].map(Math.round),
      medianMs: Math.round(m),
      pathsPerSecond: Math.round((paths * 1000) / m),
      medianCpuMs: Math.round(median(cpus_[i])),
      medianRuntimeMs: median(runtimes[i]),
    };
    console.error(
      `${row.label.padEnd(34)} median ${(m / 1000).toFixed(2)} s  ${row.pathsPerSecond} paths/s  CPU ${(row.medianCpuMs / 1000).toFixed(2)} s  (${row.wallMs.join(", ")} ms)`,
    );
    return row;
  });
  const loadAverage = { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) };
  console.error(
    `1-minute load average during the runs: min ${loadAverage.min}, median ${loadAverage.median}, max ${loadAverage.max} (${cpus().length} cores)`,
  );

  // time = intercept + slope × batches (one worker): the slope is what one batch costs on top of its paths, in wall
  // time (what the run waits) and in CPU time (coordinator and worker processes together: steadier on a busy machine)
  const batchRows = rows.filter((r) => r.batch);
  const leastSquares = (pts) => {
    const mx = pts.reduce((s, p) => s + p.x, 0) / pts.length;
    const my = pts.reduce((s, p) => s + p.y, 0) / pts.length;
    const slope = pts.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / pts.reduce((s, p) => s + (p.x - mx) ** 2, 0);
    return { slope, intercept: my - slope * mx };
  };
  const wallFit = leastSquares(batchRows.map((r) => ({ x: Math.ceil(paths / r.batch), y: r.medianMs })));
  const cpuFit = leastSquares(batchRows.map((r) => ({ x: Math.ceil(paths / r.batch), y: r.medianCpuMs })));
  const msPerPath = median(runtimes[0]) / paths; // the local 1-thread run's own time per path (summary.json's runtimeMs)
  const perBatch = Math.max(wallFit.slope, cpuFit.slope);
  const minBatch = Math.ceil(perBatch / (0.02 * msPerPath));
  const overhead = {
    wallMsPerBatch: Number(wallFit.slope.toFixed(3)),
    cpuMsPerBatch: Number(cpuFit.slope.toFixed(3)),
    wallMsPerRunOverLocal: Math.round(wallFit.intercept - rows[0].medianMs),
    msPerPath: Number(msPerPath.toFixed(4)),
    steps: 100,
    batchUnder2Percent: minBatch,
    pathStepsUnder2Percent: minBatch * 100,
  };
  console.error(
    `coordination per batch (least squares over ${batchRows.length} batch sizes): ${overhead.wallMsPerBatch} ms of wall time, ${overhead.cpuMsPerBatch} ms of CPU; ` +
      `a queue run costs ${overhead.wallMsPerRunOverLocal} ms more than a local one besides; a path takes ${overhead.msPerPath} ms, ` +
      `so batches of >= ${minBatch} paths (${minBatch * 100} path-steps) keep the per-batch overhead under 2%`,
  );
  const result = {
    bench: "queue",
    date: new Date().toISOString(),
    paths,
    rounds: reps,
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    loadAverage,
    redis: REDIS.replace(/:[^@/]*@/, ":***@"),
    rows,
    overhead,
  };
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `queue-${result.date.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
  console.error(`wrote ${file}`);
} finally {
  for (const g of groups) await stopWorkers(g);
  rmSync(work, { recursive: true, force: true });
}
