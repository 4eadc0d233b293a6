import { evmSyncer } from "./evm/index.ts";
import { solanaSyncer } from "./solana/index.ts";
import type { ChainFamily, ChainSyncer } from "./types.ts";

/** The syncer of each chain family. */
export const SYNCERS: Record<ChainFamily, ChainSyncer> = {
  evm: evmSyncer,
  solana: solanaSyncer,
};
