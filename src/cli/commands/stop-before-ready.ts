import type { Logger } from "../../logger.ts";

/** How long closing what start-up opened may take before the process exits anyway, in ms. */
export const STOP_BEFORE_READY_GRACE_MS = 5_000;

let stopped = false;

/**
 * Whether a command stopped before it was ready (`stopBeforeReady`). The CLI's entry then exits as
 * soon as the command's closes are done (src/cli/bin.ts): what start-up was still opening (Redis
 * clients that reconnect for good) would otherwise keep the process alive until the grace period.
 */
export const stoppedBeforeReady = (): boolean => stopped;

/**
 * `serve` or `worker` got SIGTERM/SIGINT before it was ready (Redis or PostgreSQL not answering):
 * there is nothing to drain. The command returns so its connections are closed (the embedded
 * database among them), then the process exits. Should closing hang, it exits 0 after a grace
 * period whatever is left, and says so.
 */
export const stopBeforeReady = (logger: Logger, options: { now?: boolean } = {}): void => {
  logger.warn("stopped before it was ready (are PostgreSQL and Redis answering?)", {});
  // A worker holds only PostgreSQL connections and BullMQ clients that never connected (closing
  // those makes BullMQ emit their connection error with no listener left): it exits at once.
  if (options.now) process.exit(0);
  stopped = true;
  setTimeout(() => {
    logger.warn("still closing after the grace period: exiting anyway", {
      grace_ms: STOP_BEFORE_READY_GRACE_MS,
    });
    process.exit(process.exitCode ?? 0);
  }, STOP_BEFORE_READY_GRACE_MS).unref();
};
