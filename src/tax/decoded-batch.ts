/**
 * The rows a ledger reading thread (src/tax/parse-thread.ts) hands over: struct-of-arrays batches
 * that cross threads as transferred typed arrays, and the constants of their layout.
 */
import { LEDGER_ROW_TYPES, type LedgerRow, type LedgerRowType } from "../ledger/types.ts";

/** Row types by their code in `DecodedBatch.type`: the position in ledger CSV v1's list. */
export const ROW_TYPES: readonly LedgerRowType[] = LEDGER_ROW_TYPES;
export const TYPE_CODE = new Map<string, number>(ROW_TYPES.map((t, i) => [t, i]));

/** Name slots per row in `DecodedBatch.names`. */
export const NAME_SLOTS = 6;
export const NAME_WALLET = 0;
export const NAME_OUT = 1;
export const NAME_IN = 2;
export const NAME_FEE = 3;
export const NAME_TO = 4;
export const NAME_SUBTYPE = 5;
/** Amount slots per row (`AMOUNT_*` of decode-raw.ts: out, in, usd, fee, fee usd). */
export const AMOUNT_SLOTS = 5;
/** Digits in `DecodedBatch.low`: 10^15 is below 2^53, so 15 digits are exact in a double. */
export const LOW_DIGITS = 15;

/**
 * Rows read by the thread, in file order. Row `i`'s values sit at `i` (or `i * NAME_SLOTS + k`,
 * `i * AMOUNT_SLOTS + k`) of each array.
 */
export type DecodedBatch = {
  count: number;
  /** 1 when row `i` is the next entry of `general` (the general path), 0 when decoded here. */
  general: Uint8Array;
  line: Int32Array;
  /** The instant of `time`: ms since the epoch and the nanoseconds within that ms. */
  ms: Float64Array;
  ns: Int32Array;
  /** Index in `ROW_TYPES`. */
  type: Uint8Array;
  /** Indexes into the run's name list (see `newNames`); -1 for an empty cell. */
  names: Int32Array;
  /**
   * An amount's digits (the decimal point left out) as `high * 10^15 + low` when `wide` is 1,
   * else as `high`; exact (at most 15 digits each). 0 for an empty cell.
   */
  high: Float64Array;
  low: Float64Array;
  wide: Uint8Array;
  /** Fraction digits of each amount. */
  fraction: Uint8Array;
  /** The ids' ASCII bytes, row after row; row `i`'s id ends at `idEnd[i]`. */
  idBytes: Uint8Array;
  idEnd: Int32Array;
  /**
   * The thread's duplicate-id check of each row: the line where its id first appeared (negative
   * when that row creates a lot), 0 when it did not appear before.
   */
  earlier: Int32Array;
  /** Rows of the general path, in order. */
  rows: LedgerRow[];
  /**
   * For each row of `rows` with a `lots` cell: the lot ids it names that are lots of rows read up
   * to it (itself included), for the engine's error messages.
   */
  known: (string[] | undefined)[];
  /** Names first used in this batch: they continue the run's name list. */
  newNames: string[];
};

/**
 * What a reading thread found of the ids once it read the last row. The thread keeps the one
 * index of every id, so the engine's thread does not.
 */
export type ThreadIds = {
  /** The lot ids of `lots` cells that are lots of the ledger (the engine's error messages). */
  knownAtEnd: string[];
  /** The first `lots` cell entry (in file order) that names no lot of the ledger. */
  badReference: { line: number; lotId: string } | undefined;
};

/** Row `i`'s id (decoded rows only). */
export const decodedId = (b: DecodedBatch, i: number): string =>
  Buffer.from(b.idBytes.buffer, b.idBytes.byteOffset, b.idBytes.byteLength).toString(
    "latin1",
    i === 0 ? 0 : b.idEnd[i - 1]!,
    b.idEnd[i]!,
  );
