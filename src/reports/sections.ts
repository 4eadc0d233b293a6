/**
 * The year's rows grouped the way Form 8949 wants them (one section per check box, pages of a
 * fixed number of lines) and the Schedule D lines they total to.
 */
import type { Cents, PartTotals } from "../tax/types.ts";
import { BOXES, type BoxInfo, boxInfo, formBox } from "./boxes.ts";
import type { ReportInput, ReportRow } from "./types.ts";

/** All rows of one check box, in the engine's order. */
export type Section = { box: BoxInfo; rows: ReportRow[] };

/**
 * The rows by the box they go in on the form of the tax year (see `formBox`), in the form's box
 * order (A, B, C, G, H, I, D, E, F, J, K, L); boxes without rows are left out.
 * @throws Error when a row's box is not a Form 8949 box.
 */
export const sectionsOf = (input: Pick<ReportInput, "rows" | "taxYear">): Section[] => {
  const byBox = new Map<string, ReportRow[]>();
  for (const r of input.rows) {
    const box = formBox(r.box, input.taxYear);
    const list = byBox.get(box);
    if (list) list.push(r);
    else byBox.set(box, [r]);
  }
  return BOXES.filter((b) => byBox.has(b.box)).map((b) => ({ box: b, rows: byBox.get(b.box)! }));
};

/** Sums of columns (d), (e), (g), (h) of `rows` (an empty (g) counts as 0). */
export const totalsOf = (rows: readonly ReportRow[]): PartTotals => {
  const t: PartTotals = { proceeds: 0n, costBasis: 0n, adjustments: 0n, gain: 0n, rows: 0 };
  for (const r of rows) {
    t.proceeds += r.proceeds;
    t.costBasis += r.costBasis;
    t.adjustments += r.adjustment ?? 0n;
    t.gain += r.gain;
    t.rows++;
  }
  return t;
};

/** Splits `rows` into pages of `perPage` lines (at least one page, maybe empty). */
export const paginate = <T>(rows: readonly T[], perPage: number): T[][] => {
  const pages: T[][] = [];
  for (let i = 0; i < rows.length; i += perPage) pages.push(rows.slice(i, i + perPage));
  if (pages.length === 0) pages.push([]);
  return pages;
};

/** One Schedule D line: totals lines carry (d), (e), (g), (h); the others (h) only. */
export type ScheduleDLine = {
  line: string;
  label: string;
  totals?: PartTotals | undefined;
  /** Column (h) (negative for a loss or a carryover). */
  gain: Cents;
};

const LINE_LABELS: Record<string, string> = {
  "1b": "Totals of Form 8949 with box A or G checked",
  "2": "Totals of Form 8949 with box B or H checked",
  "3": "Totals of Form 8949 with box C or I checked",
  "8b": "Totals of Form 8949 with box D or J checked",
  "9": "Totals of Form 8949 with box E or K checked",
  "10": "Totals of Form 8949 with box F or L checked",
};

/**
 * Schedule D lines 1b, 2, 3, 6, 7, 8b, 9, 10, 14, 15, 16 and 21. Lines 1b–3 and 8b–10 are the
 * sums of the Form 8949 rows of their boxes; 6 and 14 are the carryovers in (as losses); 7, 15,
 * 16 and 21 are the engine's netting (`summary`). Line 21 is 0 unless line 16 is a loss.
 */
export const scheduleDLines = (input: Pick<ReportInput, "rows" | "taxYear" | "summary">): ScheduleDLine[] => {
  const byLine = new Map<string, ReportRow[]>();
  for (const r of input.rows) {
    const line = boxInfo(formBox(r.box, input.taxYear)).scheduleDLine;
    const list = byLine.get(line);
    if (list) list.push(r);
    else byLine.set(line, [r]);
  }
  const s = input.summary;
  const totals = (line: string): ScheduleDLine => {
    const t = totalsOf(byLine.get(line) ?? []);
    return { line, label: LINE_LABELS[line]!, totals: t, gain: t.gain };
  };
  return [
    totals("1b"),
    totals("2"),
    totals("3"),
    { line: "6", label: "Short-term capital loss carryover", gain: -s.carryoverIn.shortTerm },
    { line: "7", label: "Net short-term capital gain or (loss)", gain: s.netShortTerm },
    totals("8b"),
    totals("9"),
    totals("10"),
    { line: "14", label: "Long-term capital loss carryover", gain: -s.carryoverIn.longTerm },
    { line: "15", label: "Net long-term capital gain or (loss)", gain: s.netLongTerm },
    { line: "16", label: "Net capital gain or (loss): line 7 + line 15", gain: s.net },
    { line: "21", label: "Capital loss deduction (if line 16 is a loss)", gain: -s.capitalLossDeduction },
  ];
};
