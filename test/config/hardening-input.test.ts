// Untrusted input (issue "Safe on a fresh machine and under attack", item 2): special files and size caps, paths
// relative to the scenario, messages that never quote a file, prototype pollution, bounds checked before any
// allocation, finite results, and every bad input an exit 2 with one line naming it.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { runCommand } from "../../src/cli/run.js";
import { MAX_THREADS } from "../../src/cli/options.js";
import { InputError, MAX_PROBLEMS } from "../../src/config/errors.js";
import { CONFIG_FILE_CAP, DATA_FILE_CAP, readInputText } from "../../src/config/input-file.js";
import { getAtPath, parseKeyPath, setAtPath } from "../../src/config/keypath.js";
import { applySets, loadScenario, parseScenarioText, readScenarioFile, resolveScenario } from "../../src/config/load.js";
import {
  BUDGET_ENV,
  assertRunFits,
  estimateRunMemory,
  memoryBudget,
  parseByteSize,
  runShape,
  wasmInstance,
} from "../../src/config/memory.js";
import { buildSetup } from "../../src/engine/setup.js";
import { METRIC_NAMES, RECORD_STRIDE } from "../../src/engine/metrics.js";
import { WasmEngine } from "../../src/kernel/wasm-engine.js";
import { computeMargin, type MarginResult } from "../../src/margin/calculator.js";
import { resolveSweep } from "../../src/sweep/load.js";
import { runReference, runWasm } from "../helpers/engines.js";
import { problemsOf } from "../helpers/problems.js";
import { cascade } from "../helpers/cli.js";

// The engine is not under test here: `run` records what it would hand over.
vi.mock("../../src/cli/run.js", () => ({ runCommand: vi.fn(async () => 0) }));
const runMock = vi.mocked(runCommand);

let dir: string;
const at = (name: string) => join(dir, name);
const write = (name: string, text: string) => {
  writeFileSync(at(name), text);
  return at(name);
};

/** A file standing in for /etc/shadow: nothing of it may appear in any message. */
const SECRET = "root:$6$S3CRETHASH$abcdef:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nhunter2\nS3CRET-TOKEN-42\n";
const SECRET_WORDS = ["S3CRET", "root:", "daemon", "hunter2", "99999"];

let fifo: string | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cascade-hardening-"));
  write("shadow", SECRET);
  write("s1.yaml", "accounts: { count: 10 }\n");
  write("p.yaml", "accounts: { count: 10 }\n");
  mkdirSync(at("a-directory"));
  try {
    execFileSync("mkfifo", [at("fifo")]);
    fifo = at("fifo");
  } catch {
    fifo = undefined; // no mkfifo (Windows): the FIFO cases are skipped
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  runMock.mockClear();
  vi.stubEnv(BUDGET_ENV, "");
});
afterEach(() => {
  vi.unstubAllEnvs();
  delete (Object.prototype as Record<string, unknown>).polluted;
});

/** Exit 2, fast, every stderr line an `error:` line, one of them matching `says`, nothing of SECRET quoted. */
async function refused(argv: string[], says: RegExp | string): Promise<string> {
  const { code, stderr, ms } = await cascade(...argv);
  expect(code, stderr).toBe(2);
  expect(ms).toBeLessThan(3000);
  const lines = stderr.trim().split("\n");
  expect(
    lines.every((l) => l.startsWith("error: ")),
    stderr,
  ).toBe(true);
  if (typeof says === "string") expect(stderr).toContain(says);
  else expect(stderr).toMatch(says);
  for (const word of SECRET_WORDS) expect(stderr, `stderr quotes the file: ${stderr}`).not.toContain(word);
  expect(runMock).not.toHaveBeenCalled();
  return stderr;
}

/** The embedded default scenario, for `validate` (which needs a file) with --set. */
const DEFAULT = "scenarios/btc-perp-crash.yaml";

const polluted = () => (Object.prototype as Record<string, unknown>).polluted;

describe("1. only regular files are read, and only up to a cap", () => {
  const specials = () => [
    { name: "/dev/zero", path: "/dev/zero", kind: "a character device" },
    { name: "/dev/urandom", path: "/dev/urandom", kind: "a character device" },
    { name: "a directory", path: at("a-directory"), kind: "a directory" },
    ...(fifo ? [{ name: "a FIFO", path: fifo, kind: "a FIFO (named pipe)" }] : []),
  ];

  it("validate refuses a special file as the scenario, at once, naming the path and what it is", async () => {
    for (const s of specials()) {
      await refused(["validate", s.path], `error: scenario file ${s.path} must be a regular file (received ${s.kind})`);
    }
  });

  it("run, sweep and margin refuse them too", async () => {
    for (const s of specials()) {
      await refused(["run", s.path], `scenario file ${s.path} must be a regular file (received ${s.kind})`);
      await refused(["sweep", s.path], `sweep file ${s.path} must be a regular file (received ${s.kind})`);
      await refused(["margin", s.path], `positions file ${s.path} must be a regular file (received ${s.kind})`);
    }
  });

  it("every data file key refuses them, naming the key", async () => {
    for (const s of specials()) {
      await refused(
        ["validate", at("s1.yaml"), "--set", `market.book.snapshotFile=${s.path}`],
        `error: market.book.snapshotFile must name a regular file (received "${s.path}": ${s.kind}`,
      );
      await refused(
        ["validate", at("s1.yaml"), "--set", `accounts.positionsFile=${s.path}`],
        `error: accounts.positionsFile must name a regular file (received "${s.path}": ${s.kind}`,
      );
      await refused(
        ["validate", at("s1.yaml"), "--set", "market.price.model=replay", "--set", `market.price.returnsFile=${s.path}`],
        `error: market.price.returnsFile must name a regular file (received "${s.path}": ${s.kind}`,
      );
    }
  });

  it("a sweep's base scenario and the files it names are refused the same way", async () => {
    if (!fifo) return;
    const sweep = write("fifo-base.yaml", `base: ${fifo}\naxes: [{ key: paths2, values: [1] }]\n`);
    await refused(
      ["validate", sweep],
      `base ${fifo}: scenario file ${fifo} must be a regular file (received a FIFO (named pipe))`,
    );
    const sweep2 = write(
      "fifo-data.yaml",
      `base: { accounts: { count: 10 } }\noverrides: { market.book.snapshotFile: ${fifo} }\naxes: [{ key: insurance.initialBalance, values: [1, 2] }]\n`,
    );
    await refused(["validate", sweep2], "market.book.snapshotFile must name a regular file");
  });

  it("the caps are checked before reading: a sparse file just over them is refused at once", async () => {
    const big = at("big.yaml");
    writeFileSync(big, "");
    truncateSync(big, CONFIG_FILE_CAP + 1);
    await refused(["validate", big], `error: scenario file ${big} must be a file of at most 4 MiB (received 4.0 MiB)`);
    await refused(["margin", big], "positions file");
    const data = at("big.csv");
    writeFileSync(data, "");
    truncateSync(data, DATA_FILE_CAP + 1);
    await refused(
      ["validate", at("s1.yaml"), "--set", `market.book.snapshotFile=${data}`],
      'error: market.book.snapshotFile must name a file of at most 64 MiB (received "',
    );
  });

  it("readInputText stats before it opens: a FIFO with no writer neither blocks nor is read", () => {
    if (!fifo) return;
    const t0 = performance.now();
    expect(readInputText(fifo, 100)).toEqual({ refusal: { expected: "a regular file", why: "a FIFO (named pipe)" } });
    expect(performance.now() - t0).toBeLessThan(500);
    expect(readInputText(write("small.txt", "abc"), 2)).toEqual({
      refusal: { expected: "a file of at most 2 bytes", why: "3 bytes" },
    });
    expect(readInputText(at("small.txt"), 3)).toEqual({ text: "abc" });
  });
});

describe("2. data paths relative to the scenario file; messages never quote a file", () => {
  it("a scenario's files resolve relative to it, also as a sweep's base from another directory", async () => {
    mkdirSync(at("scen"), { recursive: true });
    writeFileSync(at("scen/book.csv"), "side,price,qty\nbid,29999.5,1\nask,30000,1\n");
    const scenario = write("scen/with-book.yaml", "accounts: { count: 10 }\nmarket: { book: { snapshotFile: book.csv } }\n");
    const { code, stderr } = await cascade("validate", scenario);
    expect([code, stderr]).toEqual([0, ""]);
    mkdirSync(at("sweeps"), { recursive: true });
    const sweep = write(
      "sweeps/s.yaml",
      "base: ../scen/with-book.yaml\naxes: [{ key: insurance.initialBalance, values: [1, 2] }]\n",
    );
    expect((await cascade("validate", sweep)).code).toBe(0);
    // the inline base and the sweep's overrides are relative to the sweep file
    writeFileSync(at("sweeps/book.csv"), "side,price,qty\nbid,29999.5,1\nask,30000,1\n");
    const inline = write(
      "sweeps/inline.yaml",
      "base: { accounts: { count: 10 }, market: { book: { snapshotFile: book.csv } } }\naxes: [{ key: insurance.initialBalance, values: [1, 2] }]\n",
    );
    expect((await cascade("validate", inline)).code).toBe(0);
  });

  it("a secret file named as any data file or input file is never quoted", async () => {
    const shadow = at("shadow");
    const s1 = write("s2.yaml", "accounts: { count: 10 }\n");
    await refused(
      ["validate", s1, "--set", `market.book.snapshotFile=${shadow}`],
      `market.book.snapshotFile "${shadow}" must have a header line naming columns side,price,qty (missing side, price, qty; the header has 1 column)`,
    );
    await refused(["validate", s1, "--set", `accounts.positionsFile=${shadow}`], "the header has 1 column");
    await refused(
      ["validate", s1, "--set", "market.price.model=replay", "--set", `market.price.returnsFile=${shadow}`],
      /row 2 \(line 2\): must be a number \(received text of \d+ characters\)/,
    );
    await refused(
      ["validate", shadow],
      /error: scenario file .*shadow line 3 must be valid YAML \(Implicit keys need to be on a single line\)/,
    );
    await refused(["sweep", shadow], /error: sweep file .*shadow line 3 must be valid YAML/);
    // a file that parses as YAML text: the document is described, not quoted
    const passwd = write("passwd", "root:x:0:0:S3CRET:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
    await refused(["validate", passwd], "error: (scenario) must be a mapping of keys (received a string)");
    await refused(["run", passwd], "error: (scenario) must be a mapping of keys (received a string)");
    await refused(
      ["sweep", passwd],
      /error: sweep file .*passwd must be a mapping of keys with base, design and axes \(received a string\)/,
    );
    await refused(["margin", passwd], /error: positions file .*passwd must be valid JSON \(unexpected character\)/);
    await refused(["margin", shadow], /positions file .*shadow must be valid JSON \(unexpected character\)/);
  });

  it("bad cells, headers and syntax are described, not quoted", async () => {
    const book = write("bad-book.csv", "side,price,qty\nS3CRET,abc,1\nbid,-5,1\nbid,29999.5,1\nbid,29999.5,2\nask,29999.5,1\n");
    const out = await refused(
      ["validate", write("s3.yaml", "accounts: { count: 10 }\nmarket: { book: { snapshotFile: bad-book.csv } }\n")],
      "row 1 (line 2): side must be bid or ask (or b/a, buy/sell) (received text of 6 characters)",
    );
    expect(out).toContain("row 1 (line 2): price must be a number (received text of 3 characters)");
    expect(out).toContain("row 2 (line 3): price must be > 0 (received a negative number)");
    expect(out).toContain("row 4 (line 5): price repeats the bid level of row 3");
    expect(out).toContain(
      "must not be crossed: best bid must be < best ask (received the best bid, row 3, at or above the best ask, row 5)",
    );
    expect(book).toBeTruthy();
    await refused(["validate", write("bad.json", '{"secret": S3CRET}')], /bad\.json must be valid JSON \(unexpected character\)/);
    await refused(
      ["validate", write("bad1.json", '{"secret": "S3CRET" x}')],
      /bad1\.json line 1 must be valid JSON \(Expected ',' or '\}' after property value\)/,
    );
    await refused(
      ["validate", write("bad2.json", '{"a": 1,\n "b": "S3CRET\u0001"}')],
      /bad2\.json line 2 must be valid JSON \(Bad control character in string literal\)/,
    );
    await refused(
      ["validate", write("esc.yaml", 'name: "\\qS3CRET"\n')],
      /esc\.yaml line 1 must be valid YAML \(an invalid escape sequence in a double-quoted string\)/,
    );
    write("quote.csv", 'side,price,qty\n"bid"S3CRET,1,1\n');
    await refused(
      ["validate", write("csvq.yaml", "accounts: { count: 10 }\nmarket: { book: { snapshotFile: quote.csv } }\n")],
      /quote\.csv" line 2: must be valid CSV \(invalid closing quote\)/,
    );
  });

  it("binary garbage and control characters in keys stay on one line per problem", async () => {
    const garbage = at("garbage.yaml");
    writeFileSync(garbage, Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x22, 0x0a]));
    await refused(["validate", garbage], /scenario file .*garbage\.yaml .*must be valid (JSON|YAML)/);
    const weird = write("weird-key.json", '{"a\\nb\\u001b[2J": 1}');
    const out = await refused(["validate", weird], "error: a\\nb\\u001b[2J is not a known key");
    expect(out.trim().split("\n")).toHaveLength(1);
  });
});

describe("3. prototype pollution", () => {
  it.each([
    ["__proto__.polluted=1", "__proto__"],
    ["constructor.prototype.polluted=1", "constructor"],
    ["prototype=1", "prototype"],
    ["market.__proto__.polluted=1", "__proto__"],
    ["__proto__[0]=1", "__proto__"],
  ])("--set %s is refused naming the key, and writes nothing", async (pair, segment) => {
    const key = pair.slice(0, pair.indexOf("="));
    await refused(
      ["validate", "--set", pair, write("p.yaml", "accounts: { count: 10 }\n")],
      `error: --set key must not contain the segment ${segment}: __proto__, constructor and prototype would reach the object's prototype (received "${key}")`,
    );
    await refused(["run", "--set", pair], `--set key must not contain the segment ${segment}`);
    expect(polluted()).toBeUndefined();
    expect(() => applySets({}, [pair])).toThrow(InputError);
    expect(polluted()).toBeUndefined();
  });

  it("key paths and setAtPath refuse the segments; getAtPath reads own keys only", () => {
    expect(parseKeyPath("__proto__.x")).toBeUndefined();
    expect(parseKeyPath("a.constructor")).toBeUndefined();
    expect(setAtPath({}, ["__proto__", "polluted"], 1)).toMatch(/must not contain the segment __proto__/);
    expect(setAtPath({}, ["a", "prototype"], 1)).toMatch(/prototype/);
    expect(polluted()).toBeUndefined();
    expect(getAtPath({}, ["toString"])).toBeUndefined();
    expect(getAtPath({}, ["constructor"])).toBeUndefined();
    const root: Record<string, unknown> = {};
    expect(setAtPath(root, ["toString", "x"], 1)).toBeUndefined(); // an inherited member is not walked into
    expect(root).toEqual({ toString: { x: 1 } });
    expect(Object.prototype.toString).toBe(Object.prototype.toString);
  });

  it("a sweep's overrides and axes keys with such segments are refused, naming them", async () => {
    const sweep = write(
      "poison-sweep.yaml",
      'base: { accounts: { count: 10 } }\noverrides: { "__proto__.polluted": 1, "a.constructor.prototype.polluted": 2 }\naxes: [{ key: "constructor.prototype.polluted", values: [1, 2] }, { key: "insurance.__proto__.polluted", values: [3] }]\n',
    );
    const out = await refused(["validate", sweep], "error: axes[0].key must not contain the segment constructor");
    expect(out).toContain("error: axes[1].key must not contain the segment __proto__");
    expect(out).toContain("error: overrides key must not contain the segment __proto__");
    expect(out).toContain("error: overrides key must not contain the segment constructor");
    expect(polluted()).toBeUndefined();
    expect(() =>
      resolveSweep({ base: {}, overrides: { "__proto__.polluted": 1 }, axes: [{ key: "paths2", values: [1] }] }),
    ).toThrow(InputError);
    expect(polluted()).toBeUndefined();
  });

  it("a file with a __proto__ (or constructor) key at any depth is refused before any merge can assign through it", async () => {
    await refused(
      ["validate", write("proto.json", '{"__proto__": {"polluted": 1}, "paths": 5}')],
      /proto\.json: __proto__ must not be a key: __proto__, constructor and prototype would reach the object's prototype \(received the key __proto__\)/,
    );
    await refused(
      ["validate", write("proto.yaml", "venue: binance-usdm-btcusdt\nmarket:\n  __proto__: { polluted: 1 }\n")],
      "market.__proto__ must not be a key",
    );
    await refused(
      ["validate", write("ctor.yaml", "liquidation: { constructor: { prototype: { polluted: 1 } } }\n")],
      "liquidation.constructor must not be a key",
    );
    await refused(
      [
        "sweep",
        write("proto-sweep.json", '{"base": {"__proto__": {"polluted": 1}}, "axes": [{"key": "paths2", "values": [1]}]}'),
      ],
      "base.__proto__ must not be a key",
    );
    await refused(
      [
        "margin",
        write("proto-margin.json", '{"mode": "cross", "walletBalance": 1, "positions": [{"__proto__": {"polluted": 1}}]}'),
      ],
      "positions[0].__proto__ must not be a key",
    );
    await refused(
      ["run", write("proto-markets.yaml", "markets: [{ __proto__: { polluted: 1 } }]\n")],
      "markets[0].__proto__ must not be a key",
    );
    await refused(
      ["validate", "--set", 'market={"__proto__": {"polluted": 1}}', at("p.yaml")],
      "--set market value: __proto__ must not be a key",
    );
    expect(polluted()).toBeUndefined();
    // the parsed documents hold the key as an own property: refused even when handed to the library directly
    expect(problemsOf(() => resolveScenario(JSON.parse('{"market": {"__proto__": {"polluted": 1}}}'), dir))[0]).toMatch(
      /^the scenario: market\.__proto__ must not be a key/,
    );
    expect(polluted()).toBeUndefined();
  });
});

describe("4. bounds checked before anything is allocated", () => {
  it(`--threads is 1..${MAX_THREADS}`, async () => {
    await refused(["run", "--threads", "1000"], `error: --threads must be at most ${MAX_THREADS} (received "1000")`);
    await refused(
      ["sweep", "examples/sweep-margin-design.yaml", "--threads", "100000"],
      `error: --threads must be at most ${MAX_THREADS}`,
    );
    await refused(["run", "--threads", "0"], "error: --threads must be a positive integer");
    const { code } = await cascade("run", "--threads", String(MAX_THREADS), "--quiet");
    expect(code).toBe(0);
    expect(runMock.mock.calls[0][1].threads).toBe(MAX_THREADS);
  });

  it("accounts.count at its maximum is refused at once with the estimate and the fields driving it", async () => {
    const out = await refused(
      ["validate", DEFAULT, "--set", "accounts.count=50000000"],
      /error: accounts\.count makes the run need about [\d.]+ GiB of memory, more than its budget of [\d.]+ (GiB|MiB) \(.*\) \(received accounts\.count: 50000000 accounts × \d+ B per engine, [\d.]+ GiB/,
    );
    expect(out.trim().split("\n")).toHaveLength(1);
  });

  it("paths at its maximum, and a snapshot a billion ticks wide, are refused naming the field", async () => {
    await refused(["validate", DEFAULT, "--set", "paths=2147483647"], /error: paths makes the run need about [\d.]+ GiB/);
    write("wide.csv", "side,price,qty\nbid,1000000000,1\nbid,1,1\n");
    await refused(
      ["validate", write("wide.yaml", "accounts: { count: 10 }\nmarket: { tickSize: 1, book: { snapshotFile: wide.csv } }\n")],
      /error: market\.book\.snapshotFile makes the run need about [\d.]+ GiB/,
    );
  });

  it("the full check knows threads and the engine: steps=1e8 fits one thread but not 64; 23M accounts do not fit one WASM kernel (its 48-byte ladder records pass the 1 GiB region)", () => {
    vi.stubEnv(BUDGET_ENV, "");
    const steps = loadScenario(undefined, ["steps=100000000", "accounts.count=100"]);
    expect(() => assertRunFits(steps, { threads: 1 })).not.toThrow();
    expect(problemsOf(() => assertRunFits(steps, { threads: 64 }))[0]).toMatch(
      /^steps makes the run need about [\d.]+ GiB of memory/,
    );
    vi.stubEnv(BUDGET_ENV, "1TiB");
    const many = loadScenario(undefined, ["accounts.count=23000000"]);
    expect(problemsOf(() => assertRunFits(many, { threads: 1, engine: "wasm" }))[0]).toMatch(
      /^accounts\.count is too large for one WASM kernel: one of its regions would need 1\.0 GiB, more than the 1 GiB/,
    );
    expect(() => assertRunFits(many, { threads: 1, engine: "ts" })).not.toThrow();
    const fourteen = loadScenario(undefined, ["accounts.count=15000000"]);
    expect(problemsOf(() => assertRunFits(fourteen, { threads: 1, engine: "wasm" }))[0]).toMatch(
      /more than the 4 GiB a WebAssembly memory can hold/,
    );
  });

  it("the budget: 8 GiB or 80% of RAM, or CASCADE_MEMORY_BUDGET; a bad value is exit 2 naming it", async () => {
    expect(memoryBudget({}).bytes).toBeLessThanOrEqual(8 * 1024 ** 3);
    expect(memoryBudget({ [BUDGET_ENV]: "16GiB" })).toEqual({ bytes: 16 * 1024 ** 3, source: `${BUDGET_ENV}=16GiB` });
    expect([
      parseByteSize("512 MiB"),
      parseByteSize("1024"),
      parseByteSize("2g"),
      parseByteSize("lots"),
      parseByteSize("0"),
    ]).toEqual([512 * 1024 ** 2, 1024, 2 * 1024 ** 3, undefined, undefined]);
    vi.stubEnv(BUDGET_ENV, "1MiB");
    await refused(
      ["validate", DEFAULT, "--set", "accounts.count=100000"],
      /accounts\.count makes the run need about [\d.]+ MiB of memory, more than its budget of 1 MiB \(CASCADE_MEMORY_BUDGET=1MiB\)/,
    );
    vi.stubEnv(BUDGET_ENV, "plenty");
    await refused(
      ["validate", DEFAULT, "--set", "accounts.count=100"],
      'error: CASCADE_MEMORY_BUDGET must be a size such as 16GiB, 512MiB or a number of bytes (received "plenty")',
    );
  });

  it("the WASM estimate follows the kernel's real memory (its allocator doubles it as it grows)", () => {
    for (const sets of [
      ["accounts.count=200000"],
      ["accounts.count=10", "accounts.notional.top10Share=null", "market.book.levels=3000000"],
    ]) {
      const inputs = loadScenario(undefined, sets);
      const actual = new WasmEngine(buildSetup(inputs)).exports.memory.buffer.byteLength;
      const w = wasmInstance(runShape(inputs));
      expect(w.memory, sets.join(" ")).toBeGreaterThanOrEqual(actual);
      expect(w.memory).toBeLessThan(actual * 1.05);
      expect(estimateRunMemory(inputs, { threads: 1, engine: "wasm" }).wasmInstance).toBeGreaterThanOrEqual(w.used);
    }
  });
});

describe("5. bounds so that every accepted scenario computes finite numbers", () => {
  it.each([
    ["market.initialPrice=1e308", "market.initialPrice must be <= 1000000000000000 (received 1e+308)"],
    ["accounts.notional.max=1e308", "accounts.notional.max must be <= 1000000000000000"],
    ["insurance.initialBalance=1e308", "insurance.initialBalance must be <= 1000000000000000"],
    ["market.book.depth.size=1e300", "market.book.depth.size must be <= 1000000000000000"],
    ["market.book.depth.saturationTicks=1e300", "market.book.depth.saturationTicks must be <= 1000000000"],
    ["market.price.drift=1e308", "market.price.drift must be <= 100"],
    ["market.price.shocks=[{step: 5, return: 1e308}]", "market.price.shocks[0].return must be <= 100"],
    ["liquidation.auction={tip: 1e308}", "liquidation.auction.tip must be <= 1000000000000000"],
    ["market.tickSize=40000", "market.tickSize must be <= market.initialPrice (30000) (received 40000)"],
    ["market.tickSize=1e-9", "market.tickSize must be >= market.initialPrice / 1000000000"],
    ["market.initialPrice=1e-300", "market.initialPrice must be >= 1e-12"],
    ["market.book.stress={withdrawal: 1e308}", "market.book.stress.withdrawal must be <= 100"],
  ])("%s is refused", async (pair, says) => {
    const sets = pair.startsWith("liquidation.auction") ? ["--set", "liquidation.engine=dutch-auction"] : [];
    await refused(["validate", DEFAULT, "--set", pair, ...sets], `error: ${says}`);
  });

  it("the price's largest plausible move over the run is bounded across drift, volatility, jumps and shocks", async () => {
    await refused(
      ["validate", DEFAULT, "--set", "market.price.drift=100", "--set", "steps=2000000", "--set", "stepSeconds=31536000"],
      /error: market\.price\.drift must keep the log-price's largest plausible move over the run within 200/,
    );
    const shocks = JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ step: i + 1, return: 99 })));
    await refused(
      ["validate", DEFAULT, "--set", `market.price.shocks=${shocks}`],
      /error: market\.price\.shocks must keep the log-price's largest plausible move/,
    );
    await refused(
      [
        "validate",
        DEFAULT,
        "--set",
        "market.price.model=merton",
        "--set",
        "market.price.jumps.intensity=1e6",
        "--set",
        "market.price.jumps.meanLog=5",
        "--set",
        "steps=100000",
      ],
      /market\.price\.jumps must keep/,
    );
  });

  it("extreme values that are accepted give finite metrics on both engines", () => {
    const cases = [
      ["market.initialPrice=1e15", "market.tickSize=1e6"],
      ["market.initialPrice=1e-12", "market.tickSize=1e-16", "market.book.levels=100"],
      ["accounts.notional.max=1e15", "accounts.notional.min=1e14", "insurance.initialBalance=1e15"],
      ["market.book.depth.size=1e15"],
      ["market.price.shocks=[{step: 5, return: 100}]"],
      ["market.price.volatility=50", "stepSeconds=86400", "steps=20", "accounts.entry=null"], // the default's two-day entry history is refused at 5,000% volatility
      ["liquidation.engine=dutch-auction", "liquidation.auction={tip: 1e15}"],
      ["accounts.leverage.median=10000", "accounts.leverage.max=10000"],
    ];
    for (const c of cases) {
      const inputs = loadScenario(undefined, ["accounts.count=200", "paths=3", "steps=30", ...c]);
      for (const out of [runWasm(inputs, 3), runReference(inputs, 3)]) {
        for (let i = 0; i < out.length; i++) {
          const metric = METRIC_NAMES[i % RECORD_STRIDE];
          if (metric !== "marginHeld") expect(Number.isFinite(out[i]), `${c.join(" ")}: ${metric} = ${out[i]}`).toBe(true);
        }
      }
    }
  });

  const request = (position: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    mode: "isolated",
    walletBalance: 1000,
    positions: [
      {
        symbol: "BTCUSDT",
        side: "long",
        size: 1,
        entryPrice: 30000,
        markPrice: 30000,
        tiers: [{ floor: 0, mmr: 0.004, maintenanceAmount: 0 }],
        ...position,
      },
    ],
    ...extra,
  });

  it.each([
    ["a huge size", { size: 1e300 }, "positions[0].size must be <= 1000000000000000 (received 1e+300)"],
    ["a tiny size", { size: 1e-300 }, "positions[0].size must be >= 1e-12 (received 1e-300)"],
    ["a huge entry price", { entryPrice: 1e308, maintenanceAt: "entry" }, "positions[0].entryPrice must be <= 1000000000000000"],
    ["a tiny mark price", { markPrice: 1e-300 }, "positions[0].markPrice must be >= 1e-12"],
    [
      "a maintenanceAmount above notional × mmr",
      { tiers: [{ floor: 0, mmr: 0.025, maintenanceAmount: 16300 }] },
      "positions[0].tiers[0].maintenanceAmount must be <= 750, this position's notional 30000 × mmr 0.025, so that its maintenance margin is not negative (received 16300)",
    ],
  ])("cascade margin refuses %s instead of printing null or a negative margin", async (_name, position, says) => {
    await refused(["margin", write("m.json", JSON.stringify(request(position)))], `error: ${says}`);
  });

  it("cascade margin: a huge wallet is refused; a negative margin at the liquidation price is refused", async () => {
    await refused(
      ["margin", write("m2.json", JSON.stringify(request({}, { walletBalance: 1e308 })))],
      "error: walletBalance must be <= 1000000000000000",
    );
    // MM ≥ 0 at the mark (notional 3,000,000) but negative at the liquidation price's notional
    const lower = request(
      { size: 100, tiers: [{ floor: 0, mmr: 0.025, maintenanceAmount: 16300 }] },
      { walletBalance: 2_900_000 },
    );
    expect(problemsOf(() => computeMargin(lower as never))[0]).toMatch(
      /^positions\[0\]\.tiers\[0\]\.maintenanceAmount must be <= [\d.]+, the notional at its liquidation price/,
    );
  });

  it("random requests within the bounds never print null, a negative margin or a non-finite number", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + rnd() * (Math.log(hi) - Math.log(lo)));
    for (let k = 0; k < 3000; k++) {
      const entry = logUniform(1e-12, 1e15);
      const positions = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, i) => ({
        symbol: `S${i}`,
        side: rnd() < 0.5 ? "long" : "short",
        size: logUniform(1e-12, 1e15),
        entryPrice: entry,
        markPrice: entry * logUniform(0.01, 100),
        tiers: [{ floor: 0, mmr: rnd() < 0.2 ? 0 : rnd() * 0.5, maintenanceAmount: 0 }],
        ...(rnd() < 0.3 ? { maintenanceAt: "entry" } : {}),
      }));
      let out: MarginResult;
      try {
        out = computeMargin({
          mode: rnd() < 0.5 ? "cross" : "isolated",
          walletBalance: logUniform(1e-6, 1e15),
          positions,
        } as never);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        continue;
      }
      for (const p of out.positions) {
        expect(p.liquidationPrice).not.toBeNull();
        expect(Number.isFinite(p.liquidationPrice) && p.liquidationPrice! >= 0).toBe(true);
        expect(Number.isFinite(p.maintenanceMargin) && p.maintenanceMargin >= 0).toBe(true);
        expect(Number.isFinite(p.bankruptcyPrice) && p.bankruptcyPrice >= 0).toBe(true);
      }
      if (out.marginRatio !== null) expect(Number.isFinite(out.marginRatio) && out.marginRatio >= 0).toBe(true);
    }
  });
});

describe("6. OS errors and malformed files are exit 2 naming the path", () => {
  it.each([
    ["a missing file", () => at("no-such.yaml"), "no such file"],
    ["a path through a file", () => `${at("shadow")}/x.yaml`, "a path through something that is not a directory"],
    ["a name too long", () => at("x".repeat(5000)), "a name too long for the file system"],
    [
      "a symlink loop",
      () => {
        const loop = at("loop");
        execFileSync("ln", ["-sf", loop, loop]);
        return loop;
      },
      "too many levels of symbolic links",
    ],
  ])("%s", async (_name, path, why) => {
    const p = path();
    await refused(["validate", p], `must be a readable file (received ${why})`);
    await refused(["run", p], `must be a readable file (received ${why})`);
    const data = await refused(
      ["validate", at("s1.yaml"), "--set", `accounts.positionsFile=${p}`],
      'error: accounts.positionsFile must name a readable file (received "',
    );
    expect(data).toContain(`: ${why} at `);
    await refused(["margin", p], `must be a readable file (received ${why})`);
    await refused(["sweep", p], `must be a readable file (received ${why})`);
  });

  it("a file without read permission", async () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const locked = write("locked.yaml", "paths: 1\n");
    execFileSync("chmod", ["000", locked]);
    await refused(["validate", locked], "must be a readable file (received permission denied)");
  });

  it("a YAML alias bomb is refused at the yaml library's maxAliasCount", async () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
      "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
    ].join("\n");
    await refused(
      ["validate", write("bomb.yaml", bomb)],
      /bomb\.yaml must expand YAML aliases at most 100 times \(received more: an alias bomb is refused\)/,
    );
    const flow =
      "[&a [x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], [*c,*c,*c,*c,*c,*c,*c,*c,*c]]";
    await refused(["validate", "--set", `name=${flow}`, at("s1.yaml")], "error: --set name value must be a YAML value");
  });

  it("deeply nested JSON and YAML are refused, not a stack overflow", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    await refused(
      ["validate", write("deep.json", deep)],
      /deep\.json must nest mappings and lists at most 64 deep \(received deeper nesting\)/,
    );
    await refused(["validate", write("deep.yaml", `a: ${deep}\n`)], /deep\.yaml.* must (be valid YAML|nest mappings)/);
    await refused(["margin", write("deep-m.json", `{"positions": ${deep}}`)], "must nest mappings and lists at most 64 deep");
    await refused(
      ["validate", write("deep-70.json", `{"name": ${"[".repeat(70)}${"]".repeat(70)}}`)],
      "must nest mappings and lists at most 64 deep",
    );
  });

  it("YAML nesting is measured on the text before the parser sees it (which takes a minute on 4 MiB of `[[[`)", async () => {
    await refused(
      ["validate", write("deep-seq.yaml", "- ".repeat(400_000))],
      /deep-seq\.yaml must nest mappings and lists at most 64 deep/,
    );
    await refused(
      ["validate", write("deep-flow.yaml", `a: ${"[".repeat(500_000)}`)],
      /deep-flow\.yaml must nest mappings and lists at most 64 deep/,
    );
    const indented = Array.from({ length: 800 }, (_, i) => `${" ".repeat(i)}a:`).join("\n");
    await refused(
      ["validate", write("deep-indent.yaml", indented)],
      /deep-indent\.yaml must nest mappings and lists at most 64 deep/,
    );
    await refused(
      ["validate", "--set", `name=${"[".repeat(100_000)}`, at("s1.yaml")],
      "error: --set name value must nest mappings and lists at most 64 deep",
    );
    // brackets inside a quoted scalar are not nesting
    const quoted = await cascade("validate", write("quoted.yaml", `name: '${"[".repeat(200)}'\naccounts: { count: 10 }\n`));
    expect([quoted.code, quoted.stderr]).toEqual([0, ""]);
  });

  it("YAML is read up to 1 MiB (the parser takes seconds a MiB); a larger file must be JSON, read up to 4 MiB", async () => {
    const list = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(",")}]`;
    await refused(
      ["validate", write("big.yaml", `name: scenario\npaddingList: ${list(300_000)}\n`)],
      /big\.yaml must be at most 1 MiB when it is YAML; a larger file must be JSON \(received [\d.]+ MiB\)/,
    );
    const t0 = performance.now();
    const json = await cascade(
      "validate",
      write("big.json", JSON.stringify({ name: "x".repeat(3_000_000), accounts: { count: 10 } })),
    );
    expect([json.code, json.stderr]).toEqual([0, ""]);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it("a file with thousands of unknown keys gives at most MAX_PROBLEMS lines", async () => {
    const keys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const out = await refused(["validate", write("wide.json", JSON.stringify(keys))], "is not a known key");
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(MAX_PROBLEMS + 1);
    expect(lines[MAX_PROBLEMS]).toBe(`error: ... and ${5000 - MAX_PROBLEMS} more problems`);
  });

  it("a document parsed from text: parseScenarioText and readScenarioFile throw InputError only", () => {
    for (const text of ["{", "a: [", "\u0000\u0001\u0002", "a: *nope", "- &x 1\n- *x"]) {
      try {
        parseScenarioText(text, "t.yaml");
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
      }
    }
    expect(problemsOf(() => readScenarioFile(at("no-such")))[0]).toMatch(/must be a readable file \(received no such file\)$/);
  });
});
