import { NotImplementedError } from "../../src/errors.ts";
import type { ChainSyncer } from "../types.ts";

/** evm wallet sync (placeholder until the evm worker lands). */
export const evmSyncer: ChainSyncer = {
  family: "evm",
  syncWallet: async () => {
    throw new NotImplementedError("evm sync is not available in this version yet");
  },
};
