/** Test harness for the HTTP API: the real server on a test database, driven with `inject` or over loopback. */
import type { Database } from "../db/client.ts";
import type { ApiContext } from "../src/api/context.ts";
import { createGainsCache } from "../src/api/gains-cache.ts";
import { createApiServer } from "../src/api/server.ts";
import type { Api } from "../src/api/types.ts";
import { assetOptionsFromConfig, createAssetIdentity } from "../src/assets/index.ts";
import type { Common } from "../src/common.ts";
import { createLocalScheduler } from "../src/schedule/local.ts";
import { runEventsFor } from "../src/sync/events.ts";
import { startSyncRun } from "../src/sync/runs.ts";
import { createUser } from "../src/users/keys.ts";
import { createSyncDispatcher } from "../workers/flow.ts";
import { createJobQueue } from "../workers/queue.ts";

/** An API server in embedded mode (in-process jobs and schedules) on `database`. */
export const createTestApi = async (args: {
  common: Common;
  database: Database;
  queuePrefix?: string;
}): Promise<{ app: Api; ctx: ApiContext }> => {
  const { common, database } = args;
  const queue = await createJobQueue({
    common,
    database,
    ...(args.queuePrefix ? { prefix: args.queuePrefix } : {}),
  });
  const dispatcher = createSyncDispatcher({ common, queue, prefix: args.queuePrefix });
  const scheduler = createLocalScheduler({
    common,
    database,
    start: (userId) => startSyncRun({ db: database.db, dispatcher, userId, trigger: "schedule" }),
  });
  const identity = createAssetIdentity(assetOptionsFromConfig(common.config));
  const ctx: ApiContext = {
    common,
    database,
    queue,
    dispatcher,
    scheduler,
    events: runEventsFor(common),
    gainsCache: createGainsCache({ db: database.db, displaySymbol: (a) => identity.displaySymbol(a) }),
    identity,
  };
  const app = await createApiServer(ctx, { queuePrefix: args.queuePrefix });
  common.shutdown.add("test api", () => app.close());
  return { app, ctx };
};

/** Creates a user and returns the Authorization header for their key. */
export const createTestUser = async (database: Database, name: string) => {
  const issued = await createUser(database.db, { name });
  return { userId: issued.userId, key: issued.key, auth: { authorization: `Bearer ${issued.key}` } };
};
