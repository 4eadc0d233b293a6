import { ConfigError } from "../../errors.ts";
import { stopBeforeReady } from "./stop-before-ready.ts";
import type { RegisterCommand } from "./types.ts";

// Heavy modules load when a command runs, not when the CLI starts (keeps `--help` and `gains` fast).
let startBullWorkers: typeof import("../../../workers/bullmq.ts").startBullWorkers;
let JOB_DEFINITIONS: typeof import("../../../workers/registry.ts").JOB_DEFINITIONS;
let openServices: typeof import("../../services.ts").openServices;
const load = async () => {
  ({ startBullWorkers } = await import("../../../workers/bullmq.ts"));
  ({ JOB_DEFINITIONS } = await import("../../../workers/registry.ts"));
  ({ openServices } = await import("../../services.ts"));
};

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("worker")
    .description(
      "start a queue worker process (needs REDIS_URL and DATABASE_URL); stops cleanly on SIGINT/SIGTERM",
    )
    .action(async (_opts, command) => {
      await load();
      const common = runtime.createCommon(command);
      const { config, logger, shutdown } = common;
      if (!config.redisUrl) {
        throw new ConfigError(
          "lotwise worker needs a Redis URL: set REDIS_URL or --redis-url (without it, jobs run inside each CLI command)",
        );
      }
      if (!config.databaseUrl) {
        throw new ConfigError(
          "lotwise worker needs a shared PostgreSQL database: set DATABASE_URL or --database-url (the embedded database belongs to one process)",
        );
      }
      const services = await openServices(common);
      const workers = startBullWorkers({
        common,
        database: services.database,
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        definitions: JOB_DEFINITIONS,
      });
      // Close workers first (they finish their active jobs), then the queue and the database.
      shutdown.add("workers", () => workers.close());
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info("shutting down", { signal });
          resolve();
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
      });
      logger.info("starting", { queues: JOB_DEFINITIONS.length });
      // A signal while Redis does not answer yet stops the process too (it used to wait for good).
      const connected = Promise.all(workers.workers.map((w) => w.waitUntilReady())).then(() => true);
      // Once the signal won, a later connection error must not crash the exit as an unhandled rejection.
      connected.catch(() => {});
      const ready = await Promise.race([connected, stopped.then(() => false)]);
      if (!ready) {
        stopBeforeReady(logger, { now: true });
        return;
      }
      logger.info("worker ready", { queues: JOB_DEFINITIONS.map((d) => d.name).join(",") });
      await stopped;
      // Drain: take no new job and let running ones finish (up to queues.drainMs); only then does
      // the shutdown abort what is left and close the database.
      logger.info("draining", { wait_ms: config.queues.drainMs });
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        workers.close().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), config.queues.drainMs);
        }),
      ]);
      clearTimeout(timer);
      logger.info(drained ? "drained" : "drain timed out: interrupting running jobs", {});
    });
};
