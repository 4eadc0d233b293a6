import type { AssetIdentity } from "../../assets/index.ts";
import { BaseError } from "../../errors.ts";
import type { StoredPrice } from "../cache.ts";
import { type HttpJsonClient, HttpStatusError } from "../http.ts";
import { exactInteger, positivePrice } from "../json.ts";
import type { PriceProvider, PriceQuery, ProviderAnswer } from "../types.ts";
import { describeWindow } from "./window.ts";

/**
 * CoinGecko (needs an API key): `GET /coins/{id}/market_chart/range?vs_currency=usd&from=<unix s>&to=<unix s>`
 * (or `/coins/{platform}/contract/{address}/market_chart/range` for tokens without a known id)
 * answers `{"prices":[[<unix ms>,<usd>],…],"market_caps":[…],"total_volumes":[…]}`. CoinGecko
 * picks the granularity from the range: 2–90 days (anywhere in history) is hourly, so the queries
 * of one coin are grouped into ranges of at most 89 days, each reaching back the staleness limit
 * before its first movement: one request per coin and cluster, every point stored (source
 * `coingecko`), then each query takes the latest point at or before it.
 */

export type CoingeckoProviderArgs = {
  identity: AssetIdentity;
  /** Undefined when no API key is configured: every query is then missing with that reason. */
  http: HttpJsonClient | undefined;
  /** A cached point at most this old answers without a request, in milliseconds. */
  cacheWindowMs: number;
};

const DAY = 86_400_000;
/** Widest range per request, staleness included: below CoinGecko's 90-day hourly limit. */
const MAX_RANGE_MS = 89 * DAY;

type Pending = { index: number; asset: string; path: string; t: number };

export const createCoingeckoProvider = (args: CoingeckoProviderArgs): PriceProvider => ({
  name: "coingecko",
  price: async (queries: readonly PriceQuery[], ctx) => {
    const answers: ProviderAnswer[] = new Array(queries.length);
    const lookup = (p: Pending, windowMs: number, cached = false): boolean => {
      const hit = ctx.cache.latest(p.asset, "coingecko", p.t, p.t - windowMs);
      if (!hit) return false;
      answers[p.index] = {
        usd: hit.usd,
        source: hit.source,
        provider: "coingecko",
        priceTime: new Date(hit.t),
        ...(cached ? { cached } : {}),
      };
      return true;
    };

    const byPath = new Map<string, Pending[]>();
    queries.forEach((q, index) => {
      const path = args.identity.coingeckoCoinPath(q.asset, q.time);
      if (!path) {
        answers[index] = { missing: `no CoinGecko coin for ${q.asset}` };
        return;
      }
      const p = { index, asset: q.asset, path, t: q.time.getTime() };
      if (lookup(p, args.cacheWindowMs, true)) return;
      if (!args.http) {
        answers[index] = { missing: "no API key (set prices.coingeckoApiKey)" };
        return;
      }
      const list = byPath.get(path) ?? [];
      list.push(p);
      byPath.set(path, list);
    });

    const http = args.http;
    const failed = new Map<number, string>();
    for (const [path, list] of byPath) {
      if (!http) break;
      list.sort((a, b) => a.t - b.t);
      for (let i = 0; i < list.length; ) {
        const from = list[i]!.t - ctx.stalenessMs;
        let j = i;
        while (j + 1 < list.length && list[j + 1]!.t - from <= MAX_RANGE_MS) j++;
        const cluster = list.slice(i, j + 1);
        i = j + 1;
        const to = cluster[cluster.length - 1]!.t;
        const query = `vs_currency=usd&from=${Math.floor(from / 1000)}&to=${Math.ceil(to / 1000)}`;
        let body: unknown;
        try {
          body = await http.getJson(`${path}/market_chart/range?${query}`, ctx.signal);
        } catch (error) {
          if (ctx.signal?.aborted) throw error;
          const msg =
            error instanceof HttpStatusError && (error.status === 401 || error.status === 403)
              ? `CoinGecko rejected the API key (HTTP ${error.status})`
              : error instanceof HttpStatusError && error.status === 404
                ? `CoinGecko has no coin at /${path}`
                : error instanceof BaseError
                  ? error.shortMessage
                  : (error as Error).message;
          for (const p of cluster) failed.set(p.index, msg);
          continue;
        }
        const assets = new Set(cluster.map((p) => p.asset));
        const rows: StoredPrice[] = [];
        const points = (body as { prices?: unknown } | null)?.prices;
        if (Array.isArray(points)) {
          for (const point of points) {
            if (!Array.isArray(point)) continue;
            const ms = exactInteger(point[0]);
            const usd = positivePrice(point[1]);
            if (ms === undefined || usd === undefined) continue;
            for (const asset of assets) rows.push({ asset, time: new Date(ms), usd, source: "coingecko" });
          }
        }
        await ctx.cache.save(rows);
      }
    }

    for (const list of byPath.values()) {
      for (const p of list) {
        if (lookup(p, ctx.stalenessMs)) continue;
        const why = failed.get(p.index);
        answers[p.index] = {
          missing: why
            ? `${why}; no stored price ${describeWindow(p.t, ctx.stalenessMs)}`
            : `no price at /${p.path} ${describeWindow(p.t, ctx.stalenessMs)}`,
        };
      }
    }
    return answers;
  },
});
