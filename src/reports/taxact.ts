/**
 * TaxAct's Form 1099-B / Stock Assistant CSV import, as TaxAct documents it ("Form 1099-B -
 * Create Your Own Spreadsheet (CSV File)"): the required columns `Description, Date Acquired,
 * Date Sold, Sales Proceeds, Cost or Other Basis` and the optional `Adjustment Code`,
 * `Adjustment Amount`, `Long/Short` and `Reporting Category`. Sources and choices: docs/reports.md.
 */
import { formatCents } from "../tax/money.ts";
import { formatCsvRow } from "../utils/csv.ts";
import { FIRST_DIGITAL_ASSET_BOX_YEAR } from "./boxes.ts";
import { boxList, CSV_CONTENT_TYPE, csvBytes, noSingleAcquisitionDate, rowRefs } from "./csv-common.ts";
import { sectionsOf } from "./sections.ts";
import { usDate } from "./text.ts";
import type { ReportFile, ReportInput, ReportRow } from "./types.ts";

export const TAXACT_COLUMNS = [
  "Description",
  "Date Acquired",
  "Date Sold",
  "Sales Proceeds",
  "Cost or Other Basis",
  "Adjustment Code",
  "Adjustment Amount",
  "Long/Short",
] as const;

/**
 * Renders the TaxAct CSV. Dates are `MM/DD/YYYY`; a row without a single acquisition date has
 * `Various` (TaxAct's word) with `Long/Short`, which every row carries (`SHORT`/`LONG`).
 * `Reporting Category` (TaxAct documents A–F only) is added for tax years before 2025, when
 * digital assets went in box C or F; from 2025 the boxes are G–L and the column is left out.
 */
export const renderTaxActCsv = (input: ReportInput): ReportFile => {
  const sections = sectionsOf(input);
  const withCategory = input.taxYear < FIRST_DIGITAL_ASSET_BOX_YEAR;
  let text = formatCsvRow(withCategory ? [...TAXACT_COLUMNS, "Reporting Category"] : TAXACT_COLUMNS);
  const undated: ReportRow[] = [];
  for (const section of sections) {
    for (const r of section.rows) {
      let acquired = usDate(r.dateAcquired);
      if (noSingleAcquisitionDate(r)) {
        undated.push(r);
        acquired = "Various";
      }
      const cells = [
        r.description,
        acquired,
        usDate(r.dateSold),
        formatCents(r.proceeds),
        formatCents(r.costBasis),
        r.adjustmentCode,
        r.adjustment === undefined ? "" : formatCents(r.adjustment),
        section.box.term === "long" ? "LONG" : "SHORT",
      ];
      if (withCategory) cells.push(section.box.box);
      text += formatCsvRow(cells);
    }
  }
  const notes: string[] = [];
  if (!withCategory && sections.length > 0) {
    notes.push(
      `TaxAct documents reporting categories A–F (Form 1099-B) only, so the file has no Reporting Category column: the rows are Form 8949 box ${boxList(sections)}; set it in TaxAct after the import.`,
    );
  }
  if (undated.length > 0) {
    notes.push(
      `${undated.length} row(s) have no single acquisition date (${rowRefs(undated)}): Date Acquired is written as Various.`,
    );
  }
  return {
    format: "taxact",
    fileName: `taxact-${input.taxYear}.csv`,
    contentType: CSV_CONTENT_TYPE,
    bytes: csvBytes(text),
    notes,
  };
};
