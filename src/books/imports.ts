import { and, eq, inArray, like, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { ledgerRows } from "../../db/schema/index.ts";
import { UserInputError } from "../errors.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { markLedgerDirty } from "./dirty.ts";
import { insertLedgerRows } from "./store.ts";

const CHUNK = 400;

/**
 * Stores rows the user imported (an exchange's history written as ledger CSV v1) under
 * `origin = import:<name>`, replacing an earlier import of the same name: importing a file twice
 * leaves the same rows. Their ids must not collide with rows built from chain data or other imports.
 */
export const importLedgerRows = async (
  db: DbOrTx,
  args: {
    userId: number;
    name: string;
    rows: readonly LedgerRow[];
    file: string;
    /** The matching window in hours: the ledger is marked dirty from the earliest changed row less this. @defaultValue 24 */
    windowHours?: number;
  },
): Promise<{ inserted: number; replaced: number }> => {
  const origin = `import:${args.name}`;
  return db.transaction(async (tx) => {
    const ids = args.rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += CHUNK) {
      const clash = await tx
        .select({ id: ledgerRows.id, origin: ledgerRows.origin })
        .from(ledgerRows)
        .where(
          and(
            eq(ledgerRows.userId, args.userId),
            ne(ledgerRows.origin, origin),
            inArray(ledgerRows.id, ids.slice(i, i + CHUNK)),
          ),
        );
      if (clash.length > 0) {
        const row = args.rows.find((r) => r.id === clash[0]!.id)!;
        throw new UserInputError(
          `${args.file}:${row.line ?? "?"}: id: '${row.id}' is already used by ${clash[0]!.origin === "chain" ? "a row built from chain data" : `the import '${clash[0]!.origin.slice(7)}'`}`,
        );
      }
    }
    const removed = await tx
      .delete(ledgerRows)
      .where(and(eq(ledgerRows.userId, args.userId), eq(ledgerRows.origin, origin)))
      .returning();
    await insertLedgerRows(
      tx,
      args.rows.map((row, seq) => ({
        row,
        userId: args.userId,
        seq,
        origin,
        priceSources: { usd_value: origin },
      })),
    );
    // Chain rows pair with imported transfers: rebuild from the earliest row that changed.
    const before = new Map(removed.map((r) => [r.id, r]));
    let earliest: Date | undefined;
    const seen = new Set<string>();
    for (const row of args.rows) {
      seen.add(row.id);
      const old = before.get(row.id);
      const t = new Date(row.time);
      const same =
        old &&
        old.time.getTime() === t.getTime() &&
        old.type === row.type &&
        old.wallet === row.wallet &&
        (old.toWallet ?? undefined) === row.toWallet &&
        (old.outAsset ?? undefined) === row.outAsset &&
        (old.outQuantity ?? undefined) === row.outQuantity &&
        (old.tx ?? undefined) === row.tx;
      if (!same) {
        if (!earliest || t < earliest) earliest = t;
        if (old && (!earliest || old.time < earliest)) earliest = old.time;
      }
    }
    for (const old of removed)
      if (!seen.has(old.id) && (!earliest || old.time < earliest)) earliest = old.time;
    if (earliest)
      await markLedgerDirty(tx, {
        userId: args.userId,
        from: new Date(earliest.getTime() - (args.windowHours ?? 24) * 3_600_000),
      });
    return { inserted: args.rows.length, replaced: removed.length };
  });
};

/** One stored ledger import: its name, how many rows, and the span of their times. */
export type LedgerImportInfo = { name: string; rows: number; first: Date; last: Date };

/** The user's stored ledger imports, by name. */
export const listLedgerImports = async (db: DbOrTx, userId: number): Promise<LedgerImportInfo[]> => {
  const rows = await db
    .select({
      origin: ledgerRows.origin,
      rows: sql<number>`count(*)::int`,
      first: sql<Date>`min(${ledgerRows.time})`,
      last: sql<Date>`max(${ledgerRows.time})`,
    })
    .from(ledgerRows)
    .where(and(eq(ledgerRows.userId, userId), like(ledgerRows.origin, "import:%")))
    .groupBy(ledgerRows.origin)
    .orderBy(ledgerRows.origin);
  return rows.map((r) => ({
    name: r.origin.slice("import:".length),
    rows: Number(r.rows),
    first: new Date(r.first),
    last: new Date(r.last),
  }));
};

/**
 * Removes the import `name` (every row it stored) and marks the ledger dirty from its earliest
 * row less the matching window, so chain rows it paired with are rebuilt.
 * @returns the number of rows removed (0: no such import).
 */
export const removeLedgerImport = async (
  db: DbOrTx,
  args: { userId: number; name: string; windowHours?: number },
): Promise<number> =>
  db.transaction(async (tx) => {
    const removed = await tx
      .delete(ledgerRows)
      .where(and(eq(ledgerRows.userId, args.userId), eq(ledgerRows.origin, `import:${args.name}`)))
      .returning({ time: ledgerRows.time });
    if (removed.length === 0) return 0;
    let earliest = Number.POSITIVE_INFINITY;
    for (const r of removed) earliest = Math.min(earliest, r.time.getTime());
    await markLedgerDirty(tx, {
      userId: args.userId,
      from: new Date(earliest - (args.windowHours ?? 24) * 3_600_000),
    });
    return removed.length;
  });
