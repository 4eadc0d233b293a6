import { z } from "zod";
import { getSchedule, lastScheduledRun, setSchedule } from "../../schedule/schedules.ts";
import { errors, iso } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

const ScheduleBody = z
  .object({
    cron: z.string().describe("five fields: minute hour day-of-month month day-of-week"),
    timeZone: z.string().describe("IANA time zone the cron expression is read in"),
    paused: z.boolean(),
    isDefault: z.boolean().describe("true: nothing set, the default (03:00 UTC) applies"),
    nextRun: z.string().nullable(),
    lastRun: z
      .object({
        runId: z.number().int(),
        status: z.string(),
        error: z.string().nullable(),
        createdAt: z.string(),
        finishedAt: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: "Schedule" });

export const registerSchedule: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;
  const body = async (userId: number) => {
    const s = await getSchedule(db, userId);
    const last = await lastScheduledRun(db, userId);
    const next = s.paused ? undefined : await ctx.scheduler.nextRun(userId);
    return {
      cron: s.cron,
      timeZone: s.timeZone,
      paused: s.paused,
      isDefault: s.isDefault,
      nextRun: iso(next),
      lastRun: last
        ? {
            runId: last.id,
            status: last.status,
            error: last.error,
            createdAt: iso(last.createdAt)!,
            finishedAt: iso(last.finishedAt),
          }
        : null,
    };
  };

  app.get(
    "/schedule",
    {
      schema: {
        tags: ["schedule"],
        summary: "Your nightly sync: expression, time zone, last run and its result, next run",
        response: { 200: ScheduleBody, ...errors },
      },
    },
    async (request) => body(request.userId),
  );

  app.put(
    "/schedule",
    {
      schema: {
        tags: ["schedule"],
        summary: "Change your nightly sync (fields not given keep their value); paused: true stops it",
        body: z.object({
          cron: z.string().max(100).optional(),
          timeZone: z.string().max(64).optional(),
          paused: z.boolean().optional(),
        }),
        response: { 200: ScheduleBody, ...errors },
      },
    },
    async (request) => {
      const s = await setSchedule(db, request.userId, request.body);
      await ctx.scheduler.apply(s);
      return body(request.userId);
    },
  );
};
