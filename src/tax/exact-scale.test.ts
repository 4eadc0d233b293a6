/**
 * `scaleDigits`: `digits × 10^up` from a double only when the double product is exact, so it
 * always equals the bigint product.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { productIsExact, scaleDigits } from "./exact-scale.ts";

const exact = (digits: number, up: number) => BigInt(digits) * 10n ** BigInt(up);

describe("scaleDigits", () => {
  test("equals the bigint product at the edges of the double range", () => {
    const cases: [number, number][] = [
      [0, 0],
      [0, 18],
      [1, 0],
      [1, 22],
      [1, 23],
      [1, 30],
      [Number.MAX_SAFE_INTEGER, 0],
      [Number.MAX_SAFE_INTEGER, 1],
      [Number.MAX_SAFE_INTEGER, 22],
      [2 ** 52, 3], // 2^52 × 10^3 = 2^55 × 125: exact in a double
      [900719925474099, 1], // the largest product below 2^53
      [900719925474100, 1], // the first above
      [123456789, 10], // 1.23456789e18: odd part 123456789 × 5^10 < 2^53, exact
      [123456789123, 10], // odd part 123456789123 × 5^10 ≥ 2^53: not a double
      [5, 17], // 0.5 ETH in wei: 5^18 × 2^17, exact
      [999999999999999, 3],
      [999999999999999, 22],
    ];
    for (const [d, up] of cases) expect(scaleDigits(d, up)).toBe(exact(d, up));
  });

  test("equals the bigint product for any digits and power", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 30 }),
        (d, up) => {
          expect(scaleDigits(d, up)).toBe(exact(d, up));
        },
      ),
      { numRuns: 20000 },
    );
    // Short digit strings times large powers (decoded quantities at an 18-digit scale).
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 22 }), (d, up) => {
        expect(scaleDigits(d, up)).toBe(exact(d, up));
      }),
      { numRuns: 20000 },
    );
  });

  test("productIsExact tells exact double products from rounded ones", () => {
    expect(productIsExact(3, 10 ** 17, 3e17)).toBe(true);
    expect(productIsExact(123456789, 10 ** 10, 123456789 * 10 ** 10)).toBe(true);
    // 123456789123 × 10^10 is not a double: the rounded product is reported inexact.
    const p = 123456789123 * 10 ** 10;
    expect(BigInt(p) === 123456789123n * 10n ** 10n).toBe(false);
    expect(productIsExact(123456789123, 10 ** 10, p)).toBe(false);
  });
});
