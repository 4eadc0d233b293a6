import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createHeap, emptyItems } from "./heap.ts";

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

describe("emptyItems()", () => {
  test("a new empty array each time, that V8 already stores as an array of objects", () => {
    const a = emptyItems<object>();
    expect(a).toEqual([]);
    expect(emptyItems<object>()).not.toBe(a);
    // V8's elements kind, read with its natives syntax in a child process: `[]` starts as an
    // array of small integers, which the check tells apart (the last two figures).
    const heapModule = JSON.stringify(new URL("./heap.ts", import.meta.url).href);
    const code = `import { emptyItems } from ${heapModule};
const a = emptyItems();
process.stdout.write(JSON.stringify([%HasObjectElements(a), a.length, %HasSmiElements([]), %HasObjectElements([])]));`;
    const run = spawnSync(
      process.execPath,
      ["--allow-natives-syntax", "--import", "tsx", "--input-type=module", "-e", code],
      { cwd: fileURLToPath(new URL("../..", import.meta.url)), encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual([true, 0, true, false]);
  });
});
