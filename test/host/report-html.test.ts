// report.html of a run: the binning, markers and convergence it draws from, the page built from a run directory
// (self-contained, every number summary.json's, the same bytes on a rebuild), and the optional per-step panels
// (fan charts, traced paths) on synthetic data of the shape docs/report.md defines.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { runScenario } from "../../src/mc/run.js";
import { checkpoints, convergence } from "../../src/report/html/convergence.js";
import { distribution, markers } from "../../src/report/html/distribution.js";
import { REPORT_HTML, buildReport, writeReport } from "../../src/report/html/index.js";
import { paretoFront } from "../../src/report/html/pareto.js";
import { inlineSvg } from "../../src/report/html/svg-chart.js";
import { parseFan } from "../../src/report/html/trace.js";
import { summarize } from "../../src/stats/summary.js";
import { formatPercent, formatValue, tickDecimals, type MetricKind } from "../../src/report/table.js";
import { cascade, smallInputs } from "../helpers/hardening-output.js";

const work = mkdtempSync(join(tmpdir(), "cascade-report-html-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every `<td … data-value=…>` of a page with its attributes and shown text. */
function numberCells(html: string): { attrs: Record<string, string>; text: string }[] {
  const out: { attrs: Record<string, string>; text: string }[] = [];
  for (const m of html.matchAll(/<td class="num[^"]*"((?: data-[a-z]+="[^"]*")+)>(.*?)<\/td>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/data-([a-z]+)="([^"]*)"/g))
      attrs[a[1]] = a[2]
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, "&");
    out.push({ attrs, text: m[2].replace(/<[^>]+>/g, "").replace(/&amp;/g, "&") });
  }
  return out;
}

/** The value a cell should hold: sign × summary.json's statistic (−0 as 0), null for a missing one. */
function expected(summary: Record<string, any>, metric: string, stat: string, sign: number): number | null {
  const v = summary.metrics[metric]?.[stat];
  return typeof v === "number" ? sign * v + 0 : null;
}

describe("the distribution panel's data", () => {
  it("bins every finite value once, counts the rest apart, and ends the ECDF at 1", () => {
    const values = Float64Array.from({ length: 1001 }, (_, i) => (i === 7 ? NaN : i === 8 ? Infinity : Math.sqrt(i)));
    const d = distribution(values);
    expect(d.n).toBe(999);
    expect(d.nonFinite).toBe(2);
    expect(d.bins.reduce((s, b) => s + b.count, 0)).toBe(999);
    expect(d.bins[0].x0).toBe(0);
    expect(d.bins[d.bins.length - 1].x1).toBe(Math.sqrt(1000));
    expect(d.ecdf[d.ecdf.length - 1]).toEqual({ x: Math.sqrt(1000), p: 1 });
    for (let i = 1; i < d.ecdf.length; i++) {
      expect(d.ecdf[i].x).toBeGreaterThan(d.ecdf[i - 1].x);
      expect(d.ecdf[i].p).toBeGreaterThan(d.ecdf[i - 1].p);
    }
  });

  it("a metric with one value on every path has no bins (the report says so in words)", () => {
    const d = distribution(new Float64Array(50));
    expect(d.bins).toEqual([]);
    expect(d.ecdf).toEqual([{ x: 0, p: 1 }]);
  });

  it("a negated who-paid row is drawn as minus its metric, no −0", () => {
    const d = distribution(Float64Array.from([0, 1, 2, 3]), -1);
    expect(d.min).toBe(-3);
    expect(Object.is(d.max, 0)).toBe(true);
  });

  it("VaR sits on the worst tail: p95/p99 when larger is worse, p05/p01 when smaller is worse; a sign flips both", () => {
    const s = summarize(
      Float64Array.from({ length: 1000 }, (_, i) => i),
      { tail: "upper" },
    ) as unknown as Record<string, unknown>;
    const up = markers(s, "upper");
    expect(up.markers.map((m) => [m.marker, m.stat])).toEqual([
      ["mean", "mean"],
      ["VaR 95%", "p95"],
      ["VaR 99%", "p99"],
      ["ES 95%", "es95"],
      ["ES 99%", "es99"],
    ]);
    expect(up.markers[2].value).toBe(s.p99);
    const down = markers(s, "lower");
    expect(down.markers[2]).toMatchObject({ stat: "p01", value: s.p01 });
    const neg = markers(s, "upper", -1);
    expect(neg.tail).toBe("lower");
    const q99 = (s.ci95Quantiles as Record<string, number[]>).p99;
    expect(neg.markers[2]).toMatchObject({ stat: "p99", value: -(s.p99 as number), lo: -q99[1], hi: -q99[0] });
  });
});

describe("the convergence panel's data", () => {
  it("checkpoints are log-spaced from 10 to the path count, which is always the last", () => {
    const c = checkpoints(1_000_000);
    expect(c[0]).toBe(10);
    expect(c[c.length - 1]).toBe(1_000_000);
    expect(c.length).toBeLessThanOrEqual(121);
    expect(checkpoints(1)).toEqual([1]);
    expect(checkpoints(5)).toEqual([5]); // too few paths to show a trend: the report draws no panel then
  });

  it("the last running mean and half-width are the summary's mean and CI half-width", () => {
    const values = Float64Array.from({ length: 5000 }, (_, i) => Math.exp(Math.sin(i * 12.9898) * 3));
    const series = convergence(values);
    const last = series[series.length - 1];
    const s = summarize(values);
    expect(last.n).toBe(5000);
    expect(Math.abs(last.mean - s.mean) / s.mean).toBeLessThan(1e-12);
    expect(Math.abs(last.half - (s.ci95[1] - s.ci95[0]) / 2) / last.half).toBeLessThan(1e-9);
  });
});

describe("chart markup and the Pareto front", () => {
  it("an inline SVG names no namespace URL and its ids are unique to its chart", () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><defs><clipPath id="clip1"/></defs><g clip-path="url(#clip1)"/><use href="#clip1"/></svg>';
    expect(inlineSvg(svg, "c7")).toBe(
      '<svg><defs><clipPath id="c7-clip1"/></defs><g clip-path="url(#c7-clip1)"/><use href="#c7-clip1"/></svg>',
    );
  });

  it("the front holds the points no other point beats on both coordinates", () => {
    const pts = [
      { x: 1, y: 5 },
      { x: 2, y: 3 },
      { x: 3, y: 4 },
      { x: 4, y: 1 },
      { x: 2, y: 3 },
      { x: 5, y: 1 },
    ];
    expect([...paretoFront(pts)].sort()).toEqual([0, 1, 3]);
  });
});

describe("a run's report.html", () => {
  let dir: string;
  let html: string;
  let summary: Record<string, any>;
  beforeAll(async () => {
    dir = join(work, "run");
    // a small fund so that some paths end with bad debt and ADL: every panel has something to draw
    await runScenario(smallInputs(["insurance.initialBalance=2000", "market.price.shocks=[{step: 5, return: -0.08}]"], 400), {
      inline: true,
      outDir: dir,
    });
    const result = await writeReport(dir);
    expect(result.kind).toBe("run");
    expect(result.warnings, "vega's warnings").toEqual([]);
    html = readFileSync(join(dir, REPORT_HTML), "utf8");
    summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
  });

  it("is one self-contained file: no script, no URL, no external resource, a CSP that forbids fetching", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(html).not.toMatch(/url\((?!#)/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it("has the run's sections and a chart for each headline metric with a spread", () => {
    for (const id of ["warnings", "statistics", "distributions", "who-paid", "convergence"])
      expect(html, id).toContain(`<section id="${id}"`);
    for (const m of ["liquidatedNotional", "maxDrawdown", "amplification", "insuranceMin"]) {
      expect(html).toContain(`data-chart="distribution:${m}"`);
      expect(html).toContain(`data-chart="convergence:${m}"`);
    }
    for (const w of summary.warnings)
      expect(html).toContain(w.replace(/&/g, "&amp;").replace(/'/g, "&#39;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    // the run's fan charts (summary.json's fan), one per series; no trace: no panel for it
    expect(html).toContain('<section id="fan"');
    for (const name of Object.keys(summary.fan.series)) expect(html).toContain(`data-chart="fan:${name}"`);
    expect(html).not.toContain('<section id="timelines"');
  });

  it("every number in its tables is summary.json's, shown as the console shows it", () => {
    const cells = numberCells(html);
    expect(cells.length).toBeGreaterThan(150);
    let checked = 0;
    for (const { attrs, text } of cells) {
      if (attrs.stat === "sum" || attrs.event) continue;
      if (attrs.stat === "ci95") {
        const sign = Number(attrs.sign ?? 1);
        const ci = summary.metrics[attrs.metric].ci95 as (number | null)[];
        const ends = (sign === 1 ? ci : [ci[1], ci[0]]).map((x) => (x === null ? "null" : String(sign * x + 0)));
        expect([attrs.lo, attrs.hi], `${attrs.metric}.ci95`).toEqual(ends);
        checked++;
        continue;
      }
      const want = expected(summary, attrs.metric, attrs.stat, Number(attrs.sign ?? 1));
      expect(attrs.value, `${attrs.metric}.${attrs.stat}`).toBe(want === null ? "null" : String(want));
      expect(text, `${attrs.metric}.${attrs.stat}`).toBe(
        formatValue(want, attrs.kind as MetricKind, tickDecimals(summary.scenario.market.tickSize)),
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(150);
    for (const { attrs, text } of cells.filter((c) => c.attrs.event && c.attrs.stat === "p")) {
      const p = summary.probabilities[attrs.event];
      expect(Number(attrs.value)).toBe(p);
      expect(text).toBe(formatPercent(p));
    }
  });

  it("the who-paid rows' means sum to zero (money is conserved)", () => {
    const sum = numberCells(html).find((c) => c.attrs.stat === "sum")!;
    const scale = Math.abs(summary.metrics.liquidatedPnl.mean);
    expect(Math.abs(Number(sum.attrs.value))).toBeLessThan(1e-9 * scale + 1e-6);
  });

  it("is rebuilt byte for byte, by the API and by `cascade report DIR`, whatever was drawn in between", async () => {
    const first = readFileSync(join(dir, REPORT_HTML));
    await buildReport(dir); // another page drawn in this process: chart ids must not carry over
    const { code, stderr } = await cascade("report", dir);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/^wrote .*report\.html \(\d+ KiB\)\n$/);
    expect(readFileSync(join(dir, REPORT_HTML)).equals(first)).toBe(true);
  });

  it("reads paths.parquet as it reads paths.csv", async () => {
    const pq = join(work, "run-parquet");
    await runScenario(smallInputs(["insurance.initialBalance=2000", "market.price.shocks=[{step: 5, return: -0.08}]"], 400), {
      inline: true,
      outDir: pq,
      format: "parquet",
    });
    const a = (await buildReport(pq)).html;
    // the same paths and statistics: the same page but for the header (the runtime, the records' hash)
    const strip = (s: string) => s.replace(/<header>.*<\/header>/, "");
    expect(strip(a)).toBe(strip(html));
  });

  it("a run directory without its per-path table still gets its tables, and says what is missing", async () => {
    const bare = join(work, "bare");
    mkdirSync(bare);
    copyFileSync(join(dir, "summary.json"), join(bare, "summary.json"));
    const page = (await buildReport(bare)).html;
    expect(page).toContain('id="who-paid"');
    expect(page).toContain("no per-path table");
    // nothing drawn from the per-path table; the fan charts come from summary.json alone
    expect(page).not.toContain('data-chart="distribution:');
    expect(page).not.toContain('data-chart="convergence:');
    expect(page).toContain('data-chart="fan:mark"');
  });
});

describe("fan charts and traced paths, from the documented shapes (synthetic data)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(work, "traced");
    await runScenario(smallInputs(["insurance.initialBalance=2000", "market.price.shocks=[{step: 5, return: -0.08}]"], 200), {
      inline: true,
      outDir: dir,
    });
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    const steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const band = (base: number, spread: number) => steps.map((s) => base - s * 10 + spread);
    summary.fan = {
      steps,
      series: {
        mark: {
          p01: band(30000, -300),
          p05: band(30000, -200),
          p25: band(30000, -50),
          p50: band(30000, 0),
          p75: band(30000, 50),
          p95: band(30000, 200),
          p99: band(30000, 300),
          mean: band(30000, 5),
        },
        insurance: {
          p05: steps.map((s) => 2000 - 150 * s),
          p50: steps.map((s) => 2000 - 50 * s),
          p95: steps.map((s) => (s === 3 ? null : 2000)),
        },
      },
    };
    writeFileSync(join(dir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
    const rows = ["path,step,mark,insurance"];
    for (const p of [3, 17, 42]) for (const s of steps) rows.push(`${p},${s},${30000 - s * (p + 1)},${2000 - s * p * 3}`);
    writeFileSync(join(dir, "steps.csv"), rows.join("\n") + "\n");
    writeFileSync(
      join(dir, "events.csv"),
      "path,step,type,round,notional\n3,5,liquidation,1,51234.5\n3,5,liquidation,2,1000\n17,5,adl,1,8800\n42,6,liquidation,1,77\n",
    );
  });

  it("draws one fan per series and the traced paths' timelines, without a vega warning", async () => {
    const { html, warnings } = await buildReport(dir);
    expect(warnings).toEqual([]);
    expect(html).toContain('data-chart="fan:mark"');
    expect(html).toContain('data-chart="fan:insurance"');
    expect(html).toContain('data-chart="timelines"');
    expect(html).toMatch(/path 3.*path 17.*path 42|path 42.*path 17.*path 3|path \d+, path \d+, path \d+: ranked/);
  });

  it("ranks the traced paths by bad debt, then liquidated notional", async () => {
    const { worstTracedPaths } = await import("../../src/report/html/timelines.js");
    const { readCsvColumns } = await import("../../src/report/html/table-columns.js");
    const { readTrace } = await import("../../src/report/html/trace.js");
    const table = await readCsvColumns(join(dir, "paths.csv"), { numbers: ["path", "badDebt", "liquidatedNotional"] });
    const trace = await readTrace(dir);
    const ranked = worstTracedPaths(trace, table);
    const row = (p: number) => [table.numbers.get("badDebt")![p], table.numbers.get("liquidatedNotional")![p]];
    const sorted = [3, 17, 42].sort((a, b) => row(b)[0] - row(a)[0] || row(b)[1] - row(a)[1] || a - b);
    expect(ranked).toEqual(sorted);
  });

  it("a malformed fan is bad input naming every wrong field", () => {
    const err = (() => {
      try {
        parseFan({ steps: [0, 1, 1], series: { mark: { p05: [1, 2, 3], p50: [1, 2], p97: [1, 2, 3] } } }, "summary.json");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    const problems = (err as InputError).problems;
    expect(problems).toContain("summary.json fan.steps must be a non-empty ascending array of numbers");
    expect(problems.some((p) => p.startsWith("summary.json fan.series.mark.p97 is not a band"))).toBe(true);
    expect(problems.some((p) => p.startsWith("summary.json fan.series.mark.p50 must be an array of 3 numbers"))).toBe(true);
    expect(problems.some((p) => p.startsWith("summary.json fan.series.mark.p95 must be an array of 3 numbers"))).toBe(true);
  });

  it("a steps.csv row with a field too many is bad input naming the file and line", async () => {
    const bad = join(work, "traced-bad");
    mkdirSync(bad);
    copyFileSync(join(dir, "summary.json"), join(bad, "summary.json"));
    writeFileSync(join(bad, "steps.csv"), "path,step,mark\n1,0,3\n1,1,3,4\n");
    const { code, stderr } = await cascade("report", bad);
    expect(code).toBe(2);
    expect(stderr).toBe(`error: ${join(bad, "steps.csv")}:3: expected 3 fields (received 4)\n`);
  });
});

describe("`cascade run` writes report.html; --no-report and `cascade report` on a bad DIR", () => {
  it("a run writes report.html beside summary.json unless --no-report, which removes an earlier one", async () => {
    const out = join(work, "cli-run");
    const a = await cascade("run", "--paths", "60", "--set", "accounts.count=500", "--threads", "1", "--out", out);
    expect(a.code, a.stderr).toBe(0);
    expect(existsSync(join(out, REPORT_HTML))).toBe(true);
    expect(a.stderr).toContain(`${join(out, REPORT_HTML)} (`);
    const again = join(work, "cli-run-again");
    expect(
      (await cascade("run", "--paths", "60", "--set", "accounts.count=500", "--threads", "1", "--quiet", "--out", again)).code,
    ).toBe(0);
    expect(existsSync(join(again, REPORT_HTML))).toBe(true);
    expect(
      (
        await cascade(
          "run",
          "--paths",
          "60",
          "--set",
          "accounts.count=500",
          "--threads",
          "1",
          "--quiet",
          "--no-report",
          "--out",
          again,
        )
      ).code,
    ).toBe(0);
    expect(existsSync(join(again, REPORT_HTML)), "a report of the earlier result").toBe(false);
    const quiet = join(work, "cli-run-no-report");
    const b = await cascade(
      "run",
      "--paths",
      "60",
      "--set",
      "accounts.count=500",
      "--threads",
      "1",
      "--quiet",
      "--no-report",
      "--out",
      quiet,
    );
    expect(b.code, b.stderr).toBe(0);
    expect(existsSync(join(quiet, "summary.json"))).toBe(true);
    expect(existsSync(join(quiet, REPORT_HTML))).toBe(false);
  });

  it("a directory another cascade process is writing is not read: exit 2 naming it", async () => {
    const out = join(work, "cli-run");
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      writeFileSync(join(out, ".cascade.lock"), `${child.pid} 0123456789abcdef\n`);
      const { code, stderr } = await cascade("report", out);
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`^error: .*in use by another cascade process \\(pid ${child.pid};`));
    } finally {
      child.kill("SIGKILL");
      rmSync(join(out, ".cascade.lock"), { force: true });
    }
  });

  it.each([
    ["a path with nothing there", (w: string) => join(w, "nope"), "received nothing at that path"],
    [
      "a file",
      (w: string) => {
        const f = join(w, "a-file");
        writeFileSync(f, "x");
        return f;
      },
      "received a file",
    ],
    [
      "an empty directory",
      (w: string) => {
        const d = join(w, "empty");
        mkdirSync(d, { recursive: true });
        return d;
      },
      "neither summary.json nor sweep.json",
    ],
    [
      "a summary.json that is not JSON",
      (w: string) => {
        const d = join(w, "garbled");
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, "summary.json"), "{ nope");
        return d;
      },
      "must be a JSON object",
    ],
  ])("%s: exit 2, one line naming it", async (_, make, says) => {
    const target = make(work);
    const { code, stdout, stderr } = await cascade("report", target);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(target);
    expect(lines[0]).toContain(says);
  });
});
