import { createHash } from "node:crypto";
import { NonRetryableError, RetryableError } from "../src/errors.ts";
import type { Logger } from "../src/logger.ts";
import { createLimiter, withRetry } from "../src/utils/retry.ts";
import type { EndpointGate } from "./endpoint-gate.ts";
import { type PostAnswer, postJson } from "./http-post.ts";

/**
 * JSON-RPC over HTTP for every chain family: the one place that owns timeouts, concurrency
 * limits, retries (exponential backoff with jitter on 429, 5xx, timeouts, dropped connections and
 * garbled bodies), batching and the database response cache. The endpoint URL is a secret: it
 * never appears in errors or logs (errors name the chain and method). JSON-RPC exchanges go over
 * `node:http` (chains/http-post.ts); `fetch()`, for client libraries, over `fetch`.
 */

export type RpcCache = {
  /** Cached responses for `keys` (missing keys are absent from the map). */
  getMany: (keys: readonly string[]) => Promise<Map<string, unknown>>;
  put: (
    entries: readonly { key: string; method: string; blockNumber?: bigint | undefined; response: unknown }[],
  ) => Promise<void>;
  /**
   * Writes what `put` buffered, when the cache buffers (chains/rpc-cache.ts); `within` is the
   * database transaction to write in (a `DbOrTx`), else the cache's own database.
   */
  flush?: (within?: unknown) => Promise<void>;
};

export type RpcStats = {
  /** JSON-RPC calls answered by the node (one batch of n calls counts n), errors included. */
  requests: number;
  /** HTTP requests sent, including retries. */
  httpRequests: number;
  /** Calls answered from the cache. */
  cacheHits: number;
  retries: number;
  /** `requests` per JSON-RPC method. */
  byMethod: Record<string, number>;
};

/** A JSON-RPC error object returned by the node (not a transport failure). */
export class RpcResponseError extends NonRetryableError {
  override name = "RpcResponseError";
  readonly code: number;
  readonly data: unknown;
  readonly method: string;
  readonly rpcMessage: string;
  constructor(args: { chain: string; method: string; code: number; message: string; data?: unknown }) {
    super(`${args.chain} RPC ${args.method} failed: ${args.message} (code ${args.code})`);
    this.code = args.code;
    this.data = args.data;
    this.method = args.method;
    this.rpcMessage = args.message;
  }
}

/**
 * The node refused a range query (`eth_getLogs`, `trace_filter`) as too large: too many blocks or
 * too many results. Callers shrink the range; `limit` (blocks) and `suggested` come from the
 * provider's message when it states them.
 */
export class RpcRangeError extends RpcResponseError {
  override name = "RpcRangeError";
  /** Largest block count the provider says it accepts. */
  readonly limit: number | undefined;
  /** A block range the provider suggests (Alchemy, Infura), inclusive. */
  readonly suggested: { from: bigint; to: bigint } | undefined;
  constructor(
    args: ConstructorParameters<typeof RpcResponseError>[0] & {
      limit?: number | undefined;
      suggested?: { from: bigint; to: bigint } | undefined;
    },
  ) {
    super(args);
    this.limit = args.limit;
    this.suggested = args.suggested;
  }
}

/** The node does not offer the method (JSON-RPC -32601, or a provider's "not supported" text). */
export const isMethodUnsupported = (error: unknown): boolean =>
  error instanceof RpcResponseError &&
  !(error instanceof RpcRangeError) &&
  (error.code === -32601 ||
    error.code === -32004 ||
    /method.*(not (found|supported|available|exist|allowed)|unsupported|disabled)|not (supported|available|enabled)|unknown method|does not exist/i.test(
      error.rpcMessage,
    ));

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

/** One call's outcome in `batchSettled`: the result, or the node's JSON-RPC error. */
export type Settled<T> = { ok: true; result: T } | { ok: false; error: RpcResponseError };

export type RpcTransport = {
  chain: string;
  request: <T = unknown>(method: string, params: readonly unknown[], options?: CallOptions) => Promise<T>;
  /**
   * Several calls in one HTTP round trip (split into chunks of `maxBatch`); results in order.
   * @throws RpcResponseError (or RpcRangeError) for the first call the node answered with an error.
   */
  batch: <T = unknown>(requests: readonly RpcRequest[]) => Promise<T[]>;
  /** Like `batch`, but a call's JSON-RPC error is returned in its slot instead of thrown. */
  batchSettled: <T = unknown>(requests: readonly RpcRequest[]) => Promise<Settled<T>[]>;
  /** A `fetch` with the same retries, limits and accounting, for client libraries (web3.js). */
  fetch: typeof fetch;
  /**
   * POSTs a JSON-RPC body of `calls` calls of `method` (counted in `stats`) over `node:http` with
   * the same retries, limits and accounting as `fetch`, and gives the answer's bytes undecoded, in
   * pieces each over an ArrayBuffer of its own (transferable: http-post.ts `pieces`), for a caller
   * that reads them elsewhere (the Solana sync's transaction thread). Any 2xx answer is returned;
   * others fail as through `fetch`.
   */
  postBytes: (body: string, count: { method: string; calls: number }) => Promise<Uint8Array[]>;
  stats: () => RpcStats;
  /** Writes the answers the cache buffered (`RpcCache.flush`); `within`: a database transaction. */
  flushCache?: (within?: unknown) => Promise<void>;
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
  /** Calls per JSON-RPC batch; halved for the transport's lifetime when the node rejects a batch. @defaultValue 50 */
  maxBatch?: number;
  /** First retry delay, in milliseconds. @defaultValue 250 */
  retryBaseMs?: number;
  signal?: AbortSignal | undefined;
  /**
   * The endpoint's quota shared with every other transport to the same host (other wallets,
   * other users, other worker processes): each HTTP exchange holds a lease from request to last
   * body byte (chains/endpoint-gate.ts). @defaultValue none (only `concurrency` applies)
   */
  gate?: EndpointGate | undefined;
};

/** Stable cache key: SHA-256 of method + canonical JSON params (bigints as hex). */
export const cacheKey = (method: string, params: readonly unknown[]): string =>
  createHash("sha256")
    .update(method)
    .update("\n")
    .update(JSON.stringify(params, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)))
    .digest("hex");

const RETRYABLE_RPC_CODES = new Set([-32005, -32603, 429]);
const RATE_LIMIT_TEXT =
  /rate.?limit|too many requests|exceeded.*(capacity|limit|quota)|rate.*exceeded|try again|throttl/i;

/**
 * Provider messages that mean "ask for fewer blocks" (collected from ponder's getLogsRetryHelper
 * live tests: Alchemy, Infura, QuickNode, Ankr, publicnode, llamarpc, Chainstack, BlockPI, …).
 */
const RANGE_TEXT =
  /block range|range (is )?too (large|wide|big)|range.*(exceed|limit)|too many (results|logs|blocks)|more than \d[\d,]* (results|logs)|max(imum)? results|response size|query timeout|(exceed|limit)(s|ed)? .*\b(results|logs)\b|ranges? over \d|limited to an? [\d,]+k? (block )?range/i;

/** Parses a provider's range refusal: its block limit and suggested range, when stated. */
export const classifyRangeError = (
  message: string,
): { limit?: number; suggested?: { from: bigint; to: bigint } } | undefined => {
  if (!RANGE_TEXT.test(message)) return undefined;
  const out: { limit?: number; suggested?: { from: bigint; to: bigint } } = {};
  const range = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(message);
  if (range) out.suggested = { from: BigInt(range[1]!), to: BigInt(range[2]!) };
  const limit =
    /(?:up to an?|limited to(?: an?)?|max(?:imum)? block range:?|ranges? over|range (?:limit|of)(?: is)?:?)\s*([\d,]+)\s*(k\b)?/i.exec(
      message,
    );
  if (limit) {
    const n = Number(limit[1]!.replace(/,/g, "")) * (limit[2] ? 1000 : 1);
    if (Number.isFinite(n) && n > 0) out.limit = n;
  }
  return out;
};

const parseRetryAfter = (value: string | null): number | undefined => {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
};

type JsonRpcItem = {
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
};

/** The node refused the batch as a whole (too many calls in one request); the caller splits it. */
class BatchRejectedError extends NonRetryableError {
  override name = "BatchRejectedError";
}

const toJson = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v));

export const createHttpTransport = (args: CreateTransportArgs): RpcTransport => {
  const { chain, logger } = args;
  const limit = createLimiter(args.concurrency ?? 4);
  let maxBatch = args.maxBatch ?? 50;
  const timeoutMs = args.timeoutMs ?? 30_000;
  const attempts = args.maxAttempts ?? 6;
  const baseMs = args.retryBaseMs ?? 250;
  // fetch refuses URLs with user:password@; such endpoints (nodes behind basic auth) get the header.
  const endpoint = splitCredentials(args.url);
  const stats: RpcStats = { requests: 0, httpRequests: 0, cacheHits: 0, retries: 0, byMethod: {} };
  let nextId = 1;
  const onRetry = (what: string) => (error: unknown, attempt: number, delay: number) => {
    stats.retries++;
    logger.debug("rpc retry", {
      chain,
      call: what,
      attempt,
      delay_ms: delay,
      error: (error as Error).message,
    });
  };

  /**
   * Runs `exchange` in a concurrency slot, holding a lease of the endpoint gate when there is one
   * (the lease covers the whole exchange: `exchange` reads the body before the endpoint is handed
   * back).
   */
  const inSlot = <R>(exchange: () => Promise<R>): Promise<R> =>
    limit(async () => {
      if (!args.gate) return exchange();
      const release = await args.gate.acquire(args.url, args.signal);
      try {
        return await exchange();
      } finally {
        release();
      }
    });

  /** The error of a request that got no answer: a timeout, a refused or dropped connection. */
  const unanswered = (error: unknown, timeout: AbortSignal, what: string): Error => {
    if (args.signal?.aborted) return (args.signal.reason as Error | undefined) ?? (error as Error);
    return new RetryableError(
      `${chain} RPC ${what}: ${timeout.aborted ? `${describeEndpoint(args.url)} did not answer within ${timeoutMs} ms` : `cannot connect to ${describeEndpoint(args.url)} (${connectionCause(error)})`}; check the rpc setting for ${chain}`,
      { cause: error },
    );
  };

  /** 429 and 5xx answers are retried (after the server's Retry-After, when it sends one). */
  const retryableStatus = (status: number, retryAfter: string | null, what: string) =>
    status === 429 || status >= 500
      ? new RetryableError(`${chain} RPC ${what}: HTTP ${status}`, {
          retryAfterMs: parseRetryAfter(retryAfter),
        })
      : undefined;

  /** A body that stopped coming (dropped connection, timeout) is retryable. */
  const interrupted = (error: unknown, what: string): Error => {
    if (args.signal?.aborted) return (args.signal.reason as Error | undefined) ?? (error as Error);
    return new RetryableError(`${chain} RPC ${what}: response interrupted (${(error as Error).message})`, {
      cause: error,
    });
  };

  const timeoutSignal = () => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return { timeout, signal: args.signal ? AbortSignal.any([timeout, args.signal]) : timeout };
  };

  /**
   * One JSON-RPC exchange over `node:http` (chains/http-post.ts; no retry of its own), body read
   * whole by `read` (inside the concurrency slot and the endpoint's lease).
   */
  const postReading = <B>(
    body: string,
    what: string,
    read: (answer: PostAnswer) => Promise<B>,
  ): Promise<{ status: number; ok: boolean; body: B }> =>
    inSlot(async () => {
      stats.httpRequests++;
      const { timeout, signal } = timeoutSignal();
      let answer: PostAnswer;
      try {
        answer = await postJson(endpoint.url, body, endpoint.headers, signal);
      } catch (error) {
        throw unanswered(error, timeout, what);
      }
      const refused = retryableStatus(answer.status, answer.header("retry-after"), what);
      if (refused) {
        answer.discard();
        throw refused;
      }
      let got: B;
      try {
        got = await read(answer);
      } catch (error) {
        throw interrupted(error, what);
      }
      return { status: answer.status, ok: answer.ok, body: got };
    });

  /**
   * `postReading` as text. 4xx bodies that are JSON-RPC answers (some providers send range errors
   * with HTTP 400) are returned for the caller to read.
   */
  const post = async (body: string, what: string): Promise<{ status: number; ok: boolean; text: string }> => {
    const r = await postReading(body, what, (a) => a.text());
    return { status: r.status, ok: r.ok, text: r.body };
  };

  const postBytes = (body: string, count: { method: string; calls: number }): Promise<Uint8Array[]> => {
    stats.requests += count.calls;
    stats.byMethod[count.method] = (stats.byMethod[count.method] ?? 0) + count.calls;
    const what = count.calls === 1 ? count.method : `${count.method} (batch of ${count.calls})`;
    return withRetry<Uint8Array[]>(
      async () => {
        const r = await postReading<Uint8Array[] | string>(body, what, (a) => (a.ok ? a.pieces() : a.text()));
        if (typeof r.body === "string") {
          throw new NonRetryableError(`${chain} RPC ${what}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
        }
        return r.body;
      },
      { attempts, baseMs, signal: args.signal, onRetry: onRetry(what) },
    );
  };

  /**
   * One HTTP exchange through `fetch` (no retry of its own), for client libraries (`fetch()`
   * below), which need a `Response`.
   */
  const sendOnce = (body: string, what: string, init: RequestInit = {}): Promise<Response> =>
    inSlot(async () => {
      const response = await sendUngated(body, what, init);
      if (!args.gate) return response;
      // The lease covers the whole exchange: read the body before handing the endpoint back.
      const bytes = await response.arrayBuffer().catch((error: Error) => {
        throw interrupted(error, what);
      });
      return new Response(bytes, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    });

  const sendUngated = async (body: string, what: string, init: RequestInit): Promise<Response> => {
    stats.httpRequests++;
    const { timeout, signal } = timeoutSignal();
    let response: Response;
    try {
      response = await fetch(endpoint.url, {
        ...init,
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...endpoint.headers,
          ...(init.headers as Record<string, string> | undefined),
        },
        body,
        signal,
      });
    } catch (error) {
      throw unanswered(error, timeout, what);
    }
    const refused = retryableStatus(response.status, response.headers.get("retry-after"), what);
    if (refused) {
      await response.body?.cancel().catch(() => {});
      throw refused;
    }
    return response;
  };

  /**
   * POSTs JSON-RPC calls and returns each call's result or JSON-RPC error, in order. Transport
   * failures, garbled bodies and rate-limit errors are retried for the whole exchange.
   */
  const exchange = (calls: readonly RpcRequest[]): Promise<Settled<unknown>[]> => {
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
        const response = await post(toJson(calls.length === 1 ? payload[0] : payload), what);
        const text = response.text;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (error) {
          if (!response.ok) {
            throw new NonRetryableError(
              `${chain} RPC ${what}: HTTP ${response.status} ${text.slice(0, 200)}`,
            );
          }
          throw new RpcProviderError(`${chain} RPC ${what}: response is not valid JSON`, { cause: error });
        }
        const list = (Array.isArray(json) ? json : [json]) as JsonRpcItem[];
        const byId = new Map<unknown, JsonRpcItem>();
        for (const item of list) if (item && typeof item === "object") byId.set(item.id, item);
        // A single error without id, e.g. {"error":…,"id":null}, answers the one call.
        if (calls.length === 1 && !byId.has(ids[0]) && list.length === 1) byId.set(ids[0], list[0]!);
        if (calls.length > 1 && !Array.isArray(json)) {
          const e = (json as JsonRpcItem).error;
          throw new BatchRejectedError(`${chain} RPC ${what}: batch refused (${e?.message ?? "no results"})`);
        }
        if (!response.ok && list.every((item) => !item?.error && !("result" in (item ?? {})))) {
          throw new NonRetryableError(`${chain} RPC ${what}: HTTP ${response.status} ${text.slice(0, 200)}`);
        }
        return calls.map((c, i): Settled<unknown> => {
          const item = byId.get(ids[i]);
          if (!item)
            throw new RpcProviderError(`${chain} RPC ${c.method}: no response for request id ${ids[i]}`);
          stats.requests++;
          stats.byMethod[c.method] = (stats.byMethod[c.method] ?? 0) + 1;
          if (item.error) {
            const { code, message, data } = item.error;
            const text = String(message);
            const range = classifyRangeError(text);
            if (range)
              return {
                ok: false,
                error: new RpcRangeError({ chain, method: c.method, code, message: text, data, ...range }),
              };
            if (RETRYABLE_RPC_CODES.has(code) && RATE_LIMIT_TEXT.test(text)) {
              throw new RetryableError(`${chain} RPC ${c.method}: ${text} (code ${code})`);
            }
            return {
              ok: false,
              error: new RpcResponseError({ chain, method: c.method, code, message: text, data }),
            };
          }
          if (!("result" in item))
            throw new RpcProviderError(`${chain} RPC ${c.method}: response has no result`);
          return { ok: true, result: item.result };
        });
      },
      { attempts, baseMs, signal: args.signal, onRetry: onRetry(what) },
    );
  };

  /** `exchange`, splitting the batch in halves (and lowering `maxBatch`) while the node refuses it. */
  const exchangeSplitting = async (calls: readonly RpcRequest[]): Promise<Settled<unknown>[]> => {
    try {
      return await exchange(calls);
    } catch (error) {
      if (!(error instanceof BatchRejectedError) || calls.length <= 1) throw error;
      const half = Math.ceil(calls.length / 2);
      maxBatch = Math.max(1, Math.min(maxBatch, half));
      logger.debug("rpc batch refused, splitting", { chain, size: calls.length, max_batch: maxBatch });
      const [a, b] = await Promise.all([
        exchangeSplitting(calls.slice(0, half)),
        exchangeSplitting(calls.slice(half)),
      ]);
      return [...a, ...b];
    }
  };

  const batchSettled = async <T>(requests: readonly RpcRequest[]): Promise<Settled<T>[]> => {
    const results: Settled<unknown>[] = new Array(requests.length);
    const keys = requests.map((r) => (r.options?.cache ? cacheKey(r.method, r.params) : undefined));
    const wanted = keys.filter((k): k is string => k !== undefined);
    const cached =
      args.cache && wanted.length > 0 ? await args.cache.getMany(wanted) : new Map<string, unknown>();
    const pending: number[] = [];
    requests.forEach((_r, i) => {
      const k = keys[i];
      if (k !== undefined && cached.has(k)) {
        results[i] = { ok: true, result: cached.get(k) };
        stats.cacheHits++;
      } else pending.push(i);
    });
    const chunks: number[][] = [];
    for (let i = 0; i < pending.length; i += maxBatch) chunks.push(pending.slice(i, i + maxBatch));
    await Promise.all(
      chunks.map(async (chunk) => {
        const answers = await exchangeSplitting(chunk.map((i) => requests[i]!));
        const toCache: { key: string; method: string; blockNumber?: bigint; response: unknown }[] = [];
        chunk.forEach((i, j) => {
          const answer = answers[j]!;
          results[i] = answer;
          const k = keys[i];
          const cache = requests[i]!.options?.cache;
          // Errors and null answers (unknown tx, not yet mined) are never cached: they may change.
          if (k !== undefined && answer.ok && answer.result !== null && answer.result !== undefined) {
            toCache.push({
              key: k,
              method: requests[i]!.method,
              ...(typeof cache === "object" && cache.blockNumber !== undefined
                ? { blockNumber: cache.blockNumber }
                : {}),
              response: answer.result,
            });
          }
        });
        if (args.cache && toCache.length > 0) await args.cache.put(toCache);
      }),
    );
    return results as Settled<T>[];
  };

  const batch = async <T>(requests: readonly RpcRequest[]): Promise<T[]> => {
    const settled = await batchSettled<T>(requests);
    return settled.map((s) => {
      if (!s.ok) throw s.error;
      return s.result;
    });
  };

  const wrappedFetch = (async (_input: string | URL | Request, init?: RequestInit) => {
    const body = typeof init?.body === "string" ? init.body : "";
    let what = "request";
    try {
      const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
      const list = Array.isArray(parsed) ? parsed : [parsed];
      what = Array.isArray(parsed) ? `batch of ${parsed.length}` : (parsed.method ?? what);
      for (const p of list) {
        stats.requests++;
        const m = p?.method ?? "unknown";
        stats.byMethod[m] = (stats.byMethod[m] ?? 0) + 1;
      }
    } catch {
      // not JSON: count as one request
      stats.requests++;
    }
    const { signal: _ignored, ...rest } = init ?? {};
    return withRetry(
      async () => {
        const response = await sendOnce(body, what, rest);
        if (!response.ok) {
          const text = await response.text().catch(() => "");
          throw new NonRetryableError(`${chain} RPC ${what}: HTTP ${response.status} ${text.slice(0, 200)}`);
        }
        return response;
      },
      { attempts, baseMs, signal: args.signal, onRetry: onRetry(what) },
    );
  }) as typeof fetch;

  return {
    chain,
    request: async <T>(method: string, params: readonly unknown[], options?: CallOptions) =>
      (await batch<T>([{ method, params, ...(options ? { options } : {}) }]))[0]!,
    batch,
    batchSettled,
    fetch: wrappedFetch,
    postBytes,
    stats: () => ({ ...stats, byMethod: { ...stats.byMethod } }),
    flushCache: async (within) => {
      await args.cache?.flush?.(within);
    },
  };
};

/** The system's reason under fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND, …), in words. */
const connectionCause = (error: unknown): string => {
  // fetch wraps the system's error as its cause; node:http throws it as it is.
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  if (code === "ECONNREFUSED") return "connection refused: is the node running?";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host name not found";
  if (code === "ECONNRESET") return "connection reset";
  if (code?.startsWith("CERT") || code?.includes("TLS")) return `TLS error ${code}`;
  return code ?? (error as Error).message;
};

/**
 * Moves a URL's `user:password@` into a Basic `authorization` header, which fetch requires
 * (it refuses URLs carrying credentials). Other URLs, and unparsable ones, are returned as given.
 */
export const splitCredentials = (url: string): { url: string; headers: Record<string, string> } => {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, headers: {} };
  }
  if (!u.username && !u.password) return { url, headers: {} };
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = "";
  u.password = "";
  const token = Buffer.from(`${user}:${password}`, "utf8").toString("base64");
  return { url: u.href, headers: { authorization: `Basic ${token}` } };
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
