/**
 * The rows of a ledger file handed to `importLedgerRows` (src/books/imports.ts) since its last
 * write, as that write needs them: every row's id and line (a clash is looked up among the rows of
 * the write that failed), the rows to write (new or changed, with their seq) and the ids of the
 * stored rows they replace. A row the ledger holds exactly as it is keeps nothing but its id and
 * line (the reader holds the id anyway): a re-import that changes few rows holds few of them.
 */
import type { LedgerRow } from "../ledger/types.ts";

/** The rows of an import batch, for one write. */
export type ImportWrite = {
  /** The ids and lines of the file's rows (kept or not), in file order. */
  ids: string[];
  lines: (number | undefined)[];
  /** The rows to write, in file order, and their seq (their place in the file). */
  rows: LedgerRow[];
  seqs: number[];
  /** Stored rows these replace (by id). */
  replace: string[];
};

/** What an import does with a row of the file. */
export type ImportRowAction = "keep" | "add" | "replace";

/** Rows handed since the last write. */
export const createImportBatch = () => {
  let batch: ImportWrite = { ids: [], lines: [], rows: [], seqs: [], replace: [] };
  return {
    /** The next row of the file, at `seq` (its place in the file). */
    add: (row: LedgerRow, action: ImportRowAction, seq: number): void => {
      batch.ids.push(row.id);
      batch.lines.push(row.line);
      if (action !== "keep") {
        batch.rows.push(row);
        batch.seqs.push(seq);
        if (action === "replace") batch.replace.push(row.id);
      }
    },
    /** The rows handed since the last `take`, for a write. */
    take: (): ImportWrite => {
      const out = batch;
      batch = { ids: [], lines: [], rows: [], seqs: [], replace: [] };
      return out;
    },
  };
};
