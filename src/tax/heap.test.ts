import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createHeap } from "./heap.ts";

describe("createHeap()", () => {
  test("property: pops in order, whatever the interleaving of pushes and pops", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined })), (ops) => {
        const heap = createHeap<number>((a, b) => a < b);
        const model: number[] = [];
        for (const op of ops) {
          if (op === undefined) {
            model.sort((a, b) => a - b);
            expect(heap.pop()).toBe(model.shift());
          } else {
            heap.push(op);
            model.push(op);
          }
          expect(heap.size).toBe(model.length);
        }
        expect(heap.drain()).toEqual(model.sort((a, b) => a - b));
        expect(heap.peek()).toBeUndefined();
      }),
    );
  });

  test("forEach() visits every item", () => {
    const heap = createHeap<number>((a, b) => a > b);
    for (const x of [3, 1, 2]) heap.push(x);
    const seen: number[] = [];
    heap.forEach((x) => {
      seen.push(x);
    });
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(heap.peek()).toBe(3);
  });
});
