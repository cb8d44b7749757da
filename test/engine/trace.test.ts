// Event timelines (`cascade run --trace`, src/trace): the kernel's trace and the reference engine's are the same
// bytes, a trace adds up to its path's record, a path too eventful for the buffer is a clear error, and the CLI
// picks the right paths and writes both files beside paths.csv (which the report then draws).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { METRIC, METRIC_NAMES, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { buildSetup } from "../../src/engine/setup.js";
import { DEFAULT_TRACE_EVENTS, EV, EVENT_STRIDE, KIND, KIND_NAMES, type PathTrace } from "../../src/engine/trace.js";
import { kernelModule } from "../../src/kernel/module.js";
import { createTracer, TraceOverflow } from "../../src/trace/engine.js";
import { EVENT_COLUMNS, STEP_COLUMNS, eventsCsv, rowChunks, stepsCsv } from "../../src/trace/format.js";
import { worstPaths } from "../../src/trace/selection.js";
import { traceTotals } from "../../src/trace/totals.js";
import { readCsvColumns, readParquetColumns } from "../../src/report/html/table-columns.js";
import { scenarioArb } from "../helpers/arbitrary.js";
import { runWasm } from "../helpers/engines.js";
import { baseScenario } from "../helpers/scenario.js";
import { cascade, errorLinesOf } from "../helpers/hardening-output.js";

const PATHS = 4;

/** Where the first lines of two texts differ, for a failure message. */
function firstDiff(what: string, a: string, b: string): string {
  const la = a.split("\n");
  const lb = b.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `${what} line ${i + 1}:\n  wasm: ${la[i]}\n  ts:   ${lb[i]}`;
  }
  return `${what}: equal`;
}

/** The identities a trace owes its record (src/trace/totals.ts): exact, but for the per-step sums (1e-12 relative). */
function checkTotals(trace: PathTrace, record: Float64Array, at: number): void {
  const t = traceTotals(trace);
  const rec = (m: keyof typeof METRIC) => record[at + METRIC[m]];
  const exact: [string, number, number][] = [
    ["liquidations", t.liquidations, rec("liquidations")],
    ["liquidatedNotional", t.liquidatedNotional, rec("liquidatedNotional")],
    ["adlCount", t.adlCount, rec("adlCount")],
    ["adlNotional", t.adlNotional, rec("adlNotional")],
    ["badDebt", t.badDebt, rec("badDebt")],
    ["minPrice", t.minPrice, rec("minPrice")],
    ["finalPrice", t.finalPrice, rec("finalPrice")],
    ["insuranceFinal", t.insuranceFinal, rec("insuranceFinal")],
  ];
  for (const [name, got, want] of exact) {
    if (!Object.is(got, want)) throw new Error(`path ${trace.path}: the trace's ${name} is ${got}, the record's ${want}`);
  }
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  if (!near(t.stepsLiquidatedNotional, rec("liquidatedNotional")))
    throw new Error(`path ${trace.path}: steps' liquidatedNotional ${t.stepsLiquidatedNotional} vs ${rec("liquidatedNotional")}`);
  if (!near(t.stepsAdlNotional, rec("adlNotional")))
    throw new Error(`path ${trace.path}: steps' adlNotional ${t.stepsAdlNotional} vs ${rec("adlNotional")}`);
}

describe("the kernel's trace and the reference engine's", () => {
  const kinds = new Map<string, number>();
  const count = (t: PathTrace) => {
    for (let i = 0; i < t.eventCount; i++) {
      const k = KIND_NAMES[t.events[i * EVENT_STRIDE + EV.kind] - 1];
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
  };
  afterAll(() => {
    // which kinds the random scenarios reached (a kind never reached would be untested); the cross owners' kinds
    // belong to several markets (test/cli/markets-fan-trace.test.ts)
    const seen = KIND_NAMES.filter((k) => (kinds.get(k) ?? 0) > 0);
    const oneMarket = KIND_NAMES.filter((k) => !k.startsWith("cross-"));
    expect(seen, `kinds reached: ${JSON.stringify(Object.fromEntries(kinds))}`).toEqual(oneMarket);
  });

  // events a random scenario's path may hold: the default buffer (a path past it fails the test: TraceOverflow); a
  // larger one costs each of the 360 tracers its region's allocation (1,000,000 events: 96 MB, most of this test's time)
  const TRACE_BUFFER = DEFAULT_TRACE_EVENTS;
  it("are byte-identical (events.csv and steps.csv) on 120 random scenarios, and add up to each path's record", () => {
    const debug = kernelModule("debug");
    fc.assert(
      fc.property(scenarioArb, (inputs: ScenarioInputs) => {
        const setup = buildSetup(inputs);
        const seed = inputs.scenario.seed;
        const records = runWasm(inputs, PATHS);
        const ts = createTracer("ts", setup, seed, TRACE_BUFFER);
        const wasm = createTracer("wasm", setup, seed, TRACE_BUFFER);
        // the bounds-checked build too: every unchecked() of the trace region is checked there
        const wasmDebug = createTracer("wasm", setup, seed, TRACE_BUFFER, debug);
        const s = inputs.scenario.stepSeconds;
        // paths in a scrambled order: a traced path owes nothing to the one traced before it
        for (const p of [2, 0, 3, 1]) {
          const a = wasm.trace(p);
          const b = ts.trace(p);
          const c = wasmDebug.trace(p);
          const [ea, eb, ec] = [a, b, c].map((x) => eventsCsv([x.trace], s));
          const [sa, sb, sc] = [a, b, c].map((x) => stepsCsv([x.trace], s));
          if (ea !== eb) throw new Error(firstDiff(`path ${p} events.csv`, ea, eb));
          if (sa !== sb) throw new Error(firstDiff(`path ${p} steps.csv`, sa, sb));
          expect(ec).toBe(ea);
          expect(sc).toBe(sa);
          // the traced recomputation's record is the untraced run's
          for (let m = 0; m < RECORD_STRIDE; m++) {
            if (!Object.is(a.record[m], records[p * RECORD_STRIDE + m]))
              throw new Error(
                `path ${p}: traced ${METRIC_NAMES[m]} ${a.record[m]} vs untraced ${records[p * RECORD_STRIDE + m]}`,
              );
          }
          expect(a.trace.stepCount).toBe(inputs.scenario.steps + 1);
          checkTotals(a.trace, records, p * RECORD_STRIDE);
          count(a.trace);
        }
      }),
      { numRuns: 120, seed: 20270115 },
    );
  }, 240_000); // about 30 s alone; a machine shared with other work needs more

  it("on a heavy crash that empties the fund: bankruptcies, ADL against the bankrupt account, bad debt", () => {
    const scenario = baseScenario();
    scenario.accounts.count = 3000;
    scenario.market.price.shocks = [{ step: 2, return: -0.08 }];
    scenario.insurance.initialBalance = 1000;
    const inputs = { scenario };
    const setup = buildSetup(inputs);
    const records = runWasm(inputs, 3);
    const wasm = createTracer("wasm", setup, scenario.seed, 1_000_000);
    const ts = createTracer("ts", setup, scenario.seed, 1_000_000);
    let adl = 0;
    for (let p = 0; p < 3; p++) {
      const a = wasm.trace(p);
      const b = ts.trace(p);
      expect(eventsCsv([a.trace], 60)).toBe(eventsCsv([b.trace], 60));
      expect(stepsCsv([a.trace], 60)).toBe(stepsCsv([b.trace], 60));
      checkTotals(a.trace, records, p * RECORD_STRIDE);
      count(a.trace);
      const e = a.trace.events;
      for (let i = 0, at = 0; i < a.trace.eventCount; i++, at += EVENT_STRIDE) {
        if (e[at + EV.kind] !== KIND.adl) continue;
        adl++;
        // the counterparty is the bankrupt account: a liquidation of it in the same step precedes the ADL
        const bankrupt = e[at + EV.counterparty];
        let found = false;
        for (let j = 0, bt = 0; j < i; j++, bt += EVENT_STRIDE) {
          if (e[bt + EV.kind] === KIND.liquidation && e[bt + EV.account] === bankrupt && e[bt + EV.step] === e[at + EV.step])
            found = true;
        }
        expect(found, `ADL event ${i} names account ${bankrupt}, liquidated earlier in its step`).toBe(true);
      }
    }
    expect(adl, "the scenario must exercise ADL").toBeGreaterThan(0);
  });

  it("on the backstop engine: the vault's takeovers and its unwinding, the vault after each event", () => {
    const scenario = baseScenario();
    scenario.accounts.count = 3000;
    scenario.market.price.shocks = [{ step: 2, return: -0.08 }];
    scenario.adl.ranking = "none";
    scenario.liquidation.engine = "backstop";
    scenario.liquidation.backstop = { equityFractionOfMaintenance: 0.66, vaultCapital: 5e6, unwindHalfLifeSeconds: 600 };
    const inputs = { scenario };
    const setup = buildSetup(inputs);
    const records = runWasm(inputs, 3);
    const wasm = createTracer("wasm", setup, scenario.seed, 1_000_000);
    const ts = createTracer("ts", setup, scenario.seed, 1_000_000);
    const seen = new Set<number>();
    for (let p = 0; p < 3; p++) {
      const a = wasm.trace(p);
      const b = ts.trace(p);
      expect(eventsCsv([a.trace], 60)).toBe(eventsCsv([b.trace], 60));
      expect(stepsCsv([a.trace], 60)).toBe(stepsCsv([b.trace], 60));
      checkTotals(a.trace, records, p * RECORD_STRIDE);
      count(a.trace);
      for (let i = 0; i < a.trace.eventCount; i++) seen.add(a.trace.events[i * EVENT_STRIDE + EV.kind]);
    }
    expect(seen.has(KIND.backstop) && seen.has(KIND["vault-unwind"]), "takeovers and unwinding").toBe(true);
  });
});

describe("the trace buffer", () => {
  const scenario = baseScenario();
  scenario.accounts.count = 3000;
  scenario.market.price.shocks = [{ step: 2, return: -0.08 }];
  const setup = buildSetup({ scenario });

  it("overflows in both engines alike, saying how many events the path had", () => {
    const caught = (["wasm", "ts"] as const).map((kind) => {
      try {
        createTracer(kind, setup, scenario.seed, 10).trace(1);
      } catch (err) {
        return err;
      }
      return undefined;
    });
    for (const err of caught) expect(err).toBeInstanceOf(TraceOverflow);
    const [a, b] = caught as TraceOverflow[];
    expect(a.path).toBe(1);
    expect(a.capacity).toBe(10);
    expect(a.wanted).toBeGreaterThan(10);
    expect(b.wanted).toBe(a.wanted);
    // the buffer it asks for is enough
    const fits = createTracer("wasm", setup, scenario.seed, a.wanted).trace(1);
    expect(fits.trace.eventCount).toBe(a.wanted);
  });

  it("an overflow leaves the tracer usable: the next path traces whole", () => {
    const wasm = createTracer("wasm", setup, scenario.seed, 200);
    expect(() => wasm.trace(1)).toThrow(TraceOverflow);
    const quiet = baseScenario();
    quiet.market.price.shocks = [];
    const t = createTracer("wasm", buildSetup({ scenario: quiet }), quiet.seed, 5);
    // a path with no event at all fits any buffer
    const traced = t.trace(0);
    expect(traced.trace.stepCount).toBe(quiet.steps + 1);
  });
});

describe("the files' text", () => {
  it("is the same streamed a chunk of rows at a time (a path of 45,000 events) as made whole", () => {
    const n = 45_000;
    const events = new Float64Array(n * EVENT_STRIDE);
    for (let i = 0; i < n; i++) {
      const at = i * EVENT_STRIDE;
      events.set(
        [
          1 + (i % 12),
          1 + (i >> 10),
          1 + (i % 3),
          i,
          i % 2 ? 1 : -1,
          0.1 * i,
          30000 - i / 7,
          i % 5 ? NaN : 29000,
          3 * i,
          -1,
          1e6 - i,
          0,
        ],
        at,
      );
    }
    const steps = new Float64Array(2 * 17).fill(1.5);
    steps[0] = 0;
    steps[17] = 1;
    const t: PathTrace = { path: 9, events, eventCount: n, steps, stepCount: 2 };
    const whole = eventsCsv([t], 60);
    expect(EVENT_COLUMNS.join(",") + "\n" + [...rowChunks(t, 60, "events")].join("")).toBe(whole);
    expect([...rowChunks(t, 60, "events")].length).toBe(3);
    expect(STEP_COLUMNS.join(",") + "\n" + [...rowChunks(t, 60, "steps")].join("")).toBe(stepsCsv([t], 60));
    // a field that does not apply (NaN) is empty
    const line = whole.split("\n")[2];
    expect(line.split(",")).toHaveLength(EVENT_COLUMNS.length);
    expect(line.split(",")[10]).toBe("");
  });
});

describe("worst paths", () => {
  it("are the largest of a loss and the smallest of a price, ties by the lower index, NaN never worst", () => {
    const v = Float64Array.from([5, 9, NaN, 9, 1, 7]);
    expect(worstPaths(v, "badDebt", 3)).toEqual([1, 3, 5]);
    expect(worstPaths(v, "minPrice", 2)).toEqual([0, 4]);
    expect(worstPaths(v, "badDebt", 6)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe("cascade run --trace", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "cascade-trace-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  // a crash with a small fund: bad debt on some paths, none on others
  const base = [
    "--paths",
    "40",
    "--set",
    "accounts.count=1500",
    "--set",
    "insurance.initialBalance=3000",
    "--set",
    "steps=30",
    "--set",
    "adl.ranking=none",
    "--set",
    "market.price.shocks=[{step: 5, return: -0.06}]",
    "--threads",
    "1",
    "--quiet",
  ];

  it("worst:badDebt:3 writes events.csv and steps.csv of the 3 paths with the most bad debt, adding up to their rows", async () => {
    const out = join(work, "worst");
    const r = await cascade("run", ...base, "--out", out, "--trace", "worst:badDebt:3");
    expect(errorLinesOf(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    const table = await readCsvColumns(join(out, "paths.csv"), { numbers: "all" });
    const bad = table.numbers.get("badDebt")!;
    const expected = worstPaths(bad, "badDebt", 3);
    expect(
      expected.some((p) => bad[p] > 0),
      "the scenario must give bad debt",
    ).toBe(true);
    const events = readFileSync(join(out, "events.csv"), "utf8");
    const steps = readFileSync(join(out, "steps.csv"), "utf8");
    expect(events.split("\n")[0]).toBe(EVENT_COLUMNS.join(","));
    expect(steps.split("\n")[0]).toBe(STEP_COLUMNS.join(","));
    const stepRows = await readCsvColumns(join(out, "steps.csv"), { numbers: "all" });
    expect([...new Set(stepRows.numbers.get("path"))]).toEqual(expected);
    expect(stepRows.count).toBe(3 * 31);
    // the bad-debt events of each traced path sum to its badDebt in paths.csv, exactly
    const ev = await readCsvColumns(join(out, "events.csv"), { numbers: ["path", "notional", "step", "time"], texts: ["type"] });
    for (const p of expected) {
      let sum = 0;
      let liq = 0;
      let count = 0;
      for (let i = 0; i < ev.count; i++) {
        if (ev.numbers.get("path")![i] !== p) continue;
        const type = ev.texts.get("type")![i];
        if (type === "bad-debt") sum += ev.numbers.get("notional")![i];
        if (["liquidation", "slice", "auction-take", "backstop"].includes(type)) liq += ev.numbers.get("notional")![i];
        if (["liquidation", "slice", "auction-kick", "backstop"].includes(type)) count++;
      }
      expect(sum).toBe(bad[p]);
      expect(liq).toBe(table.numbers.get("liquidatedNotional")![p]);
      expect(count).toBe(table.numbers.get("liquidations")![p]);
    }
    // time is step × stepSeconds
    expect(Array.from(ev.numbers.get("time")!)).toEqual(Array.from(ev.numbers.get("step")!).map((s) => s * 60));
    // the report draws the traced paths' timelines
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html.includes('data-chart="timelines"'), "report.html draws the timelines").toBe(true);
    for (const p of expected) expect(html.includes(`path ${p}`), `report.html names path ${p}`).toBe(true);
  });

  it("the reference engine writes the same bytes, and path indices select those paths", async () => {
    const a = join(work, "idx-wasm");
    const b = join(work, "idx-ts");
    expect((await cascade("run", ...base, "--out", a, "--trace", "7,0,33", "--no-report")).code).toBe(0);
    expect((await cascade("run", ...base, "--out", b, "--trace", "0,7,33", "--engine", "ts", "--no-report")).code).toBe(0);
    for (const f of ["events.csv", "steps.csv"]) expect(readFileSync(join(b, f), "utf8")).toBe(readFileSync(join(a, f), "utf8"));
    const steps = await readCsvColumns(join(a, "steps.csv"), { numbers: ["path"] });
    expect([...new Set(steps.numbers.get("path"))]).toEqual([0, 7, 33]);
  });

  it("--format parquet writes events.parquet and steps.parquet with the CSV's values", async () => {
    const csv = join(work, "idx-wasm");
    const pq = join(work, "pq");
    expect((await cascade("run", ...base, "--out", pq, "--trace", "0,7,33", "--format", "parquet")).code).toBe(0);
    expect(existsSync(join(pq, "events.csv"))).toBe(false);
    const a = await readParquetColumns(join(pq, "events.parquet"), { numbers: "all", texts: ["type"] });
    const b = await readCsvColumns(join(csv, "events.csv"), { numbers: "all", texts: ["type"] });
    expect(a.header).toEqual(b.header);
    expect(a.texts.get("type")).toEqual(b.texts.get("type"));
    for (const [name, col] of b.numbers) expect(Array.from(a.numbers.get(name)!), name).toEqual(Array.from(col));
    const s = await readParquetColumns(join(pq, "steps.parquet"), { numbers: "all" });
    const t = await readCsvColumns(join(csv, "steps.csv"), { numbers: "all" });
    for (const [name, col] of t.numbers) expect(Array.from(s.numbers.get(name)!), name).toEqual(Array.from(col));
    expect(
      readFileSync(join(pq, "report.html"), "utf8").includes('data-chart="timelines"'),
      "report.html draws the timelines",
    ).toBe(true);
  });

  it("a run without --trace removes the trace files another run left", async () => {
    const out = join(work, "stale");
    expect((await cascade("run", ...base, "--out", out, "--trace", "1", "--no-report")).code).toBe(0);
    expect(existsSync(join(out, "events.csv"))).toBe(true);
    expect((await cascade("run", ...base, "--out", out, "--no-report")).code).toBe(0);
    expect(existsSync(join(out, "events.csv"))).toBe(false);
    expect(existsSync(join(out, "steps.csv"))).toBe(false);
  });

  it("a path with more events than the buffer is one line naming the path, the size and --trace-buffer (exit 2)", async () => {
    const out = join(work, "overflow");
    const r = await cascade("run", ...base, "--out", out, "--trace", "worst:liquidations:1", "--trace-buffer", "3");
    expect(r.code).toBe(2);
    const lines = errorLinesOf(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: --trace: path \d+ had \d+ events, more than the trace buffer holds \(3 per path\): raise it with --trace-buffer \d+$/,
    );
    // the run itself is written; the trace is not
    expect(existsSync(join(out, "paths.csv"))).toBe(true);
    expect(existsSync(join(out, "events.csv"))).toBe(false);
  });

  const bad: { name: string; argv: string[]; says: string }[] = [
    {
      name: "a path outside the run",
      argv: ["--trace", "3,40"],
      says: "error: --trace: path 40 is not in this run (it has paths 0 to 39)",
    },
    {
      name: "a path outside the shard",
      argv: ["--trace", "3", "--shard", "2/2"],
      says: "error: --trace: path 3 is not in this run (it has paths 20 to 39)",
    },
    {
      name: "an unknown metric",
      argv: ["--trace", "worst:badDept:3"],
      says: "error: --trace worst:METRIC:K: METRIC must be a per-path metric (one of liquidations, ",
    },
    {
      name: "k = 0",
      argv: ["--trace", "worst:badDebt:0"],
      says: 'error: --trace worst:METRIC:K: K must be a positive integer (received "0")',
    },
    {
      name: "more worst paths than the run has",
      argv: ["--trace", "worst:badDebt:41"],
      says: "error: --trace worst:badDebt:41 asks for 41 paths (this run has 40: paths 0 to 39)",
    },
    {
      name: "a malformed selection",
      argv: ["--trace", "first:3"],
      says: 'error: --trace must be path indices, e.g. 0,17,250, or worst:METRIC:K, e.g. worst:badDebt:5 (received "first:3")',
    },
    { name: "a negative index", argv: ["--trace", "-1"], says: "error: --trace must be path indices" },
    {
      name: "--trace-buffer 0",
      argv: ["--trace", "1", "--trace-buffer", "0"],
      says: 'error: --trace-buffer must be an integer from 1 to 10000000 (events per traced path; received "0")',
    },
    { name: "--trace-buffer alone", argv: ["--trace-buffer", "100"], says: "error: --trace-buffer needs --trace" },
  ];
  it.each(bad)("bad input exits 2 before running: $name", async ({ argv, says }) => {
    const out = join(work, "bad");
    const r = await cascade("run", ...base, "--out", out, ...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(says);
    expect(errorLinesOf(r.stderr)).toHaveLength(1);
    expect(existsSync(join(out, "paths.csv"))).toBe(false);
  });
});
