/**
 * Exact rounding of `a × b ÷ d` from a double estimate (`mulDivRoundHalfUp`): the estimate is used
 * only when it settles the rounding, so results always equal the bigint division's.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { divRoundHalfUp, maxBigint, minBigint, mulDivRoundHalfUp } from "./money.ts";

/** The engine's two estimates: (a ÷ d) × b (a take's proceeds), and a lot's `unit` × b (its basis). */
const proceedsEstimate = (a: bigint, b: bigint, d: bigint) => (Number(a) / Number(d)) * Number(b);
const unitEstimate = (a: bigint, b: bigint, d: bigint) => {
  const unit = a === 0n ? 0 : Number(a) / Number(d);
  return unit * Number(b);
};
const exact = (a: bigint, b: bigint, d: bigint) => divRoundHalfUp(a * b, d);

describe("mulDivRoundHalfUp", () => {
  test("rounds half cents away from zero, positive and negative", () => {
    // 5 × 1 ÷ 2 = 2.5 → 3; -2.5 → -3; the estimate is an exact tie, so the bigints decide.
    expect(mulDivRoundHalfUp(5n, 1n, 2n, 2.5)).toBe(3n);
    expect(mulDivRoundHalfUp(-5n, 1n, 2n, -2.5)).toBe(-3n);
    // 1,234,567 cents × half of an 18-decimal quantity: 617,283.5 → 617,284.
    const d = 2n * 10n ** 18n;
    expect(mulDivRoundHalfUp(1_234_567n, 10n ** 18n, d, proceedsEstimate(1_234_567n, 10n ** 18n, d))).toBe(
      617_284n,
    );
    expect(mulDivRoundHalfUp(-1_234_567n, 10n ** 18n, d, proceedsEstimate(-1_234_567n, 10n ** 18n, d))).toBe(
      -617_284n,
    );
    // Just below and above a half: 2.4999… → 2, 2.5000…1 → 3, and mirrored.
    expect(mulDivRoundHalfUp(4_999_999n, 1n, 2_000_000n, 2.4999995)).toBe(2n);
    expect(mulDivRoundHalfUp(5_000_001n, 1n, 2_000_000n, 2.5000005)).toBe(3n);
    expect(mulDivRoundHalfUp(-4_999_999n, 1n, 2_000_000n, -2.4999995)).toBe(-2n);
    expect(mulDivRoundHalfUp(-5_000_001n, 1n, 2_000_000n, -2.5000005)).toBe(-3n);
  });

  test("a quotient within a double's error of a half cent is decided in bigints", () => {
    // b = d/2 − 1 with d = 10^24: the quotient is a/2 − a/10^24, a hair below the half; the
    // double estimate is exactly a/2 (a tie), which rounded as a double would give one cent more.
    const d = 10n ** 24n;
    for (const a of [1n, 3n, 999_999_999n, 123_456_789_013n, -7n, -123_456_789_013n]) {
      for (const b of [d / 2n - 1n, d / 2n, d / 2n + 1n]) {
        const est = proceedsEstimate(a, b, d);
        expect(mulDivRoundHalfUp(a, b, d, est)).toBe(exact(a, b, d));
        expect(mulDivRoundHalfUp(a, b, d, unitEstimate(a, b, d))).toBe(exact(a, b, d));
      }
    }
    expect(mulDivRoundHalfUp(3n, d / 2n - 1n, d, 1.5)).toBe(1n);
    expect(mulDivRoundHalfUp(-3n, d / 2n - 1n, d, -1.5)).toBe(-1n);
  });

  test("quotients of 2^50 or more, and estimates that are not numbers, take the bigint path", () => {
    const big = 2n ** 60n + 1n; // not a double: Number() rounds it
    expect(mulDivRoundHalfUp(big, 3n, 2n, proceedsEstimate(big, 3n, 2n))).toBe(exact(big, 3n, 2n));
    expect(mulDivRoundHalfUp(-big, 3n, 2n, proceedsEstimate(-big, 3n, 2n))).toBe(exact(-big, 3n, 2n));
    // Deliberately wrong estimates at or above the limit, or NaN, are ignored.
    expect(mulDivRoundHalfUp(10n, 1n, 1n, 2 ** 50)).toBe(10n);
    expect(mulDivRoundHalfUp(10n, 1n, 1n, -(2 ** 50))).toBe(10n);
    expect(mulDivRoundHalfUp(10n, 1n, 1n, Number.NaN)).toBe(10n);
    expect(mulDivRoundHalfUp(10n, 1n, 1n, Number.POSITIVE_INFINITY)).toBe(10n);
  });

  test("an estimate clear of every half cent decides the result (it is trusted)", () => {
    // This is the contract the callers keep: the estimate must be within 2^-49 of the quotient.
    expect(mulDivRoundHalfUp(1n, 1n, 1n, 7.2)).toBe(7n);
    expect(mulDivRoundHalfUp(1n, 1n, 1n, -7.7)).toBe(-8n);
  });

  test("equals the bigint division for cents × 18-decimal quantities (property)", () => {
    const cents = fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n });
    const quantity = fc.bigInt({ min: 1n, max: 10n ** 27n });
    fc.assert(
      fc.property(cents, quantity, quantity, (a, x, y) => {
        const d = maxBigint(x, y);
        const b = minBigint(x, y); // a take is at most the whole
        expect(mulDivRoundHalfUp(a, b, d, proceedsEstimate(a, b, d))).toBe(exact(a, b, d));
        expect(mulDivRoundHalfUp(a, b, d, unitEstimate(a, b, d))).toBe(exact(a, b, d));
      }),
      { numRuns: 20_000 },
    );
  });

  test("equals the bigint division next to half cents (property)", () => {
    // d = 2m and b = m + e for a small e: the quotient is a/2 + a·e/(2m), near a half when a is odd.
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 24n }),
        fc.bigInt({ min: -1000n, max: 1000n }),
        (a, m, e) => {
          const d = 2n * m;
          const b = m + e > 0n ? m + e : 1n;
          if (b > d) return;
          expect(mulDivRoundHalfUp(a, b, d, proceedsEstimate(a, b, d))).toBe(exact(a, b, d));
          expect(mulDivRoundHalfUp(a, b, d, unitEstimate(a, b, d))).toBe(exact(a, b, d));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
