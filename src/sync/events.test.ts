import { randomUUID } from "node:crypto";
import { afterAll, expect, test } from "vitest";
import { createTestCommon, TEST_REDIS_URL } from "../../test/services.ts";
import { type RunEvent, runEventsFor } from "./events.ts";

/**
 * Run events on real Redis: installations (or test runs) that share one Redis under different
 * queue prefixes have overlapping user ids, and must each see only their own runs' events.
 */

const prefixA = `lotwise-test-${randomUUID()}`;
const prefixB = `lotwise-test-${randomUUID()}`;
const a1 = createTestCommon({ redisUrl: TEST_REDIS_URL, queuePrefix: prefixA });
const a2 = createTestCommon({ redisUrl: TEST_REDIS_URL, queuePrefix: prefixA });
const b = createTestCommon({ redisUrl: TEST_REDIS_URL, queuePrefix: prefixB });

afterAll(async () => {
  for (const c of [a1, a2, b]) await c.shutdown.close();
});

test("a user's events reach subscribers under the same queue prefix only", async () => {
  const seenA: RunEvent[] = [];
  const seenB: RunEvent[] = [];
  await runEventsFor(a2).subscribe(1, (e) => seenA.push(e));
  await runEventsFor(b).subscribe(1, (e) => seenB.push(e));

  await runEventsFor(b).publish(1, { type: "run", runId: 7, status: "completed" });
  await runEventsFor(a1).publish(1, {
    type: "run",
    runId: 3,
    status: "partial",
    error: "1 of 2 wallet syncs failed",
  });
  await expect.poll(() => seenA.length).toBe(1);
  await expect.poll(() => seenB.length).toBe(1);
  expect(seenA).toEqual([{ type: "run", runId: 3, status: "partial", error: "1 of 2 wallet syncs failed" }]);
  expect(seenB).toEqual([{ type: "run", runId: 7, status: "completed" }]);
});
