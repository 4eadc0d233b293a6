/**
 * Plain decimal strings (`0.000000000000000001`, `1234.5`) and their exact fixed-point form: a
 * `bigint` of units of 10^-scale. No binary floating point touches an amount.
 */

/** True for a plain non-negative decimal: digits, optionally `.` and more digits. */
export const isPlainDecimal = (s: string): boolean => {
  const n = s.length;
  let i = 0;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  if (i === 0) return false;
  if (i === n) return true;
  if (s.charCodeAt(i) !== 46 || i + 1 === n) return false;
  for (i++; i < n; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
};

/** True when a plain decimal has a non-zero digit. */
export const isNonZeroDecimal = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 48 && c <= 57) return true;
  }
  return false;
};

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Why `s` is not a plain non-negative decimal (for error messages). */
export const explainDecimal = (s: string): string => {
  if (/^-\s*\d*\.?\d+$/.test(s.trim())) return `"${s}" is negative; amounts are never negative`;
  if (/[eE]/.test(s)) return `"${s}" has an exponent; write a plain decimal number`;
  if (/\d,\d/.test(s)) return `"${s}" has a thousands separator; write a plain decimal number`;
  return `"${s}" is not a plain decimal number`;
};

/** Digits after the decimal point of a plain decimal (0 for an integer). */
export const fractionDigits = (s: string): number => {
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
};

const POW10: bigint[] = [1n];
/** 10^n as a bigint (cached). */
export const pow10 = (n: number): bigint => {
  for (let i = POW10.length; i <= n; i++) POW10.push(POW10[i - 1]! * 10n);
  return POW10[n]!;
};

/** 10^15: digits are gathered 15 at a time in a float (exact below 2^53) before joining a bigint. */
const CHUNK = 15;

/**
 * The plain decimal `s` in units of 10^-scale. `scale` must be at least `fractionDigits(s)`, and
 * `s` must be a plain decimal (`isPlainDecimal`).
 * @example toScaled("1.5", 2) === 150n
 */
export const toScaled = (s: string, scale: number): bigint => {
  const n = s.length;
  let acc = 0n;
  let x = 0;
  let k = 0;
  let frac = -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      frac = 0;
      continue;
    }
    if (frac >= 0) frac++;
    x = x * 10 + (c - 48);
    if (++k === CHUNK) {
      acc = acc === 0n ? BigInt(x) : acc * pow10(CHUNK) + BigInt(x);
      x = 0;
      k = 0;
    }
  }
  if (k > 0) acc = acc === 0n ? BigInt(x) : acc * pow10(k) + BigInt(x);
  if (frac < 0) frac = 0;
  if (frac > scale) throw new RangeError(`${s} has more than ${scale} fraction digits`);
  return frac === scale ? acc : acc * pow10(scale - frac);
};

/**
 * `v` units of 10^-scale as a plain decimal without trailing fraction zeros (`-` when negative).
 * @example formatScaled(150n, 2) === "1.5"
 */
export const formatScaled = (v: bigint, scale: number): string => {
  const neg = v < 0n;
  let s = (neg ? -v : v).toString();
  if (scale > 0) {
    if (s.length <= scale) s = "0".repeat(scale - s.length + 1) + s;
    let end = s.length;
    while (end > s.length - scale && s.charCodeAt(end - 1) === 48) end--;
    const int = s.slice(0, s.length - scale);
    s = end > s.length - scale ? `${int}.${s.slice(s.length - scale, end)}` : int;
  }
  return neg ? `-${s}` : s;
};
