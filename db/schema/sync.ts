import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { wallets } from "./app.ts";
import { bigintNumeric, bytes, jsonText, packedJson, xid8 } from "./types.ts";

/**
 * Chain data: cursors, immutable raw records, normalized movements, token metadata, blocks for
 * reorg checks and the RPC response cache. Every chain family (EVM, Solana) writes the same tables.
 *
 * Idempotency: every table has a natural unique key, and writers use `ON CONFLICT` so a second
 * sync, or a resumed one, yields identical rows.
 */
export const sync = pgSchema("lotwise_sync");

/** How far one wallet's sync got, per source (e.g. `evm:logs`, `evm:txs`, `solana:sigs:<account>`). */
export const cursors = sync.table(
  "cursors",
  {
    walletId: integer("wallet_id")
      .notNull()
      .references(() => wallets.id, { onDelete: "cascade" }),
    source: text("source").notNull(),
    chain: text("chain").notNull(),
    /** Source-specific position, e.g. `{ "finalizedBlock": "123" }` or `{ "newestSignature": "…" }`. */
    position: jsonb("position").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "cursors_pk", columns: [t.walletId, t.source] })],
);

/**
 * Raw chain records as the node returned them: transactions, receipts, logs, traces, Solana
 * transactions. Immutable once final; unique per chain + transaction + kind + index
 * (log index, trace position, instruction index; -1 for the transaction itself).
 */
export const rawRecords = sync.table(
  "raw_records",
  {
    chain: text("chain").notNull(),
    txHash: text("tx_hash").notNull(),
    /** `tx`, `receipt`, `log`, `trace`, `solana_tx`, … */
    kind: text("kind").notNull(),
    index: integer("index").notNull(),
    blockNumber: bigintNumeric("block_number").notNull(),
    blockHash: text("block_hash"),
    /** The node's answer: its JSON text as UTF-8, compressed when long (db/packed-json.ts). */
    data: packedJson("data").notNull(),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "raw_records_pk", columns: [t.chain, t.txHash, t.kind, t.index] }),
    index("raw_records_chain_block_idx").on(t.chain, t.blockNumber),
  ],
);

/**
 * Raw records stored together (db/raw-blobs.ts): the JSON texts of a batch of answers (a Solana
 * `getTransaction` batch), concatenated and Brotli-compressed once. Each answer's raw record holds a
 * reference to its byte range here. Append-only; `id` is random (a UUID, made by the writer).
 */
export const rawBlobs = sync.table("raw_blobs", {
  id: text("id").primaryKey(),
  chain: text("chain").notNull(),
  /** `b` and the Brotli stream of the concatenated texts (db/raw-blobs.ts `packBlob`). */
  data: bytes("data").notNull(),
  fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Per-wallet view of one transaction (the unit classification works on). */
export const transactions = sync.table(
  "transactions",
  {
    /**
     * The wallet (`lotwise_app.wallets.id`). No foreign key (migration 0016): checking the wallet
     * row for every written row cost about a quarter of the sync's movements and transactions
     * COPYs. chains/store.ts locks the wallet row once per write instead (as the key's check did,
     * per row), and a wallet's deletion removes its rows by a statement trigger on wallets.
     */
    walletId: integer("wallet_id").notNull(),
    chain: text("chain").notNull(),
    txHash: text("tx_hash").notNull(),
    blockNumber: bigintNumeric("block_number").notNull(),
    blockHash: text("block_hash"),
    /** Position of the transaction in its block (EVM transactionIndex; Solana index when known). */
    txIndex: integer("tx_index").notNull().default(0),
    time: timestamp("time", { withTimezone: true }).notNull(),
    from: text("from"),
    to: text("to"),
    /** `success` or `failed` (failed transactions still pay fees). */
    status: text("status").notNull(),
    /** First 4 bytes of EVM calldata, or the Solana program ids involved. */
    method: text("method"),
    /** Who paid the fee (EVM `from`, Solana fee payer). */
    feePayer: text("fee_payer"),
    /** False while the block is newer than the chain's finality depth. */
    final: boolean("final").notNull().default(true),
    details: jsonb("details").notNull().default(sql`'{}'::jsonb`),
    /**
     * The database transaction that inserted the row (`pg_current_xact_id()`; an upsert of an
     * existing row keeps it): a ledger build finds the transactions new since its previous run as
     * those its snapshot did not see (`ledger_state.seen_snapshot`): from the snapshot's `xmin`
     * on, an index range scan.
     */
    insertedXid: xid8("inserted_xid").notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [
    primaryKey({ name: "transactions_pk", columns: [t.walletId, t.chain, t.txHash] }),
    index("transactions_wallet_block_idx").on(t.walletId, t.blockNumber),
    index("transactions_wallet_time_idx").on(t.walletId, t.time),
    index("transactions_wallet_xid_idx").on(t.walletId, t.insertedXid),
  ],
);

/**
 * Transactions deleted from `transactions` (a reorg rolled them back, a rebase day was redone),
 * written by a statement trigger (migration `…_perf-build2_ledger_watermark`), so a ledger build
 * finds what vanished since its previous run without comparing every classification with every
 * transaction. Rows of a deleted wallet are not kept (its removal rebuilds the whole ledger). A
 * build deletes the rows of its user's wallets it has seen.
 */
export const removedTransactions = sync.table(
  "removed_transactions",
  {
    walletId: integer("wallet_id").notNull(),
    chain: text("chain").notNull(),
    txHash: text("tx_hash").notNull(),
    /** The deleted row's time. */
    time: timestamp("time", { withTimezone: true }).notNull(),
    /** The deleting database transaction (see `transactions.inserted_xid`). */
    removedXid: xid8("removed_xid").notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [index("removed_transactions_wallet_xid_idx").on(t.walletId, t.removedXid)],
);

/**
 * Normalized movements: signed amounts in raw integer units, from one wallet's point of view.
 * Unique per (wallet, chain, transaction, evidence, evidence index).
 */
export const movements = sync.table(
  "movements",
  {
    /** The wallet, without a foreign key as in `transactions` (migration 0016). */
    walletId: integer("wallet_id").notNull(),
    chain: text("chain").notNull(),
    txHash: text("tx_hash").notNull(),
    /**
     * What the movement was read from: `native` (transaction value), `internal` (trace), `erc20`,
     * `erc721`, `erc1155`, `weth_deposit`, `weth_withdrawal`, `gas`, `l1_fee`, `sol`, `spl`, `sol_fee`.
     */
    evidence: text("evidence").notNull(),
    /** Distinguishes several movements of one kind in a transaction (log index, trace address, mint). */
    evidenceIndex: text("evidence_index").notNull(),
    blockNumber: bigintNumeric("block_number").notNull(),
    blockHash: text("block_hash"),
    txIndex: integer("tx_index").notNull().default(0),
    time: timestamp("time", { withTimezone: true }).notNull(),
    /** Chain asset id: `<chain>:native` or `<chain>:<contract address or mint>`. */
    asset: text("asset").notNull(),
    symbol: text("symbol"),
    /** Decimals of the asset (null when unknown: such amounts stay raw and go to review). */
    decimals: integer("decimals"),
    /** Signed amount in raw units (wei, lamports, token base units): positive in, negative out. */
    amount: bigintNumeric("amount").notNull(),
    /** The other party (sender for inflows, recipient for outflows), when known. */
    counterparty: text("counterparty"),
    /** ERC-721/1155 token id. */
    tokenId: text("token_id"),
    final: boolean("final").notNull().default(true),
  },
  (t) => [
    primaryKey({
      name: "movements_pk",
      columns: [t.walletId, t.chain, t.txHash, t.evidence, t.evidenceIndex],
    }),
    index("movements_wallet_time_idx").on(t.walletId, t.time),
    index("movements_chain_block_idx").on(t.chain, t.blockNumber),
  ],
);

/** Token metadata, cached per chain and contract / mint. */
export const tokens = sync.table(
  "tokens",
  {
    chain: text("chain").notNull(),
    address: text("address").notNull(),
    /** `erc20`, `erc721`, `erc1155`, `spl`, `spl-2022`. */
    standard: text("standard").notNull(),
    symbol: text("symbol"),
    name: text("name"),
    decimals: integer("decimals"),
    /** Why metadata is incomplete, e.g. `symbol reverted`. */
    problem: text("problem"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "tokens_pk", columns: [t.chain, t.address] })],
);

/** Block headers seen while syncing, to detect reorgs of non-final data by hash. */
export const blocks = sync.table(
  "blocks",
  {
    chain: text("chain").notNull(),
    number: bigintNumeric("number").notNull(),
    hash: text("hash").notNull(),
    parentHash: text("parent_hash"),
    /** Unix seconds. */
    timestamp: bigint("timestamp", { mode: "bigint" }).notNull(),
  },
  (t) => [primaryKey({ name: "blocks_pk", columns: [t.chain, t.number] })],
);

/**
 * RPC response cache: final data only (requests about blocks at or below finality), keyed by
 * chain and a hash of method + params, so re-syncing history makes no RPC call.
 */
export const rpcCache = sync.table(
  "rpc_cache",
  {
    chain: text("chain").notNull(),
    /** SHA-256 hex of `method` + canonical JSON params. */
    key: text("key").notNull(),
    method: text("method").notNull(),
    blockNumber: bigintNumeric("block_number"),
    /** The node's answer as JSON text. */
    response: jsonText("response").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "rpc_cache_pk", columns: [t.chain, t.key] })],
);
