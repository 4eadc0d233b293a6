import { positionEntries } from "../position.ts";
import type { Decoder } from "../types.ts";
import { STETH } from "./constants.ts";

/**
 * Lido staking: ETH sent to the stETH contract mints stETH. Treatment (setting
 * `classify.staking`): `swap` (default) — ETH is exchanged for stETH, a different token;
 * `nontaxable` — the ETH moves into the position account `lido:<wallet>` and stETH is ignored.
 * stETH's daily rebases change balances without Transfer events, so they are not seen here
 * (a known limitation, listed in docs/classification.md).
 */
export const lidoDecoder: Decoder = {
  protocol: "lido",
  addresses: (chain, ctx) => [...(STETH[chain] ?? []), ...(ctx.contracts?.[chain]?.lido ?? [])],
  decode: (tx, ctx) => {
    const steth = new Set(lidoDecoder.addresses(tx.chain, ctx));
    if (!tx.to || !steth.has(tx.to.toLowerCase())) return undefined;
    const stake = tx.movements.some((m) => m.chainAsset.endsWith(":native") && m.amount < 0n);
    if (!stake) return undefined;
    if (ctx.settings.staking === "swap") return { action: "lido:stake", subtype: "stake" };
    const receipts = tx.movements.filter((m) => steth.has(m.chainAsset.split(":").pop()!.toLowerCase()));
    return positionEntries(tx, ctx, { protocol: "lido", receipts, deposit: true });
  },
};
