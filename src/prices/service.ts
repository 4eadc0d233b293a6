import { createHttpTransport, type RpcTransport } from "../../chains/transport.ts";
import type { DbOrTx } from "../../db/client.ts";
import { type AssetIdentity, assetOptionsFromConfig, createAssetIdentity } from "../assets/index.ts";
import type { Common } from "../common.ts";
import { BaseError, NonRetryableError } from "../errors.ts";
import { Decimal } from "../utils/decimal.ts";
import { type CacheSpan, loadPriceCache } from "./cache.ts";
import { createHttpJsonClient, type HttpJsonClient } from "./http.ts";
import { createCoingeckoProvider } from "./providers/coingecko.ts";
import { createDefillamaProvider } from "./providers/defillama.ts";
import { createFileProvider } from "./providers/file.ts";
import { createOnchainProvider } from "./providers/onchain.ts";
import { createStablecoinProvider } from "./providers/stablecoin.ts";
import { createRateLimiter, perMinute } from "./rate-limit.ts";
import { chooseSwapSide, type SwapLeg, type SwapSide } from "./swap.ts";
import type {
  MissingPrice,
  MissingReason,
  Price,
  PriceManyResult,
  PriceOutcome,
  PriceProvider,
  PriceProviderName,
  PriceQuery,
  PriceStats,
} from "./types.ts";

/**
 * The price service: every (asset, time) the ledger needs, priced by the providers in
 * `prices.order`, the first answer winning. The rule: the latest price at or before the
 * movement, no older than `prices.stalenessHours`; never a later price, never a zero, never a
 * float. A query nobody can price comes back missing with every provider's reason.
 *
 * `priceMany` deduplicates the queries, reads the stored prices of all their assets in a few
 * batched queries, then hands each provider only what is still unpriced, in one call (each
 * provider batches its own requests). HTTP and on-chain prices are stored in the `prices` table,
 * so a second run asks nobody for what it already has.
 */

export type PriceService = {
  /** Prices `queries`; one outcome per query, in order, plus the distinct missing ones. */
  priceMany: (queries: readonly PriceQuery[], context?: { signal?: AbortSignal }) => Promise<PriceManyResult>;
  /** Values a swap by its better-priced side (see `chooseSwapSide`). */
  valueSwap: (
    legs: { out: SwapLeg; in: SwapLeg },
    context?: { signal?: AbortSignal },
  ) => Promise<SwapValuation>;
  /** The asset identity the service prices with. */
  identity: AssetIdentity;
  stats: () => PriceStats;
};

export type SwapValuation =
  | { ok: true; usd: string; side: SwapSide; price: Price; outcomes: { out: PriceOutcome; in: PriceOutcome } }
  | { ok: false; missing: MissingPrice[] };

export type CreatePriceServiceArgs = {
  common: Common;
  database: { db: DbOrTx };
  /** @defaultValue built from `config.assets` and `config.nativeSymbols` */
  identity?: AssetIdentity;
  /** The JSON-RPC transport of a chain. @defaultValue one per chain from `config.rpc`, via chains/transport.ts */
  transport?: (chain: string) => RpcTransport | undefined;
  /** Replaces the providers built from the configuration (tests). */
  providers?: readonly PriceProvider[];
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** First retry delay of the HTTP providers, in milliseconds. @defaultValue 500 */
  retryBaseMs?: number;
};

const PUBLIC_COINGECKO = "https://api.coingecko.com/api/v3";
const PRO_COINGECKO = "https://pro-api.coingecko.com/api/v3";

/** A hint's field as a query's identity prints it (absent and empty alike). */
const sameField = (x: unknown, y: unknown): boolean => x === y || `${x ?? ""}` === `${y ?? ""}`;

/**
 * Whether two queries of one instant are one query: same asset and hint (chain, block, contract),
 * compared field by field (no key text made per query).
 */
const sameQuery = (a: PriceQuery, b: PriceQuery): boolean =>
  a.asset === b.asset &&
  sameField(a.hint?.chain, b.hint?.chain) &&
  sameField(a.hint?.blockNumber, b.hint?.blockNumber) &&
  sameField(a.hint?.contract, b.hint?.contract);

export const createPriceService = (args: CreatePriceServiceArgs): PriceService => {
  const { config, logger } = args.common;
  const settings = config.prices;
  const identity = args.identity ?? createAssetIdentity(assetOptionsFromConfig(config));
  const stalenessMs = settings.stalenessHours * 3_600_000;
  const cacheWindowMs = Math.min(settings.cacheWindowMinutes * 60_000, stalenessMs);
  const stats: PriceStats = { queries: 0, answered: {}, cacheHits: 0, httpRequests: {}, rpcCalls: 0 };
  const clients: Partial<Record<PriceProviderName, HttpJsonClient>> = {};

  const transports = new Map<string, RpcTransport | undefined>();
  const transport =
    args.transport ??
    ((chain: string) => {
      if (!transports.has(chain)) {
        const url = config.rpc[chain];
        transports.set(
          chain,
          url
            ? createHttpTransport({
                chain,
                url,
                logger,
                concurrency: config.sync.concurrency,
                maxAttempts: config.sync.maxAttempts,
                timeoutMs: config.sync.timeoutMs,
                signal: args.common.shutdown.signal,
              })
            : undefined,
        );
      }
      return transports.get(chain);
    });

  const httpClient = (
    name: PriceProviderName,
    baseUrl: string,
    perMin: number,
    headers?: Record<string, string>,
  ) => {
    const client = createHttpJsonClient({
      name,
      baseUrl,
      ...(headers ? { headers } : {}),
      limiter: createRateLimiter(perMinute(perMin)),
      logger,
      timeoutMs: settings.timeoutMs,
      maxAttempts: settings.maxAttempts,
      ...(args.retryBaseMs !== undefined ? { retryBaseMs: args.retryBaseMs } : {}),
      ...(args.fetch ? { fetch: args.fetch } : {}),
    });
    clients[name] = client;
    return client;
  };

  const build = (name: PriceProviderName): PriceProvider => {
    switch (name) {
      case "file":
        return createFileProvider();
      case "stablecoin":
        return createStablecoinProvider(identity);
      case "onchain":
        return createOnchainProvider({
          identity,
          settings: settings.onchain,
          transport,
          minStableReserve: settings.onchainMinStableReserve,
          maxTradeShare: settings.onchainMaxTradeShare,
          reviewTradeShare: settings.onchainReviewTradeShare,
          onRpcCalls: (n) => {
            stats.rpcCalls += n;
          },
        });
      case "defillama":
        return createDefillamaProvider({
          identity,
          http: httpClient("defillama", settings.defillamaUrl, settings.defillamaRequestsPerMinute),
          cacheWindowMs,
        });
      case "coingecko": {
        const key = settings.coingeckoApiKey;
        const pro = settings.coingeckoPlan === "pro";
        const url = settings.coingeckoUrl ?? (pro ? PRO_COINGECKO : PUBLIC_COINGECKO);
        return createCoingeckoProvider({
          identity,
          http: key
            ? httpClient("coingecko", url, settings.coingeckoRequestsPerMinute, {
                [pro ? "x-cg-pro-api-key" : "x-cg-demo-api-key"]: key,
              })
            : undefined,
          cacheWindowMs,
        });
      }
      default: {
        const never: never = name;
        throw new NonRetryableError(`unknown price provider ${String(never)}`);
      }
    }
  };
  const providers = args.providers ?? settings.order.map(build);

  const priceMany: PriceService["priceMany"] = async (queries, context = {}) => {
    // Distinct queries: the same (asset, time, hint) is priced once.
    const unique: PriceQuery[] = [];
    // Per instant (ms) its latest distinct query, and per distinct query the one before it of the
    // same instant (-1 for none): an instant has a handful, looked through field by field.
    const latestAt = new Map<number, number>();
    const sameInstant: number[] = [];
    const indexOf = queries.map((q, i) => {
      const t = q.time instanceof Date ? q.time.getTime() : Number.NaN;
      if (Number.isNaN(t)) {
        throw new NonRetryableError(`price query ${i} (${q.asset}) has an invalid time`);
      }
      const latest = latestAt.get(t) ?? -1;
      let u = latest;
      while (u !== -1 && !sameQuery(unique[u]!, q)) u = sameInstant[u]!;
      if (u === -1) {
        u = unique.length;
        latestAt.set(t, u);
        sameInstant.push(latest);
        unique.push(q);
      } else if (q.quantity !== undefined) {
        // One price per (asset, instant, place); the largest movement decides a pool price's floor.
        const prev = unique[u]!;
        if (prev.quantity === undefined || new Decimal(q.quantity).gt(prev.quantity))
          unique[u] = { ...prev, quantity: q.quantity };
      }
      return u;
    });
    stats.queries += unique.length;

    const spans = new Map<string, CacheSpan>();
    const reach = Math.max(stalenessMs, cacheWindowMs);
    for (const q of unique) {
      const t = q.time.getTime();
      const s = spans.get(q.asset);
      if (!s) spans.set(q.asset, { fromMs: t - reach, toMs: t });
      else {
        s.fromMs = Math.min(s.fromMs, t - reach);
        s.toMs = Math.max(s.toMs, t);
      }
    }
    const cache = await loadPriceCache(args.database.db, spans);

    const outcomes: (PriceOutcome | undefined)[] = new Array(unique.length);
    // Made for a query a provider could not answer (most are answered by the first).
    const reasons: (MissingReason[] | undefined)[] = new Array(unique.length);
    let pending = unique.map((_q, i) => i);
    for (const provider of providers) {
      if (pending.length === 0) break;
      const asked = pending.map((i) => unique[i]!);
      let answers: Awaited<ReturnType<PriceProvider["price"]>>;
      try {
        answers = await provider.price(asked, { cache, stalenessMs, signal: context.signal });
      } catch (error) {
        if (context.signal?.aborted) throw error;
        const msg = error instanceof BaseError ? error.shortMessage : (error as Error).message;
        logger.warn("price provider failed", { provider: provider.name, error: msg });
        answers = asked.map(() => ({ missing: `failed: ${msg}` }));
      }
      const next: number[] = [];
      pending.forEach((u, k) => {
        const a = answers[k];
        if (a && !("missing" in a)) {
          const { cached, ...price } = a;
          outcomes[u] = { ok: true, ...price };
          stats.answered[provider.name] = (stats.answered[provider.name] ?? 0) + 1;
          if (cached) stats.cacheHits++;
        } else {
          const why = { provider: provider.name, reason: a?.missing ?? "gave no answer" };
          const list = reasons[u];
          if (list) list.push(why);
          else reasons[u] = [why];
          next.push(u);
        }
      });
      pending = next;
    }

    const missing: MissingPrice[] = [];
    for (const u of pending) {
      const why = reasons[u] ?? [];
      outcomes[u] = { ok: false, reasons: why };
      const q = unique[u]!;
      missing.push({
        asset: q.asset,
        time: q.time,
        ...(q.hint ? { hint: q.hint } : {}),
        reasons: why,
      });
    }
    if (missing.length > 0) logger.debug("prices missing", { missing: missing.length, of: unique.length });
    return { results: indexOf.map((u) => outcomes[u]!), missing };
  };

  return {
    priceMany,
    valueSwap: async (legs, context) => {
      const { results, missing } = await priceMany([legs.out, legs.in], context);
      const outcomes = { out: results[0]!, in: results[1]! };
      const choice = chooseSwapSide(legs, outcomes, settings.order);
      if (!choice) return { ok: false, missing };
      return { ok: true, usd: choice.usd, side: choice.side, price: choice.price, outcomes };
    },
    identity,
    stats: () => {
      for (const [name, client] of Object.entries(clients)) {
        stats.httpRequests[name as PriceProviderName] = client.requests();
      }
      return structuredClone(stats);
    },
  };
};

/** One line for a review item or report warning: `no USD price for ETH at …: file: …; defillama: …`. */
export const describeMissing = (m: MissingPrice): string =>
  `no USD price for ${m.asset} at ${m.time.toISOString()}${m.hint ? ` (${m.hint.chain}${m.hint.blockNumber !== undefined ? ` block ${m.hint.blockNumber}` : ""})` : ""}: ${m.reasons.map((r) => `${r.provider}: ${r.reason}`).join("; ")}`;
