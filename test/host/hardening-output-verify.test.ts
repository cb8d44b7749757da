// Finding 3: `cascade verify DIR` treats DIR as untrusted. It covers every field of run.json and the identity
// keys of summary.json (seed, engine, engineVersion, kernelSha256 against this build's kernel, recordStride,
// scenarioHash, recordsHash, paths, shard), reruns nothing once the run's identity failed, opens nothing
// outside DIR (a scenario naming data files outside it fails the check, saying so), and never echoes a file's
// contents. A check that fails exits 1; missing, unreadable or malformed files exit 2.
import fs, { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../src/config/load.js";
import { runScenario } from "../../src/mc/run.js";
import { verifyRun } from "../../src/mc/verify.js";
import { ROOT, cascade, smallInputs } from "../helpers/hardening-output.js";

const work = mkdtempSync(join(tmpdir(), "cascade-hardening-verify-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let dir: string;
beforeAll(async () => {
  dir = join(work, "run");
  await runScenario(smallInputs(), { inline: true, outDir: dir });
});

let copies = 0;
/** A copy of the good run with `edit` applied to one of its JSON files. */
function edited(file: "summary.json" | "run.json", edit: (o: Record<string, unknown>) => void): string {
  const copy = join(work, `edited-${copies++}`);
  cpSync(dir, copy, { recursive: true });
  const o = JSON.parse(readFileSync(join(copy, file), "utf8")) as Record<string, unknown>;
  edit(o);
  writeFileSync(join(copy, file), JSON.stringify(o, null, 2) + "\n");
  return copy;
}

describe("verify covers every identity field", () => {
  it("the untouched run verifies (exit 0)", async () => {
    const { code, stdout } = await cascade("verify", dir, "--sample", "4");
    expect(code, stdout).toBe(0);
  });

  const cases: { name: string; file: "summary.json" | "run.json"; edit: (o: Record<string, unknown>) => void; says: RegExp }[] = [
    {
      name: "kernelSha256 of another kernel",
      file: "summary.json",
      edit: (o) => (o.kernelSha256 = "0".repeat(64)),
      says: /kernelSha256/,
    },
    { name: "run.json's seed", file: "run.json", edit: (o) => (o.seed = 7), says: /seed/ },
    { name: "summary.json's seed", file: "summary.json", edit: (o) => (o.seed = 7), says: /seed/ },
    { name: "run.json's version", file: "run.json", edit: (o) => (o.version = "9.9.9"), says: /version/ },
    { name: "run.json's scenarioHash", file: "run.json", edit: (o) => (o.scenarioHash = "f".repeat(64)), says: /scenarioHash/ },
    { name: "run.json's engine", file: "run.json", edit: (o) => (o.engine = "ts"), says: /engine/ },
    { name: "run.json's format", file: "run.json", edit: (o) => (o.format = "parquet"), says: /format/ },
    { name: "run.json's firstPath", file: "run.json", edit: (o) => (o.firstPath = 1), says: /run\.json says paths/ },
    { name: "run.json's endPath", file: "run.json", edit: (o) => (o.endPath = 119), says: /run\.json says paths/ },
    { name: "a key run.json never has", file: "run.json", edit: (o) => (o.extra = 1), says: /run\.json has a key/ },
    {
      name: "summary.json's engine (ts, with a kernel hash)",
      file: "summary.json",
      edit: (o) => (o.engine = "ts"),
      says: /engine|kernelSha256/,
    },
    {
      name: "engineVersion of another build",
      file: "summary.json",
      edit: (o) => (o.engineVersion = "0.0.1+abi1"),
      says: /engineVersion/,
    },
    { name: "a shard the run was not", file: "summary.json", edit: (o) => (o.shard = "1/2"), says: /shard/ },
    { name: "requestedPaths", file: "summary.json", edit: (o) => (o.requestedPaths = 200), says: /requestedPaths|paths/ },
    { name: "interrupted", file: "summary.json", edit: (o) => (o.interrupted = true), says: /interrupted/ },
  ];
  it.each(cases)("a changed $name fails the check (exit 1)", async ({ file, edit, says }) => {
    const copy = edited(file, edit);
    const report = await verifyRun(copy, { sample: 4 });
    expect(report.ok).toBe(false);
    expect(
      report.checks
        .filter((c) => !c.ok)
        .map((c) => c.detail)
        .join("\n"),
    ).toMatch(says);
    const { code, stdout } = await cascade("verify", copy, "--sample", "4");
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL/);
  });

  it("reruns nothing once the scenario hash failed", async () => {
    const copy = edited("summary.json", (o) => ((o.scenario as { liquidation: { feeRate: number } }).liquidation.feeRate = 0.01));
    const report = await verifyRun(copy, { sample: 4 });
    expect(report.checks.find((c) => c.name === "scenario hash")!.ok).toBe(false);
    expect(report.checks.map((c) => c.name)).not.toContain("rerun");
  });

  it("a changed recordStride is malformed or failed, never passed", async () => {
    const copy = edited("summary.json", (o) => (o.recordStride = 16));
    const { code } = await cascade("verify", copy, "--sample", "4");
    expect([1, 2]).toContain(code);
  });
});

describe("verify opens nothing outside DIR and echoes no file contents", () => {
  /** Paths opened through fs while `fn` runs. */
  async function opened(fn: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const wrap = <T extends (...a: never[]) => unknown>(obj: Record<string, unknown>, key: string) => {
      const orig = obj[key] as T;
      obj[key] = function (this: unknown, ...args: Parameters<T>) {
        const target: unknown = args[0];
        if (typeof target === "string" || target instanceof URL) seen.push(resolve(String(target)));
        return orig.apply(this, args);
      };
      return () => (obj[key] = orig);
    };
    const undo = [
      wrap(fs as unknown as Record<string, unknown>, "readFileSync"),
      wrap(fs as unknown as Record<string, unknown>, "openSync"),
      wrap(fs as unknown as Record<string, unknown>, "createReadStream"),
      wrap(fs.promises as unknown as Record<string, unknown>, "open"),
      wrap(fs.promises as unknown as Record<string, unknown>, "readFile"),
    ];
    syncBuiltinESMExports(); // the modules' named imports of node:fs see the wrappers too
    try {
      await fn().catch(() => undefined);
    } finally {
      for (const u of undo) u();
      syncBuiltinESMExports();
    }
    return seen;
  }

  it("a scenario whose data file is outside DIR fails the scenario check, saying so; the file is never opened", async () => {
    const inputsDir = join(work, "inputs");
    mkdirSync(inputsDir, { recursive: true });
    cpSync(join(ROOT, "test/fixtures/config/positions.csv"), join(inputsDir, "positions.csv"));
    writeFileSync(join(inputsDir, "scenario.yaml"), "paths: 40\naccounts:\n  positionsFile: positions.csv\n");
    const out = join(work, "run-with-files");
    await runScenario(loadScenario(join(inputsDir, "scenario.yaml"), []), { inline: true, outDir: out });
    // what the directory's sender points at: a file of this machine
    writeFileSync(join(inputsDir, "positions.csv"), "TOPSECRET-first-line,x\nsecond,line\n");
    let report: Awaited<ReturnType<typeof verifyRun>> | undefined;
    const seen = await opened(async () => (report = await verifyRun(out, { sample: 4 })));
    const outsideReads = seen.filter((p) => !p.startsWith(resolve(out) + sep) && !p.startsWith(ROOT));
    expect(outsideReads).toEqual([]);
    expect(report!.ok).toBe(false);
    const scenarioCheck = report!.checks.find((c) => c.name === "scenario hash")!;
    expect(scenarioCheck.ok).toBe(false);
    expect(scenarioCheck.detail).toMatch(/accounts\.positionsFile.*not a file inside/);
    expect(report!.checks.map((c) => c.name)).not.toContain("rerun");
    const { code, stdout, stderr } = await cascade("verify", out);
    expect(code).toBe(1);
    expect(stdout + stderr).not.toContain("TOPSECRET");
  });

  it("the same scenario with its data file inside DIR verifies", async () => {
    const out = join(work, "self-contained");
    mkdirSync(out, { recursive: true });
    cpSync(join(ROOT, "test/fixtures/config/positions.csv"), join(out, "positions.csv"));
    writeFileSync(join(out, "scenario.yaml"), "paths: 40\naccounts:\n  positionsFile: positions.csv\n");
    await runScenario(loadScenario(join(out, "scenario.yaml"), []), { inline: true, outDir: out });
    let report: Awaited<ReturnType<typeof verifyRun>> | undefined;
    const seen = await opened(async () => (report = await verifyRun(out, { sample: 4 })));
    expect(report!.checks.filter((c) => !c.ok)).toEqual([]);
    expect(seen).toContain(join(out, "positions.csv")); // (the tracker above sees what verify opens)
  });

  it("a summary.json or paths.csv that is a link (to a file outside) is bad input (exit 2), its target never echoed", async () => {
    const secret = join(work, "secret.txt");
    writeFileSync(secret, "TOPSECRET line one\n");
    for (const name of ["summary.json", "paths.csv", "run.json"]) {
      const copy = join(work, `linked-${name}`);
      cpSync(dir, copy, { recursive: true });
      rmSync(join(copy, name));
      symlinkSync(secret, join(copy, name));
      const { code, stdout, stderr } = await cascade("verify", copy);
      expect(code, `${name}: ${stderr}`).toBe(2);
      expect(stderr).toContain(join(copy, name));
      expect(stdout + stderr).not.toContain("TOPSECRET");
    }
  });

  it("malformed or missing files are bad input (exit 2) and their text is not echoed", async () => {
    const broken = join(work, "broken");
    cpSync(dir, broken, { recursive: true });
    writeFileSync(join(broken, "summary.json"), "TOPSECRET not json");
    let r = await cascade("verify", broken);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("TOPSECRET");

    const noManifest = join(work, "no-manifest");
    cpSync(dir, noManifest, { recursive: true });
    rmSync(join(noManifest, "run.json"));
    r = await cascade("verify", noManifest);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("run.json");

    const noHash = edited("summary.json", (o) => delete o.recordsHash);
    r = await cascade("verify", noHash);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/recordsHash/);

    const badRows = join(work, "bad-rows");
    cpSync(dir, badRows, { recursive: true });
    const csv = readFileSync(join(badRows, "paths.csv"), "utf8").split("\n");
    csv[3] = "TOPSECRET-row-without-commas";
    writeFileSync(join(badRows, "paths.csv"), csv.join("\n"));
    r = await cascade("verify", badRows);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("TOPSECRET");
  });
});
