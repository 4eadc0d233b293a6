/**
 * Writing `form8949.csv` on a worker thread: the engine's thread hands each row over as a few
 * numbers and its ids' bytes (src/tax/form8949-records.ts) and goes on with the next disposal;
 * this thread makes the rows' text and writes the files. On a 1,000,000-row ledger,
 * `lotwise gains --years` writes about 1.3 million rows (200 MB): their text was about a third
 * of the engine thread's CPU, the thread that sets the pace of the run, while the reading
 * thread waited for it (src/tax/parse-thread.ts).
 *
 * The engine's thread opens (and later closes and renames) the temporary files; this thread
 * writes into them at positions it keeps itself, so a `RESET` (the run starts over) truncates a
 * file without reopening it. The thread's script is `dist/form8949-thread.js`
 * (src/tax/form8949-thread-main.ts); without it (a checkout that was not built) the engine's
 * thread writes the rows itself.
 */
import { existsSync, ftruncateSync, writeSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { PACKAGE_ROOT } from "../package-root.ts";
import { workerExecArgv } from "../utils/worker-argv.ts";
import { CHUNK_BYTES, createRecordReader, createRecordWriter } from "./form8949-records.ts";
import { isPlainAssetCell } from "./format.ts";

/** `chunks`: `SLOTS` chunks of `CHUNK_BYTES`, shared; `control`: see `WRITTEN`, `FAILED`. */
type ThreadData = { lotwiseForm8949Thread: true; control: SharedArrayBuffer; chunks: SharedArrayBuffer };
/** Chunk number n is in slot n % SLOTS. */
type ToThread = { slot: number; used: number } | { end: true };
/** A write's error as it crossed (Node's system error: code, syscall, errno). */
type SentWriteError = { message: string; code?: string; syscall?: string; errno?: number };
type FromThread = { done: true } | { error: SentWriteError };

/**
 * Chunks (256 KiB each) in the ring both threads share: 32, 8 MiB. The engine's thread fills them
 * in turn and waits (`Atomics.wait`) for a slot the writing thread has not written yet, so it runs
 * at most that far ahead. Shared, not transferred: a transferred chunk came back by a message the
 * engine's thread read only between the reading thread's batches, which were always queued (316
 * new 256 KiB buffers for 317 chunks, about 60 MB more peak memory).
 */
const SLOTS = 32;
/**
 * Milliseconds the engine's thread waits for a slot while the writing thread writes nothing, before
 * the run fails (a thread that never started; one that failed or ended says so at once: `FAILED`).
 */
const STALLED_MS = 60_000;
/** `control`'s slots: chunks written so far; 1 when the thread failed or ended. */
const WRITTEN = 0;
const FAILED = 1;

/** The thread's script; undefined when dist/ is not built (the caller then writes the rows itself). */
export const form8949ThreadScript = (): string | undefined => {
  const file = path.join(PACKAGE_ROOT, "dist", "form8949-thread.js");
  return existsSync(file) ? file : undefined;
};

/**
 * Starts the writing thread (script from `form8949ThreadScript`). Output files are numbered
 * (0 to 255) by the caller; every row of a file goes through the same thread, in call order.
 */
export const startForm8949Thread = (script: string) => {
  const control = new SharedArrayBuffer(8);
  const state = new Int32Array(control);
  const chunks = new SharedArrayBuffer(SLOTS * CHUNK_BYTES);
  const slots = Array.from({ length: SLOTS }, (_, i) => new Uint8Array(chunks, i * CHUNK_BYTES, CHUNK_BYTES));
  const data: ThreadData = { lotwiseForm8949Thread: true, control, chunks };
  const worker = new Worker(pathToFileURL(script), { workerData: data, execArgv: workerExecArgv() });
  /** Chunks taken to fill, and sent, so far. */
  let taken = 0;
  let sent = 0;
  let failure: Error | undefined;
  let finished = false;
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    settle?.reject(failure);
  };
  const records = createRecordWriter(
    () => {
      // Chunk n's slot held chunk n − SLOTS: free once that one is written (or the thread failed
      // or ended: it reads nothing more). This thread's events wait meanwhile (the thread's exit
      // among them): a thread that wrote nothing for `STALLED_MS` is taken as failed.
      let progress = Atomics.load(state, WRITTEN);
      let since = performance.now();
      for (;;) {
        const written = Atomics.load(state, WRITTEN);
        if (taken - written < SLOTS || failure !== undefined || Atomics.load(state, FAILED) !== 0) break;
        if (written !== progress) {
          progress = written;
          since = performance.now();
        } else if (performance.now() - since > STALLED_MS) {
          fail(new Error("the Form 8949 writing thread stopped writing"));
          break;
        }
        Atomics.wait(state, WRITTEN, written, 100);
      }
      return slots[taken++ % SLOTS]!;
    },
    (_chunk, used) => {
      // A failed thread writes nothing more: its error is the run's (`finish`).
      if (failure === undefined && Atomics.load(state, FAILED) === 0)
        worker.postMessage({ slot: sent % SLOTS, used } satisfies ToThread);
      sent++;
    },
    isPlainAssetCell,
  );
  worker.on("message", (m: FromThread) => {
    if ("done" in m) {
      finished = true;
      settle?.resolve();
    } else fail(Object.assign(new Error(m.error.message), m.error));
  });
  worker.on("error", fail);
  worker.on("exit", () => {
    if (!finished) fail(new Error("the Form 8949 writing thread stopped before it wrote every row"));
  });
  return {
    open: records.open,
    reset: records.reset,
    bytes: records.bytes,
    /** `GainsSink.form8949Parts` for output `file`; false: give the row to `bytes` encoded. */
    parts: records.parts,
    /**
     * Resolves once every row given so far is written (the thread then ends); rejects with the
     * thread's error (a write that failed: a full disk) if it had one.
     */
    finish: (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        settle = { resolve, reject };
        records.flush();
        worker.postMessage({ end: true } satisfies ToThread);
      }),
    /** Stops the thread (the run failed): it writes nothing more once this resolves. */
    stop: async (): Promise<void> => {
      finished = true;
      await worker.terminate();
    },
  };
};

export type Form8949Thread = ReturnType<typeof startForm8949Thread>;

/** The writing thread's body (src/tax/form8949-thread-main.ts). */
export const runForm8949Thread = (): void => {
  const port = parentPort!;
  const { control, chunks } = workerData as ThreadData;
  const state = new Int32Array(control);
  const slots = Array.from({ length: SLOTS }, (_, i) => new Uint8Array(chunks, i * CHUNK_BYTES, CHUNK_BYTES));
  const reader = createRecordReader({ write: writeSync, truncate: ftruncateSync });
  let failed = false;
  // However the thread ends (an uncaught error too), the engine's thread stops waiting for it.
  process.on("exit", () => {
    Atomics.store(state, FAILED, 1);
    Atomics.notify(state, WRITTEN);
  });

  port.on("message", (m: ToThread) => {
    if (failed) return;
    try {
      if ("slot" in m) {
        reader.apply(slots[m.slot]!, m.used);
        Atomics.add(state, WRITTEN, 1);
        Atomics.notify(state, WRITTEN);
      } else {
        reader.flush();
        port.postMessage({ done: true } satisfies FromThread);
        port.close();
      }
    } catch (error) {
      failed = true;
      Atomics.store(state, FAILED, 1);
      Atomics.notify(state, WRITTEN);
      const e = error as NodeJS.ErrnoException;
      const sent: SentWriteError = { message: e instanceof Error ? e.message : String(error) };
      if (typeof e.code === "string") sent.code = e.code;
      if (typeof e.syscall === "string") sent.syscall = e.syscall;
      if (typeof e.errno === "number") sent.errno = e.errno;
      port.postMessage({ error: sent } satisfies FromThread);
    }
  });
};
