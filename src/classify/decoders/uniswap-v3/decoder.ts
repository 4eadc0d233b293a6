import { decodeAbiParameters } from "viem";
import { Decimal } from "../../../utils/decimal.ts";
import { legOf } from "../../context.ts";
import type { Leg } from "../../types.ts";
import type { Decoder } from "../types.ts";
import {
  COLLECT_TOPIC,
  DECREASE_LIQUIDITY_TOPIC,
  INCREASE_LIQUIDITY_TOPIC,
  POSITION_MANAGERS,
} from "./constants.ts";

const FEE_EVIDENCE = new Set(["gas", "l1_fee", "sol_fee"]);

/**
 * Uniswap V3 positions (NonfungiblePositionManager). A position is the asset
 * `uniswap-v3:<chain>:<tokenId>` measured in liquidity units (`IncreaseLiquidity.liquidity`);
 * the position NFT itself is ignored. Adding liquidity is a swap of the tokens into position
 * units, removing it (`DecreaseLiquidity` + `Collect`) a swap of units back into tokens; a
 * `Collect` without a decrease is fee income (`lp_fees`). Plain swaps through V3 pools are left
 * to the generic swap rule.
 */
export const uniswapV3Decoder: Decoder = {
  protocol: "uniswap-v3",
  addresses: (chain, ctx) => [
    ...(POSITION_MANAGERS[chain] ?? []),
    ...(ctx.contracts?.[chain]?.uniswapV3PositionManagers ?? []),
  ],
  decode: (tx, ctx) => {
    const managers = new Set(uniswapV3Decoder.addresses(tx.chain, ctx));
    const logs = tx.logs.filter((l) => managers.has(l.address.toLowerCase()));
    const find = (topic: string) => logs.find((l) => l.topics[0] === topic);
    const increase = find(INCREASE_LIQUIDITY_TOPIC);
    const decrease = find(DECREASE_LIQUIDITY_TOPIC);
    const collect = find(COLLECT_TOPIC);
    const event = increase ?? decrease ?? collect;
    if (!event) return undefined;
    const tokenId = BigInt(event.topics[1] ?? "0x0").toString();
    const asset = `uniswap-v3:${tx.chain}:${tokenId}`;
    const liquidityOf = (data: string) =>
      decodeAbiParameters(
        [{ type: "uint128" }, { type: "uint256" }, { type: "uint256" }],
        data as `0x${string}`,
      )[0] as bigint;
    const position = (units: bigint): Leg => ({
      asset,
      chainAsset: asset,
      chain: tx.chain,
      quantity: new Decimal(units.toString()),
      symbol: `UNI-V3 #${tokenId}`,
    });
    // The NFT standing for the position is not an asset of its own here.
    const ignored = tx.movements.filter(
      (m) => m.evidence === "erc721" && managers.has(m.chainAsset.split(":").pop()!.toLowerCase()),
    );
    const owner = tx.movements.find((m) => !FEE_EVIDENCE.has(m.evidence) && m.wallet.kind === "own")?.wallet;
    if (!owner) return undefined;
    const value = tx.movements.filter(
      (m) => !ignored.includes(m) && !FEE_EVIDENCE.has(m.evidence) && m.wallet === owner,
    );
    const legs = (sign: 1 | -1): Leg[] =>
      value.filter((m) => (sign > 0 ? m.amount > 0n : m.amount < 0n)).map((m) => legOf(ctx, m));
    if (increase) {
      return {
        action: "uniswap-v3:lp_deposit",
        subtype: "lp_deposit",
        consumed: value,
        ignored,
        entries: [
          {
            kind: "trade",
            wallet: owner.key,
            outs: legs(-1),
            ins: [position(liquidityOf(increase.data))],
            subtype: "lp_deposit",
          },
        ],
      };
    }
    if (decrease) {
      return {
        action: "uniswap-v3:lp_withdrawal",
        subtype: "lp_withdrawal",
        consumed: value,
        ignored,
        entries: [
          {
            kind: "trade",
            wallet: owner.key,
            outs: [position(liquidityOf(decrease.data))],
            ins: legs(1),
            subtype: "lp_withdrawal",
          },
        ],
      };
    }
    return {
      action: "uniswap-v3:collect",
      subtype: "lp_fees",
      consumed: value,
      ignored,
      entries: [{ kind: "trade", wallet: owner.key, outs: [], ins: legs(1), subtype: "lp_fees" }],
    };
  },
};
