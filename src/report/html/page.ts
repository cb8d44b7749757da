// The HTML page around a report's sections: one self-contained file (styles inline, charts as inline SVG, no
// script), with a Content-Security-Policy that forbids every fetch, so the page opens offline and can reach no
// network even if a chart's markup named a URL.
import { esc } from "./markup.js";

export interface Section {
  id: string;
  title: string;
  html: string;
}

export interface Page {
  title: string;
  /** Lines under the title (already HTML). */
  meta: string[];
  sections: Section[];
  /** What produced the page, e.g. "margin-cascade 0.1.0". */
  generator: string;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; background: #f6f7f9; }
header { background: #1f2a37; color: #fff; padding: 16px 24px 12px; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 2px 0; color: #cfd6df; font-size: 13px; }
header code { color: #fff; }
nav { position: sticky; top: 0; z-index: 1; background: #fff; border-bottom: 1px solid #dde1e6; padding: 6px 24px; font-size: 13px; }
nav a { color: #1f4e79; margin-right: 14px; text-decoration: none; white-space: nowrap; }
main { padding: 8px 24px 32px; max-width: 1500px; }
section { background: #fff; border: 1px solid #e3e6ea; border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
h2 { font-size: 16px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
.note, figcaption, .muted { color: #5b6470; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 20px; }
figure.chart { margin: 0; max-width: 100%; overflow-x: auto; }
figure.chart svg { display: block; max-width: none; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eceef1; white-space: nowrap; }
thead th { text-align: right; font-weight: 600; border-bottom: 2px solid #cfd4da; background: #fafbfc; }
thead th.left, tbody th { text-align: left; font-weight: normal; }
td.num { text-align: right; }
td.tail { text-align: center; color: #5b6470; }
tr.headline th { font-weight: 600; }
tr.sum th, tr.sum td { border-top: 2px solid #cfd4da; font-weight: 600; }
tr.memo th, tr.memo td { color: #5b6470; }
tr.baseline th, tr.baseline td { background: #fff8e1; }
td.up { color: #b2182b; } td.down { color: #1a7837; }
ul.warnings { margin: 0; padding-left: 20px; }
ul.warnings li { margin: 4px 0; }
section.warn { border-color: #f0c36d; background: #fffbf0; }
`;

export function renderPage(page: Page): string {
  const nav = page.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join("");
  const sections = page.sections
    .map(
      (s) =>
        `<section id="${esc(s.id)}"${s.id === "warnings" ? ' class="warn"' : ""}><h2>${esc(s.title)}</h2>${s.html}</section>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(page.generator)}">
<title>${esc(page.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(page.title)}</h1>${page.meta.map((m) => `<p>${m}</p>`).join("")}</header>
<nav>${nav}</nav>
<main>
${sections}
</main>
</body>
</html>
`;
}
