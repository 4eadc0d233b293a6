import type { AssetIdentity } from "../../assets/index.ts";
import { BaseError } from "../../errors.ts";
import type { StoredPrice } from "../cache.ts";
import type { HttpJsonClient } from "../http.ts";
import { exactInteger, positivePrice } from "../json.ts";
import type { PriceProvider, PriceQuery, ProviderAnswer, ProviderContext } from "../types.ts";
import { describeWindow } from "./window.ts";

/**
 * DefiLlama's coins API (free, no key): `GET /batchHistorical?coins={"<coin>":[ts,…],…}&searchWidth=…`
 * answers `{"coins":{"<coin>":{"symbol":"ETH","prices":[{"timestamp":…,"price":…,"confidence":…},…]}}}`
 * with, per requested timestamp, the stored price *nearest* to it within ±searchWidth (either
 * side). Coin ids are `coingecko:<id>` or `<chain>:<address>` (`llamaCoinId`).
 *
 * Since "nearest" may lie after the movement, every timestamp asked is an *anchor* placed
 * before the movement with a width that cannot reach past it: anchor `t − w`, width `w` returns
 * a point in `[t − 2w, t]`. Passes widen only for queries still unanswered:
 * 1. `w` = 5 min (dense data: a price within 10 minutes of the movement);
 * 2. `w` = cacheWindow / 2 (hourly data);
 * 3. four anchors spread over the staleness window (sparse data).
 * Every point returned is stored (source `defillama`), and each query then takes the latest
 * stored point at or before it, so a point fetched for one movement serves others too.
 */

export type DefillamaProviderArgs = {
  identity: AssetIdentity;
  http: HttpJsonClient;
  /** A cached point at most this old answers without a request, in milliseconds. */
  cacheWindowMs: number;
  /** Timestamps per request, all coins together (keeps URLs short). @defaultValue 100 */
  maxTimestampsPerRequest?: number;
};

type Pending = { index: number; asset: string; coin: string; t: number };
type Pass = { halfWidthMs: number; anchors: number };

const FIVE_MINUTES = 5 * 60_000;
const WIDE_ANCHORS = 4;

/** `searchWidth` in DefiLlama's notation (`5m`, `45m`, `180m`). */
const searchWidth = (ms: number): string => `${Math.max(1, Math.round(ms / 60_000))}m`;

export const createDefillamaProvider = (args: DefillamaProviderArgs): PriceProvider => {
  const maxPerRequest = args.maxTimestampsPerRequest ?? 100;

  /** Asks `asks` (anchor timestamps per pending query) in as few requests as fit; stores every point. */
  const fetchPass = async (
    asks: readonly { p: Pending; ts: number }[],
    halfWidthMs: number,
    ctx: ProviderContext,
    failed: Map<number, string>,
  ): Promise<void> => {
    const chunks: { p: Pending; ts: number }[][] = [];
    let current: { p: Pending; ts: number }[] = [];
    for (const a of asks) {
      if (current.length >= maxPerRequest) {
        chunks.push(current);
        current = [];
      }
      current.push(a);
    }
    if (current.length > 0) chunks.push(current);

    for (const chunk of chunks) {
      const coins: Record<string, number[]> = {};
      const assetsOfCoin = new Map<string, Set<string>>();
      for (const { p, ts } of chunk) {
        const list = coins[p.coin] ?? [];
        const seconds = Math.floor(ts / 1000);
        if (!list.includes(seconds)) list.push(seconds);
        coins[p.coin] = list;
        const assets = assetsOfCoin.get(p.coin) ?? new Set<string>();
        assets.add(p.asset);
        assetsOfCoin.set(p.coin, assets);
      }
      const path = `batchHistorical?coins=${encodeURIComponent(JSON.stringify(coins))}&searchWidth=${searchWidth(halfWidthMs)}`;
      let body: unknown;
      try {
        body = await args.http.getJson(path, ctx.signal);
      } catch (error) {
        if (ctx.signal?.aborted) throw error;
        const msg = error instanceof BaseError ? error.shortMessage : (error as Error).message;
        for (const { p } of chunk) failed.set(p.index, msg);
        continue;
      }
      const rows: StoredPrice[] = [];
      const byCoin = (body as { coins?: Record<string, { prices?: unknown }> } | null)?.coins ?? {};
      for (const [coin, assets] of assetsOfCoin) {
        const points = byCoin[coin]?.prices;
        if (!Array.isArray(points)) continue;
        for (const point of points as { timestamp?: unknown; price?: unknown }[]) {
          const seconds = exactInteger(point?.timestamp);
          const usd = positivePrice(point?.price);
          if (seconds === undefined || usd === undefined) continue;
          for (const asset of assets)
            rows.push({ asset, time: new Date(seconds * 1000), usd, source: "defillama" });
        }
      }
      await ctx.cache.save(rows);
    }
  };

  return {
    name: "defillama",
    price: async (queries: readonly PriceQuery[], ctx) => {
      const answers: ProviderAnswer[] = new Array(queries.length);
      const lookup = (p: Pending, windowMs: number, cached = false): boolean => {
        const hit = ctx.cache.latest(p.asset, "defillama", p.t, p.t - windowMs);
        if (!hit) return false;
        answers[p.index] = {
          usd: hit.usd,
          source: hit.source,
          provider: "defillama",
          priceTime: new Date(hit.t),
          ...(cached ? { cached } : {}),
        };
        return true;
      };

      let pending: Pending[] = [];
      queries.forEach((q, index) => {
        const coin = args.identity.llamaCoinId(q.asset, q.time);
        const p = { index, asset: q.asset, coin: coin ?? "", t: q.time.getTime() };
        if (lookup(p, args.cacheWindowMs, true)) return;
        if (!coin) answers[index] = { missing: `no DefiLlama coin id for ${q.asset}` };
        else pending.push(p);
      });

      const passes: Pass[] = [{ halfWidthMs: Math.min(FIVE_MINUTES, args.cacheWindowMs / 2), anchors: 1 }];
      if (args.cacheWindowMs / 2 > FIVE_MINUTES)
        passes.push({ halfWidthMs: args.cacheWindowMs / 2, anchors: 1 });
      if (ctx.stalenessMs > args.cacheWindowMs) {
        passes.push({ halfWidthMs: ctx.stalenessMs / (2 * WIDE_ANCHORS), anchors: WIDE_ANCHORS });
      }
      const failed = new Map<number, string>();
      for (const pass of passes) {
        const asking = pending.filter((p) => !failed.has(p.index));
        if (asking.length === 0) break;
        const asks = asking.flatMap((p) =>
          Array.from({ length: pass.anchors }, (_, j) => ({
            p,
            ts: p.t - pass.halfWidthMs - 2 * pass.halfWidthMs * j,
          })),
        );
        await fetchPass(asks, pass.halfWidthMs, ctx, failed);
        const covered = Math.min(ctx.stalenessMs, 2 * pass.halfWidthMs * pass.anchors);
        pending = pending.filter((p) => !lookup(p, covered));
      }

      // Unanswered: an older stored point still inside the staleness window, else missing.
      for (const p of pending) {
        if (lookup(p, ctx.stalenessMs)) continue;
        const why = failed.get(p.index);
        answers[p.index] = {
          missing: why
            ? `request failed (${why}) and no stored price ${describeWindow(p.t, ctx.stalenessMs)}`
            : `no price for ${p.coin} ${describeWindow(p.t, ctx.stalenessMs)}`,
        };
      }
      return answers;
    },
  };
};
