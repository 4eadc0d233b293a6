import { and, desc, eq, gt } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { blocks, transactions } from "../../db/schema/index.ts";
import { NonRetryableError } from "../../src/errors.ts";
import { rollbackStale } from "../store.ts";
import type { RpcTransport } from "../transport.ts";
import { getCanonicalHashes } from "./rpc.ts";

/**
 * Finality and reorgs. Blocks at or below `head − finalityDepth` are final: their data is cached
 * and never rechecked. Newer data is stored with `final = false` and rechecked on the next sync:
 * the stored block hashes are compared with the node's, and on a mismatch the wallet's rows above
 * the fork point and every raw record / header of the stale blocks are removed before the
 * non-final range is scanned again.
 */

/** A block that was final (at or below finality when synced) changed: the depth was too small. */
export class UnrecoverableReorgError extends NonRetryableError {
  override name = "UnrecoverableReorgError";
}

/** Highest final block for `head` and a finality depth (−1 while the chain is shorter than the depth). */
export const finalBlock = (head: bigint, depth: number): bigint => {
  const safe = head - BigInt(depth);
  return safe < -1n ? -1n : safe;
};

export type ReorgCheckResult = {
  /** Blocks whose stored hash no longer matches the node's. */
  staleBlocks: bigint[];
  /** Rows above this block were rolled back; undefined when nothing changed. */
  forkPoint: bigint | undefined;
};

/**
 * Rechecks a wallet's non-final data by block hash and rolls back what the chain replaced.
 * Checks: the wallet's non-final transactions, the chain's stored headers above `safe`, and the
 * wallet's newest final transaction (a change there means a reorg deeper than finality).
 * @throws UnrecoverableReorgError naming the chain and block when final data changed.
 */
export const checkReorg = async (args: {
  db: DbOrTx;
  rpc: RpcTransport;
  chain: string;
  walletId: number;
  safe: bigint;
  finalityDepth: number;
}): Promise<ReorgCheckResult> => {
  const { db, rpc, chain, walletId } = args;
  const stored = new Map<bigint, Set<string>>();
  const add = (n: bigint, hash: string | null) => {
    if (!hash) return;
    const set = stored.get(n) ?? new Set();
    set.add(hash);
    stored.set(n, set);
  };
  const nonFinal = await db
    .selectDistinct({ n: transactions.blockNumber, hash: transactions.blockHash })
    .from(transactions)
    .where(
      and(eq(transactions.walletId, walletId), eq(transactions.chain, chain), eq(transactions.final, false)),
    );
  for (const r of nonFinal) add(r.n, r.hash);
  const recentHeaders = await db
    .select({ n: blocks.number, hash: blocks.hash })
    .from(blocks)
    .where(and(eq(blocks.chain, chain), gt(blocks.number, args.safe)));
  for (const r of recentHeaders) add(r.n, r.hash);
  const [newestFinal] = await db
    .select({ n: transactions.blockNumber, hash: transactions.blockHash })
    .from(transactions)
    .where(
      and(eq(transactions.walletId, walletId), eq(transactions.chain, chain), eq(transactions.final, true)),
    )
    .orderBy(desc(transactions.blockNumber))
    .limit(1);
  if (newestFinal) add(newestFinal.n, newestFinal.hash);
  if (stored.size === 0) return { staleBlocks: [], forkPoint: undefined };

  const canonical = await getCanonicalHashes(rpc, [...stored.keys()]);
  const staleBlocks: bigint[] = [];
  const staleHashes: string[] = [];
  for (const [n, hashes] of stored) {
    const current = canonical.get(n);
    for (const h of hashes) {
      if (h !== current) {
        staleHashes.push(h);
        if (!staleBlocks.includes(n)) staleBlocks.push(n);
      }
    }
  }
  if (staleBlocks.length === 0) return { staleBlocks, forkPoint: undefined };
  staleBlocks.sort((a, b) => (a < b ? -1 : 1));
  if (newestFinal && staleBlocks.includes(newestFinal.n)) {
    throw new UnrecoverableReorgError(
      `${chain}: block ${newestFinal.n} changed after it was final (reorg deeper than the finality depth of ${args.finalityDepth})`,
      {
        meta: [
          `raise finality.${chain} in the config, then remove and re-add the wallet to sync it again from scratch`,
        ],
      },
    );
  }
  const forkPoint = staleBlocks[0]! - 1n;
  await rollbackStale(db, { chain, walletId, above: forkPoint, staleHashes });
  return { staleBlocks, forkPoint };
};
