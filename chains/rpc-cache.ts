import { and, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "../db/client.ts";
import { rpcCache } from "../db/schema/index.ts";
import type { RpcCache } from "./transport.ts";

/** Lookups per query, to keep parameter lists well under PostgreSQL's limit. */
const CHUNK = 500;

/** The database-backed RPC response cache of one chain. */
export const createDbRpcCache = (db: DbOrTx, chain: string): RpcCache => ({
  getMany: async (keys) => {
    const out = new Map<string, unknown>();
    for (let i = 0; i < keys.length; i += CHUNK) {
      const rows = await db
        .select({ key: rpcCache.key, response: rpcCache.response })
        .from(rpcCache)
        .where(and(eq(rpcCache.chain, chain), inArray(rpcCache.key, keys.slice(i, i + CHUNK) as string[])));
      for (const r of rows) out.set(r.key, r.response);
    }
    return out;
  },
  put: async (entries) => {
    for (let i = 0; i < entries.length; i += CHUNK) {
      await db
        .insert(rpcCache)
        .values(
          entries.slice(i, i + CHUNK).map((e) => ({
            chain,
            key: e.key,
            method: e.method,
            blockNumber: e.blockNumber ?? null,
            response: e.response as object,
          })),
        )
        .onConflictDoNothing();
    }
  },
});
