import { and, asc, eq, gte, inArray, lte } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { prices } from "../../db/schema/index.ts";
import { Decimal } from "../utils/decimal.ts";

/**
 * The `prices` table as the service sees it during one `priceMany` call: every stored price of
 * the queried assets in the queried time span, read in a few batched queries up front and
 * indexed in memory, so each query is a binary search and never a database round trip. Prices
 * fetched during the call are written back (and added to the index) by `save`.
 */

/** A row of the `prices` table. */
export type StoredPrice = { asset: string; time: Date; usd: string; source: string };

/** Which provider a stored `source` belongs to. */
export type SourceKind = "file" | "onchain" | "defillama" | "coingecko" | "other";

export const sourceKind = (source: string): SourceKind => {
  if (source.startsWith("file:")) return "file";
  if (source.startsWith("onchain:")) return "onchain";
  if (source === "defillama") return "defillama";
  if (source === "coingecko") return "coingecko";
  return "other";
};

/** An indexed price point; `t` in epoch milliseconds. */
export type PricePoint = { t: number; usd: string; source: string };

export type PriceCache = {
  /**
   * The latest point of `kind` for `asset` with `notBeforeMs <= t <= atMs`; on equal times the
   * greatest source name (deterministic).
   */
  latest: (asset: string, kind: SourceKind, atMs: number, notBeforeMs: number) => PricePoint | undefined;
  /** Points of `kind` for `asset` at exactly `atMs`. */
  at: (asset: string, kind: SourceKind, atMs: number) => PricePoint[];
  /** Writes new rows (an existing asset + time + source is kept as it was) and indexes them. */
  save: (rows: readonly StoredPrice[]) => Promise<void>;
};

/** Assets per `IN (…)` list, and rows per INSERT: well under PostgreSQL's bind-parameter limit. */
const CHUNK = 500;

/** The span of times to load per asset, in epoch milliseconds. */
export type CacheSpan = { fromMs: number; toMs: number };

/**
 * Loads every stored price of the assets in `spans` within their spans.
 * @dev One query per 500 assets, over the union of their spans; rows outside an asset's own span
 * are harmless (lookups bound the time anyway).
 */
export const loadPriceCache = async (
  db: DbOrTx,
  spans: ReadonlyMap<string, CacheSpan>,
): Promise<PriceCache> => {
  const index = new Map<string, PricePoint[]>();
  const dirty = new Set<string>();
  const keyOf = (asset: string, kind: SourceKind) => `${asset}\u0000${kind}`;
  const add = (asset: string, p: PricePoint) => {
    const key = keyOf(asset, sourceKind(p.source));
    let list = index.get(key);
    if (!list) {
      list = [];
      index.set(key, list);
    }
    const last = list[list.length - 1];
    if (last && compare(last, p) > 0) dirty.add(key);
    list.push(p);
  };
  const sorted = (key: string): PricePoint[] | undefined => {
    const list = index.get(key);
    if (list && dirty.has(key)) {
      list.sort(compare);
      dirty.delete(key);
    }
    return list;
  };

  const assets = [...spans.keys()];
  for (let i = 0; i < assets.length; i += CHUNK) {
    const chunk = assets.slice(i, i + CHUNK);
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const a of chunk) {
      const s = spans.get(a)!;
      from = Math.min(from, s.fromMs);
      to = Math.max(to, s.toMs);
    }
    const rows = await db
      .select({ asset: prices.asset, time: prices.time, usd: prices.usd, source: prices.source })
      .from(prices)
      .where(
        and(inArray(prices.asset, chunk), gte(prices.time, new Date(from)), lte(prices.time, new Date(to))),
      )
      .orderBy(asc(prices.asset), asc(prices.time), asc(prices.source));
    for (const r of rows) add(r.asset, { t: r.time.getTime(), usd: r.usd, source: r.source });
  }

  return {
    latest: (asset, kind, atMs, notBeforeMs) => {
      const list = sorted(keyOf(asset, kind));
      if (!list || list.length === 0) return undefined;
      // First index with t > atMs; the point before it is the latest at or before atMs.
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (list[mid]!.t <= atMs) lo = mid + 1;
        else hi = mid;
      }
      const p = lo > 0 ? list[lo - 1] : undefined;
      return p && p.t >= notBeforeMs ? p : undefined;
    },
    at: (asset, kind, atMs) => {
      const list = sorted(keyOf(asset, kind));
      return list ? list.filter((p) => p.t === atMs) : [];
    },
    save: async (rows) => {
      if (rows.length === 0) return;
      for (let i = 0; i < rows.length; i += CHUNK) {
        await db
          .insert(prices)
          .values(
            rows
              .slice(i, i + CHUNK)
              .map((r) => ({ asset: r.asset, time: r.time, usd: r.usd, source: r.source })),
          )
          .onConflictDoNothing();
      }
      for (const r of rows) add(r.asset, { t: r.time.getTime(), usd: r.usd, source: r.source });
    },
  };
};

const compare = (a: PricePoint, b: PricePoint): number =>
  a.t - b.t || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);

/**
 * Replaces every row of `source` (one imported file) with `rows`, in one transaction: a
 * re-import of the same file leaves the table as it was, an edited file replaces its old rows.
 * @returns rows removed and written.
 */
export const replaceSourcePrices = async (
  db: DbOrTx,
  source: string,
  rows: readonly Omit<StoredPrice, "source">[],
): Promise<{ removed: number; written: number; earliestChange: Date | undefined }> =>
  db.transaction(async (tx) => {
    const removed = await tx
      .delete(prices)
      .where(eq(prices.source, source))
      .returning({ asset: prices.asset, time: prices.time, usd: prices.usd });
    for (let i = 0; i < rows.length; i += CHUNK) {
      await tx
        .insert(prices)
        .values(rows.slice(i, i + CHUNK).map((r) => ({ asset: r.asset, time: r.time, usd: r.usd, source })));
    }
    // The earliest instant whose price appeared, vanished or changed (rows built on it are stale).
    const key = (r: { asset: string; time: Date; usd: string }) =>
      `${r.asset}\u0000${r.time.getTime()}\u0000${new Decimal(r.usd).toFixed()}`;
    const before = new Set(removed.map(key));
    const after = new Set(rows.map(key));
    let earliestChange: Date | undefined;
    for (const [list, other] of [
      [removed, after],
      [rows, before],
    ] as const) {
      for (const r of list) {
        if (other.has(key(r))) continue;
        if (!earliestChange || r.time < earliestChange) earliestChange = r.time;
      }
    }
    return { removed: removed.length, written: rows.length, earliestChange };
  });

/** Stored prices, ordered by asset, time and source; optionally of one asset only. */
export const listStoredPrices = async (
  db: DbOrTx,
  args: { asset?: string | undefined; limit?: number | undefined } = {},
): Promise<StoredPrice[]> => {
  const q = db
    .select({ asset: prices.asset, time: prices.time, usd: prices.usd, source: prices.source })
    .from(prices)
    .where(args.asset === undefined ? undefined : eq(prices.asset, args.asset))
    .orderBy(asc(prices.asset), asc(prices.time), asc(prices.source));
  return args.limit === undefined ? q : q.limit(args.limit);
};
