// Readers for the data files a scenario names (positions, book snapshot, returns). Each bad file or row
// becomes a problem line naming the scenario key and the file; nothing here throws on bad content.
// Only a regular file of at most DATA_FILE_CAP is read (src/config/input-file.ts), and no problem line quotes the
// file's contents: a scenario may name any file (/etc/shadow), so a line says where and what kind of thing is
// wrong (row, line, column, "text of 12 characters"), never the text itself.
import { resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { DATA_FILE_CAP, pathText, readInputText } from "./input-file.js";
import { MAX_MONEY, MAX_PRICE, MAX_SIZE } from "./schema-primitives.js";
import type { BookLevel, PositionRow } from "./scenario.js";

/** A file named by a scenario key, as written and as found. */
export interface NamedFile {
  key: string;
  file: string;
  path: string;
}

/** More than this many bad rows in one file are summarised: the first ones show what is wrong. */
const MAX_ROW_PROBLEMS = 10;

export function namedFile(key: string, file: string, baseDir: string): NamedFile {
  return { key, file, path: resolve(baseDir, file) };
}

/** Collects the problems of one file, capped, each prefixed with the key and the file. */
class FileProblems {
  private rows = 0;
  private total = 0;
  constructor(
    readonly f: NamedFile,
    private readonly out: string[],
  ) {}

  /** A line that already names the key. */
  line(text: string): void {
    this.total++;
    this.out.push(text);
  }

  file(message: string): void {
    this.line(`${this.f.key} "${pathText(this.f.file)}" ${message}`);
  }

  row(row: number, line: number, message: string): void {
    this.rows++;
    if (this.rows <= MAX_ROW_PROBLEMS) this.file(`row ${row} (line ${line}): ${message}`);
    else this.total++;
  }

  finish(): void {
    if (this.rows > MAX_ROW_PROBLEMS)
      this.out.push(`${this.f.key} "${pathText(this.f.file)}" has ${this.rows - MAX_ROW_PROBLEMS} more bad rows`);
  }

  get ok(): boolean {
    return this.total === 0;
  }
}

function readText(p: FileProblems): string | undefined {
  const got = readInputText(p.f.path, DATA_FILE_CAP);
  if ("text" in got) return got.text;
  p.line(
    `${p.f.key} must name ${got.refusal.expected} (received "${pathText(p.f.file)}": ${got.refusal.why} at ${pathText(p.f.path)})`,
  );
  return undefined;
}

/** What a cell holds, in words: the problem line says what kind of value was found, never the value. */
function cellShape(text: string): string {
  if (text === "") return "an empty cell";
  if (parseNumber(text) !== undefined) return "a number";
  return `text of ${text.length} character${text.length === 1 ? "" : "s"}`;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Strict decimal: rejects "", "1,5", "0x10", "Infinity" that Number() would accept or mangle. */
function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

interface CsvTable {
  header: string[];
  rows: { cells: string[]; line: number }[];
}

function readCsv(p: FileProblems): CsvTable | undefined {
  const text = readText(p);
  if (text === undefined) return undefined;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      bom: true,
      trim: true,
      comment: "#",
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (err) {
    // csv-parse's message quotes the field it stopped at: its code says the same without the content
    const line = (err as { lines?: number }).lines;
    const code = (err as { code?: unknown }).code;
    const why = typeof code === "string" ? code.replace(/^CSV_/, "").toLowerCase().replace(/_/g, " ") : "unreadable";
    p.file(`${line ? `line ${line}: ` : ""}must be valid CSV (${why})`);
    return undefined;
  }
  if (records.length === 0) {
    p.file("must have a header line and at least one row (received an empty file)");
    return undefined;
  }
  return {
    header: records[0].record.map((h) => h.toLowerCase()),
    rows: records.slice(1).map((r) => ({ cells: r.record, line: r.info.lines })),
  };
}

/** Index of each wanted column by header name (any order, extra columns ignored). */
function columns(
  table: CsvTable,
  wanted: Record<string, readonly string[]>,
  p: FileProblems,
): Record<string, number> | undefined {
  const index: Record<string, number> = {};
  const missing: string[] = [];
  for (const [name, aliases] of Object.entries(wanted)) {
    const i = table.header.findIndex((h) => aliases.includes(h));
    if (i < 0) missing.push(name);
    else index[name] = i;
  }
  if (missing.length > 0) {
    // the header is the file's first line: count its columns, never quote it
    const n = table.header.length;
    p.file(
      `must have a header line naming columns ${Object.keys(wanted).join(",")} (missing ${missing.join(", ")}; the header has ${n} column${n === 1 ? "" : "s"})`,
    );
    return undefined;
  }
  return index;
}

interface CellRule {
  /** The lower bound: `> 0` or `>= 0`. */
  min: number;
  minIncluded: boolean;
  max: number;
}

/** A numeric cell within `rule`; pushes a row problem (saying what kind of value was found, not which) otherwise. */
function numberCell(
  cells: string[],
  col: number,
  name: string,
  rule: CellRule,
  at: { row: number; line: number },
  p: FileProblems,
): number | undefined {
  const text = cells[col] ?? "";
  const value = parseNumber(text);
  if (value === undefined) {
    p.row(at.row, at.line, `${name} must be a number (received ${cellShape(text)})`);
    return undefined;
  }
  if (!(rule.minIncluded ? value >= rule.min : value > rule.min)) {
    const found =
      value === rule.min ? (value === 0 ? "zero" : "the bound") : value < 0 ? "a negative number" : "a smaller number";
    p.row(at.row, at.line, `${name} must be ${rule.minIncluded ? ">=" : ">"} ${rule.min} (received ${found})`);
    return undefined;
  }
  if (!(value <= rule.max)) {
    p.row(at.row, at.line, `${name} must be <= ${rule.max} (received a larger number)`);
    return undefined;
  }
  return value;
}

const POSITIVE_SIZE: CellRule = { min: 0, minIncluded: false, max: MAX_SIZE };
const POSITIVE_PRICE: CellRule = { min: 0, minIncluded: false, max: MAX_PRICE };
const MONEY: CellRule = { min: 0, minIncluded: true, max: MAX_MONEY };
/** A log-return of ±10 is a factor of 22,000 in one step. */
export const MAX_ABS_LOG_RETURN = 10;

/** `accounts.positionsFile`: columns account,side,size,entryPrice,collateral; side long|short. */
export function readPositions(f: NamedFile, problems: string[]): PositionRow[] | undefined {
  const p = new FileProblems(f, problems);
  const table = readCsv(p);
  const col =
    table &&
    columns(
      table,
      { account: ["account"], side: ["side"], size: ["size"], entryPrice: ["entryprice"], collateral: ["collateral"] },
      p,
    );
  if (!table || !col) return undefined;
  const out: PositionRow[] = [];
  table.rows.forEach(({ cells, line }, i) => {
    const at = { row: i + 1, line };
    const account = cells[col.account] ?? "";
    const side = (cells[col.side] ?? "").toLowerCase();
    if (account === "") p.row(at.row, at.line, "account must not be empty");
    if (side !== "long" && side !== "short")
      p.row(at.row, at.line, `side must be long or short (received ${cellShape(cells[col.side] ?? "")})`);
    const size = numberCell(cells, col.size, "size", POSITIVE_SIZE, at, p);
    const entryPrice = numberCell(cells, col.entryPrice, "entryPrice", POSITIVE_PRICE, at, p);
    const collateral = numberCell(cells, col.collateral, "collateral", MONEY, at, p);
    if (size !== undefined && entryPrice !== undefined && !(size * entryPrice <= MAX_MONEY)) {
      p.row(at.row, at.line, `size × entryPrice must be <= ${MAX_MONEY} (received a larger notional)`);
      return;
    }
    if (
      account !== "" &&
      (side === "long" || side === "short") &&
      size !== undefined &&
      entryPrice !== undefined &&
      collateral !== undefined
    ) {
      out.push({ account, side, size, entryPrice, collateral });
    }
  });
  if (table.rows.length === 0) p.file("must have at least one position row");
  p.finish();
  return p.ok ? out : undefined;
}

function onGrid(price: number, tickSize: number): boolean {
  const ticks = price / tickSize;
  return Math.abs(ticks - Math.round(ticks)) <= 1e-6;
}

const SIDES: Record<string, BookLevel["side"]> = { bid: "bid", b: "bid", buy: "bid", ask: "ask", a: "ask", sell: "ask" };

/**
 * `market.book.snapshotFile`: columns side,price,qty (side bid|ask, b|a or buy|sell), picked by header name so
 * that Binance depth dumps (symbol,timestamp,…,side,update_type,price,qty,pu) load as they are.
 * Returns bids best-first, then asks best-first. Prices must lie on the tick grid: rounding a real book
 * to a coarser tick would silently merge its levels.
 */
export function readBookSnapshot(f: NamedFile, tickSize: number | undefined, problems: string[]): BookLevel[] | undefined {
  const p = new FileProblems(f, problems);
  const table = readCsv(p);
  const col = table && columns(table, { side: ["side"], price: ["price"], qty: ["qty", "quantity", "amount"] }, p);
  if (!table || !col) return undefined;
  const levels: BookLevel[] = [];
  const rowOf = new Map<BookLevel, number>();
  const seen = new Map<string, number>();
  const offGrid: { row: number; text: string }[] = [];
  table.rows.forEach(({ cells, line }, i) => {
    const at = { row: i + 1, line };
    const side = SIDES[(cells[col.side] ?? "").toLowerCase()];
    if (side === undefined)
      p.row(at.row, at.line, `side must be bid or ask (or b/a, buy/sell) (received ${cellShape(cells[col.side] ?? "")})`);
    const price = numberCell(cells, col.price, "price", POSITIVE_PRICE, at, p);
    const qty = numberCell(cells, col.qty, "qty", POSITIVE_SIZE, at, p);
    if (price !== undefined && tickSize !== undefined && !onGrid(price, tickSize)) {
      offGrid.push({ row: at.row, text: cells[col.price] });
      return;
    }
    if (side === undefined || price === undefined || qty === undefined) return;
    const key = `${side}@${price}`;
    const first = seen.get(key);
    if (first !== undefined) p.row(at.row, at.line, `price repeats the ${side} level of row ${first}`);
    else {
      seen.set(key, at.row);
      const level: BookLevel = { side, price, qty };
      rowOf.set(level, at.row);
      levels.push(level);
    }
  });
  if (offGrid.length > 0) {
    // One line, not one per row: the fix is a single key (the venue's tick), not the file. The prices are not
    // quoted; the tick they suggest comes from how many decimals they have.
    const decimals = Math.min(20, Math.max(...offGrid.map((o) => o.text.replace(/0+$/, "").split(".")[1]?.length ?? 0)));
    p.file(
      `prices must be multiples of market.tickSize ${tickSize} (received ${offGrid.length} off-grid prices, ` +
        `the first on row ${offGrid[0].row}; set market.tickSize to the venue's tick, e.g. ${10 ** -decimals})`,
    );
  }
  if (table.rows.length === 0) p.file("must have at least one level");
  const bids = levels.filter((l) => l.side === "bid").sort((a, b) => b.price - a.price);
  const asks = levels.filter((l) => l.side === "ask").sort((a, b) => a.price - b.price);
  if (bids.length > 0 && asks.length > 0 && bids[0].price >= asks[0].price) {
    p.file(
      `must not be crossed: best bid must be < best ask (received the best bid, row ${rowOf.get(bids[0])}, at or above the best ask, row ${rowOf.get(asks[0])})`,
    );
  }
  p.finish();
  return p.ok ? [...bids, ...asks] : undefined;
}

/** `market.price.returnsFile`: one log-return per line; a non-numeric first line is a header and skipped. */
export function readReturns(f: NamedFile, problems: string[]): Float64Array | undefined {
  const p = new FileProblems(f, problems);
  const text = readText(p);
  if (text === undefined) return undefined;
  const values: number[] = [];
  let row = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const cell = raw.trim();
    if (cell === "" || cell.startsWith("#")) return;
    row++;
    const value = parseNumber(cell);
    if (value === undefined) {
      if (row > 1) p.row(row, i + 1, `must be a number (received ${cellShape(cell)})`);
    } else if (!(Math.abs(value) <= MAX_ABS_LOG_RETURN)) {
      p.row(
        row,
        i + 1,
        `must be a log-return between -${MAX_ABS_LOG_RETURN} and ${MAX_ABS_LOG_RETURN} (received a number outside)`,
      );
    } else values.push(value);
  });
  if (values.length === 0 && p.ok) p.file("must contain at least one log-return (received none)");
  p.finish();
  return p.ok ? Float64Array.from(values) : undefined;
}
