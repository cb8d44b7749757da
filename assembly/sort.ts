// Heapsort of (key, id) pairs into a strict total order: by key (descending or ascending), ties by id
// ascending. Any correct sort gives the same result for a total order, so the TypeScript engine can use
// Array.prototype.sort with the same comparator. In place, no allocation.

// @ts-ignore: decorator
@inline function after(keys: StaticArray<f64>, ids: StaticArray<i32>, a: i32, b: i32, descending: bool): bool {
  const ka = unchecked(keys[a]);
  const kb = unchecked(keys[b]);
  if (ka == kb) return unchecked(ids[a]) > unchecked(ids[b]);
  return descending ? ka < kb : ka > kb;
}

function swap(keys: StaticArray<f64>, ids: StaticArray<i32>, a: i32, b: i32): void {
  const k = unchecked(keys[a]);
  unchecked((keys[a] = keys[b]));
  unchecked((keys[b] = k));
  const i = unchecked(ids[a]);
  unchecked((ids[a] = ids[b]));
  unchecked((ids[b] = i));
}

function siftDown(keys: StaticArray<f64>, ids: StaticArray<i32>, root: i32, end: i32, descending: bool): void {
  let r = root;
  while (true) {
    let child = 2 * r + 1;
    if (child >= end) return;
    if (child + 1 < end && after(keys, ids, child + 1, child, descending)) child++;
    if (!after(keys, ids, child, r, descending)) return;
    swap(keys, ids, r, child);
    r = child;
  }
}

export function sortPairs(keys: StaticArray<f64>, ids: StaticArray<i32>, n: i32, descending: bool): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(keys, ids, i, n, descending);
  for (let end = n - 1; end > 0; end--) {
    swap(keys, ids, 0, end);
    siftDown(keys, ids, 0, end, descending);
  }
}
