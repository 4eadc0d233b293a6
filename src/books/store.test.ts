/**
 * Ledger versions (the cache key of the API's gains cache) after writes to `ledger_rows`: a write
 * declared for a user bumps that user's version once per statement; an undeclared write bumps
 * every user's (never a missed change); updates bump the written users' only. And the partial
 * index of position-account rows keeps up with the position protocols.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ledgerRows, POSITION_ROWS_SQL } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import { POSITION_PROTOCOLS } from "../classify/decoders/position.ts";
import { ledgerVersion } from "./query.ts";
import { declareLedgerWriter, insertLedgerRows } from "./store.ts";

describe.each(DATABASE_KINDS)("ledger versions on %s", (kind) => {
  let database: Database;
  let alice: number;
  let bob: number;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    alice = await ensureUser(database.db, "alice");
    bob = await ensureUser(database.db, "bob");
  });
  afterAll(async () => {
    await database?.close();
  });
  const row = (userId: number, id: string) => ({
    row: {
      id,
      time: "2025-01-01T00:00:00Z",
      type: "buy" as const,
      wallet: "coinbase:main",
      inAsset: "ETH",
      inQuantity: "1",
      usdValue: "3000",
    },
    userId,
    seq: 0,
    origin: "chain",
    priceSources: {},
  });
  const versions = async () => [
    await ledgerVersion(database.db, alice),
    await ledgerVersion(database.db, bob),
  ];

  test("declared writes bump their user once per statement, undeclared ones every user", async () => {
    expect(await versions()).toEqual([0, 0]);
    await database.db.transaction(async (tx) => {
      await declareLedgerWriter(tx, alice);
      await insertLedgerRows(tx, [row(alice, "a1"), row(alice, "a2")]);
    });
    expect(await versions()).toEqual([1, 0]);
    await database.db.transaction(async (tx) => {
      await declareLedgerWriter(tx, alice);
      await tx.delete(ledgerRows).where(eq(ledgerRows.id, "a2"));
    });
    expect(await versions()).toEqual([2, 0]);
    // The declaration ends with its transaction.
    await insertLedgerRows(database.db, [row(bob, "b1")]);
    expect(await versions()).toEqual([3, 1]);
    // An update bumps the users whose rows it changed.
    await database.db.execute(sql`update lotwise_app.ledger_rows set note = 'x' where id = 'b1'`);
    expect(await versions()).toEqual([3, 2]);
  });
});

test("the partial index of position rows names every position protocol", () => {
  // A protocol added to POSITION_PROTOCOLS needs a migration widening `ledger_rows_position_idx`
  // (and POSITION_ROWS_SQL), or an incremental build scans the user's ledger for its rows.
  for (const p of POSITION_PROTOCOLS) {
    expect(POSITION_ROWS_SQL).toContain(`wallet like '${p}:%'`);
    expect(POSITION_ROWS_SQL).toContain(`to_wallet like '${p}:%'`);
  }
  expect(POSITION_ROWS_SQL.match(/ like /g)).toHaveLength(2 * POSITION_PROTOCOLS.length);
});
