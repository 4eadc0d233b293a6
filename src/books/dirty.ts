import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { ledgerState } from "../../db/schema/index.ts";

/**
 * Marks the stored ledger stale from `from` on, so the next build (every command that reads the
 * ledger builds first) redoes exactly that range. Every change that affects rows calls it:
 * a price import (for every user: prices are shared), a ledger or exchange import, a review
 * decision, a link. Marks only move earlier; a build clears the marks made before it started.
 * A user whose ledger was never built gets a full build anyway, so nothing is marked for them.
 */
export const markLedgerDirty = async (
  db: DbOrTx,
  args: { from: Date; userId?: number | undefined },
): Promise<void> => {
  const from = args.from;
  const update = db.update(ledgerState).set({
    dirtyFrom: sql`least(coalesce(${ledgerState.dirtyFrom}, ${from}), ${from})`,
    dirtyAt: sql`clock_timestamp()`,
  });
  if (args.userId === undefined) await update;
  else await update.where(eq(ledgerState.userId, args.userId));
};

/** Whether the user's ledger was ever built (a never-built ledger gets a full build when first read). */
export const ledgerBuilt = async (db: DbOrTx, userId: number): Promise<boolean> =>
  (await db.select({ userId: ledgerState.userId }).from(ledgerState).where(eq(ledgerState.userId, userId)))
    .length > 0;
