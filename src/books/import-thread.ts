/**
 * `lotwise ledger import FILE` reads its file on a worker thread: parsing and checking the rows,
 * making their COPY text and their snapshot lines (src/books/engine-csv.ts) run there while the
 * command's own thread writes the batch before with PGlite (whose COPY keeps that thread busy:
 * on two cores the two overlap instead of adding up). Light on purpose (node built-ins and
 * modules without imports): the command starts the thread before it opens the database, so the
 * first batch is parsed meanwhile.
 *
 * The thread parses one batch, then waits for `go` (the user id its COPY text holds; the import
 * uses the thread only for an import none of whose rows is stored yet: a re-import compares each
 * row with the stored one, on the command's thread). It then reads on, at most `AHEAD` batches
 * ahead of the writes. Its errors are the reader's (`FILE:LINE: column: problem`), raised where
 * the batches are read, so the import's transaction stores nothing.
 *
 * Its script is `dist/import-thread.js` (src/books/import-thread-main.ts), also when this module
 * runs from the TypeScript sources (tests rebuild dist/ when a source is newer); without it the
 * import reads the file on its own thread.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { revivedError, type SentError } from "../errors.ts";
import type { ExternalLotReference } from "../ledger/read.ts";
import { PACKAGE_ROOT } from "../package-root.ts";
import { createAsyncQueue } from "../utils/async-queue.ts";
import { workerExecArgv } from "../utils/worker-argv.ts";
import type { RowSpan } from "./row-span.ts";

export type ImportThreadJob = {
  /** The ledger CSV v1 file (absolute). */
  path: string;
  /** Its name in messages (as the user wrote it). */
  source: string;
  /** Rows per batch (the last one fewer). @defaultValue LEDGER_BATCH_ROWS (src/ledger/read.ts), as the main thread's reader */
  batchRows?: number;
  /** `import:<name>`: the rows' origin and their `usd_value` price source. */
  origin: string;
};

export type ImportThreadData = { lotwiseImportThread: true; job: ImportThreadJob };

/** A batch of the file's rows as the import writes them. */
export type ImportThreadBatch = {
  kind: "batch";
  /** Rows in the batch. */
  count: number;
  /** Their COPY text lines (`LEDGER_ROW_COLUMNS`, src/books/store.ts), each ending with a newline, UTF-8; seq counts from the file's first row. */
  copy: Uint8Array;
  /** Their engine CSV lines, each after a newline, UTF-8 (`createEngineCsvRenderer`); undefined once a row had none. */
  csv: Uint8Array | undefined;
  /** The earliest `Date.parse` of their times (ms; +Infinity when none parses). */
  earliest: number;
  /** Their ids joined by NUL, and their lines in the file (for the error naming a clashing id). */
  ids: string;
  lines: Int32Array;
};
/** The end of the file: the `lots` references to lots it does not create, and its span. */
export type ImportThreadEnd = { kind: "end"; external: ExternalLotReference[]; span: RowSpan };
export type ImportThreadMessage = ImportThreadBatch | ImportThreadEnd | { kind: "error"; error: SentError };
/** To the thread: `go` (first, with the user id), then one `more` for each batch written. */
export type ImportThreadControl = { kind: "go"; userId: number } | { kind: "more" };

/** Batches the thread makes ahead of the writes at most (each some 10 MB of text for 20,000 rows). */
export const AHEAD = 2;

/** The thread's script; undefined when dist/ is not built. */
export const importThreadScript = (): string | undefined => {
  const file = path.join(PACKAGE_ROOT, "dist", "import-thread.js");
  return existsSync(file) ? file : undefined;
};

export type ImportThread = {
  /**
   * Starts the batches for `userId`'s rows and hands each to `onBatch`, in file order (the next
   * one is read on while it runs); resolves at the end of the file.
   * @throws the reader's error (a `UserInputError` naming file, line and column), or `onBatch`'s.
   */
  batches: (
    userId: number,
    onBatch: (batch: ImportThreadBatch) => Promise<void>,
  ) => Promise<Omit<ImportThreadEnd, "kind">>;
  /** Ends the thread (unused, or after a failure). */
  stop: () => Promise<void>;
};

/**
 * Starts reading `job`'s file on a worker thread now; undefined when there is no thread script.
 * The thread does not hold the process open until `batches` is called.
 */
export const startImportThread = (job: ImportThreadJob): ImportThread | undefined => {
  const script = importThreadScript();
  if (script === undefined) return undefined;
  const data: ImportThreadData = { lotwiseImportThread: true, job };
  const worker = new Worker(pathToFileURL(script), { workerData: data, execArgv: workerExecArgv() });
  worker.unref();
  // The thread's messages in order; its error, or its exit before `end`, after them.
  const messages = createAsyncQueue<ImportThreadMessage>();
  worker.on("message", (m: ImportThreadMessage) => messages.push(m));
  worker.on("error", (error) => messages.fail(error));
  worker.on("exit", (code) =>
    messages.fail(new Error(`import thread exited (${code}) before the end of the file`)),
  );
  const send = (m: ImportThreadControl) => worker.postMessage(m);
  return {
    batches: async (userId, onBatch) => {
      worker.ref();
      try {
        send({ kind: "go", userId });
        for await (const m of messages) {
          if (m.kind === "error") throw revivedError(m.error);
          if (m.kind === "end") return { external: m.external, span: m.span };
          await onBatch(m);
          send({ kind: "more" });
        }
        // The queue is never ended, only failed (the thread's error or exit): not reached.
        throw new Error("import thread: no end of the file");
      } finally {
        worker.unref();
      }
    },
    stop: async () => {
      await worker.terminate();
    },
  };
};
