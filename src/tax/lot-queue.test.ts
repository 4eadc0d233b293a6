/**
 * `createLotQueue`: the same items out, in the same order, as a heap of the same order, for
 * pushes in the usual order (the run), against it (the heap beside it) and interleaved.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createLotQueue, type QueueOrder } from "./lot-queue.ts";

/** Items with distinct keys (a strict order, as lots' acquisition instants and file order are). */
type Item = { key: number };

const check = (order: QueueOrder, ops: (number | undefined)[]) => {
  const before =
    order === "descending" ? (a: Item, b: Item) => a.key > b.key : (a: Item, b: Item) => a.key < b.key;
  const queue = createLotQueue<Item>(before, order);
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
  for (const order of ["ascending", "descending", "heap"] as const) {
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
});
