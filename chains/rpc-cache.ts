import { and, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "../db/client.ts";
import { rpcCache } from "../db/schema/index.ts";
import { type StagedTable, stagedCopy } from "./staged-copy.ts";
import type { RpcCache } from "./transport.ts";

/** Lookups per query, to keep parameter lists well under PostgreSQL's limit. */
const CHUNK = 500;

/**
 * Answers held in memory before they are written on their own (a sync normally writes them
 * sooner, with its chunk: `flush(tx)`). Bounds the memory of a long fetch.
 */
const FLUSH_AT = 5000;

const RPC_CACHE: StagedTable = {
  table: "lotwise_sync.rpc_cache",
  stage: "lotwise_stage_rpc_cache",
  columns: { chain: "text", key: "text", method: "text", block_number: "numeric", response: "jsonb" },
  conflict: "on conflict do nothing",
};

type Entry = Parameters<RpcCache["put"]>[0][number];

/**
 * The database-backed RPC response cache of one chain. `put` only buffers (the transport calls it
 * on the fetch path); buffered answers are served by `getMany` and written, in one staged COPY,
 * by `flush` — called by the sync inside the transaction that stores the chunk they belong to, so
 * a chunk's cache rows and its records commit together — or on their own once `FLUSH_AT` pile up.
 * Cached answers are final and keyed by request: writing one twice keeps the first.
 */
export const createDbRpcCache = (db: DbOrTx, chain: string): RpcCache => {
  const pending = new Map<string, Entry>();
  const write = async (target: DbOrTx, entries: readonly Entry[]) => {
    const rows = entries.map((e) => ({
      chain,
      key: e.key,
      method: e.method,
      block_number: e.blockNumber ?? null,
      response: e.response,
    }));
    if (await stagedCopy(target, RPC_CACHE, rows)) return;
    for (let i = 0; i < entries.length; i += CHUNK) {
      await target
        .insert(rpcCache)
        .values(
          entries.slice(i, i + CHUNK).map((e) => ({
            chain,
            key: e.key,
            method: e.method,
            blockNumber: e.blockNumber ?? null,
            response: e.response,
          })),
        )
        .onConflictDoNothing();
    }
  };
  const flush = async (target: DbOrTx = db) => {
    if (pending.size === 0) return;
    const entries = [...pending.values()];
    await write(target, entries);
    // Kept (and served) until written, so a concurrent lookup never misses them.
    for (const e of entries) if (pending.get(e.key) === e) pending.delete(e.key);
  };
  return {
    getMany: async (keys) => {
      const out = new Map<string, unknown>();
      const rest: string[] = [];
      for (const k of keys) {
        const e = pending.get(k);
        if (e) out.set(k, e.response);
        else rest.push(k);
      }
      for (let i = 0; i < rest.length; i += CHUNK) {
        const rows = await db
          .select({ key: rpcCache.key, response: rpcCache.response })
          .from(rpcCache)
          .where(and(eq(rpcCache.chain, chain), inArray(rpcCache.key, rest.slice(i, i + CHUNK))));
        for (const r of rows) out.set(r.key, r.response);
      }
      return out;
    },
    put: async (entries) => {
      for (const e of entries) if (!pending.has(e.key)) pending.set(e.key, e);
      if (pending.size >= FLUSH_AT) await flush();
    },
    flush: (target) => flush(target as DbOrTx | undefined),
  };
};
