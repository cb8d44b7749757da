// events.csv and steps.csv (or .parquet) of the traced paths, from the engines' records (src/engine/trace.ts): one
// formatter for both engines, so that their traces are byte-identical exactly when their records are bit-identical.
// docs/report.md states the columns. Numbers print as paths.csv's do (formatNumber: Number(field) gives back the
// same bits); a field that does not apply (NaN in the record: a bad debt's price) is empty. Several markets (`markets`:
// their names): an event's market column is its market's index (one market: 0), and the step rows gain every market's
// mark as markets.NAME.mark.
import { formatNumber } from "../report/csv.js";
import type { TableColumn } from "../report/parquet.js";
import { EV, EVENT_FIELDS, EVENT_STRIDE, KIND_NAMES, STEP_FIELDS, STEP_STRIDE, ST, type PathTrace } from "../engine/trace.js";

export const EVENTS_NAME = "events";
export const STEPS_NAME = "steps";

/** events.csv's columns: path, step, time, round, type (the kind's word), market, then the event's other fields. */
export const EVENT_COLUMNS = ["path", "step", "time", "round", "type", "market", ...EVENT_FIELDS.slice(3)] as const;

/** steps.csv's columns: path, step, time, then the step row's series. */
export const STEP_COLUMNS = ["path", "step", "time", ...STEP_FIELDS.slice(1)] as const;

/** steps.csv's columns of a run of these markets (none: one market's). */
export function stepColumns(markets: readonly string[] = []): string[] {
  return [...STEP_COLUMNS, ...markets.map((n) => `markets.${n}.mark`)];
}

/** A field: formatNumber's text, empty for NaN (not applicable). */
const field = (x: number): string => (Number.isNaN(x) ? "" : formatNumber(x));

/** The type column's word for a kind code. */
export function kindName(code: number): string {
  const name = KIND_NAMES[code - 1];
  if (name === undefined)
    throw new Error(`trace: unknown event kind ${code} (a bug: the kernel and src/engine/trace.ts disagree)`);
  return name;
}

/** Rows per chunk of formatted text: a path's text is made and written a chunk at a time (a string has a size limit). */
export const CHUNK_ROWS = 20_000;

/** events.csv's rows `from` … `to − 1` of one traced path (each ending in "\n"). */
export function eventRows(t: PathTrace, stepSeconds: number, from = 0, to = t.eventCount): string {
  const e = t.events;
  const market = t.market;
  let out = "";
  for (let i = from, at = from * EVENT_STRIDE; i < to; i++, at += EVENT_STRIDE) {
    const step = e[at + EV.step];
    out +=
      `${t.path},${formatNumber(step)},${formatNumber(step * stepSeconds)},${formatNumber(e[at + EV.round])},${kindName(e[at + EV.kind])},${market ? market[i] : 0},` +
      `${formatNumber(e[at + EV.account])},${formatNumber(e[at + EV.side])},${field(e[at + EV.size])},${field(e[at + EV.price])},` +
      `${field(e[at + EV.bankruptcyPrice])},${field(e[at + EV.notional])},${formatNumber(e[at + EV.counterparty])},` +
      `${field(e[at + EV.fundAfter])},${field(e[at + EV.vaultAfter])}\n`;
  }
  return out;
}

/** steps.csv's rows `from` … `to − 1` of one traced path: a row per step, step 0 the opening (then each market's mark). */
export function stepRows(t: PathTrace, stepSeconds: number, from = 0, to = t.stepCount): string {
  const r = t.steps;
  const marks = t.marks;
  const M = marks ? marks.length / t.stepCount : 0;
  let out = "";
  for (let i = from, at = from * STEP_STRIDE; i < to; i++, at += STEP_STRIDE) {
    const step = r[at + ST.step];
    let row = `${t.path},${formatNumber(step)},${formatNumber(step * stepSeconds)}`;
    for (let f = 1; f < STEP_STRIDE; f++) row += "," + field(r[at + f]);
    for (let m = 0; m < M; m++) row += "," + field(marks![i * M + m]);
    out += row + "\n";
  }
  return out;
}

/** A path's rows as text chunks of at most CHUNK_ROWS rows (`markets`: steps' per-market columns, checked). */
export function* rowChunks(
  t: PathTrace,
  stepSeconds: number,
  which: "events" | "steps",
  markets: readonly string[] = [],
): Generator<string> {
  if (which === "steps") checkMarks(t, markets);
  const n = which === "events" ? t.eventCount : t.stepCount;
  for (let from = 0; from < n; from += CHUNK_ROWS) {
    const to = Math.min(n, from + CHUNK_ROWS);
    yield which === "events" ? eventRows(t, stepSeconds, from, to) : stepRows(t, stepSeconds, from, to);
  }
}

/** A trace's per-market marks must be one per market the header names. */
function checkMarks(t: PathTrace, markets: readonly string[]): void {
  const have = t.marks && t.stepCount > 0 ? t.marks.length / t.stepCount : 0;
  if (have !== markets.length)
    throw new Error(`trace: path ${t.path} has ${have} marks per step for ${markets.length} markets (a bug)`);
}

/** The header line of events.csv or steps.csv (`markets`: the steps' per-market columns). */
export function csvHeader(which: "events" | "steps", markets: readonly string[] = []): string {
  return (which === "events" ? EVENT_COLUMNS : stepColumns(markets)).join(",") + "\n";
}

/** events.csv of the traces (header included), in the order given: path by path, each path's events as they happened. */
export function eventsCsv(traces: readonly PathTrace[], stepSeconds: number): string {
  return csvHeader("events") + traces.map((t) => eventRows(t, stepSeconds)).join("");
}

/** steps.csv of the traces (header included; `markets`: their names, with several). */
export function stepsCsv(traces: readonly PathTrace[], stepSeconds: number, markets: readonly string[] = []): string {
  for (const t of traces) checkMarks(t, markets);
  return csvHeader("steps", markets) + traces.map((t) => stepRows(t, stepSeconds)).join("");
}

/** The events as typed Parquet columns: integers where the value is one (path, step, round, ids, side), text for type. */
export function eventsColumns(traces: readonly PathTrace[], stepSeconds: number): TableColumn[] {
  const n = traces.reduce((a, t) => a + t.eventCount, 0);
  const path = new BigInt64Array(n);
  const ints = {
    step: new Int32Array(n),
    round: new Int32Array(n),
    market: new Int32Array(n),
    account: new Int32Array(n),
    side: new Int32Array(n),
    counterparty: new Int32Array(n),
  };
  const doubles = {
    time: new Float64Array(n),
    size: new Float64Array(n),
    price: new Float64Array(n),
    bankruptcyPrice: new Float64Array(n),
    notional: new Float64Array(n),
    fundAfter: new Float64Array(n),
    vaultAfter: new Float64Array(n),
  };
  const type: string[] = new Array<string>(n);
  let row = 0;
  for (const t of traces) {
    const e = t.events;
    for (let i = 0, at = 0; i < t.eventCount; i++, at += EVENT_STRIDE, row++) {
      path[row] = BigInt(t.path);
      ints.step[row] = e[at + EV.step];
      ints.round[row] = e[at + EV.round];
      ints.market[row] = t.market ? t.market[i] : 0;
      ints.account[row] = e[at + EV.account];
      ints.side[row] = e[at + EV.side];
      ints.counterparty[row] = e[at + EV.counterparty];
      doubles.time[row] = e[at + EV.step] * stepSeconds;
      doubles.size[row] = e[at + EV.size];
      doubles.price[row] = e[at + EV.price];
      doubles.bankruptcyPrice[row] = e[at + EV.bankruptcyPrice];
      doubles.notional[row] = e[at + EV.notional];
      doubles.fundAfter[row] = e[at + EV.fundAfter];
      doubles.vaultAfter[row] = e[at + EV.vaultAfter];
      type[row] = kindName(e[at + EV.kind]);
    }
  }
  return EVENT_COLUMNS.map((name): TableColumn => {
    if (name === "path") return { name, type: "INT64", data: path };
    if (name === "type") return { name, type: "STRING", data: type };
    if (name in ints) return { name, type: "INT32", data: ints[name as keyof typeof ints] };
    return { name, type: "DOUBLE", data: doubles[name as keyof typeof doubles] };
  });
}

/** The step rows as typed Parquet columns (path INT64, step INT32, the series DOUBLE; then each market's mark). */
export function stepsColumns(traces: readonly PathTrace[], stepSeconds: number, markets: readonly string[] = []): TableColumn[] {
  const n = traces.reduce((a, t) => a + t.stepCount, 0);
  const M = markets.length;
  const path = new BigInt64Array(n);
  const step = new Int32Array(n);
  const time = new Float64Array(n);
  const series = STEP_FIELDS.slice(1).map(() => new Float64Array(n));
  const marks = markets.map(() => new Float64Array(n));
  let row = 0;
  for (const t of traces) {
    checkMarks(t, markets);
    const r = t.steps;
    for (let i = 0, at = 0; i < t.stepCount; i++, at += STEP_STRIDE, row++) {
      path[row] = BigInt(t.path);
      step[row] = r[at + ST.step];
      time[row] = r[at + ST.step] * stepSeconds;
      for (let f = 1; f < STEP_STRIDE; f++) series[f - 1][row] = r[at + f];
      for (let m = 0; m < M; m++) marks[m][row] = t.marks![i * M + m];
    }
  }
  return [
    { name: "path", type: "INT64", data: path },
    { name: "step", type: "INT32", data: step },
    { name: "time", type: "DOUBLE", data: time },
    ...STEP_FIELDS.slice(1).map((name, k): TableColumn => ({ name, type: "DOUBLE", data: series[k] })),
    ...markets.map((name, m): TableColumn => ({ name: `markets.${name}.mark`, type: "DOUBLE", data: marks[m] })),
  ];
}
