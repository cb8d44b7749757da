// The scenario-key reference, generated from the schema itself (`cascade schema`, docs/scenario.md): every key
// with its type or accepted values, its default and its range, so the documentation cannot drift from what the
// loader accepts (test/cli/cli-consistency.test.ts checks docs/scenario.md is fresh).
import { z } from "zod";
import { scenarioSchema } from "./schema.js";

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  removed?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
}

/** The scenario schema as JSON Schema (draft 2020-12), input side: what a file may contain. */
export function scenarioJsonSchema(): JsonSchema {
  return z.toJSONSchema(scenarioSchema, { unrepresentable: "any", io: "input" }) as JsonSchema;
}

export interface ReferenceRow {
  key: string;
  type: string;
  default: string;
  range: string;
  notes: string;
}

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map(show).join(" \\| ");
  if (s.const !== undefined) return show(s.const);
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "any"}`;
  if (Array.isArray(s.type)) return s.type.join(" \\| ");
  if (s.type) return s.type;
  const options = s.anyOf ?? s.oneOf;
  if (options) return options.map(typeOf).join(" or ");
  return "any";
}

function rangeOf(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  if (s.minItems !== undefined) parts.push(`≥ ${s.minItems} items`);
  if (s.maxItems !== undefined) parts.push(`≤ ${s.maxItems} items`);
  return parts.join(", ");
}

/** One row per key, depth first, in the schema's order; list items as `key[]`, alternatives as `key (kind …)`. */
export function referenceRows(schema: JsonSchema = scenarioJsonSchema()): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  const walk = (s: JsonSchema, key: string, required: boolean) => {
    const isObject = s.type === "object" && s.properties;
    const options = s.anyOf ?? s.oneOf;
    if (key !== "") {
      const notes = s.removed
        ? [`refused (time is in seconds now): ${s.removed}`]
        : [s.description ?? "", !required && s.default === undefined && !isObject ? "optional" : ""];
      rows.push({
        key,
        type: isObject ? "mapping" : s.removed ? "—" : typeOf(s),
        default: s.default === undefined || isObject ? "" : show(s.default),
        range: rangeOf(s),
        notes: notes.filter((n) => n !== "").join("; "),
      });
    }
    if (isObject)
      for (const [k, v] of Object.entries(s.properties!)) walk(v, key === "" ? k : `${key}.${k}`, (s.required ?? []).includes(k));
    if (s.type === "array" && s.items?.type === "object") walk({ ...s.items, type: "object" }, `${key}[]`, true);
    if (options?.every((o) => o.type === "object" && o.properties)) {
      for (const o of options) {
        const tag = Object.entries(o.properties!).find(([, v]) => v.const !== undefined);
        for (const [k, v] of Object.entries(o.properties!)) {
          if (tag && k === tag[0]) continue;
          walk(v, `${key}.${k}${tag ? ` (${tag[0]} ${show(tag[1].const)})` : ""}`, (o.required ?? []).includes(k));
        }
      }
    }
  };
  walk(schema, "", true);
  return rows;
}

const escapeCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The reference as a Markdown document (docs/scenario.md). */
export function referenceMarkdown(): string {
  const lines = [
    "# Scenario keys",
    "",
    "Generated from the schema (`src/config/schema.ts`) by `cascade schema`; do not edit by hand (a test checks it is",
    "fresh). Every key has a default unless marked optional, unknown keys are errors, and times are in seconds.",
    "What each key means is documented next to it in the schema (a liquidation mechanism's block in its file in",
    '`src/config/mechanisms/`) and in the README\'s "The model".',
    "",
    "| key | type or values | default | range | notes |",
    "|---|---|---|---|---|",
  ];
  for (const r of referenceRows()) {
    lines.push(
      `| \`${r.key}\` | ${r.type.replace(/(?<!\\)\|/g, "\\|")} | ${escapeCell(r.default)} | ${r.range} | ${escapeCell(r.notes)} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
