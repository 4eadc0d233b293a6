import { sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";

/**
 * One ledger build per user at a time, whoever starts it (a sync run's rebuild, a review decision,
 * `lotwise ledger build`). On PostgreSQL a transaction-scoped advisory lock held by one pooled
 * connection while `fn` runs on others, so builds in different worker processes wait for each
 * other; on PGlite (one process, one connection) an in-process queue.
 */

/** Advisory lock class for ledger builds (the second key is the user id). */
const LEDGER_LOCK_CLASS = 0x6c64; // "ld"

const local = new Map<number, Promise<unknown>>();

export const withLedgerLock = async <T>(
  database: Database,
  userId: number,
  fn: () => Promise<T>,
): Promise<T> => {
  if (database.kind === "pglite") {
    const previous = local.get(userId) ?? Promise.resolve();
    const mine = previous.catch(() => {}).then(fn);
    local.set(userId, mine);
    try {
      return await mine;
    } finally {
      if (local.get(userId) === mine) local.delete(userId);
    }
  }
  let result: T | undefined;
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LEDGER_LOCK_CLASS}, ${userId})`);
    result = await fn();
  });
  return result as T;
};
