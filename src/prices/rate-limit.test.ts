import { expect, test } from "vitest";
import { createRateLimiter, perMinute } from "./rate-limit.ts";

/** A fake clock: `sleep` advances time instantly and records the waits. */
const fakeClock = () => {
  let now = 1_000_000;
  const waits: number[] = [];
  return {
    waits,
    clock: {
      now: () => now,
      sleep: async (ms: number) => {
        waits.push(ms);
        now += ms;
      },
    },
  };
};

test("createRateLimiter() lets `requests` through per window, then waits exactly for the oldest to expire", async () => {
  const { waits, clock } = fakeClock();
  const acquire = createRateLimiter([{ requests: 3, perMs: 1000 }], clock);
  const starts: number[] = [];
  for (let i = 0; i < 7; i++) {
    await acquire();
    starts.push(clock.now());
  }
  expect(starts.map((s) => s - 1_000_000)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  expect(waits).toEqual([1000, 1000]);
});

test("perMinute() also spreads a minute's budget over 10-second slices", async () => {
  const { clock } = fakeClock();
  const acquire = createRateLimiter(perMinute(30), clock);
  const starts: number[] = [];
  for (let i = 0; i < 31; i++) {
    await acquire();
    starts.push(clock.now() - 1_000_000);
  }
  expect(starts.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 10_000]);
  // never more than 30 starts in any 60 s window
  for (let i = 30; i < starts.length; i++)
    expect(starts[i]! - starts[i - 30]!).toBeGreaterThanOrEqual(60_000);
});

test("concurrent callers are served in order", async () => {
  const { clock } = fakeClock();
  const acquire = createRateLimiter([{ requests: 1, perMs: 500 }], clock);
  const order: number[] = [];
  await Promise.all([0, 1, 2].map((i) => acquire().then(() => order.push(i))));
  expect(order).toEqual([0, 1, 2]);
  expect(clock.now() - 1_000_000).toBe(1000);
});
