/**
 * Cell readers for broker files. Each returns the normalized value, or a `Problem` (a sentence
 * for `FILE:LINE: column: problem`). Amounts stay exact decimal strings; nothing becomes a float.
 */

import { pow10, toScaled } from "../ledger/decimal.ts";
import { daysInMonth } from "../ledger/instant.ts";
import { divRoundHalfUp } from "../tax/money.ts";
import type { Cents } from "../tax/types.ts";

/** Why a cell was rejected. */
export type Problem = { problem: string };
export const isProblem = (v: unknown): v is Problem =>
  typeof v === "object" && v !== null && "problem" in (v as Record<string, unknown>);

/** Box 1c carries up to 18 decimal places (I1099DA). */
export const MAX_UNIT_DECIMALS = 18;

const PLAIN = /^\d+(\.\d+)?$/;
const EXPONENT = /^\d*\.?\d+[eE][+-]?\d+$/;

/**
 * A calendar date: `YYYY-MM-DD`, `MM/DD/YYYY` (one-digit month and day accepted), or an ISO 8601
 * instant with `Z` or an offset (its UTC date). Returns `YYYY-MM-DD`.
 */
export const parseFormDate = (text: string): string | Problem => {
  const s = text.trim();
  let y: number;
  let m: number;
  let d: number;
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (iso) {
    y = Number(iso[1]);
    m = Number(iso[2]);
    d = Number(iso[3]);
  } else if (us) {
    m = Number(us[1]);
    d = Number(us[2]);
    y = Number(us[3]);
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(s)) {
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) return { problem: `"${text}" is not a valid date` };
    return new Date(ms).toISOString().slice(0, 10);
  } else {
    return { problem: `"${text}" is not a date (write YYYY-MM-DD or MM/DD/YYYY)` };
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) || y < 1900)
    return { problem: `"${text}" is not a calendar date` };
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
};

/**
 * A USD amount: a plain decimal, optionally with a leading `$` and thousands separators
 * (`$1,234.56`), and a leading `-` (or accounting parentheses, `(5.00)`) when `negative` is allowed. Returns a plain decimal string
 * (`-1234.56`), exactly as precise as written (trailing zeros kept: they tell whether the broker
 * wrote cents).
 */
export const parseUsd = (text: string, options: { negative?: boolean } = {}): string | Problem => {
  let s = text.trim();
  let neg = false;
  if (s.startsWith("-")) {
    neg = true;
    s = s.slice(1).trim();
  } else if (s.startsWith("(") && s.endsWith(")")) {
    // Accounting notation for a loss: `(5.00)`, `($1,234.56)`.
    neg = true;
    s = s.slice(1, -1).trim();
  }
  if (s.startsWith("$")) s = s.slice(1).trim();
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replaceAll(",", "");
  if (!PLAIN.test(s)) {
    if (EXPONENT.test(s)) return { problem: `"${text}" has an exponent; write a plain decimal amount` };
    return { problem: `"${text}" is not a USD amount` };
  }
  // Leading zeros go; the cents stay as written (`10.00` says the broker reports cents, `10` may be rounded).
  s = s.replace(/^0+(?=\d)/, "");
  if (neg && /[1-9]/.test(s)) {
    if (!options.negative) return { problem: `"${text}" is negative` };
    return `-${s}`;
  }
  return s;
};

/**
 * A positive plain decimal of units with at most 18 decimals (zero too with `allowZero`: box 12a,
 * units transferred in, may say 0).
 */
export const parseUnits = (text: string, options: { allowZero?: boolean } = {}): string | Problem => {
  const s = text.trim();
  if (!PLAIN.test(s)) {
    if (s.startsWith("-")) return { problem: `"${text}" is negative; units are positive` };
    if (EXPONENT.test(s)) return { problem: `"${text}" has an exponent; write a plain decimal number` };
    if (/\d,\d/.test(s))
      return { problem: `"${text}" has a thousands separator; write a plain decimal number` };
    return { problem: `"${text}" is not a plain decimal number` };
  }
  const dot = s.indexOf(".");
  if (dot >= 0 && s.length - dot - 1 > MAX_UNIT_DECIMALS)
    return { problem: `"${text}" has more than ${MAX_UNIT_DECIMALS} decimal places` };
  const out = stripZeros(s);
  if (!/[1-9]/.test(out))
    return options.allowZero ? "0" : { problem: `"${text}" is zero; units are positive` };
  return out;
};

/** A checked box: `true`, `X`, `Y`, `1`, `yes` (any case); unchecked: empty, `false`, `0`, `no`, `N`. */
export const parseCheck = (text: string): boolean | Problem => {
  const s = text.trim().toLowerCase();
  if (s === "" || s === "false" || s === "0" || s === "no" || s === "n") return false;
  if (s === "true" || s === "x" || s === "y" || s === "1" || s === "yes") return true;
  return { problem: `"${text}" is not a checkbox value (true/false, X, Y, 1, or empty)` };
};

/** `0012.50` → `12.5`; `1.000` → `1`. */
export const stripZeros = (s: string): string => {
  let out = s.replace(/^0+(?=\d)/, "");
  if (out.includes(".")) out = out.replace(/0+$/, "").replace(/\.$/, "");
  return out;
};

/** An exact decimal USD string (`-12.345`) in cents, rounded half away from zero. */
export const usdToCents = (text: string): Cents => {
  const neg = text.startsWith("-");
  const s = neg ? text.slice(1) : text;
  const dot = s.indexOf(".");
  const scale = dot < 0 ? 0 : s.length - dot - 1;
  const v = toScaled(s, scale);
  const c = scale <= 2 ? v * pow10(2 - scale) : divRoundHalfUp(v, pow10(scale - 2));
  return neg ? -c : c;
};

/**
 * Whether a USD amount was written in whole dollars (no decimal point): a broker may have rounded
 * it. `10.00` says the broker reports cents (Coinbase writes every amount so), so it is exact.
 */
export const isWholeDollars = (text: string): boolean => !text.includes(".");

/** Whether `s` has an ASCII control character (never part of a name or id; the store uses two as separators). */
export const hasControlCharacter = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
};
