import { isRetryable } from "../errors.ts";

/**
 * The one retry helper: exponential backoff with full jitter, honouring a server's `Retry-After`
 * (`RetryableError.retryAfterMs`). Only `RetryableError`s are retried (unless `shouldRetry` says
 * otherwise); everything else is thrown at once.
 */
export type RetryOptions = {
  /** Total tries including the first. @defaultValue 6 */
  attempts?: number;
  /** Base delay in milliseconds; try n waits up to `baseMs × 2^(n-1)`. @defaultValue 250 */
  baseMs?: number;
  /** Cap on one delay, in milliseconds. @defaultValue 15000 */
  maxMs?: number;
  shouldRetry?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal | undefined;
  /** Random source in [0, 1) for jitter (tests pass a fixed one). @defaultValue Math.random */
  random?: () => number;
};

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export const withRetry = async <T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> => {
  const attempts = options.attempts ?? 6;
  const baseMs = options.baseMs ?? 250;
  const maxMs = options.maxMs ?? 15_000;
  const shouldRetry = options.shouldRetry ?? isRetryable;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !shouldRetry(error) || options.signal?.aborted) throw error;
      const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const suggested = (error as { retryAfterMs?: number }).retryAfterMs;
      const delay = suggested !== undefined ? Math.min(maxMs, suggested) : Math.round(random() * ceiling);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
};

/** A counting semaphore: at most `limit` callers run `fn` at once. */
export const createLimiter = (limit: number) => {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
};
