/**
 * What every report is made from: one tax year's Form 8949 rows and Schedule D summary (from the
 * tax engine), plus what the cover statement says about where the numbers came from.
 */
import type { Form8949Row, GainsSummary } from "../tax/types.ts";
import type { Form8949Box } from "./boxes.ts";

/**
 * A Form 8949 row as the reports read it: the engine's row, whose `box` may be any of A–L (the
 * engine writes I or L; 1099-DA reconciliation routes rows to G, H, J, K). The reports read
 * `description`, `adjustmentCode` and `adjustment` as given and never rebuild them.
 */
export type ReportRow = Omit<Form8949Row, "box"> & { box: Form8949Box | Form8949Row["box"] };

export type ReportInput = {
  taxYear: number;
  /** The year's Form 8949 rows, in the engine's order (by date sold). */
  rows: readonly ReportRow[];
  /** The year's Schedule D figures and warnings. */
  summary: GainsSummary;
  /**
   * Where the ledger's USD values (up to the year end) came from: price source → number of values
   * (e.g. `{ defillama: 12, stablecoin: 3 }`). Empty when the ledger does not record it.
   */
  priceSources: Readonly<Record<string, number>>;
  /** The ledger the figures come from: a file name or `stored ledger`. */
  ledgerSource: string;
  /** IANA time zone of the dates. @defaultValue "UTC" */
  timeZone?: string | undefined;
  /** When the report was made (ISO 8601), printed on the cover; left out when absent. */
  generatedAt?: string | undefined;
  /**
   * `--combine-fees`: each Form 8949 row (code M) that combines network-fee disposals, with the
   * rows it replaces, for the statement that lists them (src/reports/fee-rows.ts). Absent or empty
   * when nothing was combined.
   */
  feeStatement?: readonly { combined: ReportRow; parts: readonly ReportRow[] }[] | undefined;
};

/** The report formats: Form 8949 PDF, TurboTax CSV, TaxAct CSV, generic Form 8949 CSV. */
export type ReportFormat = "pdf" | "turbotax" | "taxact" | "csv";
export const REPORT_FORMATS: readonly ReportFormat[] = ["pdf", "turbotax", "taxact", "csv"];

/** One rendered report file. */
export type ReportFile = {
  format: ReportFormat;
  /** Suggested file name, e.g. `form8949-2025.pdf`. */
  fileName: string;
  /** MIME type for a download (`application/pdf`, `text/csv; charset=utf-8`). */
  contentType: string;
  bytes: Uint8Array;
  /** Things the user must know about this file (what the format cannot carry), one sentence each. */
  notes: string[];
};
