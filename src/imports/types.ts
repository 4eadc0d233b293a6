/**
 * Exchange and tax-tool exports, read into one shape (`ImportRecord`) before storage. Each format
 * lives in `src/imports/<format>/` and is listed in `registry.ts`.
 */

/** A quantity of one asset, as a plain decimal string (never a float). Asset ids are ledger ids (`ETH`, `USD`). */
export type Amount = { asset: string; quantity: string };

/**
 * What a row did to the account:
 * - `buy` / `sell`: an asset bought or sold for USD (`out`/`in` holds the USD side);
 * - `trade`: one asset exchanged for another (Convert, crypto-to-crypto);
 * - `income`: an asset received as income (staking, rewards, interest, airdrops);
 * - `spend`: an asset paid away for goods or services;
 * - `fee`: a fee alone;
 * - `withdrawal` / `deposit`: an asset left for (or came from) a blockchain address: the matcher
 *   pairs it with the other side in one of the user's wallets;
 * - `fiat_deposit` / `fiat_withdrawal`: USD in or out of the account (kept, no ledger effect: USD is cash);
 * - `review`: a balance change lotwise does not book (a margin position's profit or loss, a lone
 *   balance adjustment or credit): kept with the exchange's numbers, no ledger row, and its
 *   `review` item listed until the user closes it (`lotwise review set <id> --as ignore`).
 */
export type ImportKind =
  | "buy"
  | "sell"
  | "trade"
  | "income"
  | "spend"
  | "fee"
  | "withdrawal"
  | "deposit"
  | "fiat_deposit"
  | "fiat_withdrawal"
  | "review";

export type ImportRecord = {
  /** Physical line in the file (1-based; preamble and header count), for `FILE:LINE`. */
  line: number;
  /**
   * The exchange's own id for the row, or for rows without one `row-<digest of its cells>`: a
   * later import replaces stored rows by id; digest rows are replaced for the file's time span.
   */
  id: string;
  time: Date;
  kind: ImportKind;
  /** What left the account (USD for a buy). */
  out?: Amount | undefined;
  /** What entered the account (USD for a sell). */
  in?: Amount | undefined;
  /** A fee the account paid. */
  fee?: Amount | undefined;
  /** USD value of the exchange before fees, from the file (the FMV source when present). */
  usdValue?: string | undefined;
  /** USD value of `fee`, from the file. */
  feeUsd?: string | undefined;
  /** On-chain transaction hash of a deposit or withdrawal, when the export gives it. */
  txHash?: string | undefined;
  /** The blockchain address on the other side (withdrawal destination, deposit source). */
  address?: string | undefined;
  /** A free label (`staking`, `convert`, `advanced_trade`, `reward`, …). */
  subtype?: string | undefined;
  note?: string | undefined;
  /**
   * A review item the row raises (reason and message with the exchange's numbers): always for a
   * `review` row, and for a row read in a way the user should check (a Kraken adjustment read as a
   * conversion). Closed by a decision on the row (`lotwise review set … --as ignore`).
   */
  review?: { reason: string; message: string } | undefined;
};

/** A CSV file with its header found: the header line's cells and each following record. */
export type CsvTable = {
  /** The file name as the user wrote it (for `FILE:LINE`). */
  file: string;
  header: string[];
  headerLine: number;
  rows: { line: number; cells: string[] }[];
};

/** One supported format. */
export type ImportFormat = {
  /** `--format` name. */
  name: string;
  /** Human name, e.g. `Coinbase transaction history CSV`. */
  label: string;
  /**
   * What the file is, for the hints other readers give (`this looks like a Kraken ledgers export,
   * not a ledger CSV v1 file; use lotwise import …`, `src/formats/detect.ts`).
   */
  looksLike: string;
  /**
   * The account family a file of this format belongs to: an exchange (`coinbase`) or `any` for
   * tool formats (Koinly, CoinTracker, ledger CSV), which may hold any account's history.
   */
  family: string;
  /**
   * Another export of the same exchange that `--format <variantOf>` also reads (Coinbase's raw
   * transaction report is a variant of `coinbase`). One account holds one variant: the same
   * activity in two reports, under two id schemes, would count twice.
   */
  variantOf?: string | undefined;
  /** Whether `cells` (one line, trimmed) is this format's header. */
  isHeader: (cells: readonly string[]) => boolean;
  /**
   * For a line that is not quite this format's header: why not, when it is close (every column
   * present but others too, for a format that allows none), else undefined. Shown as a hint.
   */
  nearMiss?: (cells: readonly string[]) => string | undefined;
  /** Reads the rows. @throws UserInputError `FILE:LINE: column: problem` on the first bad row. */
  parse: (table: CsvTable) => ImportRecord[];
};
