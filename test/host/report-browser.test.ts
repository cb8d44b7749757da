// report.html in a real browser: headless Chromium (Debian's `chromium`, driven by puppeteer-core through its
// executablePath; nothing is downloaded) opens a run's and two sweeps' reports from file:// and checks that they
// load with no console error and no request but the file itself, that every chart's SVG has drawn marks, and that
// the numbers the page shows equal summary.json / sweep.json. Screenshots go to a temp directory (or to
// CASCADE_REPORT_SHOTS) and are named in the test's output.
//
// The browser comes from scripts/ensure-chromium.sh (apt-get, when /usr/bin/chromium is missing; CI calls it first).
// This test runs the script itself when the binary is missing, and SKIPS only when the script says chromium cannot
// be installed on this machine (no apt-get, not root: exit 3). Any other failure to install fails the test.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPORT_HTML } from "../../src/report/html/index.js";
import { formatPercent, formatValue, tickDecimals, type MetricKind } from "../../src/report/table.js";
import { ROOT, cascade } from "../helpers/hardening-output.js";

const CHROMIUM = process.env.CASCADE_CHROMIUM ?? "/usr/bin/chromium";

/** Chromium is there, or installed now by the project's script; `skip` says why it cannot be (exit 3 only). */
function ensureChromium(): { skip?: string } {
  if (existsSync(CHROMIUM)) return {};
  const r = spawnSync("bash", [join(ROOT, "scripts/ensure-chromium.sh")], { encoding: "utf8", timeout: 600_000 });
  if (existsSync(CHROMIUM)) return {};
  if (r.status === 3) return { skip: (r.stderr || "chromium cannot be installed here").trim() };
  throw new Error(
    `scripts/ensure-chromium.sh could not install chromium (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim()}`,
  );
}

const { skip } = ensureChromium();
if (skip) console.warn(`SKIPPED report-browser: ${skip}`);

const work = mkdtempSync(join(tmpdir(), "cascade-report-browser-"));
const SHOTS = process.env.CASCADE_REPORT_SHOTS ?? join(tmpdir(), "cascade-report-shots");
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Loaded {
  page: Page;
  consoleErrors: string[];
  /** Every request the page made (the file itself included). */
  requests: string[];
}

interface ChartCheck {
  name: string;
  width: number;
  height: number;
  marks: number;
}

interface Cell {
  attrs: Record<string, string>;
  text: string;
}

const GRID = `name: browser-grid
overrides: { accounts.count: 800, steps: 30, insurance.initialBalance: 3000, adl.ranking: none, market.price.shocks: [{ step: 3, return: -0.08 }] }
axes:
  - { key: market.book.depth.size, values: [0.5, 1.0, 2.0] }
  - { key: accounts.leverage.median, values: [5, 15] }
baseline: { market.book.depth.size: 1.0, accounts.leverage.median: 5 }
metrics: [badDebt, liquidatedNotional, amplification, insuranceMin, adlNotional]
`;

describe.skipIf(skip !== undefined)("report.html in headless Chromium", () => {
  let browser: Browser;
  const runDir = join(work, "run");
  const venueDir = join(work, "venues");
  const gridDir = join(work, "grid");

  beforeAll(async () => {
    // a run whose fund runs dry without ADL (bad debt on some paths), with per-step data of the documented shapes
    const run = await cascade(
      "run",
      "--paths",
      "600",
      "--set",
      "accounts.count=2000",
      "--set",
      "insurance.initialBalance=20000",
      "--set",
      "adl.ranking=none",
      "--set",
      "market.price.shocks=[{step: 5, return: -0.08}]",
      "--threads",
      "1",
      "--quiet",
      "--out",
      runDir,
    );
    expect(run.code, run.stderr).toBe(0);
    addTrace(runDir);
    expect((await cascade("report", runDir, "--quiet")).code).toBe(0);
    const venues = await cascade(
      "sweep",
      join(ROOT, "examples/venue-comparison.yaml"),
      "--paths",
      "300",
      "--threads",
      "2",
      "--quiet",
      "--out",
      venueDir,
    );
    expect(venues.code, venues.stderr).toBe(0);
    const gridFile = join(work, "grid.yaml");
    writeFileSync(gridFile, GRID);
    const grid = await cascade("sweep", gridFile, "--paths", "200", "--threads", "2", "--quiet", "--out", gridDir);
    expect(grid.code, grid.stderr).toBe(0);

    const puppeteer = (await import("puppeteer-core")).default;
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // --no-sandbox: Chromium refuses to start as root with its sandbox (CI runs as root)
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check"],
      timeout: 60_000,
      protocolTimeout: 60_000,
    });
    mkdirSync(SHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens DIR/report.html; every request is recorded and any but the file itself is refused. */
  async function open(dir: string): Promise<Loaded> {
    const page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    await page.setViewport({ width: 1440, height: 1000 });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(join(dir, REPORT_HTML)).href;
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warn") consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${(e as Error).message}`));
    await page.setRequestInterception(true);
    page.on("request", (req) => {
      requests.push(req.url());
      if (req.url() === url) void req.continue();
      else void req.abort();
    });
    const response = await page.goto(url, { waitUntil: "load", timeout: 30_000 });
    expect(response?.ok() ?? true).toBe(true);
    return { page, consoleErrors, requests };
  }

  async function charts(page: Page): Promise<ChartCheck[]> {
    return page.$$eval("figure.chart", (figs) =>
      figs.map((f) => {
        const svg = f.querySelector("svg");
        const box = svg?.getBoundingClientRect();
        // vega draws each mark's items inside a <g class="mark-… role-mark">: count those with geometry
        const items = svg
          ? [...svg.querySelectorAll("g.role-mark > *")].filter((e) => {
              const b = (e as SVGGraphicsElement).getBBox?.();
              return b !== undefined && (b.width > 0 || b.height > 0);
            })
          : [];
        return {
          name: f.getAttribute("data-chart") ?? "?",
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: items.length,
        };
      }),
    );
  }

  async function cells(page: Page, selector: string): Promise<Cell[]> {
    return page.$$eval(selector, (tds) =>
      tds.map((td) => {
        const attrs: Record<string, string> = {};
        for (const a of [...td.attributes]) if (a.name.startsWith("data-")) attrs[a.name.slice(5)] = a.value;
        // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered (CSS applied) is what the test checks
        return { attrs, text: (td as HTMLElement).innerText.trim() };
      }),
    );
  }

  /** The whole page, and each section apart (a readable size). */
  async function shoot(page: Page, name: string): Promise<void> {
    const file = join(SHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true, captureBeyondViewport: true });
    for (const section of await page.$$("main > section")) {
      const id = await section.evaluate((e) => e.id);
      await section.screenshot({ path: join(SHOTS, `${name}-${id}.png`) });
    }
    console.log(`screenshots: ${file} and ${name}-<section>.png beside it`);
  }

  function expectClean(loaded: Loaded, dir: string) {
    expect(loaded.consoleErrors).toEqual([]);
    expect(loaded.requests).toEqual([pathToFileURL(join(dir, REPORT_HTML)).href]);
  }

  function expectChartsDrawn(list: ChartCheck[], min: number) {
    expect(list.length).toBeGreaterThanOrEqual(min);
    for (const c of list) {
      expect(c.width, c.name).toBeGreaterThan(50);
      expect(c.height, c.name).toBeGreaterThan(50);
      expect(c.marks, `${c.name}: drawn marks`).toBeGreaterThan(0);
    }
  }

  it("the run report loads offline, draws every chart, and shows summary.json's numbers", async () => {
    const loaded = await open(runDir);
    const { page } = loaded;
    const summary = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8"));
    expect(await page.evaluate(() => performance.getEntriesByType("resource").length)).toBe(0);
    expect(await page.$$eval("script", (s) => s.length)).toBe(0);

    const list = await charts(page);
    expectChartsDrawn(list, 12);
    for (const name of [
      "distribution:liquidatedNotional",
      "distribution:badDebt",
      "convergence:badDebt",
      "fan:mark",
      "timelines",
    ]) {
      expect(list.map((c) => c.name)).toContain(name);
    }

    const pd = tickDecimals(summary.scenario.market.tickSize);
    const shown = await cells(page, "#metric-table td[data-value], #who-paid td[data-value], #probabilities td[data-value]");
    let compared = 0;
    for (const { attrs, text } of shown) {
      if (attrs.stat === "sum") {
        expect(Math.abs(Number(attrs.value))).toBeLessThan(1e-6 * Math.abs(summary.metrics.liquidatedPnl.mean) + 1e-6);
        continue;
      }
      if (attrs.event) {
        const p = summary.probabilities[attrs.event];
        expect(Number(attrs.value)).toBe(p);
        expect(text).toBe(formatPercent(p));
      } else {
        const sign = Number(attrs.sign ?? 1);
        const raw = summary.metrics[attrs.metric][attrs.stat];
        const want = raw === null ? null : sign * raw + 0;
        expect(attrs.value, `${attrs.metric}.${attrs.stat}`).toBe(String(want));
        expect(text, `${attrs.metric}.${attrs.stat}`).toBe(formatValue(want, attrs.kind as MetricKind, pd));
        // and the text read back as a number is the value, to the digits shown
        if (want !== null && /^-?[\d,]+(\.\d+)?$/.test(text)) {
          const back = Number(text.replace(/,/g, ""));
          const digits = text.includes(".") ? text.split(".")[1].length : 0;
          expect(Math.abs(back - want), `${attrs.metric}.${attrs.stat}: ${text} vs ${want}`).toBeLessThanOrEqual(
            0.5 * 10 ** -digits + 1e-9 * Math.abs(want),
          );
        }
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(120);
    const whoPaid = shown.filter((c) => c.attrs.sign !== undefined);
    expect(whoPaid.length).toBeGreaterThanOrEqual(8 * 4);
    await shoot(page, "run-report");
    expectClean(loaded, runDir);
    await page.close();
  });

  it("the sweep reports load offline, draw every chart, and show sweep.json's numbers", async () => {
    for (const [dir, name, min] of [
      [venueDir, "venue-sweep-report", 10],
      [gridDir, "grid-sweep-report", 10],
    ] as const) {
      const loaded = await open(dir);
      const { page } = loaded;
      const sweep = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
      const points = new Map<number, any>(sweep.points.map((p: any) => [p.index, p]));
      const list = await charts(page);
      expectChartsDrawn(list, min);
      expect(list.some((c) => c.name.startsWith("pareto:"))).toBe(true);
      if (dir === gridDir) expect(list.some((c) => c.name.startsWith("heatmap:"))).toBe(true);
      if (dir === venueDir) expect(await page.$eval("#comparison h2", (h) => h.textContent)).toBe("Venue comparison");

      const shown = await cells(
        page,
        "#sweep-means td[data-value], #sweep-differences td[data-value], #sweep-events td[data-value]",
      );
      let compared = 0;
      for (const { attrs, text } of shown) {
        const p = points.get(Number(attrs.point));
        const kind = attrs.kind as MetricKind | "percent";
        const show = (x: number) => (kind === "percent" ? formatPercent(x) : formatValue(x, kind as MetricKind));
        if (attrs.stat === "mean") {
          expect(Number(attrs.value)).toBe(p.metrics[attrs.metric].mean);
          expect(text).toBe(show(p.metrics[attrs.metric].mean));
        } else if (attrs.stat === "diff") {
          const d = p.differences.metrics[attrs.metric];
          expect(Number(attrs.value)).toBe(d.mean);
          expect([Number(attrs.lo), Number(attrs.hi)]).toEqual(d.ci95);
          expect(text.split(" [")[0]).toBe((d.mean > 0 ? "+" : "") + show(d.mean));
        } else if (attrs.stat === "p") {
          expect(Number(attrs.value)).toBe(p.probabilities[attrs.event].p);
          expect(text).toBe(formatPercent(p.probabilities[attrs.event].p));
        } else continue;
        compared++;
      }
      expect(compared).toBeGreaterThanOrEqual(sweep.points.length * (sweep.metrics.length + 5));
      await shoot(page, name);
      expectClean(loaded, dir);
      await page.close();
    }
  });
});

/** A fan in summary.json and a trace of three paths (docs/report.md's shapes), as the engine will write them. */
function addTrace(dir: string): void {
  const file = join(dir, "summary.json");
  const summary = JSON.parse(readFileSync(file, "utf8"));
  const steps = Array.from({ length: 21 }, (_, i) => i);
  const price = (q: number) => steps.map((s) => Math.round(30000 * (1 - (s >= 5 ? 0.08 + 0.04 * q : 0) - 0.002 * s * q) * 2) / 2);
  summary.fan = {
    steps,
    series: {
      mark: {
        p01: price(1),
        p05: price(0.8),
        p25: price(0.55),
        p50: price(0.4),
        p75: price(0.25),
        p95: price(0.05),
        p99: price(0),
        mean: price(0.42),
      },
      insurance: {
        p05: steps.map((s) => Math.max(0, 20000 - 3000 * s)),
        p50: steps.map((s) => Math.max(0, 20000 - 1000 * s)),
        p95: steps.map(() => 20000),
      },
    },
  };
  writeFileSync(file, JSON.stringify(summary, null, 2) + "\n");
  const rows = ["path,step,mark,insurance"];
  const events = ["path,step,type,notional"];
  for (const p of [0, 1, 2]) {
    for (const s of steps)
      rows.push(`${p},${s},${30000 - (s >= 5 ? 2400 + 100 * p : 0) - 10 * s},${Math.max(0, 20000 - 900 * s * (p + 1))}`);
    events.push(`${p},5,liquidation,${50000 * (p + 1)}`, `${p},6,liquidation,${20000 * (p + 1)}`, `${p},7,adl,${9000 * p}`);
  }
  writeFileSync(join(dir, "steps.csv"), rows.join("\n") + "\n");
  writeFileSync(join(dir, "events.csv"), events.join("\n") + "\n");
}
