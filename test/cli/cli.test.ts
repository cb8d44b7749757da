// The `cascade` CLI through main(argv): exit codes, one line per problem, never a stack trace.
import { fileURLToPath } from "node:url";
import { CommanderError } from "commander";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { InputError, InternalError } from "../../src/config/errors.js";
import { errorLines, exitCodeFor } from "../../src/cli/exit.js";
import { runCommand } from "../../src/cli/run.js";
import { cascade } from "../helpers/cli.js";

// The engine is not under test: record what `run` hands it.
vi.mock("../../src/cli/run.js", () => ({ runCommand: vi.fn(async () => 0) }));
const runMock = vi.mocked(runCommand);

const FIXTURES = fileURLToPath(new URL("../fixtures/config/", import.meta.url));
const DEFAULT_SCENARIO = fileURLToPath(new URL("../../scenarios/btc-perp-crash.yaml", import.meta.url));

beforeEach(() => runMock.mockClear());

describe("bad input exits 2 with one line naming what is wrong", () => {
  const cases: { name: string; argv: string[]; says: string }[] = [
    { name: "an unknown option", argv: ["run", "--pahts", "5"], says: "error: unknown option '--pahts'" },
    { name: "an unknown command", argv: ["rnu"], says: "error: unknown command 'rnu'" },
    { name: "an extra argument", argv: ["run", "a.yaml", "b.yaml"], says: "error: too many arguments" },
    {
      name: "negative --paths",
      argv: ["run", "--paths", "-5"],
      says: 'error: --paths must be a positive integer (received "-5")',
    },
    { name: "fractional --seed", argv: ["run", "--seed", "1.5"], says: "error: --seed must be a non-negative integer" },
    { name: "zero --threads", argv: ["run", "--threads", "0"], says: "error: --threads must be a positive integer" },
    {
      name: "an unknown --engine",
      argv: ["run", "--engine", "gpu"],
      says: 'error: --engine must be one of wasm, ts (received "gpu")',
    },
    {
      name: "a shard beyond the count",
      argv: ["run", "--shard", "4/3"],
      says: 'error: --shard must be i/n with 1 <= i <= n, e.g. 2/4 (received "4/3")',
    },
    { name: "shard 0", argv: ["run", "--shard", "0/3"], says: "error: --shard must be i/n" },
    { name: "an unknown --format", argv: ["run", "--format", "xlsx"], says: "error: --format must be one of csv, parquet" },
    { name: "a malformed --set", argv: ["run", "--set", "paths"], says: "error: --set must be key.path=value" },
    {
      name: "a --set of an unknown key",
      argv: ["run", "--set", "accounts.levrage=3"],
      says: "error: accounts.levrage is not a known key",
    },
    { name: "a missing scenario file", argv: ["run", "no-such.yaml"], says: "must be a readable file" },
    {
      name: "a missing margin input",
      argv: ["margin", "no-such.json"],
      says: "error: positions file no-such.json must be a readable file",
    },
    { name: "a margin input that is not JSON", argv: ["margin", `${FIXTURES}malformed.json`], says: "line 4 must be valid JSON" },
  ];
  it.each(cases)("$name", async ({ argv, says }) => {
    const { code, stderr } = await cascade(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(says);
    expect(runMock).not.toHaveBeenCalled();
  });

  it("every bad option of run is reported at once", async () => {
    const { code, stderr } = await cascade("run", "--paths", "-5", "--engine", "gpu", "--shard", "4/3", "--format", "xls");
    expect(code).toBe(2);
    expect(
      stderr
        .trim()
        .split("\n")
        .map((l) => l.split(" ")[1]),
    ).toEqual(["--paths", "--engine", "--shard", "--format"]);
  });
});

describe("validate", () => {
  it("prints every problem of a broken file on stderr, one per line, and exits 2", async () => {
    const { code, stdout, stderr } = await cascade("validate", `${FIXTURES}broken.yaml`);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toEqual(
      expect.arrayContaining([
        "error: paths must be >= 1 (received 0)",
        'error: market.price.model must be one of gbm, merton, none, replay (received "gmb")',
        "error: accounts.levrage is not a known key (did you mean leverage?)",
        "error: accounts.leverage.median must be > 0 (received -2)",
      ]),
    );
  });

  it("says ok with the size of the default scenario and exits 0", async () => {
    const { code, stdout, stderr } = await cascade("validate", DEFAULT_SCENARIO);
    expect([code, stdout, stderr]).toEqual([0, "ok: btc-perp-crash (2000 paths, 100 steps, 10000 accounts)\n", ""]);
  });

  it("counts the distinct accounts of a loaded positions file", async () => {
    const { code, stdout } = await cascade("validate", `${FIXTURES}with-files.yaml`);
    expect([code, stdout]).toEqual([0, "ok: with-files (2000 paths, 100 steps, 2 accounts)\n"]);
  });

  it("applies --set before checking", async () => {
    const { code, stdout } = await cascade("validate", DEFAULT_SCENARIO, "--set", "paths=7");
    expect([code, stdout]).toEqual([0, "ok: btc-perp-crash (7 paths, 100 steps, 10000 accounts)\n"]);
  });
});

describe("presets", () => {
  it("lists the Binance preset and the default scenario with source and date, exit 0", async () => {
    const { code, stdout } = await cascade("presets");
    expect(code).toBe(0);
    expect(stdout).toContain("binance-usdm-btcusdt");
    expect(stdout).toContain("btc-perp-crash (default)");
    expect(stdout.match(/^ {4}source: /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(stdout.match(/^ {4}date: /gm)?.length).toBeGreaterThanOrEqual(2);
  });
});

describe("run", () => {
  it("hands the engine the default scenario with --paths/--seed applied and the parsed options", async () => {
    const { code } = await cascade(
      "run",
      "--paths",
      "12",
      "--seed",
      "7",
      "--engine",
      "ts",
      "--shard",
      "2/3",
      "--threads",
      "2",
      "--quiet",
      "--json",
    );
    expect(code).toBe(0);
    expect(runMock).toHaveBeenCalledTimes(1);
    const [inputs, options] = runMock.mock.calls[0];
    expect([inputs.scenario.name, inputs.scenario.paths, inputs.scenario.seed]).toEqual(["btc-perp-crash", 12, 7]);
    expect(options).toEqual({
      threads: 2,
      out: "./cascade-out",
      engine: "ts",
      shard: { index: 2, count: 3 },
      format: "csv",
      quiet: true,
      json: true,
      force: false,
      sets: ["paths=12", "seed=7"],
    });
  });

  it("lets --paths win over a --set of paths", async () => {
    await cascade("run", "--set", "paths=3", "--paths", "5");
    expect(runMock.mock.calls[0][0].scenario.paths).toBe(5);
  });

  it("passes on the exit code of the run (130 when interrupted)", async () => {
    runMock.mockResolvedValueOnce(130);
    expect((await cascade("run")).code).toBe(130);
  });

  it("reports a bug with exit 1, its message and how to reproduce it", async () => {
    runMock.mockRejectedValueOnce(new InternalError("kernel trapped: unreachable", { pathIndex: 17 }));
    const { code, stderr } = await cascade("run", `${FIXTURES}scenario.json`, "--seed", "9");
    expect(code).toBe(1);
    expect(stderr).toBe(
      `error: kernel trapped: unreachable\nplease report: seed 9, path index 17, scenario ${FIXTURES}scenario.json\n`,
    );
  });
});

describe("exit codes", () => {
  const cases: { name: string; err: unknown; code: number }[] = [
    { name: "bad input is 2", err: new InputError(["paths must be >= 1 (received 0)"]), code: 2 },
    {
      name: "a commander usage error is 2",
      err: new CommanderError(1, "commander.unknownOption", "error: unknown option '--x'"),
      code: 2,
    },
    { name: "--help is 0", err: new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"), code: 0 },
    { name: "a bug is 1", err: new TypeError("x is undefined"), code: 1 },
    { name: "a thrown non-error is 1", err: "boom", code: 1 },
  ];
  it.each(cases)("$name", ({ err, code }) => expect(exitCodeFor(err)).toBe(code));

  it("bad input prints each problem on its own line and nothing else", () => {
    expect(errorLines(new InputError(["a must be > 0 (received -1)", "b is not a known key"]), { seed: 1 })).toEqual([
      "error: a must be > 0 (received -1)",
      "error: b is not a known key",
    ]);
  });

  it("--help and --version exit 0", async () => {
    expect((await cascade("--help")).code).toBe(0);
    expect((await cascade("--version")).code).toBe(0);
  });
});

describe("validate on a sweep file", () => {
  it("checks every point of the example sweep and says how many there are", async () => {
    const { code, stdout } = await cascade("validate", "examples/sweep-margin-design.yaml");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: sweep \S+ \(\d+ points, \d+ paths each\)/);
  });
});
