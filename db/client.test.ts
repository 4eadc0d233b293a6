import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, DATABASE_KINDS } from "../test/services.ts";
import type { Database } from "./client.ts";
import {
  classifications,
  cursors,
  importRecords,
  ledgerRows,
  movements,
  prices,
  rawRecords,
  users,
  wallets,
} from "./schema/index.ts";
import { ensureUser } from "./users.ts";

/** One data-layer suite, run against PGlite and the real PostgreSQL. */
describe.each(DATABASE_KINDS)("data layer on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  test("migrate() twice is a no-op", async () => {
    await database.migrate();
    const rows = await database.db.execute(
      sql`select table_name from information_schema.tables where table_schema in ('lotwise_app','lotwise_sync') order by 1`,
    );
    const names = (rows as unknown as { rows: { table_name: string }[] }).rows.map((r) => r.table_name);
    expect(names).toEqual(
      expect.arrayContaining([
        "users",
        "api_keys",
        "wallets",
        "movements",
        "raw_records",
        "ledger_rows",
        "prices",
      ]),
    );
  });

  test("ensureUser() is idempotent", async () => {
    const a = await ensureUser(database.db, "alice");
    const b = await ensureUser(database.db, "alice");
    expect(a).toBe(b);
    expect(await database.db.select().from(users).where(eq(users.name, "alice"))).toHaveLength(1);
  });

  test("amounts round-trip exactly: uint256 extremes and signed raw units", async () => {
    const userId = await ensureUser(database.db, "amounts");
    const [w] = await database.db
      .insert(wallets)
      .values({ userId, chain: "ethereum", address: "0x0000000000000000000000000000000000000001" })
      .returning();
    const max = 2n ** 256n - 1n;
    const rows = [max, -max, -1n, 0n, 123456789012345678901234567890n].map((amount, i) => ({
      walletId: w!.id,
      chain: "ethereum",
      txHash: `0x${i}`,
      evidence: "erc20",
      evidenceIndex: String(i),
      blockNumber: 1n,
      time: new Date("2025-01-01T00:00:00Z"),
      asset: "ethereum:0xabc",
      decimals: 18,
      amount,
    }));
    await database.db.insert(movements).values(rows);
    const back = await database.db
      .select({ amount: movements.amount, i: movements.evidenceIndex })
      .from(movements)
      .where(eq(movements.walletId, w!.id));
    back.sort((x, y) => Number(x.i) - Number(y.i));
    expect(back.map((r) => r.amount)).toEqual(rows.map((r) => r.amount));
    expect(typeof back[0]!.amount).toBe("bigint");
  });

  test("decimal USD values keep every digit", async () => {
    const value = "1234567890.123456789012345678901234567890";
    await database.db.insert(prices).values({
      asset: "ETH",
      time: new Date("2025-03-04T15:20:00Z"),
      usd: value,
      source: "file:test",
    });
    const [row] = await database.db.select().from(prices).where(eq(prices.asset, "ETH"));
    expect(row!.usd).toBe(value);
  });

  test("raw records are unique per chain + tx + kind + index; re-inserting changes nothing", async () => {
    const rec = {
      chain: "ethereum",
      txHash: "0xaa",
      kind: "log",
      index: 3,
      blockNumber: 10n,
      blockHash: "0xbb",
      data: { topics: ["0x1"], data: "0x" },
    };
    await database.db.insert(rawRecords).values(rec).onConflictDoNothing();
    await database.db
      .insert(rawRecords)
      .values({ ...rec, data: { changed: true } })
      .onConflictDoNothing();
    const rows = await database.db.select().from(rawRecords).where(eq(rawRecords.txHash, "0xaa"));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.data).toEqual(rec.data);
    await expect(database.db.insert(rawRecords).values(rec)).rejects.toThrow();
  });

  test("wallets are unique per user, chain and address; removing one cascades to its data", async () => {
    const userId = await ensureUser(database.db, "cascade");
    const [w] = await database.db
      .insert(wallets)
      .values({ userId, chain: "solana", address: "So11111111111111111111111111111111111111112" })
      .returning();
    await expect(
      database.db
        .insert(wallets)
        .values({ userId, chain: "solana", address: "So11111111111111111111111111111111111111112" }),
    ).rejects.toThrow();
    await database.db
      .insert(cursors)
      .values({ walletId: w!.id, source: "solana:sigs", chain: "solana", position: {} });
    await database.db.delete(wallets).where(eq(wallets.id, w!.id));
    expect(await database.db.select().from(cursors).where(eq(cursors.walletId, w!.id))).toHaveLength(0);
  });

  test("deleting a user deletes its derived ledger rows, classifications and import records, and no one else's", async () => {
    const gone = await ensureUser(database.db, "leaving");
    const stays = await ensureUser(database.db, "staying");
    for (const userId of [gone, stays]) {
      await database.db.insert(ledgerRows).values({
        userId,
        id: "r1",
        seq: 0,
        time: new Date("2025-01-01T00:00:00Z"),
        type: "buy",
        wallet: "coinbase:main",
        inAsset: "ETH",
        inQuantity: "1",
        usdValue: "3000",
      });
      await database.db
        .insert(classifications)
        .values({ userId, chain: "ethereum", txHash: "0x01", kind: "swap", source: "rule" });
      await database.db.insert(importRecords).values({
        userId,
        account: "coinbase:main",
        externalId: "x1",
        format: "coinbase",
        file: "coinbase.csv",
        line: 5,
        time: new Date("2025-01-01T00:00:00Z"),
        kind: "buy",
        fingerprint: "f",
        data: "{}",
      });
    }
    await database.db.delete(users).where(eq(users.id, gone));
    const owners = async (table: typeof ledgerRows | typeof classifications | typeof importRecords) =>
      (await database.db.select({ userId: table.userId }).from(table)).map((r) => r.userId);
    for (const table of [ledgerRows, classifications, importRecords]) {
      expect(await owners(table)).not.toContain(gone);
      expect(await owners(table)).toContain(stays);
    }
  });

  test("a failed transaction loses nothing already stored", async () => {
    const userId = await ensureUser(database.db, "tx");
    await database.db.insert(ledgerRows).values({
      userId,
      id: "keep",
      seq: 0,
      time: new Date("2025-01-01T00:00:00Z"),
      type: "buy",
      wallet: "coinbase:main",
      inAsset: "ETH",
      inQuantity: "1",
      usdValue: "3000",
    });
    await expect(
      database.db.transaction(async (tx) => {
        await tx.delete(ledgerRows).where(eq(ledgerRows.userId, userId));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const rows = await database.db
      .select()
      .from(ledgerRows)
      .where(and(eq(ledgerRows.userId, userId), eq(ledgerRows.id, "keep")));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.inQuantity).toBe("1");
  });
});
