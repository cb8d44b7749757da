// report.html of a sweep: every number sweep.json's, the heatmap over two axes, the paired differences, the Pareto
// front; a sampled design; `cascade sweep` writing it (not for a shard, not with --no-report).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPORT_HTML, buildReport } from "../../src/report/html/index.js";
import { paretoFront } from "../../src/report/html/pareto.js";
import { formatPercent, formatValue, type MetricKind } from "../../src/report/table.js";
import { cascade } from "../helpers/hardening-output.js";

const work = mkdtempSync(join(tmpdir(), "cascade-report-sweep-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function numberCells(html: string): { attrs: Record<string, string>; text: string }[] {
  const out: { attrs: Record<string, string>; text: string }[] = [];
  for (const m of html.matchAll(/<td class="num[^"]*"((?: data-[a-z]+="[^"]*")+)>(.*?)<\/td>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/data-([a-z]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    out.push({ attrs, text: m[2].replace(/<[^>]+>/g, "").replace(/&amp;/g, "&") });
  }
  return out;
}

const GRID = `name: report-grid
overrides: { accounts.count: 800, steps: 30, insurance.initialBalance: 3000, market.price.shocks: [{ step: 3, return: -0.08 }] }
axes:
  - { key: market.book.depth.size, values: [0.5, 1.0, 2.0] }
  - { key: accounts.leverage.median, values: [5, 15] }
baseline: { market.book.depth.size: 1.0, accounts.leverage.median: 5 }
metrics: [badDebt, liquidatedNotional, amplification, insuranceMin, adlNotional, liquidatedPnl]
`;

describe("a sweep's report.html", () => {
  let dir: string;
  let html: string;
  let sweep: any;
  beforeAll(async () => {
    const file = join(work, "grid.yaml");
    writeFileSync(file, GRID);
    dir = join(work, "grid");
    const { code, stderr } = await cascade("sweep", file, "--paths", "150", "--threads", "1", "--out", dir);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`${join(dir, REPORT_HTML)} (`);
    html = readFileSync(join(dir, REPORT_HTML), "utf8");
    sweep = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
  });

  it("has the sweep's sections, self-contained, drawn without a vega warning", async () => {
    for (const id of ["warnings", "points", "comparison", "differences", "heatmap", "pareto"])
      expect(html, id).toContain(`<section id="${id}"`);
    expect(html).toContain("<h2>Points compared</h2>");
    expect(html).not.toMatch(/<script|https?:\/\//i);
    expect((await buildReport(dir)).warnings).toEqual([]);
    for (const m of ["liquidatedNotional", "amplification"]) {
      expect(html).toContain(`data-chart="heatmap:${m}"`);
      expect(html).toContain(`data-chart="comparison:${m}"`);
      expect(html).toContain(`data-chart="difference:${m}"`);
    }
    expect(html).toContain('data-chart="pareto:liquidatedNotional"');
  });

  it("every mean, difference and probability shown is sweep.json's", () => {
    const cells = numberCells(html);
    const byPoint = new Map<number, any>(sweep.points.map((p: any) => [p.index, p]));
    let checked = 0;
    for (const { attrs, text } of cells) {
      if (attrs.point === undefined) continue;
      const p = byPoint.get(Number(attrs.point));
      const kind = attrs.kind as MetricKind | "percent";
      const show = (x: number) => (kind === "percent" ? formatPercent(x) : formatValue(x, kind));
      if (attrs.stat === "mean" && !text.includes("[")) {
        const want = p.metrics[attrs.metric].mean;
        expect(Number(attrs.value), `${attrs.point} ${attrs.metric}`).toBe(want);
        expect(text).toBe(show(want));
      } else if (attrs.stat === "diff") {
        const d = p.differences.metrics[attrs.metric];
        expect(Number(attrs.value)).toBe(d.mean);
        expect([Number(attrs.lo), Number(attrs.hi)]).toEqual(d.ci95);
        expect(text.startsWith((d.mean > 0 ? "+" : "") + show(d.mean))).toBe(true);
      } else if (attrs.stat === "p") {
        expect(Number(attrs.value)).toBe(p.probabilities[attrs.event].p);
        expect(text).toBe(formatPercent(p.probabilities[attrs.event].p));
      } else if (attrs.stat === "p99") {
        expect(Number(attrs.value)).toBe(p.metrics[attrs.metric].p99);
      } else continue;
      checked++;
    }
    // 6 points × 6 means, 5 × 6 differences, 6 × 5 probabilities, and the Pareto table
    expect(checked).toBeGreaterThanOrEqual(6 * 6 + 5 * 6 + 6 * 5);
  });

  it("lists exactly the non-dominated points on the Pareto front", () => {
    const pts = sweep.points.map((p: any) => ({
      index: p.index,
      x: p.metrics.liquidatedNotional.mean,
      y: p.metrics.badDebt.p99,
    }));
    const front = [...paretoFront(pts)].map((i) => pts[i].index).sort();
    const section = html.slice(html.indexOf('<table id="pareto-liquidatedNotional"'));
    const shown = [...section.slice(0, section.indexOf("</table>")).matchAll(/<tr data-point="(\d+)"/g)]
      .map((m) => Number(m[1]))
      .sort();
    expect(shown).toEqual(front);
  });

  it("is rebuilt byte for byte by `cascade report DIR`", async () => {
    const before = readFileSync(join(dir, REPORT_HTML));
    const { code } = await cascade("report", dir, "--quiet");
    expect(code).toBe(0);
    expect(readFileSync(join(dir, REPORT_HTML)).equals(before)).toBe(true);
  });
});

describe("other sweeps", () => {
  it("a sampled design (lhs) maps its points where they fell, a venue axis is a venue comparison", async () => {
    const file = join(work, "lhs.yaml");
    writeFileSync(
      file,
      "overrides: { accounts.count: 400, steps: 20 }\ndesign: lhs\ncount: 5\nseed: 3\naxes:\n  - { key: market.book.depth.size, min: 0.5, max: 2 }\n  - { key: accounts.leverage.median, min: 5, max: 20 }\nmetrics: [badDebt, liquidatedNotional, amplification]\n",
    );
    const dir = join(work, "lhs");
    expect((await cascade("sweep", file, "--paths", "40", "--threads", "1", "--quiet", "--out", dir)).code).toBe(0);
    const { html, warnings } = await buildReport(dir);
    expect(warnings).toEqual([]);
    expect(html).toContain('data-chart="heatmap:liquidatedNotional"');

    const venues = join(work, "venues.yaml");
    writeFileSync(
      venues,
      "overrides: { accounts.count: 400, steps: 20 }\naxes:\n  - { key: venue, values: [binance-usdm-btcusdt, bybit-linear-btcusdt] }\nmetrics: [badDebt, liquidatedNotional]\n",
    );
    const vdir = join(work, "venues");
    expect((await cascade("sweep", venues, "--paths", "40", "--threads", "1", "--quiet", "--out", vdir)).code).toBe(0);
    const page = readFileSync(join(vdir, REPORT_HTML), "utf8");
    expect(page).toContain("<h2>Venue comparison</h2>");
    expect(page).not.toContain('<section id="heatmap"'); // one axis: nothing to map
  });

  it("--no-report writes none, and a shard of a sweep has none (its results are partial)", async () => {
    const file = join(work, "small.yaml");
    writeFileSync(
      file,
      "overrides: { accounts.count: 300, steps: 20 }\naxes:\n  - { key: market.book.depth.size, values: [0.5, 1.0] }\n",
    );
    const a = join(work, "no-report");
    expect((await cascade("sweep", file, "--paths", "30", "--threads", "1", "--quiet", "--no-report", "--out", a)).code).toBe(0);
    expect(existsSync(join(a, "sweep.json"))).toBe(true);
    expect(existsSync(join(a, REPORT_HTML))).toBe(false);
    const s = join(work, "shard");
    expect((await cascade("sweep", file, "--paths", "30", "--threads", "1", "--quiet", "--shard", "1/2", "--out", s)).code).toBe(
      0,
    );
    expect(existsSync(join(s, REPORT_HTML))).toBe(false);
  });
});
