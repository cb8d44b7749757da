// The portfolio engine's goldens through `cascade run` (#14: the fork is gone, its worked examples run on the one
// engine): the hand-computed worst-leg table and the USDe depeg on the venue's own book (test/fixtures/cross/*.yaml
// carry the derivations), on the kernel and the reference engine, paths.csv byte for byte the same; late deposits
// through --set; the old command's pointer.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cascade } from "../helpers/cli.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/cross/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cascade-cross-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `cascade run FILE` on an engine: each metric of the one path (its mean), and paths.csv's text. */
async function run(file: string, engine: "wasm" | "ts", ...extra: string[]) {
  const out = join(dir, `${engine}-${Math.random().toString(36).slice(2)}`);
  const r = await cascade(
    "run",
    join(FIXTURES, file),
    "--engine",
    engine,
    "--threads",
    "1",
    "--json",
    "--quiet",
    "--no-report",
    "--out",
    out,
    ...extra,
  );
  expect(r.stderr).not.toMatch(/error/); // warnings (several markets) are said even with --quiet
  expect(r.code).toBe(0);
  const summary = JSON.parse(r.stdout) as { metrics: Record<string, { mean: number }> };
  const value = (name: string) => {
    const m = summary.metrics[name];
    if (!m) throw new Error(`no metric ${name}`);
    return m.mean;
  };
  return { value, csv: readFileSync(join(out, "paths.csv"), "utf8") };
}

describe("cascade run: the worst-leg table", () => {
  it("closes A then C of owner 0, A, C, B of owner 1, the fund pays 17.5 (both engines, the same paths.csv)", async () => {
    const [wasm, ts] = await Promise.all([run("worst-leg.yaml", "wasm"), run("worst-leg.yaml", "ts")]);
    expect(wasm.csv).toBe(ts.csv);
    const v = wasm.value;
    expect(v("liquidations")).toBe(5);
    expect(v("liquidatedNotional")).toBe(9000 + 9700 + 9000 + 9700 + 10220);
    expect([v("markets.A.liquidatedNotional"), v("markets.B.liquidatedNotional"), v("markets.C.liquidatedNotional")]).toEqual([
      18000, 10220, 19400,
    ]);
    expect(v("insuranceFinal")).toBe(1_000_000 - 17.5);
    expect(v("badDebt")).toBe(0);
    expect(v("crossMargin.accountsLiquidated")).toBe(2);
    expect(v("crossMargin.accountsClosed")).toBe(1);
    expect(v("crossMargin.collateralSold")).toBe(1500);
    expect(v("firstLiquidationStep")).toBe(1);
  });
});

describe("cascade run: the USDe depeg on the venue's own book", () => {
  it("closes out exactly the owners below the hand-computed threshold and sells their USDe at 0.65 (both engines)", async () => {
    const [wasm, ts] = await Promise.all([run("usde-depeg.yaml", "wasm"), run("usde-depeg.yaml", "ts")]);
    expect(wasm.csv).toBe(ts.csv);
    const v = wasm.value;
    // owners with 350, 400, 450, 500 USDe: A × 0.65 × 0.9 − 0.25 < 300 ⇔ A < 513.25
    expect(v("crossMargin.accountsClosed")).toBe(4);
    expect(v("liquidations")).toBe(4);
    expect(v("crossMargin.collateralSales")).toBe(4);
    expect(v("crossMargin.collateralSold")).toBeCloseTo(1700 * 0.65, 9);
    expect(v("markets.USDe.minPrice")).toBeCloseTo(0.65, 12);
    expect(v("badDebt")).toBe(0);
  });

  it("values USDe at 1 outside the venue: nobody is liquidated", async () => {
    const external = await run(
      "usde-depeg.yaml",
      "wasm",
      "--set",
      "crossMargin.assets[0].market=null",
      "--set",
      "crossMargin.assets[0].price=1",
    );
    expect(external.value("liquidations")).toBe(0);
    expect(external.value("crossMargin.accountsClosed")).toBe(0);
  });
});

describe("cascade run: deposits that land late", () => {
  // BTC long 1 at 30,000.25, MM 1%, fee 0.5%; 400 USDT now and 600 bridged. Step 2: −1%, mark
  // 29,700.25, uPnL −300, MM 297.0025: with the 600 counted (equity 700) the owner survives; without (100) it is
  // closed out at step 2 and the fund gains the fee capped at the equity left, 99.75.
  const late = (seconds: number) => [
    "--set",
    "markets[0].market.price.shocks=[{step: 2, return: -0.01}]",
    "--set",
    "markets[1].market.price.shocks=[]",
    "--set",
    "liquidation.feeRate=0.005",
    "--set",
    "crossMargin={assets: [{name: USDT, price: 1}], accounts: {list: [{legs: [{market: BTC, side: long, size: 1}], collateral: [{asset: USDT, amount: 400}, {asset: USDT, amount: 600, arrivesAtSeconds: " +
      seconds +
      "}]}]}}",
  ];
  it.each([0, 60, 120])("lands at %i s (by step 2's end): survives", async (seconds) => {
    const r = await run("usde-depeg.yaml", "wasm", ...late(seconds));
    expect(r.value("liquidations")).toBe(0);
  });
  it.each([121, 300])("lands at %i s: closed out at step 2, the fee capped at the equity left", async (seconds) => {
    const r = await run("usde-depeg.yaml", "wasm", ...late(seconds));
    expect(r.value("liquidations")).toBe(1);
    expect(r.value("firstLiquidationStep")).toBe(2);
    expect(r.value("insuranceFinal")).toBe(1_000_000 + 99.75);
    expect(r.value("crossMargin.collateralSold")).toBe(400);
  });
});

describe("cascade run --shard and merge with owners", () => {
  it("two shards of a cross-margin run merge into the whole run's paths.csv, byte for byte", async () => {
    const file = join(FIXTURES, "worst-leg.yaml");
    const opts = ["--paths", "6", "--threads", "1", "--quiet", "--no-report"];
    const whole = join(dir, "whole");
    const shards = [join(dir, "shard-1"), join(dir, "shard-2")];
    expect((await cascade("run", file, ...opts, "--out", whole)).code).toBe(0);
    for (const [i, out] of shards.entries())
      expect((await cascade("run", file, ...opts, "--shard", `${i + 1}/2`, "--out", out)).code).toBe(0);
    const merged = join(dir, "merged");
    const r = await cascade("merge", ...shards, "--quiet", "--out", merged);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(readFileSync(join(merged, "paths.csv"), "utf8")).toBe(readFileSync(join(whole, "paths.csv"), "utf8"));
  });
});
