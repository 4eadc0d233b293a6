/**
 * TurboTax's crypto gain/loss CSV ("Other (Gain/Loss)" upload): one line per Form 8949 row with
 * the columns `Amount, Currency Name, Purchase Date, Date Sold, Proceeds, Cost Basis`.
 *
 * Intuit publishes no English spec of this file; the layout is the one open-source exporters
 * name as TurboTax Online's "Other (Gain/Loss)" format, and the rules are Intuit's published
 * rules for its crypto CSV template: headers in the first row, `MM/DD/YYYY` dates, no negative
 * numbers, at most 8 decimals. Sources and choices: docs/reports.md.
 */
import { COMBINED_FEES_SUFFIX } from "../tax/fee-combine.ts";
import { formatCents } from "../tax/money.ts";
import { formatCsvRow } from "../utils/csv.ts";
import { Decimal, plain } from "../utils/decimal.ts";
import {
  boxList,
  CSV_CONTENT_TYPE,
  csvBytes,
  hasAdjustment,
  noSingleAcquisitionDate,
  rowRefs,
} from "./csv-common.ts";
import { sectionsOf } from "./sections.ts";
import { usDate } from "./text.ts";
import type { ReportFile, ReportInput, ReportRow } from "./types.ts";

export const TURBOTAX_COLUMNS = [
  "Amount",
  "Currency Name",
  "Purchase Date",
  "Date Sold",
  "Proceeds",
  "Cost Basis",
] as const;

/** Decimal places TurboTax accepts in a number. */
const MAX_DECIMALS = 8;

/** The smallest amount 8 decimals can write. */
const SMALLEST = new Decimal(1).div(new Decimal(10).pow(MAX_DECIMALS));

/**
 * The quantity rounded half-up to 8 decimals, trailing zeros dropped (`0.123456789` → `0.12345679`).
 * A quantity above zero that would round to 0 (dust: `0.000000001`) is written `0.00000001`:
 * a sale of 0 units is no sale, and importers may reject it.
 */
export const turboTaxAmount = (quantity: string): string => {
  const q = new Decimal(quantity);
  const rounded = q.toDecimalPlaces(MAX_DECIMALS, Decimal.ROUND_HALF_UP);
  return plain(rounded.isZero() && q.gt(0) ? SMALLEST : rounded);
};

const NUMBER = /^\d+(\.\d+)?$/;

/**
 * The asset's name for `Currency Name`: the description without its leading quantity
 * (`0.5 ETH` → `ETH`) and without the note of a row combining network fees (`0.003 ETH (3
 * network fees; see statement)` → `ETH`), else the ledger's asset id.
 */
export const currencyName = (r: Pick<ReportRow, "description" | "asset">): string => {
  const space = r.description.indexOf(" ");
  if (space > 0 && NUMBER.test(r.description.slice(0, space))) {
    const rest = r.description
      .slice(space + 1)
      .replace(COMBINED_FEES_SUFFIX, "")
      .trim();
    if (rest !== "") return rest;
  }
  return r.asset;
};

const nonNegative = (what: string, r: ReportRow, c: bigint): string => {
  if (c < 0n)
    throw new Error(`row ${r.disposalId}: ${what} ${formatCents(c)} is negative; TurboTax rejects it`);
  return formatCents(c);
};

/**
 * Renders the TurboTax CSV. `Purchase Date` is `various` (short-term) or `VARIOUS` (long-term)
 * for a row without a single acquisition date. The notes say what the file cannot carry: the
 * Form 8949 box and column (f)/(g) adjustments.
 */
export const renderTurboTaxCsv = (input: ReportInput): ReportFile => {
  const sections = sectionsOf(input);
  let text = formatCsvRow(TURBOTAX_COLUMNS);
  const adjusted: ReportRow[] = [];
  const undated: ReportRow[] = [];
  const costsAboveProceeds: ReportRow[] = [];
  for (const section of sections) {
    for (const r of section.rows) {
      if (hasAdjustment(r)) adjusted.push(r);
      let acquired = usDate(r.dateAcquired);
      if (noSingleAcquisitionDate(r)) {
        undated.push(r);
        acquired = section.box.term === "long" ? "VARIOUS" : "various";
      }
      // Selling costs above the gross proceeds (a $0.99 minimum fee on a $0.50 sale) leave negative
      // net proceeds, which TurboTax rejects. Form 8949's column (e) instructions let selling
      // expenses increase the basis instead of reducing the proceeds: proceeds 0.00, and the excess
      // goes into the basis, so the gain or loss is the same.
      let proceeds = r.proceeds;
      let costBasis = r.costBasis;
      if (proceeds < 0n) {
        costBasis -= proceeds;
        proceeds = 0n;
        costsAboveProceeds.push(r);
      }
      text += formatCsvRow([
        turboTaxAmount(r.quantity),
        currencyName(r),
        acquired,
        usDate(r.dateSold),
        nonNegative("proceeds", r, proceeds),
        nonNegative("cost basis", r, costBasis),
      ]);
    }
  }
  const notes: string[] = [];
  if (sections.length > 0) {
    notes.push(
      `TurboTax's gain/loss CSV has no Form 8949 box column: the rows are box ${boxList(sections)}; choose that box when TurboTax asks how the sales were reported.`,
    );
  }
  if (adjusted.length > 0) {
    notes.push(
      `${adjusted.length} row(s) carry a Form 8949 column (f)/(g) adjustment that this file cannot hold (${rowRefs(adjusted)}): enter the code and amount in TurboTax by hand (see form8949-${input.taxYear}.csv).`,
    );
  }
  if (costsAboveProceeds.length > 0) {
    notes.push(
      `${costsAboveProceeds.length} row(s) have selling costs above their proceeds (${rowRefs(costsAboveProceeds)}): TurboTax rejects a negative number, so Proceeds is 0.00 and the excess is added to Cost Basis (as Form 8949's column (e) instructions allow for selling expenses); the gain or loss is unchanged.`,
    );
  }
  if (undated.length > 0) {
    notes.push(
      `${undated.length} row(s) have no single acquisition date (${rowRefs(undated)}): Purchase Date is written as various (short-term) or VARIOUS (long-term).`,
    );
  }
  return {
    format: "turbotax",
    fileName: `turbotax-${input.taxYear}.csv`,
    contentType: CSV_CONTENT_TYPE,
    bytes: csvBytes(text),
    notes,
  };
};
