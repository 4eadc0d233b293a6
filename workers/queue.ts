import type { Database } from "../db/client.ts";
import type { Common } from "../src/common.ts";
import { createBullQueue } from "./bullmq.ts";
import { createInProcessQueue } from "./in-process.ts";
import type { JobQueue } from "./types.ts";

/**
 * The job queue for this configuration: BullMQ when `redisUrl` is set (jobs run in
 * `lotwise worker` processes), otherwise the in-process runner. Registers its close.
 */
export const createJobQueue = (args: {
  common: Common;
  database: Database;
  prefix?: string;
  /** Run jobs in this process even when `redisUrl` is set (`lotwise sync --in-process`). */
  inProcess?: boolean | undefined;
}): JobQueue => {
  const { common } = args;
  const queue =
    common.config.redisUrl && !args.inProcess
      ? createBullQueue({
          common,
          redisUrl: common.config.redisUrl,
          prefix: args.prefix ?? common.config.queuePrefix,
        })
      : createInProcessQueue({ common, database: args.database });
  common.shutdown.add("job queue", () => queue.close());
  return queue;
};
