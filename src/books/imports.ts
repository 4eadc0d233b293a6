import { and, eq, inArray, like, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { copyRows, selectCells } from "../../db/copy.ts";
import { ledgerRows } from "../../db/schema/index.ts";
import { UserInputError } from "../errors.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { markLedgerDirty } from "./dirty.ts";
import { insertLedgerRows, LEDGER_ROW_COLUMNS, storedRecord } from "./store.ts";

const CHUNK = 400;

/**
 * The first row of `rows` whose id another origin already uses, as the error the import reports.
 * Only run after the insert failed (a clash breaks the primary key): the happy path pays nothing.
 */
const findClash = async (
  db: DbOrTx,
  args: { userId: number; rows: readonly LedgerRow[]; file: string },
  origin: string,
): Promise<UserInputError | undefined> => {
  const ids = args.rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += CHUNK) {
    const clash = await db
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
      return new UserInputError(
        `${args.file}:${row.line ?? "?"}: id: '${row.id}' is already used by ${clash[0]!.origin === "chain" ? "a row built from chain data" : `the import '${clash[0]!.origin.slice(7)}'`}`,
      );
    }
  }
  return undefined;
};

/** SQL string literal (trusted shapes only: the origin is `import:` + `[\w.-]+`). */
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Stores rows the user imported (an exchange's history written as ledger CSV v1) under
 * `origin = import:<name>`, replacing an earlier import of the same name: importing a file twice
 * leaves the same rows. Their ids must not collide with rows built from chain data or other imports.
 *
 * In one transaction: the earlier import's rows are deleted (returning only what the change
 * detection compares, as text cells), the new rows go in with COPY straight from `rows` (no
 * intermediate records), and the ledger is marked dirty from the earliest row that changed. An id
 * used by another origin breaks the primary key, which rolls everything back; only then are the
 * ids looked up, to say which row clashes with what.
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
  const userId = Number(args.userId);
  let inserting = false;
  try {
    return await db.transaction(async (tx) => {
      // id, time (epoch ms), then the compared columns: see `same` below.
      const removed = await selectCells(
        tx,
        `delete from lotwise_app.ledger_rows where user_id = ${userId} and origin = ${literal(origin)}
         returning id, floor(extract(epoch from time) * 1000)::bigint, type, wallet, to_wallet, out_asset, out_quantity, tx`,
      );
      inserting = true;
      await insertImportedRows(tx, userId, origin, args.rows);
      inserting = false;
      // Chain rows pair with imported transfers: rebuild from the earliest row that changed.
      const before = new Map<string, (string | null)[]>();
      for (const r of removed) before.set(r[0]!, r);
      let earliest = Number.POSITIVE_INFINITY;
      const seen = new Set<string>();
      for (const row of args.rows) {
        seen.add(row.id);
        const old = before.get(row.id);
        const t = Date.parse(row.time);
        const same =
          old !== undefined &&
          Number(old[1]) === t &&
          old[2] === row.type &&
          old[3] === row.wallet &&
          (old[4] ?? undefined) === row.toWallet &&
          (old[5] ?? undefined) === row.outAsset &&
          (old[6] ?? undefined) === row.outQuantity &&
          (old[7] ?? undefined) === row.tx;
        if (!same) {
          if (t < earliest) earliest = t;
          if (old !== undefined && Number(old[1]) < earliest) earliest = Number(old[1]);
        }
      }
      for (const old of removed)
        if (!seen.has(old[0]!) && Number(old[1]) < earliest) earliest = Number(old[1]);
      if (earliest !== Number.POSITIVE_INFINITY)
        await markLedgerDirty(tx, {
          userId: args.userId,
          from: new Date(earliest - (args.windowHours ?? 24) * 3_600_000),
        });
      return { inserted: args.rows.length, replaced: removed.length };
    });
  } catch (e) {
    if (inserting) {
      const clash = await findClash(db, args, origin);
      if (clash) throw clash;
    }
    throw e;
  }
};

/** The imported rows as `ledger_rows` records, one at a time (COPY reads them as they come). */
function* importedRecords(userId: number, origin: string, rows: readonly LedgerRow[]) {
  const priceSources = { usd_value: origin };
  const warnings: string[] = [];
  for (let seq = 0; seq < rows.length; seq++)
    yield storedRecord({ row: rows[seq]!, userId, seq, origin, priceSources, warnings });
}

const insertImportedRows = async (
  tx: DbOrTx,
  userId: number,
  origin: string,
  rows: readonly LedgerRow[],
): Promise<void> => {
  if (rows.length === 0) return;
  if (
    await copyRows(tx, "lotwise_app.ledger_rows", LEDGER_ROW_COLUMNS, importedRecords(userId, origin, rows))
  )
    return;
  await insertLedgerRows(
    tx,
    rows.map((row, seq) => ({ row, userId, seq, origin, priceSources: { usd_value: origin } })),
  );
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
