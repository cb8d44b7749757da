// A Vega-Lite spec drawn to a static SVG string in Node (vega's "none" renderer + toSVG): report.html holds the
// drawing itself, so it needs no script, no runtime and no network to show its charts. Deterministic: the same
// spec gives the same bytes (vega's clip/gradient counters are reset per chart and its ids prefixed per chart,
// so ids stay unique across the page).
import type { TopLevelSpec } from "vega-lite";
import { esc } from "./markup.js";

/**
 * A Vega-Lite spec as plain JSON: built by the report's modules, checked by vega-lite when compiled (its warnings
 * are kept, and the tests require there are none).
 */
export type ChartSpec = Record<string, unknown>;

/** Fonts the charts ask for: generic families only, so nothing is fetched and every machine has one. */
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

/** Look shared by every chart (merged under a spec's own `config`). */
export const CHART_CONFIG = {
  font: FONT,
  background: "#ffffff",
  view: { stroke: "#dddddd" },
  axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: "normal", gridColor: "#eeeeee" },
  legend: { labelFontSize: 10, titleFontSize: 10, titleFontWeight: "normal", symbolSize: 60 },
  title: { fontSize: 12, fontWeight: "bold", anchor: "start" },
  header: { labelFontSize: 10, titleFontSize: 11 },
} as const;

/** What a chart's rendering said that a reader of the report would want fixed (vega/vega-lite warnings). */
export interface ChartRender {
  svg: string;
  warnings: string[];
}

type VegaModule = typeof import("vega");
type VegaLiteModule = typeof import("vega-lite");
let libs: Promise<[VegaModule, VegaLiteModule]> | undefined;

/** vega and vega-lite, loaded on first use only (the CLI's other commands never pay for them). */
function load(): Promise<[VegaModule, VegaLiteModule]> {
  libs ??= Promise.all([import("vega"), import("vega-lite")]);
  return libs;
}

/** A logger that keeps warnings and errors instead of printing them (the CLI's stderr is the user's). */
function collectingLogger(warnings: string[]) {
  let level = 2; // vega.Warn
  const keep =
    (prefix: string) =>
    (...args: readonly unknown[]) =>
      void warnings.push(`${prefix}${args.map(String).join(" ")}`);
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: keep("error: "),
    warn: keep(""),
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

/**
 * The SVG markup of `spec`, ready to sit inline in an HTML page: no XML namespace attributes (HTML's parser
 * puts inline <svg> in the SVG namespace by itself, and the page then names no URL at all), ids prefixed with
 * `idPrefix` so two charts never share one. Charts must be drawn one after another (await each): vega numbers
 * clip paths with a module-wide counter, reset here for every chart.
 */
export async function renderChart(spec: ChartSpec, idPrefix: string): Promise<ChartRender> {
  const [vega, vl] = await load();
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const full = {
    ...spec,
    config: { ...CHART_CONFIG, ...((spec.config as object | undefined) ?? {}) },
  } as unknown as TopLevelSpec;
  const compiled = vl.compile(full, { logger: logger as never }).spec;
  vega.resetSVGDefIds();
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger: logger as never });
  try {
    const svg = await view.toSVG();
    return { svg: inlineSvg(svg, idPrefix), warnings };
  } finally {
    view.finalize();
  }
}

/** Drops the namespace attributes and prefixes every id (and its `url(#…)` / `href="#…"` references). */
export function inlineSvg(svg: string, idPrefix: string): string {
  const safe = idPrefix.replace(/[^A-Za-z0-9_-]/g, "_");
  return svg
    .replace(/ xmlns(:xlink)?="[^"]*"/g, "")
    .replace(/ id="([^"]+)"/g, (_, id: string) => ` id="${safe}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${safe}-${id})`)
    .replace(/ (xlink:)?href="#([^"]+)"/g, (_, x: string | undefined, id: string) => ` ${x ?? ""}href="#${safe}-${id}"`);
}

/**
 * The charts of one page, drawn in the order they are added (ids numbered in that order, so a page is the same
 * bytes every time), each as a <figure> with its name in `data-chart`.
 */
export class ChartSet {
  private count = 0;
  /** Vega's warnings, per chart name (empty when every chart drew cleanly). */
  readonly warnings: string[] = [];

  async figure(name: string, spec: ChartSpec, caption?: string): Promise<string> {
    const id = `c${++this.count}`;
    const { svg, warnings } = await renderChart(spec, id);
    for (const w of warnings) this.warnings.push(`${name}: ${w}`);
    const cap = caption ? `<figcaption>${esc(caption)}</figcaption>` : "";
    return `<figure class="chart" id="${id}" data-chart="${esc(name)}">${svg}${cap}</figure>`;
  }

  /** Charts drawn so far. */
  get drawn(): number {
    return this.count;
  }
}
