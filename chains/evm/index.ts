import type { ChainSyncer } from "../types.ts";
import { syncEvmWallet } from "./sync.ts";

/**
 * The EVM chain family's syncer: full history of one wallet on any EVM chain (see README.md).
 * Settings come from the configuration: `finality.<chain>`, `explorers.<chain>`, `sync.*`.
 */
export const evmSyncer: ChainSyncer = {
  family: "evm",
  syncWallet: (args) => syncEvmWallet(args),
};

export { type EvmSyncOptions, syncEvmWallet } from "./sync.ts";
