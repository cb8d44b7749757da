import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/config/load.js";
import { runScenario } from "../../src/mc/run.js";

// The expected shape of the model, measured on common random numbers (same seed, same paths): more
// leverage makes cascades worse, more depth makes them milder, and fully collateralised accounts are
// never liquidated. Means over 300 paths of a smaller version of the default crash.
const BASE = ["paths=300", "accounts.count=4000", "steps=40"];

async function meanOf(metric: "amplification" | "liquidatedNotional" | "liquidations", sets: string[]): Promise<number> {
  const { summary } = await runScenario(loadScenario(undefined, [...BASE, ...sets]), { inline: true });
  return summary.metrics[metric].mean;
}

describe("the shape of the cascade", () => {
  it("amplification grows with median leverage (5×, 10×, 20×, 40×)", async () => {
    const amp: number[] = [];
    for (const median of [5, 10, 20, 40]) amp.push(await meanOf("amplification", [`accounts.leverage.median=${median}`]));
    for (let i = 1; i < amp.length; i++)
      expect(amp[i], `amplification by leverage: ${amp.join(", ")}`).toBeGreaterThan(amp[i - 1]);
    expect(amp[amp.length - 1]).toBeGreaterThan(1.05);
  });

  it("amplification shrinks as the book deepens (0.15, 0.25, 0.5, 1 BTC per tick at the touch)", async () => {
    const amp: number[] = [];
    for (const size of [0.15, 0.25, 0.5, 1]) amp.push(await meanOf("amplification", [`market.book.depth.size=${size}`]));
    for (let i = 1; i < amp.length; i++) expect(amp[i], `amplification by depth: ${amp.join(", ")}`).toBeLessThan(amp[i - 1]);
  });

  it("at leverage 1 (fully collateralised) nothing is liquidated, even in a 30% crash, and the mark follows the fundamental", async () => {
    const sets = ["accounts.leverage.dist=fixed", "accounts.leverage.median=1", "market.price.shocks=[{step: 5, return: -0.3}]"];
    const { summary } = await runScenario(loadScenario(undefined, [...BASE, ...sets]), { inline: true });
    expect(summary.metrics.liquidations.max).toBe(0);
    expect(summary.metrics.amplification.min).toBe(1);
    expect(summary.metrics.amplification.max).toBe(1);
    expect(summary.probabilities.anyLiquidation).toBe(0);
  });

  it("a larger insurance fund never leaves more bad debt, path by path", async () => {
    const sets = ["market.book.depth.size=0.12", "insurance.initialBalance=0", "adl.ranking=none"];
    const small = await runScenario(loadScenario(undefined, [...BASE, ...sets]), { inline: true });
    const large = await runScenario(loadScenario(undefined, [...BASE, ...sets, "insurance.initialBalance=200000"]), {
      inline: true,
    });
    const a = small.columns.column("badDebt");
    const b = large.columns.column("badDebt");
    expect(small.summary.metrics.badDebt.mean, "the thin book must leave bad debt without a fund").toBeGreaterThan(0);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeLessThanOrEqual(a[i] + 1e-9);
  });
});
