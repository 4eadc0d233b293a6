/**
 * Bigints made from doubles and read as doubles cheaply and exactly, through one 64-bit word: the
 * amounts of every row, and the per-row and per-lot conversions of the engine.
 *
 * Making: `scaleDigits(digits, up)` is `digits × 10^up`; `wideDigits(high, low)` is
 * `high × 10^15 + low` (decoded amounts). Both compute the value in doubles as a rounded product
 * `p` plus its exact rounding error `e` (Dekker's two-product: exact, no overflow or underflow at
 * these magnitudes), and when the value is below 2^64 write it as two 32-bit halves into a 64-bit
 * word read back as a bigint (`wordBigint`): one bigint made by an inlined typed-array read,
 * measured 2-4× cheaper than `BigInt(double)` (a runtime call) and than a bigint product or sum.
 * Larger values take the bigint arithmetic, or `BigInt(p)` when `p` is exact.
 *
 * Reading: `bigintToNumber(v)` is `Number(v)` (the nearest double, ties to even), from the word's
 * halves when |v| < 2^63 (about 4× cheaper than `Number(v)` in Node 20).
 *
 * Exactness: `digits` and `high` are integers below 2^53, `low` below 10^15, and 10^up is exact
 * for up ≤ 22 (5^22 < 2^53).
 */
import { pow10 } from "../ledger/decimal.ts";
import { LOW_DIGITS } from "./decoded-batch.ts";

/** 10^k as doubles, exact for k ≤ 22. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Dekker's splitter for doubles: 2^27 + 1. */
const SPLIT = 134217729;
const TWO_32 = 2 ** 32;
const TWO_64 = 2 ** 64;
/** 10^15, the weight of a wide amount's high digits (exact). */
const LOW_WEIGHT = 10 ** LOW_DIGITS;
/**
 * Wide values whose `p` is below this are below 2^64: `e` adds less than 2^50 (`low`) + 2^10
 * (half an ulp of `p`).
 */
const WIDE_WORD_MAX = TWO_64 - 2 ** 51;

/**
 * `a × b − p`, exactly, for `p` the rounded double product of `a` and `b` (finite, |a|, |b| <
 * 2^996): Dekker's two-product error.
 */
export const productError = (a: number, b: number, p: number): number => {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (p - ah * bh - al * bh - ah * bl);
};

/** Whether `a * b` (finite, |a|, |b| < 2^996) rounds to `p` exactly: its two-product error is 0. */
export const productIsExact = (a: number, b: number, p: number): boolean => productError(a, b, p) === 0;

/**
 * One 64-bit word, seen as unsigned (`word`), signed (`signedWord`) and as its two 32-bit halves
 * in the platform's byte order (`halves`; `signedHalves` reads the high half as signed).
 */
const word = new BigUint64Array(1);
const signedWord = new BigInt64Array(word.buffer);
const halves = new Uint32Array(word.buffer);
const signedHalves = new Int32Array(word.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW_HALF = LITTLE_ENDIAN ? 0 : 1;
const HIGH_HALF = 1 - LOW_HALF;
const TWO_63N = 2n ** 63n;

/**
 * `Number(v)`, exactly the same double: for |v| < 2^63, `v` = hi × 2^32 + lo with hi its signed
 * high half and lo its unsigned low half; hi × 2^32 and lo are exact doubles, so their sum is
 * rounded once, to the nearest (ties to even), as `Number` rounds.
 */
export const bigintToNumber = (v: bigint): number => {
  if (v < TWO_63N && v >= -TWO_63N) {
    signedWord[0] = v;
    return signedHalves[HIGH_HALF]! * TWO_32 + halves[LOW_HALF]!;
  }
  return Number(v);
};

/**
 * The bigint `p + e`, exactly.
 * @param p - an integer, 0 ≤ p < 2^64
 * @param e - an integer, |e| < 2^52, with 0 ≤ p + e < 2^64
 */
export const wordBigint = (p: number, e: number): bigint => {
  // Every step is exact: p ÷ 2^32 and its floor; p − hi × 2^32 is in [0, 2^32); adding e stays
  // below 2^53 in magnitude; the carry moves whole multiples of 2^32.
  let hi = Math.floor(p / TWO_32);
  let lo = p - hi * TWO_32 + e;
  if (lo < 0 || lo >= TWO_32) {
    const carry = Math.floor(lo / TWO_32);
    lo -= carry * TWO_32;
    hi += carry;
  }
  halves[LOW_HALF] = lo;
  halves[HIGH_HALF] = hi;
  return word[0]!;
};

/**
 * `BigInt(digits) * 10^up`, exactly.
 * @param digits - an integer, 0 ≤ digits < 2^53
 * @param up - 0 ≤ up
 */
export const scaleDigits = (digits: number, up: number): bigint => {
  if (up < POW10.length) {
    const f = POW10[up]!;
    const p = digits * f;
    // p < 2^64 is at most 2^64 − 2^11, and the error at most half its ulp (2^10): below 2^64.
    if (p <= Number.MAX_SAFE_INTEGER) return wordBigint(p, 0);
    if (p < TWO_64) return wordBigint(p, productError(digits, f, p));
    if (productIsExact(digits, f, p)) return BigInt(p);
  }
  return BigInt(digits) * pow10(up);
};

/**
 * `high × 10^15 + low` as a bigint, exactly (a wide decoded amount's digits, see
 * `DecodedBatch.high`).
 * @param high - an integer, 0 ≤ high < 2^53
 * @param low - an integer, 0 ≤ low < 10^15
 */
export const wideDigits = (high: number, low: number): bigint => {
  const p = high * LOW_WEIGHT;
  if (p < WIDE_WORD_MAX) return wordBigint(p, productError(high, LOW_WEIGHT, p) + low);
  return scaleDigits(high, LOW_DIGITS) + BigInt(low);
};
