import path from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, threadId, Worker, workerData } from "node:worker_threads";
import { createDatabase } from "../../db/client.ts";
import { type AssetOptions, createAssetIdentity } from "../assets/index.ts";
import { computeStoredGains, type StoredGains, type StoredGainsOptions } from "../books/gains.ts";
import { revivedError, type SentError, sendableError } from "../errors.ts";
import { PACKAGE_ROOT } from "../package-root.ts";
import { workerExecArgv } from "../utils/worker-argv.ts";

/**
 * Gains of a stored ledger computed off the API's event loop. Computing 100,000 rows takes
 * seconds of CPU: on the event loop, every other request (ledger pages, cached summaries, other
 * users) waited that long. Here one worker thread with its own PostgreSQL connection loads the
 * rows and runs the engine; the event loop only receives the result.
 *
 * A summary request gets the summary alone (`GainsSummaryOnly`, a few kB): the Form 8949 rows
 * stay in the thread and are dropped, so neither copying them back nor keeping them costs the
 * event loop anything. Form 8949 pages, CSV downloads and reports ask for the full result.
 */

/** What a summary needs of `StoredGains`: everything but the Form 8949 and gift rows. */
export type GainsSummaryOnly = Omit<StoredGains, "form8949" | "gifts"> & {
  form8949Rows: number;
  /** The thread that computed it (the API's own thread when computed in-process). */
  threadId: number;
};

export const summaryOnly = (g: StoredGains, by = threadId): GainsSummaryOnly => ({
  taxYear: g.taxYear,
  summary: g.summary,
  ledgerRows: g.ledgerRows,
  routed: g.routed,
  form8949Rows: g.form8949.length,
  threadId: by,
});

/** Computes gains of a user's stored ledger: in this thread, or in a worker thread. */
export type GainsComputer = {
  summary: (userId: number, options: StoredGainsOptions) => Promise<GainsSummaryOnly>;
  full: (userId: number, options: StoredGainsOptions) => Promise<StoredGains>;
  close: () => Promise<void>;
};

type ThreadData = { lotwiseGainsThread: true; databaseUrl: string; assetOptions: AssetOptions };
type Request = { id: number; userId: number; options: StoredGainsOptions; full: boolean };
type Reply =
  | { id: number; ok: true; value: StoredGains | GainsSummaryOnly }
  | { id: number; ok: false; error: SentError };

/**
 * Starts the worker thread's script, `dist/gains-thread.js`, also when this module runs from the
 * TypeScript sources (tests: vitest's global setup and the benches rebuild dist/ when a source is
 * newer; Node 20 does not apply tsx's loader to a worker's entry).
 */
const startThread = (data: ThreadData): Worker =>
  new Worker(pathToFileURL(path.join(PACKAGE_ROOT, "dist", "gains-thread.js")), {
    workerData: data,
    execArgv: workerExecArgv(),
  });

/**
 * A `GainsComputer` with one worker thread (started at the first request, restarted after a
 * crash) on its own connection to `databaseUrl` (PostgreSQL). Requests run one after another in
 * the order they came: on a shared machine, two computations at once would only slow each other.
 */
export const createThreadGainsComputer = (args: {
  databaseUrl: string;
  assetOptions: AssetOptions;
}): GainsComputer => {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const data: ThreadData = {
      lotwiseGainsThread: true,
      databaseUrl: args.databaseUrl,
      assetOptions: args.assetOptions,
    };
    const w = startThread(data);
    w.on("message", (m: Reply) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.value as never);
      else p.reject(revivedError(m.error));
    });
    w.on("error", (error) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`gains thread failed: ${error.message}`));
    });
    w.on("exit", (code) => {
      if (worker === w) worker = undefined;
      if (pending.size > 0) failAll(new Error(`gains thread exited (${code})`));
    });
    // An idle thread does not keep the process alive; pending requests hold it through their callers.
    w.unref();
    return w;
  };
  const ask = <T>(userId: number, options: StoredGainsOptions, full: boolean): Promise<T> => {
    worker ??= start();
    const id = nextId++;
    const w = worker;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: never) => void, reject });
      const request: Request = { id, userId, options, full };
      w.postMessage(request);
    });
  };
  return {
    summary: (userId, options) => ask<GainsSummaryOnly>(userId, options, false),
    full: (userId, options) => ask<StoredGains>(userId, options, true),
    close: async () => {
      const w = worker;
      worker = undefined;
      failAll(new Error("gains thread closed"));
      if (w) await w.terminate();
    },
  };
};

/** A `GainsComputer` on the caller's thread (PGlite: the database lives in this thread). */
export const createInlineGainsComputer = (args: {
  compute: (userId: number, options: StoredGainsOptions) => Promise<StoredGains>;
}): GainsComputer => ({
  summary: async (userId, options) => summaryOnly(await args.compute(userId, options)),
  full: args.compute,
  close: async () => {},
});

/** The worker thread's side: answers requests one at a time until the API terminates it. */
export const runGainsThread = async (): Promise<void> => {
  const data = workerData as ThreadData | undefined;
  const port = parentPort;
  if (!port || !data?.lotwiseGainsThread)
    throw new Error("gains-thread: not started as the API's gains thread");
  const database = await createDatabase({ kind: "postgres", url: data.databaseUrl, poolSize: 1 });
  const identity = createAssetIdentity(data.assetOptions);
  const displaySymbol = (asset: string) => identity.displaySymbol(asset);
  let queue: Promise<void> = Promise.resolve();
  port.on("message", (m: Request) => {
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        const g = await computeStoredGains(database.db, m.userId, m.options, { displaySymbol });
        reply = { id: m.id, ok: true, value: m.full ? g : summaryOnly(g) };
      } catch (error) {
        reply = { id: m.id, ok: false, error: sendableError(error) };
      }
      port.postMessage(reply);
    });
  });
};
