import type { Db } from "../../db/client.ts";
import { computeStoredGains, type StoredGains, type StoredGainsOptions } from "../books/gains.ts";
import { ledgerVersion } from "../books/query.ts";
import {
  createInlineGainsComputer,
  type GainsComputer,
  type GainsSummaryOnly,
  summaryOnly,
} from "./gains-thread.ts";

/**
 * Gains of the stored ledger, cached per (user, options) and tagged with the user's ledger version
 * (bumped by database triggers on every write of ledger rows or Form 1099-DA rows, whoever writes): a request costs one
 * primary-key lookup when nothing changed, and any ledger change makes the next request recompute.
 * Concurrent requests for the same entry share one computation.
 *
 * Two tiers: summaries (a few kB each, up to `maxEntries`) and full results with their Form 8949
 * rows (up to `maxFullEntries`: 100,000 ledger rows make ~50,000 Form 8949 rows, hundreds of MB
 * of small objects that every garbage collection of the API would walk). A summary is taken from
 * a full result of the same version when there is one. Misses are computed by `computer`: on
 * PostgreSQL a worker thread (src/api/gains-thread.ts), so a miss never blocks other requests.
 */
export type GainsCache = {
  /** The summary and row counts (what `/gains/summary` answers). */
  summary: (
    userId: number,
    options: StoredGainsOptions,
  ) => Promise<GainsSummaryOnly & { cached: boolean; version: number }>;
  /** Everything, Form 8949 and gift rows included. */
  get: (
    userId: number,
    options: StoredGainsOptions,
  ) => Promise<StoredGains & { cached: boolean; version: number }>;
  stats: () => { hits: number; misses: number; entries: number; fullEntries: number };
  close: () => Promise<void>;
};

type Entry<T> = { version: number; value: Promise<T> };

/** A least-recently-used map of at most `max` entries (Map keeps insertion order). */
const lru = <T>(max: number) => {
  const entries = new Map<string, Entry<T>>();
  return {
    entries,
    get: (key: string, version: number): Entry<T> | undefined => {
      const e = entries.get(key);
      if (!e || e.version !== version) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return e;
    },
    set: (key: string, entry: Entry<T>) => {
      entries.delete(key);
      entries.set(key, entry);
      // A failed computation is not kept (the next request tries again).
      entry.value.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      while (entries.size > max) entries.delete(entries.keys().next().value!);
    },
  };
};

export const createGainsCache = (args: {
  db: Db;
  maxEntries?: number;
  maxFullEntries?: number;
  /** Display symbol of an asset id, for reconciliation explanations (in-process computation). */
  displaySymbol?: ((asset: string) => string) | undefined;
  /** Where misses are computed. @defaultValue this thread, on `db` */
  computer?: GainsComputer;
}): GainsCache => {
  const computer =
    args.computer ??
    createInlineGainsComputer({
      compute: (userId, options) =>
        computeStoredGains(args.db, userId, options, { displaySymbol: args.displaySymbol }),
    });
  const summaries = lru<GainsSummaryOnly>(args.maxEntries ?? 256);
  const fulls = lru<StoredGains>(args.maxFullEntries ?? 4);
  let hits = 0;
  let misses = 0;
  const keyOf = (userId: number, options: StoredGainsOptions) =>
    `${userId}\u0000${JSON.stringify(options, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`;
  return {
    summary: async (userId, options) => {
      const version = await ledgerVersion(args.db, userId);
      const key = keyOf(userId, options);
      const hit = summaries.get(key, version);
      if (hit) {
        hits++;
        return { ...(await hit.value), cached: true, version };
      }
      const full = fulls.get(key, version);
      if (full) {
        hits++;
        const value = full.value.then((g) => summaryOnly(g));
        summaries.set(key, { version, value });
        return { ...(await value), cached: true, version };
      }
      misses++;
      const value = computer.summary(userId, options);
      summaries.set(key, { version, value });
      return { ...(await value), cached: false, version };
    },
    get: async (userId, options) => {
      const version = await ledgerVersion(args.db, userId);
      const key = keyOf(userId, options);
      const hit = fulls.get(key, version);
      if (hit) {
        hits++;
        return { ...(await hit.value), cached: true, version };
      }
      misses++;
      const value = computer.full(userId, options);
      fulls.set(key, { version, value });
      if (!summaries.get(key, version))
        summaries.set(key, { version, value: value.then((g) => summaryOnly(g)) });
      return { ...(await value), cached: false, version };
    },
    stats: () => ({
      hits,
      misses,
      entries: summaries.entries.size,
      fullEntries: fulls.entries.size,
    }),
    close: () => computer.close(),
  };
};
