import { UserInputError } from "../errors.ts";
import { Decimal, plain } from "../utils/decimal.ts";

/** Currency symbols written before an amount (`$1,150.00`), and the currency each names. */
const SYMBOLS: readonly (readonly [string, string])[] = [
  ["US$", "USD"],
  ["$", "USD"],
  ["€", "EUR"],
  ["£", "GBP"],
];

export type ParsedAmount = {
  /** Signed, exact. */
  value: Decimal;
  /**
   * The currency the cell names, upper-case, if any: a code written after (or before) the number
   * (`ETH` in `0.5 ETH`) or a symbol's (`USD` for `$5`, `EUR` for `€5`).
   */
  unit?: string | undefined;
};

/**
 * Reads an amount cell exactly. Accepted, and nothing else:
 * - a plain decimal with an optional sign: `12`, `-0.5`, `+3.25`, `.5`;
 * - thousands separators as `,` in groups of three before the point: `1,150.00`, `12,345,678`
 *   (`1,5`, `1,50` and `0,017` are rejected: a decimal comma is never guessed);
 * - a currency symbol (`$`, `US$`, `€`, `£`) before the digits, after the sign: `$1,150.00`, `-$5`
 *   (its currency is the result's `unit`; a code that names another is an error);
 * - a currency code after or before the number: `0.5 ETH`, `USD 10`;
 * - parentheses for a negative: `($1,150.00)`;
 * - an exponent: `1.5e-7`, `2E+3` (read exactly, never through a float).
 * Returns undefined for an empty cell. @throws UserInputError naming `where` otherwise.
 */
export const parseAmount = (cell: string, where: string): ParsedAmount | undefined => {
  let s = cell.trim();
  if (s === "") return undefined;
  // Most cells are a plain decimal with an optional sign: read as the general path below would.
  if (PLAIN.test(s)) {
    const negative = s.charCodeAt(0) === 45; // "-"
    const value = new Decimal(s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43 ? s.slice(1) : s);
    return { value: negative ? value.neg() : value, unit: undefined };
  }
  const bad = (why: string): never => badAmount(cell, where, why);
  let negative = false;
  if (s.startsWith("(") && s.endsWith(")")) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  let unit: string | undefined;
  const code = /^([A-Za-z][A-Za-z0-9.]{1,11})\s+(.+)$/.exec(s) ?? undefined;
  const codeAfter = /^(.+?)\s+([A-Za-z][A-Za-z0-9.]{1,11})$/.exec(s) ?? undefined;
  if (codeAfter) {
    unit = codeAfter[2]!.toUpperCase();
    s = codeAfter[1]!;
  } else if (code && !/^[eE]/.test(code[1]!)) {
    unit = code[1]!.toUpperCase();
    s = code[2]!;
  }
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s.startsWith("-")) negative = !negative;
    s = s.slice(1);
  }
  for (const [sym, currency] of SYMBOLS) {
    if (s.startsWith(sym)) {
      s = s.slice(sym.length);
      if (unit !== undefined && unit !== currency) bad(`two currencies (${sym} and ${unit})`);
      unit = currency;
      break;
    }
  }
  if (s.startsWith("-")) {
    negative = !negative;
    s = s.slice(1);
  }
  if (s.includes(",")) {
    if (!/^[1-9]\d{0,2}(,\d{3})+(\.\d+)?([eE][-+]?\d+)?$/.test(s))
      bad("not a number (a ',' is read only as a thousands separator between groups of three digits)");
    s = s.replaceAll(",", "");
  }
  if (!/^(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?$/.test(s)) bad("not a number");
  const value = new Decimal(s);
  return { value: negative ? value.neg() : value, unit };
};

/** A signed plain decimal without exponent: `12`, `-0.5`, `+3.25`, `.5`, `1.` (the fast path). */
const PLAIN = /^[-+]?(\d+\.?\d*|\.\d+)$/;

const badAmount = (cell: string, where: string, why: string): never => {
  throw new UserInputError(`${where}: ${why}: '${cell}'`);
};

/**
 * The forms exchange exports write most (a signed plain decimal, a `$` after the sign, `,`
 * thousands separators in groups of three): group 1 holds the digits without separators, group 2
 * the digits with them. Exactly what `parseAmount` accepts of these forms (no exponent, no code).
 */
const SIMPLE = /^[-+]?\$?(?:(\d+\.?\d*|\.\d+)|([1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?))$/;

/**
 * The absolute value of an amount cell as `plain(parseAmount(cell).value.abs())` writes it (`"0"`
 * for zero), read from the text without a Decimal: undefined for an empty cell, null for a cell
 * not in the simple forms (`SIMPLE`), which the caller reads with `parseAmount` (and its errors).
 */
export const simpleAbsAmount = (cell: string): string | undefined | null => {
  const s = cell.trim();
  if (s === "") return undefined;
  const m = SIMPLE.exec(s);
  if (!m) return null;
  const digits = m[1] ?? m[2]!.replaceAll(",", "");
  const n = digits.length;
  const dot = digits.indexOf(".");
  // Leading zeros of the integer part (one kept), trailing zeros of the fraction and a bare point dropped.
  const intEnd = dot < 0 ? n : dot;
  let a = 0;
  while (a < intEnd - 1 && digits.charCodeAt(a) === 48) a++;
  let b = n;
  if (dot >= 0) {
    while (b > dot + 1 && digits.charCodeAt(b - 1) === 48) b--;
    if (b === dot + 1) b = dot;
  }
  if (a === intEnd) return b > dot ? `0${digits.slice(a, b)}` : "0"; // `.5`: no integer digit
  return a === 0 && b === n ? digits : digits.slice(a, b);
};

/** `parseAmount` as a plain non-negative decimal string (the sign dropped), or undefined when empty. */
export const absAmount = (cell: string, where: string): string | undefined => {
  const a = parseAmount(cell, where);
  return a ? plain(a.value.abs()) : undefined;
};
