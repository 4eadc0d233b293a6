/**
 * Cents: exact rounding of exact quotients, and USD text in and out.
 *
 * @dev Amounts are computed as exact rationals (`numerator / denominator` of bigints) and rounded
 * once, half-up (half away from zero), when a Form 8949 row's proceeds or basis is produced.
 * Every total is a sum of rounded rows, as the spec and Form 8949 require.
 */
import { bigintToNumber } from "./exact-scale.ts";
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

/**
 * Bound on the relative error of a double computed from exact integers by at most five roundings
 * (conversions `Number(bigint)` and `+ - × ÷` of doubles, each off by at most 2^-53 relative):
 * 5 · 2^-53 plus second-order terms is below 2^-50.6; 2^-49 leaves a margin of more than 3×.
 */
const ESTIMATE_ERROR = 2 ** -49;
/** Estimates at or above this size are not used (spacing of doubles there is 1/4 and coarser). */
const ESTIMATE_MAX = 2 ** 50;

/**
 * `a × b ÷ d` rounded half away from zero (`d > 0`), exactly, from a double `estimate` of the
 * quotient when that settles it, else in bigints (`divRoundHalfUp(a * b, d)`).
 *
 * @dev `estimate` must come from the exact values by at most five roundings (e.g.
 * `Number(a) / Number(d) * Number(b)`), so it is within `ESTIMATE_ERROR` (relative) of the true
 * quotient. Rounding can only differ between the estimate and the true quotient when a half
 * integer lies between them; the estimate is used only when the nearest half integer is farther
 * than that error bound (plus one unit in the last place of 0.5 for the distance computation),
 * which also sends every exact tie (x.5) and every quotient of 2^50 or more to the bigint path.
 * The floor and the fraction of a double below 2^50 are exact, and so is `BigInt` of the result.
 * @example mulDivRoundHalfUp(5n, 1n, 2n, 2.5) === 3n // a tie: decided in bigints
 */
export const mulDivRoundHalfUp = (a: bigint, b: bigint, d: bigint, estimate: number): bigint => {
  const r = roundedEstimate(estimate);
  return !Number.isNaN(r) ? BigInt(r) : divRoundHalfUp(a * b, d);
};

/**
 * The rounding (half away from zero) of the quotient that `estimate` stands for, when the
 * estimate settles it (see `mulDivRoundHalfUp` for the bound the estimate must keep): an exact
 * integer below 2^50 in magnitude; else `NaN` (then compute it exactly).
 */
export const roundedEstimate = (estimate: number): number => {
  if (estimate < ESTIMATE_MAX && estimate > -ESTIMATE_MAX) {
    const floor = Math.floor(estimate);
    const gap = estimate - floor - 0.5;
    const error = (estimate < 0 ? -estimate : estimate) * ESTIMATE_ERROR + 2 ** -52;
    if (gap > error) return floor + 1;
    if (gap < -error) return floor;
  }
  return Number.NaN;
};

const EXACT_MAX = 2n ** 50n;

/** `Number(v)` when |v| < 2^50 (so exact, and sums of a few stay exact), else `NaN`. */
export const exactCents = (v: bigint): number =>
  v < EXACT_MAX && v > -EXACT_MAX ? bigintToNumber(v) : Number.NaN;

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
