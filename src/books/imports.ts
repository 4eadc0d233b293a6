import { and, eq, inArray, ne } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { ledgerRows } from "../../db/schema/index.ts";
import { UserInputError } from "../errors.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { insertLedgerRows } from "./store.ts";

const CHUNK = 400;

/**
 * Stores rows the user imported (an exchange's history written as ledger CSV v1) under
 * `origin = import:<name>`, replacing an earlier import of the same name: importing a file twice
 * leaves the same rows. Their ids must not collide with rows built from chain data or other imports.
 */
export const importLedgerRows = async (
  db: DbOrTx,
  args: { userId: number; name: string; rows: readonly LedgerRow[]; file: string },
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
      .returning({ id: ledgerRows.id });
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
    return { inserted: args.rows.length, replaced: removed.length };
  });
};
