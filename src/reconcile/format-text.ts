/** Small text helpers for explanations and summaries. */
import { formatCents } from "../tax/money.ts";
import type { Cents } from "../tax/types.ts";

/** `$1,402.17`, `-$5.00`. */
export const usd = (c: Cents): string => {
  const neg = c < 0n;
  const text = formatCents(neg ? -c : c);
  const dot = text.length - 3;
  let whole = text.slice(0, dot);
  if (whole.length > 3) {
    let grouped = "";
    for (let end = whole.length; end > 0; end -= 3)
      grouped = `${whole.slice(Math.max(0, end - 3), end)}${grouped === "" ? "" : `,${grouped}`}`;
    whole = grouped;
  }
  return `${neg ? "-" : ""}$${whole}${text.slice(dot)}`;
};

/** The first of a `;`-separated list of transaction hashes, whole (a filer may search for it). */
export const firstTx = (tx: string | undefined): string | undefined => {
  if (!tx) return undefined;
  const semi = tx.indexOf(";");
  const first = (semi < 0 ? tx : tx.slice(0, semi)).trim();
  return first === "" ? undefined : first;
};

/** "a, b and c". */
export const listWords = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
