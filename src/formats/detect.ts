/**
 * Recognizes a CSV header that clearly belongs to another format than the one a command reads,
 * so the error says what the file is and which command takes it instead of "unknown column".
 * A format matches when every one of its signature columns is in the header (compared
 * case-insensitively, spaces and punctuation ignored).
 */

export type OtherFormat = {
  /** What the file is, e.g. "a Kraken ledgers export". */
  what: string;
  /** The command that reads it (FILE stands for the file). */
  command: string;
  /** Which reader this is (a reader never redirects to itself). */
  kind: "ledger" | "prices" | "forms" | "exchange";
};

const EXCHANGE_IMPORT = "lotwise import FILE --account NAME";

/** Signature columns per format, most specific first. */
const FORMATS: readonly (OtherFormat & { columns: readonly string[] })[] = [
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
  {
    what: "a Coinbase transaction history export",
    command: EXCHANGE_IMPORT,
    kind: "exchange",
    columns: ["Timestamp", "Transaction Type", "Asset", "Quantity Transacted"],
  },
  {
    what: "a Kraken ledgers export",
    command: EXCHANGE_IMPORT,
    kind: "exchange",
    columns: ["txid", "refid", "time", "type", "asset", "amount", "fee", "balance"],
  },
  {
    what: "a Binance transaction history export",
    command: EXCHANGE_IMPORT,
    kind: "exchange",
    columns: ["UTC_Time", "Operation", "Coin", "Change"],
  },
  {
    what: "a Koinly universal CSV",
    command: EXCHANGE_IMPORT,
    kind: "exchange",
    columns: ["Date", "Sent Amount", "Sent Currency", "Received Amount", "Received Currency"],
  },
  {
    what: "a CoinTracker CSV",
    command: EXCHANGE_IMPORT,
    kind: "exchange",
    columns: ["Date", "Received Quantity", "Received Currency", "Sent Quantity", "Sent Currency"],
  },
];

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** The other format `header` clearly is, when it is not `reader`'s own. */
export const detectOtherFormat = (
  header: readonly string[],
  reader: OtherFormat["kind"],
): OtherFormat | undefined => {
  const have = new Set(header.map(norm));
  for (const f of FORMATS) {
    if (f.kind === reader) continue;
    if (f.columns.every((c) => have.has(norm(c)))) return { what: f.what, command: f.command, kind: f.kind };
  }
  return undefined;
};

/** "this looks like X, not Y; use `CMD`". */
export const otherFormatMessage = (f: OtherFormat, expected: string, file: string): string =>
  `this looks like ${f.what}, not ${expected}; use \`${f.command.replaceAll("FILE", file)}\``;
