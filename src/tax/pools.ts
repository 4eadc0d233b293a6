/**
 * A pool: the lots one scope unit (an asset, or a wallet's asset) holds, in method order.
 *
 * Taking by method pops from a heap (O(log n) per lot used, no re-sorting); specific
 * identification finds the lot's holding in the pool through the lot. Used-up holdings leave the
 * heap lazily, when they reach its top.
 */
import { createLotQueue, type LotQueue, type QueueKey, type QueueOrder } from "./lot-queue.ts";
import { type Holding, type Lot, type Take, unitFirst } from "./lots.ts";

export type Pool = {
  /**
   * The holdings; used-up ones (0 units) may stay until they reach the top. After the lots' `unit`s
   * change (a rescale), call `heap.rekey()`.
   */
  heap: LotQueue<Holding>;
};

/** A `keyed` pool's number per holding: its lot's per-unit basis (HIFO order, see `queueOrder`). */
const byUnit: QueueKey<Holding> = { of: (h) => h.lot.unit, first: unitFirst };

/**
 * `order`: how lots usually arrive in method order (see src/tax/lot-queue.ts); `keyed` only with
 * HIFO's `before` (its numbers are the lots' `unit`s). @defaultValue "heap"
 */
export const createPool = (before: (a: Lot, b: Lot) => boolean, order: QueueOrder = "heap"): Pool => ({
  heap: createLotQueue<Holding>(holdingOrder(before), order, byUnit),
});

/** Per lot order, its holdings' order: one function that every pool's queue calls (see `holdingOrder`). */
const holdingOrders = new WeakMap<(a: Lot, b: Lot) => boolean, (a: Holding, b: Holding) => boolean>();

/**
 * The holdings' order for the lots' `before`: the same function for every pool of a run, so that
 * a pool made late in a ledger brings no new call target into the queues' optimized code.
 */
export const holdingOrder = (before: (a: Lot, b: Lot) => boolean): ((a: Holding, b: Holding) => boolean) => {
  let order = holdingOrders.get(before);
  if (order === undefined) {
    order = (a, b) => before(a.lot, b.lot);
    holdingOrders.set(before, order);
  }
  return order;
};

/**
 * Units held, all lots together: the sum of the holdings' units, counted when asked (a running
 * total would cost a bigint operation per lot added or taken). A take that comes up short has
 * taken all of them: it held the units taken.
 */
export const poolUnits = (pool: Pool): bigint => {
  let units = 0n;
  pool.heap.forEach((h) => {
    units += h.remaining;
  });
  return units;
};

/** The holding of `lot` in `pool`, if it ever had one. */
export const holdingIn = (pool: Pool, lot: Lot): Holding | undefined => {
  let h = lot.holding;
  while (h !== undefined && h.pool !== pool) h = h.next;
  return h;
};

/** Adds `quantity` units of `lot`, merging with the pool's holding of the same lot. */
export const addToPool = (pool: Pool, lot: Lot, quantity: bigint): void =>
  addHolding(pool, lot, quantity, undefined);

/**
 * Adds take `t`'s units to `pool` (a transfer's destination) as `addToPool(pool, t.lot,
 * t.quantity)` does, except that when the pool has no holding of the lot yet, the holding the
 * take used up (`t.emptied`: 0 units, out of its pool's queue) becomes this pool's instead of a
 * new one being made. The old pool loses a holding nothing sees (not queued, no units: sums,
 * takes and lookups answer as for no holding), and the lot's list keeps its place.
 */
export const moveHolding = (pool: Pool, t: Take): void => addHolding(pool, t.lot, t.quantity, t.emptied);

/** `addToPool`, reusing `reuse` (a used-up holding of the lot, out of its queue) if given. */
const addHolding = (pool: Pool, lot: Lot, quantity: bigint, reuse: Holding | undefined): void => {
  const held = holdingIn(pool, lot);
  if (held !== undefined) {
    held.remaining += quantity;
    if (!held.inHeap) {
      held.inHeap = true;
      pool.heap.push(held);
    }
    return;
  }
  if (reuse !== undefined) {
    reuse.pool = pool;
    reuse.remaining = quantity;
    reuse.inHeap = true;
    pool.heap.push(reuse);
    return;
  }
  const h: Holding = { lot, pool, remaining: quantity, inHeap: true, next: undefined };
  // Last in the lot's list (the order the holdings were made).
  let last = lot.holding;
  if (last === undefined) lot.holding = h;
  else {
    while (last.next !== undefined) last = last.next;
    last.next = h;
  }
  pool.heap.push(h);
};

/**
 * Reused by `takeByMethod`: its caller consumes the takes before the next call (no take object,
 * and no result object, is allocated per call).
 */
const scratch: Take[] = [];
const spare: Take[] = [];
const result: Takes = { takes: scratch, count: 0, shortfall: 0n };

/** What a take hands out: `takes[0 … count)` (the array may hold more: ignore them). */
export type Takes = { takes: Take[]; count: number; shortfall: bigint };

/**
 * Takes up to `quantity` units in method order.
 * @returns the takes (one per lot: `takes[0 … count)`) and the units the pool could not supply:
 * a shared object and shared takes, valid until the next call.
 */
export const takeByMethod = (pool: Pool, quantity: bigint): Takes => {
  let n = 0;
  let need = quantity;
  const heap = pool.heap;
  while (need > 0n) {
    const h = heap.peek();
    if (h === undefined) break;
    if (h.remaining === 0n) {
      heap.pop();
      h.inHeap = false;
      continue;
    }
    // One bigint operation per take: the other side of it becomes 0n.
    let q: bigint;
    if (h.remaining <= need) {
      q = h.remaining;
      h.remaining = 0n;
      need -= q;
    } else {
      q = need;
      h.remaining -= need;
      need = 0n;
    }
    let t = spare[n];
    if (t === undefined) {
      t = { lot: h.lot, quantity: q, emptied: undefined };
      spare.push(t);
    } else {
      t.lot = h.lot;
      t.quantity = q;
    }
    scratch[n++] = t;
    if (h.remaining === 0n) {
      heap.pop();
      h.inHeap = false;
      t.emptied = h;
    } else t.emptied = undefined;
  }
  result.count = n;
  result.shortfall = need;
  return result;
};

/**
 * Takes `quantity` units of `lot` from `pool` (specific identification).
 * @returns the take, or a sentence saying why the pool cannot supply it.
 */
export const takeLot = (pool: Pool, lot: Lot, quantity: bigint): Take | string => {
  const h = holdingIn(pool, lot);
  if (h === undefined || h.remaining === 0n) return "is not in the pool";
  if (h.remaining < quantity) return "holds less than that";
  h.remaining -= quantity;
  return { lot, quantity, emptied: undefined };
};

/** Takes `h` out of its lot's list of holdings. */
const unlink = (h: Holding): void => {
  const lot = h.lot;
  if (lot.holding === h) lot.holding = h.next;
  else {
    let prev = lot.holding;
    while (prev !== undefined && prev.next !== h) prev = prev.next;
    if (prev !== undefined) prev.next = h.next;
  }
  h.next = undefined;
};

/**
 * Removes and returns every holding with units left, in method order. The pool is emptied and
 * its holdings are detached from their lots (the pool is not used again).
 */
export const drainPool = (pool: Pool): Holding[] => {
  const out: Holding[] = [];
  for (let h = pool.heap.pop(); h !== undefined; h = pool.heap.pop()) {
    h.inHeap = false;
    unlink(h);
    if (h.remaining > 0n) out.push(h);
  }
  return out;
};
