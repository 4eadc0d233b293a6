/**
 * The import thread's side (src/books/import-thread.ts): reads the file (`readLedgerFileBatches`:
 * the same checks and errors as on the command's thread) a read of 1 MiB at a time, and makes
 * what the import writes of each read's rows at once: their COPY text and their snapshot lines,
 * encoded into the batch's bytes. Rows and their text then die young: no batch of 20,000 row
 * objects lives through the thread's young-generation collections (copied each time, then
 * promoted), only the batch's bytes grow.
 */
import { parentPort, workerData } from "node:worker_threads";
import { sendableError } from "../errors.ts";
import { type ExternalLotReference, LEDGER_BATCH_ROWS, readLedgerFileBatches } from "../ledger/read.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { createEngineCsvRenderer } from "./engine-csv.ts";
import {
  AHEAD,
  type ImportThreadBatch,
  type ImportThreadControl,
  type ImportThreadData,
  type ImportThreadMessage,
} from "./import-thread.ts";
import { createRowSpan } from "./row-span.ts";
import { storedLine } from "./store.ts";

/** UTF-8 text appended to a growing byte array (doubled when full). */
const createByteSink = (capacity: number) => {
  const encoder = new TextEncoder();
  let bytes = new Uint8Array(capacity);
  let length = 0;
  return {
    append: (text: string): void => {
      // A UTF-8 character takes at most 3 bytes per UTF-16 code unit.
      if (bytes.length - length < text.length * 3) {
        const need = length + text.length * 3;
        let size = bytes.length * 2;
        while (size < need) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(bytes.subarray(0, length));
        bytes = grown;
      }
      length += encoder.encodeInto(text, bytes.subarray(length)).written;
    },
    get length() {
      return length;
    },
    /** The bytes appended (a copy, sized to them), and a new empty array. */
    take: (): Uint8Array => {
      const out = bytes.slice(0, length);
      length = 0;
      return out;
    },
  };
};

/** Bytes reserved for a batch's COPY text and snapshot lines (doubled when a batch needs more). */
const COPY_BYTES = 8 << 20;
const CSV_BYTES = 4 << 20;

export const runImportThread = async (): Promise<void> => {
  const data = workerData as ImportThreadData | undefined;
  const port = parentPort;
  if (!port || !data?.lotwiseImportThread)
    throw new Error("import-thread: not started by lotwise ledger import");
  const { job } = data;
  const batchRows = job.batchRows ?? LEDGER_BATCH_ROWS;
  let userId: number | undefined;
  /** Batches the thread may still send before the next `more`. */
  let credits = 0;
  let wake: (() => void) | undefined;
  port.on("message", (m: ImportThreadControl) => {
    if (m.kind === "go") {
      userId = m.userId;
      credits += AHEAD;
    } else credits++;
    const w = wake;
    wake = undefined;
    w?.();
  });
  const until = async (ready: () => boolean): Promise<void> => {
    while (!ready())
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
  };
  const external: ExternalLotReference[] = [];
  const span = createRowSpan();
  const render = createEngineCsvRenderer();
  const origin = job.origin;
  const priceSources = { usd_value: origin };
  const warnings: string[] = [];
  /** The batch being made. */
  const copy = createByteSink(COPY_BYTES);
  const csv = createByteSink(CSV_BYTES);
  let csvOk = true;
  let count = 0;
  let earliest = Number.POSITIVE_INFINITY;
  let ids: string[] = [];
  let lines: number[] = [];
  /** The seq of the next row (its place in the file). */
  let seq = 0;
  /** Rows read before `go` (the user id their COPY text holds), at most a batch. */
  let held: LedgerRow[] = [];

  const make = (rows: readonly LedgerRow[]) => {
    if (csvOk) {
      const text = render(rows);
      if (text === undefined) csvOk = false;
      else csv.append(text);
    }
    span.add(rows);
    const copyLines = new Array<string>(rows.length + 1);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const t = Date.parse(row.time);
      if (t < earliest) earliest = t;
      ids.push(row.id);
      lines.push(row.line ?? 0);
      copyLines[i] = storedLine({ row, userId: userId!, seq: seq++, origin, priceSources, warnings });
    }
    // Each line then a newline (the last one too): joined once.
    copyLines[rows.length] = "";
    copy.append(copyLines.join("\n"));
    count += rows.length;
  };
  const send = async () => {
    await until(() => credits > 0);
    credits--;
    const copyBytes = copy.take();
    const csvBytes = csvOk ? csv.take() : undefined;
    const lineArray = Int32Array.from(lines);
    const batch: ImportThreadBatch = {
      kind: "batch",
      count,
      copy: copyBytes,
      csv: csvBytes,
      earliest,
      ids: ids.join("\u0000"),
      lines: lineArray,
    };
    const transfer = [copyBytes.buffer, lineArray.buffer, ...(csvBytes ? [csvBytes.buffer] : [])];
    port.postMessage(batch satisfies ImportThreadMessage, transfer as ArrayBuffer[]);
    count = 0;
    earliest = Number.POSITIVE_INFINITY;
    ids = [];
    lines = [];
  };
  try {
    // Each read's rows (batches of at least 1 row: whatever a read of the file completed).
    await readLedgerFileBatches(
      job.path,
      job.source,
      1,
      external,
    )(async (rows) => {
      if (userId === undefined) {
        for (const row of rows) held.push(row);
        if (held.length < batchRows) return;
        await until(() => userId !== undefined);
        rows = [];
      }
      // The rows read before `go` first, also when it came before they made a batch (a re-import's
      // check is quick): made after the rows read since, they took the seqs after them.
      if (held.length > 0) {
        make(held);
        held = [];
      }
      if (rows.length > 0) make(rows);
      if (count >= batchRows) await send();
    });
    if (held.length > 0) {
      await until(() => userId !== undefined);
      make(held);
      held = [];
    }
    if (count > 0) await send();
    port.postMessage({ kind: "end", external, span: span.result() } satisfies ImportThreadMessage);
  } catch (error) {
    port.postMessage({ kind: "error", error: sendableError(error) } satisfies ImportThreadMessage);
  }
  port.close();
};
