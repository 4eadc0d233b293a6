/**
 * The Form 8949 PDF: the cover statement (method, scope, ledger, Schedule D lines, price sources,
 * warnings), then the Form 8949 pages: Part I boxes first, then Part II, each box on its own
 * pages of 11 lines with that page's line 2 totals. Every page is numbered "Page n of N".
 */
import { PDFDocument } from "pdf-lib";
import { nullProgress, type Progress } from "../ui/progress.ts";
import { addForm8949Pages, ROWS_PER_PAGE } from "./form8949-pdf.ts";
import { embedFonts, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, text } from "./pdf-kit.ts";
import { paginate, sectionsOf } from "./sections.ts";
import { addStatementPages } from "./statement-pdf.ts";
import type { ReportFile, ReportInput } from "./types.ts";

/**
 * Renders the PDF; `progress` counts the Form 8949 pages drawn. Deterministic: the same input gives the same bytes (no creation date is
 * written unless `generatedAt` is given, and then only as text on the cover).
 */
export const renderForm8949Pdf = async (
  input: ReportInput,
  options: { progress?: Progress | undefined } = {},
): Promise<ReportFile> => {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(`Form 8949 and Schedule D, tax year ${input.taxYear}`);
  doc.setProducer("lotwise (pdf-lib)");
  doc.setCreator("lotwise");
  const fonts = await embedFonts(doc);
  const sections = sectionsOf(input);
  const sheets = new Map(sections.map((s) => [s, paginate(s.rows, ROWS_PER_PAGE)]));
  addStatementPages(doc, fonts, input, sections, (s) => sheets.get(s)!.length);
  const total = [...sheets.values()].reduce((n, pages) => n + pages.length, 0);
  const task = (options.progress ?? nullProgress).task(`form8949-${input.taxYear}.pdf`, {
    total,
    unit: "pages",
  });
  for (const section of sections) {
    await addForm8949Pages(doc, fonts, input.taxYear, section.box, sheets.get(section)!, () =>
      task.advance(),
    );
  }
  const all = doc.getPages();
  all.forEach((page, i) => {
    const style = { font: fonts.regular, size: 6.5 };
    text(
      page,
      "Prepared by lotwise; not an IRS-issued form. Check every figure before filing.",
      MARGIN,
      PAGE_HEIGHT - 24,
      style,
    );
    text(page, `Page ${i + 1} of ${all.length}`, MARGIN, PAGE_HEIGHT - 24, style, {
      width: PAGE_WIDTH - 2 * MARGIN,
      align: "right",
    });
  });
  const bytes = await doc.save();
  task.finish();
  return {
    format: "pdf",
    fileName: `form8949-${input.taxYear}.pdf`,
    contentType: "application/pdf",
    bytes,
    notes: [],
  };
};
