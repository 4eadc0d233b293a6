import { UserInputError } from "../errors.ts";
import { CsvSyntaxError, createCsvParser } from "../utils/csv.ts";
import type { CsvTable, ImportFormat } from "./types.ts";

/** Lines read looking for a header: exports put a few preamble lines (a title, the user, a blank line) first. */
const PREAMBLE_LINES = 20;

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
): { table: CsvTable; format: ImportFormat } => {
  const source = csvRecords(text, file);
  const head: CsvRecord[] = [];
  for (let r = source.next(); r && head.push(r) < PREAMBLE_LINES; ) r = source.next();
  for (let k = 0; k < head.length; k++) {
    const cells = head[k]!.cells.map((c) => c.trim());
    const format = formats.find((f) => f.isHeader(cells));
    if (!format) continue;
    if (format.streamsRows) {
      // Its rows are read while it parses them (`eachRow`): the file's cells are never all held
      // at once. A syntax error anywhere in the file still wins over anything its parser finds.
      return { format, table: streamedTable(text, file, cells, head[k]!.line, k) };
    }
    const rows = head.slice(k + 1);
    for (let r = source.next(); r; r = source.next()) rows.push(r);
    return {
      format,
      table: { file, header: cells, headerLine: head[k]!.line, rows: rows.filter(notBlank) },
    };
  }
  const records = head;
  for (let r = source.next(); r; r = source.next()) records.push(r);
  const first = records.find((r) => r.cells.length > 1) ?? records[0];
  const seen = first ? first.cells.slice(0, 8).join(",") : "an empty file";
  let hint: string | undefined;
  for (let k = 0; explain && !hint && k < Math.min(records.length, PREAMBLE_LINES); k++)
    hint = explain(records[k]!.cells.map((c) => c.trim()));
  throw new UserInputError(
    `${file}: unknown format: no header of ${formats.length <= 2 ? `a ${formats.map((f) => f.label).join(" or a ")}` : "a supported export"} in its first ${PREAMBLE_LINES} lines`,
    {
      meta: [
        `detected: ${first ? `line ${first.line} starts '${seen.slice(0, 120)}'` : seen}`,
        ...(hint ? [hint] : []),
        `supported: ${formats.map((f) => `${f.name} (${f.label})`).join(", ")}`,
      ],
    },
  );
};

type CsvRecord = { cells: string[]; line: number };

/** A data row: not every cell blank. */
const notBlank = (r: CsvRecord): boolean => r.cells.some((c) => c.trim() !== "");

/** Characters of the text parsed at a time when records are pulled (a few thousand records). */
const PULL_CHARS = 1 << 18;

/**
 * The records of `text` pulled one at a time (the text parsed a piece at a time as they are
 * asked for): `next` gives undefined after the last. A CSV syntax error is thrown as
 * `FILE:LINE: problem` when the parse reaches it, and again on every later call.
 */
const csvRecords = (text: string, file: string): { next: () => CsvRecord | undefined } => {
  const ready: CsvRecord[] = [];
  let at = 0;
  let fed = 0;
  let ended = false;
  let failed: UserInputError | undefined;
  const parser = createCsvParser((cells, line) => ready.push({ cells, line }));
  return {
    next: () => {
      if (failed) throw failed;
      while (at === ready.length) {
        if (ended) return undefined;
        ready.length = 0;
        at = 0;
        try {
          if (fed < text.length) {
            const end = Math.min(text.length, fed + PULL_CHARS);
            parser.write(end === text.length && fed === 0 ? text : text.slice(fed, end));
            fed = end;
          } else {
            parser.end();
            ended = true;
          }
        } catch (e) {
          if (e instanceof CsvSyntaxError) failed = new UserInputError(`${file}:${e.line}: ${e.reason}`);
          throw failed ?? e;
        }
      }
      return ready[at++];
    },
  };
};

/** How a streamed table reads its data rows again: the text, and the header's record index. */
const streamed = new WeakMap<CsvTable, { text: string; headerIndex: number }>();

/**
 * A table whose data rows are parsed when read (`eachRow`, or `rows` on first access, which
 * reads them all), from the record after the header's (`headerIndex`) on.
 */
const streamedTable = (
  text: string,
  file: string,
  header: string[],
  headerLine: number,
  headerIndex: number,
): CsvTable => {
  let rows: CsvRecord[] | undefined;
  const table = {
    file,
    header,
    headerLine,
    get rows(): CsvRecord[] {
      if (!rows) {
        const all: CsvRecord[] = [];
        const source = dataRecords(text, file, headerIndex);
        for (let r = source.next(); r; r = source.next()) if (notBlank(r)) all.push(r);
        rows = all;
      }
      return rows;
    },
  };
  streamed.set(table, { text, headerIndex });
  return table;
};

/** The records of `text` after the one at `headerIndex`. */
const dataRecords = (text: string, file: string, headerIndex: number) => {
  const source = csvRecords(text, file);
  for (let k = 0; k <= headerIndex; k++) source.next();
  return source;
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
  constructor(file: string, index: ColumnIndex, line: number, cells: readonly string[]) {
    this.#file = file;
    this.#index = index;
    this.line = line;
    this.cells = cells;
  }
  get(column: string): string {
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
  constructor(header: readonly string[]) {
    this.#lower = new Map(header.map((h, i) => [h.toLowerCase(), i]));
  }
  get(column: string): number | undefined {
    if (this.#asked.has(column)) return this.#asked.get(column);
    const i = this.#lower.get(column.toLowerCase());
    this.#asked.set(column, i);
    return i;
  }
}

/** Row readers for a table (column lookup is case-insensitive; a missing column reads as empty). */
export const rowsOf = (table: CsvTable): RowReader[] => {
  const index = new ColumnIndex(table.header);
  return table.rows.map((r) => new Row(table.file, index, r.line, r.cells));
};

/**
 * The data rows of a table one at a time, each read when asked for (a streamed table's cells are
 * never all held at once): what `rowsOf` gives. A parser that reads a table this way sets
 * `streamsRows` and runs in `syntaxFirst`.
 */
export function* eachRow(table: CsvTable): Generator<RowReader> {
  const index = new ColumnIndex(table.header);
  const lazy = streamed.get(table);
  if (!lazy) {
    for (const r of table.rows) yield new Row(table.file, index, r.line, r.cells);
    return;
  }
  const source = dataRecords(lazy.text, table.file, lazy.headerIndex);
  for (let r = source.next(); r; r = source.next())
    if (notBlank(r)) yield new Row(table.file, index, r.line, r.cells);
}

/**
 * Runs a parse of `table` that reads it with `eachRow`, with the errors reading the whole file
 * first gives: when it fails, a CSV syntax error anywhere in a streamed table's file is what it
 * fails with (the parse of a row before it, or of a row the reading had not reached, never shows).
 */
export const syntaxFirst = <T>(table: CsvTable, parse: () => T): T => {
  try {
    return parse();
  } catch (e) {
    const lazy = streamed.get(table);
    if (lazy) {
      const source = dataRecords(lazy.text, table.file, lazy.headerIndex);
      while (source.next());
    }
    throw e;
  }
};
