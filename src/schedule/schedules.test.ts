import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { syncRuns } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestCommon, createTestDatabase } from "../../test/services.ts";
import type { Common } from "../common.ts";
import { UserInputError } from "../errors.ts";
import { createLocalScheduler } from "./local.ts";
import { getSchedule, missedRunAt, nextRunAt, setSchedule } from "./schedules.ts";

describe("schedule arithmetic (cron in an IANA zone)", () => {
  test("03:00 in New York is 08:00 UTC in winter and 07:00 UTC in summer, across the DST change", () => {
    expect(nextRunAt("0 3 * * *", "America/New_York", new Date("2025-01-10T12:00:00Z")).toISOString()).toBe(
      "2025-01-11T08:00:00.000Z",
    );
    // Clocks jump from 02:00 to 03:00 EDT on 2025-03-09: 03:00 EDT is 07:00 UTC.
    expect(nextRunAt("0 3 * * *", "America/New_York", new Date("2025-03-08T12:00:00Z")).toISOString()).toBe(
      "2025-03-09T07:00:00.000Z",
    );
    expect(nextRunAt("30 1 * * 1", "Asia/Tokyo", new Date("2025-06-01T00:00:00Z")).toISOString()).toBe(
      "2025-06-01T16:30:00.000Z",
    );
  });

  test("nights missed while nothing ran are one run, not one per night", () => {
    const s = { cron: "0 3 * * *", timeZone: "America/New_York", paused: false };
    // Last run 2025-01-10 03:00 EST; three nights later only the latest due instant is returned.
    expect(
      missedRunAt(s, new Date("2025-01-10T08:00:05Z"), new Date("2025-01-13T12:00:00Z"))?.toISOString(),
    ).toBe("2025-01-13T08:00:00.000Z");
    expect(
      missedRunAt(s, new Date("2025-01-10T08:00:05Z"), new Date("2025-01-10T09:00:00Z")),
    ).toBeUndefined();
    expect(
      missedRunAt({ ...s, paused: true }, new Date("2025-01-10T08:00:05Z"), new Date("2025-01-13T12:00:00Z")),
    ).toBeUndefined();
  });

  test("bad expressions and zones are refused with what is wrong", () => {
    expect(() => nextRunAt("0 3 * *", "UTC", new Date())).toThrow(
      "cron expression '0 3 * *' must have 5 fields: minute hour day-of-month month day-of-week (e.g. '0 3 * * *')",
    );
    expect(() => nextRunAt("0 25 * * *", "UTC", new Date())).toThrow(UserInputError);
  });
});

describe("stored schedules and the embedded scheduler", () => {
  let database: Database;
  let common: Common;
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    common = createTestCommon();
  });
  afterAll(async () => {
    await common?.shutdown.close();
    await database?.close();
  });

  test("the default is 03:00 UTC; set keeps unspecified fields; a bad zone stores nothing", async () => {
    const userId = await ensureUser(database.db, "sam");
    expect(await getSchedule(database.db, userId)).toMatchObject({
      cron: "0 3 * * *",
      timeZone: "UTC",
      paused: false,
      isDefault: true,
    });
    await setSchedule(database.db, userId, { timeZone: "Europe/Berlin" });
    await setSchedule(database.db, userId, { cron: "15  4 * * *" });
    expect(await getSchedule(database.db, userId)).toMatchObject({
      cron: "15 4 * * *",
      timeZone: "Europe/Berlin",
      isDefault: false,
    });
    await expect(setSchedule(database.db, userId, { timeZone: "Mars/Olympus" })).rejects.toThrow(
      "unknown time zone 'Mars/Olympus'",
    );
    expect((await getSchedule(database.db, userId)).timeZone).toBe("Europe/Berlin");
  });

  test("at start-up the embedded scheduler runs a missed night once, then arms the next one", async () => {
    const userId = await ensureUser(database.db, "nina");
    await setSchedule(database.db, userId, { cron: "0 3 * * *", timeZone: "UTC" });
    // The last scheduled run was three nights before "now".
    await database.db.insert(syncRuns).values({
      userId,
      trigger: "schedule",
      status: "completed",
      createdAt: new Date("2025-01-10T03:00:01Z"),
    });
    const started: number[] = [];
    const now = () => new Date("2025-01-13T12:00:00Z");
    const scheduler = createLocalScheduler({
      common,
      database,
      now,
      start: async (u) => void started.push(u),
    });
    await scheduler.applyAll();
    await new Promise((r) => setTimeout(r, 50));
    expect(started.filter((u) => u === userId)).toEqual([userId]);
    expect((await scheduler.nextRun(userId))?.toISOString()).toBe("2025-01-14T03:00:00.000Z");
    await scheduler.apply({ ...(await getSchedule(database.db, userId)), paused: true });
    expect(await scheduler.nextRun(userId)).toBeUndefined();
  });
});
