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
  heap: createLotQueue<Holding>((a, b) => before(a.lot, b.lot), order, byUnit),
});

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
  const hs = lot.holdings;
  for (let i = 0; i < hs.length; i++) if (hs[i]!.pool === pool) return hs[i];
  return undefined;
};

/** Adds `quantity` units of `lot`, merging with the pool's holding of the same lot. */
export const addToPool = (pool: Pool, lot: Lot, quantity: bigint): void => {
  const held = holdingIn(pool, lot);
  if (held !== undefined) {
    held.remaining += quantity;
    if (!held.inHeap) {
      held.inHeap = true;
      pool.heap.push(held);
    }
    return;
  }
  const h: Holding = { lot, pool, remaining: quantity, inHeap: true };
  // A lot's first holding as a one-item array: `push` on an empty array reserves room for 16.
  if (lot.holdings.length === 0) lot.holdings = [h];
  else lot.holdings.push(h);
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
      t = { lot: h.lot, quantity: q };
      spare.push(t);
    } else {
      t.lot = h.lot;
      t.quantity = q;
    }
    scratch[n++] = t;
    if (h.remaining === 0n) {
      heap.pop();
      h.inHeap = false;
    }
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
  return { lot, quantity };
};

/**
 * Removes and returns every holding with units left, in method order. The pool is emptied and
 * its holdings are detached from their lots (the pool is not used again).
 */
export const drainPool = (pool: Pool): Holding[] => {
  const out: Holding[] = [];
  for (let h = pool.heap.pop(); h !== undefined; h = pool.heap.pop()) {
    h.inHeap = false;
    h.lot.holdings = h.lot.holdings.filter((x) => x !== h);
    if (h.remaining > 0n) out.push(h);
  }
  return out;
};
