import type { DbOrTx } from "./client.ts";
import { clientOf, copyPg, isPglite, pgRunner } from "./copy.ts";

/**
 * `COPY … FROM … WITH (FORMAT binary)` for rows holding bytes (`bytea`): the bytes go in as they
 * are, where the text format would double them as hex, and the server parses no text for them.
 * PGlite reads the rows from a Blob, PostgreSQL from the wire (db/copy.ts's copy sub-protocol).
 *
 * Cells in PostgreSQL's binary send format: `text` UTF-8, `integer` 4 bytes big-endian, `numeric`
 * an integer (bigint, safe number or decimal string without fraction) in base-10000 digits,
 * `bytea` the bytes, `boolean` one byte, `timestamptz` (a `Date`) 8 bytes of microseconds since
 * 2000-01-01 UTC, `jsonb` version 1 and the value's JSON text (as the text format's cell, so both
 * store the same value). `null`/`undefined` is SQL NULL.
 */
export type BinaryColumns = Readonly<
  Record<string, "text" | "integer" | "numeric" | "bytea" | "boolean" | "timestamptz" | "jsonb">
>;

/** Bytes per COPY statement on PGlite (one Blob each) and per batch handed to `pg`. */
const PIECE_BYTES = 32 << 20;
/**
 * A `bytea` cell of this many bytes or more is handed over as its own piece, as it is, instead of
 * being copied into the piece being written (`PieceWriter.outside`).
 */
const OUTSIDE_BYTES = 1 << 16;

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** Signature, flags (0), header extension length (0). */
const HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);
const NUMERIC_NEG = 0x4000;
/** The first byte of a binary `jsonb` cell (its format version). */
const JSONB_VERSION = 1;
/** PostgreSQL's timestamp epoch (2000-01-01 UTC) in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;

/**
 * The COPY data being written: one buffer, grown by doubling, cells written into it in place (no
 * buffer per cell or row). A full piece is handed over as it is and the next starts in a new buffer.
 * Large bytes (`outside`) are not copied in: what was written before them and the bytes
 * themselves wait in `ready`, in order, for the caller to hand over before anything written after
 * them (e.g. a Solana sync's raw blobs, 4 MB a page: copied in, they grew the buffer to 8 MB by
 * doubling, about 25 MB of short-lived memory per statement).
 */
class PieceWriter {
  buf = Buffer.allocUnsafe(1 << 16);
  at = 0;
  ready: Uint8Array[] = [];
  /** Room for `n` more bytes. */
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
  int16(v: number): void {
    this.room(2);
    this.at = this.buf.writeInt16BE(v, this.at);
  }
  int32(v: number): void {
    this.room(4);
    this.at = this.buf.writeInt32BE(v, this.at);
  }
  int64(v: bigint): void {
    this.room(8);
    this.at = this.buf.writeBigInt64BE(v, this.at);
  }
  int8(v: number): void {
    this.room(1);
    this.at = this.buf.writeInt8(v, this.at);
  }
  bytes(b: Uint8Array): void {
    this.room(b.byteLength);
    this.buf.set(b, this.at);
    this.at += b.byteLength;
  }
  /** `b` handed over as it is (not copied), after what was written so far (`ready`). */
  outside(b: Uint8Array): void {
    if (this.at > 0) {
      this.ready.push(this.buf.subarray(0, this.at));
      this.buf = Buffer.allocUnsafe(1 << 16);
      this.at = 0;
    }
    this.ready.push(b);
  }
  /** A cell: its length (4 bytes), then `prefix` bytes (0 or 1: jsonb's version), then `text` as UTF-8. */
  textCell(text: string, prefix?: number): void {
    const extra = prefix === undefined ? 0 : 1;
    // At most 3 bytes per UTF-16 code unit.
    this.room(4 + extra + 3 * text.length);
    if (prefix !== undefined) this.buf[this.at + 4] = prefix;
    const n = this.buf.write(text, this.at + 4 + extra, "utf8");
    this.buf.writeInt32BE(n + extra, this.at);
    this.at += 4 + extra + n;
  }
  /** Hands over what was written, and starts a new buffer (unless it is the `last` piece). */
  take(last = false): Buffer {
    const out = this.buf.subarray(0, this.at);
    if (!last) this.buf = Buffer.allocUnsafe(Math.max(1 << 16, Math.min(out.length, PIECE_BYTES)));
    this.at = 0;
    return out;
  }
}

/** A cell holding an integer as numeric's binary form: ndigits, weight, sign, dscale, base-10000 digits. */
const numericCell = (w: PieceWriter, v: unknown): void => {
  const text = String(v);
  if (!/^-?\d+$/.test(text)) throw new Error(`binary COPY: numeric cell is not an integer: ${text}`);
  const negative = text.charCodeAt(0) === 45;
  let first = negative ? 1 : 0;
  while (first < text.length && text.charCodeAt(first) === 48) first++;
  const count = Math.ceil((text.length - first) / 4);
  w.int32(8 + 2 * count);
  w.int16(count);
  w.int16(count === 0 ? 0 : count - 1);
  w.int16(negative && count > 0 ? NUMERIC_NEG : 0);
  w.int16(0);
  // Base-10000 digits from the most significant: the first group takes the leftover digits.
  for (let end = text.length - 4 * (count - 1), start = first; start < text.length; start = end, end += 4) {
    let group = 0;
    for (let k = start; k < end; k++) group = group * 10 + (text.charCodeAt(k) - 48);
    w.int16(group);
  }
};

const writeCell = (w: PieceWriter, v: unknown, type: BinaryColumns[string]): void => {
  if (v === null || v === undefined) {
    w.int32(-1);
    return;
  }
  switch (type) {
    case "text":
      w.textCell(String(v));
      return;
    case "integer":
      w.int32(4);
      w.int32(Number(v));
      return;
    case "numeric":
      numericCell(w, v);
      return;
    case "jsonb":
      w.textCell(JSON.stringify(v), JSONB_VERSION);
      return;
    case "boolean":
      w.int32(1);
      w.int8(v ? 1 : 0);
      return;
    case "timestamptz": {
      if (!(v instanceof Date) || Number.isNaN(v.getTime()))
        throw new Error("binary COPY: timestamptz cell is not a valid Date");
      w.int32(8);
      // Whole milliseconds (a Date holds no finer time): exact in microseconds.
      w.int64(BigInt(v.getTime() - PG_EPOCH_MS) * 1000n);
      return;
    }
    case "bytea":
      if (!(v instanceof Uint8Array)) throw new Error("binary COPY: bytea cell is not a Uint8Array");
      w.int32(v.byteLength);
      if (v.byteLength >= OUTSIDE_BYTES) w.outside(v);
      else w.bytes(v);
      return;
  }
};

/**
 * `rows` as binary COPY data, pieces of about `PIECE_BYTES` (header first, trailer last) and large
 * `bytea` cells' bytes as they are (`PieceWriter.outside`), all in order.
 */
function* binaryPieces(
  names: readonly string[],
  types: readonly BinaryColumns[string][],
  rows: Iterable<Record<string, unknown>>,
): Generator<Uint8Array> {
  const w = new PieceWriter();
  w.bytes(HEADER);
  for (const r of rows) {
    w.int16(names.length);
    for (let c = 0; c < names.length; c++) writeCell(w, r[names[c]!], types[c]!);
    if (w.ready.length > 0) {
      yield* w.ready;
      w.ready = [];
    }
    if (w.at >= PIECE_BYTES) yield w.take();
  }
  w.bytes(TRAILER);
  yield w.take(true);
}

/**
 * Writes `rows` into `table` with binary COPY when the driver allows it.
 * @returns false (nothing written) when `db` is neither PGlite nor `pg`; the caller inserts instead.
 */
export const copyBinaryRows = async (
  db: DbOrTx,
  table: string,
  columns: BinaryColumns,
  rows: Iterable<Record<string, unknown>>,
): Promise<boolean> => {
  const client = clientOf(db);
  const names = Object.keys(columns);
  const types = names.map((n) => columns[n]!);
  const statement = (source: string) =>
    `copy ${table} (${names.map((n) => `"${n}"`).join(", ")}) from ${source} with (format binary)`;
  if (isPglite(client)) {
    // One statement: binary COPY data is one stream (header … trailer), here in one Blob.
    const pieces = [...binaryPieces(names, types, rows)];
    await client.query(statement("'/dev/blob'"), [], { blob: new Blob(pieces) });
    return true;
  }
  const onPg = pgRunner(client);
  if (!onPg) return false;
  await onPg((c) => copyPg(c, statement("stdin"), () => binaryPieces(names, types, rows)));
  return true;
};
