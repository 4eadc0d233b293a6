import type { Decoder } from "../types.ts";
import { RAYDIUM_PROGRAMS } from "./constants.ts";

/** Raydium AMM v4, CLMM and CPMM swaps on Solana: named here, valued by the generic swap rule. */
export const raydiumDecoder: Decoder = {
  protocol: "raydium",
  addresses: () => Object.values(RAYDIUM_PROGRAMS),
  decode: (tx) => {
    const p = new Set(tx.programIds);
    return Object.values(RAYDIUM_PROGRAMS).some((id) => p.has(id))
      ? { action: "raydium:swap", subtype: "swap" }
      : undefined;
  },
};
