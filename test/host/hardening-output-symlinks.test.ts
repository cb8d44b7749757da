// Finding 1: names planted in --out (symbolic links at the temp names and at the final names) never make a
// run write through them. Every output goes to a file created exclusively without following links and is
// renamed into place; a link at a final name is replaced by the rename, never followed.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { mergeShards } from "../../src/mc/merge.js";
import { runScenario, type OutputFormat } from "../../src/mc/run.js";
import { verifyRun } from "../../src/mc/verify.js";
import { loadScenario } from "../../src/config/load.js";
import { cascade, smallInputs } from "../helpers/hardening-output.js";

const work = mkdtempSync(join(tmpdir(), "cascade-hardening-links-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SECRET = "do not overwrite me\n";

/** A victim file outside the run directory, and the names in `dir` that point at it (some dangling). */
function plant(dir: string, names: string[]): { victim: string; dangling: string[] } {
  mkdirSync(dir, { recursive: true });
  const victim = join(work, `victim-${Math.random().toString(36).slice(2)}`);
  writeFileSync(victim, SECRET);
  const dangling: string[] = [];
  names.forEach((name, i) => {
    if (i % 2 === 0) symlinkSync(victim, join(dir, name));
    else {
      const target = join(work, `dangling-${Math.random().toString(36).slice(2)}`);
      dangling.push(target);
      symlinkSync(target, join(dir, name));
    }
  });
  return { victim, dangling };
}

function expectUntouched(p: { victim: string; dangling: string[] }) {
  expect(readFileSync(p.victim, "utf8")).toBe(SECRET);
  for (const d of p.dangling) expect(existsSync(d), `${d} was created through a planted link`).toBe(false);
}

/** Every entry is a regular file (no link left at an output name). */
function expectRegularFiles(dir: string) {
  for (const name of readdirSync(dir)) expect(lstatSync(join(dir, name)).isFile(), `${name} in ${dir}`).toBe(true);
}

const TEMP_NAMES = [
  "paths.csv.partial",
  "run.json.partial",
  "paths.parquet.partial",
  "paths.parquet.resuming",
  "checkpoint.json",
  ".cascade.lock",
];
const FINAL_NAMES = ["paths.csv", "paths.parquet", "summary.json", "run.json", "fan.json"];

describe("planted symbolic links in --out", () => {
  for (const format of ["csv", "parquet"] as OutputFormat[]) {
    it(`a ${format} run writes through none of them: temp names and final names`, async () => {
      const dir = join(work, `run-${format}`);
      const planted = plant(dir, [...TEMP_NAMES, ...FINAL_NAMES]);
      const result = await runScenario(smallInputs(), { inline: true, outDir: dir, format });
      expect(result.interrupted).toBe(false);
      expectUntouched(planted);
      expectRegularFiles(dir);
      expect(readdirSync(dir).sort()).toEqual(
        [format === "csv" ? "paths.csv" : "paths.parquet", "run.json", "summary.json", "fan.json"].sort(),
      );
      expect((await verifyRun(dir, { sample: 4 })).ok).toBe(true);
    });
  }

  it("the CLI run too: exit 0, the victim untouched", async () => {
    const dir = join(work, "run-cli");
    const planted = plant(dir, ["paths.csv.partial", "run.json.partial", "summary.json"]);
    const { code, stderr } = await cascade(
      "run",
      "--paths",
      "60",
      "--set",
      "accounts.count=2000",
      "--threads",
      "1",
      "--quiet",
      "--out",
      dir,
    );
    expect(code, stderr).toBe(0);
    expectUntouched(planted);
    expectRegularFiles(dir);
  });

  it("an interrupted run leaves its .partial and checkpoint as regular files, never through a link", async () => {
    const dir = join(work, "interrupted");
    const planted = plant(dir, ["paths.csv.partial", "checkpoint.json"]);
    const abort = new AbortController();
    const first = await runScenario(smallInputs([], 400), {
      inline: true,
      outDir: dir,
      signal: abort.signal,
      onProgress: (p) => p.done >= 50 && abort.abort(),
    });
    expect(first.interrupted).toBe(true);
    expectUntouched(planted);
    expectRegularFiles(dir);
  });

  it("--resume refuses a .partial that is a link (exit 2), and leaves what it points to alone", async () => {
    const dir = join(work, "resume-link");
    const abort = new AbortController();
    await runScenario(smallInputs([], 400), {
      inline: true,
      outDir: dir,
      signal: abort.signal,
      onProgress: (p) => p.done >= 50 && abort.abort(),
    });
    const partial = join(dir, "paths.csv.partial");
    const victim = join(work, "resume-victim.csv");
    writeFileSync(victim, readFileSync(partial)); // the same rows: only the link is wrong
    const before = readFileSync(victim);
    rmSync(partial);
    symlinkSync(victim, partial);
    const err = await runScenario(smallInputs([], 400), { inline: true, outDir: dir, resume: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String((err as Error).message)).toContain(partial);
    expect(readFileSync(victim).equals(before)).toBe(true);
  });

  it("merge writes through no link planted in its --out", async () => {
    const shards = [];
    for (const i of [1, 2]) {
      const d = join(work, `shard-${i}`);
      await runScenario(smallInputs(), { inline: true, outDir: d, shard: { index: i, count: 2 } });
      shards.push(d);
    }
    const out = join(work, "merged");
    const planted = plant(out, ["paths.csv.partial", "run.json.partial", "paths.csv", "summary.json"]);
    await mergeShards(shards, { outDir: out });
    expectUntouched(planted);
    expectRegularFiles(out);
  });

  it("a cross-margin run writes through no link at paths.csv.partial or its final names", async () => {
    const inputs = loadScenario(join(process.cwd(), "examples", "usde-depeg.yaml"), ["paths=8", "steps=25"]);
    const out = join(work, "cross");
    const planted = plant(out, ["paths.csv.partial", "paths.csv", "summary.json"]);
    await runScenario(inputs, { inline: true, outDir: out });
    expectUntouched(planted);
    expectRegularFiles(out);
  });
});
