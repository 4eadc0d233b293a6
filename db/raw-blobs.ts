import { randomUUID } from "node:crypto";
import { brotliDecompressSync } from "node:zlib";
import type { DbOrTx } from "./client.ts";
import { selectCells, sqlLiteral } from "./copy.ts";
import { BROTLI_MARK, brotliPack, REF_MARK, unpackJsonCell } from "./packed-json.ts";

/**
 * Raw records stored together (`lotwise_sync.raw_blobs`, migration 0017): the JSON texts of many
 * answers (a Solana `getTransaction` batch) one after another, compressed once, in one row; each
 * answer's `raw_records.data` is then a reference to its bytes in that row instead of the bytes.
 *
 * Why: PGlite (WebAssembly, on the sync's thread) took a Solana answer's compressed bytes (about
 * 6 kB each, out of line in TOAST chunks) at about 0.1 ms apiece, the largest statement of the
 * Solana sync; a batch's answers compressed together are also smaller (they share programs,
 * accounts and log lines: 7.8× against 5.2× at the same Brotli quality on the 37 recorded mainnet
 * transactions) and cheaper to compress (415 against 302 MB/s).
 *
 * Forms:
 * - a blob (`raw_blobs.data`): `BROTLI_MARK` (`b`) then the Brotli stream (quality `PACK_QUALITY`)
 *   of the answers' UTF-8 JSON texts, concatenated with nothing between them;
 * - a reference (`raw_records.data`): `REF_MARK` (`@`, which JSON text never starts with, nor
 *   the other stored forms of db/packed-json.ts) then ASCII `<blob id>:<start>:<end>`, the answer's
 *   byte range in the blob's uncompressed bytes (start inclusive, end exclusive).
 *
 * `packedJsonSql` selects a reference as its text (`@…`); read such cells with
 * `packedCellReader`, which fetches each blob they name once. Blobs are append-only like raw
 * records: a blob whose records were already stored (another wallet's copy won) stays, unused.
 */

/** A batch's answers compressed together (`packBlob`), before it is stored. */
export type RawBlob = { bytes: Uint8Array };
/** One answer's bytes in a blob: UTF-8 byte offsets into its uncompressed bytes (end exclusive). */
export type BlobPart = { blob: RawBlob; start: number; end: number };

/**
 * The blob of `texts` (UTF-8 JSON texts) and where each ends in its uncompressed bytes. The bytes
 * own their whole ArrayBuffer (it can be transferred to another thread).
 */
export const packBlob = (texts: readonly Uint8Array[]): { blob: RawBlob; ends: number[] } => {
  const ends: number[] = [];
  let n = 0;
  for (const t of texts) {
    n += t.byteLength;
    ends.push(n);
  }
  const packed = brotliPack(Buffer.concat(texts, n));
  // A plain Uint8Array over the same (unpooled) memory: what a thread's structured clone gives too.
  return { blob: { bytes: new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength) }, ends };
};

/** The uncompressed bytes of a stored blob. */
export const unpackBlob = (bytes: Uint8Array): Buffer => {
  if (bytes[0] !== BROTLI_MARK) throw new Error("raw blob: unknown form");
  return brotliDecompressSync(bytes.subarray(1));
};

/** The JSON text of one answer in a blob (before it is stored). */
export const blobPartText = (part: BlobPart): string =>
  unpackBlob(part.blob.bytes).subarray(part.start, part.end).toString("utf8");

/** A new blob's id: random (no round trip to reserve one; writers never collide). */
export const newBlobId = (): string => randomUUID();

/** The stored reference (`raw_records.data`) to `start`…`end` of blob `id`. */
export const blobReference = (id: string, start: number, end: number): Buffer =>
  Buffer.from(`@${id}:${start}:${end}`, "latin1");

/** A reference cell as `packedJsonSql` selects it, parsed; undefined for any other cell. */
const referenceOf = (cell: string): { id: string; start: number; end: number } | undefined => {
  if (cell.charCodeAt(0) !== REF_MARK) return undefined;
  const [id, start, end] = cell.slice(1).split(":");
  if (!id || start === undefined || end === undefined) throw new Error(`raw record: bad reference ${cell}`);
  return { id, start: Number(start), end: Number(end) };
};

/** Blob ids per lookup query (values inlined). */
const BLOB_CHUNK = 200;

/** Reads one cell selected with `packedJsonSql` to its JSON value (`packedCellReader`). */
export type PackedCellReader = ((cell: string) => unknown) & {
  /** Blobs held decompressed right now: those with references not read yet (for tests). */
  openBlobs(): number;
};

/**
 * A reader of cells selected with `packedJsonSql` (db/packed-json.ts), `cells` being all of those
 * it will be asked for: fetches the blobs their references name (one query per 200 blobs) and then
 * reads any of those cells, in every stored form, to its JSON value.
 *
 * Memory: blobs are kept as stored (compressed, about 7× smaller) and each is decompressed when
 * its first reference is read, then dropped once all of its references among `cells` have been
 * read. Cells read in the order they were stored (a batch's answers together) so hold about one
 * decompressed blob (about 1.5 MB for 50 Solana answers) at a time, not every answer of the
 * wallet. A cell read more often than it is listed in `cells` decompresses its blob again.
 * @throws Error (from the reader) for a reference to a blob that is not stored.
 */
export const packedCellReader = async (
  db: DbOrTx,
  cells: Iterable<string | null | undefined>,
): Promise<PackedCellReader> => {
  /** References among `cells` not read yet, per blob id. */
  const unread = new Map<string, number>();
  for (const c of cells) {
    const ref = c == null ? undefined : referenceOf(c);
    if (ref) unread.set(ref.id, (unread.get(ref.id) ?? 0) + 1);
  }
  /** Stored (compressed) bytes per blob id. */
  const stored = new Map<string, Buffer>();
  const list = [...unread.keys()];
  for (let i = 0; i < list.length; i += BLOB_CHUNK) {
    const rows = await selectCells(
      db,
      `select id, encode(data, 'hex') from lotwise_sync.raw_blobs
        where id in (${list
          .slice(i, i + BLOB_CHUNK)
          .map(sqlLiteral)
          .join(", ")})`,
    );
    for (const [id, hex] of rows) if (id != null && hex != null) stored.set(id, Buffer.from(hex, "hex"));
  }
  /** Decompressed bytes of the blobs whose references are being read. */
  const open = new Map<string, Buffer>();
  const read = (cell: string): unknown => {
    const ref = referenceOf(cell);
    if (!ref) return unpackJsonCell(cell);
    let blob = open.get(ref.id);
    if (!blob) {
      const bytes = stored.get(ref.id);
      if (!bytes) throw new Error(`raw record: blob ${ref.id} is not stored`);
      blob = unpackBlob(bytes);
    }
    const left = (unread.get(ref.id) ?? 0) - 1;
    unread.set(ref.id, left);
    if (left > 0) open.set(ref.id, blob);
    else open.delete(ref.id);
    return JSON.parse(blob.subarray(ref.start, ref.end).toString("utf8"));
  };
  return Object.assign(read, { openBlobs: () => open.size });
};
