/** How dates and amounts are written on the forms and in the tax-software files. */
import { formatCents } from "../tax/money.ts";
import type { Cents } from "../tax/types.ts";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * `YYYY-MM-DD` as `MM/DD/YYYY` (the forms' "Mo., day, yr." and what TurboTax and TaxAct read).
 * Anything else (empty, `VARIOUS`, `INHERITED`) is returned as given.
 */
export const usDate = (date: string): string => {
  const m = ISO_DATE.exec(date);
  return m ? `${m[2]}/${m[3]}/${m[1]}` : date;
};

/** Cents as on the forms: `1,234.56`, a negative amount in parentheses `(12.50)`. */
export const formUsd = (c: Cents): string => {
  const plain = formatCents(c < 0n ? -c : c);
  const dot = plain.indexOf(".");
  let whole = plain.slice(0, dot);
  for (let i = whole.length - 3; i > 0; i -= 3) whole = `${whole.slice(0, i)},${whole.slice(i)}`;
  const s = `${whole}${plain.slice(dot)}`;
  return c < 0n ? `(${s})` : s;
};
