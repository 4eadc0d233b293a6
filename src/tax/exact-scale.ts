/**
 * `digits × 10^up` as a bigint, from a double when the product is exact in one: one small bigint
 * made from the double instead of two bigints and a bigint product (the conversion of decoded
 * amounts, once per amount of every row).
 *
 * Exactness: `digits` is an integer below 2^53 and 10^up is exact for up ≤ 22 (5^22 < 2^53), so
 * `p = digits * 10^up` is their product rounded once; Dekker's two-product gives the rounding
 * error exactly (no overflow or underflow at these magnitudes), and `p` is used only when that
 * error is 0. Any other case takes the bigint product.
 */
import { pow10 } from "../ledger/decimal.ts";

/** 10^k as doubles, exact for k ≤ 22. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Dekker's splitter for doubles: 2^27 + 1. */
const SPLIT = 134217729;

/** Whether `a * b` (finite, |a|, |b| < 2^996) rounds to `p` exactly: its two-product error is 0. */
export const productIsExact = (a: number, b: number, p: number): boolean => {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (p - ah * bh - al * bh - ah * bl) === 0;
};

/**
 * `BigInt(digits) * 10^up`, exactly.
 * @param digits - an integer, 0 ≤ digits < 2^53
 * @param up - 0 ≤ up
 */
export const scaleDigits = (digits: number, up: number): bigint => {
  if (up === 0) return BigInt(digits);
  if (up < POW10.length) {
    const f = POW10[up]!;
    const p = digits * f;
    if (p <= Number.MAX_SAFE_INTEGER || productIsExact(digits, f, p)) return BigInt(p);
  }
  return BigInt(digits) * pow10(up);
};
