import { sleep } from "../utils/retry.ts";

/**
 * A request budget: at most `requests` starts in any window of `perMs` milliseconds (a sliding
 * window, so a burst never exceeds the provider's published limit). Several limits combine, e.g.
 * 5 per second and 30 per minute.
 */
export type RateLimit = { requests: number; perMs: number };

/** Waits until one more request fits every limit, then records its start. Calls queue in order. */
export type RateLimiter = (signal?: AbortSignal) => Promise<void>;

export const createRateLimiter = (
  limits: readonly RateLimit[],
  clock: { now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void> } = {
    now: Date.now,
    sleep,
  },
): RateLimiter => {
  const keep = Math.max(1, ...limits.map((l) => l.requests));
  const starts: number[] = [];
  let queue: Promise<void> = Promise.resolve();
  return (signal) => {
    const turn = queue.then(async () => {
      for (;;) {
        const now = clock.now();
        let wait = 0;
        for (const l of limits) {
          const oldest = starts[starts.length - l.requests];
          if (starts.length >= l.requests && oldest !== undefined)
            wait = Math.max(wait, oldest + l.perMs - now);
        }
        if (wait <= 0) break;
        await clock.sleep(wait, signal);
      }
      starts.push(clock.now());
      if (starts.length > keep) starts.splice(0, starts.length - keep);
    });
    queue = turn.catch(() => {});
    return turn;
  };
};

/** Limits for `n` requests per minute (never more than a sixth of them in one 10-second slice). */
export const perMinute = (n: number): RateLimit[] => [
  { requests: Math.max(1, Math.floor(n)), perMs: 60_000 },
  { requests: Math.max(1, Math.ceil(n / 6)), perMs: 10_000 },
];
