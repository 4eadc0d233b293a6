import cronParser from "cron-parser";
import { and, desc, eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { syncRuns, syncSchedules, users } from "../../db/schema/index.ts";
import { UserInputError } from "../errors.ts";
import { isTimeZone } from "../tax/dates.ts";

/**
 * Nightly syncs: each user has a schedule, a five-field cron expression read in an IANA time
 * zone; without a stored one, `0 3 * * *` (03:00) in UTC. BullMQ job schedulers run them in
 * service mode (workers/schedulers.ts), an in-process timer in embedded mode (./local.ts).
 */

export const DEFAULT_CRON = "0 3 * * *";
export const DEFAULT_TIME_ZONE = "UTC";

export type Schedule = {
  userId: number;
  cron: string;
  timeZone: string;
  paused: boolean;
  /** True when nothing is stored for the user (the default applies). */
  isDefault: boolean;
  updatedAt: Date | undefined;
};

/**
 * The next instant strictly after `after` matching `cron` in `timeZone`.
 * @throws UserInputError for an invalid expression.
 */
export const nextRunAt = (cron: string, timeZone: string, after: Date): Date =>
  parseCron(cron, timeZone, after).next().toDate();

/** The latest instant at or before `at` matching the schedule (undefined when none in a year). */
export const previousRunAt = (cron: string, timeZone: string, at: Date): Date | undefined => {
  try {
    // `prev()` is strictly before the current date: start one millisecond later to include `at`.
    return parseCron(cron, timeZone, new Date(at.getTime() + 1))
      .prev()
      .toDate();
  } catch {
    return undefined;
  }
};

const parseCron = (cron: string, timeZone: string, currentDate: Date) => {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5)
    throw new UserInputError(
      `cron expression '${cron}' must have 5 fields: minute hour day-of-month month day-of-week (e.g. '0 3 * * *')`,
    );
  try {
    return cronParser.parseExpression(cron, { tz: timeZone, currentDate });
  } catch (error) {
    throw new UserInputError(`cron expression '${cron}': ${(error as Error).message}`);
  }
};

/** Validates a cron expression and time zone. @throws UserInputError naming which is wrong. */
export const checkSchedule = (cron: string, timeZone: string): void => {
  if (!isTimeZone(timeZone))
    throw new UserInputError(`unknown time zone '${timeZone}' (use an IANA name such as America/New_York)`);
  nextRunAt(cron, timeZone, new Date());
};

export const getSchedule = async (db: DbOrTx, userId: number): Promise<Schedule> => {
  const [row] = await db.select().from(syncSchedules).where(eq(syncSchedules.userId, userId));
  return row
    ? {
        userId,
        cron: row.cron,
        timeZone: row.timeZone,
        paused: row.paused,
        isDefault: false,
        updatedAt: row.updatedAt,
      }
    : {
        userId,
        cron: DEFAULT_CRON,
        timeZone: DEFAULT_TIME_ZONE,
        paused: false,
        isDefault: true,
        updatedAt: undefined,
      };
};

/** Every user's effective schedule (stored or default). */
export const listSchedules = async (db: DbOrTx): Promise<Schedule[]> => {
  const rows = await db
    .select({ userId: users.id, s: syncSchedules })
    .from(users)
    .leftJoin(syncSchedules, eq(syncSchedules.userId, users.id));
  return rows.map(({ userId, s }) =>
    s
      ? {
          userId,
          cron: s.cron,
          timeZone: s.timeZone,
          paused: s.paused,
          isDefault: false,
          updatedAt: s.updatedAt,
        }
      : {
          userId,
          cron: DEFAULT_CRON,
          timeZone: DEFAULT_TIME_ZONE,
          paused: false,
          isDefault: true,
          updatedAt: undefined,
        },
  );
};

/** Changes the user's schedule (fields not given keep their value). @throws UserInputError */
export const setSchedule = async (
  db: DbOrTx,
  userId: number,
  patch: { cron?: string | undefined; timeZone?: string | undefined; paused?: boolean | undefined },
): Promise<Schedule> => {
  const current = await getSchedule(db, userId);
  const next = {
    cron: patch.cron?.trim().replace(/\s+/g, " ") ?? current.cron,
    timeZone: patch.timeZone ?? current.timeZone,
    paused: patch.paused ?? current.paused,
  };
  checkSchedule(next.cron, next.timeZone);
  await db
    .insert(syncSchedules)
    .values({ userId, ...next, updatedAt: new Date() })
    .onConflictDoUpdate({ target: syncSchedules.userId, set: { ...next, updatedAt: new Date() } });
  return getSchedule(db, userId);
};

/** The user's latest scheduled run (any status). */
export const lastScheduledRun = async (db: DbOrTx, userId: number) => {
  const [row] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.userId, userId), eq(syncRuns.trigger, "schedule")))
    .orderBy(desc(syncRuns.id))
    .limit(1);
  return row;
};

/**
 * Whether a run was missed while nothing was running the schedule: the latest due instant is
 * after the last scheduled run (and after the schedule was set). However many nights were
 * missed, the answer is one run.
 */
export const missedRunAt = (
  schedule: Pick<Schedule, "cron" | "timeZone" | "paused">,
  since: Date,
  now: Date,
): Date | undefined => {
  if (schedule.paused) return undefined;
  const due = previousRunAt(schedule.cron, schedule.timeZone, now);
  return due && due > since ? due : undefined;
};

/** Runs the schedules: BullMQ job schedulers (service mode) or in-process timers (embedded). */
export type Scheduler = {
  kind: "bullmq" | "in-process";
  /** Registers (or, when paused, removes) the user's schedule. */
  apply: (schedule: Schedule) => Promise<void>;
  /** Registers every user's schedule that is missing or changed (start-up). */
  applyAll: () => Promise<void>;
  /** When the user's next scheduled sync is due, as the scheduler sees it (undefined when paused). */
  nextRun: (userId: number) => Promise<Date | undefined>;
};
