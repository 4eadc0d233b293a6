/**
 * A re-import reuses the ledger's snapshot for its leading rows stored as they were
 * (src/books/engine-csv.ts, `defer`), on PGlite and PostgreSQL: an identical file renders no row;
 * a file with rows added, changed or removed after them renders only the batches from the first
 * one written, and the snapshot is still byte for byte what copying the rows out prints. When the
 * held snapshot's first lines are not those rows, no snapshot is saved.
 */
import { gunzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import { type LedgerBatches, parseLedgerCsv } from "../ledger/read.ts";
import { renderedRows } from "./engine-csv.ts";
import { importLedgerRows } from "./imports.ts";
import { ledgerVersion } from "./query.ts";
import { readStoredLedgerCsv, type StoredLedgerCsv } from "./stored-ledger.ts";

const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype,tx,note";

/**
 * `n` rows a minute apart from `start` (index), with cells COPY quotes (a comma and quotes in an
 * id, a line break in a wallet) every few rows.
 */
const lines = (n: number, start = 0): string[] =>
  Array.from({ length: n }, (_, k) => {
    const i = start + k;
    const time = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString();
    const id = i % 7 === 3 ? `"r${i}, ""q"""` : `r${i}`;
    const wallet = i % 11 === 5 ? '"kraken:main\nsecond"' : "kraken:main";
    return `${id},${time},buy,${wallet},,,ETH,1.${i}0,${100 + i}.125,,,,,,,,`;
  });
const file = (body: string[]) => [HEADER, ...body].join("\n");

/** `text`'s rows in batches of `size` (as `readLedgerFileBatches` hands a file). */
const inBatches =
  (text: string, size: number): LedgerBatches =>
  async (onBatch) => {
    const rows = parseLedgerCsv(text, "f.csv");
    for (let i = 0; i < rows.length; i += size) await onBatch(rows.slice(i, i + size));
  };

describe.each(DATABASE_KINDS)("a re-import reusing the snapshot, on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  const bytesOf = (read: StoredLedgerCsv) => (read.gzip ? gunzipSync(read.csv) : read.csv);
  /** The rows copied out of the table (the snapshot kept aside and put back). */
  const copiedOut = async (userId: number): Promise<Buffer> => {
    const saved = await database.db.execute(
      sql`select * from lotwise_app.ledger_snapshots where user_id = ${userId}`,
    );
    await database.db.execute(sql`delete from lotwise_app.ledger_snapshots where user_id = ${userId}`);
    const read = await readStoredLedgerCsv(database.db, userId);
    expect(read.gzip).toBe(false);
    const row = (saved as unknown as { rows: Record<string, unknown>[] }).rows[0];
    if (row)
      await database.db.execute(
        sql`insert into lotwise_app.ledger_snapshots (user_id, version, format, notes, csv, digest)
          values (${row.user_id}, ${row.version}, ${row.format}, ${row.notes}, ${row.csv}, ${row.digest})`,
      );
    return read.csv;
  };
  /**
   * Imports `text` in batches of 10, returning how many rows were rendered (no other import runs
   * in this file's process meanwhile: files of a worker run one after another).
   */
  const importFile = async (userId: number, text: string): Promise<number> => {
    const before = renderedRows.count;
    await importLedgerRows(database.db, { userId, name: "kraken", rows: inBatches(text, 10), file: "f.csv" });
    return renderedRows.count - before;
  };
  /** The stored ledger's read: a snapshot, byte for byte a copy out. */
  const expectSnapshot = async (userId: number) => {
    const read = await readStoredLedgerCsv(database.db, userId);
    expect(read.gzip).toBe(true);
    expect(bytesOf(read).toString()).toBe((await copiedOut(userId)).toString());
    return bytesOf(read).toString();
  };

  test("an identical file renders nothing; rows added, changed or removed after kept batches render from there", async () => {
    const user = await ensureUser(database.db, "reuse");
    const body = lines(45);
    expect(await importFile(user, file(body))).toBe(45);
    await expectSnapshot(user);

    const version = await ledgerVersion(database.db, user);
    expect(await importFile(user, file(body))).toBe(0);
    expect(await ledgerVersion(database.db, user)).toBe(version);
    await expectSnapshot(user);

    // Rows added at the end: the 4 leading batches come from the snapshot.
    const added = [...body, ...lines(8, 45)];
    expect(await importFile(user, file(added))).toBe(13);
    expect(await expectSnapshot(user)).toContain("\nr50,");

    // A row changed in the 3rd batch.
    const changed = added.map((l, i) => (i === 23 ? l.replace(",buy,", ",income,") : l));
    expect(await importFile(user, file(changed))).toBe(33);
    expect(await expectSnapshot(user)).toContain("\nr23,2025-01-01T00:23:00Z,income,");

    // Rows removed at the end: every batch kept, the whole file from the snapshot.
    expect(await importFile(user, file(changed.slice(0, 30)))).toBe(0);
    const kept = await expectSnapshot(user);
    expect(kept).toContain("\nr29,");
    expect(kept).not.toContain("\nr30,");
  });

  test("kept rows whose print only the database knows come from the snapshot: the import after them saves one", async () => {
    const user = await ensureUser(database.db, "offsets");
    // Instants with an offset (the first 2 batches): not rendered (no snapshot from the import); the copy out saves one.
    const body = lines(25).map((l, i) =>
      i >= 20
        ? l
        : l.replace(
            /T(\d\d):(\d\d):00\.000Z/,
            (_, h, m) => `T${String(Number(h) + 2).padStart(2, "0")}:${m}:00+02:00`,
          ),
    );
    expect(body[0]).toContain("T02:00:00+02:00");
    await importFile(user, file(body));
    const copy = await readStoredLedgerCsv(database.db, user);
    expect(copy.gzip).toBe(false);
    await copy.save!();
    // Rows added after 2 kept batches: their lines come from the snapshot, the 3rd batch rendered.
    expect(await importFile(user, file([...body, ...lines(3, 25)]))).toBe(8);
    expect(await expectSnapshot(user)).toContain("\nr0,2025-01-01T00:00:00Z,");
  });

  test("a held snapshot whose first lines are not the kept rows: no snapshot", async () => {
    const user = await ensureUser(database.db, "mismatch");
    // Out of ledger order (r1 before r0 by time): the import saves none, the first read's copy
    // out saves one in ledger order.
    const body = lines(25);
    const swapped = [body[1]!.replace("r1,", "r0,"), body[0]!.replace("r0,", "r1,"), ...body.slice(2)];
    await importFile(user, file(swapped));
    const copy = await readStoredLedgerCsv(database.db, user);
    expect(copy.gzip).toBe(false);
    await copy.save!();
    // The same rows and one more: the kept batches' ids in file order are not the snapshot's.
    await importFile(user, file([...swapped, ...lines(1, 25)]));
    const read = await readStoredLedgerCsv(database.db, user);
    expect(read.gzip).toBe(false);
    expect(read.csv.toString()).toContain("\nr25,");
  });
});
