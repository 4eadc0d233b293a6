import { UserInputError } from "../../errors.ts";
import type { RegisterCommand } from "./types.ts";

const deps = async () => {
  const [schedules, services] = await Promise.all([
    import("../../schedule/schedules.ts"),
    import("../../services.ts"),
  ]);
  return { ...schedules, ...services };
};

/**
 * `lotwise schedule show|set|pause|resume`: the user's nightly sync. With REDIS_URL the change is
 * applied to the BullMQ job scheduler at once; an embedded `lotwise serve` picks it up within a
 * minute.
 */
export const register: RegisterCommand = (program, runtime) => {
  const schedule = program
    .command("schedule")
    .description("the nightly sync of your wallets (run by lotwise serve / workers)");

  const apply = async (
    command: Parameters<typeof runtime.createCommon>[0],
    patch: { cron?: string; timeZone?: string; paused?: boolean },
  ) => {
    const { setSchedule, getSchedule, openServices, nextRunAt } = await deps();
    const common = runtime.createCommon(command);
    const { database, userId } = await openServices(common);
    const s =
      Object.keys(patch).length > 0
        ? await setSchedule(database.db, userId, patch)
        : await getSchedule(database.db, userId);
    let next: Date | undefined;
    if (common.config.redisUrl) {
      const { createBullScheduler } = await import("../../../workers/schedulers.ts");
      const scheduler = createBullScheduler({ common, database });
      if (Object.keys(patch).length > 0) await scheduler.apply(s);
      next = await scheduler.nextRun(userId);
    } else if (!s.paused) next = nextRunAt(s.cron, s.timeZone, new Date());
    return { s, next, db: database.db, userId };
  };

  schedule
    .command("show")
    .description("the schedule, its last run and result, and the next run")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, command) => {
      const { lastScheduledRun } = await deps();
      const { s, next, db, userId } = await apply(command, {});
      const last = await lastScheduledRun(db, userId);
      const out = {
        cron: s.cron,
        time_zone: s.timeZone,
        paused: s.paused,
        default: s.isDefault,
        next_run: next?.toISOString() ?? null,
        last_run: last
          ? {
              run_id: last.id,
              status: last.status,
              error: last.error,
              created_at: last.createdAt.toISOString(),
            }
          : null,
      };
      if (opts.json) {
        runtime.out(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      runtime.out(
        `nightly sync: '${s.cron}' in ${s.timeZone}${s.isDefault ? " (default)" : ""}${s.paused ? ", paused" : ""}\n` +
          `next run: ${next?.toISOString() ?? (s.paused ? "none (paused)" : "unknown")}\n` +
          `last run: ${last ? `${last.createdAt.toISOString()} ${last.status}${last.error ? ` (${last.error})` : ""}` : "never"}\n`,
      );
    });

  schedule
    .command("set")
    .description("change the schedule: --cron '0 3 * * *' and/or --tz America/New_York (also resumes it)")
    .option("--cron <expr>", "five-field cron expression: minute hour day-of-month month day-of-week")
    .option("--tz <zone>", "IANA time zone the expression is read in")
    .action(async (opts: { cron?: string; tz?: string }, command) => {
      if (opts.cron === undefined && opts.tz === undefined)
        throw new UserInputError(
          "give --cron and/or --tz, e.g. lotwise schedule set --cron '0 3 * * *' --tz America/New_York",
        );
      const { s, next } = await apply(command, {
        ...(opts.cron !== undefined ? { cron: opts.cron } : {}),
        ...(opts.tz !== undefined ? { timeZone: opts.tz } : {}),
        paused: false,
      });
      runtime.out(
        `nightly sync set to '${s.cron}' in ${s.timeZone}; next run ${next?.toISOString() ?? "unknown"}\n`,
      );
    });

  schedule
    .command("pause")
    .description("stop the nightly sync until lotwise schedule resume")
    .action(async (_opts, command) => {
      await apply(command, { paused: true });
      runtime.out("nightly sync paused\n");
    });

  schedule
    .command("resume")
    .description("restart a paused nightly sync")
    .action(async (_opts, command) => {
      const { next } = await apply(command, { paused: false });
      runtime.out(`nightly sync resumed; next run ${next?.toISOString() ?? "unknown"}\n`);
    });
};
