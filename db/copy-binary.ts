import type { DbOrTx } from "./client.ts";
import { clientOf, copyPg, isPglite, pgRunner } from "./copy.ts";

/**
 * `COPY … FROM … WITH (FORMAT binary)` for rows holding bytes (`bytea`): the bytes go in as they
 * are, where the text format would double them as hex, and the server parses no text for them.
 * PGlite reads the rows from a Blob, PostgreSQL from the wire (db/copy.ts's copy sub-protocol).
 *
 * Cells in PostgreSQL's binary send format: `text` UTF-8, `integer` 4 bytes big-endian, `numeric`
 * an integer (bigint, safe number or decimal string without fraction) in base-10000 digits,
 * `bytea` the bytes. `null`/`undefined` is SQL NULL.
 */
export type BinaryColumns = Readonly<Record<string, "text" | "integer" | "numeric" | "bytea">>;

/** Bytes per COPY statement on PGlite (one Blob each) and per batch handed to `pg`. */
const PIECE_BYTES = 32 << 20;

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** Signature, flags (0), header extension length (0). */
const HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);
const NUMERIC_NEG = 0x4000;

/** An integer as numeric's binary form: ndigits, weight, sign, dscale, base-10000 digits. */
const numericCell = (v: unknown): Buffer => {
  const text = String(v);
  if (!/^-?\d+$/.test(text)) throw new Error(`binary COPY: numeric cell is not an integer: ${text}`);
  const negative = text.startsWith("-");
  const digits = (negative ? text.slice(1) : text).replace(/^0+/, "");
  const groups: number[] = [];
  for (let end = digits.length; end > 0; end -= 4)
    groups.unshift(Number(digits.slice(Math.max(0, end - 4), end)));
  const b = Buffer.alloc(8 + 2 * groups.length);
  b.writeInt16BE(groups.length, 0);
  b.writeInt16BE(groups.length === 0 ? 0 : groups.length - 1, 2);
  b.writeUInt16BE(negative && groups.length > 0 ? NUMERIC_NEG : 0, 4);
  b.writeUInt16BE(0, 6);
  for (let i = 0; i < groups.length; i++) b.writeInt16BE(groups[i]!, 8 + 2 * i);
  return b;
};

const cellBytes = (v: unknown, type: BinaryColumns[string]): Uint8Array | undefined => {
  if (v === null || v === undefined) return undefined;
  switch (type) {
    case "text":
      return Buffer.from(String(v), "utf8");
    case "integer": {
      const b = Buffer.alloc(4);
      b.writeInt32BE(Number(v), 0);
      return b;
    }
    case "numeric":
      return numericCell(v);
    case "bytea":
      if (!(v instanceof Uint8Array)) throw new Error("binary COPY: bytea cell is not a Uint8Array");
      return v;
  }
};

/** `rows` as binary COPY data, pieces of about `PIECE_BYTES` (header first, trailer last). */
function* binaryPieces(
  names: readonly string[],
  types: readonly BinaryColumns[string][],
  rows: Iterable<Record<string, unknown>>,
): Generator<Buffer> {
  let parts: Uint8Array[] = [HEADER];
  let size = HEADER.length;
  for (const r of rows) {
    const head = Buffer.alloc(2);
    head.writeInt16BE(names.length, 0);
    parts.push(head);
    size += 2;
    for (let c = 0; c < names.length; c++) {
      const cell = cellBytes(r[names[c]!], types[c]!);
      const len = Buffer.alloc(4);
      len.writeInt32BE(cell ? cell.byteLength : -1, 0);
      parts.push(len);
      size += 4;
      if (cell) {
        parts.push(cell);
        size += cell.byteLength;
      }
    }
    if (size >= PIECE_BYTES) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  parts.push(TRAILER);
  yield Buffer.concat(parts, size + TRAILER.length);
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
