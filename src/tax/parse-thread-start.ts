/**
 * Starting the ledger reading thread (src/tax/parse-thread.ts) ahead of its reader. Light on
 * purpose (node built-ins and the package's folder only), so the CLI's entry can start the thread
 * of `lotwise gains --ledger FILE` before it loads the rest of the CLI: the thread starts and reads
 * its first batches while the modules load, instead of after (the main thread then waited about
 * 0.2 s for the first batch, 1,000,000-row ledger, load ~4).
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { SentError } from "../errors.ts";
import { PACKAGE_ROOT } from "../package-root.ts";
import { workerExecArgv } from "../utils/worker-argv.ts";
import type { DecodedBatch, ThreadIds } from "./decoded-batch.ts";

/**
 * What the thread reads: a ledger file, ledger CSV bytes (gzip-compressed when `gzip`), ledger
 * CSV bytes in pieces as they arrive (the stored ledger copied out of PostgreSQL), sent to the
 * thread one by one, so that it reads while the rest arrives, or the embedded database's snapshot
 * file (gzip-compressed ledger CSV, src/books/snapshot-file.ts): read whole, its digest sent
 * first (`{ digest }`), then its rows.
 */
export type LedgerInput =
  | string
  | { bytes: Uint8Array; gzip: boolean }
  | { pieces: AsyncIterable<Uint8Array> }
  | { snapshotFile: string };
/** The input as the thread is told it: pieces come after it as messages (`PieceMessage`). */
export type WireInput =
  | string
  | { bytes: Uint8Array; gzip: boolean }
  | { pieces: true }
  | { snapshotFile: string };
export const wireOf = (input: LedgerInput): WireInput =>
  typeof input !== "string" && "pieces" in input ? { pieces: true } : input;

export type ThreadData = {
  lotwiseLedgerThread: true;
  /** Undefined: the input comes later, as the first message to the thread (`InputMessage`). */
  input: WireInput | undefined;
  source: string;
  control: SharedArrayBuffer;
  /** Batches read ahead of the reader at most (default: the thread's `MAX_AHEAD`, 8). */
  ahead?: number;
};
/** `digest`: of a `snapshotFile` input's bytes (`snapshotDigest`), before its first batch. */
export type Message =
  | { batch: DecodedBatch }
  | { done: ThreadIds }
  | { error: SentError }
  | { digest: string };
/** The input of a thread started without one (`startLedgerThread` with `input` undefined). */
export type InputMessage = { input: WireInput };

/**
 * Ledger files from this size on (4 MiB) are read on the thread by `lotwise gains`; below, starting
 * the thread (tens of milliseconds) costs more than the overlap saves.
 */
export const THREAD_MIN_BYTES = 4 << 20;

/** The thread's script; undefined when dist/ is not built (then the caller reads the file itself). */
export const ledgerThreadScript = (): string | undefined => {
  const file = path.join(PACKAGE_ROOT, "dist", "ledger-thread.js");
  return existsSync(file) ? file : undefined;
};

/**
 * A reading thread started before its rows are wanted (`startLedgerThread`): what it sent so far
 * waits in `early` until `readLedgerOnThread` takes it over.
 */
export type StartedLedgerThread = {
  script: string;
  /** Undefined: any input, sent to the thread when `readLedgerOnThread` takes it over. */
  input: LedgerInput | undefined;
  source: string;
  worker: Worker;
  consumed: Int32Array;
  /** Messages, errors and the exit code received before the reader took over, in order. */
  early: ({ message: Message } | { error: unknown } | { exit: number })[];
  /** Set once `readLedgerOnThread` took the thread over (a thread reads once). */
  taken: boolean;
  /**
   * A `snapshotFile` input's digest, once the thread read the file; undefined when it could not
   * (or the input is another kind: then it never settles).
   */
  digest: Promise<string | undefined>;
};

/**
 * Starts reading `input` (as `readLedgerOnThread`) on a worker thread now, so the thread's start
 * (a new isolate loading its script: tens of milliseconds) overlaps the caller's own set-up;
 * `readLedgerOnThread` with it then takes its rows. The thread does not keep the process alive
 * until then. With `input` undefined (not known yet: the stored ledger, still to be read from the
 * database), the thread starts and waits: `readLedgerOnThread` sends it the input it is given.
 */
export const startLedgerThread = (
  script: string,
  input: LedgerInput | undefined,
  source: string,
  /** Batches it may read ahead of its reader (`ThreadData.ahead`). */
  ahead?: number,
): StartedLedgerThread => {
  const control = new SharedArrayBuffer(4);
  const wire = input === undefined ? undefined : wireOf(input);
  const data: ThreadData = {
    lotwiseLedgerThread: true,
    input: wire,
    source,
    control,
    ...(ahead !== undefined ? { ahead } : {}),
  };
  const worker = new Worker(pathToFileURL(script), { workerData: data, execArgv: workerExecArgv() });
  let digested: (digest: string | undefined) => void = () => {};
  const started: StartedLedgerThread = {
    script,
    input,
    source,
    worker,
    consumed: new Int32Array(control),
    early: [],
    taken: false,
    digest: new Promise((resolve) => {
      digested = resolve;
    }),
  };
  worker.on("message", (m: Message) => {
    if ("digest" in m) digested(m.digest);
    else if ("error" in m) digested(undefined);
    if (!started.taken) started.early.push({ message: m });
  });
  worker.on("error", (error) => {
    digested(undefined);
    if (!started.taken) started.early.push({ error });
  });
  worker.on("exit", (code) => {
    digested(undefined);
    if (!started.taken) started.early.push({ exit: code });
  });
  // After the listeners: adding a "message" listener refs the worker's port again.
  worker.unref();
  return started;
};

/** The thread `startLedgerThreadForArgs` started, until `takeEarlyLedgerThread` takes it. */
let earlyThread: StartedLedgerThread | undefined;

/**
 * The ledger file of a command line that is plainly `lotwise gains … --ledger FILE …` (the command
 * first, no help asked for; the last `--ledger` wins, as in the option parser), else undefined.
 * Anything less plain is left to the command, which starts its own thread.
 */
export const gainsLedgerOfArgs = (args: readonly string[]): string | undefined => {
  if (args[0] !== "gains") return undefined;
  let ledger: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") break;
    if (a === "-h" || a === "--help") return undefined;
    if (a === "--ledger") ledger = args[++i];
    else if (a.startsWith("--ledger=")) ledger = a.slice("--ledger=".length);
  }
  return ledger;
};

/**
 * The CLI entry's early start: for `lotwise gains --ledger FILE` with a file of at least
 * `THREAD_MIN_BYTES`, starts its reading thread now (before the CLI's modules load), for the
 * command to take with `takeEarlyLedgerThread`. Does nothing otherwise. A thread nobody takes
 * (the command failed before reading) keeps nothing alive.
 */
export const startLedgerThreadForArgs = (args: readonly string[]): void => {
  const ledger = gainsLedgerOfArgs(args);
  if (ledger === undefined || earlyThread !== undefined) return;
  let size = 0;
  try {
    size = statSync(ledger).size;
  } catch {
    return; // the command says why it cannot read it
  }
  const script = size >= THREAD_MIN_BYTES ? ledgerThreadScript() : undefined;
  if (script !== undefined) earlyThread = startLedgerThread(script, ledger, ledger);
};

/** The thread `startLedgerThreadForArgs` started (once; undefined when none or already taken). */
export const takeEarlyLedgerThread = (): StartedLedgerThread | undefined => {
  const t = earlyThread;
  earlyThread = undefined;
  return t;
};
