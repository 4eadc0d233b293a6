import { brotliCompressSync, brotliDecompressSync, constants, inflateSync } from "node:zlib";

/**
 * Node answers as stored in `raw_records.data` (`bytea`, migration 0011): the answer's JSON text
 * as UTF-8 bytes, or — for texts of `PACK_MIN_CHARS` and more — those bytes compressed. Every
 * form decodes to the same JSON text, so a raw record stays the node's answer exactly as it was
 * stored before.
 *
 * The forms are told apart by the first byte, which JSON text never has (it starts with
 * whitespace, `{`, `[`, `"`, a digit, `-`, `t`, `f` or `n`):
 * - `b` (0x62, `BROTLI_MARK`), then the bytes compressed by Brotli (RFC 7932) at quality
 *   `PACK_QUALITY`: what lotwise writes now;
 * - 0x78 (`x`): a zlib stream (RFC 1950, deflate with a 32 kB window), what lotwise wrote before
 *   (still read: rows are never rewritten);
 * - `@` (0x40): a reference to the answer's bytes in a blob of many answers (db/raw-blobs.ts,
 *   migration 0017), which `packedCellReader` there reads;
 * - anything else: the plain UTF-8 text. Rows stored as text before 0011 were converted to it.
 *
 * Why compress: a Solana `getTransaction` answer is 10–60 kB of JSON that PGlite (WebAssembly, on
 * the caller's thread) would otherwise take in, check as UTF-8 and store at full size (the column
 * is `STORAGE EXTERNAL`: no pglz); compressed (about 5× smaller) and sent by binary COPY it costs
 * a fraction of that. Small answers (EVM logs, receipts) stay plain: they are stored inline by
 * PostgreSQL anyway and a compressed stream per record would cost more than it saves.
 *
 * Why Brotli at quality 1: on the Solana bench's answers (31 kB on average) it compresses as well
 * as zlib level 1 did (5.40× against 5.42×) in about 60% of its CPU time (0.30 s against 0.51 s
 * for 5,011 answers, 155 MB), and decompresses as fast.
 */

/**
 * JSON texts of at least this many UTF-16 code units are compressed. PostgreSQL moves a row out of
 * line past about 2 kB (TOAST_TUPLE_THRESHOLD, 2032 bytes).
 */
export const PACK_MIN_CHARS = 2000;
/** Brotli quality (0–11): 1 compresses these answers about 5× at roughly 500 MB/s. */
export const PACK_QUALITY = 1;
/** First byte of a Brotli-compressed record (`b`); the Brotli stream follows. */
export const BROTLI_MARK = 0x62;
/** First byte of every zlib stream lotwise wrote before Brotli (CMF: deflate, 32 kB window). */
const ZLIB_CMF = 0x78;

/**
 * The stored form of `utf8`, a long JSON text's UTF-8 bytes (or several texts one after another,
 * db/raw-blobs.ts): `BROTLI_MARK` and the Brotli stream. The bytes own their whole ArrayBuffer
 * (never a slice of Node's shared pool), so they can be transferred to another thread.
 */
export const brotliPack = (utf8: Uint8Array): Buffer => {
  const stream = brotliCompressSync(utf8, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: PACK_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: utf8.byteLength,
    },
  });
  const out = Buffer.allocUnsafeSlow(1 + stream.byteLength);
  out[0] = BROTLI_MARK;
  stream.copy(out, 1);
  return out;
};

/** The stored bytes of a JSON text: UTF-8, compressed when long (see `PACK_MIN_CHARS`). */
export const packJsonText = (text: string): Buffer =>
  text.length >= PACK_MIN_CHARS ? brotliPack(Buffer.from(text, "utf8")) : Buffer.from(text, "utf8");

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
  return long ? brotliPack(b) : Buffer.from(b);
};

/** The stored bytes of a JSON value (`undefined` is stored as JSON `null`). */
export const packJson = (value: unknown): Buffer => packJsonText(JSON.stringify(value) ?? "null");

/** First byte of a reference to a part of a blob (`@`, db/raw-blobs.ts), which only it reads. */
export const REF_MARK = 0x40;
const referenceError = () =>
  new Error("raw record: a reference to a part of a blob; read it with db/raw-blobs.ts packedCellReader");

/**
 * The JSON text of stored bytes (any form but a reference to a blob).
 * @throws Error for a reference (db/raw-blobs.ts reads those).
 */
export const unpackJsonText = (bytes: Uint8Array): string => {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b[0] === REF_MARK) throw referenceError();
  const text =
    b[0] === BROTLI_MARK ? brotliDecompressSync(b.subarray(1)) : b[0] === ZLIB_CMF ? inflateSync(b) : b;
  return text.toString("utf8");
};

/** The JSON value of stored bytes (any form). */
export const unpackJson = (bytes: Uint8Array): unknown => JSON.parse(unpackJsonText(bytes));

/**
 * SQL reading stored bytes in column `column` (trusted SQL) as one text cell for
 * `unpackJsonCell`: a plain answer as its JSON text (no more output than the text column gave),
 * a compressed one (either codec) as `z` and its hex (`z` never starts JSON text), a reference to
 * a part of a blob as its text (`@…`, for db/raw-blobs.ts `packedCellReader`).
 */
export const packedJsonSql = (column: string): string =>
  `case when get_byte(${column}, 0) in (${BROTLI_MARK}, ${ZLIB_CMF}) then 'z' || encode(${column}, 'hex') else convert_from(${column}, 'UTF8') end`;

/**
 * The JSON value of a cell selected with `packedJsonSql`. A reference to a part of a blob (`@…`)
 * needs its blob: db/raw-blobs.ts `packedCellReader` reads every form.
 * @throws Error for a reference.
 */
export const unpackJsonCell = (cell: string): unknown => {
  const first = cell.charCodeAt(0);
  if (first === REF_MARK) throw referenceError();
  return first === 0x7a ? unpackJson(Buffer.from(cell.slice(1), "hex")) : JSON.parse(cell);
};

/**
 * The JSON value of a stored `bytea` as read in SQL text form: `encode(col, 'hex')` (plain hex) or
 * PostgreSQL's own bytea output (`\x` then hex).
 */
export const unpackJsonHex = (hex: string): unknown =>
  unpackJson(Buffer.from(hex.startsWith("\\x") ? hex.slice(2) : hex, "hex"));
