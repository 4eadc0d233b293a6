import type { Database } from "../../db/client.ts";
import type { Common } from "../common.ts";
import { UserInputError } from "../errors.ts";
import { SyncRunningError } from "../sync/runs.ts";
import {
  getSchedule,
  lastScheduledRun,
  listSchedules,
  missedRunAt,
  nextRunAt,
  type Schedule,
  type Scheduler,
} from "./schedules.ts";

/** setTimeout's longest delay; longer waits re-arm. */
const MAX_TIMER_MS = 2_147_000_000;

/**
 * Schedules in the `lotwise serve` process (embedded mode: no Redis). One timer per user fires at
 * the next matching instant and calls `start(userId)`. At start-up a run missed while the server
 * was down (the latest due instant is after the user's last scheduled run) runs once, at once.
 */
export const createLocalScheduler = (args: {
  common: Common;
  database: Database;
  /** Starts the user's scheduled sync (a sync run with trigger `schedule`). */
  start: (userId: number) => Promise<unknown>;
  now?: () => Date;
}): Scheduler => {
  const now = args.now ?? (() => new Date());
  const timers = new Map<number, { timer: NodeJS.Timeout; at: Date }>();
  const { logger } = args.common;
  args.common.shutdown.add("schedules", () => {
    for (const t of timers.values()) clearTimeout(t.timer);
    timers.clear();
  });

  const fire = async (userId: number) => {
    try {
      await args.start(userId);
    } catch (error) {
      if (error instanceof SyncRunningError || error instanceof UserInputError)
        logger.info("scheduled sync skipped", { user_id: userId, reason: error.shortMessage });
      else
        logger.warn("scheduled sync failed to start", { user_id: userId, error: (error as Error).message });
    }
  };

  const arm = (s: Schedule) => {
    const old = timers.get(s.userId);
    if (old) clearTimeout(old.timer);
    timers.delete(s.userId);
    if (s.paused || args.common.shutdown.isClosing()) return;
    const at = nextRunAt(s.cron, s.timeZone, now());
    const wait = Math.min(Math.max(0, at.getTime() - now().getTime()), MAX_TIMER_MS);
    const timer = setTimeout(async () => {
      timers.delete(s.userId);
      if (now() >= at) await fire(s.userId);
      const current = await getSchedule(args.database.db, s.userId).catch(() => undefined);
      if (current) arm(current);
    }, wait);
    timer.unref();
    timers.set(s.userId, { timer, at });
  };

  return {
    kind: "in-process",
    apply: async (s) => arm(s),
    applyAll: async () => {
      for (const s of await listSchedules(args.database.db)) {
        const last = await lastScheduledRun(args.database.db, s.userId);
        const since = last?.createdAt ?? s.updatedAt;
        if (since && missedRunAt(s, since, now())) {
          logger.info("running a missed scheduled sync", { user_id: s.userId });
          void fire(s.userId);
        }
        arm(s);
      }
    },
    nextRun: async (userId) => timers.get(userId)?.at,
  };
};
