// Columns of a run directory's tables, read by name (a run of an older or newer version may have other
// columns): paths.csv or paths.parquet for the distributions and the convergence panel, and the trace files
// (steps.csv, events.csv) for the timelines. Files are opened without following a link at their name and
// streamed, so a 1M-path table costs its wanted columns' memory only.
import { open, type FileHandle } from "node:fs/promises";
import { parquetMetadataAsync, parquetRead, type FileMetaData } from "hyparquet";
import { handleBuffer } from "../parquet.js";
import { InputError } from "../../config/errors.js";
import { READ_NOFOLLOW, describeErrno } from "../atomic.js";

export interface ColumnTable {
  file: string;
  /** Every column the file has, in file order. */
  header: string[];
  /** Rows read. */
  count: number;
  /** The wanted numeric columns the file has (a wanted column it lacks is absent). */
  numbers: Map<string, Float64Array>;
  /** The wanted text columns the file has. */
  texts: Map<string, string[]>;
}

export interface ColumnWants {
  /** Numeric columns to read ("all": every column not read as text); a field that is not a number reads as NaN. */
  numbers: readonly string[] | "all";
  /** Columns to keep as text. */
  texts?: readonly string[];
  /** Columns the file must have (an InputError naming the file otherwise). */
  required?: readonly string[];
}

/** The numeric columns wanted of a file with this header. */
function numericWanted(header: readonly string[], wants: ColumnWants): readonly string[] {
  return wants.numbers === "all" ? header.filter((c) => !(wants.texts ?? []).includes(c)) : wants.numbers;
}

async function openNoFollow(file: string): Promise<FileHandle> {
  try {
    return await open(file, READ_NOFOLLOW);
  } catch (err) {
    throw new InputError([`${file} must be a readable regular file (received ${describeErrno(err)})`]);
  }
}

function checkRequired(file: string, header: readonly string[], wants: ColumnWants): void {
  const missing = (wants.required ?? []).filter((c) => !header.includes(c));
  if (missing.length > 0)
    throw new InputError([
      `${file} must have the column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (received ${header.slice(0, 12).join(",") || "no header"})`,
    ]);
}

/**
 * A comma-separated file with a header line and no quoting (what this tool writes: numbers, and identifiers
 * in text columns). Only the wanted columns are kept.
 */
export async function readCsvColumns(file: string, wants: ColumnWants): Promise<ColumnTable> {
  const fh = await openNoFollow(file);
  let header: string[] | undefined;
  let numIdx: [string, number][] = [];
  let textIdx: [string, number][] = [];
  let cap = 4096;
  let nums: Float64Array[] = [];
  let texts: string[][] = [];
  let count = 0;
  let line = 0;
  const onLine = (text: string) => {
    line++;
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (header === undefined) {
      header = text.split(",");
      checkRequired(file, header, wants);
      numIdx = numericWanted(header, wants)
        .map((c) => [c, header!.indexOf(c)] as [string, number])
        .filter(([, i]) => i >= 0);
      textIdx = (wants.texts ?? []).map((c) => [c, header!.indexOf(c)] as [string, number]).filter(([, i]) => i >= 0);
      nums = numIdx.map(() => new Float64Array(cap));
      texts = textIdx.map(() => []);
      return;
    }
    if (text.length === 0) return;
    const fields = text.split(",");
    if (fields.length !== header.length)
      throw new InputError([`${file}:${line}: expected ${header.length} fields (received ${fields.length})`]);
    if (count === cap) {
      cap *= 2;
      nums = nums.map((a) => {
        const b = new Float64Array(cap);
        b.set(a);
        return b;
      });
    }
    for (let k = 0; k < numIdx.length; k++) {
      const s = fields[numIdx[k][1]];
      nums[k][count] = s.length === 0 ? NaN : Number(s);
    }
    for (let k = 0; k < textIdx.length; k++) texts[k].push(fields[textIdx[k][1]]);
    count++;
  };
  const stream = fh.createReadStream({ encoding: "utf8", highWaterMark: 1 << 20 });
  let rest = "";
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = rest + chunk;
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf("\n", start)) !== -1) {
        onLine(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    if (rest.length > 0) onLine(rest);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError([`${file} must be a readable file (received ${describeErrno(err)})`]);
  } finally {
    stream.destroy();
    await fh.close().catch(() => undefined);
  }
  if (header === undefined) throw new InputError([`${file} must have a header line (received an empty file)`]);
  return {
    file,
    header,
    count,
    numbers: new Map(numIdx.map(([c], k) => [c, nums[k].slice(0, count)])),
    texts: new Map(textIdx.map(([c], k) => [c, texts[k]])),
  };
}

/** The wanted columns of a Parquet file (flat schema), one row group at a time. */
export async function readParquetColumns(file: string, wants: ColumnWants): Promise<ColumnTable> {
  const fh = await openNoFollow(file);
  try {
    const { size } = await fh.stat();
    const buffer = handleBuffer(fh, size);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (err) {
      throw new InputError([`${file} must be a complete Parquet file (received ${(err as Error).message})`]);
    }
    const header = metadata.schema.slice(1).map((e) => e.name);
    checkRequired(file, header, wants);
    const count = Number(metadata.num_rows);
    const numbers = new Map(
      numericWanted(header, wants)
        .filter((c) => header.includes(c))
        .map((c) => [c, new Float64Array(count).fill(NaN)]),
    );
    const texts = new Map(
      (wants.texts ?? []).filter((c) => header.includes(c)).map((c) => [c, new Array<string>(count).fill("")]),
    );
    const columns = [...numbers.keys(), ...texts.keys()];
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = groupStart + Number(group.num_rows);
      if (columns.length > 0) {
        await parquetRead({
          file: buffer,
          metadata,
          columns,
          rowStart: groupStart,
          rowEnd: groupEnd,
          onChunk: ({ columnName, columnData, rowStart }) => {
            const num = numbers.get(columnName);
            const txt = texts.get(columnName);
            for (let k = 0; k < columnData.length; k++) {
              const row = rowStart + k;
              if (row < groupStart || row >= groupEnd) continue;
              const v: unknown = columnData[k];
              if (num)
                num[row] =
                  typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? (v ? 1 : 0) : NaN;
              if (txt) txt[row] = v === null || v === undefined ? "" : String(v);
            }
          },
        });
      }
      groupStart = groupEnd;
    }
    return { file, header, count, numbers, texts };
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError([`${file} must be a readable Parquet file (received ${describeErrno(err)})`]);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
