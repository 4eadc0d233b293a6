/**
 * `createLotQueue`: the same items out, in the same order, as a heap of the same order, for
 * pushes in the usual order (the run), against it (the heap beside it) and interleaved.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createLotQueue, type QueueKey, type QueueOrder } from "./lot-queue.ts";

/** Items with distinct keys (a strict order, as lots' acquisition instants and file order are). */
type Item = { key: number };

/**
 * The `keyed` order's numbers: a coarse key (items whose keys share a multiple of 4 have the same
 * number), so that the numbers decide some comparisons and `before` the others.
 */
const coarse: QueueKey<Item> = { of: (x) => Math.floor(x.key / 4), first: (a, b) => a - b };

const check = (order: QueueOrder, ops: (number | undefined)[]) => {
  // descending and keyed: the highest key first (keyed as HIFO's highest per-unit basis).
  const before =
    order === "descending" || order === "keyed"
      ? (a: Item, b: Item) => a.key > b.key
      : (a: Item, b: Item) => a.key < b.key;
  const queue = createLotQueue<Item>(before, order, coarse);
  const model: Item[] = [];
  const sorted = () => model.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  const used = new Set<number>();
  for (const op of ops) {
    if (op === undefined || used.has(op)) {
      sorted();
      expect(queue.peek()).toBe(model[0]);
      expect(queue.pop()).toBe(model.shift());
    } else {
      used.add(op);
      const item = { key: op };
      queue.push(item);
      model.push(item);
    }
    expect(queue.size).toBe(model.length);
  }
  const seen: Item[] = [];
  queue.forEach((x) => {
    seen.push(x);
  });
  expect(new Set(seen)).toEqual(new Set(model));
  expect(queue.drain()).toEqual(sorted());
  expect(queue.peek()).toBeUndefined();
  expect(queue.size).toBe(0);
};

/** Keys mostly rising (lots acquired in time order), now and then an earlier one (a transfer). */
const mostlyRising = fc
  .array(
    fc.tuple(
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: -20, max: 0 }),
    ),
  )
  .map((steps) => {
    let t = 0;
    return steps.map(([kind, gap, back]) => {
      if (kind < 3) return undefined; // a pop
      if (kind === 9) return t + back; // out of order
      t += gap + 1;
      return t;
    });
  });

describe("createLotQueue()", () => {
  for (const order of ["ascending", "descending", "keyed", "heap"] as const) {
    test(`property (${order}): pops as a heap would, for any pushes and pops`, () => {
      fc.assert(
        fc.property(fc.array(fc.option(fc.integer({ min: -60, max: 60 }), { nil: undefined })), (ops) =>
          check(order, ops),
        ),
      );
    });
    test(`property (${order}): pops as a heap would, for keys mostly in time order`, () => {
      fc.assert(fc.property(mostlyRising, (ops) => check(order, ops)));
    });
  }

  test("queues of one order share their methods (no functions made per queue)", () => {
    for (const order of ["ascending", "descending", "keyed", "heap"] as const) {
      const a = createLotQueue<Item>((x, y) => x.key < y.key, order, coarse);
      const b = createLotQueue<Item>((x, y) => x.key > y.key, order, coarse);
      for (const name of ["push", "peek", "pop", "drain", "forEach", "rekey"] as const) {
        expect(Object.hasOwn(a, name), `${order} ${name}`).toBe(false);
        expect(a[name], `${order} ${name}`).toBe(b[name]);
      }
    }
  });

  test("compacts a long FIFO run and keeps its order", () => {
    const queue = createLotQueue<Item>((a, b) => a.key < b.key, "ascending");
    for (let i = 0; i < 5000; i++) queue.push({ key: i });
    for (let i = 0; i < 3000; i++) expect(queue.pop()!.key).toBe(i);
    queue.push({ key: -1 }); // an earlier lot carried in: out first
    expect(queue.pop()!.key).toBe(-1);
    for (let i = 3000; i < 5000; i++) expect(queue.pop()!.key).toBe(i);
    expect(queue.pop()).toBeUndefined();
  });

  for (const order of ["ascending", "descending"] as const) {
    test(`property (${order}): earlier items pushed into long runs, near the end and far past INSERT_MAX`, () => {
      // Keys mostly rising in both orders (lots in time order), runs of up to 120 items: an earlier item takes its place in the run when at most 32 items
      // follow it there, else it goes to the heap; either way the order out is the heap's.
      const ops = fc
        .array(
          fc.tuple(
            fc.integer({ min: 0, max: 19 }),
            fc.integer({ min: 1, max: 3 }),
            fc.integer({ min: 1, max: 80 }),
          ),
          { minLength: 50, maxLength: 300 },
        )
        .map((steps) => {
          let t = 0;
          return steps.map(([kind, gap, back]) => {
            if (kind < 2) return undefined; // a pop
            if (kind >= 16) return t - back; // out of order, up to 80 keys back
            t += gap;
            return t;
          });
        });
      fc.assert(fc.property(ops, (o) => check(order, o)));
    });
  }

  test("property (keyed): long runs, pushes anywhere in them (past KEYED_INSERT_MAX too), few pops", () => {
    // HIFO: a lot's per-unit basis falls anywhere among the pool's; runs of up to 400 items, so
    // a place more than 64 items below the top goes to the heap.
    const ops = fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: undefined, freq: 10 }), {
      minLength: 100,
      maxLength: 400,
    });
    fc.assert(fc.property(ops, (o) => check("keyed", o)));
  });

  test("keyed: rekey after every item's number changed alike keeps the order against later pushes", () => {
    // As a rescale multiplies every lot's basis and quantity: the numbers change, the order not.
    type Lot = { unit: number; seq: number };
    const before = (a: Lot, b: Lot) => a.unit > b.unit || (a.unit === b.unit && a.seq < b.seq);
    const byUnit: QueueKey<Lot> = { of: (x) => x.unit, first: (a, b) => a - b };
    const queue = createLotQueue<Lot>(before, "keyed", byUnit);
    const held = [3, 1, 4, 1.5, 9, 2.6].map((unit, seq) => ({ unit, seq }));
    for (const x of held) queue.push(x);
    for (const x of held) x.unit *= 1000;
    queue.rekey();
    const later = [5000, 1200, 9500, 100].map((unit, i) => ({ unit, seq: 10 + i }));
    for (const x of later) queue.push(x);
    expect(queue.drain().map((x) => x.unit)).toEqual([
      9500, 9000, 5000, 4000, 3000, 2600, 1500, 1200, 1000, 100,
    ]);
  });
});
