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
 */
import { createHeap, type Heap } from "./heap.ts";

/**
 * `ascending`: items usually arrive in `before` order (FIFO); `descending`: in reverse order
 * (LIFO); `heap`: in no usual order (HIFO), a plain heap.
 */
export type QueueOrder = "ascending" | "descending" | "heap";

/**
 * Items an out-of-order push may move to take its place in the run; past that it goes to the heap
 * (a lot carried into a small pool joins its run: no heap comparisons when it is taken).
 */
const INSERT_MAX = 32;

/** Consumed slots at the run's front (ascending) past which the run is compacted. */
const COMPACT_AT = 1024;

export const createLotQueue = <T>(before: (a: T, b: T) => boolean, order: QueueOrder): Heap<T> => {
  const heap = createHeap(before);
  if (order === "heap") return heap;
  const ascending = order === "ascending";
  let run: T[] = [];
  /** First item of the run still held (ascending; always 0 when descending). */
  let head = 0;

  /** The run's next item, or undefined when it is empty. */
  const runNext = (): T | undefined => (ascending ? run[head] : run[run.length - 1]);
  const runTake = () => {
    if (!ascending) {
      run.pop();
      return;
    }
    run[head++] = undefined as T; // let the item be collected
    if (head === run.length) {
      run = [];
      head = 0;
    } else if (head >= COMPACT_AT && head * 2 >= run.length) {
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
    drain: () => {
      const out: T[] = [];
      for (let x = pop(); x !== undefined; x = pop()) out.push(x);
      return out;
    },
    forEach: (visit) => {
      for (let i = head; i < run.length; i++) visit(run[i]!);
      heap.forEach(visit);
    },
  };
};
