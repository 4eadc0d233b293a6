/**
 * Lots and the method orders.
 *
 * A lot's per-unit basis never changes: every take is proportional (basis taken = remaining
 * basis × taken ÷ remaining = original basis × taken ÷ original quantity), and fractions carried
 * to other wallets keep it. So a lot is stored once (`Lot`) with its original basis and quantity,
 * and each pool holding part of it has a `Holding` with the quantity it still holds.
 */
import { bigintToNumber } from "./exact-scale.ts";
import type { QueueOrder } from "./lot-queue.ts";
import type { Method } from "./types.ts";

export type Lot = {
  /** The acquiring row's id (or `alloc:<wallet>:<asset>`, or a transfer's id for its shortfall). */
  id: string;
  /** Acquisition instant: epoch milliseconds and sub-millisecond nanoseconds. */
  ms: number;
  ns: number;
  /** File order of the acquiring row (ties between equal acquisition times). */
  seq: number;
  /** Acquisition date, `yyyymmdd`, in the run's time zone. */
  date: number;
  /** Original basis in USD units of 10^-usdScale, fees included. */
  basis: bigint;
  /** Original quantity in units of 10^-quantityScale (> 0). */
  quantity: bigint;
  /**
   * `Number(basis) / Number(quantity)` (0 when basis is 0), always computed exactly so (three
   * roundings): orders HIFO quickly (exact comparison on near-ties), and estimates a take's basis
   * for `mulDivRoundHalfUp` (which relies on that bound on its error).
   */
  unit: number;
  /**
   * The first of the holdings of this lot, in the pools holding part of it (usually one; more
   * after wallet-scope transfers), the others following through `Holding.next` in the order they
   * were made (see `holdingsOf`); undefined for none. A lot has at most one holding per pool:
   * fractions meeting again in a pool merge. A list, not an array: no array per lot.
   */
  holding: Holding | undefined;
  /** The wallet of the acquiring row (the allocation's wallet for an `alloc:` lot). */
  wallet: string;
  /** Acquired by purchase or a taxable exchange (`buy`, `swap`): a wash-sale replacement can only be such a lot. */
  purchase: boolean;
  /**
   * Set on the part of a lot whose units replaced a wash-sale loss (its basis holds the
   * disallowed loss, its `date` the tacked holding period); such units replace no other loss.
   */
  washReplacement: boolean;
};

/** The part of a lot that one pool holds. */
export type Holding = {
  lot: Lot;
  /** The pool it belongs to (compared by identity). */
  pool: object;
  /** Units still held by this pool (≥ 0). */
  remaining: bigint;
  /** Whether the holding currently sits in the pool's heap (zero holdings leave it lazily). */
  inHeap: boolean;
  /** The lot's next holding (see `Lot.holding`), undefined for the last. */
  next: Holding | undefined;
};

/** The holdings of `lot`, in its list's order (see `Lot.holding`). */
export const holdingsOf = (lot: Lot): Holding[] => {
  const out: Holding[] = [];
  for (let h = lot.holding; h !== undefined; h = h.next) out.push(h);
  return out;
};

/**
 * Units of one lot taken by one disposal or transfer. `emptied`: the holding the units came from
 * when the take used it up and it left its pool's queue (`takeByMethod`; else undefined), which a
 * transfer may then reuse for the pool the units go to (`moveHolding`).
 */
export type Take = { lot: Lot; quantity: bigint; emptied: Holding | undefined };

/**
 * A lot's `unit`: `Number(basis) / Number(quantity)`, 0 when `basis` is 0 (the one formula of
 * every lot, its rescales and its wash-sale replacement parts).
 */
export const unitOf = (basis: bigint, quantity: bigint): number =>
  basis === 0n ? 0 : bigintToNumber(basis) / bigintToNumber(quantity);

export const createLot = (
  id: string,
  ms: number,
  ns: number,
  seq: number,
  date: number,
  basis: bigint,
  quantity: bigint,
  wallet = "",
  purchase = false,
): Lot => ({
  id,
  ms,
  ns,
  seq,
  date,
  basis,
  quantity,
  unit: unitOf(basis, quantity),
  holding: undefined,
  wallet,
  purchase,
  washReplacement: false,
});

const earlier = (a: Lot, b: Lot): boolean =>
  a.ms < b.ms || (a.ms === b.ms && (a.ns < b.ns || (a.ns === b.ns && a.seq < b.seq)));

/** Relative gap under which two float per-unit bases are compared exactly. */
const UNIT_EPSILON = 1e-9;

/**
 * Two lots' `unit`s `ua` and `ub` (USD units of 10^-usdScale per unit of 10^-quantityScale, as
 * doubles): > 0 when the lot of `ua` surely has the higher per-unit basis, < 0 the lower, 0 when
 * they are too close to tell (relative gap ≤ 10^-9, far above the doubles' error of 3 roundings;
 * NaN or infinite units give 0). The HIFO queue's `QueueKey.first` (src/tax/lot-queue.ts).
 */
export const unitFirst = (ua: number, ub: number): number => {
  const gap = ua - ub;
  return Math.abs(gap) > UNIT_EPSILON * Math.max(Math.abs(ua), Math.abs(ub)) ? gap : 0;
};

/** > 0 when `a` has the higher per-unit basis, exactly. */
const compareUnit = (a: Lot, b: Lot): number => {
  const c = unitFirst(a.unit, b.unit);
  if (c !== 0) return c;
  const x = a.basis * b.quantity;
  const y = b.basis * a.quantity;
  return x > y ? 1 : x < y ? -1 : 0;
};

/**
 * `before(a, b)`: true when the method takes `a` before `b`.
 * - fifo: earliest acquisition time, then file order;
 * - lifo: latest acquisition time, then reverse file order;
 * - hifo: highest per-unit basis (fees included), then as fifo.
 */
export const lotOrder = (method: Method): ((a: Lot, b: Lot) => boolean) => {
  switch (method) {
    case "fifo":
      return earlier;
    case "lifo":
      return (a, b) => earlier(b, a);
    case "hifo":
      return (a, b) => {
        const c = compareUnit(a, b);
        return c > 0 || (c === 0 && earlier(a, b));
      };
  }
};

/**
 * How lots acquired in time order arrive in `lotOrder(method)` (the pools' queue shape): HIFO
 * pools sort lots by `unit` (`keyed`, numbers compared by `unitFirst`).
 */
export const queueOrder = (method: Method): QueueOrder =>
  method === "fifo" ? "ascending" : method === "lifo" ? "descending" : "keyed";
