import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, DATABASE_KINDS } from "../test/services.ts";
import type { Database, DbOrTx } from "./client.ts";
import { copyLines, selectCells } from "./copy.ts";
import { dropIndexesForLoad } from "./deferred-indexes.ts";
import { ensureUser } from "./users.ts";

const TABLE = "lotwise_app.ledger_rows";
const NAMES = ["user_id", "id", "seq", "time", "type", "wallet", "in_asset", "in_quantity", "usd_value"];

/** Every index of the ledger rows table and the constraint it backs, as PostgreSQL prints them. */
const definitions = (db: DbOrTx) =>
  selectCells(
    db,
    `select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, c.contype, pg_get_constraintdef(c.oid)
       from pg_index i left join pg_constraint c on c.conindid = i.indexrelid
      where i.indrelid = '${TABLE}'::regclass order by 1`,
  );

const lines = (userId: number, ids: readonly string[]) =>
  ids.map((id, i) =>
    [userId, id, i, "2025-01-01T00:00:00Z", "buy", "coinbase:main", "ETH", "1", "3000"].join("\t"),
  );

describe.each(DATABASE_KINDS)("dropIndexesForLoad (%s)", (kind) => {
  let database: Database;
  let userId: number;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    userId = await ensureUser(database.db, "deferred");
  });
  afterAll(() => database.close());

  /** The table's file (`pg_relation_filenode`): TRUNCATE gives it a new one. */
  const fileOf = async (db: DbOrTx) =>
    (await selectCells(db, `select pg_relation_filenode('${TABLE}')`))[0]![0];

  test("on PGlite, an empty table gets a new file before the load (its rows then write no WAL); never on PostgreSQL", async () => {
    const before = await fileOf(database.db);
    await database.db.transaction(async (tx) => {
      const rebuild = await dropIndexesForLoad(tx, TABLE, 3, 3);
      if (kind === "postgres") expect(await fileOf(tx)).toBe(before);
      else {
        expect(await fileOf(tx)).not.toBe(before);
        expect(rebuild?.truncated).toBe(true);
      }
      await rebuild?.();
    });
  });

  test("on PGlite, a load larger than the table builds the same indexes after it; never on PostgreSQL", async () => {
    const before = await definitions(database.db);
    expect(before.map((d) => d[0])).toContain("lotwise_app.ledger_rows_pk");
    await database.db.transaction(async (tx) => {
      const rebuild = await dropIndexesForLoad(tx, TABLE, 3, 3);
      if (kind === "postgres") expect(rebuild).toBeUndefined();
      else expect(rebuild).toBeDefined();
      expect(await definitions(tx)).toEqual(kind === "postgres" ? before : []);
      // Into the table emptied in this transaction: frozen rows (PostgreSQL refuses FREEZE otherwise).
      await copyLines(tx, TABLE, NAMES, lines(userId, ["a", "b", "c"]), { freeze: rebuild?.truncated });
      await rebuild?.();
      expect(await definitions(tx)).toEqual(before);
    });
    expect(await definitions(database.db)).toEqual(before);
    const ids = await selectCells(
      database.db,
      `select id from ${TABLE} where user_id = ${userId} order by id`,
    );
    expect(ids.map((r) => r[0])).toEqual(["a", "b", "c"]);
  });

  test("a table holding rows keeps its file and its rows", async () => {
    const before = await fileOf(database.db);
    await database.db.transaction(async (tx) => {
      // The table holds 3 rows (the test above): a load of 9 drops the indexes, and truncates nothing.
      const rebuild = await dropIndexesForLoad(tx, TABLE, 9, 3);
      if (kind === "pglite") expect(rebuild?.truncated).toBe(false);
      expect(await fileOf(tx)).toBe(before);
      await rebuild?.();
    });
    const [count] = await selectCells(database.db, `select count(*) from ${TABLE} where user_id = ${userId}`);
    expect(count![0]).toBe("3");
  });

  test("nothing is dropped for a load smaller than the table holds, or than the minimum", async () => {
    const before = await definitions(database.db);
    await database.db.transaction(async (tx) => {
      // The table holds 3 rows (the test above).
      expect(await dropIndexesForLoad(tx, TABLE, 3, 1)).toBeUndefined();
      expect(await dropIndexesForLoad(tx, TABLE, 9, 10)).toBeUndefined();
      expect(await definitions(tx)).toEqual(before);
    });
  });

  test("a duplicate key fails when the key is built again, and the failed transaction keeps the indexes", async () => {
    const before = await definitions(database.db);
    const failed = database.db.transaction(async (tx) => {
      const rebuild = await dropIndexesForLoad(tx, TABLE, 10, 10);
      await copyLines(tx, TABLE, NAMES, lines(userId, ["d", "d", "e", "f", "g", "h", "i", "j", "k", "l"]));
      await rebuild?.();
    });
    await expect(failed).rejects.toThrow(/ledger_rows_pk|duplicate/);
    expect(await definitions(database.db)).toEqual(before);
    const [count] = await selectCells(database.db, `select count(*) from ${TABLE} where user_id = ${userId}`);
    expect(count![0]).toBe("3");
  });
});
