import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../db/client.ts";
import type { Common } from "../src/common.ts";
import { NonRetryableError, RetryableError } from "../src/errors.ts";
import { type Logger, silentLogger } from "../src/logger.ts";
import { createTestCommon, createTestDatabase, TEST_REDIS_URL } from "../test/services.ts";
import { startBullWorkers } from "./bullmq.ts";
import { createJobQueue } from "./queue.ts";
import type { JobDefinition, JobProgress, JobQueue } from "./types.ts";

/**
 * A real processor for the round trip: sums exact decimal amounts given as strings (bigint
 * inside, so the result must survive JSON), reports progress, and fails transiently on its first
 * try so the retry path runs on both runners.
 */
const sumJob: JobDefinition<{ amounts: string[]; failFirst: boolean }, { total: string; attempt: number }> = {
  name: "test-sum",
  attempts: 3,
  backoffMs: 10,
  parse: (data) => {
    const d = data as { amounts?: unknown; failFirst?: unknown };
    if (!Array.isArray(d.amounts) || !d.amounts.every((a) => typeof a === "string" && /^-?\d+$/.test(a))) {
      throw new NonRetryableError("amounts must be integer strings");
    }
    return { amounts: d.amounts as string[], failFirst: d.failFirst === true };
  },
  process: async (data, ctx) => {
    if (data.failFirst && ctx.attempt === 1) throw new RetryableError("transient failure");
    let total = 0n;
    data.amounts.forEach((a, i) => {
      total += BigInt(a);
      ctx.reportProgress({ done: i + 1, total: data.amounts.length, unit: "amounts" });
    });
    return { total: total.toString(), attempt: ctx.attempt };
  },
};

const poisonJob: JobDefinition<{ n: number }, never> = {
  name: "test-poison",
  attempts: 5,
  backoffMs: 10,
  parse: (data) => data as { n: number },
  process: async (data) => {
    throw new NonRetryableError(`bad input ${data.n}`);
  },
};

describe("job queue: the same processors on BullMQ and in-process", () => {
  let database: Database;
  const prefix = `lotwise-test-${randomUUID()}`;
  let bullCommon: Common;
  let localCommon: Common;
  let bull: JobQueue;
  let local: JobQueue;
  let workers: { close: () => Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    bullCommon = createTestCommon({ redisUrl: TEST_REDIS_URL });
    localCommon = createTestCommon();
    bull = await createJobQueue({ common: bullCommon, database, prefix });
    local = await createJobQueue({ common: localCommon, database });
    workers = startBullWorkers({
      common: bullCommon,
      database,
      redisUrl: TEST_REDIS_URL,
      prefix,
      definitions: [sumJob, poisonJob],
    });
  });
  afterAll(async () => {
    await workers?.close();
    await bullCommon?.shutdown.close();
    await localCommon?.shutdown.close();
    await database?.close();
  });

  test("kinds follow the configuration", () => {
    expect(bull.kind).toBe("bullmq");
    expect(local.kind).toBe("in-process");
  });

  test("a job round-trips with the same result, after one retry, on both runners", async () => {
    const data = { amounts: [String(2n ** 200n), "-5", "17"], failFirst: true };
    const progress: JobProgress[] = [];
    const viaRedis = await (
      await bull.enqueue(sumJob, data, { onProgress: (p) => progress.push(p) })
    ).result();
    const inProcess = await (await local.enqueue(sumJob, data)).result();
    expect(viaRedis).toEqual({ total: (2n ** 200n + 12n).toString(), attempt: 2 });
    expect(inProcess).toEqual(viaRedis);
  });

  test("in-process, a retry says which try failed, of how many, and when the next one starts", async () => {
    const warnings: { msg: string; fields: unknown }[] = [];
    const logger: Logger = {
      ...silentLogger,
      warn: (msg, fields) => warnings.push({ msg, fields }),
    };
    const common = { ...createTestCommon(), logger };
    const queue = await createJobQueue({ common, database });
    await (await queue.enqueue(sumJob, { amounts: ["1"], failFirst: true })).result();
    expect(warnings).toEqual([
      {
        msg: "job failed, retrying",
        fields: expect.objectContaining({
          job: "test-sum",
          attempt: 1,
          attempts: 3,
          retry_in_s: 0.01,
          error: "transient failure",
        }),
      },
    ]);
    await common.shutdown.close();
  });

  test("status() reports completion and progress", async () => {
    for (const q of [bull, local]) {
      const handle = await q.enqueue(sumJob, { amounts: ["1", "2"], failFirst: false });
      await handle.result();
      const status = await q.status(sumJob, handle.id);
      expect(status?.state).toBe("completed");
      expect(status?.progress).toMatchObject({ done: 2, total: 2 });
      expect(status?.attemptsMade).toBe(1);
    }
  });

  test("a non-retryable error fails at once (no retries) on both runners", async () => {
    for (const q of [bull, local]) {
      const handle = await q.enqueue(poisonJob, { n: 7 });
      await expect(handle.result()).rejects.toThrow("bad input 7");
      const status = await q.status(poisonJob, handle.id);
      expect(status?.state).toBe("failed");
      expect(status?.attemptsMade).toBe(1);
    }
  });

  test("a bad payload is refused when enqueued", async () => {
    await expect(bull.enqueue(sumJob, { amounts: [1.5] } as never)).rejects.toThrow(NonRetryableError);
    await expect(local.enqueue(sumJob, { amounts: [1.5] } as never)).rejects.toThrow(NonRetryableError);
  });
});
