import type { Common } from "../../src/common.ts";
import { NonRetryableError, UserInputError } from "../../src/errors.ts";
import { type SyncDispatcher, SyncRunningError, startSyncRun } from "../../src/sync/runs.ts";
import { createSyncDispatcher } from "../flow.ts";
import type { JobDefinition } from "../types.ts";

export type ScheduledSyncData = { userId: number };

/** One dispatcher per worker process and queue prefix (it holds a Redis connection). */
const dispatchers = new WeakMap<Common, Map<string, SyncDispatcher>>();
const dispatcherFor = (common: Common, prefix: string | undefined): SyncDispatcher => {
  let byPrefix = dispatchers.get(common);
  if (!byPrefix) {
    byPrefix = new Map();
    dispatchers.set(common, byPrefix);
  }
  const key = prefix ?? "";
  let d = byPrefix.get(key);
  if (!d) {
    d = createSyncDispatcher({ common, prefix });
    byPrefix.set(key, d);
  }
  return d;
};

/**
 * A user's nightly sync, produced by the user's BullMQ job scheduler (workers/schedulers.ts):
 * starts a sync run unless one is already queued or running (one user's sync never runs twice at
 * once) or the user has no wallets. BullMQ keeps one pending job per scheduler, so nights missed
 * while no worker ran become one run when workers return.
 */
export const scheduledSyncJob: JobDefinition<ScheduledSyncData, { runId?: number; skipped?: string }> = {
  name: "scheduled-sync",
  attempts: 3,
  backoffMs: 10_000,
  parse: (data) => {
    const d = data as Partial<ScheduledSyncData> | null;
    if (!d || typeof d.userId !== "number" || !Number.isInteger(d.userId))
      throw new NonRetryableError("scheduled-sync: userId must be an integer");
    return { userId: d.userId };
  },
  process: async (data, ctx) => {
    try {
      const run = await startSyncRun({
        db: ctx.database.db,
        dispatcher: dispatcherFor(ctx.common, ctx.queuePrefix),
        userId: data.userId,
        trigger: "schedule",
      });
      return { runId: run.id };
    } catch (error) {
      if (error instanceof SyncRunningError) return { skipped: `run ${error.runId} is still active` };
      if (error instanceof UserInputError) return { skipped: error.shortMessage };
      throw error;
    }
  },
};
