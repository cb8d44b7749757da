// cascade merge: a 3-way shard split merged gives the unsharded run's paths file byte for byte and its
// summary (but runtimeMs/threads); shards that do not belong together are refused with exit 2, naming
// the directory and the field.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScenarioInputs } from "../../src/config/scenario.js";
import { InputError } from "../../src/config/errors.js";
import { mergeShards } from "../../src/mc/merge.js";
import { runScenario, type OutputFormat } from "../../src/mc/run.js";
import { verifyRun } from "../../src/mc/verify.js";
import { baseScenario } from "../helpers/scenario.js";
import { cascade } from "../helpers/cli.js";

const PATHS = 200; // shards 1/3, 2/3, 3/3 hold paths 0–65, 66–132, 133–199
let tmp: string;

function inputs(overrides: { volatility?: number } = {}): ScenarioInputs {
  const scenario = { ...baseScenario(), paths: PATHS };
  if (overrides.volatility !== undefined)
    scenario.market = { ...scenario.market, price: { ...scenario.market.price, volatility: overrides.volatility } };
  return { scenario };
}

async function run(
  name: string,
  format: OutputFormat,
  shard?: { index: number; count: number },
  options: { pool?: boolean; volatility?: number } = {},
) {
  const outDir = join(tmp, name);
  await runScenario(inputs(options), { outDir, format, shard, ...(options.pool ? { threads: 2 } : { inline: true }) });
  return outDir;
}

/** summary.json without what a merge cannot reproduce (wall time and threads). */
async function comparableSummary(dir: string): Promise<Record<string, unknown>> {
  const {
    runtimeMs: _r,
    threads: _t,
    ...rest
  } = JSON.parse(await readFile(join(dir, "summary.json"), "utf8")) as Record<string, unknown>;
  return rest;
}

const bytes = (dir: string, file: string) => readFile(join(dir, file));

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "cascade-merge-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.each(["csv", "parquet"] as const)("a 3-way split of a %s run, merged", (format) => {
  const file = `paths.${format}`;
  let full: string;
  let shards: string[];

  beforeAll(async () => {
    full = await run(`${format}-full`, format);
    // The middle shard runs on a 2-thread worker pool (needs dist/, built by `npm test`), the others inline.
    shards = [
      await run(`${format}-s1`, format, { index: 1, count: 3 }),
      await run(`${format}-s2`, format, { index: 2, count: 3 }, { pool: true }),
      await run(`${format}-s3`, format, { index: 3, count: 3 }),
    ];
  });

  it(`by mergeShards (shards in any order): ${file} byte-identical to the unsharded run's, summary equal but runtimeMs/threads`, async () => {
    const out = join(tmp, `${format}-merged-fn`);
    const result = await mergeShards([shards[2], shards[0], shards[1]], { outDir: out });
    expect(result.shards).toEqual(shards);
    expect(result.table).toEqual({ format, file: join(out, file) });
    expect((await bytes(out, file)).equals(await bytes(full, file))).toBe(true);
    const merged = await comparableSummary(out);
    const single = await comparableSummary(full);
    expect(merged.metrics).toEqual(single.metrics);
    expect(merged.probabilities).toEqual(single.probabilities);
    expect(merged).toEqual(single); // paths, firstPath 0, requestedPaths, no shard, recordsHash, …
    expect(merged).not.toHaveProperty("shard");
    expect(JSON.parse(await readFile(join(out, "run.json"), "utf8"))).toEqual(
      JSON.parse(await readFile(join(full, "run.json"), "utf8")),
    );
    expect((await readdir(out)).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it(`by cascade merge … --out: ${file} byte-identical and the same summary`, async () => {
    const out = join(tmp, `${format}-merged-cli`);
    const { code, stdout, stderr } = await cascade("merge", ...shards, "--out", out, "--json");
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout).paths).toBe(PATHS);
    expect(stderr).toContain(`merged 3 shards (${PATHS} paths)`);
    expect((await bytes(out, file)).equals(await bytes(full, file))).toBe(true);
    expect(await comparableSummary(out)).toEqual(await comparableSummary(full));
  });
});

describe("the merged directory is one whole run", () => {
  it("passes cascade verify: rows, records hash, scenario hash, statistics and a rerun sample", async () => {
    const out = join(tmp, "csv-merged-fn"); // written by the csv case above
    const report = await verifyRun(out, { sample: 4 });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });
});

describe("shards that do not make one run exit 2 naming the directory and the field", () => {
  const dir = (name: string) => join(tmp, name);
  const summaryOf = (name: string) => `${dir(name)}/summary.json`;

  beforeAll(async () => {
    await run("half-1", "csv", { index: 1, count: 2 }); // paths 0–99: overlaps 2/3
    await run("other-2", "csv", { index: 2, count: 3 }, { volatility: 1.0 }); // another scenario
    // A shard stopped early, and one whose paths.csv lost its last row.
    await cp(dir("csv-s2"), dir("interrupted-2"), { recursive: true });
    const s = JSON.parse(await readFile(join(dir("interrupted-2"), "summary.json"), "utf8"));
    await writeFile(join(dir("interrupted-2"), "summary.json"), JSON.stringify({ ...s, paths: 10, interrupted: true }));
    await cp(dir("csv-s2"), dir("short-2"), { recursive: true });
    const text = await readFile(join(dir("short-2"), "paths.csv"), "utf8");
    await writeFile(join(dir("short-2"), "paths.csv"), text.slice(0, text.lastIndexOf("\n", text.length - 2) + 1));
  });

  const cases: { name: string; dirs: string[]; out?: string; says: (string | (() => string))[] }[] = [
    {
      name: "a missing middle shard",
      dirs: ["csv-s1", "csv-s3"],
      says: [
        () =>
          `${summaryOf("csv-s3")}: firstPath must be 66 to continue ${dir("csv-s1")} (received 133): paths 66 to 132 are in no directory (shard 2/3 missing?)`,
      ],
    },
    {
      name: "a missing last shard",
      dirs: ["csv-s1", "csv-s2"],
      says: [
        () =>
          `${summaryOf("csv-s2")}: firstPath + paths must reach scenario.paths 200 for the last shard (received 133): paths 133 to 199 are in no directory (shard 3/3 missing?)`,
      ],
    },
    {
      name: "overlapping shards",
      dirs: ["half-1", "csv-s2", "csv-s3"],
      says: [
        () =>
          `${summaryOf("csv-s2")}: firstPath must be 100 to continue ${dir("half-1")} (received 66): its paths 66 to 99 overlap ${dir("half-1")}`,
      ],
    },
    {
      name: "shards of different scenarios",
      dirs: ["csv-s1", "other-2", "csv-s3"],
      says: [() => `${summaryOf("other-2")}: scenarioHash must be `, "as in"],
    },
    {
      name: "the same shard twice",
      dirs: ["csv-s1", "csv-s2", "csv-s2", "csv-s3"],
      says: [() => `${dir("csv-s2")} must be given once`],
    },
    {
      name: "an interrupted shard",
      dirs: ["csv-s1", "interrupted-2", "csv-s3"],
      says: [
        () =>
          `${summaryOf("interrupted-2")}: interrupted must be false: it stopped after 10 of 67 paths; finish it with cascade run --resume`,
      ],
    },
    {
      name: "shards in different formats",
      dirs: ["csv-s1", "parquet-s2", "csv-s3"],
      says: [() => `${dir("parquet-s2")}: the per-path table must be csv as in ${dir("csv-s1")} (received parquet)`],
    },
    {
      name: "a directory that does not exist",
      dirs: ["csv-s1", "no-such-dir"],
      says: [() => `${dir("no-such-dir")} must be a shard's output directory (received no such directory)`],
    },
    {
      name: "--out naming a shard directory",
      dirs: ["csv-s1", "csv-s2", "csv-s3"],
      out: "csv-s1",
      says: ["--out must not be one of the shard directories"],
    },
    {
      name: "a paths.csv with fewer rows than its summary.json says",
      dirs: ["csv-s1", "short-2", "csv-s3"],
      says: [() => `${dir("short-2")}/paths.csv must hold 67 rows, the paths of ${summaryOf("short-2")} (received 66)`],
    },
  ];

  it.each(cases)("$name", async ({ name, dirs, out, says }) => {
    const outDir = dir(out ?? `refused-${name.replaceAll(" ", "-")}`);
    const { code, stdout, stderr } = await cascade("merge", ...dirs.map(dir), "--out", outDir);
    expect(code, stderr).toBe(2);
    expect(stdout).toBe("");
    for (const s of says) expect(stderr).toContain(typeof s === "string" ? s : s());
    for (const line of stderr.trimEnd().split("\n")) expect(line).toMatch(/^error: /);
    // Nothing half-written is left behind in the output directory.
    const left = await readdir(outDir).catch(() => [] as string[]);
    if (!out) expect(left.filter((f) => f.startsWith("paths.") || f === "summary.json")).toEqual([]);
  });

  it("lists every problem at once: each mismatched field of each directory", async () => {
    const err = await mergeShards([dir("csv-s1"), dir("other-2"), dir("parquet-s3")], { outDir: dir("refused-all") }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    const problems = (err as InputError).problems;
    expect(problems.some((p) => p.startsWith(`${summaryOf("other-2")}: scenarioHash`))).toBe(true);
    expect(problems.some((p) => p.startsWith(`${dir("parquet-s3")}: the per-path table must be csv`))).toBe(true);
  });
});
