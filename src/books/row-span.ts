import type { LedgerRow } from "../ledger/types.ts";

/** The days and wallets an import's rows span (what `lotwise ledger import` prints). */
export type RowSpan = {
  /** The earliest and latest day (`YYYY-MM-DD` of the row's time as written), "" for no row. */
  first: string;
  last: string;
  /** Every wallet of a row, sorted. */
  wallets: string[];
};

/** Collects the `RowSpan` of rows added a batch at a time (the days compared as text, no sort). */
export const createRowSpan = () => {
  let first = "";
  let last = "";
  const wallets = new Set<string>();
  return {
    add: (rows: readonly LedgerRow[]): void => {
      for (const row of rows) {
        const day = row.time.slice(0, 10);
        if (first === "" || day < first) first = day;
        if (day > last) last = day;
        wallets.add(row.wallet);
      }
    },
    result: (): RowSpan => ({ first, last, wallets: [...wallets].sort() }),
  };
};
