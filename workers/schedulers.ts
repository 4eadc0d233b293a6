import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Database } from "../db/client.ts";
import type { Common } from "../src/common.ts";
import { listSchedules, type Schedule, type Scheduler } from "../src/schedule/schedules.ts";
import { DEFAULT_PREFIX, KEEP_COMPLETED, KEEP_FAILED } from "./bullmq.ts";
import { attemptsOf, backoffOf } from "./policy.ts";
import { scheduledSyncJob } from "./processors/scheduled-sync.ts";

export const schedulerIdOf = (userId: number) => `user-${userId}`;

/**
 * Nightly syncs on BullMQ job schedulers: one scheduler per user (`user-<id>`) producing
 * `scheduled-sync` jobs on the user's cron expression and time zone. BullMQ keeps one pending job
 * per scheduler, so nights missed while no worker ran become a single run when workers return.
 * Existing schedulers are left alone at start-up when unchanged, so an overdue job survives.
 */
export const createBullScheduler = (args: {
  common: Common;
  database: Database;
  prefix?: string;
}): Scheduler => {
  const url = args.common.config.redisUrl;
  if (!url) throw new Error("createBullScheduler needs REDIS_URL");
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  connection.on("error", (e) => args.common.logger.debug("redis error", { error: e.message }));
  const queue = new Queue(scheduledSyncJob.name, {
    connection,
    prefix: args.prefix ?? args.common.config.queuePrefix ?? DEFAULT_PREFIX,
  });
  args.common.shutdown.add("schedulers", async () => {
    await queue.close();
    await connection.quit().catch(() => connection.disconnect());
  });

  const apply = async (s: Schedule) => {
    const id = schedulerIdOf(s.userId);
    if (s.paused) {
      await queue.removeJobScheduler(id);
      return;
    }
    const existing = await queue.getJobScheduler(id);
    if (existing && existing.pattern === s.cron && (existing.tz ?? "UTC") === s.timeZone) return;
    await queue.upsertJobScheduler(
      id,
      { pattern: s.cron, tz: s.timeZone },
      {
        name: scheduledSyncJob.name,
        data: { userId: s.userId },
        opts: {
          attempts: attemptsOf(scheduledSyncJob),
          backoff: { type: "exponential", delay: backoffOf(scheduledSyncJob) },
          removeOnComplete: KEEP_COMPLETED,
          removeOnFail: KEEP_FAILED,
        },
      },
    );
  };
  return {
    kind: "bullmq",
    apply,
    applyAll: async () => {
      for (const s of await listSchedules(args.database.db)) await apply(s);
    },
    nextRun: async (userId) => {
      const s = await queue.getJobScheduler(schedulerIdOf(userId));
      return s?.next ? new Date(s.next) : undefined;
    },
  };
};
