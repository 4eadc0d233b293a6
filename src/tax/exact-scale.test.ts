/**
 * src/tax/exact-scale.ts: `scaleDigits` and `wideDigits` always equal the bigint arithmetic (from
 * one 64-bit word below 2^64, a double product only when it is exact), `wordBigint` is exact
 * across its halves, and `bigintToNumber` gives exactly `Number`'s double.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { bigintToNumber, productIsExact, scaleDigits, wideDigits, wordBigint } from "./exact-scale.ts";

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
      // Around 2^64 (the one-word path's end): 18446744073709551615 = 2^64 − 1.
      [1844674407370955, 4], // 18446744073709550000 < 2^64, product rounded in a double
      [1844674407370956, 4], // 18446744073709560000 > 2^64
      [18446744073709, 6],
      [12345678912, 9], // a SOL amount at scale 18: 1.2345678912e19, rounded in a double
      [8015982, 16], // 80,159.82 USDC at scale 18: above 2^64
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

  test("wideDigits is high × 10^15 + low for any digits, across 2^64", () => {
    const exactWide = (high: number, low: number) => BigInt(high) * 10n ** 15n + BigInt(low);
    const cases: [number, number][] = [
      [0, 0],
      [0, 999999999999999],
      [9773, 396548651158255], // 9.773396548651158255 ETH in wei
      [18446, 744073709551615], // 2^64 − 1
      [18446, 744073709551616], // 2^64
      [18446, 999999999999999],
      [18447, 0],
      [Number.MAX_SAFE_INTEGER, 999999999999999],
    ];
    for (const [h, l] of cases) expect(wideDigits(h, l)).toBe(exactWide(h, l));
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 40000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
        fc.integer({ min: 0, max: 10 ** 15 - 1 }),
        (h, l) => {
          expect(wideDigits(h, l)).toBe(exactWide(h, l));
        },
      ),
      { numRuns: 20000 },
    );
  });

  test("wordBigint is p + e, with carries and borrows across the 32-bit halves", () => {
    expect(wordBigint(0, 0)).toBe(0n);
    expect(wordBigint(2 ** 32, -1)).toBe(2n ** 32n - 1n);
    expect(wordBigint(2 ** 32 - 1, 1)).toBe(2n ** 32n);
    expect(wordBigint(2 ** 64 - 2 ** 11, 2 ** 10)).toBe(2n ** 64n - 2n ** 10n);
    expect(wordBigint(2 ** 63, -(2 ** 51))).toBe(2n ** 63n - 2n ** 51n);
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: -(2 ** 51), max: 2 ** 51 }),
        (v, e) => {
          // p: v rounded to a double (an integer), kept below 2^64 and with p + e in range.
          const p = Math.min(Number(v), 2 ** 64 - 2 ** 11);
          const sum = BigInt(p) + BigInt(e);
          if (sum < 0n || sum >= 2n ** 64n) return;
          expect(wordBigint(p, e)).toBe(sum);
        },
      ),
      { numRuns: 20000 },
    );
  });

  test("bigintToNumber is Number(v): the same double, ties to even, both signs, past 2^63", () => {
    const cases = [
      0n,
      1n,
      -1n,
      2n ** 32n - 1n,
      2n ** 32n,
      -(2n ** 32n),
      2n ** 53n + 1n, // a tie: rounds to even (2^53)
      2n ** 53n + 3n, // a tie: rounds to even (2^53 + 4)
      -(2n ** 53n) - 1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 63n, // past the word: Number()
      -(2n ** 63n) - 1n,
      10n ** 30n + 1n,
      123456789012345678901234567890n,
    ];
    for (const v of cases) expect(Object.is(bigintToNumber(v), Number(v))).toBe(true);
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (v) => {
        expect(bigintToNumber(v)).toBe(Number(v));
      }),
      { numRuns: 20000 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        expect(bigintToNumber(v)).toBe(Number(v));
      }),
      { numRuns: 20000 },
    );
  });
});
