import type { Logger } from "../../logger.ts";

/** How long closing what start-up opened may take before the process exits anyway, in ms. */
export const STOP_BEFORE_READY_GRACE_MS = 5_000;

/**
 * `serve` or `worker` got SIGTERM/SIGINT before it was ready (Redis or PostgreSQL not answering):
 * there is nothing to drain. The command returns so its connections are closed; connections still
 * retrying (ioredis reconnects for good) could keep the process alive, so it exits 0 after a grace
 * period whatever is left.
 */
export const stopBeforeReady = (logger: Logger, options: { now?: boolean } = {}): void => {
  logger.warn("stopped before it was ready (are PostgreSQL and Redis answering?)", {});
  // A worker holds only PostgreSQL connections and BullMQ clients that never connected (closing
  // those makes BullMQ emit their connection error with no listener left): it exits at once.
  if (options.now) process.exit(0);
  setTimeout(() => process.exit(process.exitCode ?? 0), STOP_BEFORE_READY_GRACE_MS).unref();
};
