import { createHash } from "node:crypto";
import { NonRetryableError, RetryableError } from "../src/errors.ts";
import type { Logger } from "../src/logger.ts";
import { createLimiter, withRetry } from "../src/utils/retry.ts";

/**
 * JSON-RPC over HTTP for every chain family: the one place that owns timeouts, concurrency
 * limits, retries (exponential backoff with jitter on 429, 5xx, timeouts, dropped connections and
 * garbled bodies), batching and the database response cache. The endpoint URL is a secret: it
 * never appears in errors or logs (errors name the chain and method).
 */

export type RpcCache = {
  /** Cached responses for `keys` (missing keys are absent from the map). */
  getMany: (keys: readonly string[]) => Promise<Map<string, unknown>>;
  put: (
    entries: readonly { key: string; method: string; blockNumber?: bigint | undefined; response: unknown }[],
  ) => Promise<void>;
};

export type RpcStats = {
  /** JSON-RPC calls answered by the node (one batch of n calls counts n). */
  requests: number;
  /** HTTP requests sent, including retries. */
  httpRequests: number;
  /** Calls answered from the cache. */
  cacheHits: number;
  retries: number;
};

/** A JSON-RPC error object returned by the node (not a transport failure). */
export class RpcResponseError extends NonRetryableError {
  override name = "RpcResponseError";
  readonly code: number;
  readonly data: unknown;
  readonly method: string;
  constructor(args: { chain: string; method: string; code: number; message: string; data?: unknown }) {
    super(`${args.chain} RPC ${args.method} failed: ${args.message} (code ${args.code})`);
    this.code = args.code;
    this.data = args.data;
    this.method = args.method;
    this.rpcMessage = args.message;
  }
  readonly rpcMessage: string;
}

/** The node answered something that is not valid JSON-RPC, or contradicts itself. */
export class RpcProviderError extends RetryableError {
  override name = "RpcProviderError";
}

export type CallOptions = {
  /**
   * Cache the response in the database (only for data that can no longer change: final blocks,
   * mined receipts). `blockNumber` is stored for reorg clean-up of non-final caches.
   */
  cache?: boolean | { blockNumber?: bigint };
};

export type RpcRequest = { method: string; params: readonly unknown[]; options?: CallOptions };

export type RpcTransport = {
  chain: string;
  request: <T = unknown>(method: string, params: readonly unknown[], options?: CallOptions) => Promise<T>;
  /** Several calls in one HTTP round trip (split into chunks of `maxBatch`); results in order. */
  batch: <T = unknown>(requests: readonly RpcRequest[]) => Promise<T[]>;
  /** A `fetch` with the same retries, limits and accounting, for client libraries (web3.js). */
  fetch: typeof fetch;
  stats: () => RpcStats;
};

export type CreateTransportArgs = {
  chain: string;
  url: string;
  logger: Logger;
  cache?: RpcCache | undefined;
  /** Parallel HTTP requests. @defaultValue 4 */
  concurrency?: number;
  /** Tries per HTTP request. @defaultValue 6 */
  maxAttempts?: number;
  /** Per HTTP request, in milliseconds. @defaultValue 30000 */
  timeoutMs?: number;
  /** Calls per JSON-RPC batch. @defaultValue 50 */
  maxBatch?: number;
  /** First retry delay, in milliseconds. @defaultValue 250 */
  retryBaseMs?: number;
  signal?: AbortSignal | undefined;
};

/** Stable cache key: SHA-256 of method + canonical JSON params (bigints as hex). */
export const cacheKey = (method: string, params: readonly unknown[]): string =>
  createHash("sha256")
    .update(method)
    .update("\n")
    .update(JSON.stringify(params, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)))
    .digest("hex");

const RETRYABLE_RPC_CODES = new Set([-32005, -32603, 429]);
const RATE_LIMIT_TEXT = /rate limit|too many requests|exceeded.*(capacity|limit)|try again/i;

const parseRetryAfter = (value: string | null): number | undefined => {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
};

export const createHttpTransport = (args: CreateTransportArgs): RpcTransport => {
  const { chain, logger } = args;
  const limit = createLimiter(args.concurrency ?? 4);
  const maxBatch = args.maxBatch ?? 50;
  const timeoutMs = args.timeoutMs ?? 30_000;
  const stats: RpcStats = { requests: 0, httpRequests: 0, cacheHits: 0, retries: 0 };
  let nextId = 1;

  /** One HTTP exchange with retries. `what` names the call(s) for errors. */
  const send = (body: string, what: string, init: RequestInit = {}): Promise<Response> =>
    withRetry(
      () =>
        limit(async () => {
          stats.httpRequests++;
          const timeout = AbortSignal.timeout(timeoutMs);
          const signal = args.signal ? AbortSignal.any([timeout, args.signal]) : timeout;
          let response: Response;
          try {
            response = await fetch(args.url, {
              ...init,
              method: "POST",
              headers: {
                "content-type": "application/json",
                ...(init.headers as Record<string, string> | undefined),
              },
              body,
              signal,
            });
          } catch (error) {
            if (args.signal?.aborted) throw error;
            const timedOut = timeout.aborted;
            throw new RetryableError(
              `${chain} RPC ${what}: ${timedOut ? `timed out after ${timeoutMs} ms` : `connection failed (${(error as Error).message})`}`,
              { cause: error },
            );
          }
          if (response.status === 429 || response.status >= 500) {
            await response.body?.cancel().catch(() => {});
            throw new RetryableError(`${chain} RPC ${what}: HTTP ${response.status}`, {
              retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
            });
          }
          if (!response.ok) {
            const text = await response.text().catch(() => "");
            throw new NonRetryableError(
              `${chain} RPC ${what}: HTTP ${response.status} ${text.slice(0, 200)}`,
            );
          }
          return response;
        }),
      {
        attempts: args.maxAttempts ?? 6,
        baseMs: args.retryBaseMs ?? 250,
        signal: args.signal,
        onRetry: (error, attempt, delay) => {
          stats.retries++;
          logger.debug("rpc retry", {
            chain,
            call: what,
            attempt,
            delay_ms: delay,
            error: (error as Error).message,
          });
        },
      },
    );

  /** POSTs JSON-RPC calls and returns their results in order; retries the whole exchange on garbage. */
  const exchange = async (calls: readonly RpcRequest[]): Promise<unknown[]> => {
    const what = calls.length === 1 ? calls[0]!.method : `batch of ${calls.length}`;
    return withRetry(
      async () => {
        const ids = calls.map(() => nextId++);
        const payload = calls.map((c, i) => ({
          jsonrpc: "2.0",
          id: ids[i],
          method: c.method,
          params: c.params,
        }));
        const body = JSON.stringify(calls.length === 1 ? payload[0] : payload, (_k, v) =>
          typeof v === "bigint" ? `0x${v.toString(16)}` : v,
        );
        const response = await send(body, what);
        let json: unknown;
        try {
          json = await response.json();
        } catch (error) {
          throw new RpcProviderError(`${chain} RPC ${what}: response is not valid JSON`, { cause: error });
        }
        const list = Array.isArray(json) ? json : [json];
        const byId = new Map<
          unknown,
          { result?: unknown; error?: { code: number; message: string; data?: unknown } }
        >();
        for (const item of list)
          if (item && typeof item === "object") byId.set((item as { id: unknown }).id, item);
        // A single (non-batch) error without id, e.g. {"error":…,"id":null}, answers the one call.
        if (calls.length === 1 && !byId.has(ids[0]) && list.length === 1) byId.set(ids[0], list[0]);
        return calls.map((c, i) => {
          const item = byId.get(ids[i]);
          if (!item)
            throw new RpcProviderError(`${chain} RPC ${c.method}: no response for request id ${ids[i]}`);
          if (item.error) {
            const { code, message, data } = item.error;
            if (RETRYABLE_RPC_CODES.has(code) && RATE_LIMIT_TEXT.test(String(message))) {
              throw new RetryableError(`${chain} RPC ${c.method}: ${message} (code ${code})`);
            }
            throw new RpcResponseError({ chain, method: c.method, code, message: String(message), data });
          }
          if (!("result" in item))
            throw new RpcProviderError(`${chain} RPC ${c.method}: response has no result`);
          stats.requests++;
          return item.result;
        });
      },
      { attempts: args.maxAttempts ?? 6, baseMs: args.retryBaseMs ?? 250, signal: args.signal },
    );
  };

  const batch = async <T>(requests: readonly RpcRequest[]): Promise<T[]> => {
    const results: unknown[] = new Array(requests.length);
    const keys = requests.map((r) => (r.options?.cache ? cacheKey(r.method, r.params) : undefined));
    const wanted = keys.filter((k): k is string => k !== undefined);
    const cached =
      args.cache && wanted.length > 0 ? await args.cache.getMany(wanted) : new Map<string, unknown>();
    const pending: number[] = [];
    requests.forEach((_r, i) => {
      const k = keys[i];
      if (k !== undefined && cached.has(k)) {
        results[i] = cached.get(k);
        stats.cacheHits++;
      } else pending.push(i);
    });
    const chunks: number[][] = [];
    for (let i = 0; i < pending.length; i += maxBatch) chunks.push(pending.slice(i, i + maxBatch));
    await Promise.all(
      chunks.map(async (chunk) => {
        const answers = await exchange(chunk.map((i) => requests[i]!));
        const toCache: { key: string; method: string; blockNumber?: bigint; response: unknown }[] = [];
        chunk.forEach((i, j) => {
          results[i] = answers[j];
          const k = keys[i];
          const cache = requests[i]!.options?.cache;
          // Null answers (unknown tx, not yet mined) are never cached: they may change.
          if (k !== undefined && answers[j] !== null && answers[j] !== undefined) {
            toCache.push({
              key: k,
              method: requests[i]!.method,
              ...(typeof cache === "object" && cache.blockNumber !== undefined
                ? { blockNumber: cache.blockNumber }
                : {}),
              response: answers[j],
            });
          }
        });
        if (args.cache && toCache.length > 0) await args.cache.put(toCache);
      }),
    );
    return results as T[];
  };

  const wrappedFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const body = typeof init?.body === "string" ? init.body : "";
    let what = "request";
    try {
      const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
      what = Array.isArray(parsed) ? `batch of ${parsed.length}` : (parsed.method ?? what);
      stats.requests += Array.isArray(parsed) ? parsed.length : 1;
    } catch {
      // not JSON: count as one request
      stats.requests++;
    }
    void input;
    const { signal: _ignored, ...rest } = init ?? {};
    return send(body, what, rest);
  }) as typeof fetch;

  return {
    chain,
    request: async <T>(method: string, params: readonly unknown[], options?: CallOptions) =>
      (await batch<T>([{ method, params, ...(options ? { options } : {}) }]))[0]!,
    batch,
    fetch: wrappedFetch,
    stats: () => ({ ...stats }),
  };
};

/** Hides the secret part of an RPC URL for display: scheme, host and port only. */
export const describeEndpoint = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(invalid URL)";
  }
};
