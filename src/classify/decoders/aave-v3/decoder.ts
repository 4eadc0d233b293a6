import { positionEntries } from "../position.ts";
import type { Decoder } from "../types.ts";
import { POOLS, SUPPLY_TOPIC, WITHDRAW_TOPIC } from "./constants.ts";

const topicAddress = (topic: string | undefined) => (topic ? `0x${topic.slice(-40)}`.toLowerCase() : "");

/**
 * Aave V3 supply and withdraw. Treatment (setting `classify.lending`): `nontaxable` (default) —
 * supplying moves the tokens into the position account `aave-v3:<wallet>` and the aToken is
 * ignored; withdrawing moves them back, and what comes back beyond the principal is `interest`
 * income at that moment. `swap` — the generic rules see a swap into (and out of) the aToken.
 */
export const aaveV3Decoder: Decoder = {
  protocol: "aave-v3",
  addresses: (chain, ctx) => [...(POOLS[chain] ?? []), ...(ctx.contracts?.[chain]?.aavePools ?? [])],
  decode: (tx, ctx) => {
    const pools = new Set(aaveV3Decoder.addresses(tx.chain, ctx));
    const logs = tx.logs.filter((l) => pools.has(l.address.toLowerCase()));
    const supply = logs.find((l) => l.topics[0] === SUPPLY_TOPIC);
    const withdraw = logs.find((l) => l.topics[0] === WITHDRAW_TOPIC);
    const event = supply ?? withdraw;
    if (!event) return undefined;
    const reserve = topicAddress(event.topics[1]);
    const isReserve = (chainAsset: string) => chainAsset.toLowerCase().endsWith(reserve);
    if (ctx.settings.lending === "swap") {
      return {
        action: `aave-v3:${supply ? "supply" : "withdraw"}`,
        subtype: supply ? "lend_supply" : "lend_withdraw",
      };
    }
    // The aToken: the other ERC-20 the wallet receives (supply) or returns (withdraw) in this transaction.
    const receipts = tx.movements.filter(
      (m) => m.evidence === "erc20" && !isReserve(m.chainAsset) && (supply ? m.amount > 0n : m.amount < 0n),
    );
    return positionEntries(tx, ctx, { protocol: "aave-v3", receipts, deposit: Boolean(supply) });
  },
};
