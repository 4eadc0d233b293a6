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
import { createHeap, drainAll, emptyItems, type Heap } from "./heap.ts";

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

const noRekey = () => {};

/** `key`: required for `keyed` (ignored otherwise). */
export const createLotQueue = <T>(
  before: (a: T, b: T) => boolean,
  order: QueueOrder,
  key?: QueueKey<T>,
): LotQueue<T> => {
  if (order === "keyed") {
    if (key === undefined) throw new Error("a keyed lot queue needs a key");
    return createKeyedQueue(before, key);
  }
  const heap = createHeap(before);
  if (order === "heap") return Object.assign(heap, { rekey: noRekey });
  const ascending = order === "ascending";
  let run: T[] = emptyItems();
  /** First item of the run still held (ascending; always 0 when descending). */
  let head = 0;

  /**
   * The run's next item, or undefined when it is empty. An empty run is tested, not read past its
   * end: a read out of bounds is a path of its own in V8's optimized code, and a pool first
   * emptied after years of rows would make V8 recompile the takes.
   */
  const runNext = (): T | undefined => {
    const n = run.length;
    return head === n ? undefined : ascending ? run[head] : run[n - 1];
  };
  const runTake = () => {
    if (!ascending) {
      run.pop();
      return;
    }
    run[head++] = undefined as T; // let the item be collected
    // Emptied, or half taken: the items left in a new array (of the same kind of items, see
    // `emptyItems`). One `slice` for both: code that has already run, whichever comes first.
    if (head === run.length || (head >= COMPACT_AT && head * 2 >= run.length)) {
      run = run.slice(head);
      head = 0;
    }
  };
  /** Whether `a` sits strictly before `b` in the run (index order). */
  const inRun = (a: T, b: T): boolean => (ascending ? before(a, b) : before(b, a));
  /** Whether the heap's top comes out before the run's next item. */
  const heapFirst = (): boolean => {
    const h = heap.peek();
    if (h === undefined) return false;
    const r = runNext();
    return r === undefined || before(h, r);
  };
  const pop = (): T | undefined => {
    if (heapFirst()) return heap.pop();
    const r = runNext();
    if (r !== undefined) runTake();
    return r;
  };

  return {
    get size() {
      return run.length - head + heap.size;
    },
    push: (item) => {
      const n = run.length;
      if (n === head) {
        run.push(item);
        return;
      }
      const last = run[n - 1]!;
      if (inRun(last, item)) {
        run.push(item);
        return;
      }
      // Out of order: its place is after the items it strictly follows. It goes to the heap when
      // more than INSERT_MAX items would follow it, or when it ties with a neighbour.
      const stop = Math.max(head, n - INSERT_MAX);
      let i = n;
      while (i > stop && inRun(item, run[i - 1]!)) i--;
      if (i === n || (i > head && !inRun(run[i - 1]!, item))) {
        heap.push(item);
        return;
      }
      run.push(last);
      for (let j = n - 1; j > i; j--) run[j] = run[j - 1]!;
      run[i] = item;
    },
    peek: () => (heapFirst() ? heap.peek() : runNext()),
    pop,
    drain: () => drainAll(pop),
    forEach: (visit) => {
      for (let i = head; i < run.length; i++) visit(run[i]!);
      heap.forEach(visit);
    },
    rekey: noRekey,
  };
};

/** The `keyed` queue (see the top of this file). */
const createKeyedQueue = <T>(before: (a: T, b: T) => boolean, key: QueueKey<T>): LotQueue<T> => {
  const heap = createHeap(before);
  const numberOf = key.of;
  const first = key.first;
  /**
   * The run, in strict `before` order from its end: `run[run.length - 1]` comes out first,
   * `run[0]` last.
   */
  const run: T[] = emptyItems();
  /** `keys[j]` is `numberOf(run[j])` for every `j < run.length` (the rest is spare room). */
  let keys = new Float64Array(16);

  /**
   * 1 when `run[j]` comes out strictly before `item` (numbered `k`), -1 when strictly after, 0
   * when they tie.
   */
  const side = (j: number, item: T, k: number): number => {
    const c = first(keys[j]!, k);
    if (c > 0) return 1;
    if (c < 0) return -1;
    const r = run[j]!;
    return before(r, item) ? 1 : before(item, r) ? -1 : 0;
  };
  /** Whether the heap's top comes out before the run's last item. */
  const heapFirst = (): boolean => {
    const h = heap.peek();
    if (h === undefined) return false;
    const n = run.length;
    return n === 0 || before(h, run[n - 1]!);
  };
  const pop = (): T | undefined => (heapFirst() ? heap.pop() : run.pop());

  return {
    get size() {
      return run.length + heap.size;
    },
    push: (item) => {
      const k = numberOf(item);
      const n = run.length;
      // The item's place `lo`: every run[j] with j ≥ lo comes out before it, every one below after
      // it. Binary search over the last KEYED_INSERT_MAX items; both neighbours of the place found
      // are compared strictly (a tie leaves at once), so the run stays in strict order.
      const low = n > KEYED_INSERT_MAX ? n - KEYED_INSERT_MAX : 0;
      let lo = low;
      let hi = n;
      while (lo < hi) {
        const m = (lo + hi) >>> 1;
        const s = side(m, item, k);
        if (s === 0) {
          heap.push(item);
          return;
        }
        if (s > 0) hi = m;
        else lo = m + 1;
      }
      // At the window's bottom the place may be deeper still (or a tie): the heap takes it.
      if (lo === low && low > 0 && side(low - 1, item, k) >= 0) {
        heap.push(item);
        return;
      }
      if (n === keys.length) {
        const grown = new Float64Array(n * 2);
        grown.set(keys);
        keys = grown;
      }
      // Items above the place move up one (a plain loop: few items, cheaper than copyWithin).
      run.push(item);
      for (let j = n; j > lo; j--) {
        run[j] = run[j - 1]!;
        keys[j] = keys[j - 1]!;
      }
      run[lo] = item;
      keys[lo] = k;
    },
    peek: () => (heapFirst() ? heap.peek() : run[run.length - 1]),
    pop,
    drain: () => drainAll(pop),
    forEach: (visit) => {
      for (let j = 0; j < run.length; j++) visit(run[j]!);
      heap.forEach(visit);
    },
    rekey: () => {
      for (let j = 0; j < run.length; j++) keys[j] = numberOf(run[j]!);
    },
  };
};
