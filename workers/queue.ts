import type { Database } from "../db/client.ts";
import type { Common } from "../src/common.ts";
import type { JobQueue } from "./types.ts";

/**
 * The job queue for this configuration: BullMQ when `redisUrl` is set (jobs run in
 * `lotwise worker` processes), otherwise the in-process runner. Registers its close. BullMQ and
 * ioredis load only when they are used.
 */
export const createJobQueue = async (args: {
  common: Common;
  database: Database;
  prefix?: string;
  /** Run jobs in this process even when `redisUrl` is set (`lotwise sync --in-process`). */
  inProcess?: boolean | undefined;
}): Promise<JobQueue> => {
  const { common } = args;
  const queue =
    common.config.redisUrl && !args.inProcess
      ? (await import("./bullmq.ts")).createBullQueue({
          common,
          redisUrl: common.config.redisUrl,
          prefix: args.prefix ?? common.config.queuePrefix,
        })
      : (await import("./in-process.ts")).createInProcessQueue({ common, database: args.database });
  common.shutdown.add("job queue", () => queue.close());
  return queue;
};
