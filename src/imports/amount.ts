import { UserInputError } from "../errors.ts";
import { Decimal, plain } from "../utils/decimal.ts";

/** A currency symbol or code written around an amount (`$1,150.00`, `0.5 ETH`, `USD 10`). */
const SYMBOLS = ["$", "US$", "€", "£"];

export type ParsedAmount = {
  /** Signed, exact. */
  value: Decimal;
  /** A currency code written after (or before) the number, upper-case, if any (`ETH` in `0.5 ETH`). */
  unit?: string | undefined;
};

/**
 * Reads an amount cell exactly. Accepted, and nothing else:
 * - a plain decimal with an optional sign: `12`, `-0.5`, `+3.25`, `.5`;
 * - thousands separators as `,` in groups of three before the point: `1,150.00`, `12,345,678`
 *   (`1,5`, `1,50` and `0,017` are rejected: a decimal comma is never guessed);
 * - a currency symbol (`$`, `US$`, `€`, `£`) before the digits, after the sign: `$1,150.00`, `-$5`;
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
  for (const sym of SYMBOLS) {
    if (s.startsWith(sym)) {
      s = s.slice(sym.length);
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

/** `parseAmount` as a plain non-negative decimal string (the sign dropped), or undefined when empty. */
export const absAmount = (cell: string, where: string): string | undefined => {
  const a = parseAmount(cell, where);
  return a ? plain(a.value.abs()) : undefined;
};
