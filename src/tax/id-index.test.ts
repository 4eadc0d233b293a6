import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createIdIndex } from "./id-index.ts";

describe("createIdIndex()", () => {
  test("property: behaves like a Map with insert-if-absent", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.integer({ min: -1e9, max: 1e9 })), {
          maxLength: 300,
        }),
        (pairs) => {
          const index = createIdIndex(2);
          const model = new Map<string, number>();
          for (const [id, value] of pairs) {
            expect(index.add(id, value)).toBe(model.get(id));
            if (!model.has(id)) model.set(id, value);
            expect(index.get(id)).toBe(model.get(id));
          }
          expect(index.size).toBe(model.size);
          for (const [id, value] of model) expect(index.get(id)).toBe(value);
          expect(index.get("\u0000absent")).toBeUndefined();
        },
      ),
    );
  });

  test("a hundred thousand ids, with non-ASCII ones", () => {
    const index = createIdIndex();
    for (let i = 0; i < 100_000; i++) expect(index.add(`tx-${i}-é€`, i)).toBeUndefined();
    expect(index.add("tx-99999-é€", 0)).toBe(99_999);
    expect(index.get("tx-5-é€")).toBe(5);
    expect(index.size).toBe(100_000);
  });
});
