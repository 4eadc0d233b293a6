import { brotliDecompressSync, deflateSync } from "node:zlib";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../db/client.ts";
import { selectCells } from "../db/copy.ts";
import { BROTLI_MARK, packJsonText } from "../db/packed-json.ts";
import { packBlob, type RawBlob } from "../db/raw-blobs.ts";
import { movements, rawRecords, rpcCache, transactions, users, wallets } from "../db/schema/index.ts";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import { NonRetryableError } from "../src/errors.ts";
import { createTestDatabase, DATABASE_KINDS } from "../test/services.ts";
import { createDbRpcCache } from "./rpc-cache.ts";
import {
  type BlobRawRecordRow,
  getRawRecords,
  packRawRecords,
  type RawRecordRow,
  saveRawRecords,
  saveTransactionsWithMovements,
  storedTransactionsAndRecords,
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
  const blobCount = async (): Promise<number> =>
    Number((await selectCells(database.db, "select count(*) from lotwise_sync.raw_blobs"))[0]![0]);
  /** The stored bytes of a raw record, as the driver returns a `bytea`. */
  const storedBytes = async (hash: string): Promise<Uint8Array> => {
    const [row] = (
      (await database.db.execute(
        `select data from lotwise_sync.raw_records where tx_hash = '${hash}'` as never,
      )) as unknown as { rows: { data: Uint8Array }[] }
    ).rows;
    return row!.data;
  };

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
    // Stored as the JSON text's UTF-8 bytes (short answers are not compressed).
    expect(Buffer.from(await storedBytes(HASH(1))).toString("utf8")).toBe(JSON.stringify(tricky));
  });

  test("long answers are stored Brotli-compressed, packed here or on the pack thread, and read back whole", async () => {
    const long = (n: number) => ({ n, keys: Array.from({ length: 200 }, (_, i) => `key ${i} \t "${n}" ✓`) });
    const plain = long(10);
    await saveRawRecords(database.db, [raw(10, plain)]);
    await saveRawRecords(database.db, await packRawRecords([raw(11, long(11)), raw(12, { short: true })]));
    // A second write of packed rows with a conflict goes through the stage and keeps the first.
    await saveRawRecords(database.db, await packRawRecords([raw(11, { changed: 1 }), raw(13, long(13))]));
    const bytes = await storedBytes(HASH(10));
    expect(bytes[0]).toBe(BROTLI_MARK);
    expect(brotliDecompressSync(bytes.subarray(1)).toString("utf8")).toBe(JSON.stringify(plain));
    expect(Buffer.from(await storedBytes(HASH(11)))).toEqual(packJsonText(JSON.stringify(long(11))));
    expect(Buffer.from(await storedBytes(HASH(12))).toString("utf8")).toBe('{"short":true}');
    const rows = await database.db
      .select({ txHash: rawRecords.txHash, data: rawRecords.data })
      .from(rawRecords)
      .where(inArray(rawRecords.txHash, [HASH(10), HASH(11), HASH(12), HASH(13)]))
      .orderBy(rawRecords.txHash);
    expect(rows.map((r) => r.data)).toEqual([plain, long(11), { short: true }, long(13)]);
    const read = await getRawRecords(database.db, {
      chain: "ethereum",
      kind: "tx",
      index: -1,
      hashes: [HASH(1), HASH(10), HASH(11), HASH(12), HASH(99)],
    });
    expect(Object.fromEntries(read)).toEqual({
      [HASH(1)]: { s: 'tab\there "quoted" back\\slash \\N', n: [1, null], u: "ünï ✓" },
      [HASH(10)]: plain,
      [HASH(11)]: long(11),
      [HASH(12)]: { short: true },
    });
  });

  test("long answers stored zlib-compressed by earlier versions are read back whole", async () => {
    const old = { n: 20, keys: Array.from({ length: 200 }, (_, i) => `key ${i} \t "20" ✓`) };
    const zlib = deflateSync(JSON.stringify(old), { level: 1 });
    expect(zlib[0]).toBe(0x78);
    await database.db.execute(
      `insert into lotwise_sync.raw_records (chain, tx_hash, kind, index, block_number, data)
        values ('ethereum', '${HASH(20)}', 'tx', -1, 20, decode('${zlib.toString("hex")}', 'hex'))` as never,
    );
    const [row] = await database.db
      .select()
      .from(rawRecords)
      .where(eq(rawRecords.txHash, HASH(20)));
    expect(row?.data).toEqual(old);
    const read = await getRawRecords(database.db, {
      chain: "ethereum",
      kind: "tx",
      index: -1,
      hashes: [HASH(20)],
    });
    expect(read.get(HASH(20))).toEqual(old);
  });

  test("storedTransactionsAndRecords(): the wallet's stored hashes, and the raw records of the others", async () => {
    const long = { keys: Array.from({ length: 200 }, (_, i) => `key ${i} "it's" ✓`) };
    await saveRawRecords(database.db, [raw(30, { has: 30 }), raw(31, long), raw(32, { short: "it's" })]);
    // Another kind of record for 33: not the one asked for.
    await saveRawRecords(database.db, [{ ...raw(33, { other: true }), kind: "receipt" }]);
    // A wallet of its own: the other tests count this file's wallet's transactions.
    const user = await ensureUser(database.db, "store");
    const lookupWallet = (
      await upsertWallet(database.db, user, {
        chain: "ethereum",
        address: "0x2222222222222222222222222222222222222222",
      })
    ).id;
    await saveTransactionsWithMovements(
      database.db,
      [30, 34].map((n) => ({
        walletId: lookupWallet,
        chain: "ethereum",
        txHash: HASH(n),
        blockNumber: BigInt(n),
        time: new Date(Date.UTC(2025, 0, 1)),
        status: "success",
        details: {},
      })),
      [],
    );
    const { stored, raws } = await storedTransactionsAndRecords(database.db, {
      walletId: lookupWallet,
      chain: "ethereum",
      kind: "tx",
      index: -1,
      hashes: [30, 31, 32, 33, 34, 35].map(HASH),
    });
    // 30 and 34 are the wallet's (30's raw record is not read); 31 and 32 only have raw records.
    expect([...stored].sort()).toEqual([HASH(30), HASH(34)]);
    expect(Object.fromEntries(raws)).toEqual({ [HASH(31)]: long, [HASH(32)]: { short: "it's" } });
    const other = await storedTransactionsAndRecords(database.db, {
      walletId,
      chain: "ethereum",
      kind: "tx",
      index: -1,
      hashes: [HASH(30)],
    });
    expect([...other.stored]).toEqual([]);
    expect(Object.fromEntries(other.raws)).toEqual({ [HASH(30)]: { has: 30 } });
  });

  test("parts of a blob: the blob stored once, each record a reference, read back whole by every reader", async () => {
    const values = [
      { n: 40, s: "ünï ✓ \t" },
      { n: 41, keys: Array.from({ length: 200 }, (_, i) => `k${i}`) },
      42,
    ];
    const texts = values.map((v) => Buffer.from(JSON.stringify(v), "utf8"));
    const part = (hashN: number, k: number, blob: RawBlob, ends: number[]): BlobRawRecordRow => {
      const { data: _data, ...row } = raw(hashN, null);
      return { ...row, part: { blob, start: k === 0 ? 0 : ends[k - 1]!, end: ends[k]! } };
    };
    const first = packBlob(texts);
    const blobsBefore = await blobCount();
    await saveRawRecords(
      database.db,
      values.map((_, k) => part(40 + k, k, first.blob, first.ends)),
    );
    expect(await blobCount()).toBe(blobsBefore + 1);
    const ref = Buffer.from(await storedBytes(HASH(41))).toString("latin1");
    expect(ref).toMatch(new RegExp(`^@[0-9a-f-]{36}:${first.ends[0]}:${first.ends[1]}$`));
    // A second blob whose first record is stored already: that record keeps the first blob's part.
    const second = packBlob([Buffer.from('{"changed":true}'), Buffer.from('{"n":43}')]);
    await saveRawRecords(database.db, [
      part(40, 0, second.blob, second.ends),
      part(43, 1, second.blob, second.ends),
    ]);
    expect(await blobCount()).toBe(blobsBefore + 2);
    const hashes = [40, 41, 42, 43].map(HASH);
    const expected = { [HASH(40)]: values[0], [HASH(41)]: values[1], [HASH(42)]: 42, [HASH(43)]: { n: 43 } };
    const read = await getRawRecords(database.db, { chain: "ethereum", kind: "tx", index: -1, hashes });
    expect(Object.fromEntries(read)).toEqual(expected);
    const { raws } = await storedTransactionsAndRecords(database.db, {
      walletId,
      chain: "ethereum",
      kind: "tx",
      index: -1,
      hashes,
    });
    expect(Object.fromEntries(raws)).toEqual(expected);
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

  test("new transactions skip the movement delete, yet a movement already there under the same key is replaced", async () => {
    const n = 20;
    const move = (amount: bigint) => ({
      walletId,
      chain: "ethereum",
      txHash: HASH(n),
      evidence: "native",
      evidenceIndex: "0",
      blockNumber: BigInt(n),
      time: new Date(Date.UTC(2025, 0, 20)),
      asset: "ethereum:native",
      amount,
    });
    // A movement without its transaction row (no writer of lotwise leaves one; a hand-made row here).
    await database.db.insert(movements).values(move(1n));
    const tx: TransactionRow = {
      walletId,
      chain: "ethereum",
      txHash: HASH(n),
      blockNumber: BigInt(n),
      time: new Date(Date.UTC(2025, 0, 20)),
      status: "success",
    };
    await saveTransactionsWithMovements(database.db, [tx], [move(4n)]);
    const rows = await database.db
      .select({ amount: movements.amount })
      .from(movements)
      .where(eq(movements.txHash, HASH(n)));
    expect(rows).toEqual([{ amount: 4n }]);
  });

  test("a wallet's deletion removes its transactions and movements (a trigger, no foreign key) and no other wallet's; a write for a wallet that is gone stores nothing", async () => {
    const user = await ensureUser(database.db, "leaving-wallet");
    const ids: number[] = [];
    for (const address of [
      "0x3333333333333333333333333333333333333333",
      "0x4444444444444444444444444444444444444444",
    ])
      ids.push((await upsertWallet(database.db, user, { chain: "ethereum", address })).id);
    const write = (id: number, n: number) =>
      saveTransactionsWithMovements(
        database.db,
        [
          {
            walletId: id,
            chain: "ethereum",
            txHash: HASH(n),
            blockNumber: BigInt(n),
            time: new Date(Date.UTC(2025, 0, 1)),
            status: "success",
            details: {},
          },
        ],
        [
          {
            walletId: id,
            chain: "ethereum",
            txHash: HASH(n),
            evidence: "native",
            evidenceIndex: "tx:in",
            blockNumber: BigInt(n),
            time: new Date(Date.UTC(2025, 0, 1)),
            asset: "ethereum:native",
            amount: 1n,
          },
        ],
      );
    const [gone, stays] = ids as [number, number];
    await write(gone, 50);
    await write(stays, 51);
    await database.db.delete(wallets).where(eq(wallets.id, gone));
    const owners = async () => ({
      transactions: (
        await database.db
          .select({ id: transactions.walletId })
          .from(transactions)
          .where(inArray(transactions.walletId, ids))
      ).map((r) => r.id),
      movements: (
        await database.db
          .select({ id: movements.walletId })
          .from(movements)
          .where(inArray(movements.walletId, ids))
      ).map((r) => r.id),
    });
    expect(await owners()).toEqual({ transactions: [stays], movements: [stays] });
    // The wallet's row is checked once per write (a deleted wallet's sync must not leave rows).
    const failed = await write(gone, 52).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(NonRetryableError);
    expect((failed as Error).message).toContain(`wallet ${gone} no longer exists`);
    expect(await owners()).toEqual({ transactions: [stays], movements: [stays] });
    // A user's deletion reaches its wallets' rows too (cascaded to wallets, then the trigger).
    await database.db.delete(users).where(eq(users.id, user));
    expect(await owners()).toEqual({ transactions: [], movements: [] });
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
