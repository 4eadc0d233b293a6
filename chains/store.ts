import { and, eq, gt, inArray, lte, sql } from "drizzle-orm";
import type { BulkColumns } from "../db/bulk.ts";
import type { DbOrTx } from "../db/client.ts";
import { isUniqueViolation, selectCells, sqlLiteral } from "../db/copy.ts";
import { type BinaryColumns, copyBinaryRows } from "../db/copy-binary.ts";
import { packJsonTexts } from "../db/pack-thread.ts";
import { packedJsonSql, packJsonText, unpackJson } from "../db/packed-json.ts";
import {
  type BlobPart,
  blobPartText,
  blobReference,
  newBlobId,
  packedCellReader,
  type RawBlob,
} from "../db/raw-blobs.ts";
import { blocks, cursors, movements, rawRecords, tokens, transactions, wallets } from "../db/schema/index.ts";
import { NonRetryableError } from "../src/errors.ts";
import { chunks } from "../src/utils/chunks.ts";
import { type StagedTable, stagedCopy, stagedCopyWith } from "./staged-copy.ts";

/**
 * Idempotent writes shared by every chain family. Each function can run twice (or after a crash
 * half-way) and leaves the same rows: raw records are immutable (`ON CONFLICT DO NOTHING`),
 * transactions are upserted, and a transaction's movements are replaced as a whole in one
 * database transaction, so a re-normalized transaction never leaves stale rows behind.
 */

export type RawRecordRow = typeof rawRecords.$inferInsert;
/** A raw record whose answer is already in its stored form (`packRawRecords`, db/packed-json.ts). */
export type PackedRawRecordRow = Omit<RawRecordRow, "data"> & { packed: Uint8Array };
/**
 * A raw record whose answer is one part of a blob (db/raw-blobs.ts): the blob is stored once, in
 * `raw_blobs`, and the record holds a reference to the part.
 */
export type BlobRawRecordRow = Omit<RawRecordRow, "data"> & { part: BlobPart };
export type TransactionRow = typeof transactions.$inferInsert;
export type MovementRow = typeof movements.$inferInsert;
export type TokenRow = typeof tokens.$inferInsert;
export type BlockRow = typeof blocks.$inferInsert;

/** Rows per INSERT, to stay well under PostgreSQL's 65,535 bind parameters. */
const CHUNK = 500;

/** Raw records go in by binary COPY (db/copy-binary.ts): `data` is bytes (db/packed-json.ts). */
const RAW_RECORD_COLUMNS: BinaryColumns = {
  chain: "text",
  tx_hash: "text",
  kind: "text",
  index: "integer",
  block_number: "numeric",
  block_hash: "text",
  data: "bytea",
};

/**
 * Staged COPY targets (chains/staged-copy.ts). Column names are SQL names; `jsonb` columns take
 * any JSON value (written as its JSON text).
 */
const RAW_RECORDS: StagedTable = {
  table: "lotwise_sync.raw_records",
  stage: "lotwise_stage_raw_records",
  // Only the names matter here (which columns move from the stage); the COPY is binary.
  columns: {
    chain: "text",
    tx_hash: "text",
    kind: "text",
    index: "integer",
    block_number: "numeric",
    block_hash: "text",
    data: "text",
  },
  conflict: "on conflict do nothing",
};

/**
 * Transactions go in by binary COPY too (through their stage when one is there already); the same
 * columns name what moves from the stage.
 */
const TRANSACTION_COLUMNS = {
  wallet_id: "integer",
  chain: "text",
  tx_hash: "text",
  block_number: "numeric",
  block_hash: "text",
  tx_index: "integer",
  time: "timestamptz",
  from: "text",
  to: "text",
  status: "text",
  method: "text",
  fee_payer: "text",
  final: "boolean",
  details: "jsonb",
} as const satisfies BinaryColumns & BulkColumns;

const TRANSACTIONS: StagedTable = {
  table: "lotwise_sync.transactions",
  stage: "lotwise_stage_transactions",
  columns: TRANSACTION_COLUMNS,
  conflict: `on conflict (wallet_id, chain, tx_hash) do update set ${[
    "block_number",
    "block_hash",
    "tx_index",
    "time",
    "from",
    "to",
    "status",
    "method",
    "fee_payer",
    "final",
    "details",
  ]
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(", ")}`,
};

/**
 * Movements go in by binary COPY (their transaction's old ones are deleted first): the server
 * parses no timestamp or numeric text, a fifth of the statement on PGlite (2,500 rows: 51 → 40 ms).
 */
const MOVEMENT_COLUMNS: BinaryColumns = {
  wallet_id: "integer",
  chain: "text",
  tx_hash: "text",
  evidence: "text",
  evidence_index: "text",
  block_number: "numeric",
  block_hash: "text",
  tx_index: "integer",
  time: "timestamptz",
  asset: "text",
  symbol: "text",
  decimals: "integer",
  amount: "numeric",
  counterparty: "text",
  token_id: "text",
  final: "boolean",
};

const BLOCKS: StagedTable = {
  table: "lotwise_sync.blocks",
  stage: "lotwise_stage_blocks",
  columns: { chain: "text", number: "numeric", hash: "text", parent_hash: "text", timestamp: "bigint" },
  conflict:
    'on conflict (chain, number) do update set "hash" = excluded."hash", "parent_hash" = excluded."parent_hash", "timestamp" = excluded."timestamp"',
};

/**
 * `rows` with their answers in stored form, serialized here and compressed on the pack thread
 * (db/pack-thread.ts): start it as soon as the answers are in, so that it runs while this thread
 * goes on, and hand the result to `saveRawRecords`.
 */
export const packRawRecords = (rows: readonly RawRecordRow[]): Promise<PackedRawRecordRow[]> => {
  // The rows are kept without their answers meanwhile: the parsed answers need not outlive this call.
  const texts = rows.map((r) => JSON.stringify(r.data) ?? "null");
  const bare = rows.map(({ data: _data, ...r }) => r);
  const result = packJsonTexts(texts).then((packed) => bare.map((r, i) => ({ ...r, packed: packed[i]! })));
  // Awaited by the caller later, or never when its batch fails first: not an unhandled rejection.
  result.catch(() => {});
  return result;
};

/** Blobs go in by binary COPY (no conflict possible: their ids are new). */
const RAW_BLOB_COLUMNS: BinaryColumns = { id: "text", chain: "text", data: "bytea" };

/**
 * Stores the blobs `rows` name (each once, by binary COPY) under new ids.
 * @returns each blob's id, or undefined (nothing stored) when the driver has no binary COPY.
 */
const saveRawBlobs = async (
  db: DbOrTx,
  rows: readonly BlobRawRecordRow[],
): Promise<Map<RawBlob, string> | undefined> => {
  const ids = new Map<RawBlob, string>();
  const cells: { id: string; chain: string; data: Uint8Array }[] = [];
  for (const r of rows) {
    if (ids.has(r.part.blob)) continue;
    const id = newBlobId();
    ids.set(r.part.blob, id);
    cells.push({ id, chain: r.chain, data: r.part.blob.bytes });
  }
  return (await copyBinaryRows(db, "lotwise_sync.raw_blobs", RAW_BLOB_COLUMNS, cells)) ? ids : undefined;
};

/**
 * Raw records are immutable: a record already stored is kept as it is (`ON CONFLICT DO NOTHING`).
 * Rows not packed yet (`packRawRecords`) are packed here, on this thread. Rows that are parts of
 * blobs (`BlobRawRecordRow`) store their blobs first (before any reference to them), then
 * references; a record already stored leaves its part of the new blob unused.
 */
export const saveRawRecords = async (
  db: DbOrTx,
  rows: readonly (RawRecordRow | PackedRawRecordRow | BlobRawRecordRow)[],
): Promise<void> => {
  if (rows.length === 0) return;
  const parts = rows.filter((r): r is BlobRawRecordRow => "part" in r);
  const blobIds = parts.length > 0 ? await saveRawBlobs(db, parts) : undefined;
  const staged = rows.map((r) => ({
    chain: r.chain,
    tx_hash: r.txHash,
    kind: r.kind,
    index: r.index,
    block_number: r.blockNumber,
    block_hash: r.blockHash ?? null,
    data:
      "packed" in r
        ? r.packed
        : "part" in r
          ? blobIds
            ? blobReference(blobIds.get(r.part.blob)!, r.part.start, r.part.end)
            : // No binary COPY (nor blobs stored): the answer on its own, as before blobs.
              packJsonText(blobPartText(r.part))
          : packJsonText(JSON.stringify(r.data) ?? "null"),
  }));
  if (
    await stagedCopyWith(db, RAW_RECORDS, (tx, table) =>
      copyBinaryRows(tx, table, RAW_RECORD_COLUMNS, staged),
    )
  )
    return;
  const values = rows.map((r): RawRecordRow => {
    if ("part" in r) {
      const { part, ...rest } = r;
      return { ...rest, data: JSON.parse(blobPartText(part)) };
    }
    if (!("packed" in r)) return r;
    const { packed, ...rest } = r;
    return { ...rest, data: unpackJson(packed) };
  });
  for (const c of chunks(values, CHUNK)) await db.insert(rawRecords).values(c).onConflictDoNothing();
};

/**
 * Locks the rows of `walletIds` in `lotwise_app.wallets` until the end of the transaction
 * (`FOR KEY SHARE`: a concurrent deletion waits, then removes what this transaction wrote).
 * Transactions and movements have no foreign key to wallets (migration 0016): this one statement
 * per write does what the key's check did for every row.
 * @throws NonRetryableError when a wallet is gone (deleted while its sync ran).
 */
const lockWallets = async (db: DbOrTx, walletIds: readonly number[]): Promise<void> => {
  const rows = await db
    .select({ id: wallets.id })
    .from(wallets)
    .where(inArray(wallets.id, walletIds as number[]))
    .for("key share");
  if (rows.length === walletIds.length) return;
  const found = new Set(rows.map((r) => r.id));
  const gone = walletIds.filter((id) => !found.has(Number(id)));
  throw new NonRetryableError(`wallet ${gone.join(", ")} no longer exists: its rows were not stored`);
};

/** Stores a wallet's transactions with their movements, replacing earlier movements of those transactions. */
export const saveTransactionsWithMovements = async (
  db: DbOrTx,
  txs: readonly TransactionRow[],
  moves: readonly MovementRow[],
): Promise<void> => {
  if (txs.length === 0) return;
  await db.transaction(async (tx) => {
    await lockWallets(tx, [...new Set(txs.map((t) => t.walletId))]);
    const staged = txs.map((t) => ({
      wallet_id: t.walletId,
      chain: t.chain,
      tx_hash: t.txHash,
      block_number: t.blockNumber,
      block_hash: t.blockHash ?? null,
      tx_index: t.txIndex ?? 0,
      time: t.time,
      from: t.from ?? null,
      to: t.to ?? null,
      status: t.status,
      method: t.method ?? null,
      fee_payer: t.feePayer ?? null,
      final: t.final ?? true,
      details: t.details ?? {},
    }));
    const copied = await stagedCopyWith(tx, TRANSACTIONS, (t, table) =>
      copyBinaryRows(t, table, TRANSACTION_COLUMNS, staged),
    );
    for (const c of copied ? [] : chunks(txs, CHUNK)) {
      await tx
        .insert(transactions)
        .values(c)
        .onConflictDoUpdate({
          target: [transactions.walletId, transactions.chain, transactions.txHash],
          set: {
            blockNumber: sql`excluded.block_number`,
            blockHash: sql`excluded.block_hash`,
            txIndex: sql`excluded.tx_index`,
            time: sql`excluded.time`,
            from: sql`excluded.from`,
            to: sql`excluded.to`,
            status: sql`excluded.status`,
            method: sql`excluded.method`,
            feePayer: sql`excluded.fee_payer`,
            final: sql`excluded.final`,
            details: sql`excluded.details`,
          },
        });
    }
    // Every transaction row was new: none has movements to replace (movements are written only
    // here, with their transaction, and deleted with it). Should one be there all the same, its
    // key stops the COPY below, which then deletes and copies again.
    if (copied === "new") {
      if (moves.length === 0) return;
      const cells = moves.map(movementCells);
      try {
        if (
          await tx.transaction((sp) => copyBinaryRows(sp, "lotwise_sync.movements", MOVEMENT_COLUMNS, cells))
        )
          return;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    const byWallet = new Map<string, { walletId: number; chain: string; hashes: string[] }>();
    for (const t of txs) {
      const k = `${t.walletId}\u0000${t.chain}`;
      const e = byWallet.get(k) ?? { walletId: t.walletId, chain: t.chain, hashes: [] };
      e.hashes.push(t.txHash);
      byWallet.set(k, e);
    }
    for (const { walletId, chain, hashes } of byWallet.values()) {
      for (const h of chunks(hashes, CHUNK)) {
        await tx
          .delete(movements)
          .where(
            and(eq(movements.walletId, walletId), eq(movements.chain, chain), inArray(movements.txHash, h)),
          );
      }
    }
    if (moves.length === 0) return;
    if (
      copied &&
      (await copyBinaryRows(tx, "lotwise_sync.movements", MOVEMENT_COLUMNS, moves.map(movementCells)))
    )
      return;
    for (const c of chunks(moves, CHUNK)) await tx.insert(movements).values(c);
  });
};

const movementCells = (m: MovementRow) => ({
  wallet_id: m.walletId,
  chain: m.chain,
  tx_hash: m.txHash,
  evidence: m.evidence,
  evidence_index: m.evidenceIndex,
  block_number: m.blockNumber,
  block_hash: m.blockHash ?? null,
  tx_index: m.txIndex ?? 0,
  time: m.time,
  asset: m.asset,
  symbol: m.symbol ?? null,
  decimals: m.decimals ?? null,
  amount: m.amount,
  counterparty: m.counterparty ?? null,
  token_id: m.tokenId ?? null,
  final: m.final ?? true,
});

export const saveTokens = async (db: DbOrTx, rows: readonly TokenRow[]): Promise<void> => {
  for (const c of chunks(rows, CHUNK)) {
    await db
      .insert(tokens)
      .values(c)
      .onConflictDoUpdate({
        target: [tokens.chain, tokens.address],
        set: {
          standard: sql`excluded.standard`,
          symbol: sql`excluded.symbol`,
          name: sql`excluded.name`,
          decimals: sql`excluded.decimals`,
          problem: sql`excluded.problem`,
          updatedAt: sql`now()`,
        },
      });
  }
};

export const getTokens = async (db: DbOrTx, chain: string, addresses: readonly string[]) => {
  const out = new Map<string, typeof tokens.$inferSelect>();
  for (const c of chunks(addresses, CHUNK)) {
    const rows = await db
      .select()
      .from(tokens)
      .where(and(eq(tokens.chain, chain), inArray(tokens.address, c as string[])));
    for (const r of rows) out.set(r.address, r);
  }
  return out;
};

export const saveBlocks = async (db: DbOrTx, rows: readonly BlockRow[]): Promise<void> => {
  const staged = rows.map((b) => ({
    chain: b.chain,
    number: b.number,
    hash: b.hash,
    parent_hash: b.parentHash ?? null,
    timestamp: b.timestamp,
  }));
  if (await stagedCopy(db, BLOCKS, staged)) return;
  for (const c of chunks(rows, CHUNK)) {
    await db
      .insert(blocks)
      .values(c)
      .onConflictDoUpdate({
        target: [blocks.chain, blocks.number],
        set: {
          hash: sql`excluded.hash`,
          parentHash: sql`excluded.parent_hash`,
          timestamp: sql`excluded.timestamp`,
        },
      });
  }
};

export const getCursor = async <P>(db: DbOrTx, walletId: number, source: string): Promise<P | undefined> => {
  const [row] = await db
    .select({ position: cursors.position })
    .from(cursors)
    .where(and(eq(cursors.walletId, walletId), eq(cursors.source, source)));
  return row?.position as P | undefined;
};

export const setCursor = async (
  db: DbOrTx,
  args: { walletId: number; source: string; chain: string; position: unknown },
): Promise<void> => {
  await db
    .insert(cursors)
    .values({ ...args, position: args.position as object })
    .onConflictDoUpdate({
      target: [cursors.walletId, cursors.source],
      set: { position: args.position as object, updatedAt: sql`now()` },
    });
};

/** Marks a wallet's transactions and movements at or below `block` final. */
export const markFinal = async (
  db: DbOrTx,
  args: { chain: string; walletId: number; block: bigint },
): Promise<void> => {
  await db
    .update(transactions)
    .set({ final: true })
    .where(
      and(
        eq(transactions.walletId, args.walletId),
        eq(transactions.chain, args.chain),
        lte(transactions.blockNumber, args.block),
        eq(transactions.final, false),
      ),
    );
  await db
    .update(movements)
    .set({ final: true })
    .where(
      and(
        eq(movements.walletId, args.walletId),
        eq(movements.chain, args.chain),
        lte(movements.blockNumber, args.block),
        eq(movements.final, false),
      ),
    );
};

/** Hashes per lookup query of `storedTransactionsAndRecords` (values inlined, no bind parameters). */
const LOOKUP_CHUNK = 1000;

/**
 * What is stored already of `hashes` for a wallet's sync, in one query per 1,000 hashes: which
 * have a transaction row for the wallet (`stored`), and for the others the raw record of `kind`
 * and `index` when one is stored (`raws`, by this or another wallet, keyed by hash: re-normalized
 * without an RPC call). The same as asking for the wallet's rows first and then for the raw
 * records of the rest, in half the queries.
 */
export const storedTransactionsAndRecords = async (
  db: DbOrTx,
  args: { walletId: number; chain: string; kind: string; index: number; hashes: readonly string[] },
): Promise<{ stored: Set<string>; raws: Map<string, unknown> }> => {
  const stored = new Set<string>();
  const raws = new Map<string, unknown>();
  const chain = sqlLiteral(args.chain);
  for (const c of chunks(args.hashes, LOOKUP_CHUNK)) {
    // One text cell per answer (db/packed-json.ts): no bytea parsing by the driver.
    const rows = await selectCells(
      db,
      `select h.tx_hash, t.tx_hash is not null, case when t.tx_hash is null then ${packedJsonSql("r.data")} end
        from unnest(array[${c.map(sqlLiteral).join(", ")}]::text[]) as h(tx_hash)
        left join lotwise_sync.transactions t
          on t.wallet_id = ${Number(args.walletId)} and t.chain = ${chain} and t.tx_hash = h.tx_hash
        left join lotwise_sync.raw_records r
          on t.tx_hash is null and r.chain = ${chain} and r.kind = ${sqlLiteral(args.kind)}
            and r.index = ${Number(args.index)} and r.tx_hash = h.tx_hash
        where t.tx_hash is not null or r.tx_hash is not null`,
    );
    const read = await packedCellReader(
      db,
      rows.map((r) => r[2]),
    );
    for (const [hash, has, data] of rows) {
      if (hash == null) continue;
      if (has === "t") stored.add(hash);
      else if (data != null) raws.set(hash, read(data));
    }
  }
  return { stored, raws };
};

/**
 * Stored raw records of one kind and index for `hashes`, keyed by transaction hash: lets a sync
 * re-normalize a transaction fetched earlier (by this or another wallet) without an RPC call.
 */
export const getRawRecords = async (
  db: DbOrTx,
  args: { chain: string; kind: string; index: number; hashes: readonly string[] },
): Promise<Map<string, unknown>> => {
  const out = new Map<string, unknown>();
  for (const c of chunks(args.hashes, CHUNK)) {
    // One text cell per answer (db/packed-json.ts): no bytea parsing by the driver.
    const rows = await selectCells(
      db,
      `select tx_hash, ${packedJsonSql("data")} from lotwise_sync.raw_records
        where chain = ${sqlLiteral(args.chain)} and kind = ${sqlLiteral(args.kind)} and index = ${Number(args.index)}
          and tx_hash in (${c.map(sqlLiteral).join(", ")})`,
    );
    const read = await packedCellReader(
      db,
      rows.map((r) => r[1]),
    );
    for (const [txHash, cell] of rows) if (txHash != null && cell != null) out.set(txHash, read(cell));
  }
  return out;
};

/**
 * Hash-precise reorg clean-up: removes a wallet's transactions and movements above `above` (they
 * are re-fetched from the canonical chain), and the chain's raw records and block headers whose
 * block hash is in `staleHashes`. Rows of valid blocks, even newer ones another wallet just wrote,
 * are never touched.
 */
export const rollbackStale = async (
  db: DbOrTx,
  args: { chain: string; walletId: number; above: bigint; staleHashes: readonly string[] },
): Promise<void> => {
  await db.transaction(async (tx) => {
    await tx
      .delete(movements)
      .where(
        and(
          eq(movements.walletId, args.walletId),
          eq(movements.chain, args.chain),
          gt(movements.blockNumber, args.above),
        ),
      );
    await tx
      .delete(transactions)
      .where(
        and(
          eq(transactions.walletId, args.walletId),
          eq(transactions.chain, args.chain),
          gt(transactions.blockNumber, args.above),
        ),
      );
    for (const h of chunks(args.staleHashes, CHUNK)) {
      await tx
        .delete(rawRecords)
        .where(and(eq(rawRecords.chain, args.chain), inArray(rawRecords.blockHash, h as string[])));
      await tx.delete(blocks).where(and(eq(blocks.chain, args.chain), inArray(blocks.hash, h as string[])));
    }
  });
};

/** How many transactions and movements a wallet has in the store. */
export const walletTotals = async (
  db: DbOrTx,
  args: { walletId: number; chain: string },
): Promise<{ transactions: number; movements: number }> => {
  const [t] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(transactions)
    .where(and(eq(transactions.walletId, args.walletId), eq(transactions.chain, args.chain)));
  const [m] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(movements)
    .where(and(eq(movements.walletId, args.walletId), eq(movements.chain, args.chain)));
  return { transactions: Number(t?.n ?? 0), movements: Number(m?.n ?? 0) };
};
