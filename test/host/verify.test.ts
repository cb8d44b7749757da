import { afterAll, describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/program.js";
import { loadScenario } from "../../src/config/load.js";
import { runScenario } from "../../src/mc/run.js";
import { verifyRun } from "../../src/mc/verify.js";

const work = mkdtempSync(join(tmpdir(), "cascade-verify-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function collect() {
  let out = "";
  let err = "";
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } },
    out: () => out,
    err: () => err,
  };
}

describe("cascade verify", async () => {
  const dir = join(work, "run");
  await runScenario(loadScenario(undefined, ["paths=120", "accounts.count=2000", "insurance.initialBalance=3000"]), {
    inline: true,
    outDir: dir,
  });

  it("passes on an untouched output: hashes, statistics and a rerun sample all agree", async () => {
    const report = await verifyRun(dir, { sample: 20 });
    expect(report.checks.map((c) => `${c.name}:${c.ok}`)).toEqual([
      "rows:true",
      "records hash:true",
      "scenario hash:true",
      "statistics:true",
      "fan:true",
      "rerun:true",
    ]);
    const cli = collect();
    expect(await main(["verify", dir], cli.io)).toBe(0);
    expect(cli.out()).toMatch(/verified/);
  });

  it("fails on an output with a single edited row, naming the check and the path", async () => {
    const edited = join(work, "edited");
    cpSync(dir, edited, { recursive: true });
    const file = join(edited, "paths.csv");
    const lines = readFileSync(file, "utf8").split("\n");
    const fields = lines[6].split(","); // path 5
    fields[1] = String(Number(fields[1]) + 1); // one more liquidation
    lines[6] = fields.join(",");
    writeFileSync(file, lines.join("\n"));
    const report = await verifyRun(edited, { sample: 200 });
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).toEqual(expect.arrayContaining(["records hash", "statistics", "rerun"]));
    expect(report.checks.find((c) => c.name === "rerun")!.detail).toMatch(/path 5 liquidations/);
    const cli = collect();
    expect(await main(["verify", edited], cli.io)).toBe(1);
    expect(cli.out()).toMatch(/FAIL {2}records hash/);
  });

  it("fails when the scenario recorded in summary.json was changed", async () => {
    const changed = join(work, "changed");
    cpSync(dir, changed, { recursive: true });
    const file = join(changed, "summary.json");
    const summary = JSON.parse(readFileSync(file, "utf8"));
    summary.scenario.liquidation.feeRate = 0.01;
    writeFileSync(file, JSON.stringify(summary));
    const report = await verifyRun(changed, { sample: 5 });
    expect(report.checks.find((c) => c.name === "scenario hash")!.ok).toBe(false);
  });

  it("a directory that is not a run is bad input (exit 2)", async () => {
    const cli = collect();
    expect(await main(["verify", join(work, "nothing-here")], cli.io)).toBe(2);
    expect(cli.err()).toMatch(/summary/);
  });
});
