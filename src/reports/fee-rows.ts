/**
 * `lotwise report --combine-fees`: the year's network-fee disposals on one Form 8949 row per (box,
 * asset, date sold, term) with code M, as `lotwise gains --combine-fees` writes them
 * (src/tax/fee-combine.ts: only boxes I and L, never a row with an adjustment). The rows each
 * combined row replaces are kept for the statement that must go with it (the PDF's statement
 * pages, and `fee-statement-<year>.csv`).
 *
 * Tax effect: none. A combined row's proceeds, basis and gain are the sums of its rows, each
 * already rounded to cents, so the year's summary and Schedule D lines are unchanged; only the
 * number of Form 8949 rows changes.
 */
import { createFeeCombiner, FEE_STATEMENT_HEADER, feeStatementLine } from "../tax/fee-combine.ts";
import type { Form8949Row } from "../tax/types.ts";
import type { ReportInput, ReportRow } from "./types.ts";

/**
 * `input` with its fee disposals combined. `feeRowIds`: ids of the ledger's `fee` rows (standalone
 * fees; a fee paid beside a trade is a disposal id ending in `:fee`). Combined rows follow the
 * year's other rows; a fee alone on its day keeps its own row.
 */
export const combineFeeRows = (input: ReportInput, feeRowIds: ReadonlySet<string>): ReportInput => {
  const combiner = createFeeCombiner();
  const rows: ReportRow[] = [];
  for (const row of input.rows) {
    // The combiner takes boxes I and L only: any other box is left to `rows` unread.
    if (!combiner.take(input.taxYear, row as Form8949Row, feeRowIds.has(row.disposalId))) rows.push(row);
  }
  const groups = combiner.finish(input.taxYear);
  for (const g of groups) rows.push(g.combined);
  const feeStatement = groups.filter((g) => g.parts.length > 0);
  return { ...input, rows, feeStatement };
};

/** The statement as CSV: `combined_row` (the combined row's disposal id), then each part's Form 8949 columns. */
export const feeStatementCsv = (input: ReportInput): string | undefined => {
  const groups = input.feeStatement ?? [];
  if (groups.length === 0) return undefined;
  // The header and every line end with their newline.
  let text = FEE_STATEMENT_HEADER;
  for (const g of groups)
    for (const p of g.parts) text += feeStatementLine(g.combined as Form8949Row, p as Form8949Row);
  return text;
};
