import { buildLedgerJob } from "../../workers/processors/build-ledger.ts";
import type { Services } from "../services.ts";
import { withWorkers } from "./workers-check.ts";

/** Runs the ledger build job (in-process or on a worker) with a progress bar and prints what it did. */
export const rebuildAndReport = async (services: Services, out: (text: string) => void, full = false) => {
  const task = services.common.progress.task("ledger", { unit: "transactions" });
  const handle = await services.queue.enqueue(
    buildLedgerJob,
    { userId: services.userId, full },
    {
      onProgress: (p) =>
        task.update({
          done: p.done,
          ...(p.total !== undefined ? { total: p.total } : {}),
          ...(p.detail ? { detail: p.detail } : {}),
        }),
    },
  );
  // With REDIS_URL and no worker the rebuild would wait forever: say so instead.
  const r = await withWorkers(services.queue, buildLedgerJob, () => handle.result());
  task.finish(`${r.rows} rows`);
  if (r.mode === "unchanged") {
    out("ledger: up to date\n");
  } else {
    out(
      `ledger: ${r.mode} rebuild${r.from ? ` from ${r.from}` : ""}: ${r.transactions} transactions, ` +
        `${r.rows} rows, ${r.reviews} review items${r.missingPrices ? `, ${r.missingPrices} missing prices` : ""}\n`,
    );
  }
  return r;
};
