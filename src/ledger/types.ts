/**
 * Ledger CSV v1 (../shared/spec/ledger-csv.md): the reconciled ledger that the tax engine reads.
 * These types are the contract shared by the ledger writer (export), the reader and the engine.
 */

/** Row types of ledger CSV v1. */
export const LEDGER_ROW_TYPES = [
  "buy",
  "sell",
  "swap",
  "income",
  "spend",
  "gift",
  "transfer",
  "fee",
] as const;
export type LedgerRowType = (typeof LEDGER_ROW_TYPES)[number];

/**
 * The columns of ledger CSV v1 in the order the writer emits them. The reader accepts them in any
 * order and any subset (absent columns are empty cells), rejects other names, and ignores names
 * starting with `x_`.
 */
export const LEDGER_COLUMNS = [
  "id",
  "time",
  "type",
  "wallet",
  "out_asset",
  "out_quantity",
  "in_asset",
  "in_quantity",
  "usd_value",
  "fee_asset",
  "fee_quantity",
  "fee_usd",
  "to_wallet",
  "lots",
  "subtype",
  "tx",
  "note",
] as const;
export type LedgerColumn = (typeof LEDGER_COLUMNS)[number];

/** `USD` is cash: it never forms lots and never leaves a pool. Any other asset string is a digital asset. */
export const USD = "USD";

/**
 * One ledger row. Every value is the cell's text; an absent (empty) cell is `undefined`.
 * Quantities and USD amounts are plain non-negative decimal strings (`"0.5"`, `"1234.50"`), never
 * numbers, so nothing is lost to binary floating point.
 *
 * @dev Field names are the CSV column names in camelCase (`out_quantity` → `outQuantity`).
 */
export type LedgerRow = {
  /** Unique row id; an acquisition's id becomes its lot id. */
  id: string;
  /** ISO 8601 instant with `Z` or an offset, e.g. `2025-03-04T15:20:00Z`. */
  time: string;
  type: LedgerRowType;
  /** The wallet or account the row happens in, e.g. `ethereum:0xab12…`, `coinbase:main`. */
  wallet: string;
  /** What leaves `wallet` (sell, swap, spend, gift, transfer). */
  outAsset?: string | undefined;
  outQuantity?: string | undefined;
  /** What enters `wallet` (buy, swap, income). */
  inAsset?: string | undefined;
  inQuantity?: string | undefined;
  /** USD fair market value of the exchange before fees (buy, sell, swap, income, spend). */
  usdValue?: string | undefined;
  /** A fee paid in `feeAsset` (`USD` or a digital asset) worth `feeUsd`. */
  feeAsset?: string | undefined;
  feeQuantity?: string | undefined;
  feeUsd?: string | undefined;
  /** Destination wallet of a transfer, owned by the same taxpayer. */
  toWallet?: string | undefined;
  /** Specific identification on a disposal: `lotid:qty;lotid:qty`. */
  lots?: string | undefined;
  /** Free label, e.g. `staking`, `airdrop`. */
  subtype?: string | undefined;
  /** Transaction hash(es) or signature(s), `;`-separated. */
  tx?: string | undefined;
  note?: string | undefined;
  /** Ignored `x_…` columns, kept by the writer (keys include the `x_` prefix). */
  extra?: Readonly<Record<string, string>> | undefined;
  /**
   * Where the row came from: the 1-based physical line in the ledger file (not a column). The
   * engine uses it in error messages (`FILE:LINE: column: what is wrong`).
   */
  line?: number | undefined;
};

/** The `LedgerRow` field behind each column. */
export const FIELD_OF_COLUMN: Readonly<Record<LedgerColumn, keyof LedgerRow>> = {
  id: "id",
  time: "time",
  type: "type",
  wallet: "wallet",
  out_asset: "outAsset",
  out_quantity: "outQuantity",
  in_asset: "inAsset",
  in_quantity: "inQuantity",
  usd_value: "usdValue",
  fee_asset: "feeAsset",
  fee_quantity: "feeQuantity",
  fee_usd: "feeUsd",
  to_wallet: "toWallet",
  lots: "lots",
  subtype: "subtype",
  tx: "tx",
  note: "note",
};

/** One entry of a `lots` cell: take `quantity` (a plain decimal) from lot `lotId`. */
export type LotSelection = { lotId: string; quantity: string };
