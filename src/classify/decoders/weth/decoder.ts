import type { Decoder } from "../types.ts";
import { DEPOSIT_TOPIC, WETH_ADDRESSES, WITHDRAWAL_TOPIC } from "./constants.ts";

/**
 * WETH wrap / unwrap. Treatment (setting `classify.weth`): with `same-as-eth` (default) WETH is
 * the asset ETH, so the ETH out and WETH in cancel and only the gas remains; with `separate` the
 * generic rules see a swap. Either way this decoder only names the action.
 */
export const wethDecoder: Decoder = {
  protocol: "weth",
  addresses: (chain, ctx) => [...(WETH_ADDRESSES[chain] ?? []), ...(ctx.contracts?.[chain]?.weth ?? [])],
  decode: (tx, ctx) => {
    const weth = new Set(wethDecoder.addresses(tx.chain, ctx));
    const logs = tx.logs.filter((l) => weth.has(l.address.toLowerCase()));
    const wrap =
      logs.some((l) => l.topics[0] === DEPOSIT_TOPIC) ||
      tx.movements.some((m) => m.evidence === "weth_deposit");
    const unwrap =
      logs.some((l) => l.topics[0] === WITHDRAWAL_TOPIC) ||
      tx.movements.some((m) => m.evidence === "weth_withdrawal");
    if (!wrap && !unwrap) return undefined;
    // A wrap inside a larger trade (a router swapping ETH) is part of that swap: label only direct calls.
    if (!tx.to || !weth.has(tx.to.toLowerCase())) return undefined;
    return { action: wrap ? "weth:wrap" : "weth:unwrap", subtype: wrap ? "wrap" : "unwrap" };
  },
};
