import { Redis } from "ioredis";
import { createSyncDispatcher } from "../../workers/flow.ts";
import { createBullScheduler } from "../../workers/schedulers.ts";
import { assetOptionsFromConfig, createAssetIdentity } from "../assets/index.ts";
import type { Common } from "../common.ts";
import { createLocalScheduler } from "../schedule/local.ts";
import type { Scheduler } from "../schedule/schedules.ts";
import { openServices } from "../services.ts";
import { runEventsFor } from "../sync/events.ts";
import { failOrphanedRuns, startSyncRun } from "../sync/runs.ts";
import type { ApiContext } from "./context.ts";
import { createGainsCache } from "./gains-cache.ts";
import { createThreadGainsComputer } from "./gains-thread.ts";
import { type ApiServerOptions, createApiServer } from "./server.ts";
import type { Api } from "./types.ts";

export type RunningService = { app: Api; url: string; ctx: ApiContext };

/**
 * `lotwise serve`: opens the database and queue, the sync dispatcher and the schedules, and
 * listens. Embedded (no REDIS_URL): jobs and nightly schedules run in this process, and runs a
 * previous process left unfinished are closed as failed. Service mode: jobs go to BullMQ for
 * `lotwise worker` processes, and the schedules are BullMQ job schedulers.
 * Shutdown (SIGTERM/SIGINT via `common.shutdown`) stops accepting requests, lets running requests
 * finish, then closes the queue and the database.
 */
export const startService = async (
  common: Common,
  options: ApiServerOptions & { host: string; port: number },
): Promise<RunningService> => {
  const services = await openServices(common);
  const { database, queue } = services;
  const dispatcher = createSyncDispatcher({ common, queue, prefix: options.queuePrefix });
  let scheduler: Scheduler;
  let pingRedis: (() => Promise<void>) | undefined;
  if (common.config.redisUrl) {
    scheduler = createBullScheduler({
      common,
      database,
      ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
    });
    const redis = new Redis(common.config.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    redis.on("error", () => {});
    await redis.connect().catch(() => {});
    common.shutdown.add("readiness redis", () => void redis.disconnect());
    pingRedis = async () => {
      if (redis.status !== "ready") await redis.connect().catch(() => {});
      await redis.ping();
    };
  } else {
    const closed = await failOrphanedRuns(
      database.db,
      "interrupted: the server stopped before the run finished",
    );
    if (closed > 0) common.logger.warn("closed unfinished sync runs of a previous server", { runs: closed });
    scheduler = createLocalScheduler({
      common,
      database,
      start: (userId) => startSyncRun({ db: database.db, dispatcher, userId, trigger: "schedule" }),
    });
  }
  await scheduler.applyAll();
  // Users created and schedules changed by the CLI meanwhile are picked up within a minute.
  const refresh = setInterval(() => {
    scheduler
      .applyAll()
      .catch((error: Error) => common.logger.warn("schedules not refreshed", { error: error.message }));
  }, 60_000);
  refresh.unref();
  common.shutdown.add("schedule refresh", () => clearInterval(refresh));
  const assetOptions = assetOptionsFromConfig(common.config);
  const identity = createAssetIdentity(assetOptions);
  // On PostgreSQL, gains are computed in a worker thread with its own connection: a cache miss
  // (seconds of CPU on a big ledger) does not hold up every other request. PGlite lives in this
  // thread, so the embedded mode computes here.
  const gainsCache = createGainsCache({
    db: database.db,
    displaySymbol: (a) => identity.displaySymbol(a),
    ...(database.kind === "postgres" && common.config.databaseUrl
      ? { computer: createThreadGainsComputer({ databaseUrl: common.config.databaseUrl, assetOptions }) }
      : {}),
  });
  common.shutdown.add("gains thread", () => gainsCache.close());
  const ctx: ApiContext = {
    common,
    database,
    queue,
    dispatcher,
    scheduler,
    events: runEventsFor(common),
    gainsCache,
    identity,
    pingRedis,
  };
  const app = await createApiServer(ctx, options);
  // Registered last, so it runs first: stop taking requests before the queue and database close.
  common.shutdown.add("http server", () => app.close());
  const url = await app.listen({ host: options.host, port: options.port });
  common.logger.info("lotwise API listening", { url, mode: common.config.redisUrl ? "service" : "embedded" });
  return { app, url, ctx };
};
