import { FlowProducer, Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Common } from "../src/common.ts";
import type { SyncDispatcher } from "../src/sync/runs.ts";
import { DEFAULT_PREFIX, KEEP_COMPLETED, KEEP_FAILED } from "./bullmq.ts";
import { attemptsOf, backoffOf } from "./policy.ts";
import { syncRunLedgerJob, syncRunWalletJob } from "./processors/sync-run.ts";
import type { JobQueue } from "./types.ts";

/** Job ids of a run: stable, so the API finds a run's jobs and a re-dispatch adds nothing twice. */
export const runJobIds = {
  ledger: (runId: number) => `run-${runId}-ledger`,
  wallet: (runId: number, walletId: number) => `run-${runId}-w${walletId}`,
};

/**
 * Starts sync runs. With Redis: one BullMQ flow per run, the ledger rebuild as parent of the
 * per-wallet syncs; each child `ignoreDependencyOnFailure`, so a wallet that fails after its
 * retries is reported and the parent still runs once all children are done. Without Redis: the
 * same processors through the in-process queue (children concurrently, then the parent).
 */
export const createSyncDispatcher = (args: {
  common: Common;
  /** The in-process queue; absent or BullMQ: flows on Redis. */
  queue?: JobQueue | undefined;
  prefix?: string | undefined;
}): SyncDispatcher => {
  const url = args.common.config.redisUrl;
  if (url && (!args.queue || args.queue.kind === "bullmq"))
    return createFlowDispatcher(
      args.common,
      url,
      args.prefix ?? args.common.config.queuePrefix ?? DEFAULT_PREFIX,
    );
  if (!args.queue) throw new Error("createSyncDispatcher: an in-process queue is needed without REDIS_URL");
  return createLocalDispatcher(args.queue);
};

const createFlowDispatcher = (common: Common, url: string, prefix: string): SyncDispatcher => {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  connection.on("error", (e) => common.logger.debug("redis error", { error: e.message }));
  const flows = new FlowProducer({ connection, prefix });
  const ledgerQueue = new Queue(syncRunLedgerJob.name, { connection, prefix });
  const walletQueue = new Queue(syncRunWalletJob.name, { connection, prefix });
  common.shutdown.add("sync flows", async () => {
    await flows.close();
    await ledgerQueue.close();
    await walletQueue.close();
    await connection.quit().catch(() => connection.disconnect());
  });
  const jobOptions = (definition: typeof syncRunWalletJob | typeof syncRunLedgerJob) => ({
    attempts: attemptsOf(definition),
    backoff: { type: "exponential", delay: backoffOf(definition) },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  });
  return {
    dispatch: async ({ runId, userId, walletIds }) => {
      await flows.add({
        name: syncRunLedgerJob.name,
        queueName: syncRunLedgerJob.name,
        data: syncRunLedgerJob.parse({ runId, userId }),
        opts: { ...jobOptions(syncRunLedgerJob), jobId: runJobIds.ledger(runId) },
        children: walletIds.map((walletId) => ({
          name: syncRunWalletJob.name,
          queueName: syncRunWalletJob.name,
          data: syncRunWalletJob.parse({ runId, userId, walletId }),
          opts: {
            ...jobOptions(syncRunWalletJob),
            jobId: runJobIds.wallet(runId, walletId),
            ignoreDependencyOnFailure: true,
          },
        })),
      });
    },
    isAlive: async (runId) => {
      const job = await ledgerQueue.getJob(runJobIds.ledger(runId));
      if (!job) return false;
      const state = await job.getState();
      return state !== "completed" && state !== "failed" && state !== "unknown";
    },
    cancel: async (runId) => {
      const parent = await ledgerQueue.getJob(runJobIds.ledger(runId));
      if (!parent) return;
      // Removes the parent and its children that are not running; a running wallet sync finishes
      // and its processor then sees the run cancelled.
      await parent
        .remove({ removeChildren: true })
        .catch((error: Error) =>
          common.logger.debug("run jobs not removed", { run_id: runId, error: error.message }),
        );
    },
  };
};

const createLocalDispatcher = (queue: JobQueue): SyncDispatcher => {
  const running = new Map<number, Promise<void>>();
  return {
    dispatch: async ({ runId, userId, walletIds }) => {
      const run = (async () => {
        await Promise.allSettled(
          walletIds.map(async (walletId) =>
            (
              await queue.enqueue(
                syncRunWalletJob,
                { runId, userId, walletId },
                { jobId: runJobIds.wallet(runId, walletId) },
              )
            ).result(),
          ),
        );
        await (
          await queue.enqueue(syncRunLedgerJob, { runId, userId }, { jobId: runJobIds.ledger(runId) })
        ).result();
      })();
      running.set(runId, run);
      run.catch(() => {}).finally(() => running.delete(runId));
    },
    isAlive: async (runId) => running.has(runId),
    // In-process jobs check the run's status before they start: a cancelled run's jobs skip.
    cancel: async () => {},
  };
};
