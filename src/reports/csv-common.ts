/** What the CSV reports share: the CSV writer's rules and the notes every tax-software file needs. */
import type { Section } from "./sections.ts";
import type { ReportRow } from "./types.ts";

/**
 * The text of a CSV report as bytes: UTF-8 without a byte order mark, LF line ends. Cells are
 * written by `formatCsvRow` (src/utils/csv.ts): a cell starting with `=`, `+`, `-`, `@`, tab or
 * CR gets a leading `'`, except a plain decimal number such as `-12.50`, which stays a number.
 */
export const csvBytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

/** True when a row carries a column (f) code or a non-zero column (g) amount. */
export const hasAdjustment = (r: ReportRow): boolean =>
  r.adjustmentCode !== "" || (r.adjustment !== undefined && r.adjustment !== 0n);

/** `disposal → lot` ids of up to `max` rows, for a note. */
export const rowRefs = (rows: readonly ReportRow[], max = 5): string => {
  const refs = rows.slice(0, max).map((r) => (r.lotId ? `${r.disposalId} (lot ${r.lotId})` : r.disposalId));
  return rows.length > max ? `${refs.join(", ")} and ${rows.length - max} more` : refs.join(", ");
};

/** The boxes present, e.g. `I (3 rows), L (1 row)`. */
export const boxList = (sections: readonly Section[]): string =>
  sections.map((s) => `${s.box.box} (${s.rows.length} row${s.rows.length === 1 ? "" : "s"})`).join(", ");

/** True when a row has no known acquisition date (a missing-basis shortfall) or `VARIOUS`. */
export const noSingleAcquisitionDate = (r: ReportRow): boolean =>
  r.dateAcquired === "" || /^various$/i.test(r.dateAcquired);
