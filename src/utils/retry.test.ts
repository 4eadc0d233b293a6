import { describe, expect, test } from "vitest";
import { NonRetryableError, RetryableError } from "../errors.ts";
import { createLimiter, withRetry } from "./retry.ts";

describe("withRetry()", () => {
  test("retries retryable errors with growing, jittered delays, then succeeds", async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw new RetryableError("429");
        return "ok";
      },
      { baseMs: 1, random: () => 0.999, onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(value).toBe("ok");
    expect(calls).toBe(4);
    expect(delays).toEqual([1, 2, 4]);
  });

  test("honours Retry-After and gives up after `attempts`", async () => {
    const delays: number[] = [];
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new RetryableError("busy", { retryAfterMs: 3 });
        },
        { attempts: 3, onRetry: (_e, _a, d) => delays.push(d) },
      ),
    ).rejects.toThrow("busy");
    expect(calls).toBe(3);
    expect(delays).toEqual([3, 3]);
  });

  test("never retries a non-retryable or unknown error", async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new NonRetryableError("bad request");
      }),
    ).rejects.toThrow("bad request");
    await expect(
      withRetry(async () => {
        calls++;
        throw new TypeError("bug");
      }),
    ).rejects.toThrow("bug");
    expect(calls).toBe(2);
  });
});

describe("createLimiter()", () => {
  test("runs at most `limit` tasks at once", async () => {
    const limit = createLimiter(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});
