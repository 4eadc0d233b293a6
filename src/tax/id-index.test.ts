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

  test("property: numbered ids (many prefixes, sparse numbers, leading zeros) behave like a Map", () => {
    const id = fc
      .tuple(
        fc.constantFrom("r", "tx-", "", "a1b", "é", ...Array.from({ length: 20 }, (_, i) => `p${i}x`)),
        fc.oneof(
          fc.integer({ min: 0, max: 3000 }),
          fc.integer({ min: 0, max: 999_999_999 }),
          fc.constantFrom("0", "00", "07", "1234567890", "12345678901"),
        ),
      )
      .map(([prefix, n]) => `${prefix}${n}`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(id, fc.integer({ min: -1e9, max: 1e9 })), { maxLength: 400 }),
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
          expect(index.get("r999999999")).toBe(model.get("r999999999"));
        },
      ),
    );
  });

  test("property: addBytes (ids as ASCII bytes inside a larger buffer) behaves as add, mixed with add", () => {
    const ascii = fc.string({ unit: fc.constantFrom("r", "x", "-", "0", "1", "7", "9", "a"), maxLength: 8 });
    const id = fc.oneof(
      ascii,
      fc
        .tuple(
          fc.constantFrom("r", "tx-", "", "a1b", ...Array.from({ length: 20 }, (_, i) => `p${i}x`)),
          fc.oneof(fc.nat(5000), fc.nat(999_999_999)),
        )
        .map(([prefix, n]) => `${prefix}${n}`),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(id, fc.integer({ min: -1e9, max: 1e9 }), fc.boolean()), { maxLength: 400 }),
        (entries) => {
          const index = createIdIndex(2);
          const model = new Map<string, number>();
          for (const [id, value, asBytes] of entries) {
            let got: number | undefined;
            if (asBytes) {
              // The id between other bytes, at an offset, in a view of a larger buffer.
              const buf = Buffer.from(`##,${id},##`, "latin1");
              const view = new Uint8Array(buf.buffer, buf.byteOffset + 1, buf.length - 1);
              got = index.addBytes(view, 2, 2 + id.length, value);
            } else got = index.add(id, value);
            expect(got).toBe(model.get(id));
            if (!model.has(id)) model.set(id, value);
            expect(index.get(id)).toBe(model.get(id));
          }
          expect(index.size).toBe(model.size);
          for (const [id, value] of model) expect(index.get(id)).toBe(value);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("200,000 numbered ids counting up, then duplicates and neighbours", () => {
    const index = createIdIndex();
    let added = 0;
    for (let i = 0; i < 200_000; i++)
      if (index.add(`r${i}`, i % 2 === 0 ? -(i + 2) : i + 2) === undefined) added++;
    expect(added).toBe(200_000);
    expect(index.add("r199999", 0)).toBe(200_001);
    expect(index.add("r0", 0)).toBe(-2);
    expect(index.get("r200000")).toBeUndefined();
    expect(index.get("r01")).toBeUndefined();
    expect(index.add("r01", 5)).toBeUndefined();
    expect(index.get("r01")).toBe(5);
    expect(index.get("r1")).toBe(3);
    expect(index.size).toBe(200_001);
  });

  test("a hundred thousand ids, with non-ASCII ones", () => {
    const index = createIdIndex();
    for (let i = 0; i < 100_000; i++) expect(index.add(`tx-${i}-é€`, i)).toBeUndefined();
    expect(index.add("tx-99999-é€", 0)).toBe(99_999);
    expect(index.get("tx-5-é€")).toBe(5);
    expect(index.size).toBe(100_000);
  });
});
