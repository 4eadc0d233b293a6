import { locatedProblems, UserInputError } from "../errors.ts";
import { CsvSyntaxError, parseCsv } from "../utils/csv.ts";
import type { CsvTable, ImportFormat } from "./types.ts";

/** Lines read looking for a header: exports put a few preamble lines (a title, the user, a blank line) first. */
export const PREAMBLE_LINES = 20;

/**
 * Parses `text` and finds the header of one of `formats` in its first lines (preamble lines
 * before it are skipped). With `format` given only that one is looked for.
 * @throws UserInputError when no header is recognized: lists the supported formats and what the first line looked like.
 */
export const readTable = (
  text: string,
  file: string,
  formats: readonly ImportFormat[],
  /** For a file none of `formats` reads: what a header line looks like instead (a hint line), if anything. */
  explain?: (cells: readonly string[]) => string | undefined,
  /** Formats read elsewhere that the error's supported list names too, e.g. `ledger (ledger CSV v1)`. */
  others: readonly string[] = [],
): { table: CsvTable; format: ImportFormat } => {
  let records: { cells: string[]; line: number }[];
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new UserInputError(`${file}:${e.line}: ${e.reason}`);
    throw e;
  }
  for (let k = 0; k < Math.min(records.length, PREAMBLE_LINES); k++) {
    const cells = records[k]!.cells.map((c) => c.trim());
    const format = formats.find((f) => f.isHeader(cells));
    if (!format) continue;
    return {
      format,
      table: {
        file,
        header: cells,
        headerLine: records[k]!.line,
        rows: records.slice(k + 1).filter((r) => r.cells.some((c) => c.trim() !== "")),
      },
    };
  }
  const first = records.find((r) => r.cells.length > 1) ?? records[0];
  const seen = first ? first.cells.slice(0, 8).join(",") : "an empty file";
  let hint: string | undefined;
  for (let k = 0; !hint && k < Math.min(records.length, PREAMBLE_LINES); k++) {
    const cells = records[k]!.cells.map((c) => c.trim());
    for (const f of formats) hint ??= f.nearMiss?.(cells);
    hint ??= explain?.(cells);
  }
  throw new UserInputError(
    `${file}: unknown format: no header of ${formats.length <= 2 ? `a ${formats.map((f) => f.label).join(" or a ")}` : "a supported export"} in its first ${PREAMBLE_LINES} lines`,
    {
      meta: [
        `detected: ${first ? `line ${first.line} starts '${seen.slice(0, 120)}'` : seen}`,
        ...(hint ? [hint] : []),
        `supported: ${[...formats.map((f) => `${f.name} (${f.label})`), ...others].join(", ")}`,
      ],
    },
  );
};

/** A header cell as the detectors compare it: byte-order mark and spaces around dropped, lower case. */
const columnKey = (cell: string): string =>
  cell
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase();

/** Whether `cells` contains every one of `names` (case-insensitive, spaces around ignored; other columns may follow). */
export const hasColumns = (cells: readonly string[], names: readonly string[]): boolean => {
  const set = new Set(cells.map(columnKey));
  return names.every((n) => set.has(n.toLowerCase()));
};

/** A row reader: cells by column name, errors as `FILE:LINE: column: problem`. */
export type RowReader = {
  line: number;
  /** The record's cells as read (for digests of rows without ids). */
  cells: readonly string[];
  get: (column: string) => string;
  /** Throws the row's error for `column`. */
  fail: (column: string, problem: string) => never;
  where: (column: string) => string;
};

/** A row of a table: its methods live on the prototype (no closures made per row). */
class Row implements RowReader {
  readonly line: number;
  readonly cells: readonly string[];
  readonly #file: string;
  readonly #index: ColumnIndex;
  /** Set when the row's cells do not line up with the header: every read fails with it. */
  #shape: { column: string; problem: string } | undefined;
  constructor(file: string, index: ColumnIndex, line: number, cells: readonly string[], width: number) {
    this.#file = file;
    this.#index = index;
    this.line = line;
    this.cells = cells;
    if (cells.length < width)
      this.#shape = {
        column: index.header[cells.length]!,
        problem: `missing: the row has ${cells.length} cells, the header ${width} (a line cut off, or a lost ','?)`,
      };
    else if (cells.length > width && cells.slice(width).some((c) => c.trim() !== ""))
      this.#shape = {
        column: index.header[width - 1]!,
        problem: `the row has ${cells.length} cells, the header ${width} (an unquoted ',' inside a cell, as in 1,000.00? quote such cells)`,
      };
  }
  get(column: string): string {
    if (this.#shape) this.fail(this.#shape.column, this.#shape.problem);
    const i = this.#index.get(column);
    return i === undefined ? "" : (this.cells[i] ?? "").trim();
  }
  fail(column: string, problem: string): never {
    throw new UserInputError(`${this.where(column)}: ${problem}`);
  }
  where(column: string): string {
    return `${this.#file}:${this.line}: ${column}`;
  }
}

/**
 * Column positions by name, case-insensitive: a name as the parsers write it is lower-cased once
 * and remembered as written (a parser asks for the same dozen names on every row). A name the
 * header lacks reads as no position.
 */
class ColumnIndex {
  readonly #lower: ReadonlyMap<string, number>;
  readonly #asked = new Map<string, number | undefined>();
  readonly header: readonly string[];
  constructor(header: readonly string[]) {
    this.header = header;
    this.#lower = new Map(header.map((h, i) => [h.toLowerCase(), i]));
  }
  get(column: string): number | undefined {
    if (this.#asked.has(column)) return this.#asked.get(column);
    const i = this.#lower.get(column.toLowerCase());
    this.#asked.set(column, i);
    return i;
  }
}

/**
 * Row readers for a table (column lookup is case-insensitive; a column the header lacks reads as empty).
 * A row whose cells do not line up with the header fails on its first read, as
 * `FILE:LINE: column: problem` (so `rowProblems` lists it with the file's other bad rows):
 * - a non-empty cell past the header's last column: its cells are shifted (an unquoted `,` in
 *   `1,000.00`), and reading them by position would misread them;
 * - fewer cells than the header (a line cut off, as at the end of a truncated download, or a
 *   lost `,`): its missing cells are unknown, not empty.
 */
export const rowsOf = (table: CsvTable): RowReader[] => {
  const index = new ColumnIndex(table.header);
  const width = table.header.length;
  return table.rows.map((r) => new Row(table.file, index, r.line, r.cells, width));
};

/**
 * The problems of a file's rows, collected so that one run reports every bad row (the first ten,
 * then a count: `locatedProblems`), as the ledger, price and Form 1099-DA readers do. A parser reads each row inside
 * `try { … } catch (e) { problems.take(e) }` and calls `throwIfAny()` after its loop: a row's
 * `FILE:LINE: column: problem` is kept and the next row is read; any other error stops at once.
 */
export const rowProblems = (file: string) => {
  const lines: string[] = [];
  const seen = new Set<string>();
  return {
    take(e: unknown): void {
      if (!(e instanceof UserInputError) || e.meta.length > 0 || !e.shortMessage.startsWith(`${file}:`))
        throw e;
      if (!/^\d+: /.test(e.shortMessage.slice(file.length + 1))) throw e;
      // A row read again through another (a Kraken trade's partner row) fails the same way: once.
      if (seen.has(e.shortMessage)) return;
      seen.add(e.shortMessage);
      lines.push(e.shortMessage);
    },
    throwIfAny(): void {
      if (lines.length > 0) throw locatedProblems(lines);
    },
  };
};
