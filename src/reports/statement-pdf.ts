/**
 * The cover statement of the PDF: how the figures were made (method, scope, ledger, price
 * sources), the Schedule D lines, and every warning. It flows onto as many pages as it needs.
 */
import type { PDFDocument, PDFPage } from "pdf-lib";
import type { Cents, Method, Scope } from "../tax/types.ts";
import {
  type Fonts,
  GREY,
  line,
  MARGIN,
  PAGE_HEIGHT,
  PAGE_WIDTH,
  rect,
  type TextStyle,
  text,
  wrap,
} from "./pdf-kit.ts";
import { type ScheduleDLine, type Section, scheduleDLines } from "./sections.ts";
import { formUsd } from "./text.ts";
import type { ReportInput } from "./types.ts";

const METHOD_TEXT: Record<Method, string> = {
  fifo: "FIFO: first in, first out (the earliest acquired units are disposed of first)",
  lifo: "LIFO: last in, first out (the latest acquired units are disposed of first)",
  hifo: "HIFO: highest cost first (the units with the highest basis per unit are disposed of first)",
};

const SCOPE_TEXT: Record<Scope, string> = {
  transition:
    "transition: one pool per asset across all wallets before 2025-01-01, then the remaining lots allocated to the wallets holding the units (Rev. Proc. 2024-28 safe harbor) and one pool per wallet and asset",
  universal: "universal: one pool per asset across all wallets",
  wallet: "wallet: one pool per wallet and asset (Rev. Proc. 2024-28)",
};

const FILING_TEXT: Record<string, string> = {
  single: "single",
  mfj: "married filing jointly",
  mfs: "married filing separately",
  hoh: "head of household",
};

/** Bottom of the writable area (the footer sits below it). */
const BOTTOM = PAGE_HEIGHT - 54;

/** A top-down text flow that starts a new page when the current one is full. */
const createFlow = (doc: PDFDocument, fonts: Fonts, taxYear: number) => {
  let page: PDFPage;
  let y = 0;
  const pages: PDFPage[] = [];
  const newPage = () => {
    page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    pages.push(page);
    y = MARGIN + 12;
    if (pages.length > 1) {
      text(page, `Statement for Form 8949 and Schedule D, tax year ${taxYear} (continued)`, MARGIN, y, {
        font: fonts.bold,
        size: 9,
      });
      y += 18;
    }
  };
  newPage();
  const need = (height: number) => {
    if (y + height > BOTTOM) newPage();
  };
  return {
    pages,
    get page() {
      return page;
    },
    get y() {
      return y;
    },
    need,
    skip: (dy: number) => {
      y += dy;
    },
    /** Wrapped text at `indent` from the margin. */
    para: (value: string, style: TextStyle, indent = 0, leading = style.size * 1.3) => {
      for (const l of wrap(value, PAGE_WIDTH - 2 * MARGIN - indent, style)) {
        need(leading);
        text(page, l, MARGIN + indent, y + style.size, style);
        y += leading;
      }
    },
    heading: (value: string) => {
      need(30);
      y += 8;
      text(page, value, MARGIN, y + 10, { font: fonts.bold, size: 10 });
      y += 16;
    },
  };
};

type Flow = ReturnType<typeof createFlow>;

/** A label/value list: the label bold in a fixed column, the value wrapped beside it. */
const facts = (flow: Flow, fonts: Fonts, items: [string, string][]) => {
  const labelWidth = 110;
  const style = { font: fonts.regular, size: 8 };
  for (const [label, value] of items) {
    const lines = wrap(value, PAGE_WIDTH - 2 * MARGIN - labelWidth, style);
    flow.need(10 * lines.length + 2);
    text(flow.page, label, MARGIN, flow.y + 8, { font: fonts.bold, size: 8 });
    lines.forEach((l, i) => {
      text(flow.page, l, MARGIN + labelWidth, flow.y + 8 + i * 10, style);
    });
    flow.skip(10 * lines.length + 2);
  }
};

/** The Schedule D table: line, description, (d), (e), (g), (h). */
const scheduleD = (flow: Flow, fonts: Fonts, lines: readonly ScheduleDLine[]) => {
  const cols = [
    { title: "Line", x: MARGIN, width: 28 },
    { title: "", x: MARGIN + 28, width: 216 },
    { title: "(d) Proceeds", x: MARGIN + 244, width: 74 },
    { title: "(e) Cost", x: MARGIN + 318, width: 74 },
    { title: "(g) Adjustments", x: MARGIN + 392, width: 68 },
    { title: "(h) Gain or (loss)", x: MARGIN + 460, width: 80 },
  ];
  const rowHeight = 13;
  flow.need(rowHeight * (lines.length + 1) + 4);
  const head = { font: fonts.bold, size: 7 };
  rect(flow.page, MARGIN, flow.y, PAGE_WIDTH - 2 * MARGIN, rowHeight, { fill: GREY });
  for (const c of cols) {
    text(flow.page, c.title, c.x, flow.y + 9, head, {
      width: c.width - 3,
      align: c.x === MARGIN || c.title === "" ? "left" : "right",
    });
  }
  flow.skip(rowHeight);
  const body = { font: fonts.regular, size: 7.5 };
  const money = (i: number, c: Cents, bold = false) =>
    text(flow.page, formUsd(c), cols[i]!.x, flow.y + 9, bold ? { ...body, font: fonts.bold } : body, {
      width: cols[i]!.width - 3,
      align: "right",
    });
  for (const l of lines) {
    const total = ["7", "15", "16", "21"].includes(l.line);
    text(flow.page, l.line, cols[0]!.x + 2, flow.y + 9, { ...body, font: fonts.bold });
    text(flow.page, l.label, cols[1]!.x, flow.y + 9, total ? { ...body, font: fonts.bold } : body);
    if (l.totals) {
      money(2, l.totals.proceeds);
      money(3, l.totals.costBasis);
      money(4, l.totals.adjustments);
    }
    money(5, l.gain, total);
    line(flow.page, MARGIN, flow.y + rowHeight, PAGE_WIDTH - MARGIN, flow.y + rowHeight, 0.3);
    flow.skip(rowHeight);
  }
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `--combine-fees`: the statement the Form 8949 instructions ask for beside a row that combines
 * several transactions (code M): each combined row, then every fee disposal it stands for.
 */
const feeStatement = (flow: Flow, fonts: Fonts, input: ReportInput): void => {
  const groups = input.feeStatement ?? [];
  if (groups.length === 0) return;
  const small = { font: fonts.regular, size: 7.5 };
  flow.heading("Network fees combined on Form 8949 (code M)");
  flow.para(
    "Each Form 8949 row with code M in column (f) combines the network fees paid in one digital asset on one day (same check box and term). Its proceeds, cost basis and gain are the sums of the fee disposals listed under it; no amount is changed by combining them.",
    { font: fonts.regular, size: 8 },
  );
  const amounts = (r: { proceeds: Cents; costBasis: Cents; gain: Cents }) =>
    `proceeds ${formUsd(r.proceeds)}, cost basis ${formUsd(r.costBasis)}, gain ${formUsd(r.gain)}`;
  for (const { combined, parts } of groups) {
    flow.para(
      `Box ${combined.box}, sold ${combined.dateSold}: ${combined.description}; ${amounts(combined)}`,
      { font: fonts.bold, size: 7.5 },
      0,
      9.5,
    );
    for (const p of parts)
      flow.para(
        `${p.disposalId} (lot ${p.lotId || "none"}, ${p.wallet}): ${p.description}, acquired ${p.dateAcquired || "unknown"}; ${amounts(p)}`,
        small,
        12,
        9.5,
      );
  }
};

/**
 * Adds the statement pages for `input`; `sections` and `pagesOf` describe the Form 8949 pages
 * that follow. Returns the pages added.
 */
export const addStatementPages = (
  doc: PDFDocument,
  fonts: Fonts,
  input: ReportInput,
  sections: readonly Section[],
  sheetsOf: (s: Section) => number,
): PDFPage[] => {
  const s = input.summary;
  const flow = createFlow(doc, fonts, input.taxYear);
  text(flow.page, `Statement for Form 8949 and Schedule D, tax year ${input.taxYear}`, MARGIN, flow.y + 6, {
    font: fonts.bold,
    size: 14,
  });
  flow.skip(20);
  flow.para(
    "Prepared by lotwise from your ledger. The Form 8949 pages that follow list every sale and exchange of digital assets of the year, one check box per page section; enter your name and social security number on each page before filing. Amounts are rounded to cents; a loss is shown in parentheses.",
    { font: fonts.regular, size: 8 },
  );
  flow.skip(4);

  const rows = sections.reduce((n, sec) => n + sec.rows.length, 0);
  const boxes =
    sections.length === 0
      ? "none: no sales or exchanges in the year"
      : sections
          .map(
            (sec) =>
              `box ${sec.box.box}: ${plural(sec.rows.length, "row")} on ${plural(sheetsOf(sec), "page")}`,
          )
          .join("; ");
  const items: [string, string][] = [
    ["Tax year", String(input.taxYear)],
    ["Cost basis method", METHOD_TEXT[s.method]],
    ["Lot scope", SCOPE_TEXT[s.scope]],
    ["Filing status", FILING_TEXT[s.filingStatus] ?? s.filingStatus],
    ["Dates", `calendar dates in ${input.timeZone ?? "UTC"}`],
    ["Ledger", input.ledgerSource],
    ["Form 8949 rows", `${rows} (${boxes})`],
  ];
  if (input.generatedAt) items.push(["Prepared", input.generatedAt]);
  facts(flow, fonts, items);

  flow.heading("Schedule D (Form 1040)");
  scheduleD(flow, fonts, scheduleDLines(input));
  flow.skip(4);
  flow.para(
    `Lines 1a, 4, 5, 8a and 11 to 13 come from other forms and are not computed here. Capital loss carryover to ${input.taxYear + 1}: short-term ${formUsd(s.carryoverOut.shortTerm)}, long-term ${formUsd(s.carryoverOut.longTerm)}.`,
    { font: fonts.regular, size: 7.5 },
  );
  const income = Object.entries(s.ordinaryIncome.bySubtype)
    .map(([k, v]) => `${k === "" ? "no subtype" : k} ${formUsd(v)}`)
    .join(", ");
  flow.para(
    `Ordinary income from digital assets received in ${input.taxYear} (not on Schedule D): ${formUsd(s.ordinaryIncome.total)}${income ? ` (${income})` : ""}.`,
    { font: fonts.regular, size: 7.5 },
  );

  flow.heading("Price sources");
  const sources = Object.entries(input.priceSources).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (sources.length === 0) {
    flow.para(
      "Not recorded: the ledger names no price source. (A ledger file records them in its x_price_source and x_fee_price_source columns, as lotwise ledger export writes them.)",
      { font: fonts.regular, size: 8 },
    );
  } else {
    flow.para(
      `Where the USD values of the ledger rows up to the end of ${input.taxYear} came from (number of values):`,
      { font: fonts.regular, size: 8 },
    );
    for (const [source, n] of sources) flow.para(`${source}: ${n}`, { font: fonts.regular, size: 8 }, 12);
  }

  feeStatement(flow, fonts, input);

  flow.heading(`Warnings (${s.warnings.length})`);
  if (s.warnings.length === 0) flow.para("None.", { font: fonts.regular, size: 8 });
  for (const w of s.warnings) {
    const where = [w.date, w.id].filter((x) => x !== "").join(" ");
    flow.para(
      `[${w.code}]${where ? ` ${where}:` : ""} ${w.message}`,
      { font: fonts.regular, size: 7.5 },
      0,
      9.5,
    );
  }
  return flow.pages;
};
