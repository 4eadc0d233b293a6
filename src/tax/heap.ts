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

/** Every item of `queue`, popped in its order (the queue is empty after). */
export const drainAll = <T>(queue: { pop(): T | undefined }): T[] => {
  const out: T[] = [];
  for (let x = queue.pop(); x !== undefined; x = queue.pop()) out.push(x);
  return out;
};

/**
 * The binary heap. A class, so that every heap shares one `push`/`peek`/`pop` (prototype methods):
 * with a closure per heap, each pool's functions were new call targets for the engine's optimized
 * code, and a pool first used late in a ledger (a wallet pool at the transition) made V8 throw
 * that code away and compile it again ("wrong call target").
 */
export class BinaryHeap<T> implements Heap<T> {
  private readonly before: (a: T, b: T) => boolean;
  private readonly items: T[];

  constructor(before: (a: T, b: T) => boolean) {
    this.before = before;
    this.items = emptyItems();
  }

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    this.up(items.length - 1);
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (n > 1) {
      items[0] = last;
      this.down(0);
    }
    return top;
  }

  drain(): T[] {
    return drainAll(this);
  }

  forEach(visit: (item: T) => void): void {
    for (const item of this.items) visit(item);
  }

  private up(i: number): void {
    const items = this.items;
    const before = this.before;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  private down(i: number): void {
    const items = this.items;
    const before = this.before;
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
  }
}

export const createHeap = <T>(before: (a: T, b: T) => boolean): BinaryHeap<T> => new BinaryHeap(before);
