import { NonRetryableError, RetryableError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { withRetry } from "../utils/retry.ts";
import { parseJsonExact } from "./json.ts";
import type { RateLimiter } from "./rate-limit.ts";

/**
 * GET-JSON over HTTP for the price APIs: one rate limiter per provider, a timeout per request,
 * and the project's retry helper (429, 5xx, timeouts, dropped connections and unreadable bodies
 * are retried with backoff; `Retry-After` is honoured). Bodies are parsed with exact numbers.
 * Errors name the provider and the path, never the base URL's credentials or a header (the
 * CoinGecko key travels in a header).
 */

/** The API answered with a status retrying cannot fix (400, 401, 403, 404, …). */
export class HttpStatusError extends NonRetryableError {
  override name = "HttpStatusError";
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export type HttpJsonClient = {
  /** GETs `path` (relative to the base URL, query included) and parses the body with exact numbers. */
  getJson: (path: string, signal?: AbortSignal) => Promise<unknown>;
  /** HTTP requests sent, retries included. */
  requests: () => number;
};

export type CreateHttpJsonClientArgs = {
  /** Provider name for errors and logs. */
  name: string;
  baseUrl: string;
  /** Sent with every request (API keys go here, never in the URL). */
  headers?: Record<string, string>;
  limiter: RateLimiter;
  logger: Logger;
  /** Per request, in milliseconds. @defaultValue 30000 */
  timeoutMs?: number;
  /** Tries per request. @defaultValue 5 */
  maxAttempts?: number;
  /** First retry delay, in milliseconds. @defaultValue 500 */
  retryBaseMs?: number;
  /** Longest single wait, in milliseconds (also caps `Retry-After`). @defaultValue 60000 */
  retryMaxMs?: number;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
};

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds. */
export const parseRetryAfter = (value: string | null, now = Date.now()): number | undefined => {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

export const createHttpJsonClient = (args: CreateHttpJsonClientArgs): HttpJsonClient => {
  const base = args.baseUrl.endsWith("/") ? args.baseUrl : `${args.baseUrl}/`;
  const timeoutMs = args.timeoutMs ?? 30_000;
  const doFetch = args.fetch ?? globalThis.fetch;
  let sent = 0;

  const once = async (path: string, signal: AbortSignal | undefined): Promise<unknown> => {
    await args.limiter(signal);
    sent++;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
    const what = `${args.name} GET /${path.split("?")[0]}`;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(new URL(path, base), {
        headers: { accept: "application/json", ...args.headers },
        signal: combined,
      });
      if (response.status === 429 || response.status >= 500) {
        await response.body?.cancel().catch(() => {});
        throw new RetryableError(`${what}: HTTP ${response.status}`, {
          retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
        });
      }
      text = await response.text();
    } catch (error) {
      if (error instanceof RetryableError) throw error;
      if (signal?.aborted) throw error;
      throw new RetryableError(
        `${what}: ${timeout.aborted ? `timed out after ${timeoutMs} ms` : `connection failed (${(error as Error).message})`}`,
        { cause: error },
      );
    }
    if (!response.ok)
      throw new HttpStatusError(`${what}: HTTP ${response.status} ${text.slice(0, 200)}`, response.status);
    try {
      return parseJsonExact(text);
    } catch (error) {
      throw new RetryableError(`${what}: the response is not valid JSON`, { cause: error });
    }
  };

  return {
    getJson: (path, signal) =>
      withRetry(() => once(path, signal), {
        attempts: args.maxAttempts ?? 5,
        baseMs: args.retryBaseMs ?? 500,
        maxMs: args.retryMaxMs ?? 60_000,
        signal,
        onRetry: (error, attempt, delayMs) =>
          args.logger.debug("price request retry", {
            provider: args.name,
            attempt,
            delay_ms: delayMs,
            error: (error as Error).message,
          }),
      }),
    requests: () => sent,
  };
};
