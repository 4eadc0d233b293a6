import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { transactions } from "../../db/schema/index.ts";
import { createTestDatabase } from "../../test/services.ts";
import { type ReplayServer, startSolanaReplay } from "../../test/solana-replay.ts";
import { replaySyncArgs, solanaTestWallet } from "../../test/solana-sync-args.ts";

/**
 * The Solana sync writes a page in parts of about `storeChunk` transactions (sync.ts
 * `STORE_CHUNK`: on PGlite a statement holds the sync's thread), raw records by whole batches (a
 * batch's blob is stored once), and stores the same rows as a page written at once.
 */

/** Rows per call of each write, in call order. */
const rawCalls: number[] = [];
const txCalls: number[] = [];

vi.mock("../store.ts", async (original) => {
  const store = await original<typeof import("../store.ts")>();
  return {
    ...store,
    saveRawRecords: async (...args: Parameters<typeof store.saveRawRecords>) => {
      rawCalls.push(args[1].length);
      return store.saveRawRecords(...args);
    },
    saveTransactionsWithMovements: async (
      ...args: Parameters<typeof store.saveTransactionsWithMovements>
    ) => {
      txCalls.push(args[1].length);
      return store.saveTransactionsWithMovements(...args);
    },
  };
});

const { syncSolanaWallet } = await import("./sync.ts");

let server: ReplayServer;
beforeAll(async () => {
  server = await startSolanaReplay();
});
afterAll(async () => {
  await server?.close();
});

/**
 * Syncs the Jupiter limit-order wallet (11 transactions, one page; batches of 3: 3, 3, 3, 2) into
 * a new database; what it stored, as sorted text.
 */
const syncWith = async (storeChunk: number | undefined) => {
  rawCalls.length = 0;
  txCalls.length = 0;
  const database = await createTestDatabase("pglite");
  try {
    const wallet = await solanaTestWallet(database);
    await syncSolanaWallet(replaySyncArgs(server, database, wallet, 2), {
      txBatchSize: 3,
      retryBaseMs: 5,
      ...(storeChunk === undefined ? {} : { storeChunk }),
    });
    const rows = await database.db.select().from(transactions).where(eq(transactions.walletId, wallet.id));
    const text = (r: unknown) =>
      JSON.stringify(r, (_k, v) =>
        typeof v === "bigint" ? v.toString() : v instanceof Date ? v.toISOString() : v,
      );
    const moves = (await database.db.execute(
      sql.raw(
        "select tx_hash, evidence, evidence_index, asset, amount::text, counterparty from lotwise_sync.movements order by 1, 2, 3",
      ),
    )) as unknown as { rows: unknown[] };
    const blobs = (await database.db.execute(
      sql.raw("select count(*)::int as n from lotwise_sync.raw_blobs"),
    )) as unknown as { rows: { n: number }[] };
    const records = (await database.db.execute(
      sql.raw(
        "select count(*)::int as n from lotwise_sync.raw_records r join lotwise_sync.raw_blobs b on b.id = split_part(substr(convert_from(r.data, 'UTF8'), 2), ':', 1)",
      ),
    )) as unknown as { rows: { n: number }[] };
    return {
      transactions: rows.map(({ id: _id, insertedXid: _x, ...r }: Record<string, unknown>) => text(r)).sort(),
      movements: moves.rows.map(text),
      blobs: blobs.rows[0]!.n,
      recordsInBlobs: records.rows[0]!.n,
    };
  } finally {
    await database.close();
  }
};

test("a page is written in parts, raw records by whole batches, the same rows as at once", async () => {
  const parts = await syncWith(4);
  // Raw records: batches of 3 gathered until 4 or more (3 + 3), then the rest (3 + 2).
  expect(rawCalls).toEqual([6, 5]);
  expect(txCalls).toEqual([4, 4, 3]);
  // One blob per batch, each stored once; every record refers to a stored blob.
  expect(parts.blobs).toBe(4);
  expect(parts.recordsInBlobs).toBe(11);

  const whole = await syncWith(undefined);
  // The default on PGlite (250 transactions) takes this page at once.
  expect(rawCalls).toEqual([11]);
  expect(txCalls).toEqual([11]);
  expect(whole.blobs).toBe(4);
  expect(parts.transactions).toHaveLength(11);
  expect(parts.transactions).toEqual(whole.transactions);
  expect(parts.movements).toEqual(whole.movements);
});
