/**
 * Indexes built after a bulk load instead of kept up row by row, on the embedded database.
 *
 * A COPY of many rows into a table that holds few pays, for every row, one insertion into each of
 * the table's indexes; building an index once over the loaded table (a sort) costs a fraction of
 * that. On PGlite a transaction holds the only connection, so no other statement sees the table
 * without its indexes, and a failure rolls the drop back with everything else. On PostgreSQL the
 * drop would lock the table against every other session for the whole load: never done there.
 */
import { sql } from "drizzle-orm";
import type { DbOrTx } from "./client.ts";
import { onPglite, selectCells, sqlLiteral } from "./copy.ts";

/**
 * Builds the indexes `dropIndexesForLoad` dropped. `truncated`: the table was emptied by TRUNCATE
 * in this (sub)transaction, so a COPY into it may write its rows frozen (`copyLines`' `freeze`).
 */
export type IndexRebuild = (() => Promise<void>) & { readonly truncated: boolean };

/** Fewest rows a load must bring for its indexes to be built after it. */
export const DEFERRED_INDEX_MIN_ROWS = 10_000;

/**
 * Drops the indexes of `table` (a trusted, schema-qualified name), primary key and unique
 * constraints included, when `db` is a PGlite transaction about to load at least `incoming` rows
 * (and at least `minRows`) into a table holding fewer than `incoming` (truncating it when it holds
 * none, so the load writes no WAL): then returns what builds them again, exactly as they were
 * (each index's and constraint's own definition, names kept), to be awaited in the same
 * transaction once the rows are in and before anything reads the table by an index. A duplicate
 * key then fails there ("could not create unique index") instead of at the row. undefined (nothing
 * dropped) otherwise, or when another table's foreign key needs one of them.
 */
export const dropIndexesForLoad = async (
  db: DbOrTx,
  table: string,
  incoming: number,
  minRows = DEFERRED_INDEX_MIN_ROWS,
): Promise<IndexRebuild | undefined> => {
  if (incoming < minRows || !onPglite(db)) return undefined;
  const [held] = await selectCells(db, `select count(*) from (select 1 from ${table} limit ${incoming}) s`);
  if (Number(held?.[0]) >= incoming) return undefined;
  const rel = `${sqlLiteral(table)}::regclass`;
  const [referenced] = await selectCells(db, `select 1 from pg_constraint where confrelid = ${rel} limit 1`);
  if (referenced) return undefined;
  // An empty table is emptied again by TRUNCATE, which gives it a new file: with `wal_level=minimal`
  // (db/client.ts) the rows loaded into a file made in this transaction write no WAL (PostgreSQL
  // syncs the file at commit instead; PGlite runs with `fsync=off`). It holds no row to lose, and
  // no other connection sees the table (PGlite has one).
  const truncated = Number(held?.[0]) === 0;
  if (truncated) await db.execute(sql.raw(`truncate ${table}`));
  // Each index with the constraint it backs (a primary key or unique constraint), if any.
  const indexes = await selectCells(
    db,
    `select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid)
       from pg_index i left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid
      where i.indrelid = ${rel} order by i.indexrelid`,
  );
  if (indexes.length === 0) return undefined;
  const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
  for (const [index, , constraint] of indexes)
    await db.execute(
      sql.raw(
        constraint ? `alter table ${table} drop constraint ${ident(constraint)}` : `drop index ${index}`,
      ),
    );
  const rebuild = async () => {
    for (const [, indexDef, constraint, constraintDef] of indexes)
      await db.execute(
        sql.raw(
          constraint
            ? `alter table ${table} add constraint ${ident(constraint)} ${constraintDef}`
            : indexDef!,
        ),
      );
  };
  return Object.assign(rebuild, { truncated });
};
