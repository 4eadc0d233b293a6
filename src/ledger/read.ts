/**
 * Streaming reader and validator of ledger CSV v1. Problems are `UserInputError`s (exit code 2)
 * whose lines read `FILE:LINE: column: what is wrong`; nothing is returned for a file with any
 * error. A header problem or a CSV syntax error stops the read at once; row problems are
 * collected and reported together (the first `MAX_LISTED_PROBLEMS`, then a count: `locatedProblems`).
 */
import { createReadStream } from "node:fs";
import { locatedProblems, UserInputError } from "../errors.ts";
import { detectFormat, detectOtherFormat, otherFormatMessage } from "../formats/detect.ts";
import { PREAMBLE_LINES } from "../imports/table.ts";
import { asBuffer, type Bytes } from "../utils/bytes.ts";
import { CsvSyntaxError, createCsvByteParser, createCsvParser } from "../utils/csv.ts";
import { FIELD_OF_COLUMN, LEDGER_COLUMNS, type LedgerColumn, type LedgerRow } from "./types.ts";
import { ALLOCATION_LOT_PREFIX, CREATES_LOT, checkLedgerRow, parseLotsCell } from "./validate.ts";

/** Columns every ledger must have (the others may be left out when no row uses them). */
const REQUIRED_COLUMNS: readonly LedgerColumn[] = ["id", "time", "type", "wallet"];

/** Bytes per read from disk. 1 MiB keeps the parser's per-chunk overhead negligible. */
const READ_CHUNK_BYTES = 1 << 20;

/**
 * Bytes of a read whose rows `readLedgerFileBatches` hands as a part of their batch when asked
 * to (`partBytes`): some 1,900 rows of a 135-byte ledger line, whose objects (1-2 MB) die in V8's
 * young generation once their consumer dropped them. A read's 7,700 rows (some 5 MB) were alive
 * at each scavenge made while they were parsed, and promoted: a 200,000-row re-import, which
 * keeps few of them, filled the old generation with 100-140 MB of them before a full collection.
 */
export const LEDGER_PART_BYTES = 256 << 10;

/** Four commas (0x2c), one per byte of a little-endian int32: `plain` finds four bytes' commas at once. */
const COMMAS = 0x2c2c2c2c;

/** The error every ledger problem becomes. */
export const ledgerError = (source: string, line: number, column: string, message: string): UserInputError =>
  new UserInputError(`${source}:${line}: ${column}: ${message}`, { located: true });

const emptyRow = (): LedgerRow => ({
  id: "",
  time: "",
  type: "buy",
  wallet: "",
  outAsset: undefined,
  outQuantity: undefined,
  inAsset: undefined,
  inQuantity: undefined,
  usdValue: undefined,
  feeAsset: undefined,
  feeQuantity: undefined,
  feeUsd: undefined,
  toWallet: undefined,
  lots: undefined,
  subtype: undefined,
  tx: undefined,
  note: undefined,
  extra: undefined,
  line: 0,
});

const clearRow = (r: LedgerRow, line: number): LedgerRow => {
  r.id = "";
  r.time = "";
  r.type = "" as LedgerRow["type"];
  r.wallet = "";
  r.outAsset = undefined;
  r.outQuantity = undefined;
  r.inAsset = undefined;
  r.inQuantity = undefined;
  r.usdValue = undefined;
  r.feeAsset = undefined;
  r.feeQuantity = undefined;
  r.feeUsd = undefined;
  r.toWallet = undefined;
  r.lots = undefined;
  r.subtype = undefined;
  r.tx = undefined;
  r.note = undefined;
  r.extra = undefined;
  r.line = line;
  return r;
};

/** Incremental row builder: feed CSV records, then `finish` for the cross-row checks. */
type LedgerCollector = {
  record: (cells: string[], line: number) => void;
  /** The byte fast path (see `RawLedgerRecord`); `false` sends the record through `record`. */
  plain: (buf: Buffer, start: number, end: number, line: number) => boolean;
  /** The buffer the next `plain` records are in (`CsvByteHandlers.buffer`). */
  buffer: (buf: Buffer) => void;
  finish: () => LedgerRow[];
  /** Row problems collected before a fatal error, so they are reported with it. */
  pending: () => readonly string[];
};

/**
 * A plain record (no quotes) as byte ranges, for consumers that decode cells themselves instead
 * of receiving a `LedgerRow` of strings. Valid only during the call; the arrays are reused.
 */
export type RawLedgerRecord = {
  buf: Bytes;
  /** A view of `buf`'s bytes (one per read chunk). */
  view: DataView<ArrayBufferLike>;
  /** Byte offsets where each cell starts and ends, in header order. */
  starts: Int32Array;
  ends: Int32Array;
  line: number;
  /** The `LedgerRow` field of each header column (`undefined` for an `x_` column). */
  fields: readonly (keyof LedgerRow | undefined)[];
};

/**
 * Handles a raw record; returns `false` to have it decoded into a `LedgerRow` and passed to
 * `onRow` instead (which is how invalid rows get their exact error message).
 */
export type RawRecordHandler = (raw: RawLedgerRecord) => boolean;

/**
 * Turns CSV records into `LedgerRow`s. With `onRow`, rows go to it unvalidated and are not kept
 * (the consumer validates, e.g. the engine's ledger builder); without, they are validated and
 * collected for `finish`.
 */
const createCollector = (
  source: string,
  onRow?: (row: LedgerRow) => void,
  onRaw?: RawRecordHandler,
  /** Validating collector: hands each valid row here instead of keeping it for `finish`. */
  onValid?: (row: LedgerRow) => void,
  /**
   * Validating collector: a `lots` cell naming a lot this file does not create is added here
   * instead of being an error (a file imported beside the stored ledger may name its lots).
   */
  external?: ExternalLotReference[],
): LedgerCollector => {
  const rows: LedgerRow[] = [];
  /** Ids of the valid rows that create a lot, and the valid rows with a `lots` cell (for `finish`). */
  const lotIds = new Set<string>();
  const lotsRows: { line: number; lots: string }[] = [];
  /** Row problems so far (validating collector only). */
  const errors: string[] = [];
  const fail = (line: number, column: string, message: string) =>
    errors.push(`${source}:${line}: ${column}: ${message}`);
  const firstLineOfId = new Map<string, number>();
  const shared = emptyRow();
  let fields: (keyof LedgerRow | undefined)[] | undefined;
  let extras: (string | undefined)[] = [];
  let width = 0;
  let hasExtras = false;
  let headerLine = 1;
  /**
   * A first record that is no ledger header and no known format's: its error waits while the next
   * records are read as an export's preamble lines (Coinbase puts its header on line 4), so a
   * file `lotwise import` reads is named as such (`detectOtherFormatIn` for the whole-file readers).
   */
  let preamble: { error: UserInputError; left: number } | undefined;

  const otherFormatError = (cells: string[], line: number) => {
    const other = detectOtherFormat(cells, "ledger");
    return other
      ? ledgerError(source, line, "header", otherFormatMessage(other, "a ledger CSV v1 file", source))
      : undefined;
  };

  const readPreamble = (cells: string[], line: number, pending: { error: UserInputError; left: number }) => {
    const other = otherFormatError(cells, line);
    if (other) throw other;
    if (--pending.left <= 0) throw pending.error;
  };

  const readHeader = (cells: string[], line: number) => {
    headerLine = line;
    const other = otherFormatError(cells, line);
    if (other) throw other;
    try {
      readColumns(cells, line);
    } catch (error) {
      if (!(error instanceof UserInputError) || detectFormat(cells) !== undefined) throw error;
      fields = undefined;
      preamble = { error, left: PREAMBLE_LINES - 1 };
    }
  };

  const readColumns = (cells: string[], line: number) => {
    const seen = new Set<string>();
    // Every problem of the header at once (a typo in two column names is two lines), as rows are.
    const problems: string[] = [];
    const problem = (column: string, message: string) =>
      problems.push(`${source}:${line}: ${column}: ${message}`);
    fields = [];
    extras = [];
    for (const raw of cells) {
      const name = raw.trim();
      if (seen.has(name)) {
        problem(name, "duplicate column");
        fields.push(undefined);
        extras.push(undefined);
        continue;
      }
      seen.add(name);
      if (name.startsWith("x_")) {
        fields.push(undefined);
        extras.push(name);
        hasExtras = true;
        continue;
      }
      if (!(LEDGER_COLUMNS as readonly string[]).includes(name)) {
        const hint = (LEDGER_COLUMNS as readonly string[]).includes(name.toLowerCase())
          ? " (column names are lowercase)"
          : " (columns starting with x_ are ignored)";
        problem(name === "" ? "(empty)" : name, `unknown column${hint}`);
        fields.push(undefined);
        extras.push(undefined);
        continue;
      }
      fields.push(FIELD_OF_COLUMN[name as LedgerColumn]);
      extras.push(undefined);
    }
    for (const c of REQUIRED_COLUMNS) {
      if (!seen.has(c)) problem(c, "missing column");
    }
    if (problems.length > 0) throw locatedProblems(problems);
    width = cells.length;
  };

  const record = (cells: string[], line: number) => {
    if (preamble !== undefined) return readPreamble(cells, line, preamble);
    if (fields === undefined) return readHeader(cells, line);
    if (cells.length !== width) {
      if (onRow) throw ledgerError(source, line, "row", `${cells.length} cells, but the header has ${width}`);
      return void fail(line, "row", `${cells.length} cells, but the header has ${width}`);
    }
    // Streaming hands out one reused object (its consumer copies what it keeps); otherwise a
    // fresh row. Every field exists on every row either way (one object shape).
    const row: LedgerRow = onRow ? clearRow(shared, line) : clearRow(emptyRow(), line);
    const target = row as Record<string, unknown>;
    let extra: Record<string, string> | undefined;
    for (let i = 0; i < width; i++) {
      const v = cells[i]!;
      const f = fields[i];
      if (f === undefined) {
        if (hasExtras && v !== "") {
          extra ??= {};
          extra[extras[i]!] = v;
        }
        continue;
      }
      if (v === "") continue;
      target[f] = v;
    }
    if (extra) row.extra = extra;
    if (onRow) return onRow(row);
    const problem = checkLedgerRow(row);
    if (problem) return void fail(line, problem.column, problem.message);
    const earlier = firstLineOfId.get(row.id);
    if (earlier !== undefined)
      return void fail(line, "id", `duplicate id "${row.id}" (first on line ${earlier})`);
    firstLineOfId.set(row.id, line);
    if (CREATES_LOT.has(row.type)) lotIds.add(row.id);
    if (row.lots !== undefined) lotsRows.push({ line: row.line ?? 0, lots: row.lots });
    if (onValid) onValid(row);
    else rows.push(row);
  };

  const finish = (): LedgerRow[] => {
    if (preamble !== undefined) throw preamble.error;
    if (fields === undefined)
      throw ledgerError(source, headerLine, "row", "empty file: expected a header row");
    for (const r of lotsRows) {
      const selections = parseLotsCell(r.lots);
      if (typeof selections === "string") {
        fail(r.line, "lots", selections);
        continue;
      }
      for (const s of selections) {
        if (!lotIds.has(s.lotId) && !s.lotId.startsWith(ALLOCATION_LOT_PREFIX)) {
          if (external) external.push({ line: r.line, lotId: s.lotId });
          else fail(r.line, "lots", `no lot "${s.lotId}" in the ledger`);
        }
      }
    }
    if (errors.length > 0) {
      // In line order (lot references are checked after every row was read).
      const lineOf = (e: string) => Number(/:(\d+): /.exec(e.slice(source.length))?.[1] ?? 0);
      throw locatedProblems(
        errors
          .map((e, i) => ({ e, i }))
          .sort((a, b) => lineOf(a.e) - lineOf(b.e) || a.i - b.i)
          .map((x) => x.e),
      );
    }
    return rows;
  };

  let raw: RawLedgerRecord | undefined;
  /**
   * A view of the buffer `plain` reads (the records of one read chunk share it), made by `buffer`,
   * which the CSV parser calls once per buffer it parses.
   */
  let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  const buffer = (buf: Buffer) => {
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  };
  const plain = (buf: Buffer, start: number, end: number, line: number): boolean => {
    if (onRaw === undefined || fields === undefined) return false;
    if (raw === undefined || raw.starts.length !== width) {
      raw = { buf, view, starts: new Int32Array(width), ends: new Int32Array(width), line, fields };
    }
    raw.buf = buf;
    raw.view = view;
    raw.line = line;
    // One pass over the bytes (cells are short: a native search per cell costs more), eight at a
    // time as two int32s (`COMMAS`), then the last 0-7 one by one. Eight rather than four: a
    // block without a comma (most of a long wallet name) costs one branch.
    const starts = raw.starts;
    const ends = raw.ends;
    const last = width - 1;
    let cell = 0;
    starts[0] = start;
    let k = start;
    for (const stop = end - 7; k < stop; k += 8) {
      const x = view.getInt32(k, true) ^ COMMAS;
      const y = view.getInt32(k + 4, true) ^ COMMAS;
      // A high bit per byte of `x` that is 0 (a comma), and possibly for bytes above one that is:
      // each is checked.
      let zero = ((x - 0x01010101) | 0) & ~x & 0x80808080;
      let zeroY = ((y - 0x01010101) | 0) & ~y & 0x80808080;
      if ((zero | zeroY) === 0) continue;
      // One copy of the loop per word, not a loop over the two words nor a byte-by-byte read of a
      // block with a comma: both measured slower (reading thread of a 1,000,000-row `gains`,
      // 0.85-0.92 CPU s here against 0.92-1.00 s, 4 alternating pairs each).
      while (zero !== 0) {
        const bit = zero & -zero;
        zero ^= bit;
        const at = k + ((31 - Math.clz32(bit)) >> 3);
        if (buf[at] !== 44) continue;
        if (cell === last) return false; // too many cells: the record path reports it
        ends[cell] = at;
        starts[++cell] = at + 1;
      }
      while (zeroY !== 0) {
        const bit = zeroY & -zeroY;
        zeroY ^= bit;
        const at = k + 4 + ((31 - Math.clz32(bit)) >> 3);
        if (buf[at] !== 44) continue;
        if (cell === last) return false;
        ends[cell] = at;
        starts[++cell] = at + 1;
      }
    }
    for (; k < end; k++) {
      if (buf[k] !== 44) continue;
      if (cell === last) return false;
      ends[cell] = k;
      starts[++cell] = k + 1;
    }
    if (cell !== last) return false; // too few cells: the record path reports it
    ends[last] = end;
    return onRaw(raw);
  };

  const pending = (): readonly string[] => (preamble !== undefined ? [preamble.error.message] : errors);

  return { record, plain, buffer, finish, pending };
};

/** A fatal error, preceded by the row problems found before it. */
const withEarlier = (collector: LedgerCollector, fatal: UserInputError): UserInputError => {
  const earlier = collector.pending();
  return earlier.length > 0 ? locatedProblems([...earlier, fatal.message]) : fatal;
};

const csvError = (source: string, e: CsvSyntaxError, header: readonly string[] | undefined): UserInputError =>
  ledgerError(source, e.line, header?.[e.cell] ?? "row", e.reason);

/**
 * A `lots` cell's reference to a lot the file does not create: for a file imported into the
 * stored ledger, a lot of another import or of the chain's rows (`importLedgerRows` checks it).
 */
export type ExternalLotReference = { line: number; lotId: string };

/**
 * Parses and validates ledger CSV v1 text.
 * @param source - the file name used in error messages. @defaultValue "ledger.csv"
 * @param external - collects the `lots` references to lots the text does not create, instead of
 * failing on them (the text is imported beside the stored ledger, which is checked for them).
 * @throws UserInputError `FILE:LINE: column: what is wrong` on the first problem.
 */
export const parseLedgerCsv = (
  text: string,
  source = "ledger.csv",
  external?: ExternalLotReference[],
): LedgerRow[] => {
  const collector = createCollector(source, undefined, undefined, undefined, external);
  let header: string[] | undefined;
  const parser = createCsvParser((cells, line) => {
    header ??= [...cells];
    collector.record(cells, line);
  });
  try {
    parser.write(text);
    parser.end();
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw withEarlier(collector, csvError(source, e, header));
    throw e;
  }
  return collector.finish();
};

/** Parses `chunks` (a file's bytes, in order) into `collector`. */
const readChunksInto = async (
  chunks: AsyncIterable<Bytes> | Iterable<Bytes>,
  source: string,
  collector: LedgerCollector,
  /** Awaited after each chunk's records (a consumer writing what they gave). */
  afterChunk?: () => Promise<void>,
  /** Awaited after the records of each `bytes` of a chunk but its last ones too (as `afterChunk`). */
  parts?: { bytes: number; after: () => Promise<void> },
): Promise<void> => {
  let header: string[] | undefined;
  const parser = createCsvByteParser({
    record: (cells, line) => {
      header ??= [...cells];
      collector.record(cells, line);
    },
    plain: collector.plain,
    buffer: collector.buffer,
  });
  try {
    for await (const chunk of chunks) {
      const bytes = asBuffer(chunk);
      let at = 0;
      if (parts)
        for (; at + parts.bytes < bytes.length; at += parts.bytes) {
          parser.write(bytes.subarray(at, at + parts.bytes));
          await parts.after();
        }
      parser.write(at === 0 ? bytes : bytes.subarray(at));
      await afterChunk?.();
    }
    parser.end();
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw withEarlier(collector, csvError(source, e, header));
    if (e instanceof UserInputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserInputError(`${source}: no such file`);
    if (code === "EISDIR") throw new UserInputError(`${source}: is a directory, expected a ledger CSV file`);
    if (code === "EACCES") throw new UserInputError(`${source}: permission denied`);
    throw e;
  }
};

const readFileInto = (
  path: string,
  source: string,
  collector: LedgerCollector,
  afterChunk?: () => Promise<void>,
  parts?: { bytes: number; after: () => Promise<void> },
): Promise<void> =>
  readChunksInto(
    createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>,
    source,
    collector,
    afterChunk,
    parts,
  );

/**
 * Streams a ledger CSV v1 file from disk, validating as it goes.
 * @param source - the name used in error messages. @defaultValue `path`
 * @throws UserInputError on an unreadable file or any problem in it.
 */
export const readLedgerFile = async (path: string, source: string = path): Promise<LedgerRow[]> => {
  const collector = createCollector(source);
  await readFileInto(path, source, collector);
  return collector.finish();
};

/** Valid rows per batch of `readLedgerFileBatches` by default (`ledger import` writes each with one COPY). */
export const LEDGER_BATCH_ROWS = 20_000;

/**
 * Receives a file's valid rows a batch at a time, in file order (`readLedgerFileBatches`). A batch
 * may come in parts (`partBytes`): `last` is false for every part but its last one (undefined or
 * true: the batch ends with these rows).
 */
export type LedgerBatches = (
  onBatch: (rows: LedgerRow[], last?: boolean) => Promise<void>,
  /** `parts: false`: whole batches, also from a reader made with `partBytes`. */
  options?: { parts?: boolean },
) => Promise<void>;

/**
 * `readLedgerFile` a batch of rows at a time: the same checks and the same errors, without
 * holding the file's rows. Each batch of at least `batchRows` valid rows (the rest at the end)
 * goes to `onBatch`, awaited before the file is read on; once a row has a problem no batch is
 * handed any more, and the read ends with the error listing every problem, as `readLedgerFile`'s
 * (a consumer that stored earlier batches undoes them: a transaction). Checks that need the whole
 * file (a `lots` cell naming a lot of a later row) run before the last batch. With `external`,
 * a `lots` reference to a lot the file does not create is collected there (see `parseLedgerCsv`).
 * With `partBytes`, each batch is handed in parts as it is read, the rows of every `partBytes`
 * of the file (the batches end where they would without), unless the call says `parts: false`.
 * A part may be empty.
 * @throws UserInputError on an unreadable file or any problem in it; whatever `onBatch` throws.
 */
export const readLedgerFileBatches =
  (
    path: string,
    source: string = path,
    batchRows = LEDGER_BATCH_ROWS,
    external?: ExternalLotReference[],
    /** Bytes per part of a batch (`LEDGER_PART_BYTES`); undefined: whole batches. */
    partBytes?: number,
  ): LedgerBatches =>
  async (onBatch, options) => {
    const part = options?.parts === false ? undefined : partBytes;
    let pending: LedgerRow[] = [];
    /** Rows of the batch handed in earlier parts. */
    let handed = 0;
    const collector = createCollector(source, undefined, undefined, (row) => pending.push(row), external);
    const hand = async (last: boolean) => {
      const rows = pending;
      pending = [];
      handed = last ? 0 : handed + rows.length;
      await (part === undefined ? onBatch(rows) : onBatch(rows, last));
    };
    await readFileInto(
      path,
      source,
      collector,
      async () => {
        if (collector.pending().length > 0) pending = [];
        else if (handed + pending.length >= batchRows) await hand(true);
      },
      part === undefined
        ? undefined
        : {
            bytes: part,
            after: async () => {
              if (collector.pending().length > 0) pending = [];
              else await hand(false);
            },
          },
    );
    collector.finish();
    if (handed + pending.length > 0) await hand(true);
  };

/**
 * Streams a ledger CSV v1 file row by row without keeping the rows: the file's structure (header,
 * columns, cell counts, quoting) is checked here, the rows' content is left to `onRow`'s consumer
 * (e.g. the tax engine's row preparer, which applies the same rules as `readLedgerFile`).
 * `onRow` receives the same object every time, refilled: copy whatever you keep. With `onRaw`,
 * plain records are first offered undecoded (see `RawLedgerRecord`).
 * @throws UserInputError on an unreadable file or a structural problem; whatever `onRow` throws.
 */
export const streamLedgerFile = async (
  path: string,
  onRow: (row: LedgerRow) => void,
  options: { source?: string; onRaw?: RawRecordHandler } = {},
): Promise<void> => {
  const source = options.source ?? path;
  const collector = createCollector(source, onRow, options.onRaw);
  await readFileInto(path, source, collector);
  collector.finish();
};

/**
 * `streamLedgerFile` over ledger CSV v1 bytes that come in chunks (e.g. the stored ledger
 * inflated as it is read), in order.
 * @throws UserInputError on a structural problem; whatever `onRow` throws or `chunks` does.
 */
export const streamLedgerChunks = async (
  chunks: AsyncIterable<Bytes> | Iterable<Bytes>,
  onRow: (row: LedgerRow) => void,
  options: { source: string; onRaw?: RawRecordHandler },
): Promise<void> => {
  const collector = createCollector(options.source, onRow, options.onRaw);
  await readChunksInto(chunks, options.source, collector);
  collector.finish();
};

/**
 * `streamLedgerFile` over ledger CSV v1 bytes already in memory (e.g. the stored ledger copied
 * out of the database as CSV), read in chunks as a file would be.
 * @throws UserInputError on a structural problem; whatever `onRow` throws.
 */
export const streamLedgerBytes = async (
  bytes: Bytes,
  onRow: (row: LedgerRow) => void,
  options: { source: string; onRaw?: RawRecordHandler },
): Promise<void> => {
  const chunks = function* () {
    for (let at = 0; at < bytes.length; at += READ_CHUNK_BYTES)
      yield bytes.subarray(at, Math.min(bytes.length, at + READ_CHUNK_BYTES));
  };
  await streamLedgerChunks(chunks(), onRow, options);
};
