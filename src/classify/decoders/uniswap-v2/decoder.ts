import { positionEntries } from "../position.ts";
import type { Decoder } from "../types.ts";
import { BURN_TOPIC, MINT_TOPIC, ROUTERS, SWAP_TOPIC, SYNC_TOPIC } from "./constants.ts";

/**
 * Uniswap V2 (and forks with the same pair events): swaps, liquidity add and remove.
 *
 * A pair is recognized by its own events: `Mint`/`Burn` emitted by the contract whose ERC-20
 * (the LP token) the wallet receives or returns in the same transaction, and `Swap`+`Sync` from
 * a pair. Treatment (setting `classify.liquidity`): `swap` (default) — depositing tokens is a swap
 * into the LP token and withdrawing a swap out of it; `nontaxable` — the tokens move into a
 * position account `uniswap-v2:<pair>:<wallet>` and the LP token stands for that position.
 */
export const uniswapV2Decoder: Decoder = {
  protocol: "uniswap-v2",
  addresses: (chain, ctx) => [...(ROUTERS[chain] ?? []), ...(ctx.contracts?.[chain]?.uniswapV2Routers ?? [])],
  decode: (tx, ctx) => {
    // Every case below needs a pair's `Sync` (most transactions have none: nothing to build).
    if (!tx.logs.some((l) => l.topics[0] === SYNC_TOPIC)) return undefined;
    const pairsWithSync = new Set(
      tx.logs.filter((l) => l.topics[0] === SYNC_TOPIC).map((l) => l.address.toLowerCase()),
    );
    const emitted = (topic: string) =>
      new Set(
        tx.logs
          .filter((l) => l.topics[0] === topic && pairsWithSync.has(l.address.toLowerCase()))
          .map((l) => l.address.toLowerCase()),
      );
    const minted = emitted(MINT_TOPIC);
    const burned = emitted(BURN_TOPIC);
    const swapped = emitted(SWAP_TOPIC);
    const lpMoves = (pairs: Set<string>) =>
      tx.movements.filter((m) => {
        const addr = m.chainAsset.slice(m.chainAsset.lastIndexOf(":") + 1).toLowerCase();
        return pairs.has(addr) && (m.evidence === "erc20" || m.evidence === "erc721");
      });

    if (minted.size > 0 && lpMoves(minted).some((m) => m.amount > 0n)) {
      const pair = [...minted][0]!;
      if (ctx.settings.liquidity === "nontaxable") {
        return positionEntries(tx, ctx, {
          protocol: "uniswap-v2",
          account: pair,
          receipts: lpMoves(minted),
          deposit: true,
        });
      }
      return { action: "uniswap-v2:lp_deposit", subtype: "lp_deposit" };
    }
    if (burned.size > 0 && lpMoves(burned).some((m) => m.amount < 0n)) {
      const pair = [...burned][0]!;
      if (ctx.settings.liquidity === "nontaxable") {
        return positionEntries(tx, ctx, {
          protocol: "uniswap-v2",
          account: pair,
          receipts: lpMoves(burned),
          deposit: false,
        });
      }
      return { action: "uniswap-v2:lp_withdrawal", subtype: "lp_withdrawal" };
    }
    if (swapped.size > 0) return { action: "uniswap-v2:swap", subtype: "swap" };
    return undefined;
  },
};
