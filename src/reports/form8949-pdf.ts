/**
 * Form 8949 pages laid out like the IRS form: the header, name and SSN boxes (left blank for the
 * filer), the Part I or Part II heading, the check boxes of that Part with exactly one checked,
 * the line 1 table with columns (a)–(h), and the line 2 totals of the page.
 */
import { PDFDocument, type PDFPage } from "pdf-lib";
import { type BoxInfo, boxesOfPart, boxLabel, FIRST_DIGITAL_ASSET_BOX_YEAR } from "./boxes.ts";
import {
  BLACK,
  CONTENT_WIDTH,
  embedFonts,
  encodable,
  type Fonts,
  fitSize,
  GREY,
  line,
  MARGIN,
  PAGE_HEIGHT,
  PAGE_WIDTH,
  paragraph,
  rect,
  text,
  WHITE,
  wrap,
} from "./pdf-kit.ts";
import { totalsOf } from "./sections.ts";
import { formUsd, usDate } from "./text.ts";
import type { ReportRow } from "./types.ts";

/** Lines of the line 1 table on each page (the IRS form has 11). */
export const ROWS_PER_PAGE = 11;

/** Column edges of the table: a narrow line-number column, then (a)–(h). Widths in points. */
const COLUMNS = [
  { key: "n", width: 12 },
  { key: "a", width: 144 },
  { key: "b", width: 50 },
  { key: "c", width: 50 },
  { key: "d", width: 62 },
  { key: "e", width: 62 },
  { key: "f", width: 34 },
  { key: "g", width: 54 },
  { key: "h", width: 72 },
] as const;
type ColumnKey = (typeof COLUMNS)[number]["key"];
const X: Record<ColumnKey, { x: number; width: number }> = (() => {
  const out = {} as Record<ColumnKey, { x: number; width: number }>;
  let x = MARGIN;
  for (const c of COLUMNS) {
    out[c.key] = { x, width: c.width };
    x += c.width;
  }
  return out;
})();

const HEADINGS: Record<Exclude<ColumnKey, "n">, string> = {
  a: "(a) Description of property (Example: 100 sh. XYZ Co.)",
  b: "(b) Date acquired (Mo., day, yr.)",
  c: "(c) Date sold or disposed of (Mo., day, yr.)",
  d: "(d) Proceeds (sales price) (see instructions)",
  e: "(e) Cost or other basis. See the Note below and see Column (e) in the separate instructions",
  f: "(f) Code(s) from instructions",
  g: "(g) Amount of adjustment",
  h: "(h) Gain or (loss). Subtract column (e) from column (d) and combine the result with column (g)",
};

const PART_TEXT = {
  I: "Short-Term. Transactions involving capital assets you held 1 year or less are generally short-term (see instructions). For long-term transactions, see page 2.",
  II: "Long-Term. Transactions involving capital assets you held more than 1 year are generally long-term (see instructions). For short-term transactions, see page 1.",
};

/** The boxes of a Part whose statements report basis to the IRS: "A or G" (2025 on), "A" before. */
const basisReportedBoxes = (boxes: readonly BoxInfo[]): string =>
  boxes
    .filter((b) => b.scheduleDLine === "1b" || b.scheduleDLine === "8b")
    .map((b) => b.box)
    .join(" or ");

const boxLetters = (boxes: readonly BoxInfo[]): string => {
  const letters = boxes.map((b) => b.box);
  return `${letters.slice(0, -1).join(", ")}, or ${letters[letters.length - 1]}`;
};

const lineTwoText = (boxes: readonly BoxInfo[]): string => {
  const byLine = new Map<string, string[]>();
  for (const b of boxes) byLine.set(b.scheduleDLine, [...(byLine.get(b.scheduleDLine) ?? []), b.box]);
  const targets = [...byLine].map(([l, bs]) => `line ${l} (if Box ${bs.join(" or ")} above is checked)`);
  return `Totals. Add the amounts in columns (d), (e), (g), and (h) (subtract negative amounts). Enter each total here and include on your Schedule D, ${targets.slice(0, -1).join(", ")}, or ${targets[targets.length - 1]}`;
};

export type Form8949PageArgs = {
  taxYear: number;
  /** The checked box (its Part decides page 1 or page 2 of the form). */
  box: BoxInfo;
  /** At most `ROWS_PER_PAGE` rows. */
  rows: readonly ReportRow[];
  /** This page's place among the pages of its box (1-based) and their number. */
  sheet: number;
  sheets: number;
};

/** Draws a money cell right-aligned, shrinking the type for very large amounts. */
const amount = (page: PDFPage, fonts: Fonts, key: ColumnKey, top: number, value: string, bold = false) => {
  const col = X[key];
  const font = bold ? fonts.bold : fonts.regular;
  const size = fitSize(value, col.width - 4, font, 7.5, 4) ?? 4;
  text(page, value, col.x, top, { font, size }, { width: col.width - 2, align: "right" });
};

/** Column (a): one line when it fits (7.5 down to 5.5 pt), else two lines at 5.5 pt, cut with "...". */
const description = (page: PDFPage, fonts: Fonts, top: number, rowHeight: number, value: string) => {
  const col = X.a;
  const width = col.width - 4;
  const size = fitSize(value, width, fonts.regular, 7.5, 5.5);
  if (size !== undefined) {
    text(page, value, col.x + 2, top + rowHeight / 2 + size / 3, { font: fonts.regular, size });
    return;
  }
  const style = { font: fonts.regular, size: 5.5 };
  const lines = wrap(value, width, style);
  if (lines.length > 2) {
    let second = lines[1]!;
    while (second.length > 0 && fonts.regular.widthOfTextAtSize(`${second}...`, 5.5) > width)
      second = second.slice(0, -1);
    lines.splice(1, lines.length - 1, `${second}...`);
  }
  text(page, lines[0]!, col.x + 2, top + rowHeight / 2 - 1, style);
  if (lines[1] !== undefined) text(page, lines[1], col.x + 2, top + rowHeight / 2 + 6, style);
};

/** Where the table's parts are on the page (top-down points). */
type Layout = { tableTop: number; rowsBottom: number; tableBottom: number };

const ROW_HEIGHT = 22;
const TOTALS_HEIGHT = 40;

/**
 * Draws what every page of a box shares: header, name and SSN boxes, Part heading, check boxes
 * (the box checked), the empty table with its headings, line 2's text and the note.
 */
const drawTemplate = (page: PDFPage, fonts: Fonts, taxYear: number, checked: BoxInfo): Layout => {
  const args = { taxYear, box: checked };
  const small = { font: fonts.regular, size: 6 };
  const right = MARGIN + CONTENT_WIDTH;
  const part = args.box.part;
  const boxes = boxesOfPart(part, args.taxYear);

  // Header: form number, title, OMB number and year.
  if (part === "I") {
    text(page, "Form 8949", MARGIN, 52, { font: fonts.bold, size: 14 });
    text(page, "Department of the Treasury", MARGIN, 62, small);
    text(page, "Internal Revenue Service", MARGIN, 69, small);
    text(
      page,
      "Sales and Other Dispositions of Capital Assets",
      150,
      50,
      { font: fonts.bold, size: 12 },
      {
        width: 310,
        align: "center",
      },
    );
    text(
      page,
      "Go to www.irs.gov/Form8949 for instructions and the latest information.",
      150,
      61,
      { font: fonts.regular, size: 7 },
      { width: 310, align: "center" },
    );
    text(
      page,
      "File with your Schedule D to list your transactions for lines 1b, 2, 3, 8b, 9, and 10 of Schedule D.",
      150,
      70,
      { font: fonts.regular, size: 7 },
      { width: 310, align: "center" },
    );
    text(page, "OMB No. 1545-0074", 470, 46, small, { width: right - 470, align: "right" });
    text(
      page,
      String(args.taxYear),
      470,
      63,
      { font: fonts.bold, size: 16 },
      { width: right - 470, align: "right" },
    );
    text(page, "Attachment Sequence No. 12A", 470, 72, small, { width: right - 470, align: "right" });
  } else {
    text(page, `Form 8949 (${args.taxYear})`, MARGIN, 52, { font: fonts.regular, size: 8 });
    text(page, "Attachment Sequence No. 12A", MARGIN, 52, small, { width: CONTENT_WIDTH, align: "center" });
    text(
      page,
      "Page 2",
      MARGIN,
      52,
      { font: fonts.regular, size: 8 },
      { width: CONTENT_WIDTH, align: "right" },
    );
  }
  line(page, MARGIN, 78, right, 78, 1.5);

  // Name and SSN: left for the filer.
  const nameLabel =
    part === "I"
      ? "Name(s) shown on return"
      : "Name(s) shown on return. Name and SSN or taxpayer identification no. not required if shown on other side";
  text(page, nameLabel, MARGIN + 1, 85, small);
  line(page, 420, 78, 420, 100);
  text(page, "Social security number or taxpayer identification number", 423, 85, {
    font: fonts.regular,
    size: 5.5,
  });
  line(page, MARGIN, 100, right, 100);

  let y = paragraph(
    page,
    args.taxYear >= FIRST_DIGITAL_ASSET_BOX_YEAR
      ? "Before you check a box below, see whether you received any Form(s) 1099-B or 1099-DA or substitute statement(s) from your broker. A substitute statement will have the same information as Form 1099-B or 1099-DA. Either will show whether your basis (usually your cost) was reported to the IRS by your broker and may even tell you which box to check."
      : // The forms before 2025 know no Form 1099-DA.
        `Before you check Box ${boxLetters(boxes)} below, see whether you received any Form(s) 1099-B or substitute statement(s) from your broker. A substitute statement will have the same information as Form 1099-B. Either will show whether your basis (usually your cost) was reported to the IRS by your broker and may even tell you which box to check.`,
    MARGIN,
    108,
    CONTENT_WIDTH,
    { font: fonts.regular, size: 6.5 },
  );

  // Part heading.
  const barTop = y - 3;
  rect(page, MARGIN, barTop, 34, 12, { fill: BLACK });
  text(page, `Part ${part}`, MARGIN + 3, barTop + 9, { font: fonts.bold, size: 8, color: WHITE });
  y = paragraph(page, PART_TEXT[part], MARGIN + 40, barTop + 9, CONTENT_WIDTH - 40, {
    font: fonts.bold,
    size: 7,
  });
  const term = part === "I" ? "short-term" : "long-term";
  const pageNo = part === "I" ? "page 1" : "page 2";
  y = paragraph(
    page,
    `You must check Box ${boxLetters(boxes)} below. Check only one box. If more than one box applies for your ${term} transactions, complete a separate Form 8949, ${pageNo}, for each applicable box. If you have more ${term} transactions than will fit on this page for one or more of the boxes, complete as many forms with the same box checked as you need.`,
    MARGIN,
    y + 2,
    CONTENT_WIDTH,
    { font: fonts.regular, size: 6.5 },
  );

  // Check boxes: two columns (1099-B boxes left, 1099-DA boxes right) from 2025, one before.
  const columns = boxes.length > 3 ? 2 : 1;
  const colWidth = CONTENT_WIDTH / columns;
  const boxesTop = y;
  boxes.forEach((b, i) => {
    const col = Math.floor(i / 3);
    const row = i % 3;
    const x = MARGIN + col * colWidth;
    const top = boxesTop + row * 17;
    rect(page, x, top, 8, 8, { border: 0.7 });
    if (b.box === args.box.box) text(page, "X", x + 1.3, top + 7, { font: fonts.bold, size: 8 });
    paragraph(
      page,
      `(${b.box}) ${boxLabel(b, args.taxYear)}`,
      x + 12,
      top + 6,
      colWidth - 18,
      { font: fonts.regular, size: 6.5 },
      7,
    );
  });
  y = boxesTop + 3 * 17 + 4;

  // Line 1 table heading.
  const headTop = y;
  const headHeight = 58;
  line(page, MARGIN, headTop, right, headTop, 1);
  text(page, "1", X.n.x + 2, headTop + 10, { font: fonts.bold, size: 8 });
  const adjTextBottom = paragraph(
    page,
    "Adjustment, if any, to gain or loss. If you enter an amount in column (g), enter a code in column (f). See the separate instructions.",
    X.f.x + 2,
    headTop + 7,
    X.f.width + X.g.width - 4,
    { font: fonts.regular, size: 5.5 },
    6.2,
  );
  line(page, X.f.x, adjTextBottom - 3, X.g.x + X.g.width, adjTextBottom - 3);
  for (const key of ["a", "b", "c", "d", "e", "f", "g", "h"] as const) {
    const col = X[key];
    const start = key === "f" || key === "g" ? adjTextBottom + 3 : headTop + 7;
    const size = key === "f" ? 5 : 5.5;
    const lines = wrap(HEADINGS[key], col.width - 3, { font: fonts.regular, size });
    lines.forEach((l, i) => {
      text(page, l, col.x + 1.5, start + i * 6.2, { font: i === 0 ? fonts.bold : fonts.regular, size });
    });
  }
  const tableTop = headTop + headHeight;

  // Rows (filled in by `drawData`).
  line(page, MARGIN, tableTop, right, tableTop, 0.7);
  for (let i = 1; i <= ROWS_PER_PAGE; i++) {
    line(page, MARGIN, tableTop + i * ROW_HEIGHT, right, tableTop + i * ROW_HEIGHT, 0.3);
  }
  const rowsBottom = tableTop + ROWS_PER_PAGE * ROW_HEIGHT;

  // Line 2 (its amounts are each page's own, drawn by `drawData`).
  const totalsHeight = TOTALS_HEIGHT;
  rect(page, X.f.x, rowsBottom, X.f.width, totalsHeight, { fill: GREY });
  text(page, "2", X.n.x + 2, rowsBottom + 9, { font: fonts.bold, size: 8 });
  paragraph(
    page,
    lineTwoText(boxes),
    X.a.x + 2,
    rowsBottom + 7,
    X.a.width + X.b.width + X.c.width - 4,
    { font: fonts.regular, size: 5.5 },
    6.2,
  );
  const tableBottom = rowsBottom + totalsHeight;
  line(page, MARGIN, tableBottom, right, tableBottom, 1);
  // Vertical rules (line 2's text spans columns (a) to (c)).
  for (const key of ["a", "b", "c", "d", "e", "f", "g", "h"] as const) {
    const top = key === "g" ? adjTextBottom - 3 : headTop;
    const bottom = key === "b" || key === "c" ? rowsBottom : tableBottom;
    line(page, X[key].x, top, X[key].x, bottom, 0.5);
  }

  paragraph(
    page,
    `Note: If you checked Box ${basisReportedBoxes(boxes)} above but the basis reported to the IRS was incorrect, enter in column (e) the basis as reported to the IRS, and enter an adjustment in column (g) to correct the basis. See Column (g) in the separate instructions for how to figure the amount of the adjustment.`,
    MARGIN,
    tableBottom + 10,
    CONTENT_WIDTH,
    { font: fonts.regular, size: 6 },
  );
  return { tableTop, rowsBottom, tableBottom };
};

/** Draws a page's own part: its rows, its line 2 totals and which sheet of the box it is. */
const drawData = (page: PDFPage, fonts: Fonts, layout: Layout, args: Form8949PageArgs) => {
  args.rows.forEach((r, i) => {
    const top = layout.tableTop + i * ROW_HEIGHT;
    const mid = top + ROW_HEIGHT / 2 + 2.5;
    const dateStyle = { font: fonts.regular, size: 7 };
    description(page, fonts, top, ROW_HEIGHT, r.description);
    text(page, usDate(r.dateAcquired), X.b.x, mid, dateStyle, { width: X.b.width, align: "center" });
    text(page, usDate(r.dateSold), X.c.x, mid, dateStyle, { width: X.c.width, align: "center" });
    amount(page, fonts, "d", mid, formUsd(r.proceeds));
    amount(page, fonts, "e", mid, formUsd(r.costBasis));
    const code = encodable(fonts.regular, r.adjustmentCode);
    const codeSize = fitSize(code, X.f.width - 2, fonts.regular, 7, 4) ?? 4;
    text(
      page,
      code,
      X.f.x,
      mid,
      { font: fonts.regular, size: codeSize },
      { width: X.f.width, align: "center" },
    );
    if (r.adjustment !== undefined) amount(page, fonts, "g", mid, formUsd(r.adjustment));
    amount(page, fonts, "h", mid, formUsd(r.gain));
  });
  const totals = totalsOf(args.rows);
  const totalsMid = layout.rowsBottom + TOTALS_HEIGHT / 2 + 3;
  amount(page, fonts, "d", totalsMid, formUsd(totals.proceeds), true);
  amount(page, fonts, "e", totalsMid, formUsd(totals.costBasis), true);
  if (args.rows.some((r) => r.adjustment !== undefined))
    amount(page, fonts, "g", totalsMid, formUsd(totals.adjustments), true);
  amount(page, fonts, "h", totalsMid, formUsd(totals.gain), true);
  // Which sheet of this box this is (a multi-page box repeats the same box checked).
  text(
    page,
    `Box ${args.box.box}, sheet ${args.sheet} of ${args.sheets}: line 2 totals are the ${totals.rows} row${totals.rows === 1 ? "" : "s"} of this sheet.`,
    MARGIN,
    layout.tableBottom + 34,
    { font: fonts.regular, size: 6 },
  );
};

/**
 * Adds the Form 8949 pages of one box, one page per entry of `pages` (at most `ROWS_PER_PAGE`
 * rows each). What the pages share is drawn once, in a page of its own embedded as a form
 * XObject that every page shows, so a year of thousands of rows stays small and quick.
 */
export const addForm8949Pages = async (
  doc: PDFDocument,
  fonts: Fonts,
  taxYear: number,
  box: BoxInfo,
  pages: readonly (readonly ReportRow[])[],
  onPage: () => void = () => {},
): Promise<void> => {
  const templateDoc = await PDFDocument.create({ updateMetadata: false });
  const templatePage = templateDoc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
  const layout = drawTemplate(templatePage, await embedFonts(templateDoc), taxYear, box);
  await templateDoc.flush(); // embeds the template's fonts, which embedPage copies
  const template = await doc.embedPage(templatePage);
  pages.forEach((rows, i) => {
    const page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    page.drawPage(template, { x: 0, y: 0 });
    drawData(page, fonts, layout, { taxYear, box, rows, sheet: i + 1, sheets: pages.length });
    onPage();
  });
};
