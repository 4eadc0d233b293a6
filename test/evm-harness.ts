import { type EvmSyncOptions, syncEvmWallet } from "../chains/evm/sync.ts";
import { resolveChain } from "../chains/registry.ts";
import type { SyncWalletResult, WalletRef } from "../chains/types.ts";
import type { Database } from "../db/client.ts";
import {
  blocks,
  cursors,
  evmScans,
  movements,
  rawRecords,
  tokens,
  transactions,
  wallets,
} from "../db/schema/index.ts";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import type { Common } from "../src/common.ts";
import type { ConfigInput } from "../src/config.ts";
import type { JobProgress } from "../workers/types.ts";
import { createTestCommon, createTestDatabase, type DatabaseKind } from "./services.ts";

/**
 * EVM sync test harness: a database with a user's wallets, a one-call wallet sync, and a
 * snapshot of every row the sync writes (timestamps of writing left out) to compare runs.
 */

export type EvmHarness = {
  database: Database;
  common: Common;
  userId: number;
  /** By checksummed address. */
  wallets: Map<string, WalletRef>;
  sync: (
    address: string,
    rpcUrl: string,
    options?: EvmSyncOptions & { signal?: AbortSignal; onProgress?: (p: JobProgress) => void },
  ) => Promise<SyncWalletResult>;
  close: () => Promise<void>;
};

export const createEvmHarness = async (args: {
  addresses: readonly string[];
  kind?: DatabaseKind;
  config?: ConfigInput;
  database?: Database;
  user?: string;
}): Promise<EvmHarness> => {
  const kind = args.kind ?? "pglite";
  const database = args.database ?? (await createTestDatabase(kind));
  const common = createTestCommon(args.config ?? {});
  const chain = resolveChain("evm:31337");
  const userId = await ensureUser(database.db, args.user ?? "alice");
  const map = new Map<string, WalletRef>();
  for (const address of args.addresses) {
    map.set(address, await upsertWallet(database.db, userId, { chain: chain.id, address }));
  }
  return {
    database,
    common,
    userId,
    wallets: map,
    sync: (address, rpcUrl, options = {}) => {
      const { signal, onProgress, ...rest } = options;
      return syncEvmWallet(
        {
          common,
          database,
          wallet: map.get(address)!,
          chain,
          rpcUrl,
          signal: signal ?? new AbortController().signal,
          reportProgress: onProgress ?? (() => {}),
        },
        { retryBaseMs: 10, ...rest },
      );
    },
    close: () => (args.database ? Promise.resolve() : database.close()),
  };
};

const plain = (row: object): Record<string, unknown> =>
  JSON.parse(JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))) as Record<
    string,
    unknown
  >;

const sortBy = <T>(rows: T[], key: (r: T) => string) =>
  rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

export type Snapshot = Record<
  "transactions" | "movements" | "rawRecords" | "tokens" | "blocks" | "cursors" | "scans",
  Record<string, unknown>[]
>;

/**
 * Every sync-written row, JSON-plain and sorted, wallet ids replaced by `<user>/<address>` (so two
 * databases compare) and write times dropped (`fetchedAt`, `updatedAt`, `createdAt`).
 */
export const snapshotRows = async (database: Database): Promise<Snapshot> => {
  const db = database.db;
  const ws = await db.select().from(wallets);
  const walletName = new Map(ws.map((w) => [w.id, `${w.userId}/${w.address}`]));
  const withWallet = <T extends { walletId: number }>(r: T) => {
    const { walletId, ...rest } = r;
    return plain({ wallet: walletName.get(walletId), ...rest });
  };
  // `inserted_xid` is bookkeeping of the database (which transaction wrote the row), not chain data.
  const txs = (await db.select().from(transactions)).map(({ insertedXid: _x, ...r }) => withWallet(r));
  const moves = (await db.select().from(movements)).map(withWallet);
  const raw = (await db.select().from(rawRecords)).map(({ fetchedAt: _f, ...r }) => plain(r));
  const toks = (await db.select().from(tokens)).map(({ updatedAt: _u, ...r }) => plain(r));
  const bl = (await db.select().from(blocks)).map((r) => plain(r));
  const cur = (await db.select().from(cursors)).map(({ updatedAt: _u, ...r }) => withWallet(r));
  const scans = (await db.select().from(evmScans)).map(({ createdAt: _c, ...r }) => plain(r));
  const k =
    (...f: string[]) =>
    (r: Record<string, unknown>) =>
      f.map((x) => String(r[x])).join("|");
  return {
    transactions: sortBy(txs, k("wallet", "txHash")),
    movements: sortBy(moves, k("wallet", "txHash", "evidence", "evidenceIndex")),
    rawRecords: sortBy(raw, k("txHash", "kind", "index")),
    tokens: sortBy(toks, k("address")),
    blocks: sortBy(bl, k("number")),
    cursors: sortBy(cur, k("wallet", "source")),
    scans: sortBy(scans, k("address", "source", "fromBlock")),
  };
};
