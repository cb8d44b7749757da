// Per-metric columns of a run, appended from path-major record buffers in path order: the exact input
// for every statistic (quantiles and expected shortfall need all values, not a running sketch).
//
// Memory: 8 bytes × paths × the record's stride (27 for one market) — 1M paths = 216 MB, plus one transient column copy while a
// column is sorted. Past a memory budget the next step is to spill sorted runs per metric to disk and
// k-way merge them for order statistics (moments can stream in path order); see DESIGN.md §4.

import { METRIC_NAMES, type MetricName } from "../engine/metrics.js";

/** Anything statistics can read a column from: `MetricColumns`, or a test double. */
export interface ColumnSource {
  /** Number of paths held. */
  readonly count: number;
  /** The metric's values in path order, length `count`. */
  column(metric: MetricName | string | number): Float64Array;
  /** The record's columns in order (absent: METRIC_NAMES, one market's record). */
  readonly names?: readonly string[];
}

/** The columns a source holds: its record's names, METRIC_NAMES by default. */
export function columnNames(source: ColumnSource): readonly string[] {
  return source.names ?? METRIC_NAMES;
}

export class MetricColumns implements ColumnSource {
  private readonly cols: Float64Array[];
  private n = 0;
  private cap: number;

  private readonly shared: boolean;
  /** The record's columns in order (recordNames: METRIC_NAMES, then each market's with several markets). */
  readonly names: readonly string[];
  private readonly index: Map<string, number>;
  /** f64 per path in a record: names.length. */
  readonly stride: number;

  /**
   * `initialCapacity`: pass the planned path count to avoid regrowth. `shared`: the columns live in
   * SharedArrayBuffers of exactly that capacity, so that worker threads can write their paths' values in
   * place (see `buffers()` and `commit()`); they cannot grow. `names`: the record's layout (default METRIC_NAMES).
   */
  constructor(initialCapacity = 1024, options: { shared?: boolean; names?: readonly string[] } = {}) {
    if (!Number.isInteger(initialCapacity) || initialCapacity < 0) {
      throw new RangeError(`MetricColumns: initialCapacity must be a non-negative integer (received ${initialCapacity})`);
    }
    this.cap = Math.max(1, initialCapacity);
    this.shared = options.shared ?? false;
    this.names = options.names ?? METRIC_NAMES;
    this.stride = this.names.length;
    this.index = new Map(this.names.map((name, i) => [name, i]));
    this.cols = this.names.map(() =>
      this.shared ? new Float64Array(new SharedArrayBuffer(this.cap * 8)) : new Float64Array(this.cap),
    );
  }

  /** The shared buffers behind the columns, one per column in `names` order (shared columns only). */
  buffers(): SharedArrayBuffer[] {
    if (!this.shared) throw new Error("MetricColumns.buffers: these columns are not shared");
    return this.cols.map((c) => c.buffer as SharedArrayBuffer);
  }

  /**
   * Takes in `count` paths that a worker already wrote in place at positions `firstPath…` (shared columns).
   * Paths must be committed in order; the caller must have waited for the writer (a message from it).
   */
  commit(count: number, firstPath: number): void {
    if (firstPath !== this.n) {
      throw new RangeError(
        `MetricColumns.commit: expected path ${this.n} next (received ${firstPath}); records must arrive in path order`,
      );
    }
    if (this.n + count > this.cap)
      throw new RangeError(`MetricColumns.commit: ${this.n + count} paths exceed the capacity ${this.cap}`);
    this.n += count;
  }

  /** Columns holding a copy of `count` path-major records. */
  static fromRecords(records: Float64Array, count: number, names?: readonly string[]): MetricColumns {
    const c = new MetricColumns(count, names ? { names } : {});
    c.append(records, count);
    return c;
  }

  /** Paths appended so far. */
  get count(): number {
    return this.n;
  }

  /** Paths that fit before the next regrowth. */
  get capacity(): number {
    return this.cap;
  }

  /**
   * Appends `count` records (path-major, `stride` f64 each) that follow the paths already held.
   * `firstPath`, when given, is checked against `count` so far: records must arrive in path order
   * (the host's reorder buffer guarantees it; this catches a bug there).
   */
  append(records: Float64Array, count: number, firstPath?: number): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`MetricColumns.append: count must be a non-negative integer (received ${count})`);
    }
    if (records.length < count * this.stride) {
      throw new RangeError(`MetricColumns.append: ${count} records need ${count * this.stride} f64 (received ${records.length})`);
    }
    if (firstPath !== undefined && firstPath !== this.n) {
      throw new RangeError(
        `MetricColumns.append: expected path ${this.n} next (received ${firstPath}); records must arrive in path order`,
      );
    }
    this.reserve(this.n + count);
    const base = this.n;
    const stride = this.stride;
    for (let m = 0; m < stride; m++) {
      const col = this.cols[m];
      for (let i = 0, j = m; i < count; i++, j += stride) col[base + i] = records[j];
    }
    this.n += count;
  }

  /** Makes room for `paths` in total (amortised doubling). */
  reserve(paths: number): void {
    if (paths <= this.cap) return;
    if (this.shared) throw new RangeError(`MetricColumns.reserve: shared columns hold ${this.cap} paths (asked for ${paths})`);
    const cap = Math.max(paths, this.cap * 2);
    for (let m = 0; m < this.cols.length; m++) {
      const next = new Float64Array(cap);
      next.set(this.cols[m].subarray(0, this.n));
      this.cols[m] = next;
    }
    this.cap = cap;
  }

  /** The metric's values in path order: a view (no copy), valid until the next `append`. */
  column(metric: MetricName | string | number): Float64Array {
    const m = typeof metric === "number" ? metric : this.index.get(metric);
    if (m === undefined || !Number.isInteger(m) || m < 0 || m >= this.stride) {
      throw new RangeError(`MetricColumns.column: unknown metric ${String(metric)}`);
    }
    return this.cols[m].subarray(0, this.n);
  }

  /** Path-major records of paths `[first, first + count)` (a copy), e.g. to write them out again. */
  records(first = 0, count = this.n - first): Float64Array {
    if (first < 0 || count < 0 || first + count > this.n) {
      throw new RangeError(`MetricColumns.records: [${first}, ${first + count}) is outside [0, ${this.n})`);
    }
    const stride = this.stride;
    const out = new Float64Array(count * stride);
    for (let m = 0; m < stride; m++) {
      const col = this.cols[m];
      for (let i = 0, j = m; i < count; i++, j += stride) out[j] = col[first + i];
    }
    return out;
  }
}
