import { coinbase } from "./coinbase/parse.ts";
import { coinbaseRaw } from "./coinbase/raw.ts";
import { cointracker } from "./cointracker/parse.ts";
import { gemini } from "./gemini/parse.ts";
import { koinly } from "./koinly/parse.ts";
import { kraken } from "./kraken/parse.ts";
import { robinhood } from "./robinhood/parse.ts";
import { hasColumns } from "./table.ts";
import type { ImportFormat } from "./types.ts";

/**
 * Every import format, in detection order (`--format auto` takes the first whose header matches).
 * `ledger` (ledger CSV v1) is handled by `src/books/imports.ts` and listed here by name only.
 */
export const IMPORT_FORMATS: readonly ImportFormat[] = [
  coinbase,
  coinbaseRaw,
  kraken,
  gemini,
  robinhood,
  koinly,
  cointracker,
];

/** The exchanges lotwise imports (`coinbase`, `kraken`, …): the account families other than `any`. */
export const EXCHANGE_FAMILIES: ReadonlySet<string> = new Set(
  IMPORT_FORMATS.map((f) => f.family).filter((f) => f !== "any"),
);

/** `--format` values: the formats above, `ledger` and `auto`. */
export const FORMAT_NAMES = [...IMPORT_FORMATS.map((f) => f.name), "ledger"] as const;

export const formatByName = (name: string): ImportFormat | undefined =>
  IMPORT_FORMATS.find((f) => f.name === name.toLowerCase());

/** What `--format NAME` reads: that format and its variants (`coinbase` → both Coinbase reports). */
export const formatsNamed = (name: string): ImportFormat[] =>
  IMPORT_FORMATS.filter((f) => f.name === name.toLowerCase() || f.variantOf === name.toLowerCase());

/**
 * Exports lotwise recognizes but does not import: `lotwise import` names them instead of
 * "unknown format", and other readers' hints say so (`src/formats/detect.ts`).
 */
export const UNSUPPORTED_EXPORTS: readonly {
  looksLike: string;
  isHeader: (cells: readonly string[]) => boolean;
  /** What to do instead. */
  advice: string;
}[] = [
  {
    looksLike: "a Binance transaction history export",
    isHeader: (cells) => hasColumns(cells, ["UTC_Time", "Operation", "Coin", "Change"]),
    advice:
      "lotwise import does not read Binance exports yet: write its rows as ledger CSV v1 (docs/ledger-csv.md) and use `lotwise ledger import FILE --name NAME`",
  },
  {
    // Spot trade history: Date(UTC),Pair,Side,Price,Executed,Amount,Fee.
    looksLike: "a Binance trade history export",
    isHeader: (cells) => hasColumns(cells, ["Date(UTC)", "Pair", "Side", "Executed"]),
    advice:
      "lotwise import does not read Binance exports yet: write its rows as ledger CSV v1 (docs/ledger-csv.md) and use `lotwise ledger import FILE --name NAME`",
  },
];

/** The import format (or recognized but unsupported export) whose header `cells` is, in registry order. */
export const detectExport = (
  cells: readonly string[],
):
  | { format: ImportFormat; unsupported?: undefined }
  | { format?: undefined; unsupported: (typeof UNSUPPORTED_EXPORTS)[number] }
  | undefined => {
  const format = IMPORT_FORMATS.find((f) => f.isHeader(cells));
  if (format) return { format };
  const unsupported = UNSUPPORTED_EXPORTS.find((u) => u.isHeader(cells));
  return unsupported ? { unsupported } : undefined;
};
