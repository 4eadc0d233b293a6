import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../db/client.ts";
import { syncRuns } from "../db/schema/index.ts";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import type { Common } from "../src/common.ts";
import { startSyncRun } from "../src/sync/runs.ts";
import { createTestCommon, createTestDatabase, TEST_REDIS_URL } from "../test/services.ts";
import { startBullWorkers } from "./bullmq.ts";
import { createSyncDispatcher } from "./flow.ts";
import { scheduledSyncJob } from "./processors/scheduled-sync.ts";
import { createBullScheduler, schedulerIdOf } from "./schedulers.ts";

/**
 * Nightly syncs on BullMQ job schedulers (real Redis, real PostgreSQL): while no worker runs,
 * however many occurrences pass, one job is pending; when a worker returns it runs once; and a
 * scheduled sync never starts while the user's sync is running.
 */

let database: Database & { url?: string };
let common: Common;
const prefix = `lotwise-test-${randomUUID()}`;

beforeAll(async () => {
  database = await createTestDatabase("postgres");
  common = createTestCommon({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL, queuePrefix: prefix });
});
afterAll(async () => {
  await common?.shutdown.close();
  await database?.close();
});

describe("BullMQ job schedulers", () => {
  test("occurrences missed while no worker runs leave one pending job, run once when a worker returns", {
    timeout: 60_000,
  }, async () => {
    const userId = await ensureUser(database.db, "walt");
    const scheduler = createBullScheduler({ common, database, prefix });
    // Every second (a sixth, seconds field: test only; users set five-field expressions).
    await scheduler.apply({
      userId,
      cron: "* * * * * *",
      timeZone: "UTC",
      paused: false,
      isDefault: false,
      updatedAt: undefined,
    });
    const queue = new Queue(scheduledSyncJob.name, { connection: { url: TEST_REDIS_URL }, prefix });
    try {
      await new Promise((r) => setTimeout(r, 3_500));
      const counts = await queue.getJobCounts("waiting", "delayed", "prioritized", "active", "completed");
      expect((counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0)).toBe(1);
      expect(counts.completed).toBe(0);
      // A worker returns: the overdue occurrence runs at once (the user has no wallet: it is skipped, and says so).
      const workers = startBullWorkers({
        common,
        database,
        redisUrl: TEST_REDIS_URL,
        prefix,
        definitions: [scheduledSyncJob],
      });
      try {
        const deadline = Date.now() + 20_000;
        let done = await queue.getJobs(["completed"]);
        while (done.length === 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          done = await queue.getJobs(["completed"]);
        }
        expect(done[0]!.returnvalue).toEqual({ skipped: "no wallets to sync: add a wallet first" });
        expect(done[0]!.data).toEqual({ userId });
      } finally {
        await scheduler.apply({
          userId,
          cron: "* * * * * *",
          timeZone: "UTC",
          paused: true,
          isDefault: false,
          updatedAt: undefined,
        });
        await workers.close();
      }
      expect(await queue.getJobScheduler(schedulerIdOf(userId))).toBeUndefined();
      expect(await scheduler.nextRun(userId)).toBeUndefined();
    } finally {
      await queue.close();
    }
  });

  test("a scheduled sync does not start while the user's sync is running", async () => {
    const userId = await ensureUser(database.db, "ruth");
    await upsertWallet(database.db, userId, {
      chain: "evm:31337",
      address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    });
    // A run that is queued (no worker consumes it here).
    const dispatcher = createSyncDispatcher({ common, prefix });
    const active = await startSyncRun({ db: database.db, dispatcher, userId, trigger: "api" });
    const result = await scheduledSyncJob.process(
      { userId },
      {
        common,
        database,
        jobId: "t",
        attempt: 1,
        signal: new AbortController().signal,
        reportProgress: () => {},
        queuePrefix: prefix,
        secrets: {},
      },
    );
    expect(result).toEqual({ skipped: `run ${active.id} is still active` });
    const runs = await database.db.select().from(syncRuns);
    expect(runs.filter((r) => r.userId === userId).map((r) => r.trigger)).toEqual(["api"]);
  });
});
