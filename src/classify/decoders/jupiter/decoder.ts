import type { Decoder } from "../types.ts";
import { JUPITER_PROGRAMS } from "./constants.ts";

/**
 * Jupiter on Solana. Aggregator swaps are ordinary swaps from the wallet's point of view (the
 * generic rule values them); this decoder names them. Limit-order and DCA transactions are named
 * too: an order opening moves tokens into Jupiter's escrow (the generic rules see an outflow to
 * an unknown party and put it up for review), and each fill delivers the bought token.
 */
export const jupiterDecoder: Decoder = {
  protocol: "jupiter",
  addresses: () => Object.values(JUPITER_PROGRAMS),
  decode: (tx) => {
    const p = new Set(tx.programIds);
    if (p.has(JUPITER_PROGRAMS.dca)) return { action: "jupiter:dca", subtype: "jupiter_dca" };
    if (p.has(JUPITER_PROGRAMS.limitOrder) || p.has(JUPITER_PROGRAMS.limitOrderV2)) {
      return { action: "jupiter:limit_order", subtype: "jupiter_limit" };
    }
    if (p.has(JUPITER_PROGRAMS.aggregatorV6)) return { action: "jupiter:swap", subtype: "swap" };
    return undefined;
  },
};
