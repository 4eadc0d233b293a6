/**
 * The snapshot `ledger import` saves (src/books/engine-csv.ts) on PGlite and PostgreSQL: when the
 * import's rows are the whole ledger, the first read after it is the snapshot, byte for byte what
 * copying the rows out prints; rows in a form whose print is not known, rows of another origin
 * or rows out of ledger order save none; a ledger build that changes no row keeps the snapshot
 * current, one that writes a row does not.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import { parseLedgerCsv } from "../ledger/read.ts";
import { importLedgerRows } from "./imports.ts";
import { ledgerVersion } from "./query.ts";
import type { BuiltRow } from "./rows.ts";
import { insertLedgerRows, replaceChainLedger } from "./store.ts";
import { readStoredLedgerCsv, type StoredLedgerCsv } from "./stored-ledger.ts";

const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype,tx,note";
/**
 * Cells whose print differs from their text unless made as COPY makes it: quotes, commas and line
 * breaks in text, an empty-looking lot list, trailing zeros (kept for quantities, trimmed for USD),
 * USD half-up at the 8th place, milliseconds (`.000` dropped, `.5` padded), a fee to another wallet.
 */
const FILE = [
  HEADER,
  "r1,2025-01-01T00:00:00Z,buy,kraken:main,,,ETH,1.50,3000.10,USD,,1.5,,,,,",
  'r2,2025-01-01T00:00:00.000Z,buy,"kraken:sub, ""b""",,,BTC,0.000000000000000001,0.123456785,,,,,,,,',
  "r3,2025-01-02T03:04:05.125Z,income,kraken:main,,,ETH,12345678901234567890.5,0.123456784999,,,,,,staking,,",
  "r4,2025-01-02T03:04:05.5Z,transfer,kraken:main,ETH,0.5,,,,ETH,0.0010,0.000000005,ethereum:0xabc,,,0x1,a note",
  'r5,2025-02-01T00:00:00Z,sell,"kraken:main\nsecond line",ETH,0.25,,,100.00000000,,,,,r1:0.25,,,',
  "r6,2025-03-01T00:00:00Z,sell,kraken:main,ETH,1,,,7,,,,,,,,",
].join("\n");

describe.each(DATABASE_KINDS)("the snapshot a ledger import saves, on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  const bytesOf = (read: StoredLedgerCsv) => (read.gzip ? gunzipSync(read.csv) : read.csv);
  /** The rows copied out of the table (the snapshot set aside). */
  const copiedOut = async (userId: number) => {
    await database.db.execute(sql`delete from lotwise_app.ledger_snapshots where user_id = ${userId}`);
    const read = await readStoredLedgerCsv(database.db, userId);
    expect(read.gzip).toBe(false);
    return read;
  };
  const importFile = (userId: number, text: string, name = "kraken") =>
    importLedgerRows(database.db, { userId, name, rows: parseLedgerCsv(text, "f.csv"), file: "f.csv" });

  test("the whole ledger: the first read is the snapshot, the bytes a copy out prints", async () => {
    const user = await ensureUser(database.db, "whole");
    await importFile(user, FILE);
    const first = await readStoredLedgerCsv(database.db, user);
    expect(first.gzip).toBe(true);
    expect(first.notes.missingPrices).toEqual([]);
    const copied = await copiedOut(user);
    expect(bytesOf(first).toString()).toBe(copied.csv.toString());
    expect(bytesOf(first).equals(copied.csv)).toBe(true);
    // A re-import that changes a row saves the new rows' snapshot.
    await copied.save!();
    await importFile(user, FILE.replace("ETH,1,,,7", "ETH,2,,,7"));
    const again = await readStoredLedgerCsv(database.db, user);
    expect(again.gzip).toBe(true);
    expect(bytesOf(again).toString()).toContain("\nr6,2025-03-01T00:00:00Z,sell,kraken:main,ETH,2,,,7,");
    expect(bytesOf(again).equals((await copiedOut(user)).csv)).toBe(true);
  });

  test("a snapshot read from its row writes only the file, and the digest when the row has none", async () => {
    const user = await ensureUser(database.db, "file");
    await importFile(user, FILE);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "lotwise-snapshot-file-")), "u.csv.gz");
    /** The snapshot row's version (a write of any column makes a new one) and its columns. */
    const row = async () =>
      (
        (await database.db.execute(
          sql`select xmin::text as xmin, ctid::text as ctid, version, digest, encode(csv, 'hex') as csv
            from lotwise_app.ledger_snapshots where user_id = ${user}`,
        )) as unknown as { rows: Record<string, unknown>[] }
      ).rows[0]!;
    const before = await row();
    const read = await readStoredLedgerCsv(database.db, user, undefined, {
      path: file,
      digest: Promise.resolve(undefined),
    });
    expect(read.gzip).toBe(true);
    await read.save!();
    expect(readFileSync(file).equals(read.csv)).toBe(true);
    expect(await row()).toEqual(before);
    // A row saved without a digest: the digest of its bytes set, the rest as it was.
    await database.db.execute(
      sql`update lotwise_app.ledger_snapshots set digest = null where user_id = ${user}`,
    );
    rmSync(file);
    const again = await readStoredLedgerCsv(database.db, user, undefined, {
      path: file,
      digest: Promise.resolve(undefined),
    });
    await again.save!();
    expect(readFileSync(file).equals(read.csv)).toBe(true);
    const after = await row();
    expect(after.digest).toBe(before.digest);
    expect({ ...after, xmin: "", ctid: "" }).toEqual({ ...before, xmin: "", ctid: "" });
  });

  test("an instant with an offset or microseconds, a quantity in another form, another origin's rows or rows out of order: no snapshot", async () => {
    const cases = [
      FILE.replace("2025-03-01T00:00:00Z", "2025-03-01T02:00:00+02:00"),
      FILE.replace("2025-03-01T00:00:00Z", "2025-03-01T00:00:00.000001Z"),
      FILE.replace("ETH,1,,,7", "ETH,01,,,7"),
      FILE.replace("2025-03-01T00:00:00Z", "2024-12-31T00:00:00Z"),
    ];
    for (const [i, text] of cases.entries()) {
      const user = await ensureUser(database.db, `form-${i}`);
      await importFile(user, text);
      expect((await readStoredLedgerCsv(database.db, user)).gzip, `case ${i}`).toBe(false);
    }
    const mixed = await ensureUser(database.db, "mixed");
    await insertLedgerRows(database.db, [
      {
        row: {
          id: "c1",
          time: "2024-01-01T00:00:00Z",
          type: "buy",
          wallet: "w",
          inAsset: "ETH",
          inQuantity: "1",
        },
        userId: mixed,
        seq: 0,
        origin: "chain",
        priceSources: {},
      },
    ]);
    await importFile(mixed, FILE);
    expect((await readStoredLedgerCsv(database.db, mixed)).gzip).toBe(false);
  });

  test("a ledger build that deletes and writes no row keeps the snapshot; one that writes a row does not", async () => {
    const user = await ensureUser(database.db, "build");
    await importFile(user, FILE);
    const before = await ledgerVersion(database.db, user);
    const build = (rows: { row: BuiltRow; seq: number }[]) =>
      replaceChainLedger(database.db, {
        userId: user,
        from: new Date("2024-12-31T00:00:00Z"),
        rows,
        classified: [],
        reviews: () => [],
        txKeys: [],
      });
    await build([]);
    expect(await ledgerVersion(database.db, user)).toBeGreaterThan(before);
    expect((await readStoredLedgerCsv(database.db, user)).gzip).toBe(true);
    const row = {
      id: "ethereum:0x9:0",
      time: "2025-04-01T00:00:00Z",
      type: "buy",
      wallet: "ethereum:0x1",
      inAsset: "ETH",
      inQuantity: "1",
      usdValue: "10",
      priceSources: {},
      warnings: [],
    } as unknown as BuiltRow;
    await build([{ row, seq: 0 }]);
    const read = await readStoredLedgerCsv(database.db, user);
    expect(read.gzip).toBe(false);
    expect(read.csv.toString()).toContain("\nethereum:0x9:0,");
    // The other writers (no build) move the version past the snapshot as before.
    await read.save!();
    await insertLedgerRows(database.db, [
      { row: { ...row, id: "x" }, userId: user, seq: 1, origin: "chain", priceSources: {} },
    ]);
    expect((await readStoredLedgerCsv(database.db, user)).gzip).toBe(false);
  });
});
