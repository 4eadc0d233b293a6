/**
 * Cents: exact rounding of exact quotients, and USD text in and out.
 *
 * @dev Amounts are computed as exact rationals (`numerator / denominator` of bigints) and rounded
 * once, half-up (half away from zero), when a Form 8949 row's proceeds or basis is produced.
 * Every total is a sum of rounded rows, as the spec and Form 8949 require.
 */
import type { Cents } from "./types.ts";

/**
 * `n / d` rounded half away from zero (`d > 0`): 0.5 → 1, -0.5 → -1, 0.49 → 0.
 * @example divRoundHalfUp(5n, 2n) === 3n
 */
export const divRoundHalfUp = (n: bigint, d: bigint): bigint => {
  if (d === 1n) return n;
  if (n >= 0n) {
    const q = n / d;
    return (n - q * d) * 2n >= d ? q + 1n : q;
  }
  const m = -n;
  const q = m / d;
  return -((m - q * d) * 2n >= d ? q + 1n : q);
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Form 8949 column (h): (d) proceeds − (e) cost basis + (g) adjustment, of the rounded amounts.
 * @example form8949Gain(600_000n, 200_000n, -100_000n) === 300_000n
 */
export const form8949Gain = (proceeds: Cents, costBasis: Cents, adjustment: Cents = 0n): Cents =>
  proceeds - costBasis + adjustment;

/** Cents as `-1234.50` (two places, `-` for negatives). */
export const formatCents = (c: Cents): string => {
  if (c <= MAX_SAFE && c >= -MAX_SAFE) {
    // Integers below 2^53 are exact in a double, and so are `%` and this exact division.
    const v = Number(c);
    const a = v < 0 ? -v : v;
    const frac = a % 100;
    return `${v < 0 ? "-" : ""}${(a - frac) / 100}.${frac < 10 ? "0" : ""}${frac}`;
  }
  const neg = c < 0n;
  const s = (neg ? -c : c).toString().padStart(3, "0");
  return `${neg ? "-" : ""}${s.slice(0, -2)}.${s.slice(-2)}`;
};

/**
 * Parses a USD amount with at most two decimals (`1234`, `1234.5`, `-10.25` when `allowNegative`).
 * @returns cents, or `undefined` when `text` is not such an amount.
 */
export const parseUsdCents = (text: string, allowNegative = false): Cents | undefined => {
  const m = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m || (m[1] && !allowNegative)) return undefined;
  const c = BigInt(m[2]!) * 100n + BigInt((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -c : c;
};

/** The smaller of two bigints (cents or quantities; `Math.min` does not take bigints). */
export const minBigint = (a: bigint, b: bigint): bigint => (a < b ? a : b);
/** The larger of two bigints. */
export const maxBigint = (a: bigint, b: bigint): bigint => (a > b ? a : b);
