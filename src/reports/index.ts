/**
 * Filing reports from one tax year's Form 8949 rows and Schedule D summary: the Form 8949 PDF
 * with its cover statement, TurboTax's and TaxAct's CSV imports and a generic Form 8949 CSV.
 * Pure: data in, bytes out (the CLI writes files, the API serves downloads).
 */
import { UserInputError } from "../errors.ts";
import type { Progress } from "../ui/progress.ts";
import { renderForm8949Csv } from "./form8949-csv.ts";
import { renderForm8949Pdf } from "./pdf.ts";
import { renderTaxActCsv } from "./taxact.ts";
import { renderTurboTaxCsv } from "./turbotax.ts";
import { REPORT_FORMATS, type ReportFile, type ReportFormat, type ReportInput } from "./types.ts";

export { BOXES, type BoxInfo, type Form8949Box, formBox } from "./boxes.ts";
export { FORM_8949_CSV_COLUMNS, renderForm8949Csv } from "./form8949-csv.ts";
export { renderForm8949Pdf } from "./pdf.ts";
export { prepareReport, prepareRoutedReport, priceSourcesOf } from "./prepare.ts";
export { type ScheduleDLine, scheduleDLines, sectionsOf } from "./sections.ts";
export { renderTaxActCsv, TAXACT_COLUMNS } from "./taxact.ts";
export { renderTurboTaxCsv, TURBOTAX_COLUMNS } from "./turbotax.ts";
export * from "./types.ts";

/** Renders one report format (`progress` shows the PDF's pages as they are drawn). */
export const renderReport = async (
  format: ReportFormat,
  input: ReportInput,
  options: { progress?: Progress | undefined } = {},
): Promise<ReportFile> => {
  switch (format) {
    case "pdf":
      return renderForm8949Pdf(input, options);
    case "turbotax":
      return renderTurboTaxCsv(input);
    case "taxact":
      return renderTaxActCsv(input);
    case "csv":
      return renderForm8949Csv(input);
  }
};

/**
 * Parses a format list such as `pdf,turbotax` (`all` = every format), without duplicates, in
 * the order given. @throws UserInputError naming an unknown format.
 */
export const parseReportFormats = (value: string): ReportFormat[] => {
  const out: ReportFormat[] = [];
  for (const part of value.split(",").map((p) => p.trim().toLowerCase())) {
    if (part === "") continue;
    const formats = part === "all" ? REPORT_FORMATS : [part];
    for (const f of formats) {
      if (!(REPORT_FORMATS as readonly string[]).includes(f)) {
        throw new UserInputError(
          `--format: unknown format "${f}" (expected ${REPORT_FORMATS.join(", ")} or all, comma-separated)`,
        );
      }
      if (!out.includes(f as ReportFormat)) out.push(f as ReportFormat);
    }
  }
  if (out.length === 0)
    throw new UserInputError(`--format expects one or more of ${REPORT_FORMATS.join(", ")}`);
  return out;
};
