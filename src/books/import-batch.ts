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
  /** Rows of the file (kept or not). */
  count: number;
  /** Their ids and lines, in file order. */
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

/** Rows handed since the last write, the first one at seq `firstSeq`. */
export const createImportBatch = (firstSeq = 0) => {
  /** The seq of the next row. */
  let seq = firstSeq;
  let batch: ImportWrite = { count: 0, ids: [], lines: [], rows: [], seqs: [], replace: [] };
  return {
    /** The next row of the file. */
    add: (row: LedgerRow, action: ImportRowAction): void => {
      batch.count++;
      batch.ids.push(row.id);
      batch.lines.push(row.line);
      if (action !== "keep") {
        batch.rows.push(row);
        batch.seqs.push(seq);
        if (action === "replace") batch.replace.push(row.id);
      }
      seq++;
    },
    /** The rows handed since the last `take`, for a write. */
    take: (): ImportWrite => {
      const out = batch;
      batch = { count: 0, ids: [], lines: [], rows: [], seqs: [], replace: [] };
      return out;
    },
  };
};
