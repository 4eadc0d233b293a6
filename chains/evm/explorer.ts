import { NonRetryableError, RetryableError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import { createLimiter, sleep, withRetry } from "../../src/utils/retry.ts";
import type { BlockRange } from "./ranges.ts";

/**
 * Optional discovery accelerator: an Etherscan-compatible API (Etherscan API V2 with `chainid`,
 * Blockscout, Routescan). It only says which transactions touch the address (`txlist`: sent and
 * received; `txlistinternal`: internal value transfers); amounts and fees always come from the
 * node's receipts and traces. Pages by block, as these APIs require: `sort=asc` with at most
 * `pageSize` rows per answer, then again from the last row's block (re-read, deduplicated) until a
 * page comes back short; a block that alone fills a page is read with page numbers. The API key is
 * a secret: errors name the chain and action only.
 */

export type ExplorerConfig = { url: string; apiKey?: string | undefined };

/** A transaction the explorer lists for the address. */
export type ExplorerHit = { hash: string; block: bigint };

export type Explorer = {
  /** Every transaction of the address with a call (external or internal) in `range`. */
  discover: (range: BlockRange) => Promise<ExplorerHit[]>;
  /**
   * The block of the address's first transaction in `range` (normal, internal or token transfer:
   * one row of `txlist`, `txlistinternal`, `tokentx`, `tokennfttx`, `token1155tx` each), or
   * undefined when it has none. An action the explorer does not offer is skipped.
   */
  firstBlock?: (range: BlockRange) => Promise<bigint | undefined>;
  /** HTTP requests sent (retries included). */
  requests: () => number;
};

export type CreateExplorerArgs = {
  chain: string;
  /** EIP-155 chain id, sent as `chainid` (Etherscan V2; other APIs ignore it). */
  chainId: number | undefined;
  address: string;
  config: ExplorerConfig;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** Rows per request (Etherscan: 1,000 on the free tier from July 2026). @defaultValue 1000 */
  pageSize?: number;
  /** Rows one query may reach through `page` numbers (Etherscan: page × offset ≤ 10,000). @defaultValue 10000 */
  maxRowsPerQuery?: number;
  /** Least time between requests, in milliseconds (free tiers allow 3/s). @defaultValue 350 */
  minIntervalMs?: number;
  /** Per request, in milliseconds. @defaultValue 30000 */
  timeoutMs?: number;
  /** Tries per request. @defaultValue 6 */
  maxAttempts?: number;
  retryBaseMs?: number;
};

const ACTIONS = ["txlist", "txlistinternal"] as const;

type Row = { hash?: string; blockNumber?: string };

export const createExplorer = (args: CreateExplorerArgs): Explorer => {
  const pageSize = args.pageSize ?? 1000;
  const minIntervalMs = args.minIntervalMs ?? 350;
  const timeoutMs = args.timeoutMs ?? 30_000;
  const serial = createLimiter(1);
  let last = 0;
  let requests = 0;

  const get = (action: string, range: BlockRange, page = 1, offset = pageSize): Promise<Row[]> =>
    withRetry(
      () =>
        serial(async () => {
          const wait = last + minIntervalMs - Date.now();
          if (wait > 0) await sleep(wait, args.signal);
          last = Date.now();
          requests++;
          const url = new URL(args.config.url);
          const query: Record<string, string> = {
            ...(args.chainId !== undefined ? { chainid: String(args.chainId) } : {}),
            module: "account",
            action,
            address: args.address,
            startblock: range.from.toString(),
            endblock: range.to.toString(),
            page: String(page),
            offset: String(offset),
            sort: "asc",
            ...(args.config.apiKey ? { apikey: args.config.apiKey } : {}),
          };
          for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
          const what = `${args.chain} explorer ${action} blocks ${range.from}-${range.to}${page > 1 ? ` page ${page}` : ""}`;
          const timeout = AbortSignal.timeout(timeoutMs);
          let response: Response;
          try {
            response = await fetch(url, {
              signal: args.signal ? AbortSignal.any([timeout, args.signal]) : timeout,
            });
          } catch (error) {
            if (args.signal?.aborted) throw args.signal.reason ?? error;
            throw new RetryableError(`${what}: ${timeout.aborted ? "timed out" : "connection failed"}`, {
              cause: error,
            });
          }
          if (response.status === 429 || response.status >= 500) {
            await response.body?.cancel().catch(() => {});
            throw new RetryableError(`${what}: HTTP ${response.status}`);
          }
          let body: { status?: string; message?: string; result?: unknown };
          try {
            body = (await response.json()) as typeof body;
          } catch (error) {
            throw new RetryableError(`${what}: response is not valid JSON`, { cause: error });
          }
          if (Array.isArray(body.result)) return body.result as Row[];
          const text = `${body.message ?? ""} ${typeof body.result === "string" ? body.result : ""}`.trim();
          if (/rate limit|too many|try again|busy/i.test(text)) {
            throw new RetryableError(`${what}: ${text}`, { retryAfterMs: 1000 });
          }
          if (/no (transactions|records) found/i.test(text)) return [];
          throw new NonRetryableError(`${what}: ${text || `HTTP ${response.status}`}`);
        }),
      {
        attempts: args.maxAttempts ?? 6,
        ...(args.retryBaseMs !== undefined ? { baseMs: args.retryBaseMs } : {}),
        signal: args.signal,
        onRetry: (error, attempt) =>
          args.logger.debug("explorer retry", {
            chain: args.chain,
            attempt,
            error: (error as Error).message,
          }),
      },
    );

  /** Adds a page's rows to `seen`; returns the highest block in it. */
  const collect = (
    action: string,
    rows: Row[],
    range: BlockRange,
    seen: Map<string, ExplorerHit>,
  ): bigint => {
    let lastBlock = range.from;
    for (const row of rows) {
      if (!row.hash || !/^0x[0-9a-fA-F]{64}$/.test(row.hash) || !/^\d+$/.test(row.blockNumber ?? "")) {
        throw new NonRetryableError(`${args.chain} explorer ${action}: a row lacks hash or blockNumber`);
      }
      const block = BigInt(row.blockNumber!);
      if (block < range.from || block > range.to) {
        throw new NonRetryableError(
          `${args.chain} explorer ${action}: row of block ${block} outside ${range.from}-${range.to}`,
        );
      }
      seen.set(row.hash.toLowerCase(), { hash: row.hash.toLowerCase(), block });
      if (block > lastBlock) lastBlock = block;
    }
    return lastBlock;
  };

  /**
   * All rows of `action` in `range`, paging by block. A page that ends where it started (one block
   * fills it) is continued with page numbers over that block alone, then past it.
   */
  const listAll = async (action: string, range: BlockRange): Promise<ExplorerHit[]> => {
    const seen = new Map<string, ExplorerHit>();
    const maxPages = Math.max(1, Math.floor((args.maxRowsPerQuery ?? 10_000) / pageSize));
    let from = range.from;
    for (;;) {
      const rows = await get(action, { from, to: range.to });
      const lastBlock = collect(action, rows, { from, to: range.to }, seen);
      if (rows.length < pageSize) return [...seen.values()];
      if (lastBlock > from) {
        from = lastBlock;
        continue;
      }
      for (let page = 2; ; page++) {
        if (page > maxPages) {
          throw new NonRetryableError(
            `${args.chain} explorer ${action}: block ${from} alone has more rows than one query can page through; ` +
              "sync this chain without the explorer",
          );
        }
        const more = await get(action, { from, to: from }, page);
        collect(action, more, { from, to: from }, seen);
        if (more.length < pageSize) break;
      }
      if (from === range.to) return [...seen.values()];
      from += 1n;
    }
  };

  return {
    discover: async (range) => {
      const hits = new Map<string, ExplorerHit>();
      for (const action of ACTIONS) for (const h of await listAll(action, range)) hits.set(h.hash, h);
      return [...hits.values()];
    },
    firstBlock: async (range) => {
      let first: bigint | undefined;
      for (const action of [...ACTIONS, "tokentx", "tokennfttx", "token1155tx"]) {
        let rows: Row[];
        try {
          rows = await get(action, range, 1, 1);
        } catch (error) {
          if (error instanceof NonRetryableError) continue; // an action this explorer does not offer
          throw error;
        }
        const b = rows[0]?.blockNumber;
        if (b && /^\d+$/.test(b) && (first === undefined || BigInt(b) < first)) first = BigInt(b);
      }
      return first;
    },
    requests: () => requests,
  };
};
