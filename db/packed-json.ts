import { deflateSync, inflateSync } from "node:zlib";

/**
 * Node answers as stored in `raw_records.data` (`bytea`, migration 0011): the answer's JSON text
 * as UTF-8 bytes, or — for texts of `PACK_MIN_BYTES` and more — those bytes compressed in the
 * zlib format (RFC 1950: deflate with a 2-byte header and an Adler-32 check). Either form decodes
 * to the same JSON text, so a raw record stays the node's answer exactly as it was stored before.
 *
 * The two forms are told apart by the first byte: a zlib stream with a 32 kB window starts with
 * 0x78 (`x`), and JSON text never does (it starts with whitespace, `{`, `[`, `"`, a digit, `-`,
 * `t`, `f` or `n`). Rows stored as text before 0011 were converted to their UTF-8 bytes.
 *
 * Why compress: a Solana `getTransaction` answer is 10–60 kB of JSON that PGlite (WebAssembly, on
 * the caller's thread) would otherwise take in, check as UTF-8 and compress again itself (pglz,
 * TOAST) at several times the cost of zlib; compressed (about 5× smaller) and sent by binary COPY
 * it costs a fraction of that. Small answers (EVM logs, receipts) stay plain: they are stored
 * inline by PostgreSQL anyway and a zlib stream per record would cost more than it saves.
 */

/**
 * JSON texts of at least this many UTF-16 code units are compressed. PostgreSQL moves a row out of
 * line (and compresses it with pglz) past about 2 kB (TOAST_TUPLE_THRESHOLD, 2032 bytes).
 */
export const PACK_MIN_CHARS = 2000;
/** zlib level: 1 (fastest) compresses these answers about 5× at roughly 170 MB/s. */
export const PACK_LEVEL = 1;
/** First byte of every zlib stream lotwise writes (CMF: deflate, 32 kB window). */
const ZLIB_CMF = 0x78;

/** The stored bytes of a JSON text: UTF-8, zlib-compressed when long (see `PACK_MIN_CHARS`). */
export const packJsonText = (text: string): Buffer =>
  text.length >= PACK_MIN_CHARS ? deflateSync(text, { level: PACK_LEVEL }) : Buffer.from(text, "utf8");

/**
 * `packJsonText` of the text whose UTF-8 bytes are `bytes` (e.g. a node's answer cut from the HTTP
 * body), without decoding them: the same bytes out. Whether to compress is decided on the text's
 * length in UTF-16 code units, as `packJsonText` does: a code unit takes 1 to 3 UTF-8 bytes, so
 * only texts of 2,000 to 5,999 bytes are decoded to count them. Plain bytes are copied (a slice
 * of a large body must not keep the whole body alive).
 */
export const packJsonBytes = (bytes: Uint8Array): Uint8Array => {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const long =
    b.byteLength >= 3 * PACK_MIN_CHARS ||
    (b.byteLength >= PACK_MIN_CHARS && b.toString("utf8").length >= PACK_MIN_CHARS);
  return long ? deflateSync(b, { level: PACK_LEVEL }) : Buffer.from(b);
};

/** The stored bytes of a JSON value (`undefined` is stored as JSON `null`). */
export const packJson = (value: unknown): Buffer => packJsonText(JSON.stringify(value) ?? "null");

/** The JSON text of stored bytes (either form). */
export const unpackJsonText = (bytes: Uint8Array): string => {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (b[0] === ZLIB_CMF ? inflateSync(b) : b).toString("utf8");
};

/** The JSON value of stored bytes (either form). */
export const unpackJson = (bytes: Uint8Array): unknown => JSON.parse(unpackJsonText(bytes));

/**
 * SQL reading stored bytes in column `column` (trusted SQL) as one text cell for
 * `unpackJsonCell`: a plain answer as its JSON text (no more output than the text column gave),
 * a compressed one as `z` and its hex (`z` never starts JSON text).
 */
export const packedJsonSql = (column: string): string =>
  `case when get_byte(${column}, 0) = ${ZLIB_CMF} then 'z' || encode(${column}, 'hex') else convert_from(${column}, 'UTF8') end`;

/** The JSON value of a cell selected with `packedJsonSql`. */
export const unpackJsonCell = (cell: string): unknown =>
  cell.charCodeAt(0) === 0x7a ? unpackJson(Buffer.from(cell.slice(1), "hex")) : JSON.parse(cell);

/**
 * The JSON value of a stored `bytea` as read in SQL text form: `encode(col, 'hex')` (plain hex) or
 * PostgreSQL's own bytea output (`\x` then hex).
 */
export const unpackJsonHex = (hex: string): unknown =>
  unpackJson(Buffer.from(hex.startsWith("\\x") ? hex.slice(2) : hex, "hex"));
