/**
 * Writer of ledger CSV v1: the header, then one record per row, with every column of the spec
 * (in `LEDGER_COLUMNS` order) followed by the rows' `x_…` extra columns.
 */
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { escapeFormula, formatCsvCell } from "../utils/csv.ts";
import { FIELD_OF_COLUMN, LEDGER_COLUMNS, type LedgerRow } from "./types.ts";

export type LedgerWriteOptions = {
  /**
   * Defuse spreadsheet formulas (cells starting with `=`, `+`, `-`, `@`, tab, CR get a leading
   * `'`). @defaultValue true
   * @dev Exports are opened in spreadsheets, and on-chain token names are attacker-chosen. The
   * escaping is applied to *values*, lot ids inside `lots` cells included, so an escaped file
   * still computes the same gains (an id `=x` becomes `'=x` everywhere it appears). Pass `false`
   * for a byte-exact round trip.
   */
  escapeFormulas?: boolean;
};

/** Rows written per `write` call of `writeLedgerCsv`. */
const ROWS_PER_WRITE = 10_000;

const extraColumnsOf = (rows: readonly LedgerRow[]): string[] => {
  const names = new Set<string>();
  for (const r of rows) if (r.extra) for (const k of Object.keys(r.extra)) names.add(k);
  return [...names];
};

const lotsCell = (lots: string, escapeOn: boolean): string =>
  escapeOn
    ? lots
        .split(";")
        .map((entry) => {
          const colon = entry.lastIndexOf(":");
          return colon <= 0 ? entry : `${escapeFormula(entry.slice(0, colon))}${entry.slice(colon)}`;
        })
        .join(";")
    : lots;

const createRowFormatter = (extras: readonly string[], options: LedgerWriteOptions) => {
  const escapeOn = options.escapeFormulas !== false;
  const fields = LEDGER_COLUMNS.map((c) => FIELD_OF_COLUMN[c]);
  return (row: LedgerRow): string => {
    let out = "";
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const raw = row[f];
      let v = raw === undefined || raw === null ? "" : String(raw);
      if (f === "lots") v = lotsCell(v, escapeOn);
      else if (escapeOn) v = escapeFormula(v);
      out += (i === 0 ? "" : ",") + formatCsvCell(v, { escapeFormulas: false });
    }
    for (const name of extras)
      out += `,${formatCsvCell(row.extra?.[name] ?? "", { escapeFormulas: escapeOn })}`;
    return `${out}\n`;
  };
};

const headerOf = (extras: readonly string[]): string => `${[...LEDGER_COLUMNS, ...extras].join(",")}\n`;

/**
 * Formats rows as ledger CSV v1 text. The rows are written as given: callers validate them (the
 * reader does) if they come from an untrusted place.
 */
export const formatLedgerCsv = (rows: readonly LedgerRow[], options: LedgerWriteOptions = {}): string => {
  const extras = extraColumnsOf(rows);
  const format = createRowFormatter(extras, options);
  let out = headerOf(extras);
  for (const r of rows) out += format(r);
  return out;
};

/**
 * Writes rows as ledger CSV v1 to `file` atomically: a temporary file in the same folder is
 * renamed over `file` once complete, so a failure never leaves a partial ledger.
 */
export const writeLedgerCsv = async (
  file: string,
  rows: readonly LedgerRow[],
  options: LedgerWriteOptions = {},
): Promise<void> => {
  const extras = extraColumnsOf(rows);
  const format = createRowFormatter(extras, options);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, "w");
  try {
    await handle.write(headerOf(extras));
    for (let i = 0; i < rows.length; i += ROWS_PER_WRITE) {
      let chunk = "";
      for (const r of rows.slice(i, i + ROWS_PER_WRITE)) chunk += format(r);
      await handle.write(chunk);
    }
    await handle.close();
    await rename(tmp, file);
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
};

/** Writes ledger CSV v1 in chunks to `write` (e.g. stdout for `--out -`). */
export const streamLedgerCsv = (
  write: (text: string) => void,
  rows: readonly LedgerRow[],
  options: LedgerWriteOptions = {},
): void => {
  const extras = extraColumnsOf(rows);
  const format = createRowFormatter(extras, options);
  write(headerOf(extras));
  for (let i = 0; i < rows.length; i += ROWS_PER_WRITE) {
    let chunk = "";
    for (const r of rows.slice(i, i + ROWS_PER_WRITE)) chunk += format(r);
    write(chunk);
  }
};
