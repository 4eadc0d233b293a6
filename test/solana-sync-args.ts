import { resolveChain } from "../chains/registry.ts";
import type { SyncWalletArgs, WalletRef } from "../chains/types.ts";
import type { Database } from "../db/client.ts";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import { createTestCommon } from "./services.ts";
import type { ReplayServer } from "./solana-replay.ts";

/**
 * `syncSolanaWallet`'s arguments for a sync of `wallet` into `database` from the replay `server`:
 * the test kernel with `concurrency` batches at a time, 2 attempts and a 5 s timeout; no abort, no
 * progress. A file of its own: the replay server (also run by the benches, in a child process)
 * does not load the test kernel.
 */
export const replaySyncArgs = (
  server: ReplayServer,
  database: Database,
  wallet: WalletRef,
  concurrency: number,
): SyncWalletArgs => ({
  common: createTestCommon({ sync: { concurrency, maxAttempts: 2, timeoutMs: 5_000 } }),
  database,
  wallet,
  chain: resolveChain("solana"),
  rpcUrl: server.url,
  signal: new AbortController().signal,
  reportProgress: () => {},
});

/** The recorded Jupiter limit-order wallet: 11 transactions in the replay server's recordings. */
export const LIMIT_ORDER_WALLET = "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz";

/** `address` (default `LIMIT_ORDER_WALLET`) as a Solana wallet of the user `default` in `database`. */
export const solanaTestWallet = async (
  database: Database,
  address = LIMIT_ORDER_WALLET,
): Promise<WalletRef> => {
  const userId = await ensureUser(database.db, "default");
  return upsertWallet(database.db, userId, { chain: "solana", address });
};
