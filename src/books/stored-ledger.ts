/**
 * The user's stored ledger as the tax engine reads it (what `lotwise gains`, `report`,
 * `reconcile`, `harvest` and the API use without `--ledger`): every row in ledger order, with
 * where its USD values came from (`x_price_source`, `x_fee_price_source`, as `lotwise ledger
 * export` writes them) and what the store knows beside the rows (price gaps, open reviews).
 * Reads only: the CLI rebuilds first; the API reads what the last rebuild left.
 */
import type { DbOrTx } from "../../db/client.ts";
import type { LedgerRow } from "../ledger/types.ts";
import type { GainsWarning } from "../tax/types.ts";
import { exportUsd } from "../utils/decimal.ts";
import { missingPriceHint } from "./rows.ts";
import { countOpenReviews, loadLedgerRows } from "./store.ts";

/** What the stored ledger says beyond its rows: price gaps and unreviewed transactions. */
export type StoredLedgerNotes = {
  /** Rows valued at 0 for lack of a price: id, `YYYY-MM-DD`, message. */
  missingPrices: { id: string; date: string; message: string }[];
  /** Open review items (unmatched transfers, guesses). */
  openReviews: number;
};

export const readStoredLedger = async (
  db: DbOrTx,
  userId: number,
): Promise<{ rows: (LedgerRow & { origin: string })[]; notes: StoredLedgerNotes }> => {
  const stored = await loadLedgerRows(db, userId);
  const notes: StoredLedgerNotes = { missingPrices: [], openReviews: await countOpenReviews(db, userId) };
  const rows = stored.map(({ warnings, priceSources, ...row }) => {
    // The rounding `lotwise ledger export` writes, so gains here equal gains on the export.
    if (row.usdValue !== undefined) row.usdValue = exportUsd(row.usdValue);
    if (row.feeUsd !== undefined) row.feeUsd = exportUsd(row.feeUsd);
    const usd = row.usdValue !== undefined ? priceSources.usd_value : undefined;
    const fee = row.feeUsd !== undefined ? priceSources.fee_usd : undefined;
    if (usd || fee) {
      row.extra = {
        ...row.extra,
        ...(usd ? { x_price_source: usd } : {}),
        ...(fee ? { x_fee_price_source: fee } : {}),
      };
    }
    for (const w of warnings) {
      if (w.startsWith("missing_price:")) {
        notes.missingPrices.push({
          id: row.id,
          date: row.time.slice(0, 10),
          message: `row ${row.id}: no USD price for ${w.slice("missing_price:".length)}; valued at 0 (${missingPriceHint(w.slice("missing_price:".length), row.time)})`,
        });
      }
    }
    return row;
  });
  return { rows, notes };
};

/**
 * The stored ledger's warnings for `taxYear`: a missing price or an undecided transaction changes
 * every year from its date on.
 */
export const storedLedgerWarnings = (notes: StoredLedgerNotes, taxYear: number): GainsWarning[] => {
  const yearEnd = `${taxYear}-12-31`;
  const out: GainsWarning[] = [];
  for (const m of notes.missingPrices) if (m.date <= yearEnd) out.push({ code: "missing_price", ...m });
  if (notes.openReviews > 0) {
    out.push({
      code: "unreviewed",
      id: "",
      date: "",
      message: `${notes.openReviews} transaction(s) await review and may be missing from the ledger or valued by a guess (lotwise review list)`,
    });
  }
  return out;
};
