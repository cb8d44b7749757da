// Finding 5: every OS error on the OUTPUT path (a directory that cannot be made, --out naming a file, a
// pseudo filesystem, a full or read-only disk) exits 2 with one line naming the path: never exit 1 "please
// report", never a spin, the message printed once, and nothing half-written left as a final file (temp
// files removed). `--out /proc/nope` used to spin at 80% CPU: Node's mkdir({ recursive: true }) loops on it.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { runScenario } from "../../src/mc/run.js";
import { OutputError, ensureDir, writeAtomic } from "../../src/report/atomic.js";
import { cascade, errorLinesOf, mountTmpfs, smallInputs, spawnCascade, unmount } from "../helpers/hardening-output.js";

const work = mkdtempSync(join(tmpdir(), "cascade-hardening-oserr-"));
const tiny = join(work, "tiny");
const readonly = join(work, "readonly");
const tinyMounted = mountTmpfs(tiny, "size=64k");
const roMounted = mountTmpfs(readonly, "ro,size=64k");
afterAll(() => {
  if (tinyMounted) unmount(tiny);
  if (roMounted) unmount(readonly);
  rmSync(work, { recursive: true, force: true });
});

const SWEEP =
  "overrides: { accounts.count: 200, steps: 30 }\naxes:\n  - { key: market.book.depth.size, values: [0.02, 0.04, 0.06] }\n";
const CROSS = join(process.cwd(), "examples", "cross-margin.yaml");

/** Exit 2, exactly one line, naming `path`; no "please report", nothing printed twice. */
function expectOneLine(r: { code: number | null; stderr: string }, path: string, what: string) {
  expect(r.code, `${what}: ${r.stderr}`).toBe(2);
  const lines = errorLinesOf(r.stderr);
  expect(lines, what).toHaveLength(1);
  expect(lines[0], what).toMatch(/^error: /);
  expect(lines[0], what).toContain(path);
  expect(r.stderr, what).not.toMatch(/please report/);
}

/** Files left in an output directory: no final file of a failed run, no temp file. */
function expectNothingHalfWritten(dir: string, what: string) {
  const left = existsSync(dir) ? readdirSync(dir) : [];
  expect(
    left.filter((f) => ["paths.csv", "paths.parquet", "summary.json", "sweep.csv", "sweep.json"].includes(f)),
    what,
  ).toEqual([]);
  expect(
    left.filter((f) => f.endsWith(".tmp") || f.endsWith(".resuming") || f === ".cascade.lock"),
    what,
  ).toEqual([]);
}

describe("an output directory that cannot be made", () => {
  let sweepFile: string;
  let shard: string;
  let file: string;
  beforeAll(async () => {
    sweepFile = join(work, "sweep.yaml");
    writeFileSync(sweepFile, SWEEP);
    shard = join(work, "shard");
    await runScenario(smallInputs(), { inline: true, outDir: shard });
    file = join(work, "a-file");
    writeFileSync(file, "x");
  });

  it.skipIf(!existsSync("/proc/self"))(
    "--out /proc/nope fails at once (no spin): exit 2, one line naming it",
    async () => {
      const argvs = [
        ["run", "--paths", "20", "--threads", "2", "--quiet", "--out", "/proc/nope"],
        ["run", "--paths", "20", "--threads", "1", "--quiet", "--format", "parquet", "--out", "/proc/nope/deeper"],
        ["sweep", sweepFile, "--paths", "10", "--threads", "2", "--quiet", "--out", "/proc/nope"],
        ["merge", shard, "--out", "/proc/nope"],
        ["run", CROSS, "--paths", "10", "--threads", "1", "--out", "/proc/nope"],
      ];
      const results = await Promise.all(argvs.map((argv) => spawnCascade(argv, 20_000)));
      results.forEach((r, i) => {
        expect(r.timedOut, argvs[i].join(" ")).toBe(false);
        expect(r.ms, argvs[i].join(" ")).toBeLessThan(15_000);
        expectOneLine(r, "/proc/nope", argvs[i].join(" "));
      });
    },
    60_000,
  );

  it("--out naming a file, or a path through a file: exit 2, one line naming it (run, sweep, merge, a cross-margin run)", async () => {
    for (const out of [file, join(file, "sub")]) {
      const cases = [
        ["run", "--paths", "20", "--threads", "1", "--quiet", "--out", out],
        ["sweep", sweepFile, "--paths", "10", "--threads", "1", "--quiet", "--out", out],
        ["merge", shard, "--out", out],
        ["run", CROSS, "--paths", "10", "--threads", "1", "--out", out],
      ];
      for (const argv of cases) expectOneLine(await cascade(...argv), file, argv.join(" "));
    }
  });

  it("ensureDir makes missing levels one at a time and names the path when it cannot", async () => {
    const deep = join(work, "a", "b", "c");
    await ensureDir(deep);
    expect(existsSync(deep)).toBe(true);
    await expect(ensureDir(join(file, "x"))).rejects.toBeInstanceOf(OutputError);
    await expect(ensureDir(file)).rejects.toThrow(file);
  });
});

describe("a write that fails mid-run (ENOSPC from the filesystem, simulated)", () => {
  /** Makes every FileHandle write under `dir` fail with ENOSPC after `allow` bytes. */
  async function failingWrites(dir: string, allow: number): Promise<() => void> {
    const fh = await open(join(work, "probe"), "w");
    const proto = Object.getPrototypeOf(fh) as { write: (...a: unknown[]) => Promise<unknown> };
    await fh.close();
    const original = proto.write;
    const written = new Map<unknown, number>();
    proto.write = async function (this: { path?: string; fd: number }, ...args: unknown[]) {
      const result = (await original.apply(this, args)) as { bytesWritten: number };
      const total = (written.get(this) ?? 0) + result.bytesWritten;
      written.set(this, total);
      if (total > allow && String((this as { path?: string }).path ?? "").startsWith(dir)) {
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write" });
      }
      return result;
    };
    return () => void (proto.write = original);
  }

  it("is an OutputError naming the file (exit 2), not a bug", async () => {
    const dir = join(work, "enospc-sim");
    mkdirSync(dir);
    // FileHandle has no path: count every handle, but this test writes nothing else meanwhile
    const restore = await failingWrites("", 4096);
    let err: unknown;
    try {
      err = await runScenario(smallInputs([], 400), { inline: true, outDir: dir }).catch((e: unknown) => e);
    } finally {
      restore();
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^cannot write .*paths\.csv\.partial: no space left on device \(ENOSPC\)$/);
    expectNothingHalfWritten(dir, "simulated ENOSPC");
  });

  it("writeAtomic leaves no temp file behind", async () => {
    const dir = join(work, "atomic-sim");
    mkdirSync(dir);
    const restore = await failingWrites("", 10);
    try {
      await expect(writeAtomic(dir, "summary.json", "x".repeat(100))).rejects.toThrow(
        /cannot write .*summary\.json: no space left on device/,
      );
    } finally {
      restore();
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe.skipIf(!tinyMounted)("a full disk (a 64 KiB tmpfs)", () => {
  let sweepFile: string;
  let shards: string[];
  beforeAll(async () => {
    sweepFile = join(work, "sweep-full.yaml");
    writeFileSync(sweepFile, SWEEP);
    shards = [];
    for (const i of [1, 2]) {
      const d = join(work, `full-shard-${i}`);
      await runScenario(smallInputs([], 3000), { inline: true, outDir: d, shard: { index: i, count: 2 } });
      shards.push(d);
    }
  });

  const cases: { name: string; argv: (out: string) => string[] }[] = [
    {
      name: "run csv",
      argv: (out) => ["run", "--paths", "3000", "--set", "accounts.count=2000", "--threads", "2", "--quiet", "--out", out],
    },
    {
      name: "run parquet",
      argv: (out) => [
        "run",
        "--paths",
        "3000",
        "--set",
        "accounts.count=2000",
        "--threads",
        "2",
        "--quiet",
        "--format",
        "parquet",
        "--out",
        out,
      ],
    },
    {
      name: "sweep --keep-paths",
      argv: (out) => ["sweep", sweepFile, "--paths", "800", "--threads", "2", "--quiet", "--keep-paths", "--out", out],
    },
    { name: "merge", argv: (out) => ["merge", ...shards, "--quiet", "--out", out] },
  ];
  it.each(cases)(
    "$name: exit 2, one line naming the file and ENOSPC, nothing half-written as a final file",
    async ({ name, argv }) => {
      for (const f of readdirSync(tiny)) rmSync(join(tiny, f), { recursive: true, force: true });
      const out = join(tiny, name.replace(/\W+/g, "-"));
      const r = await spawnCascade(argv(out), 60_000);
      expect(r.timedOut).toBe(false);
      expectOneLine(r, out, name);
      expect(errorLinesOf(r.stderr)[0]).toMatch(/ENOSPC/);
      expectNothingHalfWritten(out, name);
    },
    90_000,
  );
});

describe.skipIf(!roMounted)("a read-only filesystem", () => {
  it("run into it and into a directory below it: exit 2, one line naming the path", async () => {
    for (const out of [readonly, join(readonly, "sub")]) {
      const r = await spawnCascade(["run", "--paths", "20", "--threads", "1", "--quiet", "--out", out], 30_000);
      expectOneLine(r, out, out);
      expect(errorLinesOf(r.stderr)[0]).toMatch(/EROFS/);
    }
  });
});
