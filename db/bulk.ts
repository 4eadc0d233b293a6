import { sql } from "drizzle-orm";
import type { DbOrTx } from "./client.ts";
import { type CopyOptions, copyRows } from "./copy.ts";

/** Column name → PostgreSQL type, for `jsonb_to_recordset`. */
export type BulkColumns = Readonly<
  Record<string, "text" | "integer" | "bigint" | "numeric" | "boolean" | "timestamptz" | "jsonb">
>;

/** Rows per statement: one JSON parameter each, so only memory bounds it. */
const BULK_CHUNK = 5000;

/**
 * Inserts many rows with one statement per chunk and a single JSON parameter
 * (`INSERT … SELECT … FROM jsonb_to_recordset($1)`), instead of one bind parameter per cell:
 * an order of magnitude less work for the driver and the query builder on large ledgers. The
 * same SQL runs on PGlite and PostgreSQL. `table` is a trusted, schema-qualified identifier.
 * `onConflict` is appended verbatim (trusted SQL). Without one, the rows go in with `COPY`
 * (db/copy.ts), which stores the same values several times faster.
 */
export const bulkInsert = async (
  db: DbOrTx,
  table: string,
  columns: BulkColumns,
  rows: readonly Record<string, unknown>[],
  onConflict = "",
  /** For the COPY (no `onConflict`): see `CopyOptions`. */
  options: CopyOptions = {},
): Promise<void> => {
  if (rows.length === 0) return;
  if (onConflict === "" && (await copyRows(db, table, columns, rows, options))) return;
  const names = Object.keys(columns);
  const list = names.map((n) => `"${n}"`).join(", ");
  const spec = names.map((n) => `"${n}" ${columns[n]}`).join(", ");
  for (let i = 0; i < rows.length; i += BULK_CHUNK) {
    const json = JSON.stringify(rows.slice(i, i + BULK_CHUNK));
    await db.execute(
      sql
        .raw(`insert into ${table} (${list}) select ${list} from jsonb_to_recordset(`)
        .append(sql`${json}::jsonb`.append(sql.raw(`) as x(${spec}) ${onConflict}`))),
    );
  }
};
