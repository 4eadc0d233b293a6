import type { Db } from "../../db/client.ts";
import { ledgerVersion } from "../books/query.ts";

/**
 * Values computed from a user's ledger (and forms), cached per (user, key) and tagged with the
 * user's ledger version (bumped by database triggers on every write of ledger rows or form rows):
 * a hit costs one primary-key lookup; any change makes the next request recompute. Concurrent
 * requests for the same entry share one computation; at most `maxEntries` are kept (least
 * recently used first out).
 */
export type VersionedCache<T> = {
  get: (userId: number, key: string, compute: () => Promise<T>) => Promise<{ value: T; cached: boolean }>;
};

export const createVersionedCache = <T>(args: { db: Db; maxEntries?: number }): VersionedCache<T> => {
  const max = args.maxEntries ?? 64;
  const entries = new Map<string, { version: number; value: Promise<T> }>();
  return {
    get: async (userId, key, compute) => {
      const version = await ledgerVersion(args.db, userId);
      const k = `${userId}\u0000${key}`;
      const entry = entries.get(k);
      if (entry && entry.version === version) {
        entries.delete(k);
        entries.set(k, entry);
        return { value: await entry.value, cached: true };
      }
      const value = compute();
      entries.set(k, { version, value });
      value.catch(() => entries.delete(k));
      while (entries.size > max) entries.delete(entries.keys().next().value!);
      return { value: await value, cached: false };
    },
  };
};
