import { detectExport } from "../imports/registry.ts";
import { PREAMBLE_LINES } from "../imports/table.ts";

/**
 * Recognizes a CSV header that clearly belongs to another format than the one a command reads,
 * so the error says what the file is and which command takes it instead of "unknown column".
 *
 * One source of truth: exchange and tax-tool exports are recognized by the import registry's own
 * header detectors (`src/imports/registry.ts`, the ones `lotwise import --format auto` uses), so a
 * file this module calls "a Kraken ledgers export" is one `lotwise import` reads. Only lotwise's
 * own files (ledger CSV, price files, Form 1099-DA CSVs, Coinbase's gain/loss report) are matched
 * here, by signature columns (every one present; compared case-insensitively, spaces and
 * punctuation ignored), and they are tried first.
 */

export type OtherFormat = {
  /** What the file is, e.g. "a Kraken ledgers export". */
  what: string;
  /** The command that reads it (FILE stands for the file). */
  command: string;
  /** Which reader this is (a reader never redirects to itself). */
  kind: "ledger" | "prices" | "forms" | "exchange";
  /** Instead of "use `command`": what to do with a file no command reads (FILE stands for the file). */
  advice?: string | undefined;
};

const EXCHANGE_IMPORT = "lotwise import FILE --account NAME";

/** lotwise's own file formats: signature columns, most specific first. */
const OWN_FORMATS: readonly (OtherFormat & { columns: readonly string[] })[] = [
  {
    what: "a ledger CSV v1 file",
    command: "lotwise ledger import FILE --name NAME` or `lotwise gains --ledger FILE",
    kind: "ledger",
    columns: ["id", "time", "type", "wallet"],
  },
  {
    what: "a USD price file",
    command: "lotwise prices import FILE",
    kind: "prices",
    columns: ["asset", "time", "usd"],
  },
  {
    what: "a Form 1099-DA CSV",
    command: "lotwise forms import FILE --account NAME",
    kind: "forms",
    columns: ["broker", "asset_name", "units", "date_sold", "proceeds"],
  },
  {
    what: "Coinbase's gain/loss report",
    command: "lotwise forms import FILE --account NAME",
    kind: "forms",
    columns: ["Tax lot ID", "Date of Disposition", "Proceeds (USD)"],
  },
];

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** What `header` is, among every format lotwise knows (its own files first, then exports). */
export const detectFormat = (header: readonly string[]): OtherFormat | undefined => {
  const have = new Set(header.map(norm));
  for (const f of OWN_FORMATS)
    if (f.columns.every((c) => have.has(norm(c)))) return { what: f.what, command: f.command, kind: f.kind };
  const found = detectExport(header);
  if (found?.format) return { what: found.format.looksLike, command: EXCHANGE_IMPORT, kind: "exchange" };
  if (found?.unsupported)
    return {
      what: found.unsupported.looksLike,
      command: EXCHANGE_IMPORT,
      kind: "exchange",
      advice: found.unsupported.advice,
    };
  return undefined;
};

/** The other format `header` clearly is, when it is not `reader`'s own. */
export const detectOtherFormat = (
  header: readonly string[],
  reader: OtherFormat["kind"],
): OtherFormat | undefined => {
  const f = detectFormat(header);
  return f && (f.kind !== reader || f.advice) ? f : undefined;
};

/**
 * The other format clearly in `records` (a file's first records, in order) when its first record
 * is no header of `reader`'s: that record, or one of the next few, since an export may put
 * preamble lines before its header (Coinbase: a blank line, `Transactions`, `User,…`), as
 * `lotwise import` skips them (`PREAMBLE_LINES`). `line` is where the recognized header is.
 */
export const detectOtherFormatIn = (
  records: readonly { cells: readonly string[]; line: number }[],
  reader: OtherFormat["kind"],
): { format: OtherFormat; line: number } | undefined => {
  const first = records[0];
  if (first === undefined || detectFormat(first.cells)?.kind === reader) return undefined;
  for (const r of records.slice(0, PREAMBLE_LINES)) {
    const format = detectOtherFormat(r.cells, reader);
    if (format) return { format, line: r.line };
  }
  return undefined;
};

/** "this looks like X, not Y; use `CMD`" (or, for an export no command reads, what to do instead). */
export const otherFormatMessage = (f: OtherFormat, expected: string, file: string): string =>
  `this looks like ${f.what}, not ${expected}; ${f.advice ? f.advice.replaceAll("FILE", file) : `use \`${f.command.replaceAll("FILE", file)}\``}`;
