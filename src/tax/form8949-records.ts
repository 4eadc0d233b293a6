/**
 * The records that carry `form8949.csv` rows from the engine's thread to the thread that writes
 * them (src/tax/form8949-thread.ts). The engine's thread copies a row's parts into a chunk (a
 * slot of `CHUNK_BYTES` in memory both threads share: nothing is copied between them) in a
 * few stores; the writing thread turns them into the record's bytes (`encodeForm8949PartsRest`)
 * and writes the files. So the text of about 1.3 million rows (`lotwise gains --years` on a
 * 1,000,000-row ledger) is made on the second core, while the first runs the engine.
 *
 * A chunk is a sequence of records, each starting with its kind (one byte). Numbers are
 * little-endian, at any offset (`DataView`).
 *
 * - `OPEN` file u8, fd u32: the temporary file of output `file`, opened by the engine's thread;
 *   the writing thread writes the header and every row of it (and never closes it).
 * - `NAME` length u16, UTF-8 bytes: the next wallet or asset name (numbered from 0).
 * - `DATE` length u8, bytes: the next date text (`YYYY-MM-DD`, or anything shorter than 256 bytes).
 * - `PARTS` file u8, flags u8 (1: long; 2: units in 128 bits, else 64), scale u8, wallet u32,
 *   asset u32, date acquired u32, date sold u32, proceeds f64, cost basis f64, units u64 (low
 *   word) [u64 high word], disposal id length u8 + bytes, lot id length u8 + bytes: a row of
 *   `GainsSink.form8949Parts` whose ids are their own cells (plain ASCII, no quote or escape).
 * - `BYTES` file u8, length u32, bytes: a record the engine's thread encoded itself (any other row).
 * - `RESET` file u8: the file goes back to its header (the run starts over).
 */
import { encodeForm8949PartsRest, FORM_8949_HEADER, maxForm8949PartsBytes } from "./format.ts";

export const CHUNK_BYTES = 1 << 18;

export const OPEN = 1;
export const NAME = 2;
export const DATE = 3;
export const PARTS = 4;
export const BYTES = 5;
export const RESET = 6;

/** `PARTS` flags. */
export const LONG = 1;
export const UNITS_128 = 2;

/** 2^64 − 1 and 2^128 − 1: units a `PARTS` record carries in one or two words. */
const MAX_U64 = (1n << 64n) - 1n;
const MAX_U128 = (1n << 128n) - 1n;

/** Bytes of a `PARTS` record besides its ids: kind, file, flags, scale, 4 × u32, 2 × f64, 2 × u64, 2 lengths. */
const PARTS_FIXED = 4 + 16 + 16 + 16 + 2;

/** The header line's bytes (`OPEN` and `RESET` write it). */
export const HEADER_BYTES = Buffer.from(FORM_8949_HEADER, "utf8");

/**
 * Writes records into chunks on the engine's thread: `next` gives the chunk to fill (all of one
 * size, at least 1,024 bytes: a `PARTS` record takes up to 564), `send` gets each filled one (and
 * its used length), in order. The first chunk is taken at once. `isPlainAsset`: whether an asset's
 * cell is the asset itself (`isPlainAssetCell` of format.ts); `PARTS` rows need it.
 */
export const createRecordWriter = (
  next: () => Uint8Array,
  send: (chunk: Uint8Array, used: number) => void,
  isPlainAsset: (asset: string) => boolean,
) => {
  let bytes = next();
  let view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkBytes = bytes.length;
  let used = 0;

  const names = new Map<string, number>();
  /** Per name: its asset cell is the asset itself (`PARTS` rows need it). */
  const plain: boolean[] = [];
  const dates = new Map<string, number>();
  // The last wallet, asset and dates asked for: the rows of one disposal repeat them.
  let lastWallet: string | undefined;
  let lastWalletIndex = -1;
  let lastAsset: string | undefined;
  let lastAssetIndex = -1;
  let lastSold: string | undefined;
  let lastSoldIndex = -1;

  /** Sends the current chunk (when it holds anything) and starts another. */
  const flush = () => {
    if (used === 0) return;
    send(bytes, used);
    bytes = next();
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    used = 0;
  };
  const room = (n: number) => {
    if (used + n > chunkBytes) flush();
  };

  const nameIndex = (name: string): number => {
    let i = names.get(name);
    if (i === undefined) {
      const utf8 = Buffer.from(name, "utf8");
      if (utf8.length > 0xffff || 3 + utf8.length > chunkBytes) return -1;
      i = names.size;
      names.set(name, i);
      plain[i] = isPlainAsset(name);
      room(3 + utf8.length);
      bytes[used] = NAME;
      view.setUint16(used + 1, utf8.length, true);
      bytes.set(utf8, used + 3);
      used += 3 + utf8.length;
    }
    return i;
  };
  const dateIndex = (date: string): number => {
    let i = dates.get(date);
    if (i === undefined) {
      const utf8 = Buffer.from(date, "utf8");
      if (utf8.length > 0xff) return -1;
      i = dates.size;
      dates.set(date, i);
      room(2 + utf8.length);
      bytes[used] = DATE;
      bytes[used + 1] = utf8.length;
      bytes.set(utf8, used + 2);
      used += 2 + utf8.length;
    }
    return i;
  };

  /**
   * Copies `id` at `at` when it is its own CSV cell in one byte per character (ASCII, no comma,
   * quote or line break, at most 255 characters) and does not start as a formula would (= + - @
   * tab CR; a plain number such as `-1`, its own cell too, takes the general path as well).
   * @returns the position after it, or -1 (the row takes the general path).
   */
  const putId = (id: string, at: number): number => {
    const n = id.length;
    if (n > 0xff) return -1;
    if (n > 0) {
      const c = id.charCodeAt(0);
      // = + - @ \t \r: a formula-like cell gets a leading quote (`formatCsvCell`).
      if (c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13) return -1;
    }
    bytes[at++] = n;
    for (let i = 0; i < n; i++) {
      const c = id.charCodeAt(i);
      if (c >= 0x80 || c === 44 || c === 34 || c === 10 || c === 13) return -1;
      bytes[at++] = c;
    }
    return at;
  };

  return {
    /** Output `file`'s temporary file is `fd` (its header is written by the writing thread). */
    open: (file: number, fd: number) => {
      room(6);
      bytes[used] = OPEN;
      bytes[used + 1] = file;
      view.setUint32(used + 2, fd, true);
      used += 6;
    },
    /**
     * A row of `GainsSink.form8949Parts` (see there; `units` > 0).
     * @returns false (nothing of the row written) when it must take the general path: an id that
     * is not its own cell, an asset cell that is not the asset itself, units of 2^128 or more.
     */
    parts: (
      file: number,
      disposalId: string,
      lotId: string,
      wallet: string,
      asset: string,
      units: bigint,
      scale: number,
      dateAcquired: string,
      dateSold: string,
      proceeds: number,
      costBasis: number,
      long: boolean,
    ): boolean => {
      if (units > MAX_U128) return false;
      if (asset !== lastAsset) {
        const i = nameIndex(asset);
        if (i < 0) return false;
        lastAsset = asset;
        lastAssetIndex = i;
      }
      if (!plain[lastAssetIndex]) return false;
      if (wallet !== lastWallet) {
        const i = nameIndex(wallet);
        if (i < 0) return false;
        lastWallet = wallet;
        lastWalletIndex = i;
      }
      if (dateSold !== lastSold) {
        const i = dateIndex(dateSold);
        if (i < 0) return false;
        lastSold = dateSold;
        lastSoldIndex = i;
      }
      const acquired = dateAcquired === lastSold ? lastSoldIndex : dateIndex(dateAcquired);
      if (acquired < 0) return false;
      room(PARTS_FIXED + disposalId.length + lotId.length);
      const wide = units > MAX_U64;
      const at = used;
      bytes[at] = PARTS;
      bytes[at + 1] = file;
      bytes[at + 2] = (long ? LONG : 0) | (wide ? UNITS_128 : 0);
      bytes[at + 3] = scale;
      view.setUint32(at + 4, lastWalletIndex, true);
      view.setUint32(at + 8, lastAssetIndex, true);
      view.setUint32(at + 12, acquired, true);
      view.setUint32(at + 16, lastSoldIndex, true);
      view.setFloat64(at + 20, proceeds, true);
      view.setFloat64(at + 28, costBasis, true);
      // The low word: `setBigUint64` stores units modulo 2^64.
      view.setBigUint64(at + 36, units, true);
      let end = at + 44;
      if (wide) {
        view.setBigUint64(end, units >> 64n, true);
        end += 8;
      }
      end = putId(disposalId, end);
      if (end < 0) return false;
      end = putId(lotId, end);
      if (end < 0) return false;
      used = end;
      return true;
    },
    /** A record encoded by the caller: `source[start, end)`. */
    bytes: (file: number, source: Uint8Array, start: number, end: number) => {
      let n = end - start;
      while (n > 0) {
        // A record longer than a chunk goes in several `BYTES` pieces (written back to back).
        room(Math.min(n, chunkBytes - 6) + 6);
        const take = Math.min(n, chunkBytes - used - 6);
        bytes[used] = BYTES;
        bytes[used + 1] = file;
        view.setUint32(used + 2, take, true);
        bytes.set(source.subarray(start, start + take), used + 6);
        used += 6 + take;
        start += take;
        n -= take;
      }
    },
    reset: (file: number) => {
      room(2);
      bytes[used] = RESET;
      bytes[used + 1] = file;
      used += 2;
    },
    /** Sends what is written so far. */
    flush,
  };
};

export type RecordWriter = ReturnType<typeof createRecordWriter>;

/** An output file being written by a `RecordReader`: the next write goes at `position`. */
type ReaderFile = { fd: number; buf: Buffer; used: number; position: number };

/** Bytes buffered per file by a `RecordReader` before a write. */
const FILE_BUFFER_BYTES = 1 << 20;

/**
 * Turns records (`createRecordWriter`'s chunks, in order) into the files' bytes, on the writing
 * thread. `write` and `truncate` are `fs.writeSync` (at a position) and `fs.ftruncateSync`.
 */
export const createRecordReader = (io: {
  write: (fd: number, buf: Uint8Array, offset: number, length: number, position: number) => number;
  truncate: (fd: number, length: number) => void;
}) => {
  const files: ReaderFile[] = [];
  const names: string[] = [];
  const dates: string[] = [];
  /** The units of a `PARTS` record as 32-bit words (`putUnitsWords`), 64 or 128 bits. */
  const words2 = new Uint32Array(2);
  const words4 = new Uint32Array(4);

  const flush = (f: ReaderFile) => {
    let done = 0;
    while (done < f.used) {
      const n = io.write(f.fd, f.buf, done, f.used - done, f.position);
      done += n;
      f.position += n;
    }
    f.used = 0;
  };
  /** Appends `source[start, end)` to `f`. */
  const put = (f: ReaderFile, source: Uint8Array, start: number, end: number) => {
    const n = end - start;
    if (f.used + n > f.buf.length) flush(f);
    if (n > f.buf.length) {
      let done = 0;
      while (done < n) {
        const w = io.write(f.fd, source, start + done, n - done, f.position);
        done += w;
        f.position += w;
      }
      return;
    }
    f.buf.set(source.subarray(start, end), f.used);
    f.used += n;
  };

  const apply = (bytes: Uint8Array, used: number) => {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    while (at < used) {
      const kind = bytes[at];
      if (kind === PARTS) {
        const f = files[bytes[at + 1]!]!;
        const flags = bytes[at + 2]!;
        const scale = bytes[at + 3]!;
        const wallet = names[view.getUint32(at + 4, true)]!;
        const asset = names[view.getUint32(at + 8, true)]!;
        const dateAcquired = dates[view.getUint32(at + 12, true)]!;
        const dateSold = dates[view.getUint32(at + 16, true)]!;
        const proceeds = view.getFloat64(at + 20, true);
        const costBasis = view.getFloat64(at + 28, true);
        let next = at + 44;
        // The units' 32-bit words, least significant first.
        const w0 = view.getUint32(at + 36, true);
        const w1 = view.getUint32(at + 40, true);
        let units: number | Uint32Array;
        if ((flags & UNITS_128) !== 0) {
          units = words4;
          words4[0] = view.getUint32(at + 48, true);
          words4[1] = view.getUint32(at + 44, true);
          words4[2] = w1;
          words4[3] = w0;
          next += 8;
        } else if (w1 < 0x200000) {
          // Below 2^53 the units are exact as a number.
          units = w1 * 4294967296 + w0;
        } else {
          units = words2;
          words2[0] = w1;
          words2[1] = w0;
        }
        const idLength = bytes[next]!;
        const idStart = next + 1;
        const lotLength = bytes[idStart + idLength]!;
        const lotStart = idStart + idLength + 1;
        at = lotStart + lotLength;
        const room =
          idLength +
          lotLength +
          // 2^128 − 1 has 39 digits.
          maxForm8949PartsBytes("", "", wallet, asset, 39, scale);
        if (f.used + room > f.buf.length) {
          flush(f);
          if (room > f.buf.length) f.buf = Buffer.allocUnsafe(room);
        }
        const buf = f.buf;
        let pos = f.used;
        for (let i = idStart; i < idStart + idLength; i++) buf[pos++] = bytes[i]!;
        buf[pos++] = 44;
        for (let i = lotStart; i < lotStart + lotLength; i++) buf[pos++] = bytes[i]!;
        buf[pos++] = 44;
        f.used = encodeForm8949PartsRest(
          buf,
          pos,
          wallet,
          asset,
          units,
          scale,
          dateAcquired,
          dateSold,
          proceeds,
          costBasis,
          (flags & LONG) !== 0,
        );
      } else if (kind === BYTES) {
        const length = view.getUint32(at + 2, true);
        put(files[bytes[at + 1]!]!, bytes, at + 6, at + 6 + length);
        at += 6 + length;
      } else if (kind === NAME) {
        const length = view.getUint16(at + 1, true);
        names.push(text.toString("utf8", at + 3, at + 3 + length));
        at += 3 + length;
      } else if (kind === DATE) {
        const length = bytes[at + 1]!;
        dates.push(text.toString("utf8", at + 2, at + 2 + length));
        at += 2 + length;
      } else if (kind === OPEN) {
        const f: ReaderFile = {
          fd: view.getUint32(at + 2, true),
          buf: Buffer.allocUnsafe(FILE_BUFFER_BYTES),
          used: 0,
          position: 0,
        };
        files[bytes[at + 1]!] = f;
        put(f, HEADER_BYTES, 0, HEADER_BYTES.length);
        at += 6;
      } else if (kind === RESET) {
        const f = files[bytes[at + 1]!]!;
        f.used = 0;
        io.truncate(f.fd, 0);
        f.position = 0;
        put(f, HEADER_BYTES, 0, HEADER_BYTES.length);
        at += 2;
      } else throw new Error(`form8949 record of unknown kind ${kind} at ${at}`);
    }
  };
  return {
    /** Applies the records of `bytes[0, used)` (a chunk). */
    apply,
    /** Writes what the files buffer. */
    flush: () => {
      for (const f of files) if (f !== undefined) flush(f);
    },
  };
};

export type RecordReader = ReturnType<typeof createRecordReader>;
