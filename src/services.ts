import { type Database, openDatabase } from "../db/client.ts";
import { ensureUser } from "../db/users.ts";
import { createJobQueue } from "../workers/queue.ts";
import type { JobQueue } from "../workers/types.ts";
import type { Common } from "./common.ts";

/** The database, the job queue and the current user, opened once per command or process. */
export type Services = {
  common: Common;
  database: Database;
  queue: JobQueue;
  userId: number;
};

/**
 * Opens the configured database (PGlite or PostgreSQL), migrates it, picks the job queue
 * (BullMQ or in-process) and makes sure the configured user exists. Everything is closed through
 * `common.shutdown`.
 */
export const openServices = async (
  common: Common,
  options: { /** Jobs in this process even with `REDIS_URL`. */ inProcess?: boolean } = {},
): Promise<Services> => {
  const database = await openDatabase(common.config, {
    onSetup: (message) => common.logger.info(message),
  });
  common.shutdown.add("database", () => database.close());
  const queue = await createJobQueue({ common, database, inProcess: options.inProcess });
  const userId = await ensureUser(database.db, common.config.user);
  return { common, database, queue, userId };
};
