import type { Db } from "../../db/client.ts";
import { computeStoredGains, type StoredGains, type StoredGainsOptions } from "../books/gains.ts";
import { ledgerVersion } from "../books/query.ts";

/**
 * Gains of the stored ledger, cached per (user, options) and tagged with the user's ledger version
 * (bumped by database triggers on every write of ledger rows or Form 1099-DA rows, whoever writes): a request costs one
 * primary-key lookup when nothing changed, and any ledger change makes the next request recompute.
 * Concurrent requests for the same entry share one computation.
 */
export type GainsCache = {
  get: (
    userId: number,
    options: StoredGainsOptions,
  ) => Promise<StoredGains & { cached: boolean; version: number }>;
  stats: () => { hits: number; misses: number; entries: number };
};

export const createGainsCache = (args: {
  db: Db;
  maxEntries?: number;
  /** Display symbol of an asset id, for reconciliation explanations. */
  displaySymbol?: ((asset: string) => string) | undefined;
}): GainsCache => {
  const max = args.maxEntries ?? 256;
  const entries = new Map<string, { version: number; value: Promise<StoredGains> }>();
  let hits = 0;
  let misses = 0;
  return {
    get: async (userId, options) => {
      const version = await ledgerVersion(args.db, userId);
      const key = `${userId}\u0000${JSON.stringify(options, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`;
      const entry = entries.get(key);
      if (entry && entry.version === version) {
        hits++;
        // Most recently used last (Map keeps insertion order).
        entries.delete(key);
        entries.set(key, entry);
        return { ...(await entry.value), cached: true, version };
      }
      misses++;
      const value = computeStoredGains(args.db, userId, options, { displaySymbol: args.displaySymbol });
      entries.set(key, { version, value });
      value.catch(() => entries.delete(key));
      while (entries.size > max) entries.delete(entries.keys().next().value!);
      return { ...(await value), cached: false, version };
    },
    stats: () => ({ hits, misses, entries: entries.size }),
  };
};
