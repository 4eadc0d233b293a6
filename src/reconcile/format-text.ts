/** Small text helpers for explanations and summaries. */
import { formatCents } from "../tax/money.ts";
import type { Cents } from "../tax/types.ts";

/** `$1,402.17`, `-$5.00`. */
export const usd = (c: Cents): string => {
  const neg = c < 0n;
  const [whole, frac] = formatCents(neg ? -c : c).split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}$${grouped}.${frac}`;
};

/** `0x1234…cdef` stays whole: a filer may need to search for the exact hash. First of a `;` list. */
export const firstTx = (tx: string | undefined): string | undefined => {
  if (!tx) return undefined;
  const first = tx.split(";")[0]!.trim();
  return first === "" ? undefined : first;
};

/** "a, b and c". */
export const listWords = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
