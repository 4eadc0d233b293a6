/**
 * The stored ledger as CSV bytes (`readStoredLedgerCsv`, what `lotwise gains` reads without
 * `--ledger`) against the row objects of `readStoredLedger` (what the other commands read), on
 * both databases: read back by the ledger reader, every cell the engine uses is the same (USD
 * values rounded to 8 places as exports round them, quoted and tricky cells, nulls and times
 * with milliseconds), in ledger order, with the same notes.
 */
import { gunzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import { streamLedgerBytes } from "../ledger/read.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { SNAPSHOT_FORMAT } from "./ledger-snapshot.ts";
import { declareLedgerWriter, insertLedgerRows, type StoredRowInput } from "./store.ts";
import { readStoredLedger, readStoredLedgerCsv, type StoredLedgerCsv } from "./stored-ledger.ts";

/** USD values around the 8th place (half-up), with trailing zeros, whole and zero. */
const USD = ["1234.5", "0.123456785", "0.123456784999", "100.00000000", "7", "0", "0.000000005", "2.10"];

const rowsOf = (userId: number): StoredRowInput[] =>
  Array.from({ length: 40 }, (_, i) => {
    const group = Math.floor(i / 2);
    const ms = group === 3 ? 125 : 0;
    const time = new Date(Date.UTC(2025, 0, 1 + group) + ms).toISOString().replace(".000Z", "Z");
    const odd = i % 2 === 1;
    return {
      userId,
      seq: i % 2,
      origin: i % 3 === 0 ? "import:x" : "chain",
      priceSources: (i % 4 === 0 ? { usd_value: "file" } : {}) as Record<string, string>,
      warnings: i % 7 === 0 ? ["missing_price:FOO", "other"] : [],
      row: {
        id: `r${String(i).padStart(2, "0")}`,
        time,
        type: odd ? "sell" : "buy",
        wallet: i === 5 ? 'a "wallet", with a comma' : `evm:1:0x${i % 3}`,
        ...(odd
          ? { outAsset: "ETH", outQuantity: "0.000000000000000001" }
          : { inAsset: "ETH", inQuantity: "12345678901234567890.5" }),
        usdValue: USD[i % USD.length],
        ...(i % 5 === 0
          ? {
              feeAsset: "ETH",
              feeQuantity: "0.01",
              feeUsd: USD[(i + 3) % USD.length],
              lots: odd ? "r00:0.5;r02:0.25" : undefined,
              subtype: "staking",
              tx: `0x${i}`,
              note: "a note\nover two lines, with a comma",
            }
          : {}),
      },
    };
  });

/** The cells the tax engine reads. */
const engineCells = (r: LedgerRow) => [
  r.id,
  r.time,
  r.type,
  r.wallet,
  r.outAsset,
  r.outQuantity,
  r.inAsset,
  r.inQuantity,
  r.usdValue,
  r.feeAsset,
  r.feeQuantity,
  r.feeUsd,
  r.toWallet,
  r.lots,
  r.subtype,
];

describe.each(DATABASE_KINDS)("readStoredLedgerCsv on %s", (kind) => {
  let database: Database;
  let user: number;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    user = await ensureUser(database.db, "csv");
    const other = await ensureUser(database.db, "other");
    await insertLedgerRows(database.db, rowsOf(user));
    await insertLedgerRows(database.db, rowsOf(other).slice(0, 5));
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  test("the same engine cells and notes as readStoredLedger, in ledger order", async () => {
    const objects = await readStoredLedger(database.db, user);
    const { csv, notes } = await readStoredLedgerCsv(database.db, user);
    const read: LedgerRow[] = [];
    await streamLedgerBytes(csv, (row) => read.push({ ...row }), { source: "stored ledger" });
    expect(read.map(engineCells)).toEqual(objects.rows.map(engineCells));
    expect(read).toHaveLength(40);
    expect(notes).toEqual(objects.notes);
    expect(notes.missingPrices.map((m) => m.id)).toEqual(["r00", "r07", "r14", "r21", "r28", "r35"]);
    // Rounded as exports round: half-up at the 8th place, no trailing zeros.
    expect(read.slice(0, 8).map((r) => r.usdValue)).toEqual([
      "1234.5",
      "0.12345679",
      "0.12345678",
      "100",
      "7",
      "0",
      "0.00000001",
      "2.1",
    ]);
  });

  test("a ledger larger than one read of the connection (many COPY messages) reads back whole", async () => {
    const big = await ensureUser(database.db, "big");
    const rows = Array.from({ length: 250 }, (_, k) =>
      rowsOf(big).map((r) => ({ ...r, row: { ...r.row, id: `${r.row.id}-${k}` } })),
    ).flat();
    await insertLedgerRows(database.db, rows);
    const objects = await readStoredLedger(database.db, big);
    const { csv } = await readStoredLedgerCsv(database.db, big);
    const read: LedgerRow[] = [];
    await streamLedgerBytes(csv, (row) => read.push({ ...row }), { source: "stored ledger" });
    expect(read).toHaveLength(10_000);
    expect(read.map(engineCells)).toEqual(objects.rows.map(engineCells));
  });

  test("rows apart by microseconds (an exchange's fills) keep their instants' order, not the printed milliseconds'", async () => {
    // The file lists the sale first; the buy is 1 µs earlier. Both print as 00:00:00Z (the ledger
    // text keeps milliseconds), so the row order is all the engine has to go by.
    const fills = await ensureUser(database.db, "fills");
    const row = (id: string, time: string, seq: number, fields: Partial<LedgerRow>): StoredRowInput => ({
      userId: fills,
      seq,
      origin: "import:fills",
      priceSources: {},
      warnings: [],
      row: { id, time, type: "buy", wallet: "coinbase:main", usdValue: "100", ...fields } as LedgerRow,
    });
    await insertLedgerRows(database.db, [
      row("s", "2025-03-01T00:00:00.000002Z", 0, { type: "sell", outAsset: "ETH", outQuantity: "1" }),
      row("b", "2025-03-01T00:00:00.000001Z", 1, { inAsset: "ETH", inQuantity: "1" }),
    ]);
    const { csv } = await readStoredLedgerCsv(database.db, fills);
    const read: LedgerRow[] = [];
    await streamLedgerBytes(csv, (r) => read.push({ ...r }), { source: "stored ledger" });
    expect(read.map((r) => r.id)).toEqual(["b", "s"]);
    const objects = await readStoredLedger(database.db, fills);
    expect(objects.rows.map((r) => r.id)).toEqual(["b", "s"]);
  });

  test("digits beyond the microsecond are dropped, never rounded into the next day (or year)", async () => {
    const late = await ensureUser(database.db, "late");
    await insertLedgerRows(database.db, [
      {
        userId: late,
        seq: 0,
        origin: "import:late",
        priceSources: {},
        warnings: [],
        row: {
          id: "n1",
          time: "2025-12-31T23:59:59.9999996Z",
          type: "buy",
          wallet: "w",
          inAsset: "ETH",
          inQuantity: "1",
          usdValue: "1",
        },
      },
    ]);
    const { csv } = await readStoredLedgerCsv(database.db, late);
    const read: LedgerRow[] = [];
    await streamLedgerBytes(csv, (r) => read.push({ ...r }), { source: "stored ledger" });
    expect(read.map((r) => r.time)).toEqual(["2025-12-31T23:59:59.999Z"]);
  });

  test("an empty stored ledger is a header only", async () => {
    const empty = await ensureUser(database.db, "empty");
    const { csv } = await readStoredLedgerCsv(database.db, empty);
    const read: LedgerRow[] = [];
    await streamLedgerBytes(csv, (row) => read.push(row), { source: "stored ledger" });
    expect(read).toEqual([]);
  });
});

describe.each(DATABASE_KINDS)("the stored ledger's snapshot on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  /** The ledger CSV bytes a read gives (inflated when they came from the snapshot). */
  const bytesOf = (read: StoredLedgerCsv) => (read.gzip ? gunzipSync(read.csv) : read.csv);
  const idsOf = async (read: StoredLedgerCsv) => {
    const ids: string[] = [];
    await streamLedgerBytes(bytesOf(read), (row) => ids.push(row.id), { source: "stored ledger" });
    return ids;
  };

  test("saved by a read that copied the rows out, read back while the version holds; any change of the user's rows makes the next read copy them out again", async () => {
    const user = await ensureUser(database.db, "snap");
    const other = await ensureUser(database.db, "snap-other");
    await insertLedgerRows(database.db, rowsOf(user));
    const first = await readStoredLedgerCsv(database.db, user);
    expect(first.gzip).toBe(false);
    expect(first.save).toBeDefined();
    await first.save!();

    const second = await readStoredLedgerCsv(database.db, user);
    expect(second.gzip).toBe(true);
    expect(second.save).toBeUndefined();
    expect(bytesOf(second).equals(first.csv)).toBe(true);
    expect(second.notes).toEqual(first.notes);
    expect(second.notes.missingPrices).toHaveLength(6);

    // Another user's rows, written as a declared writer, leave this user's version alone.
    await database.db.transaction(async (tx) => {
      await declareLedgerWriter(tx, other);
      await insertLedgerRows(tx, rowsOf(other).slice(0, 3));
    });
    expect((await readStoredLedgerCsv(database.db, user)).gzip).toBe(true);

    // A row added: read from the table, with the new row.
    const [extra] = rowsOf(user).slice(1, 2);
    await insertLedgerRows(database.db, [{ ...extra!, row: { ...extra!.row, id: "added" } }]);
    const third = await readStoredLedgerCsv(database.db, user);
    expect(third.gzip).toBe(false);
    expect(await idsOf(third)).toContain("added");
    await third.save!();
    expect(await idsOf(await readStoredLedgerCsv(database.db, user))).toContain("added");

    // A row changed in place, then a row deleted: each time read from the table again.
    await database.db.execute(
      sql`update lotwise_app.ledger_rows set usd_value = 99 where user_id = ${user} and id = 'added'`,
    );
    const changed = await readStoredLedgerCsv(database.db, user);
    expect(changed.gzip).toBe(false);
    expect(changed.csv.toString()).toContain("added,");
    expect(changed.csv.toString()).toMatch(/\nadded,[^\n]*,99,/);
    await changed.save!();
    await database.db.execute(
      sql`delete from lotwise_app.ledger_rows where user_id = ${user} and id = 'added'`,
    );
    const deleted = await readStoredLedgerCsv(database.db, user);
    expect(deleted.gzip).toBe(false);
    expect(await idsOf(deleted)).not.toContain("added");
    expect(deleted.csv.equals(first.csv)).toBe(true);
    await deleted.save!();

    // Open reviews are counted at every read (they are not ledger rows).
    await database.db.execute(
      sql`insert into lotwise_app.review_items (user_id, chain, tx_hash, reason, status, message)
          values (${user}, 'ethereum', '0xabc', 'unmatched_transfer', 'open', 'x')`,
    );
    const reviewed = await readStoredLedgerCsv(database.db, user);
    expect(reviewed.gzip).toBe(true);
    expect(reviewed.notes.openReviews).toBe(1);

    // A snapshot of another format is not read.
    await database.db.execute(
      sql`update lotwise_app.ledger_snapshots set format = ${SNAPSHOT_FORMAT + 1} where user_id = ${user}`,
    );
    expect((await readStoredLedgerCsv(database.db, user)).gzip).toBe(false);
  }, 60_000);

  test("a snapshot saved late (the ledger changed meanwhile) is never read; one row per user", async () => {
    const user = await ensureUser(database.db, "late");
    await insertLedgerRows(database.db, rowsOf(user));
    const stale = await readStoredLedgerCsv(database.db, user);
    await insertLedgerRows(database.db, [
      { ...rowsOf(user)[0]!, row: { ...rowsOf(user)[0]!.row, id: "new" } },
    ]);
    await stale.save!();
    const read = await readStoredLedgerCsv(database.db, user);
    expect(read.gzip).toBe(false);
    expect(await idsOf(read)).toContain("new");
    await read.save!();
    const rows = await database.db.execute(
      sql`select count(*)::int as n from lotwise_app.ledger_snapshots where user_id = ${user}`,
    );
    expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
    expect((await readStoredLedgerCsv(database.db, user)).gzip).toBe(true);
  }, 60_000);
});
