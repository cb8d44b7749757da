// Which paths a run (or one shard of it) covers, and how they are cut into batches for the workers.
// A path depends only on (seed, path index), so neither the cut nor the shard split can change a result.

export interface PathRange {
  /** First path index (inclusive). */
  first: number;
  /** One past the last path index. */
  end: number;
}

export interface Batch {
  index: number;
  first: number;
  count: number;
}

/** Shard i of n (1-based) of `paths` paths: contiguous, as even as integer division allows. */
export function shardRange(paths: number, shard?: { index: number; count: number }): PathRange {
  if (!shard) return { first: 0, end: paths };
  return {
    first: Math.floor((paths * (shard.index - 1)) / shard.count),
    end: Math.floor((paths * shard.index) / shard.count),
  };
}

/**
 * Paths per batch: about 100,000 path-steps (≈10–50 ms of kernel time, where a worker pool runs at ~99%
 * efficiency per STYLE.md), but small enough to give every thread several batches.
 */
export function batchSize(range: PathRange, steps: number, threads: number): number {
  const byCost = Math.max(1, Math.ceil(100_000 / steps));
  const byBalance = Math.max(1, Math.ceil((range.end - range.first) / (threads * 4)));
  return Math.min(byCost, byBalance, 65_536);
}

export function planBatches(range: PathRange, size: number): Batch[] {
  const batches: Batch[] = [];
  for (let first = range.first, index = 0; first < range.end; first += size, index++) {
    batches.push({ index, first, count: Math.min(size, range.end - first) });
  }
  return batches;
}
