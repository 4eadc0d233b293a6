import { eq } from "drizzle-orm";
import { resolveChain, rpcUrlFor, walletKey } from "../../chains/registry.ts";
import { SYNCERS } from "../../chains/syncers.ts";
import type { SyncWalletResult } from "../../chains/types.ts";
import { wallets } from "../../db/schema/index.ts";
import { ConfigError, NonRetryableError } from "../../src/errors.ts";
import type { JobDefinition } from "../types.ts";

export type SyncWalletData = {
  walletId: number;
  /**
   * Deprecated: an RPC URL in the job's data would be stored with the job. An URL given on the
   * command line (`--rpc chain=url`) travels as the job's secret `rpcUrl` instead
   * (`EnqueueOptions.secrets`); absent, the worker's own configuration (`rpc.<chain>` in its
   * config file or `LOTWISE_RPC_<CHAIN>`) supplies it.
   */
  rpcUrl?: string | undefined;
  /** EVM: first block to scan on the wallet's first sync (decimal string; `--from-block`). */
  fromBlock?: string | undefined;
};

/** Syncs one wallet's history (thin: validates, loads the wallet, calls its chain family). */
export const syncWalletJob: JobDefinition<SyncWalletData, SyncWalletResult> = {
  name: "sync-wallet",
  attempts: 3,
  backoffMs: 2000,
  parse: (data) => {
    const d = data as Partial<SyncWalletData> | null;
    if (!d || typeof d.walletId !== "number" || !Number.isInteger(d.walletId)) {
      throw new NonRetryableError("sync-wallet: walletId must be an integer");
    }
    if (d.rpcUrl !== undefined && typeof d.rpcUrl !== "string") {
      throw new NonRetryableError("sync-wallet: rpcUrl must be a string");
    }
    if (d.fromBlock !== undefined && (typeof d.fromBlock !== "string" || !/^\d+$/.test(d.fromBlock))) {
      throw new NonRetryableError("sync-wallet: fromBlock must be a decimal block number");
    }
    return { walletId: d.walletId, rpcUrl: d.rpcUrl, fromBlock: d.fromBlock };
  },
  process: async (data, ctx) => {
    const { config } = ctx.common;
    const [wallet] = await ctx.database.db.select().from(wallets).where(eq(wallets.id, data.walletId));
    if (!wallet) throw new NonRetryableError(`sync-wallet: wallet ${data.walletId} does not exist`);
    const chain = resolveChain(wallet.chain, { nativeSymbols: config.nativeSymbols });
    const rpcUrl = ctx.secrets.rpcUrl ?? data.rpcUrl ?? rpcUrlFor(config.rpc, chain);
    if (!rpcUrl) {
      throw new ConfigError(
        `no RPC endpoint for ${chain.id} (wallet ${walletKey(wallet.chain, wallet.address)}): ` +
          `pass --rpc ${chain.id}=URL or set rpc.${chain.id} in the config file`,
      );
    }
    return SYNCERS[chain.family].syncWallet({
      common: ctx.common,
      database: ctx.database,
      wallet,
      chain,
      rpcUrl,
      signal: ctx.signal,
      reportProgress: ctx.reportProgress,
      endpointGate: ctx.endpointGate,
      ...(data.fromBlock !== undefined ? { fromBlock: BigInt(data.fromBlock) } : {}),
    });
  },
};
