import { sql } from "drizzle-orm";
import type { BulkColumns } from "../db/bulk.ts";
import type { DbOrTx } from "../db/client.ts";
import { copyRows, isUniqueViolation } from "../db/copy.ts";

/**
 * Bulk upserts through COPY (db/copy.ts: no bind parameters, no query builder, no per-row
 * protocol work). A batch is first copied straight into the target, in a savepoint; when a key is
 * already present (unique violation: a re-sync, a duplicate within the batch), the savepoint is
 * rolled back and the rows go by COPY into a session-local staging table shaped like the target,
 * from which one `INSERT … SELECT … ON CONFLICT …` moves them over. Same rows as a multi-row
 * `INSERT … ON CONFLICT`, several times cheaper per row on PGlite; idempotent exactly as the
 * conflict clause is.
 *
 * The staging table is `pg_temp.<stage>`, created on first use per session with
 * `ON COMMIT DELETE ROWS` and emptied after each use, inside one (nested) transaction: on
 * PostgreSQL each pooled connection has its own, and no row outlives its statement.
 */

/** `table` is a trusted, schema-qualified identifier; `conflict` trusted SQL (`on conflict …`). */
export type StagedTable = { table: string; stage: string; columns: BulkColumns; conflict: string };

/** Copies the batch into `table` (the target or its stage); false when the driver offers no COPY. */
export type CopyInto = (db: DbOrTx, table: string) => Promise<boolean>;

/**
 * How a staged COPY went: `"new"` when the whole batch went straight into the target (so no row's
 * key was there before), `"merged"` when it went through the stage and the conflict rule, false
 * when the driver offers no COPY (nothing written).
 */
export type StagedCopyResult = "new" | "merged" | false;

/**
 * Writes `rows` (keys = column names of `target.columns`) into `target.table` through its stage.
 * @returns false (nothing written) when the driver offers no COPY; the caller inserts instead.
 */
export const stagedCopy = async (
  db: DbOrTx,
  target: StagedTable,
  rows: readonly Record<string, unknown>[],
): Promise<StagedCopyResult> => {
  if (rows.length === 0) return "new";
  return stagedCopyWith(db, target, (tx, table) => copyRows(tx, table, target.columns, rows));
};

/**
 * `stagedCopy` with the COPY itself up to the caller (`copy` writes the whole batch into the table
 * it is given, e.g. by binary COPY: db/copy-binary.ts); `target.columns` names the columns moved
 * from the stage.
 */
export const stagedCopyWith = async (
  db: DbOrTx,
  target: StagedTable,
  copy: CopyInto,
): Promise<StagedCopyResult> => {
  const list = Object.keys(target.columns)
    .map((n) => `"${n}"`)
    .join(", ");
  // Most batches hold only new rows (a first sync, another wallet's re-sync): straight in with
  // COPY, which a key already present stops (unique violation) and rolls back to the savepoint.
  try {
    return (await db.transaction((tx) => copy(tx, target.table))) && "new";
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  return db.transaction(async (tx) => {
    await tx.execute(
      sql.raw(
        `create temp table if not exists ${target.stage} (like ${target.table} including defaults) on commit delete rows`,
      ),
    );
    if (!(await copy(tx, `pg_temp.${target.stage}`))) return false;
    await tx.execute(
      sql.raw(
        `insert into ${target.table} (${list}) select ${list} from pg_temp.${target.stage} ${target.conflict}`,
      ),
    );
    await tx.execute(sql.raw(`delete from pg_temp.${target.stage}`));
    return "merged" as const;
  });
};
