import type { ChainSyncer } from "../types.ts";
import { syncSolanaWallet } from "./sync.ts";

/** Solana wallet sync: signatures of the wallet and its token accounts, balance-delta movements. */
export const solanaSyncer: ChainSyncer = {
  family: "solana",
  syncWallet: (args) => syncSolanaWallet(args),
};
