import { Decimal, plain } from "../utils/decimal.ts";

/**
 * JSON with exact numbers. Providers print prices as JSON numbers (`"price": 2279.9400000001`);
 * `JSON.parse` would turn them into binary floats before any reviver sees them, so the raw text
 * is rewritten first: every number token outside a string becomes a string holding the digits
 * exactly as the provider printed them. The result is what the provider sent, digit for digit —
 * the provider's own precision, never ours.
 *
 * @dev String literals are matched first (escapes included), so digits inside strings are left
 * alone; malformed JSON stays malformed and `JSON.parse` still rejects it.
 */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** Parses JSON text; every number comes back as the string of its printed digits. @throws SyntaxError */
export const parseJsonExact = (text: string): unknown =>
  JSON.parse(text.replace(TOKENS, (m) => (m.charCodeAt(0) === 34 ? m : `"${m}"`)));

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A JSON number (as `parseJsonExact` returns it) as a plain decimal string without exponent
 * (`1.5e-7` → `0.00000015`), or undefined when `value` is not a number.
 */
export const exactDecimal = (value: unknown): string | undefined => {
  if (typeof value !== "string" || !NUMBER.test(value)) return undefined;
  return plain(new Decimal(value));
};

/** A JSON number holding an integer in the safe range (timestamps), else undefined. */
export const exactInteger = (value: unknown): number | undefined => {
  if (typeof value !== "string" || !NUMBER.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
};

/** A positive price from a provider; a zero or negative number is not a price. */
export const positivePrice = (value: unknown): string | undefined => {
  const s = exactDecimal(value);
  return s !== undefined && new Decimal(s).gt(0) ? s : undefined;
};
