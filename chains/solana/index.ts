import { NotImplementedError } from "../../src/errors.ts";
import type { ChainSyncer } from "../types.ts";

/** solana wallet sync (placeholder until the solana worker lands). */
export const solanaSyncer: ChainSyncer = {
  family: "solana",
  syncWallet: async () => {
    throw new NotImplementedError("solana sync is not available in this version yet");
  },
};
