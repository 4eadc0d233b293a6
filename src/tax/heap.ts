/**
 * A binary min-heap ordered by `before(a, b)` (true when `a` must come out first): O(log n)
 * `push` and `pop`, O(1) `peek`. Lot pools use one per (pool, method) so no disposal re-sorts.
 */
export type Heap<T> = {
  readonly size: number;
  push: (item: T) => void;
  /** The first item without removing it. */
  peek: () => T | undefined;
  pop: () => T | undefined;
  /** Removes and returns every item in order. */
  drain: () => T[];
  /** Visits every item, in no particular order. */
  forEach: (visit: (item: T) => void) => void;
};

/**
 * An empty array that V8 stores as an array of objects from the start. A `[]` starts as an array
 * of small integers and changes its hidden class (map) when the first item goes in. The engine's
 * optimized code (pool takes, which peek every pool's heap and lot queue) learns the maps it sees:
 * a heap or queue that gets its first item only after years of rows would come in with a map
 * never seen, and V8 would throw that code away and compile it again.
 */
export const emptyItems = <T>(): T[] => {
  const items = [undefined as T];
  items.pop();
  return items;
};

export const createHeap = <T>(before: (a: T, b: T) => boolean): Heap<T> => {
  const items: T[] = emptyItems();

  const up = (i: number) => {
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  };

  const down = (i: number) => {
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(items[r]!, items[l]!) ? r : l;
      if (!before(items[c]!, item)) break;
      items[i] = items[c]!;
      i = c;
    }
    items[i] = item;
  };

  const pop = (): T | undefined => {
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (n > 1) {
      items[0] = last;
      down(0);
    }
    return top;
  };

  return {
    get size() {
      return items.length;
    },
    push: (item) => {
      items.push(item);
      up(items.length - 1);
    },
    peek: () => items[0],
    pop,
    drain: () => drainAll(pop),
    forEach: (visit) => {
      for (const item of items) visit(item);
    },
  };
};

/** Every item `pop` gives until it gives none, in that order (a queue's `drain`). */
export const drainAll = <T>(pop: () => T | undefined): T[] => {
  const out: T[] = [];
  for (let x = pop(); x !== undefined; x = pop()) out.push(x);
  return out;
};
