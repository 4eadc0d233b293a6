import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../db/client.ts";
import { rawRecords, rpcCache, transactions } from "../db/schema/index.ts";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import { createTestDatabase, DATABASE_KINDS } from "../test/services.ts";
import { createDbRpcCache } from "./rpc-cache.ts";
import {
  type RawRecordRow,
  saveRawRecords,
  saveTransactionsWithMovements,
  type TransactionRow,
} from "./store.ts";

const HASH = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

const raw = (n: number, data: unknown): RawRecordRow => ({
  chain: "ethereum",
  txHash: HASH(n),
  kind: "tx",
  index: -1,
  blockNumber: BigInt(n),
  blockHash: HASH(1000 + n),
  data,
});

/** The staged COPY writes (chains/staged-copy.ts) keep each table's conflict rule on both drivers. */
describe.each(DATABASE_KINDS)("sync writes on %s", (kind) => {
  let database: Database;
  let walletId: number;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const user = await ensureUser(database.db, "store");
    walletId = (
      await upsertWallet(database.db, user, {
        chain: "ethereum",
        address: "0x1111111111111111111111111111111111111111",
      })
    ).id;
  });
  afterAll(async () => {
    await database?.close();
  });

  test("raw records are immutable: a second write, or a duplicate in one batch, keeps the first", async () => {
    const tricky = { s: 'tab\there "quoted" back\\slash \\N', n: [1, null], u: "ünï ✓" };
    await saveRawRecords(database.db, [raw(1, tricky), raw(2, { v: 2 })]);
    // Conflicts with stored rows and within the batch: the direct COPY gives way to the staged insert.
    await saveRawRecords(database.db, [raw(1, { changed: true }), raw(3, { v: 3 }), raw(3, { v: "dup" })]);
    const rows = await database.db.select().from(rawRecords).orderBy(rawRecords.txHash);
    expect(rows.map((r) => [r.txHash, r.blockNumber, r.blockHash, r.data])).toEqual([
      [HASH(1), 1n, HASH(1001), tricky],
      [HASH(2), 2n, HASH(1002), { v: 2 }],
      [HASH(3), 3n, HASH(1003), { v: 3 }],
    ]);
    // Stored as the JSON text itself, not jsonb.
    const [text] = (
      (await database.db.execute(
        `select data from lotwise_sync.raw_records where tx_hash = '${HASH(1)}'` as never,
      )) as unknown as { rows: { data: unknown }[] }
    ).rows;
    expect(text!.data).toBe(JSON.stringify(tricky));
  });

  test("transactions are upserted and their movements replaced, by COPY", async () => {
    const tx = (n: number, status: string, final: boolean): TransactionRow => ({
      walletId,
      chain: "ethereum",
      txHash: HASH(n),
      blockNumber: BigInt(n),
      time: new Date(Date.UTC(2025, 0, n, 1, 2, 3, 4)),
      status,
      final,
      details: { n },
    });
    const move = (n: number, amount: bigint) => ({
      walletId,
      chain: "ethereum",
      txHash: HASH(n),
      evidence: "native",
      evidenceIndex: "0",
      blockNumber: BigInt(n),
      time: new Date(Date.UTC(2025, 0, n)),
      asset: "ethereum:native",
      amount,
    });
    await saveTransactionsWithMovements(
      database.db,
      [tx(1, "success", false), tx(2, "success", true)],
      [move(1, 5n), move(2, -7n)],
    );
    await saveTransactionsWithMovements(database.db, [tx(1, "failed", true)], [move(1, 9n)]);
    const txs = await database.db
      .select()
      .from(transactions)
      .where(eq(transactions.walletId, walletId))
      .orderBy(transactions.txHash);
    expect(txs.map((t) => [t.txHash, t.status, t.final, t.txIndex, t.details, t.time.toISOString()])).toEqual(
      [
        [HASH(1), "failed", true, 0, { n: 1 }, "2025-01-01T01:02:03.004Z"],
        [HASH(2), "success", true, 0, { n: 2 }, "2025-01-02T01:02:03.004Z"],
      ],
    );
    const moves = (
      (await database.db.execute(
        `select tx_hash, amount::text as amount, final, symbol from lotwise_sync.movements where wallet_id = ${walletId} order by tx_hash` as never,
      )) as unknown as { rows: unknown[] }
    ).rows;
    expect(moves).toEqual([
      { tx_hash: HASH(1), amount: "9", final: true, symbol: null },
      { tx_hash: HASH(2), amount: "-7", final: true, symbol: null },
    ]);
  });

  test("the RPC cache serves buffered answers before writing them, and keeps the first answer", async () => {
    const cache = createDbRpcCache(database.db, "ethereum");
    await cache.put([{ key: "k1", method: "eth_getBlockByNumber", blockNumber: 5n, response: { a: 1 } }]);
    expect(await cache.getMany(["k1", "k2"])).toEqual(new Map([["k1", { a: 1 }]]));
    expect(await database.db.select().from(rpcCache)).toEqual([]);
    await cache.flush?.();
    await cache.put([{ key: "k1", method: "eth_getBlockByNumber", response: { a: 2 } }]);
    await cache.flush?.();
    const rows = await database.db.select().from(rpcCache);
    expect(rows.map((r) => [r.key, r.blockNumber, r.response])).toEqual([["k1", 5n, { a: 1 }]]);
    expect(await createDbRpcCache(database.db, "ethereum").getMany(["k1"])).toEqual(
      new Map([["k1", { a: 1 }]]),
    );
  });
});
