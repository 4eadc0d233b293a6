/**
 * The generic Form 8949 CSV: one line per Form 8949 row, in the PDF's order (by check box), with
 * the form's columns (a)–(h) and what identifies each row in the ledger.
 */
import { formatCents } from "../tax/money.ts";
import { formatCsvRow } from "../utils/csv.ts";
import { CSV_CONTENT_TYPE, csvBytes } from "./csv-common.ts";
import { sectionsOf } from "./sections.ts";
import type { ReportFile, ReportInput } from "./types.ts";

/** Columns of the generic Form 8949 CSV, in order. */
export const FORM_8949_CSV_COLUMNS = [
  "part",
  "box",
  "description",
  "date_acquired",
  "date_sold",
  "proceeds",
  "cost_basis",
  "adjustment_code",
  "adjustment_amount",
  "gain",
  "asset",
  "quantity",
  "wallet",
  "disposal_id",
  "lot_id",
] as const;

/**
 * Renders the generic Form 8949 CSV. `part` is `I` (short-term) or `II` (long-term); `box` is the
 * box the row goes in on the form of the tax year; dates are `YYYY-MM-DD` as in the ledger;
 * amounts have two decimals with `-` for negatives (`-12.50`, never escaped: see `csvBytes`).
 */
export const renderForm8949Csv = (input: ReportInput): ReportFile => {
  let text = formatCsvRow(FORM_8949_CSV_COLUMNS);
  for (const section of sectionsOf(input)) {
    for (const r of section.rows) {
      text += formatCsvRow([
        section.box.part,
        section.box.box,
        r.description,
        r.dateAcquired,
        r.dateSold,
        formatCents(r.proceeds),
        formatCents(r.costBasis),
        r.adjustmentCode,
        r.adjustment === undefined ? "" : formatCents(r.adjustment),
        formatCents(r.gain),
        r.asset,
        r.quantity,
        r.wallet,
        r.disposalId,
        r.lotId,
      ]);
    }
  }
  return {
    format: "csv",
    fileName: `form8949-${input.taxYear}.csv`,
    contentType: CSV_CONTENT_TYPE,
    bytes: csvBytes(text),
    notes: [],
  };
};
