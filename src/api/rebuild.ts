import { lockedBuildLedgerJob } from "../../workers/processors/sync-run.ts";
import type { ApiContext } from "./context.ts";

/**
 * Queues a ledger rebuild after a change the ledger depends on (a decision, a rule, an import) and
 * returns its job id without waiting: the rebuild runs under the user's ledger lock, on a worker
 * or in this process. Its failure is logged; the next sync or decision rebuilds again.
 */
export const queueRebuild = async (ctx: ApiContext, userId: number): Promise<string> => {
  const handle = await ctx.queue.enqueue(lockedBuildLedgerJob, { userId });
  if (ctx.queue.kind === "in-process")
    handle
      .result()
      .catch((error: Error) =>
        ctx.common.logger.warn("ledger rebuild failed", { user_id: userId, error: error.message }),
      );
  return handle.id;
};
