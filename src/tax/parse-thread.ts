/**
 * Reading a ledger file on a worker thread while the caller's thread runs the lot engine: on a
 * machine with two cores, reading, splitting and checking the rows (about 40% of `lotwise gains
 * --ledger`'s CPU) overlaps with lot matching instead of adding to it.
 *
 * The thread streams the file through the same reader as the caller would (`streamLedgerFile`:
 * header, cell counts, quoting) and decodes every plain row with the same byte decoder as the
 * engine's fast path (`createRawDecoder`), then hands the rows over in batches of typed arrays
 * (`DecodedBatch`, struct of arrays, transferred: nothing copied, no object per row). A row the
 * decoder does not take (a `lots` cell, a quoted or non-ASCII cell, any broken rule) crosses as
 * its `LedgerRow` and takes the general path on the caller's side, which gives the exact result
 * or error message; so do amounts of more than 30 digits. What the caller's thread still does per
 * row: the duplicate-id check, the amounts' bigints at the ledger's scale, the engine.
 *
 * Errors of the reader (header, cell counts, CSV syntax) come back as the same `UserInputError`,
 * after every batch read before them, so the first problem in the file is still the one reported.
 *
 * The thread's script is `dist/ledger-thread.js` (src/tax/parse-thread-main.ts); without it (a
 * checkout that was not built) the caller reads in its own thread.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { createGunzip } from "node:zlib";
import { snapshotDigest } from "../books/snapshot-file.ts";
import { revivedError, sendableError } from "../errors.ts";
import {
  type RawLedgerRecord,
  streamLedgerBytes,
  streamLedgerChunks,
  streamLedgerFile,
} from "../ledger/read.ts";
import type { LedgerRow, LedgerRowType } from "../ledger/types.ts";
import { ALLOCATION_LOT_PREFIX, CREATES_LOT, parseLotsCell } from "../ledger/validate.ts";
import { workerExecArgv } from "../utils/worker-argv.ts";
import { type ColumnIndex, columnIndexOf, createRawDecoder, type DecodedRaw } from "./decode-raw.ts";
import {
  AMOUNT_SLOTS,
  type DecodedBatch,
  LOW_DIGITS,
  NAME_SLOTS,
  ROW_TYPES,
  type ThreadIds,
} from "./decoded-batch.ts";
import { createIdIndex } from "./id-index.ts";
import {
  type InputMessage,
  type LedgerInput,
  type Message,
  type StartedLedgerThread,
  type ThreadData,
  type WireInput,
  wireOf,
} from "./parse-thread-start.ts";

export type { DecodedBatch } from "./decoded-batch.ts";

/** The next piece of a `pieces` input, or its end. */
type PieceMessage = { piece: Uint8Array } | { end: true };
/** A batch's buffer back from the caller, which is done with its rows (`MAX_SPARE`). */
type SpareMessage = { spare: ArrayBuffer };

/** Rows per batch: large enough that a batch's overhead is nothing, small enough to start at once. */
const BATCH_ROWS = 8192;
/**
 * Rows of the first batch; each next batch holds twice as many, up to `BATCH_ROWS`. The caller
 * waits for the first batch, which the thread fills while its code is still cold (interpreted):
 * a small one reaches the caller sooner, and the caller starts its own work on it while the
 * thread reads on.
 */
const FIRST_BATCH_ROWS = 512;
/** Id bytes per row reserved in a batch's buffer (a batch with longer ids gets a bigger array). */
const ID_BYTES_PER_ROW = 16;
/**
 * Bytes of a batch's one buffer: per row 8 (ms) + 2 × 8 × AMOUNT_SLOTS (high, low) + 4 × 4 (line,
 * ns, idEnd, earlier) + 4 × NAME_SLOTS (names) + 2 (general, type) + 2 × AMOUNT_SLOTS (wide,
 * fraction) + ID_BYTES_PER_ROW.
 */
const BATCH_BYTES =
  BATCH_ROWS * (8 + 16 * AMOUNT_SLOTS + 16 + 4 * NAME_SLOTS + 2 + 2 * AMOUNT_SLOTS + ID_BYTES_PER_ROW);
/** Bytes per chunk inflated from a compressed ledger (a file's read size: src/ledger/read.ts). */
const GUNZIP_CHUNK_BYTES = 1 << 20;
/**
 * Batches read ahead of the caller at most (memory stays bounded when the engine is slower): 24,
 * about 31 MB of 1.3 MB batches. With 8, the thread of a 1,000,000-row `lotwise gains` run stopped
 * for 0.1-0.4 s in all (the engine is slower on the last years' rows, which it also writes to Form
 * 8949), and on a busy machine, where the two threads get the cores unevenly, the engine then
 * waited for it: fifo wallet 2.76/2.79/2.78 -> 2.58/2.42/2.55 s wall at load 4.4-5 (alternating
 * pairs, 8 vs 24); at load 2.3-3.5 no difference beyond noise. Peak RSS 7-26 MB higher.
 */
const MAX_AHEAD = 24;
/**
 * Spare batch buffers the thread keeps at most: the caller sends each batch's buffer back once it
 * applied the rows (`SpareMessage`), and the thread fills it again instead of a new one. A new
 * 1.3 MB buffer per batch (about 120 per million rows) is memory to allocate and zero on the
 * thread and to free on the caller's; reused, `lotwise gains` on 1,000,000 rows peaks about
 * 10 MB lower.
 */
const MAX_SPARE = MAX_AHEAD + 2;

/** Receives what `readLedgerOnThread` read, in file order. */
export type ThreadRowHandlers = {
  /**
   * The next batch of rows; `names` is the run's name list so far. The batch's arrays are valid
   * during the call only: their buffer then goes back to the thread, which fills it again.
   */
  batch: (batch: DecodedBatch, names: readonly string[]) => void;
  /** After the last batch: what the thread found of the ids. */
  threadIds: (ids: ThreadIds) => void;
};

/**
 * Reads a ledger on a worker thread (script from `ledgerThreadScript`), handing its rows to
 * `handlers` on this thread in file order. `input` is a file's path or the ledger's bytes (the
 * stored ledger; copied to the thread, gzip-compressed ones inflated there as they are read).
 * With `started` (a thread `startLedgerThread` started for the same script, input and source, not
 * yet taken over), that thread's rows.
 * @throws UserInputError as `streamLedgerFile` (unreadable file, structural problem); whatever a
 * handler throws (the thread is stopped then).
 */
export const readLedgerOnThread = (
  script: string,
  input: LedgerInput,
  source: string,
  handlers: ThreadRowHandlers,
  started?: StartedLedgerThread,
): Promise<void> =>
  new Promise((resolve, reject) => {
    const reuse =
      started !== undefined &&
      !started.taken &&
      started.script === script &&
      (started.input === undefined || started.input === input) &&
      started.source === source;
    let worker: Worker;
    let consumed: Int32Array;
    if (reuse) {
      started.taken = true;
      worker = started.worker;
      consumed = started.consumed;
      worker.ref();
      if (started.input === undefined) worker.postMessage({ input: wireOf(input) } satisfies InputMessage);
    } else {
      const control = new SharedArrayBuffer(4);
      consumed = new Int32Array(control);
      const data: ThreadData = { lotwiseLedgerThread: true, input: wireOf(input), source, control };
      worker = new Worker(pathToFileURL(script), { workerData: data, execArgv: workerExecArgv() });
    }
    const names: string[] = [];
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      reject(error);
    };
    const onMessage = (m: Message) => {
      if (settled) return;
      try {
        if ("digest" in m) return;
        if ("batch" in m) {
          for (const n of m.batch.newNames) names.push(n);
          handlers.batch(m.batch, names);
          // The rows are applied: the batch's buffer goes back to be filled again.
          const spare = m.batch.general.buffer as ArrayBuffer;
          if (spare.byteLength === BATCH_BYTES) worker.postMessage({ spare } satisfies SpareMessage, [spare]);
          Atomics.add(consumed, 0, 1);
          Atomics.notify(consumed, 0);
        } else if ("done" in m) {
          handlers.threadIds(m.done);
          settled = true;
          resolve();
        } else fail(revivedError(m.error));
      } catch (error) {
        fail(error);
      }
    };
    const onExit = (code: number) =>
      fail(new Error(`ledger thread exited (${code}) before the end of ${source}`));
    worker.on("message", onMessage);
    worker.on("error", fail);
    worker.on("exit", onExit);
    // A `pieces` input: each piece to the thread as it comes, then the end.
    if (typeof input !== "string" && "pieces" in input)
      void (async () => {
        try {
          for await (const piece of input.pieces) {
            if (settled) return;
            worker.postMessage({ piece } satisfies PieceMessage);
          }
          if (!settled) worker.postMessage({ end: true } satisfies PieceMessage);
        } catch (error) {
          fail(error);
        }
      })();
    // What the started thread sent before this reader took over, in order.
    if (reuse)
      for (const e of started.early.splice(0)) {
        if ("message" in e) onMessage(e.message);
        else if ("error" in e) fail(e.error);
        else onExit(e.exit);
      }
  });

/** Whether each row type creates a lot (`CREATES_LOT`), by type code (place in `ROW_TYPES`). */
const CREATES_LOT_CODE: readonly boolean[] = ROW_TYPES.map((t) => CREATES_LOT.has(t));

/**
 * The thread's index of every id (the duplicate check of `createRowPreparer`, done here) and of
 * the `lots` cells, for `ThreadIds`.
 */
const createIdBook = () => {
  /** Line of each id, negative for rows that create a lot (`lots` cells may name those). */
  const lineOfId = createIdIndex();
  const lotsRows: { line: number; lotIds: string[] }[] = [];
  return {
    /** The line where `id` first appeared (negative: a lot), 0 when new (then it is added). */
    add: (id: string, type: string, line: number): number =>
      lineOfId.add(id, CREATES_LOT.has(type as LedgerRowType) ? -line : line) ?? 0,
    /** `add` of the id of ASCII bytes `buf[start, end)`, for a row of type `ROW_TYPES[typeCode]`. */
    addBytes: (buf: Uint8Array, start: number, end: number, typeCode: number, line: number): number =>
      lineOfId.addBytes(buf, start, end, CREATES_LOT_CODE[typeCode] ? -line : line) ?? 0,
    /** A row's `lots` cell: the lot ids it names that are lots so far (undefined for none). */
    lots: (line: number, cell: string): string[] | undefined => {
      const sel = parseLotsCell(cell);
      if (typeof sel === "string") return undefined; // the row's own error on the other side
      const lotIds = sel.map((x) => x.lotId);
      lotsRows.push({ line, lotIds });
      return lotIds.filter((id) => (lineOfId.get(id) ?? 0) < 0);
    },
    finish: (): ThreadIds => {
      const knownAtEnd = new Set<string>();
      let badReference: ThreadIds["badReference"];
      for (const { line, lotIds } of lotsRows) {
        for (const lotId of lotIds) {
          const l = lineOfId.get(lotId) ?? 0;
          if (l < 0) knownAtEnd.add(lotId);
          else if (!lotId.startsWith(ALLOCATION_LOT_PREFIX)) badReference ??= { line, lotId };
        }
      }
      return { knownAtEnd: [...knownAtEnd], badReference };
    },
  };
};

/**
 * Fills `DecodedBatch`es from decoded rows and general rows, in buffers taken from `spare` (the
 * caller's returned ones) when it has any. A buffer filled again keeps the values of its last
 * batch where this one writes none: a row's path reads only what is written for that row (a
 * general row: `general`, `line`, `idEnd`, `earlier`; a decoded row: every array).
 */
const createBatcher = (send: (batch: DecodedBatch) => void, spare: ArrayBuffer[] = []) => {
  const ids = createIdBook();
  let b = newBatch();
  let idUsed = 0;
  let rowsIndex = 0;
  /** Rows of the batch being filled (see `FIRST_BATCH_ROWS`). */
  let rowsMax = FIRST_BATCH_ROWS;

  function newBatch(): DecodedBatch {
    // Every array is a view of one buffer, so a batch crosses as one transferred buffer: a
    // transfer per buffer costs about 0.8 ms per batch on each side. Widest elements first,
    // so every view starts aligned (BATCH_ROWS is a multiple of 8).
    const buffer = spare.pop() ?? new ArrayBuffer(BATCH_BYTES);
    let at = 0;
    const view = <T>(
      make: (b: ArrayBuffer, offset: number, length: number) => T,
      bytes: number,
      n: number,
    ): T => {
      const v = make(buffer, at, n);
      at += bytes * n;
      return v;
    };
    const f64 = (n: number) => view((b, o, l) => new Float64Array(b, o, l), 8, n);
    const i32 = (n: number) => view((b, o, l) => new Int32Array(b, o, l), 4, n);
    const u8 = (n: number) => view((b, o, l) => new Uint8Array(b, o, l), 1, n);
    return {
      count: 0,
      ms: f64(BATCH_ROWS),
      high: f64(BATCH_ROWS * AMOUNT_SLOTS),
      low: f64(BATCH_ROWS * AMOUNT_SLOTS),
      line: i32(BATCH_ROWS),
      ns: i32(BATCH_ROWS),
      names: i32(BATCH_ROWS * NAME_SLOTS),
      idEnd: i32(BATCH_ROWS),
      earlier: i32(BATCH_ROWS),
      general: u8(BATCH_ROWS),
      type: u8(BATCH_ROWS),
      wide: u8(BATCH_ROWS * AMOUNT_SLOTS),
      fraction: u8(BATCH_ROWS * AMOUNT_SLOTS),
      idBytes: u8(BATCH_ROWS * ID_BYTES_PER_ROW),
      rows: [],
      known: [],
      newNames: [],
    };
  }
  /** The decoder's `onNewName`: its names' numbers are their places in the run's name list. */
  const newName = (text: string) => {
    b.newNames.push(text);
  };
  const flush = () => {
    if (b.count === 0) return;
    const full = b;
    b = newBatch();
    idUsed = 0;
    rowsIndex = 0;
    if (rowsMax < BATCH_ROWS) rowsMax *= 2;
    send(full);
  };
  const general = (row: LedgerRow) => {
    const i = b.count;
    b.general[i] = 1;
    b.line[i] = row.line ?? 0;
    b.idEnd[i] = idUsed;
    const line = row.line ?? 0;
    b.earlier[i] = ids.add(row.id, row.type, line);
    b.known[rowsIndex] = row.lots !== undefined && row.lots !== "" ? ids.lots(line, row.lots) : undefined;
    b.rows[rowsIndex++] = { ...row };
    if (++b.count === rowsMax) flush();
  };
  /**
   * Adds a decoded row; `false` (nothing added) when an amount has more than 30 digits.
   * @param amounts - the amount cells' byte ranges, by slot (start -1: empty).
   * @param idCol - the id's cell (ASCII, checked by the decoder).
   */
  const decoded = (
    raw: RawLedgerRecord,
    d: DecodedRaw,
    amountCols: readonly number[],
    idCol: number,
  ): boolean => {
    const i = b.count;
    const a = i * AMOUNT_SLOTS;
    for (let k = 0; k < AMOUNT_SLOTS; k++) {
      const m = d.mantissas[k]!;
      b.fraction[a + k] = d.fractions[k]!;
      if (m >= 0) {
        b.high[a + k] = m;
        b.low[a + k] = 0;
        b.wide[a + k] = 0;
        continue;
      }
      // More than 15 digits: the last 15 in `low`, the others in `high`.
      const col = amountCols[k]!;
      const buf = raw.buf;
      const s = raw.starts[col]!;
      const e = raw.ends[col]!;
      let digits = e - s - (d.fractions[k]! > 0 ? 1 : 0);
      if (digits > 2 * LOW_DIGITS) return false;
      let high = 0;
      let low = 0;
      for (let j = s; j < e; j++) {
        const c = buf[j]!;
        if (c === 46) continue;
        if (digits > LOW_DIGITS) high = high * 10 + (c - 48);
        else low = low * 10 + (c - 48);
        digits--;
      }
      b.high[a + k] = high;
      b.low[a + k] = low;
      b.wide[a + k] = 1;
    }
    b.general[i] = 0;
    b.line[i] = raw.line;
    b.ms[i] = d.instant.ms;
    b.ns[i] = d.instant.ns;
    b.type[i] = d.typeCode;
    // Six numbers: copied one by one (a `set` call costs more than the copy).
    const names = b.names;
    const dn = d.names;
    for (let k = 0, at = i * NAME_SLOTS; k < NAME_SLOTS; k++) names[at + k] = dn[k]!;
    const idStart = raw.starts[idCol]!;
    const idEnd = raw.ends[idCol]!;
    const idLength = idEnd - idStart;
    if (idUsed + idLength > b.idBytes.length) {
      const bigger = new Uint8Array(Math.max(b.idBytes.length * 2, idUsed + idLength));
      bigger.set(b.idBytes.subarray(0, idUsed));
      b.idBytes = bigger;
    }
    const buf = raw.buf;
    for (let k = idStart; k < idEnd; k++) b.idBytes[idUsed++] = buf[k]!;
    b.idEnd[i] = idUsed;
    b.earlier[i] = ids.addBytes(buf, idStart, idEnd, d.typeCode, raw.line);
    if (++b.count === rowsMax) flush();
    return true;
  };
  return { general, decoded, newName, flush, finish: ids.finish };
};

/**
 * Niceness of a thread reading the snapshot file while its caller opens the database (0 is the
 * default, 19 the lowest priority): the caller's opening is the run's critical path, the thread has
 * time to spare. Lowered, the stored run took 0.87 s instead of 0.92 (200,000 rows, medians of 6
 * alternating runs, load 1.5).
 */
const FILE_THREAD_NICE = 10;

/**
 * Lowers this thread's own priority to `FILE_THREAD_NICE`, where threads have their own (Linux:
 * `setpriority` of the thread's id, read from /proc/thread-self); does nothing elsewhere.
 */
const lowerThreadPriority = (): void => {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, FILE_THREAD_NICE);
  } catch {
    // No /proc (not Linux) or not allowed: the default priority.
  }
};

/** The worker thread's side: reads the file, sends its batches, then `done` (or the error). */
export const runLedgerThread = async (): Promise<void> => {
  const data = workerData as ThreadData | undefined;
  const port = parentPort;
  if (!port || !data?.lotwiseLedgerThread) throw new Error("ledger-thread: not started as a ledger reader");
  const consumed = new Int32Array(data.control);
  const ahead = data.ahead ?? MAX_AHEAD;
  let sent = 0;
  /** Batch buffers the caller sent back (`SpareMessage`). */
  const spare: ArrayBuffer[] = [];
  const batcher = createBatcher((batch) => {
    const arrays = [
      batch.general,
      batch.line,
      batch.ms,
      batch.ns,
      batch.type,
      batch.names,
      batch.high,
      batch.low,
      batch.wide,
      batch.fraction,
      batch.idBytes,
      batch.idEnd,
      batch.earlier,
    ];
    // One buffer (two when the ids outgrew theirs), each transferred once.
    const buffers = new Set(arrays.map((a) => a.buffer as ArrayBuffer));
    port.postMessage({ batch } satisfies Message, [...buffers]);
    sent++;
    // Wait while the caller is MAX_AHEAD batches behind.
    for (let seen = Atomics.load(consumed, 0); sent - seen > ahead; seen = Atomics.load(consumed, 0))
      Atomics.wait(consumed, 0, seen, 1000);
  }, spare);
  const decoder = createRawDecoder(batcher.newName, false);
  let columnsOf: readonly unknown[] | undefined;
  let columns: ColumnIndex | undefined;
  let amountCols: number[] = [];
  // Messages to the thread (an input sent later, the pieces of a `pieces` input, batch buffers
  // sent back): one listener from the start, so that none comes while nobody listens; removed at
  // the end (it would keep the thread alive).
  let gotInput: (input: WireInput) => void = () => {};
  const later = new Promise<WireInput>((resolve) => {
    gotInput = resolve;
  });
  const pieces = new Readable({ read: () => {} });
  const inbox = (m: InputMessage | PieceMessage | SpareMessage) => {
    if ("spare" in m) {
      if (spare.length < MAX_SPARE) spare.push(m.spare);
    } else if ("input" in m) gotInput(m.input);
    else if ("piece" in m) pieces.push(Buffer.from(m.piece.buffer, m.piece.byteOffset, m.piece.byteLength));
    else pieces.push(null);
  };
  port.on("message", inbox);
  try {
    const input = data.input ?? (await later);
    const onRaw = (raw: RawLedgerRecord): boolean => {
      if (raw.fields !== columnsOf) {
        columnsOf = raw.fields;
        columns = columnIndexOf(raw.fields);
        amountCols = [
          columns.outQuantity,
          columns.inQuantity,
          columns.usdValue,
          columns.feeQuantity,
          columns.feeUsd,
        ];
      }
      const d = decoder.decode(raw, columns!);
      return d !== undefined && batcher.decoded(raw, d, amountCols, columns!.id);
    };
    if (typeof input === "string")
      await streamLedgerFile(input, batcher.general, { source: data.source, onRaw });
    else if ("pieces" in input)
      await streamLedgerChunks(pieces, batcher.general, { source: data.source, onRaw });
    else {
      const options = { source: data.source, onRaw };
      let bytes: Buffer;
      let gzip = true;
      if ("snapshotFile" in input) {
        lowerThreadPriority();
        // Read whole: the digest is of exactly the bytes read below.
        bytes = readFileSync(input.snapshotFile);
        port.postMessage({ digest: snapshotDigest(bytes) } satisfies Message);
      } else {
        bytes = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
        gzip = input.gzip;
      }
      if (!gzip) await streamLedgerBytes(bytes, batcher.general, options);
      else {
        const inflated = Readable.from([bytes]).pipe(createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }));
        await streamLedgerChunks(inflated, batcher.general, options);
      }
    }
    batcher.flush();
    port.postMessage({ done: batcher.finish() } satisfies Message);
  } catch (error) {
    batcher.flush();
    port.postMessage({ error: sendableError(error) } satisfies Message);
  } finally {
    port.off("message", inbox);
  }
};
