/**
 * Pools: a lot's holdings (a list through `Holding.next`, one holding per pool, in the order
 * they were made), `moveHolding` (a transfer reusing the holding its take used up) and
 * `drainPool` (which takes drained holdings out of their lots' lists), against a plain model of
 * units per pool and lot.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createLot, holdingsOf, type Lot, lotOrder, queueOrder } from "./lots.ts";
import { minBigint } from "./money.ts";
import {
  addToPool,
  createPool,
  drainPool,
  holdingIn,
  holdingOrder,
  moveHolding,
  type Pool,
  poolUnits,
  takeByMethod,
  takeLot,
} from "./pools.ts";
import type { Method } from "./types.ts";

const lotAt = (seq: number, quantity: bigint, basis = quantity * 3n): Lot =>
  createLot(`r${seq}`, 1_700_000_000_000 + seq * 1000, 0, seq, 20240101, basis, quantity);

const poolFor = (method: Method): Pool => createPool(lotOrder(method), queueOrder(method));

/** What `pool` holds: units per lot id, from its queue. */
const unitsByLot = (pool: Pool): Map<string, bigint> => {
  const out = new Map<string, bigint>();
  pool.heap.forEach((h) => {
    if (h.remaining > 0n) out.set(h.lot.id, (out.get(h.lot.id) ?? 0n) + h.remaining);
  });
  return out;
};

describe("a lot's holdings", () => {
  test("one per pool, in the order made; units meeting again in a pool merge", () => {
    const a = poolFor("fifo");
    const b = poolFor("fifo");
    const c = poolFor("fifo");
    const lot = lotAt(1, 100n);
    addToPool(a, lot, 100n);
    addToPool(b, lot, 10n);
    addToPool(c, lot, 5n);
    addToPool(b, lot, 7n);
    expect(holdingsOf(lot).map((h) => [h.pool, h.remaining])).toEqual([
      [a, 100n],
      [b, 17n],
      [c, 5n],
    ]);
    expect(holdingIn(c, lot)?.remaining).toBe(5n);
    expect(holdingIn(poolFor("fifo"), lot)).toBeUndefined();
    let queued = 0;
    b.heap.forEach(() => {
      queued++;
    });
    expect(queued).toBe(1);
  });

  test("a transfer's take that used a holding up moves that holding to the new pool", () => {
    const from = poolFor("fifo");
    const to = poolFor("fifo");
    const first = lotAt(1, 40n);
    const second = lotAt(2, 60n);
    addToPool(from, first, 40n);
    addToPool(from, second, 60n);
    const kept = holdingIn(from, first);
    const { takes, count, shortfall } = takeByMethod(from, 50n);
    expect([count, shortfall]).toEqual([2, 0n]);
    // The first lot was used up (its holding is handed over), the second only in part.
    expect(takes[0]!.emptied).toBe(kept);
    expect(takes[1]!.emptied).toBeUndefined();
    for (let i = 0; i < count; i++) moveHolding(to, takes[i]!);
    // The same holding object, now the new pool's; the old pool no longer has one of the lot.
    expect(holdingsOf(first)).toEqual([kept]);
    expect(kept!.pool).toBe(to);
    expect(holdingIn(from, first)).toBeUndefined();
    expect(holdingsOf(second).map((h) => [h.pool, h.remaining])).toEqual([
      [from, 50n],
      [to, 10n],
    ]);
    expect(unitsByLot(to)).toEqual(
      new Map([
        ["r1", 40n],
        ["r2", 10n],
      ]),
    );
    expect(unitsByLot(from)).toEqual(new Map([["r2", 50n]]));
    expect(takeLot(from, first, 1n)).toBe("is not in the pool");
  });

  test("a used-up holding is not reused when the new pool already holds part of the lot", () => {
    const from = poolFor("fifo");
    const to = poolFor("fifo");
    const lot = lotAt(1, 30n);
    addToPool(from, lot, 20n);
    addToPool(to, lot, 10n);
    const { takes, count } = takeByMethod(from, 20n);
    expect(count).toBe(1);
    expect(takes[0]!.emptied).toBe(holdingIn(from, lot));
    moveHolding(to, takes[0]!);
    // Merged into the holding `to` had: one holding there, with both parts.
    expect(holdingIn(to, lot)?.remaining).toBe(30n);
    expect(holdingsOf(lot).map((h) => [h.pool, h.remaining])).toEqual([
      [from, 0n],
      [to, 30n],
    ]);
    expect(unitsByLot(to)).toEqual(new Map([["r1", 30n]]));
    expect(takeByMethod(to, 30n).count).toBe(1);
  });

  test("drainPool takes the drained holdings out of their lots' lists, first, middle or last", () => {
    const pools = [poolFor("lifo"), poolFor("lifo"), poolFor("lifo")];
    const lots = [lotAt(1, 9n), lotAt(2, 9n), lotAt(3, 9n)];
    // Lot i has holdings in pools i, i+1, i+2 (mod 3), in that order: pool 1 is each lot's
    // first, second or last holding.
    for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) addToPool(pools[(i + k) % 3]!, lots[i]!, 3n);
    const drained = drainPool(pools[1]!);
    // LIFO: the latest lot first.
    expect(drained.map((h) => h.lot.id)).toEqual(["r3", "r2", "r1"]);
    for (const lot of lots) {
      expect(holdingsOf(lot).map((h) => h.pool)).toEqual(
        [0, 1, 2].map((k) => pools[(Number(lot.id.slice(1)) - 1 + k) % 3]).filter((p) => p !== pools[1]),
      );
      expect(holdingIn(pools[1]!, lot)).toBeUndefined();
    }
    expect(poolUnits(pools[0]!)).toBe(9n);
    expect(poolUnits(pools[2]!)).toBe(9n);
  });
});

/**
 * Random buys into, and transfers and disposals between, three pools of one asset: each pool's
 * units per lot match a plain model, each lot has at most one holding per pool and its list
 * holds exactly the holdings of pools it is in, and a disposal takes the lots the method would.
 */
describe("holdingOrder()", () => {
  test("one function per lot order: every pool of a run calls the same comparator", () => {
    for (const method of ["fifo", "lifo", "hifo"] as const) {
      const lots = lotOrder(method);
      const order = holdingOrder(lots);
      expect(holdingOrder(lots)).toBe(order);
      const a = { lot: lotAt(1, 5n) } as Parameters<typeof order>[0];
      const b = { lot: lotAt(2, 5n, 30n) } as Parameters<typeof order>[0];
      expect(order(a, b)).toBe(lots(a.lot, b.lot));
      expect(order(b, a)).toBe(lots(b.lot, a.lot));
    }
  });
});

describe("pools against a model", () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant("buy" as const),
      pool: fc.nat(2),
      quantity: fc.integer({ min: 1, max: 50 }),
    }),
    fc.record({
      kind: fc.constant("move" as const),
      from: fc.nat(2),
      to: fc.nat(2),
      quantity: fc.integer({ min: 1, max: 120 }),
    }),
    fc.record({
      kind: fc.constant("sell" as const),
      pool: fc.nat(2),
      quantity: fc.integer({ min: 1, max: 60 }),
    }),
  );

  for (const method of ["fifo", "lifo", "hifo"] as const) {
    test(method, () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
          const pools = [poolFor(method), poolFor(method), poolFor(method)];
          const first = lotOrder(method);
          const model: Map<Lot, bigint>[] = [new Map(), new Map(), new Map()];
          const lots: Lot[] = [];
          /** Takes `quantity` from model pool `k` in method order; returns what it took. */
          const takeModel = (k: number, quantity: bigint): [Lot, bigint][] => {
            const held = [...model[k]!].filter(([, u]) => u > 0n);
            held.sort(([a], [b]) => (first(a, b) ? -1 : first(b, a) ? 1 : 0));
            const out: [Lot, bigint][] = [];
            let need = quantity;
            for (const [lot, units] of held) {
              if (need === 0n) break;
              const q = minBigint(units, need);
              model[k]!.set(lot, units - q);
              need -= q;
              out.push([lot, q]);
            }
            return out;
          };
          let seq = 0;
          for (const o of ops) {
            if (o.kind === "buy") {
              // Per-unit bases 1..7 (ties under HIFO, decided by time).
              const lot = lotAt(++seq, BigInt(o.quantity), BigInt(o.quantity * (1 + (seq % 7))));
              lots.push(lot);
              addToPool(pools[o.pool]!, lot, lot.quantity);
              model[o.pool]!.set(lot, lot.quantity);
            } else {
              const k = o.kind === "move" ? o.from : o.pool;
              const expected = takeModel(k, BigInt(o.quantity));
              const { takes, count } = takeByMethod(pools[k]!, BigInt(o.quantity));
              const got = takes.slice(0, count).map((t) => [t.lot, t.quantity]);
              expect(got).toEqual(expected);
              if (o.kind === "move" && o.to !== o.from) {
                for (let i = 0; i < count; i++) moveHolding(pools[o.to]!, takes[i]!);
                for (const [lot, q] of expected) model[o.to]!.set(lot, (model[o.to]!.get(lot) ?? 0n) + q);
              } else if (o.kind === "move") {
                for (let i = 0; i < count; i++) moveHolding(pools[k]!, takes[i]!);
                for (const [lot, q] of expected) model[k]!.set(lot, model[k]!.get(lot)! + q);
              }
            }
            for (let k = 0; k < 3; k++) {
              const want = new Map([...model[k]!].filter(([, u]) => u > 0n).map(([l, u]) => [l.id, u]));
              expect(unitsByLot(pools[k]!)).toEqual(want);
              expect(poolUnits(pools[k]!)).toBe([...want.values()].reduce((a, b) => a + b, 0n));
            }
            for (const lot of lots) {
              const hs = holdingsOf(lot);
              expect(new Set(hs.map((h) => h.pool)).size).toBe(hs.length);
              for (let k = 0; k < 3; k++) {
                const units = model[k]!.get(lot) ?? 0n;
                const h = holdingIn(pools[k]!, lot);
                if (units > 0n) expect(h?.remaining).toBe(units);
                else expect(h?.remaining ?? 0n).toBe(0n);
              }
            }
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
