/**
 * `lotwise reconcile --ledger FILE` on a worker thread, so that the engine's pass over the ledger
 * file (seconds of CPU) runs while the command's own thread opens the database and loads the form
 * rows (another second or two, mostly PGlite): on a machine with two cores the two overlap
 * instead of adding up. The thread gets the form rows when they are loaded, then looks up the
 * ledger rows explanations need, reconciles, writes the output files and returns the summary
 * text; the reconciliation itself (Form 8949 lines, discrepancies) never crosses back.
 *
 * Its script is `dist/reconcile-thread.js` (src/reconcile/file-thread-main.ts), also when this
 * module runs from the TypeScript sources (tests rebuild dist/ when a source is newer), as the
 * API's gains thread does.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { type AssetOptions, createAssetIdentity } from "../assets/index.ts";
import { revivedError, type SentError, sendableError } from "../errors.ts";
import { PACKAGE_ROOT } from "../package-root.ts";
import type { Method, Scope } from "../tax/types.ts";
import { workerExecArgv } from "../utils/worker-argv.ts";
import { reconcile } from "./run.ts";
import type { FormRow } from "./types.ts";
import { formatReconcileSummary, writeReconciliationFiles } from "./write.ts";

export type ReconcileFileJob = {
  /** The ledger CSV v1 file (absolute). */
  path: string;
  /** Its name in messages (as the user wrote it). */
  source: string;
  year: number;
  method: Method;
  scope: Scope;
  strict: boolean;
  /** Output folder. */
  out: string;
  assetOptions: AssetOptions;
};

type ThreadData = { lotwiseReconcileThread: true; job: ReconcileFileJob };
type Reply = { ok: true; summary: string } | { ok: false; error: SentError };

/** The thread's script; undefined when dist/ is not built (the caller reconciles in its own thread). */
export const reconcileThreadScript = (): string | undefined => {
  const file = path.join(PACKAGE_ROOT, "dist", "reconcile-thread.js");
  return existsSync(file) ? file : undefined;
};

/**
 * Starts the reconciliation of `job` on a worker thread now (the engine's pass begins at once);
 * `run` hands it the form rows and resolves with the summary text once the files are written.
 * `cancel` stops it (no form rows: nothing to reconcile).
 */
export const startReconcileThread = (
  script: string,
  job: ReconcileFileJob,
): { run: (forms: readonly FormRow[]) => Promise<string>; cancel: () => Promise<void> } => {
  const data: ThreadData = { lotwiseReconcileThread: true, job };
  const worker = new Worker(pathToFileURL(script), { workerData: data, execArgv: workerExecArgv() });
  const result = new Promise<string>((resolve, reject) => {
    let settled = false;
    worker.on("message", (m: Reply) => {
      settled = true;
      if (m.ok) resolve(m.summary);
      else reject(revivedError(m.error));
    });
    worker.on("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.on("exit", (code) => {
      if (!settled) reject(new Error(`reconcile thread exited (${code}) without a result`));
    });
  });
  // Settled by `run`'s caller; until then a failure (an invalid ledger) waits for the form rows.
  result.catch(() => {});
  return {
    run: (forms) => {
      worker.postMessage(forms);
      return result;
    },
    cancel: async () => {
      await worker.terminate();
    },
  };
};

/** The worker thread's side: reconciles its job once the form rows arrive, replies once. */
export const runReconcileThread = async (): Promise<void> => {
  const data = workerData as ThreadData | undefined;
  const port = parentPort;
  if (!port || !data?.lotwiseReconcileThread)
    throw new Error("reconcile-thread: not started by lotwise reconcile");
  const { job } = data;
  const forms = new Promise<readonly FormRow[]>((resolve) => port.once("message", resolve));
  let reply: Reply;
  try {
    const identity = createAssetIdentity(job.assetOptions);
    const run = await reconcile({
      userId: 0,
      year: job.year,
      method: job.method,
      scope: job.scope,
      strict: job.strict,
      forms,
      ledger: { kind: "file", path: job.path, source: job.source },
      displaySymbol: (a) => identity.displaySymbol(a),
    });
    const written = await writeReconciliationFiles(job.out, run);
    reply = { ok: true, summary: formatReconcileSummary(run, written) };
  } catch (error) {
    reply = { ok: false, error: sendableError(error) };
  }
  port.postMessage(reply);
  port.close();
};
