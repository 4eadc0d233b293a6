/**
 * A pool's lot queue: the `Heap` interface (items out in `before` order), cheaper for the orders
 * in which lots usually arrive. Rows are applied in time order, so under FIFO a new lot nearly
 * always comes out after every lot held (it joins the back of a queue) and under LIFO before them
 * (it goes on top of a stack); only lots carried in by a transfer (or by the transition's
 * allocation) arrive out of that order. Such a lot takes its place in the run when at most
 * `INSERT_MAX` items follow that place (in wallet scope most pools hold a few lots), else it goes
 * to a heap beside the run; the queue hands out the first of the run's head and the heap's top:
 * O(1) per lot of the run instead of O(log n) comparisons. For a strict order (no two items tie) it hands out exactly what the heap would;
 * ties may come out in another order, so the engine keeps the plain heap under the wash-sale rule
 * (its replacement parts tie with their lot).
 *
 * Invariant: `run[head …]` is in strict `before` order (ascending: `run[head]` comes out first;
 * descending: the last item comes out first); an item joins the run only between two items (or
 * past the run's end) it strictly follows and precedes, so ties go to the heap. Between the run's head and the heap's top the
 * heap's is taken only when strictly first.
 *
 * HIFO lots arrive in no usual order (a new lot's per-unit basis may fall anywhere among the pool's),
 * so its queue (`keyed`) is a run sorted the same way (the last item out first) where a lot takes
 * its place by binary search among the last `KEYED_INSERT_MAX` items, on a number per item kept
 * beside the run (`QueueKey`: the per-unit basis as a double) so that most comparisons read no lot;
 * the last item comes out with no comparison at all. Deeper places and ties go to the heap, as above.
 */
import { BinaryHeap, drainAll, emptyItems, type Heap } from "./heap.ts";

/**
 * `ascending`: items usually arrive in `before` order (FIFO); `descending`: in reverse order
 * (LIFO); `keyed`: in no usual order, sorted on arrival by a number per item (HIFO, see
 * `QueueKey`); `heap`: a plain heap.
 */
export type QueueOrder = "ascending" | "descending" | "keyed" | "heap";

/** A queue's interface; `rekey` is called after its items' numbers changed (see `QueueKey`). */
export type LotQueue<T> = Heap<T> & { rekey: () => void };

/**
 * How a `keyed` queue orders items by a number first (`before` decides when the numbers cannot).
 * An item's number is read when it is pushed; if numbers change while items are queued (a rescale
 * multiplies every lot's basis and quantity), they must keep `before`'s order among the queued
 * items, and the caller then calls `rekey`.
 */
export type QueueKey<T> = {
  /** The item's number. */
  of: (item: T) => number;
  /**
   * > 0 when an item numbered `a` surely comes out before one numbered `b`, < 0 when surely
   * after, 0 when the numbers cannot tell. Never contradicts `before`; `first(b, a)` is
   * `-first(a, b)`.
   */
  first: (a: number, b: number) => number;
};

/**
 * Items an out-of-order push may move to take its place in the run; past that it goes to the heap
 * (a lot carried into a small pool joins its run: no heap comparisons when it is taken).
 */
const INSERT_MAX = 32;

/**
 * Items a `keyed` push may move to take its place in the run (a binary search over at most this
 * many items: 6 comparisons); past that it goes to the heap.
 */
const KEYED_INSERT_MAX = 64;

/** Consumed slots at the run's front (ascending) past which the run is compacted. */
const COMPACT_AT = 1024;

/**
 * `key`: required for `keyed` (ignored otherwise). Each kind of queue is a class: every queue
 * shares its methods (see `BinaryHeap`), so a pool made late in a ledger brings no new functions
 * into the engine's optimized code.
 */
export const createLotQueue = <T>(
  before: (a: T, b: T) => boolean,
  order: QueueOrder,
  key?: QueueKey<T>,
): LotQueue<T> => {
  if (order === "keyed") {
    if (key === undefined) throw new Error("a keyed lot queue needs a key");
    return new KeyedQueue(before, key);
  }
  if (order === "heap") return new HeapQueue(before);
  return new RunQueue(before, order === "ascending");
};

/** The `heap` queue: a plain heap (nothing to rekey). */
class HeapQueue<T> extends BinaryHeap<T> {
  rekey(): void {}
}

/** The `ascending` and `descending` queues (see the top of this file). */
class RunQueue<T> {
  private readonly before: (a: T, b: T) => boolean;
  private readonly ascending: boolean;
  private readonly heap: BinaryHeap<T>;
  private run: T[];
  /** First item of the run still held (ascending; always 0 when descending). */
  private head: number;

  constructor(before: (a: T, b: T) => boolean, ascending: boolean) {
    this.before = before;
    this.ascending = ascending;
    this.heap = new BinaryHeap(before);
    this.run = emptyItems();
    this.head = 0;
  }

  get size(): number {
    return this.run.length - this.head + this.heap.size;
  }

  /**
   * The run's next item, or undefined when it is empty. An empty run is tested, not read past its
   * end: a read out of bounds is a path of its own in V8's optimized code, and a pool first
   * emptied after years of rows would make V8 recompile the takes.
   */
  private runNext(): T | undefined {
    const run = this.run;
    const n = run.length;
    const head = this.head;
    return head === n ? undefined : this.ascending ? run[head] : run[n - 1];
  }

  private runTake(): void {
    const run = this.run;
    if (!this.ascending) {
      run.pop();
      return;
    }
    const head = this.head + 1;
    run[head - 1] = undefined as T; // let the item be collected
    // Emptied, or half taken: the items left in a new array (of the same kind of items, see
    // `emptyItems`). One `slice` for both: code that has already run, whichever comes first.
    if (head === run.length || (head >= COMPACT_AT && head * 2 >= run.length)) {
      this.run = run.slice(head);
      this.head = 0;
    } else this.head = head;
  }

  /** Whether `a` sits strictly before `b` in the run (index order). */
  private inRun(a: T, b: T): boolean {
    return this.ascending ? this.before(a, b) : this.before(b, a);
  }

  /** Whether the heap's top comes out before the run's next item. */
  private heapFirst(): boolean {
    const h = this.heap.peek();
    if (h === undefined) return false;
    const r = this.runNext();
    return r === undefined || this.before(h, r);
  }

  push(item: T): void {
    const run = this.run;
    const head = this.head;
    const n = run.length;
    if (n === head) {
      run.push(item);
      return;
    }
    const last = run[n - 1]!;
    if (this.inRun(last, item)) {
      run.push(item);
      return;
    }
    // Out of order: its place is after the items it strictly follows. It goes to the heap when
    // more than INSERT_MAX items would follow it, or when it ties with a neighbour.
    const stop = Math.max(head, n - INSERT_MAX);
    let i = n;
    while (i > stop && this.inRun(item, run[i - 1]!)) i--;
    if (i === n || (i > head && !this.inRun(run[i - 1]!, item))) {
      this.heap.push(item);
      return;
    }
    run.push(last);
    for (let j = n - 1; j > i; j--) run[j] = run[j - 1]!;
    run[i] = item;
  }

  peek(): T | undefined {
    return this.heapFirst() ? this.heap.peek() : this.runNext();
  }

  pop(): T | undefined {
    if (this.heapFirst()) return this.heap.pop();
    const r = this.runNext();
    if (r !== undefined) this.runTake();
    return r;
  }

  drain(): T[] {
    return drainAll(this);
  }

  forEach(visit: (item: T) => void): void {
    const run = this.run;
    for (let i = this.head; i < run.length; i++) visit(run[i]!);
    this.heap.forEach(visit);
  }

  rekey(): void {}
}

/** The `keyed` queue (see the top of this file). */
class KeyedQueue<T> {
  private readonly before: (a: T, b: T) => boolean;
  private readonly numberOf: (item: T) => number;
  private readonly first: (a: number, b: number) => number;
  private readonly heap: BinaryHeap<T>;
  /**
   * The run, in strict `before` order from its end: `run[run.length - 1]` comes out first,
   * `run[0]` last.
   */
  private readonly run: T[];
  /** `keys[j]` is `numberOf(run[j])` for every `j < run.length` (the rest is spare room). */
  private keys: Float64Array;

  constructor(before: (a: T, b: T) => boolean, key: QueueKey<T>) {
    this.before = before;
    this.numberOf = key.of;
    this.first = key.first;
    this.heap = new BinaryHeap(before);
    this.run = emptyItems();
    this.keys = new Float64Array(16);
  }

  get size(): number {
    return this.run.length + this.heap.size;
  }

  /**
   * 1 when `run[j]` comes out strictly before `item` (numbered `k`), -1 when strictly after, 0
   * when they tie.
   */
  private side(j: number, item: T, k: number): number {
    const c = this.first(this.keys[j]!, k);
    if (c > 0) return 1;
    if (c < 0) return -1;
    const r = this.run[j]!;
    return this.before(r, item) ? 1 : this.before(item, r) ? -1 : 0;
  }

  /** Whether the heap's top comes out before the run's last item. */
  private heapFirst(): boolean {
    const h = this.heap.peek();
    if (h === undefined) return false;
    const run = this.run;
    const n = run.length;
    return n === 0 || this.before(h, run[n - 1]!);
  }

  push(item: T): void {
    const k = this.numberOf(item);
    const run = this.run;
    const n = run.length;
    // The item's place `lo`: every run[j] with j ≥ lo comes out before it, every one below after
    // it. Binary search over the last KEYED_INSERT_MAX items; both neighbours of the place found
    // are compared strictly (a tie leaves at once), so the run stays in strict order.
    const low = n > KEYED_INSERT_MAX ? n - KEYED_INSERT_MAX : 0;
    let lo = low;
    let hi = n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      const s = this.side(m, item, k);
      if (s === 0) {
        this.heap.push(item);
        return;
      }
      if (s > 0) hi = m;
      else lo = m + 1;
    }
    // At the window's bottom the place may be deeper still (or a tie): the heap takes it.
    if (lo === low && low > 0 && this.side(low - 1, item, k) >= 0) {
      this.heap.push(item);
      return;
    }
    let keys = this.keys;
    if (n === keys.length) {
      const grown = new Float64Array(n * 2);
      grown.set(keys);
      keys = grown;
      this.keys = grown;
    }
    // Items above the place move up one (a plain loop: few items, cheaper than copyWithin).
    run.push(item);
    for (let j = n; j > lo; j--) {
      run[j] = run[j - 1]!;
      keys[j] = keys[j - 1]!;
    }
    run[lo] = item;
    keys[lo] = k;
  }

  peek(): T | undefined {
    const run = this.run;
    return this.heapFirst() ? this.heap.peek() : run[run.length - 1];
  }

  pop(): T | undefined {
    return this.heapFirst() ? this.heap.pop() : this.run.pop();
  }

  drain(): T[] {
    return drainAll(this);
  }

  forEach(visit: (item: T) => void): void {
    const run = this.run;
    for (let j = 0; j < run.length; j++) visit(run[j]!);
    this.heap.forEach(visit);
  }

  rekey(): void {
    const run = this.run;
    const keys = this.keys;
    for (let j = 0; j < run.length; j++) keys[j] = this.numberOf(run[j]!);
  }
}
